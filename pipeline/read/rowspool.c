/* rowspool.c - rows as read, kept in an unlinked scratch file (see rowspool.h).
 *
 * A row is [u32 body length, little-endian][body]; the body is varints
 * (LEB128) line, end line - line, fault and field count, then per field a
 * varint length, the bytes and a NUL, so a field read back is used where
 * it lies. */
#define _GNU_SOURCE /* mkostemp */
#include "rowspool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

#define SPOOL_CHUNK (256u << 10) /* bytes written or read per system call */
#define VARINT_MAX 10            /* bytes of a 64-bit LEB128 varint */

struct esr_rowspool {
    int fd;
    char *name;     /* for messages: the directory the user knows */
    esr_buf out;    /* rows not yet written */
    uint64_t bytes; /* written in all */
    char *in;       /* read back: in[pos, len) not yet parsed */
    size_t pos, len, cap;
    uint64_t read; /* bytes parsed */
    char **fields; /* the row handed out */
    size_t *lens;
    size_t fcap, lcap;
};

/* Make an empty spool in dir (see rowspool.h). */
esr_status rowspool_open(const char *dir, const char *name, esr_rowspool **out, esr_err *err)
{
    *out = NULL;
    esr_rowspool *s = calloc(1, sizeof *s);
    esr_buf path = {0};
    if (s)
        s->fd = -1;
    if (!s || !(s->name = strdup(name)) || esr_buf_printf(&path, "%s/.esrpipe-rows-XXXXXX", dir)) {
        esr_buf_free(&path);
        rowspool_close(s);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    s->fd = mkostemp(path.data, O_CLOEXEC);
    if (s->fd < 0) {
        esr_status st = esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot make a scratch file: %s", name,
                                    strerror(errno));
        esr_buf_free(&path);
        rowspool_close(s);
        return st;
    }
    unlink(path.data); /* the rows live only as long as this descriptor */
    esr_buf_free(&path);
    *out = s;
    return ESR_OK;
}

/* Write all of p[0, n) to fd; 0, or -1 with errno set. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write out s's buffered rows; ESR_OK or ESR_ERR_IO. */
static esr_status flush_out(esr_rowspool *s, esr_err *err)
{
    if (write_all(s->fd, s->out.data, s->out.len))
        return esr_err_set(err, ESR_ERR_IO,
                           "%s: writing the scratch copy of the export's rows failed: %s", s->name,
                           strerror(errno));
    s->bytes += s->out.len;
    esr_buf_reset(&s->out);
    return ESR_OK;
}

/* Write n at w as a LEB128 varint; past it. */
static char *put_varint(char *w, uint64_t n)
{
    while (n >= 0x80) {
        *w++ = (char)(n | 0x80);
        n >>= 7;
    }
    *w++ = (char)n;
    return w;
}

/* Append row to the spool (see rowspool.h). */
esr_status rowspool_put(esr_rowspool *s, const esr_row *row, const esr_schema *schema, esr_err *err)
{
    /* a row not aligned with the header keeps no field: its columns are unknown */
    int aligned = schema && !row->fault && row->nfields == schema->ncols;
    size_t need = 4 + 4 * VARINT_MAX;
    for (size_t i = 0; i < row->nfields; i++)
        need += VARINT_MAX + 2 + (row->lens ? row->lens[i] : strlen(row->fields[i]));
    if (esr_buf_reserve(&s->out, need))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    char *start = s->out.data + s->out.len, *w = start + 4;
    w = put_varint(w, row->line);
    w = put_varint(w, row->end_line - row->line);
    w = put_varint(w, (uint64_t)row->fault);
    w = put_varint(w, row->nfields);
    for (size_t i = 0; i < row->nfields; i++) {
        const char *v = row->fields[i];
        size_t n = row->lens ? row->lens[i] : strlen(v);
        if (schema && !(aligned && schema->kind[i] == ESR_HEADER_MAPPED)) {
            v = text_blank(v) ? "" : ESR_ROWSPOOL_MASK;
            n = strlen(v);
        }
        w = put_varint(w, n);
        memcpy(w, v, n);
        w[n] = '\0';
        w += n + 1;
    }
    size_t body = (size_t)(w - start) - 4;
    if (body > UINT32_MAX)
        return esr_err_set(err, ESR_ERR_INPUT_LIMIT, "a row over 4 GiB cannot be kept");
    for (int k = 0; k < 4; k++)
        start[k] = (char)(body >> (8 * k));
    s->out.len += 4 + body;
    s->out.data[s->out.len] = '\0';
    return s->out.len >= SPOOL_CHUNK ? flush_out(s, err) : ESR_OK;
}

/* Finish writing and read back from the first row (see rowspool.h). */
esr_status rowspool_rewind(esr_rowspool *s, esr_err *err)
{
    esr_status st = flush_out(s, err);
    if (st)
        return st;
    esr_buf_free(&s->out);
    if (lseek(s->fd, 0, SEEK_SET) < 0)
        return esr_err_set(err, ESR_ERR_IO,
                           "%s: cannot read back the scratch copy of the export's rows: %s",
                           s->name, strerror(errno));
    s->pos = s->len = 0;
    s->read = 0;
    return ESR_OK;
}

/* Make in[pos, pos + need) hold unread bytes; the file ending first is
 * an error. */
static esr_status fill(esr_rowspool *s, size_t need, esr_err *err)
{
    if (s->len - s->pos >= need)
        return ESR_OK;
    if (s->pos) { /* keep the unread bytes, at the start */
        memmove(s->in, s->in + s->pos, s->len - s->pos);
        s->len -= s->pos;
        s->pos = 0;
    }
    size_t want = need > SPOOL_CHUNK ? need : SPOOL_CHUNK;
    if (esr_grow(&s->in, &s->cap, want, 1, SPOOL_CHUNK))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    while (s->len < need) {
        ssize_t r = read(s->fd, s->in + s->len, s->cap - s->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return esr_err_set(err, ESR_ERR_IO,
                               "%s: reading back the scratch copy of the export's rows failed: %s",
                               s->name, strerror(errno));
        if (r == 0)
            return esr_err_set(err, ESR_ERR_IO,
                               "%s: the scratch copy of the export's rows is cut short", s->name);
        s->len += (size_t)r;
    }
    return ESR_OK;
}

/* Read a LEB128 varint at *p (before end) into *v; 0, or -1 if it runs
 * past end or over 64 bits. */
static int get_varint(const char **p, const char *end, uint64_t *v)
{
    uint64_t n = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        unsigned char b = (unsigned char)*(*p)++;
        n |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = n;
            return 0;
        }
    }
    return -1;
}

/* Point row's nf fields at body [p, end): each a varint length, the bytes
 * and a NUL. 0, or -1 if the body does not hold them. */
static int parse_fields(esr_rowspool *s, esr_row *row, char *p, const char *end, size_t nf)
{
    for (size_t i = 0; i < nf; i++) {
        uint64_t n;
        if (get_varint((const char **)&p, end, &n) || n >= (uint64_t)(end - p) || p[n])
            return -1;
        s->lens[i] = (size_t)n;
        s->fields[i] = p;
        p += n + 1;
    }
    row->fields = s->fields;
    row->lens = s->lens;
    return p == end ? 0 : -1;
}

/* The next row (see rowspool.h). */
esr_status rowspool_next(esr_rowspool *s, esr_row *row, esr_err *err)
{
    esr_status st = fill(s, 4, err);
    if (st)
        return st;
    const unsigned char *u = (const unsigned char *)s->in + s->pos;
    size_t body = u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16 | (size_t)u[3] << 24;
    if ((st = fill(s, 4 + body, err)))
        return st;
    char *p = s->in + s->pos + 4, *end = p + body;
    uint64_t line, span, fault, nf;
    memset(row, 0, sizeof *row);
    if (get_varint((const char **)&p, end, &line) || get_varint((const char **)&p, end, &span) ||
        get_varint((const char **)&p, end, &fault) || get_varint((const char **)&p, end, &nf) ||
        nf > body)
        goto damaged;
    if (esr_grow(&s->fields, &s->fcap, nf + 1, sizeof *s->fields, 32) ||
        esr_grow(&s->lens, &s->lcap, nf + 1, sizeof *s->lens, 32))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    row->line = line;
    row->end_line = line + span;
    row->fault = (esr_row_fault)fault;
    row->nfields = (size_t)nf;
    row->offset = UINT64_MAX;
    if (parse_fields(s, row, p, end, row->nfields))
        goto damaged;
    s->pos += 4 + body;
    s->read += 4 + body;
    return ESR_OK;
damaged:
    return esr_err_set(err, ESR_ERR_INTERNAL,
                       "%s: the scratch copy of the export's rows is damaged", s->name);
}

/* Bytes written so far. */
uint64_t rowspool_bytes(const esr_rowspool *s)
{
    return s->bytes + s->out.len;
}

/* Bytes read back so far. */
uint64_t rowspool_read_bytes(const esr_rowspool *s)
{
    return s->read;
}

/* Close and free s. */
void rowspool_close(esr_rowspool *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    esr_buf_free(&s->out);
    free(s->name);
    free(s->in);
    free(s->fields);
    free(s->lens);
    free(s);
}
