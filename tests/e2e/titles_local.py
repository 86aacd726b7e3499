#!/usr/bin/env python3
"""A trust's own job titles (--titles FILE) and explain-title's reading of a
title as role phrase plus context (issue 13).

  - --titles: rows of the trust's table decide titles the shipped tables do
    not know, with the file named in the lineage; run.json and the Cover
    sheet record the file and its SHA-256; a row naming an unknown
    profession fails the run (65) naming file and line, writing nothing.
  - explain-title prints which words were read as the role and which as
    context.

    tests/e2e/titles_local.py --esrpipe build/esrpipe
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from checks import Checks

CHECKS = Checks(verbose=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    a = ap.parse_args()
    e = os.path.abspath(a.esrpipe)
    tmp = tempfile.mkdtemp(prefix="esrpipe-titles-local-")
    try:
        export = os.path.join(tmp, "local_2026-03-31.csv")
        with open(export, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(["Employee Number", "Assignment Number", "Organisation Code", "Job Title", "Pay Band",
                        "Contracted WTE"])
            for i, t in enumerate(["Falls Team Helper", "Falls Team Helper - Band 3", "Gym Buddy",
                                   "Physiotherapy Assistant", "Gym Buddy (Community)"]):
                w.writerow([50000000 + i, "%d-1" % (50000000 + i), "RTH", t, "Band 3", "1"])
        local = os.path.join(tmp, "our_titles.csv")
        with open(local, "w", newline="", encoding="utf-8") as f:
            f.write("title,profession,support_role,trainee,note\n"
                    "Falls Team Helper,Physiotherapy,Assistant,no,our falls service\n"
                    "Gym Buddy,Physiotherapy,Support worker,no,\n")
        sha = hashlib.sha256(open(local, "rb").read()).hexdigest()
        out = os.path.join(tmp, "out")
        p = subprocess.run([e, "run", "-q", "--no-learn", "--titles", local, "-o", out, export],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 0, "run --titles exits 0", p.stderr.decode())
        if p.returncode == 0:
            with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
                rec = {r["position_title"]: r for r in csv.DictReader(f)}
            for t, role in (("Falls Team Helper", "Assistant"), ("Falls Team Helper - Band 3", "Assistant"),
                            ("Gym Buddy", "Support worker"), ("Gym Buddy (Community)", "Support worker")):
                r = rec.get(t)
                CHECKS.ok(r is not None and r["profession_supported"] == "Physiotherapy" and r["support_role"] == role
                          and "our_titles.csv:" in r["title_rule"],
                          "%r: the trust's table decides, lineage names it" % t, r and r["title_rule"])
            CHECKS.ok("job_titles.csv:" in rec["Physiotherapy Assistant"]["title_rule"],
                      "a title the trust's table lacks still reads from the shipped table")
            rj = json.load(open(os.path.join(out, "run.json")))
            CHECKS.eq(rj.get("titles_table"), {"name": "our_titles.csv", "sha256": sha, "rows": 2},
                      "run.json titles_table: name, SHA-256, rows")
            with zipfile.ZipFile(os.path.join(out, "return.xlsx")) as z:
                strings = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
            CHECKS.ok("Trust job titles" in strings and sha in strings and "our_titles.csv" in strings,
                      "the Cover names the trust's titles file and its checksum")
        # without --titles those titles are not known
        out0 = os.path.join(tmp, "out0")
        subprocess.run([e, "run", "-q", "--no-learn", "-o", out0, export], check=True)
        with open(os.path.join(out0, "records.csv"), newline="", encoding="utf-8") as f:
            titles0 = {r["position_title"] for r in csv.DictReader(f)}
        CHECKS.ok("Gym Buddy" not in titles0, "without --titles, 'Gym Buddy' is not in scope")
        # a bad row: file and line named, nothing written
        with open(local, "a", encoding="utf-8") as f:
            f.write("Stroke Helper,Physio,Assistant,no,\n")
        bad = os.path.join(tmp, "bad")
        p = subprocess.run([e, "run", "-q", "--titles", local, "-o", bad, export],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 65 and b"our_titles.csv:4" in p.stderr and b"Physio" in p.stderr
                  and not os.path.exists(bad), "unknown profession: exit 65 naming file:line, nothing written",
                  "%d %s" % (p.returncode, p.stderr.decode()))
        # explain-title reads the trust's table too, and refuses a bad one
        good = os.path.join(tmp, "good_titles.csv")
        with open(good, "w", encoding="utf-8") as f:
            f.write("title,profession,support_role,trainee\nGym Buddy,Physiotherapy,Support worker,no\n")
        p = subprocess.run([e, "explain-title", "--titles", good, "Gym Buddy (Community)"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 0 and b"profession Physiotherapy, role Support worker" in p.stdout
                  and b"good_titles.csv:2" in p.stdout, "explain-title --titles: the trust's row decides",
                  p.stdout.decode()[-400:])
        p = subprocess.run([e, "explain-title", "--titles", local, "Gym Buddy"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        CHECKS.ok(p.returncode == 65 and b"our_titles.csv:4" in p.stderr, "explain-title --titles: a bad row is 65")
        # explain-title: role phrase and context
        p = subprocess.run([e, "explain-title", "Theatre Support Worker (Band 2) Worcestershire Royal Hospital",
                            "Ambulance Emergency Medical Technician", "Pharmacy Technician"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        text = p.stdout.decode()
        CHECKS.ok(p.returncode == 0 and
                  'read as:      role "theatre support worker", context "worcestershire royal hospital band 2"'
                  in text, "explain-title: role phrase and context of a theatre title", text[:600])
        CHECKS.ok('role "emergency medical technician", context "ambulance"' in text and
                  "profession Paramedic/ambulance, role Ambulance technician" in text,
                  "explain-title: a setting prefix is context, the role phrase decides")
        CHECKS.ok("registered" in text and "role Not a support role" in text,
                  "explain-title: Pharmacy Technician is a registered profession, not support")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECKS.finish()


if __name__ == "__main__":
    sys.exit(main())
