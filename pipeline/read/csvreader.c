/* csvreader.c - libcsv with line numbers, verbatim records and limits.
 *
 * Most lines of an export are whole records in plain RFC 4180: those are
 * split here (line_split), exactly as libcsv would split them, and libcsv
 * parses the rest (fields spanning lines, bare CRs, stray quotes, blank
 * lines, anything over a limit).
 *
 * Input is fed to libcsv one physical line at a time (and in slices of at
 * most SLICE bytes), so that after every call we know which lines a finished
 * record spanned, can keep its verbatim text, and can check the size of the
 * field being built (libcsv itself has no limit). A field that grows past
 * the limit marks its record rejected; its text is dropped as it comes
 * while libcsv parses on (field_bound), so the record ends where libcsv
 * says it does.
 *
 * Resynchronisation: a quoted field still open after max_field_lines
 * physical lines, or a record holding a NUL byte, is torn: that record is
 * rejected at its first line, libcsv is restarted, and the lines after its
 * first one (kept in `tail` while a record spans lines) are parsed again as
 * records. One stray quote then costs one row, not the rest of the file. */
#include "csvreader.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define SLICE 65536u
#define PS_FIELD_BEGUN 2 /* libcsv's pstates (libcsv.c): inside a field, */
#define PS_MIGHT_END 3   /* after a quote in a quoted field */

typedef struct pending {
    size_t first_field; /* index into offs */
    size_t nfields;
} pending;

struct esr_csvreader {
    struct csv_parser parser;
    esr_csv_opts opts;
    esr_row_fn fn;
    void *ctx;
    int stopped;
    esr_status status;

    /* fields of finished-but-undispatched records, then of the current one */
    esr_buf fields;
    size_t *offs, *lens, noffs, offs_cap;
    size_t cur_first; /* first field index of the record in progress */
    int cur_too_wide;
    int cur_too_big; /* a finished field of it exceeded max_field_bytes */
    pending *done;
    size_t ndone, done_cap;

    esr_buf raw; /* verbatim text of the record in progress */
    int raw_truncated;
    const char *view; /* or: the record's text is this slice of the caller's input */
    size_t view_n;
    uint64_t line;       /* lines consumed */
    uint64_t rec_line;   /* line the current record starts on */
    uint64_t fed;        /* bytes fed so far */
    uint64_t rec_offset; /* byte the current record starts at */
    int in_record;
    int carry_cr;        /* input so far ended in CR: held back for its LF */
    uint64_t slice_line; /* line of the slice being parsed */
    uint64_t field_line; /* line the field being parsed started on */
    int cur_nul;         /* the record in progress holds a NUL byte */
    int open_line;       /* the last slice did not end a line */
    uint64_t nul_bytes;
    esr_buf tail;  /* the record's lines after its first, to parse again if torn */
    int tail_lost; /* tail outgrew its cap: a tear swallows those lines */

    char **ptrs; /* scratch for esr_row.fields */
    size_t ptrs_cap;
};

/* Fill opts with the defaults for delimiter delim. */
void csvreader_opts_default(esr_csv_opts *opts, char delim)
{
    opts->delim = delim;
    opts->max_field_bytes = ESR_CSV_MAX_FIELD_BYTES_DEFAULT;
    opts->max_columns = ESR_CSV_MAX_COLUMNS_DEFAULT;
    opts->max_field_lines = 0; /* exports set ESR_CSV_MAX_FIELD_LINES_DEFAULT */
}

/* Set up the libcsv parser with the delimiter and block size; 0 or -1. */
static int parser_init(esr_csvreader *rd)
{
    if (csv_init(&rd->parser, 0))
        return -1;
    csv_set_delim(&rd->parser, (unsigned char)rd->opts.delim);
    /* libcsv grows its field buffer by a fixed block (128 bytes by default):
     * quadratic copying for a large field. One slice per block bounds a
     * field of max_field_bytes to a few dozen reallocations. */
    csv_set_blk_size(&rd->parser, SLICE);
    return 0;
}

/* Create a reader calling fn(ctx, row) per record in *out (see csvreader.h). */
esr_status csvreader_new(const esr_csv_opts *opts, esr_row_fn fn, void *ctx, esr_csvreader **out)
{
    esr_csvreader *rd = calloc(1, sizeof *rd);
    *out = NULL;
    if (!rd)
        return ESR_ERR_NOMEM;
    rd->opts = *opts;
    rd->fn = fn;
    rd->ctx = ctx;
    if (parser_init(rd)) {
        free(rd);
        return ESR_ERR_NOMEM;
    }
    *out = rd;
    return ESR_OK;
}

/* Free the reader. */
void csvreader_free(esr_csvreader *rd)
{
    if (!rd)
        return;
    csv_free(&rd->parser);
    esr_buf_free(&rd->fields);
    esr_buf_free(&rd->raw);
    esr_buf_free(&rd->tail);
    free(rd->offs);
    free(rd->lens);
    free(rd->done);
    free(rd->ptrs);
    free(rd);
}

/* Append a finished field of the record in progress (data NULL: its text is
 * already in place at the end of rd->fields); -1 (status set) when out of
 * memory. */
static int field_push(esr_csvreader *rd, const void *data, size_t len)
{
    if (rd->noffs == rd->offs_cap) {
        size_t cap = rd->offs_cap ? rd->offs_cap * 2 : 64;
        size_t *o = realloc(rd->offs, cap * sizeof *o);
        if (!o)
            goto nomem;
        rd->offs = o;
        size_t *l = realloc(rd->lens, cap * sizeof *l);
        if (!l)
            goto nomem;
        rd->lens = l;
        rd->offs_cap = cap;
    }
    if (esr_buf_reserve(&rd->fields, len + 1))
        goto nomem;
    esr_buf *f = &rd->fields;
    rd->offs[rd->noffs] = f->len;
    rd->lens[rd->noffs] = len;
    rd->noffs++;
    if (len && data)
        memcpy(f->data + f->len, data, len);
    f->len += len + 1;
    f->data[f->len - 1] = '\0';
    f->data[f->len] = '\0';
    return 0;
nomem:
    rd->status = ESR_ERR_NOMEM;
    return -1;
}

/* libcsv field callback: store the field, or mark the row too wide or too big. */
static void on_field(void *data, size_t len, void *vrd)
{
    esr_csvreader *rd = vrd;
    rd->field_line = rd->slice_line; /* the next field starts on this line */
    if (len && memchr(data, '\0', len))
        rd->cur_nul = 1;
    if (rd->status)
        return;
    if (rd->noffs - rd->cur_first >= rd->opts.max_columns) {
        rd->cur_too_wide = 1;
        return;
    }
    if (len > rd->opts.max_field_bytes) {
        /* a field that began and ended within one slice */
        rd->cur_too_big = 1;
        return;
    }
    field_push(rd, data, len);
}

/* libcsv row callback: queue the finished row, with its fault if any. */
static void on_row(int c, void *vrd)
{
    (void)c;
    esr_csvreader *rd = vrd;
    if (rd->status)
        return;
    if (esr_grow(&rd->done, &rd->done_cap, rd->ndone + 1, sizeof *rd->done, 8)) {
        rd->status = ESR_ERR_NOMEM;
        return;
    }
    rd->done[rd->ndone++] = (pending){rd->cur_first, rd->noffs - rd->cur_first};
    if (rd->cur_nul)
        rd->done[rd->ndone - 1].nfields = (size_t)-3;
    else if (rd->cur_too_wide)
        rd->done[rd->ndone - 1].nfields = (size_t)-1;
    else if (rd->cur_too_big)
        rd->done[rd->ndone - 1].nfields = (size_t)-2;
    rd->cur_first = rd->noffs;
    rd->cur_too_wide = 0;
    rd->cur_too_big = 0;
    rd->cur_nul = 0;
}

/* Pass row to the callback unless stopped; non-zero once the callback has stopped. */
static int emit(esr_csvreader *rd, esr_row *row)
{
    if (rd->stopped)
        return 1;
    if (rd->fn(rd->ctx, row))
        rd->stopped = 1;
    return rd->stopped;
}

/* Hand every finished record to the callback. raw_ok: the raw buffer holds
 * exactly one record's text. */
static void dispatch(esr_csvreader *rd, uint64_t end_line)
{
    int raw_ok = rd->ndone == 1;
    for (size_t i = 0; i < rd->ndone && !rd->stopped; i++) {
        pending *d = &rd->done[i];
        esr_row row = {0};
        row.line = rd->rec_line;
        row.end_line = end_line;
        row.offset = raw_ok ? rd->rec_offset : UINT64_MAX;
        if (raw_ok && rd->view) {
            row.raw = rd->view;
            row.raw_len = rd->view_n < ESR_CSV_MAX_RAW_BYTES ? rd->view_n : ESR_CSV_MAX_RAW_BYTES;
            row.raw_truncated = rd->view_n > ESR_CSV_MAX_RAW_BYTES;
        } else if (raw_ok) {
            row.raw = esr_buf_str(&rd->raw);
            row.raw_len = rd->raw.len;
            row.raw_truncated = rd->raw_truncated;
        }
        if (d->nfields == (size_t)-3) {
            row.fault = ESR_ROW_NUL;
        } else if (d->nfields == (size_t)-1) {
            row.fault = ESR_ROW_TOO_MANY_COLUMNS;
        } else if (d->nfields == (size_t)-2) {
            row.fault = ESR_ROW_FIELD_TOO_BIG;
        } else {
            if (d->nfields > rd->ptrs_cap) {
                char **p = realloc(rd->ptrs, d->nfields * sizeof *p);
                if (!p) {
                    rd->status = ESR_ERR_NOMEM;
                    return;
                }
                rd->ptrs = p;
                rd->ptrs_cap = d->nfields;
            }
            for (size_t f = 0; f < d->nfields; f++)
                rd->ptrs[f] = rd->fields.data + rd->offs[d->first_field + f];
            row.nfields = d->nfields;
            row.fields = rd->ptrs;
            row.lens = rd->lens + d->first_field;
        }
        emit(rd, &row);
    }
    /* keep the fields of the record in progress, drop the rest */
    size_t keep = rd->noffs - rd->cur_first;
    if (rd->ndone && keep) {
        size_t base = rd->offs[rd->cur_first];
        memmove(rd->fields.data, rd->fields.data + base, rd->fields.len - base);
        rd->fields.len -= base;
        for (size_t f = 0; f < keep; f++) {
            rd->offs[f] = rd->offs[rd->cur_first + f] - base;
            rd->lens[f] = rd->lens[rd->cur_first + f];
        }
    } else if (!keep) {
        esr_buf_reset(&rd->fields);
    }
    if (rd->ndone) {
        rd->noffs = keep;
        rd->cur_first = 0;
    }
    rd->ndone = 0;
}

/* Append n raw bytes to the record's text, truncating at ESR_CSV_MAX_RAW_BYTES. */
static void raw_add(esr_csvreader *rd, const char *p, size_t n)
{
    if (rd->raw.len >= ESR_CSV_MAX_RAW_BYTES) {
        rd->raw_truncated = 1;
        return;
    }
    size_t room = ESR_CSV_MAX_RAW_BYTES - rd->raw.len;
    if (n > room) {
        n = room;
        rd->raw_truncated = 1;
    }
    if (esr_buf_append(&rd->raw, p, n))
        rd->status = ESR_ERR_NOMEM;
}

/* Copy a record's text still held as a view of the input into raw. */
static void raw_keep(esr_csvreader *rd)
{
    if (rd->view) {
        raw_add(rd, rd->view, rd->view_n);
        rd->view = NULL;
    }
}

/* Count the bytes equal to ch in p[0..n). */
static uint64_t count_byte(const char *p, size_t n, int ch)
{
    uint64_t q = 0;
    if (!n)
        return 0;
    const char *end = p + n;
    while ((p = memchr(p, ch, (size_t)(end - p))) != NULL) {
        q++;
        p++;
    }
    return q;
}

/* Forget the current record's raw text and quote state. */
static void record_reset(esr_csvreader *rd)
{
    rd->view = NULL;
    esr_buf_reset(&rd->raw);
    rd->raw_truncated = 0;
    rd->in_record = 0;
    rd->cur_nul = 0;
    esr_buf_reset(&rd->tail);
    rd->tail_lost = 0;
}

/* Keep a slice of the record's lines after its first, for a tear to parse
 * again; past a cap (two fields' worth) the lines are given up. */
static void tail_add(esr_csvreader *rd, const char *p, size_t n)
{
    size_t cap = 2 * (rd->opts.max_field_bytes + SLICE);
    if (rd->tail_lost || !rd->opts.max_field_lines)
        return;
    if (rd->tail.len + n > cap) {
        rd->tail_lost = 1;
        esr_buf_free(&rd->tail);
    } else if (esr_buf_append(&rd->tail, p, n)) {
        rd->status = ESR_ERR_NOMEM;
    }
}

/* Non-zero if the quoted field in progress has been open max_field_lines
 * lines at the end of a line. */
static int quote_overdue(const esr_csvreader *rd)
{
    return rd->opts.max_field_lines && rd->parser.pstate == PS_FIELD_BEGUN && rd->parser.quoted &&
           rd->line + 1 - rd->field_line >= rd->opts.max_field_lines;
}

static size_t feed_lines(esr_csvreader *rd, const char *p, size_t n);

/* Non-zero if the field libcsv is building holds a NUL byte (it then tears
 * its record at the end of the line). */
static int entry_nul(esr_csvreader *rd)
{
    const struct csv_parser *ps = &rd->parser;
    if (ps->entry_buf && ps->entry_pos && memchr(ps->entry_buf, '\0', ps->entry_pos))
        rd->cur_nul = 1;
    return rd->cur_nul;
}
static void feed_slice_cr(esr_csvreader *rd);

/* Reject the record in progress as torn at its first line, restart libcsv
 * and parse the record's later lines again (see the top of this file). */
static void tear(esr_csvreader *rd, esr_row_fault fault)
{
    csv_free(&rd->parser);
    if (parser_init(rd)) {
        rd->status = ESR_ERR_NOMEM;
        return;
    }
    rd->noffs = rd->cur_first;
    int too_big = rd->cur_too_big;
    rd->cur_too_wide = rd->cur_too_big = 0;
    esr_buf tail = rd->tail; /* the replay below builds its own */
    int lost = rd->tail_lost;
    rd->tail = (esr_buf){0};
    esr_row row = {0};
    row.line = rd->rec_line;
    row.end_line = lost ? rd->line : rd->rec_line;
    row.offset = rd->rec_offset;
    row.fault = rd->cur_nul ? ESR_ROW_NUL : too_big ? ESR_ROW_FIELD_TOO_BIG : fault;
    record_reset(rd);
    if (!lost) { /* back to the end of the first line: the tail counts the rest again */
        rd->line -= count_byte(tail.data, tail.len, '\n');
        rd->fed -= tail.len;
    }
    emit(rd, &row);
    if (!lost && tail.len && !rd->stopped && feed_lines(rd, tail.data, tail.len))
        feed_slice_cr(rd); /* a last line without LF ended in CR */
    esr_buf_free(&tail);
}

/* Bound the field libcsv is building. Its last `spaces` bytes (blanks libcsv
 * trims from an unquoted field, or that follow a closing quote) and, after
 * a quote in a quoted field, that quote are pending: the rest is the
 * field's text so far. Text over the limit marks the record too big and is
 * dropped, keeping the pending bytes, so libcsv parses on exactly as it
 * would have and the record ends where it would have, however the input
 * was cut; a run of blanks past the limit is shortened to limit + 1 (if it
 * turns out to be text, the field is too big either way). */
static void field_bound(esr_csvreader *rd)
{
    struct csv_parser *ps = &rd->parser;
    size_t max = rd->opts.max_field_bytes;
    size_t quote = ps->pstate == PS_MIGHT_END;
    if (ps->spaces > max + 1 && ps->entry_pos >= ps->spaces + quote) {
        size_t d = ps->spaces - (max + 1);
        ps->entry_pos -= d;
        ps->spaces -= d;
    }
    size_t pending = ps->spaces + quote;
    if (ps->entry_pos < pending || ps->entry_pos - pending <= max)
        return;
    entry_nul(rd); /* a NUL in what is dropped still names the fault */
    rd->cur_too_big = 1;
    memmove(ps->entry_buf, ps->entry_buf + ps->entry_pos - pending, pending);
    ps->entry_pos = pending;
}

/* Non-zero for the blanks libcsv trims around a field (a tab delimits
 * instead when it is the delimiter). */
static int is_blank(const esr_csvreader *rd, char ch)
{
    return (ch == ' ' || ch == '\t') && ch != rd->opts.delim;
}

/* The fast path's unquoted field s[0..) up to the delimiter or stop: pushed,
 * blanks trimmed, *next past its delimiter (NULL at the end of the line).
 * 0, or -1 to leave the line to libcsv: a quote in the field, a blank line
 * (first field, no delimiter: no record to libcsv) or a field over the limit. */
static int plain_field(esr_csvreader *rd, const char *s, const char *stop, size_t nf,
                       const char **next)
{
    const char *e = memchr(s, rd->opts.delim, (size_t)(stop - s)), *b = e ? e : stop;
    while (b > s && is_blank(rd, b[-1]))
        b--;
    if ((size_t)(b - s) > rd->opts.max_field_bytes || (!e && nf == 1 && s == b) ||
        (b > s && memchr(s, '"', (size_t)(b - s))))
        return -1;
    *next = e ? e + 1 : NULL;
    return field_push(rd, s, (size_t)(b - s)) ? 1 : 0;
}

/* The fast path's quoted field, s just past its opening quote: pushed with
 * "" read as ", *next past the delimiter after its closing quote (NULL at
 * the end of the line). 0, or -1 to leave the line to libcsv: the field
 * runs past the line, or text other than blanks follows its closing quote. */
static int quoted_field(esr_csvreader *rd, const char *s, const char *stop, const char **next)
{
    if (esr_buf_reserve(&rd->fields, (size_t)(stop - s) + 1)) {
        rd->status = ESR_ERR_NOMEM;
        return 1;
    }
    char *o = rd->fields.data + rd->fields.len, *start = o;
    for (;;) {
        const char *q = memchr(s, '"', (size_t)(stop - s));
        if (!q)
            return -1;
        memcpy(o, s, (size_t)(q - s));
        o += q - s;
        s = q + 1;
        if (s < stop && *s == '"') {
            *o++ = '"';
            s++;
            continue;
        }
        while (s < stop && is_blank(rd, *s))
            s++;
        if (s < stop && *s != rd->opts.delim)
            return -1;
        break;
    }
    if ((size_t)(o - start) > rd->opts.max_field_bytes)
        return -1;
    *next = s < stop ? s + 1 : NULL;
    return field_push(rd, NULL, (size_t)(o - start)) ? 1 : 0;
}

/* The fast path: split p[0..n), one whole line ending in LF that starts a
 * record, into fields and queue it exactly as libcsv would, if it holds no
 * CR but a final CRLF, every quoted field closes on the line followed only
 * by blanks, no unquoted field holds a quote, and the limits are met. 1 if
 * queued (or out of memory, status set), 0 to leave the line to libcsv. */
static int line_split(esr_csvreader *rd, const char *p, size_t n)
{
    size_t end = n - 1, base = rd->noffs, blen = rd->fields.len;
    if (end && p[end - 1] == '\r')
        end--;
    if (memchr(p, '\r', end))
        return 0;
    const char *s = p, *stop = p + end;
    for (size_t nf = 1; s; nf++) {
        while (s < stop && is_blank(rd, *s))
            s++;
        int r = nf > rd->opts.max_columns ? -1
                : s < stop && *s == '"'   ? quoted_field(rd, s + 1, stop, &s)
                                          : plain_field(rd, s, stop, nf, &s);
        if (r > 0)
            return 1;
        if (r < 0) {
            rd->noffs = base;
            rd->fields.len = blen;
            if (rd->fields.data)
                rd->fields.data[blen] = '\0';
            return 0;
        }
    }
    on_row(0, rd);
    return 1;
}

/* Feed one slice holding at most one newline, at its end. */
static void feed_slice(esr_csvreader *rd, const char *p, size_t n)
{
    int nl = n && p[n - 1] == '\n', fresh = !rd->in_record;
    if (fresh) {
        /* a record that starts here usually ends here too: no copy until it does not */
        rd->rec_line = rd->line + 1;
        rd->rec_offset = rd->fed;
        rd->field_line = rd->rec_line;
        rd->in_record = 1;
        rd->view = p;
        rd->view_n = n;
    } else {
        raw_add(rd, p, n);
    }
    if (rd->line >= rd->rec_line)
        tail_add(rd, p, n);
    uint64_t nuls = memchr(p, '\0', n) ? count_byte(p, n, '\0') : 0;
    rd->nul_bytes += nuls;
    rd->slice_line = rd->line + 1;
    rd->open_line = !nl;
    rd->fed += n;
    if (nl)
        rd->line++;

    if (fresh && nl && !nuls && rd->parser.pstate == 0 && line_split(rd, p, n))
        ; /* split as libcsv would have split it */
    else if (csv_parse(&rd->parser, p, n, on_field, on_row, rd) != n && !rd->status)
        rd->status = ESR_ERR_NOMEM;
    if (rd->status)
        return;
    field_bound(rd);
    if (rd->ndone)
        dispatch(rd, rd->line + (uint64_t)rd->open_line); /* a CR can end it mid-line */
    if (rd->parser.pstate == 0 && rd->noffs == rd->cur_first)
        record_reset(rd);
    else if (nl && (rd->cur_nul || entry_nul(rd) || quote_overdue(rd)))
        tear(rd, ESR_ROW_QUOTE_OPEN);
    else
        raw_keep(rd); /* the caller's input is gone after this call */
}

/* Feed a lone CR held back at the end of the input. */
static void feed_slice_cr(esr_csvreader *rd)
{
    feed_slice(rd, "\r", 1);
}

/* Feed p[0..n) a slice at a time; returns 1 if a final CR was held back
 * (for its LF in the next input), else 0. */
static size_t feed_lines(esr_csvreader *rd, const char *p, size_t n)
{
    while (n && !rd->stopped && !rd->status) {
        size_t take = n < SLICE ? n : SLICE;
        const char *nl = memchr(p, '\n', take);
        if (nl) {
            take = (size_t)(nl - p) + 1;
        } else if (p[take - 1] == '\r') {
            if (take == 1) /* input ends in CR: wait for the next byte */
                return 1;
            take--; /* the CR starts the next slice, with its LF */
        }
        feed_slice(rd, p, take);
        p += take;
        n -= take;
    }
    return 0;
}

/* Feed n bytes (see csvreader.h). */
esr_status csvreader_feed(esr_csvreader *rd, const char *p, size_t n, esr_err *err)
{
    /* A CR and the LF after it go to libcsv in one slice, however the input
     * was chunked: libcsv ends the record at the CR, and only the LF moves
     * the line count, so splitting them would misreport end_line and raw. */
    if (rd->carry_cr && n && !rd->stopped && !rd->status) {
        rd->carry_cr = 0;
        if (*p == '\n') {
            feed_slice(rd, "\r\n", 2);
            p++;
            n--;
        } else {
            feed_slice(rd, "\r", 1);
        }
    }
    if (feed_lines(rd, p, n))
        rd->carry_cr = 1;
    if (rd->status)
        return esr_err_set(err, rd->status, "CSV reader: %s", esr_strerror(rd->status));
    return ESR_OK;
}

/* Feed a whole stream and finish (see csvreader.h). */
esr_status csvreader_read(esr_csvreader *rd, FILE *fp, const char *name, esr_err *err)
{
    char buf[65536];
    size_t n, skip = 0;
    esr_status st = ESR_OK;
    for (int first = 1; !st && !rd->stopped && (n = fread(buf, 1, sizeof buf, fp)) > 0; first = 0) {
        skip = first && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
        st = csvreader_feed(rd, buf + skip, n - skip, err);
    }
    if (!st && !rd->stopped && ferror(fp))
        st = esr_err_set(err, ESR_ERR_IO, "%s: read failed", name);
    if (!st && !rd->stopped)
        st = csvreader_finish(rd, err);
    return st;
}

/* Read all of fp with a reader of its own (see csvreader.h). */
esr_status csvreader_read_all(FILE *fp, const char *name, char delim, esr_row_fn fn, void *ctx,
                              esr_err *err)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, delim);
    esr_csvreader *rd;
    if (csvreader_new(&o, fn, ctx, &rd))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    esr_status st = csvreader_read(rd, fp, name, err);
    csvreader_free(rd);
    return st;
}

/* Flush the last record at end of input. */
esr_status csvreader_finish(esr_csvreader *rd, esr_err *err)
{
    if (rd->carry_cr && !rd->stopped && !rd->status) {
        rd->carry_cr = 0;
        feed_slice_cr(rd);
    }
    if (!rd->stopped && !rd->status) {
        /* a quoted field open at the end of input is a stray quote too */
        while (!rd->stopped && !rd->status && rd->opts.max_field_lines &&
               rd->parser.pstate == PS_FIELD_BEGUN && rd->parser.quoted)
            tear(rd, ESR_ROW_QUOTE_OPEN);
        if (!rd->stopped && !rd->status) {
            if (csv_fini(&rd->parser, on_field, on_row, rd) && !rd->status)
                rd->status = ESR_ERR_NOMEM;
            if (!rd->status && rd->ndone)
                dispatch(rd, rd->line + (uint64_t)rd->open_line);
        }
    }
    if (rd->status)
        return esr_err_set(err, rd->status, "CSV reader: %s", esr_strerror(rd->status));
    return ESR_OK;
}

/* Non-zero once the callback asked to stop. */
int csvreader_stopped(const esr_csvreader *rd)
{
    return rd->stopped;
}

/* Number of physical lines consumed so far. */
uint64_t csvreader_lines(const esr_csvreader *rd)
{
    return rd->line;
}

/* Physical lines read, a last one without a newline included. */
uint64_t csvreader_physical_lines(const esr_csvreader *rd)
{
    return rd->line + (rd->open_line ? 1 : 0);
}

/* Number of NUL bytes seen so far. */
uint64_t csvreader_nul_bytes(const esr_csvreader *rd)
{
    return rd->nul_bytes;
}
