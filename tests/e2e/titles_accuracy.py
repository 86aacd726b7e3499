#!/usr/bin/env python3
"""Job-title accuracy: how often the title (and, where given, the area of
work) alone gets the profession supported right.

Generates (tests/gen/gen_titles.py, in a temp dir) an export of a few
thousand messy job titles with NO occupation-code column, runs `esrpipe run`
on it and scores every assignment against the truth:

  right   profession_supported equals the truth (for a title that implies no
          profession: no profession applied, i.e. Unknown or not in scope)
  wrong   a different profession applied, including a profession applied
          where the truth is none: a wrong mapping is worse than none
  review  no profession applied (Unknown) where the truth has one: the title
          is left for a person, with its best suggestion

and asserts right >= 90% and wrong <= 1%.

    tests/e2e/titles_accuracy.py --esrpipe build/esrpipe [--mappings DIR]
        [--rows N] [--seed N] [--keep DIR] [--show N]
"""
import argparse
import collections
import csv
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
import gen_titles  # noqa: E402
from checks import Checks

MIN_RIGHT = 90.0
MAX_WRONG = 1.0
UNKNOWN = "Unknown"
CHECKS = Checks(verbose=True)


def pct(n, d):
    return 100.0 * n / d if d else 0.0


def main():
    ap = argparse.ArgumentParser(description="job-title accuracy against generated truth")
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--mappings", help="mapping tables (esrpipe -m); default: the repository's")
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20260331)
    ap.add_argument("--keep", help="write the export, truth and outputs here and keep them")
    ap.add_argument("--show", type=int, default=15, help="list this many wrong and review titles")
    a = ap.parse_args()
    esrpipe = os.path.abspath(a.esrpipe)
    tmp = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp(prefix="esrpipe-titles-")
    try:
        export, truth_path = gen_titles.generate(os.path.join(tmp, "in"), a.rows, a.seed)
        out = os.path.join(tmp, "out")
        shutil.rmtree(out, ignore_errors=True)
        argv = [esrpipe, "run", "-q", "-o", out]
        if a.mappings:
            argv += ["-m", os.path.abspath(a.mappings)]
        argv.append(export)
        p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 0,
                  "esrpipe run exits 0",
                  "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
        if p.returncode != 0:
            return CHECKS.finish()
        with open(truth_path, newline="", encoding="utf-8") as f:
            truth = list(csv.DictReader(f))
        with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
            got = {r["assignment_number"]: r for r in csv.DictReader(f)}
        with open(os.path.join(out, "rejects.csv"), newline="", encoding="utf-8") as f:
            rejected = sum(1 for _ in csv.DictReader(f))
        CHECKS.ok(rejected == 0, "no row rejected", "%d rejected" % rejected)
        CHECKS.ok(set(got) <= {t["assignment_number"] for t in truth},
                  "every records.csv row is a generated assignment")

        n = len(truth)
        tally = collections.Counter()
        by_family = collections.defaultdict(collections.Counter)
        by_prof = collections.defaultdict(collections.Counter)
        misses = {"wrong": collections.Counter(), "review": collections.Counter()}
        for t in truth:
            r = got.get(t["assignment_number"])
            # not in records.csv: no support role found, so out of scope,
            # and no profession applied
            applied = r["profession_supported"] if r else UNKNOWN
            want = t["profession"]
            if applied == UNKNOWN:
                verdict = "right" if not want else "review"
            else:
                verdict = "right" if applied == want else "wrong"
            tally[verdict] += 1
            by_family[t["family"]][verdict] += 1
            by_prof[want or "(none)"][verdict] += 1
            if verdict != "right":
                how = "%r -> %s (truth %s%s)" % (t["job_title"], applied if r else "not in scope",
                                                 want or "none", ", area " + t["area_of_work"] if t["area_of_work"] else "")
                misses[verdict][how] += 1

        print("\n%d assignments, no occupation codes:" % n)
        for v in ("right", "wrong", "review"):
            print("  %-7s %5d  %6.2f%%" % (v, tally[v], pct(tally[v], n)))
        print("\nby family:")
        for fam in sorted(by_family):
            c = by_family[fam]
            tot = sum(c.values())
            print("  %-10s %5d  right %6.2f%%  wrong %5.2f%%  review %6.2f%%" % (
                fam, tot, pct(c["right"], tot), pct(c["wrong"], tot), pct(c["review"], tot)))
        print("\nby truth profession:")
        for prof in sorted(by_prof):
            c = by_prof[prof]
            tot = sum(c.values())
            print("  %-44s %5d  right %5d  wrong %3d  review %4d" % (prof, tot, c["right"], c["wrong"], c["review"]))
        for v in ("wrong", "review"):
            if misses[v] and a.show > 0:
                print("\n%s (most frequent first):" % v)
                for how, k in misses[v].most_common(a.show):
                    print("  %3d x %s" % (k, how))
        print()
        CHECKS.ok(pct(tally["right"], n) >= MIN_RIGHT,
                  "right >= %.0f%% (%.2f%%)" % (MIN_RIGHT, pct(tally["right"], n)))
        CHECKS.ok(pct(tally["wrong"], n) <= MAX_WRONG,
                  "wrong <= %.0f%% (%.2f%%)" % (MAX_WRONG, pct(tally["wrong"], n)))
        missing = [p for p in by_prof if p != "(none)" and by_prof[p]["right"] == 0]
        CHECKS.ok(not missing,
                  "every profession in the truth is recognised at least once",
                  ", ".join(missing))
        c = by_prof["(none)"]
        CHECKS.ok(pct(c["wrong"], sum(c.values())) <= MAX_WRONG,
                  "titles implying no profession get none (%d of %d)" % (c["right"], sum(c.values())))
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
