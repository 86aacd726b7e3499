/* buf.c - growable byte buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Latch a growth failure in b; returns it. */
static esr_status fail(esr_buf *b)
{
    b->status = ESR_ERR_NOMEM;
    return b->status;
}

/* Make room for at least extra more bytes (plus the NUL); ESR_OK or
 * ESR_ERR_NOMEM (latched). */
esr_status esr_buf_reserve(esr_buf *b, size_t extra)
{
    if (b->status)
        return b->status;
    if (extra > ((size_t)-1) - b->len - 1)
        return fail(b); /* len + extra + 1 would wrap around */
    if (b->len + extra + 1 <= b->cap)
        return ESR_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2)
            return fail(b);
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        return fail(b);
    b->data = p;
    b->cap = cap;
    return ESR_OK;
}

/* Append n bytes after making room (see buf.h). */
esr_status esr_buf_append_grow(esr_buf *b, const void *p, size_t n)
{
    if (esr_buf_reserve(b, n))
        return b->status;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ESR_OK;
}

/* Append printf-formatted text. */
esr_status esr_buf_printf(esr_buf *b, const char *fmt, ...)
{
    /* format straight into the spare room; again only if it did not fit */
    if (esr_buf_reserve(b, 63))
        return b->status;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) { /* an encoding error: nothing appended, nothing latched */
        b->data[b->len] = '\0';
        return ESR_ERR_INTERNAL;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (esr_buf_reserve(b, (size_t)n)) {
            b->data[b->len] = '\0';
            return b->status;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return ESR_OK;
}

/* Append the decimal digits of v. */
esr_status esr_buf_putu(esr_buf *b, unsigned long long v)
{
    char d[24], *p = d + sizeof d;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return esr_buf_append(b, p, (size_t)(d + sizeof d - p));
}

/* Grow an array to hold need elements (see buf.h). */
esr_status esr_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return ESR_OK;
    size_t c = *cap ? *cap : first;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return ESR_ERR_NOMEM;
        c *= 2;
    }
    if (c > SIZE_MAX / elem)
        return ESR_ERR_NOMEM;
    void *old, *p;
    memcpy(&old, arrp, sizeof old);
    if (!(p = realloc(old, c * elem)))
        return ESR_ERR_NOMEM;
    memcpy(arrp, &p, sizeof p);
    *cap = c;
    return ESR_OK;
}

/* ESR_OK, or the latched growth failure. */
esr_status esr_buf_status(const esr_buf *b)
{
    return b->status;
}

/* Empty the buffer, keeping its storage (and any latched failure). */
void esr_buf_reset(esr_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Free the storage and clear a latched failure. */
void esr_buf_free(esr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->status = ESR_OK;
}

/* Return the contents as a C string ("" when empty). */
const char *esr_buf_str(const esr_buf *b)
{
    return b->data ? b->data : "";
}
