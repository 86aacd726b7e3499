#!/usr/bin/env python3
"""Benchmark `esrpipe compare` on two national-scale monthly returns.

Month 1 is the benchmark's generated extract (tests/gen/gen_export.py --rows N
--gzip, as bench/bench.py makes it); month 2 is made from it here, streaming:
every 101st row left out (leavers), every 89th row repeated under a new
assignment and employee number (joiners), every 53rd row's band moved one up
or down, every 211th row's area of work blanked, every 307th row recoded to a
registered nurse's code (N0A: in-scope rows move out of scope) and every
311th to a healthcare assistant's (H1A: out-of-scope rows move in). Both are
run with
`esrpipe run` (the default full return) and then compared, each command
through bench/runstat (wall, user+sys CPU, peak RSS of the command itself).
The target (issue 18): compare needs no more memory than the runs that made
the returns. A figure, not a test.

usage: bench_compare.py --esrpipe BIN --runstat BIN [--workdir DIR] [--rows N] [--runs N]
"""
import argparse
import csv
import gzip
import io
import json
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "tests", "gen", "gen_export.py")
BANDS = {"Band 2": "Band 3", "Band 3": "Band 4", "Band 4": "Band 3", "AfC Band 3": "AfC Band 2"}


def log(msg):
    print("bench_compare: %s" % msg, file=sys.stderr, flush=True)


def make_month2(src, dst, plan):
    """Stream src (gzip) into dst with leavers, joiners, band and area changes."""
    enc = plan["file"].get("encoding", "cp1252")
    enc = {"cp1252": "cp1252", "windows-1252": "cp1252"}.get(enc.lower(), enc)
    cols = plan["columns"]
    counts = {"left out": 0, "joiners": 0, "bands": 0, "areas": 0, "recoded": 0}
    with gzip.open(src, "rt", encoding=enc, newline="") as fi, \
            gzip.open(dst, "wt", encoding=enc, newline="", compresslevel=1) as fo:
        rd = csv.reader(fi)
        w = csv.writer(fo, lineterminator="\r\n")
        header = next(rd)
        w.writerow(header)
        ix = {c: header.index(h) for h, c in cols.items() if c in (
            "assignment_number", "employee_number", "pay_band", "area_of_work", "occupation_code")}
        for i, r in enumerate(rd, 1):
            if len(r) != len(header):
                w.writerow(r)  # a planted torn row stays as it was
                continue
            if i % 101 == 0:
                counts["left out"] += 1
                continue
            if i % 53 == 0 and r[ix["pay_band"]] in BANDS:
                r[ix["pay_band"]] = BANDS[r[ix["pay_band"]]]
                counts["bands"] += 1
            if i % 211 == 0:
                r[ix["area_of_work"]] = ""
                counts["areas"] += 1
            if i % 307 == 0 or i % 311 == 0:
                r[ix["occupation_code"]] = "N0A" if i % 307 == 0 else "H1A"
                counts["recoded"] += 1
            w.writerow(r)
            if i % 89 == 0:
                j = list(r)
                j[ix["assignment_number"]] = "J%d" % i
                j[ix["employee_number"]] = "J%d" % i
                w.writerow(j)
                counts["joiners"] += 1
    return counts


def measure(runstat, argv, stat):
    subprocess.run([runstat, stat] + argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    st = dict(kv.split("=") for kv in open(stat).read().split())
    if st["status"] != "0":
        sys.exit("bench_compare: %s failed (exit %s)" % (" ".join(argv), st["status"]))
    return float(st["wall"]), float(st["user"]) + float(st["sys"]), int(st["maxrss_kib"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--runstat", required=True)
    ap.add_argument("--workdir", default="/tmp/esr-bench-compare")
    ap.add_argument("--rows", type=int, default=1500000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    esr, runstat, w = os.path.abspath(a.esrpipe), os.path.abspath(a.runstat), a.workdir
    os.makedirs(w, exist_ok=True)
    m1 = os.path.join(w, "esr_export_%d_2026-02-28.csv.gz" % a.rows)
    m2 = os.path.join(w, "esr_export_%d_2026-03-31.csv.gz" % a.rows)
    if not os.path.exists(m1 + ".plan.json"):
        log("generating %d rows" % a.rows)
        subprocess.run([sys.executable, GEN, "--out", m1, "--rows", str(a.rows), "--gzip"], check=True,
                       stdout=subprocess.DEVNULL)
    plan = json.load(open(m1 + ".plan.json"))
    if not os.path.exists(m2):
        log("making month 2")
        log("planted: %s" % make_month2(m1, m2, plan))
    mappings = os.path.join(w, "mappings")
    shutil.rmtree(mappings, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "mappings"), mappings)
    stat = os.path.join(w, "stat.txt")
    results = {}
    for name, src in (("m1", m1), ("m2", m2)):
        out = os.path.join(w, name)
        shutil.rmtree(out, ignore_errors=True)
        log("esrpipe run %s" % name)
        results["run " + name] = [measure(runstat, [esr, "run", "-q", "-m", mappings, "-o", out, src], stat)]
    cmp_dir = os.path.join(w, "cmp")
    results["compare"] = []
    for k in range(a.runs):
        shutil.rmtree(cmp_dir, ignore_errors=True)
        log("esrpipe compare, run %d of %d" % (k + 1, a.runs))
        results["compare"].append(measure(runstat, [esr, "compare", "-q", "-o", cmp_dir,
                                                    os.path.join(w, "m1"), os.path.join(w, "m2")], stat))
    j = json.load(open(os.path.join(cmp_dir, "compare.json")))
    print("| command | runs | wall s median (min-max) | CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, rs in results.items():
        walls = [r[0] for r in rs]
        print("| %s | %d | %.2f (%.2f-%.2f) | %.2f | %.1f |" % (
            name, len(rs), statistics.median(walls), min(walls), max(walls),
            statistics.median(r[1] for r in rs), max(r[2] for r in rs) / 1024))
    c = j["counts"]
    print("\nin scope: %d (base), %d (new); joiners %d, leavers %d, moved into scope %d, out of scope %d, "
          "records with a changed field %d, summary cells changed %d" % (
              j["base"]["in_scope"], j["new"]["in_scope"], c["joiners"], c["leavers"],
              c["moved_into_scope"], c["moved_out_of_scope"], c["moved_records"], c["cells_changed"]))
    peak_run = max(max(r[2] for r in results["run m1"]), max(r[2] for r in results["run m2"]))
    peak_cmp = max(r[2] for r in results["compare"])
    print("compare peak RSS %.1f MiB vs run %.1f MiB: %s" % (
        peak_cmp / 1024, peak_run / 1024, "within the target" if peak_cmp <= peak_run else "OVER the target"))


if __name__ == "__main__":
    main()
