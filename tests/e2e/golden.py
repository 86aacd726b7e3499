#!/usr/bin/env python3
"""Golden end-to-end test: run esrpipe on a fixture, compare outputs byte for byte.

A case is a folder fixtures/golden/<case>/ holding `cmd` (esrpipe arguments,
one per line, relative to the repository root; {out} is the output folder)
and `expected/` (the outputs as accepted). On a difference the test fails
with a readable diff: for records.csv which input rows changed and from what
to what; for summary.csv which cells moved.

    tests/e2e/golden.py --esrpipe build/esrpipe --case fixtures/golden/sample
    tests/e2e/golden.py --esrpipe build/esrpipe --accept fixtures/golden/*   # accept new outputs
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def strip_timings(data):
    return b"\n".join(l for l in data.split(b"\n") if b'"timings_ms"' not in l)


def outputs_problems(out, rel):
    """Where run.json out/rel's "outputs" list disagrees with the files
    beside it: every file under its directory but itself, with size and
    SHA-256, sorted by name ([] when it agrees)."""
    import hashlib
    import json
    base = os.path.join(out, os.path.dirname(rel))
    with open(os.path.join(out, rel), "rb") as f:
        listed = json.loads(f.read().decode("utf-8")).get("outputs")
    if listed is None:
        return ["%s: no \"outputs\"" % rel]
    bad = []
    names = [o["file"] for o in listed]
    if names != sorted(names):
        bad.append("%s: outputs not sorted by file" % rel)
    present = set()
    for dirpath, _, files in os.walk(base):
        for fn in files:
            present.add(os.path.relpath(os.path.join(dirpath, fn), base))
    present.discard("run.json")
    if set(names) != present:
        bad.append("%s: outputs list %s, directory has %s" % (rel, sorted(names), sorted(present)))
    for o in listed:
        p = os.path.join(base, o["file"])
        if os.path.isfile(p):
            data = open(p, "rb").read()
            if len(data) != o["bytes"] or hashlib.sha256(data).hexdigest() != o["sha256"]:
                bad.append("%s: %s has other bytes than listed" % (rel, o["file"]))
    return bad


def rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def diff_records(old, new):
    key = lambda r: (r.get("source_file", ""), r.get("source_line", ""))
    a = {key(r): r for r in rows(old)}
    b = {key(r): r for r in rows(new)}
    out = []
    for k in sorted(set(a) | set(b), key=lambda k: (k[0], int(k[1] or 0))):
        where = "%s:%s" % k
        if k not in b:
            out.append("  %s: no longer in the return (was %s / %s)" % (where, a[k].get("profession_supported"), a[k].get("support_role")))
        elif k not in a:
            out.append("  %s: now in the return as %s / %s" % (where, b[k].get("profession_supported"), b[k].get("support_role")))
        else:
            ch = ["%s: %r -> %r" % (c, a[k].get(c), b[k].get(c)) for c in b[k] if a[k].get(c) != b[k].get(c)]
            if ch:
                out.append("  %s (%s): %s" % (where, b[k].get("position_title", ""), "; ".join(ch)))
    return out


def diff_summary(old, new):
    key = lambda r: (r["org_code"], r["dimension"], r["profession"], r["support_role"], r["key"])
    a = {key(r): (r["fte"], r["headcount"]) for r in rows(old)}
    b = {key(r): (r["fte"], r["headcount"]) for r in rows(new)}
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append("  %s: fte,headcount %s -> %s" % ("/".join(k), a.get(k, "(none)"), b.get(k, "(none)")))
    return out


def run_case(esrpipe, case, accept):
    with open(os.path.join(case, "cmd")) as f:
        args = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    expected_dir = os.path.join(case, "expected")
    tmp = tempfile.mkdtemp(prefix="esrpipe-golden-")
    out = os.path.join(tmp, "out")
    try:
        argv = [esrpipe] + [a.replace("{out}", out) for a in args]
        p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        want_rc = int(open(os.path.join(case, "exit")).read()) if os.path.exists(os.path.join(case, "exit")) else 0
        if p.returncode != want_rc:
            print("FAIL %s: exit %d, expected %d\n%s" % (case, p.returncode, want_rc, p.stderr.decode()))
            return False
        if accept:
            shutil.rmtree(expected_dir, ignore_errors=True)
            shutil.copytree(out, expected_dir)
            for dirpath, _, fns in os.walk(expected_dir):  # timings are not part of the result
                for fn in fns:
                    if fn == "run.json":
                        p = os.path.join(dirpath, fn)
                        data = open(p, "rb").read()
                        open(p, "wb").write(b"\n".join(b'  "timings_ms": {"total": 0}' if b'"timings_ms"' in l else l
                                                       for l in data.split(b"\n")))
            print("accepted %s (%d files)" % (case, len(os.listdir(expected_dir))))
            return True
        ok = True
        got_files = set()
        for dirpath, _, files in os.walk(out):
            for fn in files:
                got_files.add(os.path.relpath(os.path.join(dirpath, fn), out))
        want_files = set()
        for dirpath, _, files in os.walk(expected_dir):
            for fn in files:
                want_files.add(os.path.relpath(os.path.join(dirpath, fn), expected_dir))
        if got_files != want_files:
            print("FAIL %s: files differ: missing %s, unexpected %s" % (case, sorted(want_files - got_files), sorted(got_files - want_files)))
            ok = False
        for rel in sorted(f for f in got_files if f.endswith("run.json")):
            for msg in outputs_problems(out, rel):
                print("FAIL %s: %s" % (case, msg))
                ok = False
        for rel in sorted(want_files & got_files):
            a = open(os.path.join(expected_dir, rel), "rb").read()
            b = open(os.path.join(out, rel), "rb").read()
            if rel.endswith("run.json"):
                a, b = strip_timings(a), strip_timings(b)
            if a == b:
                continue
            ok = False
            print("FAIL %s: %s differs from the accepted output" % (case, rel))
            if rel.endswith("records.csv"):
                print("\n".join(diff_records(a, b)[:200]))
            elif rel.endswith("summary.csv"):
                print("\n".join(diff_summary(a, b)[:200]))
            elif not rel.endswith(".xlsx"):
                import difflib
                print("".join(difflib.unified_diff(a.decode(errors="replace").splitlines(True),
                                                   b.decode(errors="replace").splitlines(True),
                                                   "expected/" + rel, "got/" + rel, n=1)))
        if not ok:
            print("If the change is intended, accept it with:\n"
                  "  tests/e2e/golden.py --esrpipe build/esrpipe --accept %s" % os.path.relpath(case, ROOT))
        return ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--accept", action="store_true")
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    esrpipe = os.path.abspath(a.esrpipe)
    cases = [os.path.abspath(c) for c in a.case + a.cases]
    results = [run_case(esrpipe, c, a.accept) for c in cases]
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
