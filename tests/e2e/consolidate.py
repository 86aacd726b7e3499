#!/usr/bin/env python3
"""End to end for `esrpipe consolidate`: generate a national extract with
several trusts (tests/gen/gen_export.py), split it into one return per trust
(`esrpipe run --split-by-org`), consolidate the region with most trusts, and
check the regional return against the trusts' own files: every summary cell
an exact sum, every submitting trust present, the region's silent trusts
listed, refusals (template version, missing files, several organisations,
usage) with the right exit codes and nothing written, the latest snapshot
kept for a duplicated organisation, and identical bytes on a second run and
whatever the order of the arguments.

usage: consolidate.py --esrpipe BIN [--workdir DIR] [--rows N] [--keep]
Prints one line per check and a final "N passed, M failed"."""
import argparse
import collections
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from checks import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable
CHECKS = Checks(verbose=True)


def e5(s):
    """An FTE as written by esrpipe ("-?D.DDDDD") in units of 0.00001, exactly."""
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    if len(frac) > 5 or not whole.isdigit() or (frac and not frac.isdigit()):
        raise ValueError("not an esrpipe FTE: %r" % s)
    v = int(whole) * 100000 + int((frac + "00000")[:5])
    return -v if neg else v


def fmt_e5(v):
    sign = "-" if v < 0 else ""
    v = abs(v)
    return "%s%d.%05d" % (sign, v // 100000, v % 100000)


def read_summary(path):
    """{org_code: {(dim, profession, role, key): (fte_e5, headcount)}}; org "" = totals."""
    out = collections.defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = next(rd)
        assert header == ["org_code", "dimension", "profession", "support_role", "key", "fte", "headcount"], header
        for row in rd:
            k = tuple(row[1:5])
            assert k not in out[row[0]], "duplicate summary row %r" % (row,)
            out[row[0]][k] = (e5(row[5]), int(row[6]))
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def reseal(d):
    """After editing a return's files by hand, list their new sizes and
    checksums in run.json, as a run that wrote those files would have (a
    return edited without this is refused: tests/e2e/commit.py)."""
    p = os.path.join(d, "run.json")
    with open(p, encoding="utf-8") as f:
        rj = json.load(f)
    for o in rj.get("outputs", []):
        o["bytes"] = os.path.getsize(os.path.join(d, o["file"]))
        o["sha256"] = sha256(os.path.join(d, o["file"]))
    with open(p, "w", encoding="utf-8") as f:
        json.dump(rj, f, indent=2)


def files(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            out[fn] = f.read()
    return out


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def sheet_rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def column_until_blank(rows, col=0, start=1):
    out = []
    for r in rows[start:]:
        if col >= len(r) or r[col] in (None, ""):
            break
        out.append(r[col])
    return out


def check_national_layouts(wb, got, trust_sum, mine, region, grand):
    """The national dimensions summed over trusts; By region; the regional
    National comparison sheet against the trusts' own cells."""
    for dim in ("care_setting", "staff_group", "region", "registered"):
        CHECKS.ok(any(k[0] == dim for k in got), "regional summary.csv has the %s dimension" % dim)
    regs = {k[3]: v for k, v in got.items() if k[0] == "region" and k[1] == "" and k[2] == ""}
    CHECKS.ok(list(regs) == [region] and regs[region] == grand,
              "region dimension: the region's FTE and headcount = the regional grand total", regs)
    rows = sheet_rows(wb["By region"])
    CHECKS.ok(rows and list(rows[0][:2]) == ["Profession supported", region], "By region: professions x the region",
              rows[:1])
    bad = []
    for r in rows[1:]:
        if not r or r[0] is None or r[1] is None:
            continue
        prof = "" if r[0] == "Total" else r[0]
        want = sum(trust_sum[t][t].get(("profession_role", prof, "", ""), (0, 0))[0] for t in mine)
        if abs(r[1] - want / 1e5) > 1e-9:
            bad.append((r[0], r[1], want))
    CHECKS.ok(not bad and any(r and r[0] == "Total" for r in rows),
              "By region: each profession's FTE = the sum of the trusts' profession FTE", bad[:5])
    nat = sheet_rows(wb["National comparison"])
    flat = [str(c) for r in nat for c in r if c is not None]
    CHECKS.ok(any(c.startswith("Source of the national figures: Snell & Grimwood (2020)") for c in flat)
              and any("2020-02" in c and "baseline" in c for c in flat),
              "National comparison: names its source and its baseline")
    hdr = next((i for i, r in enumerate(nat) if r and r[0] == "Table 2: Region FTE"), None)
    bad, n = [], 0
    names = {"Occupational Therapy": "Occupational therapy", "Orthoptics/optics": "Orthoptics",
             "Art / Music / Drama therapy": "Art/music/drama therapy",
             "Prosthetics and Orthotics": "Prosthetics and orthotics",
             "Speech & language therapy": "Speech and language therapy"}
    for r in nat[hdr + 1:] if hdr is not None else []:
        if not r or r[0] is None or str(r[0]).startswith("Table"):
            break
        prof = names.get(r[0], r[0])
        for k, role in enumerate(nat[hdr][1:6]):
            if r[k + 1] is None:
                continue
            n += 1
            want = sum(trust_sum[t][t].get(("profession_role", prof, role, ""), (0, 0))[0] for t in mine)
            if abs(r[k + 1] - want / 1e5) > 1e-9:
                bad.append((r[0], role, r[k + 1], want))
    CHECKS.ok(hdr is not None and n == 38 and not bad,  # Table 2 has 38 cells, 12 N/A
              "National comparison Table 2 (professions x roles): Region FTE = sum of the trusts' cells",
              (hdr, n, bad[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--rows", default="12000", help="rows of the generated extract")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    esr = os.path.abspath(a.esrpipe)
    mappings = os.path.join(ROOT, "mappings")
    w = os.path.abspath(a.workdir) if a.workdir else tempfile.mkdtemp(prefix="esr-consolidate-")
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    try:
        body(esr, mappings, w, a.rows)
    finally:
        if not a.keep and not a.workdir:
            shutil.rmtree(w, ignore_errors=True)
    return CHECKS.finish()


def body(esr, mappings, w, rows):
    # ---- the trusts' returns ----------------------------------------------
    export = os.path.join(w, "esr_2020-02-29.csv")
    p = subprocess.run([PY, os.path.join(ROOT, "tests/gen/gen_export.py"), "--out", export, "--rows", rows,
                        "--orgs", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not CHECKS.ok(p.returncode == 0,
                     "generate a national extract (tests/gen/gen_export.py)",
                     p.stderr.decode("utf-8", "replace")[-2000:]):
        return
    split = os.path.join(w, "split")
    rc, err = run([esr, "run", "-q", "--split-by-org", "-m", mappings, "-o", split, export])
    if not CHECKS.ok(rc == 0, "run --split-by-org exits 0", err):
        return
    trusts = sorted(d for d in os.listdir(split) if os.path.isfile(os.path.join(split, d, "summary.csv")))
    CHECKS.ok(len(trusts) >= 6, "the extract splits into several trust returns", trusts)

    with open(os.path.join(mappings, "organisations.csv"), newline="", encoding="utf-8") as f:
        orgs = {r["ods_code"]: r for r in csv.DictReader(f)}
    by_region = collections.defaultdict(list)
    for t in trusts:
        by_region[orgs[t]["region"]].append(t)
    region = sorted(by_region, key=lambda r: (-len(by_region[r]), r))[0]
    mine = sorted(by_region[region])
    expected = sorted(c for c, r in orgs.items() if r["region"] == region)
    silent = sorted(set(expected) - set(mine))
    print("     region %s: %d trusts sent returns (%s), %d expected, %d silent" %
          (region, len(mine), " ".join(mine), len(expected), len(silent)), flush=True)
    all_dirs = [os.path.join(split, t) for t in trusts]

    # ---- consolidate the region -------------------------------------------
    reg = os.path.join(w, "reg1")
    rc, err = run([esr, "consolidate", "-m", mappings, "--region", region, "-o", reg] + all_dirs)
    if not CHECKS.ok(rc == 0, "consolidate --region exits 0", err):
        return
    CHECKS.ok(sorted(os.listdir(reg)) == ["return.xlsx", "run.json", "summary.csv"],
              "outputs: return.xlsx, run.json, summary.csv and nothing else",
              os.listdir(reg))
    CHECKS.ok(len(mine) == len(trusts) or "other regions left out" in err,
              "other regions' returns are reported as left out on stderr",
              err)

    trust_sum = {t: read_summary(os.path.join(split, t, "summary.csv")) for t in trusts}
    regional = read_summary(os.path.join(reg, "summary.csv"))

    # every cell of the regional totals is the exact sum of the trusts' cells
    want = collections.defaultdict(lambda: [0, 0])
    for t in mine:
        for k, (fte, hc) in trust_sum[t][t].items():
            want[k][0] += fte
            want[k][1] += hc
    got = regional.get("", {})
    bad = [(k, fmt_e5(want[k][0]) if k in want else None, fmt_e5(got[k][0]) if k in got else None)
           for k in set(want) | set(got) if k not in got or k not in want or tuple(want[k]) != got[k]]
    CHECKS.ok(not bad and len(want) > 50,
              "regional totals = exact sum of the trusts' cells (%d cells, FTE and headcount)" % len(want),
              sorted(bad)[:10])
    CHECKS.ok(all(regional.get(t) == trust_sum[t][t] for t in mine),
              "a trust's block in the regional summary.csv = its own summary.csv block",
              [t for t in mine if regional.get(t) != trust_sum[t][t]])
    CHECKS.ok(sorted(regional) == sorted([""] + mine),
              "summary.csv blocks: the totals and exactly the region's trusts",
              sorted(regional))
    grand = got.get(("profession_role", "", "", ""), (0, 0))
    CHECKS.ok(grand[0] == sum(trust_sum[t][""][("profession_role", "", "", "")][0] for t in mine),
              "regional grand-total FTE = sum of the trusts' in-scope FTE")

    with open(os.path.join(reg, "run.json"), encoding="utf-8") as f:
        rj = json.load(f, parse_float=str)  # FTE stays an exact decimal
    CHECKS.ok(rj.get("command") == "consolidate" and rj.get("region") == region and rj.get("template_version") == "1",
              "run.json: command consolidate, region, template version 1",
              {k: rj.get(k) for k in ("command", "region", "template_version")})
    inc = {r["org_code"]: r for r in rj.get("returns_included", [])}
    CHECKS.ok(sorted(inc) == mine,
              "run.json: every trust of the region that sent a return is included",
              sorted(inc))
    CHECKS.ok(all(inc[t]["snapshot_date"] == "2020-02-29" and
              inc[t]["summary_sha256"] == sha256(os.path.join(split, t, "summary.csv")) for t in mine if t in inc),
              "run.json: included returns carry snapshot date and summary.csv SHA-256")
    CHECKS.ok(rj.get("organisations_missing") == silent,
              "run.json: the region's silent trusts are listed by ODS code",
              rj.get("organisations_missing"))
    trust_runs = {}
    for t in mine:
        with open(os.path.join(split, t, "run.json"), encoding="utf-8") as f:
            trust_runs[t] = json.load(f, parse_float=str)
    counts = rj.get("counts", {})
    ok = all(counts.get(k) == sum(trust_runs[t]["counts"][k] for t in mine)
             for k in ("rows_read", "in_scope", "out_of_scope", "rejected"))
    ok = ok and e5(counts.get("in_scope_fte", "x")) == sum(e5(trust_runs[t]["counts"]["in_scope_fte"]) for t in mine)
    CHECKS.ok(ok, "run.json: counts are the sums of the trusts' counts", counts)
    CHECKS.ok("summed" in rj.get("headcount_method", ""), "run.json: headcount method stated")

    # ---- the workbook -------------------------------------------------------
    try:
        import openpyxl
    except ImportError:
        CHECKS.ok(False, "openpyxl is installed (python3-openpyxl)")
        return
    wb = openpyxl.load_workbook(os.path.join(reg, "return.xlsx"), read_only=True)
    CHECKS.ok(wb.sheetnames == ["Cover", "By organisation", "By profession", "Data quality",
                                "Missing returns", "By region", "National comparison"],
              "workbook sheets",
              wb.sheetnames)
    cover = sheet_rows(wb["Cover"])
    flat = [str(c) for r in cover for c in r if c is not None]
    text = " ".join(flat)  # a note goes on over several rows
    CHECKS.ok(region in flat and "summed across organisations" in text and "pseudonymisation key" in text
              and all(t in flat for t in mine)
              and all(trust_runs[t]["inputs"][0]["sha256"] in flat for t in mine),
              "Cover: region, headcount sentence, each included trust with input checksums")
    by_org = sheet_rows(wb["By organisation"])
    CHECKS.ok(set(column_until_blank(by_org)) == set(mine),
              "By organisation: every included trust appears",
              sorted(set(column_until_blank(by_org))))
    # its FTE cells match the trusts' profession x role cells
    mism = []
    for r in by_org[1:]:
        if not r or r[0] is None or r[0] not in mine:
            continue
        prof = "" if r[2] == "All professions" else r[2]
        role = "" if r[3] == "All support roles" else r[3]
        fte, hc = trust_sum[r[0]][r[0]].get(("profession_role", prof, role, ""), (None, None))
        if fte is None or abs(fte / 1e5 - r[4]) > 1e-9 or hc != r[5]:
            mism.append(r)
    CHECKS.ok(not mism, "By organisation: FTE and headcount = the trusts' summary cells", mism[:5])
    prof = sheet_rows(wb["By profession"])
    total_row = next((r for r in prof if r and r[0] == "Total"), None)
    hdr = prof[0]
    CHECKS.ok(total_row is not None and abs(total_row[hdr.index("Total FTE")] - grand[0] / 1e5) < 1e-9
              and total_row[hdr.index("Headcount")] == grand[1],
              "By profession: Total FTE and headcount = regional grand total",
              total_row)
    dq = sheet_rows(wb["Data quality"])
    dq_orgs = column_until_blank(dq, col=1)
    CHECKS.ok(sorted(dq_orgs) == mine, "Data quality: one league-table row per included trust", dq_orgs)
    h = dq[0]
    good = True
    for r in dq[1:1 + len(mine)]:
        t = r[1]
        recs = list(csv.DictReader(open(os.path.join(split, t, "records.csv"), newline="", encoding="utf-8")))
        unm = sum(1 for x in recs if x["title_match"] == "none")
        s = trust_sum[t][t]
        area_all = sum(v[0] for k, v in s.items() if k[0] == "area_of_work" and k[1] == "" and k[2] == "")
        area_rec = sum(v[0] for k, v in s.items() if k[0] == "area_of_work" and k[1] == "" and k[2] == ""
                       and k[3] != "(not recorded)")
        tr = trust_runs[t]
        good &= r[h.index("Rows read")] == tr["counts"]["rows_read"]
        good &= r[h.index("Rejected rows")] == tr["counts"]["rejected"]
        good &= r[h.index("Unmapped titles")] == unm and r[h.index("In-scope records")] == len(recs)
        good &= abs(r[h.index("Area-of-work completeness")] - area_rec / area_all) < 1e-12
        top = sorted(tr["findings_by_rule"].items(), key=lambda kv: (-kv[1]["count"], kv[0]))[:3]
        good &= [r[h.index("Top finding %d" % i)] for i in range(1, len(top) + 1)] == \
            ["%s: %d" % (k, v["count"]) for k, v in top]
    CHECKS.ok(good, "Data quality: rows read, rejected, completeness, unmapped titles, top 3 rules per trust")
    comp = [r[h.index("Area-of-work completeness")] for r in dq[1:1 + len(mine)]]
    CHECKS.ok(comp == sorted(comp, reverse=True), "Data quality: ranked by area-of-work completeness", comp)
    miss = sheet_rows(wb["Missing returns"])
    CHECKS.ok(column_until_blank(miss) == silent,
              "Missing returns sheet lists the region's silent trusts by ODS code",
              column_until_blank(miss))
    check_national_layouts(wb, regional[""], trust_sum, mine, region, grand)
    wb.close()

    # ---- determinism ----------------------------------------------------
    reg2 = os.path.join(w, "reg2")
    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "--region", region, "-o", reg2] + all_dirs)
    CHECKS.ok(rc == 0 and files(reg) == files(reg2), "second consolidation gives identical bytes", err)
    reg3 = os.path.join(w, "reg3")
    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "--region", region, "-o", reg3] +
                  [d + "/" for d in reversed(all_dirs)])
    CHECKS.ok(rc == 0 and files(reg) == files(reg3),
              "argument order (and trailing slashes) make no difference to the bytes",
              err)
    reg4 = os.path.join(w, "reg4")
    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "-o", reg4] + [os.path.join(split, t) for t in mine])
    CHECKS.ok(rc == 0 and files(reg) != {} and
              json.load(open(os.path.join(reg4, "run.json")))["region"] == region,
              "without --region: the region of the returns",
              err)

    # ---- duplicate organisation: the latest snapshot is kept ---------------
    dup = mine[0]
    older = os.path.join(w, "older", dup)
    shutil.copytree(os.path.join(split, dup), older)
    with open(os.path.join(older, "run.json"), encoding="utf-8") as f:
        orj = json.load(f)
    orj["snapshot_date"] = "2019-12-31"
    orj["counts"]["in_scope_fte"] = float(fmt_e5(2 * e5("%.5f" % orj["counts"]["in_scope_fte"])))
    with open(os.path.join(older, "run.json"), "w", encoding="utf-8") as f:
        json.dump(orj, f, indent=2)
    # different figures, so keeping the wrong one would show in the totals
    with open(os.path.join(older, "summary.csv"), newline="", encoding="utf-8") as f:
        srows = list(csv.reader(f))
    with open(os.path.join(older, "summary.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(srows[0])
        for r in srows[1:]:
            wr.writerow(r[:5] + [fmt_e5(2 * e5(r[5])), r[6]])
    reseal(older)
    for order, name in ((all_dirs + [older], "older last"), ([older] + all_dirs, "older first")):
        regd = os.path.join(w, "reg-dup-" + name.split()[1])
        rc, err = run([esr, "consolidate", "-m", mappings, "--region", region, "-o", regd] + order)
        ok = rc == 0
        if ok:
            rjd = json.load(open(os.path.join(regd, "run.json"), encoding="utf-8"))
            kept = {r["org_code"]: r for r in rjd["returns_included"]}[dup]
            left = rjd["returns_not_included"]
            ok = (kept["snapshot_date"] == "2020-02-29" and kept["return_dir"] == os.path.join(split, dup)
                  and any(x["return_dir"] == older and x["org_code"] == dup for x in left)
                  and files(regd)["summary.csv"] == files(reg)["summary.csv"]
                  and dup in err and "latest" in err)
        CHECKS.ok(ok,
                  "duplicate organisation (%s): latest snapshot kept, said on stderr and in run.json" % name,
                  err)

    # ---- a summary.csv whose header is not esrpipe's: refused, said ----------
    bad = os.path.join(w, "badheader", mine[0])
    shutil.copytree(os.path.join(split, mine[0]), bad)
    with open(os.path.join(bad, "summary.csv"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(bad, "summary.csv"), "w", encoding="utf-8") as f:
        f.write(text.replace("support_role", "role", 1))
    reseal(bad)
    rc, err = run([esr, "consolidate", "-m", mappings, "-o", os.path.join(w, "reg-badheader"), bad])
    CHECKS.ok(rc == 65 and "summary.csv:1: header is not org_code,dimension," in err,
              "a summary.csv with another header: exit 65, names file and line", "%d %s" % (rc, err))

    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "--region", region, "-o", os.path.join(w, "reg-q")] +
                  all_dirs + [older])
    CHECKS.ok(rc == 0 and err == "", "-q: no messages on stderr (warnings still in run.json)", err)

    # ---- a one-organisation return made without --split-by-org -------------
    sample = os.path.join(ROOT, "fixtures/sample/esr_sample_2026-03-31.csv")
    if os.path.exists(sample):
        ret = os.path.join(w, "sample-return")
        rc1, err1 = run([esr, "run", "-q", "-m", mappings, "-o", ret, sample])
        rc, err = run([esr, "consolidate", "-q", "-m", mappings, "-o", os.path.join(w, "reg-sample"), ret])
        ok = rc1 == 0 and rc == 0
        if ok:
            rjs = json.load(open(os.path.join(w, "reg-sample", "run.json"), encoding="utf-8"))
            trust = read_summary(os.path.join(ret, "summary.csv"))
            org = [o for o in trust if o]
            ok = len(org) == 1 and [r["org_code"] for r in rjs["returns_included"]] == org and \
                read_summary(os.path.join(w, "reg-sample", "summary.csv"))[""] == trust[org[0]]
        CHECKS.ok(ok, "a single-organisation return without --split-by-org consolidates", err1 + err)

    # ---- mixed snapshot dates: a warning, the latest date on the return ----
    mixed = os.path.join(w, "mixed", mine[-1])
    shutil.copytree(os.path.join(split, mine[-1]), mixed)
    mrj = json.load(open(os.path.join(mixed, "run.json"), encoding="utf-8"))
    mrj["snapshot_date"] = "2020-01-31"
    json.dump(mrj, open(os.path.join(mixed, "run.json"), "w", encoding="utf-8"), indent=2)
    regm = os.path.join(w, "reg-mixed")
    rc, err = run([esr, "consolidate", "-m", mappings, "-o", regm] +
                  [os.path.join(split, t) for t in mine[:-1]] + [mixed])
    ok = rc == 0 and "different snapshot dates" in err
    if ok:
        rjm = json.load(open(os.path.join(regm, "run.json"), encoding="utf-8"))
        ok = rjm["snapshot_dates_mixed"] is True and rjm["snapshot_date"] == "2020-02-29" and \
            any("different snapshot dates" in x for x in rjm["warnings"])
    CHECKS.ok(ok, "mixed snapshot dates: warned, dated by the latest", err)

    # ---- refusals: exit code, a message naming the directory, nothing written
    def refused(name, dirs, code, needles, extra=()):
        out = os.path.join(w, "refused-" + name.replace(" ", "-"))
        rc, err = run([esr, "consolidate", "-m", mappings, "-o", out] + list(extra) + dirs)
        CHECKS.ok(rc == code and all(n in err for n in needles) and not os.path.exists(out),
                  "%s: exit %d, message names %s, nothing written" % (name, code, " + ".join(needles)),
                  "exit %d: %s" % (rc, err))

    v2 = os.path.join(w, "v2", dup)
    shutil.copytree(os.path.join(split, dup), v2)
    vj = json.load(open(os.path.join(v2, "run.json"), encoding="utf-8"))
    vj["template_version"] = "2"
    json.dump(vj, open(os.path.join(v2, "run.json"), "w", encoding="utf-8"), indent=2)
    refused("template version 2", all_dirs[:1] + [v2], 65, [v2, "template version"])
    for fn in ("records.csv", "summary.csv", "run.json"):
        broken = os.path.join(w, "no-" + fn.split(".")[0], dup)
        shutil.copytree(os.path.join(split, dup), broken)
        os.unlink(os.path.join(broken, fn))
        refused("%s missing" % fn, [broken], 65, [broken, fn])
    bad = os.path.join(w, "badjson", dup)
    shutil.copytree(os.path.join(split, dup), bad)
    with open(os.path.join(bad, "run.json"), "a") as f:
        f.write("{trailing")
    refused("run.json not JSON", [bad], 65, [os.path.join(bad, "run.json")])
    same = os.path.join(w, "samedate", dup)
    shutil.copytree(older, same)
    sj = json.load(open(os.path.join(same, "run.json"), encoding="utf-8"))
    sj["snapshot_date"] = "2020-02-29"
    json.dump(sj, open(os.path.join(same, "run.json"), "w", encoding="utf-8"), indent=2)
    refused("two different returns, same organisation and date", [os.path.join(split, dup), same], 65,
            [os.path.join(split, dup), same, "same snapshot date"])
    refused("split parent (several organisations)", [split], 65, [split, "--split-by-org"])
    refused("return directory missing", [os.path.join(w, "nope")], 66, [os.path.join(w, "nope")])
    refused("no return directories", [], 64, ["no return directories"])
    refused("unknown region", all_dirs, 64, ["--region Narnia", "regions are"], extra=["--region", "Narnia"])
    if len(by_region) > 1:
        refused("several regions without --region", all_dirs, 64, ["--region"])
    other = sorted(r for r in by_region if r != region)
    if other:
        refused("no return of the region", [os.path.join(split, t) for t in by_region[other[0]]], 65, [region],
                extra=["--region", region])

    # a failed consolidation leaves the previous regional return as it was
    before = files(reg)
    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "--region", region, "-o", reg] + all_dirs + [v2])
    CHECKS.ok(rc == 65 and files(reg) == before,
              "a refused consolidation leaves the previous regional return untouched",
              err)
    rc, err = run([esr, "consolidate", "-q", "-m", mappings, "-o", os.path.join(split, dup), os.path.join(split, dup)])
    CHECKS.ok(rc == 64, "-o naming one of the returns is refused (64)", err)


if __name__ == "__main__":
    sys.exit(main())
