#!/usr/bin/env python3
"""Real job titles: how often the title (and band) alone, with NO occupation
code, gets the scope and the profession right, on a labelled corpus of titles
written by NHS organisations (tests/data/real_titles/real_titles.csv, see its
README: adverts, careers pages, national job profiles; built independently of
the project's generator).

Each corpus title becomes one assignment of an export with title, band and
FTE only; `esrpipe run` decides, and every title is scored:

  scope right       in the return (records.csv) exactly when labelled in scope
  profession right  of the titles labelled in scope that name a profession:
                    in the return with that profession
  wrong profession  of the titles labelled in scope: in the return with a
                    profession other than the label (a profession applied
                    where the label has none is wrong; Unknown is not)

and fails when wrong > --max-wrong (1%), scope < --min-scope or profession
right < --min-profession.

    tests/e2e/titles_corpus.py --esrpipe build/esrpipe [--corpus CSV]
        [--min-scope PCT] [--min-profession PCT] [--max-wrong PCT] [--show N]
        [--bench]
"""
import argparse
import collections
import csv
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from checks import Checks  # noqa: E402

UNKNOWN = "Unknown"


def pct(n, d):
    return 100.0 * n / d if d else 0.0


def band_text(b):
    b = (b or "").strip()
    if not b:
        return ""
    return b if b.lower().startswith(("band", "afc")) else "Band " + b


def score(esrpipe, corpus, tmp, mappings=None):
    """Run esrpipe on corpus; return (figures dict, misses list)."""
    with open(corpus, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["title"].strip()]
    export = os.path.join(tmp, "corpus_2026-03-31.csv")
    with open(export, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["Employee Number", "Assignment Number", "Organisation Code", "Job Title", "Pay Band",
                    "Contracted WTE", "Assignment Category"])
        for i, r in enumerate(rows):
            w.writerow([30000000 + i, "%d-1" % (30000000 + i), "RTH", r["title"], band_text(r["band"]), "1",
                        "Permanent"])
    out = os.path.join(tmp, "out")
    shutil.rmtree(out, ignore_errors=True)
    argv = [esrpipe, "run", "-q", "--no-workbook", "-o", out]
    if mappings:
        argv += ["-m", mappings]
    p = subprocess.run(argv + [export], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode:
        raise RuntimeError("esrpipe exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
        got = {r["assignment_number"]: r for r in csv.DictReader(f)}
    t = collections.Counter()
    misses = []
    for i, r in enumerate(rows):
        g = got.get("%d-1" % (30000000 + i))
        want_in = r["in_scope"].strip().lower() in ("yes", "y", "1", "true")
        want_p = r["profession"].strip()
        applied = g["profession_supported"] if g else None
        t["titles"] += 1
        t["scope_right"] += (g is not None) == want_in
        if (g is not None) != want_in:
            misses.append(("scope", r["title"], r["band"], "in" if g else "out", "in" if want_in else "out",
                           g["profession_supported"] if g else ""))
        if not want_in:
            continue
        t["in_scope"] += 1
        if want_p:
            t["names_profession"] += 1
            if applied == want_p:
                t["profession_right"] += 1
        if applied and applied != UNKNOWN and applied != want_p:
            t["wrong"] += 1
            misses.append(("wrong", r["title"], r["band"], applied, want_p or "(none)", ""))
        elif want_p and applied != want_p:
            misses.append(("unknown", r["title"], r["band"], applied or "not in scope", want_p, ""))
    fig = {
        "titles": t["titles"],
        "scope_pct": pct(t["scope_right"], t["titles"]),
        "profession_pct": pct(t["profession_right"], t["names_profession"]),
        "wrong_pct": pct(t["wrong"], t["in_scope"]),
        "counts": dict(t),
    }
    return fig, misses


def main():
    ap = argparse.ArgumentParser(description="job-title scope and profession accuracy on real titles")
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tests", "data", "real_titles", "real_titles.csv"))
    ap.add_argument("--mappings")
    ap.add_argument("--min-scope", type=float, default=97.0)
    ap.add_argument("--min-profession", type=float, default=90.0)
    ap.add_argument("--max-wrong", type=float, default=1.0)
    ap.add_argument("--show", type=int, default=0, help="list this many misses")
    ap.add_argument("--bench", action="store_true", help="print the three figures only, no checks")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="esrpipe-corpus-")
    try:
        fig, misses = score(os.path.abspath(a.esrpipe), a.corpus, tmp,
                            os.path.abspath(a.mappings) if a.mappings else None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c = fig["counts"]
    print("%d titles (%d labelled in scope, %d of them naming a profession), no occupation codes:"
          % (fig["titles"], c.get("in_scope", 0), c.get("names_profession", 0)))
    print("  scope right       %6.2f%%  (%d of %d)" % (fig["scope_pct"], c.get("scope_right", 0), fig["titles"]))
    print("  profession right  %6.2f%%  (%d of %d)" % (fig["profession_pct"], c.get("profession_right", 0),
                                                      c.get("names_profession", 0)))
    print("  wrong profession  %6.2f%%  (%d of %d)" % (fig["wrong_pct"], c.get("wrong", 0), c.get("in_scope", 0)))
    for m in misses[:a.show]:
        print("  %-7s %-60s band %-3s got %s, label %s %s" % m)
    if a.bench:
        return 0
    checks = Checks(verbose=True)
    checks.ok(fig["titles"] >= 100, "the corpus has at least 100 titles (%d)" % fig["titles"])
    checks.ok(fig["wrong_pct"] <= a.max_wrong, "wrong profession <= %.1f%% (%.2f%%)" % (a.max_wrong, fig["wrong_pct"]))
    checks.ok(fig["scope_pct"] >= a.min_scope, "scope right >= %.1f%% (%.2f%%)" % (a.min_scope, fig["scope_pct"]))
    checks.ok(fig["profession_pct"] >= a.min_profession,
              "profession right >= %.1f%% (%.2f%%)" % (a.min_profession, fig["profession_pct"]))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
