#!/usr/bin/env python3
"""Duplicate assignments, end to end: only rows classified in scope are
de-duplicated. An in-scope row whose (org code, assignment number) was
already counted in scope is rejected (assignment_duplicate: rejects.csv,
counted as rejected, none of its findings counted); a repeated out-of-scope
row is counted out of scope each time and reserves nothing, so a later
in-scope row with its key still counts. Checked in one return, across two
inputs, against --max-reject-rate, with --split-by-org, --pseudonymise and
--training. The export is generated at test time."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from checks import Checks, read_csv

HEADER = "Employee Number,Assignment Number,Full Name,Org Code,Position Title,Occupation Code,Area of Work,Pay Band,Contracted WTE\n"
IN_ROW = "{e},{a},Ann Example,{org},Physiotherapy Assistant,S9E,Physiotherapy,Band 3,{fte}\n"
REGISTERED = "{e},{a},Ann Example,{org},Physiotherapist,S1E,Physiotherapy,Band 6,1\n"
# physical line: (row text, what the row is)
ROWS = [
    (2, IN_ROW.format(e=1001, a="1001-1", org="RTH", fte="1"), "in scope"),
    (3, IN_ROW.format(e=1001, a="1001-1", org="RTH", fte="0.5"), "in-scope duplicate: rejected"),
    (4, REGISTERED.format(e=1002, a="1002-1", org="RTH"), "out of scope: not support"),
    (5, REGISTERED.format(e=1002, a="1002-1", org="RTH"), "out-of-scope repeat: out of scope again"),
    (6, REGISTERED.format(e=1002, a="1002-1", org="RTH"), "and again"),
    (7, IN_ROW.format(e=1003, a="1003-1", org="RTH", fte="0"), "out of scope: zero FTE"),
    (8, IN_ROW.format(e=1003, a="1003-1", org="RTH", fte="1"), "in scope: nothing counted in scope before"),
    (9, IN_ROW.format(e=1004, a="1004-1", org="RTH", fte="1"), "in scope"),
    (10, IN_ROW.format(e=1004, a="1004-1", org="RTH", fte="0"), "zero-FTE repeat of a counted one: out of scope"),
    (11, IN_ROW.format(e=1001, a="1001-1", org="RWE", fte="1"), "in scope: the same number in another org"),
    (12, IN_ROW.format(e=1001, a="1001-1", org="RWE", fte="1"), "in-scope duplicate in that org: rejected"),
    # in scope and full of findings (unmapped title, blank area, band 9, FTE
    # above 1.5): rejected as a duplicate, none of them may be counted
    (13, "1004,1004-1,Ann Example,RTH,Xqzt Wvvb,S9E,,Band 9,2\n", "in-scope duplicate with findings: rejected"),
]
REJECTED_LINES = {"RTH": [3, 13], "RWE": [12]}
TRAINING = ("Employee No,Competence,Status,Date Achieved\n"
            "1004,NHS|LOCAL|Care Certificate|,Completed,01/02/2025\n")


def run(e, *args):
    return subprocess.run([e, "run", "-q"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def load(d, name):
    if name.endswith(".json"):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            return json.load(f)
    return read_csv(os.path.join(d, name))


def total_fte(summary):
    return [r["fte"] for r in summary if not r["org_code"] and r["dimension"] == "profession_role"
            and not r["profession"] and not r["support_role"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    e = ap.parse_args().esrpipe
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="esrpipe-dup-")
    try:
        export = os.path.join(tmp, "esr_dup_2026-03-31.csv")
        with open(export, "w", encoding="utf-8") as f:
            f.write(HEADER + "".join(r for _, r, _ in ROWS))

        # ---- one return -----------------------------------------------------
        out = os.path.join(tmp, "one")
        p = run(e, "--max-reject-rate", "25", "-o", out, export)
        if not c.ok(p.returncode == 0, "one return: exit 0", p.stderr.decode()):
            return 1
        rj = load(out, "run.json")
        c.eq(rj["counts"]["rows_read"], 12, "rows read")
        c.eq({k: rj["counts"][k] for k in ("in_scope", "out_of_scope", "rejected")},
             {"in_scope": 4, "out_of_scope": 5, "rejected": 3}, "in scope / out of scope / rejected")
        c.eq(rj["out_of_scope_by_reason"], {"not a support role": 3, "zero FTE": 2},
             "out-of-scope repeats counted each time, by reason")
        c.eq({k: v["count"] for k, v in rj["findings_by_rule"].items()}, {"assignment_duplicate": 3},
             "findings: the duplicates only (a rejected row's findings are not counted)")
        recs = load(out, "records.csv")
        c.eq([(r["org_code"], r["assignment_number"], r["fte"]) for r in recs],
             [("RTH", "1001-1", "1.00000"), ("RTH", "1003-1", "1.00000"), ("RTH", "1004-1", "1.00000"),
              ("RWE", "1001-1", "1.00000")],
             "records.csv: the first in-scope row of each key, and the in-scope row after an out-of-scope one")
        c.eq([r["dq_flags"] for r in recs], [""] * 4, "records.csv: no findings leak from rejected rows")
        c.eq(total_fte(load(out, "summary.csv")), ["4.00000"], "summary.csv: total FTE of the 4 counted rows")
        rejects = load(out, "rejects.csv")
        c.eq([int(r["line"]) for r in rejects], [3, 12, 13], "rejects.csv: the in-scope duplicates' lines")
        c.ok(all(r["reason"].startswith("assignment_duplicate: in-scope assignment number already counted")
                 for r in rejects), "rejects.csv: reason is assignment_duplicate", str(rejects))
        c.ok(all(('"%s"' % n) in r["reason"] for r, n in zip(rejects, ["1001-1", "1001-1", "1004-1"])),
             "rejects.csv: the reason names the assignment number")
        c.ok(all("Ann Example" not in r["raw"] for r in rejects), "rejects.csv: personal data removed")

        # ---- the same export twice: the second copy's in-scope rows are duplicates
        out2 = os.path.join(tmp, "twice")
        p = run(e, "--max-reject-rate", "100", "-o", out2, export, export)
        c.ok(p.returncode == 0, "two inputs: exit 0", p.stderr.decode())
        if p.returncode == 0:
            rj = load(out2, "run.json")
            c.eq({k: rj["counts"][k] for k in ("rows_read", "in_scope", "out_of_scope", "rejected")},
                 {"rows_read": 24, "in_scope": 4, "out_of_scope": 10, "rejected": 10},
                 "two inputs: in-scope keys remembered across inputs, out-of-scope rows counted again")

        # ---- --max-reject-rate counts duplicates found after classification
        p = run(e, "--max-reject-rate", "24", "-o", os.path.join(tmp, "strict"), export)
        c.ok(p.returncode == 65 and b"3 of 12 rows rejected" in p.stderr,
             "--max-reject-rate 24: 3 of 12 rejected is over it, exit 65", "%d %s" % (p.returncode, p.stderr.decode()))
        c.ok(not os.path.exists(os.path.join(tmp, "strict")), "--max-reject-rate: nothing written")

        # ---- --split-by-org: a duplicate is rejected in its organisation's return
        split = os.path.join(tmp, "split")
        p = run(e, "--split-by-org", "--no-workbook", "--max-reject-rate", "25", "-o", split, export)
        c.ok(p.returncode == 0, "--split-by-org: exit 0", p.stderr.decode())
        if p.returncode == 0:
            want = {"RTH": (10, 3, 5, 2), "RWE": (2, 1, 0, 1)}
            for org, (read, ins, outs, rej) in want.items():
                d = os.path.join(split, org)
                counts = load(d, "run.json")["counts"]
                c.eq((counts["rows_read"], counts["in_scope"], counts["out_of_scope"], counts["rejected"]),
                     (read, ins, outs, rej), "--split-by-org %s: read, in, out, rejected" % org)
                c.eq([int(r["line"]) for r in load(d, "rejects.csv")], REJECTED_LINES[org],
                     "--split-by-org %s: its duplicates in its rejects.csv" % org)
            c.eq(load(split, "rejects.csv"), [], "--split-by-org: no duplicate among rows without an org")

        # ---- --pseudonymise: the key is the raw number; outputs show pseudonyms
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("5f" * 32 + "\n")
        os.chmod(key, 0o600)
        ps = os.path.join(tmp, "pseudo")
        p = run(e, "--pseudonymise", key, "--max-reject-rate", "25", "-o", ps, export)
        c.ok(p.returncode == 0, "--pseudonymise: exit 0", p.stderr.decode())
        if p.returncode == 0:
            counts = load(ps, "run.json")["counts"]
            c.eq((counts["in_scope"], counts["out_of_scope"], counts["rejected"]), (4, 5, 3),
                 "--pseudonymise: same counts (duplicates found on the raw numbers)")
            prej = load(ps, "rejects.csv")
            pasg = {r["assignment_number"] for r in load(ps, "records.csv")}
            c.ok(len(prej) == 3 and all("assignment_duplicate" in r["reason"] for r in prej),
                 "--pseudonymise: the duplicates rejected")
            text = open(os.path.join(ps, "rejects.csv"), encoding="utf-8").read()
            c.ok("1001-1" not in text and "1004-1" not in text, "--pseudonymise: no raw assignment number in rejects.csv")
            c.ok(all(any(a in r["reason"] for a in pasg) for r in prej),
                 "--pseudonymise: the reason names the pseudonym of the counted assignment")

        # ---- --training: the join sees counted rows only
        training = os.path.join(tmp, "training.csv")
        with open(training, "w", encoding="utf-8") as f:
            f.write(TRAINING)
        tr = os.path.join(tmp, "training")
        p = run(e, "--training", training, "--no-workbook", "--max-reject-rate", "25", "-o", tr, export)
        c.ok(p.returncode == 0, "--training: exit 0", p.stderr.decode())
        if p.returncode == 0:
            cc = {r["key"]: (r["fte"], r["headcount"]) for r in load(tr, "summary.csv")
                  if not r["org_code"] and r["dimension"] == "care_certificate" and not r["profession"]
                  and not r["support_role"]}
            c.eq(cc, {"completed": ("1.00000", "1"), "not_recorded": ("3.00000", "3")},
                 "--training: 1004 counted once (its rejected duplicate and out-of-scope repeat are not)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
