/* xlsx_cell.h - three helpers on libxlsxwriter's per-cell path, defined
 * faster in front of the library's own (see xlsx_cell.c). */
#ifndef ESR_XLSX_CELL_H
#define ESR_XLSX_CELL_H

#include <xlsxwriter.h>

/* Put the faster helpers in force (a static library member is linked only
 * when something refers to it: xbook_open calls this). 1 when they are the
 * ones libxlsxwriter calls (its version is the one they were checked
 * against), else 0 and the library's own run. */
int xlsx_cell_use(void);

/* The definitions libxlsxwriter 1.1.4 calls through the dynamic linker. */
void lxw_rowcol_to_cell(char *cell_name, lxw_row_t row, lxw_col_t col);
char *lxw_escape_data(const char *data);
char *lxw_escape_control_characters(const char *string);

#endif
