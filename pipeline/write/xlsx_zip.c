/* xlsx_zip.c - the deflate level of every workbook's parts: a
 * process-wide override of minizip's entry point (see below). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "xlsx_zip.h"

#include <dlfcn.h>
#include <pthread.h>
#include <zlib.h>

/* ---- zip level ------------------------------------------------------
 * libxlsxwriter 1.1.4 zips every part of a workbook at zlib's default level
 * 6 and has no option to change it. At national scale that deflate is the
 * largest serial step of a run: 1.2 s of 5.2 s at 1.5M rows, for 164 MB
 * of sheet XML. Level 1 takes a third of the time for files about a quarter
 * larger (bench/README.md). libxlsxwriter opens each part through minizip's
 * zipOpenNewFileInZip4_64, which Debian's build takes from the shared
 * libminizip: this definition comes first in the dynamic symbol lookup,
 * asks for ESR_XLSX_ZIP_LEVEL, and hands everything else to minizip's own.
 * A libxlsxwriter with a bundled minizip never calls it and keeps level 6;
 * either way the parts are ordinary deflate. */

typedef int (*zip_open_fn)(void *, const char *, const void *, const void *, uInt, const void *,
                           uInt, const char *, int, int, int, int, int, int, const char *, uLong,
                           uLong, uLong, int);

static zip_open_fn minizip_open;
static pthread_once_t minizip_once = PTHREAD_ONCE_INIT;

/* Find minizip's own zipOpenNewFileInZip4_64. */
static void minizip_find(void)
{
    minizip_open = (zip_open_fn)dlsym(RTLD_NEXT, "zipOpenNewFileInZip4_64");
}

int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi,
                            const void *extrafield_local, uInt size_extrafield_local,
                            const void *extrafield_global, uInt size_extrafield_global,
                            const char *comment, int method, int level, int raw, int windowBits,
                            int memLevel, int strategy, const char *password, uLong crcForCrypting,
                            uLong versionMadeBy, uLong flagBase, int zip64);

/* minizip's entry point with the house level (see above); -1 if there is none. */
int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi,
                            const void *extrafield_local, uInt size_extrafield_local,
                            const void *extrafield_global, uInt size_extrafield_global,
                            const char *comment, int method, int level, int raw, int windowBits,
                            int memLevel, int strategy, const char *password, uLong crcForCrypting,
                            uLong versionMadeBy, uLong flagBase, int zip64)
{
    pthread_once(&minizip_once, minizip_find);
    if (!minizip_open)
        return -1; /* ZIP_ERRNO: libxlsxwriter reports the workbook as not written */
    if (method == Z_DEFLATED && level == Z_DEFAULT_COMPRESSION)
        level = ESR_XLSX_ZIP_LEVEL;
    return minizip_open(file, filename, zipfi, extrafield_local, size_extrafield_local,
                        extrafield_global, size_extrafield_global, comment, method, level, raw,
                        windowBits, memLevel, strategy, password, crcForCrypting, versionMadeBy,
                        flagBase, zip64);
}

/* Put the house zip level in force (see xlsx_zip.h): look minizip up now. */
void xlsx_zip_use(void)
{
    pthread_once(&minizip_once, minizip_find);
}
