/* test_xlsx_book.c - a workbook being written: cells that size their
 * columns, labels, chart series, and the checked open and close. */
#include "xlsx_book.h"

#include "unit_helpers.h"

static char base[PATH_MAX];

/* A fresh temporary directory for each test. */
static void setup(void)
{
    th_mkdtemp(base);
}

/* Remove it. */
static void teardown(void)
{
    th_rm_rf(base);
}

TestSuite(xlsx_book, .init = setup, .fini = teardown);

static const char *const names[2] = {"One", "Two"};

/* A workbook of sheets "One" and "Two" being written to base/file. */
typedef struct tbook {
    char path[PATH_MAX];
    esr_xbook b;
    esr_xsheet s[2];
    esr_err err;
} tbook;

/* Open t's workbook at base/file. */
static void open_ok(tbook *t, const char *file)
{
    memset(t, 0, sizeof *t);
    th_join(t->path, base, file);
    cr_assert_eq(xbook_open(&t->b, t->path, base, names, 2, t->s, &t->err), ESR_OK, "%s",
                 t->err.msg);
}

Test(xlsx_book, cells_size_their_columns_and_labels_advance)
{
    tbook t;
    open_ok(&t, "a.xlsx");
    esr_xbook *b = &t.b;
    esr_xsheet *s = t.s;
    const char *path = t.path;
    esr_err err = {0};
    cr_assert_eq(b->s, s);
    cr_assert_not_null(s[0].ws);
    cr_assert_not_null(s[1].ws);
    xbook_str(b, 0, 0, 0, "abcdef", NULL);      /* 6 characters + 2 */
    xbook_str(b, 0, 1, 0, "caf\xc3\xa9", NULL); /* characters, not bytes */
    xbook_num(b, 1, 0, 1, 1234.5, NULL);        /* "1234.50" 7 + 1 + 2 */
    xbook_fte(b, 1, 0, 2, 150000, NULL);        /* 1.5: "1.50" 4 + 1 + 2 */
    xbook_str(b, 1, 0, 3, "", NULL);            /* nothing for "" */
    cr_assert_float_eq(s[0].width[0], 8.0, 1e-9);
    cr_assert_float_eq(s[1].width[1], 10.0, 1e-9);
    cr_assert_float_eq(s[1].width[2], 7.0, 1e-9);
    cr_assert_float_eq(s[1].width[3], 0.0, 1e-9);
    lxw_row_t r = 3;
    xbook_label(b, 0, &r, "Organisation", "RXX");
    xbook_label_num(b, 0, &r, "Rows read", 12, b->st.count_left);
    cr_assert_eq(r, 5, "each label row advances the row");
    cr_assert_float_eq(s[0].width[0], 14.0, 1e-9, "the label widened column 0");
    lxw_row_t after = xbook_note(b, 0, 6, 0, "a short note");
    cr_assert_eq(after, 7, "a one-line note takes one row");
    cr_assert_float_eq(s[0].width[0], 14.0, 1e-9, "a note widens nothing");
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_LINE);
    cr_assert_not_null(chart);
    cr_assert_not_null(xbook_chart_series(chart, "Two", "='Two'!$B$1", 0, 1, 0, 2, 0, 0));
    worksheet_insert_chart(s[1].ws, 4, 0, chart);
    xbook_widths(b, 0, 10);
    esr_xbook_props props = {.title = "T", .comments = "C", .created = 0};
    cr_assert_eq(xbook_close(b, &props, &err), ESR_OK, "%s", err.msg);
    cr_assert_null(b->wb, "closed: the book holds no workbook");
    xbook_free(b); /* harmless after the close */
    size_t len;
    char *zip = th_read(path, &len);
    cr_assert_gt(len, 1000);
    cr_assert(!memcmp(zip, "PK\x03\x04", 4), "a zip file");
    free(zip);
}

Test(xlsx_book, a_cell_error_fails_the_close_and_keeps_the_first)
{
    tbook t;
    open_ok(&t, "b.xlsx");
    esr_xbook *b = &t.b;
    const char *path = t.path;
    esr_err err = {0};
    xbook_str(b, 0, LXW_ROW_MAX, 0, "beyond the last row", NULL);
    lxw_error first = b->error;
    cr_assert_neq(first, LXW_NO_ERROR);
    xbook_num(b, 0, 0, LXW_COL_MAX, 1, NULL); /* a second, different error */
    cr_assert_eq(b->error, first, "the first error is kept");
    esr_status st = xbook_close(b, NULL, &err);
    cr_assert_eq(st, ESR_ERR_IO);
    cr_assert(strstr(err.msg, path) != NULL, "names the workbook: %s", err.msg);
    cr_assert_null(b->wb);
}

Test(xlsx_book, an_unwritable_path_fails_at_close_and_frees)
{
    tbook t;
    open_ok(&t, "no/such/dir/c.xlsx");
    esr_xbook *b = &t.b;
    const char *path = t.path;
    esr_err err = {0};
    xbook_str(b, 0, 0, 0, "x", NULL);
    cr_assert_eq(xbook_close(b, NULL, &err), ESR_ERR_IO);
    cr_assert(strstr(err.msg, "c.xlsx") != NULL, "%s", err.msg);
    cr_assert_not(th_exists(path));
}

Test(xlsx_book, free_abandons_an_open_workbook)
{
    tbook t;
    open_ok(&t, "d.xlsx");
    esr_xbook *b = &t.b;
    const char *path = t.path;
    xbook_str(b, 0, 0, 0, "x", NULL);
    xbook_free(b);
    cr_assert_null(b->wb);
    xbook_free(b); /* twice is harmless */
    cr_assert_not(th_exists(path), "nothing written");
}

Test(xlsx_book, a_duplicate_sheet_name_is_refused_at_open)
{
    char path[PATH_MAX];
    th_join(path, base, "e.xlsx");
    static const char *const same[2] = {"Same", "Same"};
    esr_xbook b;
    esr_xsheet s[2] = {0};
    esr_err err = {0};
    cr_assert_eq(xbook_open(&b, path, base, same, 2, s, &err), ESR_ERR_XLSX);
    cr_assert(strstr(err.msg, "cannot add worksheet Same") != NULL, "%s", err.msg);
    cr_assert_null(b.wb, "nothing left open");
}

Test(xlsx_book, row_cap_never_passes_the_worksheet)
{
    cr_assert_eq(xbook_rows_cap(100000), 100000);
    cr_assert_eq(xbook_rows_cap(1), 1);
    /* 0 = no cap: all that fit, with the last row (index 1048575) left for the note */
    cr_assert_eq(xbook_rows_cap(0), 1048574);
    cr_assert_eq(xbook_rows_cap(1048574), 1048574);
    cr_assert_eq(xbook_rows_cap(1048575), 1048574);
    cr_assert_eq(xbook_rows_cap(UINT64_MAX), 1048574);
}
