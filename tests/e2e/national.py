#!/usr/bin/env python3
"""National-scale end to end: generate an extract from the source report's
tables (tests/gen/gen_export.py), run esrpipe in both classification modes,
check every planted figure (tests/gen/check_national.py), and check that two
runs give identical bytes. Prints the time and peak memory of each run."""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from checks import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable
CHECKS = Checks(verbose=True)


def run(esrpipe, out, export, *extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run([esrpipe, "run", "-q", "-o", out] + list(extra) + [export],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print("     esrpipe run %s: exit %d, %.2f s, peak RSS of children so far %.0f MB" %
          (" ".join(extra) or "(evidence)", p.returncode, dt, rss), flush=True)
    del before
    return p


def files(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            data = f.read()
        if fn == "run.json":
            data = b"\n".join(l for l in data.split(b"\n") if b"timings_ms" not in l)
        out[fn] = data
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--scale", default="1")
    a = ap.parse_args()
    e = os.path.abspath(a.esrpipe)
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    export = os.path.join(w, "esr_national_2020-02-29.csv")
    plan = export + ".plan.json"
    t0 = time.monotonic()
    subprocess.run([PY, os.path.join(ROOT, "tests/gen/gen_export.py"), "--out", export, "--plan", plan,
                    "--scale", a.scale], check=True)
    print("     generated %s (%.1f MB) in %.1f s" % (os.path.basename(export), os.path.getsize(export) / 1e6,
                                                   time.monotonic() - t0), flush=True)
    for mode in ("evidence", "code-only"):
        out = os.path.join(w, "out-" + mode)
        p = run(e, out, export, "--classify", mode)
        CHECKS.ok(p.returncode == 0, "%s: esrpipe exits 0" % mode, p.stderr.decode()[-2000:])
        if p.returncode:
            continue
        c = subprocess.run([PY, os.path.join(ROOT, "tests/gen/check_national.py"), "--plan", plan, "--out", out,
                            "--mode", mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = c.stdout.decode().splitlines()
        fails = [l for l in lines if "FAIL" in l or "mismatch" in l.lower()]
        print("\n".join("     " + l for l in (fails[:40] or lines[-3:])))
        CHECKS.ok(c.returncode == 0, "%s: every planted figure reproduced" % mode, lines[-1] if lines else "")
    again = os.path.join(w, "out-evidence-again")
    run(e, again, export, "--classify", "evidence")
    a1, a2 = files(os.path.join(w, "out-evidence")), files(again)
    same = sorted(a1) == sorted(a2) and all(a1[k] == a2[k] for k in a1)
    CHECKS.ok(same, "two runs give byte-identical outputs", str([k for k in a1 if a1.get(k) != a2.get(k)]))
    shutil.rmtree(w, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
