/* xlsx_style.c - the house formats, cell helpers, and how the workbooks
 * are zipped. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "xlsx_style.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "text.h"

#define HEADING_FILL 0xDCE6F1
#define NOTE_GREY 0x595959

/* A new bold, shaded, bordered, wrapped heading format. */
static lxw_format *heading(lxw_workbook *wb)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_bold(f);
    format_set_bg_color(f, HEADING_FILL);
    format_set_bottom(f, LXW_BORDER_THIN);
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

/* A new number format (num_format if given), bold and ruled above if total. */
static lxw_format *numeric(lxw_workbook *wb, const char *num_format, int total)
{
    lxw_format *f = workbook_add_format(wb);
    if (num_format)
        format_set_num_format(f, num_format);
    if (total) {
        format_set_bold(f);
        format_set_top(f, LXW_BORDER_THIN);
    }
    return f;
}

/* Add the house formats to wb (the workbook owns them). */
void xlsx_style_add(lxw_workbook *wb, esr_xlsx_style *st)
{
    st->bold = workbook_add_format(wb);
    format_set_bold(st->bold);
    st->heading = heading(wb);
    st->heading_num = heading(wb); /* over a column of numbers */
    format_set_align(st->heading_num, LXW_ALIGN_RIGHT);
    st->title = workbook_add_format(wb);
    format_set_bold(st->title);
    format_set_font_size(st->title, 14);
    st->fte = numeric(wb, "#,##0.00", 0); /* 2 dp on screen, full precision in the cell */
    st->count = numeric(wb, "#,##0", 0);
    st->pct = numeric(wb, "0.0%", 0);
    st->note = workbook_add_format(wb);
    format_set_italic(st->note);
    format_set_font_color(st->note, NOTE_GREY);
    st->total = numeric(wb, NULL, 1);
    st->total_fte = numeric(wb, "#,##0.00", 1);
    st->total_count = numeric(wb, "#,##0", 1);
    st->total_pct = numeric(wb, "0.0%", 1);
}

/* Widen column c to fit n characters (plus padding), up to the maximum. */
static void track_chars(esr_xsheet *sh, lxw_col_t c, double n)
{
    if (c >= ESR_XLSX_MAX_COLS)
        return;
    n += 2;
    if (n > sh->width[c])
        sh->width[c] = n > ESR_XLSX_MAX_WIDTH ? ESR_XLSX_MAX_WIDTH : n;
}

/* Widen column c to fit s (UTF-8) plus extra characters. */
static void track(esr_xsheet *sh, lxw_col_t c, const char *s, double extra)
{
    double n = extra;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80; /* characters, not bytes */
    track_chars(sh, c, n);
}

/* Characters of v as shown: "%.2f", or "%.1f%%" for a percentage. */
static int num_chars(double v, int pct)
{
    double a = pct ? v * 100 : v;
    int n = 4 + (a < 0); /* a digit, then ".dd" or ".d%" */
    a = (a < 0 ? -a : a) + (pct ? 0.05 : 0.005);
    for (; a >= 10 && n < 40; a /= 10)
        n++;
    return n;
}

/* Write a string cell (see xlsx_style.h). */
void xsheet_str(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                const char *v, lxw_format *f)
{
    if (!v || !*v)
        return;
    /* the one place cell text is written: what a sheet cannot hold (XML-
     * invalid characters, text past the cell limit) is replaced or cut
     * here, for both workbooks; the rows are flagged (text_not_sheet_safe,
     * text_too_long_for_sheet) and records.csv keeps the value whole */
    esr_buf clean = {0};
    if (text_sheet_faults(v))
        v = text_sheet_clean(v, &clean);
    lxw_error e = worksheet_write_string(sh->ws, r, c, v, f);
    if (e && !*err)
        *err = e;
    if (f != st->note) /* notes run on over the empty cells to their right */
        track(sh, c, v, f == st->heading || f == st->heading_num ? 1 : 0);
    esr_buf_free(&clean);
}

/* Write a number cell (see xlsx_style.h). */
void xsheet_num(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                double v, lxw_format *f)
{
    lxw_error e = worksheet_write_number(sh->ws, r, c, v, f);
    if (e && !*err)
        *err = e;
    track_chars(sh, c, num_chars(v, f == st->pct || f == st->total_pct) + 1);
}

/* Write an FTE (units of 0.00001) as a number (see xlsx_style.h). */
void xsheet_fte(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r, lxw_col_t c,
                long long e5, lxw_format *f)
{
    xsheet_num(sh, st, err, r, c, (double)e5 / 1e5, f ? f : st->fte);
}

/* Write a row of column headings (see xlsx_style.h). */
void xsheet_headings(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                     const char *const *names)
{
    for (lxw_col_t c = 0; names[c]; c++)
        xsheet_str(sh, st, err, r, c, names[c], st->heading);
}

/* Set the tracked column widths (at least min). */
void xsheet_widths(esr_xsheet *sh, double min)
{
    for (lxw_col_t c = 0; c < ESR_XLSX_MAX_COLS; c++)
        if (sh->width[c] > 0)
            worksheet_set_column(sh->ws, c, c, sh->width[c] < min ? min : sh->width[c], NULL);
}

/* Close the workbook after checking its sheets' temporaries (see header). */
esr_status xlsx_close_checked(lxw_workbook *wb, esr_xsheet *sheets, int nsheets, const char *path,
                              const char *tmpdir, lxw_error pending, esr_err *err)
{
    for (int s = 0; s < nsheets; s++) {
        FILE *t = sheets[s].ws->optimize_tmpfile;
        if (t && (fflush(t) || ferror(t))) {
            int e = errno;
            lxw_workbook_free(wb);
            return esr_err_set(err, ESR_ERR_IO, "%s: writing its sheets failed (in %s): %s", path,
                               tmpdir ? tmpdir : "TMPDIR", strerror(e ? e : EIO));
        }
    }
    errno = 0;
    lxw_error e = workbook_close(wb);
    if (e || pending)
        return esr_err_set(err, ESR_ERR_IO, "%s: %s%s%s", path, lxw_strerror(e ? e : pending),
                           errno ? ": " : "", errno ? strerror(errno) : "");
    return ESR_OK;
}

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
