#!/usr/bin/env python3
"""The return workbook, opened with openpyxl: template, table furniture, drop-downs,
chart, number formats, totals, the Training sheet and the Data quality sheet.

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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
TRAINING = os.path.join("fixtures", "sample", "esr_training_2026-03-31.csv")

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
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def check_workbook(c, out):
    path = os.path.join(out, "return.xlsx")
    records = read_csv(os.path.join(out, "records.csv"))
    with open(os.path.join(out, "records.csv"), newline="", encoding="utf-8") as f:
        rec_header = next(csv.reader(f))
    rejects = read_csv(os.path.join(out, "rejects.csv"))
    summary = read_csv(os.path.join(out, "summary.csv"))
    wb = openpyxl.load_workbook(path)

    # ---- sheets -----------------------------------------------------------
    c.eq(wb.sheetnames, SHEETS, "sheet names and order")
    for name in SHEETS:
        if name in wb.sheetnames:
            c.eq(wb[name].sheet_state, "hidden" if name == "Lists" else "visible", "%s visibility" % name)
    if wb.sheetnames != SHEETS:
        return

    # ---- no formulas anywhere (cells, and the XML itself) -----------------
    formulas = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    formulas.append("%s!%s" % (ws.title, cell.coordinate))
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") and n.endswith(".xml") and re.search(rb"<f[ >]", z.read(n)):
                formulas.append(n)
    c.ok(not formulas, "no cell holds a formula", ", ".join(formulas[:10]))
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

    check_cover(c, wb["Cover"], records, rejects, tot)
    check_records_sheet(c, wb["Support workforce"], rec_header, records)
    prof_rows = check_by_profession(c, wb["By profession"], profs, roles, tot)
    check_by_band(c, wb["By band"], profs, bands, tot)
    check_area(c, wb["Area of work"], tot)
    check_titles(c, wb["Job titles"])
    check_lists_and_validation(c, wb, rec_header, records, profs, roles, bands, areas)
    check_chart(c, wb["By profession"], prof_rows)
    check_training(c, wb["Training"], records, tot, profs)
    check_dq(c, wb["Data quality"], records, rejects)
    check_national_layouts(c, wb, tot)


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


def check_streamed(c, esrpipe, tmp):
    """A return big enough that its records reach the workbook thread in several
    chunks, records split between them: the sheets built while streaming hold
    every record, and Support workforce is byte for byte the sheet that
    --split-by-org builds afterwards from the finished records.csv."""
    export = os.path.join(tmp, "esr_one_trust_2026-03-31.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen", "gen_export.py"), "--out", export,
                    "--rows", "3000", "--orgs", "1"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
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
    sheets = []
    for out in (outs["streamed"], split[0]):
        with zipfile.ZipFile(os.path.join(out, "return.xlsx")) as z:
            sheets.append(z.read("xl/worksheets/sheet2.xml"))
    c.ok(sheets[0] == sheets[1], "streamed Support workforce sheet = the one built from records.csv",
         "%d vs %d bytes" % (len(sheets[0]), len(sheets[1])))


def check_cover(c, ws, records, rejects, tot):
    rows = rows_of(ws)
    c.eq(rows[0][0], "Support workforce return", "Cover title")
    kv = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}
    for k in ("Organisation code", "Organisation", "Region", "Snapshot date", "Template version", "Mapping version",
              "Mapping checksum (SHA-256)", "Classification mode", "Employee numbers pseudonymised", "Rows read",
              "In scope", "Out of scope", "Rejected (see rejects.csv)", "In-scope FTE"):
        c.ok(k in kv and kv[k] not in (None, ""), "Cover has %r" % k)
    c.eq(kv.get("Organisation code"), "RTH", "Cover organisation code")
    c.eq(kv.get("Snapshot date"), "2026-03-31", "Cover snapshot date")
    c.eq(kv.get("In scope"), len(records), "Cover in scope = records.csv rows")
    c.eq(kv.get("Rejected (see rejects.csv)"), len(rejects), "Cover rejected = rejects.csv rows")
    c.eq(kv.get("Rows read"), kv.get("In scope", 0) + kv.get("Out of scope", 0) + kv.get("Rejected (see rejects.csv)", 0),
         "Cover rows read = in scope + out of scope + rejected")
    c.eq(kv.get("In-scope FTE"), float(tot[("profession_role", "", "", "")]["fte"]), "Cover in-scope FTE")
    i = find_row(rows, "Input file")
    if c.ok(i is not None, "Cover input files table"):
        c.eq(strip_row(rows[i]), ["Input file", "Bytes", "SHA-256", "Encoding", "Rows"], "Cover input header")
        data = open(os.path.join(ROOT, SAMPLE), "rb").read()
        c.eq(strip_row(rows[i + 1])[:3], [os.path.basename(SAMPLE), len(data), hashlib.sha256(data).hexdigest()],
             "Cover input file name, size and checksum")


def check_records_sheet(c, ws, header, records, training=True):
    rows = rows_of(ws)
    c.eq(strip_row(rows[0]), header, "Support workforce header = records.csv header")
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
                or cell.number_format != "#,##0.00":
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
                ok = v == (want[1:] if want[:1] == "'" and want[1:2] in "=+-@" else want)
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
            if cell.value != want or cell.number_format != "#,##0.00":
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
    c.eq(strip_row(rows[0]), ["Rule", "Severity", "Field", "What it means", "Rows", "FTE"], "Data quality header")
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
    summ = {r[0]: r[4] for r in rows[1:i - 1] if r and r[0]}
    c.eq(summ, dict(by_rule), "rule counts = findings listed")
    c.eq(ws.auto_filter.ref, "A%d:F%d" % (i + 1, i + 1 + sum(want.values())), "Data quality autofilter on the findings")


if __name__ == "__main__":
    sys.exit(main())
