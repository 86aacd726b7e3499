/* learn.c - job titles learned from an export's own coded rows (see learn.h). */
#include "learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"

struct esr_learner {
    esr_learn_opts o;
    esr_strmap *by_key; /* key -> index into v */
    esr_learn_entry *v;
    size_t n, cap;
    esr_learn_entry **sorted;
    size_t sorted_cap; /* entries sorted has room for */
    uint64_t over_cap;
};

/* Fill o with the documented defaults. */
void learn_opts_default(esr_learn_opts *o)
{
    o->min_rows = ESR_LEARN_MIN_ROWS_DEFAULT;
    o->agreement = ESR_LEARN_AGREEMENT_DEFAULT;
    o->max_titles = ESR_LEARN_MAX_TITLES_DEFAULT;
}

/* A learner with options o, in *out. */
esr_status learn_new(const esr_learn_opts *o, esr_learner **out)
{
    esr_learner *l = calloc(1, sizeof *l);
    *out = NULL;
    if (!l || esr_strmap_new(&l->by_key)) {
        free(l);
        return ESR_ERR_NOMEM;
    }
    l->o = *o;
    *out = l;
    return ESR_OK;
}

/* The entry of key, created if there is room; NULL past the cap or on no memory. */
static esr_learn_entry *entry_for(esr_learner *l, const char *key, const char *title)
{
    size_t i, n = strlen(key);
    if (esr_strmap_get(l->by_key, key, n, &i))
        return &l->v[i];
    if (l->n >= l->o.max_titles || esr_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v, 64))
        return NULL;
    esr_learn_entry *e = &l->v[l->n];
    memset(e, 0, sizeof *e);
    e->key = strdup(key);
    e->title = strndup(title, 200);
    if (!e->key || !e->title || esr_strmap_put(l->by_key, key, n, l->n, NULL) != 1) {
        free(e->key);
        free(e->title);
        return NULL;
    }
    for (int k = 0; k < ESR_LEARN_CLASSES; k++)
        e->prof[k] = e->role[k] = -1;
    l->n++;
    return e;
}

/* The entry index of key (created if there is room): -1 past the cap (the
 * row is counted there), -2 on no memory. */
long learn_entry(esr_learner *l, const char *key, const char *title)
{
    esr_learn_entry *e = entry_for(l, key, title);
    if (e)
        return (long)(e - l->v);
    if (l->n < l->o.max_titles)
        return -2;
    return -1;
}

/* Count one row of entry idx coded as (prof, role), or uncoded (-1, -1);
 * idx -1 (past the cap) counts the row as not learned. */
void learn_count(esr_learner *l, long idx, int prof, int role)
{
    if (idx < 0) {
        l->over_cap++;
        return;
    }
    esr_learn_entry *e = &l->v[idx];
    e->rows++;
    if (prof < 0 && role < 0)
        return;
    e->coded++;
    for (int k = 0; k < ESR_LEARN_CLASSES; k++) {
        if (e->count[k] && (e->prof[k] != prof || e->role[k] != role))
            continue;
        e->prof[k] = prof;
        e->role[k] = role;
        e->count[k]++;
        return;
    }
    e->other++;
}

/* Note one row of title coded as (prof, role), or uncoded (-1, -1). */
esr_status learn_add(esr_learner *l, const char *key, const char *title, int prof, int role)
{
    if (!*key)
        return ESR_OK;
    long idx = learn_entry(l, key, title);
    if (idx == -2)
        return ESR_ERR_NOMEM;
    learn_count(l, idx, prof, role);
    return ESR_OK;
}

/* Make l->sorted hold the l->n entries; ESR_OK or ESR_ERR_NOMEM. */
static esr_status sorted_room(esr_learner *l)
{
    if (l->sorted && l->sorted_cap >= l->n + 1)
        return ESR_OK;
    free(l->sorted);
    l->sorted_cap = 0;
    if (!(l->sorted = malloc((l->n + 1) * sizeof *l->sorted)))
        return ESR_ERR_NOMEM;
    l->sorted_cap = l->n + 1;
    return ESR_OK;
}

/* Order: most rows first, then by key. */
static int cmp_entry(const void *a, const void *b)
{
    const esr_learn_entry *x = *(esr_learn_entry *const *)a, *y = *(esr_learn_entry *const *)b;
    if (x->rows != y->rows)
        return x->rows > y->rows ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Decide every title, and make the room learn_entries sorts into, so
 * listing the entries later cannot fail. */
esr_status learn_finish(esr_learner *l)
{
    for (size_t i = 0; i < l->n; i++) {
        esr_learn_entry *e = &l->v[i];
        e->best = 0;
        for (int k = 1; k < ESR_LEARN_CLASSES; k++)
            if (e->count[k] > e->count[e->best])
                e->best = k;
        e->agreement_pct =
            e->coded ? (unsigned)(100 * e->count[e->best] / e->coded) : 0; /* rounded down */
        e->decision = e->coded < l->o.min_rows             ? ESR_LEARN_NONE
                      : e->agreement_pct >= l->o.agreement ? ESR_LEARN_AGREE
                                                           : ESR_LEARN_DISAGREE;
        snprintf(e->lineage, sizeof e->lineage, "learned from %llu coded rows",
                 (unsigned long long)e->coded);
    }
    return sorted_room(l);
}

/* The entry of key, or NULL. */
const esr_learn_entry *learn_get(const esr_learner *l, const char *key)
{
    size_t i;
    return esr_strmap_get(l->by_key, key, strlen(key), &i) ? &l->v[i] : NULL;
}

/* Entries, most rows first. */
const esr_learn_entry *const *learn_entries(esr_learner *l, size_t *n)
{
    *n = 0;
    if (sorted_room(l))
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        l->sorted[i] = &l->v[i];
    qsort(l->sorted, l->n, sizeof *l->sorted, cmp_entry);
    *n = l->n;
    return (const esr_learn_entry *const *)l->sorted;
}

/* Rows of titles past the cap. */
uint64_t learn_rows_over_cap(const esr_learner *l)
{
    return l->over_cap;
}

/* The options in use. */
const esr_learn_opts *learn_opts(const esr_learner *l)
{
    return &l->o;
}

/* Free the learner. */
void learn_free(esr_learner *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].title);
    }
    free(l->v);
    free(l->sorted);
    esr_strmap_free(l->by_key);
    free(l);
}
