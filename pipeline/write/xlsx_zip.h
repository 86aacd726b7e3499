/* xlsx_zip.h - how the workbooks' parts are deflated (see xlsx_zip.c). */
#ifndef ESR_XLSX_ZIP_H
#define ESR_XLSX_ZIP_H

#include <zlib.h>

/* Deflate level of every part of the workbooks (libxlsxwriter's own: 6). */
#define ESR_XLSX_ZIP_LEVEL 1
/* A part's first bytes deflated as one stream, exactly as minizip would. */
#define ESR_XLSX_ZIP_SERIAL (1u << 20)
/* Past them, blocks of this many bytes are deflated two at a time. */
#define ESR_XLSX_ZIP_BLOCK (256u << 10)

/* Put the house zip level in force for every workbook closed after it: a
 * static library member is linked only when something refers to it, so a
 * program writing workbooks calls this (xbook_open does) before closing one. */
void xlsx_zip_use(void);

/* The minizip entry points this module defines in front of minizip's own
 * (Debian ships no minizip headers: zipFile is void *). */
int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi,
                            const void *extrafield_local, uInt size_extrafield_local,
                            const void *extrafield_global, uInt size_extrafield_global,
                            const char *comment, int method, int level, int raw, int windowBits,
                            int memLevel, int strategy, const char *password, uLong crcForCrypting,
                            uLong versionMadeBy, uLong flagBase, int zip64);
int zipWriteInFileInZip(void *file, const void *buf, unsigned len);
int zipCloseFileInZip(void *file);

#endif
