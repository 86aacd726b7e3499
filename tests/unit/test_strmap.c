/* test_strmap.c - the open-addressing string map. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "strmap.h"

static esr_strmap *m;

static void setup(void)
{
    cr_assert_eq(esr_strmap_new(&m), ESR_OK);
    cr_assert_not_null(m);
}

static void teardown(void)
{
    esr_strmap_free(m);
    m = NULL;
}

TestSuite(strmap, .init = setup, .fini = teardown);

static int put(const char *k, size_t v, size_t *existing)
{
    return esr_strmap_put(m, k, strlen(k), v, existing);
}

Test(strmap, empty)
{
    size_t v = 7;
    cr_assert_eq(esr_strmap_count(m), 0);
    cr_assert_eq(esr_strmap_get(m, "x", 1, &v), 0);
    cr_assert_eq(esr_strmap_get(m, "", 0, &v), 0);
    cr_assert_eq(v, 7, "get of a missing key must not write the value");
}

Test(strmap, put_get)
{
    cr_assert_eq(put("alpha", 1, NULL), 1);
    cr_assert_eq(put("beta", 2, NULL), 1);
    cr_assert_eq(put("", 3, NULL), 1); /* the empty key is a key */
    size_t v = 0;
    cr_assert_eq(esr_strmap_get(m, "alpha", 5, &v), 1);
    cr_assert_eq(v, 1);
    cr_assert_eq(esr_strmap_get(m, "beta", 4, &v), 1);
    cr_assert_eq(v, 2);
    cr_assert_eq(esr_strmap_get(m, "", 0, &v), 1);
    cr_assert_eq(v, 3);
    cr_assert_eq(esr_strmap_get(m, "alph", 4, &v), 0);
    cr_assert_eq(esr_strmap_get(m, "alphab", 6, &v), 0);
    /* get with a NULL value pointer only answers presence */
    cr_assert_eq(esr_strmap_get(m, "beta", 4, NULL), 1);
    cr_assert_eq(esr_strmap_count(m), 3);
}

Test(strmap, keys_are_byte_strings_with_length)
{
    /* the length decides, not a NUL: "ab\0c" and "ab" are different keys */
    cr_assert_eq(esr_strmap_put(m, "ab\0c", 4, 10, NULL), 1);
    cr_assert_eq(esr_strmap_put(m, "ab", 2, 20, NULL), 1);
    size_t v;
    cr_assert_eq(esr_strmap_get(m, "ab\0c", 4, &v), 1);
    cr_assert_eq(v, 10);
    cr_assert_eq(esr_strmap_get(m, "ab", 2, &v), 1);
    cr_assert_eq(v, 20);
    /* and a prefix of a longer buffer */
    cr_assert_eq(esr_strmap_get(m, "abXYZ", 2, &v), 1);
    cr_assert_eq(v, 20);
}

Test(strmap, duplicate_put_keeps_first_value)
{
    size_t existing = 999;
    cr_assert_eq(put("k", 5, NULL), 1);
    cr_assert_eq(put("k", 6, &existing), 0);
    cr_assert_eq(existing, 5);
    cr_assert_eq(put("k", 7, NULL), 0); /* existing may be NULL */
    size_t v;
    cr_assert_eq(esr_strmap_get(m, "k", 1, &v), 1);
    cr_assert_eq(v, 5);
    cr_assert_eq(esr_strmap_count(m), 1);
}

Test(strmap, keys_are_copied)
{
    char k[8] = "temp";
    cr_assert_eq(esr_strmap_put(m, k, 4, 1, NULL), 1);
    strcpy(k, "XXXX");
    cr_assert_eq(esr_strmap_get(m, "temp", 4, NULL), 1);
    size_t len;
    cr_assert_str_eq(esr_strmap_key(m, 0, &len), "temp");
    cr_assert_eq(len, 4);
}

#define MANY 50000

Test(strmap, growth_past_thousands_of_keys)
{
    char k[32];
    for (size_t i = 0; i < MANY; i++) {
        int n = snprintf(k, sizeof k, "key-%zu", i);
        cr_assert_eq(esr_strmap_put(m, k, (size_t)n, i * 3, NULL), 1, "insert %s", k);
    }
    cr_assert_eq(esr_strmap_count(m), MANY);
    for (size_t i = 0; i < MANY; i++) {
        int n = snprintf(k, sizeof k, "key-%zu", i);
        size_t v = 0;
        cr_assert_eq(esr_strmap_get(m, k, (size_t)n, &v), 1, "lookup %s", k);
        cr_assert_eq(v, i * 3, "value of %s", k);
        size_t ex = 0;
        cr_assert_eq(esr_strmap_put(m, k, (size_t)n, 0, &ex), 0);
        cr_assert_eq(ex, i * 3);
    }
    cr_assert_eq(esr_strmap_count(m), MANY);
    cr_assert_eq(esr_strmap_get(m, "key-50000", 9, NULL), 0);
}

Test(strmap, insertion_order)
{
    static const char *const keys[] = {"zulu", "alpha", "mike", "bravo", "yankee", ""};
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(put(keys[i], 100 + i, NULL), 1);
    put("alpha", 0, NULL); /* a duplicate does not move or add an entry */
    /* enough further keys to force several rehashes */
    char k[32];
    for (size_t i = 0; i < 5000; i++) {
        int len = snprintf(k, sizeof k, "x%zu", i);
        esr_strmap_put(m, k, (size_t)len, 1000 + i, NULL);
    }
    cr_assert_eq(esr_strmap_count(m), n + 5000);
    for (size_t i = 0; i < n; i++) {
        size_t len = 99;
        cr_assert_str_eq(esr_strmap_key(m, i, &len), keys[i]);
        cr_assert_eq(len, strlen(keys[i]));
        cr_assert_eq(esr_strmap_value(m, i), 100 + i);
    }
    for (size_t i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "x%zu", i);
        cr_assert_str_eq(esr_strmap_key(m, n + i, NULL), k);
        cr_assert_eq(esr_strmap_value(m, n + i), 1000 + i);
    }
}

Test(strmap, hash_is_stable_and_length_sensitive)
{
    cr_assert_eq(esr_hash64("abc", 3), esr_hash64("abc", 3));
    cr_assert_neq(esr_hash64("abc", 3), esr_hash64("abd", 3));
    cr_assert_neq(esr_hash64("ab", 2), esr_hash64("abc", 3));
    cr_assert_neq(esr_hash64("", 0), esr_hash64("\0", 1));
}
