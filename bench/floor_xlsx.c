/* floor_xlsx.c - the floor for writing the Support workforce sheet with
 * libxlsxwriter: what the workbook costs with no reading, classifying or
 * parsing in the way.
 *
 *   floor_xlsx RECORDS.csv OUT.xlsx
 *
 * Loads RECORDS.csv (esrpipe's records.csv) into memory first, untimed:
 * every field as text, the numeric columns already converted to doubles.
 * Then, timed: a constant_memory workbook (as esrpipe's) with one sheet,
 * "Support workforce": the heading row and every record, empty fields
 * skipped, numbers as numbers, FTE in the house format, through
 * worksheet_write_string / worksheet_write_number; then workbook_close,
 * which deflates at esrpipe's zip level (xlsx_zip.c, linked in). No
 * widths, filters, validation lists or other sheets, so it is a lower bound
 * for esrpipe's own workbook and a fair stand-in for the pandas peer's
 * sheet. Prints one line:
 *
 *   rows=R cells=C write_seconds=W close_seconds=Z seconds=T cpu_seconds=U
 *
 * seconds = W + Z (wall); cpu_seconds = user+sys of the timed part. A
 * benchmark figure, never a test; run by bench/bench.py. Exit 0 ok, 66
 * cannot open, 65 not a records.csv, 70 libcsv, memory or libxlsxwriter
 * failure. */
#define _POSIX_C_SOURCE 200809L
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "records.h"
#include "xlsx_style.h"
#include "xlsx_cell.h"
#include "xlsx_tmp.h"
#include "xlsx_zip.h"

/* The records, as loaded: the fields of a row are NUL-terminated texts one
 * after the other in text; num[] has the numeric columns' values. */
typedef struct loaded {
    char *text;
    size_t len, cap;
    double *num;
    size_t nrows, ncap, field; /* field = column of the next field */
    int bad;
} loaded;

static int text_add(loaded *l, const char *p, size_t n)
{
    if (esr_grow(&l->text, &l->cap, l->len + n + 1, 1, 1u << 20))
        return -1;
    memcpy(l->text + l->len, p, n);
    l->text[l->len + n] = '\0';
    l->len += n + 1;
    return 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
    loaded *l = ctx;
    if (l->field >= RC_COUNT) {
        l->bad = 1;
        return;
    }
    if (esr_grow(&l->num, &l->ncap, (l->nrows + 1) * RC_COUNT, sizeof *l->num, 4096 * RC_COUNT)) {
        l->bad = 1;
        return;
    }
    if (text_add(l, data ? data : "", len)) {
        l->bad = 1;
        return;
    }
    l->num[l->nrows * RC_COUNT + l->field] = strtod(l->text + l->len - len - 1, NULL);
    l->field++;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    loaded *l = ctx;
    if (l->field != RC_COUNT)
        l->bad = 1;
    l->field = 0;
    l->nrows++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: floor_xlsx RECORDS.csv OUT.xlsx\n");
        return 64;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 66;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL)) {
        fclose(f);
        return 70;
    }
    loaded l = {0};
    static char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, &l) != n)
            break;
    csv_fini(&p, on_field, on_row, &l);
    csv_free(&p);
    int rd = ferror(f);
    fclose(f);
    if (rd || l.bad || l.nrows < 1) {
        fprintf(stderr, "floor_xlsx: %s: not a records.csv of %d columns\n", argv[1], RC_COUNT);
        return 65;
    }

    double t0 = now(), c0 = cpu();
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(argv[2], &o);
    if (!wb)
        return 70;
    esr_xlsx_style st;
    xlsx_style_add(wb, &st);
    xlsx_zip_use();
    xlsx_cell_use(); /* esrpipe's cell helpers too: the floor is what esrpipe's libxlsxwriter can do */
    xlsx_tmp_use(); /* and its temporary files' buffers */
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Support workforce");
    size_t cells = 0;
    const char *v = l.text;
    lxw_error err = LXW_NO_ERROR;
    /* a sheet holds LXW_ROW_MAX rows, the heading included: past it the
     * records stay in records.csv (esrpipe's --max-sheet-rows does the same) */
    size_t nsheet = l.nrows < LXW_ROW_MAX ? l.nrows : LXW_ROW_MAX;
    for (size_t r = 0; r < nsheet && !err; r++) {
        for (int c = 0; c < RC_COUNT; c++, v += strlen(v) + 1) {
            if (!*v)
                continue;
            if (r && records_col_numeric((esr_rcol)c))
                err = worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c,
                                             l.num[r * RC_COUNT + c], c == RC_FTE ? st.fte : NULL);
            else
                err = worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, v,
                                             r ? NULL : st.heading);
            cells++;
        }
    }
    double t1 = now();
    lxw_error cerr = workbook_close(wb);
    double t2 = now(), c2 = cpu();
    free(l.text);
    free(l.num);
    if (err || cerr) {
        fprintf(stderr, "floor_xlsx: %s: %s\n", argv[2], lxw_strerror(err ? err : cerr));
        return 70;
    }
    printf("rows=%zu cells=%zu write_seconds=%.3f close_seconds=%.3f seconds=%.3f "
           "cpu_seconds=%.3f\n",
           nsheet - 1, cells, t1 - t0, t2 - t1, t2 - t0, c2 - c0);
    return 0;
}
