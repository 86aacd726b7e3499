#!/usr/bin/env python3
"""Allocation fault injection: out of memory is exit 70 with a memory
message, never exit 0 with other figures, never a reject, never another
exit code, and a failed run leaves the previous return intact.

An LD_PRELOAD shim (tests/e2e/failmalloc.c) makes the Nth allocation of
esrpipe's own code, and every later one, fail (a lasting shortage), or only
the Nth (a passing one: a failure swallowed then shows as other figures). A counting run gives the
total; the sweep then fails at every one of the first allocations, at
points spread over the mapping loads, and densely over the last ones
(reading rows, deciding them, writing the return). For each faulted run,
into a directory that holds a good return:

  exit 70         stderr says "out of memory"; no other error words; the
                  directory still holds the good return, byte for byte
  exit 0          allowed only when the shim failed nothing the run needed
                  (a cache): records.csv, summary.csv and rejects.csv are
                  byte-identical to the good run's
  anything else   a failure (74 would be memory reported as I/O; a signal a
                  crash on a NULL)

and rejects.csv never holds an "out of memory" reason.

    oom.py --esrpipe BUILD/esrpipe --shim BUILD/.../failmalloc.so [--dense N] [--spread N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from checks import Checks

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
TRAINING = "fixtures/sample/esr_training_2026-03-31.csv"
COMPARED = ("records.csv", "summary.csv", "rejects.csv")
KEPT = ("records.csv", "summary.csv", "rejects.csv", "run.json", "return.xlsx")

CHECKS = Checks(verbose=True)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def run(args, outdir, n, report, shim, once=False):
    env = dict(os.environ, ESR_FAILMALLOC=str(n), ESR_FAILMALLOC_REPORT=report, LD_PRELOAD=shim,
               ESR_FAILMALLOC_ONCE="1" if once else "0")
    p = subprocess.run([args.esrpipe, "run", "-q", "-o", outdir] + args.extra, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    seen, failed = (int(x) for x in (read(report) or b"0 0").split())
    return p.returncode, p.stderr.decode("utf-8", "replace"), seen, failed


def points(total, dense, spread):
    """Allocation numbers to fail at: the first 40, spread ones, the last dense ones."""
    pts = set(range(1, min(total, 40) + 1))
    pts |= {1 + (total - 1) * k // spread for k in range(spread + 1)}
    tail = min(total, 3000)
    step = max(1, tail // dense)
    pts |= set(range(max(1, total - tail), total + 1, step))
    return sorted(p for p in pts if 1 <= p <= total)


def sweep(args, tmp, name, extra, once=False):
    args.extra = extra
    report = os.path.join(tmp, "report")
    good = os.path.join(tmp, name + "-good")
    rc, err, total, failed = run(args, good, 0, report, args.shim)
    CHECKS.ok(rc == 0 and failed == 0, "%s: the counting run succeeds" % name, err)
    CHECKS.ok(total > 1000, "%s: the shim sees esrpipe's allocations (%d)" % (name, total))
    want = {f: read(os.path.join(good, f)) for f in KEPT}
    bad = []
    counts = {"70": 0, "0": 0}
    pts = points(total, args.dense, args.spread)
    for n in pts:
        out = os.path.join(tmp, name + "-out")
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(good, out)
        rc, err, seen, failed = run(args, out, n, report, args.shim, once)
        rejects = read(os.path.join(out, "rejects.csv")) or b""
        if b"out of memory" in rejects:
            bad.append("n=%d: rejects.csv holds an out-of-memory reject" % n)
        if rc == 70:
            counts["70"] += 1
            if "out of memory" not in err:
                bad.append("n=%d: exit 70 without a memory message: %r" % (n, err[-300:]))
            if "write failed" in err or "input/output" in err:
                bad.append("n=%d: memory reported as I/O: %r" % (n, err[-300:]))
            for f in KEPT:
                if read(os.path.join(out, f)) != want[f]:
                    bad.append("n=%d: exit 70 left %s changed" % (n, f))
        elif rc == 0:
            counts["0"] += 1
            for f in COMPARED:
                if read(os.path.join(out, f)) != want[f]:
                    bad.append("n=%d: exit 0 after %d failed allocations, %s differs" % (n, failed, f))
        else:
            bad.append("n=%d of %d: exit %d (want 70): %r" % (n, total, rc, err[-300:]))
    CHECKS.ok(not bad, "%s: %d faulted runs (%d exit 70, %d exit 0 with the same outputs), "
              "none another way" % (name, len(pts), counts["70"], counts["0"]),
              "; ".join(bad[:8]) + (" (+%d more)" % (len(bad) - 8) if len(bad) > 8 else ""))
    CHECKS.ok(counts["70"] >= len(pts) * 9 // 10, "%s: nearly every fault stops the run (%d of %d)"
              % (name, counts["70"], len(pts)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--dense", type=int, default=150, help="points over the last 3000 allocations")
    ap.add_argument("--spread", type=int, default=40, help="points spread over the whole run")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="esr-oom-", dir=args.workdir)
    try:
        sweep(args, tmp, "run", [SAMPLE])
        sweep(args, tmp, "training", ["--training", TRAINING, SAMPLE])
        sweep(args, tmp, "run, one failure", [SAMPLE], once=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
