/* xlsx_style.h - the house formats shared by every workbook (the trust,
 * regional, compare and trend ones), so the returns look the same. */
#ifndef ESR_XLSX_STYLE_H
#define ESR_XLSX_STYLE_H

#include <xlsxwriter.h>

typedef struct esr_xlsx_style {
    lxw_format *bold, *heading, *heading_num, *title, *fte, *count, *pct, *note;
    lxw_format *total, *total_fte, *total_count, *total_pct;
    lxw_format *wrap;                  /* long text, wrapped in a bounded column */
    lxw_format *count_left, *fte_left; /* a number beside its label (Cover) */
} esr_xlsx_style;

/* Add the house formats to wb (the workbook owns them). */
void xlsx_style_add(lxw_workbook *wb, esr_xlsx_style *st);

#endif
