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
/* Numbers end a space short of the cell's right edge ("_)" is the width of
 * a ")"), so a number never runs into the text of the next column. */
#define FTE_FORMAT "#,##0.00_)"
#define COUNT_FORMAT "#,##0_)"
#define PCT_FORMAT "0.0%_)"

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
    format_set_indent(st->heading_num, 1); /* clear of the heading to its right */
    st->title = workbook_add_format(wb);
    format_set_bold(st->title);
    format_set_font_size(st->title, 14);
    st->fte = numeric(wb, FTE_FORMAT, 0); /* 2 dp on screen, full precision in the cell */
    st->count = numeric(wb, COUNT_FORMAT, 0);
    st->pct = numeric(wb, PCT_FORMAT, 0);
    st->note = workbook_add_format(wb);
    format_set_italic(st->note);
    format_set_font_color(st->note, NOTE_GREY);
    st->total = numeric(wb, NULL, 1);
    st->total_fte = numeric(wb, FTE_FORMAT, 1);
    st->total_count = numeric(wb, COUNT_FORMAT, 1);
    st->total_pct = numeric(wb, PCT_FORMAT, 1);
    st->wrap = workbook_add_format(wb); /* bottom-aligned like the row's other cells */
    format_set_text_wrap(st->wrap);
    st->count_left = numeric(wb, "#,##0", 0);
    format_set_align(st->count_left, LXW_ALIGN_LEFT);
    st->fte_left = numeric(wb, "#,##0.00", 0);
    format_set_align(st->fte_left, LXW_ALIGN_LEFT);
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

/* Widen column c to fit s (UTF-8) plus extra characters, up to cap. */
static void track(esr_xsheet *sh, lxw_col_t c, const char *s, double extra, double cap)
{
    double n = extra;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80; /* characters, not bytes */
    track_chars(sh, c, n < cap ? n : cap);
}

/* Lines s takes wrapped greedily at words in width w (characters); a word
 * longer than w is broken. *longest (if given) gets the longest word. */
static int wrapped_lines(const char *s, double w, double *longest)
{
    int lines = 1;
    double used = 0, word = 0, most = 0;
    for (const unsigned char *p = (const unsigned char *)s;; p++) {
        if (*p && (*p & 0xc0) == 0x80)
            continue; /* characters, not bytes */
        if (*p && *p != ' ' && *p != '\n') {
            word++;
            continue;
        }
        most = word > most ? word : most;
        if (word) {
            if (used && used + 1 + word > w) {
                lines++;
                used = 0;
            }
            for (; word > w; word -= w)
                lines++;
            used += (used ? 1 : 0) + word;
        }
        word = 0;
        if (*p == '\n') {
            lines++;
            used = 0;
        }
        if (!*p)
            break;
    }
    if (longest)
        *longest = most;
    return lines;
}

/* Widen column c for a heading: the least width, at least its longest
 * word, that wraps it onto at most ESR_XLSX_HEADING_LINES lines (its row
 * is that tall: xsheet_heading_row), plus its indent. */
static void track_heading(esr_xsheet *sh, lxw_col_t c, const char *s, double indent)
{
    double w;
    wrapped_lines(s, ESR_XLSX_MAX_WIDTH, &w);
    while (w < ESR_XLSX_MAX_WIDTH && wrapped_lines(s, w, NULL) > ESR_XLSX_HEADING_LINES)
        w++;
    track_chars(sh, c, w * 1.1 + 1 + indent); /* bold is a tenth wider */
}

/* Make row r as tall as wrapped text v needs in a column of the bounded
 * wrap width (only ever taller: the row's tallest cell decides). */
static void wrap_row(esr_xsheet *sh, lxw_row_t r, const char *v)
{
    /* an average character is narrower than the digit that measures widths */
    int lines = wrapped_lines(v, ESR_XLSX_WRAP_WIDTH * 1.15, NULL);
    if (sh->wrap_row != r + 1) {
        sh->wrap_row = r + 1;
        sh->wrap_lines = 1;
    }
    if (lines > sh->wrap_lines) {
        sh->wrap_lines = lines;
        worksheet_set_row(sh->ws, r, 15.0 * lines, NULL);
    }
}

/* Make row r of the sheet a heading row, ESR_XLSX_HEADING_LINES lines
 * tall (see xlsx_style.h). */
void xsheet_heading_row(esr_xsheet *sh, lxw_row_t r)
{
    worksheet_set_row(sh->ws, r, 15.0 * ESR_XLSX_HEADING_LINES, NULL);
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
    if (f == st->heading || f == st->heading_num) /* headings wrap */
        track_heading(sh, c, v, f == st->heading_num ? 2 : 0);
    else if (f == st->wrap) { /* long text wraps in a bounded column, its row made taller */
        track(sh, c, v, 0, ESR_XLSX_WRAP_WIDTH);
        wrap_row(sh, r, v);
    } else if (f != st->note) /* notes run on over the empty cells to their right */
        track(sh, c, v, 0, ESR_XLSX_MAX_WIDTH);
    esr_buf_free(&clean);
}

/* Write note text over as many rows as it needs (see xlsx_style.h). */
lxw_row_t xsheet_note(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                      lxw_col_t c, const char *text)
{
    char line[4 * ESR_XLSX_NOTE_CHARS + 4];
    const char *p = text;
    while (*p) {
        const char *q = p, *end = p;
        size_t chars = 0;
        for (; *q; q++) {
            if ((*q & 0xc0) != 0x80 && ++chars > ESR_XLSX_NOTE_CHARS)
                break;
            if (*q == ' ')
                end = q;
        }
        if (!*q || end == p)
            end = q; /* the rest fits, or one word is longer than a line */
        size_t n = (size_t)(end - p);
        memcpy(line, p, n);
        line[n] = '\0';
        xsheet_str(sh, st, err, r++, c, line, st->note);
        for (p = end; *p == ' '; p++)
            ;
    }
    return r;
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

/* Write a formula with its cached value (see xlsx_style.h). */
void xsheet_formula(esr_xsheet *sh, const esr_xlsx_style *st, lxw_error *err, lxw_row_t r,
                    lxw_col_t c, const char *formula, double v, lxw_format *f)
{
    lxw_error e = worksheet_write_formula_num(sh->ws, r, c, formula, f, v);
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
    xsheet_heading_row(sh, r);
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

/* Open a workbook with its sheets and the house formats (see header). */
esr_status xlsx_book_open(const char *path, const char *tmpdir, const char *const *names,
                          int nsheets, esr_xsheet *sheets, esr_xlsx_style *st, lxw_workbook **out,
                          esr_err *err)
{
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir, .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    *out = NULL;
    if (!wb)
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create workbook", path);
    for (int s = 0; s < nsheets; s++)
        if (!(sheets[s].ws = workbook_add_worksheet(wb, names[s]))) {
            lxw_workbook_free(wb);
            return esr_err_set(err, ESR_ERR_XLSX, "%s: cannot add worksheet %s", path, names[s]);
        }
    xlsx_style_add(wb, st);
    *out = wb;
    return ESR_OK;
}

/* Print setup of a sheet (see xlsx_style.h). */
void xsheet_print(esr_xsheet *sh, const esr_print *p)
{
    lxw_worksheet *ws = sh->ws;
    if (p->landscape)
        worksheet_set_landscape(ws);
    else
        worksheet_set_portrait(ws);
    worksheet_set_paper(ws, (uint8_t)(p->paper ? p->paper : 9));
    worksheet_set_margins(ws, 0.5, 0.5, 0.6, 0.6);
    worksheet_fit_to_pages(ws, 1, (uint16_t)p->pages_tall);
    if (p->header_rows > 0)
        worksheet_repeat_rows(ws, 0, (lxw_row_t)(p->header_rows - 1));
    worksheet_set_footer(ws, "&L&8&A&R&8Page &P of &N");
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
    if ((e ? e : pending) == LXW_ERROR_MEMORY_MALLOC_FAILED) /* memory (70), not I/O */
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path);
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
