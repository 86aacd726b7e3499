/* test_rowspool.c - rows kept in an unlinked scratch file and read back. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rowspool.h"
#include "unit_helpers.h"

/* Entries in dir other than . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* A row of nf fields from texts (lens filled when with_lens). */
static esr_row make_row(char **texts, size_t *lens, size_t nf, uint64_t line, int with_lens)
{
    for (size_t i = 0; i < nf; i++)
        lens[i] = strlen(texts[i]);
    esr_row r = {.nfields = nf, .fields = texts, .lens = with_lens ? lens : NULL, .line = line};
    r.end_line = line + (line % 3);
    r.offset = 7;
    return r;
}

Test(rowspool, rows_come_back_as_written_with_unkept_fields_masked)
{
    char dir[PATH_MAX];
    th_mkdtemp(dir);
    esr_err err = {0};
    esr_rowspool *s;
    cr_assert_eq(rowspool_open(dir, "OUT", &s, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(entries(dir), 0, "the scratch file has no name");
    char *a[] = {"RM3", "Jane Smith", " ", "Healthcare Assistant", "", "1,5\n\"x\""};
    char *hdr[] = {"org", "name", "notes", "title", "blank", "fte"};
    size_t lens[6];
    int kind[] = {ESR_HEADER_MAPPED, ESR_HEADER_PII,    ESR_HEADER_UNKNOWN,
                  ESR_HEADER_MAPPED, ESR_HEADER_MAPPED, ESR_HEADER_UNKNOWN};
    esr_schema schema = {.ncols = 6, .header = hdr, .kind = kind};
    esr_row h = make_row(hdr, lens, 6, 1, 1);
    cr_assert_eq(rowspool_put(s, &h, NULL, &err), ESR_OK);
    esr_row r = make_row(a, lens, 6, 2, 0);
    cr_assert_eq(rowspool_put(s, &r, &schema, &err), ESR_OK);
    esr_row f = {.nfields = 0, .line = 9, .end_line = 12, .fault = ESR_ROW_QUOTE_OPEN};
    cr_assert_eq(rowspool_put(s, &f, &schema, &err), ESR_OK);
    esr_row torn = make_row(a, lens, 4, 13, 1); /* 4 fields under a 6-column header */
    cr_assert_eq(rowspool_put(s, &torn, &schema, &err), ESR_OK);
    uint64_t written = rowspool_bytes(s);
    cr_assert_eq(rowspool_rewind(s, &err), ESR_OK);

    esr_row got;
    cr_assert_eq(rowspool_next(s, &got, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(got.nfields, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(got.fields[i], hdr[i], "a header is kept whole");
    cr_assert_eq(rowspool_next(s, &got, &err), ESR_OK);
    cr_assert_eq(got.line, 2);
    cr_assert_eq(got.end_line, 4);
    cr_assert_eq(got.offset, UINT64_MAX, "no offset in a spooled row");
    cr_assert_null(got.raw);
    cr_assert_str_eq(got.fields[0], "RM3");
    cr_assert_str_eq(got.fields[1], ESR_ROWSPOOL_MASK, "personal data never reaches the disk");
    cr_assert_str_eq(got.fields[2], "", "a blank unkept field stays blank");
    cr_assert_str_eq(got.fields[3], "Healthcare Assistant");
    cr_assert_str_eq(got.fields[4], "");
    cr_assert_str_eq(got.fields[5], ESR_ROWSPOOL_MASK, "a column not mapped is not kept");
    cr_assert_eq(got.lens[3], strlen("Healthcare Assistant"));
    cr_assert_eq(rowspool_next(s, &got, &err), ESR_OK);
    cr_assert_eq(got.fault, ESR_ROW_QUOTE_OPEN);
    cr_assert_eq(got.nfields, 0);
    cr_assert_eq(got.line, 9);
    cr_assert_eq(got.end_line, 12);
    cr_assert_eq(rowspool_next(s, &got, &err), ESR_OK);
    cr_assert_eq(got.nfields, 4);
    cr_assert_str_eq(got.fields[0], ESR_ROWSPOOL_MASK, "a torn row keeps no field, mapped or not");
    cr_assert_str_eq(got.fields[2], "", "... but stays blank where it was blank");
    cr_assert_str_eq(got.fields[3], ESR_ROWSPOOL_MASK);
    cr_assert_eq(rowspool_read_bytes(s), written);
    cr_assert_eq(rowspool_next(s, &got, &err), ESR_ERR_IO, "reading past the last row fails");
    cr_assert(strstr(err.msg, "OUT: ") == err.msg, "messages name the user's directory: %s",
              err.msg);
    rowspool_close(s);
    cr_assert_eq(entries(dir), 0);
    th_rm_rf(dir);
}

Test(rowspool, many_rows_and_a_row_larger_than_a_chunk)
{
    char dir[PATH_MAX];
    th_mkdtemp(dir);
    esr_err err = {0};
    esr_rowspool *s;
    cr_assert_eq(rowspool_open(dir, dir, &s, &err), ESR_OK);
    size_t big = (3u << 20) + 17;
    char *huge = malloc(big + 1), num[32], *f[3] = {num, huge, "z"};
    cr_assert_not_null(huge);
    memset(huge, 'q', big);
    huge[big] = '\0';
    size_t lens[3];
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        snprintf(num, sizeof num, "%d", i * 7919);
        f[1] = i == n / 2 ? huge : num + (i % 3); /* lengths 0 to 7 and one of 3 MiB */
        esr_row r = make_row(f, lens, 3, (uint64_t)i + 2, i & 1);
        cr_assert_eq(rowspool_put(s, &r, NULL, &err), ESR_OK, "%s", err.msg);
    }
    cr_assert_eq(rowspool_rewind(s, &err), ESR_OK);
    esr_row got;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(rowspool_next(s, &got, &err), ESR_OK, "row %d: %s", i, err.msg);
        snprintf(num, sizeof num, "%d", i * 7919);
        cr_assert_eq(got.line, (uint64_t)i + 2);
        cr_assert_str_eq(got.fields[0], num);
        if (i == n / 2)
            cr_assert(got.lens[1] == big && !memcmp(got.fields[1], huge, big));
        else
            cr_assert_str_eq(got.fields[1], num + (i % 3));
        cr_assert_str_eq(got.fields[2], "z");
    }
    cr_assert_eq(rowspool_bytes(s), rowspool_read_bytes(s));
    free(huge);
    rowspool_close(s);
    th_rm_rf(dir);
}

Test(rowspool, a_damaged_or_cut_file_is_an_error_not_rows)
{
    char dir[PATH_MAX];
    th_mkdtemp(dir);
    esr_err err = {0};
    esr_rowspool *s;
    char *f[] = {"a", "bc"};
    size_t lens[2];
    for (int damage = 0; damage < 2; damage++) {
        cr_assert_eq(rowspool_open(dir, "OUT", &s, &err), ESR_OK);
        esr_row r = make_row(f, lens, 2, 5, 1);
        cr_assert_eq(rowspool_put(s, &r, NULL, &err), ESR_OK);
        cr_assert_eq(rowspool_rewind(s, &err), ESR_OK);
        /* the descriptor is the only way in: find it through /proc */
        char link[64], path[PATH_MAX];
        int fd = -1;
        for (int k = 3; k < 64 && fd < 0; k++) {
            snprintf(link, sizeof link, "/proc/self/fd/%d", k);
            ssize_t n = readlink(link, path, sizeof path - 1);
            if (n > 0 && (path[n] = '\0', strstr(path, ".esrpipe-rows-")))
                fd = k;
        }
        cr_assert_geq(fd, 0, "the spool's descriptor");
        if (damage == 0) {
            cr_assert_eq(ftruncate(fd, 6), 0); /* cut inside the row */
        } else {
            char nonul = 'X'; /* the NUL after field "a" */
            cr_assert_eq(pwrite(fd, &nonul, 1, 4 + 4 + 1 + 1), 1);
        }
        esr_row got;
        esr_status st = rowspool_next(s, &got, &err);
        cr_assert_eq(st, damage == 0 ? ESR_ERR_IO : ESR_ERR_INTERNAL, "damage %d: %s", damage,
                     err.msg);
        cr_assert(strstr(err.msg, damage == 0 ? "cut short" : "damaged"), "%s", err.msg);
        rowspool_close(s);
    }
    th_rm_rf(dir);
}

Test(rowspool, a_directory_that_cannot_hold_it_is_named)
{
    esr_err err = {0};
    esr_rowspool *s = (esr_rowspool *)1;
    cr_assert_eq(rowspool_open("/nonexistent/dir", "/out", &s, &err), ESR_ERR_OUTPUT);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "/out: cannot make a scratch file"), "%s", err.msg);
}
