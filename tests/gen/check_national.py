#!/usr/bin/env python3
"""Check esrpipe's outputs against the truth planted by gen_export.py.

    python3 tests/gen/check_national.py --plan PLAN.json --out OUTDIR
        [--mode evidence|code-only] [-v]

Reads OUTDIR/summary.csv, run.json, rejects.csv, records.csv and return.xlsx
and compares them with the plan written by gen_export.py (nothing else is
needed).  Prints every mismatch, then a final line "N passed, M failed"; the
exit status is 0 only when nothing failed (2 for usage / unreadable plan).

--mode must match how esrpipe classified: `code-only` (occupation code
alone; reproduces national statistics) or `evidence` (the default: generic
nursing-coded rows whose title and area of work name an AHP move to that
AHP).  The source-table cells (HASKE Tables 2, 3, 4) hold in both modes.

Python 3 standard library only.
"""
import argparse
import csv
import gzip
import html
import io
import json
import os
import re
import sys
import unicodedata
import zipfile
from decimal import Decimal, InvalidOperation

csv.field_size_limit(1 << 30)

TOTAL_WORDS = {"", "all", "total", "totals", "(all)", "all professions", "all roles", "all support roles",
               "total (fte)", "*", "grand total"}
BLANK_AREA_KEYS = {"", "(blank)", "blank", "not recorded", "(not recorded)", "unknown", "(unknown)", "missing",
                   "(missing)", "not stated", "(none)", "none", "not known", "unrecorded", "(empty)", "empty"}
FTE5 = re.compile(r"^-?\d+\.\d{5}$")
MOJIBAKE = [("\u00e2\u20ac", "'â€' (UTF-8 punctuation read as Windows-1252)"),
            ("\u00c3", "'Ã' (UTF-8 accent read as Windows-1252/Latin-1)"),
            ("\u00c2", "'Â' (UTF-8 read as Latin-1)"),
            ("\ufffd", "U+FFFD replacement character")]
C1 = re.compile("[\u0080-\u009f]")
MAX_SHOW = 25


class Checks:
    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose
        self.notes = []

    def ok(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            if self.verbose:
                print("PASS  %s" % name)
        else:
            self.failed += 1
            print("FAIL  %s%s" % (name, (": " + detail) if detail else ""))
        return cond

    def eq(self, name, actual, expected):
        return self.ok(name, actual == expected, "got %s, expected %s" % (show(actual), show(expected)))

    def many(self, name, problems):
        """One check that fails listing every problem (first MAX_SHOW shown)."""
        if not problems:
            return self.ok(name, True)
        head = "%d problem(s); first: %s" % (len(problems), problems[0])
        if len(problems) == 1:
            return self.ok(name, False, head)
        lines = "\n        ".join(problems[:MAX_SHOW])
        more = "" if len(problems) <= MAX_SHOW else "\n        ... and %d more" % (len(problems) - MAX_SHOW)
        return self.ok(name, False, "%s\n        %s%s" % (head, lines, more))

    def note(self, msg):
        self.notes.append(msg)
        print("NOTE  %s" % msg)


def show(v):
    if isinstance(v, Decimal):
        return str(v)
    return repr(v)


def dec(s):
    try:
        return Decimal(str(s).strip())
    except (InvalidOperation, ValueError):
        return None


def isblank(s):
    return s is None or str(s).strip() == ""


def is_total(s):
    return s is None or str(s).strip().lower() in TOTAL_WORDS


def band_norm(s):
    t = str(s).strip().lower()
    t = re.sub(r"agenda\s*for\s*change|afc|band|\s", "", t)
    t = t.lstrip("0") or t
    return t


def read_text(path, c, label):
    """Strict UTF-8 read (BOM tolerated and noted); returns text or None."""
    try:
        b = open(path, "rb").read()
    except OSError as e:
        c.ok("%s readable" % label, False, str(e))
        return None
    if b.startswith(b"\xef\xbb\xbf"):
        c.note("%s starts with a UTF-8 BOM" % label)
        b = b[3:]
    try:
        t = b.decode("utf-8")
        c.ok("%s is valid UTF-8" % label, True)
    except UnicodeDecodeError as e:
        c.ok("%s is valid UTF-8" % label, False, str(e))
        t = b.decode("utf-8", "replace")
    return t


def read_csv(path, c, label, required):
    if not c.ok("%s exists" % label, os.path.isfile(path), "missing %s" % path):
        return None, None
    t = read_text(path, c, label)
    if t is None:
        return None, None
    rdr = csv.DictReader(io.StringIO(t, newline=""))
    hdr = [h.strip() for h in (rdr.fieldnames or [])]
    rdr.fieldnames = hdr
    missing = [h for h in required if h not in hdr]
    c.ok("%s has columns %s" % (label, ",".join(required)), not missing, "missing %s (header: %s)" % (missing, hdr))
    rows = list(rdr)
    return rows, t


# --------------------------------------------------------------------------
# PII scan: token n-grams so that case, punctuation, accents and layout do
# not hide a leak ("Hughes, Zoë" == "ZOE HUGHES" == "<t>Hughes</t><t>Zoë</t>")
# --------------------------------------------------------------------------
WORD = re.compile(r"[a-z0-9]+")


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    return s.encode("ascii", "ignore").decode("ascii").lower()


def toks(s):
    return WORD.findall(fold(s))


class PiiIndex:
    def __init__(self, pii):
        self.tuples = {}
        self.first = {}
        for n in pii.get("names", []):
            if ", " in n:
                sur, first = n.split(", ", 1)
                a, b = toks(sur), toks(first)
            else:
                parts = n.split(" ", 1)
                b, a = toks(parts[0]), toks(parts[1] if len(parts) > 1 else "")
            self.add(a + b, "name", n)
            self.add(b + a, "name", n)
        for ni in pii.get("ni_numbers", []):
            c = re.sub(r"\s+", "", ni)
            self.add([c.lower()], "NI number", ni)
            if len(c) == 9:
                self.add(toks("%s %s %s %s %s" % (c[:2], c[2:4], c[4:6], c[6:8], c[8])), "NI number", ni)
        for d in pii.get("dates_of_birth", []):
            m = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", d)
            if m:
                dd, mm, yy = m.groups()
                self.add([dd, mm, yy], "date of birth", d)
                self.add([yy, mm, dd], "date of birth", d)
                # (no compact yyyymmdd variant: 8-digit employee numbers collide with it)
            else:
                self.add(toks(d), "date of birth", d)
        for a in pii.get("addresses", []):
            self.add(toks(a), "address", a)
            parts = [p.strip() for p in a.split(",")]
            if len(parts) >= 2:
                if len(toks(parts[0])) >= 3:
                    self.add(toks(parts[0]), "address (street)", a)
                if len(toks(parts[-1])) >= 2:
                    self.add(toks(parts[-1]), "address (postcode)", a)

    def add(self, tl, kind, orig):
        if not tl:
            return
        t = tuple(tl)
        self.tuples.setdefault(t, (kind, orig))
        self.first.setdefault(t[0], set()).add(len(t))

    def scan(self, text):
        hits = {}
        tl = toks(text)
        first = self.first
        tuples = self.tuples
        for i, t in enumerate(tl):
            ls = first.get(t)
            if ls is None:
                continue
            for L in ls:
                k = tuple(tl[i:i + L])
                v = tuples.get(k)
                if v is not None:
                    hits.setdefault(v, 0)
                    hits[v] += 1
        return hits


def texts_of_file(path):
    """Yield (label, text) for a file; unpacks gzip and zip (xlsx) members."""
    b = open(path, "rb").read()
    if b[:2] == b"\x1f\x8b":
        try:
            b = gzip.decompress(b)
        except Exception:
            pass
    if b[:4] == b"PK\x03\x04":
        try:
            z = zipfile.ZipFile(io.BytesIO(b))
        except zipfile.BadZipFile:
            z = None
        if z is not None:
            for info in z.infolist():
                data = z.read(info.filename)
                t = data.decode("utf-8", "replace")
                if info.filename.endswith((".xml", ".rels", ".vml")) or t.lstrip().startswith("<"):
                    t = html.unescape(re.sub(r"<[^>]*>", " ", t))
                yield "%s!%s" % (path, info.filename), t
            return
    try:
        yield path, b.decode("utf-8")
    except UnicodeDecodeError:
        yield path, b.decode("utf-8", "replace")
        yield path + " (as Windows-1252)", b.decode("cp1252", "replace")


# --------------------------------------------------------------------------
# individual checks
# --------------------------------------------------------------------------

def finest(rows):
    """Rows at the finest profession/role breakdown present (avoids double counting subtotals)."""
    pat = lambda r: (not is_total(r.get("profession")), not is_total(r.get("support_role")))
    present = set(pat(r) for r in rows)
    for p in [(True, True), (True, False), (False, True), (False, False)]:
        if p in present:
            return [r for r in rows if pat(r) == p], p
    return [], None


def check_summary(c, plan, exp, outdir):
    req = ["org_code", "dimension", "profession", "support_role", "key", "fte", "headcount"]
    rows, _ = read_csv(os.path.join(outdir, "summary.csv"), c, "summary.csv", req)
    if rows is None:
        return
    bad_fte = [("line %d: fte=%r" % (i + 2, r.get("fte"))) for i, r in enumerate(rows)
               if not FTE5.match((r.get("fte") or "").strip())]
    c.many("summary.csv: every fte printed with exactly 5 decimal places", bad_fte)
    bad_hc = [("line %d: headcount=%r" % (i + 2, r.get("headcount"))) for i, r in enumerate(rows)
              if not re.match(r"^\d+$", (r.get("headcount") or "").strip())]
    c.many("summary.csv: every headcount is a whole number", bad_hc)

    def fte(r):
        return dec(r.get("fte")) if dec(r.get("fte")) is not None else Decimal(0)

    def hc(r):
        try:
            return int((r.get("headcount") or "0").strip())
        except ValueError:
            return -1

    pr = [r for r in rows if (r.get("dimension") or "").strip() == "profession_role"]
    c.ok("summary.csv has profession_role rows", bool(pr))
    tot_rows = [r for r in pr if isblank(r.get("org_code"))]
    org_rows = [r for r in pr if not isblank(r.get("org_code"))]
    nonblank_key = [r for r in pr if not isblank(r.get("key"))]
    c.many("summary.csv: profession_role rows have an empty key",
           ["%s / %s key=%r" % (r["profession"], r["support_role"], r["key"]) for r in nonblank_key])

    def cellmap(rs, label):
        m = {}
        dups = []
        aggs = []
        for r in rs:
            p, s = (r.get("profession") or "").strip(), (r.get("support_role") or "").strip()
            if is_total(p) or is_total(s):
                aggs.append(r)
                continue
            k = (p, s)
            if k in m:
                dups.append("%s × %s" % k)
            m[k] = (fte(r), hc(r))
        c.many("%s: no duplicated profession × role rows" % label, dups)
        return m, aggs

    got, aggs = cellmap(tot_rows, "summary totals")
    want = {(x["profession"], x["support_role"]): x for x in exp["cells"]}
    for k, x in sorted(want.items()):
        g = got.get(k)
        name = "summary %s × %s" % k
        if not c.ok(name + " present", g is not None, "no row (org_code empty, dimension profession_role)"):
            continue
        c.eq(name + " fte", g[0], Decimal(x["fte"]))
        c.eq(name + " headcount", g[1], x["headcount"])
    extra = ["%s × %s fte=%s headcount=%s" % (k[0], k[1], v[0], v[1]) for k, v in sorted(got.items())
             if k not in want and (v[0] != 0 or v[1] != 0)]
    c.many("summary totals: no profession × role cells that were not planted (non-zero)", extra)

    # aggregate rows, if the tool writes any
    for r in aggs:
        p, s = (r.get("profession") or "").strip(), (r.get("support_role") or "").strip()
        if is_total(p) and is_total(s):
            x, label = exp["total"], "grand total"
        elif not is_total(p):
            x, label = exp["by_profession"].get(p), "profession total %s" % p
        else:
            x, label = exp["by_role"].get(s), "support role total %s" % s
        if x is None:
            c.ok("summary %s (aggregate row) was planted" % label, fte(r) == 0, "fte %s" % fte(r))
            continue
        c.eq("summary %s fte" % label, fte(r), Decimal(x["fte"]))
        c.eq("summary %s headcount (de-duplicated)" % label, hc(r), x["headcount"])

    tot_fte = sum((v[0] for v in got.values()), Decimal(0))
    c.eq("summary: profession × role cells add up to the in-scope FTE", tot_fte, Decimal(exp["total"]["fte"]))

    # source tables
    st = plan["source_tables"]
    scale = plan["scale"]
    for s in st["cells"]:
        if s["table"] not in ("2", "3"):
            continue
        k = (s["profession"], s["support_role"])
        label = "Table %s %s / %s = %s" % (s["table"], s["row"], s["column"], s["source_fte"])
        if scale == 1:
            c.eq(label + ": planted as printed", Decimal(s["planted_fte"]), Decimal(s["source_fte"]))
        g = got.get(k)
        exp_fte = Decimal(s["planted_fte"])
        c.eq(label + ": reproduced in summary (%s × %s)" % k,
             g[0] if g else (Decimal(0) if exp_fte == 0 else None), exp_fte)
    for role, s in sorted(st["table4_by_role"].items()):
        label = "Table 4 %s (sum over care settings %s) = %s" % (role, "+".join(s["codes"]), s["source_fte"])
        if scale == 1:
            c.eq(label + ": planted as printed", Decimal(s["planted_fte"]), Decimal(s["source_fte"]))
        g = got.get((s["profession"], role))
        exp_fte = Decimal(s["planted_fte"])
        c.eq(label + ": reproduced in summary", g[0] if g else (Decimal(0) if exp_fte == 0 else None), exp_fte)
    for t, tt in sorted(st["table_totals"].items()):
        keys = set((s["profession"], s["support_role"]) for s in st["cells"] if s["table"] == t)
        g = sum((got[k][0] for k in keys if k in got), Decimal(0))
        label = "Table %s total = %s" % (t, tt["source_fte"])
        if scale == 1:
            c.eq(label + ": planted as printed", Decimal(tt["planted_fte"]), Decimal(tt["source_fte"]))
        c.eq(label + ": summary cells add up", g, Decimal(tt["planted_fte"]))
    if scale == 1 and st.get("table2_printed_grand_total"):
        c.eq("Table 2 printed grand total %s holds" % st["table2_printed_grand_total"],
             Decimal(st["table_totals"]["2"]["planted_fte"]), Decimal(st["table2_printed_grand_total"]))
    for row, s in sorted(st["table2_row_totals"].items()):
        prof = [x["profession"] for x in st["cells"] if x["table"] == "2" and x["row"] == row][0]
        g = sum((v[0] for k, v in got.items() if k[0] == prof and
                 any(x["table"] == "2" and x["row"] == row and x["support_role"] == k[1] for x in st["cells"])),
                Decimal(0))
        note = ""
        if s["printed_total"] and s["printed_total"] != s["cells_sum"]:
            note = " (printed row total %s does not add up: known rounding)" % s["printed_total"]
        c.eq("Table 2 row %s: cells sum %s%s" % (row, s["cells_sum"], note), g, Decimal(s["planted_fte"]))

    # per-organisation blocks
    by_org = {}
    for r in org_rows:
        by_org.setdefault(r["org_code"].strip(), []).append(r)
    c.eq("summary: organisation blocks present for exactly the planted orgs", sorted(by_org),
         sorted(exp["orgs"]))
    sum_cells = {}
    for oc, x in sorted(exp["orgs"].items()):
        m, oaggs = cellmap(by_org.get(oc, []), "summary org %s" % oc)
        probs = []
        wantc = {(y["profession"], y["support_role"]): y for y in x["cells"]}
        for k, y in sorted(wantc.items()):
            g = m.get(k)
            if g is None:
                probs.append("%s × %s: missing (want fte %s, headcount %s)" % (k[0], k[1], y["fte"], y["headcount"]))
                continue
            if g[0] != Decimal(y["fte"]):
                probs.append("%s × %s: fte %s, want %s" % (k[0], k[1], g[0], y["fte"]))
            if g[1] != y["headcount"]:
                probs.append("%s × %s: headcount %s, want %s" % (k[0], k[1], g[1], y["headcount"]))
        for k, g in sorted(m.items()):
            if k not in wantc and (g[0] != 0 or g[1] != 0):
                probs.append("%s × %s: unplanted cell fte %s headcount %s" % (k[0], k[1], g[0], g[1]))
        for k, g in m.items():
            a = sum_cells.setdefault(k, [Decimal(0), 0])
            a[0] += g[0]
            a[1] += g[1]
        for r in oaggs:
            p, s = (r.get("profession") or "").strip(), (r.get("support_role") or "").strip()
            if is_total(p) and is_total(s):
                if fte(r) != Decimal(x["total"]["fte"]) or hc(r) != x["total"]["headcount"]:
                    probs.append("org total: fte %s headcount %s, want %s / %s" % (
                        fte(r), hc(r), x["total"]["fte"], x["total"]["headcount"]))
        c.many("summary org %s block equals the plan" % oc, probs)
    probs = []
    for k, v in sorted(got.items()):
        s = sum_cells.get(k, [Decimal(0), 0])
        if s[0] != v[0]:
            probs.append("%s × %s: orgs sum fte %s, total %s" % (k[0], k[1], s[0], v[0]))
        if s[1] != v[1]:
            probs.append("%s × %s: orgs sum headcount %s, total %s" % (k[0], k[1], s[1], v[1]))
    for k in sorted(set(sum_cells) - set(got)):
        probs.append("%s × %s: in org blocks but not in totals" % k)
    c.many("summary: per-org blocks sum to the totals (fte and headcount)", probs)

    # band
    band_rows = [r for r in rows if (r.get("dimension") or "").strip() == "band" and isblank(r.get("org_code"))]
    if c.ok("summary.csv has band rows", bool(band_rows)):
        fr, _ = finest(band_rows)
        gotb = {}
        for r in fr:
            k = band_norm(r.get("key") or "")
            gotb[k] = gotb.get(k, Decimal(0)) + fte(r)
        wantb = {band_norm(k): Decimal(v) for k, v in plan["bands"].items()}
        probs = ["band %s: fte %s, want %s" % (k, gotb.get(k), wantb.get(k))
                 for k in sorted(set(gotb) | set(wantb)) if gotb.get(k, Decimal(0)) != wantb.get(k, Decimal(0))]
        c.many("summary band: FTE by pay band equals the plan", probs)

    # area of work
    area_rows = [r for r in rows if (r.get("dimension") or "").strip() == "area_of_work" and isblank(r.get("org_code"))]
    aw = plan["area_of_work"]
    if c.ok("summary.csv has area_of_work rows", bool(area_rows)):
        fr, _ = finest(area_rows)
        blank = sum((fte(r) for r in fr if (r.get("key") or "").strip().lower() in BLANK_AREA_KEYS), Decimal(0))
        c.eq("summary area_of_work: blank area FTE (in scope)", blank, Decimal(aw["blank_fte"]))
        allf = sum((fte(r) for r in fr), Decimal(0))
        c.eq("summary area_of_work: rows add up to the in-scope FTE", allf, Decimal(exp["total"]["fte"]))
        gota = {}
        for r in fr:
            k = (r.get("key") or "").strip()
            if k.lower() in BLANK_AREA_KEYS:
                continue
            gota[k.lower()] = gota.get(k.lower(), Decimal(0)) + fte(r)
        c.eq("summary area_of_work: recorded (non-blank) area FTE", sum(gota.values(), Decimal(0)),
             Decimal(aw["filled_fte"]))
        # esrpipe may bucket or rename area values it does not recognise: list differences, do not fail
        wanta = {k.lower(): Decimal(v) for k, v in aw["by_area"].items()}
        diff = ["%r: %s in summary, %s planted" % (k, gota.get(k, "-"), wanta.get(k, "-"))
                for k in sorted(set(gota) | set(wanta)) if gota.get(k, Decimal(0)) != wanta.get(k, Decimal(0))]
        if diff:
            c.note("summary area_of_work keys differ from the planted area values (bucketed or renamed?): "
                   + "; ".join(diff))


def check_national_dims(c, plan, exp, outdir):
    """The national layouts' dimensions: Table 4 by care setting x role, Table 1's
    support figures by staff group, regions adding to the whole, and registered
    staff per profession exact, never in the support figures."""
    path = os.path.join(outdir, "summary.csv")
    if not os.path.isfile(path):
        return
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tot = {}
    for r in rows:
        if not r["org_code"]:
            tot[(r["dimension"], r["profession"], r["support_role"], r["key"])] = Decimal(r["fte"])
    g = lambda *k: tot.get(k, Decimal(0))
    st = plan["source_tables"]
    amb = "Paramedic/ambulance"
    probs = []
    t4 = [x for x in st["cells"] if x["table"] == "4"]
    for x in t4:
        got = g("care_setting", x["profession"], x["support_role"], x["row"])
        if got != Decimal(x["planted_fte"]):
            probs.append("%s x %s: %s, planted %s" % (x["row"], x["column"], got, x["planted_fte"]))
    c.many("Table 4 reproduced cell by cell: summary care_setting x role (%d cells)" % len(t4), probs)
    cs = sum((v for k, v in tot.items() if k[0] == "care_setting" and k[1] == amb and k[2]), Decimal(0))
    c.eq("Table 4: ambulance care_setting x role cells add to the planted total", cs,
         Decimal(st["table_totals"]["4"]["planted_fte"]) if "4" in st["table_totals"] else
         sum((Decimal(x["planted_fte"]) for x in t4), Decimal(0)))
    # Table 1 support rows, from the staff_group dimension
    hca = ("Healthcare assistant", "Support worker")
    want = {"Ambulance personnel & trainees": sum((Decimal(x["planted_fte"]) for x in t4
                                                   if x["support_role"] not in hca), Decimal(0)),
            "Healthcare assistants & support workers": sum((Decimal(x["planted_fte"]) for x in t4
                                                            if x["support_role"] in hca), Decimal(0))}
    roles = {x["support_role"] for x in t4}
    got = {"Ambulance personnel & trainees": sum((g("staff_group", amb, r, "Support to ambulance staff")
                                                  for r in roles if r not in hca), Decimal(0)),
           "Healthcare assistants & support workers": sum((g("staff_group", amb, r, "Support to ambulance staff")
                                                           for r in hca), Decimal(0))}
    for k in want:
        c.eq("Table 1 %s: staff_group Support to ambulance staff" % k, got[k], want[k])
    ahps = {x["profession"] for x in st["cells"] if x["table"] == "2"}
    c.eq("Table 1 Support to AHPs: staff_group Support to ST&T staff over the Table 2 professions",
         sum((g("staff_group", p, "", "Support to ST&T staff") for p in ahps), Decimal(0)),
         Decimal(st["table_totals"]["2"]["planted_fte"]))
    odp = {x["profession"] for x in st["cells"] if x["table"] == "3"}
    c.eq("Table 1 operating theatres: staff_group Support to ST&T staff for Table 3",
         sum((g("staff_group", p, "", "Support to ST&T staff") for p in odp), Decimal(0)),
         Decimal(st["table_totals"]["3"]["planted_fte"]))
    nat = plan["national"]
    for grp, v in nat["support_groups_out_of_scope"].items():
        c.eq("Table 1 staff group %s: clerical/estates counted apart (staff_group_out_of_scope)" % grp,
             g("staff_group_out_of_scope", "", "", grp), Decimal(v["fte"]))
    sg = sum((v for k, v in tot.items() if k[0] == "staff_group" and not k[1] and not k[2]), Decimal(0))
    c.eq("staff_group keys add to the in-scope FTE (out-of-scope rows never mixed in)", sg,
         Decimal(exp["total"]["fte"]))
    # regions
    regs = {k[3]: v for k, v in tot.items() if k[0] == "region" and not k[1] and not k[2]}
    c.eq("region totals add to the whole", sum(regs.values(), Decimal(0)), Decimal(exp["total"]["fte"]))
    want = {}
    for o in plan["orgs"]:
        x = exp["orgs"].get(o["org_code"])
        if x:
            want[o["region"]] = want.get(o["region"], Decimal(0)) + Decimal(x["total"]["fte"])
    c.eq("region FTE = the planted organisations of each region", regs, want)
    # registered staff
    probs = []
    for p, v in nat["registered"].items():
        if g("registered", p, "", "") != Decimal(v["fte"]):
            probs.append("%s: %s, planted %s" % (p, g("registered", p, "", ""), v["fte"]))
    for grp, v in nat["registered_by_staff_group"].items():
        if g("registered", "", "", grp) != Decimal(v["fte"]):
            probs.append("%s: %s, planted %s" % (grp, g("registered", "", "", grp), v["fte"]))
    extra = [k for k, v in tot.items() if k[0] == "registered" and k[1] and k[1] not in nat["registered"] and v]
    c.many("registered FTE of the planted registered staff exact, per profession and staff group",
           probs + ["unplanted %r" % (k,) for k in extra])
    ratios = []
    for p, v in sorted(nat["registered"].items()):
        sup = g("profession_role", p, "", "")
        ratios.append("%s %.3f" % (p, sup / Decimal(v["fte"])))
    c.note("support FTE per registered FTE: " + "; ".join(ratios))


def check_run_json(c, plan, outdir):
    p = os.path.join(outdir, "run.json")
    if not c.ok("run.json exists", os.path.isfile(p), "missing %s" % p):
        return None
    try:
        j = json.load(open(p, encoding="utf-8"))
        c.ok("run.json parses as JSON", True)
    except Exception as e:
        c.ok("run.json parses as JSON", False, str(e))
        return None
    counts = j.get("counts") if isinstance(j, dict) else None
    if not c.ok("run.json has a counts object", isinstance(counts, dict)):
        return None
    for k in ("rows_read", "in_scope", "out_of_scope", "rejected"):
        c.eq("run.json counts.%s" % k, counts.get(k), plan["counts"][k])
    try:
        ident = int(counts["rows_read"]) == int(counts["in_scope"]) + int(counts["out_of_scope"]) + \
            int(counts["rejected"])
        c.ok("run.json rows_read == in_scope + out_of_scope + rejected", ident,
             "%s != %s + %s + %s" % (counts["rows_read"], counts["in_scope"], counts["out_of_scope"],
                                     counts["rejected"]))
    except (KeyError, TypeError, ValueError) as e:
        c.ok("run.json rows_read == in_scope + out_of_scope + rejected", False, "cannot evaluate: %s" % e)
    return j


def check_rejects(c, plan, outdir, pseudonymised=False):
    rows, _ = read_csv(os.path.join(outdir, "rejects.csv"), c, "rejects.csv", ["source_file", "line", "reason", "raw"])
    if rows is None:
        return
    planted = plan["rejects"]["rows"]
    kw = plan["rejects"]["reason_keywords"]
    c.eq("rejects.csv: one row per planted reject", len(rows), len(planted))
    by_line = {}
    badline = []
    for r in rows:
        try:
            by_line.setdefault(int((r.get("line") or "").strip()), []).append(r)
        except ValueError:
            badline.append("line=%r reason=%r" % (r.get("line"), r.get("reason")))
    c.many("rejects.csv: every line is a number", badline)
    fname = plan["file"]["name"]
    probs = []
    reason_probs = []
    raw_probs = []
    src_probs = []
    used = set()
    for x in planted:
        got = by_line.get(x["line"], [])
        if len(got) != 1:
            hint = ""
            alt = by_line.get(x["record"] + 1)
            if alt:
                hint = " (found a reject at line %d = record ordinal counting the header: line numbers must be " \
                       "physical lines, a quoted multi-line record before it shifts them)" % (x["record"] + 1)
            probs.append("line %d (%s/%s, assignment %s): %d row(s)%s" % (
                x["line"], x["reason"], x["subtype"], x["assignment_number"], len(got), hint))
            continue
        used.add(x["line"])
        r = got[0]
        reason = (r.get("reason") or "").lower()
        if not any(k in reason for k in kw[x["reason"]]):
            reason_probs.append("line %d planted %s (%s): reason %r mentions none of %s" % (
                x["line"], x["reason"], x["subtype"], r.get("reason"), kw[x["reason"]]))
        raw = r.get("raw") or ""
        if not raw.strip():
            raw_probs.append("line %d: raw is empty" % x["line"])
        for s in x["raw_contains"]:
            if x["reason"] == "torn_row":   # esrpipe may withhold a torn row (PII columns cannot be located)
                continue
            if pseudonymised and s == x["assignment_number"]:
                continue
            if s not in raw:
                raw_probs.append("line %d: raw does not contain %r: %r" % (x["line"], s, raw[:120]))
        sf = (r.get("source_file") or "").strip()
        if not sf or os.path.basename(sf.replace("\\", "/")) != fname:
            src_probs.append("line %d: source_file %r (expected a path ending in %s)" % (x["line"], sf, fname))
    extra = ["line %d: %r (not planted)" % (ln, [r.get("reason") for r in rs]) for ln, rs in sorted(by_line.items())
             if ln not in used and ln not in set(x["line"] for x in planted)]
    c.many("rejects.csv: each planted reject at its physical input line", probs)
    c.many("rejects.csv: no rejects that were not planted", extra)
    c.many("rejects.csv: reasons name the planted defect", reason_probs)
    c.many("rejects.csv: raw holds the rejected row (non-PII fields verbatim)", raw_probs)
    c.many("rejects.csv: source_file names the input", src_probs)
    by_reason = {}
    for x in planted:
        by_reason[x["reason"]] = by_reason.get(x["reason"], 0) + 1
    c.eq("plan self-check: rejects by reason add up", sum(by_reason.values()), plan["counts"]["rejected"])


def check_records(c, plan, exp, mode, outdir):
    req = ["org_code", "employee_number", "assignment_number", "position_title", "occupation_code", "staff_group",
           "profession_supported", "profession_source", "support_role", "career_framework_level", "pay_band",
           "area_of_work", "fte", "dq_flags"]
    rows, text = read_csv(os.path.join(outdir, "records.csv"), c, "records.csv", req)
    if rows is None:
        return
    c.eq("records.csv: one row per in-scope assignment", len(rows), plan["counts"]["in_scope"])
    asg = [(r.get("assignment_number") or "").strip() for r in rows]
    dups = sorted(set(a for a in asg if asg.count(a) > 1)) if len(set(asg)) != len(asg) else []
    c.many("records.csv: assignment numbers are unique", ["%r appears more than once" % a for a in dups[:100]])
    badfte = []
    fte = []
    for i, r in enumerate(rows):
        v = dec(r.get("fte"))
        if v is None:
            badfte.append("row %d: fte %r" % (i + 2, r.get("fte")))
            v = Decimal(0)
        fte.append(v)
    c.many("records.csv: fte is a number on every row", badfte)
    c.eq("records.csv: total FTE", sum(fte, Decimal(0)), Decimal(exp["total"]["fte"]))

    cells = {}
    orgs = {}
    codes = {}
    for r, f in zip(rows, fte):
        k = ((r.get("profession_supported") or "").strip(), (r.get("support_role") or "").strip())
        e = (r.get("employee_number") or "").strip()
        a = cells.setdefault(k, [Decimal(0), set()])
        a[0] += f
        a[1].add(e)
        o = orgs.setdefault((r.get("org_code") or "").strip(), [Decimal(0), set()])
        o[0] += f
        o[1].add(e)
        cd = codes.setdefault((r.get("occupation_code") or "").strip(), [Decimal(0), 0])
        cd[0] += f
        cd[1] += 1
    want = {(x["profession"], x["support_role"]): x for x in exp["cells"]}
    probs = []
    for k in sorted(set(want) | set(cells)):
        g = cells.get(k)
        w = want.get(k)
        if w is None:
            probs.append("%s × %s: %d rows / fte %s not planted" % (k[0], k[1], len(g[1]), g[0]))
        elif g is None:
            probs.append("%s × %s: missing (want fte %s)" % (k[0], k[1], w["fte"]))
        else:
            if g[0] != Decimal(w["fte"]):
                probs.append("%s × %s: fte %s, want %s" % (k[0], k[1], g[0], w["fte"]))
            if len(g[1]) != w["headcount"]:
                probs.append("%s × %s: distinct employees %d, want %d" % (k[0], k[1], len(g[1]), w["headcount"]))
    c.many("records.csv: FTE and distinct persons per profession_supported × support_role (%s)" % mode, probs)
    probs = []
    for oc in sorted(set(orgs) | set(exp["orgs"])):
        g, w = orgs.get(oc), exp["orgs"].get(oc)
        if w is None:
            probs.append("org %r: %d rows not planted" % (oc, len(g[1])))
        elif g is None:
            probs.append("org %s: missing" % oc)
        elif g[0] != Decimal(w["total"]["fte"]) or len(g[1]) != w["total"]["headcount"]:
            probs.append("org %s: fte %s headcount %d, want %s / %d" % (oc, g[0], len(g[1]), w["total"]["fte"],
                                                                      w["total"]["headcount"]))
    c.many("records.csv: FTE and distinct persons per org_code", probs)
    wc = plan["by_occupation_code"]
    probs = []
    for cd in sorted(set(codes) | set(wc)):
        g, w = codes.get(cd), wc.get(cd)
        if w is None:
            probs.append("occupation code %r: %d rows fte %s not planted in scope" % (cd, g[1], g[0]))
        elif g is None:
            probs.append("occupation code %s: missing (want %d rows, fte %s)" % (cd, w["rows"], w["fte"]))
        elif g[0] != Decimal(w["fte"]) or g[1] != w["rows"]:
            probs.append("occupation code %s: %d rows fte %s, want %d / %s" % (cd, g[1], g[0], w["rows"], w["fte"]))
    c.many("records.csv: FTE and rows per occupation code (Table 4 per care setting)", probs)

    # area of work blanks
    blank = [(r, f) for r, f in zip(rows, fte) if (r.get("area_of_work") or "").strip() == ""]
    aw = plan["area_of_work"]
    c.eq("records.csv: rows with blank area_of_work", len(blank), aw["blank_rows"])
    c.eq("records.csv: FTE with blank area_of_work", sum((f for _, f in blank), Decimal(0)), Decimal(aw["blank_fte"]))

    # titles with en dashes / accents arrive as UTF-8
    tcount = {}
    for r in rows:
        t = r.get("position_title") or ""
        tcount[t] = tcount.get(t, 0) + 1
    probs = []
    for t, n in sorted(plan["titles_special"].items()):
        if tcount.get(t, 0) != n:
            probs.append("%r: %d rows, want %d" % (t, tcount.get(t, 0), n))
    c.many("records.csv: en-dash / accented local titles intact in position_title", probs)

    # profession evidence
    src = [(r.get("profession_source") or "").strip().lower() for r in rows]
    ev = [s for s in src if "title" in s or "area" in s]
    pe = exp["profession_from_evidence"]
    c.eq("records.csv: rows whose profession came from title/area_of_work (%s)" % mode, len(ev), pe["rows"])
    if mode == "evidence" and pe["rows"]:
        flagged = [r for r in rows if any(w in (r.get("profession_source") or "").lower() for w in ("title", "area"))]
        noflag = [r.get("assignment_number") for r in flagged if isblank(r.get("dq_flags"))]
        c.many("records.csv: profession taken from title/area_of_work carries a data-quality flag",
               ["assignment %s: dq_flags empty" % a for a in noflag])

    # per-assignment identity (only when assignment numbers are not pseudonymised)
    pa = plan["in_scope_assignments"]
    keys = plan["cell_keys"]
    byasg = {x[0]: x for x in pa}
    hits = sum(1 for a in asg if a in byasg)
    if rows and hits >= 0.9 * len(rows):
        col = 5 if mode == "code-only" else 6
        probs = []
        seen = set()
        for r, f in zip(rows, fte):
            a = (r.get("assignment_number") or "").strip()
            x = byasg.get(a)
            if x is None:
                probs.append("assignment %r: not an in-scope planted assignment" % a)
                continue
            seen.add(a)
            if (r.get("org_code") or "").strip() != x[2]:
                probs.append("assignment %s: org_code %r, want %s" % (a, r.get("org_code"), x[2]))
            if (r.get("occupation_code") or "").strip() != x[3]:
                probs.append("assignment %s: occupation_code %r, want %s" % (a, r.get("occupation_code"), x[3]))
            if f != Decimal(x[4]):
                probs.append("assignment %s: fte %s, want %s" % (a, f, x[4]))
            pk = keys[x[col]]
            got = [(r.get("profession_supported") or "").strip(), (r.get("support_role") or "").strip()]
            if got != pk:
                probs.append("assignment %s (%s): %s × %s, want %s × %s" % (a, x[3], got[0], got[1], pk[0], pk[1]))
            if (r.get("employee_number") or "").strip() != x[1]:
                probs.append("assignment %s: employee_number %r, want %s" % (a, r.get("employee_number"), x[1]))
        for a in sorted(set(byasg) - seen):
            probs.append("assignment %s: planted in scope but missing" % a)
        c.many("records.csv: each in-scope assignment with its org, code, FTE and classification", probs)
        return False
    c.note("records.csv assignment numbers do not match the plan (%d of %d) - pseudonymised? per-assignment "
           "identity checks skipped" % (hits, len(rows)))
    return True


def check_text_hygiene(c, outdir):
    for name in ("records.csv", "summary.csv", "rejects.csv"):
        p = os.path.join(outdir, name)
        if not os.path.isfile(p):
            continue
        t = open(p, "rb").read().decode("utf-8", "replace")
        probs = []
        for pat, what in MOJIBAKE:
            n = t.count(pat)
            if n:
                i = t.index(pat)
                probs.append("%d x %s, e.g. %r" % (n, what, t[max(0, i - 30):i + 30]))
        m = C1.search(t)
        if m:
            i = m.start()
            probs.append("C1 control character U+%04X (Windows-1252 decoded as Latin-1?), e.g. %r" % (
                ord(m.group()), t[max(0, i - 30):i + 30]))
        c.many("%s: no mojibake" % name, probs)


def check_xlsx(c, outdir):
    p = os.path.join(outdir, "return.xlsx")
    if not c.ok("return.xlsx exists", os.path.isfile(p), "missing %s" % p):
        return
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
            bad = z.testzip()
        c.ok("return.xlsx is a valid zip with a workbook", bad is None and "xl/workbook.xml" in names,
             "bad member %r / members %s" % (bad, names[:10]))
    except zipfile.BadZipFile as e:
        c.ok("return.xlsx is a valid zip with a workbook", False, str(e))


def check_pii(c, plan, outdir):
    idx = PiiIndex(plan["pii"])
    if not plan["pii"].get("complete", True):
        c.note("plan lists PII for %d of %d persons (sampled; all rejected rows included)" % (
            plan["pii"]["persons_listed"], plan["pii"]["persons_total"]))
    files = []
    for root, dirs, fs in os.walk(outdir):
        dirs.sort()
        for f in sorted(fs):
            files.append(os.path.join(root, f))
    c.ok("output directory has files", bool(files), outdir)
    for path in files:
        rel = os.path.relpath(path, outdir)
        probs = []
        try:
            for label, text in texts_of_file(path):
                for (kind, orig), n in sorted(idx.scan(text).items()):
                    probs.append("%s %r x%d in %s" % (kind, orig, n, os.path.relpath(label, outdir)))
        except OSError as e:
            probs.append("cannot read: %s" % e)
        c.many("no PII in %s" % rel, probs)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check esrpipe outputs against a gen_export.py plan.")
    ap.add_argument("--plan", required=True)
    ap.add_argument("--out", required=True, help="esrpipe output directory")
    ap.add_argument("--mode", choices=["evidence", "code-only"], default="evidence")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list passing checks")
    a = ap.parse_args(argv)
    try:
        plan = json.load(open(a.plan, encoding="utf-8"))
    except Exception as e:
        print("check_national: cannot read plan %s: %s" % (a.plan, e), file=sys.stderr)
        return 2
    c = Checks(a.verbose)
    exp = plan["expected"][a.mode]
    c.ok("output directory exists", os.path.isdir(a.out), a.out)
    if os.path.isdir(a.out):
        check_run_json(c, plan, a.out)
        check_summary(c, plan, exp, a.out)
        if "national" in plan:
            check_national_dims(c, plan, exp, a.out)
        pseudo = check_records(c, plan, exp, a.mode, a.out)
        check_rejects(c, plan, a.out, pseudonymised=bool(pseudo))
        check_text_hygiene(c, a.out)
        check_xlsx(c, a.out)
        check_pii(c, plan, a.out)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
