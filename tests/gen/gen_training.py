#!/usr/bin/env python3
"""Deterministic generator of an ESR competence / learning-record export with planted truth.

Reads the people of a staff-in-post export (the export itself, any encoding
and header spelling esrpipe accepts, gzip or not; or the plan JSON written by
gen_export.py) and writes, for them, the kind of file a trust gets from ESR's
competence and OLM learning reports: Windows-1252, CRLF, one row per person
per competence, with the Care Certificate under its many local names, NVQ /
QCF / RQF diplomas, foundation degrees, HNC/HND, apprenticeship standards
(healthcare support worker L2, senior HSW L3, assistant practitioner L5,
nursing associate, degree apprenticeships), statuses (Achieved, In Progress,
Enrolled, Expired, Not Met, ...), stale "In Progress" enrolments left open
after completion, leavers not in the staff export, rows without an employee
number, personal data (first and last name), and a great deal of mandatory
training (Fire Safety, Information Governance ...) that must never be read
as a qualification.

A truth JSON records what a correct join must find, per employee number:
care_certificate (completed / in_progress / not_recorded; completed wins over
in progress; expired or not met counts as not recorded), qualification_level
(highest level completed, qualifications and completed apprenticeships; the
Care Certificate is not a qualification level; 0 = none) and apprenticeship
(the standard in progress and not also completed, highest level first, equal
levels in the order of mappings/qualifications.csv; "" = none). It also lists
every competence name written, with its kind: care_certificate,
qualification, apprenticeship or mandatory (never a qualification).

    python3 tests/gen/gen_training.py (--export FILE | --plan PLAN.json) --out FILE
        [--truth TRUTH.json] [--seed N] [--names core|all] [--noise N]

--names core (default) uses only competence names that mappings/qualifications.csv
as committed recognises; --names all adds real-world names it does not (yet):
FdSc, CertHE/DipHE, BTEC Level 3 National Extended Diploma, bachelor's degrees,
the "Healthcare Assistant Practitioner" standard and the pre-2017 Intermediate /
Advanced Apprenticeship in Health frameworks. Their truth is the real level,
so --names all shows what the table misses.

Same arguments and same input => byte-identical export and truth.
Python 3 standard library only.
"""
import argparse
import csv
import gzip
import io
import json
import os
import random
import re
import sys

# --------------------------------------------------------------------------
# vocabulary: (name, kind, value, level)
# value is the apprenticeship standard as mappings/qualifications.csv names it
# --------------------------------------------------------------------------

CARE_NAMES = [
    "Care Certificate",
    "Care Certificate (Standards 1-15)",
    "CARE CERTIFICATE - COMPLETED",
    "The Care Certificate \u2013 All 15 Standards",
    "NHS|LOCAL|Care Certificate|",
]
CARE_COMPLETED_ONLY = {"CARE CERTIFICATE - COMPLETED"}

QUALS_CORE = [
    ("NVQ Level 2 Health and Social Care", 2),
    ("NVQ Level 3 in Health & Social Care", 3),
    ("NVQ 2 Health and Social Care", 2),
    ("NVQ 3 Care", 3),
    ("NVQ Level 4 Health and Social Care", 4),
    ("QCF Level 2 Diploma in Health and Social Care (Adults) for England", 2),
    ("QCF Level 3 Diploma in Health and Social Care (Adults) for England", 3),
    ("Level 2 Diploma in Health and Social Care (Adults) for England (QCF)", 2),
    ("Level 3 Diploma in Clinical Healthcare Support (RQF)", 3),
    ("Level 2 Certificate in Healthcare Support Services", 2),
    ("Level 3 Certificate in Allied Health Profession Support", 3),
    ("Level 4 Certificate in Principles of Leadership and Management", 4),
    ("Level 4 Diploma in Healthcare Assistant Practitioner", 4),
    ("Level 5 Diploma in Leadership for Health and Social Care", 5),
    ("RQF Level 2 Diploma in Care", 2),
    ("RQF Level 3 Diploma in Healthcare Support", 3),
    ("Foundation Degree in Health and Social Care", 5),
    ("Foundation Degree (FdSc) Health and Social Care", 5),
    ("HND Health and Social Care", 5),
    ("Higher National Diploma in Healthcare Practice", 5),
    ("HNC Health and Social Care", 4),
    ("Higher National Certificate in Healthcare Practice", 4),
    ("BTEC National Diploma in Health and Social Care", 3),
    ("Access to Higher Education Diploma (Health Professions)", 3),
]
QUALS_EXTRA = [
    ("FdSc Assistant Practitioner (Health)", 5),
    ("BTEC Level 3 National Extended Diploma in Health and Social Care", 3),
    ("Certificate of Higher Education in Health Studies", 4),
    ("Diploma of Higher Education in Operating Department Practice", 5),
    ("BSc (Hons) Sport and Exercise Science", 6),
    ("BA (Hons) Psychology", 6),
]

HSW, SHSW, AP, NA, DEG = ("Healthcare support worker", "Senior healthcare support worker",
                          "Assistant practitioner (health)", "Nursing associate",
                          "Degree apprenticeship (registered profession)")
# order of the standards in mappings/qualifications.csv (breaks ties between equal levels)
STANDARD_ORDER = [DEG, NA, AP, SHSW, HSW]
LEVEL = {HSW: 2, SHSW: 3, AP: 5, NA: 5, DEG: 6}

APPR_CORE = [
    ("Healthcare Support Worker Apprenticeship (Level 2)", HSW),
    ("Level 2 Healthcare Support Worker Apprenticeship", HSW),
    ("Level 2 Apprenticeship in Health", HSW),
    ("Senior Healthcare Support Worker Apprenticeship (Level 3)", SHSW),
    ("Level 3 Senior Healthcare Support Worker (Allied Health Profession Therapy Support)", SHSW),
    ("Senior Healthcare Support Worker - Diagnostic Imaging Support", SHSW),
    ("Level 3 Apprenticeship in Health (Clinical Healthcare Support)", SHSW),
    ("Assistant Practitioner Apprenticeship (Level 5)", AP),
    ("Assistant Practitioner Higher Apprenticeship", AP),
    ("Nursing Associate Apprenticeship (Level 5)", NA),
    ("Trainee Nursing Associate Apprenticeship", NA),
    ("Physiotherapist Degree Apprenticeship", DEG),
    ("Occupational Therapist Degree Apprenticeship", DEG),
    ("Operating Department Practitioner Degree Apprenticeship", DEG),
    ("Diagnostic Radiographer (Integrated Degree) Apprenticeship", DEG),
]
APPR_EXTRA = [
    ("Healthcare Assistant Practitioner Level 5 Apprenticeship", AP),
    ("Intermediate Apprenticeship in Health (Clinical Healthcare Support)", HSW),
    ("Advanced Apprenticeship in Health (Allied Health Profession Support)", SHSW),
]

MANDATORY = [
    "Fire Safety",
    "NHS|CSTF|Fire Safety - 2 Years|",
    "NHS|CSTF|Information Governance and Data Security - 1 Year|",
    "Information Governance",
    "Safeguarding Adults Level 2",
    "Safeguarding Children Level 3",
    "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|",
    "Moving and Handling Level 2",
    "Infection Prevention and Control Level 2",
    "Resuscitation Level 2 - Adult Basic Life Support",
    "Conflict Resolution",
    "Equality, Diversity and Human Rights",
    "Health, Safety and Welfare",
    "Preventing Radicalisation Level 3",
    "Dementia Awareness Tier 1",
    "Mental Capacity Act and Deprivation of Liberty Safeguards",
    "Local Induction",
    "Corporate Induction",
    "Paediatric Basic Life Support",
    "Blood Transfusion Level 1",
    "Medical Devices Training",
    "Falls Prevention",
    "Sepsis Awareness \u2013 Adults",
]

COMPLETED = ["Achieved", "Achieved", "Achieved", "Completed", "Passed", "Awarded", "ACHIEVED"]
IN_PROGRESS = ["In Progress", "In Progress", "Enrolled", "On Programme", "Registered", "Started", "in progress"]
NOT_DONE = ["Expired", "Not Met", "Withdrawn", "Cancelled", "Not Achieved", "Failed"]
QUAL_NOT_DONE = ["Withdrawn", "Cancelled", "Not Achieved", "Failed"]

FIRST = ["Zo\u00eb", "Jos\u00e9", "Si\u00e2n", "Ana", "Liam", "Chlo\u00e9", "Ravi", "Aoife", "Tom\u00e1s", "Grace",
         "Hannah", "J\u00fcrgen", "Ngozi", "Priya", "Owen", "Fatima", "Declan", "Mei"]
LAST = ["Adams", "Barros", "Evans", "M\u00fcller", "O'Neill", "Martin", "Patel", "Byrne", "Silva", "Okafor",
        "Lee", "Wei\u00df", "Mensah", "Shah", "Hughes", "Khan", "Murphy", "Chen"]

HEADERS = [
    # employee, first, last, org, competence, status, achieved, expiry
    ["Employee Number", "First Name", "Last Name", "Organisation", "Competence Name", "Competence Status",
     "Achieved Date", "Expiry Date"],
    ["Employee No", "First Name", "Surname", "Organisation", "Competence", "Status", "Date Achieved",
     "Expiry Date"],
    ["Person Number", "First Name", "Last Name", "Organisation", "Qualification Name", "Completion Status",
     "Completion Date", "Expires"],
]

# --------------------------------------------------------------------------
# reading the staff export
# --------------------------------------------------------------------------

EMP_ALIASES = {"employeenumber", "employeeno", "empno", "personnumber"}


def norm_header(h):
    return re.sub(r"[^a-z0-9]", "", h.lower())


def read_export_people(path):
    """Employee numbers of an ESR-style export, in first-seen order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"\xff\xfe":
        text, delim = data[2:].decode("utf-16-le"), "\t"
    else:
        if data[:3] == b"\xef\xbb\xbf":
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        first = text.split("\n", 1)[0]
        delim = "\t" if path.endswith(".tsv") or first.count("\t") > first.count(",") else ","
    rd = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header = next(rd)
    col = next((i for i, h in enumerate(header) if norm_header(h) in EMP_ALIASES), None)
    if col is None:
        raise SystemExit("gen_training: %s: no employee number column in %r" % (path, header))
    seen, out = set(), []
    for row in rd:
        if col < len(row):
            e = row[col].strip()
            if e and e not in seen:
                seen.add(e)
                out.append(e)
    return out


def read_plan_people(path):
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    cols = plan["in_scope_assignments_columns"]
    ei = cols.index("employee_number")
    seen, out = set(), []
    for a in plan["in_scope_assignments"]:
        if a[ei] not in seen:
            seen.add(a[ei])
            out.append(a[ei])
    return out


# --------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------


def date(rnd, lo=2008, hi=2026):
    y = rnd.randint(lo, hi)
    m = rnd.randint(1, 12 if y < 2026 else 3)
    return "%02d/%02d/%04d" % (rnd.randint(1, 28), m, y)


def person_rows(rnd, emp, quals, apprs, noise_max):
    """Rows (name, status, achieved, expiry) and the truth for one person."""
    rows = []
    truth = dict(care_certificate="not_recorded", qualification_level=0, apprenticeship="")
    # ---- Care Certificate
    u = rnd.random()
    cc_name = rnd.choice(CARE_NAMES)
    if u < 0.42:
        rows.append((cc_name, rnd.choice(COMPLETED), date(rnd, 2015), ""))
        truth["care_certificate"] = "completed"
        if rnd.random() < 0.2:   # a stale enrolment from before completion, under another name
            other = rnd.choice([n for n in CARE_NAMES if n not in CARE_COMPLETED_ONLY])
            rows.append((other, rnd.choice(IN_PROGRESS), "", ""))
    elif u < 0.60:
        name = rnd.choice([n for n in CARE_NAMES if n not in CARE_COMPLETED_ONLY])
        rows.append((name, rnd.choice(IN_PROGRESS), "", ""))
        truth["care_certificate"] = "in_progress"
    elif u < 0.68:
        name = rnd.choice([n for n in CARE_NAMES if n not in CARE_COMPLETED_ONLY])
        rows.append((name, rnd.choice(NOT_DONE), date(rnd, 2015) if rnd.random() < 0.5 else "", ""))
    # else: no Care Certificate row at all

    # ---- qualifications
    level = 0
    for _ in range(rnd.choice([0, 0, 0, 1, 1, 1, 2, 3])):
        name, lv = rnd.choice(quals)
        v = rnd.random()
        if v < 0.8:
            rows.append((name, rnd.choice(COMPLETED), date(rnd), ""))
            level = max(level, lv)
        elif v < 0.9:
            rows.append((name, rnd.choice(IN_PROGRESS), "", ""))
        else:
            rows.append((name, rnd.choice(QUAL_NOT_DONE), "", ""))

    # ---- apprenticeships
    done, open_ = set(), set()
    w = rnd.random()
    if w < 0.30:
        n_appr = 1 if w < 0.25 else 2
        for _ in range(n_appr):
            name, std = rnd.choice(apprs)
            v = rnd.random()
            if v < 0.45:
                rows.append((name, rnd.choice(IN_PROGRESS), "", ""))
                open_.add(std)
            elif v < 0.85:
                rows.append((name, rnd.choice(COMPLETED), date(rnd, 2017), ""))
                done.add(std)
                level = max(level, LEVEL[std])
                if rnd.random() < 0.3:   # OLM enrolment never closed
                    rows.append((name, rnd.choice(IN_PROGRESS), "", ""))
                    open_.add(std)
            else:
                rows.append((name, rnd.choice(["Withdrawn", "Cancelled", "Not Achieved"]), "", ""))
    still = [s for s in STANDARD_ORDER if s in open_ and s not in done]
    if still:
        best = max(LEVEL[s] for s in still)
        truth["apprenticeship"] = next(s for s in still if LEVEL[s] == best)
    truth["qualification_level"] = level

    # ---- mandatory training noise
    for name in rnd.sample(MANDATORY, rnd.randint(0, min(noise_max, len(MANDATORY)))):
        if rnd.random() < 0.8:
            ach = date(rnd, 2023)
            exp = "%s%04d" % (ach[:6], int(ach[6:]) + rnd.choice([1, 2, 3]))
            rows.append((name, rnd.choice(["Achieved", "Achieved", "Expired"]), ach, exp))
        else:
            rows.append((name, rnd.choice(["Not Met", "Enrolled", "Expired"]), "", ""))
    rnd.shuffle(rows)
    return rows, truth


def field(v):
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--export", help="staff-in-post export whose people to use")
    src.add_argument("--plan", help="gen_export.py plan JSON (in_scope_assignments)")
    ap.add_argument("--out", required=True, help="competence export to write")
    ap.add_argument("--truth", help="truth JSON to write (default: OUT.truth.json)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--names", choices=["core", "all"], default="core",
                    help="core: names the committed qualifications.csv recognises; all: plus real-world names it misses")
    ap.add_argument("--noise", type=int, default=8, help="at most N mandatory-training rows per person (default 8)")
    ap.add_argument("--org", default="", help="Organisation column value (default: none)")
    a = ap.parse_args(argv)

    people = read_export_people(a.export) if a.export else read_plan_people(a.plan)
    rnd = random.Random("gen_training:%d" % a.seed)
    quals = QUALS_CORE + (QUALS_EXTRA if a.names == "all" else [])
    apprs = APPR_CORE + (APPR_EXTRA if a.names == "all" else [])
    header = HEADERS[a.seed % len(HEADERS)]

    lines = [",".join(header)]
    truth = {}
    written = set()

    def emit(emp, first, last, row):
        name, status, ach, exp = row
        written.add(name)
        lines.append(",".join(field(v) for v in (emp, first, last, a.org, name, status, ach, exp)))

    for emp in sorted(people):
        rows, t = person_rows(rnd, emp, quals, apprs, a.noise)
        truth[emp] = t
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        for r in rows:
            emit(emp, first, last, r)
    # leavers: people not in the staff export (must join to nobody)
    n_leavers = max(2, len(people) // 50)
    for i in range(n_leavers):
        emp = "9%07d" % rnd.randint(0, 9999999)
        while emp in truth:
            emp = "9%07d" % rnd.randint(0, 9999999)
        rows, _ = person_rows(rnd, emp, quals, apprs, a.noise)
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        for r in rows:
            emit(emp, first, last, r)
    # rows without an employee number (rejected by the join), or without a name
    rejected = 0
    for i in range(max(2, len(people) // 100)):
        emit("", rnd.choice(FIRST), rnd.choice(LAST), ("Care Certificate", "Achieved", date(rnd, 2015), ""))
        rejected += 1
    if people:
        emit(sorted(people)[0], "", "", ("", "Achieved", date(rnd), ""))
        rejected += 1

    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, a.out)

    kinds = {}
    for n in CARE_NAMES:
        kinds[n] = "care_certificate"
    for n, _ in QUALS_CORE + QUALS_EXTRA:
        kinds[n] = "qualification"
    for n, _ in APPR_CORE + APPR_EXTRA:
        kinds[n] = "apprenticeship"
    for n in MANDATORY:
        kinds[n] = "mandatory"
    extra = set(n for n, _ in QUALS_EXTRA + APPR_EXTRA)
    doc = dict(
        generator="tests/gen/gen_training.py",
        args=dict(seed=a.seed, names=a.names, noise=a.noise, source=os.path.basename(a.export or a.plan)),
        file=dict(name=os.path.basename(a.out), encoding="cp1252", header=header, rows=len(lines) - 1),
        rejected_rows=rejected,
        names={n: dict(kind=kinds[n], extra=n in extra) for n in sorted(written) if n},
        persons={e: truth[e] for e in sorted(truth)},
    )
    truth_path = a.truth or a.out + ".truth.json"
    with open(truth_path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(truth_path + ".tmp", truth_path)
    cc = {}
    for t in truth.values():
        cc[t["care_certificate"]] = cc.get(t["care_certificate"], 0) + 1
    sys.stderr.write("gen_training: %s: %d rows for %d people (+%d leavers); Care Certificate %s; truth %s\n"
                     % (a.out, len(lines) - 1, len(people), n_leavers,
                        ", ".join("%s %d" % kv for kv in sorted(cc.items())), truth_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
