/* xlsx_national.h - the National comparison sheet, shared by the trust and
 * regional workbooks: the return's figures in the rows and columns of the
 * HASKE report's Tables 1-6 beside the national figures of
 * mappings/national_tables.csv (NHS Digital, February/March 2020) and the
 * share they represent; support-to-registered FTE ratios per profession,
 * the return's against the national where the report gives national
 * registered figures; and a bar chart of the ratios. */
#ifndef ESR_XLSX_NATIONAL_H
#define ESR_XLSX_NATIONAL_H

#include <stddef.h>
#include <stdint.h>
#include <xlsxwriter.h>

#include "aggregate.h"
#include "mappings.h"
#include "xlsx_book.h"

/* One summary.csv figure: the totals (org "") and the per-organisation
 * blocks (Table 6 needs the organisations of each region). */
typedef struct esr_natfig {
    const char *org;
    esr_dim dim;
    const char *profession, *role, *key;
    long long fte_e5;
} esr_natfig;

/* The report's table of ambulance support by area of work (Area of work sheet). */
#define ESR_NATIONAL_AREA_TABLE "5"

typedef struct esr_national esr_national;

/* Index figs[0..n) (borrowed; must outlive the result) against m in *out
 * (NULL on failure); national_free frees it. ESR_ERR_NOMEM when out of memory. */
esr_status national_new(const esr_mappings *m, const esr_natfig *figs, size_t n,
                        esr_national **out);
/* Free it. */
void national_free(esr_national *nt);
/* The return's FTE (units of 1e-5) of national_tables.csv row i: the sum of
 * its dimensions ('+'), professions and roles (';') at its key, over every
 * organisation of its region when it names one. */
long long national_fte(const esr_national *nt, size_t i);
/* Registered FTE of profession (units of 1e-5), 0 if none. */
long long national_registered(const esr_national *nt, const char *profession);
/* Support FTE of profession (units of 1e-5), 0 if none. */
long long national_support(const esr_national *nt, const char *profession);

/* Where and how to write: the sheet, its formats, the first cell error. */
typedef struct esr_natsheet {
    lxw_workbook *wb;
    esr_xsheet *sh;
    const char *sheet_name;
    const esr_xlsx_style *st;
    lxw_error *err;
} esr_natsheet;

/* Write the National comparison sheet: who ("Trust", "Region") heads the
 * return's columns; snapshot (YYYY-MM-DD or "") decides the baseline note. */
void national_write_sheet(const esr_natsheet *out, const esr_national *nt, const char *who,
                          const char *snapshot);
/* Write national table table (e.g. "5") from row *r of out's sheet: as
 * the report's rows x columns in three blocks (who FTE, national FTE,
 * share) when national_tables.csv gives it layout "matrix", else as a list
 * Row | Column | who FTE | National FTE | Share | Note; advances *r. 0 if
 * the table has no row. */
int national_write_table(const esr_natsheet *out, const esr_national *nt, const char *table,
                         const char *who, lxw_row_t *r);

#endif
