/* xlsx_cell.c - three helpers on libxlsxwriter's per-cell path, defined
 * in front of the library's own.
 *
 * In constant_memory mode libxlsxwriter 1.1.4 writes every cell's A1
 * reference through lxw_rowcol_to_cell (the row number by snprintf), and
 * copies every string cell through lxw_escape_control_characters (calloc
 * of seven times the string, then a byte at a time) and writes it through
 * lxw_escape_data (calloc of five times the string). On the 50k-row
 * support extract those were 1.5 G of the workbook thread's 5.4 G
 * instructions. The library calls them through the dynamic linker, so
 * these definitions in the executable come first: the same bytes out, by
 * plain code. A string with nothing to escape (nearly all) is copied by
 * the library's lxw_strdup; any other goes to the library's own escape.
 * They apply only with the libxlsxwriter version they were checked
 * against (test_xlsx_cell.c compares them with the library's own); with
 * any other, each call goes to the library's own definition. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "xlsx_cell.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECKED_VERSION "1.1.4"

typedef void (*rowcol_fn)(char *, lxw_row_t, lxw_col_t);
typedef char *(*escape_fn)(const char *);

static rowcol_fn lib_rowcol; /* the library's own definitions */
static escape_fn lib_escape, lib_escape_ctl;
static int fast;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Find the library's own definitions, and decide once whether it is the
 * version these were checked against. */
static void cell_init(void)
{
    lib_rowcol = (rowcol_fn)dlsym(RTLD_NEXT, "lxw_rowcol_to_cell");
    lib_escape = (escape_fn)dlsym(RTLD_NEXT, "lxw_escape_data");
    lib_escape_ctl = (escape_fn)dlsym(RTLD_NEXT, "lxw_escape_control_characters");
    fast = lib_rowcol && lib_escape && lib_escape_ctl && !strcmp(lxw_version(), CHECKED_VERSION);
}

/* Put the faster helpers in force (see xlsx_cell.h). */
int xlsx_cell_use(void)
{
    pthread_once(&once, cell_init);
    return fast;
}

/* Excel's A1 reference of zero-based (row, col), as libxlsxwriter writes
 * it: bijective base-26 letters, then row + 1 printed as a signed int in
 * at most LXW_MAX_ROW_NAME_LENGTH - 1 characters (only rows past any
 * sheet's last are ever cut). */
void lxw_rowcol_to_cell(char *cell_name, lxw_row_t row, lxw_col_t col)
{
    if (!xlsx_cell_use() && lib_rowcol) {
        lib_rowcol(cell_name, row, col); /* NULL: the linker found none; cannot be */
        return;
    }
    char letters[8], digits[16];
    int n = 0, d = 0;
    for (unsigned c = (unsigned)col + 1; c; c = (c - 1) / 26)
        letters[n++] = (char)('A' + (c - 1) % 26);
    while (n)
        *cell_name++ = letters[--n];
    int v = (int)(uint32_t)(row + 1); /* "%d" of ++row */
    unsigned long long u = v < 0 ? -(unsigned long long)(long long)v : (unsigned long long)v;
    do
        digits[d++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        digits[d++] = '-';
    for (int k = 0; d && k < (int)LXW_MAX_ROW_NAME_LENGTH - 1; k++)
        *cell_name++ = digits[--d];
    *cell_name = '\0';
}

/* data with & < > as XML entities, in a string the caller frees. Only a
 * string with none to replace is handled here: copied by lxw_strdup, so
 * every string the library frees is still one it allocated (and an
 * allocation failure is the library's, as before). */
char *lxw_escape_data(const char *data)
{
    if (xlsx_cell_use() && !strpbrk(data, "&<>"))
        return lxw_strdup(data);
    return lib_escape(data);
}

/* Non-zero for a byte libxlsxwriter writes as _xHHHH_: a control
 * character other than tab and newline. */
static int ctl_byte(unsigned char c)
{
    return c >= 0x01 && c < 0x20 && c != '\t' && c != '\n';
}

/* Non-zero if one of the n bytes at s is a ctl_byte, 8 bytes a step: a
 * word with no byte below 0x20 (Hacker's Delight's hasless, as
 * text_sheet_faults) is passed over. */
static int has_ctl(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w - ones * 0x20) & ~w & highs)
            break; /* a byte below 0x20 here: look at each from here on */
    }
    for (; i < n; i++)
        if (ctl_byte((unsigned char)s[i]))
            return 1;
    return 0;
}

/* string with each such control character as _xHHHH_, in a string the
 * caller frees. libxlsxwriter 1.1.4 calls it for every string cell (its
 * lxw_has_control_characters is true of every string): one without any is
 * copied here, the rest are the library's. */
char *lxw_escape_control_characters(const char *string)
{
    if (xlsx_cell_use() && !has_ctl(string, strlen(string)))
        return lxw_strdup(string); /* as lxw_escape_data above */
    return lib_escape_ctl(string);
}
