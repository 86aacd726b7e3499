#!/usr/bin/env python3
"""Golden end-to-end test: run esrpipe on a fixture, compare outputs byte for byte.

A case is a folder fixtures/golden/<case>/ holding `cmd` (esrpipe arguments,
one per line, relative to the repository root; {out} is the output folder)
and `expected/` (the outputs as accepted). On a difference the test fails
and shows what moved as `esrpipe compare` sees it: the summary cells that
changed (changes.csv) and each assignment's changed fields, joiners and
leavers (moves.csv). The mapping tables' version and checksum are left out
of the comparison: a mapping edit that moves nothing passes every case, and
`--mappings-only` reports the checksum change as one line (its own CTest).

    tests/e2e/golden.py --esrpipe build/esrpipe --case fixtures/golden/sample
    tests/e2e/golden.py --esrpipe build/esrpipe -m my-trust/mappings fixtures/golden/*  # an overlay
    tests/e2e/golden.py --esrpipe build/esrpipe --mappings-only fixtures/golden/*
    tests/e2e/golden.py --esrpipe build/esrpipe --accept fixtures/golden/*   # accept new outputs
"""
import argparse
import csv
import io
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

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


def mapping_ids(data):
    """(version, sha256) of the mapping tables a run.json records."""
    try:
        m = json.loads(data.decode("utf-8")).get("mappings", {})
    except ValueError:
        return None, None
    return m.get("version"), m.get("sha256")


def without_mappings(rel, data, ids):
    """data with the mapping version and checksum (of either run) masked."""
    if rel.endswith("run.json"):
        for v, h in ids:
            if v:
                data = data.replace(b'"version": "%s"' % v.encode(), b'"version": "(mappings)"')
            if h:
                data = data.replace(h.encode(), b"(mapping checksum)")
        # the outputs list is checked against the files themselves
        # (outputs_problems), which are compared one by one; return.xlsx's
        # checksum there moves with the mapping checksum on its Cover
        data = re.sub(rb'"outputs": \[.*?\n  \]', b'"outputs": "(checked against the files)"', data, flags=re.S)
        return strip_timings(data)
    if rel.endswith(".xlsx"):
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = []
        for name in sorted(z.namelist()):
            part = z.read(name)
            for v, h in ids:
                for x in (h, v):
                    if x:
                        part = part.replace(b">%s<" % x.encode(), b">(mappings)<")
            parts.append(name.encode() + b"\0" + part)
        return b"\0\0".join(parts)
    return data


def compare_report(esrpipe, expected_dir, out):
    """What moved, as `esrpipe compare` reports it: cells and moves."""
    tmp = tempfile.mkdtemp(prefix="esrpipe-golden-cmp-")
    try:
        p = subprocess.run([esrpipe, "compare", "-q", "-o", tmp, expected_dir, out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode:
            return ["  (esrpipe compare failed: %s)" % p.stderr.decode(errors="replace").strip()]
        changes = rows(open(os.path.join(tmp, "changes.csv"), "rb").read())
        moves = rows(open(os.path.join(tmp, "moves.csv"), "rb").read())
        lines = ["  %d summary cells changed (changes.csv), %d moves (moves.csv):" % (len(changes), len(moves))]
        for r in changes[:100]:
            lines.append("  cell %s: FTE %s -> %s, headcount %s -> %s" % (
                "/".join([r["org_code"] or "(all)", r["dimension"], r["profession"] or "(all)",
                          r["support_role"] or "(all)"] + ([r["key"]] if r["key"] else [])),
                r["base_fte"], r["new_fte"], r["base_headcount"], r["new_headcount"]))
        for r in moves[:100]:
            lines.append("  move %s %s: %s %r -> %r" % (r["org_code"], r["assignment_number"], r["field"],
                                                       r["base"], r["new"]))
        return lines
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_args(case, mappings):
    """The case's esrpipe arguments, with -m DIR when given."""
    with open(os.path.join(case, "cmd")) as f:
        args = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return args[:1] + ["-m", mappings] + args[1:] if mappings else args


def run_case(esrpipe, case, accept, mappings=None, mappings_only=False):
    args = case_args(case, mappings)
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
        if mappings_only:
            a = open(os.path.join(expected_dir, "run.json"), "rb").read()
            b = open(os.path.join(out, "run.json"), "rb").read()
            return mapping_ids(a), mapping_ids(b)
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
        ids = []
        for d in (expected_dir, out):
            if os.path.exists(os.path.join(d, "run.json")):
                ids.append(mapping_ids(open(os.path.join(d, "run.json"), "rb").read()))
        reported = False
        for rel in sorted(want_files & got_files):
            a = open(os.path.join(expected_dir, rel), "rb").read()
            b = open(os.path.join(out, rel), "rb").read()
            a, b = without_mappings(rel, a, ids), without_mappings(rel, b, ids)
            if a == b:
                continue
            ok = False
            print("FAIL %s: %s differs from the accepted output" % (case, rel))
            if rel.endswith("records.csv") or rel.endswith("summary.csv"):
                if not reported:
                    reported = True
                    where = os.path.dirname(rel)
                    print("\n".join(compare_report(esrpipe, os.path.join(expected_dir, where),
                                                   os.path.join(out, where))))
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
    ap.add_argument("-m", "--mappings", help="run every case with these mapping tables (an overlay)")
    ap.add_argument("--mappings-only", action="store_true",
                    help="one line: do the accepted outputs record the tables' version and checksum?")
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    esrpipe = os.path.abspath(a.esrpipe)
    cases = [os.path.abspath(c) for c in a.case + a.cases]
    mappings = os.path.abspath(a.mappings) if a.mappings else None
    if a.mappings_only:
        return mappings_only(esrpipe, cases, mappings)
    results = [run_case(esrpipe, c, a.accept, mappings) for c in cases]
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


def mappings_only(esrpipe, cases, mappings):
    """One line when the tables' version or checksum differ from what the
    accepted outputs record (the cases themselves ignore them)."""
    stale = []
    for c in cases:
        if os.path.exists(os.path.join(c, "exit")):
            continue
        r = run_case(esrpipe, c, False, mappings, mappings_only=True)
        if r is False:
            return 1
        if r[0] != r[1]:
            stale.append((os.path.basename(c), r[0], r[1]))
    if not stale:
        print("golden: the accepted outputs record the current mapping tables")
        return 0
    _, (v0, h0), (v1, h1) = stale[0]
    print("FAIL golden: the mapping tables are %s (%.12s...), the accepted outputs of %d case%s record %s "
          "(%.12s...); the cases say whether anything moved. Bump mappings/VERSION "
          "(esrpipe check-mappings --bump) and accept: cmake --build build --target accept-golden"
          % (v1, h1, len(stale), "" if len(stale) == 1 else "s", v0, h0))
    return 1


if __name__ == "__main__":
    sys.exit(main())
