#!/usr/bin/env python3
"""The command line: help, version, usage errors (64), missing inputs (66),
unwritable output (73), and that a failed run leaves the previous return
untouched with no stray files."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
checks = []


def check(name, cond, detail=""):
    checks.append(bool(cond))
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, (": " + detail) if detail and not cond else ""))


def run(esrpipe, *args):
    return subprocess.run([esrpipe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def snapshot(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            out[fn] = f.read()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    tmp = tempfile.mkdtemp(prefix="esrpipe-cli-")
    try:
        p = run(e, "--help")
        check("--help exits 0 and shows usage", p.returncode == 0 and b"usage: esrpipe run" in p.stdout)
        p = run(e, "--version")
        check("--version exits 0", p.returncode == 0 and p.stdout.startswith(b"esrpipe "))
        p = run(e)
        check("no command: 64", p.returncode == 64, str(p.returncode))
        p = run(e, "frobnicate")
        check("unknown command: 64", p.returncode == 64)
        p = run(e, "run", "--classify", "maybe", SAMPLE)
        check("bad --classify: 64", p.returncode == 64)
        p = run(e, "run", "--snapshot", "31/03/2026", "-o", os.path.join(tmp, "x"), SAMPLE)
        check("bad --snapshot: 64", p.returncode == 64, p.stderr.decode())
        p = run(e, "run", "-o", os.path.join(tmp, "x"), os.path.join(tmp, "nope.csv"))
        check("missing input: 66 and names the file", p.returncode == 66 and b"nope.csv" in p.stderr, p.stderr.decode())
        check("missing input: no output dir created", not os.path.exists(os.path.join(tmp, "x")))
        p = run(e, "run", "-o", os.path.join(tmp, "x"), tmp)
        check("directory as input: 66", p.returncode == 66)
        p = run(e, "run", "-o", "/dev/null/out", SAMPLE)
        check("output under a file: 73", p.returncode == 73, "%d %s" % (p.returncode, p.stderr.decode()))

        good = os.path.join(tmp, "good")
        p = run(e, "run", "-q", "-o", good, SAMPLE)
        check("sample run: 0", p.returncode == 0, p.stderr.decode())
        check("quiet run prints nothing", p.stderr == b"" and p.stdout == b"")
        want = {"return.xlsx", "records.csv", "summary.csv", "rejects.csv", "run.json"}
        check("all five outputs written", set(os.listdir(good)) == want, str(os.listdir(good)))
        before = snapshot(good)
        # a failing run into the same directory: reject rate above the limit
        p = run(e, "run", "-q", "--max-reject-rate", "0", "-o", good, SAMPLE)
        check("reject rate above limit: 65", p.returncode == 65, p.stderr.decode())
        check("failed run leaves the previous return byte-identical", snapshot(good) == before)
        # a failing run on a bad input
        bad = os.path.join(tmp, "bad.csv")
        open(bad, "w").write("Employee Number,Job Title\n1,Physio Assistant\n")
        p = run(e, "run", "-q", "-o", good, bad)
        check("missing FTE column: 65 naming the aliases", p.returncode == 65 and b"Contracted WTE" in p.stderr, p.stderr.decode())
        check("after a failed run no stray files", snapshot(good) == before, str(os.listdir(good)))
        # deterministic: a second run gives the same bytes (run.json less timings)
        again = os.path.join(tmp, "again")
        run(e, "run", "-q", "-o", again, SAMPLE)
        a, b = snapshot(good), snapshot(again)
        strip = lambda d: b"\n".join(l for l in d.split(b"\n") if b"timings_ms" not in l)
        same = all((strip(a[k]) == strip(b[k])) if k == "run.json" else (a[k] == b[k]) for k in a)
        check("two runs give identical bytes", same and set(a) == set(b))
        # --no-workbook: the same CSV outputs, and an old return.xlsx is removed, not left stale
        p = run(e, "run", "-q", "--no-workbook", "-o", again, SAMPLE)
        c = snapshot(again)
        check("--no-workbook: exit 0", p.returncode == 0, p.stderr.decode())
        check("--no-workbook: the previous return.xlsx is gone", "return.xlsx" in b and "return.xlsx" not in c,
              str(sorted(c)))
        check("--no-workbook: CSV outputs identical to a full run's",
              all(c.get(k) == a[k] for k in ("records.csv", "summary.csv", "rejects.csv")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (checks.count(True), checks.count(False)))
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
