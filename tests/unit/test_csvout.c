/* test_csvout.c - RFC 4180 quoting and spreadsheet-formula neutralisation. */
#include <criterion/criterion.h>
#include <string.h>

#include "csvout.h"
#include "unit_helpers.h"

static const char *text1(esr_buf *b, const char *s)
{
    esr_buf_reset(b);
    cr_assert_eq(csvout_text(b, s, 1), 0);
    return esr_buf_str(b);
}

static const char *raw1(esr_buf *b, const char *s)
{
    esr_buf_reset(b);
    cr_assert_eq(csvout_raw(b, s, 1), 0);
    return esr_buf_str(b);
}

Test(csvout, plain_fields_unquoted)
{
    esr_buf b = {0};
    cr_assert_str_eq(text1(&b, "Physiotherapy"), "Physiotherapy");
    cr_assert_str_eq(text1(&b, ""), "");
    cr_assert_str_eq(text1(&b, "caf\xc3\xa9 \xe2\x80\x93 x"), "caf\xc3\xa9 \xe2\x80\x93 x");
    cr_assert_str_eq(raw1(&b, "1.00000"), "1.00000");
    esr_buf_free(&b);
}

Test(csvout, quoting)
{
    esr_buf b = {0};
    cr_assert_str_eq(text1(&b, "a,b"), "\"a,b\"");
    cr_assert_str_eq(text1(&b, "say \"hi\""), "\"say \"\"hi\"\"\"");
    cr_assert_str_eq(text1(&b, "two\nlines"), "\"two\nlines\"");
    cr_assert_str_eq(text1(&b, "cr\rhere"), "\"cr\rhere\"");
    cr_assert_str_eq(text1(&b, "\""), "\"\"\"\"");
    cr_assert_str_eq(text1(&b, " lead"), "\" lead\"");
    cr_assert_str_eq(text1(&b, "trail "), "\"trail \"");
    cr_assert_str_eq(raw1(&b, "a,\"b\"\n"), "\"a,\"\"b\"\"\n\"");
    esr_buf_free(&b);
}

Test(csvout, formula_neutralised)
{
    esr_buf b = {0};
    cr_assert_str_eq(text1(&b, "=1+1"), "\"'=1+1\"");
    cr_assert_str_eq(text1(&b, "+x"), "\"'+x\"");
    cr_assert_str_eq(text1(&b, "-x"), "\"'-x\"");
    cr_assert_str_eq(text1(&b, "@x"), "\"'@x\"");
    cr_assert_str_eq(text1(&b, "\tx"), "\"'\tx\"");
    cr_assert_str_eq(text1(&b, "\rx"), "\"'\rx\"");
    cr_assert_str_eq(text1(&b, "=HYPERLINK(\"http://x\",\"y\")"),
                     "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    /* only the first character matters */
    cr_assert_str_eq(text1(&b, "a=b"), "a=b");
    cr_assert_str_eq(text1(&b, "x-1"), "x-1");
    esr_buf_free(&b);
}

Test(csvout, raw_never_altered)
{
    esr_buf b = {0};
    cr_assert_str_eq(raw1(&b, "=1+1"), "=1+1");
    cr_assert_str_eq(raw1(&b, "+x"), "+x");
    cr_assert_str_eq(raw1(&b, "-0.20000"), "-0.20000");
    cr_assert_str_eq(raw1(&b, "@x"), "@x");
    /* a tab is not special to CSV, so raw leaves it bare */
    cr_assert_str_eq(raw1(&b, "\tx"), "\tx");
    esr_buf_free(&b);
}

static char dir[PATH_MAX];

static void cleanup(void)
{
    if (*dir)
        th_rm_rf(dir);
}

TestSuite(csvout, .fini = cleanup);

Test(csvout, separators_and_flush)
{
    char path[PATH_MAX];
    th_mkdtemp(dir);
    th_join(path, dir, "out.csv");
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    esr_buf line = {0};
    cr_assert_eq(csvout_text(&line, "a", 1), 0);
    cr_assert_eq(csvout_text(&line, "", 0), 0);
    cr_assert_eq(csvout_raw(&line, "1", 0), 0);
    cr_assert_eq(csvout_text(&line, "=x,y", 0), 0);
    cr_assert_str_eq(esr_buf_str(&line), "a,,1,\"'=x,y\"");
    cr_assert_eq(csvout_flush(&line, fp), 0);
    cr_assert_eq(line.len, 0, "flush empties the line");
    cr_assert_eq(csvout_raw(&line, "b", 1), 0);
    cr_assert_eq(csvout_flush(&line, fp), 0);
    cr_assert_eq(fclose(fp), 0);
    char *got = th_read(path, NULL);
    cr_assert_str_eq(got, "a,,1,\"'=x,y\"\nb\n");
    free(got);
    esr_buf_free(&line);
}

Test(csvout, flush_reports_write_failure)
{
    FILE *fp = fopen("/dev/full", "wb");
    if (!fp)
        cr_skip_test("/dev/full not available");
    setvbuf(fp, NULL, _IONBF, 0);
    esr_buf line = {0};
    csvout_text(&line, "x", 1);
    cr_assert_eq(csvout_flush(&line, fp), ESR_ERR_IO, "a write failure is I/O, not memory");
    fclose(fp);
    esr_buf_free(&line);
}

Test(csvout, unneutralise_undoes_each_guarded_lead)
{
    esr_buf b = {0};
    for (const char *p = ESR_FORMULA_LEAD; *p; p++) {
        char s[8] = {*p, '1', '+', '1', 0};
        const char *q = text1(&b, s); /* "'=1+1" quoted */
        cr_assert_eq(q[1], '\'', "lead %d not guarded", *p);
        char inner[16];
        snprintf(inner, sizeof inner, "%.*s", (int)strlen(q) - 2, q + 1);
        cr_assert_str_eq(csvout_unneutralise(inner), s);
    }
    cr_assert_str_eq(csvout_unneutralise("'plain"), "'plain"); /* an apostrophe of its own */
    cr_assert_str_eq(csvout_unneutralise("'"), "'");
    cr_assert_str_eq(csvout_unneutralise(""), "");
    esr_buf_free(&b);
}

Test(csvout, flush_reports_latched_memory_failure)
{
    char path[PATH_MAX];
    th_mkdtemp(dir);
    FILE *fp = fopen(th_join(path, dir, "latched.csv"), "wb");
    cr_assert_not_null(fp);
    esr_buf line = {0};
    cr_assert_eq(csvout_text(&line, "a", 1), ESR_OK);
    esr_buf_reserve(&line, (size_t)-1 / 2 + 10); /* a growth that fails: latched */
    cr_assert_eq(csvout_raw(&line, "b", 0), ESR_ERR_NOMEM);
    cr_assert_eq(csvout_flush(&line, fp), ESR_ERR_NOMEM, "memory, not I/O");
    fclose(fp);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 0, "a line cut short by memory is never written");
    esr_buf_free(&line);
}
