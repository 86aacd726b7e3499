#!/usr/bin/env python3
"""Exports as trusts really send them (issue #14): one trust's worth of
generated rows, written the way Excel, BI tools and other systems write
them, each checked for its exit code, row accounting and figures (in-scope
FTE and de-duplicated headcount against the planted truth), not only for the
absence of a crash. One case per numbered item:

 1  employee / assignment numbers in Excel's scientific notation
 3  zero-padded employee numbers joined by value to the competence export
 4  assignment statuses (assignment_statuses.csv)
 5  weekly hours in the FTE column; contracted hours without an FTE column
 6  rows of bare delimiters
 7  semicolon / tab / pipe delimiters, title lines above the header
 8  header names close to a column's alias; BI-report aliases
 9  decimal commas, FTE with spaces
10  no date in the file name; "see rejects.csv" only when it was written
11  two columns for one canonical column; the header over --max-columns

    python3 tests/e2e/exports.py --esrpipe build/esrpipe [--seed N]
"""
import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import tempfile

import openpyxl

from checks import Checks, read_csv

C = Checks(verbose=True)
HEADER = ["Employee Number", "Assignment Number", "Full Name", "Org Code", "Position Title",
          "Occupation Code", "Area of Work", "Pay Band", "Contracted WTE", "Assignment Status"]
FTES = ["1", "0.8", "0.6", "0.53333", "0.5", "0.4", "1", "1"]


def make_trust(seed, n_support=240, n_other=60):
    """Rows (dicts keyed by HEADER) and the truth: in-scope FTE (units of
    0.00001), in-scope headcount and rows. Support rows are physiotherapy
    assistants (S9E); a tenth of the people hold a second support
    assignment; the others are nurse managers (N0A), out of scope."""
    rng = random.Random(seed)
    rows, fte_e5, people = [], 0, set()
    emp = 10123917 + rng.randrange(1000)
    for i in range(n_support):
        emp += 1 + rng.randrange(3)
        fte = rng.choice(FTES)
        rows.append({"Employee Number": str(emp), "Assignment Number": "%d-1" % emp,
                     "Full Name": "Person %d Name" % i, "Org Code": "RTH",
                     "Position Title": "Physiotherapy Assistant", "Occupation Code": "S9E",
                     "Area of Work": "Physiotherapy", "Pay Band": "Band 3", "Contracted WTE": fte,
                     "Assignment Status": "Active Assignment", "_support": True})
        fte_e5 += round(float(fte) * 100000)
        people.add(str(emp))
        if i % 10 == 3:
            rows.append(dict(rows[-1], **{"Assignment Number": "%d-2" % emp, "Contracted WTE": "0.2"}))
            fte_e5 += 20000
    for i in range(n_other):
        emp += 1
        rows.append({"Employee Number": str(emp), "Assignment Number": "%d-1" % emp,
                     "Full Name": "Nurse %d Name" % i, "Org Code": "RTH", "Position Title": "Ward Manager",
                     "Occupation Code": "N0A", "Area of Work": "Medicine", "Pay Band": "Band 7",
                     "Contracted WTE": "1", "Assignment Status": "Active Assignment", "_support": False})
    rng.shuffle(rows)
    truth = {"rows": len(rows), "in_scope": sum(r["_support"] for r in rows), "fte_e5": fte_e5,
             "headcount": len(people), "out": n_other}
    return rows, truth


def e5(r):
    return round(float(r["Contracted WTE"]) * 100000)


def write(path, rows, header=HEADER, delim=",", title=(), trailer="", fmt=None, newline="\r\n"):
    """Write rows as an export: title lines, header, rows (fmt may rewrite a
    row's values), trailer text; quoted as Excel does (only where needed)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        for t in title:
            f.write(t + newline)
        w = csv.writer(f, delimiter=delim, lineterminator=newline)
        w.writerow(header)
        for r in rows:
            vals = [r.get(h, "") for h in header]
            w.writerow(fmt(vals) if fmt else vals)
        f.write(trailer)
    return path


class Run:
    def __init__(self, esrpipe, tmp):
        self.e, self.tmp, self.n = esrpipe, tmp, 0

    def __call__(self, inputs, *opts, want=0, what=""):
        """Run esrpipe into a fresh directory; check the exit code; return
        (out dir, stderr, run.json or None)."""
        self.n += 1
        out = os.path.join(self.tmp, "out%d" % self.n)
        p = subprocess.run([self.e, "run", "-o", out] + list(opts) + list(inputs),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        err = p.stderr.decode("utf-8", "replace")
        C.ok(p.returncode == want, "%s: exit %d" % (what, want), "got %d: %s" % (p.returncode, err[-1500:]))
        if want:
            C.ok(not os.path.exists(out) or not os.listdir(out), "%s: nothing written" % what,
                 str(os.listdir(out)) if os.path.exists(out) else "")
            return out, err, None
        j = os.path.join(out, "run.json")
        return out, err, json.load(open(j)) if os.path.exists(j) else None


def figures(c, run_json, out, truth, what):
    """Counts, FTE and headcount against the truth, and rows read = in + out + rejected."""
    k = run_json["counts"]
    c.eq(k["in_scope"], truth["in_scope"], "%s: in scope" % what)
    c.eq(round(k["in_scope_fte"] * 100000), truth["fte_e5"], "%s: in-scope FTE" % what)
    c.eq(k["rows_read"], k["in_scope"] + k["out_of_scope"] + k["rejected"],
         "%s: rows read = in scope + out of scope + rejected" % what)
    total = [r for r in read_csv(os.path.join(out, "summary.csv"))
             if r["org_code"] == "" and r["dimension"] == "profession_role" and r["profession"] == ""
             and r["support_role"] == ""]
    if c.ok(len(total) == 1, "%s: summary.csv total row" % what):
        c.eq(int(total[0]["headcount"]), truth["headcount"], "%s: de-duplicated headcount" % what)
        c.eq(round(float(total[0]["fte"]) * 100000), truth["fte_e5"], "%s: summary.csv FTE" % what)
    # the staff export's rows; a competence export's have reasons training_*
    rejects = [r for r in read_csv(os.path.join(out, "rejects.csv")) if not r["reason"].startswith("training_")]
    c.eq(len(rejects), k["rejected"], "%s: rejects.csv rows = rejected" % what)
    return rejects


def cover(out):
    ws = openpyxl.load_workbook(os.path.join(out, "return.xlsx"))["Cover"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}


def drop(truth, rows):
    """The truth without rows (support rows leave FTE; headcount recomputed by the caller)."""
    t = dict(truth)
    for r in rows:
        t["rows"] -= 1
        if r["_support"]:
            t["in_scope"] -= 1
            t["fte_e5"] -= e5(r)
    return t


def headcount(rows):
    return len({r["Employee Number"] for r in rows if r["_support"]})


def case_scientific(run, tmp, rows, truth):
    # a few rows re-saved through Excel: rejected with the reason, the rest counted
    bad = [r for r in rows if r["_support"]][:4]
    mangled = [dict(r, **{"Employee Number": "%.2E" % int(r["Employee Number"])}) if r in bad[:3] else
               dict(r, **{"Assignment Number": "2.10E+06"}) if r is bad[3] else r for r in rows]
    out, err, j = run([write(os.path.join(tmp, "sci_2026-03-31.csv"), mangled)], what="1 scientific (4 rows)")
    if j:
        t = drop(truth, bad)
        t["headcount"] = headcount([r for r in rows if r not in bad])
        rejects = figures(C, j, out, t, "1 scientific")
        C.eq(j["counts"]["rejected"], 4, "1 scientific: 4 rejected")
        C.eq(sorted(r["reason"].split(":")[0] for r in rejects),
             ["assignment_number_scientific"] + ["employee_number_scientific"] * 3, "1 scientific: the rules")
        C.ok(all("re-export from ESR without opening" in r["reason"] for r in rejects),
             "1 scientific: reason says what to do", rejects[0]["reason"] if rejects else "")
        C.ok("E+07" in err and "Excel" in err, "1 scientific: stderr names value and cause", err[:500])
    # the whole file re-saved: every employee number gone, the run fails
    allbad = [dict(r, **{"Employee Number": "%.2E" % int(r["Employee Number"])}) for r in rows]
    _, err, _ = run([write(os.path.join(tmp, "sciall_2026-03-31.csv"), allbad)], want=65,
                    what="1 scientific (every row)")
    C.ok("max-reject-rate" in err, "1 scientific (every row): over the reject rate", err[-300:])


def case_training(run, tmp, rows, truth):
    # the staff export pads employee numbers to 10 digits; the competence export does not
    padded = [dict(r, **{"Employee Number": r["Employee Number"].zfill(10)}) for r in rows]
    staff = write(os.path.join(tmp, "padded_2026-03-31.csv"), padded)
    support = sorted({r["Employee Number"] for r in rows if r["_support"]})
    done = support[::3]
    comp = os.path.join(tmp, "competences.csv")
    with open(comp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Employee Number", "Competence Name", "Competence Status", "Achieved Date"])
        for e in done:
            w.writerow([e, "Care Certificate", "Achieved", "01/02/2025"])
        w.writerow(["", "Care Certificate", "Achieved", "01/02/2025"])  # line len(done) + 2
        w.writerow(["99999999", "Care Certificate", "Achieved", "01/02/2025"])  # nobody's
    out, _, j = run([staff], "--training", comp, what="3 zero-padded join")
    if not j:
        return
    figures(C, j, out, truth, "3 zero-padded join")
    C.eq(j["training"].get("persons_joined"), len(done), "3: people joined = planted (numbers compared by value)")
    C.eq(j["training"]["persons"], len(done) + 1, "3: people with a recognised competence")
    cc = {r["key"]: int(r["headcount"]) for r in read_csv(os.path.join(out, "summary.csv"))
          if r["org_code"] == "" and r["dimension"] == "care_certificate" and r["profession"] == ""}
    C.eq(cc.get("completed"), len(done), "3: Care Certificate completed headcount")
    tr = [r for r in read_csv(os.path.join(out, "rejects.csv")) if r["source_file"] == "competences.csv"]
    C.eq([(r["line"], r["reason"].split(":")[0]) for r in tr], [(str(len(done) + 2), "training_no_employee")],
         "3: rejected competence row in rejects.csv with file and line")
    ws = openpyxl.load_workbook(os.path.join(out, "return.xlsx"))["Training"]
    line = next((v for row in ws.iter_rows(values_only=True) for v in row
                 if isinstance(v, str) and v.startswith("Joined")), "")
    C.ok("%d people joined" % len(done) in line, "3: Training sheet counts people joined", line)


def case_statuses(run, tmp, rows, truth):
    support = [r for r in rows if r["_support"]]
    plan = {"Inactive Assignment": 3, "Suspend Assignment": 2, "Terminate Assignment": 2,
            "Acting Up": 2, "Internal Secondment": 2, "Frobbed Assignment": 1}
    changed, i = {}, 0
    for status, n in plan.items():
        for r in support[i:i + n]:
            changed[id(r)] = status
        i += n
    srows = [dict(r, **{"Assignment Status": changed[id(r)]}) if id(r) in changed else r for r in rows]
    out, _, j = run([write(os.path.join(tmp, "status_2026-03-31.csv"), srows)], what="4 statuses")
    if not j:
        return
    gone = [r for r in support[:7]]
    t = drop(truth, gone)
    t["rows"] = truth["rows"]
    t["headcount"] = headcount([r for r in rows if r not in gone])
    figures(C, j, out, t, "4 statuses")
    C.eq(j["out_of_scope_by_reason"].get("assignment status not in post"), 7,
         "4: inactive, suspended, terminated out of scope by reason")
    C.eq(j["findings_by_rule"].get("assignment_status_unknown", {}).get("count"), 1,
         "4: an unknown status is counted and flagged")
    C.eq(cover(out).get("    assignment status not in post"), 7, "4: the Cover shows the reason")


def case_hours(run, tmp, rows, truth):
    hours = lambda r, week: "%g" % round(float(r["Contracted WTE"]) * week, 4)
    hrows = [dict(r, **{"Contracted WTE": hours(r, 37.5)}) for r in rows]
    _, err, _ = run([write(os.path.join(tmp, "hours_2026-03-31.csv"), hrows)], want=65,
                    what="5 hours in the FTE column")
    C.ok("Contracted WTE" in err and "fte_looks_like_hours" in err and "median above 5" in err,
         "5: the message names the column and the rule", err)
    hdr = [h if h != "Contracted WTE" else "Contracted Hours" for h in HEADER]
    crows = [dict(r, **{"Contracted Hours": hours(r, 37.5)}) for r in rows]
    out, _, j = run([write(os.path.join(tmp, "chours_2026-03-31.csv"), crows, header=hdr)],
                    what="5 contracted hours, no FTE column")
    if j:
        figures(C, j, out, truth, "5 FTE = hours / 37.5")
        C.eq(j["full_time_hours"], "37.5", "5: run.json full-time hours")
        recs = read_csv(os.path.join(out, "records.csv"))
        C.ok(recs and all("fte_from_hours" in r["dq_flags"] for r in recs), "5: lineage flags every row")
        C.eq(cover(out).get("In scope with FTE = contracted hours / 37.5"), truth["in_scope"], "5: Cover says so")
    crows = [dict(r, **{"Contracted Hours": hours(r, 40)}) for r in rows]
    out, _, j = run([write(os.path.join(tmp, "chours40_2026-03-31.csv"), crows, header=hdr)],
                    "--full-time-hours", "40", what="5 --full-time-hours 40")
    if j:
        figures(C, j, out, truth, "5 FTE = hours / 40")


def case_blank(run, tmp, rows, truth):
    small = rows[:40]
    t = {"rows": 40, "in_scope": sum(r["_support"] for r in small), "fte_e5": sum(e5(r) for r in small if r["_support"]),
         "headcount": headcount(small)}
    bare = "," * (len(HEADER) - 1) + "\r\n"
    out, err, j = run([write(os.path.join(tmp, "bare_2026-03-31.csv"), small, trailer=bare * 15)],
                      what="6 trailing bare delimiters")
    if j:
        figures(C, j, out, t, "6 bare delimiters")
        C.eq((j["counts"]["rows_read"], j["counts"]["rejected"]), (40, 0), "6: blank lines are not rows, never rejected")
        C.eq(j["inputs"][0]["blank_lines"], 15, "6: run.json blank lines")
        C.eq(cover(out).get("Blank lines skipped (not rows)"), 15, "6: Cover blank lines")


def case_delimiters(run, tmp, rows, truth):
    title = ["Staff in Post - Assignment Details", "Run date: 01/04/2026 06:00", ""]
    comma = lambda v: [x.replace(".", ",") if x in FTES + ["0.2"] else x for x in v]
    for name, delim in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
        path = write(os.path.join(tmp, "%s_2026-03-31.csv" % name), rows, delim=delim, title=title,
                     fmt=comma if delim == ";" else None)
        out, err, j = run([path], what="7 %s with title lines" % name)
        if j:
            figures(C, j, out, truth, "7 " + name)
            i = j["inputs"][0]
            C.eq((i["delimiter"], i["header_line"], i["title_lines"]), (name, 4, 3), "7 %s: detected" % name)
            C.ok("header on line 4, %s-separated" % name in err, "7 %s: stderr says what was detected" % name, err)
    semi = os.path.join(tmp, "semicolon_2026-03-31.csv")
    out, _, j = run([semi], "--header-line", "4", "--delimiter", "semicolon", what="7 overrides")
    if j:
        figures(C, j, out, truth, "7 overrides")
        C.eq(j["findings_by_rule"].get("fte_decimal_comma", {}).get("count", 0) > 0, True,
             "7: decimal commas read and flagged in a semicolon file")
    _, err, _ = run([semi], "--delimiter", "comma", want=65, what="7 wrong --delimiter")
    C.ok("tried: comma" in err and "line 1" in err, "7: the message says what was tried", err)
    junk = os.path.join(tmp, "junk_2026-03-31.csv")
    with open(junk, "w") as f:
        f.write("10123917,Jane Secretname,QQ123456A,1\n" * 30)
    _, err, _ = run([junk], want=65, what="7 no header")
    C.ok("comma, semicolon, tab, pipe" in err and "not shown" in err, "7: tried delimiters and line 1's shape", err)
    C.ok("Secretname" not in err and "QQ123456A" not in err, "7: no data line echoed", err)


def case_near(run, tmp, rows, truth):
    hdr = ["Org Codes" if h == "Org Code" else "Pay Bnad" if h == "Pay Band" else h for h in HEADER]
    nrows = [dict(r, **{"Org Codes": r["Org Code"], "Pay Bnad": r["Pay Band"]}) for r in rows]
    out, err, j = run([write(os.path.join(tmp, "near_2026-03-31.csv"), nrows, header=hdr)], what="8 near misses")
    if j:
        figures(C, j, out, truth, "8 near misses")
        near = {(n["column"], n["likely"]) for n in j["inputs"][0]["near_miss_columns"]}
        C.eq(near, {("Org Codes", "org_code"), ("Pay Bnad", "pay_band")}, "8: run.json near misses")
        C.ok(err.count('"Org Codes" is not read: it looks like org_code') == 1, "8: stderr warning, once", err)
        C.ok(cover(out).get("Organisation code", "").startswith("(not recorded"),
             "8: Cover claims no per-organisation blocks", cover(out).get("Organisation code"))
    hdr = ["Org Code (ODS)" if h == "Org Code" else "Pay Band Code" if h == "Pay Band" else
           "FTE (Contracted)" if h == "Contracted WTE" else h for h in HEADER]
    arows = [dict(r, **{"Org Code (ODS)": r["Org Code"], "Pay Band Code": r["Pay Band"],
                        "FTE (Contracted)": r["Contracted WTE"]}) for r in rows]
    out, err, j = run([write(os.path.join(tmp, "bi_2026-03-31.csv"), arows, header=hdr)], what="8 BI aliases")
    if j:
        figures(C, j, out, truth, "8 BI aliases")
        C.eq(j["organisations"], ["RTH"], "8: the organisation column is read")
        C.eq(j["inputs"][0]["near_miss_columns"], [], "8: no near misses left")


def case_decimal(run, tmp, rows, truth):
    support = [r for r in rows if r["_support"]]
    a, b = support[0], support[1]
    drows = [dict(r, **{"Contracted WTE": "0,5"}) if r is a else
             dict(r, **{"Contracted WTE": "1 0"}) if r is b else r for r in rows]
    t = drop(truth, [a, b])
    t["headcount"] = headcount([r for r in rows if r not in (a, b)])
    out, _, j = run([write(os.path.join(tmp, "dec_2026-03-31.csv"), drows)], what="9 decimal comma in a comma file")
    if j:
        rejects = figures(C, j, out, t, "9 decimal comma")
        vals = sorted(r["reason"][r["reason"].index("field fte"):] for r in rejects)
        C.eq(vals, ['field fte = "0,5")', 'field fte = "1 0")'], "9: reasons show the offending value")
        C.ok(all("decimal" in r["reason"] for r in rejects), "9: reasons give a hint")
    # a tab-separated file is not a European CSV: "0,5" is not read there either
    out, _, j = run([write(os.path.join(tmp, "dectab_2026-03-31.csv"), drows, delim="\t")],
                    what="9 decimal comma in a tab file")
    if j:
        figures(C, j, out, t, "9 decimal comma, tab")


def case_snapshot(run, tmp, rows, truth):
    out, err, j = run([write(os.path.join(tmp, "export.csv"), rows)], what="10 no date in the name")
    if j:
        figures(C, j, out, truth, "10 no date")
        C.eq((j["snapshot_date"], j["snapshot_source"]), ("", "unknown"), "10: run.json snapshot unknown")
        C.ok("snapshot date is unknown" in err, "10: warning on stderr", err)
        C.ok(str(cover(out).get("Snapshot date")).startswith("unknown"), "10: Cover says unknown")
    bad = [dict(r, **{"Contracted WTE": "n/a"}) if i < 25 else r for i, r in enumerate(rows)]
    path = write(os.path.join(tmp, "many_2026-03-31.csv"), bad)
    _, err, _ = run([path], want=65, what="10 over the reject rate")
    C.ok("see rejects.csv" not in err, "10: no 'see rejects.csv' when nothing was written", err[-400:])
    _, err, _ = run([path], "--dry-run", "--max-reject-rate", "50", what="10 dry run")
    C.ok("see rejects.csv" not in err, "10: no 'see rejects.csv' on a dry run", err[-400:])
    out, err, j = run([path], "--max-reject-rate", "50", what="10 rejects written")
    C.ok("see rejects.csv" in err and len(read_csv(os.path.join(out, "rejects.csv"))) == 25,
         "10: 'see rejects.csv' once it holds them", err[-400:])


def case_columns(run, tmp, rows, truth):
    hdr = HEADER + ["FTE"]
    _, err, _ = run([write(os.path.join(tmp, "two_2026-03-31.csv"), rows, header=hdr)], want=65,
                    what="11 two FTE columns")
    C.ok('"Contracted WTE"' in err and '"FTE"' in err and "both map to fte" in err, "11: names both", err)
    wide = HEADER + ["Extra %d" % i for i in range(20)]
    _, err, _ = run([write(os.path.join(tmp, "wide_2026-03-31.csv"), rows, header=wide)], "--max-columns", "12",
                    want=65, what="11 header over --max-columns")
    C.ok("header row is unreadable" in err and "--max-columns" in err, "11: names the limit and its option", err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--keep", help="work here and keep the files")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="esrpipe-exports-")
    os.makedirs(tmp, exist_ok=True)
    try:
        run = Run(a.esrpipe, tmp)
        rows, truth = make_trust(a.seed)
        out, _, j = run([write(os.path.join(tmp, "clean_2026-03-31.csv"), rows)], what="clean export")
        if j:
            figures(C, j, out, truth, "clean")
            C.eq(j["counts"]["out_of_scope"], truth["out"], "clean: out of scope")
        for case in (case_scientific, case_training, case_statuses, case_hours, case_blank, case_delimiters,
                     case_near, case_decimal, case_snapshot, case_columns):
            case(run, tmp, rows, truth)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return C.finish()


if __name__ == "__main__":
    raise SystemExit(main())
