#!/usr/bin/env python3
"""The --training join against planted truth.

Generates a staff export (tests/gen/gen_export.py, small) and an ESR competence
export for its people (tests/gen/gen_training.py, with a truth file), runs
esrpipe with --training, and checks:

* summary.csv dimensions care_certificate, qualification_level and
  apprenticeship: de-duplicated headcount and FTE of in-scope people, per
  profession and in the totals rows (empty profession and support role), for
  the whole return and per organisation, exactly;
* records.csv columns care_certificate, qualification_level and
  apprenticeship for every in-scope assignment, exactly;
* run.json training counts and unmatched_names, and the Training sheet's list
  of names not recognised (with row counts): mandatory training is never
  mapped, every qualification name is;
* the competence export's personal data (names) reaches no output.

    /usr/bin/python3 tests/e2e/training.py --esrpipe build/esrpipe [--scale 0.05 | --rows N]
        [--seed N] [--suggested-rows] [--keep DIR]

--suggested-rows appends the rows this test suggests for mappings/qualifications.csv
(SUGGESTED below) to a private copy of mappings/ and generates every competence
name (gen_training.py --names all): it shows what those rows would add.
Ends with `N passed, M failed`.
"""
import argparse
import collections
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "tests", "gen")

# Rows suggested for mappings/qualifications.csv (appended at the end: first match wins,
# so the diploma rows above keep "Level 4 Diploma in Healthcare Assistant Practitioner").
SUGGESTED = [
    ["fdsc", "qualification", "Foundation degree", "5", "FdSc: foundation degree in science"],
    ["level 3 national", "qualification", "BTEC National", "3", "BTEC Level 3 National (Extended) Diploma / Certificate"],
    ["certificate of higher education", "qualification", "Certificate of Higher Education", "4", ""],
    ["certhe", "qualification", "Certificate of Higher Education", "4", ""],
    ["diploma of higher education", "qualification", "Diploma of Higher Education", "5", ""],
    ["diphe", "qualification", "Diploma of Higher Education", "5", ""],
    ["bsc", "qualification", "Bachelor's degree", "6", "BSc (Hons): graduates working as support workers"],
    ["ba hons", "qualification", "Bachelor's degree", "6", ""],
    ["healthcare assistant practitioner", "apprenticeship", "Assistant practitioner (health)", "5",
     "the Level 5 standard's own name; after the diploma rows"],
    ["intermediate apprenticeship in health", "apprenticeship", "Healthcare support worker", "2",
     "pre-2017 apprenticeship framework (Level 2)"],
    ["advanced apprenticeship in health", "apprenticeship", "Senior healthcare support worker", "3",
     "pre-2017 apprenticeship framework (Level 3)"],
]


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def level_key(n):
    return "Level %d" % n if n else "none recorded"


def competence_rows(path):
    data = open(path, "rb").read().decode("cp1252")
    rd = csv.reader(data.splitlines())
    header = next(rd)
    return header, list(rd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--scale", default="0.05", help="gen_export.py --scale (default 0.05)")
    ap.add_argument("--rows", help="gen_export.py --rows instead of --scale")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--suggested-rows", action="store_true",
                    help="run on mappings/ plus SUGGESTED rows, with every generated competence name")
    ap.add_argument("--keep", help="work here and keep the files")
    a = ap.parse_args()
    esrpipe = os.path.abspath(a.esrpipe)
    work = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp(prefix="esrpipe-training-")
    os.makedirs(work, exist_ok=True)
    c = Checks()
    try:
        staff = os.path.join(work, "staff_2026-03-31.csv")
        comp = os.path.join(work, "competences_2026-03-31.csv")
        out = os.path.join(work, "out")
        shutil.rmtree(out, ignore_errors=True)
        size = ["--rows", a.rows] if a.rows else ["--scale", a.scale]
        rc, _, err = run([sys.executable, os.path.join(GEN, "gen_export.py"), "--out", staff, "--seed", str(a.seed)] + size)
        if not c.ok(rc == 0, "gen_export.py", err[-1000:]):
            return c.finish()
        names = "all" if a.suggested_rows else "core"
        rc, _, err = run([sys.executable, os.path.join(GEN, "gen_training.py"), "--export", staff, "--out", comp,
                          "--seed", str(a.seed), "--names", names])
        if not c.ok(rc == 0, "gen_training.py", err[-1000:]):
            return c.finish()
        sys.stdout.write(err.replace("gen_training: ", "  ", 1) if a.keep else "")
        argv = [esrpipe, "run", "-q", "-o", out, "--training", comp, staff]
        if a.suggested_rows:
            mdir = os.path.join(work, "mappings")
            shutil.rmtree(mdir, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, "mappings"), mdir)
            with open(os.path.join(mdir, "qualifications.csv"), "a", newline="", encoding="utf-8") as f:
                csv.writer(f, lineterminator="\n").writerows(SUGGESTED)
            argv[2:2] = ["-m", mdir]
        rc, _, err = run(argv, cwd=ROOT)
        if not c.ok(rc == 0, "esrpipe run --training exit 0", "exit %d: %s" % (rc, err[-2000:])):
            return c.finish()
        check(c, a, staff, comp, out)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return c.finish()


def check(c, a, staff, comp, out):
    plan = json.load(open(staff + ".plan.json", encoding="utf-8"))
    truth = json.load(open(comp + ".truth.json", encoding="utf-8"))
    persons = truth["persons"]
    cols = plan["in_scope_assignments_columns"]
    ia, ie, io, ifte, icell = (cols.index(k) for k in ("assignment_number", "employee_number", "org_code", "fte",
                                                        "cell_evidence"))
    cell_keys = plan["cell_keys"]
    asg = [(x[ia], x[ie], x[io], Decimal(x[ifte]), cell_keys[x[icell]][0]) for x in plan["in_scope_assignments"]]
    nobody = dict(care_certificate="not_recorded", qualification_level=0, apprenticeship="")

    def person(e):
        return persons.get(e, nobody)

    # ---- expected summary cells: (org, dim, profession, key) -> [fte, set(emp)]
    want = collections.defaultdict(lambda: [Decimal(0), set()])
    for _, e, org, fte, prof in asg:
        t = person(e)
        keys = {"care_certificate": t["care_certificate"],
                "qualification_level": level_key(t["qualification_level"]),
                "apprenticeship": t["apprenticeship"] or "none"}
        for o in ("", org):
            for p in ("", prof):
                for dim, k in keys.items():
                    w = want[(o, dim, p, k)]
                    w[0] += fte
                    w[1].add(e)
    want_cells = {k: ("%.5f" % v[0], len(v[1])) for k, v in want.items()}
    summary = read_csv(os.path.join(out, "summary.csv"))
    dims = ("care_certificate", "qualification_level", "apprenticeship")
    got_cells = {}
    bad_role = []
    for r in summary:
        if r["dimension"] in dims:
            if r["support_role"]:
                bad_role.append(r)
            got_cells[(r["org_code"], r["dimension"], r["profession"], r["key"])] = (r["fte"], int(r["headcount"]))
    c.ok(not bad_role, "training dimensions carry no support role", str(bad_role[:2]))
    for dim in dims:
        for scope, sel in (("totals (empty profession and role)", lambda k: k[0] == "" and k[2] == ""),
                           ("rows per profession", lambda k: k[0] == "" and k[2] != ""),
                           ("per organisation", lambda k: k[0] != "")):
            g = {k: v for k, v in got_cells.items() if k[1] == dim and sel(k)}
            w = {k: v for k, v in want_cells.items() if k[1] == dim and sel(k)}
            c.eq(g, w, "summary.csv %s %s: (fte, headcount) = truth" % (dim, scope))
    # totals add up to the in-scope people
    inscope_people = len(set(x[1] for x in asg))
    for dim in dims:
        n = sum(v[1] for k, v in got_cells.items() if k[0] == "" and k[1] == dim and k[2] == "")
        c.eq(n, inscope_people, "%s totals count every in-scope person once" % dim)
    cc = {k[3]: v[1] for k, v in got_cells.items() if k[:3] == ("", "care_certificate", "")}
    print("  in-scope people %d; Care Certificate completed %d, in progress %d, not recorded %d"
          % (inscope_people, cc.get("completed", 0), cc.get("in_progress", 0), cc.get("not_recorded", 0)))

    # ---- records.csv per assignment
    records = read_csv(os.path.join(out, "records.csv"))
    by_asg = {r["assignment_number"]: r for r in records}
    c.eq(set(by_asg), set(x[0] for x in asg), "records.csv holds every in-scope assignment")
    bad = collections.defaultdict(list)
    for an, e, _, _, _ in asg:
        r = by_asg.get(an)
        if r is None:
            continue
        t = person(e)
        want_row = {"care_certificate": t["care_certificate"],
                    "qualification_level": str(t["qualification_level"]) if t["qualification_level"] else "",
                    "apprenticeship": t["apprenticeship"]}
        for col, v in want_row.items():
            if r[col] != v:
                bad[col].append("%s (employee %s): %r, expected %r" % (an, e, r[col], v))
    for col in dims:
        c.ok(not bad[col], "records.csv %s = truth for every in-scope assignment" % col,
             "%d wrong: %s" % (len(bad[col]), "; ".join(bad[col][:5])))
    # the cases the truth is there for
    stale = [e for e, t in persons.items() if t["care_certificate"] == "completed"]
    c.ok(len(stale) > 0 and len([1 for _, e, _, _, _ in asg if person(e)["apprenticeship"]]) > 0,
         "the generated people include completed Care Certificates and apprenticeships in progress")

    # ---- run.json and the unmatched names
    run_json = json.load(open(os.path.join(out, "run.json"), encoding="utf-8"))
    tr = run_json.get("training", {})
    header, rows = competence_rows(comp)
    hn = [re.sub(r"[^a-z0-9]", "", h.lower()) for h in header]
    ie = next(i for i, h in enumerate(hn) if h in ("employeenumber", "employeeno", "personnumber"))
    iname = next(i for i, h in enumerate(hn) if h in ("competencename", "competence", "qualificationname"))
    c.eq(tr.get("rows"), len(rows), "run.json training rows = competence export rows")
    c.eq(tr.get("rejected"), truth["rejected_rows"], "run.json training rejected = rows without employee or name")
    joined = [r for r in rows if r[ie].strip() and r[iname].strip()]
    kinds = {n: v["kind"] for n, v in truth["names"].items()}
    extra = {n for n, v in truth["names"].items() if v["extra"]}
    recognised = {n for n, k in kinds.items() if k != "mandatory" and (a.suggested_rows or n not in extra)}
    want_unmatched = collections.Counter(r[iname] for r in joined if r[iname] not in recognised)
    c.eq(tr.get("unmatched"), sum(want_unmatched.values()), "run.json training unmatched row count")
    c.eq(tr.get("matched"), len(joined) - sum(want_unmatched.values()), "run.json training matched row count")
    listed = tr.get("unmatched_names", [])
    order = sorted(want_unmatched, key=lambda n: (-want_unmatched[n], n.encode("utf-8")))
    c.eq(listed, order[:50], "run.json unmatched_names: every unrecognised name, most frequent first")
    mandatory = {n for n, k in kinds.items() if k == "mandatory"}
    c.eq(mandatory - set(want_unmatched), set(), "every mandatory-training name was generated")
    c.eq(set(listed) & recognised, set(), "no qualification, apprenticeship or Care Certificate name is unmatched")
    c.eq(mandatory - set(listed), set(), "mandatory training never mapped (all in unmatched_names)")
    if not a.suggested_rows:
        c.eq(set(listed) & extra, set(), "core run: no name outside the committed table was generated")

    # ---- the Training sheet lists the same names with their row counts
    try:
        import openpyxl
    except ImportError:
        print("  (openpyxl missing: Training sheet not checked)")
        openpyxl = None
    if openpyxl:
        wb = openpyxl.load_workbook(os.path.join(out, "return.xlsx"), read_only=True)
        ws = wb["Training"]
        sheet = [list(r) for r in ws.iter_rows(values_only=True)]
        i = next((k for k, r in enumerate(sheet) if r and r[0] == "Competence names not recognised (review; never guessed)"),
                 None)
        if c.ok(i is not None, "Training sheet lists the names not recognised"):
            got = {}
            for r in sheet[i + 1:]:
                if not r or r[0] is None:
                    break
                got[r[0]] = r[1]
            c.eq(got, dict(want_unmatched), "Training sheet: every unrecognised name with its row count")
            c.eq(mandatory - set(got), set(), "Training sheet: mandatory training never mapped")
        j = next((k for k, r in enumerate(sheet) if r and r[0] == "Care Certificate by profession"), None)
        if c.ok(j is not None, "Training sheet Care Certificate table"):
            allp = next((r for r in sheet[j + 1:] if r and r[0] == "All professions"), None)
            c.eq(list(allp[1:5]) if allp else None,
                 [inscope_people, cc.get("completed", 0), cc.get("in_progress", 0), cc.get("not_recorded", 0)],
                 "Training sheet Care Certificate totals = truth")
        wb.close()

    # ---- the competence export's personal data reaches no output
    ifirst = next((i for i, h in enumerate(hn) if h == "firstname"), None)
    ilast = next((i for i, h in enumerate(hn) if h in ("lastname", "surname")), None)
    full = set()
    for r in rows:
        if ifirst is not None and ilast is not None and r[ifirst] and r[ilast]:
            full.add("%s %s" % (r[ifirst], r[ilast]))
            full.add("%s, %s" % (r[ilast], r[ifirst]))
    leaks = []
    for dirpath, _, files in os.walk(out):
        for fn in files:
            p = os.path.join(dirpath, fn)
            blobs = []
            if fn.endswith(".xlsx"):
                with zipfile.ZipFile(p) as z:
                    blobs = [z.read(n).decode("utf-8", "replace").replace("&apos;", "'") for n in z.namelist()]
            else:
                blobs = [open(p, "rb").read().decode("utf-8", "replace")]
            for text in blobs:
                for n in full:
                    if n in text:
                        leaks.append("%s: %s" % (fn, n))
    c.ok(full and not leaks, "no competence-export name reaches an output", "; ".join(leaks[:5]))


if __name__ == "__main__":
    sys.exit(main())
