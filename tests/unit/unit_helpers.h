/* unit_helpers.h - small helpers shared by the Criterion unit tests:
 * temporary directories (created with mkdtemp, removed recursively),
 * whole-file write/read, and the project's own mapping tables. */
#ifndef ESR_UNIT_HELPERS_H
#define ESR_UNIT_HELPERS_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mappings.h"
#include "status.h"

#ifndef ESR_MAPPINGS_DIR
#error "ESR_MAPPINGS_DIR must be defined by the build (path of the project's mappings/)"
#endif

/* out = a + "/" + b (out must not overlap a or b; at most PATH_MAX). */
static inline char *th_join(char *out, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    cr_assert_lt(la + 1 + lb, (size_t)PATH_MAX, "path too long");
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return out;
}

/* Create a fresh temporary directory; path receives its name. */
static inline void th_mkdtemp(char path[PATH_MAX])
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    th_join(path, base, "esrpipe-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(path), "mkdtemp(%s) failed", path);
}

static inline int th_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(p, 0700); /* a test may have made a directory read-only */
    return remove(p);
}

/* Remove a directory tree (best effort; used in cleanup). */
static inline void th_rm_rf(const char *path)
{
    if (path && *path) {
        chmod(path, 0700);
        nftw(path, th_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* Write n bytes to path, replacing it. */
static inline void th_write(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, n, fp), n);
    cr_assert_eq(fclose(fp), 0);
}

/* Write a C string to dir/name; the full path goes to out. */
static inline void th_write_in(const char *dir, const char *name, const char *text,
                               char out[PATH_MAX])
{
    th_join(out, dir, name);
    th_write(out, text, strlen(text));
}

/* Read a whole file (NUL-terminated); NULL if it does not exist. */
static inline char *th_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    cr_assert_not_null(buf);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            cr_assert_not_null(buf);
        }
    }
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static inline int th_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Open the project's own mapping tables (never the shared reference folder). */
static inline esr_mappings *th_mappings(void)
{
    esr_mappings *m = NULL;
    esr_err err = {0};
    esr_status st = mappings_open(ESR_MAPPINGS_DIR, &m, &err);
    cr_assert_eq(st, ESR_OK, "mappings_open(%s): %s", ESR_MAPPINGS_DIR, err.msg);
    cr_assert_not_null(m);
    return m;
}

#endif
