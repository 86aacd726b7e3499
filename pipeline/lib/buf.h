/* buf.h - a growable byte buffer, always NUL-terminated when non-empty.
 * A failed growth latches: the buffer keeps what it held, refuses every
 * later append with the same status until esr_buf_free, and
 * esr_buf_status reports it, so a caller may make many appends and check
 * once (at the end of a record) instead of after each. */
#ifndef ESR_BUF_H
#define ESR_BUF_H

#include <stddef.h>
#include <string.h>

#include "status.h"

typedef struct esr_buf {
    char *data;
    size_t len;
    size_t cap;
    esr_status status; /* ESR_OK, or the latched ESR_ERR_NOMEM */
} esr_buf;

/* Make room for at least extra more bytes (plus the NUL); ESR_OK or
 * ESR_ERR_NOMEM (latched). */
esr_status esr_buf_reserve(esr_buf *b, size_t extra);
/* esr_buf_append when the room must be made first (or a failure is latched). */
esr_status esr_buf_append_grow(esr_buf *b, const void *p, size_t n);

/* Append n bytes; ESR_OK or ESR_ERR_NOMEM (latched). Inline: the hot
 * paths append a few bytes at a time into room already made. */
static inline esr_status esr_buf_append(esr_buf *b, const void *p, size_t n)
{
    if (b->status || n >= b->cap - b->len) /* len + n + 1 > cap (cap 0: len 0) */
        return esr_buf_append_grow(b, p, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ESR_OK;
}

/* Append a NUL-terminated string. */
static inline esr_status esr_buf_puts(esr_buf *b, const char *s)
{
    return esr_buf_append(b, s, strlen(s));
}

/* Append one byte. */
static inline esr_status esr_buf_putc(esr_buf *b, char c)
{
    if (b->status || b->cap - b->len < 2)
        return esr_buf_append_grow(b, &c, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return ESR_OK;
}
/* Append printf-formatted text. */
esr_status esr_buf_printf(esr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append the decimal digits of v. */
esr_status esr_buf_putu(esr_buf *b, unsigned long long v);
/* Make the array at *arrp (a T **) of *cap elements of elem bytes hold at
 * least need, doubling from first; ESR_OK, or ESR_ERR_NOMEM with the array
 * unchanged. */
esr_status esr_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);
/* ESR_OK, or the ESR_ERR_NOMEM latched by a failed growth. */
esr_status esr_buf_status(const esr_buf *b);
/* Empty the buffer, keeping its storage (and any latched failure). */
void esr_buf_reset(esr_buf *b);
/* Free the storage and clear a latched failure. */
void esr_buf_free(esr_buf *b);
/* Return the contents as a C string ("" when empty). */
const char *esr_buf_str(const esr_buf *b);

#endif
