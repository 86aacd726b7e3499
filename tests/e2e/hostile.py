#!/usr/bin/env python3
"""Hostile inputs: each gives a clear one-line error naming the file (and
line/field where there is one) and the documented exit code, never a crash
or a hang, and on failure nothing in the output folder is created or
replaced. Inputs are generated at test time to keep the repository small."""
import argparse
import gzip
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from checks import Checks

HEADER = "Employee Number,Assignment Number,Org Code,Position Title,Occupation Code,Area of Work,Pay Band,Contracted WTE\n"
ROW = "{n},{n}-1,RTH,Physiotherapy Assistant,S9E,Physiotherapy,Band 3,1\n"
CHECKS = Checks(verbose=True)


def body(n=30):
    return "".join(ROW.format(n=1000 + i) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    tmp = tempfile.mkdtemp(prefix="esrpipe-hostile-")
    out = os.path.join(tmp, "out")
    try:
        # a previous good return that failures must leave untouched
        good = os.path.join(tmp, "good.csv")
        open(good, "w").write(HEADER + body())
        subprocess.run([e, "run", "-q", "-o", out, good], check=True)
        before = {f: open(os.path.join(out, f), "rb").read() for f in os.listdir(out)}

        def case(name, filename, data, want, must_say=(), fresh_dir=False):
            path = os.path.join(tmp, filename)
            if data is not None:
                with open(path, "wb") as f:
                    f.write(data)
            target = os.path.join(tmp, "fresh-" + filename) if fresh_dir else out
            t0 = time.monotonic()
            p = subprocess.run([e, "run", "-q", "-o", target, path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120)
            dt = time.monotonic() - t0
            err = p.stderr.decode("utf-8", "replace")
            CHECKS.ok(p.returncode == want, "%s: exit %d" % (name, want), "got %d: %s" % (p.returncode, err))
            if want != 0:
                lines = [l for l in err.splitlines() if l.strip()]
                CHECKS.ok(len(lines) == 1 and filename in lines[0],
                          "%s: one line naming the file" % name,
                          err)
                for s in must_say:
                    CHECKS.ok(s in err, "%s: message says %r" % (name, s), err)
                now = {f: open(os.path.join(out, f), "rb").read() for f in os.listdir(out)}
                CHECKS.ok(now == before,
                          "%s: previous return untouched, no stray files" % name,
                          str(sorted(now)))
            return p, dt, target

        case("empty file", "empty.csv", b"", 65, ["empty"])
        p, _, d = case("header only", "header.csv", HEADER.encode(), 0, fresh_dir=True)
        CHECKS.ok(os.path.exists(os.path.join(d, "return.xlsx")) and
                  open(os.path.join(d, "records.csv")).read().count("\n") == 1,
                  "header only: an empty but valid return")
        p, _, d = case("UTF-8 with BOM", "bom.csv", b"\xef\xbb\xbf" + (HEADER + body()).encode(), 0, fresh_dir=True)
        CHECKS.ok('"rows_read": 30' in open(os.path.join(d, "run.json")).read(), "UTF-8 BOM: rows read")
        tsv = (HEADER + body()).replace(",", "\t").replace("\n", "\r\n")
        p, _, d = case("UTF-16LE with BOM, tab-separated", "unicode.txt", b"\xff\xfe" + tsv.encode("utf-16-le"), 0, fresh_dir=True)
        CHECKS.ok('"in_scope": 30' in open(os.path.join(d, "run.json")).read(), "UTF-16LE: rows in scope")
        gz = gzip.compress((HEADER + body()).encode(), mtime=0)
        p, _, d = case("gzip named .csv", "export.csv", gz, 0, fresh_dir=True)
        CHECKS.ok('"in_scope": 30' in open(os.path.join(d, "run.json")).read(), "gzip: rows in scope")
        big = gzip.compress((HEADER + body(20000)).encode(), mtime=0)
        case("truncated gzip", "cut.csv.gz", big[: len(big) // 2], 65, ["truncated"])
        rnd = random.Random(7)
        case("random binary", "random.bin", bytes(rnd.getrandbits(8) for _ in range(100000)), 65)
        xlsx = os.path.join(tmp, "export.xlsx")
        with zipfile.ZipFile(xlsx, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
        case("an .xlsx given as input", "export.xlsx", None, 65, ["CSV"])
        case("missing FTE column", "nofte.csv", b"Employee Number,Job Title\n1,Physio Assistant\n", 65,
             ["fte", "Contracted WTE"])
        bomb = gzip.compress(HEADER.encode() + ROW.format(n=1).encode() * (8 << 20), compresslevel=9, mtime=0)
        p, dt, _ = case("decompression bomb", "bomb.csv.gz", bomb, 65, ["max-ratio"])
        import re
        m = re.search(rb"\((\d+) bytes from (\d+)\)", p.stderr)
        inflated = int(m.group(1)) if m else -1
        CHECKS.ok(0 < inflated < (32 << 20) and dt < 60,
                  "decompression bomb refused early: after %d of %d bytes, in %.2fs" % (inflated, 8 << 20 << 3, dt),
                  p.stderr.decode())
        p, _, d = case("a 20 MB field", "bigfield.csv",
                       (HEADER + body(40) + "9999,9999-1,RTH," + "x" * (20 << 20) + ",S9E,Physiotherapy,Band 3,1\n" + ROW.format(n=5000)).encode(),
                       0, fresh_dir=True)
        rj = open(os.path.join(d, "rejects.csv")).read()
        CHECKS.ok("field_too_big" in rj and ",42," in rj,
                  "20 MB field: that row rejected with its line",
                  rj[:300])
        CHECKS.ok('"in_scope": 41' in open(os.path.join(d, "run.json")).read(),
                  "20 MB field: the rest processed")
        CHECKS.ok(os.path.getsize(os.path.join(d, "rejects.csv")) < 100000,
                  "20 MB field: rejects.csv stays small")
        case("path that does not exist", "nope.csv", None, 66)
        os.mkdir(os.path.join(tmp, "adir.csv"))
        case("a directory", "adir.csv", None, 66)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
