/* xlsx_zip.h - the deflate level of the workbooks' parts (see xlsx_zip.c). */
#ifndef ESR_XLSX_ZIP_H
#define ESR_XLSX_ZIP_H

/* Deflate level of every part of the workbooks (libxlsxwriter's own: 6). */
#define ESR_XLSX_ZIP_LEVEL 1

/* Put the house zip level in force for every workbook closed after it: a
 * static library member is linked only when something refers to it, so a
 * program writing workbooks calls this (xbook_open does) before closing one. */
void xlsx_zip_use(void);

#endif
