#!/usr/bin/env python3
"""Benchmark `esrpipe consolidate` on 200 trust returns.

Generates a national extract over as many trusts as the generator has
(tests/gen/gen_export.py --orgs 191), splits it into one return per trust
(`esrpipe run --split-by-org`), tops the set up to --returns with copies of
real returns under made-up ODS codes, and times the consolidation of all of
them as one region (a private copy of mappings/ puts every organisation in
one region, so every return is read, checked and added up). Prints each
run and the median of --runs runs. A figure, not a test (target: under 2 s
for 200 returns on a 2-core machine).

usage: bench_consolidate.py --esrpipe BIN [--workdir DIR] [--rows N] [--returns N] [--runs N]"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
GEN_MAX_ORGS = 191  # trusts with a trust type in tests/data/organisations.csv
REGION = "England (benchmark)"


def rewrite_org(path, col, old, new):
    """Replace org code old by new in column col of a CSV (header kept)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for r in rows[1:]:
        if len(r) > col and r[col] == old:
            r[col] = new
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def clone_return(src, dst, old, new):
    shutil.copytree(src, dst)
    with open(os.path.join(dst, "run.json"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(dst, "run.json"), "w", encoding="utf-8") as f:
        f.write(text.replace('"org_code": "%s"' % old, '"org_code": "%s"' % new, 1))
    rewrite_org(os.path.join(dst, "summary.csv"), 0, old, new)
    rewrite_org(os.path.join(dst, "records.csv"), 0, old, new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--workdir", default="/tmp/esr-bench-consolidate")
    ap.add_argument("--rows", default="200000", help="rows of the generated national extract")
    ap.add_argument("--returns", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    esr = os.path.abspath(a.esrpipe)
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)

    export = os.path.join(w, "esr_2020-02-29.csv")
    t0 = time.monotonic()
    subprocess.run([PY, os.path.join(ROOT, "tests/gen/gen_export.py"), "--out", export, "--rows", a.rows,
                    "--orgs", str(min(GEN_MAX_ORGS, a.returns))], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    print("generated %s: %.1f MB in %.1f s" % (os.path.basename(export), os.path.getsize(export) / 1e6,
                                                time.monotonic() - t0), flush=True)
    split = os.path.join(w, "split")
    t0 = time.monotonic()
    subprocess.run([esr, "run", "-q", "--split-by-org", "-m", os.path.join(ROOT, "mappings"), "-o", split, export],
                   check=True)
    print("esrpipe run --split-by-org: %.1f s" % (time.monotonic() - t0), flush=True)
    trusts = sorted(d for d in os.listdir(split) if os.path.isfile(os.path.join(split, d, "summary.csv")))
    dirs = [os.path.join(split, t) for t in trusts]

    # every organisation in one region, plus made-up codes for the copies
    maps = os.path.join(w, "mappings")
    shutil.copytree(os.path.join(ROOT, "mappings"), maps)
    with open(os.path.join(maps, "organisations.csv"), newline="", encoding="utf-8") as f:
        orgs = list(csv.DictReader(f))
    fields = list(orgs[0].keys())
    for o in orgs:
        o["region"] = REGION
    copies = os.path.join(w, "copies")
    for i in range(max(0, a.returns - len(dirs))):
        src = trusts[i % len(trusts)]
        code = "ZB%03d" % (i + 1)
        clone_return(os.path.join(split, src), os.path.join(copies, code), src, code)
        dirs.append(os.path.join(copies, code))
        orgs.append(dict({k: "" for k in fields}, ods_code=code, name="BENCHMARK COPY OF " + src,
                         region=REGION, trust_type="acute"))
    with open(os.path.join(maps, "organisations.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        wr.writeheader()
        wr.writerows(orgs)
    with open(os.path.join(maps, "regions.csv"), "a", encoding="utf-8") as f:
        f.write("%s,Y00\n" % REGION)  # keeps check-mappings happy with the private copy
    recs = sum(sum(1 for _ in open(os.path.join(d, "records.csv"), encoding="utf-8")) - 1 for d in dirs)
    print("%d returns (%d generated, %d copies), %d in-scope records in all" %
          (len(dirs), len(trusts), len(dirs) - len(trusts), recs), flush=True)

    times, rss = [], 0.0
    for i in range(a.runs):
        out = os.path.join(w, "region")
        t0 = time.monotonic()
        p = subprocess.Popen([esr, "consolidate", "-q", "-m", maps, "-o", out] + dirs)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode:
            print("consolidate failed: exit %d" % p.returncode)
            return 1
        times.append(dt)
        rss = max(rss, ru.ru_maxrss / 1024.0)
        print("run %d: %.3f s (user %.3f s, sys %.3f s, peak RSS %.0f MB)" %
              (i + 1, dt, ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024.0), flush=True)
    sizes = {fn: os.path.getsize(os.path.join(w, "region", fn)) for fn in sorted(os.listdir(os.path.join(w, "region")))}
    print("regional return: " + ", ".join("%s %.0f kB" % (k, v / 1e3) for k, v in sizes.items()))
    print("consolidate %d returns: median %.3f s over %d runs (min %.3f, max %.3f), peak RSS %.0f MB; "
          "target < 2 s" % (len(dirs), statistics.median(times), len(times), min(times), max(times), rss))
    return 0


if __name__ == "__main__":
    sys.exit(main())
