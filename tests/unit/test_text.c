/* test_text.c - trimming, matching keys, exact decimal FTE parse/format. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static char *trimmed(const char *in, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", in);
    return text_trim(buf);
}

Test(text, trim_ascii_whitespace)
{
    char b[64];
    cr_assert_str_eq(trimmed("  abc  ", b, sizeof b), "abc");
    cr_assert_str_eq(trimmed("\t\r\nabc def\r\n", b, sizeof b), "abc def");
    cr_assert_str_eq(trimmed("", b, sizeof b), "");
    cr_assert_str_eq(trimmed("   ", b, sizeof b), "");
    cr_assert_str_eq(trimmed("x", b, sizeof b), "x");
    /* the result is the start of the buffer (moved in place) */
    char c[16] = "  y ";
    cr_assert_eq(text_trim(c), c);
    cr_assert_str_eq(c, "y");
}

Test(text, trim_nbsp)
{
    char b[64];
    cr_assert_str_eq(trimmed("\xc2\xa0"
                             "Band 3"
                             "\xc2\xa0",
                             b, sizeof b),
                     "Band 3");
    cr_assert_str_eq(trimmed(" \xc2\xa0 x \xc2\xa0 ", b, sizeof b), "x");
    cr_assert_str_eq(trimmed("\xc2\xa0\xc2\xa0", b, sizeof b), "");
    /* an inner NBSP stays */
    cr_assert_str_eq(trimmed("a\xc2\xa0"
                             "b",
                             b, sizeof b),
                     "a\xc2\xa0"
                     "b");
    /* other UTF-8 is not whitespace */
    cr_assert_str_eq(trimmed("\xc3\xa9 ", b, sizeof b), "\xc3\xa9");
}

Test(text, trim_same_whitespace_both_ends)
{
    char b[64];
    cr_assert_str_eq(trimmed("\v\fx\v\f", b, sizeof b), "x");
    cr_assert_str_eq(trimmed("\fx y\f", b, sizeof b), "x y");
}

Test(text, blank)
{
    cr_assert(text_blank(""));
    cr_assert(text_blank(" \t\r\n"));
    cr_assert_not(text_blank(" x "));
    cr_assert_not(text_blank("\xc2"));
    /* blank exactly when trimming leaves nothing */
    static const char *const cases[] = {"\xc2\xa0",  " \xc2\xa0\t", "\v\f",
                                        "\xc2\xa0x", "x\xc2\xa0",   "\xc3\xa0"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char b[64];
        cr_assert_eq(!!text_blank(cases[i]), *trimmed(cases[i], b, sizeof b) == '\0', "case %zu",
                     i);
    }
}

static const char *key(const char *s, esr_buf *b)
{
    cr_assert_eq(text_key(s, b), 0);
    return esr_buf_str(b);
}

Test(text, key_matches_variants)
{
    esr_buf a = {0}, b = {0};
    cr_assert_str_eq(key("Area Of Work", &a), "areaofwork");
    cr_assert_str_eq(key("area_of_work", &b), "areaofwork");
    cr_assert_str_eq(key("Area Of Work", &a), key("area_of_work", &b));
    cr_assert_str_eq(key("AREA-OF-WORK", &a), "areaofwork");
    cr_assert_str_eq(key("Speech & Language", &a), "speechandlanguage");
    cr_assert_str_eq(key("Speech and Language", &b), "speechandlanguage");
    cr_assert_str_eq(key("&&", &a), "andand");
    cr_assert_str_eq(key("AfC Band 8a", &a), "afcband8a");
    cr_assert_str_eq(key("", &a), "");
    cr_assert_eq(a.len, 0);
    /* non-ASCII bytes are dropped */
    cr_assert_str_eq(key("Caf\xc3\xa9 2", &a), "caf2");
    esr_buf_free(&a);
    esr_buf_free(&b);
}

static long long e5(const char *s)
{
    long long v = 123456789;
    cr_assert_eq(text_parse_e5(s, &v), 0, "\"%s\" should parse", s);
    return v;
}

static void rejects(const char *s)
{
    long long v = 42;
    cr_assert_eq(text_parse_e5(s, &v), -1, "\"%s\" should be rejected", s);
    cr_assert_eq(v, 42, "\"%s\": output written on failure", s);
}

Test(text, parse_e5_numbers)
{
    cr_assert_eq(e5("1"), 100000);
    cr_assert_eq(e5("0"), 0);
    cr_assert_eq(e5("0.5"), 50000);
    cr_assert_eq(e5(".5"), 50000);
    cr_assert_eq(e5("1."), 100000);
    cr_assert_eq(e5("0.53333"), 53333);
    cr_assert_eq(e5("1.00000"), 100000);
    cr_assert_eq(e5("37.5"), 3750000);
    cr_assert_eq(e5("-0.2"), -20000);
    cr_assert_eq(e5("+0.2"), 20000);
    cr_assert_eq(e5(" 0.8 "), 80000);
    cr_assert_eq(e5("00012"), 1200000);
}

Test(text, parse_e5_rounds_half_up_at_sixth_place)
{
    cr_assert_eq(e5("0.123454"), 12345);
    cr_assert_eq(e5("0.123455"), 12346);
    cr_assert_eq(e5("0.123459"), 12346);
    cr_assert_eq(e5("0.1234549999"), 12345); /* only the 6th place decides */
    cr_assert_eq(e5("0.533333333"), 53333);
    cr_assert_eq(e5("0.666666666"), 66667);
    cr_assert_eq(e5("0.999995"), 100000); /* carries into the units */
    cr_assert_eq(e5("1.999999"), 200000);
    /* negatives round away from zero, symmetrically */
    cr_assert_eq(e5("-0.123455"), -12346);
}

Test(text, parse_e5_rejects)
{
    rejects("n/a");
    rejects("1,0");
    rejects("");
    rejects("   ");
    rejects("1.2.3");
    rejects(".");
    rejects("-");
    rejects("+");
    rejects("1e3");
    rejects("0x10");
    rejects("1 2");
    rejects("--1");
    rejects("one");
    rejects("99999999999999999999"); /* would overflow */
}

static const char *fmt(long long v, char *b)
{
    text_format_e5(v, b);
    return b;
}

Test(text, format_e5)
{
    char b[32];
    cr_assert_str_eq(fmt(0, b), "0.00000");
    cr_assert_str_eq(fmt(1, b), "0.00001");
    cr_assert_str_eq(fmt(50000, b), "0.50000");
    cr_assert_str_eq(fmt(100000, b), "1.00000");
    cr_assert_str_eq(fmt(1234567, b), "12.34567");
    cr_assert_str_eq(fmt(-1, b), "-0.00001");
    cr_assert_str_eq(fmt(-20000, b), "-0.20000");
    cr_assert_str_eq(fmt(-1234567, b), "-12.34567");
    cr_assert_str_eq(fmt(LLONG_MIN, b), "-92233720368547.75808");
    cr_assert_str_eq(fmt(LLONG_MAX, b), "92233720368547.75807");
}

Test(text, format_int)
{
    char b[32];
    text_format_int(0, b);
    cr_assert_str_eq(b, "0");
    text_format_int(7, b);
    cr_assert_str_eq(b, "7");
    text_format_int(-42, b);
    cr_assert_str_eq(b, "-42");
    text_format_int(1234567890123LL, b);
    cr_assert_str_eq(b, "1234567890123");
    text_format_int(LLONG_MIN, b);
    cr_assert_str_eq(b, "-9223372036854775808");
    text_format_int(LLONG_MAX, b);
    cr_assert_str_eq(b, "9223372036854775807");
}

Test(text, parse_format_round_trip)
{
    static const char *const vals[] = {"0.00000",  "0.53333",  "1.00000",
                                       "-0.20000", "12.34567", "-7.00001"};
    char b[32];
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        cr_assert_str_eq(fmt(e5(vals[i]), b), vals[i]);
}

Test(text, scientific_notation_is_what_excel_writes)
{
    static const char *const sci[] = {"2.10E+06",      "2.1e6",    "1E+07",
                                      " 9.87654E+11 ", "1,23E+05", "-1e-3"};
    for (size_t i = 0; i < sizeof sci / sizeof sci[0]; i++)
        cr_assert(text_is_scientific(sci[i]), "\"%s\"", sci[i]);
    static const char *const not_sci[] = {"10123917",   "0010123917", "E123",   "2.10E", "",
                                          "12345678-2", "1.5",        "2E+06x", "ESR1E5"};
    for (size_t i = 0; i < sizeof not_sci / sizeof not_sci[0]; i++)
        cr_assert_not(text_is_scientific(not_sci[i]), "\"%s\"", not_sci[i]);
}

Test(text, decimal_comma_and_spaces)
{
    long long v = -1;
    cr_assert_eq(text_parse_decimal("0.5", &v), ESR_DECIMAL_POINT);
    cr_assert_eq(v, 50000);
    cr_assert_eq(text_parse_decimal("1,0", &v), ESR_DECIMAL_COMMA);
    cr_assert_eq(v, 100000);
    cr_assert_eq(text_parse_decimal(" 0,53333 ", &v), ESR_DECIMAL_COMMA);
    cr_assert_eq(v, 53333);
    cr_assert_eq(text_parse_decimal("1 0", &v), ESR_DECIMAL_SPACES);
    cr_assert_eq(text_parse_decimal("0. 5", &v), ESR_DECIMAL_SPACES);
    cr_assert_eq(text_parse_decimal("1,000,000", &v), ESR_DECIMAL_BAD);
    cr_assert_eq(text_parse_decimal("1,0.5", &v), ESR_DECIMAL_BAD);
    cr_assert_eq(text_parse_decimal("1,", &v), ESR_DECIMAL_BAD);
    cr_assert_eq(text_parse_decimal("n/a", &v), ESR_DECIMAL_BAD);
    cr_assert_eq(text_parse_decimal("", &v), ESR_DECIMAL_BAD);
}

/* The one escaping function of every stderr message. */
Test(text, escape_controls)
{
    esr_buf b = {0};
    cr_assert_eq(text_escape("a\x1b[2J\nb\r\tc\x7f\xc2\x9b"
                             "d é",
                             &b),
                 0);
    cr_assert_str_eq(esr_buf_str(&b), "a\\x1b[2J\\nb\\r\\tc\\x7f\\x9bd é");
    esr_buf_reset(&b);
    text_escape("plain, 'quoted' \\ text", &b);
    cr_assert_str_eq(esr_buf_str(&b), "plain, 'quoted' \\ text");
    esr_buf_free(&b);
}

/* The allocation-free escape (an out-of-memory message's path) writes what
 * text_escape appends, also past its 256-byte chunk. */
Test(text, escape_write_matches_escape)
{
    char long_text[700];
    for (size_t i = 0; i < sizeof long_text - 1; i++)
        long_text[i] = i % 50 == 7 ? '\x01' : (char)('a' + i % 26);
    long_text[sizeof long_text - 1] = '\0';
    const char *cases[] = {"a\x1b[2J\nb\r\tc\x7f\xc2\x9b"
                           "d \xc3\xa9",
                           "", long_text};
    for (size_t k = 0; k < 3; k++) {
        esr_buf want = {0};
        cr_assert_eq(text_escape(cases[k], &want), ESR_OK);
        char *got = NULL;
        size_t n = 0;
        FILE *fp = open_memstream(&got, &n);
        cr_assert_not_null(fp);
        cr_assert_eq(text_escape_write(cases[k], fp), ESR_OK);
        fclose(fp);
        cr_assert_str_eq(got, esr_buf_str(&want), "case %zu", k);
        free(got);
        esr_buf_free(&want);
    }
}

/* What a workbook sheet cannot hold is found and replaced or cut. */
Test(text, sheet_clean)
{
    esr_buf b = {0};
    cr_assert_eq(text_sheet_faults("Physio Assistant\ttab\nline"), 0);
    cr_assert_eq(text_sheet_faults("a\xef\xbf\xbf"
                                   "b"),
                 ESR_SHEET_BAD_CHARS);
    cr_assert_str_eq(text_sheet_clean("a\xef\xbf\xbf"
                                      "b\xef\xbf\xbe\x01"
                                      "c",
                                      &b),
                     "a\xef\xbf\xbd"
                     "b\xef\xbf\xbd\xef\xbf\xbd"
                     "c");
    static char big[40000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big + ESR_CELL_MAX_BYTES - 1, "\xc3\xa9", 2); /* é across the limit */
    cr_assert_eq(text_sheet_faults(big), ESR_SHEET_TOO_LONG);
    const char *c = text_sheet_clean(big, &b);
    cr_assert_eq(strlen(c), ESR_CELL_MAX_BYTES - 1, "cut before the character, not through it");
    cr_assert_eq(text_sheet_faults(c), 0);
    esr_buf_free(&b);
}

/* text_sheet_faults looks 8 bytes at a time: a bad character is found at
 * every offset, also when it straddles two words, and clean look-alikes
 * (tab, UTF-8 é, U+FFFD, a truncated surrogate) are not faults. */
Test(text, sheet_faults_every_offset)
{
    const char *bad[] = {"\x01", "\x1f", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xed\xa0\x80"};
    const char *fine[] = {"\t", "\r\n", "\xc3\xa9", "\xef\xbf\xbd", "\xed\x9f\xbf"};
    char s[64];
    for (size_t at = 0; at < 40; at++)
        for (size_t k = 0; k < 5; k++) {
            memset(s, 'x', sizeof s);
            memcpy(s + at, bad[k], strlen(bad[k]));
            s[at + strlen(bad[k]) + (at % 9)] = '\0';
            cr_assert_eq(text_sheet_faults(s), ESR_SHEET_BAD_CHARS, "bad %zu at %zu", k, at);
            memset(s, 'x', sizeof s);
            memcpy(s + at, fine[k], strlen(fine[k]));
            s[at + strlen(fine[k]) + (at % 9)] = '\0';
            cr_assert_eq(text_sheet_faults(s), 0, "fine %zu at %zu", k, at);
        }
    cr_assert_eq(text_sheet_faults("xxxxxxx\xed"), 0,
                 "a lone lead byte at the end is no surrogate");
}
