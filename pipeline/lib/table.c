/* table.c - mapping tables read with the same CSV reader as exports. */
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvreader.h"
#include "text.h"

typedef struct loader {
    esr_table *t;
    esr_err *err;
    esr_status status;
    size_t rows_cap;
} loader;

/* A trimmed copy of s, or NULL. */
static char *dup_field(const char *s)
{
    char *d = strdup(s);
    return d ? text_trim(d) : NULL;
}

/* Loader callback: take the header, then store each row padded to the header. */
static int on_row(void *ctx, const esr_row *row)
{
    loader *ld = ctx;
    esr_table *t = ld->t;
    if (row->fault) {
        ld->status = esr_err_set(ld->err, ESR_ERR_MAPPING, "%s:%llu: record too large", t->path,
                                 (unsigned long long)row->line);
        return 1;
    }
    if (!t->header) {
        t->ncols = row->nfields;
        if (!(t->header = calloc(row->nfields, sizeof *t->header)))
            goto nomem;
        for (size_t i = 0; i < row->nfields; i++)
            if (!(t->header[i] = dup_field(row->fields[i])))
                goto nomem;
        return 0;
    }
    if (row->nfields == 1 && row->lens[0] == 0)
        return 0; /* blank line */
    if (row->nfields > t->ncols) {
        ld->status = esr_err_set(ld->err, ESR_ERR_MAPPING, "%s:%llu: %zu fields, header has %zu",
                                 t->path, (unsigned long long)row->line, row->nfields, t->ncols);
        return 1;
    }
    if (esr_grow(&t->rows, &ld->rows_cap, t->nrows + 1, sizeof *t->rows, 64))
        goto nomem;
    esr_table_row *r = &t->rows[t->nrows];
    r->line = row->line;
    if (!(r->fields = calloc(t->ncols, sizeof *r->fields)))
        goto nomem;
    t->nrows++;
    for (size_t i = 0; i < t->ncols; i++)
        if (!(r->fields[i] = dup_field(i < row->nfields ? row->fields[i] : "")))
            goto nomem;
    return 0;
nomem:
    ld->status = esr_err_set(ld->err, ESR_ERR_NOMEM, "%s: out of memory", t->path);
    return 1;
}

/* Open a mapping file, regular files only (see table.h). */
esr_status table_fopen(const char *path, FILE **fp, esr_err *err)
{
    *fp = NULL;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0) {
        int e = errno;
        esr_err_set(err, ESR_ERR_MAPPING, "%s: cannot open mapping table: %s", path, strerror(e));
        errno = e;
        return ESR_ERR_MAPPING;
    }
    esr_status st = ESR_OK;
    if (fstat(fd, &sb))
        st = esr_err_set(err, ESR_ERR_MAPPING, "%s: cannot stat mapping table: %s", path,
                         strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = esr_err_set(err, ESR_ERR_MAPPING,
                         "%s: mapping table is not a regular file (a FIFO, device or "
                         "directory): refused",
                         path);
    else if ((unsigned long long)sb.st_size > ESR_TABLE_MAX_BYTES)
        st = esr_err_set(err, ESR_ERR_MAPPING,
                         "%s: mapping table is %lld bytes, above the %u-byte limit: refused", path,
                         (long long)sb.st_size, ESR_TABLE_MAX_BYTES);
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) || !(*fp = fdopen(fd, "rb")))
        st = esr_err_set(err, ESR_ERR_MAPPING, "%s: cannot open mapping table: %s", path,
                         strerror(errno));
    if (st) {
        close(fd);
        errno = EINVAL;
    }
    return st;
}

/* Load path; error names file and line. */
esr_status table_load(const char *path, esr_table **out, esr_err *err)
{
    *out = NULL;
    esr_table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path))) {
        free(t);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    loader ld = {t, err, ESR_OK, 0};
    esr_csv_opts opts;
    csvreader_opts_default(&opts, ',');
    esr_csvreader *rd = NULL;
    FILE *fp = NULL;
    if ((ld.status = table_fopen(path, &fp, err)))
        goto done;
    if (csvreader_new(&opts, on_row, &ld, &rd)) {
        ld.status = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    esr_status st = csvreader_read(rd, fp, path, err);
    if (st && !ld.status)
        ld.status = st;
    if (!ld.status && !t->header)
        ld.status =
            esr_err_set(err, ESR_ERR_MAPPING, "%s:1: empty mapping table (no header)", path);
done:
    csvreader_free(rd);
    if (fp)
        fclose(fp);
    if (ld.status) {
        table_free(t);
        return ld.status;
    }
    *out = t;
    return ESR_OK;
}

/* Index of column name, or -1. */
int table_col(const esr_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->header[i], name))
            return (int)i;
    return -1;
}

/* Check that every named column exists. */
esr_status table_require(const esr_table *t, const char *const *cols, esr_err *err)
{
    for (; *cols; cols++)
        if (table_col(t, *cols) < 0)
            return esr_err_set(err, ESR_ERR_MAPPING, "%s:1: required column \"%s\" missing",
                               t->path, *cols);
    return ESR_OK;
}

/* Field of row r in column c ("" if c < 0). */
const char *table_get(const esr_table *t, size_t r, int c)
{
    return c < 0 ? "" : t->rows[r].fields[c];
}

/* Free the table. */
void table_free(esr_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].fields)
            for (size_t j = 0; j < t->ncols; j++)
                free(t->rows[i].fields[j]);
        free(t->rows[i].fields);
    }
    if (t->header)
        for (size_t j = 0; j < t->ncols; j++)
            free(t->header[j]);
    free(t->header);
    free(t->rows);
    free(t->path);
    free(t);
}
