/* test_u64set.c - the set of 64-bit keys. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "u64set.h"

Test(u64set, add_and_duplicate)
{
    esr_u64set s = {0};
    cr_assert_eq(u64set_add(&s, 42), 1);
    cr_assert_eq(u64set_add(&s, 43), 1);
    cr_assert_eq(u64set_add(&s, 42), 0);
    cr_assert_eq(u64set_add(&s, 43), 0);
    cr_assert_eq(s.count, 2);
    u64set_free(&s);
    cr_assert_null(s.keys);
    cr_assert_eq(s.count, 0);
    /* usable again after free */
    cr_assert_eq(u64set_add(&s, 42), 1);
    u64set_free(&s);
}

Test(u64set, zero_is_a_key)
{
    esr_u64set s = {0};
    cr_assert_eq(u64set_add(&s, 0), 1);
    cr_assert_eq(u64set_add(&s, 0), 0);
    cr_assert_eq(s.count, 1);
    cr_assert_eq(u64set_add(&s, UINT64_MAX), 1);
    cr_assert_eq(u64set_add(&s, UINT64_MAX), 0);
    cr_assert_eq(s.count, 2);
    u64set_free(&s);
}

Test(u64set, growth)
{
    esr_u64set s = {0};
    const uint64_t n = 200000;
    for (uint64_t i = 0; i < n; i++)
        cr_assert_eq(u64set_add(&s, i * 0x100000001ULL), 1, "key %llu", (unsigned long long)i);
    cr_assert_eq(s.count, n);
    cr_assert_geq(s.cap, 2 * n, "load factor above 1/2");
    for (uint64_t i = 0; i < n; i++)
        cr_assert_eq(u64set_add(&s, i * 0x100000001ULL), 0, "key %llu lost", (unsigned long long)i);
    /* keys differing only in high bits stay distinct */
    cr_assert_eq(u64set_add(&s, 1ULL << 63), 1);
    cr_assert_eq(u64set_add(&s, (1ULL << 63) | 1), 1);
    cr_assert_eq(s.count, n + 2);
    u64set_free(&s);
}
