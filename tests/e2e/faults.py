#!/usr/bin/env python3
"""Fault injection: a failing or killed run never damages the previous return.

Invariant checked after every fault: the output directory holds the previous
complete return (all five files byte-identical) or nothing - never a mix of
old and new files - and once a later run has been made there is no staging
directory (.DIR.esrpipe-XXXXXX beside DIR, or DIR/.esrpipe-XXXXXX where DIR
is a mount point) and no lock file left. Faults inside the publish step
itself (kill or fail at every step, via ESRPIPE_FAULT) are in commit.py.

  1 disk full        tiny tmpfs, a sweep of sizes up to enough room: each
                     run fails (74) naming what it was writing, or succeeds
                     whole; the sweep meets the scratch copy of the rows,
                     the files written while deciding and those after
  1b TMPDIR full     libxlsxwriter's own temporaries cannot be written
  2 read-only        ro bind mount and ro tmpfs: 73
  3 SIGKILL          while reading, while building the sheets and while the
                     workbook is zipped; the next run sweeps the staging
                     directory; a staging directory whose run holds the lock
                     is never swept
  4 one rename       one renameat2(RENAME_EXCHANGE) (or, the first time, one
                     rename) publishes the whole return, --split-by-org too
  5 unwritable parent  -o /dev/null/x, -o FILE/x: 73, nothing created
  6 failing run      leaves no new (empty) output directory, parents included

Needs root for the mounts (cases 1, 1b, 2 print "skipped: ..." without it).
Run from the project root (mappings/, fixtures/).

    faults.py --esrpipe BUILD/esrpipe [--workdir DIR] [--seed N]
"""
import argparse
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from checks import Checks

SAMPLE = "fixtures/sample/esr_sample_2026-03-31.csv"
GEN = "tests/gen/gen_export.py"
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
FILES = ("return.xlsx", "records.csv", "summary.csv", "rejects.csv", "run.json", "title_suggestions.csv",
         "out_of_scope.csv")
TMP_PREFIX = ".esrpipe-"
PAGE = 4096
POLL_TIMEOUT = 120.0   # generous: a slow or loaded machine must not flake
RUN_TIMEOUT = 300

CHECKS = Checks(verbose=True)
skips = []


def skip(name, why):
    skips.append(name)
    print("skipped: %s (%s)" % (why, name), flush=True)


class Ctx:
    pass


def run(c, *args, env=None):
    return subprocess.run([c.esrpipe, "run", "-q"] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env or c.env, timeout=RUN_TIMEOUT)


def listing(d):
    try:
        return sorted(os.listdir(d))
    except FileNotFoundError:
        return None


def temps(d):
    """esrpipe's leftovers for output directory d: entries of d named
    .esrpipe-* and, beside d, its staging directories and lock file."""
    mine = [n for n in (listing(d) or []) if n.startswith(TMP_PREFIX) or n == ".esrpipe.lock"]
    pfx = "." + os.path.basename(os.path.normpath(d)) + ".esrpipe"
    return mine + [n for n in (listing(os.path.dirname(os.path.normpath(d))) or []) if n.startswith(pfx)]


def stagings(d):
    """The staging directories beside d: .<d>.esrpipe-XXXXXX."""
    pfx = "." + os.path.basename(os.path.normpath(d)) + ".esrpipe-"
    parent = os.path.dirname(os.path.normpath(d))
    return sorted(os.path.join(parent, n) for n in (listing(parent) or [])
                  if n.startswith(pfx) and len(n) == len(pfx) + 6)


def finals(d):
    """The final output files in d (name -> bytes); temporaries not included."""
    out = {}
    for n in listing(d) or []:
        if n in FILES:
            with open(os.path.join(d, n), "rb") as f:
                out[n] = f.read()
    return out


def everything(d):
    """Every entry of d (name -> bytes), temporaries included."""
    out = {}
    for n in listing(d) or []:
        with open(os.path.join(d, n), "rb") as f:
            out[n] = f.read()
    return out


def err_text(p):
    return p.stderr.decode("utf-8", "replace").strip()


def own_error(p):
    """esrpipe's own message: stderr less libxlsxwriter's "[ERROR] ..." lines
    (printed by the library itself, which esrpipe cannot silence)."""
    lines = err_text(p).splitlines()
    lib = [l for l in lines if l.startswith("[ERROR]")]
    if lib:
        print("     note: libxlsxwriter also printed %d line(s): %s" % (len(lib), lib[0][:100]), flush=True)
    return "\n".join(l for l in lines if not l.startswith("[ERROR]"))


def bad_xml_parts(path):
    """Members of an .xlsx that are empty or not well-formed XML."""
    import zipfile
    import xml.dom.minidom
    bad = []
    try:
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                if n.endswith(".xml") or n.endswith(".rels"):
                    try:
                        xml.dom.minidom.parseString(z.read(n))
                    except Exception:
                        bad.append(n)
    except Exception as e:
        return ["(zip: %s)" % e]
    return bad


def complete_return(d, ref):
    """d holds a complete successful return of the sample: the four data files
    identical to the reference run, run.json valid and saying exit_status 0."""
    got = finals(d)
    if set(got) != set(FILES):
        return False, "files: %s" % sorted(got)
    for n in FILES:
        if n != "run.json" and got[n] != ref[n]:
            return False, "%s differs from the reference run" % n
    try:
        rj = json.loads(got["run.json"])
    except ValueError as e:
        return False, "run.json: %s" % e
    if rj.get("exit_status") != 0:
        return False, "run.json exit_status %r" % rj.get("exit_status")
    return True, ""


# ---- mounts ---------------------------------------------------------------

def sh(*cmd):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def mount(c, *args):
    """mount ARGS...; on success remember the target for the final unmount.
    Returns None or the error text."""
    p = sh("mount", *args)
    if p.returncode:
        e = p.stderr.decode("utf-8", "replace").strip()
        return e.splitlines()[0] if e else "mount exit %d" % p.returncode
    target = args[-1]
    if target not in c.mounts:
        c.mounts.append(target)
    return None


def is_mounted(path):
    """path is a mount point (os.path.ismount misses a bind mount of a
    directory on the same filesystem)."""
    path = os.path.realpath(path)
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4]
                mp = mp.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n") \
                       .replace("\\134", "\\")
                if mp == path:
                    return True
    except OSError:
        return os.path.ismount(path)
    return False


def umount(c, target):
    if not is_mounted(target):
        if target in c.mounts:
            c.mounts.remove(target)
        return
    for _ in range(4):   # a mount point may carry more than one mount
        if sh("umount", target).returncode:
            sh("umount", "-l", target)
        if not is_mounted(target):
            break
    if not is_mounted(target) and target in c.mounts:
        c.mounts.remove(target)


def umount_all(c):
    for t in reversed(list(c.mounts)):
        umount(c, t)


def cannot_mount(msg):
    m = msg.lower()
    return "permission denied" in m or "operation not permitted" in m or "must be superuser" in m \
        or "not found" in m or "only root" in m


def used_bytes(d):
    s = os.statvfs(d)
    return (s.f_blocks - s.f_bfree) * s.f_frsize


def pages(n):
    return (n + PAGE - 1) // PAGE


# ---- case 1: disk full ----------------------------------------------------

def what_failed(mnt, msg):
    """What a one-line disk-full error names in mnt: an output file, the
    scratch copy of the export's rows, or None."""
    if len(msg.splitlines()) != 1:
        return None
    for n in FILES:
        if (mnt + "/" + n) in msg:
            return n
    if (mnt + ": ") in msg and "scratch copy of the export's rows" in msg:
        return "scratch copy"
    return None


def disk_full_once(c, label, mnt, extra_pages, export, expect_ok=False):
    """Fresh 2 MiB tmpfs at mnt holding the previous return (written by
    esrpipe from the sample), shrunk to used + extra_pages, then a run of
    export into it. expect_ok None: failing or succeeding are both right.
    Returns (error, what the failure named or "ok")."""
    umount(c, mnt)
    os.makedirs(mnt, exist_ok=True)
    e = mount(c, "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", mnt)
    if e:
        return e, None
    p = run(c, "-o", mnt, SAMPLE)
    if not CHECKS.ok(p.returncode == 0, "%s: previous return written into the tmpfs" % label, err_text(p)):
        return None, None
    prev = everything(mnt)
    size = used_bytes(mnt) + extra_pages * PAGE
    e = mount(c, "-o", "remount,size=%d" % size, mnt)
    if e:
        CHECKS.ok(False, "%s: remount size=%d" % (label, size), e)
        return None, None
    p = run(c, "-o", mnt, export)
    msg = own_error(p)
    print("     %s: exit %d %s" % (label, p.returncode, msg), flush=True)
    named = "ok" if p.returncode == 0 else what_failed(mnt, msg)
    if expect_ok is None:
        expect_ok = p.returncode == 0
    if expect_ok:
        CHECKS.ok(p.returncode == 0, "%s: enough room: exit 0" % label, "%d %s" % (p.returncode, msg))
        got = finals(mnt)
        CHECKS.ok(set(got) == set(FILES) and all(got[n] for n in FILES) and got["records.csv"] != prev["records.csv"],
                  "%s: a complete new return" % label,
                  str(sorted(got)))
    else:
        CHECKS.ok(p.returncode in (73, 74),
                  "%s: exit 74 (or 73)" % label,
                  "exit %d: %s" % (p.returncode, msg))
        CHECKS.ok(named is not None,
                  "%s: one-line error naming the directory and the file (or the scratch copy)" % label,
                  msg)
        CHECKS.ok(everything(mnt) == prev,
                  "%s: previous return byte-identical" % label,
                  "now %s" % listing(mnt))
    CHECKS.ok(not temps(mnt), "%s: no temporaries left" % label, str(temps(mnt)))
    CHECKS.ok(not listing(c.tmpdir), "%s: TMPDIR clean" % label, str(listing(c.tmpdir)))
    umount(c, mnt)
    return None, named


def case_disk_full(c):
    print("-- 1 disk full", flush=True)
    mnt = os.path.join(c.work, "full")
    # where the small export's files would go, in pages, from a run with room
    ref = os.path.join(c.work, "small-ref")
    p = run(c, "-o", ref, c.small)
    if not CHECKS.ok(p.returncode == 0, "small export runs with room", err_text(p)):
        return
    sz = {n: pages(os.path.getsize(os.path.join(ref, n))) for n in FILES}
    # room for the outputs, the workbook's sheet temporaries and the scratch
    # copy of the rows (at most the export decoded, 33 bytes a row and 5 a
    # field more), all in DIR: same filesystem, so a full disk fails the run
    with gzip.open(c.small, "rb") if c.small.endswith(".gz") else open(c.small, "rb") as f:
        data = f.read()
    lines = data.count(b"\n") + 1
    fields = lines * (data.split(b"\n", 1)[0].count(b",") + 1)
    spool = pages(2 * len(data) + 33 * lines + 5 * fields)
    room = sum(sz.values()) + 12 * sz["return.xlsx"] + 64 + spool
    # the brief's tiny disk (4 pages free), then sizes up to room: every run
    # fails whole or succeeds whole, wherever it stops
    points = [4] + [room * k // 16 for k in range(1, 16)]
    seen = set()
    try:
        for extra in points:
            e, named = disk_full_once(c, "1 disk full (%d pages free)" % extra, mnt, extra, c.small,
                                      expect_ok=None)
            if e:
                if cannot_mount(e):
                    skip("1 disk full", "cannot mount tmpfs: %s" % e)
                else:
                    CHECKS.ok(False, "1 mount tmpfs", e)
                return
            seen.add(named)
        disk_full_once(c, "1 disk with room (control, %d pages)" % room, mnt, room, c.small, expect_ok=True)
    finally:
        umount(c, mnt)
    CHECKS.ok("scratch copy" in seen, "1 the sweep filled the disk on the scratch copy of the rows", str(seen))
    CHECKS.ok(seen & {"records.csv", "rejects.csv", "out_of_scope.csv"},
              "1 ... and on a file written while deciding", str(seen))
    CHECKS.ok(seen & {"summary.csv", "return.xlsx", "run.json", "title_suggestions.csv"},
              "1 ... and on a file written after", str(seen))


def case_tmpdir_full(c):
    """libxlsxwriter (constant_memory) keeps every sheet in a temporary file
    in TMPDIR, and writes every part of the package through another one; it
    ignores write errors on both. When TMPDIR fills up the run must fail
    (74) like a full DIR, or at the very least not exit 0 with a broken
    workbook. Two sizes: too small for the sheet data, and big enough for
    the sheet data but not for the largest part assembled next to it."""
    print("-- 1b TMPDIR full", flush=True)
    import zipfile
    ref = os.path.join(c.work, "tmpdir-ref")
    p = run(c, "-o", ref, c.small)
    if not CHECKS.ok(p.returncode == 0, "1b small export runs with room", err_text(p)):
        return
    with zipfile.ZipFile(os.path.join(ref, "return.xlsx")) as z:
        biggest = max(i.file_size for i in z.infolist())
    mnt = os.path.join(c.work, "tmpdir-full")
    os.makedirs(mnt, exist_ok=True)
    out = os.path.join(c.work, "tmpdir-full-out")
    try:
        for label, size in (("sheet data", 16 * PAGE), ("package parts", pages(biggest * 14 // 10) * PAGE)):
            label = "1b TMPDIR full (%s, %dk)" % (label, size // 1024)
            umount(c, mnt)
            e = mount(c, "-t", "tmpfs", "-o", "size=%d,mode=1777" % size, "tmpfs", mnt)
            if e:
                if cannot_mount(e):
                    skip("1b TMPDIR full", "cannot mount tmpfs: %s" % e)
                else:
                    CHECKS.ok(False, "1b mount tmpfs", e)
                return
            shutil.rmtree(out, ignore_errors=True)
            p = run(c, "-o", out, SAMPLE)
            CHECKS.ok(p.returncode == 0, "%s: previous return" % label, err_text(p))
            prev = everything(out)
            p = run(c, "-o", out, c.small, env=dict(c.env, TMPDIR=mnt))
            msg = own_error(p)
            print("     %s: exit %d %s" % (label, p.returncode, msg), flush=True)
            if p.returncode == 0:
                # acceptable only if the workbook really is complete
                bad = bad_xml_parts(os.path.join(out, "return.xlsx"))
                CHECKS.ok(not bad,
                          "%s: exit 0 only with a complete workbook (else 74, previous kept)" % label,
                          "exit 0 but return.xlsx has %d empty/truncated parts: %s; the previous return was replaced"
                      % (len(bad), ", ".join(bad[:4])))
            else:
                CHECKS.ok(p.returncode == 74, "%s: exit 74" % label, "exit %d: %s" % (p.returncode, msg))
                CHECKS.ok(len(msg.splitlines()) == 1 and "return.xlsx" in msg,
                          "%s: one-line error naming the workbook" % label,
                          msg)
                CHECKS.ok(everything(out) == prev,
                          "%s: previous return byte-identical" % label,
                          str(listing(out)))
            CHECKS.ok(not temps(out), "%s: no temporaries left in DIR" % label, str(temps(out)))
            CHECKS.ok(not listing(mnt), "%s: TMPDIR left empty" % label, str(listing(mnt)))
    finally:
        umount(c, mnt)


# ---- case 2: read-only directory -----------------------------------------

def case_read_only(c):
    print("-- 2 read-only directory", flush=True)
    src = os.path.join(c.work, "ro-src")
    dst = os.path.join(c.work, "ro")
    rot = os.path.join(c.work, "ro-tmpfs")
    os.makedirs(dst, exist_ok=True)
    os.makedirs(rot, exist_ok=True)
    try:
        p = run(c, "-o", src, SAMPLE)
        CHECKS.ok(p.returncode == 0, "2 previous return", err_text(p))
        e = mount(c, "--bind", src, dst)
        if e:
            if cannot_mount(e):
                skip("2 read-only bind mount", "cannot mount: %s" % e)
                return
            CHECKS.ok(False, "2 bind mount", e)
            return
        e = mount(c, "-o", "remount,bind,ro", dst)
        if not CHECKS.ok(e is None, "2 remount read-only", e or ""):
            return
        prev = everything(dst)
        p = run(c, "-o", dst, c.small)
        msg = err_text(p)
        CHECKS.ok(p.returncode == 73, "2 ro bind: exit 73", "exit %d: %s" % (p.returncode, msg))
        CHECKS.ok(len(msg.splitlines()) == 1 and dst in msg,
                  "2 ro bind: one-line error naming the directory",
                  msg)
        CHECKS.ok(everything(dst) == prev, "2 ro bind: previous return byte-identical", str(listing(dst)))
        p = run(c, "-o", os.path.join(dst, "sub", "dir"), SAMPLE)
        CHECKS.ok(p.returncode == 73,
                  "2 ro bind, new subdirectory: exit 73",
                  "exit %d: %s" % (p.returncode, err_text(p)))
        CHECKS.ok(everything(dst) == prev, "2 ro bind, new subdirectory: nothing created", str(listing(dst)))
        umount(c, dst)
        CHECKS.ok(everything(src) == prev, "2 source directory unchanged", str(listing(src)))

        e = mount(c, "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", rot)
        if e:
            if cannot_mount(e):
                skip("2 read-only tmpfs", "cannot mount tmpfs: %s" % e)
            else:
                CHECKS.ok(False, "2 mount ro tmpfs", e)
            return
        p = run(c, "-o", rot, SAMPLE)
        msg = err_text(p)
        CHECKS.ok(p.returncode == 73, "2 ro tmpfs: exit 73", "exit %d: %s" % (p.returncode, msg))
        CHECKS.ok(len(msg.splitlines()) == 1 and rot in msg,
                  "2 ro tmpfs: one-line error naming the directory",
                  msg)
        CHECKS.ok(listing(rot) == [], "2 ro tmpfs: nothing written", str(listing(rot)))
    finally:
        umount(c, dst)
        umount(c, rot)


# ---- case 3: SIGKILL ------------------------------------------------------

def wait_for(proc, d, pred):
    """Poll d until pred(names) holds or proc exits; returns the listing then, or
    None if proc ended first."""
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            names = []
        if pred(names):
            return names
        time.sleep(0.001)
    return None


def kill_once(c, label, d, trigger, delay):
    """Start esrpipe on the medium export into d, wait for trigger(names,
    pid), sleep delay, SIGKILL. Returns (names at the kill, pid) or None."""
    proc = subprocess.Popen([c.esrpipe, "run", "-q", "-o", d, c.medium], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=c.env)

    def staged():
        out = []
        for s in stagings(d):
            out += listing(s) or []
        return out
    try:
        names = wait_for(proc, d, lambda ns: trigger(staged()))
        if names is not None and delay:
            time.sleep(delay)
        if proc.poll() is not None:
            return None
        names = sorted(staged())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            return None
        return names, proc.pid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def case_kill(c):
    print("-- 3 SIGKILL", flush=True)
    d = os.path.join(c.work, "kill")
    p = run(c, "-o", d, SAMPLE)
    if not CHECKS.ok(p.returncode == 0, "3 previous return", err_text(p)):
        return
    ref = finals(d)
    rng = random.Random(c.seed)
    phases = [
        # (label, trigger on this pid's temporaries (name without prefix), delay)
        ("while reading (random moment)", lambda ts: "records.csv" in ts, None),
        ("while building the sheets", lambda ts: "summary.csv" in ts, 0),
        ("while the workbook is written", lambda ts: "return.xlsx" in ts, 0),
    ]
    for label, trigger, delay in phases:
        prev = finals(d)
        got = None
        for attempt in range(4):
            dl = delay
            if dl is None:   # a random moment of the reading phase; shorter on a retry
                dl = rng.uniform(0.0, 0.8) / (2 ** attempt)
            got = kill_once(c, label, d, trigger, dl)
            if got:
                break
            # the run finished before the kill: its new return is now the previous one
            print("     (run ended before the kill; retrying)", flush=True)
            prev = finals(d)
        if not CHECKS.ok(got is not None,
                         "3 killed %s" % label,
                         "esrpipe finished every time before the kill"):
            continue
        names, pid = got
        print("     killed pid %d with %s staged" % (pid, ",".join(names) or "nothing"), flush=True)
        CHECKS.ok(finals(d) == prev and listing(d) == sorted(FILES),
                  "3 %s: the five files are the previous return, byte-identical, nothing else" % label,
                  str(listing(d)))
        left = stagings(d)
        CHECKS.ok(len(left) == 1,
                  "3 %s: the killed run's staging directory is left beside DIR (to be swept)" % label,
                  str(temps(d)))
        # libxlsxwriter (tmpfileplus) creates TMPDIR/tmp.XXXXXXXXXX with O_EXCL
        # and unlinks it at once, so its data never outlives the process; a
        # kill between those two calls (hit now and then while the workbook
        # is zipped, one temporary per part) leaves that name behind, empty.
        # esrpipe cannot sweep it. Tolerated, reported; anything else fails.
        stray = listing(c.tmpdir)
        big = [n for n in stray if not (n.startswith("tmp.") and len(n) == 14 and
                                        os.path.getsize(os.path.join(c.tmpdir, n)) == 0)]
        if stray and not big:
            print("     note: kill between libxlsxwriter's open and unlink left empty %s in TMPDIR"
                  % ", ".join(stray), flush=True)
        CHECKS.ok(not big,
                  "3 %s: no data left in TMPDIR (libxlsxwriter unlinks its temporaries on open)" % label,
                  str(stray))
        for n in stray:
            os.unlink(os.path.join(c.tmpdir, n))
        p = run(c, "-o", d, SAMPLE)
        CHECKS.ok(p.returncode == 0, "3 %s: next run succeeds" % label, err_text(p))
        CHECKS.ok(not temps(d), "3 %s: next run swept the temporaries" % label, str(temps(d)))
        ok, why = complete_return(d, ref)
        CHECKS.ok(ok, "3 %s: next run left a complete new return" % label, why)
    # a staging directory is swept only by the lock's holder: one whose run
    # holds the lock (here: this process) survives another run, which waits
    import fcntl
    parent, base = os.path.split(os.path.normpath(d))
    live = os.path.join(parent, ".%s.esrpipe-live00" % base)
    os.makedirs(live)
    open(os.path.join(live, ".esrpipe-staging"), "wb").close()
    with open(os.path.join(parent, ".%s.esrpipe.lock" % base), "a+") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        p = run(c, "-o", d, SAMPLE)
        CHECKS.ok(p.returncode == 75 and os.path.isdir(live),
                  "3 a staging directory of a run holding the lock survives another run (75)",
                  "exit %d: %s" % (p.returncode, err_text(p)))
    p = run(c, "-o", d, SAMPLE)
    CHECKS.ok(p.returncode == 0 and not os.path.exists(live) and not temps(d),
              "3 once the lock is free, the next run sweeps it", "%s %s" % (err_text(p), temps(d)))


# ---- case 4: rename order -------------------------------------------------

def case_rename_order(c):
    """Guarantee: the whole return (every file, and with --split-by-org every
    organisation's directory) is published by ONE rename: renameat2 with
    RENAME_EXCHANGE of the staging directory and DIR, or on the first run one
    rename of the staging directory to DIR. A reader opening DIR sees the old
    return or the new one, never a mix. Checked by strace when available;
    the kill-at-every-step proof is in commit.py."""
    print("-- 4 one rename publishes the return", flush=True)
    d = os.path.join(c.work, "order")
    if not shutil.which("strace"):
        skip("4 one rename by strace", "strace not installed")
        return
    log = os.path.join(c.work, "strace.log")
    split = os.path.join(c.work, "order-split")
    for args, label, target, exch in (([d, SAMPLE], "first run", d, False),
                                      ([d, SAMPLE], "one return", d, True),
                                      ([split, "--split-by-org", SAMPLE], "--split-by-org, first", split, False),
                                      ([split, "--split-by-org", SAMPLE], "--split-by-org", split, True)):
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=rename,renameat,renameat2", "-o", log,
                            c.esrpipe, "run", "-q", "-o"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=c.env, timeout=RUN_TIMEOUT)
        if p.returncode != 0 and b"ptrace" in p.stderr:
            skip("4 one rename by strace", "ptrace not permitted")
            return
        calls = []
        with open(log) as f:
            for line in f:
                if "rename" in line and "= 0" in line:
                    parts = line.split('"')
                    if len(parts) >= 4:
                        calls.append((parts[3], "RENAME_EXCHANGE" in line))
        CHECKS.ok(p.returncode == 0 and calls == [(target, exch)],
                  "4 %s: one %s publishes everything" % (label, "RENAME_EXCHANGE" if exch else "rename"),
                  "exit %d, renames %s" % (p.returncode, calls))
        CHECKS.ok(not temps(target), "4 %s: nothing left beside or in DIR" % label, str(temps(target)))


# ---- case 5: unwritable parent -------------------------------------------

def case_unwritable_parent(c):
    print("-- 5 unwritable parent", flush=True)
    p = run(c, "-o", "/dev/null/x", SAMPLE)
    msg = err_text(p)
    CHECKS.ok(p.returncode == 73, "5 -o /dev/null/x: exit 73", "exit %d: %s" % (p.returncode, msg))
    CHECKS.ok(len(msg.splitlines()) == 1 and "/dev/null/x" in msg,
              "5 -o /dev/null/x: one-line error naming it",
              msg)
    CHECKS.ok(os.path.exists("/dev/null") and not os.path.isdir("/dev/null"),
              "5 /dev/null still the null device")
    base = os.path.join(c.work, "parent")
    os.makedirs(base)
    afile = os.path.join(base, "a-file")
    with open(afile, "wb") as f:
        f.write(b"x")
    before = everything(base)
    p = run(c, "-o", os.path.join(afile, "out"), SAMPLE)
    CHECKS.ok(p.returncode == 73, "5 -o FILE/out: exit 73", "exit %d: %s" % (p.returncode, err_text(p)))
    p = run(c, "-o", os.path.join(afile, "x", "y"), SAMPLE)
    CHECKS.ok(p.returncode == 73, "5 -o FILE/x/y: exit 73", "exit %d: %s" % (p.returncode, err_text(p)))
    CHECKS.ok(everything(base) == before, "5 nothing created next to or under the file", str(listing(base)))


# ---- case 6: failing run leaves no new directory -------------------------

def case_no_empty_dir(c):
    print("-- 6 a failing run leaves no new directory", flush=True)
    base = os.path.join(c.work, "fresh")
    os.makedirs(base)
    empty = os.path.join(c.work, "empty_2026-03-31.csv")
    open(empty, "wb").close()
    bad = os.path.join(c.work, "bad_2026-03-31.csv")   # read after the directory exists
    with open(bad, "w") as f:
        f.write("Employee Number,Job Title\n1,Physio Assistant\n")
    for inp, what in ((empty, "empty input"), (bad, "input without an FTE column")):
        for rel in ("out", "new/parents/out", "trailing/slash/"):
            out = os.path.join(base, rel)
            p = run(c, "-o", out, inp)
            CHECKS.ok(p.returncode == 65,
                      "6 %s, -o fresh %s: exit 65" % (what, rel),
                      "exit %d: %s" % (p.returncode, err_text(p)))
            CHECKS.ok(listing(base) == [],
                      "6 %s, -o fresh %s: nothing created" % (what, rel),
                      "left %s" % sorted(os.path.relpath(os.path.join(r, x), base)
                                     for r, ds, fs in os.walk(base) for x in ds + fs))
            shutil.rmtree(base)
            os.makedirs(base)
    # a directory that existed stays
    keep = os.path.join(base, "existing")
    os.makedirs(keep)
    p = run(c, "-o", keep, bad)
    CHECKS.ok(p.returncode == 65 and listing(keep) == [],
              "6 existing empty directory is kept on failure",
              str(listing(base)))


# ---- main -----------------------------------------------------------------

def gen(out, *args):
    p = subprocess.run([PY, GEN, "--out", out] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode:
        raise SystemExit("gen_export failed: %s" % p.stderr.decode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--workdir", help="scratch directory (default: a new one in the system temp dir)")
    ap.add_argument("--seed", type=int, default=None, help="random kill moment (default: from the clock)")
    a = ap.parse_args()
    c = Ctx()
    c.esrpipe = os.path.abspath(a.esrpipe)
    c.seed = a.seed if a.seed is not None else int(time.time())
    c.mounts = []
    started = time.monotonic()
    if a.workdir:
        os.makedirs(a.workdir, exist_ok=True)
        c.work = tempfile.mkdtemp(prefix="faults-", dir=a.workdir)
    else:
        c.work = tempfile.mkdtemp(prefix="esrpipe-faults-")
    # a private TMPDIR: libxlsxwriter's temporaries land there, so "none left
    # behind" is checked without interference from anything else in /tmp
    c.tmpdir = os.path.join(c.work, "tmpdir")
    os.makedirs(c.tmpdir)
    c.env = dict(os.environ, TMPDIR=c.tmpdir)
    print("seed %d, workdir %s" % (c.seed, c.work), flush=True)
    try:
        c.small = os.path.join(c.work, "esr_small_2026-03-31.csv")
        c.medium = os.path.join(c.work, "esr_medium_2026-03-31.csv")
        gen(c.small, "--scale", "0.05")
        gen(c.medium, "--rows", "200000")
        for case in (case_unwritable_parent, case_no_empty_dir, case_rename_order, case_read_only,
                     case_disk_full, case_tmpdir_full, case_kill):
            try:
                case(c)
            except Exception as e:   # a crashed case is a failed case, the rest still run
                CHECKS.ok(False, "%s raised" % case.__name__, "%s: %s" % (type(e).__name__, e))
            finally:
                umount_all(c)
    finally:
        umount_all(c)
        if c.mounts:
            print("warning: still mounted, not removing %s: %s" % (c.work, c.mounts))
        else:
            shutil.rmtree(c.work, ignore_errors=True)
    print("took %.1f s" % (time.monotonic() - started))
    if skips:
        print("%d skipped" % len(skips))
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
