#!/usr/bin/env python3
"""esrpipe throughput benchmark (issue 7): one table, all commands side by side.

    python3 bench/bench.py [--sizes 50000,200000,1500000] [--runs 5] [--work DIR]
                           [--esrpipe BIN] [--floor BIN] [--peer-python PY]
                           [--commands gzip,floor,xlsx,dry,csv,full,fullall,pandas]
                           [--shapes quarter,support] [--quick]

For each size, generates (or reuses, from --work) an export with the
project's generator (tests/gen/gen_export.py --rows N --gzip: real
occupation codes, messy titles, Windows-1252, gzip), in two shapes:

  quarter   the generator's whole-trust extract: about a quarter in scope
  support   the same kind of extract filtered to ESR staff group "Additional
            Clinical Services", as many analysts pull ESR (by staff group):
            nearly every row in scope, so the in-scope work (records,
            sheets, headcount sets) dominates. Made by generating about
            3.6x the rows and keeping that staff group's rows, so its row
            count is near, not exactly, the size asked for.

then runs every command --runs times, round-robin (run 1 of every
command, then run 2 of every command, ...) so a burst of load on this shared
machine hits all commands alike, and prints one markdown table:

  gzip -dc        gzip -dc FILE > /dev/null                      (floor, part 1)
  floor_parse     zlib inflate + libcsv parse, nothing else       (floor, part 2)
  floor_xlsx      bench/floor_xlsx: libxlsxwriter writing the Support
                  workforce sheet alone from cells already in memory (this
                  size's records.csv, made untimed by esrpipe --no-workbook),
                  then workbook_close: the workbook's own floor, and the
                  same sheet the pandas peer writes. Its wall and CPU are
                  the timed part only, as floor_xlsx reports them.
  esrpipe dry-run esrpipe run --dry-run: read, classify, aggregate, write nothing
  esrpipe csv     esrpipe run --no-workbook: records.csv, summary.csv,
                  rejects.csv and run.json, no workbook (the issue's
                  "reading, classifying and aggregating" row)
  esrpipe full    esrpipe run: everything, the workbook included, with the
                  default cap on the long sheets (--max-sheet-rows 100000)
  esrpipe --max-sheet-rows 0
                  the same with every in-scope row on the Support workforce
                  and Data quality sheets (differs from full only when more
                  than 100,000 rows are in scope: the 1.5M size)
  pandas peer     bench/peer_pandas.py: pandas + XlsxWriter doing the same job

Wall time is the median of the runs (min-max alongside); CPU is user+sys of
the child; peak RSS is the child's own ru_maxrss (wait4). Then the ratios
the issue's targets are about, and the machine (nproc, CPU model, load
average at start and end: the machine is shared, so treat single figures
with care and compare medians).

Every command is launched by bench/runstat (fork, exec, wait4), which
reports the child's own wall time, user+sys CPU and ru_maxrss. Without
--esrpipe, builds esrpipe, floor_parse and runstat (Release) into
WORK/build; with it, floor_parse and runstat are taken from the same build
tree (BIN's directory/bench/) or built.
--quick = sizes 50000, 3 runs (a smoke test, under 2 minutes). Results are
also saved as WORK/results-<time>.{md,json}.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "tests", "gen", "gen_export.py")
PEER = os.path.join(ROOT, "bench", "peer_pandas.py")
MAPPINGS = os.path.join(ROOT, "mappings")
SNAPSHOT = "2026-03-31"  # in the file name: esrpipe takes the snapshot date from it
TARGET_ROWS, TARGET_SECONDS = 1500000, 10.0
ALL_COMMANDS = ["gzip", "floor", "xlsx", "dry", "csv", "full", "fullall", "pandas"]
BASELINE_COMMANDS = ["bcsv", "bfull"]  # with --baseline BIN: the same runs of another binary
LABEL = {"gzip": "gzip -dc", "floor": "floor_parse", "xlsx": "floor_xlsx (sheet only)",
         "dry": "esrpipe --dry-run",
         "csv": "esrpipe --no-workbook", "full": "esrpipe run (full)",
         "fullall": "esrpipe --max-sheet-rows 0", "pandas": "pandas peer",
         "bcsv": "baseline --no-workbook", "bfull": "baseline run (full)"}
PANDAS_MISSING = "skipped: install python3-pandas python3-xlsxwriter"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------
# machine
# ----------------------------------------------------------------------------

def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "%.2f %.2f %.2f" % os.getloadavg()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return "%.1f GiB" % (int(line.split()[1]) / 1048576)
    except OSError:
        pass
    return "unknown"


# ----------------------------------------------------------------------------
# tools
# ----------------------------------------------------------------------------

def build(work):
    """Release build of esrpipe and the bench tools into WORK/build."""
    b = os.path.join(work, "build")
    log("bench: building esrpipe, floor_parse, floor_xlsx and runstat (Release) in %s" % b)
    subprocess.run(["cmake", "-S", ROOT, "-B", b, "-DBUILD_TESTING=OFF", "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", b, "-j%d" % (os.cpu_count() or 2), "--target", "esrpipe",
                    "floor_parse", "floor_xlsx", "runstat"], check=True, stdout=subprocess.DEVNULL)
    return (os.path.join(b, "esrpipe"), os.path.join(b, "bench", "floor_parse"),
            os.path.join(b, "bench", "floor_xlsx"), os.path.join(b, "bench", "runstat"))


def find_peer_python(given):
    """A Python that can import pandas and xlsxwriter (Debian's, if the default cannot)."""
    cands = [given] if given else [sys.executable, "/usr/bin/python3"]
    for py in cands:
        if py and os.path.exists(py) and subprocess.run(
                [py, "-c", "import pandas, xlsxwriter"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return py
    return None


def version_of(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


# ----------------------------------------------------------------------------
# exports
# ----------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


SUPPORT_GROUP = "Additional Clinical Services"  # ESR staff group of support workers
SUPPORT_SHARE = 0.28  # about that share of the generator's rows carry it


def filter_support(src, dst):
    """Keep the header and the rows of SUPPORT_GROUP from the gzip export
    src (Windows-1252) in dst: the 'support' shape."""
    import csv
    import gzip
    import io
    with gzip.open(src, "rb") as fi, gzip.open(dst, "wb", compresslevel=6) as fo:
        rd = csv.reader(io.TextIOWrapper(fi, encoding="cp1252", newline=""))
        wr = csv.writer(io.TextIOWrapper(fo, encoding="cp1252", newline=""), lineterminator="\r\n")
        head = next(rd)
        col = head.index("Staff Group")
        wr.writerow(head)
        for row in rd:
            if len(row) > col and row[col] == SUPPORT_GROUP:
                wr.writerow(row)


def export_for(work, rows, floor, shape="quarter"):
    """Path of the cached export of about `rows` rows of `shape` (generated if
    missing or made by another version of the generator), with its measured
    sizes."""
    if shape == "support":
        path = os.path.join(work, "esr_support_%d_%s.csv.gz" % (rows, SNAPSHOT))
        if not os.path.exists(path + ".meta.json") or not os.path.exists(path):
            base, _ = export_for(work, int(rows / SUPPORT_SHARE), floor)
            log("bench: filtering %s to staff group %s" % (base, SUPPORT_GROUP))
            filter_support(base, path + ".tmp.gz")
            os.replace(path + ".tmp.gz", path)
            meta = {"generator_sha256": sha256_file(GEN), "export_bytes": os.path.getsize(path),
                    "shape": "support", "base_export": os.path.basename(base)}
            with open(path + ".meta.json", "w") as f:
                json.dump(meta, f, indent=1)
        return export_meta(path, floor, None)
    path = os.path.join(work, "esr_export_%d_%s.csv.gz" % (rows, SNAPSHOT))
    return export_meta(path, floor, rows)


def export_meta(path, floor, rows):
    """The export at path with its meta (sizes); rows = generate it at that
    size when missing or stale, None = it was made by the caller."""
    stamp = path + ".meta.json"
    gen_sha = sha256_file(GEN)
    meta = None
    if os.path.exists(path) and os.path.exists(stamp):
        with open(stamp) as f:
            meta = json.load(f)
        if meta.get("generator_sha256") != gen_sha or meta.get("export_bytes") != os.path.getsize(path):
            meta = None
    if meta is None and rows is None:
        sys.exit("bench: %s is stale (the generator changed): delete it and run again" % path)
    if meta is None:
        log("bench: generating %s (%d rows; 1.5M rows takes about a minute)" % (path, rows))
        tmp = path + ".tmp.gz"
        t = time.perf_counter()
        subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                        GEN, "--out", tmp, "--plan", tmp + ".plan.json", "--rows", str(rows), "--gzip"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(tmp, path)
        os.replace(tmp + ".plan.json", path + ".plan.json")
        meta = {"generator_sha256": gen_sha, "export_bytes": os.path.getsize(path),
                "generate_seconds": round(time.perf_counter() - t, 1)}
    if "uncompressed_bytes" not in meta:
        out = subprocess.run([floor, path], check=True, capture_output=True, text=True).stdout
        m = re.search(r"rows=(\d+) fields=(\d+) compressed_bytes=(\d+) uncompressed_bytes=(\d+)", out)
        meta.update(rows=int(m.group(1)) - 1, fields=int(m.group(2)),
                    uncompressed_bytes=int(m.group(4)))
        with open(stamp, "w") as f:
            json.dump(meta, f, indent=1)
    return path, meta


# ----------------------------------------------------------------------------
# runs
# ----------------------------------------------------------------------------

def run_once(argv, scratch, runstat):
    """Run argv from the top of the repository through runstat; return
    (wall s, cpu s, peak RSS KiB, exit status, stderr tail, stdout tail). runstat, not Python, forks the command: Linux keeps
    a process's peak RSS across exec, so a child of this interpreter would
    report the interpreter's ~20 MiB as its own peak."""
    err_path = os.path.join(scratch, ".bench.err")
    out_path = os.path.join(scratch, ".bench.out")
    stat_path = os.path.join(scratch, ".bench.stat")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        subprocess.run([runstat, stat_path] + argv, cwd=ROOT, stdout=out, stderr=err, check=True)
    with open(stat_path) as f:
        st = dict(kv.split("=") for kv in f.read().split())
    tails = []
    for p in (err_path, out_path):
        with open(p, "rb") as f:
            f.seek(max(0, os.path.getsize(p) - 2000))
            tails.append(f.read().decode("utf-8", "replace"))
        os.unlink(p)
    os.unlink(stat_path)
    return (float(st["wall"]), float(st["user"]) + float(st["sys"]), int(st["maxrss_kib"]),
            int(st["status"]), tails[0], tails[1])


def command_argv(name, export, out, tools, records):
    esr = [tools["esrpipe"], "run", "-q", "-m", tools["mappings"], "-o", out]
    base = [tools.get("baseline") or "", "run", "-q", "-m", tools["mappings"], "-o", out]
    return {
        "bcsv": base + ["--no-workbook", export],
        "bfull": base + [export],
        "gzip": ["gzip", "-dc", export],
        "floor": [tools["floor"], export],
        "xlsx": [tools["xlsx"], records, os.path.join(out, "floor.xlsx")],
        "dry": esr + ["--dry-run", export],
        "csv": esr + ["--no-workbook", export],
        "full": esr + [export],
        "fullall": esr + ["--max-sheet-rows", "0", export],
        "pandas": [tools["peer_python"], PEER, "-m", tools["mappings"], "-o", out, export]
        if tools["peer_python"] else None,
    }[name]


def bench_size(rows, export, meta, commands, runs, work, tools):
    res = {c: {"wall": [], "cpu": [], "rss": [], "error": None} for c in commands}
    # per process: two benchmarks sharing WORK once deleted each other's .bench.stat
    outroot = os.path.join(work, "out-%d" % os.getpid())
    with open(export, "rb") as f:  # warm the page cache: every command reads from memory
        while f.read(1 << 20):
            pass
    records = os.path.join(work, "records-%d-%d" % (rows, os.getpid()))
    if "xlsx" in commands:  # floor_xlsx's input, made once, untimed
        shutil.rmtree(records, ignore_errors=True)
        subprocess.run([tools["esrpipe"], "run", "-q", "-m", tools["mappings"], "--no-workbook", "-o",
                        records, export], cwd=ROOT, check=True)
    if rows >= 1000000 and tools.get("big_runs"):
        runs = tools["big_runs"]
    for r in range(runs):
        for c in commands:
            argv = command_argv(c, export, os.path.join(outroot, "%s-%d" % (c, rows)), tools,
                                os.path.join(records, "records.csv"))
            if argv is None or res[c]["error"]:
                continue
            out = os.path.join(outroot, "%s-%d" % (c, rows))
            shutil.rmtree(out, ignore_errors=True)  # every run does the same work, untimed
            os.makedirs(out if c == "xlsx" else outroot, exist_ok=True)  # esrpipe makes its own
            wall, cpu, rss, rc, tail, said = run_once(argv, outroot, tools["runstat"])
            if c == "xlsx" and rc == 0:  # the timed part only: loading records.csv is not the floor
                m = re.search(r"seconds=([0-9.]+) cpu_seconds=([0-9.]+)", said)
                wall, cpu = float(m.group(1)), float(m.group(2))
            if rc not in (0,):
                res[c]["error"] = "exit %d: %s" % (rc, tail.strip().splitlines()[-1] if tail.strip() else "")
                log("bench: %s at %d rows failed: %s" % (LABEL[c], rows, res[c]["error"]))
                continue
            res[c]["wall"].append(wall)
            res[c]["cpu"].append(cpu)
            res[c]["rss"].append(rss)
            log("bench: %7d rows  run %d/%d  %-27s %8.3f s wall %8.3f s cpu %8.1f MiB"
                % (rows, r + 1, runs, LABEL[c], wall, cpu, rss / 1024))
    shutil.rmtree(outroot, ignore_errors=True)
    shutil.rmtree(records, ignore_errors=True)
    return res


# ----------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------

def med(v):
    return statistics.median(v) if v else None


def fmt_int(n):
    return "{:,}".format(n)


def fmt_rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.0fk" % (x / 1e3)
    return "%.0f" % x


def report(results, sizes, commands, runs, tools, machine, shape="quarter"):
    L = []
    L.append("## esrpipe benchmark, %s, shape %s" % (machine["date"], shape))
    L.append("")
    L.append("Machine: %s CPUs (nproc), %s, %s RAM, %s; load average (1/5/15 min) %s at start, %s at end."
             % (machine["nproc"], machine["cpu"], machine["mem"], machine["kernel"],
                machine["load_start"], machine["load_end"]))
    L.append("Shared and noisy: other work runs on it. Wall = median of %d runs (min-max); "
             "CPU = user+sys median; RSS = peak resident set of the process (max over runs)." % runs)
    L.append("Tools: %s (source tree at start: %s; binary %s); %s; pandas peer: %s."
             % (tools["esrpipe_version"], tools["git"], tools["esrpipe"], tools["gzip_version"],
                tools["peer_version"]))
    if tools.get("baseline"):
        L.append("Baseline rows: %s, run in the same round-robin." % tools["baseline"])
    L.append("")
    L.append("Inputs (generated by tests/gen/gen_export.py --rows N --gzip, Windows-1252%s):"
             % ("" if shape == "quarter" else "; filtered to staff group " + SUPPORT_GROUP))
    L.append("")
    L.append("| rows | fields | gzip bytes | CSV bytes (uncompressed) |")
    L.append("|---:|---:|---:|---:|")
    for n in sizes:
        m = results[n]["meta"]
        L.append("| %s | %s | %s (%.1f MB) | %s (%.1f MB) |"
                 % (fmt_int(m["rows"]), fmt_int(m["fields"]), fmt_int(m["export_bytes"]),
                    m["export_bytes"] / 1e6, fmt_int(m["uncompressed_bytes"]), m["uncompressed_bytes"] / 1e6))
    L.append("")
    L.append("| command | rows | wall s median (min-max) | CPU s | rows/s | MB/s gz | MB/s CSV | peak RSS MiB |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        m = results[n]["meta"]
        for c in commands:
            r = results[n]["runs"][c]
            if c == "pandas" and not tools["peer_python"]:
                L.append("| %s | %s | %s | | | | | |" % (LABEL[c], fmt_int(m["rows"]), PANDAS_MISSING))
                continue
            if r["error"] and not r["wall"]:
                L.append("| %s | %s | failed: %s | | | | | |" % (LABEL[c], fmt_int(m["rows"]), r["error"]))
                continue
            w = med(r["wall"])
            want = tools["big_runs"] if m["rows"] >= 1000000 and tools.get("big_runs") else runs
            partial = " n=%d" % len(r["wall"]) if len(r["wall"]) != want or want != runs else ""
            L.append("| %s | %s | %.3f (%.3f-%.3f)%s | %.3f | %s | %.1f | %.1f | %.1f |"
                     % (LABEL[c], fmt_int(m["rows"]), w, min(r["wall"]), max(r["wall"]), partial, med(r["cpu"]),
                        fmt_rate(m["rows"] / w), m["export_bytes"] / 1e6 / w,
                        m["uncompressed_bytes"] / 1e6 / w, max(r["rss"]) / 1024))
    fails = ["* %s at %s rows: %s" % (LABEL[c], fmt_int(results[n]["meta"]["rows"]), results[n]["runs"][c]["error"])
             for n in sizes for c in commands if results[n]["runs"][c]["error"]]
    if fails:
        L.append("")
        L.append("Failed runs (not in the figures; a command stops at its first failure):")
        L.extend(fails)
    L.append("")
    L.extend(ratios(results, sizes, commands, tools))
    return "\n".join(L) + "\n"


def ratios(results, sizes, commands, tools):
    L = ["### What the targets are about", ""]

    def get(n, c, what="wall"):
        r = results[n]["runs"].get(c)
        if not r or not r[what]:
            return None
        return max(r[what]) if what == "rss" else med(r[what])

    # 1. esrpipe full vs pandas (the peer puts every in-scope row on its sheet,
    #    so --max-sheet-rows 0 is the like-for-like run where they differ)
    if "pandas" in commands and not tools["peer_python"]:
        L.append("* esrpipe vs pandas: %s" % PANDAS_MISSING)
    for c in ("full", "fullall"):
        if c not in commands or "pandas" not in commands:
            continue
        for n in sizes:
            f, p = get(n, c), get(n, "pandas")
            if c == "fullall" and f and get(n, "full") and "full" in commands and \
                    abs(f - get(n, "full")) / f < 0.1 and results[n]["meta"]["rows"] < 1000000:
                continue  # same work as full at this size (under the sheet cap)
            if f and p:
                L.append("* %s vs pandas at %s rows: %.1f× faster (wall), %.1f× less CPU, "
                         "%.1f× less memory (%.0f vs %.0f MiB)"
                         % (LABEL[c], fmt_int(results[n]["meta"]["rows"]), p / f,
                            get(n, "pandas", "cpu") / get(n, c, "cpu"),
                            get(n, "pandas", "rss") / get(n, c, "rss"),
                            get(n, c, "rss") / 1024, get(n, "pandas", "rss") / 1024))
    # 1b. the 10x budget against what libxlsxwriter alone needs for the sheet
    if "xlsx" in commands and "pandas" in commands and tools["peer_python"]:
        for n in sizes:
            x, p, f = get(n, "xlsx"), get(n, "pandas"), get(n, "fullall")
            if not (x and p):
                continue
            budget = p / 10
            s = ("* workbook floor at %s rows: libxlsxwriter alone takes %.3f s to write and close the "
                 "Support workforce sheet; a tenth of the pandas peer is %.3f s, so " % (
                     fmt_int(results[n]["meta"]["rows"]), x, budget))
            s += ("10× leaves %.3f s for everything else" % (budget - x) if x < budget else
                  "10× is out of reach with every in-scope row on the sheet (the floor alone is %.0f%% "
                  "of the budget)" % (100 * x / budget))
            if f:
                s += "; %s takes %.2f× the floor" % (LABEL["fullall"], f / x)
            L.append(s)
    # 2. CSV-outputs run vs the floor
    if "csv" in commands and "floor" in commands:
        for n in sizes:
            c, fl, gz = get(n, "csv"), get(n, "floor"), get(n, "gzip")
            d = get(n, "dry")
            if c and fl:
                s = "* esrpipe --no-workbook vs floor_parse at %s rows: %.1f× the floor (wall), %.1f× (CPU)" % (
                    fmt_int(results[n]["meta"]["rows"]), c / fl, get(n, "csv", "cpu") / get(n, "floor", "cpu"))
                if d:
                    s += "; --dry-run is %.1f× the floor" % (d / fl)
                if gz:
                    s += "; gzip -dc alone is %.0f%% of the floor" % (100 * gz / fl)
                L.append(s)
    # 2b. at trust size the target is the floors, not the peer: within 1.3x of
    #     max(parse floor, workbook floor)
    if all(c in commands for c in ("full", "floor", "xlsx")):
        for n in sizes:
            f, fl, x = get(n, "full"), get(n, "floor"), get(n, "xlsx")
            if f and fl and x:
                L.append("* esrpipe run (full) vs max(floor_parse, floor_xlsx) at %s rows: %.2f× "
                         "(wall; target at 50k rows: ≤ 1.3×), %.2f× (CPU)"
                         % (fmt_int(results[n]["meta"]["rows"]), f / max(fl, x),
                            get(n, "full", "cpu") / max(get(n, "floor", "cpu"), get(n, "xlsx", "cpu"))))
    # 2c. this build against the baseline binary, run side by side
    for c, b in (("csv", "bcsv"), ("full", "bfull")):
        if c not in commands or b not in commands:
            continue
        for n in sizes:
            if get(n, c) and get(n, b):
                L.append("* %s vs %s at %s rows: %.2f× the wall time, %.2f× the CPU, peak RSS %.1f vs %.1f MiB"
                         % (LABEL[c], LABEL[b], fmt_int(results[n]["meta"]["rows"]), get(n, c) / get(n, b),
                            get(n, c, "cpu") / get(n, b, "cpu"), get(n, c, "rss") / 1024,
                            get(n, b, "rss") / 1024))
    # 3. peak RSS across sizes
    esr = [c for c in ("dry", "csv", "full", "fullall") if c in commands]
    if len(sizes) > 1 and esr:
        lo, hi = sizes[0], sizes[-1]
        rows_lo, rows_hi = results[lo]["meta"]["rows"], results[hi]["meta"]["rows"]
        for c in esr + (["pandas"] if "pandas" in commands and tools["peer_python"] else []):
            vals = [get(n, c, "rss") for n in sizes]
            if None in vals:
                continue
            growth = vals[-1] / vals[0]
            per_row = (vals[-1] - vals[0]) * 1024 / (rows_hi - rows_lo)
            L.append("* peak RSS, %s: %s MiB (%.1f× for %.0f× the rows: %s, %.0f bytes per extra input row)"
                     % (LABEL[c], " / ".join("%.0f" % (v / 1024) for v in vals), growth, rows_hi / rows_lo,
                        "flat" if growth < 1.5 else "grows", per_row))
    # 4. the 10 s target
    for c in ("full", "fullall"):
        if c not in commands:
            continue
        if TARGET_ROWS in sizes and get(TARGET_ROWS, c):
            w, cpu = get(TARGET_ROWS, c), get(TARGET_ROWS, c, "cpu")
            L.append("* 1.5M rows, %s: %.2f s wall median (min %.2f), %.2f s CPU, vs the %.0f s target: %s"
                     % (LABEL[c], w, min(results[TARGET_ROWS]["runs"][c]["wall"]), cpu, TARGET_SECONDS,
                        "met" if w <= TARGET_SECONDS else
                        "NOT met on wall time (CPU alone would meet it)" if cpu <= TARGET_SECONDS else "NOT met"))
        elif TARGET_ROWS not in sizes:
            big = sizes[-1]
            w = get(big, c)
            if w:
                k = TARGET_ROWS / results[big]["meta"]["rows"]
                L.append("* 1.5M rows, %s: not measured (add 1500000 to --sizes); linear extrapolation "
                         "from %s rows: %.1f s wall, %.1f s CPU, vs the %.0f s target (an upper bound "
                         "for the default run: its sheets stop at 100,000 rows)"
                         % (LABEL[c], fmt_int(results[big]["meta"]["rows"]), w * k, get(big, c, "cpu") * k,
                            TARGET_SECONDS))
    # 5. cost per row
    if len(sizes) > 1:
        L.append("* cost per row, µs/row wall median | CPU, at %s rows:" % " / ".join(
            fmt_int(results[n]["meta"]["rows"]) for n in sizes))
        for c in commands:
            vals = [get(n, c) for n in sizes]
            cpus = [get(n, c, "cpu") for n in sizes]
            if None in vals:
                continue
            per = [1e6 * v / results[n]["meta"]["rows"] for v, n in zip(vals, sizes)]
            pcpu = [1e6 * v / results[n]["meta"]["rows"] for v, n in zip(cpus, sizes)]
            spread = pcpu[-1] / pcpu[0]
            L.append("  * %s: %s | %s (CPU per row %s)"
                     % (LABEL[c], " / ".join("%.2f" % x for x in per), " / ".join("%.2f" % x for x in pcpu),
                        "constant: linear" if 0.8 <= spread <= 1.25 else
                        "falls at scale" if spread < 0.8 else "rises at scale: super-linear"))
    return L


# ----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--sizes", default="50000,200000,1500000", help="rows per export, comma-separated")
    ap.add_argument("--runs", type=int, default=5, help="runs of every command per size (median)")
    ap.add_argument("--work", default=os.environ.get("ESRPIPE_BENCH_WORK", "/tmp/esrpipe-bench"),
                    help="cache of generated exports and scratch outputs (default /tmp/esrpipe-bench)")
    ap.add_argument("--esrpipe", help="esrpipe binary (default: build one in WORK/build)")
    ap.add_argument("--floor", help="floor_parse binary (default: next to --esrpipe, else build)")
    ap.add_argument("--mappings", default=MAPPINGS,
                    help="mapping tables, copied to WORK/mappings at start (default: the repo's mappings/)")
    ap.add_argument("--peer-python", help="Python with pandas + xlsxwriter (default: this one, else /usr/bin/python3)")
    ap.add_argument("--commands", default=",".join(ALL_COMMANDS),
                    help="subset of %s" % ",".join(ALL_COMMANDS))
    ap.add_argument("--shapes", default="quarter,support",
                    help="export shapes: quarter (a whole trust, a quarter in scope), support "
                         "(filtered to support staff; nearly all in scope)")
    ap.add_argument("--quick", action="store_true", help="sizes 50000, 3 runs: a smoke test")
    ap.add_argument("--big-runs", type=int, help="runs per size of 1M rows or more (default: --runs)")
    ap.add_argument("--baseline", help="another esrpipe binary (an earlier commit's build): its --no-workbook "
                                       "and full runs go into the same round-robin, as 'baseline' rows")
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.runs = "50000", 3
    sizes = sorted(int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip())
    commands = [c for c in ALL_COMMANDS if c in a.commands.split(",")]
    if a.baseline:
        commands += [b for b, c in zip(BASELINE_COMMANDS, ("csv", "full")) if c in commands]
    if not sizes or a.runs < 1 or not commands:
        ap.error("need at least one size, one run and one command")
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)

    machine = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "nproc": os.cpu_count(),
               "cpu": cpu_model(), "mem": mem_total(), "kernel": "Linux " + platform.release(),
               "load_start": loadavg()}

    esr, floor, xlsx, runstat = a.esrpipe, a.floor, None, None
    if esr:  # the bench tools from the same build tree, if there

        def beside(name):
            p = os.path.join(os.path.dirname(os.path.abspath(esr)), "bench", name)
            return p if os.path.exists(p) else None

        floor, xlsx, runstat = floor or beside("floor_parse"), beside("floor_xlsx"), beside("runstat")
    if not esr or not floor or not xlsx or not runstat:
        b_esr, b_floor, b_xlsx, b_runstat = build(work)
        esr, floor, xlsx, runstat = esr or b_esr, floor or b_floor, xlsx or b_xlsx, runstat or b_runstat
    tools = {"esrpipe": os.path.abspath(esr), "floor": os.path.abspath(floor), "xlsx": os.path.abspath(xlsx),
             "runstat": runstat, "big_runs": a.big_runs,
             "baseline": os.path.abspath(a.baseline) if a.baseline else None,
             "peer_python": find_peer_python(a.peer_python) if "pandas" in commands else None}
    # A private copy of the mapping tables, taken now: every run of every size
    # reads the same tables even if someone edits mappings/ meanwhile.
    tools["mappings"] = os.path.join(work, "mappings")
    shutil.rmtree(tools["mappings"], ignore_errors=True)
    shutil.copytree(a.mappings, tools["mappings"])
    chk = subprocess.run([tools["esrpipe"], "check-mappings", tools["mappings"]], cwd=ROOT,
                         capture_output=True, text=True)
    if chk.returncode != 0:
        sys.exit("bench: %s check-mappings %s failed (binary and tables out of step? rebuild):\n%s"
                 % (tools["esrpipe"], a.mappings, (chk.stderr or chk.stdout).strip()[-1500:]))
    tools["esrpipe_version"] = version_of([tools["esrpipe"], "--version"])
    tools["gzip_version"] = version_of(["gzip", "--version"])
    tools["git"] = version_of(["git", "-C", ROOT, "describe", "--always", "--dirty"])
    tools["peer_version"] = PANDAS_MISSING
    if tools["peer_python"]:
        tools["peer_version"] = version_of([tools["peer_python"], "-c",
                                            "import sys, pandas, xlsxwriter; print('Python %d.%d, pandas %s, "
                                            "XlsxWriter %s' % (sys.version_info[0], sys.version_info[1], "
                                            "pandas.__version__, xlsxwriter.__version__))"])
    elif "pandas" in commands:
        log("bench: pandas peer " + PANDAS_MISSING)

    shapes = [x for x in ("quarter", "support") if x in a.shapes.split(",")]
    if not shapes:
        ap.error("--shapes: quarter, support or both")
    by_shape = {}
    for shape in shapes:
        results = by_shape[shape] = {}
        for n in sizes:
            export, meta = export_for(work, n, tools["floor"], shape)
            results[n] = {"export": export, "meta": meta}
    for shape in shapes:
        results = by_shape[shape]
        for n in sizes:
            results[n]["runs"] = bench_size(n, results[n]["export"], results[n]["meta"], commands, a.runs,
                                            work, tools)
    machine["load_end"] = loadavg()

    text = "\n".join(report(by_shape[shape], sizes, commands, a.runs, tools, machine, shape)
                     for shape in shapes)
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(work, "results-%s.md" % stamp), "w") as f:
        f.write(text)
    with open(os.path.join(work, "results-%s.json" % stamp), "w") as f:
        json.dump({"machine": machine, "tools": tools, "runs": a.runs, "sizes": sizes,
                   "results": {shape: {str(n): by_shape[shape][n] for n in sizes} for shape in shapes}},
                  f, indent=1)
    log("bench: saved %s/results-%s.{md,json}" % (work, stamp))
    failed = [(n, c) for r in by_shape.values() for n in sizes for c in commands if r[n]["runs"][c]["error"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
