/* buf.h - a growable byte buffer, always NUL-terminated when non-empty. */
#ifndef ESR_BUF_H
#define ESR_BUF_H

#include <stddef.h>

typedef struct esr_buf {
    char *data;
    size_t len;
    size_t cap;
} esr_buf;

/* Make room for at least extra more bytes (plus the NUL); 0 or -1. */
int esr_buf_reserve(esr_buf *b, size_t extra);
/* Append n bytes; 0 or -1 on allocation failure. */
int esr_buf_append(esr_buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. */
int esr_buf_puts(esr_buf *b, const char *s);
/* Append one byte. */
int esr_buf_putc(esr_buf *b, char c);
/* Append printf-formatted text. */
int esr_buf_printf(esr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append the decimal digits of v. */
int esr_buf_putu(esr_buf *b, unsigned long long v);
/* Make the array at *arrp (a T **) of *cap elements of elem bytes hold at
 * least need, doubling from first; 0, or -1 with the array unchanged. */
int esr_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);
/* Empty the buffer, keeping its storage. */
void esr_buf_reset(esr_buf *b);
/* Free the storage. */
void esr_buf_free(esr_buf *b);
/* Return the contents as a C string ("" when empty). */
const char *esr_buf_str(const esr_buf *b);

#endif
