/* test_xlsx_cell.c - the faster cell helpers give libxlsxwriter's own bytes. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_cell.h"

typedef void (*rowcol_fn)(char *, lxw_row_t, lxw_col_t);
typedef char *(*escape_fn)(const char *);

/* The library's own definitions, behind this program's. */
static rowcol_fn own_rowcol(void)
{
    rowcol_fn f = (rowcol_fn)dlsym(RTLD_NEXT, "lxw_rowcol_to_cell");
    cr_assert_not_null(f, "libxlsxwriter's lxw_rowcol_to_cell");
    return f;
}

Test(xlsx_cell, in_force_with_the_checked_version)
{
    cr_assert_eq(xlsx_cell_use(), !strcmp(lxw_version(), "1.1.4"));
    /* the library itself calls ours: a range goes through lxw_rowcol_to_cell */
    char range[64];
    lxw_rowcol_to_range(range, 0, 0, 1048575, 16383);
    cr_assert_str_eq(range, "A1:XFD1048576");
}

/* Every column, and every seventh row, of a sheet (the library refuses
 * cells past them before it makes a reference). */
Test(xlsx_cell, references_match_the_library_everywhere_on_a_sheet)
{
    rowcol_fn lib = own_rowcol();
    char a[32], b[32];
    static const lxw_row_t rows[] = {0, 1, 8, 9, 10, 98, 99, 100, 999, 65535, 65536, 1048575};
    for (lxw_col_t col = 0; col < 16384; col++)
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
            lxw_rowcol_to_cell(a, rows[i], col);
            lib(b, rows[i], col);
            cr_assert_str_eq(a, b, "row %u col %u", rows[i], col);
        }
    for (lxw_row_t row = 0; row < 1048576; row += 7) {
        lxw_rowcol_to_cell(a, row, 27);
        lib(b, row, 27);
        cr_assert_str_eq(a, b, "row %u", row);
    }
}

Test(xlsx_cell, escaped_data_matches_the_library)
{
    escape_fn lib = (escape_fn)dlsym(RTLD_NEXT, "lxw_escape_data");
    cr_assert_not_null(lib);
    static const char alphabet[] = "&<>ab \t\"'\xc3\xa9;#x";
    char s[64];
    srand(7);
    for (int t = 0; t < 100000; t++) {
        int n = rand() % 40;
        for (int i = 0; i < n; i++)
            s[i] = alphabet[rand() % (sizeof alphabet - 1)];
        s[n] = '\0';
        char *x = lxw_escape_data(s), *y = lib(s);
        cr_assert_str_eq(x, y, "\"%s\"", s);
        free(x);
        free(y);
    }
}

Test(xlsx_cell, escaped_control_characters_match_the_library)
{
    escape_fn lib = (escape_fn)dlsym(RTLD_NEXT, "lxw_escape_control_characters");
    cr_assert_not_null(lib);
    char s[64];
    srand(11);
    for (int t = 0; t < 100000; t++) {
        int n = rand() % 40;
        for (int i = 0; i < n; i++) { /* control bytes, tab, newline, ASCII, UTF-8 lead bytes */
            int k = rand() % 4;
            s[i] = (char)(k == 0   ? 1 + rand() % 31
                          : k == 1 ? 0x20 + rand() % 96
                          : k == 2 ? 0xc3
                                   : 'a');
        }
        s[n] = '\0';
        char *x = lxw_escape_control_characters(s), *y = lib(s);
        cr_assert_str_eq(x, y, "string %d", t);
        free(x);
        free(y);
    }
}
