/* text.h - small UTF-8/ASCII text helpers shared by the stages. */
#ifndef ESR_TEXT_H
#define ESR_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"

/* Trim ASCII whitespace (and NBSP) in place; returns s. */
char *text_trim(char *s);
/* Matching key: lower-case ASCII letters and digits only, "&" read as
 * "and"; so "Area Of Work", "area_of_work" and "AREA-OF-WORK" agree.
 * ESR_OK or ESR_ERR_NOMEM (latched in out). */
esr_status text_key(const char *s, esr_buf *out);
/* Non-zero if s is empty or only whitespace. */
int text_blank(const char *s);
/* Parse a decimal (optionally signed, up to 5 decimal places, more are
 * rounded half-up) into units of 0.00001; 0 on success, -1 if not a number. */
int text_parse_e5(const char *s, long long *out);
/* Non-zero if s (trimmed) is a number in scientific notation ("2.10E+06",
 * "1e7"): what Excel writes for a long number it has rounded. */
int text_is_scientific(const char *s);
/* How text_parse_decimal read a value. */
typedef enum esr_decimal {
    ESR_DECIMAL_POINT = 0, /* "0.5", "1" */
    ESR_DECIMAL_COMMA,     /* "0,5": one comma, no point, digits after it */
    ESR_DECIMAL_SPACES,    /* a space inside the number ("1 0", "0. 5"): not read */
    ESR_DECIMAL_BAD        /* not a number */
} esr_decimal;
/* text_parse_e5, also reading a decimal comma; returns how it was read (the
 * value is set only for ESR_DECIMAL_POINT and ESR_DECIMAL_COMMA). */
esr_decimal text_parse_decimal(const char *s, long long *out);
/* Format units of 0.00001 as "-?D.DDDDD" into out (at least 32 bytes). */
void text_format_e5(long long v, char *out);
/* Format v as "-?D" into out (at least 32 bytes). */
void text_format_int(long long v, char *out);
/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void text_hex(const unsigned char *p, size_t n, char *out);

/* Edit distance (adjacent transpositions count one) between strings of at
 * most 40 bytes; max + 1 when it is above max or a string is longer. */
int text_distance(const char *a, const char *b, int max);

/* Append s to out with every control character escaped, so a value can
 * never move the cursor, clear a line or start a new message on a
 * terminal or in cron mail: \n \r \t as such, other C0 controls, DEL and
 * C1 controls (UTF-8 U+0080-U+009F) as \xHH; all else is copied. ESR_OK
 * or ESR_ERR_NOMEM (latched in out). */
esr_status text_escape(const char *s, esr_buf *out);
/* Write s to fp escaped as text_escape does, allocating nothing (the path
 * an out-of-memory message takes); ESR_OK or ESR_ERR_IO. */
esr_status text_escape_write(const char *s, FILE *fp);

/* Largest cell text a workbook sheet holds, in bytes of UTF-8: Excel's
 * limit is 32,767 characters, libxlsxwriter's 32,767 bytes. */
#define ESR_CELL_MAX_BYTES 32767u
#define ESR_SHEET_BAD_CHARS 1 /* U+FFFE, U+FFFF, surrogates, C0 controls but TAB LF CR */
#define ESR_SHEET_TOO_LONG 2  /* more than ESR_CELL_MAX_BYTES */
/* What a workbook sheet must change in s: 0 or ESR_SHEET_* flags. */
int text_sheet_faults(const char *s);
/* s as a sheet can hold it: each XML-invalid character replaced by U+FFFD,
 * then cut at a character boundary to ESR_CELL_MAX_BYTES; into out
 * (emptied first), whose string is returned (s itself if out of memory). */
const char *text_sheet_clean(const char *s, esr_buf *out);

/* Midnight UTC of a YYYY-MM-DD date (2000-01-01 when absent or malformed). */
time_t text_date_time(const char *date);

#endif
