#!/usr/bin/env python3
"""The return workbook as a person sees it: LibreOffice converts return.xlsx to
PDF, pdftoppm renders the pages, and the By profession page is checked to hold
its whole table, the totals row and the chart on one page; every page is
numbered; LibreOffice recalculating the summary sheets' formulas gets their
cached results, and a hand correction on Support workforce moves the FTE; the
regional workbook renders with its By profession chart; the National
comparison page has its ratio table, source and chart.

    /usr/bin/python3 tests/e2e/render.py --esrpipe build/esrpipe [--pngdir output/render]

Skipped (exit 0, `skipped: ...`) when LibreOffice or poppler-utils is not
installed: CI does not install them. Install for a local run with
    apt-get install -y --no-install-recommends libreoffice-calc poppler-utils
PNGs of the pages looked at, and of every page of both workbooks
(trust-N.png, regional-N.png), are written to --pngdir (default
output/render/, which git ignores). Ends with `N passed, M failed`.
"""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join("fixtures", "sample", "esr_sample_2026-03-31.csv")
TRAINING = os.path.join("fixtures", "sample", "esr_training_2026-03-31.csv")
CHART_TITLE = "FTE by profession supported and support role"


def page_text(pdf, n):
    p = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", pdf, "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout.decode("utf-8", "replace")


def npages(pdf):
    p = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def read_ppm(path):
    """(width, height, rgb bytes) of a binary P6 PPM as pdftoppm writes it."""
    data = open(path, "rb").read()
    fields, i = [], 0
    while len(fields) < 4:
        while data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            while data[i:i + 1] not in (b"\n", b""):
                i += 1
            continue
        j = i
        while not data[j:j + 1].isspace():
            j += 1
        fields.append(data[i:j])
        i = j
    i += 1
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError("not an 8-bit P6 PPM")
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[i:i + w * h * 3]


def coloured_fraction(path):
    """Share of pixels that are clearly coloured (chart bars), not grey/black/white text."""
    w, h, px = read_ppm(path)
    n = 0
    for k in range(0, len(px), 3 * 2):   # every other pixel is plenty
        r, g, b = px[k], px[k + 1], px[k + 2]
        if max(r, g, b) - min(r, g, b) > 60:
            n += 1
    return n / (w * h / 2.0), w, h


def render(pdf, page, stem, res, fmt):
    args = ["pdftoppm", "-r", str(res), "-f", str(page), "-l", str(page), "-singlefile"]
    if fmt == "png":
        args.append("-png")
    subprocess.run(args + [pdf, stem], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return stem + (".png" if fmt == "png" else ".ppm")


def convert(office, src, outdir, fmt, tmp, timeout, recalc=False):
    """LibreOffice converts src into outdir (fmt: pdf, xlsx); a private profile
    (no clash with a running LibreOffice), set to recalculate every formula on
    load when recalc. Returns (exit code, stderr)."""
    profile = os.path.join(tmp, "profile-recalc" if recalc else "profile")
    if recalc and not os.path.isdir(profile):
        os.makedirs(os.path.join(profile, "user"))
        with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
                    'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
                    'oor:op="fuse"><value>0</value></prop></item></oor:items>\n')
    try:
        p = subprocess.run([office, "-env:UserInstallation=file://" + profile, "--headless", "--norestore",
                            "--convert-to", fmt, "--outdir", outdir, src],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -1, "timed out after %d s" % timeout


def check_recalc(c, office, xlsx, tmp, timeout):
    """LibreOffice recalculating every formula gets the cached results; after a
    hand correction on Support workforce (one row's profession) the FTE moves."""
    try:
        import openpyxl
    except ImportError:
        print("skipped recalculation: no openpyxl")
        return
    d = os.path.join(tmp, "recalc")
    os.makedirs(d)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Support workforce"]
    head = [x.value for x in ws[1]]
    pc, fc = head.index("Profession supported") + 1, head.index("FTE") + 1
    old, fte = ws.cell(row=2, column=pc).value, ws.cell(row=2, column=fc).value
    new = "Dietetics" if old != "Dietetics" else "Orthoptics"
    ws.cell(row=2, column=pc).value = new
    wb.save(os.path.join(d, "corrected.xlsx"))
    shutil.copy(xlsx, os.path.join(d, "asis.xlsx"))
    outdir = os.path.join(d, "out")
    for name in ("asis.xlsx", "corrected.xlsx"):
        rc, err = convert(office, os.path.join(d, name), outdir, "xlsx", tmp, timeout, recalc=True)
        c.ok(rc == 0, "libreoffice recalculates %s" % name, err[-500:])
    cached = openpyxl.load_workbook(xlsx, data_only=True)
    formulas = openpyxl.load_workbook(xlsx)
    asis = openpyxl.load_workbook(os.path.join(outdir, "asis.xlsx"), data_only=True)
    fixed = openpyxl.load_workbook(os.path.join(outdir, "corrected.xlsx"), data_only=True)
    bad, n = [], 0
    for name in ("By profession", "By band", "Area of work"):
        for row in formulas[name].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    n += 1
                    a, b = cached[name][cell.coordinate].value, asis[name][cell.coordinate].value
                    if not isinstance(b, (int, float)) or abs(a - b) > 1e-9:
                        bad.append("%s!%s %s: cached %r, LibreOffice %r" % (name, cell.coordinate, cell.value, a, b))
    c.ok(n > 0 and not bad, "LibreOffice's recalculation of all %d formulas = their cached results" % n,
         "; ".join(bad[:4]))

    def total_of(wb_, prof):
        ws_ = wb_["By profession"]
        col = [x.value for x in ws_[1]].index("Total FTE") + 1
        for r in range(2, ws_.max_row + 1):
            if ws_.cell(row=r, column=1).value == prof:
                return ws_.cell(row=r, column=col).value or 0
        return None

    c.ok(total_of(cached, old) is not None and total_of(cached, new) is not None,
         "both professions of the correction have a By profession row", "%s, %s" % (old, new))
    for prof, sign in ((old, -1), (new, 1)):
        before, after = total_of(cached, prof), total_of(fixed, prof)
        if before is None:
            continue
        c.ok(after is not None and abs(after - (before + sign * fte)) < 1e-9,
             "a hand correction moves %s FTE %s %s" % (fte, "out of" if sign < 0 else "into", prof),
             "%r -> %r" % (before, after))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--pngdir", default=os.path.join(ROOT, "output", "render"))
    ap.add_argument("--timeout", type=int, default=300)
    a = ap.parse_args()
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        print("skipped: libreoffice not installed")
        return 0
    missing = [t for t in ("pdftoppm", "pdftotext", "pdfinfo") if not shutil.which(t)]
    if missing:
        print("skipped: %s not installed (poppler-utils)" % ", ".join(missing))
        return 0

    c = Checks()
    tmp = tempfile.mkdtemp(prefix="esrpipe-render-")
    try:
        out = os.path.join(tmp, "out")
        p = subprocess.run([os.path.abspath(a.esrpipe), "run", "-q", "-o", out, "--training", TRAINING, SAMPLE],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not c.ok(p.returncode == 0, "esrpipe run exit 0", p.stderr.decode()[-2000:]):
            return c.finish()
        pdfdir = os.path.join(tmp, "pdf")
        os.makedirs(pdfdir)
        # a private profile: no clash with a running LibreOffice or another test
        profile = "file://" + os.path.join(tmp, "profile")
        try:
            p = subprocess.run([office, "-env:UserInstallation=" + profile, "--headless", "--norestore",
                                "--convert-to", "pdf", "--outdir", pdfdir, os.path.join(out, "return.xlsx")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=a.timeout)
            rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            rc, err = -1, "timed out after %d s" % a.timeout
        pdf = os.path.join(pdfdir, "return.pdf")
        errors = [l for l in err.splitlines() if "error" in l.lower()]
        c.ok(rc == 0 and not errors, "libreoffice --convert-to pdf without error", "exit %s: %s" % (rc, err[-1000:]))
        if not c.ok(os.path.isfile(pdf) and os.path.getsize(pdf) > 0, "PDF written"):
            return c.finish()
        n = npages(pdf)
        c.ok(n > 0, "PDF has pages", str(n))
        texts = [page_text(pdf, i) for i in range(1, n + 1)]

        def pages_with(*needles):
            return [i + 1 for i, t in enumerate(texts) if all(s in t for s in needles)]

        os.makedirs(a.pngdir, exist_ok=True)
        # ---- By profession: the whole table, the totals row, the note and the chart on one page
        prof = pages_with("Profession supported", "Headcount", "Total FTE")
        prof = [i for i in prof if "Band 2" not in texts[i - 1]]  # not the By band page
        if c.ok(len(prof) == 1, "By profession table on one page (all columns)", "pages %s" % prof):
            pg = prof[0]
            t = texts[pg - 1]
            c.ok(CHART_TITLE in t, "chart title on the By profession page")
            c.ok("Total" in [l.split("  ")[0].strip() for l in t.splitlines()], "totals row on the By profession page")
            c.ok("rows do not add to the total." in t, "the note under the table is not cut off")
            for role in ("Assistant practitioner", "Support worker", "Nursing associate"):
                # the heading wraps ("Assistant" over "practitioner"); the legend has it on one line
                c.ok(role in t and t.count(role.split()[0]) >= 2,
                     "%s both as a column heading and in the chart legend" % role)
            png = render(pdf, pg, os.path.join(a.pngdir, "by_profession"), 110, "png")
            ppm = render(pdf, pg, os.path.join(tmp, "by_profession"), 60, "ppm")
            frac, w, h = coloured_fraction(ppm)
            c.ok(w > h, "By profession page is landscape", "%dx%d" % (w, h))
            c.ok(frac > 0.01, "chart bars drawn (coloured pixels on the page)", "%.4f" % frac)
            print("rendered By profession: page %d of %d -> %s" % (pg, n, os.path.relpath(png, ROOT)))
        # ---- Training: Care Certificate table with every column on one page
        tr = pages_with("Care Certificate by profession", "Completion", "Not recorded")
        if c.ok(len(tr) >= 1, "Training Care Certificate table on one page (all columns)"):
            t = texts[tr[0] - 1]
            c.ok("All professions" in t, "Training totals row rendered")
            c.ok("never corrected." in t, "the Training notes are not cut off")
            png = render(pdf, tr[0], os.path.join(a.pngdir, "training"), 110, "png")
            print("rendered Training: page %d -> %s" % (tr[0], os.path.relpath(png, ROOT)))
        # ---- National comparison: the ratio table and its chart on the sheet's first page
        nat = pages_with("National comparison: the Trust", "registered")  # headings wrap
        if c.ok(len(nat) == 1, "National comparison ratio table (all columns) on one page", "pages %s" % nat):
            t = texts[nat[0] - 1]
            c.ok("Support FTE per registered FTE, by profession" in t, "ratio chart title on that page")
            c.ok("Source of the national figures:" in t, "the national figures' source on that page")
            png = render(pdf, nat[0], os.path.join(a.pngdir, "national_comparison"), 110, "png")
            ppm = render(pdf, nat[0], os.path.join(tmp, "national"), 60, "ppm")
            frac, w, h = coloured_fraction(ppm)
            c.ok(frac > 0.002, "ratio bars drawn (coloured pixels on the page)", "%.4f" % frac)
            print("rendered National comparison: page %d -> %s" % (nat[0], os.path.relpath(png, ROOT)))
        # ---- Cover: the counts and the input table on the first page
        c.ok(pages_with("Support workforce return", "Rows read", "SHA-256")[:1] == [1], "Cover on page 1")
        png = render(pdf, 1, os.path.join(a.pngdir, "cover"), 110, "png")
        print("rendered Cover: page 1 -> %s" % os.path.relpath(png, ROOT))
        # ---- By band and Data quality: every column on one page
        c.ok(len(pages_with("Profession supported", "Band 2", "Total FTE")) == 1, "By band on one page")
        c.ok(len(pages_with("Rule", "Severity", "What it means", "FTE")) >= 1, "Data quality summary columns on one page")
        c.ok(all("Page %d of %d" % (i + 1, n) in t for i, t in enumerate(texts)), "every page numbered n of m")
        subprocess.run(["pdftoppm", "-r", "80", "-png", pdf, os.path.join(a.pngdir, "trust")], check=True)
        check_recalc(c, office, os.path.join(out, "return.xlsx"), tmp, a.timeout)
        check_regional(c, office, a, tmp)
        return c.finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_regional(c, office, a, tmp):
    """The regional workbook rendered: By profession with its chart, every page numbered."""
    export = os.path.join(tmp, "esr_national_2026-03-31.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen", "gen_export.py"), "--out", export,
                    "--rows", "2000", "--orgs", "8"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nat = os.path.join(tmp, "national")
    subprocess.run([os.path.abspath(a.esrpipe), "run", "-q", "--split-by-org", "--no-workbook", "-o", nat, export],
                   cwd=ROOT, check=True)
    dirs = sorted(os.path.join(nat, d) for d in os.listdir(nat) if os.path.isdir(os.path.join(nat, d)))
    reg = os.path.join(tmp, "regional")
    region_of = {r["ods_code"]: r["region"] for r in read_csv(os.path.join(ROOT, "mappings", "organisations.csv"))}
    by_region = collections.defaultdict(list)
    for d in dirs:
        by_region[region_of.get(os.path.basename(d), "")].append(d)
    region = sorted(by_region, key=lambda r: (-len(by_region[r]), r))[0]
    p = subprocess.run([os.path.abspath(a.esrpipe), "consolidate", "-q", "--region", region, "-o", reg] +
                       by_region[region],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not c.ok(p.returncode == 0, "consolidate exit 0", p.stderr.decode()[-1000:]):
        return
    pdfdir = os.path.join(tmp, "regional-pdf")
    rc, err = convert(office, os.path.join(reg, "return.xlsx"), pdfdir, "pdf", tmp, a.timeout)
    pdf = os.path.join(pdfdir, "return.pdf")
    if not c.ok(rc == 0 and os.path.isfile(pdf), "regional workbook converted to PDF", err[-1000:]):
        return
    n = npages(pdf)
    texts = [page_text(pdf, i) for i in range(1, n + 1)]
    c.ok(all("Page %d of %d" % (i + 1, n) in t for i, t in enumerate(texts)), "regional: every page numbered n of m")
    prof = [i + 1 for i, t in enumerate(texts) if "Regional FTE by profession supported and support role" in t]
    if c.ok(len(prof) == 1, "regional By profession chart on a page", str(prof)):
        ppm = render(pdf, prof[0], os.path.join(tmp, "regional_prof"), 60, "ppm")
        frac, w, h = coloured_fraction(ppm)
        c.ok(frac > 0.01, "regional chart bars drawn", "%.4f" % frac)
    subprocess.run(["pdftoppm", "-r", "80", "-png", pdf, os.path.join(a.pngdir, "regional")], check=True)
    print("rendered the regional workbook: %d pages -> %s/regional-*.png" % (n, os.path.relpath(a.pngdir, ROOT)))


if __name__ == "__main__":
    sys.exit(main())
