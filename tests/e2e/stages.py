#!/usr/bin/env python3
"""`esrpipe stage`: the stages run alone as filters give what `run` gives.

For the bundled sample (with and without the competence export) and a
generated 12-trust gzip export (evidence and code-only classification):

    esrpipe stage schema EXPORT | esrpipe stage classify | esrpipe stage aggregate

must equal run's summary.csv byte for byte; classified.csv must hold one
row per input row, its in-scope rows must be run's records.csv rows, and
its rejected rows run's rejects (line and rule). canonical.csv must not
carry personal data. Then the usage and data errors.

    /usr/bin/python3 tests/e2e/stages.py --esrpipe build/esrpipe

Prints one line per failed check and ends with `N passed, M failed`.
"""
import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
TRAINING = os.path.join("fixtures", "sample", "esr_training_2026-03-31.csv")


def stage(esrpipe, args, data=None):
    return subprocess.run([esrpipe, "stage"] + args, cwd=ROOT, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def compare(c, esrpipe, tmp, label, export, classify_args, run_args):
    out = os.path.join(tmp, label)
    # stage classify streams its input, so it cannot learn titles from the
    # export's coded rows before classifying (run learns from every row
    # first, then decides them from a scratch copy): it is compared with
    # run --no-learn
    p = subprocess.run([esrpipe, "run", "-q", "--no-learn", "-o", out] + run_args + [export], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not c.ok(p.returncode == 0, "%s: run exit 0" % label, p.stderr.decode()[-800:]):
        return
    s = stage(esrpipe, ["schema", export])
    if not c.ok(s.returncode == 0, "%s: stage schema exit 0" % label, s.stderr.decode()[-800:]):
        return
    k = stage(esrpipe, ["classify"] + classify_args, s.stdout)
    if not c.ok(k.returncode == 0, "%s: stage classify exit 0" % label, k.stderr.decode()[-800:]):
        return
    a = stage(esrpipe, ["aggregate"], k.stdout)
    if not c.ok(a.returncode == 0, "%s: stage aggregate exit 0" % label, a.stderr.decode()[-800:]):
        return
    with open(os.path.join(out, "summary.csv"), "rb") as f:
        want = f.read()
    c.ok(a.stdout == want, "%s: schema | classify | aggregate = run's summary.csv byte for byte" % label,
         "%d vs %d bytes" % (len(a.stdout), len(want)))

    canon = list(csv.DictReader(io.StringIO(s.stdout.decode("utf-8"))))
    rows = list(csv.DictReader(io.StringIO(k.stdout.decode("utf-8"))))
    with open(os.path.join(out, "run.json")) as f:
        read = json.load(f)["counts"]["rows_read"]
    c.eq(len(canon), len(rows), "%s: one classified row per canonical row" % label)
    c.eq(len(rows), read, "%s: one classified row per input row (run.json rows_read)" % label)
    records = read_csv(os.path.join(out, "records.csv"))
    cols = list(records[0].keys()) if records else []
    got = [[r[h] for h in cols] for r in rows if r["scope"] == "in"]
    c.eq(len(got), len(records), "%s: in-scope rows = records.csv rows" % label)
    c.ok(got == [[r[h] for h in cols] for r in records], "%s: in-scope rows are records.csv's, field for field" % label)
    # rejects.csv also holds a competence export's rejected rows (source_file tells)
    staff_files = {r["source_file"] for r in rows}
    rejects = [r for r in read_csv(os.path.join(out, "rejects.csv")) if r["source_file"] in staff_files]
    c.eq(sorted((r["source_line"], r["reason"]) for r in rows if r["scope"] == "rejected"),
         sorted((r["line"], r["reason"].split(":")[0]) for r in rejects),
         "%s: rejected rows = rejects.csv (line, rule)" % label)
    c.ok(all(r["reason"] for r in rows if r["scope"] == "out"), "%s: every out-of-scope row says why" % label)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    esrpipe = os.path.abspath(ap.parse_args().esrpipe)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="esrpipe-stages-")
    try:
        compare(c, esrpipe, tmp, "sample", SAMPLE, [], [])
        compare(c, esrpipe, tmp, "sample+training", SAMPLE, ["--training", TRAINING], ["--training", TRAINING])
        gen = os.path.join(tmp, "esr_generated_2026-03-31.csv.gz")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen", "gen_export.py"), "--out", gen,
                        "--rows", "6000", "--gzip"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        compare(c, esrpipe, tmp, "generated", gen, [], [])
        compare(c, esrpipe, tmp, "generated code-only", gen, ["--classify", "code-only"],
                ["--classify", "code-only"])

        # no personal data in canonical.csv: the sample's names, NI numbers, dates of birth
        s = stage(esrpipe, ["schema", SAMPLE])
        with open(os.path.join(ROOT, SAMPLE), newline="", encoding="cp1252") as f:
            raw = list(csv.DictReader(f))
        text = s.stdout.decode("utf-8")
        leaks = [r[h] for r in raw for h in ("Full Name", "NI Number", "Date of Birth") if r.get(h) and r[h] in text]
        c.ok(not leaks, "canonical.csv has no name, NI number or date of birth", ", ".join(leaks[:3]))
        header = text.splitlines()[0].split(",")
        c.ok(not {"full_name", "ni_number", "date_of_birth"} & set(header), "canonical.csv has no personal columns")

        # errors
        c.eq(stage(esrpipe, []).returncode, 64, "stage without a name: 64")
        c.eq(stage(esrpipe, ["sort"]).returncode, 64, "unknown stage: 64")
        c.eq(stage(esrpipe, ["schema"]).returncode, 64, "stage schema without an export: 64")
        c.eq(stage(esrpipe, ["aggregate", "--org", "RTH"]).returncode, 64, "an option the stage does not take: 64")
        p = stage(esrpipe, ["classify"], b"a,b\n1,2\n")
        c.ok(p.returncode == 65 and b"not a canonical.csv" in p.stderr, "classify on other CSV: 65, said",
             p.stderr.decode())
        p = stage(esrpipe, ["aggregate"], b"scope,reason\nin,\n")
        c.ok(p.returncode == 65 and b"not a classified.csv" in p.stderr, "aggregate on other CSV: 65, said",
             p.stderr.decode())
        k = stage(esrpipe, ["classify"], stage(esrpipe, ["schema", SAMPLE]).stdout)
        lines = k.stdout.decode("utf-8").splitlines()
        bad = "\n".join([lines[0], lines[1].replace("in,", "maybe,", 1)]).encode() + b"\n"
        p = stage(esrpipe, ["aggregate"], bad)
        c.ok(p.returncode == 65 and b":2: not a classified row" in p.stderr,
             "aggregate on a row with an unknown scope: 65, names the line", p.stderr.decode())
        # a canonical.csv saved by Excel as "CSV UTF-8" starts with a byte-order mark
        canon = stage(esrpipe, ["schema", SAMPLE]).stdout
        plain, bom = stage(esrpipe, ["classify"], canon), stage(esrpipe, ["classify"], b"\xef\xbb\xbf" + canon)
        c.ok(bom.returncode == 0 and bom.stdout == plain.stdout, "classify reads a canonical.csv with a BOM",
             bom.stderr.decode())
        p = stage(esrpipe, ["classify", os.path.join(tmp, "missing.csv")])
        c.eq(p.returncode, 66, "classify on a missing file: 66")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
