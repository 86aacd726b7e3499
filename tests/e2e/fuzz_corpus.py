#!/usr/bin/env python3
"""Replay the fuzzing corpus (fixtures/fuzz/: seeds, a minimised slice of
what libFuzzer found interesting, and every crash ever found, under
regressions/) through `esrpipe run --dry-run` and `esrpipe explain-title`.
Each input must end with exit 0 or 65 and no sanitizer report: under the
-DSANITIZE=ON build this is the fuzzers' regression suite."""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    bad = []
    n = 0
    for sub in ("input", "corpus", "regressions"):
        d = os.path.join(ROOT, "fixtures/fuzz", sub)
        for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            n += 1
            p = subprocess.run([e, "run", "-q", "--dry-run", "--max-reject-rate", "100", "--max-field-bytes", "4096",
                                "--max-columns", "64", os.path.join(d, fn)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            if p.returncode not in (0, 65) or b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
                bad.append("%s/%s: exit %d %s" % (sub, fn, p.returncode, p.stderr.decode("utf-8", "replace")[-300:]))
    titles = []
    for sub in ("titles", "titles_corpus"):
        d = os.path.join(ROOT, "fixtures/fuzz", sub)
        titles += [open(os.path.join(d, f), "rb").read().decode("utf-8", "replace") for f in sorted(os.listdir(d))]
    p = subprocess.run([e, "explain-title"] + [t.replace("\0", "") or "x" for t in titles],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    n += len(titles)
    if p.returncode != 0 or b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        bad.append("explain-title: exit %d %s" % (p.returncode, p.stderr.decode()[-300:]))
    if b"confidence -" in p.stdout:  # a confidence is 0-100 (regression-negative-confidence.txt)
        bad.append("explain-title: a negative confidence")
    for b in bad:
        print("FAIL", b)
    print("%d passed, %d failed" % (n - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
