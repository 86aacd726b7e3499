/* xlsx_style.h - the house formats shared by the trust and regional
 * workbooks, so both returns look the same. */
#ifndef ESR_XLSX_STYLE_H
#define ESR_XLSX_STYLE_H

#include <xlsxwriter.h>

#include "status.h"

typedef struct esr_xlsx_style {
    lxw_format *bold, *heading, *heading_num, *title, *fte, *count, *pct, *note;
    lxw_format *total, *total_fte, *total_count, *total_pct;
} esr_xlsx_style;

/* Add the house formats to wb (the workbook owns them). */
void xlsx_style_add(lxw_workbook *wb, esr_xlsx_style *st);

/* Deflate level of every part of the workbooks (libxlsxwriter's own: 6). */
#define ESR_XLSX_ZIP_LEVEL 1

#define ESR_XLSX_MAX_COLS 64
#define ESR_XLSX_MAX_WIDTH 60.0

/* A worksheet and the widest value seen per column (libxlsxwriter 1.1.4
 * has no autofit). */
typedef struct esr_xsheet {
    lxw_worksheet *ws;
    double width[ESR_XLSX_MAX_COLS];
} esr_xsheet;

/* Write a string cell (nothing for ""), widening its column unless it is a
 * note; the first error is kept in *err. */
void xsheet_str(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                const char *v, lxw_format *f);
/* Write a number cell, widening its column for the value as shown. */
void xsheet_num(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                double v, lxw_format *f);
/* Write an FTE (units of 0.00001) as a number, in st->fte unless f. */
void xsheet_fte(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                long long e5, lxw_format *f);
/* Write a row of column headings (NULL-terminated names). */
void xsheet_headings(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                     const char *const *names);
/* Set the tracked column widths (at least min). */
void xsheet_widths(esr_xsheet *sh, double min);
/* Open a constant_memory workbook at path (libxlsxwriter's temporaries in
 * tmpdir) with nsheets sheets named names, and add the house formats. */
esr_status xlsx_book_open(const char *path, const char *tmpdir, const char *const *names,
                          int nsheets, esr_xsheet *sheets, esr_xlsx_style *st, lxw_workbook **out,
                          esr_err *err);
/* Close (write) the workbook (path names it in messages), first checking the sheets'
 * temporaries in tmpdir: libxlsxwriter ignores their write errors, so a
 * full disk would otherwise give a truncated workbook and no error. pending
 * is the first cell-write error. The workbook is freed either way. */
esr_status xlsx_close_checked(lxw_workbook *wb, esr_xsheet *sheets, int nsheets, const char *path,
                              const char *tmpdir, lxw_error pending, esr_err *err);

#endif
