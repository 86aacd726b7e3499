#!/usr/bin/env python3
"""One whole return or none (issue 15 items 1, 2 and 4).

A return is consistent when every file run.json's "outputs" lists has that
size and SHA-256, no return file is present unlisted, and all files come
from one run (byte-identical to that run's reference outputs).

  overlap      PAIRS overlapping run pairs into one DIR (half --wait 0: one
               may get 75; half --wait 60: both succeed), 10 overlapping
               consolidate pairs: every resulting return consistent
  pid ns       10 runs, each PID 1 in its own PID namespace (unshare --pid
               --fork), at once into one DIR: with --wait 0 the losers exit 75
               naming "pid 1", with --wait all succeed; consistent, no
               leftovers (skipped, said, if unshare is not permitted)
  lock         second run (and consolidate) exits 75 with --wait 0, naming
               the holder's pid and host; succeeds with --wait long enough
  every step   ESRPIPE_FAULT kill and fail at every step of the publish (the
               swap, the fallback file by file, the first run's rename):
               DIR holds the previous return or the new one, consistent,
               the user's own files in DIR survive, the next run cleans up
  arriving     an export (and a training file) growing while read: 65,
               naming the file; a complete one: run.json's bytes and sha256
               are the file's
  tampered     consolidate refuses (65, naming the file) a return with a
               changed, swapped, missing or unlisted file; a return written
               before run.json listed its outputs is used with a warning

    commit.py --esrpipe BUILD/esrpipe [--pairs 50]
"""
import argparse
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from checks import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "fixtures/sample/esr_sample_2026-03-31.csv")
TRAINING = os.path.join(ROOT, "fixtures/sample/esr_training_2026-03-31.csv")
GEN = os.path.join(ROOT, "tests/gen/gen_export.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
KNOWN = ("return.xlsx", "records.csv", "summary.csv", "rejects.csv")
CHECKS = Checks(verbose=True)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def problems(d):
    """Why d is not a consistent return ([] if it is)."""
    try:
        with open(os.path.join(d, "run.json"), encoding="utf-8") as f:
            rj = json.load(f)
    except (OSError, ValueError) as e:
        return ["run.json: %s" % e]
    outs = rj.get("outputs")
    if not isinstance(outs, list) or not outs:
        return ["run.json has no outputs"]
    bad = []
    names = [o["file"] for o in outs]
    if names != sorted(names):
        bad.append("outputs not sorted by file")
    for o in outs:
        p = os.path.join(d, o["file"])
        if not os.path.isfile(p):
            bad.append("%s missing" % o["file"])
        elif os.path.getsize(p) != o["bytes"] or sha(p) != o["sha256"]:
            bad.append("%s differs from run.json" % o["file"])
    for n in KNOWN:
        if os.path.exists(os.path.join(d, n)) and n not in names:
            bad.append("%s present but not listed" % n)
    return bad


def leftovers(d):
    """esrpipe's leftovers: staging directories and lock file beside d,
    .esrpipe-* entries in it."""
    d = os.path.normpath(d)
    parent, base = os.path.split(d)
    out = [n for n in os.listdir(parent) if n.startswith(".%s.esrpipe" % base)]
    if os.path.isdir(d):
        out += [n for n in os.listdir(d) if n.startswith(".esrpipe")]
    return out


def snapshot(d, skip=("run.json",)):
    """Every file under d (relative path -> bytes) but run.json and the
    .esrpipe-staging marker a run killed right after publishing leaves
    (not part of the return; the next run removes it)."""
    out = {}
    for dirpath, _, files in os.walk(d):
        for fn in files:
            rel = os.path.relpath(os.path.join(dirpath, fn), d)
            if fn not in skip and fn != ".esrpipe-staging":
                with open(os.path.join(dirpath, fn), "rb") as f:
                    out[rel] = f.read()
    return out


def esrpipe(c, *args, env=None, wait=True):
    cmd = [c.esrpipe] + list(args)
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=600)


def finish(p):
    _, err = p.communicate(timeout=600)
    return p.returncode, err.decode("utf-8", "replace").strip()


# ---- overlapping pairs --------------------------------------------------

def reference(c, name, *args):
    d = os.path.join(c.work, "ref-" + name)
    p = esrpipe(c, "run", "-q", "-o", d, *args)
    assert p.returncode == 0, p.stderr
    return snapshot(d)


def which_run(d, refs):
    """The reference d's files are all from, or None (a mix)."""
    got = snapshot(d)
    for name, ref in refs.items():
        if got == ref:
            return name
    return None


def read_via_dirfd(d):
    """Read the return in d as a careful reader does: open d once, every
    file relative to it. 'consistent', 'mixed', 'vanished' (the old tree
    removed under the reader: none, not a mix) or 'absent'."""
    try:
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return "absent"
    try:
        def read(name):
            f = os.open(name, os.O_RDONLY, dir_fd=fd)
            try:
                chunks = []
                while True:
                    b = os.read(f, 1 << 20)
                    if not b:
                        return b"".join(chunks)
                    chunks.append(b)
            finally:
                os.close(f)
        rj = json.loads(read("run.json"))
        for o in rj["outputs"]:
            b = read(o["file"])
            if len(b) != o["bytes"] or hashlib.sha256(b).hexdigest() != o["sha256"]:
                return "mixed"
        return "consistent"
    except (FileNotFoundError, ValueError):
        return "vanished"
    finally:
        os.close(fd)


def readers(c, d, stop, tally):
    """While stop is unset, read d through a directory fd and with
    esrpipe consolidate (its own reader), counting what each saw."""
    reg = os.path.join(c.work, "reader-region")
    m = os.path.join(ROOT, "mappings")
    n = 0
    while not stop.is_set():
        r = read_via_dirfd(d)
        tally[r] = tally.get(r, 0) + 1
        n += 1
        time.sleep(0.005)
        if n % 20 == 0 and r != "absent":
            p = esrpipe(c, "consolidate", "-q", "--wait", "60", "-m", m, "-o", reg, d)
            k = "consolidate %d" % p.returncode
            if p.returncode == 0 and problems(reg):
                k = "consolidate 0 but inconsistent"
            tally[k] = tally.get(k, 0) + 1
            if p.returncode:
                tally.setdefault("consolidate errors", []).append(p.stderr.decode().strip()[:300])


def case_overlap(c):
    print("-- overlapping runs into one DIR, with readers", flush=True)
    refs = {"A": reference(c, "A", c.small), "B": reference(c, "B", SAMPLE)}
    d = os.path.join(c.work, "overlap")
    mixed = busy = waited = 0
    stop, tally = threading.Event(), {}
    reader = threading.Thread(target=readers, args=(c, d, stop, tally))
    reader.start()
    try:
        mixed, busy, waited = overlap_pairs(c, d, refs)
    finally:
        stop.set()
        reader.join()
    CHECKS.ok(mixed == 0, "%d overlapping run pairs: every return consistent and from one run "
              "(%d pairs with --wait 0: %d exits 75; %d with --wait 60: all 0)"
              % (c.pairs, c.pairs - waited, busy, waited), "%d mixed" % mixed)
    CHECKS.ok(busy > 0, "the --wait 0 pairs overlapped (some second run found the lock held)", busy)
    errs = tally.pop("consolidate errors", [])
    CHECKS.ok(tally.get("mixed", 0) == 0 and tally.get("consistent", 0) > 0,
              "readers during the publishes (dirfd reads and consolidate): never a mix: %s"
              % json.dumps(tally, sort_keys=True), errs[:3])
    CHECKS.ok(not any(k.startswith("consolidate") and k != "consolidate 0" for k in tally),
              "consolidate reading the return while it is republished: always a consistent result (exit 0)",
              "%s %s" % (tally, errs[:3]))
    overlap_consolidate(c)


def overlap_pairs(c, d, refs):
    """PAIRS overlapping run pairs into d; (mixed, exits 75, pairs with a wait)."""
    mixed = busy = waited = 0
    for i in range(c.pairs):
        wait = "0" if i % 2 == 0 else "60"
        first, second = (c.small, SAMPLE) if i % 4 < 2 else (SAMPLE, c.small)
        ps = [esrpipe(c, "run", "-q", "--wait", wait, "-o", d, x, wait=False) for x in (first, second)]
        res = [finish(p) for p in ps]
        codes = sorted(r[0] for r in res)
        busy += codes.count(75)
        ok_codes = codes in ([0, 0], [0, 75]) if wait == "0" else codes == [0, 0]
        who = which_run(d, refs)
        bad = problems(d)
        mixed += who is None or bool(bad)
        waited += wait != "0"
        if not (ok_codes and who and not bad and not leftovers(d)):
            CHECKS.ok(False, "pair %d (--wait %s): consistent return" % (i, wait),
                      "exits %s, from %s, %s, leftovers %s, %s" % (codes, who, bad, leftovers(d), res))
    return mixed, busy, waited


def overlap_consolidate(c):
    """Overlapping consolidate pairs: two different sets of returns into one regional DIR."""
    split = os.path.join(c.work, "split")
    p = esrpipe(c, "run", "-q", "--split-by-org", "--max-reject-rate", "100", "-o", split, c.multi)
    orgs = sorted(x for x in os.listdir(split) if os.path.isdir(os.path.join(split, x)))
    if not CHECKS.ok(p.returncode == 0 and len(orgs) >= 2, "split run for consolidation", p.stderr):
        return
    m = os.path.join(ROOT, "mappings")
    sets = {"X": [os.path.join(split, orgs[0])], "Y": [os.path.join(split, orgs[1])]}
    crefs = {}
    for k, dirs in sets.items():
        out = os.path.join(c.work, "cref-" + k)
        p = esrpipe(c, "consolidate", "-q", "-m", m, "-o", out, *dirs)
        if not CHECKS.ok(p.returncode == 0, "consolidate reference %s" % k, p.stderr):
            return
        crefs[k] = snapshot(out)
    reg = os.path.join(c.work, "region")
    bad_pairs = 0
    for i in range(c.cons_pairs):
        ps = [esrpipe(c, "consolidate", "-q", "--wait", "60", "-m", m, "-o", reg, *sets[k], wait=False)
              for k in (("X", "Y") if i % 2 else ("Y", "X"))]
        res = [finish(p) for p in ps]
        if not ([r[0] for r in res] == [0, 0] and which_run(reg, crefs) and not problems(reg)
                and not leftovers(reg)):
            bad_pairs += 1
            print("     consolidate pair %d: %s %s" % (i, res, problems(reg)), flush=True)
    CHECKS.ok(bad_pairs == 0, "%d overlapping consolidate pairs: every regional return consistent"
              % c.cons_pairs, bad_pairs)


# ---- PID namespaces -------------------------------------------------------

def case_pid_namespaces(c):
    print("-- runs as PID 1 in their own PID namespaces", flush=True)
    probe = subprocess.run(["unshare", "--pid", "--fork", "sh", "-c", "echo $$"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if probe.returncode != 0 or probe.stdout.strip() != b"1":
        print("skipped: unshare --pid --fork not permitted here (%s); the staging names are "
              "mkdtemp's, never the pid (test_outdir)" % probe.stderr.decode().strip(), flush=True)
        return
    refs = {"A": reference(c, "A", c.small), "B": reference(c, "B", SAMPLE)}
    d = os.path.join(c.work, "pidns")
    for wait in ("0", "120"):
        ps = [subprocess.Popen(["unshare", "--pid", "--fork", c.esrpipe, "run", "-q", "--wait", wait, "-o", d,
                                c.small if i % 2 else SAMPLE], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
              for i in range(10)]
        res = [finish(p) for p in ps]
        codes = [r[0] for r in res]
        who = which_run(d, refs)
        if wait == "0":
            named = all("pid 1 on host " in e for rc, e in res if rc == 75)
            CHECKS.ok(codes.count(0) >= 1 and codes.count(0) + codes.count(75) == 10 and named,
                      "10 PID-1 runs at once, --wait 0: %d written, %d exit 75 naming the holder as pid 1"
                      % (codes.count(0), codes.count(75)), res)
        else:
            CHECKS.ok(codes == [0] * 10, "10 PID-1 runs at once, --wait 120: all written one after another",
                      res)
        CHECKS.ok(who is not None and not problems(d) and not leftovers(d),
                  "PID-1 runs (--wait %s): the return is consistent, from one run, nothing left over" % wait,
                  "%s %s %s" % (who, problems(d), leftovers(d)))


# ---- the lock -------------------------------------------------------------

def wait_lock(lock, proc):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(lock) as f:
                if f.read().startswith("pid "):
                    return True
        except OSError:
            pass
        time.sleep(0.01)
    return False


def case_lock(c):
    print("-- the lock", flush=True)
    d = os.path.join(c.work, "locked")
    p = esrpipe(c, "run", "-q", "-o", d, SAMPLE)
    CHECKS.ok(p.returncode == 0, "previous return", p.stderr)
    before = snapshot(d)
    lock = os.path.join(c.work, ".locked.esrpipe.lock")
    env = dict(os.environ, ESRPIPE_FAULT="staged:sleep2")
    holder = esrpipe(c, "run", "-q", "-o", d, c.small, env=env, wait=False)
    if not CHECKS.ok(wait_lock(lock, holder), "holder took the lock", lock):
        holder.kill()
        return
    t0 = time.monotonic()
    p = esrpipe(c, "run", "-q", "--wait", "0", "-o", d, SAMPLE)
    took = time.monotonic() - t0
    err = p.stderr.decode()
    host = socket.gethostname()
    CHECKS.ok(p.returncode == 75 and "pid %d on host %s" % (holder.pid, host) in err and lock in err
              and "--wait" in err and len(err.strip().splitlines()) == 1 and took < 2,
              "second run, --wait 0: exit 75 at once (%.2f s), naming the holder's pid %d and host %s"
              % (took, holder.pid, host), "exit %d: %s" % (p.returncode, err))
    CHECKS.ok(snapshot(d) == before, "the second run changed nothing")
    p = esrpipe(c, "run", "-q", "--wait", "1", "-o", d, SAMPLE)
    CHECKS.ok(p.returncode == 75 and "after 1 s" in p.stderr.decode(), "--wait 1 shorter than the holder: 75",
              p.stderr)
    p = esrpipe(c, "run", "-q", "--wait", "60", "-o", d, SAMPLE)
    rc, herr = finish(holder)
    CHECKS.ok(rc == 0 and p.returncode == 0 and snapshot(d) == before and not problems(d) and not leftovers(d),
              "--wait 60: waits for the holder, then writes its own return (the last one wins)",
              "holder %d %s; waiter %d %s" % (rc, herr, p.returncode, p.stderr))
    p = esrpipe(c, "run", "-q", "--wait", "soon", "-o", d, SAMPLE)
    CHECKS.ok(p.returncode == 64, "--wait soon: usage error 64", p.stderr)
    # consolidate takes the same lock
    reg = os.path.join(c.work, "locked-region")
    m = os.path.join(ROOT, "mappings")
    holder = esrpipe(c, "consolidate", "-q", "-m", m, "-o", reg, d, env=env, wait=False)
    if CHECKS.ok(wait_lock(os.path.join(c.work, ".locked-region.esrpipe.lock"), holder), "consolidate holds the lock"):
        p = esrpipe(c, "consolidate", "-q", "-m", m, "--wait", "0", "-o", reg, d)
        CHECKS.ok(p.returncode == 75 and ("pid %d" % holder.pid) in p.stderr.decode(),
                  "second consolidate, --wait 0: exit 75 naming the holder", p.stderr)
    rc, herr = finish(holder)
    CHECKS.ok(rc == 0 and not problems(reg) and not leftovers(reg), "first consolidate completes", herr)


# ---- a fault at every step --------------------------------------------------

STEPS = [
    # (step, fallback, published when it fires)
    ("staged", False, False),
    ("exchange", False, False),
    ("exchanged", False, True),
    ("carried", False, True),
    ("removed", False, True),
    ("staged", True, False),
    ("per-file", True, None),   # file by file: a mix, which the checksums expose
]


def case_every_step(c):
    print("-- kill and fail at every step of the publish", flush=True)
    refs = {"A": reference(c, "A", SAMPLE), "B": reference(c, "B", c.small)}
    d = os.path.join(c.work, "steps")
    for step, fallback, published in STEPS:
        for action in ("kill", "fail"):
            label = "%s:%s%s" % (step, action, " (fallback)" if fallback else "")
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(os.path.join(c.work, "ref-A"), d)   # the previous return
            with open(os.path.join(d, "notes.txt"), "w") as f:
                f.write("the user's")
            os.makedirs(os.path.join(d, "archive"))
            with open(os.path.join(d, "archive", "old.csv"), "w") as f:
                f.write("kept")
            spec = "%s:%s" % (step, action) + (",no-exchange" if fallback else "")
            p = esrpipe(c, "run", "-q", "-o", d, c.small, env=dict(os.environ, ESRPIPE_FAULT=spec))
            killed = p.returncode == -9
            if action == "kill":
                CHECKS.ok(killed, "%s: killed" % label, p.returncode)
            else:
                want = 0 if published else 74   # after the swap: published, the rest left to the next run
                CHECKS.ok(p.returncode == want, "%s: exit %d" % (label, want),
                          "%d %s" % (p.returncode, p.stderr))
            who = which_run_keep(d, refs)
            if published is None:
                CHECKS.ok(who is None and problems(d),
                          "%s: stopped mid file-by-file publish: the mix is exposed by run.json's checksums"
                          % label, "%s %s" % (who, problems(d)))
            else:
                want = "B" if published else "A"
                CHECKS.ok(who == want and not problems(d),
                          "%s: DIR holds the %s return, consistent" % (label, "new" if want == "B" else "previous"),
                          "from %s, %s" % (who, problems(d)))
            p = esrpipe(c, "run", "-q", "-o", d, SAMPLE)
            CHECKS.ok(p.returncode == 0 and which_run_keep(d, refs) == "A" and not problems(d)
                      and not leftovers(d) and open(os.path.join(d, "notes.txt")).read() == "the user's"
                      and open(os.path.join(d, "archive", "old.csv")).read() == "kept",
                      "%s: the next run cleans up; the user's files survive" % label,
                      "%d %s %s %s %s" % (p.returncode, p.stderr, problems(d), leftovers(d), sorted(os.listdir(d))))
    # the first run (DIR absent): its one rename
    for action in ("kill", "fail"):
        shutil.rmtree(d, ignore_errors=True)
        p = esrpipe(c, "run", "-q", "-o", d, SAMPLE, env=dict(os.environ, ESRPIPE_FAULT="rename:" + action))
        CHECKS.ok(p.returncode == (-9 if action == "kill" else 74) and not os.path.exists(d),
                  "rename:%s (first run): no DIR at all" % action, p.returncode)
        p = esrpipe(c, "run", "-q", "-o", d, SAMPLE)
        CHECKS.ok(p.returncode == 0 and not problems(d) and not leftovers(d),
                  "rename:%s: the next run publishes, cleans up" % action, p.stderr)


def which_run_keep(d, refs):
    """which_run, ignoring the user's own files the test put in d."""
    got = {k: v for k, v in snapshot(d).items() if k not in ("notes.txt", os.path.join("archive", "old.csv"))}
    for name, ref in refs.items():
        if got == ref:
            return name
    return None


# ---- an input still arriving ----------------------------------------------

def grow_while_read(c, path, data, args, start):
    """Write data[:start] to path, start esrpipe with args, append the rest
    slowly while it runs; its (exit, stderr)."""
    with open(path, "wb") as f:
        f.write(data[:start])
        f.flush()
        p = esrpipe(c, *args, wait=False)
        pos = start
        while p.poll() is None and pos < len(data):
            f.write(data[pos:pos + 2048])
            f.flush()
            pos += 2048
            time.sleep(0.002)
        f.write(data[pos:])
    return finish(p)


def case_arriving(c):
    print("-- a file still arriving", flush=True)
    with open(c.big, "rb") as f:
        data = f.read()
    cut = data.index(b"\n", len(data) // 4) + 1
    path = os.path.join(c.work, "arriving_2026-03-31.csv")
    out = os.path.join(c.work, "arriving-out")
    rc, err = grow_while_read(c, path, data, ["run", "-q", "--max-reject-rate", "100", "-o", out, path], cut)
    CHECKS.ok(rc == 65 and path in err and "changed while being read" in err and "still being copied" in err,
              "an export growing while read: 65 naming it", "%d %s" % (rc, err))
    CHECKS.ok(not os.path.exists(out) and not leftovers(out), "nothing written", leftovers(out))
    # the training file arriving
    with open(TRAINING, "rb") as f:
        tdata = f.read()
    tpath = os.path.join(c.work, "competences_arriving.csv")
    reps = tdata.split(b"\n", 1)
    tbig = reps[0] + b"\n" + reps[1] * 400
    # (the big export keeps the run going while the copy goes on)
    rc, err = grow_while_read(c, tpath, tbig, ["run", "-q", "--max-reject-rate", "100", "--training", tpath,
                                               "-o", out, c.big],
                              tbig.index(b"\n", 1000) + 1)
    CHECKS.ok(rc == 65 and tpath in err and "changed while being read" in err,
              "a training file growing while read: 65 naming it", "%d %s" % (rc, err))
    # complete files: run.json's bytes and sha256 are the file's, plain and gzip
    import gzip
    gz = os.path.join(c.work, "esr_gz_2026-03-31.csv.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(open(SAMPLE, "rb").read()))
    for src in (SAMPLE, gz):
        p = esrpipe(c, "run", "-q", "-o", out, src)
        rj = json.load(open(os.path.join(out, "run.json")))
        i = rj["inputs"][0]
        CHECKS.ok(p.returncode == 0 and i["bytes"] == os.path.getsize(src) and i["sha256"] == sha(src),
                  "%s: run.json bytes %d and sha256 are the file's" % (os.path.basename(src), i["bytes"]),
                  "%s vs %d" % (i, os.path.getsize(src)))


# ---- consolidate refuses a tampered or mixed return -------------------------

def case_tampered(c):
    print("-- consolidate checks each return against its run.json", flush=True)
    m = os.path.join(ROOT, "mappings")
    good = os.path.join(c.work, "good")
    other = os.path.join(c.work, "other")
    p1 = esrpipe(c, "run", "-q", "-o", good, SAMPLE)
    p2 = esrpipe(c, "run", "-q", "--org", "RTH", "-o", other, c.small)
    if not CHECKS.ok(p1.returncode == 0 and p2.returncode == 0, "two returns", p1.stderr + p2.stderr):
        return
    reg = os.path.join(c.work, "tamper-region")
    p = esrpipe(c, "consolidate", "-m", m, "-o", reg, good)
    CHECKS.ok(p.returncode == 0 and b"could not be checked" not in p.stderr, "an intact return: consolidated",
              p.stderr)

    def refused(name, fn, mutate):
        d = os.path.join(c.work, "t-" + name.replace(" ", "-"))
        shutil.copytree(good, d)
        mutate(d)
        out = os.path.join(c.work, "t-out-" + name.replace(" ", "-"))
        p = esrpipe(c, "consolidate", "-m", m, "-o", out, d)
        err = p.stderr.decode()
        CHECKS.ok(p.returncode == 65 and os.path.join(d, fn) in err and not os.path.exists(out),
                  "%s: consolidate exits 65 naming %s, writes nothing" % (name, fn), "%d %s" % (p.returncode, err))

    def flip(d, fn):
        path = os.path.join(d, fn)
        b = bytearray(open(path, "rb").read())
        i = b.rindex(b"1")
        b[i] = ord("2")   # one digit: same size, other figures
        open(path, "wb").write(bytes(b))
    refused("records.csv edited", "records.csv", lambda d: flip(d, "records.csv"))
    refused("summary.csv edited", "summary.csv", lambda d: flip(d, "summary.csv"))
    refused("records.csv from another run", "records.csv",
            lambda d: shutil.copy(os.path.join(other, "records.csv"), os.path.join(d, "records.csv")))
    refused("rejects.csv missing", "rejects.csv", lambda d: os.unlink(os.path.join(d, "rejects.csv")))

    def unlisted(d):
        rj = json.load(open(os.path.join(d, "run.json")))
        rj["outputs"] = [o for o in rj["outputs"] if o["file"] != "return.xlsx"]
        json.dump(rj, open(os.path.join(d, "run.json"), "w"), indent=2)
    refused("return.xlsx not listed", "return.xlsx", unlisted)

    def counts(**delta):
        def edit(d):
            rj = json.load(open(os.path.join(d, "run.json")))
            for k, v in delta.items():
                rj["counts"][k] += v
            json.dump(rj, open(os.path.join(d, "run.json"), "w"), indent=2)
        return edit
    # run.json cannot checksum itself: its counts are checked against the files
    refused("run.json rows_read edited", "run.json", counts(rows_read=5))
    refused("run.json in_scope edited", "records.csv", counts(in_scope=1, rows_read=1))
    refused("run.json rejected edited", "rejects.csv", counts(rejected=1, rows_read=1))
    refused("run.json out_of_scope edited", "out_of_scope.csv", counts(rows_read=2, out_of_scope=2))

    legacy = os.path.join(c.work, "legacy")
    shutil.copytree(good, legacy)
    rj = json.load(open(os.path.join(legacy, "run.json")))
    del rj["outputs"]
    json.dump(rj, open(os.path.join(legacy, "run.json"), "w"), indent=2)
    out = os.path.join(c.work, "legacy-region")
    p = esrpipe(c, "consolidate", "-m", m, "-o", out, legacy)
    err = p.stderr.decode()
    CHECKS.ok(p.returncode == 0 and legacy in err and "lists no \"outputs\"" in err and
              any("could not be checked" in w for w in json.load(open(os.path.join(out, "run.json")))["warnings"]),
              "a return written before run.json listed its outputs: used, with a warning (stderr and run.json)",
              "%d %s" % (p.returncode, err))


def case_split_stale(c):
    print("-- a split run publishes its own organisations only", flush=True)
    d = os.path.join(c.work, "split-stale")
    p = esrpipe(c, "run", "-q", "--split-by-org", "--max-reject-rate", "100", "-o", d, c.multi)
    orgs = sorted(x for x in os.listdir(d) if os.path.isdir(os.path.join(d, x)))
    if not CHECKS.ok(p.returncode == 0 and len(orgs) >= 2, "split run over %d organisations" % len(orgs), p.stderr):
        return
    keep = os.path.join(d, "kept-by-user")
    os.mkdir(keep)
    p = esrpipe(c, "run", "-q", "-o", os.path.join(d, "OWN"), c.small)   # a return the user keeps in DIR
    for fallback in (False, True):
        env = dict(os.environ, ESRPIPE_FAULT="no-exchange") if fallback else None
        p = esrpipe(c, "run", "--split-by-org", "--max-reject-rate", "100", "-o", d, c.small, env=env)
        err = p.stderr.decode()
        mine = list(json.load(open(os.path.join(d, "run.json"))).get("organisations", {}))
        now = sorted(x for x in os.listdir(d) if os.path.isdir(os.path.join(d, x)))
        gone = [o for o in orgs if o not in now]
        CHECKS.ok(p.returncode == 0 and mine and all(o in now for o in mine) and "kept-by-user" in now
                  and "OWN" in now and sorted(gone) == sorted(o for o in orgs if o not in mine)
                  and now == sorted(mine + ["OWN", "kept-by-user"]),
                  "%s: the earlier organisations' returns are gone (%s), the user's entries kept"
                  % ("file-by-file publish" if fallback else "swap", ", ".join(gone)), "%d %s %s" % (p.returncode, now, err))
        CHECKS.ok(all(o in err for o in gone) and "removed the returns" in err,
                  "%s: stderr names the organisations removed" % ("fallback" if fallback else "swap"), err)
        p = esrpipe(c, "run", "-q", "--split-by-org", "--max-reject-rate", "100", "-o", d, c.multi)


# ---- main -----------------------------------------------------------------

def gen(out, *args):
    p = subprocess.run([PY, GEN, "--out", out] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode:
        raise SystemExit("gen_export failed: %s" % p.stderr.decode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--pairs", type=int, default=50)
    a = ap.parse_args()
    c = argparse.Namespace()
    c.esrpipe = os.path.abspath(a.esrpipe)
    c.pairs = a.pairs
    c.cons_pairs = max(4, a.pairs // 5)
    c.work = tempfile.mkdtemp(prefix="esrpipe-commit-")
    started = time.monotonic()
    try:
        c.small = os.path.join(c.work, "esr_small_2026-03-31.csv")
        gen(c.small, "--rows", "400", "--orgs", "1", "--seed", "7")
        c.multi = os.path.join(c.work, "esr_multi_2026-03-31.csv")
        gen(c.multi, "--rows", "1500", "--orgs", "3", "--seed", "8")
        c.big = os.path.join(c.work, "esr_big_2026-03-31.csv")
        gen(c.big, "--rows", "20000", "--orgs", "1", "--seed", "9")
        for case in (case_tampered, case_split_stale, case_lock, case_every_step, case_arriving, case_pid_namespaces,
                     case_overlap):
            t = time.monotonic()
            try:
                case(c)
            except Exception as e:   # a crashed case is a failed case; the rest still run
                CHECKS.ok(False, "%s raised" % case.__name__, "%s: %s" % (type(e).__name__, e))
            print("   (%s: %.1f s)" % (case.__name__, time.monotonic() - t), flush=True)
    finally:
        shutil.rmtree(c.work, ignore_errors=True)
    print("took %.1f s" % (time.monotonic() - started))
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
