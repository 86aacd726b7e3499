/* xlsx_tmp.h - libxlsxwriter's temporary files, with larger buffers (see
 * xlsx_tmp.c). */
#ifndef ESR_XLSX_TMP_H
#define ESR_XLSX_TMP_H

#include <stdio.h>

/* Bytes of each temporary file's stdio buffer (the library's: 4 KiB). */
#define ESR_XLSX_TMP_BUFFER (64u << 10)

/* Put the buffered temporary files in force (a static library member is
 * linked only when something refers to it: xbook_open calls this). */
void xlsx_tmp_use(void);

/* The definition libxlsxwriter calls through the dynamic linker: the
 * library's own temporary file in tmpdir (NULL: its default), as a stream
 * with an ESR_XLSX_TMP_BUFFER buffer; NULL if there is none. */
FILE *lxw_tmpfile(char *tmpdir);

#endif
