/* test_csvreader.c - libcsv wrapper: line numbers, verbatim records,
 * limits, chunking independence. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "buf.h"
#include "csvreader.h"

#define MAXROWS 64
#define MAXF 512

typedef struct crow {
    size_t nfields;
    char *fields[MAXF];
    size_t lens[MAXF];
    uint64_t line, end_line;
    char *raw; /* NULL when the reader could not tell */
    size_t raw_len;
    int raw_truncated;
    esr_row_fault fault;
} crow;

typedef struct rows {
    crow r[MAXROWS];
    size_t n;
    size_t stop_after; /* 0 = never stop */
} rows;

static int collect(void *ctx, const esr_row *row)
{
    rows *rs = ctx;
    cr_assert_lt(rs->n, MAXROWS);
    crow *c = &rs->r[rs->n++];
    memset(c, 0, sizeof *c);
    c->nfields = row->nfields;
    cr_assert_leq(row->nfields, MAXF);
    if (row->fault)
        cr_assert_eq(row->nfields, 0, "a faulty row carries no fields");
    for (size_t i = 0; i < row->nfields; i++) {
        cr_assert_eq(strlen(row->fields[i]), row->lens[i], "lens[%zu] disagrees with the NUL", i);
        c->fields[i] = strndup(row->fields[i], row->lens[i]);
        c->lens[i] = row->lens[i];
    }
    c->line = row->line;
    c->end_line = row->end_line;
    if (row->raw) {
        c->raw = malloc(row->raw_len + 1);
        memcpy(c->raw, row->raw, row->raw_len);
        c->raw[row->raw_len] = '\0';
    }
    c->raw_len = row->raw_len;
    c->raw_truncated = row->raw_truncated;
    c->fault = row->fault;
    return rs->stop_after && rs->n >= rs->stop_after;
}

static void rows_free(rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        for (size_t f = 0; f < rs->r[i].nfields; f++)
            free(rs->r[i].fields[f]);
        free(rs->r[i].raw);
    }
    rs->n = 0;
}

/* Parse len bytes fed in pieces of at most piece bytes (0 = all at once). */
static void parse_opts(const char *in, size_t len, const esr_csv_opts *o, size_t piece, rows *rs)
{
    esr_csvreader *rd;
    cr_assert_eq(csvreader_new(o, collect, rs, &rd), ESR_OK);
    esr_err err = {0};
    size_t step = piece ? piece : len;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        cr_assert_eq(csvreader_feed(rd, in + off, n, &err), ESR_OK, "%s", err.msg);
    }
    cr_assert_eq(csvreader_finish(rd, &err), ESR_OK, "%s", err.msg);
    csvreader_free(rd);
}

static void parse(const char *in, size_t piece, rows *rs)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    parse_opts(in, strlen(in), &o, piece, rs);
}

static void assert_fields(const crow *c, size_t n, const char *const *want)
{
    cr_assert_eq(c->fault, ESR_ROW_OK);
    cr_assert_eq(c->nfields, n, "line %llu: %zu fields, want %zu", (unsigned long long)c->line,
                 c->nfields, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(c->fields[i], want[i], "line %llu field %zu", (unsigned long long)c->line,
                         i);
}

#define FIELDS(c, ...)                                                                             \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        assert_fields((c), sizeof want_ / sizeof want_[0], want_);                                 \
    } while (0)

static void assert_same_rows(const rows *a, const rows *b)
{
    cr_assert_eq(a->n, b->n, "row counts differ: %zu vs %zu", a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const crow *x = &a->r[i], *y = &b->r[i];
        cr_assert_eq(x->fault, y->fault, "row %zu fault", i);
        cr_assert_eq(x->line, y->line, "row %zu line %llu vs %llu", i, (unsigned long long)x->line,
                     (unsigned long long)y->line);
        cr_assert_eq(x->end_line, y->end_line, "row %zu end_line %llu vs %llu", i,
                     (unsigned long long)x->end_line, (unsigned long long)y->end_line);
        cr_assert_eq(x->nfields, y->nfields, "row %zu nfields", i);
        for (size_t f = 0; f < x->nfields; f++)
            cr_assert_str_eq(x->fields[f], y->fields[f], "row %zu field %zu", i, f);
        cr_assert_eq(!x->raw, !y->raw, "row %zu raw presence", i);
        if (x->raw) {
            cr_assert_eq(x->raw_len, y->raw_len, "row %zu raw length %zu vs %zu", i, x->raw_len,
                         y->raw_len);
            cr_assert_str_eq(x->raw, y->raw, "row %zu raw", i);
        }
        cr_assert_eq(x->raw_truncated, y->raw_truncated, "row %zu raw_truncated", i);
    }
}

Test(csvreader, defaults)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, '\t');
    cr_assert_eq(o.delim, '\t');
    cr_assert_eq(o.max_field_bytes, ESR_CSV_MAX_FIELD_BYTES_DEFAULT);
    cr_assert_eq(o.max_columns, ESR_CSV_MAX_COLUMNS_DEFAULT);
}

Test(csvreader, simple_rows_and_raw)
{
    rows rs = {0};
    parse("a,b,c\n1,2,3\n", 0, &rs);
    cr_assert_eq(rs.n, 2);
    FIELDS(&rs.r[0], "a", "b", "c");
    FIELDS(&rs.r[1], "1", "2", "3");
    cr_assert_eq(rs.r[0].line, 1);
    cr_assert_eq(rs.r[0].end_line, 1);
    cr_assert_eq(rs.r[1].line, 2);
    cr_assert_eq(rs.r[1].end_line, 2);
    cr_assert_str_eq(rs.r[0].raw, "a,b,c\n");
    cr_assert_str_eq(rs.r[1].raw, "1,2,3\n");
    cr_assert_eq(rs.r[1].raw_len, 6);
    cr_assert_not(rs.r[1].raw_truncated);
    rows_free(&rs);
}

Test(csvreader, empty_fields_and_quotes)
{
    rows rs = {0};
    parse("x,,\"q\"\"uote\",\"a,b\",\"\"\n", 0, &rs);
    cr_assert_eq(rs.n, 1);
    FIELDS(&rs.r[0], "x", "", "q\"uote", "a,b", "");
    cr_assert_str_eq(rs.r[0].raw, "x,,\"q\"\"uote\",\"a,b\",\"\"\n");
    rows_free(&rs);
}

Test(csvreader, crlf_line_numbers)
{
    rows rs = {0};
    const char *in = "h1,h2\r\na,b\r\nc,d\r\n";
    parse(in, 0, &rs);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[0], "h1", "h2");
    FIELDS(&rs.r[1], "a", "b");
    FIELDS(&rs.r[2], "c", "d");
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(rs.r[i].line, i + 1);
        cr_assert_eq(rs.r[i].end_line, i + 1);
    }
    cr_assert_str_eq(rs.r[1].raw, "a,b\r\n");
    rows_free(&rs);
}

Test(csvreader, quoted_newlines_keep_line_numbers)
{
    rows rs = {0};
    const char *in = "id,note\n"
                     "1,\"first line\nsecond line\nthird\"\n"
                     "2,plain\n"
                     "3,\"x\r\ny\"\r\n"
                     "4,end\n";
    parse(in, 0, &rs);
    cr_assert_eq(rs.n, 5);
    FIELDS(&rs.r[1], "1", "first line\nsecond line\nthird");
    cr_assert_eq(rs.r[1].line, 2, "the record starts on its first line");
    cr_assert_eq(rs.r[1].end_line, 4);
    cr_assert_str_eq(rs.r[1].raw, "1,\"first line\nsecond line\nthird\"\n");
    FIELDS(&rs.r[2], "2", "plain");
    cr_assert_eq(rs.r[2].line, 5);
    cr_assert_eq(rs.r[2].end_line, 5);
    FIELDS(&rs.r[3], "3", "x\r\ny");
    cr_assert_eq(rs.r[3].line, 6);
    cr_assert_eq(rs.r[3].end_line, 7);
    FIELDS(&rs.r[4], "4", "end");
    cr_assert_eq(rs.r[4].line, 8);
    rows_free(&rs);
}

Test(csvreader, blank_lines_skipped)
{
    rows rs = {0};
    parse("a,b\n\n\n1,2\n\r\n3,4\n\n", 0, &rs);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[0], "a", "b");
    FIELDS(&rs.r[1], "1", "2");
    FIELDS(&rs.r[2], "3", "4");
    cr_assert_eq(rs.r[0].line, 1);
    cr_assert_eq(rs.r[1].line, 4);
    cr_assert_eq(rs.r[2].line, 6);
    cr_assert_str_eq(rs.r[1].raw, "1,2\n", "blank lines are not part of the next record");
    rows_free(&rs);
}

Test(csvreader, last_record_without_newline)
{
    rows rs = {0};
    parse("a,b\n1,2", 0, &rs);
    cr_assert_eq(rs.n, 2);
    FIELDS(&rs.r[1], "1", "2");
    cr_assert_eq(rs.r[1].line, 2);
    cr_assert_eq(rs.r[1].end_line, 2);
    cr_assert_str_eq(rs.r[1].raw, "1,2");
    rows_free(&rs);

    parse("a,b\n\"x\ny\"", 0, &rs);
    cr_assert_eq(rs.n, 2);
    FIELDS(&rs.r[1], "x\ny");
    cr_assert_eq(rs.r[1].line, 2);
    cr_assert_eq(rs.r[1].end_line, 3);
    rows_free(&rs);
}

Test(csvreader, empty_input)
{
    rows rs = {0};
    parse("", 0, &rs);
    cr_assert_eq(rs.n, 0);
    parse("\n\n", 0, &rs);
    cr_assert_eq(rs.n, 0);
}

Test(csvreader, tab_delimiter)
{
    rows rs = {0};
    esr_csv_opts o;
    csvreader_opts_default(&o, '\t');
    const char *in = "a\tb\tc\n1\t\t3\n\"x,y\"\tq r\t\n";
    parse_opts(in, strlen(in), &o, 0, &rs);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[0], "a", "b", "c");
    FIELDS(&rs.r[1], "1", "", "3");
    FIELDS(&rs.r[2], "x,y", "q r", "");
    rows_free(&rs);
}

static const char chunk_input[] = "h1,h2,h3\r\n"
                                  "1,\"multi\r\nline \"\"quoted\"\"\",x\r\n"
                                  "\r\n"
                                  "2,caf\xc3\xa9,\xe2\x80\x93\r\n"
                                  "3,\"a,b\",\"\"\n"
                                  "\n"
                                  "4,\"\n\n\",end\n"
                                  "5,last,row";

Test(csvreader, one_byte_pieces_give_identical_rows)
{
    static rows whole, bytes;
    parse(chunk_input, 0, &whole);
    cr_assert_eq(whole.n, 6);
    cr_assert_eq(whole.r[1].line, 2);
    cr_assert_eq(whole.r[1].end_line, 3);
    FIELDS(&whole.r[1], "1", "multi\r\nline \"quoted\"", "x");
    cr_assert_eq(whole.r[2].line, 5);
    cr_assert_eq(whole.r[4].line, 8);
    cr_assert_eq(whole.r[4].end_line, 10);
    cr_assert_eq(whole.r[5].line, 11);
    parse(chunk_input, 1, &bytes);
    assert_same_rows(&whole, &bytes);
    rows_free(&bytes);
    for (size_t piece = 2; piece < 9; piece++) {
        parse(chunk_input, piece, &bytes);
        assert_same_rows(&whole, &bytes);
        rows_free(&bytes);
    }
    rows_free(&whole);
}

static esr_csv_opts small_opts(size_t max_field, size_t max_cols)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    o.max_field_bytes = max_field;
    o.max_columns = max_cols;
    return o;
}

static void parse_small(const char *in, size_t max_field, size_t max_cols, size_t piece, rows *rs)
{
    esr_csv_opts o = small_opts(max_field, max_cols);
    parse_opts(in, strlen(in), &o, piece, rs);
}

Test(csvreader, field_too_big_on_one_line)
{
    char in[512];
    char big[101];
    memset(big, 'Z', 100);
    big[100] = '\0';
    snprintf(in, sizeof in, "a,b\n1,%s\n2,ok\n3,fine\n", big);
    for (size_t piece = 0; piece <= 7; piece += 7) {
        rows rs = {0};
        parse_small(in, 16, 64, piece, &rs);
        cr_assert_eq(rs.n, 4, "piece %zu: %zu rows", piece, rs.n);
        FIELDS(&rs.r[0], "a", "b");
        cr_assert_eq(rs.r[1].fault, ESR_ROW_FIELD_TOO_BIG, "piece %zu", piece);
        cr_assert_eq(rs.r[1].nfields, 0);
        cr_assert_eq(rs.r[1].line, 2);
        FIELDS(&rs.r[2], "2", "ok");
        cr_assert_eq(rs.r[2].line, 3);
        FIELDS(&rs.r[3], "3", "fine");
        cr_assert_eq(rs.r[3].line, 4);
        rows_free(&rs);
    }
}

Test(csvreader, field_at_limit_is_fine)
{
    rows rs = {0};
    parse_small("a,b\n1,0123456789abcdef\n", 16, 64, 0, &rs);
    cr_assert_eq(rs.n, 2);
    FIELDS(&rs.r[1], "1", "0123456789abcdef");
    rows_free(&rs);
}

Test(csvreader, quoted_oversize_field_spanning_lines)
{
    const char *in = "a,b\n"
                     "1,\"AAAAAAAAAAAAAAAAAAAA\nBBBBBBBBBBBBBBBBBBBB\nCC, \"\"q\"\" CC\"\n"
                     "2,after\n"
                     "3,\"ok\nok\"\n";
    for (size_t piece = 0; piece <= 5; piece += 5) {
        rows rs = {0};
        parse_small(in, 16, 64, piece, &rs);
        cr_assert_eq(rs.n, 4, "piece %zu: %zu rows", piece, rs.n);
        cr_assert_eq(rs.r[1].fault, ESR_ROW_FIELD_TOO_BIG);
        cr_assert_eq(rs.r[1].line, 2);
        cr_assert_eq(rs.r[1].end_line, 4);
        FIELDS(&rs.r[2], "2", "after");
        cr_assert_eq(rs.r[2].line, 5);
        FIELDS(&rs.r[3], "3", "ok\nok");
        cr_assert_eq(rs.r[3].line, 6);
        cr_assert_eq(rs.r[3].end_line, 7);
        rows_free(&rs);
    }
}

Test(csvreader, oversize_last_record_without_newline)
{
    rows rs = {0};
    parse_small("a,b\n1,2\n3,\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 16, 64, 0, &rs);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[1], "1", "2");
    cr_assert_eq(rs.r[2].fault, ESR_ROW_FIELD_TOO_BIG);
    cr_assert_eq(rs.r[2].line, 3);
    rows_free(&rs);
}

Test(csvreader, too_many_columns)
{
    rows rs = {0};
    parse_small("a,b,c\n1,2,3,4,5\n6,7,8\n", 1024, 3, 0, &rs);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[0], "a", "b", "c");
    cr_assert_eq(rs.r[1].fault, ESR_ROW_TOO_MANY_COLUMNS);
    cr_assert_eq(rs.r[1].nfields, 0);
    cr_assert_eq(rs.r[1].line, 2);
    cr_assert_str_eq(rs.r[1].raw, "1,2,3,4,5\n", "the verbatim text is kept for rejects");
    FIELDS(&rs.r[2], "6", "7", "8");
    cr_assert_eq(rs.r[2].line, 3);
    rows_free(&rs);
}

Test(csvreader, raw_is_truncated_past_limit)
{
    size_t n = ESR_CSV_MAX_RAW_BYTES + 500;
    char *in = malloc(n + 16);
    strcpy(in, "a\n");
    memset(in + 2, 'w', n);
    strcpy(in + 2 + n, "\nb\n");
    rows rs = {0};
    parse(in, 0, &rs);
    cr_assert_eq(rs.n, 3);
    cr_assert_eq(rs.r[1].lens[0], n);
    cr_assert(rs.r[1].raw_truncated);
    cr_assert_eq(rs.r[1].raw_len, ESR_CSV_MAX_RAW_BYTES);
    cr_assert_not(rs.r[2].raw_truncated);
    cr_assert_str_eq(rs.r[2].raw, "b\n");
    rows_free(&rs);
    free(in);
}

Test(csvreader, callback_can_stop)
{
    rows rs = {0};
    rs.stop_after = 2;
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    esr_csvreader *rd;
    cr_assert_eq(csvreader_new(&o, collect, &rs, &rd), ESR_OK);
    esr_err err = {0};
    const char *in = "a\nb\nc\nd\n";
    cr_assert_eq(csvreader_feed(rd, in, strlen(in), &err), ESR_OK);
    cr_assert(csvreader_stopped(rd));
    cr_assert_eq(csvreader_finish(rd, &err), ESR_OK);
    cr_assert_eq(rs.n, 2);
    csvreader_free(rd);
    rows_free(&rs);
}

Test(csvreader, lines_counter)
{
    rows rs = {0};
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    esr_csvreader *rd;
    cr_assert_eq(csvreader_new(&o, collect, &rs, &rd), ESR_OK);
    esr_err err = {0};
    const char *in = "a\n\"b\nc\"\nd\n";
    cr_assert_eq(csvreader_feed(rd, in, strlen(in), &err), ESR_OK);
    cr_assert_eq(csvreader_lines(rd), 4);
    csvreader_finish(rd, &err);
    csvreader_free(rd);
    rows_free(&rs);
}

Test(csvreader, default_limit_field_just_over_one_mib)
{
    /* the oversize field ends inside the reader's last 64 KiB slice */
    size_t big = ESR_CSV_MAX_FIELD_BYTES_DEFAULT + 10;
    char *in = malloc(big + 64);
    strcpy(in, "a,b\n1,");
    memset(in + 6, 'x', big);
    strcpy(in + 6 + big, "\n2,ok\n");
    for (size_t piece = 0; piece <= 4096; piece += 4096) {
        rows rs = {0};
        esr_csv_opts o;
        csvreader_opts_default(&o, ',');
        parse_opts(in, strlen(in), &o, piece, &rs);
        cr_assert_eq(rs.n, 3, "piece %zu", piece);
        cr_assert_eq(rs.r[1].fault, ESR_ROW_FIELD_TOO_BIG, "piece %zu", piece);
        cr_assert_eq(rs.r[1].line, 2);
        cr_assert(rs.r[1].raw_truncated);
        FIELDS(&rs.r[2], "2", "ok");
        cr_assert_eq(rs.r[2].line, 3);
        rows_free(&rs);
    }
    /* exactly at the limit is accepted */
    memset(in + 6, 'y', ESR_CSV_MAX_FIELD_BYTES_DEFAULT);
    strcpy(in + 6 + ESR_CSV_MAX_FIELD_BYTES_DEFAULT, "\n");
    rows rs = {0};
    parse(in, 0, &rs);
    cr_assert_eq(rs.n, 2);
    cr_assert_eq(rs.r[1].fault, ESR_ROW_OK);
    cr_assert_eq(rs.r[1].lens[1], ESR_CSV_MAX_FIELD_BYTES_DEFAULT);
    rows_free(&rs);
    free(in);
}

/* csvreader_read on an in-memory stream: rows collected into rs. */
static esr_status read_stream(const char *text, rows *rs)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    esr_csvreader *rd;
    cr_assert_eq(csvreader_new(&o, collect, rs, &rd), ESR_OK);
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    cr_assert(rd && fp);
    esr_err err = {0};
    esr_status st = csvreader_read(rd, fp, "mem.csv", &err);
    fclose(fp);
    csvreader_free(rd);
    return st;
}

Test(csvreader, read_skips_a_bom_and_finishes_the_last_row)
{
    rows rs = {0};
    cr_assert_eq(read_stream("\xef\xbb\xbf"
                             "a,b\n1,2",
                             &rs),
                 ESR_OK);
    cr_assert_eq(rs.n, 2);
    cr_assert_str_eq(rs.r[0].fields[0], "a", "the byte-order mark is not part of the first field");
    cr_assert_str_eq(rs.r[1].fields[1], "2", "the last row, without a newline, is emitted");
    cr_assert_eq(rs.r[1].line, 2);
    rows_free(&rs);
}

Test(csvreader, read_stops_when_the_callback_asks)
{
    rows rs = {.stop_after = 1};
    cr_assert_eq(read_stream("a,b\n1,2\n3,4\n", &rs), ESR_OK);
    cr_assert_eq(rs.n, 1);
    rows_free(&rs);
}

/* Parse in with max_field_lines limit, whole and in 1-, 2- and 3-byte
 * pieces: the rows must agree (resynchronisation does not depend on how
 * the input was cut). */
static void parse_lines(const char *in, size_t len, size_t limit, rows *rs)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    o.max_field_lines = limit;
    parse_opts(in, len, &o, 0, rs);
    for (size_t piece = 1; piece <= 3; piece++) {
        rows cut = {0};
        parse_opts(in, len, &o, piece, &cut);
        cr_assert_eq(cut.n, rs->n, "pieces of %zu: %zu rows, whole: %zu", piece, cut.n, rs->n);
        for (size_t i = 0; i < cut.n; i++) {
            cr_assert_eq(cut.r[i].line, rs->r[i].line);
            cr_assert_eq(cut.r[i].fault, rs->r[i].fault);
            cr_assert_eq(cut.r[i].nfields, rs->r[i].nfields);
        }
        rows_free(&cut);
    }
}

Test(csvreader, stray_quote_costs_one_row)
{
    const char *in = "a,b,c\n"
                     "1,\"x,3\n" /* line 2: a stray opening quote */
                     "4,5,6\n"
                     "7,8,9\n"
                     "10,11,12\n";
    rows rs = {0};
    parse_lines(in, strlen(in), 3, &rs);
    cr_assert_eq(rs.n, 5);
    cr_assert_eq(rs.r[1].fault, ESR_ROW_QUOTE_OPEN);
    cr_assert_eq(rs.r[1].line, 2);
    cr_assert_eq(rs.r[1].end_line, 2, "the torn row is its first line only");
    FIELDS(&rs.r[2], "4", "5", "6");
    cr_assert_eq(rs.r[2].line, 3, "reading resumes on the line after the torn row's first");
    FIELDS(&rs.r[3], "7", "8", "9");
    FIELDS(&rs.r[4], "10", "11", "12");
    cr_assert_eq(rs.r[4].line, 5);
    rows_free(&rs);
}

Test(csvreader, field_within_the_line_limit_is_a_value)
{
    const char *in = "a,b\n1,\"two\nlines\"\n2,\"three\nlines\nhere\"\n3,4\n";
    rows rs = {0};
    parse_lines(in, strlen(in), 3, &rs);
    cr_assert_eq(rs.n, 4);
    FIELDS(&rs.r[1], "1", "two\nlines");
    FIELDS(&rs.r[2], "2", "three\nlines\nhere");
    cr_assert_eq(rs.r[2].line, 4);
    cr_assert_eq(rs.r[2].end_line, 6);
    FIELDS(&rs.r[3], "3", "4");
    rows_free(&rs);
}

Test(csvreader, no_line_limit_reads_as_libcsv_does)
{
    const char *in = "a,b\n1,\"x\n2,3\n4,5\n6,7\n";
    rows rs = {0};
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    cr_assert_eq(o.max_field_lines, 0, "files esrpipe wrote: no limit by default");
    parse_opts(in, strlen(in), &o, 0, &rs);
    cr_assert_eq(rs.n, 2, "the open quote runs to the end of input");
    rows_free(&rs);
}

Test(csvreader, quote_open_at_end_of_input_is_torn)
{
    const char *in = "a,b\n1,2\n3,\"4\n5,6";
    rows rs = {0};
    parse_lines(in, strlen(in), 3, &rs);
    cr_assert_eq(rs.n, 4);
    cr_assert_eq(rs.r[2].fault, ESR_ROW_QUOTE_OPEN);
    cr_assert_eq(rs.r[2].line, 3);
    FIELDS(&rs.r[3], "5", "6");
    cr_assert_eq(rs.r[3].line, 4);
    rows_free(&rs);
}

Test(csvreader, nul_rejects_its_row_and_is_counted)
{
    const char in[] = "a,b\n1,2\n3,x\0y\n5,6\n\"7\0\n8,9\n";
    rows rs = {0};
    parse_lines(in, sizeof in - 1, 3, &rs);
    cr_assert_eq(rs.n, 6);
    cr_assert_eq(rs.r[2].fault, ESR_ROW_NUL);
    cr_assert_eq(rs.r[2].line, 3);
    FIELDS(&rs.r[3], "5", "6");
    cr_assert_eq(rs.r[4].fault, ESR_ROW_NUL, "a NUL in an open quoted field tears at its line");
    cr_assert_eq(rs.r[4].line, 5);
    FIELDS(&rs.r[5], "8", "9");
    cr_assert_eq(rs.r[5].line, 6);
    rows_free(&rs);

    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    rows r2 = {0};
    esr_csvreader *rd;
    cr_assert_eq(csvreader_new(&o, collect, &r2, &rd), ESR_OK);
    esr_err err = {0};
    cr_assert_eq(csvreader_feed(rd, in, sizeof in - 1, &err), ESR_OK);
    cr_assert_eq(csvreader_finish(rd, &err), ESR_OK);
    cr_assert_eq(csvreader_nul_bytes(rd), 2);
    cr_assert_eq(csvreader_physical_lines(rd), 6);
    csvreader_free(rd);
    rows_free(&r2);
}

Test(csvreader, zero_filled_tail_is_one_row)
{
    char in[4096];
    const char *head = "a,b\n1,2\n3,4\n";
    size_t n = strlen(head);
    memcpy(in, head, n);
    memset(in + n, 0, sizeof in - n);
    rows rs = {0};
    parse_lines(in, sizeof in, 3, &rs);
    cr_assert_eq(rs.n, 4);
    FIELDS(&rs.r[2], "3", "4");
    cr_assert_eq(rs.r[3].fault, ESR_ROW_NUL);
    cr_assert_eq(rs.r[3].line, 4);
    rows_free(&rs);
}

Test(csvreader, oversize_open_field_is_torn_too)
{
    /* a stray quote whose field also outgrows the size limit */
    char in[600];
    snprintf(in, sizeof in, "a,b\n1,\"%0300d\n2,3\n4,5\n6,7\n", 0);
    rows rs = {0};
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    o.max_field_bytes = 100;
    o.max_field_lines = 3;
    parse_opts(in, strlen(in), &o, 7, &rs);
    cr_assert_eq(rs.n, 5);
    cr_assert_eq(rs.r[1].fault, ESR_ROW_FIELD_TOO_BIG);
    cr_assert_eq(rs.r[1].line, 2);
    FIELDS(&rs.r[2], "2", "3");
    FIELDS(&rs.r[4], "6", "7");
    rows_free(&rs);
}

typedef struct oracle {
    esr_buf *out;
    int first; /* no field of the current row yet */
} oracle;

static void oracle_field(void *data, size_t len, void *ctx)
{
    oracle *o = ctx;
    if (!o->first)
        esr_buf_append(o->out, "\x1f", 1);
    o->first = 0;
    esr_buf_append(o->out, data, len);
}

static void oracle_row(int c, void *ctx)
{
    (void)c;
    oracle *o = ctx;
    esr_buf_append(o->out, "\x1e", 1);
    o->first = 1;
}

/* libcsv's own rows of in[0..len), fields joined by 0x1f, rows by 0x1e:
 * the oracle for the fast path. */
static void libcsv_rows(const char *in, size_t len, char delim, esr_buf *out)
{
    struct csv_parser p;
    oracle o = {out, 1};
    cr_assert_eq(csv_init(&p, 0), 0);
    csv_set_delim(&p, (unsigned char)delim);
    cr_assert_eq(csv_parse(&p, in, len, oracle_field, oracle_row, &o), len);
    csv_fini(&p, oracle_field, oracle_row, &o);
    csv_free(&p);
}

/* The reader's rows as libcsv_rows renders them. */
static void reader_rows(const rows *rs, esr_buf *out)
{
    for (size_t i = 0; i < rs->n; i++) {
        cr_assert_eq(rs->r[i].fault, ESR_ROW_OK, "row %zu: fault %d", i, rs->r[i].fault);
        for (size_t f = 0; f < rs->r[i].nfields; f++) {
            if (f)
                esr_buf_append(out, "\x1f", 1);
            esr_buf_append(out, rs->r[i].fields[f], rs->r[i].lens[f]);
        }
        esr_buf_append(out, "\x1e", 1);
    }
}

/* A random export-like text: lines of blanks, letters, delimiters, quotes,
 * CRs, CRLFs and LFs; most lines hold no CR (the fast path's lines). */
static size_t random_text(unsigned *seed, char delim, char *buf, size_t cap)
{
    static const char *const alphabets[] = {
        "ab  \t\t,,\"\"\r\n", /* anything: libcsv's lines */
        "abc \t,,,\xc3\xa9",  /* unquoted fields */
        "abc \t,,,\"\"\"",    /* quoted fields on one line, stray quotes */
        "abc,,\"",            /* mostly well-formed quoting */
    };
    size_t n = 0;
    size_t lines = 1 + (size_t)(rand_r(seed) % 12);
    for (size_t l = 0; l < lines && n + 64 < cap; l++) {
        const char *alpha = alphabets[rand_r(seed) % 4];
        size_t na = strlen(alpha), len = (size_t)(rand_r(seed) % 40);
        for (size_t k = 0; k < len; k++) {
            char ch = alpha[rand_r(seed) % na];
            buf[n++] = ch == ',' ? delim : ch;
        }
        int end = rand_r(seed) % 8;
        if (end == 0)
            buf[n++] = '\r';
        else if (end < 3)
            n += (size_t)snprintf(buf + n, cap - n, "\r\n");
        else if (l + 1 < lines || end > 4)
            buf[n++] = '\n';
    }
    return n;
}

Test(csvreader, fast_path_splits_as_libcsv_does)
{
    unsigned seed = 20261205;
    static char text[1024];
    static rows whole;
    for (int iter = 0; iter < 20000; iter++) {
        char delim = iter % 3 ? ',' : '\t';
        size_t n = random_text(&seed, delim, text, sizeof text);
        esr_csv_opts o;
        csvreader_opts_default(&o, delim);
        o.max_columns = MAXF;
        o.max_field_bytes = 1000;
        esr_buf want = {0}, got = {0};
        libcsv_rows(text, n, delim, &want);
        whole.n = 0;
        parse_opts(text, n, &o, 0, &whole);
        reader_rows(&whole, &got);
        cr_assert_eq(got.len, want.len, "iteration %d: %zu vs %zu bytes of rows", iter, got.len,
                     want.len);
        cr_assert(!got.len || !memcmp(got.data, want.data, got.len), "iteration %d: rows differ",
                  iter);
        rows_free(&whole);
        esr_buf_free(&want);
        esr_buf_free(&got);
    }
}

Test(csvreader, fast_path_keeps_line_numbers_limits_and_raw_text)
{
    static rows whole, bytes;
    const char *in = " a , b\t,\tc \r\n"
                     "\n"
                     "  \t \n"
                     "x,\"q,1\",y\n"
                     "1,2,3,4,5\n"
                     "toolongfield,z\n"
                     "last,row\n";
    parse_small(in, 8, 4, 0, &whole);
    cr_assert_eq(whole.n, 5);
    FIELDS(&whole.r[0], "a", "b", "c");
    cr_assert_eq(whole.r[0].line, 1);
    cr_assert_str_eq(whole.r[0].raw, " a , b\t,\tc \r\n");
    FIELDS(&whole.r[1], "x", "q,1", "y");
    cr_assert_eq(whole.r[1].line, 4);
    cr_assert_eq(whole.r[2].fault, ESR_ROW_TOO_MANY_COLUMNS);
    cr_assert_eq(whole.r[3].fault, ESR_ROW_FIELD_TOO_BIG);
    FIELDS(&whole.r[4], "last", "row");
    cr_assert_eq(whole.r[4].line, 7);
    cr_assert_str_eq(whole.r[4].raw, "last,row\n");
    /* fed a byte at a time no slice is a whole line: libcsv splits every
     * record (from the second byte: libcsv drops blanks before a record
     * from its raw text when they come alone) */
    parse_small(in + 1, 8, 4, 1, &bytes);
    rows_free(&whole);
    parse_small(in + 1, 8, 4, 0, &whole);
    assert_same_rows(&whole, &bytes);
    rows_free(&whole);
    rows_free(&bytes);
}

Test(csvreader, read_all_reads_a_whole_stream)
{
    static rows rs;
    const char text[] = "h1\th2\n1\t\"a\tb\"\n2\tlast";
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "rb");
    cr_assert_not_null(fp);
    esr_err err = {0};
    cr_assert_eq(csvreader_read_all(fp, "mem", '\t', collect, &rs, &err), ESR_OK, "%s", err.msg);
    fclose(fp);
    cr_assert_eq(rs.n, 3);
    FIELDS(&rs.r[1], "1", "a\tb");
    FIELDS(&rs.r[2], "2", "last");
    cr_assert_eq(rs.r[2].line, 3);
    rows_free(&rs);
}
