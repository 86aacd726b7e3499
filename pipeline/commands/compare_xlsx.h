/* compare_xlsx.h - compare.xlsx (libxlsxwriter, constant_memory): Cover
 * (both returns), Changes by profession (base, new, change, with a bar
 * chart of the changes), Joiners and leavers, Moved records (from
 * moves.csv), Data quality (rule counts and area-of-work completeness then
 * and now). Deterministic: the document time is the new snapshot date. */
#ifndef ESR_COMPARE_XLSX_H
#define ESR_COMPARE_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "consolidate_return.h"
#include "status.h"

typedef struct esr_compare_book {
    const esr_trust_return *base, *cur;
    const esr_cell_change *changes; /* summary cells that differ */
    size_t nchanges;
    const esr_compare_counts *counts;
    const char *matched_by;
    const char *moves_path;  /* moves.csv as written (a temporary name) */
    uint64_t max_sheet_rows; /* 0 = all */
    const char *tool_version;
} esr_compare_book;

/* Write the workbook to path (a temporary name); tmpdir for libxlsxwriter. */
esr_status compare_xlsx_write(const char *path, const char *tmpdir, const esr_compare_book *in,
                              esr_err *err);

#endif
