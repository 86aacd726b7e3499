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
from checks import Checks

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
CHECKS = Checks(verbose=True)


def run(esrpipe, *args):
    return subprocess.run([esrpipe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def snapshot(d):
    out = {}
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), "rb") as f:
            out[fn] = f.read()
    return out


def review_fixes(e, tmp):
    """A pipe as the export is refused at once (it used to hang); trend never writes over a return it reads; a
    record without an assignment number is neither joiner nor leaver."""
    import csv
    sample = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
    fifo = os.path.join(tmp, "pipe_2026-03-31.csv")
    os.mkfifo(fifo)
    try:
        p = subprocess.run([e, "run", "-q", "-o", os.path.join(tmp, "fifo-out"), fifo], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        CHECKS.ok(p.returncode == 65 and b"not a regular file" in p.stderr, "a pipe as export: 65, said at once",
                  p.stderr.decode())
    except subprocess.TimeoutExpired:
        CHECKS.ok(False, "a pipe as export: 65, said at once", "hung")
    r1, r2 = os.path.join(tmp, "t1"), os.path.join(tmp, "t2")
    run(e, "run", "-q", "--snapshot", "2026-03-31", "-o", r1, sample)
    run(e, "run", "-q", "--snapshot", "2026-04-30", "-o", r2, sample)
    before = snapshot(r1)
    p = run(e, "trend", "-q", "-o", r1, r1, r2)
    CHECKS.ok(p.returncode == 64 and snapshot(r1) == before, "trend -o onto a return it reads: 64, return untouched",
              p.stderr.decode())
    with open(sample, newline="", encoding="cp1252") as f:
        rows = list(csv.reader(f))
    rows[1][1] = ""  # first data row: no assignment number
    blank = os.path.join(tmp, "blank_2026-03-31.csv")
    with open(blank, "w", newline="", encoding="cp1252") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    rb = os.path.join(tmp, "rb")
    run(e, "run", "-q", "--max-reject-rate", "50", "-o", rb, blank)
    p = run(e, "compare", "-q", "--exit-code", "-o", os.path.join(tmp, "cmp-self"), rb, rb)
    CHECKS.eq(p.returncode, 0, "compare of a return with itself, one record unkeyed: nothing differs")
    with open(sample, newline="", encoding="cp1252") as f:
        rows = list(csv.reader(f))
    org = rows[0].index("Organisation Code")
    want = {r[org] for r in rows[1:] if len(r) > org and r[org]}
    for r in rows[1:40]:
        if len(r) > org:
            r[org] = r[org].lower()  # an ODS code retyped in lower case
    lower = os.path.join(tmp, "lower_2026-03-31.csv")
    with open(lower, "w", newline="", encoding="cp1252") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    ra, rl = os.path.join(tmp, "ra"), os.path.join(tmp, "rl")
    run(e, "run", "-q", "-o", ra, sample)
    run(e, "run", "-q", "-o", rl, lower)
    with open(os.path.join(rl, "summary.csv"), "rb") as f1, open(os.path.join(ra, "summary.csv"), "rb") as f2:
        CHECKS.ok(f1.read() == f2.read() and want == {"RTH"},
                  "organisation codes in lower case are the same organisations (summary.csv identical)")


def mount_inside(e, tmp):
    """A volume mounted inside DIR stays there: the return is published file by
    file instead of by swapping DIR (a mount cannot be moved back). Needs
    root and mount(8); said and skipped elsewhere (a container build)."""
    out = os.path.join(tmp, "mnt-out")
    vol = os.path.join(out, "vol")
    os.makedirs(vol)
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", vol], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE).returncode:
        print("skip  a volume mounted inside DIR (cannot mount here)")
        return
    try:
        with open(os.path.join(vol, "data.txt"), "w") as f:
            f.write("precious\n")
        p = run(e, "run", "-q", "--snapshot", "2026-03-31", "-o", out,
                os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv"))
        kept = os.path.ismount(vol) and open(os.path.join(vol, "data.txt")).read() == "precious\n"
        CHECKS.ok(p.returncode == 0 and kept and os.path.exists(os.path.join(out, "run.json")),
                  "a volume mounted inside DIR stays mounted there, the return written beside it",
                  p.stderr.decode())
    finally:
        subprocess.run(["umount", "-l", vol], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    tmp = tempfile.mkdtemp(prefix="esrpipe-cli-")
    try:
        p = run(e, "--help")
        CHECKS.ok(p.returncode == 0 and b"usage: esrpipe run" in p.stdout, "--help exits 0 and shows usage")
        p = run(e, "--version")
        CHECKS.ok(p.returncode == 0 and p.stdout.startswith(b"esrpipe "), "--version exits 0")
        p = run(e)
        CHECKS.ok(p.returncode == 64, "no command: 64", str(p.returncode))
        p = run(e, "frobnicate")
        CHECKS.ok(p.returncode == 64, "unknown command: 64")
        p = run(e, "run", "--classify", "maybe", SAMPLE)
        CHECKS.ok(p.returncode == 64, "bad --classify: 64")
        # each bad value is named with its option (the message once read a
        # second, missing argument)
        for opt, bad, want in (("--learn-min-rows", "0", "a number of rows"),
                               ("--learn-agreement", "101", "a percentage 1-100"),
                               ("--learn-max-titles", "x", "a number of titles")):
            p = run(e, "run", opt, bad, SAMPLE)
            CHECKS.ok(p.returncode == 64 and ("%s %s: expected %s" % (opt, bad, want)).encode() in p.stderr,
                      "bad %s: 64 naming the value" % opt, p.stderr.decode())
        p = run(e, "run", "--snapshot", "31/03/2026", "-o", os.path.join(tmp, "x"), SAMPLE)
        CHECKS.ok(p.returncode == 64, "bad --snapshot: 64", p.stderr.decode())
        p = run(e, "run", "-o", os.path.join(tmp, "x"), os.path.join(tmp, "nope.csv"))
        CHECKS.ok(p.returncode == 66 and b"nope.csv" in p.stderr,
                  "missing input: 66 and names the file",
                  p.stderr.decode())
        CHECKS.ok(not os.path.exists(os.path.join(tmp, "x")), "missing input: no output dir created")
        p = run(e, "run", "-o", os.path.join(tmp, "x"), tmp)
        CHECKS.ok(p.returncode == 66, "directory as input: 66")
        p = run(e, "run", "-o", "/dev/null/out", SAMPLE)
        CHECKS.ok(p.returncode == 73, "output under a file: 73", "%d %s" % (p.returncode, p.stderr.decode()))

        good = os.path.join(tmp, "good")
        p = run(e, "run", "-q", "-o", good, SAMPLE)
        CHECKS.ok(p.returncode == 0, "sample run: 0", p.stderr.decode())
        CHECKS.ok(p.stderr == b"" and p.stdout == b"", "quiet run prints nothing")
        want = {"return.xlsx", "records.csv", "summary.csv", "rejects.csv", "run.json", "title_suggestions.csv",
                "out_of_scope.csv"}
        CHECKS.ok(set(os.listdir(good)) == want, "all seven outputs written", str(os.listdir(good)))
        before = snapshot(good)
        # a failing run into the same directory: reject rate above the limit
        p = run(e, "run", "-q", "--max-reject-rate", "0", "-o", good, SAMPLE)
        CHECKS.ok(p.returncode == 65, "reject rate above limit: 65", p.stderr.decode())
        CHECKS.ok(snapshot(good) == before, "failed run leaves the previous return byte-identical")
        # a failing run on a bad input
        bad = os.path.join(tmp, "bad.csv")
        open(bad, "w").write("Employee Number,Job Title\n1,Physio Assistant\n")
        p = run(e, "run", "-q", "-o", good, bad)
        CHECKS.ok(p.returncode == 65 and b"Contracted WTE" in p.stderr,
                  "missing FTE column: 65 naming the aliases",
                  p.stderr.decode())
        CHECKS.ok(snapshot(good) == before, "after a failed run no stray files", str(os.listdir(good)))
        # deterministic: a second run gives the same bytes (run.json less timings)
        again = os.path.join(tmp, "again")
        run(e, "run", "-q", "-o", again, SAMPLE)
        a, b = snapshot(good), snapshot(again)
        strip = lambda d: b"\n".join(l for l in d.split(b"\n") if b"timings_ms" not in l)
        same = all((strip(a[k]) == strip(b[k])) if k == "run.json" else (a[k] == b[k]) for k in a)
        CHECKS.ok(same and set(a) == set(b), "two runs give identical bytes")
        # --no-workbook: the same CSV outputs, and an old return.xlsx is removed, not left stale
        p = run(e, "run", "-q", "--no-workbook", "-o", again, SAMPLE)
        c = snapshot(again)
        CHECKS.ok(p.returncode == 0, "--no-workbook: exit 0", p.stderr.decode())
        CHECKS.ok("return.xlsx" in b and "return.xlsx" not in c,
                  "--no-workbook: the previous return.xlsx is gone",
                  str(sorted(c)))
        CHECKS.ok(all(c.get(k) == a[k] for k in ("records.csv", "summary.csv", "rejects.csv")),
                  "--no-workbook: CSV outputs identical to a full run's")
        review_fixes(e, tmp)
        mount_inside(e, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
