#!/usr/bin/env python3
"""National-scale end to end: generate an extract from the source report's
tables (tests/gen/gen_export.py), run esrpipe in both classification modes,
check every planted figure (tests/gen/check_national.py), and check that two
runs give identical bytes. Prints the time and peak memory of each run."""
import argparse
import collections
import csv
import os
import resource
import shutil
import subprocess
import sys
import time
from checks import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable
CHECKS = Checks(verbose=True)


def run(esrpipe, out, export, *extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run([esrpipe, "run", "-q", "-o", out] + list(extra) + [export],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print("     esrpipe run %s: exit %d, %.2f s, peak RSS of children so far %.0f MB" %
          (" ".join(extra) or "(evidence)", p.returncode, dt, rss), flush=True)
    del before
    return p


def files(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            data = f.read()
        if fn == "run.json":
            data = b"\n".join(l for l in data.split(b"\n") if b"timings_ms" not in l)
        out[fn] = data
    return out


def strip_codes(export, plan, out_path, drop_job_role=False):
    """Write export without its occupation-code column, and without its job
    role column when drop_job_role (same bytes otherwise: encoding, CRLF,
    quoting as the csv module writes it)."""
    import json
    with open(plan, encoding="utf-8") as f:
        p = json.load(f)
    col = [h for h, canon in p["columns"].items() if canon == "occupation_code"][0]
    enc = {"cp1252": "cp1252", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}[p["file"]["encoding"]]
    with open(export, newline="", encoding=enc) as fi, open(out_path, "w", newline="", encoding=enc) as fo:
        r = csv.reader(fi)
        w = csv.writer(fo, lineterminator="\r\n")
        header = next(r)
        drop = {header.index(col)}
        if drop_job_role:
            drop |= {i for i, h in enumerate(header) if p["columns"].get(h) == "job_role"}
        w.writerow([h for i, h in enumerate(header) if i not in drop])
        for row in r:
            w.writerow([v for i, v in enumerate(row) if i not in drop])


def blank_codes(export, plan, out_path, every):
    """Write export with the occupation code of every `every`-th data row
    blanked; return the set of their row numbers (1 = first data row)."""
    import json
    with open(plan, encoding="utf-8") as f:
        p = json.load(f)
    col = [h for h, canon in p["columns"].items() if canon == "occupation_code"][0]
    enc = p["file"]["encoding"]
    with open(export, newline="", encoding=enc) as fi, open(out_path, "w", newline="", encoding=enc) as fo:
        r = csv.reader(fi)
        w = csv.writer(fo, lineterminator="\r\n")
        header = next(r)
        k = header.index(col)
        w.writerow(header)
        for i, row in enumerate(r, 1):
            if i % every == 0 and len(row) > k:
                row[k] = ""
            w.writerow(row)


def learning(e, w, export, plan, coded_out):
    """Learning at scale: blank the code of every 10th row; the uncoded
    support rows must keep their scope and, through the titles the other 90%
    teach, their profession."""
    twin = os.path.join(w, "esr_national_90pct_2020-02-29.csv")
    blank_codes(export, plan, twin, 10)
    out = os.path.join(w, "out-90pct")
    p = run(e, out, twin, "--classify", "evidence", "--max-reject-rate", "100")
    CHECKS.ok(p.returncode == 0, "90% coded: esrpipe exits 0", p.stderr.decode()[-2000:])
    if p.returncode:
        return
    with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
        got = {r["assignment_number"]: r for r in csv.DictReader(f)}
    with open(os.path.join(out, "title_suggestions.csv"), newline="", encoding="utf-8") as f:
        few = {r["title"] for r in csv.DictReader(f) if r["learned"].startswith("no: fewer")}
    want = records(coded_out)
    with open(os.path.join(coded_out, "records.csv"), newline="", encoding="utf-8") as f:
        title_of = {r["assignment_number"]: r["position_title"] for r in csv.DictReader(f)}
    t = collections.Counter()
    for asg, r in got.items():
        if r["occupation_code_status"] != "missing":
            continue
        t["uncoded"] += 1
        t["learned"] += r["title_rule"].startswith("learned from ")
        t["right" if want.get(asg) == r["profession_supported"] else
          "review" if "title_coded_disagree" in r["dq_flags"] and r["profession_supported"] == "Unknown" else
          "unknown" if r["profession_supported"] == "Unknown" else "wrong"] += 1
    n_support = len(want)
    dropped = set(want) - set(got)
    print("     90%% coded: %d uncoded rows in scope, %d learned, profession right %d, left for review (coded rows "
          "disagree) %d, other unknown %d, wrong %d; in scope %d of %d support rows"
          % (t["uncoded"], t["learned"], t["right"], t["review"], t["unknown"], t["wrong"],
             len(set(got) & set(want)), n_support), flush=True)
    CHECKS.ok(all(title_of[a] in few for a in dropped),
              "90%% coded: every support row stays in scope but those of titles with too few coded rows (%d)"
              % len(dropped), str([title_of[a] for a in dropped][:5]))
    CHECKS.ok(len(set(got) - set(want)) == 0, "90% coded: no other row brought into scope")
    CHECKS.ok(t["uncoded"] and t["right"] + t["review"] == t["uncoded"] and t["wrong"] == 0,
              "90%% coded: every uncoded row takes the coded profession or is left for review (%d + %d of %d)"
              % (t["right"], t["review"], t["uncoded"]))


def records(out):
    with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
        return {r["assignment_number"]: r["profession_supported"] for r in csv.DictReader(f)}


def codeless(e, w, export, plan, coded_out):
    """The code-less twin: the same export without occupation codes must
    keep the support rows in scope with >= 95% the profession the codes
    give and <= 1% another one (Unknown is not wrong), and bring no more than
    1% other rows into scope. In scope: >= 99.9% (the issue's "every
    support row"; a title naming no ambulance setting, "Technician -
    Education Team", is the known miss). A second twin drops the ESR job
    role too, so only titles decide: >= 99% in scope."""
    codeless_twin(e, w, export, plan, coded_out, "codeless", 99.9, drop_job_role=False)
    codeless_twin(e, w, export, plan, coded_out, "codeless-titles-only", 99.0, drop_job_role=True)


def codeless_twin(e, w, export, plan, coded_out, name, floor, drop_job_role):
    """One code-less twin (see codeless)."""
    twin = os.path.join(w, "esr_national_%s_2020-02-29.csv" % name)
    strip_codes(export, plan, twin, drop_job_role)
    out = os.path.join(w, "out-" + name)
    p = run(e, out, twin, "--classify", "evidence", "--max-reject-rate", "100")
    CHECKS.ok(p.returncode == 0, "%s: esrpipe exits 0" % name, p.stderr.decode()[-2000:])
    if p.returncode:
        return
    want, got = records(coded_out), records(out)
    t = collections.Counter()
    lost = collections.Counter()
    for asg, prof in want.items():
        g = got.get(asg)
        t["support"] += 1
        if g is None:
            lost[prof] += 1
            continue
        t["in_scope"] += 1
        t["right" if g == prof else "unknown" if g == "Unknown" else "wrong"] += 1
    extra = len(set(got) - set(want))
    n = t["support"]
    print("     %s twin: %d support rows: %d in scope (%.2f%%), profession right %d (%.2f%%), "
          "wrong %d (%.2f%%), unknown %d; %d other rows brought into scope; dropped by profession: %s"
          % (name, n, t["in_scope"], 100.0 * t["in_scope"] / n, t["right"], 100.0 * t["right"] / n, t["wrong"],
             100.0 * t["wrong"] / n, t["unknown"], extra, dict(lost.most_common(6))), flush=True)
    CHECKS.ok(t["in_scope"] * 100.0 >= floor * n, "%s: >= %.1f%% of support rows in scope (%d of %d)"
              % (name, floor, t["in_scope"], n))
    CHECKS.ok(extra * 100.0 <= 1.0 * n, "%s: <= 1%% other rows brought into scope (%d)" % (name, extra))
    CHECKS.ok(t["right"] * 100.0 >= 95.0 * n, "%s: >= 95%% the right profession (%d of %d)" % (name, t["right"], n))
    CHECKS.ok(t["wrong"] * 100.0 <= 1.0 * n, "%s: <= 1%% another profession (%d of %d)" % (name, t["wrong"], n))


def read_totals(out):
    """summary.csv totals: {(dimension, profession, role, key): FTE as float}."""
    import csv
    with open(os.path.join(out, "summary.csv"), newline="", encoding="utf-8") as f:
        return {(r["dimension"], r["profession"], r["support_role"], r["key"]): float(r["fte"])
                for r in csv.DictReader(f) if not r["org_code"]}


def seed_total(name, col, label_col, label="Total (FTE)"):
    import csv
    with open(os.path.join(ROOT, "tests", "data", "seed_tables", name), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tot = [r[col] for r in rows if r[label_col] == label]
    return float(tot[0]) if tot else sum(float(r[col] or 0) for r in rows)


def check_national_sheet(out):
    """The National comparison sheet: layout, values against summary.csv and the
    report's totals, the ratio chart; prints the ratios."""
    import re
    import zipfile
    try:
        import openpyxl
    except ImportError:
        CHECKS.ok(False, "openpyxl is installed (python3-openpyxl)")
        return
    tot = read_totals(out)
    path = os.path.join(out, "return.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    CHECKS.ok("National comparison" in wb.sheetnames, "workbook has a National comparison sheet", wb.sheetnames)
    rows = [tuple(r) for r in wb["National comparison"].iter_rows(values_only=True)]
    wb.close()
    flat = [str(c) for r in rows for c in r if c is not None]
    CHECKS.ok(flat[0].startswith("National comparison: the Trust's figures"), "sheet title", flat[:1])
    CHECKS.ok(any(c.startswith("Source of the national figures: Snell & Grimwood (2020)") for c in flat),
              "the source of the national figures is named on the sheet")
    CHECKS.ok(any(c.startswith("Snapshot 2020-02-29 is in the national baseline's months") for c in flat),
              "a February 2020 snapshot is said to be in the baseline's months")
    hi = next(i for i, r in enumerate(rows) if r and r[0] == "Profession")
    CHECKS.ok(list(rows[hi][:7]) == ["Profession", "Trust support FTE", "Trust registered FTE",
                                     "Trust support per registered FTE", "National support FTE",
                                     "National registered FTE", "National support per registered FTE"],
              "ratio table header", rows[hi])
    bad, ratios, nrat = [], [], 0
    for r in rows[hi + 1:]:
        if not r or r[1] is None:
            break
        nrat += 1
        sup, reg = tot.get(("profession_role", r[0], "", ""), 0), tot.get(("registered", r[0], "", ""), 0)
        if abs(r[1] - sup) > 1e-9 or abs(r[2] - reg) > 1e-9 or (reg and abs(r[3] - sup / reg) > 1e-12) \
                or (not reg and r[3] is not None):
            bad.append(r)
        if r[5]:
            if abs(r[6] - r[4] / r[5]) > 1e-12:
                bad.append(r)
        ratios.append("%s %s (national %s)" % (r[0], "%.3f" % r[3] if r[3] is not None else "-",
                                              "%.3f" % r[6] if r[6] else "-"))
    CHECKS.ok(nrat >= 10 and not bad, "ratio table: support, registered and ratio = summary.csv", bad[:3])
    amb = next((r for r in rows[hi + 1:hi + 1 + nrat] if r[0] == "Paramedic/ambulance"), None)
    CHECKS.ok(amb and amb[4] == seed_total("table4_ambulance_support_by_setting_role.csv", "fte", "staff_group")
              and amb[5] == 16783,
              "national ambulance ratio from Table 4's total and Table 6's Ambulance staff", amb)
    print("     ratios (support FTE per registered FTE): " + "; ".join(ratios))

    def section(name):
        i = next((k for k, r in enumerate(rows) if r and r[0] == name), None)
        out_rows = []
        for r in rows[i + 1:] if i is not None else []:
            if not r or r[0] is None or str(r[0]).startswith("Table "):
                break
            out_rows.append(r)
        return i, out_rows
    i4, t4 = section("Table 4")
    CHECKS.ok(i4 is not None and list(rows[i4][:5]) == ["Table 4", "Column", "Trust FTE", "National FTE",
                                                        "Share of national"], "Table 4 section header")
    bad = [r for r in t4 if abs(r[2] - tot.get(("care_setting", "Paramedic/ambulance", r[1], r[0]), 0)) > 1e-9
           or (r[3] and abs(r[4] - r[2] / r[3]) > 1e-12)]
    CHECKS.ok(len(t4) == 16 and not bad, "Table 4 rows: Trust FTE = summary care_setting cells, share", bad[:3])
    CHECKS.ok(abs(sum(r[3] for r in t4) - seed_total("table4_ambulance_support_by_setting_role.csv", "fte",
                                                     "staff_group")) < 1e-9,
              "Table 4 national column adds to the report's 17,773")
    CHECKS.ok(abs(sum(r[2] for r in t4) - sum(v for k, v in tot.items() if k[0] == "care_setting" and
                                               k[1] == "Paramedic/ambulance" and k[2])) < 1e-6,
              "Table 4 Trust column = all ambulance support by care setting")
    ih, t2n = section("Table 2: National FTE")
    _, t2t = section("Table 2: Trust FTE")
    CHECKS.ok(ih is not None and list(rows[ih][1:7]) == ["Assistant practitioner", "Trainee/student", "Assistant",
                                                        "Healthcare assistant", "Support worker", "Total"],
              "Table 2 in the report's layout: professions x roles, national block", rows[ih] if ih else None)
    CHECKS.ok(abs(sum(r[6] for r in t2n) - 14679) < 1e-9 and len(t2n) == 10,
              "Table 2 national block adds to the report's 14,679")
    phys = next((r for r in t2t if r[0] == "Physiotherapy"), None)
    CHECKS.ok(phys is not None and all(abs((phys[k + 1] or 0) - tot.get(("profession_role", "Physiotherapy", role, ""),
                                                                        0)) < 1e-9
                                       for k, role in enumerate(["Assistant practitioner", "Trainee/student",
                                                                 "Assistant", "Healthcare assistant",
                                                                 "Support worker"])),
              "Table 2 Trust block: Physiotherapy x each role = summary.csv", phys)
    diet = next((r for r in t2t if r[0] == "Dietetics"), None)
    CHECKS.ok(diet is not None and diet[4] is None and diet[5] is None,
              "Table 2: cells the report leaves N/A stay blank", diet)
    _, t5 = section("Table 5")
    CHECKS.ok(abs(sum(r[3] for r in t5) - seed_total("table5_ambulance_support_area_of_work.csv", "fte",
                                                     "area_of_work")) < 1e-9 and len(t5) == 37,
              "Table 5 national column = the report's 37 areas")
    i6, t6n = section("Table 6: National FTE")
    _, t6t = section("Table 6: Trust FTE")
    CHECKS.ok(i6 is not None and list(rows[i6][1:9]) == ["London", "South West", "South East", "Midlands",
                                                        "East of England", "North West",
                                                        "North East and Yorkshire", "Total"]
              and [r[8] for r in t6n] == [16783, 22714, 146222, 62428],
              "Table 6 in the report's layout: staff groups x the seven regions, totals as printed",
              rows[i6] if i6 else None)
    sup = next((r for r in t6t if r[0] == "Support to ambulance staff"), None)
    want = sum(v for k, v in tot.items() if k[0] in ("staff_group", "staff_group_out_of_scope") and not k[1]
               and not k[2] and k[3] == "Support to ambulance staff")
    CHECKS.ok(sup is not None and abs(sup[8] - want) < 1e-6,
              "Table 6 Trust block: Support to ambulance staff incl. clerical = staff_group + out of scope", sup)
    with zipfile.ZipFile(path) as z:
        wbx = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wbx)
        rid = dict(names)["National comparison"]
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        target = re.search(r'Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or \
            re.search(r'Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
        sheet = "xl/" + target.group(1)
        srels = z.read(sheet.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
        drawing = "xl/" + re.search(r'Target="\.\./(drawings/[^"]+)"', srels).group(1)
        drels = z.read(drawing.replace("drawings/", "drawings/_rels/") + ".rels").decode()
        charts = ["xl/" + c for c in re.findall(r'Target="\.\./(charts/[^"]+)"', drels)]
        xml = z.read(charts[0]).decode() if charts else ""
    refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
    CHECKS.ok("<c:barChart>" in xml and len(re.findall("<c:ser>", xml)) == 2
              and "'National comparison'!$D$%d:$D$%d" % (hi + 2, hi + 1 + nrat) in refs
              and "'National comparison'!$G$%d:$G$%d" % (hi + 2, hi + 1 + nrat) in refs,
              "a native bar chart of the Trust and national ratios by profession", refs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--scale", default="1")
    a = ap.parse_args()
    e = os.path.abspath(a.esrpipe)
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    export = os.path.join(w, "esr_national_2020-02-29.csv")
    plan = export + ".plan.json"
    t0 = time.monotonic()
    subprocess.run([PY, os.path.join(ROOT, "tests/gen/gen_export.py"), "--out", export, "--plan", plan,
                    "--scale", a.scale], check=True)
    print("     generated %s (%.1f MB) in %.1f s" % (os.path.basename(export), os.path.getsize(export) / 1e6,
                                                   time.monotonic() - t0), flush=True)
    for mode in ("evidence", "code-only"):
        out = os.path.join(w, "out-" + mode)
        p = run(e, out, export, "--classify", mode)
        CHECKS.ok(p.returncode == 0, "%s: esrpipe exits 0" % mode, p.stderr.decode()[-2000:])
        if p.returncode:
            continue
        c = subprocess.run([PY, os.path.join(ROOT, "tests/gen/check_national.py"), "--plan", plan, "--out", out,
                            "--mode", mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = c.stdout.decode().splitlines()
        fails = [l for l in lines if "FAIL" in l or "mismatch" in l.lower()]
        print("\n".join("     " + l for l in (fails[:40] or lines[-3:])))
        CHECKS.ok(c.returncode == 0, "%s: every planted figure reproduced" % mode, lines[-1] if lines else "")
        if mode == "evidence":
            check_national_sheet(out)
    codeless(e, w, export, plan, os.path.join(w, "out-evidence"))
    learning(e, w, export, plan, os.path.join(w, "out-evidence"))
    again = os.path.join(w, "out-evidence-again")
    run(e, again, export, "--classify", "evidence")
    a1, a2 = files(os.path.join(w, "out-evidence")), files(again)
    same = sorted(a1) == sorted(a2) and all(a1[k] == a2[k] for k in a1)
    CHECKS.ok(same, "two runs give byte-identical outputs", str([k for k in a1 if a1.get(k) != a2.get(k)]))
    shutil.rmtree(w, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
