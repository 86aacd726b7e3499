/* csvout.c - CSV field writer. */
#include "csvout.h"

#include <string.h>

/* Append s as a CSV field (quoted as needed, formulas defused if neutralise); 0 or -1. */
static int put(esr_buf *line, const char *s, int first, int neutralise)
{
    if (!first && esr_buf_putc(line, ','))
        return -1;
    int formula = neutralise && *s && strchr(ESR_FORMULA_LEAD, *s);
    size_t n = strcspn(s, ",\"\r\n"); /* the whole field when nothing needs quoting */
    int quote = formula || s[n] || *s == ' ' || (n && s[n - 1] == ' ');
    if (!quote)
        return esr_buf_append(line, s, n);
    if (esr_buf_putc(line, '"') || (formula && esr_buf_putc(line, '\'')))
        return -1;
    for (const char *p = s; *p; p++)
        if ((*p == '"' && esr_buf_putc(line, '"')) || esr_buf_putc(line, *p))
            return -1;
    return esr_buf_putc(line, '"');
}

/* Append a text field, neutralised and quoted as needed. */
int csvout_text(esr_buf *line, const char *s, int first)
{
    return put(line, s, first, 1);
}

/* Append a field written by esrpipe itself. */
int csvout_raw(esr_buf *line, const char *s, int first)
{
    return put(line, s, first, 0);
}

/* Write line plus "\n" to fp and empty it; 0 or -1. */
int csvout_flush(esr_buf *line, FILE *fp)
{
    if (esr_buf_putc(line, '\n'))
        return -1;
    size_t len = line->len;
    size_t n = fwrite(line->data, 1, len, fp);
    esr_buf_reset(line);
    return n == len ? 0 : -1;
}

/* s without csvout_text's apostrophe before a formula character. */
const char *csvout_unneutralise(const char *s)
{
    return s[0] == '\'' && s[1] && strchr(ESR_FORMULA_LEAD, s[1]) ? s + 1 : s;
}
