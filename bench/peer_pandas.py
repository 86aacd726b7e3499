#!/usr/bin/env python3
"""The peer: what a trust analyst would write instead of esrpipe, in pandas.

    peer_pandas.py [-m MAPPINGS_DIR] [-o OUT_DIR] EXPORT

Reads an ESR staff-in-post export (gzip or plain CSV, Windows-1252), maps
the header aliases to canonical names, classifies occupation codes by
joining mappings/occupation_codes.csv (profession, support_role), keeps the
in-scope rows (a support role and FTE > 0), and writes OUT_DIR/return.xlsx
(XlsxWriter: a "Support workforce" sheet of in-scope rows and a "By
profession" sheet: FTE and distinct-employee headcount by profession x
support role, with a total) plus OUT_DIR/records.csv. Prints one line of
counts on stderr.

Written as a competent analyst would: header read first so only the needed
columns are parsed, every column as text (employee numbers keep their
zeros), vectorised cleaning, a merge for the lookup, a groupby for the
summary, no Python loop over rows. Not the same job as esrpipe in every
detail (no title matching, no evidence rules, no lineage, no data-quality
sheet, no atomic output, no row-level rejects file): it is the floor of
what an analyst would accept, so esrpipe's extra work is counted against
esrpipe. Needs python3-pandas and python3-xlsxwriter (Debian packages).
"""
import argparse
import os
import re
import sys

import pandas as pd

# the columns this script uses (their header spellings come from mappings/columns.csv)
NEEDED = ["employee_number", "assignment_number", "org_code", "org_name", "position_title",
          "occupation_code", "job_role", "staff_group", "area_of_work", "pay_band", "fte",
          "assignment_category"]
OUTPUT_COLUMNS = ["org_code", "employee_number", "assignment_number", "position_title",
                  "occupation_code", "staff_group", "job_role", "profession", "support_role",
                  "pay_band", "area_of_work", "fte", "assignment_category"]
NOT_SUPPORT = "Not a support role"


EXCEL_ROWS = 1048576  # rows a worksheet holds, the heading included

def key(name):
    """Header comparison key: case-insensitive, ignoring spaces and punctuation."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def alias_keys(mappings):
    """Header key -> column name, for the NEEDED columns, from esrpipe's own alias table."""
    cols = pd.read_csv(os.path.join(mappings, "columns.csv"), dtype=str, keep_default_na=False)
    cols = cols[(cols["kind"] == "field") & cols["canonical"].isin(NEEDED)]
    keys = {key(a): c for c, a in zip(cols["canonical"], cols["alias"])}
    keys.update({key(c): c for c in NEEDED})
    return keys


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export")
    ap.add_argument("-m", "--mappings", default=os.path.join(here, "mappings"))
    ap.add_argument("-o", "--output", default="output-pandas")
    a = ap.parse_args()
    os.makedirs(a.output, exist_ok=True)

    read = dict(compression="infer", encoding="cp1252", encoding_errors="replace")
    with open(a.export, "rb") as f:
        if f.read(2) == b"\x1f\x8b":
            read["compression"] = "gzip"  # gzip whatever the file is called

    # Header first: map the aliases, then parse only the columns we use.
    header = pd.read_csv(a.export, nrows=0, **read).columns
    aliases = alias_keys(a.mappings)
    rename = {h: aliases[key(h)] for h in header if key(h) in aliases}
    missing = {"occupation_code", "fte"} - set(rename.values())
    if missing:
        sys.exit("peer_pandas: %s: no column for %s" % (a.export, ", ".join(sorted(missing))))
    df = pd.read_csv(a.export, usecols=list(rename), dtype=str, keep_default_na=False,
                     on_bad_lines="skip", **read).rename(columns=rename)
    rows_read = len(df)

    # Clean: FTE to a number (bad values -> NaN, dropped below), codes upper-case.
    df["fte"] = pd.to_numeric(df["fte"].str.strip(), errors="coerce")
    df["occupation_code"] = df["occupation_code"].str.strip().str.upper()
    df = df[df["fte"].notna() & (df["fte"] >= 0)]

    # Classify: join the occupation code table.
    codes = pd.read_csv(os.path.join(a.mappings, "occupation_codes.csv"), dtype=str,
                        usecols=["code", "profession", "support_role"], keep_default_na=False)
    df = df.merge(codes, how="left", left_on="occupation_code", right_on="code")
    in_scope = df["support_role"].notna() & (df["support_role"] != NOT_SUPPORT) & (df["fte"] > 0)
    rec = df.loc[in_scope, [c for c in OUTPUT_COLUMNS if c in df.columns]]
    if "assignment_number" in rec:  # later copies of an in-scope assignment, as esrpipe
        rec = rec.drop_duplicates([c for c in ("org_code", "assignment_number") if c in rec],
                                  keep="first")

    # Summary: profession x support role, FTE sum and distinct employees; then a total.
    summary = (rec.groupby(["profession", "support_role"], sort=True)
               .agg(fte=("fte", "sum"), headcount=("employee_number", "nunique"))
               .reset_index())
    total = pd.DataFrame([{"profession": "Total", "support_role": "",
                           "fte": rec["fte"].sum(), "headcount": rec["employee_number"].nunique()}])
    summary = pd.concat([summary, total], ignore_index=True)

    rec.to_csv(os.path.join(a.output, "records.csv"), index=False, float_format="%.5f")
    with pd.ExcelWriter(os.path.join(a.output, "return.xlsx"), engine="xlsxwriter") as xw:
        # Excel holds 1,048,576 rows a sheet (XlsxWriter raises past it): the
        # support-shape 1.5M extract has 1.3M in-scope rows; records.csv has all
        for name, frame in (("Support workforce", rec.head(EXCEL_ROWS - 1)),
                            ("By profession", summary)):
            frame.to_excel(xw, sheet_name=name, index=False, freeze_panes=(1, 0))
            ws = xw.sheets[name]
            ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
            ws.set_column(0, len(frame.columns) - 1, 18)

    print("peer_pandas: %d rows read, %d in scope, %.5f FTE, %d people"
          % (rows_read, len(rec), rec["fte"].sum(), rec["employee_number"].nunique()),
          file=sys.stderr)


if __name__ == "__main__":
    main()
