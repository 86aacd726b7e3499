/* test_buf.c - the growable byte buffer. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

Test(buf, empty_is_empty_string)
{
    esr_buf b = {0};
    cr_assert_str_eq(esr_buf_str(&b), "");
    esr_buf_reset(&b); /* safe with no storage */
    cr_assert_eq(b.len, 0);
    esr_buf_free(&b);
    esr_buf_free(&b); /* idempotent */
}

Test(buf, append_and_nul)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_puts(&b, "abc"), 0);
    cr_assert_eq(esr_buf_putc(&b, 'd'), 0);
    cr_assert_eq(esr_buf_append(&b, "ef\0gh", 5), 0);
    cr_assert_eq(b.len, 9);
    cr_assert_eq(memcmp(b.data, "abcdef\0gh", 9), 0);
    cr_assert_eq(b.data[9], '\0');
    cr_assert_eq(esr_buf_append(&b, NULL, 0), 0);
    cr_assert_eq(b.len, 9);
    esr_buf_free(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.cap, 0);
}

Test(buf, printf_and_growth)
{
    esr_buf b = {0};
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(esr_buf_printf(&b, "%d,", i), 0);
    cr_assert_eq(strncmp(b.data, "0,1,2,3,", 8), 0);
    cr_assert_eq(b.len, strlen(b.data));
    cr_assert(b.cap > b.len);
    const char *tail = b.data + b.len - 5;
    cr_assert_str_eq(tail, "9999,");
    size_t cap = b.cap;
    esr_buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(esr_buf_str(&b), "");
    cr_assert_eq(b.cap, cap, "reset keeps the storage");
    esr_buf_free(&b);
}

Test(buf, reserve)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_reserve(&b, 1000), 0);
    cr_assert_geq(b.cap, 1001);
    cr_assert_eq(b.len, 0);
    cr_assert_neq(esr_buf_reserve(&b, (size_t)-1 / 2 + 10), 0, "absurd size must fail, not wrap");
    esr_buf_free(&b);
}

Test(buf, reserve_overflow_fails)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_puts(&b, "x"), 0);
    /* len + extra + 1 wraps around: must be refused, not "room enough" */
    cr_assert_neq(esr_buf_reserve(&b, (size_t)-1), 0);
    cr_assert_neq(esr_buf_reserve(&b, (size_t)-2), 0);
    cr_assert_str_eq(esr_buf_str(&b), "x");
    esr_buf_free(&b);
}

Test(buf, growth_failure_latches_until_free)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_puts(&b, "kept"), ESR_OK);
    cr_assert_eq(esr_buf_status(&b), ESR_OK);
    /* a growth that cannot be made: every later append is refused too, so
     * one check after many appends sees it */
    cr_assert_eq(esr_buf_reserve(&b, (size_t)-1 / 2 + 10), ESR_ERR_NOMEM);
    cr_assert_eq(esr_buf_putc(&b, 'x'), ESR_ERR_NOMEM);
    cr_assert_eq(esr_buf_puts(&b, "more"), ESR_ERR_NOMEM);
    cr_assert_eq(esr_buf_printf(&b, "%d", 42), ESR_ERR_NOMEM);
    cr_assert_eq(esr_buf_putu(&b, 7), ESR_ERR_NOMEM);
    cr_assert_eq(esr_buf_reserve(&b, 1), ESR_ERR_NOMEM);
    cr_assert_str_eq(esr_buf_str(&b), "kept", "the contents before the failure are kept whole");
    esr_buf_reset(&b);
    cr_assert_eq(esr_buf_status(&b), ESR_ERR_NOMEM, "reset keeps the latch");
    cr_assert_eq(esr_buf_puts(&b, "x"), ESR_ERR_NOMEM);
    cr_assert_eq(b.len, 0);
    esr_buf_free(&b);
    cr_assert_eq(esr_buf_status(&b), ESR_OK, "free clears it");
    cr_assert_eq(esr_buf_puts(&b, "again"), ESR_OK);
    cr_assert_str_eq(esr_buf_str(&b), "again");
    esr_buf_free(&b);
}

Test(buf, printf_longer_than_spare_room)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_puts(&b, "x"), 0);
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(esr_buf_printf(&b, "<%s>%d", big, 42), 0);
    cr_assert_eq(b.len, 1 + 1 + 299 + 1 + 2);
    cr_assert_eq(b.data[1], '<');
    cr_assert_str_eq(b.data + b.len - 3, ">42");
    cr_assert_eq(b.data[b.len], '\0');
    esr_buf_free(&b);
}

Test(buf, putu_digits)
{
    esr_buf b = {0};
    cr_assert_eq(esr_buf_putu(&b, 0), 0);
    cr_assert_eq(esr_buf_putc(&b, ' '), 0);
    cr_assert_eq(esr_buf_putu(&b, 1234567890123ull), 0);
    cr_assert_eq(esr_buf_putc(&b, ' '), 0);
    cr_assert_eq(esr_buf_putu(&b, 18446744073709551615ull), 0);
    cr_assert_str_eq(esr_buf_str(&b), "0 1234567890123 18446744073709551615");
    esr_buf_free(&b);
}

Test(buf, grow_arrays)
{
    int *a = NULL;
    size_t cap = 0;
    cr_assert_eq(esr_grow(&a, &cap, 1, sizeof *a, 8), 0);
    cr_assert_eq(cap, 8, "the first size when empty");
    for (int i = 0; i < 8; i++)
        a[i] = i;
    cr_assert_eq(esr_grow(&a, &cap, 8, sizeof *a, 8), 0);
    cr_assert_eq(cap, 8, "no growth while it fits");
    cr_assert_eq(esr_grow(&a, &cap, 9, sizeof *a, 8), 0);
    cr_assert_eq(cap, 16, "doubles");
    cr_assert_eq(esr_grow(&a, &cap, 100, sizeof *a, 8), 0);
    cr_assert_eq(cap, 128, "doubles until need fits");
    for (int i = 0; i < 8; i++)
        cr_assert_eq(a[i], i, "contents kept");
    int *before = a;
    cr_assert_neq(esr_grow(&a, &cap, (size_t)-1 / 2, sizeof *a, 8), 0, "absurd size fails");
    cr_assert_eq(a, before, "array unchanged on failure");
    cr_assert_eq(cap, 128);
    free(a);
}
