/* test_learn.c - titles learned from coded rows: agreement, disagreement,
 * too few rows, the cap on distinct titles, the order of entries. */
#include <criterion/criterion.h>
#include <string.h>

#include "learn.h"

static esr_learner *fresh(unsigned min_rows, unsigned agree, size_t max)
{
    esr_learn_opts o;
    learn_opts_default(&o);
    o.min_rows = min_rows;
    o.agreement = agree;
    o.max_titles = max;
    esr_learner *l;
    cr_assert_eq(learn_new(&o, &l), ESR_OK);
    cr_assert_not_null(l);
    return l;
}

Test(learn, defaults_are_documented)
{
    esr_learn_opts o;
    learn_opts_default(&o);
    cr_assert_eq(o.min_rows, 3);
    cr_assert_eq(o.agreement, 90);
    cr_assert_eq(o.max_titles, 100000);
}

Test(learn, agreeing_coded_rows_teach)
{
    esr_learner *l = fresh(3, 90, 10);
    for (int i = 0; i < 9; i++)
        learn_add(l, "helper", "Helper", 2, 5);
    learn_add(l, "helper", "Helper", 3, 5); /* 1 in 10 disagrees: 90% */
    learn_add(l, "helper", "Helper", -1, -1);
    learn_finish(l);
    const esr_learn_entry *e = learn_get(l, "helper");
    cr_assert_not_null(e);
    cr_assert_eq(e->decision, ESR_LEARN_AGREE);
    cr_assert_eq(e->prof[e->best], 2);
    cr_assert_eq(e->rows, 11);
    cr_assert_eq(e->coded, 10);
    cr_assert_eq(e->agreement_pct, 90);
    cr_assert_str_eq(e->lineage, "learned from 10 coded rows");
    learn_free(l);
}

Test(learn, disagreeing_coded_rows_leave_it_for_review)
{
    esr_learner *l = fresh(3, 90, 10);
    for (int i = 0; i < 4; i++) {
        learn_add(l, "x", "X", 1, 1);
        learn_add(l, "x", "X", 2, 1);
    }
    learn_finish(l);
    cr_assert_eq(learn_get(l, "x")->decision, ESR_LEARN_DISAGREE);
    cr_assert_eq(learn_get(l, "x")->agreement_pct, 50);
    learn_free(l);
}

Test(learn, too_few_coded_rows_teach_nothing)
{
    esr_learner *l = fresh(3, 90, 10);
    learn_add(l, "x", "X", 1, 1);
    learn_add(l, "x", "X", 1, 1);
    learn_finish(l);
    cr_assert_eq(learn_get(l, "x")->decision, ESR_LEARN_NONE);
    learn_free(l);
}

Test(learn, titles_past_the_cap_are_counted_not_learned)
{
    esr_learner *l = fresh(1, 90, 2);
    learn_add(l, "a", "A", 1, 1);
    learn_add(l, "b", "B", 1, 1);
    cr_assert_eq(learn_add(l, "c", "C", 1, 1), 0);
    learn_add(l, "a", "A", 1, 1); /* a known title still counts */
    learn_finish(l);
    cr_assert_null(learn_get(l, "c"));
    cr_assert_eq(learn_rows_over_cap(l), 1);
    cr_assert_eq(learn_get(l, "a")->rows, 2);
    learn_free(l);
}

Test(learn, entries_most_rows_first_then_by_key)
{
    esr_learner *l = fresh(1, 90, 10);
    learn_add(l, "b", "B", -1, -1);
    learn_add(l, "a", "A", -1, -1);
    learn_add(l, "c", "C", -1, -1);
    learn_add(l, "c", "C", -1, -1);
    learn_finish(l);
    size_t n;
    const esr_learn_entry *const *v = learn_entries(l, &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(v[0]->key, "c");
    cr_assert_str_eq(v[1]->key, "a");
    cr_assert_str_eq(v[2]->key, "b");
    learn_free(l);
}
