#!/usr/bin/env python3
"""`esrpipe explain EXPORT LINE...` against the run's own outputs.

Runs esrpipe on the bundled sample, then explains three rows: one in
records.csv, one in rejects.csv and one in neither (out of scope). Each
explanation must agree with the run: the fate, the profession and role for
the counted row, the rule for the rejected one. No personal data (name, NI
number, date of birth) of those rows may appear. Then the errors: a line no
data row starts on (65), the header line and a writing option (64).

    /usr/bin/python3 tests/e2e/explain.py --esrpipe build/esrpipe

Prints one line per failed check and ends with `N passed, M failed`.
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
PII = ("Full Name", "NI Number", "Date of Birth")


def explain(esrpipe, *args):
    return subprocess.run([esrpipe, "explain"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def block(text, line):
    """The explanation of one line out of explain's output."""
    m = re.search(r"^\S+ line %d: .*?(?=^\S+ line \d+: |\Z)" % line, text, re.S | re.M)
    return m.group(0) if m else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    esrpipe = os.path.abspath(ap.parse_args().esrpipe)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="esrpipe-explain-")
    try:
        out = os.path.join(tmp, "out")
        p = subprocess.run([esrpipe, "run", "-q", "-o", out, SAMPLE], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if not c.ok(p.returncode == 0, "run exit 0", p.stderr.decode()[-1000:]):
            return c.finish()
        records = read_csv(os.path.join(out, "records.csv"))
        rejects = read_csv(os.path.join(out, "rejects.csv"))
        raw = {}  # physical line a row starts on -> its fields (quoted fields may span lines)
        with open(os.path.join(ROOT, SAMPLE), newline="", encoding="cp1252") as f:
            rd, start = csv.reader(f), 1
            for row in rd:
                raw[start] = row
                start = rd.line_num + 1
        header, last = raw[1], start - 1
        counted = records[len(records) // 2]
        rejected = rejects[0]
        taken = {int(r["source_line"]) for r in records} | {int(r["line"]) for r in rejects}
        out_line = next(n for n in sorted(raw) if n > 1 and n not in taken and any(raw[n]))
        lines = [int(counted["source_line"]), int(rejected["line"]), out_line]

        p = explain(esrpipe, SAMPLE, *map(str, lines))
        text = p.stdout.decode("utf-8")
        if not c.ok(p.returncode == 0, "explain exit 0", p.stderr.decode()[-1000:]):
            return c.finish()
        c.eq(len(re.findall(r"^\S+ line \d+: ", text, re.M)), 3, "one explanation per line asked for")

        b = block(text, lines[0])
        c.ok(": in scope: counted in the return" in b.splitlines()[0], "records.csv row: in scope", b[:200])
        c.ok(re.search(r"profession supported +%s \(" % re.escape(counted["profession_supported"]), b),
             "records.csv row: the run's profession", counted["profession_supported"])
        c.ok(re.search(r"support role +%s \(" % re.escape(counted["support_role"]), b),
             "records.csv row: the run's support role", counted["support_role"])
        c.ok(re.search(r"FTE +%s$" % re.escape(counted["fte"]), b, re.M), "records.csv row: the run's FTE")
        if counted["standard_title"]:
            c.ok("standard title           %s" % counted["standard_title"] in b, "records.csv row: standard title")
        if counted["title_rule"]:
            c.ok("rule %s" % counted["title_rule"] in b, "records.csv row: the title's mapping rows (lineage)")

        b = block(text, lines[1])
        rule = rejected["reason"].split(":")[0]
        c.ok(b.splitlines()[0].endswith(": rejected"), "rejects.csv row: rejected", b[:200])
        c.ok(re.search(r"^  rule +%s$" % re.escape(rule), b, re.M), "rejects.csv row: the run's rule", rule)

        b = block(text, lines[2])
        c.ok(b.splitlines()[0].endswith(": out of scope"), "row in neither file: out of scope", b[:200])
        c.ok(re.search(r"^  why +\S", b, re.M), "out of scope: says why")

        leaks = [raw[n][header.index(h)] for n in lines for h in PII
                 if h in header and header.index(h) < len(raw[n]) and raw[n][header.index(h)]
                 and raw[n][header.index(h)] in text]
        c.ok(not leaks, "no name, NI number or date of birth in the explanation", ", ".join(leaks))

        p = explain(esrpipe, SAMPLE, str(last + 50))
        c.ok(p.returncode == 65 and b"no data row starts on line" in p.stderr,
             "a line past the end: 65, said", p.stderr.decode())
        p = explain(esrpipe, SAMPLE, "1")
        c.eq(p.returncode, 64, "the header line: 64")
        p = explain(esrpipe, "-o", os.path.join(tmp, "x"), SAMPLE, "2")
        c.ok(p.returncode == 64 and not os.path.exists(os.path.join(tmp, "x")), "-o: 64, nothing written")
        p = explain(esrpipe, SAMPLE)
        c.eq(p.returncode, 64, "no line number: 64")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
