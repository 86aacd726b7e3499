/* csvout.h - write RFC 4180 CSV safely: fields quoted when needed, and
 * text that a spreadsheet would run as a formula (= + - @ tab CR first,
 * OWASP) given a leading apostrophe. */
#ifndef ESR_CSVOUT_H
#define ESR_CSVOUT_H

#include <stdio.h>

#include "buf.h"

/* The first characters that make a spreadsheet run a cell as a formula
 * (OWASP CSV injection): a text field starting with one gets an apostrophe. */
#define ESR_FORMULA_LEAD "=+-@\t\r"

/* Append text field s (neutralised, quoted as needed) to line, with a
 * leading comma unless first; ESR_OK or ESR_ERR_NOMEM (latched in line). */
esr_status csvout_text(esr_buf *line, const char *s, int first);
/* Append a field written by esrpipe itself (numbers, ids): quoted as
 * needed, never altered; ESR_OK or ESR_ERR_NOMEM (latched in line). */
esr_status csvout_raw(esr_buf *line, const char *s, int first);
/* s without the apostrophe csvout_text put before a formula character
 * (reading a CSV esrpipe wrote back); otherwise s itself. */
const char *csvout_unneutralise(const char *s);
/* Write line plus "\n" to fp and empty it; ESR_OK, ESR_ERR_NOMEM when line
 * latched a growth failure (nothing written), or ESR_ERR_IO (errno set). */
esr_status csvout_flush(esr_buf *line, FILE *fp);

#endif
