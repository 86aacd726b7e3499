#!/usr/bin/env python3
"""Damaged and hostile exports that used to break esrpipe's promises
(issue #15 items 3, 5-11; issue #14 item 2), each checked for its exit
code, the row accounting (rows read = in scope + out of scope + rejected,
and physical lines) and its figures:

- a stray quote or NUL bytes cost one row, not the rest of the file;
- personal data in columns esrpipe does not know never reaches rejects.csv;
- FTE above --max-fte is rejected with its value, totals never wrap;
- characters a workbook cannot hold, and text past a cell's limit, are
  replaced or cut on the sheets (records.csv keeps them), never a failure;
- many organisations: one row each, and --split-by-org under a small
  open-file limit; a row without an organisation under --split-by-org;
- control characters in values are escaped in every message;
- a mapping table that is a FIFO or a device is refused, not read;
- Job titles entries past their cap are pooled, figures unchanged.
Inputs are generated here (tests/gen is for realistic exports)."""
import argparse
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile
from checks import Checks

HEADER = ["Employee Number", "Assignment Number", "Org Code", "Position Title", "Occupation Code",
          "Area of Work", "Pay Band", "Contracted WTE"]
CHECKS = Checks(verbose=True)
csv.field_size_limit(1 << 30)


def row(i, org="RTH", title="Physiotherapy Assistant", fte="1"):
    return [str(100000 + i), "%d-1" % (100000 + i), org, title, "S9E", "Physiotherapy", "Band 3", fte]


def write(path, rows, header=HEADER, tail=b""):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "wb") as f:
        f.write(buf.getvalue().encode("utf-8") + tail)
    return path


class Run:
    def __init__(self, e, tmp):
        self.e, self.tmp, self.n = e, tmp, 0

    def __call__(self, args, limit_files=None, timeout=600):
        self.n += 1
        out = os.path.join(self.tmp, "out%d" % self.n)
        pre = None
        if limit_files:
            def pre():
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit_files, limit_files))
        p = subprocess.run([self.e, "run", "-o", out] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, preexec_fn=pre)
        rj = None
        if os.path.exists(os.path.join(out, "run.json")):
            rj = json.load(open(os.path.join(out, "run.json")))
        return p.returncode, p.stderr.decode("utf-8", "replace"), out, rj


def rejects(out):
    with open(os.path.join(out, "rejects.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def balanced(rj, what):
    c = rj["counts"]
    CHECKS.eq(c["rows_read"], c["in_scope"] + c["out_of_scope"] + c["rejected"],
              "%s: rows read = in scope + out of scope + rejected" % what)


def torn_rows(run, tmp):
    """Item 3: resynchronisation at the line after a torn row."""
    rows = [row(i) for i in range(20000)]
    path = write(os.path.join(tmp, "stray_2026-03-31.csv"), rows)
    data = open(path, "rb").read().replace(b"101000,101000-1,RTH,Physiotherapy Assistant",
                                           b'101000,101000-1,RTH,"Physiotherapy Assistant', 1)
    open(path, "wb").write(data)
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "stray quote: exit 0 (one row rejected)")
    CHECKS.eq((rj["counts"]["rows_read"], rj["counts"]["in_scope"], rj["counts"]["rejected"]),
              (20000, 19999, 1), "stray quote: 20,000 read, 19,999 in scope, 1 rejected")
    CHECKS.eq(rj["inputs"][0]["physical_lines"], 20001, "stray quote: 20,001 physical lines reported")
    CHECKS.eq(rj["counts"]["in_scope_fte"], 19999.0, "stray quote: in-scope FTE 19,999")
    balanced(rj, "stray quote")
    rej = rejects(out)
    CHECKS.eq([(r["line"], r["reason"].split(":")[0]) for r in rej], [("1002", "quote_open")],
              "stray quote: rejected at its start line 1002 as quote_open")

    # a quoted field over two lines is a value; over four it is torn
    rows = [row(i) for i in range(100)]
    rows[10][3] = "Physiotherapy\nAssistant"
    rows[50][3] = "a\nb\nc\nd"
    path = write(os.path.join(tmp, "multiline_2026-03-31.csv"), rows)
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "multi-line fields: exit 0")
    # the 4-line field opens on line 53: torn there, lines 54-56 read again
    # as rows of their own (the documented limit: such a field is not a value)
    CHECKS.eq((rj["counts"]["rows_read"], rj["counts"]["in_scope"], rj["counts"]["rejected"]),
              (103, 99, 4), "multi-line fields: the 2-line field read, the 4-line one torn")
    CHECKS.eq(rj["inputs"][0]["physical_lines"], 105, "multi-line fields: 105 physical lines")
    CHECKS.eq([(r["line"], r["reason"].split(":")[0]) for r in rejects(out)],
              [("53", "quote_open"), ("54", "row_torn"), ("55", "row_torn"), ("56", "row_torn")],
              "multi-line fields: torn at line 53, its later lines read again")
    balanced(rj, "multi-line fields")
    rc, err, out, rj = run(["--max-field-lines", "1", "--max-reject-rate", "100", path])
    CHECKS.eq([r["line"] for r in rejects(out) if r["reason"].startswith("quote_open")][:1], ["12"],
              "--max-field-lines 1: a two-line field is torn too")
    rc, err, out, rj = run(["--max-field-lines", "0", path])
    CHECKS.eq(rc, 64, "--max-field-lines 0: usage error")

    # a zero-filled tail (a preallocated file still arriving) and a NUL mid-file
    rows = [row(i) for i in range(12000)]
    path = write(os.path.join(tmp, "zerotail_2026-03-31.csv"), rows, tail=b"\0" * (1 << 20))
    rc, err, out, rj = run([path])
    CHECKS.eq((rj["counts"]["rows_read"], rj["counts"]["in_scope"], rj["counts"]["rejected"]),
              (12001, 12000, 1), "zero-filled tail: every row before it read, the tail one reject")
    CHECKS.eq(rj["inputs"][0]["nul_bytes"], 1 << 20, "zero-filled tail: 1 MiB of NUL bytes reported")
    CHECKS.ok("1048576 NUL bytes" in err, "zero-filled tail: NUL bytes said on stderr", err)
    CHECKS.eq([r["reason"].split(":")[0] for r in rejects(out)], ["nul_byte"], "zero-filled tail: nul_byte")
    rows = [row(i) for i in range(2000)]  # past the binary-file sniff at the start
    rows[1940][3] = "PhysioNULAssistant"
    path = write(os.path.join(tmp, "nul_2026-03-31.csv"), rows)
    data = open(path, "rb").read().replace(b"PhysioNULAssistant", b"Physio\0Assistant")
    open(path, "wb").write(data)
    rc, err, out, rj = run([path])
    CHECKS.eq((rc, rj["counts"]["rows_read"], rj["counts"]["in_scope"], rj["inputs"][0]["nul_bytes"]),
              (0, 2000, 1999, 1), "NUL mid-file: that row only rejected, the NUL counted")
    CHECKS.eq([(r["line"], r["reason"].split(":")[0]) for r in rejects(out)], [("1942", "nul_byte")],
              "NUL mid-file: rejected at line 1942 as nul_byte")


SECRETS = {"Middle Names": "Zebediah", "Address Line 3": "Quillfeather Lane",
           "Home Postcode": "ZZ9 9ZZ", "National Insurance No": "QQ123456C",
           "Employee Surname": "Ottershaw"}


def privacy(run, tmp):
    """Item 5: rejects.csv raw keeps only columns mapped to canonical fields."""
    header = HEADER + list(SECRETS)
    rows = [row(i) + list(SECRETS.values()) for i in range(60)]
    rows[5][7] = "n/a"      # fte_not_number
    rows[9][4] = rows[9][3] = ""  # no_code_no_title
    rows[20] = rows[20][:5]  # torn
    path = write(os.path.join(tmp, "pii_2026-03-31.csv"), rows, header=header)
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "unknown personal columns: exit 0")
    CHECKS.eq(rj["counts"]["rejected"], 3, "unknown personal columns: 3 rejected")
    blobs = {"stderr": err.encode()}
    for f in os.listdir(out):
        b = open(os.path.join(out, f), "rb").read()
        if f.endswith(".xlsx"):
            z = zipfile.ZipFile(os.path.join(out, f))
            b = b"".join(z.read(n) for n in z.namelist())
        blobs[f] = b
    for name, secret in SECRETS.items():
        leaks = [f for f, b in blobs.items() if secret.encode() in b]
        CHECKS.eq(leaks, [], "column %r: value in no output" % name)
    rej = rejects(out)
    CHECKS.ok("n/a" in rej[0]["raw"] and "Physiotherapy Assistant" in rej[0]["raw"],
              "rejects.csv raw keeps the mapped columns", rej[0]["raw"])
    CHECKS.eq(rej[0]["raw"].count("[not kept: column not mapped]"), 5,
              "rejects.csv raw masks the 5 unknown columns")


def fte_bounds(run, tmp):
    """Item 6: --max-fte and totals that cannot overflow."""
    rows = [row(i) for i in range(2000)] + [row(5000 + i, fte="999999999999.99999") for i in range(93)]
    path = write(os.path.join(tmp, "ftehuge_2026-03-31.csv"), rows)
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "93 huge FTEs in 2,093 rows: exit 0 (4.4% rejected)")
    CHECKS.eq((rj["counts"]["in_scope"], rj["counts"]["rejected"], rj["counts"]["in_scope_fte"]),
              (2000, 93, 2000.0), "huge FTEs: rejected, in-scope FTE exactly 2,000")
    rej = rejects(out)
    CHECKS.ok(all(r["reason"].startswith("fte_above_max") and "999999999999.99999" in r["reason"]
                  for r in rej), "huge FTEs: fte_above_max with the value", rej[:1])
    rows = [row(i, fte="2.5") for i in range(10)] + [row(100 + i, fte="2") for i in range(10)]
    path = write(os.path.join(tmp, "fte25_2026-03-31.csv"), rows)
    rc, err, out, rj = run(["--max-reject-rate", "100", path])
    CHECKS.eq((rj["counts"]["in_scope"], rj["counts"]["rejected"]), (10, 10),
              "default --max-fte 2.0: 2.5 rejected, 2 kept")
    rc, err, out, rj = run(["--max-fte", "3", path])
    CHECKS.eq((rc, rj["counts"]["in_scope"], rj["counts"]["in_scope_fte"]), (0, 20, 45.0),
              "--max-fte 3: all 20 kept, FTE 45")
    rc, err, out, rj = run(["--max-fte", "1000", path])
    CHECKS.eq(rc, 64, "--max-fte above 100: usage error")


def sheet_text(run, tmp):
    """Items 7 and 8: text a workbook cannot hold, replaced or cut there."""
    rows = [row(i) for i in range(50)]
    rows[3][3] = "Physio\uffffAssistant\ufffe\x01x"
    long_title = "Physiotherapy Assistant " * 1800  # 43,200 characters
    rows[4][3] = long_title
    path = write(os.path.join(tmp, "sheettext_2026-03-31.csv"), rows)
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "U+FFFF, U+FFFE, a C0 control and a 43,200-character title: exit 0")
    f = rj["findings_by_rule"]
    CHECKS.eq((f.get("text_not_sheet_safe", {}).get("count"), f.get("text_too_long_for_sheet", {}).get("count")),
              (1, 1), "each flagged once (text_not_sheet_safe, text_too_long_for_sheet)")
    recs = list(csv.DictReader(open(os.path.join(out, "records.csv"), newline="", encoding="utf-8")))
    titles = {r["source_line"]: r["position_title"] for r in recs}
    CHECKS.eq(titles["5"], rows[3][3], "records.csv keeps the characters")
    CHECKS.eq(titles["6"], long_title.strip(), "records.csv keeps the long title whole")
    try:
        import openpyxl
    except ImportError:
        print("skip openpyxl checks: python3-openpyxl not installed")
        return
    wb = openpyxl.load_workbook(os.path.join(out, "return.xlsx"), read_only=True)
    cells = [v for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r
             if isinstance(v, str)]
    CHECKS.ok("Physio\ufffdAssistant\ufffd\ufffdx" in cells, "sheet: each invalid character is U+FFFD")
    cut = [v for v in cells if len(v) > 30000]
    CHECKS.ok(cut and all(len(v) <= 32767 and long_title.startswith(v) for v in cut),
              "sheet: the long title cut to at most 32,767 characters", [len(v) for v in cut])


def organisations(run, tmp):
    """Item 9 and issue #14 item 2: many organisations, split returns."""
    rows = [row(i, org="X%05d" % i) for i in range(20000)]
    path = write(os.path.join(tmp, "orgs_2026-03-31.csv"), rows)
    rc, err, out, rj = run(["--no-workbook", path])
    CHECKS.eq((rc, len(rj["organisations"]), rj["counts"]["in_scope"]), (0, 20000, 20000),
              "20,000 organisations: exit 0, all listed and counted")
    rc, err, out, rj = run([path])
    CHECKS.eq(rc, 0, "20,000 organisations with the workbook: exit 0")

    rows = [row(r * 700 + i, org="X%05d" % i) for r in range(3) for i in range(700)]
    rows.append(row(9999, org=""))
    rows.append(row(9998, org="R-X1"))
    path = write(os.path.join(tmp, "split_2026-03-31.csv"), rows)
    rc, err, out, rj = run(["--split-by-org", "--no-workbook", path], limit_files=256)
    CHECKS.eq(rc, 0, "--split-by-org, 700 organisations under ulimit -n 256: exit 0", err[-500:])
    dirs = [d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))]
    CHECKS.eq(len(dirs), 700, "--split-by-org: 700 returns")
    CHECKS.eq((rj["counts"]["rows_read"], rj["counts"]["in_scope"], rj["counts"]["rejected"]),
              (2102, 2100, 2), "--split-by-org: 2,102 read, 2,100 in scope, 2 rejected")
    n_rec = sum(len(open(os.path.join(out, d, "records.csv")).readlines()) - 1 for d in dirs)
    CHECKS.eq(n_rec, 2100, "--split-by-org: every in-scope row in its return's records.csv")
    CHECKS.eq(len(open(os.path.join(out, "X00007", "records.csv")).readlines()), 4,
              "--split-by-org: a return reopened twice holds its 3 rows")
    CHECKS.eq(sorted((r["line"], r["reason"].split(":")[0]) for r in rejects(out)),
              [("2102", "org_unusable"), ("2103", "org_unusable")],
              "--split-by-org: rows without a usable org code rejected (org_unusable)")
    left = [f for _, _, fs in os.walk(out) for f in fs if f.startswith(".esrpipe")]
    CHECKS.eq(left, [], "--split-by-org: no temporaries left")
    rc, err, out2, rj = run(["--split-by-org", "--max-reject-rate", "0", path], limit_files=256)
    CHECKS.eq((rc, os.path.exists(out2) and bool(os.listdir(out2))), (65, False),
              "--split-by-org failing the reject rate: exit 65, nothing left behind")


def escaping(run, tmp):
    """Item 10: values never drive the terminal or forge a message line."""
    rows = [row(i) for i in range(60)]
    rows[1][7] = "\x1b[2J\nesrpipe: 0 rows: 0 in scope, 0 out of scope, 0 rejected; return written"
    path = write(os.path.join(tmp, "esc\x07name_2026-03-31.csv"), rows)
    rc, err, out, rj = run([path])
    CHECKS.ok("\x1b" not in err and "\x07" not in err, "stderr holds no raw control character", repr(err))
    CHECKS.ok("\\x1b[2J\\nesrpipe: 0 rows" in err and "esc\\x07name" in err,
              "stderr shows them escaped (\\x1b, \\n, \\x07)", err)
    CHECKS.eq([l for l in err.splitlines() if l.startswith("esrpipe: ") and " rows: " in l[:30]],
              ["esrpipe: 60 rows: 59 in scope, 0 out of scope, 1 rejected; return written"],
              "one summary line, the true one: none forged")
    rc, err2, out, rj = run([os.path.join(tmp, "missing\x1b]0;x\x07.csv")])
    CHECKS.ok(rc == 66 and "\x1b" not in err2 and "missing\\x1b]0;x\\x07.csv" in err2,
              "an argument named in an error is escaped too", repr(err2))


def mapping_files(e, tmp):
    """Item 11: a mapping table that is a FIFO or a device is refused."""
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "mappings")
    exp = write(os.path.join(tmp, "m_2026-03-31.csv"), [row(i) for i in range(10)])
    for kind in ("fifo", "devzero"):
        m = os.path.join(tmp, "map-" + kind)
        shutil.copytree(src, m)
        t = os.path.join(m, "job_titles.csv")
        os.unlink(t)
        if kind == "fifo":
            os.mkfifo(t)
        else:
            os.symlink("/dev/zero", t)
        for cmd in (["run", "-m", m, "-o", os.path.join(tmp, "o-" + kind), exp], ["check-mappings", m]):
            try:
                p = subprocess.run([e] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
                CHECKS.ok(p.returncode == 65 and b"job_titles.csv: mapping table is not a regular file" in p.stderr,
                          "%s table, %s: refused (65) naming it" % (kind, cmd[0]), p.stderr[-300:])
            except subprocess.TimeoutExpired:
                CHECKS.ok(False, "%s table, %s: refused, not read" % (kind, cmd[0]), "hung")


def title_cap(run, tmp):
    """Item 11: Job titles entries past the cap are pooled; figures exact."""
    n = 60000  # 120,000 entries (each title counts for the trust and for RTH)
    rows = [row(i, title="Physiotherapy Assistant %d" % i) for i in range(n)]
    path = write(os.path.join(tmp, "titles_2026-03-31.csv"), rows)
    rc, err, out, rj = run(["--no-workbook", path])
    CHECKS.eq((rc, rj["counts"]["in_scope"], rj["counts"]["in_scope_fte"]), (0, n, float(n)),
              "60,000 distinct titles: all counted")
    CHECKS.eq(rj["counts"].get("job_titles_pooled_rows"), n - 50000,
              "titles past the 100,000-entry cap pooled (10,000 rows), said in run.json")
    CHECKS.ok("pooled" in err, "and on stderr", err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--quick", action="store_true", help="skip the large-scale cases")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="esrpipe-resilience-")
    run = Run(os.path.abspath(a.esrpipe), tmp)
    try:
        torn_rows(run, tmp)
        privacy(run, tmp)
        fte_bounds(run, tmp)
        sheet_text(run, tmp)
        escaping(run, tmp)
        mapping_files(os.path.abspath(a.esrpipe), tmp)
        if not a.quick:
            organisations(run, tmp)
            title_cap(run, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
