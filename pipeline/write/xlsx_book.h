/* xlsx_book.h - a workbook being written, shared by the trust, regional,
 * compare and trend workbooks: its sheets with the column widths their
 * cells need (libxlsxwriter 1.1.4 has no autofit), the house formats, the
 * first cell-write error, and a close that checks the sheets reached disk. */
#ifndef ESR_XLSX_BOOK_H
#define ESR_XLSX_BOOK_H

#include <time.h>
#include <xlsxwriter.h>

#include "status.h"
#include "xlsx_style.h"

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

/* ---- the workbook ---------------------------------------------------- */

/* A workbook being written: a writer keeps one in its own book, with its
 * sheet array, and writes every cell through it. */
typedef struct esr_xbook {
    lxw_workbook *wb;
    esr_xsheet *s; /* the writer's sheets, nsheets of them */
    int nsheets;
    esr_xlsx_style st; /* the house formats */
    lxw_error error;   /* the first cell-write error */
    const char *path;  /* where the workbook is written (and named in messages) */
    const char *tmpdir;
} esr_xbook;

/* The row cap of a long sheet for option cap (0 = no cap): never past the
 * worksheet's last row but one (kept for the note on rows left out), so
 * "all" means all that fit and the rest stay in the CSV beside it. Rows
 * are capped by their index, heading included. */
uint64_t xbook_rows_cap(uint64_t cap);
/* Open a constant_memory workbook at path (libxlsxwriter's temporaries in
 * tmpdir, NULL: TMPDIR) with nsheets sheets named names into the caller's
 * sheets, and add the house formats. path and tmpdir must outlive b. On
 * failure b holds no workbook. */
esr_status xbook_open(esr_xbook *b, const char *path, const char *tmpdir, const char *const *names,
                      int nsheets, esr_xsheet *sheets, esr_err *err);
/* Write a string cell on sheet s (see xsheet_str). */
void xbook_str(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *v, lxw_format *f);
/* Write a number cell on sheet s (see xsheet_num). */
void xbook_num(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, double v, lxw_format *f);
/* Write an FTE (units of 0.00001) on sheet s, in st.fte unless f. */
void xbook_fte(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, long long e5, lxw_format *f);
/* Write a formula with its cached value v on sheet s (see xsheet_formula). */
void xbook_formula(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *formula, double v,
                   lxw_format *f);
/* Write a heading row of NULL-terminated names on sheet s. */
void xbook_headings(esr_xbook *b, int s, lxw_row_t r, const char *const *names);
/* Write note text on sheet s from cell (r, c) down (see xsheet_note);
 * returns the row after it. */
lxw_row_t xbook_note(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *text);
/* A label row on sheet s: bold label k in column 0, text v beside it;
 * advances *r. */
void xbook_label(esr_xbook *b, int s, lxw_row_t *r, const char *k, const char *v);
/* A label row on sheet s: bold label k, number v beside it in format f
 * (st.count_left or st.fte_left beside a label); advances *r. */
void xbook_label_num(esr_xbook *b, int s, lxw_row_t *r, const char *k, double v, lxw_format *f);
/* Set sheet s's tracked column widths (at least min). */
void xbook_widths(esr_xbook *b, int s, double min);
/* Add a series to chart: categories cat (a formula, e.g.
 * "='Sheet'!$A$2:$A$9"), values the cells (r1, c1)-(r2, c2) of the sheet
 * named sheet, its name the cell (nr, nc) there. NULL if it could not be
 * added. */
lxw_chart_series *xbook_chart_series(lxw_chart *chart, const char *sheet, const char *cat,
                                     lxw_row_t r1, lxw_col_t c1, lxw_row_t r2, lxw_col_t c2,
                                     lxw_row_t nr, lxw_col_t nc);
/* The workbook's document properties (a NULL member: not set). */
typedef struct esr_xbook_props {
    const char *title, *company, *comments;
    time_t created;
} esr_xbook_props;
/* Set the document properties (props may be NULL), then close (write) the
 * workbook, first checking the sheets' temporaries: libxlsxwriter ignores
 * their write errors, so a full disk would otherwise give a truncated
 * workbook and no error. The first cell-write error fails the close too.
 * The workbook is freed either way. */
esr_status xbook_close(esr_xbook *b, const esr_xbook_props *props, esr_err *err);
/* Free the workbook unwritten (nothing if it is closed or never opened). */
void xbook_free(esr_xbook *b);

#endif
