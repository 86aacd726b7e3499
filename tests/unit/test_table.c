/* test_table.c - mapping-table loader. */
#include <criterion/criterion.h>
#include <string.h>

#include "table.h"
#include "unit_helpers.h"

static char dir[PATH_MAX];

static void setup(void)
{
    th_mkdtemp(dir);
}

static void teardown(void)
{
    th_rm_rf(dir);
}

TestSuite(table, .init = setup, .fini = teardown);

static esr_status load(const char *text, esr_table **t, esr_err *err, char path[PATH_MAX])
{
    th_write_in(dir, "t.csv", text, path);
    return table_load(path, t, err);
}

Test(table, loads_rows_with_lines)
{
    char path[PATH_MAX];
    esr_table *t = NULL;
    esr_err err = {0};
    const char *text = "\xef\xbb\xbf"
                       "code, name ,note\n"
                       "A1, First ,\"multi\nline\"\n"
                       "\n"
                       "B2,Second\n"
                       "C3,\xc2\xa0Third\xc2\xa0,x\n";
    cr_assert_eq(load(text, &t, &err, path), ESR_OK, "%s", err.msg);
    cr_assert_eq(t->ncols, 3);
    cr_assert_str_eq(t->header[0], "code", "BOM stripped from the first header");
    cr_assert_str_eq(t->header[1], "name", "header trimmed");
    cr_assert_eq(t->nrows, 3);
    cr_assert_eq(t->rows[0].line, 2);
    cr_assert_eq(t->rows[1].line, 5);
    cr_assert_eq(t->rows[2].line, 6);
    int c_name = table_col(t, "name"), c_note = table_col(t, "note");
    cr_assert_eq(c_name, 1);
    cr_assert_eq(c_note, 2);
    cr_assert_eq(table_col(t, "missing"), -1);
    cr_assert_str_eq(table_get(t, 0, c_name), "First");
    cr_assert_str_eq(table_get(t, 0, c_note), "multi\nline");
    cr_assert_str_eq(table_get(t, 1, c_note), "", "short rows padded with empty fields");
    cr_assert_str_eq(table_get(t, 2, c_name), "Third", "NBSP trimmed");
    cr_assert_str_eq(table_get(t, 2, -1), "");
    cr_assert_str_eq(t->path, path);

    const char *const need[] = {"code", "note", NULL};
    cr_assert_eq(table_require(t, need, &err), ESR_OK);
    const char *const need2[] = {"code", "weight", NULL};
    cr_assert_eq(table_require(t, need2, &err), ESR_ERR_MAPPING);
    cr_assert(strstr(err.msg, "weight") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "t.csv:1") != NULL, "%s", err.msg);
    table_free(t);
}

Test(table, too_many_fields_names_file_and_line)
{
    char path[PATH_MAX];
    esr_table *t = (esr_table *)1;
    esr_err err = {0};
    cr_assert_eq(load("a,b\n1,2\n\n3,4,5\n", &t, &err, path), ESR_ERR_MAPPING);
    cr_assert_null(t);
    char want[PATH_MAX + 16];
    snprintf(want, sizeof want, "%s:4:", path);
    cr_assert(strstr(err.msg, want) != NULL, "want \"%s\" in \"%s\"", want, err.msg);
}

Test(table, missing_and_empty)
{
    esr_table *t = NULL;
    esr_err err = {0};
    char path[PATH_MAX];
    th_join(path, dir, "none.csv");
    cr_assert_eq(table_load(path, &t, &err), ESR_ERR_MAPPING);
    cr_assert_null(t);
    cr_assert(strstr(err.msg, "none.csv") != NULL, "%s", err.msg);
    cr_assert_eq(load("", &t, &err, path), ESR_ERR_MAPPING);
    cr_assert_null(t);
    cr_assert_eq(load("\n\n", &t, &err, path), ESR_ERR_MAPPING);
}

Test(table, header_only)
{
    char path[PATH_MAX];
    esr_table *t = NULL;
    esr_err err = {0};
    cr_assert_eq(load("x,y", &t, &err, path), ESR_OK, "%s", err.msg);
    cr_assert_eq(t->ncols, 2);
    cr_assert_eq(t->nrows, 0);
    table_free(t);
    table_free(NULL);
}
