/* trend.c - the `trend` command: returns at several snapshots, side by side. */
#include "trend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "consolidate_return.h"
#include "csvout.h"
#include "outdir.h"
#include "text.h"
#include "xlsx_book.h"

#define TREND_MAX_SERIES 16

typedef struct trend_ctx {
    const esr_trend_opts *o;
    esr_err *err;
    esr_trust_return **rets; /* by organisation, snapshot, directory */
    size_t nrets;
    const esr_sumrow **cells; /* distinct profession_role cells of the totals */
    size_t ncells;
    size_t norgs;
} trend_ctx;

/* Fill opts with the documented defaults. */
void trend_opts_default(esr_trend_opts *o)
{
    memset(o, 0, sizeof *o);
    o->outdir = "output/trend";
    o->tool_version = "esrpipe";
}

/* Whose return it is: the ODS code, the region, or neither. */
static const char *whose(const esr_trust_return *r)
{
    return *r->org ? r->org : *r->region ? r->region : "(several organisations)";
}

/* Returns by organisation, snapshot date, directory. */
static int ret_cmp(const void *x, const void *y)
{
    const esr_trust_return *a = *(esr_trust_return *const *)x, *b = *(esr_trust_return *const *)y;
    int c;
    if ((c = strcmp(whose(a), whose(b))) || (c = strcmp(a->snapshot, b->snapshot)))
        return c;
    return strcmp(a->dir, b->dir);
}

/* Load every return, order them, refuse twins and (unless allowed) a mix. */
static esr_status load(trend_ctx *c)
{
    static const esr_ret_read how = {.any_return = 1};
    if (!(c->rets = calloc(c->o->nreturns + 1, sizeof *c->rets)))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->o->nreturns; i++) {
        esr_status st =
            trustret_read(c->o->returns[i], ESR_TEMPLATE_VERSION, &how, &c->rets[i], c->err);
        if (st)
            return st;
        c->nrets++;
        if (!*c->rets[i]->snapshot) /* it has no place in the order */
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s/run.json: no snapshot date (the export's file name had none "
                               "and --snapshot was not given): trend orders returns by snapshot "
                               "date; re-run this return with --snapshot YYYY-MM-DD",
                               c->rets[i]->dir);
    }
    qsort(c->rets, c->nrets, sizeof *c->rets, ret_cmp);
    esr_buf list = {0};
    for (size_t i = 0; i < c->nrets; i++) {
        const esr_trust_return *r = c->rets[i], *p = i ? c->rets[i - 1] : NULL;
        if (p && !strcmp(whose(p), whose(r)) && !strcmp(p->snapshot, r->snapshot)) {
            esr_buf_free(&list);
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s: two returns with the same snapshot date (%s): %s and %s; "
                               "give one return per snapshot",
                               whose(r), *r->snapshot ? r->snapshot : "not given", p->dir, r->dir);
        }
        if (!p || strcmp(whose(p), whose(r))) {
            c->norgs++;
            esr_buf_printf(&list, "%s%s", list.len ? ", " : "", whose(r));
        }
    }
    esr_status st = ESR_OK;
    if (c->norgs > 1 && !c->o->allow_mixed)
        st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                         "the returns are of %zu organisations (%s): trend lays one "
                         "organisation's snapshots side by side; give --mixed to put them in one "
                         "table anyway",
                         c->norgs, esr_buf_str(&list));
    esr_buf_free(&list);
    return st;
}

/* profession_role cells by profession, then role ("" first). */
static int cell_cmp(const void *x, const void *y)
{
    return sumrow_cmp(*(const esr_sumrow *const *)x, *(const esr_sumrow *const *)y);
}

/* The distinct profession_role cells of every return's totals. */
static esr_status collect_cells(trend_ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nrets; i++)
        n += c->rets[i]->nrows;
    if (!(c->cells = calloc(n + 1, sizeof *c->cells)))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->nrets; i++)
        for (size_t k = 0; k < c->rets[i]->nrows; k++) {
            const esr_sumrow *s = &c->rets[i]->rows[k];
            if (!*s->org && s->dim == ESR_DIM_PROFESSION_ROLE)
                c->cells[c->ncells++] = s;
        }
    qsort(c->cells, c->ncells, sizeof *c->cells, cell_cmp);
    size_t m = 0;
    for (size_t i = 0; i < c->ncells; i++)
        if (!m || cell_cmp(&c->cells[m - 1], &c->cells[i]))
            c->cells[m++] = c->cells[i];
    c->ncells = m;
    return ESR_OK;
}

/* The cell like s in return r's totals, or NULL. */
static const esr_sumrow *cell_in(const esr_trust_return *r, const esr_sumrow *s)
{
    esr_sumrow probe = *s;
    probe.org = "";
    return bsearch(&probe, r->rows, r->nrows, sizeof *r->rows, sumrow_org_cmp);
}

/* trend.csv: every cell of each return's totals, one row set per snapshot. */
static esr_status write_csv(trend_ctx *c, esr_outdir *d)
{
    FILE *fp;
    esr_status st = outdir_file(d, "trend.csv", &fp, c->err);
    if (st)
        return st;
    esr_buf line = {0};
    int bad =
        fputs("org_code,snapshot,dimension,profession,support_role,key,fte,headcount\n", fp) < 0;
    for (size_t i = 0; i < c->nrets && !bad; i++) {
        const esr_trust_return *r = c->rets[i];
        for (size_t k = 0; k < r->nrows && !bad; k++) {
            const esr_sumrow *s = &r->rows[k];
            char f[32], h[32];
            if (*s->org)
                continue;
            text_format_e5(s->fte_e5, f);
            snprintf(h, sizeof h, "%llu", (unsigned long long)s->headcount);
            bad = csvout_text(&line, whose(r), 1) || csvout_raw(&line, r->snapshot, 0) ||
                  csvout_raw(&line, aggregate_dim_name(s->dim), 0) ||
                  csvout_text(&line, s->profession, 0) || csvout_text(&line, s->role, 0) ||
                  csvout_text(&line, s->key, 0) || csvout_raw(&line, f, 0) ||
                  csvout_raw(&line, h, 0) || csvout_flush(&line, fp);
        }
    }
    esr_buf_free(&line);
    return bad || ferror(fp)
               ? esr_err_set(c->err, ESR_ERR_IO, "%s/trend.csv: write failed", outdir_dir(d))
               : ESR_OK;
}

enum { T_COVER, T_TIME, T_COUNT };

typedef struct tbook {
    esr_xbook x; /* the workbook: cells are written through it */
    esr_xsheet s[T_COUNT];
} tbook;

/* Cover: the returns laid out, in column order. */
static void write_cover(trend_ctx *c, tbook *b)
{
    xbook_str(&b->x, T_COVER, 0, 0, "Support workforce over time", b->x.st.title);
    static const char *const h[] = {"Organisation",
                                    "Snapshot date",
                                    "Return directory",
                                    "Mapping version",
                                    "Mapping checksum (SHA-256)",
                                    "In-scope FTE",
                                    NULL};
    xbook_headings(&b->x, T_COVER, 2, h);
    lxw_row_t r = 3;
    for (size_t i = 0; i < c->nrets; i++, r++) {
        const esr_trust_return *t = c->rets[i];
        const char *v[5] = {whose(t), *t->snapshot ? t->snapshot : "(not given)", t->dir,
                            t->mapping_version, t->mapping_sha256};
        for (lxw_col_t k = 0; k < 5; k++)
            xbook_str(&b->x, T_COVER, r, k, v[k], NULL);
        xbook_fte(&b->x, T_COVER, r, 5, t->in_scope_fte_e5, NULL);
    }
    xbook_str(&b->x, T_COVER, r + 1, 0,
              "FTE over time: the whole return's FTE and headcount by profession supported and "
              "support role, one column per snapshot; trend.csv has every dimension.",
              b->x.st.note);
    xbook_widths(&b->x, T_COVER, 10);
    worksheet_activate(b->s[T_COVER].ws);
}

/* One block (FTE or headcount) of the time sheet from row r; the next row. */
static lxw_row_t time_block(trend_ctx *c, tbook *b, lxw_row_t r, int headcount)
{
    xbook_str(&b->x, T_TIME, r, 0, headcount ? "Headcount" : "Profession supported",
              b->x.st.heading);
    xbook_str(&b->x, T_TIME, r, 1, "Support role", b->x.st.heading);
    for (size_t i = 0; i < c->nrets; i++) {
        char h[200];
        snprintf(h, sizeof h, "%s%s%s", c->norgs > 1 ? whose(c->rets[i]) : "",
                 c->norgs > 1 ? " " : "",
                 *c->rets[i]->snapshot ? c->rets[i]->snapshot : "(not given)");
        xbook_str(&b->x, T_TIME, r, (lxw_col_t)(i + 2), h, b->x.st.heading_num);
    }
    for (size_t k = 0; k < c->ncells; k++) {
        const esr_sumrow *s = c->cells[k];
        int total = !*s->role;
        r++;
        xbook_str(&b->x, T_TIME, r, 0, *s->profession ? s->profession : "All professions",
                  total ? b->x.st.bold : NULL);
        xbook_str(&b->x, T_TIME, r, 1, *s->role ? s->role : "All support roles",
                  total ? b->x.st.bold : NULL);
        for (size_t i = 0; i < c->nrets; i++) {
            const esr_sumrow *v = cell_in(c->rets[i], s);
            if (headcount)
                xbook_num(&b->x, T_TIME, r, (lxw_col_t)(i + 2), v ? (double)v->headcount : 0,
                          b->x.st.count);
            else
                xbook_fte(&b->x, T_TIME, r, (lxw_col_t)(i + 2), v ? v->fte_e5 : 0, NULL);
        }
    }
    return r + 2;
}

/* A native line chart: each profession's total FTE over the snapshots. */
static void time_chart(trend_ctx *c, tbook *b, lxw_row_t at)
{
    lxw_chart *chart = workbook_add_chart(b->x.wb, LXW_CHART_LINE);
    const char *name = "FTE over time";
    char cat[200], ref[64];
    lxw_rowcol_to_range_abs(ref, 0, 2, 0, (lxw_col_t)(c->nrets + 1));
    snprintf(cat, sizeof cat, "='%s'!%s", name, ref);
    int n = 0;
    for (size_t k = 0; k < c->ncells && n < TREND_MAX_SERIES; k++) {
        if (*c->cells[k]->role)
            continue;
        lxw_row_t r = (lxw_row_t)(k + 1);
        lxw_chart_series *se =
            xbook_chart_series(chart, name, cat, r, 2, r, (lxw_col_t)(c->nrets + 1), r, 0);
        if (se)
            chart_series_set_marker_type(se, LXW_CHART_MARKER_AUTOMATIC);
        n++;
    }
    chart_title_set_name(chart, "FTE by profession supported over time");
    chart_axis_set_name(chart->y_axis, "FTE");
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options co = {.x_scale = 2.0, .y_scale = 1.8};
    worksheet_insert_chart_opt(b->s[T_TIME].ws, at, 0, chart, &co);
}

/* trend.xlsx: Cover, then FTE and headcount over time with the chart. */
static esr_status write_book(trend_ctx *c, const char *path, const char *tmpdir)
{
    tbook b = {0};
    static const char *const names[T_COUNT] = {"Cover", "FTE over time"};
    esr_status st = xbook_open(&b.x, path, tmpdir, names, T_COUNT, b.s, c->err);
    if (st)
        return st;
    write_cover(c, &b);
    lxw_row_t r = time_block(c, &b, 0, 0);
    time_chart(c, &b, time_block(c, &b, r, 1) + 1);
    worksheet_freeze_panes(b.s[T_TIME].ws, 1, 2);
    xbook_widths(&b.x, T_TIME, 12);
    esr_xbook_props props = {.title = "Support workforce over time",
                             .comments = "Written by esrpipe trend",
                             .created = text_date_time(c->rets[c->nrets - 1]->snapshot)};
    return xbook_close(&b.x, &props, c->err);
}

/* Lay the returns out into opts->outdir. */
esr_status trend_run(const esr_trend_opts *o, esr_trend_result *res, esr_err *err)
{
    trend_ctx c = {o, err, NULL, 0, NULL, 0, 0};
    esr_outdir *d = NULL;
    const char *xpath, *scratch;
    esr_status st;
    if (!o->nreturns)
        return esr_err_set(err, ESR_ERR_USAGE, "trend: no return directories given");
    if ((st = outdir_refuse_return(o->outdir, o->returns, o->nreturns, err)) || (st = load(&c)) ||
        (st = collect_cells(&c)) || (st = outdir_open(o->outdir, &d, err)) ||
        (st = write_csv(&c, d)) || (st = outdir_path(d, "trend.xlsx", &xpath, err)) ||
        (st = outdir_scratch(d, &scratch, err)) || (st = write_book(&c, xpath, scratch)) ||
        (st = outdir_finish(d, err)) || (st = outdir_commit(d, err)))
        goto done;
    if (res) {
        res->snapshots = c.nrets;
        res->organisations = c.norgs;
    }
done:
    outdir_free(d);
    for (size_t i = 0; i < c.nrets; i++)
        trustret_free(c.rets[i]);
    free(c.rets);
    free(c.cells);
    return st;
}
