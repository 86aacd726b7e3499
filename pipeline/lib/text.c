/* text.c - trimming, matching keys and exact decimal FTE arithmetic. */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1 if p starts with whitespace (ASCII or NBSP), its length in *len; else 0. */
static int is_space(const unsigned char *p, size_t *len)
{
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f') {
        *len = 1;
        return 1;
    }
    if (p[0] == 0xc2 && p[1] == 0xa0) { /* NBSP */
        *len = 2;
        return 1;
    }
    return 0;
}

/* Trim ASCII whitespace (and NBSP) in place; returns s. */
char *text_trim(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t k;
    while (*p && is_space(p, &k))
        p += k;
    size_t n = strlen((char *)p);
    while (n > 0) {
        unsigned char c = p[n - 1];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f')
            n--;
        else if (n >= 2 && p[n - 2] == 0xc2 && p[n - 1] == 0xa0)
            n -= 2;
        else
            break;
    }
    if ((char *)p != s)
        memmove(s, p, n);
    s[n] = '\0';
    return s;
}

/* Matching key: lower-case ASCII alphanumerics, "&" read as "and". */
esr_status text_key(const char *s, esr_buf *out)
{
    esr_buf_reset(out);
    if (esr_buf_reserve(out, strlen(s) * 3 + 1))
        return ESR_ERR_NOMEM;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c >= 'A' && c <= 'Z')
            out->data[out->len++] = (char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out->data[out->len++] = (char)c;
        else if (c == '&') {
            memcpy(out->data + out->len, "and", 3);
            out->len += 3;
        }
    }
    out->data[out->len] = '\0';
    return ESR_OK;
}

/* Non-zero if s is empty or only whitespace. */
int text_blank(const char *s)
{
    /* the same whitespace as text_trim, so a blank field trims to "" */
    const unsigned char *p = (const unsigned char *)s;
    size_t k;
    while (*p && is_space(p, &k))
        p += k;
    return *p == '\0';
}

/* Parse a decimal into units of 0.00001 (see text.h). */
int text_parse_e5(const char *s, long long *out)
{
    while (*s == ' ')
        s++;
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    long long whole = 0, frac = 0;
    int digits = 0, fdigits = 0, round_up = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (whole > 100000000000LL)
            return -1;
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, fdigits++) {
            if (fdigits < 5)
                frac = frac * 10 + (*s - '0');
            else if (fdigits == 5)
                round_up = *s >= '5';
        }
    }
    while (*s == ' ')
        s++;
    if (*s || (digits == 0 && fdigits == 0))
        return -1;
    for (int i = fdigits < 5 ? fdigits : 5; i < 5; i++)
        frac *= 10;
    long long v = whole * 100000 + frac + round_up;
    *out = neg ? -v : v;
    return 0;
}

/* Non-zero if s is a number in scientific notation (see text.h). */
int text_is_scientific(const char *s)
{
    while (*s == ' ')
        s++;
    if (*s == '+' || *s == '-')
        s++;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.' || *s == ',')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits || (*s != 'e' && *s != 'E'))
        return 0;
    s++;
    if (*s == '+' || *s == '-')
        s++;
    int exp = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        exp++;
    while (*s == ' ')
        s++;
    return exp && !*s;
}

/* text_parse_e5, also reading a decimal comma (see text.h). */
esr_decimal text_parse_decimal(const char *s, long long *out)
{
    if (!text_parse_e5(s, out))
        return ESR_DECIMAL_POINT;
    char buf[64];
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (!n || n >= sizeof buf)
        return ESR_DECIMAL_BAD;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *comma = strchr(buf, ',');
    if (comma && !strchr(comma + 1, ',') && !strchr(buf, '.') && comma[1] >= '0' &&
        comma[1] <= '9') {
        *comma = '.';
        if (!text_parse_e5(buf, out))
            return ESR_DECIMAL_COMMA;
        *comma = ',';
    }
    /* digits, separators and inner spaces only: a number with a space in it */
    int digit = 0, space = 0;
    for (const char *p = buf; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = 1;
        else if (*p == ' ' || *p == '\t')
            space = 1;
        else if (*p != '.' && *p != ',' && !(p == buf && (*p == '-' || *p == '+')))
            return ESR_DECIMAL_BAD;
    }
    return digit && space ? ESR_DECIMAL_SPACES : ESR_DECIMAL_BAD;
}

/* Lower-case hex of n bytes (see text.h). */
void text_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[p[i] >> 4];
        *out++ = digits[p[i] & 15];
    }
    *out = '\0';
}

/* v with its last decimals digits after a point, "-?D[.DDDDD]", into out. */
static void format_scaled(long long v, int decimals, char *out)
{
    unsigned long long a = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
    char d[32], *p = d + sizeof d;
    *--p = '\0';
    for (int i = 0; i < decimals; i++, a /= 10)
        *--p = (char)('0' + a % 10);
    if (decimals)
        *--p = '.';
    do
        *--p = (char)('0' + a % 10);
    while (a /= 10);
    if (v < 0)
        *--p = '-';
    memcpy(out, p, (size_t)(d + sizeof d - p));
}

/* Format units of 0.00001 (see text.h). */
void text_format_e5(long long v, char *out)
{
    format_scaled(v, 5, out);
}

/* Format an integer (see text.h). */
void text_format_int(long long v, char *out)
{
    format_scaled(v, 0, out);
}

/* Optimal-string-alignment distance, giving up above max. */
int text_distance(const char *a, const char *b, int max)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (abs(la - lb) > max || la > 40 || lb > 40)
        return max + 1;
    int d[41][41];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        int rowmin = max + 1;
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
    }
    return d[la][lb];
}

/* Midnight UTC of a YYYY-MM-DD date (2000-01-01 when absent or malformed):
 * the document time of a return, never the clock. */
time_t text_date_time(const char *date)
{
    struct tm tm = {0};
    if (!*date || sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
        tm.tm_year = 2000;
        tm.tm_mon = 1;
        tm.tm_mday = 1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* The character at *pp as text_escape writes it, into e (NUL-terminated);
 * advances *pp past it. */
static void escape_one(const unsigned char **pp, char e[5])
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = *pp;
    unsigned c = *p;
    if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* a C1 control in UTF-8 */
        c = *++p;
    else if (c >= 0x20 && c != 0x7f) {
        e[0] = (char)c;
        e[1] = 0;
        *pp = p + 1;
        return;
    }
    e[0] = '\\';
    e[1] = 'x';
    e[2] = hex[c >> 4];
    e[3] = hex[c & 15];
    e[4] = 0;
    if (c == '\n' || c == '\r' || c == '\t') {
        e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        e[2] = 0;
    }
    *pp = p + 1;
}

/* Append s with control characters escaped (see text.h). */
esr_status text_escape(const char *s, esr_buf *out)
{
    char e[5];
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        escape_one(&p, e);
        if (esr_buf_puts(out, e))
            return ESR_ERR_NOMEM;
    }
    return ESR_OK;
}

/* Write s escaped as text_escape does to fp, allocating nothing (see text.h). */
esr_status text_escape_write(const char *s, FILE *fp)
{
    char chunk[256];
    size_t n = 0;
    int bad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        char e[5];
        escape_one(&p, e);
        size_t k = strlen(e);
        if (n + k > sizeof chunk) {
            bad |= fwrite(chunk, 1, n, fp) != n;
            n = 0;
        }
        memcpy(chunk + n, e, k);
        n += k;
    }
    bad |= fwrite(chunk, 1, n, fp) != n;
    return bad ? ESR_ERR_IO : ESR_OK;
}

/* Length of an XML-invalid character at p (see text.h), or 0. */
static size_t sheet_bad_char(const unsigned char *p)
{
    if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
        return 1;
    if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) /* U+FFFE, U+FFFF */
        return 3;
    if (p[0] == 0xed && p[1] >= 0xa0 && p[1] <= 0xbf && p[2]) /* a surrogate */
        return 3;
    return 0;
}

/* Non-zero if one of the 8 bytes of w is below 0x20, 0xed or 0xef: the
 * bytes sheet_bad_char can start at (exact as a yes/no, not per byte). */
static int sheet_word_suspect(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t ed = w ^ (ones * 0xed), ef = w ^ (ones * 0xef);
    return (((w - ones * 0x20) & ~w) | ((ed - ones) & ~ed) | ((ef - ones) & ~ef)) & highs ? 1 : 0;
}

/* ESR_SHEET_BAD_CHARS if one of the n bytes at p starts an XML-invalid
 * character, else 0. */
static int sheet_bad_in(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 || p[i] == 0xef || p[i] == 0xed) && sheet_bad_char(p + i))
            return ESR_SHEET_BAD_CHARS;
    return 0;
}

/* What a sheet must change in s (see text.h): 8 bytes a step, each byte
 * of a word that may hold a bad character looked at alone. */
int text_sheet_faults(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int f = n > ESR_CELL_MAX_BYTES ? ESR_SHEET_TOO_LONG : 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (sheet_word_suspect(w) && sheet_bad_in(p + i, 8))
            return f | ESR_SHEET_BAD_CHARS;
    }
    return f | sheet_bad_in(p + i, n - i);
}

/* s as a sheet can hold it (see text.h). */
const char *text_sheet_clean(const char *s, esr_buf *out)
{
    esr_buf_reset(out);
    int bad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !bad;) {
        size_t n = sheet_bad_char(p);
        bad = n ? esr_buf_puts(out, "\xef\xbf\xbd") : esr_buf_putc(out, (char)*p);
        p += n ? n : 1;
    }
    if (bad)
        return s;
    if (out->len > ESR_CELL_MAX_BYTES) {
        size_t n = ESR_CELL_MAX_BYTES;
        while (n && ((unsigned char)out->data[n] & 0xc0) == 0x80)
            n--; /* back to the start of the character cut through */
        out->len = n;
        out->data[n] = '\0';
    }
    return esr_buf_str(out);
}
