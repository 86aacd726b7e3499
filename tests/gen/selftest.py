#!/usr/bin/env python3
"""Self-test of gen_export.py + check_national.py (no esrpipe needed).

Generates small exports, turns each into an esrpipe-shaped output directory
with an independent, deliberately simple Python reading of the design
("oracle": reads the export as a tool would - gzip magic, BOM/encoding,
header aliases, physical line numbers - and classifies by occupation code),
runs the checker (must pass), then breaks the outputs in known ways (PII
leak, wrong FTE, mojibake, record-ordinal line numbers, ...) and asserts the
checker fails on each.

    python3 tests/gen/selftest.py [--keep DIR]
"""
import argparse
import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
GEN = os.path.join(HERE, "gen_export.py")
CHECK = os.path.join(HERE, "check_national.py")
sys.path.insert(0, HERE)
import gen_export  # noqa: E402



def norm(h):
    return re.sub(r"[^a-z0-9]", "", h.lower())


# the generator's header spellings; its pii_* columns all read as "pii" here
ALIAS = {norm(a): "pii" if c.startswith("pii_") else c for c, al in gen_export.ALIASES.items() for a in al}


def read_ref(name):
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Oracle:
    def __init__(self, mode):
        self.mode = mode
        self.levels = []   # (matrix, lo, hi, role)
        for r in read_ref("support_roles.csv"):
            for part in filter(None, r["occupation_levels"].split(";")):
                m, _, lv = part.partition(":")
                lo, _, hi = lv.partition("-")
                self.levels.append((m, lo, hi or lo, r["support_role"]))
        self.profs = []
        for r in read_ref("professions.csv"):
            for part in filter(None, r["esr_specialties"].split(";")):
                m, _, sp = part.partition(":")
                lo, _, hi = sp.partition("-")
                self.profs.append((m, lo, hi or lo, r["profession"]))

    def role(self, code):
        if len(code) != 3 or code.isdigit():
            return None
        for m, lo, hi, role in self.levels:
            if code[0] == m and lo <= code[1] <= hi:
                return role
        return None

    def profession(self, code, title, area):
        prof, src = "Unknown", "none"
        for m, lo, hi, p in self.profs:
            if code[0] == m and (lo == "*" or lo <= code[2] <= hi):
                prof, src = p, "code"
                break
        flags = []
        if self.mode == "evidence" and code in ("H1A", "H2A"):
            text = (title + " " + area).lower()
            for kw, p in (("theatre", "Operating department practice"), ("dietetic", "Dietetics"),
                          ("orthoptic", "Orthoptics")):
                if kw in text:
                    prof, src = p, ("title" if kw in title.lower() else "area_of_work")
                    flags.append("profession_from_" + src)
                    break
        return prof, src, flags


def decode(path):
    b = open(path, "rb").read()
    if b[:2] == b"\x1f\x8b":
        b = gzip.decompress(b)
    if b.startswith(b"\xff\xfe"):
        return b[2:].decode("utf-16-le"), "\t"
    if b.startswith(b"\xef\xbb\xbf"):
        return b[3:].decode("utf-8"), ","
    try:
        return b.decode("utf-8"), ","
    except UnicodeDecodeError:
        return b.decode("cp1252"), ","


CODES = {r["code"]: r for r in read_ref("occupation_codes_v22_1.csv")}
REGION = {r["ods_code"]: r["region"] for r in read_ref("organisations.csv")}


def care_setting(code):
    """The report's care setting: the code's, except retired A-matrix Ambulance Service codes (Emergency Care)."""
    c = CODES.get(code.upper())
    if c is None:
        return "(no occupation code)"
    cs = c["care_setting_or_specialty"]
    return "Emergency Care" if (code[0].upper(), cs) == ("A", "Ambulance Service") else cs


def national_rows(rs, outs, agg):
    """Totals rows of the national dimensions (headcount unchecked there: 0)."""
    out = []
    for (p, s, k), (f, h) in sorted(agg(rs, lambda r: (r["profession_supported"], r["support_role"],
                                                       care_setting(r["occupation_code"]))).items()):
        out.append(["", "care_setting", p, s, k, "%.5f" % f, len(h)])
    sg = lambda r: CODES[r["occupation_code"].upper()]["staff_group_nhs_digital"]
    for key in (lambda r: (r["profession_supported"], r["support_role"], sg(r)),
                lambda r: (r["profession_supported"], "", sg(r)), lambda r: ("", "", sg(r))):
        for (p, s, k), (f, h) in sorted(agg(rs, key).items()):
            out.append(["", "staff_group", p, s, k, "%.5f" % f, len(h)])
    for (k,), (f, h) in sorted(agg(rs, lambda r: (REGION.get(r["org_code"], "(unknown organisation)"),)).items()):
        out.append(["", "region", "", "", k, "%.5f" % f, len(h)])
    sums = {}
    for dim, p, grp, fte in outs:
        for k in {(dim, "", grp), (dim, p, "") if p else (dim, "", grp)}:
            sums[k] = sums.get(k, Decimal(0)) + fte
    for (dim, p, k), f in sorted(sums.items()):
        if dim == "registered" or not p:
            out.append(["", dim, p, "", k, "%.5f" % f, 0])
    return out


def run_oracle(export, outdir, mode, line_mode="physical"):
    o = Oracle(mode)
    text, delim = decode(export)
    src = io.StringIO(text, newline="")
    rdr = csv.reader(src, delimiter=delim)
    header = next(rdr)
    canon = [ALIAS.get(norm(h), "unknown") for h in header]
    pos = {c: i for i, c in enumerate(canon)}
    pii_pos = [i for i, c in enumerate(canon) if c in ("pii", "date_of_birth")]
    prev = rdr.line_num
    recno = 1
    seen = set()
    counts = dict(rows_read=0, in_scope=0, out_of_scope=0, rejected=0)
    records, rejects, outs = [], [], []
    for fields in rdr:
        start = prev + 1
        prev = rdr.line_num
        recno += 1
        counts["rows_read"] += 1
        line = start if line_mode == "physical" else recno
        masked = [("***" if i in pii_pos else f) for i, f in enumerate(fields)]
        raw = delim.join(masked)

        def reject(reason):
            counts["rejected"] += 1
            rejects.append(dict(source_file=export, line=line, reason=reason, raw=raw))

        if len(fields) != len(header):
            reject("wrong number of fields (%d, header has %d)" % (len(fields), len(header)))
            continue
        g = lambda c: fields[pos[c]].strip()
        if not g("occupation_code") and not g("position_title"):
            reject("no occupation code and no position title")
            continue
        if not re.match(r"^-?\d+(\.\d+)?$", g("fte")):
            reject("fte is not a number: %r" % g("fte"))
            continue
        fte = Decimal(g("fte"))
        if fte < 0:
            reject("negative fte")
            continue
        code = g("occupation_code")
        role = o.role(code)
        if role is None or fte == 0:
            counts["out_of_scope"] += 1
            ref = CODES.get(code.upper())
            if ref and fte > 0 and ref["main_staff_group"] == "Professionally qualified clinical staff":
                outs.append(("registered", o.profession(code, "", "")[0], ref["staff_group_nhs_digital"], fte))
            elif ref and fte > 0 and ref["main_staff_group"] == "Support to clinical staff":
                outs.append(("staff_group_out_of_scope", "", ref["staff_group_nhs_digital"], fte))
            continue
        # only rows counted in scope are de-duplicated
        if g("assignment_number") in seen:
            reject("duplicate assignment number")
            continue
        seen.add(g("assignment_number"))
        counts["in_scope"] += 1
        prof, psrc, flags = o.profession(code, g("position_title"), g("area_of_work"))
        band = re.sub(r"^(afc\s*)?band\s*", "", g("pay_band"), flags=re.I)
        records.append(dict(org_code=g("org_code"), employee_number=g("employee_number"),
                            assignment_number=g("assignment_number"), position_title=g("position_title"),
                            occupation_code=code, staff_group=g("staff_group"), profession_supported=prof,
                            profession_source=psrc, support_role=role, career_framework_level="",
                            pay_band="Band " + band, area_of_work=g("area_of_work"), fte="%.5f" % fte,
                            dq_flags=";".join(flags)))
    os.makedirs(outdir, exist_ok=True)
    cols = list(records[0].keys()) if records else ["org_code"]
    with open(os.path.join(outdir, "records.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, cols)
        w.writeheader()
        w.writerows(records)
    with open(os.path.join(outdir, "rejects.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["source_file", "line", "reason", "raw"])
        w.writeheader()
        w.writerows(rejects)
    json.dump(dict(counts=counts, mode=mode), open(os.path.join(outdir, "run.json"), "w"))
    # summary
    out = []

    def agg(rows, key):
        d = {}
        for r in rows:
            k = key(r)
            a = d.setdefault(k, [Decimal(0), set()])
            a[0] += Decimal(r["fte"])
            a[1].add(r["employee_number"])
        return d

    for org in [""] + sorted(set(r["org_code"] for r in records)):
        rs = [r for r in records if not org or r["org_code"] == org]
        for (p, s), (f, h) in sorted(agg(rs, lambda r: (r["profession_supported"], r["support_role"])).items()):
            out.append([org, "profession_role", p, s, "", "%.5f" % f, len(h)])
        if not org:
            f, h = sum((Decimal(r["fte"]) for r in rs), Decimal(0)), set(r["employee_number"] for r in rs)
            out.append(["", "profession_role", "", "", "", "%.5f" % f, len(h)])
            for k, (f, h) in sorted(agg(rs, lambda r: r["pay_band"]).items()):
                out.append(["", "band", "", "", k, "%.5f" % f, len(h)])
            for (p, s, k), (f, h) in sorted(agg(rs, lambda r: (r["profession_supported"], r["support_role"],
                                                               r["area_of_work"])).items()):
                out.append(["", "area_of_work", p, s, k, "%.5f" % f, len(h)])
            out += national_rows(rs, outs, agg)
    with open(os.path.join(outdir, "summary.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["org_code", "dimension", "profession", "support_role", "key", "fte", "headcount"])
        w.writerows(out)
    with zipfile.ZipFile(os.path.join(outdir, "return.xlsx"), "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        cells = "".join("<si><t>%s</t></si>" % r["position_title"].replace("&", "&amp;") for r in records[:50])
        z.writestr("xl/sharedStrings.xml", "<sst>%s</sst>" % cells)
    return counts


def sh(args):
    p = subprocess.run([sys.executable] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="keep work files in this directory")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="esrgen-selftest-")
    os.makedirs(work, exist_ok=True)
    failures = []

    def expect(cond, what, out=""):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            failures.append(what)
            if out:
                print("\n".join("      | " + l for l in out.splitlines()[-40:]))

    configs = [
        ("cp1252", ["--scale", "0.05", "--seed", "3"]),
        ("gzip-utf8", ["--scale", "0.03", "--seed", "4", "--gzip", "--encoding", "utf-8", "--orgs", "5"]),
        ("utf16", ["--rows", "3000", "--seed", "5", "--encoding", "utf-16", "--orgs", "1"]),
    ]
    for name, extra in configs:
        exp = os.path.join(work, name + ".csv")
        plan = exp + ".plan.json"
        rc, out = sh([GEN, "--out", exp, "--plan", plan] + extra)
        expect(rc == 0, "%s: generate" % name, out)
        for mode in ("code-only", "evidence"):
            od = os.path.join(work, "%s-%s" % (name, mode))
            shutil.rmtree(od, ignore_errors=True)
            run_oracle(exp, od, mode)
            rc, out = sh([CHECK, "--plan", plan, "--out", od, "--mode", mode])
            expect(rc == 0 and " 0 failed" in out.splitlines()[-1], "%s/%s: oracle output passes (%s)"
                   % (name, mode, out.splitlines()[-1] if out else "?"), out)
        # wrong mode must fail (reclassified rows move)
        od = os.path.join(work, "%s-evidence" % name)
        rc, out = sh([CHECK, "--plan", plan, "--out", od, "--mode", "code-only"])
        expect(rc != 0, "%s: evidence output checked as code-only fails" % name)

    # mutations on the first config
    exp = os.path.join(work, "cp1252.csv")
    plan = exp + ".plan.json"
    P = json.load(open(plan, encoding="utf-8"))
    base = os.path.join(work, "cp1252-evidence")

    def mutate(label, fn, must_contain):
        od = os.path.join(work, "mut")
        shutil.rmtree(od, ignore_errors=True)
        shutil.copytree(base, od)
        fn(od)
        rc, out = sh([CHECK, "--plan", plan, "--out", od])
        ok = rc == 1 and all(m in out for m in must_contain)
        expect(ok, "mutation %s detected" % label, out)

    def edit(od, name, f):
        p = os.path.join(od, name)
        t = open(p, encoding="utf-8", newline="").read()
        open(p, "w", encoding="utf-8", newline="").write(f(t))

    name0 = P["pii"]["names"][len(P["pii"]["names"]) // 2]
    ni0 = P["pii"]["ni_numbers"][7]
    dob0 = P["pii"]["dates_of_birth"][3]
    addr0 = P["pii"]["addresses"][5]
    mutate("name leak (reordered, upper case)",
           lambda od: edit(od, "records.csv", lambda t: t + ",,," + " ".join(reversed(name0.upper().split(", ")))
                           + "\r\n"),
           ["no PII in records.csv", "name"])
    mutate("NI leak (compact) in run.json",
           lambda od: edit(od, "run.json", lambda t: t[:-1] + ', "x": "%s"}' % ni0.replace(" ", "")),
           ["no PII in run.json", "NI number"])
    mutate("DOB leak as ISO date in xlsx",
           lambda od: zipfile.ZipFile(os.path.join(od, "return.xlsx"), "a").writestr(
               "xl/worksheets/sheet9.xml", "<c><is><t>%s</t></is></c>" % "-".join(reversed(dob0.split("/")))),
           ["return.xlsx", "date of birth"])
    mutate("address leak in rejects raw",
           lambda od: edit(od, "rejects.csv", lambda t: t.replace("***", '"%s"' % addr0.replace('"', ''), 1)),
           ["no PII in rejects.csv", "address"])
    mutate("one FTE changed in summary",
           lambda od: edit(od, "summary.csv", lambda t: t.replace("Occupational therapy,Assistant,,",
                                                                  "Occupational therapy,Assistant,,1", 1)),
           ["summary Occupational therapy × Assistant fte", "Table 2 Occupational Therapy / assistant"])
    mutate("mojibake titles",
           lambda od: edit(od, "records.csv", lambda t: t.replace("\u2013", "\u00e2\u20ac\u201c")),
           ["records.csv: no mojibake", "en-dash / accented local titles"])
    mutate("Latin-1 decoding (C1 controls)",
           lambda od: edit(od, "records.csv", lambda t: t.replace("\u2013", "\u0096")),
           ["C1 control"])
    mutate("rejects numbered by record ordinal",
           lambda od: run_oracle(exp, od, "evidence", line_mode="record"),
           ["record ordinal"])
    mutate("rows_read off by one",
           lambda od: edit(od, "run.json", lambda t: t.replace('"rows_read": ', '"rows_read": 1')),
           ["run.json counts.rows_read"])
    mutate("a reject dropped",
           lambda od: edit(od, "rejects.csv", lambda t: "\r\n".join(t.split("\r\n")[:-2]) + "\r\n"),
           ["one row per planted reject"])
    mutate("headcount summed across assignments",
           lambda od: edit(od, "summary.csv", lambda t: re.sub(r"(,Physiotherapy,Assistant,,[0-9.]+,)(\d+)",
                                                                lambda m: m.group(1) + str(int(m.group(2)) + 3),
                                                                t, count=1)),
           ["Physiotherapy × Assistant headcount"])
    mutate("missing return.xlsx", lambda od: os.remove(os.path.join(od, "return.xlsx")), ["return.xlsx exists"])

    # determinism
    h = []
    for i in range(2):
        p = os.path.join(work, "det%d.csv.gz" % i)
        sh([GEN, "--out", p, "--plan", p + ".json", "--scale", "0.02", "--seed", "9", "--gzip"])
        h.append((open(p, "rb").read(), open(p + ".json", "rb").read().replace(b"det%d" % i, b"detX")))
    expect(h[0] == h[1], "same arguments give byte-identical export and plan")

    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("selftest: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
