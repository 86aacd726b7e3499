/* consolidate.c - the `consolidate` command: read trusts' returns, keep one
 * per organisation, add them up exactly, and write the regional return. */
#include "consolidate.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "consolidate_return.h"
#include "consolidate_xlsx.h"
#include "csvout.h"
#include "json.h"
#include "outdir.h"
#include "run_json.h"
#include "strmap.h"
#include "text.h"
#include "write_csv.h"

typedef struct cons_ctx {
    const esr_cons_opts *o;
    esr_err *err;
    esr_mappings *m;
    int col_name, col_region, col_type; /* organisations.csv columns */
    esr_trust_return **rets;            /* every return given (sorted) */
    size_t nrets;
    esr_trust_return **kept; /* one per organisation */
    size_t nkept;
    esr_region_org *orgs;
    size_t norgs;
    esr_region_skip *skipped;
    size_t nskipped;
    esr_region_missing *missing;
    size_t nmissing;
    esr_sumrow *totals;
    size_t ntotals;
    esr_ret_rule *rules;
    size_t nrules;
    esr_buf warnings; /* '\x1f'-separated, for run.json */
    const char *region;
    esr_region reg;
} cons_ctx;

/* Fill opts with the documented defaults. */
void consolidate_opts_default(esr_cons_opts *o)
{
    memset(o, 0, sizeof *o);
    o->outdir = "output/region";
    o->mappings_dir = "mappings";
    o->tool_version = "esrpipe";
}

/* A warning: to the caller's log and to run.json. */
static void warn(cons_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Format the warning, add it to the run.json list and pass it to the log. */
static void warn(cons_ctx *c, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (c->warnings.len)
        esr_buf_putc(&c->warnings, '\x1f');
    esr_buf_puts(&c->warnings, buf);
    if (c->o->log)
        c->o->log(c->o->log_ctx, buf);
}

/* Row of organisations.csv for an ODS code, or -1. */
static long org_row(const cons_ctx *c, const char *code)
{
    size_t i;
    return esr_strmap_get(c->m->org_by_code, code, strlen(code), &i) ? (long)i : -1;
}

/* Add a return that is left out, with the reason. */
static esr_status skip(cons_ctx *c, const esr_trust_return *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record r as left out with a printf-style reason; ESR_OK or out of memory. */
static esr_status skip(cons_ctx *c, const esr_trust_return *r, const char *fmt, ...)
{
    esr_region_skip *s = &c->skipped[c->nskipped];
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!(s->reason = strdup(buf)))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    s->org = r->org;
    s->snapshot = r->snapshot;
    s->dir = r->dir;
    c->nskipped++;
    return ESR_OK;
}

/* The canonical spelling of --region (case-insensitive) or a usage error. */
static esr_status match_region(cons_ctx *c, const char *want)
{
    const esr_table *t = c->m->t_orgs;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *reg = table_get(t, i, c->col_region);
        if (*reg && !strcasecmp(reg, want)) {
            c->region = reg;
            return ESR_OK;
        }
    }
    esr_buf list = {0};
    for (size_t i = 0; i < t->nrows; i++) {
        const char *reg = table_get(t, i, c->col_region);
        int seen = !*reg;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(reg, table_get(t, k, c->col_region));
        if (!seen)
            esr_buf_printf(&list, "%s\"%s\"", list.len ? ", " : "", reg);
    }
    esr_status st = esr_err_set(
        c->err, ESR_ERR_USAGE, "--region %s: no organisation of that region in %s; regions are: %s",
        want, t->path, list.len ? esr_buf_str(&list) : "(none)");
    esr_buf_free(&list);
    return st;
}

/* Returns by organisation, snapshot date, directory. */
static int ret_cmp(const void *x, const void *y)
{
    const esr_trust_return *a = *(esr_trust_return *const *)x, *b = *(esr_trust_return *const *)y;
    int c;
    if ((c = strcmp(a->org, b->org)) || (c = strcmp(a->snapshot, b->snapshot)))
        return c;
    return strcmp(a->dir, b->dir);
}

/* Load and check every return before anything is written. */
static esr_status load_returns(cons_ctx *c)
{
    const esr_cons_opts *o = c->o;
    if (!(c->rets = calloc(o->nreturns, sizeof *c->rets)) ||
        !(c->kept = calloc(o->nreturns, sizeof *c->kept)) ||
        !(c->skipped = calloc(o->nreturns, sizeof *c->skipped)))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < o->nreturns; i++) {
        esr_status st = trustret_load(o->returns[i], ESR_TEMPLATE_VERSION, &c->rets[i], c->err);
        if (st)
            return st;
        c->nrets++;
    }
    /* from here on the order of the arguments makes no difference */
    qsort(c->rets, c->nrets, sizeof *c->rets, ret_cmp);
    for (size_t i = 0; i < c->nrets; i++)
        if (c->rets[i]->warning[0])
            warn(c, "%s", c->rets[i]->warning);
    return ESR_OK;
}

/* One return per organisation: the latest snapshot wins. */
static esr_status keep_latest(cons_ctx *c)
{
    esr_strmap *by_org;
    esr_status st = ESR_OK;
    if (esr_strmap_new(&by_org))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->nrets; i++) {
        esr_trust_return *r = c->rets[i];
        size_t k;
        int put = esr_strmap_put(by_org, r->org, strlen(r->org), c->nkept, &k);
        if (put < 0) {
            st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
            break;
        }
        if (put == 1) {
            c->kept[c->nkept++] = r;
            continue;
        }
        esr_trust_return *prev = c->kept[k];
        int cmp = strcmp(r->snapshot, prev->snapshot);
        if (cmp == 0 && !strcmp(r->summary_sha256, prev->summary_sha256)) {
            /* the same figures twice: keep one, whatever the argument order */
            esr_trust_return *keep = strcmp(r->dir, prev->dir) < 0 ? r : prev;
            esr_trust_return *drop = keep == r ? prev : r;
            warn(c,
                 "%s: %s and %s hold the same return (snapshot %s, identical summary.csv): "
                 "counted once",
                 r->org, keep->dir, drop->dir, *r->snapshot ? r->snapshot : "not given");
            if ((st = skip(c, drop, "the same return as %s (given twice)", keep->dir)))
                break;
            c->kept[k] = keep;
            continue;
        }
        if (cmp == 0) {
            st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                             "%s: two different returns with the same snapshot date (%s): %s and "
                             "%s; give only the one to consolidate",
                             r->org, *r->snapshot ? r->snapshot : "not given", prev->dir, r->dir);
            break;
        }
        esr_trust_return *newer = cmp > 0 ? r : prev, *older = cmp > 0 ? prev : r;
        warn(c,
             "%s: two returns, %s (snapshot %s) and %s (snapshot %s): keeping the latest "
             "snapshot, %s",
             r->org, older->dir, *older->snapshot ? older->snapshot : "not given", newer->dir,
             newer->snapshot, newer->dir);
        if ((st = skip(c, older, "superseded by the later snapshot %s in %s", newer->snapshot,
                       newer->dir)))
            break;
        c->kept[k] = newer;
    }
    esr_strmap_free(by_org);
    return st;
}

/* The region of the returns when --region is not given: c->region, or a
 * usage error listing them when they span several. */
static esr_status region_of_returns(cons_ctx *c)
{
    esr_status st;
    const esr_table *t = c->m->t_orgs;
    esr_buf list = {0};
    const char *first = table_get(t, (size_t)org_row(c, c->kept[0]->org), c->col_region);
    int several = 0;
    for (size_t i = 0; i < c->nkept; i++) {
        const char *reg = table_get(t, (size_t)org_row(c, c->kept[i]->org), c->col_region);
        several |= strcmp(reg, first) != 0;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(reg, table_get(t, (size_t)org_row(c, c->kept[k]->org), c->col_region));
        if (seen)
            continue;
        size_t n = 0;
        for (size_t k = i; k < c->nkept; k++)
            n += !strcmp(reg, table_get(t, (size_t)org_row(c, c->kept[k]->org), c->col_region));
        esr_buf_printf(&list, "%s%s (%zu)", list.len ? ", " : "", *reg ? reg : "no region", n);
    }
    if (several) {
        st = esr_err_set(c->err, ESR_ERR_USAGE,
                         "the returns span several regions: %s; choose one with --region NAME",
                         esr_buf_str(&list));
        esr_buf_free(&list);
        return st;
    }
    esr_buf_free(&list);
    if (!*first)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s: organisation %s has no region in %s: give --region NAME",
                           c->kept[0]->dir, c->kept[0]->org, t->path);
    c->region = first;
    return ESR_OK;
}

/* The region: --region, or the one region of the returns. Returns of
 * other regions are left out (with --region) or refused (without). */
static esr_status choose_region(cons_ctx *c)
{
    esr_status st;
    const esr_table *t = c->m->t_orgs;
    for (size_t i = 0; i < c->nkept; i++)
        if (org_row(c, c->kept[i]->org) < 0)
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s: organisation %s is not in %s, so its region is unknown: add it "
                               "there (ods_code,name,region,trust_type) or leave this return out",
                               c->kept[i]->dir, c->kept[i]->org, t->path);
    if (c->o->region) {
        if ((st = match_region(c, c->o->region)))
            return st;
    } else if ((st = region_of_returns(c))) {
        return st;
    }
    if (!(c->orgs = calloc(c->nkept + 1, sizeof *c->orgs)))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    esr_buf others = {0};
    size_t nothers = 0;
    for (size_t i = 0; i < c->nkept; i++) {
        esr_trust_return *r = c->kept[i];
        size_t row = (size_t)org_row(c, r->org);
        const char *reg = table_get(t, row, c->col_region);
        if (strcmp(reg, c->region)) {
            if (nothers++ < 10)
                esr_buf_printf(&others, "%s%s (%s)", others.len ? ", " : "", r->org,
                               *reg ? reg : "no region");
            if ((st = skip(c, r, "in region %s, not %s", *reg ? reg : "(none)", c->region))) {
                esr_buf_free(&others);
                return st;
            }
            continue;
        }
        esr_region_org *o = &c->orgs[c->norgs++];
        o->ret = r;
        o->name = table_get(t, row, c->col_name);
        o->trust_type = table_get(t, row, c->col_type);
    }
    if (nothers)
        warn(c, "%zu return%s of other regions left out: %s%s", nothers, nothers == 1 ? "" : "s",
             esr_buf_str(&others), nothers > 10 ? ", ..." : "");
    esr_buf_free(&others);
    if (!c->norgs && c->nrets == 1)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "the return given is not from an organisation of %s", c->region);
    if (!c->norgs)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "none of the %zu returns given is from an organisation of %s", c->nrets,
                           c->region);
    return ESR_OK;
}

/* Returns left out: by organisation, then directory. */
static int skip_cmp(const void *x, const void *y)
{
    const esr_region_skip *a = x, *b = y;
    int c = strcmp(a->org, b->org);
    return c ? c : strcmp(a->dir, b->dir);
}

/* Included organisations by ODS code. */
static int org_cmp(const void *x, const void *y)
{
    return strcmp(((const esr_region_org *)x)->ret->org, ((const esr_region_org *)y)->ret->org);
}

/* Findings by count (most first), then rule. */
static int rule_cmp(const void *x, const void *y)
{
    const esr_ret_rule *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Regional totals: FTE summed exactly, headcount summed; counts; findings. */
static esr_status add_up(cons_ctx *c)
{
    esr_strmap *cells, *rules;
    esr_strmap_new(&cells); /* NULL on no memory: checked below */
    esr_strmap_new(&rules);
    esr_buf key = {0};
    esr_status st = ESR_OK;
    size_t nrows = 0, nrules = 0;
    for (size_t i = 0; i < c->norgs; i++) {
        nrows += c->orgs[i].ret->nrows;
        nrules += c->orgs[i].ret->nrules;
    }
    c->totals = calloc(nrows + 1, sizeof *c->totals);
    c->rules = calloc(nrules + 1, sizeof *c->rules);
    if (!cells || !rules || !c->totals || !c->rules) {
        st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    esr_region *g = &c->reg;
    for (size_t i = 0; i < c->norgs; i++) {
        const esr_trust_return *r = c->orgs[i].ret;
        for (size_t k = 0; k < r->nrows; k++) {
            const esr_sumrow *s = &r->rows[k];
            esr_buf_reset(&key);
            if (esr_buf_printf(&key, "%d\x1f%s\x1f%s\x1f%s", (int)s->dim, s->profession, s->role,
                               s->key)) {
                st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
                goto done;
            }
            size_t at;
            int put = esr_strmap_put(cells, key.data, key.len, c->ntotals, &at);
            if (put < 0) {
                st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
                goto done;
            }
            if (put == 1) {
                at = c->ntotals++;
                c->totals[at] = *s;
                c->totals[at].fte_e5 = 0;
                c->totals[at].headcount = 0;
            }
            c->totals[at].fte_e5 += s->fte_e5;
            c->totals[at].headcount += s->headcount;
        }
        for (size_t k = 0; k < r->nrules; k++) {
            const esr_ret_rule *ru = &r->rules[k];
            size_t at;
            int put = esr_strmap_put(rules, ru->id, strlen(ru->id), c->nrules, &at);
            if (put < 0) {
                st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
                goto done;
            }
            if (put == 1) {
                at = c->nrules++;
                c->rules[at] = *ru;
                c->rules[at].count = 0;
                c->rules[at].fte_e5 = 0;
            }
            c->rules[at].count += ru->count;
            c->rules[at].fte_e5 += ru->fte_e5;
        }
        g->rows_read += r->rows_read;
        g->in_scope += r->in_scope;
        g->out_of_scope += r->out_of_scope;
        g->rejected += r->rejected;
        g->in_scope_fte_e5 += r->in_scope_fte_e5;
    }
    qsort(c->totals, c->ntotals, sizeof *c->totals, sumrow_cmp);
    qsort(c->rules, c->nrules, sizeof *c->rules, rule_cmp);
done:
    esr_buf_free(&key);
    esr_strmap_free(cells);
    esr_strmap_free(rules);
    return st;
}

/* Expected organisations of the region (organisations.csv) not included. */
static esr_status find_missing(cons_ctx *c)
{
    const esr_table *t = c->m->t_orgs;
    int col_code = table_col(t, "ods_code");
    esr_strmap *have;
    if (esr_strmap_new(&have) || !(c->missing = calloc(t->nrows + 1, sizeof *c->missing))) {
        esr_strmap_free(have);
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->norgs; i++)
        if (esr_strmap_put(have, c->orgs[i].ret->org, strlen(c->orgs[i].ret->org), i, NULL) < 0) {
            esr_strmap_free(have);
            return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        }
    for (size_t i = 0; i < t->nrows; i++) {
        const char *code = table_get(t, i, col_code);
        size_t ignored;
        if (!*code || strcmp(table_get(t, i, c->col_region), c->region) ||
            esr_strmap_get(have, code, strlen(code), &ignored))
            continue;
        esr_region_missing *m = &c->missing[c->nmissing++];
        m->org = code;
        m->name = table_get(t, i, c->col_name);
        m->trust_type = table_get(t, i, c->col_type);
    }
    esr_strmap_free(have);
    for (size_t i = 1; i < c->nmissing; i++) /* insertion sort by code */
        for (size_t k = i; k > 0 && strcmp(c->missing[k - 1].org, c->missing[k].org) > 0; k--) {
            esr_region_missing tmp = c->missing[k];
            c->missing[k] = c->missing[k - 1];
            c->missing[k - 1] = tmp;
        }
    return ESR_OK;
}

/* A return's snapshot date (pass 0) or mapping tables (pass 1), as text. */
static const char *mixed_key(const esr_trust_return *r, int pass, char *buf, size_t n)
{
    if (!pass)
        return r->snapshot;
    snprintf(buf, n, "%s (tables %.12s)", *r->mapping_version ? r->mapping_version : "?",
             r->mapping_sha256);
    return buf;
}

/* Say when the included returns differ in snapshot date or mapping tables. */
static void check_mixed(cons_ctx *c)
{
    esr_buf list = {0};
    const char *latest = "";
    for (size_t i = 0; i < c->norgs; i++)
        if (strcmp(c->orgs[i].ret->snapshot, latest) > 0)
            latest = c->orgs[i].ret->snapshot;
    c->reg.snapshot = latest;
    for (int pass = 0; pass < 2; pass++) {
        esr_buf_reset(&list);
        size_t distinct = 0;
        for (size_t i = 0; i < c->norgs; i++) {
            char vb[128], qb[128];
            const char *v = mixed_key(c->orgs[i].ret, pass, vb, sizeof vb);
            int seen = 0;
            for (size_t k = 0; k < i && !seen; k++)
                seen = !strcmp(v, mixed_key(c->orgs[k].ret, pass, qb, sizeof qb));
            if (seen)
                continue;
            distinct++;
            esr_buf_printf(&list, "%s%s:", list.len ? "; " : "", *v ? v : "(not given)");
            size_t shown = 0, n = 0;
            for (size_t k = i; k < c->norgs; k++) {
                const esr_trust_return *q = c->orgs[k].ret;
                if (strcmp(v, mixed_key(q, pass, qb, sizeof qb)))
                    continue;
                if (shown++ < 8)
                    esr_buf_printf(&list, " %s", q->org);
                n++;
            }
            if (n > shown)
                esr_buf_printf(&list, " and %zu more", n - shown);
        }
        if (distinct < 2)
            continue;
        if (pass)
            warn(c, "the returns were classified with different mapping tables: %s",
                 esr_buf_str(&list));
        else {
            c->reg.mixed_snapshots = 1;
            warn(c,
                 "the returns have different snapshot dates: %s; the regional return is dated "
                 "%s, the latest",
                 esr_buf_str(&list), latest);
        }
    }
    esr_buf_free(&list);
}

/* ---- outputs --------------------------------------------------------- */

/* summary.csv: regional totals (org_code empty), then one block per organisation. */
static esr_status write_summary_csv(cons_ctx *c, esr_outdir *d)
{
    FILE *fp;
    esr_status st = outdir_file(d, "summary.csv", &fp, c->err);
    if (st)
        return st;
    esr_buf line = {0};
    int bad = fputs(ESR_SUMMARY_HEADER "\n", fp) < 0;
    for (size_t i = 0; i < c->ntotals; i++)
        bad |= write_summary_line(&line, fp, "", c->totals[i].dim, c->totals[i].profession,
                                  c->totals[i].role, c->totals[i].key, c->totals[i].fte_e5,
                                  c->totals[i].headcount);
    for (size_t i = 0; i < c->norgs; i++) {
        const esr_trust_return *r = c->orgs[i].ret;
        for (size_t k = 0; k < r->nrows; k++)
            bad |= write_summary_line(&line, fp, r->org, r->rows[k].dim, r->rows[k].profession,
                                      r->rows[k].role, r->rows[k].key, r->rows[k].fte_e5,
                                      r->rows[k].headcount);
    }
    esr_buf_free(&line);
    if (bad || ferror(fp))
        return esr_err_set(c->err, ESR_ERR_IO, "%s/summary.csv: write failed", outdir_dir(d));
    return ESR_OK;
}

/* One entry of run.json "returns_included": a trust's return as read. */
static void run_json_return(esr_json *j, const esr_region_org *o)
{
    const esr_trust_return *r = o->ret;
    json_open(j, NULL, '{');
    json_str(j, "org_code", r->org);
    json_str(j, "name", o->name);
    json_str(j, "trust_type", o->trust_type);
    json_str(j, "snapshot_date", r->snapshot);
    json_str(j, "return_dir", r->dir);
    json_str(j, "template_version", r->template_version);
    json_str(j, "tool", r->tool);
    json_str(j, "classify_mode", r->classify_mode);
    run_json_mappings(j, r->mapping_version, r->mapping_sha256);
    json_str(j, "summary_sha256", r->summary_sha256);
    json_open(j, "inputs", '[');
    for (size_t k = 0; k < r->ninputs; k++) {
        json_open(j, NULL, '{');
        json_file(j, "name", r->inputs[k].name, r->inputs[k].bytes, r->inputs[k].sha256);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_open(j, "counts", '{');
    run_json_counts(j, &(esr_rj_counts){r->rows_read, r->in_scope, r->out_of_scope, r->rejected,
                                        r->in_scope_fte_e5});
    json_u64(j, "unmapped_titles", r->unmapped);
    json_close(j, '}');
    json_close(j, '}');
}

/* run.json "organisations_missing" and "returns_not_included". */
static void run_json_left_out(cons_ctx *c, esr_json *j)
{
    json_open(j, "organisations_missing", '[');
    for (size_t i = 0; i < c->nmissing; i++)
        json_str(j, NULL, c->missing[i].org);
    json_close(j, ']');
    json_open(j, "returns_not_included", '[');
    for (size_t i = 0; i < c->nskipped; i++) {
        json_open(j, NULL, '{');
        json_str(j, "org_code", c->skipped[i].org);
        json_str(j, "snapshot_date", c->skipped[i].snapshot);
        json_str(j, "return_dir", c->skipped[i].dir);
        json_str(j, "reason", c->skipped[i].reason);
        json_close(j, '}');
    }
    json_close(j, ']');
}

/* run.json "warnings": the warnings said while consolidating. */
static void run_json_warnings(cons_ctx *c, esr_json *j)
{
    json_open(j, "warnings", '[');
    const char *p = esr_buf_str(&c->warnings);
    while (*p) {
        size_t n = strcspn(p, "\x1f");
        char *w = strndup(p, n);
        json_str(j, NULL, w ? w : "");
        free(w);
        p += n + (p[n] != '\0');
    }
    json_close(j, ']');
}

/* run.json: what was consolidated, from where, and what is missing. */
static esr_status write_run_json(cons_ctx *c, esr_outdir *d)
{
    esr_run_json rj;
    esr_status st = run_json_open(&rj, d, c->o->tool_version, "consolidate", c->err);
    if (st)
        return st;
    const esr_region *g = &c->reg;
    esr_json *j = &rj.j;
    json_str(j, "region", c->region);
    json_str(j, "snapshot_date", g->snapshot);
    json_raw(j, "snapshot_dates_mixed", g->mixed_snapshots ? "true" : "false");
    run_json_mappings(j, c->m->version, c->m->sha256);
    json_str(j, "headcount_method", ESR_REGION_HEADCOUNT_NOTE);
    json_open(j, "returns_included", '[');
    for (size_t i = 0; i < c->norgs; i++)
        run_json_return(j, &c->orgs[i]);
    json_close(j, ']');
    run_json_left_out(c, j);
    json_open(j, "counts", '{');
    json_u64(j, "returns_included", c->norgs);
    json_u64(j, "organisations_expected", c->norgs + c->nmissing);
    json_u64(j, "organisations_missing", c->nmissing);
    run_json_counts(j, &(esr_rj_counts){g->rows_read, g->in_scope, g->out_of_scope, g->rejected,
                                        g->in_scope_fte_e5});
    json_close(j, '}');
    json_open(j, "findings_by_rule", '{');
    for (size_t i = 0; i < c->nrules; i++)
        run_json_finding(j, c->rules[i].id, c->rules[i].severity, c->rules[i].count,
                         c->rules[i].fte_e5);
    json_close(j, '}');
    run_json_warnings(c, j);
    if ((st = run_json_outputs(&rj, c->err)))
        return st;
    return run_json_close(&rj, c->err);
}

/* Refuse an output directory that is one of the returns being read, or
 * that holds a trust's return (its run.json would be replaced). */
static esr_status check_outdir(cons_ctx *c)
{
    char out[PATH_MAX], in[PATH_MAX];
    if (!realpath(c->o->outdir, out))
        return ESR_OK; /* does not exist yet */
    for (size_t i = 0; i < c->nrets; i++)
        if (realpath(c->rets[i]->dir, in) && !strcmp(in, out))
            return esr_err_set(c->err, ESR_ERR_USAGE,
                               "-o %s is one of the returns being consolidated: choose another "
                               "output directory",
                               c->o->outdir);
    esr_buf path = {0};
    FILE *fp = NULL;
    esr_status st = ESR_OK;
    if (esr_buf_printf(&path, "%s/run.json", out))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    if ((fp = fopen(esr_buf_str(&path), "rb"))) {
        char head[4096];
        size_t n = fread(head, 1, sizeof head - 1, fp);
        head[n] = '\0';
        if (strstr(head, "\"command\": \"run\""))
            st = esr_err_set(c->err, ESR_ERR_USAGE,
                             "-o %s holds a trust's return (run.json of `esrpipe run`), which "
                             "consolidation would replace: choose another output directory",
                             c->o->outdir);
        fclose(fp);
    }
    esr_buf_free(&path);
    return st;
}

/* Write return.xlsx, summary.csv and run.json, then commit them together. */
static esr_status write_outputs(cons_ctx *c)
{
    esr_outdir *d = NULL;
    esr_status st;
    const char *xpath, *scratch;
    if ((st = outdir_open_wait(c->o->outdir, c->o->wait_s, "consolidate", &d, c->err)) ||
        (st = write_summary_csv(c, d)) || (st = outdir_path(d, "return.xlsx", &xpath, c->err)) ||
        (st = outdir_scratch(d, &scratch, c->err)) ||
        (st = region_xlsx_write(xpath, scratch, &c->reg, c->err)) || (st = write_run_json(c, d)) ||
        (st = outdir_finish(d, c->err)) || (st = outdir_commit(d, c->err)))
        goto done;
done:
    outdir_free(d); /* removes the temporaries unless committed */
    return st;
}

/* Consolidate the returns into opts->outdir. */
esr_status consolidate_run(const esr_cons_opts *o, esr_cons_result *res, esr_err *err)
{
    cons_ctx c = {0};
    esr_mappings *owned = NULL;
    esr_status st;
    c.o = o;
    c.err = err;
    if (!o->nreturns)
        return esr_err_set(err, ESR_ERR_USAGE, "consolidate: no return directories given");
    if (o->mappings)
        c.m = (esr_mappings *)o->mappings;
    else if ((st = mappings_open(o->mappings_dir, &owned, err)))
        return st;
    else
        c.m = owned;
    c.col_name = table_col(c.m->t_orgs, "name");
    c.col_region = table_col(c.m->t_orgs, "region");
    c.col_type = table_col(c.m->t_orgs, "trust_type");
    if (o->region && (st = match_region(&c, o->region)))
        goto done;
    if ((st = load_returns(&c)) || (st = keep_latest(&c)) || (st = choose_region(&c)))
        goto done;
    qsort(c.orgs, c.norgs, sizeof *c.orgs, org_cmp);
    qsort(c.skipped, c.nskipped, sizeof *c.skipped, skip_cmp);
    if ((st = add_up(&c)) || (st = find_missing(&c)))
        goto done;
    check_mixed(&c);
    if ((st = check_outdir(&c)))
        goto done;
    esr_region *g = &c.reg;
    g->tool_version = o->tool_version;
    g->template_version = ESR_TEMPLATE_VERSION;
    g->region = c.region;
    g->created = text_date_time(g->snapshot);
    g->m = c.m;
    g->orgs = c.orgs;
    g->norgs = c.norgs;
    g->totals = c.totals;
    g->ntotals = c.ntotals;
    g->missing = c.missing;
    g->nmissing = c.nmissing;
    g->skipped = c.skipped;
    g->nskipped = c.nskipped;
    g->rules = c.rules;
    g->nrules = c.nrules;
    if ((st = write_outputs(&c)))
        goto done;
    if (res) {
        snprintf(res->region, sizeof res->region, "%s", c.region);
        res->included = c.norgs;
        res->missing = c.nmissing;
        res->skipped = c.nskipped;
    }
done:
    for (size_t i = 0; i < c.nrets; i++)
        trustret_free(c.rets[i]);
    for (size_t i = 0; i < c.nskipped; i++)
        free(c.skipped[i].reason);
    free(c.rets);
    free(c.kept);
    free(c.skipped);
    free(c.orgs);
    free(c.missing);
    free(c.totals);
    free(c.rules);
    esr_buf_free(&c.warnings);
    mappings_close(owned);
    return st;
}
