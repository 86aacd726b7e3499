/* aggregate.c - keyed cells and per-person de-duplication. */
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "u64set.h"

static const char *const dim_names[ESR_DIM_COUNT] = {"profession_role", "band", "area_of_work",
                                                      "care_certificate", "qualification_level", "apprenticeship"};

struct esr_aggregate {
    const esr_mappings *m;
    esr_strmap *cell_index;   /* packed key -> cell */
    esr_cell **cells;
    size_t ncells, cells_cap;
    esr_strmap *persons;      /* org + person -> id */
    esr_u64set pairs;         /* cell << 32 | person */
    esr_strmap *org_index;
    esr_org_counts **orgs;
    size_t norgs, orgs_cap;
    esr_strmap *title_index;  /* packed key -> esr_title_stat* */
    esr_title_stat **titles;
    size_t ntitles, titles_cap;
    int titles_sorted;
    esr_buf key;
    int sorted;
};

/* Name of a dimension as written in summary.csv. */
const char *aggregate_dim_name(esr_dim d)
{
    return (unsigned)d < ESR_DIM_COUNT ? dim_names[d] : "";
}

/* Create an empty aggregate. */
esr_aggregate *aggregate_new(const esr_mappings *m)
{
    esr_aggregate *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->m = m;
    if (!(a->cell_index = esr_strmap_new()) ||
        !(a->persons = esr_strmap_new()) || !(a->org_index = esr_strmap_new()) ||
        !(a->title_index = esr_strmap_new())) {
        aggregate_free(a);
        return NULL;
    }
    return a;
}

/* Free everything. */
void aggregate_free(esr_aggregate *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ncells; i++)
        free(a->cells[i]);
    for (size_t i = 0; i < a->norgs; i++)
        free(a->orgs[i]);
    for (size_t i = 0; i < a->ntitles; i++)
        free(a->titles[i]);
    free(a->cells);
    free(a->orgs);
    free(a->titles);
    esr_strmap_free(a->title_index);
    esr_strmap_free(a->cell_index);
    esr_strmap_free(a->persons);
    esr_strmap_free(a->org_index);
    u64set_free(&a->pairs);
    esr_buf_free(&a->key);
    free(a);
}

static esr_org_counts *org_counts(esr_aggregate *a, const char *org)
{
    size_t i, n = strlen(org);
    if (esr_strmap_get(a->org_index, org, n, &i))
        return (esr_org_counts *)(uintptr_t)i;
    if (a->norgs == a->orgs_cap) {
        size_t cap = a->orgs_cap ? a->orgs_cap * 2 : 16;
        esr_org_counts **o = realloc(a->orgs, cap * sizeof *o);
        if (!o)
            return NULL;
        a->orgs = o;
        a->orgs_cap = cap;
    }
    esr_org_counts *c = calloc(1, sizeof *c + n + 1);
    if (!c)
        return NULL;
    char *name = (char *)(c + 1);
    memcpy(name, org, n + 1);
    c->org = name;
    if (esr_strmap_put(a->org_index, org, n, (size_t)(uintptr_t)c, NULL) < 0) {
        free(c);
        return NULL;
    }
    a->orgs[a->norgs++] = c;
    a->sorted = 0;
    return c;
}

static esr_cell *cell_get(esr_aggregate *a, const char *org, esr_dim dim, const char *prof,
                          const char *role, const char *key, size_t *index)
{
    esr_buf_reset(&a->key);
    if (esr_buf_printf(&a->key, "%s\x1f%d\x1f%s\x1f%s\x1f%s", org, (int)dim, prof, role, key))
        return NULL;
    size_t i;
    if (esr_strmap_get(a->cell_index, a->key.data, a->key.len, &i)) {
        esr_cell *c = (esr_cell *)(uintptr_t)i;
        *index = c->id;
        return c;
    }
    if (a->ncells == a->cells_cap) {
        size_t cap = a->cells_cap ? a->cells_cap * 2 : 256;
        esr_cell **c = realloc(a->cells, cap * sizeof *c);
        if (!c)
            return NULL;
        a->cells = c;
        a->cells_cap = cap;
    }
    size_t lo = strlen(org) + 1, lp = strlen(prof) + 1, lr = strlen(role) + 1, lk = strlen(key) + 1;
    esr_cell *c = calloc(1, sizeof *c + lo + lp + lr + lk);
    if (!c)
        return NULL;
    char *s = (char *)(c + 1);
    c->org = memcpy(s, org, lo);
    c->profession = memcpy(s + lo, prof, lp);
    c->role = memcpy(s + lo + lp, role, lr);
    c->key = memcpy(s + lo + lp + lr, key, lk);
    c->dim = dim;
    c->id = (uint32_t)a->ncells;
    if (esr_strmap_put(a->cell_index, a->key.data, a->key.len, (size_t)(uintptr_t)c, NULL) < 0) {
        free(c);
        return NULL;
    }
    *index = a->ncells;
    a->cells[a->ncells++] = c;
    a->sorted = 0;
    return c;
}

/* Count r under its local title (and standard title) for org. */
static int title_add(esr_aggregate *a, const char *org, const esr_record *r)
{
    const esr_mappings *m = a->m;
    const char *fields[8] = {
        org, r->f[ESR_COL_POSITION_TITLE], r->standard_title, m->prof[r->profession].name,
        m->roles[r->role].name, r->title_match, r->title_rule, r->title_suggestion,
    };
    esr_buf_reset(&a->key);
    for (int i = 0; i < 3; i++)
        if (esr_buf_puts(&a->key, fields[i]) || esr_buf_putc(&a->key, '\x1f'))
            return -1;
    size_t v;
    esr_title_stat *ts;
    if (esr_strmap_get(a->title_index, a->key.data, a->key.len, &v)) {
        ts = (esr_title_stat *)(uintptr_t)v;
    } else {
        size_t len[8], total = 0;
        for (int i = 0; i < 8; i++)
            total += (len[i] = strlen(fields[i]) + 1);
        if (a->ntitles == a->titles_cap) {
            size_t cap = a->titles_cap ? a->titles_cap * 2 : 256;
            esr_title_stat **t = realloc(a->titles, cap * sizeof *t);
            if (!t)
                return -1;
            a->titles = t;
            a->titles_cap = cap;
        }
        if (!(ts = calloc(1, sizeof *ts + total)))
            return -1;
        char *s = (char *)(ts + 1);
        const char **dst[8] = {&ts->org, &ts->title, &ts->standard_title, &ts->profession,
                               &ts->role, &ts->match, &ts->rule, &ts->suggestion};
        for (int i = 0; i < 8; i++) {
            *dst[i] = memcpy(s, fields[i], len[i]);
            s += len[i];
        }
        ts->score = r->title_score;
        if (esr_strmap_put(a->title_index, a->key.data, a->key.len, (size_t)(uintptr_t)ts, NULL) < 0) {
            free(ts);
            return -1;
        }
        a->titles[a->ntitles++] = ts;
        a->titles_sorted = 0;
    }
    ts->rows++;
    ts->fte_e5 += r->fte_e5;
    return 0;
}

static int cell_add(esr_aggregate *a, const char *org, esr_dim dim, const char *prof,
                    const char *role, const char *key, long long fte, uint32_t person)
{
    size_t id;
    esr_cell *c = cell_get(a, org, dim, prof, role, key, &id);
    if (!c)
        return -1;
    c->fte_e5 += fte;
    c->rows++;
    int added = u64set_add(&a->pairs, ((uint64_t)id << 32) | person);
    if (added < 0)
        return -1;
    c->headcount += (uint64_t)added;
    return 0;
}

/* Count a record of any scope, and add an in-scope one to its cells. */
int aggregate_add(esr_aggregate *a, const esr_record *r, const char *person)
{
    const char *org = r->f[ESR_COL_ORG_CODE];
    const char *orgs[2] = {"", org};
    int norgs = *org ? 2 : 1; /* rows without an org code count in the totals only */
    for (int k = 0; k < norgs; k++) {
        esr_org_counts *oc = org_counts(a, orgs[k]);
        if (!oc)
            return -1;
        oc->read++;
        if (r->scope == ESR_SCOPE_REJECTED) {
            oc->rejected++;
            if (r->reason_rule >= 0)
                oc->findings[r->reason_rule]++;
            continue;
        }
        if (r->scope == ESR_SCOPE_OUT) {
            oc->out_of_scope++;
            oc->out_by_reason[r->out_reason]++;
            continue;
        }
        oc->in_scope++;
        oc->in_scope_fte_e5 += r->fte_e5;
        for (size_t i = 0; i < r->nfindings; i++) {
            oc->findings[r->findings[i].rule]++;
            oc->findings_fte_e5[r->findings[i].rule] += r->fte_e5;
        }
    }
    if (r->scope != ESR_SCOPE_IN)
        return 0;

    /* person id, unique per organisation */
    esr_buf_reset(&a->key);
    if (esr_buf_puts(&a->key, org) || esr_buf_putc(&a->key, '\x1f') || esr_buf_puts(&a->key, person))
        return -1;
    size_t pid = esr_strmap_count(a->persons), existing;
    if (esr_strmap_put(a->persons, a->key.data, a->key.len, pid, &existing) == 0)
        pid = existing;
    else if (esr_strmap_count(a->persons) == pid)
        return -1;

    const esr_mappings *m = a->m;
    const char *prof = m->prof[r->profession].name, *role = m->roles[r->role].name;
    const char *band = r->band >= 0                   ? m->bands[r->band].name
                       : *r->f[ESR_COL_PAY_BAND]      ? "(not recognised)"
                                                      : "(not recorded)";
    const char *area = r->area >= 0                   ? m->areas[r->area]
                       : *r->f[ESR_COL_AREA_OF_WORK]  ? "(not recognised)"
                                                      : "(not recorded)";
    long long f = r->fte_e5;
    uint32_t p = (uint32_t)pid;
    for (int k = 0; k < norgs; k++) {
        const char *o = orgs[k];
        if (cell_add(a, o, ESR_DIM_PROFESSION_ROLE, prof, role, "", f, p) ||
            cell_add(a, o, ESR_DIM_PROFESSION_ROLE, prof, "", "", f, p) ||
            cell_add(a, o, ESR_DIM_PROFESSION_ROLE, "", role, "", f, p) ||
            cell_add(a, o, ESR_DIM_PROFESSION_ROLE, "", "", "", f, p) ||
            cell_add(a, o, ESR_DIM_BAND, prof, "", band, f, p) ||
            cell_add(a, o, ESR_DIM_BAND, "", "", band, f, p) ||
            cell_add(a, o, ESR_DIM_AREA, prof, "", area, f, p) ||
            cell_add(a, o, ESR_DIM_AREA, "", "", area, f, p) || title_add(a, o, r))
            return -1;
        if (!*r->care_certificate)
            continue;
        char level[32];
        if (r->qualification_level)
            snprintf(level, sizeof level, "Level %d", r->qualification_level);
        else
            snprintf(level, sizeof level, "none recorded");
        const char *appr = *r->apprenticeship ? r->apprenticeship : "none";
        if (cell_add(a, o, ESR_DIM_CARE_CERTIFICATE, prof, "", r->care_certificate, f, p) ||
            cell_add(a, o, ESR_DIM_CARE_CERTIFICATE, "", "", r->care_certificate, f, p) ||
            cell_add(a, o, ESR_DIM_QUAL_LEVEL, prof, "", level, f, p) ||
            cell_add(a, o, ESR_DIM_QUAL_LEVEL, "", "", level, f, p) ||
            cell_add(a, o, ESR_DIM_APPRENTICESHIP, prof, "", appr, f, p) ||
            cell_add(a, o, ESR_DIM_APPRENTICESHIP, "", "", appr, f, p))
            return -1;
    }
    return 0;
}

static int cell_cmp(const void *x, const void *y)
{
    const esr_cell *a = *(const esr_cell *const *)x, *b = *(const esr_cell *const *)y;
    int c;
    if ((c = strcmp(a->org, b->org)))
        return c;
    if (a->dim != b->dim)
        return a->dim < b->dim ? -1 : 1;
    if ((c = strcmp(a->profession, b->profession)))
        return c;
    if ((c = strcmp(a->role, b->role)))
        return c;
    return strcmp(a->key, b->key);
}

static int org_cmp(const void *x, const void *y)
{
    return strcmp((*(const esr_org_counts *const *)x)->org, (*(const esr_org_counts *const *)y)->org);
}

/* Cells sorted by org, dimension, profession, role, key ("" first). */
size_t aggregate_cells(esr_aggregate *a, const esr_cell ***out)
{
    if (!a->sorted) {
        /* qsort with a NULL base is undefined even for 0 elements */
        if (a->ncells)
            qsort(a->cells, a->ncells, sizeof *a->cells, cell_cmp);
        if (a->norgs)
            qsort(a->orgs, a->norgs, sizeof *a->orgs, org_cmp);
        a->sorted = 1;
    }
    *out = (const esr_cell **)a->cells;
    return a->ncells;
}

static int title_cmp(const void *x, const void *y)
{
    const esr_title_stat *a = *(const esr_title_stat *const *)x, *b = *(const esr_title_stat *const *)y;
    int c;
    if ((c = strcmp(a->org, b->org)) || (c = strcmp(a->title, b->title)))
        return c;
    return strcmp(a->standard_title, b->standard_title);
}

/* Local titles of in-scope rows, sorted by org, title, standard title. */
size_t aggregate_titles(esr_aggregate *a, const esr_title_stat ***out)
{
    if (!a->titles_sorted) {
        if (a->ntitles)
            qsort(a->titles, a->ntitles, sizeof *a->titles, title_cmp);
        a->titles_sorted = 1;
    }
    *out = (const esr_title_stat **)a->titles;
    return a->ntitles;
}

/* Per-organisation counts, sorted by org ("" = all first). */
size_t aggregate_orgs(esr_aggregate *a, const esr_org_counts ***out)
{
    const esr_cell **unused;
    aggregate_cells(a, &unused);
    *out = (const esr_org_counts **)a->orgs;
    return a->norgs;
}

/* Counts for one org ("" = all); NULL if never seen. */
const esr_org_counts *aggregate_org(const esr_aggregate *a, const char *org)
{
    size_t i;
    if (esr_strmap_get(a->org_index, org, strlen(org), &i))
        return (const esr_org_counts *)(uintptr_t)i;
    return NULL;
}
