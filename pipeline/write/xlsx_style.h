/* xlsx_style.h - the house formats shared by the trust and regional
 * workbooks, so both returns look the same. */
#ifndef ESR_XLSX_STYLE_H
#define ESR_XLSX_STYLE_H

#include <xlsxwriter.h>

#include "status.h"

typedef struct esr_xlsx_style {
    lxw_format *bold, *heading, *heading_num, *title, *fte, *count, *pct, *note;
    lxw_format *total, *total_fte, *total_count, *total_pct;
    lxw_format *wrap;                  /* long text, wrapped in a bounded column */
    lxw_format *count_left, *fte_left; /* a number beside its label (Cover) */
} esr_xlsx_style;

/* Add the house formats to wb (the workbook owns them). */
void xlsx_style_add(lxw_workbook *wb, esr_xlsx_style *st);

/* Deflate level of every part of the workbooks (libxlsxwriter's own: 6). */
#define ESR_XLSX_ZIP_LEVEL 1

#define ESR_XLSX_MAX_COLS 64
#define ESR_XLSX_MAX_WIDTH 72.0  /* an NHS organisation name in full */
#define ESR_XLSX_WRAP_WIDTH 45.0 /* a wrapped text column (st->wrap) */

/* A worksheet and the widest value seen per column (libxlsxwriter 1.1.4
 * has no autofit). */
typedef struct esr_xsheet {
    lxw_worksheet *ws;
    double width[ESR_XLSX_MAX_COLS];
    lxw_row_t wrap_row; /* 1 + the row whose height wrapped text set last */
    int wrap_lines;     /* that row's lines */
} esr_xsheet;

/* Write a string cell (nothing for ""), widening its column unless it is a
 * note (in st->wrap: up to ESR_XLSX_WRAP_WIDTH, the row made as tall as the
 * wrapped text); the first error is kept in *err. */
void xsheet_str(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                const char *v, lxw_format *f);
/* Characters on a line of a note: longer notes go on over several rows, so
 * a note never widens the printed page beyond its table. */
#define ESR_XLSX_NOTE_CHARS 110
/* Write note text (st->note) from cell (r, c) down, a line of at most
 * ESR_XLSX_NOTE_CHARS characters per row, broken between words; returns
 * the row after its last line. */
lxw_row_t xsheet_note(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                      lxw_col_t c, const char *text);
/* Write a number cell, widening its column for the value as shown. */
void xsheet_num(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                double v, lxw_format *f);
/* Write a formula with its computed value v as the cached result (what
 * every reader shows until it recalculates), widening its column for v. */
void xsheet_formula(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                    lxw_col_t c, const char *formula, double v, lxw_format *f);
/* Write an FTE (units of 0.00001) as a number, in st->fte unless f. */
void xsheet_fte(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                long long e5, lxw_format *f);
/* Write a row of column headings (NULL-terminated names) in a heading row. */
void xsheet_headings(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                     const char *const *names);
/* Set the tracked column widths (at least min). */
void xsheet_widths(esr_xsheet *sh, double min);
/* Open a constant_memory workbook at path (libxlsxwriter's temporaries in
 * tmpdir) with nsheets sheets named names, and add the house formats. */
esr_status xlsx_book_open(const char *path, const char *tmpdir, const char *const *names,
                          int nsheets, esr_xsheet *sheets, esr_xlsx_style *st, lxw_workbook **out,
                          esr_err *err);
/* Headings wrap: their columns are made wide enough for this many lines,
 * and a heading row (xsheet_headings, or xsheet_heading_row before its
 * first cell: constant_memory) is this many lines tall. */
#define ESR_XLSX_HEADING_LINES 2
/* Make row r a heading row (call before writing its cells). */
void xsheet_heading_row(esr_xsheet *sh, lxw_row_t r);

/* How a sheet is printed: see xsheet_print. */
typedef struct esr_print {
    int landscape;   /* else portrait */
    int paper;       /* libxlsxwriter paper code: 9 = A4 (0 = A4), 8 = A3 */
    int header_rows; /* rows repeated at the top of every page (0: none) */
    int pages_tall;  /* fit to this many pages tall (0: as many as needed) */
} esr_print;

/* Print setup of a sheet: paper and orientation, one page wide (as many
 * pages tall as needed, or pages_tall), header rows repeated, the sheet's name and
 * "Page n of m" in the footer. */
void xsheet_print(esr_xsheet *sh, const esr_print *p);
/* Close (write) the workbook (path names it in messages), first checking the sheets'
 * temporaries in tmpdir: libxlsxwriter ignores their write errors, so a
 * full disk would otherwise give a truncated workbook and no error. pending
 * is the first cell-write error. The workbook is freed either way. */
esr_status xlsx_close_checked(lxw_workbook *wb, esr_xsheet *sheets, int nsheets, const char *path,
                              const char *tmpdir, lxw_error pending, esr_err *err);

#endif
