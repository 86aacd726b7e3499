#!/usr/bin/env python3
"""An export replaced between esrpipe's two reads (evidence mode reads it
once to learn titles from coded rows, then again to classify) must not give
a return learned from one file and counted from another. An LD_PRELOAD shim
(tests/e2e/swapfile.c) renames another export over the input at its Nth
open; a run opens an export to probe it, then once per read. Checks:

  swapped at the run's read (3rd open)
                 exit 65, stderr names the file and says it changed between
                 the reads; the directory still holds the previous return,
                 byte for byte
  swapped before the only read (--no-learn, 2nd open)
                 exit 0 with the new file's figures: one file, read whole

    swapped.py --esrpipe BUILD/esrpipe --shim BUILD/.../libswapfile.so
"""
import argparse
import os
import shutil
import subprocess
import tempfile
from checks import Checks

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
KEPT = ("records.csv", "summary.csv", "rejects.csv", "run.json", "return.xlsx")
CHECKS = Checks(verbose=True)


def run(esrpipe, args, env=None):
    """esrpipe's exit code and stderr."""
    p = subprocess.run([esrpipe] + args, capture_output=True, text=True, env=env)
    return p.returncode, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--shim", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="esr-swapped-")
    try:
        export = os.path.join(tmp, "esr_export_2026-03-31.csv")
        other = os.path.join(tmp, "other.csv")
        out = os.path.join(tmp, "out")
        shutil.copy(SAMPLE, export)
        rc, err = run(a.esrpipe, ["run", "-q", "-o", out, export])
        CHECKS.eq(rc, 0, "a good run first")
        before = {f: open(os.path.join(out, f), "rb").read() for f in KEPT}
        # the replacement: the same export less its last ten data lines
        lines = open(SAMPLE, "rb").read().splitlines(True)
        open(other, "wb").write(b"".join(lines[:-10]))
        env = dict(os.environ, LD_PRELOAD=a.shim, ESR_SWAP_PATH=export, ESR_SWAP_WITH=other,
                   ESR_SWAP_AT="3")
        rc, err = run(a.esrpipe, ["run", "-q", "-o", out, export], env)
        CHECKS.eq(rc, 65, "replaced between the reads: exit 65 (%s)" % err.strip())
        CHECKS.ok("changed between the read that learned titles and the run" in err and export in err,
                  "stderr names the file and what happened")
        CHECKS.ok(not os.path.exists(other), "the shim did swap the file in")
        after = {f: open(os.path.join(out, f), "rb").read() for f in KEPT}
        CHECKS.ok(before == after, "the previous return is intact, byte for byte")
        # control: one read, the file swapped before it
        shutil.copy(SAMPLE, export)
        open(other, "wb").write(b"".join(lines[:-10]))
        plain = os.path.join(tmp, "plain")
        rc, err = run(a.esrpipe, ["run", "-q", "--no-learn", "-o", plain, other])
        CHECKS.eq(rc, 0, "a good --no-learn run of the replacement")
        env["ESR_SWAP_AT"] = "2"
        rc, err = run(a.esrpipe, ["run", "-q", "--no-learn", "-o", out, export], env)
        CHECKS.eq(rc, 0, "--no-learn, swapped before its one read: exit 0 (%s)" % err.strip())
        CHECKS.ok(not os.path.exists(other), "... the shim did swap the file in")
        got, want = (open(os.path.join(d, "summary.csv"), "rb").read() for d in (out, plain))
        CHECKS.ok(got == want and got != before["summary.csv"],
                  "... and the return has the replacement's figures")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    raise SystemExit(main())
