#!/usr/bin/env python3
"""The return workbook, opened with openpyxl: template, table furniture, drop-downs,
chart, number formats, totals, the Training sheet and the Data quality sheet;
column widths against their content, print setup on every sheet of the trust
and the regional workbook, and the summary sheets' formulas: their cached
results = summary.csv, and the same figures evaluated here from the Support
workforce sheet as SUMIFS would (so a hand correction recalculates them).

Runs esrpipe on the bundled sample with the bundled competence export and
checks return.xlsx against the run's own CSV sidecars, the mapping tables and
(for the Training sheet) the competence export read independently.

    /usr/bin/python3 tests/e2e/workbook.py --esrpipe build/esrpipe [--keep DIR]

Prints one line per failed check and ends with `N passed, M failed`.
"""
import argparse
import collections
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from checks import FORMULA_GRAMMAR, Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
TRAINING = os.path.join("fixtures", "sample", "esr_training_2026-03-31.csv")

FTE_FMT = "#,##0.00_)"  # 2 dp, a space short of the right edge (never runs into the next column)
SHEETS = ["Cover", "Support workforce", "By profession", "By band", "Area of work", "Job titles",
          "Training", "Data quality", "National comparison", "Lists"]
CODED = {  # Support workforce column -> Lists column header
    "profession_supported": "Profession supported",
    "support_role": "Support role",
    "pay_band": "Pay band",
    "area_of_work": "Area of work",
    "standard_title": "Standard title",
}

try:
    import openpyxl
    from openpyxl.utils import get_column_letter, range_boundaries
except ImportError:  # pragma: no cover
    sys.stderr.write("workbook.py: needs openpyxl (run with /usr/bin/python3)\n")
    sys.exit(2)


def mapping(name):
    return read_csv(os.path.join(ROOT, "mappings", name))


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def find_row(rows, first, start=0):
    for i in range(start, len(rows)):
        if rows[i] and rows[i][0] == first:
            return i
    return None


def strip_row(r):
    r = list(r)
    while r and r[-1] is None:
        r.pop()
    return r


def words(s):
    return " " + " ".join(re.findall(r"[a-z0-9]+", s.lower())) + " "


def status_key(s):
    return re.sub(r"[^a-z0-9]", "", s.lower().replace("&", "and"))


CC_DONE = {"achieved", "completed", "complete", "met", "passed", "awarded"}
CC_PROG = {"inprogress", "enrolled", "started", "booked", "registered", "onprogramme"}


def care_certificate_by_person(path):
    """Independent reading of the competence export: completed > in progress > not recorded."""
    data = open(path, "rb").read()
    text = data.decode("utf-8-sig") if data[:3] == b"\xef\xbb\xbf" else data.decode("cp1252")
    rd = csv.reader(text.splitlines())
    header = [re.sub(r"[^a-z0-9]", "", h.lower()) for h in next(rd)]
    ce = next(i for i, h in enumerate(header) if h in ("employeenumber", "employeeno", "personnumber", "empno"))
    cn = next(i for i, h in enumerate(header) if h in ("competencename", "competence", "qualificationname"))
    cs = next(i for i, h in enumerate(header) if h in ("competencestatus", "status", "completionstatus"))
    rank = {}
    for r in rd:
        if len(r) <= max(ce, cn, cs) or not r[ce].strip() or " care certificate " not in words(r[cn]):
            continue
        k = status_key(r[cs])
        v = 2 if k in CC_DONE else 1 if k in CC_PROG else 0
        rank[r[ce].strip()] = max(rank.get(r[ce].strip(), 0), v)
    return {e: ["not_recorded", "in_progress", "completed"][v] for e, v in rank.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--keep", help="write the outputs here and keep them")
    a = ap.parse_args()
    esrpipe = os.path.abspath(a.esrpipe)
    tmp = tempfile.mkdtemp(prefix="esrpipe-wb-")
    out = os.path.abspath(a.keep) if a.keep else os.path.join(tmp, "out")
    c = Checks()
    try:
        p = subprocess.run([esrpipe, "run", "-q", "-o", out, "--training", TRAINING, SAMPLE], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not c.ok(p.returncode == 0, "esrpipe run exit 0", "exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:])):
            return c.finish()
        check_workbook(c, out)
        check_capped(c, esrpipe, os.path.join(tmp, "capped"))
        check_streamed(c, esrpipe, tmp)
        check_regional(c, esrpipe, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def check_workbook(c, out):
    path = os.path.join(out, "return.xlsx")
    records = read_csv(os.path.join(out, "records.csv"))
    with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
        rec_header = next(csv.reader(f))
    # rejects.csv also lists the competence export's rejected rows (their own
    # source_file, reasons training_*): the Cover counts them apart
    every_reject = read_csv(os.path.join(out, "rejects.csv"))
    rejects = [r for r in every_reject if not r["reason"].startswith("training_")]
    competence_rejects = len(every_reject) - len(rejects)
    summary = read_csv(os.path.join(out, "summary.csv"))
    wb = openpyxl.load_workbook(path, data_only=True)  # formulas read as their cached results
    wbf = openpyxl.load_workbook(path)                 # formulas as written

    # ---- sheets -----------------------------------------------------------
    c.eq(wb.sheetnames, SHEETS, "sheet names and order")
    for name in SHEETS:
        if name in wb.sheetnames:
            c.eq(wb[name].sheet_state, "hidden" if name == "Lists" else "visible", "%s visibility" % name)
    if wb.sheetnames != SHEETS:
        return

    # ---- formulas only on the summary sheets, never built from input text ---
    formulas, elsewhere = {}, []
    for ws in wbf.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    if ws.title in FORMULA_SHEETS:
                        formulas[(ws.title, cell.coordinate)] = cell.value
                    else:
                        elsewhere.append("%s!%s" % (ws.title, cell.coordinate))
    c.ok(not elsewhere, "no formula outside By profession, By band and Area of work", ", ".join(elsewhere[:10]))
    bad = [(k, f) for k, f in formulas.items() if not FORMULA_GRAMMAR.fullmatch(f)]
    c.ok(not bad, "every formula is SUMIFS/SUM/IF over cell references and \"\" only (no input text)", str(bad[:3]))
    c.ok(len(formulas) > 100, "the summary sheets' FTE figures are formulas", str(len(formulas)))
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                xml = z.read(n)
                for f in re.findall(rb"<f>([^<]*)</f>", xml):
                    if not FORMULA_GRAMMAR.fullmatch("=" + f.decode().replace("&quot;", '"').replace("&amp;", "&")
                                                     .replace("&apos;", "'")):
                        bad.append((n, f))
    c.ok(not bad, "formulas in the sheet XML match the grammar too", str(bad[:3]))
    check_formulas(c, wb, wbf, rec_header, records, summary)
    # every part deflated at the house level 1 (minizip marks it in bits 1-2 of the
    # flags: 6 = "superfast"); libxlsxwriter alone would use level 6 (flags 0)
    with zipfile.ZipFile(path) as z:
        slow = [i.filename for i in z.infolist() if i.compress_type != zipfile.ZIP_DEFLATED or i.flag_bits & 6 != 6]
    c.ok(not slow, "every workbook part deflated at level 1", ", ".join(slow[:5]))

    profs = [r["profession"] for r in mapping("professions.csv")]
    roles = [r["support_role"] for r in mapping("support_roles.csv")]
    bands = []
    for r in mapping("bands.csv"):
        if r["band"] not in bands:
            bands.append(r["band"])
    areas = [r["area_of_work"] for r in mapping("areas_of_work.csv")]
    tot = {(r["dimension"], r["profession"], r["support_role"], r["key"]): r for r in summary if not r["org_code"]}

    check_cover(c, wb["Cover"], records, rejects, tot, competence_rejects)
    check_records_sheet(c, wb["Support workforce"], rec_header, records)
    prof_rows = check_by_profession(c, wb["By profession"], profs, roles, tot)
    check_by_band(c, wb["By band"], profs, bands, tot)
    check_area(c, wb["Area of work"], tot)
    check_titles(c, wb["Job titles"])
    check_lists_and_validation(c, wb, rec_header, records, profs, roles, bands, areas)
    check_chart(c, wb["By profession"], prof_rows)
    check_training(c, wb["Training"], records, tot, profs)
    check_dq(c, wb["Data quality"], records, rejects)
    for name in SHEETS[:-1]:
        check_widths(c, wb[name])
    check_print(c, wb, "trust")
    check_national_layouts(c, wb, tot)


FORMULA_SHEETS = ("By profession", "By band", "Area of work")


def sheet_table(ws):
    """Support workforce as {heading: [values]} (rows below the heading row)."""
    rows = rows_of(ws)
    head = rows[0]
    return {h: [r[i] if i < len(r) else None for r in rows[1:]] for i, h in enumerate(head) if h}


class Evaluator:
    """Evaluates the grammar above the way a spreadsheet does: SUMIFS text
    criteria compare without regard to case; "" matches an empty cell."""

    def __init__(self, wb):
        self.wb = wb
        ws = wb["Support workforce"]
        self.cols = {}
        for i, col in enumerate(ws.iter_cols(values_only=True)):
            self.cols[get_column_letter(i + 1)] = list(col)

    def value(self, sheet, ref):
        return self.wb[sheet][ref.replace("$", "")].value

    def arg(self, sheet, a):
        m = re.fullmatch(r"'Support workforce'!\$([A-Z]+):\$[A-Z]+", a)
        if m:
            return ("col", self.cols[m.group(1)])
        if a == '""':
            return ("crit", "")
        if ":" in a:
            lo, hi = a.replace("$", "").split(":")
            return ("range", [v for row in self.wb[sheet][lo:hi] for v in (c.value for c in row)])
        return ("crit", self.value(sheet, a))

    def call(self, sheet, name, args):
        a = [self.arg(sheet, x) for x in args]
        if name == "SUM":
            vals = a[0][1]
            return sum(v for v in vals if isinstance(v, (int, float)))
        total = 0
        for i, v in enumerate(a[0][1]):
            if not isinstance(v, (int, float)):
                continue
            ok = True
            for (_, rng), (_, crit) in zip(a[1::2], a[2::2]):
                cell = rng[i] if i < len(rng) else None
                if crit == "":
                    ok = ok and cell in (None, "")
                else:
                    ok = ok and isinstance(cell, str) and cell.lower() == str(crit).lower()
            if ok:
                total += v
        return total

    def term(self, sheet, t):
        m = re.fullmatch(r"(SUMIFS|SUM)\((.*)\)", t)
        if m:
            return self.call(sheet, m.group(1), m.group(2).split(","))
        return self.value(sheet, t) or 0

    def expr(self, sheet, e):
        parts = re.findall(r"([-/]?)((?:SUMIFS|SUM)\([^()]*\)|[^-/]+)", e)
        v = 0
        for op, t in parts:
            x = self.term(sheet, t)
            v = v / x if op == "/" else v - x if op == "-" else x
        return v

    def formula(self, sheet, f):
        m = re.fullmatch(r"=IF\(([^=]+)=0,0,(.*)\)", f)
        if m:
            return 0 if not self.value(sheet, m.group(1)) else self.expr(sheet, m.group(2))
        return self.expr(sheet, f[1:])


def check_formulas(c, wb, wbf, header, records, summary):
    """Cached results = the figures evaluated from Support workforce; the
    headcounts are values, with a note saying a correction leaves them."""
    ev = Evaluator(wb)
    bad, n = [], 0
    for name in FORMULA_SHEETS:
        for row in wbf[name].iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                n += 1
                want = ev.formula(name, cell.value)
                got = wb[name][cell.coordinate].value
                if not isinstance(got, (int, float)) or abs(got - want) > 1e-9:
                    bad.append("%s!%s %s: cached %r, evaluated %r" % (name, cell.coordinate, cell.value, got, want))
    c.ok(n and not bad, "every cached formula result = its formula evaluated over Support workforce (%d)" % n,
         "; ".join(bad[:4]))
    prof = wbf["By profession"]
    head_col = [c_.value for c_ in prof[1]].index("Headcount") + 1
    c.ok(all(prof.cell(row=r, column=head_col).data_type == "n" for r in range(2, prof.max_row + 1)
             if prof.cell(row=r, column=head_col).value is not None),
         "By profession headcount is a value (de-duplicated per person: no formula can)")
    for name in FORMULA_SHEETS:
        text = sheet_text(wb[name])
        c.ok("FTE figures are formulas over the Support workforce sheet" in text
             and "Headcount counts each person once" in text, "%s says what a correction changes" % name)
    text = sheet_text(wb["Cover"])
    c.ok("correct coded columns with the drop-downs" in text and "recalculates" in text,
         "Cover tells users to correct the drop-downs, and that the FTE recalculates")


def sheet_text(ws):
    """Column A's text of a sheet as one string (a note spans several rows)."""
    return " ".join(r[0] for r in rows_of(ws) if r and isinstance(r[0], str))


def shown(cell):
    """The text of a cell as a spreadsheet shows it (numbers in their number format)."""
    v, f = cell.value, cell.number_format or ""
    if isinstance(v, bool) or v is None:
        return ""
    if isinstance(v, (int, float)):
        if "%" in f:
            return "%.1f%%" % (v * 100)
        if "0.00" in f:
            return "{:,.2f}".format(v)
        if "#,##0" in f:
            return "{:,.0f}".format(v)
        return str(v)
    return str(v)


def check_widths(c, ws):
    """Every column wide enough for what it shows: a number in full (so it never
    runs into the next column), text unless it may run on over an empty cell to
    its right, wrapped text (and a wrapped heading's longest word) in a row tall
    enough. Notes and titles run on freely."""
    cut, wrapped_cut = [], []
    for row in ws.iter_rows():
        for cell in row:
            text = shown(cell)
            if not text or cell.font.i or (cell.font.sz or 11) > 11:
                continue
            width = ws.column_dimensions[cell.column_letter].width or 8.43
            right = ws.cell(row=cell.row, column=cell.column + 1).value
            if cell.alignment.wrap_text:
                heading = cell.fill.fgColor.rgb not in (None, "00000000")
                n = max(len(w) for w in text.split()) if heading else min(len(text), 45)
                lines = -(-len(text) // 52)  # an average character is narrower than the unit digit
                h = ws.row_dimensions[cell.row].height or 15
                if not heading and h < 15 * lines:
                    wrapped_cut.append("%s (%d chars, row height %s)" % (cell.coordinate, len(text), h))
            else:
                n = len(text)
                if not isinstance(cell.value, (int, float)) and right in (None, ""):
                    continue  # text runs on over the empty cell
            if width < n + 1:
                cut.append("%s %r: width %.1f" % (cell.coordinate, text[:30], width))
    c.ok(not cut, "%s: every column as wide as its content (numbers never run on)" % ws.title, "; ".join(cut[:6]))
    c.ok(not wrapped_cut, "%s: wrapped text has a row tall enough" % ws.title, "; ".join(wrapped_cut[:4]))


def check_print(c, wb, what):
    """Print setup on every sheet: A4/A3, one page wide, landscape where wide,
    the heading row repeated, page numbers in the footer."""
    for ws in wb.worksheets:
        ps = ws.page_setup
        width = sum(d.width or 0 for d in ws.column_dimensions.values())
        c.ok(ps.orientation in ("landscape", "portrait"), "%s %s: orientation set" % (what, ws.title))
        c.ok(ps.orientation == "landscape" or width <= 140, "%s %s: landscape where wide" % (what, ws.title),
             "%s, width %.0f" % (ps.orientation, width))
        c.ok(str(ps.paperSize) in ("8", "9"), "%s %s: A4 or A3 paper" % (what, ws.title), str(ps.paperSize))
        fit = ws.sheet_properties.pageSetUpPr
        tall = 1 if (what, ws.title) == ("regional", "By profession") else 0  # its chart never cut in two
        c.ok(fit is not None and fit.fitToPage and ps.fitToWidth in (None, 1) and (1 if ps.fitToHeight is None else int(ps.fitToHeight)) == tall,
             "%s %s: one page wide, as many tall as needed" % (what, ws.title),
             "fitToPage %s, %s x %s" % (fit and fit.fitToPage, ps.fitToWidth, ps.fitToHeight))
        footer = "".join(p.text or "" for p in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right))
        c.ok("&P" in footer and "&N" in footer, "%s %s: page n of m in the footer" % (what, ws.title), footer)
        table = rows_of(ws)[:1]
        if table and ws.title not in ("Cover", "Training", "National comparison") and table[0] and table[0][0]:
            c.eq(str(ws.print_title_rows), "$1:$1", "%s %s: heading row repeated on every page" % (what, ws.title))


def check_regional(c, esrpipe, tmp):
    """The regional workbook: print setup on every sheet, and By profession's chart."""
    export = os.path.join(tmp, "esr_national_2026-03-31.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen", "gen_export.py"), "--out", export,
                    "--rows", "2000", "--orgs", "8"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nat = os.path.join(tmp, "national")
    p = subprocess.run([esrpipe, "run", "-q", "--split-by-org", "--no-workbook", "-o", nat, export], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not c.ok(p.returncode == 0, "national split run exit 0", p.stderr.decode()[-1000:]):
        return
    region_of = {r["ods_code"]: r["region"] for r in mapping("organisations.csv")}
    dirs = sorted(d for d in os.listdir(nat) if os.path.isdir(os.path.join(nat, d)))
    by_region = collections.defaultdict(list)
    for d in dirs:
        by_region[region_of.get(d, "")].append(os.path.join(nat, d))
    region = sorted(by_region, key=lambda r: (-len(by_region[r]), r))[0]
    reg = os.path.join(tmp, "regional")
    p = subprocess.run([esrpipe, "consolidate", "-q", "--region", region, "-o", reg] + by_region[region], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not c.ok(p.returncode == 0, "consolidate exit 0", p.stderr.decode()[-1000:]):
        return
    wb = openpyxl.load_workbook(os.path.join(reg, "return.xlsx"))
    check_print(c, wb, "regional")
    for ws in wb.worksheets:
        check_widths(c, ws)
    ws = wb["By profession"]
    rows = rows_of(ws)
    roles = [h for h in strip_row(rows[0])[1:] if h not in ("Total FTE", "Headcount")]
    last = find_row(rows, "Total")
    if not c.eq(len(ws._charts), 1, "regional By profession has a chart"):
        return
    ch = ws._charts[0]
    c.ok(ch.tagname == "barChart" and ch.type == "bar" and ch.grouping == "stacked",
         "regional chart: stacked horizontal bars")
    c.eq(len(ch.series), len(roles), "regional chart: a series per support role")
    vals = [s.val.numRef.f for s in ch.series]
    c.eq(vals, ["'By profession'!$%s$2:$%s$%d" % (get_column_letter(i + 2), get_column_letter(i + 2), last)
                for i in range(len(roles))], "regional chart: each role's FTE over the professions (no total)")


def check_national_layouts(c, wb, tot):
    """Area of work's Table 5 layout (the sample has ambulance support) and the
    National comparison sheet's note for a snapshot outside the baseline."""
    rows = rows_of(wb["Area of work"])
    i = next((k for k, r in enumerate(rows) if r and r[0] == "Table 5"), None)
    c.ok(i is not None and rows[i - 1][0].startswith("In the layout of the national table"),
         "Area of work: the national Table 5 layout when there is ambulance support")
    t5 = [r for r in rows[i + 1:] if r and r[0]] if i is not None else []
    bad = [r for r in t5 if abs((r[2] or 0) - float(tot.get(("area_of_work", "Paramedic/ambulance", "", r[0]),
                                                             {"fte": 0})["fte"])) > 1e-9]
    c.ok(len(t5) == 37 and not bad, "Area of work Table 5: 37 areas, Trust FTE = ambulance support by area",
         str(bad[:3]))
    flat = [str(v) for r in rows_of(wb["National comparison"]) for v in r if v is not None]
    c.ok(any(v.startswith("Snapshot 2026-03-31 is outside the national baseline's months") and "2020-02" in v
             for v in flat), "National comparison: a 2026 snapshot says which baseline it compares with")


def check_capped(c, esrpipe, out):
    """--max-sheet-rows: the long sheets stop with a note; the filter still covers the rows shown."""
    p = subprocess.run([esrpipe, "run", "-q", "--max-sheet-rows", "5", "-o", out, "--training", TRAINING, SAMPLE],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not c.ok(p.returncode == 0, "capped run exit 0", p.stderr.decode()[-1000:]):
        return
    wb = openpyxl.load_workbook(os.path.join(out, "return.xlsx"))
    ws = wb["Support workforce"]
    from openpyxl.utils import get_column_letter
    last = get_column_letter(ws.max_column)
    c.eq(ws.auto_filter.ref, "A1:%s6" % last, "capped Support workforce: autofilter over the 5 rows shown")
    c.ok(str(ws["A7"].value).startswith("Rows beyond the workbook limit"), "capped Support workforce: note after the rows")
    c.ok((ws.column_dimensions["A"].width or 0) < 20, "capped: the note does not widen column A",
         str(ws.column_dimensions["A"].width))
    # capped: the sheet cannot carry the figures, so they are values, and every sheet says so
    wbf = openpyxl.load_workbook(os.path.join(out, "return.xlsx"))
    formulas = ["%s!%s" % (s.title, cell.coordinate) for s in wbf.worksheets for row in s.iter_rows()
                for cell in row if cell.data_type == "f"]
    c.ok(not formulas, "capped: no formulas (they would count only the rows shown)", ", ".join(formulas[:5]))
    for name in FORMULA_SHEETS + ("Cover",):
        text = sheet_text(wb[name])
        c.ok("does not change" in text and ("Correct the export and run again" in text or name == "Cover"),
             "capped: %s says a correction there does not change the figures" % name)
    summary = read_csv(os.path.join(out, "summary.csv"))
    tot = {(r["dimension"], r["profession"], r["support_role"], r["key"]): r for r in summary if not r["org_code"]}
    prof = rows_of(wb["By profession"])
    trow = find_row(prof, "Total")
    c.ok(trow is not None and abs(prof[trow][prof[0].index("Total FTE")] -
                                  float(tot[("profession_role", "", "", "")]["fte"])) < 1e-9,
         "capped: By profession total is every row's FTE (summary.csv), not the rows shown")


def check_streamed(c, esrpipe, tmp):
    """A return big enough that its records reach the workbook thread in several
    chunks, records split between them: the sheets built while streaming hold
    every record, and Support workforce and Data quality are byte for byte the
    sheets that --split-by-org builds afterwards from its spool of the same
    typed feed (never from records.csv, whose formula guard would turn a title
    typed as '=x into =x)."""
    export = os.path.join(tmp, "esr_one_trust_2026-03-31.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen", "gen_export.py"), "--out", export,
                    "--rows", "3000", "--orgs", "1"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(export, newline="", encoding="cp1252") as f:
        rows = list(csv.reader(f))
    aliases = {r["alias"].lower() for r in mapping("columns.csv") if r["canonical"] == "position_title"}
    title = [h.strip().lower() in aliases for h in rows[0]].index(True)
    guarded = ["'=x", "'+plain", "=1+1", "@SUM(A1)"]  # records.csv guards the last two
    for i in range(1, len(rows), 97):
        rows[i][title] = guarded[i % len(guarded)]
    typed, line = {}, 1  # physical line of each row -> the title typed there
    with open(export, "w", newline="", encoding="cp1252") as f:
        for r in rows:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerow(r)
            typed[line] = r[title]
            line += buf.getvalue().count("\n")
            f.write(buf.getvalue())
    outs = {}
    for mode, extra in (("streamed", []), ("split", ["--split-by-org"])):
        out = outs[mode] = os.path.join(tmp, mode)
        p = subprocess.run([esrpipe, "run", "-q", "-o", out] + extra + [export], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not c.ok(p.returncode == 0, "%s run exit 0" % mode, p.stderr.decode()[-1000:]):
            return
    split = [os.path.join(outs["split"], d) for d in os.listdir(outs["split"])
             if os.path.isdir(os.path.join(outs["split"], d))]
    if not c.eq(len(split), 1, "one organisation's return with --split-by-org"):
        return
    records = read_csv(os.path.join(outs["streamed"], "records.csv"))
    size = os.path.getsize(os.path.join(outs["streamed"], "records.csv"))
    c.ok(size > 3 * 65536, "records.csv spans several 64 KiB chunks", "%d bytes" % size)
    with open(os.path.join(outs["streamed"], "records.csv"), newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    wb = openpyxl.load_workbook(os.path.join(outs["streamed"], "return.xlsx"))
    check_records_sheet(c, wb["Support workforce"], header, records, training=False)
    check_dq(c, wb["Data quality"], records, read_csv(os.path.join(outs["streamed"], "rejects.csv")))
    shown = collections.Counter(r[5] for r in rows_of(wb["Support workforce"])[1:])
    c.eq([shown[t] for t in guarded], [sum(typed[int(r["source_line"])] == t for r in records) for t in guarded],
         "titles typed as '=x, '+plain, =1+1, @SUM(A1) shown as typed, once per record")
    c.ok(all(shown[t] for t in guarded), "each of them is in scope somewhere", shown)
    sheets = []
    for out in (outs["streamed"], split[0]):
        with zipfile.ZipFile(os.path.join(out, "return.xlsx")) as z:
            sheets.append(z.read("xl/worksheets/sheet2.xml"))
    c.ok(sheets[0] == sheets[1], "streamed Support workforce sheet = the one --split-by-org builds",
         "%d vs %d bytes" % (len(sheets[0]), len(sheets[1])))
    # the split return's Data quality: its own records' findings and rejects
    # (rows without an organisation code are the top-level return's)
    sw = openpyxl.load_workbook(os.path.join(split[0], "return.xlsx"))
    check_dq(c, sw["Data quality"], read_csv(os.path.join(split[0], "records.csv")),
             read_csv(os.path.join(split[0], "rejects.csv")))


def check_cover(c, ws, records, rejects, tot, competence_rejects=0):
    rows = rows_of(ws)
    c.eq(rows[0][0], "Support workforce return", "Cover title")
    kv = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}
    for k in ("Organisation code", "Organisation", "Region", "Snapshot date", "Template version", "Mapping version",
              "Mapping checksum (SHA-256)", "Classification mode", "Employee numbers pseudonymised", "Rows read",
              "In scope", "Out of scope", "Rejected (see rejects.csv)", "In-scope FTE", "In-scope headcount (people)"):
        c.ok(k in kv and kv[k] not in (None, ""), "Cover has %r" % k)
    c.eq(kv.get("Organisation code"), "RTH", "Cover organisation code")
    c.eq(kv.get("Snapshot date"), "2026-03-31", "Cover snapshot date")
    c.eq(kv.get("In scope"), len(records), "Cover in scope = records.csv rows")
    c.eq(kv.get("Rejected (see rejects.csv)"), len(rejects), "Cover rejected = rejects.csv rows")
    c.eq(kv.get("Rows read"), kv.get("In scope", 0) + kv.get("Out of scope", 0) + kv.get("Rejected (see rejects.csv)", 0),
         "Cover rows read = in scope + out of scope + rejected")
    if competence_rejects:
        c.eq(kv.get("Competence rows rejected (in rejects.csv)"), competence_rejects,
             "Cover competence rows rejected = rejects.csv training_* rows")
    c.eq(kv.get("In-scope FTE"), float(tot[("profession_role", "", "", "")]["fte"]), "Cover in-scope FTE")
    c.eq(kv.get("In-scope headcount (people)"), int(tot[("profession_role", "", "", "")]["headcount"]),
         "Cover in-scope headcount = summary.csv (de-duplicated)")
    c.eq(kv.get("In-scope headcount (people)"), len(set(r["employee_number"] for r in records)),
         "Cover in-scope headcount = distinct employee numbers in records.csv")
    # labels beside their values: each value is the next cell to its right, numbers left-aligned
    lab = {r[0]: i for i, r in enumerate(rows) if r and isinstance(r[0], str)}
    for k in ("Rows read", "In scope", "In-scope FTE", "In-scope headcount (people)"):
        cell = ws.cell(row=lab[k] + 1, column=2)
        c.ok(isinstance(cell.value, (int, float)) and cell.alignment.horizontal == "left",
             "Cover %s: the number is beside its label (column B, left-aligned)" % k,
             "%r %s" % (cell.value, cell.alignment.horizontal))
    i = find_row(rows, "Input file")
    if c.ok(i is not None, "Cover input files table"):
        c.eq(strip_row(rows[i]), ["Input file", "SHA-256", "Bytes", "Encoding", "Rows"], "Cover input header")
        data = open(os.path.join(ROOT, SAMPLE), "rb").read()
        c.eq(strip_row(rows[i + 1])[:3], [os.path.basename(SAMPLE), hashlib.sha256(data).hexdigest(), len(data)],
             "Cover input file name, checksum and size, each in its own cell")
        c.ok((ws.column_dimensions["B"].width or 0) >= 66, "Cover column B shows a SHA-256 in full",
             str(ws.column_dimensions["B"].width))


def check_records_sheet(c, ws, header, records, training=True):
    rows = rows_of(ws)
    labels = strip_row(rows[0])
    c.eq(len(labels), len(header), "Support workforce has a heading per records.csv column")
    c.ok(all(isinstance(h, str) and "_" not in h and h[:1].isupper() for h in labels) and len(set(labels)) == len(labels),
         "Support workforce headings are for people (capitalised, no code names), one each", str(labels))
    for code, label in (("fte", "FTE"), ("profession_supported", "Profession supported"), ("pay_band", "Pay band"),
                        ("area_of_work", "Area of work"), ("support_role", "Support role")):
        c.eq(labels[header.index(code)] if code in header and len(labels) == len(header) else None, label,
             "Support workforce heading of %s" % code)
    c.eq(len(rows) - 1, len(records), "Support workforce rows = records.csv rows")
    c.eq(ws.freeze_panes, "A2", "Support workforce frozen header row")
    c.eq(ws.auto_filter.ref, "A1:%s%d" % (get_column_letter(len(header)), len(records) + 1),
         "Support workforce autofilter over the table")
    # widths: every column set, none left at the default
    unset = [get_column_letter(i + 1) for i in range(len(header))
             if not ws.column_dimensions[get_column_letter(i + 1)].customWidth
             or not ws.column_dimensions[get_column_letter(i + 1)].width]
    c.ok(not unset, "Support workforce column widths set", "default width: %s" % unset)
    for i, h in enumerate(header):
        w = ws.column_dimensions[get_column_letter(i + 1)].width or 0
        c.ok(w >= min(len(h), 60) * 0.9 or w >= 8, "column %s wide enough for its header" % h, "width %s" % w)
    # FTE: a number, 2 dp shown, full precision kept
    fi = header.index("fte")
    bad, fine = [], 0
    for k, r in enumerate(records):
        cell = ws.cell(row=k + 2, column=fi + 1)
        if not isinstance(cell.value, (int, float)) or abs(cell.value - float(r["fte"])) > 1e-12 \
                or cell.number_format != FTE_FMT:
            bad.append("%s=%r (%s)" % (cell.coordinate, cell.value, cell.number_format))
        if round(float(r["fte"]), 2) != float(r["fte"]):
            fine += 1
    c.ok(not bad, "FTE cells are numbers shown to 2 dp holding the exact value", "; ".join(bad[:5]))
    c.ok(fine > 0, "the sample has an FTE finer than 2 dp (e.g. 0.53333) to prove it")
    c.ok(any(abs((ws.cell(row=k + 2, column=fi + 1).value or 0) - 0.53333) < 1e-12 for k in range(len(records))),
         "FTE 0.53333 kept as 0.53333")
    # every cell as in records.csv (numbers as numbers)
    numeric = {"source_line", "fte", "career_framework_level", "title_confidence", "qualification_level"}
    diffs = []
    for k, r in enumerate(records):
        for j, h in enumerate(header):
            v = ws.cell(row=k + 2, column=j + 1).value
            want = r[h]
            if want == "":
                ok = v is None
            elif h in numeric:
                ok = isinstance(v, (int, float)) and abs(v - float(want)) < 1e-12
            else:
                # records.csv's guard makes '=x mean =x, or '=x typed so: the sheet has the value
                ok = v == want or (want[:1] == "'" and want[1:2] in "=+-@" and v == want[1:])
            if not ok:
                diffs.append("%s%d %s: %r vs %r" % (get_column_letter(j + 1), k + 2, h, v, want))
    c.ok(not diffs, "Support workforce cells = records.csv", "; ".join(diffs[:5]))
    for h in ("care_certificate",) if training else ():
        c.ok(all(r[h] in ("completed", "in_progress", "not_recorded") for r in records),
             "records.csv %s filled for every in-scope row when --training is given" % h)


def matrix_header(c, ws, corner, cols, tail, what):
    rows = rows_of(ws)
    c.eq(strip_row(rows[0]), [corner] + cols + tail, "%s header" % what)
    return rows


def check_by_profession(c, ws, profs, roles, tot):
    present_roles = [r for r in roles if ("profession_role", "", r, "") in tot]
    present_profs = [p for p in profs if ("profession_role", p, "", "") in tot]
    rows = matrix_header(c, ws, "Profession supported", present_roles,
                         ["Total FTE", "Headcount", "Registered FTE", "Support per registered FTE"], "By profession")
    c.eq(ws.freeze_panes, "B2", "By profession frozen header row and column")
    last = get_column_letter(len(present_roles) + 3)
    c.eq(ws.auto_filter.ref, "A1:%s%d" % (last, len(present_profs) + 1), "By profession autofilter over the table")
    c.eq([r[0] for r in rows[1:len(present_profs) + 1]], present_profs, "By profession rows in mapping order")
    bad = []
    for i, p in enumerate(present_profs + [""]):
        row = i + 2
        for j, role in enumerate(present_roles + [""]):
            cell = ws.cell(row=row, column=j + 2)
            want = float(tot[("profession_role", p, role, "")]["fte"]) if ("profession_role", p, role, "") in tot else 0
            if cell.value != want or cell.number_format != FTE_FMT:
                bad.append("%s %r (%s) vs %s" % (cell.coordinate, cell.value, cell.number_format, want))
        h = ws.cell(row=row, column=len(present_roles) + 3)
        if h.value != int(tot[("profession_role", p, "", "")]["headcount"]):
            bad.append("%s headcount %r" % (h.coordinate, h.value))
        reg = float(tot[("registered", p, "", "")]["fte"]) if ("registered", p, "", "") in tot else 0
        sup = float(tot[("profession_role", p, "", "")]["fte"])
        rc, ratio = ws.cell(row=row, column=len(present_roles) + 4), ws.cell(row=row, column=len(present_roles) + 5)
        if rc.value != reg or (ratio.value != (sup / reg if reg else None)):
            bad.append("%s registered %r ratio %r vs %s, %s" % (rc.coordinate, rc.value, ratio.value, reg, sup))
    c.ok(not bad, "By profession FTE (2 dp format, exact value) and headcount = summary.csv", "; ".join(bad[:5]))
    trow = len(present_profs) + 2
    c.eq(ws.cell(row=trow, column=1).value, "Total", "By profession totals row")
    c.ok(ws.cell(row=trow, column=1).font.b, "By profession totals row bold")
    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(present_roles) + 4)]
    c.ok(all(widths), "By profession column widths set", str(widths))
    return len(present_profs), present_roles


def check_by_band(c, ws, profs, bands, tot):
    keys = set(k[3] for k in tot if k[0] == "band")
    cols = [b for b in bands if b in keys]
    if any(k.startswith("(") for k in keys):
        cols += ["(not recorded)", "(not recognised)"]
    present = [p for p in profs if any(k[0] == "band" and k[1] == p for k in tot)]
    rows = matrix_header(c, ws, "Profession supported", cols, ["Total FTE"], "By band")
    c.eq(ws.freeze_panes, "B2", "By band frozen panes")
    c.eq(ws.auto_filter.ref, "A1:%s%d" % (get_column_letter(len(cols) + 2), len(present) + 1), "By band autofilter")
    trow = len(present) + 2
    c.eq(ws.cell(row=trow, column=1).value, "Total", "By band totals row")
    bad = []
    for j, b in enumerate(cols):
        want = float(tot[("band", "", "", b)]["fte"]) if ("band", "", "", b) in tot else 0
        got = ws.cell(row=trow, column=j + 2).value
        if abs(got - want) > 1e-9:
            bad.append("%s %r vs %r" % (b, got, want))
    c.ok(not bad, "By band totals = summary.csv", "; ".join(bad))
    c.ok(abs(ws.cell(row=trow, column=len(cols) + 2).value - float(tot[("profession_role", "", "", "")]["fte"])) < 1e-9,
         "By band grand total = in-scope FTE")


def check_area(c, ws, tot):
    rows = rows_of(ws)
    c.eq(strip_row(rows[0]), ["Area of work", "FTE", "Headcount", "Share of FTE"], "Area of work header")
    c.eq(ws.freeze_panes, "A2", "Area of work frozen header row")
    n = len([k for k in tot if k[0] == "area_of_work" and not k[1]])
    c.eq(ws.auto_filter.ref, "A1:D%d" % (n + 1), "Area of work autofilter")
    c.eq(rows[n + 1][0], "Total", "Area of work totals row")
    c.ok(abs(rows[n + 1][1] - float(tot[("profession_role", "", "", "")]["fte"])) < 1e-9, "Area of work total FTE")
    got = {r[0]: r[1] for r in rows[1:n + 1]}
    want = {k[3]: float(v["fte"]) for k, v in tot.items() if k[0] == "area_of_work" and not k[1]}
    c.eq(got, want, "Area of work FTE by area = summary.csv")
    i = find_row(rows, "Completeness by profession")
    c.ok(i is not None and find_row(rows, "All professions", i) is not None, "Area of work completeness table with total")


def check_titles(c, ws):
    rows = rows_of(ws)
    c.eq(strip_row(rows[0]), ["Local title", "Standard title", "Profession supported", "Support role", "Match",
                              "Confidence", "Mapping rows", "Suggestion (unmapped)", "Assignments", "FTE"],
         "Job titles header")
    c.eq(ws.freeze_panes, "B2", "Job titles frozen panes")
    c.eq(ws.auto_filter.ref, "A1:J%d" % len(rows), "Job titles autofilter")


def check_lists_and_validation(c, wb, header, records, profs, roles, bands, areas):
    lists = wb["Lists"]
    lrows = rows_of(lists)
    lhead = strip_row(lrows[0])
    c.eq(lhead, list(CODED.values()), "Lists header")
    col_vals = {h: [r[j] for r in lrows[1:] if j < len(r) and r[j] is not None] for j, h in enumerate(lhead)}
    c.eq(col_vals.get("Profession supported"), profs, "Lists professions = professions.csv")
    c.eq(col_vals.get("Support role"), roles, "Lists support roles = support_roles.csv")
    c.eq(col_vals.get("Pay band"), bands, "Lists bands = bands.csv")
    c.eq(col_vals.get("Area of work"), areas, "Lists areas = areas_of_work.csv")
    std = sorted(set(r["standard_title"] for r in records if r["standard_title"]))
    c.eq(sorted(col_vals.get("Standard title", [])), std, "Lists standard titles = those in the return")

    ws = wb["Support workforce"]
    dvs = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            dvs[rng] = dv
    n = len(records)
    for col, lname in CODED.items():
        letter = get_column_letter(header.index(col) + 1)
        want_rng = "%s2:%s%d" % (letter, letter, n + 1)
        dv = dvs.get(want_rng)
        if not c.ok(dv is not None, "drop-down on Support workforce %s (%s)" % (col, want_rng),
                    "validations on %s" % sorted(dvs)):
            continue
        c.eq(dv.type, "list", "%s drop-down is a list" % col)
        f = (dv.formula1 or "").lstrip("=")
        c.ok(not f.startswith('"'), "%s drop-down not an inline list" % col, f)
        m = re.fullmatch(r"'?Lists'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", f)
        if c.ok(m is not None, "%s drop-down points at a range on Lists" % col, f):
            li = lhead.index(lname) + 1 if lname in lhead else None
            c.eq((m.group(1), int(m.group(2)), m.group(3), int(m.group(4))),
                 (get_column_letter(li or 1), 2, get_column_letter(li or 1), len(col_vals.get(lname, [])) + 1),
                 "%s drop-down range covers the %s list" % (col, lname))
    # recognised coded values are on the lists
    for col, lname in (("profession_supported", "Profession supported"), ("support_role", "Support role"),
                       ("standard_title", "Standard title")):
        missing = sorted(set(r[col] for r in records if r[col]) - set(col_vals.get(lname, [])))
        c.ok(not missing, "every %s value is on its drop-down list" % col, str(missing))


def check_chart(c, ws, prof_rows):
    np_, roles = prof_rows
    charts = ws._charts
    if not c.eq(len(charts), 1, "one chart on By profession"):
        return
    ch = charts[0]
    c.eq(ch.tagname, "barChart", "chart is a bar chart")
    c.eq(ch.type, "bar", "bars are horizontal (type bar)")
    c.eq(ch.grouping, "stacked", "bars are stacked")
    c.eq(len(ch.series), len(roles), "one series per support role present")
    names, vals, cats = [], [], []
    for s in ch.series:
        names.append(s.tx.strRef.f if s.tx and s.tx.strRef else None)
        vals.append(s.val.numRef.f if s.val and s.val.numRef else None)
        cats.append((s.cat.strRef or s.cat.numRef).f if s.cat else None)
    want_names = ["'By profession'!$%s$1" % get_column_letter(i + 2) for i in range(len(roles))]
    c.eq(names, want_names, "series named by the role headings")
    c.eq(vals, ["'By profession'!$%s$2:$%s$%d" % (get_column_letter(i + 2), get_column_letter(i + 2), np_ + 1)
                for i in range(len(roles))], "series values = each role's FTE column, professions only (no total)")
    c.ok(all(x == "'By profession'!$A$2:$A$%d" % (np_ + 1) for x in cats), "categories = profession names", str(cats[:1]))
    title = ""
    try:
        title = "".join(r.t for p in ch.title.tx.rich.p for r in (p.r or []))
    except AttributeError:
        pass
    c.ok("profession" in title.lower(), "chart has a title", repr(title))


def check_training(c, ws, records, tot, profs):
    rows = rows_of(ws)
    c.eq(rows[0][0], "Training and qualifications", "Training title")
    c.ok(any(isinstance(r[0], str) and r[0].startswith("Joined esr_training_2026-03-31.csv") for r in rows if r),
         "Training names the joined competence export")
    i = find_row(rows, "Care Certificate by profession")
    if not c.ok(i is not None, "Care Certificate table"):
        return
    c.eq(strip_row(rows[i]), ["Care Certificate by profession", "People", "Completed", "In progress", "Not recorded",
                              "Completion"], "Care Certificate header")
    # independent: competence export x records.csv (person -> professions)
    cc = care_certificate_by_person(os.path.join(ROOT, TRAINING))
    people = collections.defaultdict(set)
    for r in records:
        people[r["profession_supported"]].add(r["employee_number"])
        people[""].add(r["employee_number"])
    want = []
    for p in profs + [""]:
        if not people.get(p):
            continue
        st = collections.Counter(cc.get(e, "not_recorded") for e in people[p])
        n = len(people[p])
        want.append([p or "All professions", n, st["completed"], st["in_progress"], st["not_recorded"],
                     st["completed"] / n])
    got = []
    for r in rows[i + 1:]:
        if not r or r[0] is None:
            break
        got.append(strip_row(r))
    c.eq([g[:5] for g in got], [w[:5] for w in want], "Care Certificate by profession = the competence export")
    c.ok(len(got) == len(want) and all(abs(g[5] - w[5]) < 1e-12 for g, w in zip(got, want)),
         "Care Certificate completion rates")
    c.eq(got[-1][0] if got else None, "All professions", "Care Certificate totals row")
    # summary.csv agrees
    for k in ("completed", "in_progress", "not_recorded"):
        s = tot.get(("care_certificate", "", "", k))
        c.eq(int(s["headcount"]) if s else 0, want[-1][{"completed": 2, "in_progress": 3, "not_recorded": 4}[k]],
             "summary.csv care_certificate %s total" % k)
    # records.csv agrees per person
    bad = [r["employee_number"] for r in records if r["care_certificate"] != cc.get(r["employee_number"], "not_recorded")]
    c.ok(not bad, "records.csv care_certificate per person = the competence export", str(bad[:5]))
    for head in ("Highest qualification by profession", "Apprenticeships in progress, by standard",
                 "Competence names not recognised (review; never guessed)"):
        c.ok(find_row(rows, head) is not None, "Training has %r" % head)
    j = find_row(rows, "Highest qualification by profession")
    if j is not None:
        levels = sorted({int(r["level"]) for r in mapping("qualifications.csv") if r["level"]})
        c.eq(strip_row(rows[j]), ["Highest qualification by profession", "None recorded"] +
             ["Level %d" % lv for lv in levels], "qualification table header: a column per level in qualifications.csv")
        k = find_row(rows, "All professions", j)
        c.ok(k is not None and sum(rows[k][1:2 + len(levels)]) == len(people[""]),
             "qualification totals row adds up to the people")


def check_dq(c, ws, records, rejects):
    rows = rows_of(ws)
    c.eq(strip_row(rows[0]), ["Rule", "Severity", "Field", "Rows", "FTE", "What it means"], "Data quality header")
    c.eq(ws.freeze_panes, "A2", "Data quality frozen header row")
    want = collections.Counter()
    for r in records:
        for f in filter(None, r["dq_flags"].split(";")):
            want[(f, r["source_file"], int(r["source_line"]))] += 1
    for r in rejects:
        want[(r["reason"].split(":")[0], r["source_file"], int(r["line"]))] += 1
    i = find_row(rows, "Rule", 1)
    if not c.ok(i is not None, "Data quality findings table"):
        return
    c.eq(strip_row(rows[i]), ["Rule", "Severity", "Source file", "Line", "Field", "Value"], "findings header")
    got = collections.Counter((r[0], r[2], r[3]) for r in rows[i + 1:] if r and r[0])
    c.eq(got, want, "every finding listed with file and line (= records.csv dq_flags + rejects.csv)")
    c.ok(all(isinstance(r[3], int) for r in rows[i + 1:] if r and r[0]), "finding line numbers are numbers")
    by_rule = collections.Counter()
    for (rule, _, _), n in want.items():
        by_rule[rule] += n
    summ = {r[0]: r[3] for r in rows[1:i - 1] if r and r[0]}
    c.eq(summ, dict(by_rule), "rule counts = findings listed")
    c.eq(ws.auto_filter.ref, "A%d:F%d" % (i + 1, i + 1 + sum(want.values())), "Data quality autofilter on the findings")


if __name__ == "__main__":
    sys.exit(main())
