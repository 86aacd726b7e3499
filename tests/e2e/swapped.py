#!/usr/bin/env python3
"""An export replaced while esrpipe runs must never give a return learned
from one file and counted from another. Evidence mode learns titles from
the coded rows of the whole export before it decides any row; it reads the
export once and decides the rows from a scratch copy of what it read, so
there is no second read to meet another file. An LD_PRELOAD shim
(tests/e2e/swapfile.c) renames another export over the input at its Nth
open; a run opens an export to probe it, then once to read it. Checks:

  swapped at a 3rd open, which never comes
                 exit 0, the shim never swapped, the return is the
                 original's byte for byte: the export is opened twice only
  swapped before the one read (2nd open), evidence mode and --no-learn
                 exit 0 with the replacement's figures, the same as a run
                 of the replacement itself: one file, read whole

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
        CHECKS.eq(rc, 0, "no third open to swap at: exit 0 (%s)" % err.strip())
        CHECKS.ok(os.path.exists(other), "the shim never swapped: the export was opened twice only")
        after = {f: open(os.path.join(out, f), "rb").read() for f in KEPT if f != "run.json"}
        CHECKS.ok(all(after[f] == before[f] for f in after), "the return is the original's, byte for byte")
        for label, extra in (("evidence mode", []), ("--no-learn", ["--no-learn"])):
            shutil.copy(SAMPLE, export)
            open(other, "wb").write(b"".join(lines[:-10]))
            plain = os.path.join(tmp, "plain")
            shutil.rmtree(plain, ignore_errors=True)
            rc, err = run(a.esrpipe, ["run", "-q", "-o", plain] + extra + [other])
            CHECKS.eq(rc, 0, "%s: a good run of the replacement" % label)
            env["ESR_SWAP_AT"] = "2"
            rc, err = run(a.esrpipe, ["run", "-q", "-o", out] + extra + [export], env)
            CHECKS.eq(rc, 0, "%s, swapped before its one read: exit 0 (%s)" % (label, err.strip()))
            CHECKS.ok(not os.path.exists(other), "... the shim did swap the file in")
            for f in ("summary.csv", "title_suggestions.csv"):  # records.csv names the file
                if not extra or f != "title_suggestions.csv":
                    got, want = (open(os.path.join(d, f), "rb").read() for d in (out, plain))
                    CHECKS.ok(got == want, "... %s is the replacement's" % f)
            got = open(os.path.join(out, "summary.csv"), "rb").read()
            CHECKS.ok(got != before["summary.csv"], "... which differs from the original's")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    raise SystemExit(main())
