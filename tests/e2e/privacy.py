#!/usr/bin/env python3
"""Privacy and injection: personal data never reaches an output; keyed
pseudonyms (--pseudonymise) are deterministic for a key, differ across keys,
replace employee and assignment numbers everywhere, and the key is never
written or printed; CSV outputs neutralise spreadsheet formulas and the
workbook never holds a formula built from input text."""
import argparse
import hashlib
import html
import hmac
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from checks import FORMULA_GRAMMAR, Checks

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
CHECKS = Checks(verbose=True)


def all_text(d):
    """Every output's text, the workbook's XML parts included."""
    out = {}
    for fn in os.listdir(d):
        p = os.path.join(d, fn)
        if fn.endswith(".xlsx"):
            with zipfile.ZipFile(p) as z:
                out[fn] = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            out[fn] = open(p, encoding="utf-8", errors="replace").read()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    tmp = tempfile.mkdtemp(prefix="esrpipe-privacy-")
    try:
        import csv, io
        raw = open(SAMPLE, encoding="cp1252").read()
        rows = list(csv.DictReader(io.StringIO(raw)))
        names = {r["Full Name"] for r in rows if r.get("Full Name")}
        ninos = {r["NI Number"] for r in rows if r.get("NI Number")}
        dobs = {r["Date of Birth"] for r in rows if r.get("Date of Birth")}
        emps = {r["Employee Number"] for r in rows if r.get("Employee Number")}

        plain = os.path.join(tmp, "plain")
        subprocess.run([e, "run", "-q", "-o", plain, SAMPLE], check=True)
        texts = all_text(plain)
        leaks = [(f, v) for f, t in texts.items() for v in names | ninos | dobs if v and v in t]
        CHECKS.ok(not leaks, "no names, NI numbers or dates of birth in any output", str(leaks[:5]))
        CHECKS.ok(not any(x in texts["summary.csv"] for x in emps), "summary.csv carries no employee numbers")

        key1, key2 = os.path.join(tmp, "k1"), os.path.join(tmp, "k2")
        open(key1, "w").write("a" * 20 + "secret-key-one-0123456789\n")
        open(key2, "w").write("b" * 20 + "secret-key-two-0123456789\n")
        os.chmod(key1, 0o600)
        os.chmod(key2, 0o600)
        outs = {}
        for name, key in (("a", key1), ("b", key1), ("c", key2)):
            d = os.path.join(tmp, name)
            p = subprocess.run([e, "run", "-o", d, "--pseudonymise", key, SAMPLE], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            CHECKS.ok(p.returncode == 0, "pseudonymised run %s exits 0" % name, p.stderr.decode())
            CHECKS.ok(b"secret-key" not in p.stdout + p.stderr, "run %s: the key is never printed" % name)
            outs[name] = all_text(d)
        a, b, c = outs["a"], outs["b"], outs["c"]
        leaked = [(f, x) for f, t in a.items() for x in emps if x in t]
        CHECKS.ok(not leaked, "no employee number survives in any output", str(leaked[:5]))
        CHECKS.ok(not any("secret-key" in t for t in a.values()), "no key bytes in any output")
        CHECKS.ok(a["records.csv"] == b["records.csv"], "same key: identical records.csv")
        CHECKS.ok(a["records.csv"] != c["records.csv"], "different key: different pseudonyms")
        rec = list(csv.DictReader(io.StringIO(a["records.csv"])))
        CHECKS.ok(all(len(r["employee_number"]) == 24 and
                      all(ch in "0123456789abcdef" for ch in r["employee_number"]) for r in rec),
                  "pseudonyms are 24 hex characters")
        # the pseudonym is HMAC-SHA-256(key, "kind:number"), first 24 hex characters,
        # the key being the file without its trailing newline
        k1 = open(key1, "rb").read().rstrip(b"\r\n")
        raw_by_line = {}
        with open(SAMPLE, newline="", encoding="cp1252") as f:
            rd, start = csv.reader(f), 1
            header = next(rd)
            start = rd.line_num + 1
            for row in rd:
                raw_by_line[start] = dict(zip(header, row))
                start = rd.line_num + 1

        def pseudonym(kind, value):
            return hmac.new(k1, ("%s:%s" % (kind, value)).encode(), hashlib.sha256).hexdigest()[:24]

        wrong = [r["source_line"] for r in rec
                 if r["employee_number"] != pseudonym("employee", raw_by_line[int(r["source_line"])]["Employee Number"])
                 or r["assignment_number"] != pseudonym("assignment",
                                                        raw_by_line[int(r["source_line"])]["Assignment Number"])]
        CHECKS.ok(rec and not wrong, "pseudonyms are HMAC-SHA-256(key, kind:number), checked independently",
                  "lines %s" % wrong[:5])
        same_person = {}
        for r in rec:
            same_person.setdefault(r["employee_number"], 0)
            same_person[r["employee_number"]] += 1
        CHECKS.ok(max(same_person.values()) >= 2, "a person with two assignments keeps one pseudonym")
        CHECKS.ok("HMAC-SHA-256" in a["return.xlsx"], "Cover says the numbers are pseudonymised")

        os.chmod(key1, 0o644)
        p = subprocess.run([e, "run", "-o", os.path.join(tmp, "d"), "--pseudonymise", key1, SAMPLE],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(b"chmod 600" in p.stderr, "a key readable by others gives a warning", p.stderr.decode())
        short = os.path.join(tmp, "short")
        open(short, "w").write("tooshort")
        p = subprocess.run([e, "run", "-o", os.path.join(tmp, "x"), "--pseudonymise", short, SAMPLE],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 64 and b"tooshort" not in p.stderr,
                  "a short key is refused (64)",
                  p.stderr.decode())

        # formula injection
        inj = os.path.join(tmp, "inj.csv")
        open(inj, "w").write(
            "Employee Number,Assignment Number,Org Code,Job Title,Occupation Code,Area of Work,Band,FTE\n"
            "1,1-1,RTH,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",S9E,Physiotherapy,Band 3,1\n"
            "2,2-1,RTH,+SUM(A1:A2),S9E,@cmd,Band 3,1\n"
            "3,3-1,RTH,-2+3,S9E,Physiotherapy,Band 3,1\n")
        d = os.path.join(tmp, "inj")
        subprocess.run([e, "run", "-q", "-o", d, inj], check=True)
        recs = open(os.path.join(d, "records.csv")).read()
        CHECKS.ok("'=HYPERLINK" in recs and "'+SUM(A1:A2)" in recs and "'@cmd" in recs and "'-2+3" in recs,
                  "records.csv: formulas neutralised with an apostrophe",
                  recs)
        with zipfile.ZipFile(os.path.join(d, "return.xlsx")) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        formulas = [html.unescape(f) for s in sheets for f in re.findall(r"<f>([^<]*)</f>", s)]
        CHECKS.ok(formulas and all(FORMULA_GRAMMAR.fullmatch("=" + f) for f in formulas)
                  and not any(t in f for f in formulas for t in ("HYPERLINK", "A1:A2", "cmd", "2+3")),
                  "the workbook holds no formula built from input text (only the summary sheets' SUMIFS)",
                  [f for f in formulas if not FORMULA_GRAMMAR.fullmatch("=" + f)][:3])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
