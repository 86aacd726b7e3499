/* test_xlsx_tmp.c - libxlsxwriter's temporary files, buffered: the same
 * file behaviour as the library's own. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "unit_helpers.h"
#include "xlsx_tmp.h"

static char dir[PATH_MAX];

static void setup(void)
{
    th_mkdtemp(dir);
}

static void teardown(void)
{
    th_rm_rf(dir);
}

TestSuite(xlsx_tmp, .init = setup, .fini = teardown);

/* Entries in dir. */
static int entries(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Write rows as libxlsxwriter does (fprintf, fputs, fwrite), read them
 * back after fflush and rewind, as its close does; the text written. */
static void round_trip(FILE *f, esr_buf *want)
{
    for (int i = 0; i < 20000; i++) {
        char cell[64];
        int n = snprintf(cell, sizeof cell, "<c r=\"A%d\"><v>%d</v></c>", i + 1, i * 7);
        cr_assert_eq(fprintf(f, "<row r=\"%d\">", i + 1) > 0, 1);
        cr_assert_eq(fputs(cell, f) >= 0, 1);
        cr_assert_eq(fwrite("</row>", 1, 6, f), 6);
        cr_assert_eq(esr_buf_printf(want, "<row r=\"%d\">%s</row>", i + 1, cell), 0);
        (void)n;
    }
    cr_assert_eq(fflush(f), 0);
    rewind(f);
    char *got = malloc(want->len + 1);
    size_t have = 0, r;
    while ((r = fread(got + have, 1, 4096 < want->len + 1 - have ? 4096 : want->len + 1 - have,
                      f)) > 0)
        have += r;
    cr_assert(feof(f), "read to the end");
    cr_assert_eq(have, want->len);
    cr_assert(!memcmp(got, want->data, have), "the bytes read back are the bytes written");
    /* and a seek into the middle reads from there */
    cr_assert_eq(fseek(f, 100000, SEEK_SET), 0);
    cr_assert_eq(fread(got, 1, 16, f), 16);
    cr_assert(!memcmp(got, want->data + 100000, 16));
    cr_assert_eq(ftell(f), 100016);
    free(got);
}

Test(xlsx_tmp, a_buffered_temporary_file_behaves_as_the_librarys_own)
{
    xlsx_tmp_use();
    cr_assert_str_neq(lxw_version(), "", "linked with libxlsxwriter, whose own comes next");
    FILE *(*own)(char *) = (FILE * (*)(char *)) dlsym(RTLD_NEXT, "lxw_tmpfile");
    cr_assert_not_null(own, "libxlsxwriter's lxw_tmpfile");
    FILE *a = lxw_tmpfile(dir), *b = own(dir);
    cr_assert(a && b);
    cr_assert_eq(fileno(a), -1, "ours: a stream over the library's file");
    cr_assert_geq(fileno(b), 0);
    cr_assert_eq(entries(), 0, "both unlinked already: nothing left in tmpdir");
    esr_buf wa = {0}, wb = {0};
    round_trip(a, &wa);
    round_trip(b, &wb);
    cr_assert_eq(wa.len, wb.len);
    cr_assert_eq(fclose(a), 0);
    cr_assert_eq(fclose(b), 0);
    esr_buf_free(&wa);
    esr_buf_free(&wb);
}

Test(xlsx_tmp, where_the_library_makes_its_file_ours_is_made_too)
{
    /* libxlsxwriter (tmpfileplus) falls back to TMPDIR and /tmp when its
     * directory is missing: ours follows it, file for file */
    char missing[PATH_MAX];
    th_join(missing, dir, "no/such/dir");
    FILE *(*own)(char *) = (FILE * (*)(char *)) dlsym(RTLD_NEXT, "lxw_tmpfile");
    cr_assert_not_null(own);
    FILE *a = lxw_tmpfile(missing), *b = own(missing);
    cr_assert_eq(a != NULL, b != NULL);
    if (a)
        cr_assert_eq(fclose(a), 0);
    if (b)
        cr_assert_eq(fclose(b), 0);
}
