/* aggregate.c - keyed cells and per-person de-duplication. */
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "u64set.h"

static const char *const dim_names[ESR_DIM_COUNT] = {
    "profession_role",          "band",           "area_of_work", "care_certificate",
    "qualification_level",      "apprenticeship", "care_setting", "staff_group",
    "staff_group_out_of_scope", "region",         "registered"};

/* Headcount is de-duplicated per cell without a (cell, person) pair set:
 * each in-scope record adds to a fixed set of cells, interned once per
 * distinct record shape. A person remembers one 32-bit value: the set id
 * of their first shape, or (COMBO bit) a combo node, a chain of the shapes
 * they were counted in, each node (earlier value, shape set) interned. A
 * further assignment adds headcount only to the cells of its shape that
 * no set of the chain holds. Memory: a 64-bit hash and that value per
 * person (12 bytes a slot, the map split in PERSON_SHARDS tables that
 * grow one at a time), 8 bytes and a map slot per combo node (a person
 * with assignments of several shapes), and the distinct shapes' sets; no
 * union of cell ids is ever stored per person. */
#define PERSON_SHARDS 64
#define COMBO 0x80000000u

/* One combo node: the person's value before, and the shape set added. */
typedef struct combo_node {
    uint32_t prev, set;
} combo_node;

struct esr_aggregate {
    const esr_mappings *m;
    esr_strmap *cell_index; /* packed key -> cell */
    esr_cell **cells;       /* creation order: index = cell id */
    esr_cell **sorted_cells;
    size_t sorted_cap; /* grown with cells, so sorting them cannot fail */
    size_t ncells, cells_cap;
    esr_strmap *tuples; /* record shape -> set id of its cells */
    esr_strmap *sets;   /* sorted cell ids (bytes) -> set id */
    size_t *set_off;    /* set id -> offset into pool */
    uint32_t *set_len;
    size_t nsets, sets_cap;
    uint32_t *pool; /* cell ids of every set */
    size_t pool_len, pool_cap;
    esr_u64map persons[PERSON_SHARDS]; /* hash(org, person) -> set id or COMBO | node */
    esr_u64map combo_index;            /* prev << 32 | set -> COMBO | node */
    combo_node *combos;
    size_t ncombos, combos_cap;
    uint32_t *scratch;
    size_t scratch_cap;
    esr_strmap *org_index;
    esr_org_counts **orgs;
    esr_org_counts *org_all, *org_last; /* "" and the last org asked for */
    size_t norgs, orgs_cap;
    esr_strmap *title_index; /* packed key -> esr_title_stat* */
    esr_title_stat **titles;
    size_t ntitles, titles_cap;
    uint64_t titles_pooled; /* rows counted in a pooled entry */
    int titles_sorted;
    esr_buf key;
    esr_buf person; /* the key of a row without an employee number */
    int sorted;
};

/* Name of a dimension as written in summary.csv. */
const char *aggregate_dim_name(esr_dim d)
{
    return (unsigned)d < ESR_DIM_COUNT ? dim_names[d] : "";
}

/* The dimension named name, or -1. */
int aggregate_dim_parse(const char *name)
{
    for (int d = 0; d < ESR_DIM_COUNT; d++)
        if (!strcmp(name, dim_names[d]))
            return d;
    return -1;
}

/* Create an empty aggregate in *out (see aggregate.h). */
esr_status aggregate_new(const esr_mappings *m, esr_aggregate **out)
{
    esr_aggregate *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return ESR_ERR_NOMEM;
    a->m = m;
    if (esr_strmap_new(&a->cell_index) || esr_strmap_new(&a->tuples) || esr_strmap_new(&a->sets) ||
        esr_strmap_new(&a->org_index) || esr_strmap_new(&a->title_index)) {
        aggregate_free(a);
        return ESR_ERR_NOMEM;
    }
    *out = a;
    return ESR_OK;
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
    esr_strmap_free(a->tuples);
    esr_strmap_free(a->sets);
    free(a->sorted_cells);
    free(a->set_off);
    free(a->set_len);
    free(a->pool);
    free(a->scratch);
    for (int i = 0; i < PERSON_SHARDS; i++)
        u64map_free(&a->persons[i]);
    u64map_free(&a->combo_index);
    free(a->combos);
    esr_strmap_free(a->org_index);
    esr_buf_free(&a->key);
    esr_buf_free(&a->person);
    free(a);
}

/* Counts for org, created on first sight; NULL on no memory. An export's
 * rows come mostly in runs of one organisation: the totals' counts and
 * the last organisation's are found without a lookup. */
static esr_org_counts *org_counts(esr_aggregate *a, const char *org)
{
    if (!*org && a->org_all)
        return a->org_all;
    if (a->org_last && !strcmp(a->org_last->org, org))
        return a->org_last;
    size_t i, n = strlen(org);
    if (esr_strmap_get(a->org_index, org, n, &i)) {
        esr_org_counts *c = (esr_org_counts *)(uintptr_t)i;
        return *org ? (a->org_last = c) : (a->org_all = c);
    }
    if (esr_grow(&a->orgs, &a->orgs_cap, a->norgs + 1, sizeof *a->orgs, 16))
        return NULL;
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
    return *org ? (a->org_last = c) : (a->org_all = c);
}

/* Cell of (org, dim, prof, role, key), created if new, its id in *index; NULL on no memory. */
static esr_cell *cell_get(esr_aggregate *a, const char *org, esr_dim dim, const char *prof,
                          const char *role, const char *key, size_t *index)
{
    esr_buf *k = &a->key;
    esr_buf_reset(k);
    if (esr_buf_puts(k, org) || esr_buf_putc(k, '\x1f') || esr_buf_putc(k, (char)('A' + dim)) ||
        esr_buf_puts(k, prof) || esr_buf_putc(k, '\x1f') || esr_buf_puts(k, role) ||
        esr_buf_putc(k, '\x1f') || esr_buf_puts(k, key))
        return NULL;
    size_t i;
    if (esr_strmap_get(a->cell_index, a->key.data, a->key.len, &i)) {
        esr_cell *c = (esr_cell *)(uintptr_t)i;
        *index = c->id;
        return c;
    }
    if (esr_grow(&a->cells, &a->cells_cap, a->ncells + 1, sizeof *a->cells, 256) ||
        esr_grow(&a->sorted_cells, &a->sorted_cap, a->ncells + 2, sizeof *a->sorted_cells, 256))
        return NULL;
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

/* What the aggregate's own steps return: 0, -1 on no memory, or this when an
 * FTE total cannot be represented (aggregate_add maps them to esr_status). */
#define AGG_OVERFLOW (-2)

/* *total += v, unless the sum cannot be represented: then AGG_OVERFLOW
 * and *total is unchanged. */
static int fte_add(long long *total, long long v)
{
    long long s;
    if (__builtin_add_overflow(*total, v, &s))
        return AGG_OVERFLOW;
    *total = s;
    return 0;
}

/* Count r under its local title, standard title, profession and role for
 * org: one generic title ("Support Worker") can support several
 * professions, each a row of its own on the Job titles sheet. */
static int title_add(esr_aggregate *a, const char *org, const esr_record *r)
{
    const esr_mappings *m = a->m;
    const char *fields[8] = {
        org,
        r->f[ESR_COL_POSITION_TITLE],
        r->standard_title,
        m->prof[r->profession].name,
        m->roles[r->role].name,
        r->title_match,
        r->title_rule,
        r->title_suggestion,
    };
    size_t v;
    esr_title_stat *ts;
    int found;
    for (int pass = 0;; pass++) {
        esr_buf_reset(&a->key);
        for (int i = 0; i < 5; i++)
            if (esr_buf_puts(&a->key, fields[i]) || esr_buf_putc(&a->key, '\x1f'))
                return -1;
        found = esr_strmap_get(a->title_index, a->key.data, a->key.len, &v);
        if (found || pass || a->ntitles < ESR_AGG_MAX_TITLES)
            break;
        /* full: the organisation's pooled entry, made past the limit if need be */
        fields[1] = ESR_AGG_POOLED_TITLE;
        for (int i = 2; i < 8; i++)
            fields[i] = "";
        a->titles_pooled += !*org;
    }
    if (found) {
        ts = (esr_title_stat *)(uintptr_t)v;
    } else {
        size_t len[8], total = 0;
        for (int i = 0; i < 8; i++)
            total += (len[i] = strlen(fields[i]) + 1);
        if (esr_grow(&a->titles, &a->titles_cap, a->ntitles + 1, sizeof *a->titles, 256))
            return -1;
        if (!(ts = calloc(1, sizeof *ts + total)))
            return -1;
        char *s = (char *)(ts + 1);
        const char **dst[8] = {&ts->org,  &ts->title, &ts->standard_title, &ts->profession,
                               &ts->role, &ts->match, &ts->rule,           &ts->suggestion};
        for (int i = 0; i < 8; i++) {
            *dst[i] = memcpy(s, fields[i], len[i]);
            s += len[i];
        }
        ts->score = r->title_score;
        if (esr_strmap_put(a->title_index, a->key.data, a->key.len, (size_t)(uintptr_t)ts, NULL) <
            0) {
            free(ts);
            return -1;
        }
        a->titles[a->ntitles++] = ts;
        a->titles_sorted = 0;
    }
    ts->rows++;
    return fte_add(&ts->fte_e5, r->fte_e5);
}

/* Rows counted in a pooled Job titles entry (see aggregate.h). */
uint64_t aggregate_titles_pooled(const esr_aggregate *a)
{
    return a->titles_pooled;
}

/* qsort order for uint32_t values, ascending. */
static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Set id of the sorted, distinct cell ids ids[0..n), interning it. */
static int intern_set(esr_aggregate *a, const uint32_t *ids, size_t n, uint32_t *out)
{
    size_t v;
    if (esr_strmap_get(a->sets, (const char *)ids, n * sizeof *ids, &v)) {
        *out = (uint32_t)v;
        return 0;
    }
    if (a->nsets >= COMBO)
        return -1; /* a set id must not look like a combo node */
    if (a->nsets == a->sets_cap) {
        size_t cap = a->sets_cap ? a->sets_cap * 2 : 256;
        size_t *o = realloc(a->set_off, cap * sizeof *o);
        if (!o)
            return -1;
        a->set_off = o;
        uint32_t *l = realloc(a->set_len, cap * sizeof *l);
        if (!l)
            return -1;
        a->set_len = l;
        a->sets_cap = cap;
    }
    if (esr_grow(&a->pool, &a->pool_cap, a->pool_len + n, sizeof *a->pool, 4096))
        return -1;
    memcpy(a->pool + a->pool_len, ids, n * sizeof *ids);
    a->set_off[a->nsets] = a->pool_len;
    a->set_len[a->nsets] = (uint32_t)n;
    a->pool_len += n;
    if (esr_strmap_put(a->sets, (const char *)ids, n * sizeof *ids, a->nsets, NULL) < 0)
        return -1;
    *out = (uint32_t)a->nsets++;
    return 0;
}

/* Make room for n ids in the scratch array; 0 or -1. */
static int scratch_reserve(esr_aggregate *a, size_t n)
{
    if (n <= a->scratch_cap)
        return 0;
    uint32_t *s = realloc(a->scratch, n * sizeof *s);
    if (!s)
        return -1;
    a->scratch = s;
    a->scratch_cap = n;
    return 0;
}

#define MAX_RECORD_CELLS 64

/* A cell a record adds to, before it has an id. */
typedef struct want_cell {
    esr_dim dim;
    const char *prof, *role, *key;
} want_cell;

/* Append to ids[*n] the ids of cells want[0..nwant) of each of orgs; 0 or
 * -1 on no memory. */
static int want_ids(esr_aggregate *a, const char *const *orgs, int norgs, const want_cell *want,
                    int nwant, uint32_t *ids, size_t *n)
{
    for (int k = 0; k < norgs; k++)
        for (int w = 0; w < nwant; w++) {
            size_t id;
            if (!cell_get(a, orgs[k], want[w].dim, want[w].prof, want[w].role, want[w].key, &id))
                return -1;
            ids[(*n)++] = (uint32_t)id;
        }
    return 0;
}

/* The record shape in a->key: 1 and its set id in *out when already
 * interned, else 0 with the shape copied to *tkey (tlen bytes); -1 on no
 * memory. */
static int shape_lookup(esr_aggregate *a, uint32_t *out, char **tkey, size_t *tlen)
{
    size_t v;
    if (esr_strmap_get(a->tuples, a->key.data, a->key.len, &v)) {
        *out = (uint32_t)v;
        return 1;
    }
    *tlen = a->key.len;
    return (*tkey = strndup(a->key.data, a->key.len)) ? 0 : -1;
}

/* Intern ids (sorted here) as the cell set of shape tkey into *out, and
 * remember the shape; frees tkey. 0 or -1 on no memory. */
static int shape_intern(esr_aggregate *a, char *tkey, size_t tlen, uint32_t *ids, size_t n,
                        uint32_t *out)
{
    qsort(ids, n, sizeof *ids, cmp_u32);
    int st = intern_set(a, ids, n, out);
    if (!st && esr_strmap_put(a->tuples, tkey, tlen, *out, NULL) < 0)
        st = -1;
    free(tkey);
    return st;
}

/* Region of org: its NHS England region in organisations.csv, else
 * ESR_KEY_UNKNOWN_ORG. */
static const char *org_region(const esr_mappings *m, const char *org)
{
    const char *name, *region;
    mappings_org(m, org, &name, &region);
    return *region ? region : ESR_KEY_UNKNOWN_ORG;
}

/* Append to ids[*n] the national-layout cells of in-scope r for each org:
 * care setting (profession x role), staff group (profession x role) and
 * region (profession). 0 or -1 on no memory. */
static int national_in_cells(esr_aggregate *a, const esr_record *r, const char *const *orgs,
                             int norgs, uint32_t *ids, size_t *n)
{
    const esr_mappings *m = a->m;
    const char *prof = m->prof[r->profession].name, *role = m->roles[r->role].name;
    const char *cs = r->occ ? r->occ->care_setting : ESR_KEY_NO_CODE;
    const char *sg = r->occ ? r->occ->staff_group : ESR_KEY_NO_CODE;
    const char *region = org_region(m, orgs[norgs - 1]);
    want_cell want[8] = {
        {ESR_DIM_CARE_SETTING, prof, role, cs}, {ESR_DIM_CARE_SETTING, prof, "", cs},
        {ESR_DIM_CARE_SETTING, "", "", cs},     {ESR_DIM_STAFF_GROUP, prof, role, sg},
        {ESR_DIM_STAFF_GROUP, prof, "", sg},    {ESR_DIM_STAFF_GROUP, "", "", sg},
        {ESR_DIM_REGION, prof, "", region},     {ESR_DIM_REGION, "", "", region},
    };
    return want_ids(a, orgs, norgs, want, 8, ids, n);
}

/* The cells an out-of-scope row adds to, as an interned set id in *out, or
 * 1 when it adds to none: registered staff (by profession and by staff
 * group) and the other rows of support staff groups (by detailed group).
 * Zero-FTE rows add to none, as in national statistics. */
static int national_out_set(esr_aggregate *a, const esr_record *r, const char *const *orgs,
                            int norgs, uint32_t *out)
{
    const esr_occ *o = r->occ;
    if (!o || r->fte_e5 <= 0 || (!o->registered && !o->support_group))
        return 1;
    esr_buf_reset(&a->key);
    if (esr_buf_puts(&a->key, "\x01out\x1f") || esr_buf_puts(&a->key, orgs[norgs - 1]) ||
        esr_buf_putc(&a->key, '\x1f') || esr_buf_puts(&a->key, o->code))
        return -1;
    char *tkey;
    size_t tlen;
    int known = shape_lookup(a, out, &tkey, &tlen);
    if (known)
        return known > 0 ? 0 : -1;
    const char *prof = a->m->prof[o->profession].name;
    want_cell want[3] = {{ESR_DIM_REGISTERED, prof, "", ""},
                         {ESR_DIM_REGISTERED, "", "", ""},
                         {ESR_DIM_REGISTERED, "", "", o->staff_group}};
    if (o->support_group) {
        want[0] = (want_cell){ESR_DIM_STAFF_GROUP_OUT, "", o->detailed_group, o->staff_group};
        want[1] = (want_cell){ESR_DIM_STAFF_GROUP_OUT, "", "", o->staff_group};
        want[2] = (want_cell){ESR_DIM_STAFF_GROUP_OUT, "", "", ""};
    }
    uint32_t ids[6];
    size_t n = 0;
    if (want_ids(a, orgs, norgs, want, 3, ids, &n)) {
        free(tkey);
        return -1;
    }
    return shape_intern(a, tkey, tlen, ids, n, out);
}

/* The cells an in-scope record adds to, as an interned set id: computed
 * once per distinct record shape (org, profession, role, band, area,
 * training status). */
static int record_set(esr_aggregate *a, const esr_record *r, const char *const *orgs, int norgs,
                      uint32_t *out)
{
    const esr_mappings *m = a->m;
    const char *prof = m->prof[r->profession].name, *role = m->roles[r->role].name;
    const char *band = r->band >= 0              ? m->bands[r->band].name
                       : *r->f[ESR_COL_PAY_BAND] ? ESR_KEY_NOT_RECOGNISED
                                                 : ESR_KEY_NOT_RECORDED;
    const char *area = r->area >= 0                  ? m->areas[r->area]
                       : *r->f[ESR_COL_AREA_OF_WORK] ? ESR_KEY_NOT_RECOGNISED
                                                     : ESR_KEY_NOT_RECORDED;
    char level[32];
    aggregate_level_label(r->qualification_level, level);
    const char *appr = *r->apprenticeship ? r->apprenticeship : "none";
    const char *parts[9] = {
        orgs[norgs - 1],           prof, role, band, area, r->care_certificate, level, appr,
        r->occ ? r->occ->code : ""};
    esr_buf_reset(&a->key);
    for (int i = 0; i < 9; i++)
        if (esr_buf_puts(&a->key, parts[i]) || esr_buf_putc(&a->key, '\x1f'))
            return -1;
    char *tkey;
    size_t tlen;
    int known = shape_lookup(a, out, &tkey, &tlen);
    if (known)
        return known > 0 ? 0 : -1;
    const want_cell want[14] = {
        {ESR_DIM_PROFESSION_ROLE, prof, role, ""},
        {ESR_DIM_PROFESSION_ROLE, prof, "", ""},
        {ESR_DIM_PROFESSION_ROLE, "", role, ""},
        {ESR_DIM_PROFESSION_ROLE, "", "", ""},
        {ESR_DIM_BAND, prof, "", band},
        {ESR_DIM_BAND, "", "", band},
        {ESR_DIM_AREA, prof, "", area},
        {ESR_DIM_AREA, "", "", area},
        {ESR_DIM_CARE_CERTIFICATE, prof, "", r->care_certificate},
        {ESR_DIM_CARE_CERTIFICATE, "", "", r->care_certificate},
        {ESR_DIM_QUAL_LEVEL, prof, "", level},
        {ESR_DIM_QUAL_LEVEL, "", "", level},
        {ESR_DIM_APPRENTICESHIP, prof, "", appr},
        {ESR_DIM_APPRENTICESHIP, "", "", appr},
    };
    int nwant = *r->care_certificate ? 14 : 8; /* training dimensions only with --training */
    uint32_t ids[MAX_RECORD_CELLS];
    size_t n = 0;
    if (want_ids(a, orgs, norgs, want, nwant, ids, &n) ||
        national_in_cells(a, r, orgs, norgs, ids, &n)) {
        free(tkey);
        return -1;
    }
    return shape_intern(a, tkey, tlen, ids, n, out);
}

/* Non-zero if person value v (a set id or a combo chain) includes set s. */
static int chain_has_set(const esr_aggregate *a, uint32_t v, uint32_t s)
{
    for (; v & COMBO; v = a->combos[v & ~COMBO].prev)
        if (a->combos[v & ~COMBO].set == s)
            return 1;
    return v == s;
}

/* Mark in flags[i] each cell ids[i] (sorted, n of them) that set t holds. */
static void mark_held(const esr_aggregate *a, uint32_t t, const uint32_t *ids, size_t n,
                      uint32_t *flags)
{
    const uint32_t *ts = a->pool + a->set_off[t];
    size_t nt = a->set_len[t], i = 0, j = 0;
    while (i < n && j < nt) {
        if (ids[i] < ts[j])
            i++;
        else if (ts[j] < ids[i])
            j++;
        else
            flags[i++] = 1, j++;
    }
}

/* The combo node (prev, then set s), made once; COMBO | index in *out. */
static int combo_intern(esr_aggregate *a, uint32_t prev, uint32_t s, uint32_t *out)
{
    int added;
    if (a->ncombos >= COMBO - 1 || /* 2^31 nodes: cannot be told from a set id */
        esr_grow(&a->combos, &a->combos_cap, a->ncombos + 1, sizeof *a->combos, 256))
        return -1;
    uint32_t *v = u64map_upsert(&a->combo_index, (uint64_t)prev << 32 | s,
                                COMBO | (uint32_t)a->ncombos, &added);
    if (!v)
        return -1;
    if (added)
        a->combos[a->ncombos++] = (combo_node){prev, s};
    *out = *v;
    return 0;
}

/* Add the person's headcount to the cells of set s they were not yet
 * counted in, and remember s in their chain if it added any. */
static int count_person(esr_aggregate *a, uint64_t person, uint32_t s)
{
    int added;
    uint32_t *slot = u64map_upsert(&a->persons[person >> 58], person, s, &added);
    if (!slot)
        return -1;
    const uint32_t *ns = a->pool + a->set_off[s];
    size_t nn = a->set_len[s], fresh = 0;
    if (added) {
        for (size_t i = 0; i < nn; i++)
            a->cells[ns[i]]->headcount++;
        return 0;
    }
    uint32_t v = *slot;
    if (chain_has_set(a, v, s))
        return 0;
    if (scratch_reserve(a, nn))
        return -1;
    memset(a->scratch, 0, nn * sizeof *a->scratch);
    uint32_t w = v;
    for (; w & COMBO; w = a->combos[w & ~COMBO].prev)
        mark_held(a, a->combos[w & ~COMBO].set, ns, nn, a->scratch);
    mark_held(a, w, ns, nn, a->scratch);
    for (size_t i = 0; i < nn; i++)
        if (!a->scratch[i]) {
            a->cells[ns[i]]->headcount++;
            fresh++;
        }
    /* the persons map is not touched meanwhile: slot is still valid */
    return fresh ? combo_intern(a, v, s, slot) : 0;
}

/* Add r's FTE and a row to every cell of set, and the person's headcount
 * to those they were not yet counted in. */
static int count_set(esr_aggregate *a, const esr_record *r, const char *org, const char *person,
                     uint32_t set)
{
    const uint32_t *ids = a->pool + a->set_off[set];
    for (uint32_t i = 0; i < a->set_len[set]; i++) {
        if (fte_add(&a->cells[ids[i]]->fte_e5, r->fte_e5))
            return AGG_OVERFLOW;
        a->cells[ids[i]]->rows++;
    }
    /* a person is one per organisation: the key is (org, person) */
    esr_buf_reset(&a->key);
    if (esr_buf_puts(&a->key, org) || esr_buf_putc(&a->key, '\x1f') ||
        esr_buf_puts(&a->key, person))
        return -1;
    return count_person(a, esr_hash64(a->key.data, a->key.len), set);
}

/* The qualification_level key of level (see aggregate.h). */
void aggregate_level_label(int level, char out[32])
{
    if (level)
        snprintf(out, 32, "Level %d", level);
    else
        snprintf(out, 32, "none recorded");
}

/* Count a record of any scope, and add an in-scope one to its cells: 0, -1
 * on no memory, or AGG_OVERFLOW. */
static int add_record(esr_aggregate *a, const esr_record *r, const char *person)
{
    if (!*person) { /* no employee number: the row counts as a person of its own */
        esr_buf_reset(&a->person);
        if (esr_buf_printf(&a->person, "\x1e%s:%llu", r->source, (unsigned long long)r->line))
            return -1;
        person = a->person.data;
    }
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
        if (fte_add(&oc->in_scope_fte_e5, r->fte_e5))
            return AGG_OVERFLOW;
        for (size_t i = 0; i < r->nfindings; i++) {
            oc->findings[r->findings[i].rule]++;
            if (fte_add(&oc->findings_fte_e5[r->findings[i].rule], r->fte_e5))
                return AGG_OVERFLOW;
        }
    }
    if (r->scope == ESR_SCOPE_REJECTED)
        return 0;
    uint32_t set;
    if (r->scope == ESR_SCOPE_OUT) {
        int st = national_out_set(a, r, orgs, norgs, &set);
        return st ? (st > 0 ? 0 : -1) : count_set(a, r, org, person, set);
    }
    if (record_set(a, r, orgs, norgs, &set))
        return -1;
    int cs = count_set(a, r, org, person, set);
    if (cs)
        return cs;
    for (int k = 0; k < norgs; k++) {
        int t = title_add(a, orgs[k], r);
        if (t)
            return t;
    }
    return 0;
}

/* Count a record (see aggregate.h). */
esr_status aggregate_add(esr_aggregate *a, const esr_record *r, const char *person)
{
    int rc = add_record(a, r, person);
    return !rc ? ESR_OK : rc == AGG_OVERFLOW ? ESR_ERR_INPUT_FORMAT : ESR_ERR_NOMEM;
}

/* Order of summary rows (see aggregate.h). */
int aggregate_key_cmp(esr_dim da, const char *pa, const char *ra, const char *ka, esr_dim db,
                      const char *pb, const char *rb, const char *kb)
{
    int c;
    if (da != db)
        return da < db ? -1 : 1;
    if ((c = strcmp(pa, pb)))
        return c;
    if ((c = strcmp(ra, rb)))
        return c;
    return strcmp(ka, kb);
}

/* Cell order: org, then the summary row order. */
static int cell_cmp(const void *x, const void *y)
{
    const esr_cell *a = *(const esr_cell *const *)x, *b = *(const esr_cell *const *)y;
    int c = strcmp(a->org, b->org);
    return c ? c
             : aggregate_key_cmp(a->dim, a->profession, a->role, a->key, b->dim, b->profession,
                                 b->role, b->key);
}

/* Organisation counts by org code. */
static int org_cmp(const void *x, const void *y)
{
    return strcmp((*(const esr_org_counts *const *)x)->org,
                  (*(const esr_org_counts *const *)y)->org);
}

/* Cells sorted by org, dimension, profession, role, key ("" first). */
size_t aggregate_cells(esr_aggregate *a, const esr_cell ***out)
{
    if (!a->sorted) {
        /* qsort with a NULL base is undefined even for 0 elements; the room
         * was made as cells were added, so only "no cells" can fail here */
        if (esr_grow(&a->sorted_cells, &a->sorted_cap, a->ncells + 1, sizeof *a->sorted_cells,
                     256)) {
            *out = NULL;
            return 0;
        }
        if (a->ncells) {
            memcpy(a->sorted_cells, a->cells, a->ncells * sizeof *a->cells);
            qsort(a->sorted_cells, a->ncells, sizeof *a->sorted_cells, cell_cmp);
        }
        if (a->norgs)
            qsort(a->orgs, a->norgs, sizeof *a->orgs, org_cmp);
        a->sorted = 1;
    }
    *out = (const esr_cell **)a->sorted_cells;
    return a->ncells;
}

/* Title stats by org, local title, standard title. */
static int title_cmp(const void *x, const void *y)
{
    const esr_title_stat *a = *(const esr_title_stat *const *)x,
                         *b = *(const esr_title_stat *const *)y;
    int c;
    if ((c = strcmp(a->org, b->org)) || (c = strcmp(a->title, b->title)) ||
        (c = strcmp(a->standard_title, b->standard_title)) ||
        (c = strcmp(a->profession, b->profession)))
        return c;
    return strcmp(a->role, b->role);
}

/* Local titles of in-scope rows, sorted by org, title, standard title,
 * profession, role. */
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
