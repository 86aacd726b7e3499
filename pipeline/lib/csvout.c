/* csvout.c - CSV field writer. */
#include "csvout.h"

#include <string.h>

/* Append s as a CSV field (quoted as needed, formulas defused if
 * neutralise); ESR_OK or ESR_ERR_NOMEM (latched in line). */
static esr_status put(esr_buf *line, const char *s, int first, int neutralise)
{
    if (!first && esr_buf_putc(line, ','))
        return ESR_ERR_NOMEM;
    int formula = neutralise && *s && strchr(ESR_FORMULA_LEAD, *s);
    size_t n = strcspn(s, ",\"\r\n"); /* the whole field when nothing needs quoting */
    int quote = formula || s[n] || *s == ' ' || (n && s[n - 1] == ' ');
    if (!quote)
        return esr_buf_append(line, s, n);
    if (esr_buf_putc(line, '"') || (formula && esr_buf_putc(line, '\'')))
        return ESR_ERR_NOMEM;
    const char *p = s; /* up to and including each quote, then the quote again */
    for (const char *q; (q = strchr(p, '"')); p = q + 1)
        if (esr_buf_append(line, p, (size_t)(q - p) + 1) || esr_buf_putc(line, '"'))
            return ESR_ERR_NOMEM;
    if (esr_buf_puts(line, p))
        return ESR_ERR_NOMEM;
    return esr_buf_putc(line, '"');
}

/* Append a text field, neutralised and quoted as needed. */
esr_status csvout_text(esr_buf *line, const char *s, int first)
{
    return put(line, s, first, 1);
}

/* Append a field written by esrpipe itself. */
esr_status csvout_raw(esr_buf *line, const char *s, int first)
{
    return put(line, s, first, 0);
}

/* Write line plus "\n" to fp and empty it; ESR_OK, ESR_ERR_NOMEM when line
 * latched a growth failure (nothing written), or ESR_ERR_IO (errno set). */
esr_status csvout_flush(esr_buf *line, FILE *fp)
{
    if (esr_buf_putc(line, '\n'))
        return ESR_ERR_NOMEM;
    size_t len = line->len;
    size_t n = fwrite(line->data, 1, len, fp);
    esr_buf_reset(line);
    return n == len ? ESR_OK : ESR_ERR_IO;
}

/* s without csvout_text's apostrophe before a formula character. */
const char *csvout_unneutralise(const char *s)
{
    return s[0] == '\'' && s[1] && strchr(ESR_FORMULA_LEAD, s[1]) ? s + 1 : s;
}
