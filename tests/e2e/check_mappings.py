#!/usr/bin/env python3
"""`esrpipe check-mappings`: the shipped tables pass (exit 0), and a copy
with a seeded error fails with exit 65 and a message naming the file and
line of every seeded error.

Each seeded error gets its own copy of mappings/ (check-mappings checks in
classes - tables load, unique keys, vocabularies, normalised conflicts - and
stops after the first class that fails, so one error can hide another of a
later class); one more copy seeds two errors of the same class to show both
are reported in one run.

    tests/e2e/check_mappings.py --esrpipe build/esrpipe
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from checks import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAPPINGS = os.path.join(ROOT, "mappings")
EX_DATAERR = 65
CHECKS = Checks(verbose=True)


def append_rows(d, fn, rows):
    """Append rows (CSV text lines) to d/fn; return their line numbers."""
    path = os.path.join(d, fn)
    with open(path, newline="") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        text += "\n"
    first = text.count("\n") + 1
    with open(path, "w", newline="") as f:
        f.write(text + "".join(r + "\n" for r in rows))
    return list(range(first, first + len(rows)))


def first_row(d, fn, pred):
    with open(os.path.join(d, fn), newline="") as f:
        for line in f.read().split("\n")[1:]:
            if pred(line):
                return line
    raise SystemExit("check_mappings.py: no row of %s fits the seed" % fn)


# name -> (function seeding errors into a copy, returning [(file, line, what)])
def seed_title_conflict(d):
    # 'Physiotherapy assistant' (Physiotherapy) is in job_titles.csv; a row
    # spelling it differently normalises to the same key, other profession
    ln = append_rows(d, "job_titles.csv", ["Physio Asst,Occupational therapy,Assistant,no,seeded"])
    return [("job_titles.csv", ln[0], "normalises like")]


def seed_duplicate_code(d):
    row = first_row(d, "occupation_codes.csv", lambda l: l.startswith("S9E,"))
    ln = append_rows(d, "occupation_codes.csv", [row.replace("Assistant in Physiotherapy", "Physio helper", 1)])
    return [("occupation_codes.csv", ln[0], "duplicate code")]


def seed_unknown_profession_term(d):
    ln = append_rows(d, "title_terms.csv", ["chiropractic,profession,Chiropractic,seeded"])
    return [("title_terms.csv", ln[0], "not in the vocabulary")]


def seed_unknown_profession_job(d):
    ln = append_rows(d, "job_titles.csv", ["Chiropractic assistant,Chiropractic,Assistant,no,seeded"])
    return [("job_titles.csv", ln[0], "not in professions.csv")]


def seed_abbreviation_cycle(d):
    ln = append_rows(d, "title_abbreviations.csv", ["thpy,therapist,seeded", "therapist,thpy,seeded"])
    return [("title_abbreviations.csv", ln[0], "cycle"), ("title_abbreviations.csv", ln[1], "cycle")]


def seed_assignment_status(d):
    lines = append_rows(d, "assignment_statuses.csv", ["Seconded Out,maybe,not sure", "Career Breaks,no,"])
    return [("assignment_statuses.csv", lines[0], 'counted "maybe" is not yes or no'),
            ("assignment_statuses.csv", lines[1], 'status "Career Breaks" has no reason')]


def seed_national_tables(d):
    ln = append_rows(d, "national_tables.csv", [
        "2,Physiotherapy,Helper,profession_rol,Physiotherapy,Assistant,,,10,2020-02,list,seeded",
        "2,Physiotherapy,Helper,profession_role,Physiotherapy;Chiropractic,Assistant,,,10,2020-02,list,seeded",
        "4,Moon Base,Helper,care_setting,Paramedic/ambulance,Assistant,Moon Base,,1,2020-02,list,seeded",
        "6,X,Y,registered,,,Ambulance staff,Wessex,n/a,Feb 2020,grid,seeded"])
    return [("national_tables.csv", ln[0], "is not a summary.csv dimension"),
            ("national_tables.csv", ln[1], "is not in professions.csv"),
            ("national_tables.csv", ln[2], "is not in care_settings.csv"),
            ("national_tables.csv", ln[3], "is not in regions.csv"),
            ("national_tables.csv", ln[3], "is not a number"),
            ("national_tables.csv", ln[3], "is not YYYY-MM"),
            ("national_tables.csv", ln[3], "is not list or matrix")]


def seed_staff_group_kind(d):
    ln = append_rows(d, "nhsd_staff_groups.csv", ["Volunteers,Unknown classification,volunteer"])
    return [("nhsd_staff_groups.csv", ln[0], "is not registered, support, infrastructure or other")]


def replace_row(d, fn, pred, edit):
    """Rewrite the first row of d/fn that pred accepts as edit(row); its line."""
    path = os.path.join(d, fn)
    with open(path, newline="") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines[1:], start=1):
        if line and pred(line):
            lines[i] = edit(line)
            with open(path, "w", newline="") as f:
                f.write("\n".join(lines))
            return i + 1
    raise SystemExit("check_mappings.py: no row of %s fits the seed" % fn)


def seed_out_of_scope_reasons(d):
    fn = "out_of_scope_reasons.csv"
    a = replace_row(d, fn, lambda l: l.startswith("medical,"), lambda l: l.replace(",###,", ",A0?,"))
    b = replace_row(d, fn, lambda l: l.startswith("technician,"), lambda l: l.replace(",S4?,", ",S9?,"))
    c = replace_row(d, fn, lambda l: l.startswith("zero_fte,"), lambda l: l.replace("zero FTE", "not a support role"))
    e = replace_row(d, fn, lambda l: l.startswith("status,"), lambda l: l.replace(",,", ",##,", 1))
    return [(fn, a, 'code_pattern "A0?" of medical codes matches A0A'),
            (fn, b, 'code_pattern "S9?" of technicians matches S9'),
            (fn, c, 'label "not a support role" is reason not_support\'s too'),
            (fn, e, 'reason "status" takes no code_pattern ("##")')]


def seed_out_of_scope_reason_missing(d):
    fn = "out_of_scope_reasons.csv"
    a = replace_row(d, fn, lambda l: l.startswith("medical,"), lambda l: l.replace(",###,", ",#,"))
    replace_row(d, fn, lambda l: l.startswith("zero_fte,"), lambda l: "")
    return [(fn, a, 'code_pattern "#" is not three of A-Z, 0-9, # (a digit), ? (any)'),
            (fn, 1, 'reason "zero_fte" has no row')]


def seed_limits(d):
    fn = "dq_limits.csv"
    a = replace_row(d, fn, lambda l: l.startswith("fte_high,"), lambda l: l.replace(",1.5,", ',"1,5",'))
    b = replace_row(d, fn, lambda l: l.startswith("band_high_support,"), lambda l: l.replace(",5,", ",6,"))
    c = append_rows(d, fn, ["occ_missing,3,seeded"])[0]
    return [(fn, a, 'limit "1,5" of fte_high is not a number above 0'),
            (fn, b, 'limit "6" is not the number dq_rules.csv\'s message says'),
            (fn, c, 'rule "occ_missing" takes no limit')]


def seed_limit_missing(d):
    replace_row(d, "dq_limits.csv", lambda l: l.startswith("fte_high,"), lambda l: "")
    return [("dq_limits.csv", 1, 'rule "fte_high" has no limit')]


def seed_staff_group_kinds(d):
    a = append_rows(d, "staff_groups.csv", ["Volunteers,volunteer,seeded"])[0]
    b = replace_row(d, "staff_group_kinds.csv", lambda l: l.startswith("estates,"),
                    lambda l: l.replace(",yes,", ",maybe,"))
    return [("staff_groups.csv", a, '"volunteer" is not in staff_group_kinds.csv'),
            ("staff_group_kinds.csv", b, 'not_support "maybe" is not yes or no')]


def seed_defaults(d):
    replace_row(d, "professions.csv", lambda l: l.startswith("Physiotherapy,"), lambda l: l + "yes")
    a = replace_row(d, "professions.csv", lambda l: l.startswith("Unknown,"), lambda l: l)
    b = replace_row(d, "support_roles.csv", lambda l: l.startswith("Assistant,"), lambda l: l + "yes")
    c = replace_row(d, "support_roles.csv", lambda l: l.startswith("Support worker,"), lambda l: l + "no")
    return [("professions.csv", a, '"Unknown" is a second default row ("Physiotherapy" is the first)'),
            ("support_roles.csv", b, 'default role "Assistant" must be in_scope no'),
            ("support_roles.csv", c, 'default "no" is not yes or empty'),
            ("support_roles.csv", len(open(os.path.join(d, "support_roles.csv")).read().split("\n")) - 1,
             '"Not a support role" is a second default row ("Assistant" is the first)')]


def seed_default_missing(d):
    replace_row(d, "professions.csv", lambda l: l.startswith("Unknown,"), lambda l: l[:-len(",yes")] + ",")
    return [("professions.csv", 1, "no row with default yes")]


def seed_band_levels(d):
    a = replace_row(d, "bands.csv", lambda l: l.startswith("b3,"), lambda l: l[:-1] + "4")
    b = replace_row(d, "bands.csv", lambda l: l.startswith("b9,"), lambda l: l[:-1] + "10")
    return [("bands.csv", a, 'career_framework_level "4" differs from the band\'s first label\'s, 3'),
            ("bands.csv", b, 'career_framework_level "10" is not empty or 1-9')]


def seed_senior_level(d):
    a = replace_row(d, "title_terms.csv", lambda l: l.startswith("chief,senior,"), lambda l: "chief,senior,,")
    return [("title_terms.csv", a, 'kind "senior" value "" is not in the vocabulary (is not a level 1-9)')]


def seed_band_words(d):
    a = replace_row(d, "title_terms.csv", lambda l: l.startswith("grade,band_word,"),
                    lambda l: l.replace(",any,", ",anything,"))
    b = append_rows(d, "title_terms.csv", ["Pay Point,band_word,,seeded"])[0]
    return [("title_terms.csv", a, 'kind "band_word" value "anything" is not in the vocabulary (is not empty, any or prefix)'),
            ("title_terms.csv", b, 'band_word "Pay Point" is not one lower-case word')]


def seed_two_of_a_class(d):
    return seed_title_conflict(d) + seed_abbreviation_cycle(d)


SEEDS = [
    ("two job titles normalising to one key, different professions", seed_title_conflict),
    ("duplicate occupation code", seed_duplicate_code),
    ("unknown profession in title_terms.csv", seed_unknown_profession_term),
    ("unknown profession in job_titles.csv", seed_unknown_profession_job),
    ("abbreviation cycle a->b, b->a", seed_abbreviation_cycle),
    ("a title conflict and a cycle in one run", seed_two_of_a_class),
    ("assignment status counted neither yes nor no, or without a reason", seed_assignment_status),
    ("national_tables.csv rows naming what esrpipe does not have", seed_national_tables),
    ("an NHS Digital staff group of an unknown kind", seed_staff_group_kind),
    ("out-of-scope reasons: code patterns matching the wrong codes, a shared label", seed_out_of_scope_reasons),
    ("out-of-scope reasons: a malformed code pattern, a reason without a row", seed_out_of_scope_reason_missing),
    ("dq_limits.csv: not a number, not the message's number, a rule without a limit", seed_limits),
    ("dq_limits.csv: fte_high without a limit", seed_limit_missing),
    ("staff-group kinds: a kind not listed, not_support neither yes nor no", seed_staff_group_kinds),
    ("default profession and role: two of each, one in scope, a bad value", seed_defaults),
    ("no default profession", seed_default_missing),
    ("bands.csv career framework levels: two for one band, out of range", seed_band_levels),
    ("title_terms.csv: a senior word without its level", seed_senior_level),
    ("title_terms.csv: a band word of an unknown mode, a band word of two words", seed_band_words),
]


def run(esrpipe, d):
    return subprocess.run([esrpipe, "check-mappings", d], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    esrpipe = os.path.abspath(ap.parse_args().esrpipe)
    p = run(esrpipe, MAPPINGS)
    CHECKS.ok(p.returncode == 0, "shipped mappings pass (exit 0)", "exit %d\n%s" % (p.returncode, p.stderr))
    tmp = tempfile.mkdtemp(prefix="esrpipe-checkmap-")
    try:
        for i, (name, seed) in enumerate(SEEDS):
            d = os.path.join(tmp, "m%d" % i)
            shutil.copytree(MAPPINGS, d)
            want = seed(d)
            p = run(esrpipe, d)
            msgs = p.stdout + p.stderr
            CHECKS.ok(p.returncode == EX_DATAERR, "%s: exit 65" % name, "exit %d\n%s" % (p.returncode, msgs))
            for fn, line, what in want:
                pat = re.compile(r"^%s:%d: .*%s" % (re.escape(os.path.join(d, fn)), line, re.escape(what)), re.M)
                CHECKS.ok(pat.search(msgs), "%s: names %s:%d (%s)" % (name, fn, line, what), msgs)
            # nothing else is reported: the message points at the seeded rows only
            lines = [l for l in msgs.splitlines() if re.match(r"^/.*\.csv:\d+: ", l)]
            CHECKS.ok(len(lines) == len(want),
                      "%s: reports only the seeded rows (%d)" % (name, len(want)),
                      msgs)
        check_version(esrpipe, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


def check_version(esrpipe, tmp):
    """A table edited without a new VERSION fails at VERSION:2 and says how
    to bump; one `check-mappings --bump` records it and the check passes."""
    d = os.path.join(tmp, "edited")
    shutil.copytree(MAPPINGS, d)
    with open(os.path.join(d, "VERSION")) as f:
        version = f.readline().strip()
    append_rows(d, "job_titles.csv", ["Physio helper (seeded),Physiotherapy,Assistant,no,seeded"])
    p = run(esrpipe, d)
    msgs = p.stdout + p.stderr
    CHECKS.ok(p.returncode == EX_DATAERR, "edited table, VERSION unchanged: exit 65", msgs)
    CHECKS.ok(re.search(r"^%s:2: the tables changed but VERSION did not" % re.escape(os.path.join(d, "VERSION")), msgs, re.M),
              "names VERSION:2", msgs)
    CHECKS.ok("check-mappings --bump" in msgs, "says how to bump", msgs)
    p = subprocess.run([esrpipe, "check-mappings", "--bump", d], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    CHECKS.ok(p.returncode == 0, "--bump: exit 0", p.stdout + p.stderr)
    with open(os.path.join(d, "VERSION")) as f:
        bumped = f.readline().strip()
    head, _, last = version.rpartition(".")
    CHECKS.ok(bumped == "%s.%d" % (head, int(last) + 1), "--bump: %s -> %s" % (version, bumped))
    p = run(esrpipe, d)
    CHECKS.ok(p.returncode == 0, "after --bump the tables pass", p.stdout + p.stderr)


if __name__ == "__main__":
    sys.exit(main())
