/* xlsx_book.c - a workbook being written: cells that widen their columns,
 * print setup, and the checked open and close (see xlsx_book.h). */
#include "xlsx_book.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "xlsx_cell.h"
#include "xlsx_tmp.h"
#include "xlsx_zip.h"

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

/* Close (write) the workbook (path names it in messages), first checking
 * the sheets' temporaries in tmpdir: libxlsxwriter ignores their write
 * errors, so a full disk would otherwise give a truncated workbook and no
 * error. pending is the first cell-write error. The workbook is freed
 * either way. */
static esr_status close_checked(lxw_workbook *wb, esr_xsheet *sheets, int nsheets, const char *path,
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
    /* memory (70), not I/O: libxlsxwriter's own, or the zip's (xlsx_zip.c) */
    if ((e ? e : pending) == LXW_ERROR_MEMORY_MALLOC_FAILED ||
        (e == LXW_ERROR_ZIP_INTERNAL_ERROR && errno == ENOMEM))
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path);
    if (e || pending)
        return esr_err_set(err, ESR_ERR_IO, "%s: %s%s%s", path, lxw_strerror(e ? e : pending),
                           errno ? ": " : "", errno ? strerror(errno) : "");
    return ESR_OK;
}

/* The row cap of a long sheet (see header). */
uint64_t xbook_rows_cap(uint64_t cap)
{
    /* the row after the cap holds the note on the rows left out */
    const uint64_t last = LXW_ROW_MAX - 2;
    return cap && cap < last ? cap : last;
}

/* Open a workbook with its sheets and the house formats (see header). */
esr_status xbook_open(esr_xbook *b, const char *path, const char *tmpdir, const char *const *names,
                      int nsheets, esr_xsheet *sheets, esr_err *err)
{
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir, .use_zip64 = LXW_TRUE};
    b->path = path;
    b->tmpdir = tmpdir;
    b->s = sheets;
    b->nsheets = nsheets;
    b->error = LXW_NO_ERROR;
    xlsx_zip_use();
    xlsx_cell_use();
    xlsx_tmp_use();
    if (!(b->wb = workbook_new_opt(path, &opt)))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create workbook", path);
    for (int s = 0; s < nsheets; s++)
        if (!(sheets[s].ws = workbook_add_worksheet(b->wb, names[s]))) {
            xbook_free(b);
            return esr_err_set(err, ESR_ERR_XLSX, "%s: cannot add worksheet %s", path, names[s]);
        }
    xlsx_style_add(b->wb, &b->st);
    return ESR_OK;
}

/* Write a string cell on sheet s (see header). */
void xbook_str(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *v, lxw_format *f)
{
    xsheet_str(&b->s[s], &b->st, &b->error, r, c, v, f);
}

/* Write a number cell on sheet s (see header). */
void xbook_num(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    xsheet_num(&b->s[s], &b->st, &b->error, r, c, v, f);
}

/* Write an FTE on sheet s (see header). */
void xbook_fte(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, long long e5, lxw_format *f)
{
    xsheet_fte(&b->s[s], &b->st, &b->error, r, c, e5, f);
}

/* Write a formula with its cached value on sheet s (see header). */
void xbook_formula(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *formula, double v,
                   lxw_format *f)
{
    xsheet_formula(&b->s[s], &b->st, &b->error, r, c, formula, v, f);
}

/* Write a heading row on sheet s (see header). */
void xbook_headings(esr_xbook *b, int s, lxw_row_t r, const char *const *names)
{
    xsheet_headings(&b->s[s], &b->st, &b->error, r, names);
}

/* Write note text on sheet s (see header). */
lxw_row_t xbook_note(esr_xbook *b, int s, lxw_row_t r, lxw_col_t c, const char *text)
{
    return xsheet_note(&b->s[s], &b->st, &b->error, r, c, text);
}

/* A label and text row (see header). */
void xbook_label(esr_xbook *b, int s, lxw_row_t *r, const char *k, const char *v)
{
    xbook_str(b, s, *r, 0, k, b->st.bold);
    xbook_str(b, s, *r, 1, v, NULL);
    (*r)++;
}

/* A label and number row (see header). */
void xbook_label_num(esr_xbook *b, int s, lxw_row_t *r, const char *k, double v, lxw_format *f)
{
    xbook_str(b, s, *r, 0, k, b->st.bold);
    xbook_num(b, s, *r, 1, v, f);
    (*r)++;
}

/* Set sheet s's tracked column widths (see header). */
void xbook_widths(esr_xbook *b, int s, double min)
{
    xsheet_widths(&b->s[s], min);
}

/* Add a chart series over cells of a sheet (see header). */
lxw_chart_series *xbook_chart_series(lxw_chart *chart, const char *sheet, const char *cat,
                                     lxw_row_t r1, lxw_col_t c1, lxw_row_t r2, lxw_col_t c2,
                                     lxw_row_t nr, lxw_col_t nc)
{
    char val[200], name[200], ref[64];
    lxw_rowcol_to_range_abs(ref, r1, c1, r2, c2);
    snprintf(val, sizeof val, "='%s'!%s", sheet, ref);
    lxw_chart_series *se = chart_add_series(chart, cat, val);
    if (!se)
        return NULL;
    lxw_rowcol_to_cell_abs(ref, nr, nc, 1, 1);
    snprintf(name, sizeof name, "='%s'!%s", sheet, ref);
    chart_series_set_name(se, name);
    return se;
}

/* Set the properties and close the workbook (see header). */
esr_status xbook_close(esr_xbook *b, const esr_xbook_props *props, esr_err *err)
{
    if (props) {
        lxw_doc_properties p = {0};
        p.title = (char *)props->title;
        p.company = (char *)props->company;
        p.comments = (char *)props->comments;
        p.created = props->created;
        workbook_set_properties(b->wb, &p);
    }
    lxw_workbook *wb = b->wb;
    b->wb = NULL; /* closed or freed below */
    return close_checked(wb, b->s, b->nsheets, b->path, b->tmpdir, b->error, err);
}

/* Free the workbook unwritten (see header). */
void xbook_free(esr_xbook *b)
{
    if (b->wb)
        lxw_workbook_free(b->wb);
    b->wb = NULL;
}
