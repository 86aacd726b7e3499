/* consolidate_xlsx.c - the regional workbook. Every sheet is written in row
 * order (constant_memory) from the consolidated figures in esr_region. */
#include "consolidate_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "text.h"
#include "xlsx_national.h"
#include "xlsx_book.h"

#define TOP_RULES 3

enum { S_COVER, S_ORG, S_PROF, S_DQ, S_MISSING, S_REGION, S_NATIONAL, S_COUNT };
static const char *const sheet_names[S_COUNT] = {
    "Cover",           "By organisation", "By profession",       "Data quality",
    "Missing returns", "By region",       "National comparison",
};

typedef esr_xsheet sheet;

typedef struct book {
    esr_xbook x; /* the workbook: cells are written through it */
    sheet s[S_COUNT];
    const esr_region *reg;
} book;

/* ---- ordering: professions and roles in mapping order ---------------- */

/* Rank of a profession: mapping order, unknown names after, "" (all) last. */
static size_t prof_rank(const esr_mappings *m, const char *name)
{
    size_t i;
    if (!*name)
        return m->nprof + 1;
    return esr_strmap_get(m->prof_by_name, name, strlen(name), &i) ? i : m->nprof;
}

/* Rank of a support role: mapping order, unknown names after, "" last. */
static size_t role_rank(const esr_mappings *m, const char *name)
{
    size_t i;
    if (!*name)
        return m->nroles + 1;
    return esr_strmap_get(m->role_by_name, name, strlen(name), &i) ? i : m->nroles;
}

static const esr_mappings *sort_m; /* qsort has no context argument in C11 */

/* Order profession_role rows: profession, then role, totals last. */
static int pr_cmp(const void *x, const void *y)
{
    const esr_sumrow *a = *(const esr_sumrow *const *)x, *b = *(const esr_sumrow *const *)y;
    size_t ra = prof_rank(sort_m, a->profession), rb = prof_rank(sort_m, b->profession);
    int c;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if ((c = strcmp(a->profession, b->profession)))
        return c;
    ra = role_rank(sort_m, a->role);
    rb = role_rank(sort_m, b->role);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(a->role, b->role);
}

/* The profession_role rows of rows[0..n), sorted for display. */
static size_t pr_rows(const esr_mappings *m, const esr_sumrow *rows, size_t n,
                      const esr_sumrow ***out)
{
    const esr_sumrow **v = calloc(n + 1, sizeof *v);
    size_t k = 0;
    *out = v;
    if (!v)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].dim == ESR_DIM_PROFESSION_ROLE)
            v[k++] = &rows[i];
    sort_m = m;
    qsort(v, k, sizeof *v, pr_cmp);
    return k;
}

/* ---- Cover ----------------------------------------------------------- */

/* A checksum row of the Cover: ODS code, SHA-256, bytes (if any), file. */
static void checksum_row(book *b, lxw_row_t r, const char *org, const char *sha, double bytes,
                         const char *file)
{
    xbook_str(&b->x, S_COVER, r, 0, org, NULL);
    xbook_str(&b->x, S_COVER, r, 1, sha, NULL);
    if (bytes >= 0)
        xbook_num(&b->x, S_COVER, r, 2, bytes, b->x.st.count);
    xbook_str(&b->x, S_COVER, r, 3, file, NULL);
}

/* Cover: the returns included, then every checksum they carry, a row each
 * (so the table stays narrow enough to print). */
static void cover_returns(book *b, lxw_row_t *r)
{
    const esr_region *g = b->reg;
    static const char *const ih[] = {
        "ODS code",         "Organisation",    "Trust type", "Snapshot date",
        "Template version", "Mapping version", NULL};
    xbook_str(&b->x, S_COVER, (*r)++, 0, "Returns included", b->x.st.heading);
    xbook_headings(&b->x, S_COVER, (*r)++, ih);
    for (size_t i = 0; i < g->norgs; i++, (*r)++) {
        const esr_region_org *o = &g->orgs[i];
        const esr_trust_return *t = o->ret;
        xbook_str(&b->x, S_COVER, *r, 0, t->org, NULL);
        xbook_str(&b->x, S_COVER, *r, 1, o->name, NULL);
        xbook_str(&b->x, S_COVER, *r, 2, o->trust_type, NULL);
        xbook_str(&b->x, S_COVER, *r, 3, t->snapshot, NULL);
        xbook_str(&b->x, S_COVER, *r, 4, t->template_version, NULL);
        xbook_str(&b->x, S_COVER, *r, 5, t->mapping_version, NULL);
    }
    (*r)++;
    static const char *const ch[] = {"ODS code", "SHA-256", "Bytes", "File", NULL};
    xbook_str(&b->x, S_COVER, (*r)++, 0, "Checksums of the returns", b->x.st.heading);
    xbook_headings(&b->x, S_COVER, (*r)++, ch);
    for (size_t i = 0; i < g->norgs; i++) {
        const esr_trust_return *t = g->orgs[i].ret;
        for (size_t k = 0; k < t->ninputs; k++)
            checksum_row(b, (*r)++, t->org, t->inputs[k].sha256, (double)t->inputs[k].bytes,
                         t->inputs[k].name);
        checksum_row(b, (*r)++, t->org, t->mapping_sha256, -1, "mapping tables");
        checksum_row(b, (*r)++, t->org, t->summary_sha256, -1, "summary.csv");
    }
}

/* Cover: region, counts, how headcount was combined, the returns. */
static void write_cover(book *b)
{
    const esr_region *g = b->reg;
    lxw_row_t r = 0;
    char text[256];
    xbook_str(&b->x, S_COVER, r, 0, "Regional support workforce return", b->x.st.title);
    r += 2;
    xbook_label(&b->x, S_COVER, &r, "Region", g->region);
    snprintf(text, sizeof text, "%s%s", *g->snapshot ? g->snapshot : "(not given)",
             g->mixed_snapshots ? " (latest; the returns have different dates: see below)" : "");
    xbook_label(&b->x, S_COVER, &r, "Snapshot date", text);
    xbook_label(&b->x, S_COVER, &r, "Template version", g->template_version);
    xbook_label_num(&b->x, S_COVER, &r, "Returns included", (double)g->norgs, b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "Expected organisations", (double)(g->norgs + g->nmissing),
                    b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "Missing returns", (double)g->nmissing, b->x.st.count_left);
    xbook_label(&b->x, S_COVER, &r, "Mapping version (consolidation)", g->m->version);
    xbook_label(&b->x, S_COVER, &r, "Mapping checksum (SHA-256)", g->m->sha256);
    xbook_label(&b->x, S_COVER, &r, "Written by", g->tool_version);
    r++;
    xbook_str(&b->x, S_COVER, r++, 0, "Rows (summed over the included returns)", b->x.st.heading);
    xbook_label_num(&b->x, S_COVER, &r, "Rows read", (double)g->rows_read, b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "In scope", (double)g->in_scope, b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "Out of scope", (double)g->out_of_scope,
                    b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "Rejected", (double)g->rejected, b->x.st.count_left);
    xbook_label_num(&b->x, S_COVER, &r, "In-scope FTE", (double)g->in_scope_fte_e5 / 1e5,
                    b->x.st.fte_left);
    r++;
    xbook_str(&b->x, S_COVER, r++, 0, "How headcount was combined", b->x.st.heading);
    r = xbook_note(&b->x, S_COVER, r, 0, ESR_REGION_HEADCOUNT_NOTE);
    r++;
    cover_returns(b, &r);
    if (g->nskipped) {
        r++;
        static const char *const sh[] = {"ODS code", "Snapshot date", "Return directory", "Reason",
                                         NULL};
        xbook_str(&b->x, S_COVER, r++, 0, "Returns not included", b->x.st.heading);
        xbook_headings(&b->x, S_COVER, r++, sh);
        for (size_t i = 0; i < g->nskipped; i++, r++) {
            xbook_str(&b->x, S_COVER, r, 0, g->skipped[i].org, NULL);
            xbook_str(&b->x, S_COVER, r, 1, g->skipped[i].snapshot, NULL);
            xbook_str(&b->x, S_COVER, r, 2, g->skipped[i].dir, NULL);
            xbook_str(&b->x, S_COVER, r, 3, g->skipped[i].reason, NULL);
        }
    }
    r++;
    xbook_str(&b->x, S_COVER, r++, 0, "Reading this return", b->x.st.heading);
    static const char *const notes[] = {
        "By organisation: FTE and headcount per organisation, profession supported and support "
        "role, with totals.",
        "By profession: the region's FTE and headcount, profession supported x support role.",
        "Data quality: a league table of the organisations (rejected rows, area-of-work "
        "completeness, unmapped job titles, most frequent findings).",
        "Missing returns: the region's organisations in mappings/organisations.csv that sent no "
        "return.",
        "No person-level data is included: the trusts' records stay with the trusts.",
        NULL,
    };
    for (int i = 0; notes[i]; i++)
        r = xbook_note(&b->x, S_COVER, r, 0, notes[i]);
    xbook_widths(&b->x, S_COVER, 10);
    worksheet_set_column(b->s[S_COVER].ws, 0, 0, 40, NULL);
    /* a SHA-256 or an organisation name in full */
    worksheet_set_column(b->s[S_COVER].ws, 1, 1, ESR_XLSX_MAX_WIDTH, NULL);
    worksheet_activate(b->s[S_COVER].ws);
}

/* ---- By organisation ------------------------------------------------- */

/* Organisation x profession x support role, with totals. */
static void write_by_org(book *b)
{
    const esr_region *g = b->reg;
    static const char *const h[] = {
        "ODS code", "Organisation", "Profession supported", "Support role", "FTE", "Headcount",
        NULL};
    xbook_headings(&b->x, S_ORG, 0, h);
    lxw_row_t r = 1;
    for (size_t i = 0; i < g->norgs; i++) {
        const esr_trust_return *t = g->orgs[i].ret;
        const esr_sumrow **rows;
        size_t n = pr_rows(g->m, t->rows, t->nrows, &rows);
        for (size_t k = 0; k < n; k++, r++) {
            const esr_sumrow *s = rows[k];
            int total = !*s->role;
            xbook_str(&b->x, S_ORG, r, 0, t->org, NULL);
            xbook_str(&b->x, S_ORG, r, 1, g->orgs[i].name, NULL);
            xbook_str(&b->x, S_ORG, r, 2, *s->profession ? s->profession : "All professions",
                      total ? b->x.st.bold : NULL);
            xbook_str(&b->x, S_ORG, r, 3, *s->role ? s->role : "All support roles",
                      total ? b->x.st.bold : NULL);
            xbook_fte(&b->x, S_ORG, r, 4, s->fte_e5, NULL);
            xbook_num(&b->x, S_ORG, r, 5, (double)s->headcount, b->x.st.count);
        }
        free(rows);
    }
    worksheet_freeze_panes(b->s[S_ORG].ws, 1, 0);
    worksheet_autofilter(b->s[S_ORG].ws, 0, 0, r > 1 ? r - 1 : 1, 5);
    r++;
    xbook_note(
        &b->x, S_ORG, r, 0,
        "\"All support roles\" rows are a profession's total, \"All professions\" an "
        "organisation's total. Headcount is de-duplicated within each organisation, so role rows "
        "need not add up to a total; FTE does.");
    xbook_widths(&b->x, S_ORG, 10);
}

/* ---- By profession --------------------------------------------------- */

/* One matrix block (FTE or headcount) of the regional totals; returns
 * the row after it. */
static lxw_row_t write_prof_block(book *b, lxw_row_t r, const char *corner, const char *last,
                                  int headcount, const esr_sumrow **rows, size_t n,
                                  const char **roles, size_t nroles, double *vals)
{
    xsheet_heading_row(&b->s[S_PROF], r);
    xbook_str(&b->x, S_PROF, r, 0, corner, b->x.st.heading);
    for (size_t k = 0; k < nroles; k++)
        xbook_str(&b->x, S_PROF, r, (lxw_col_t)(k + 1), roles[k], b->x.st.heading_num);
    xbook_str(&b->x, S_PROF, r, (lxw_col_t)(nroles + 1), last, b->x.st.heading_num);
    if (!headcount)
        xbook_str(&b->x, S_PROF, r, (lxw_col_t)(nroles + 2), "Headcount", b->x.st.heading_num);
    r++;
    /* rows arrive profession by profession, each with its total last */
    for (size_t i = 0; i < n;) {
        const char *prof = rows[i]->profession;
        int total = !*prof;
        double all = 0, head = 0;
        memset(vals, 0, nroles * sizeof *vals);
        size_t j = i;
        for (; j < n && !strcmp(rows[j]->profession, prof); j++) {
            const esr_sumrow *s = rows[j];
            double v = headcount ? (double)s->headcount : (double)s->fte_e5 / 1e5;
            if (!*s->role) {
                all = v;
                head = (double)s->headcount;
                continue;
            }
            for (size_t k = 0; k < nroles; k++)
                if (!strcmp(roles[k], s->role))
                    vals[k] = v;
        }
        lxw_format *f = total ? (headcount ? b->x.st.total_count : b->x.st.total_fte)
                              : (headcount ? b->x.st.count : b->x.st.fte);
        xbook_str(&b->x, S_PROF, r, 0, total ? "Total" : prof, total ? b->x.st.total : NULL);
        for (size_t k = 0; k < nroles; k++)
            xbook_num(&b->x, S_PROF, r, (lxw_col_t)(k + 1), vals[k], f);
        xbook_num(&b->x, S_PROF, r, (lxw_col_t)(nroles + 1), all, f);
        if (!headcount)
            xbook_num(&b->x, S_PROF, r, (lxw_col_t)(nroles + 2), head,
                      total ? b->x.st.total_count : b->x.st.count);
        i = j;
        r++;
    }
    return r;
}

/* A stacked bar chart of the FTE block (rows 1 .. nrows-2 are professions,
 * nrows-1 the total; columns 1 .. nroles the roles) at row at. */
static void prof_chart(book *b, lxw_row_t nrows, size_t nroles, lxw_row_t at)
{
    if (nrows < 3 || !nroles)
        return;
    lxw_row_t last = nrows - 2; /* the last profession, before the total row */
    lxw_chart *chart = workbook_add_chart(b->x.wb, LXW_CHART_BAR_STACKED);
    if (!chart) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    char cat[160];
    snprintf(cat, sizeof cat, "='%s'!$A$2:$A$%u", sheet_names[S_PROF], (unsigned)last + 1);
    for (size_t k = 1; k <= nroles; k++)
        xbook_chart_series(chart, sheet_names[S_PROF], cat, 1, (lxw_col_t)k, last, (lxw_col_t)k, 0,
                           (lxw_col_t)k);
    chart_title_set_name(chart, "Regional FTE by profession supported and support role");
    chart_axis_set_name(chart->x_axis, "FTE");
    chart_axis_set_reverse(chart->y_axis);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options co = {.x_scale = 2.4, .y_scale = 1.5};
    worksheet_insert_chart_opt(b->s[S_PROF].ws, at, 0, chart, &co);
}

/* Regional FTE and headcount, profession x support role. */
static void write_by_prof(book *b)
{
    const esr_region *g = b->reg;
    const esr_sumrow **rows;
    size_t n = pr_rows(g->m, g->totals, g->ntotals, &rows);
    const char **roles = calloc(n + 1, sizeof *roles);
    double *vals = calloc(n + 1, sizeof *vals);
    size_t nroles = 0;
    if (!rows || !roles || !vals) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        free(rows);
        free(roles);
        free(vals);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!*rows[i]->role)
            continue;
        size_t k = 0;
        while (k < nroles && strcmp(roles[k], rows[i]->role))
            k++;
        if (k == nroles)
            roles[nroles++] = rows[i]->role;
    }
    /* roles in mapping order */
    for (size_t i = 1; i < nroles; i++)
        for (size_t k = i; k > 0; k--) {
            size_t ra = role_rank(g->m, roles[k - 1]), rb = role_rank(g->m, roles[k]);
            if (ra < rb || (ra == rb && strcmp(roles[k - 1], roles[k]) <= 0))
                break;
            const char *t = roles[k];
            roles[k] = roles[k - 1];
            roles[k - 1] = t;
        }
    lxw_row_t r = write_prof_block(b, 0, "Profession supported (FTE)", "Total FTE", 0, rows, n,
                                   roles, nroles, vals);
    worksheet_freeze_panes(b->s[S_PROF].ws, 1, 1);
    lxw_row_t fte_rows = r;
    r++;
    r = write_prof_block(b, r, "Headcount, summed across organisations", "Total headcount", 1, rows,
                         n, roles, nroles, vals);
    r++;
    r = xbook_note(&b->x, S_PROF, r, 0, ESR_REGION_HEADCOUNT_NOTE);
    prof_chart(b, fte_rows, nroles, r + 1);
    xbook_widths(&b->x, S_PROF, 12);
    free(rows);
    free(roles);
    free(vals);
}

/* ---- Data quality ---------------------------------------------------- */

typedef struct dq_row {
    const esr_region_org *o;
    long long fte, fte_area;         /* in scope; with an area of work recorded */
    double area, unmapped, rejected; /* shares; area < 0: no in-scope FTE */
} dq_row;

/* League order: completeness, unmapped titles, rejects, ODS code. */
static int dq_cmp(const void *x, const void *y)
{
    const dq_row *a = x, *b = y;
    if (a->area != b->area)
        return a->area > b->area ? -1 : 1;
    if (a->unmapped != b->unmapped)
        return a->unmapped < b->unmapped ? -1 : 1;
    if (a->rejected != b->rejected)
        return a->rejected < b->rejected ? -1 : 1;
    return strcmp(a->o->ret->org, b->o->ret->org);
}

/* In-scope FTE and FTE with an area of work recorded, from summary rows. */
static void area_fte(const esr_sumrow *rows, size_t n, long long *all, long long *recorded)
{
    *all = *recorded = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].dim != ESR_DIM_AREA || *rows[i].profession || *rows[i].role)
            continue;
        *all += rows[i].fte_e5;
        if (strcmp(rows[i].key, ESR_KEY_NOT_RECORDED))
            *recorded += rows[i].fte_e5;
    }
}

/* Findings by count (most first), then rule. */
static int rule_cmp(const void *x, const void *y)
{
    const esr_ret_rule *a = *(const esr_ret_rule *const *)x, *b = *(const esr_ret_rule *const *)y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* The top rules by count as "rule: count" cells from column c. */
static void top_rules(book *b, lxw_row_t r, lxw_col_t c, const esr_ret_rule *rules, size_t n,
                      lxw_format *f)
{
    const esr_ret_rule **v = calloc(n + 1, sizeof *v);
    if (!v) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rules[i].count)
            v[k++] = &rules[i];
    qsort(v, k, sizeof *v, rule_cmp);
    for (size_t i = 0; i < k && i < TOP_RULES; i++) {
        char cell[160];
        snprintf(cell, sizeof cell, "%.100s: %llu", v[i]->id, (unsigned long long)v[i]->count);
        xbook_str(&b->x, S_DQ, r, c + (lxw_col_t)i, cell, f);
    }
    free(v);
}

/* The columns of one league-table row from column 1 on. */
static void dq_cells(book *b, lxw_row_t r, uint64_t read, uint64_t rejected, long long all,
                     long long area, uint64_t records, uint64_t unmapped, int total)
{
    lxw_format *c = total ? b->x.st.total_count : b->x.st.count,
               *p = total ? b->x.st.total_pct : b->x.st.pct,
               *f = total ? b->x.st.total_fte : b->x.st.fte;
    xbook_num(&b->x, S_DQ, r, 4, (double)read, c);
    xbook_num(&b->x, S_DQ, r, 5, (double)rejected, c);
    if (read)
        xbook_num(&b->x, S_DQ, r, 6, (double)rejected / (double)read, p);
    xbook_fte(&b->x, S_DQ, r, 7, all, f);
    xbook_fte(&b->x, S_DQ, r, 8, area, f);
    if (all)
        xbook_num(&b->x, S_DQ, r, 9, (double)area / (double)all, p);
    xbook_num(&b->x, S_DQ, r, 10, (double)records, c);
    xbook_num(&b->x, S_DQ, r, 11, (double)unmapped, c);
    if (records)
        xbook_num(&b->x, S_DQ, r, 12, (double)unmapped / (double)records, p);
}

/* League table: one row per organisation, best area-of-work completeness first. */
static void write_dq(book *b)
{
    const esr_region *g = b->reg;
    dq_row *v = calloc(g->norgs + 1, sizeof *v);
    if (!v) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    for (size_t i = 0; i < g->norgs; i++) {
        const esr_trust_return *t = g->orgs[i].ret;
        dq_row *d = &v[i];
        d->o = &g->orgs[i];
        area_fte(t->rows, t->nrows, &d->fte, &d->fte_area);
        d->area = d->fte ? (double)d->fte_area / (double)d->fte : -1;
        d->unmapped = t->records ? (double)t->unmapped / (double)t->records : 0;
        d->rejected = t->rows_read ? (double)t->rejected / (double)t->rows_read : 0;
    }
    qsort(v, g->norgs, sizeof *v, dq_cmp);
    static const char *const h[] = {"Rank",
                                    "ODS code",
                                    "Organisation",
                                    "Snapshot date",
                                    "Rows read",
                                    "Rejected rows",
                                    "Rejected %",
                                    "In-scope FTE",
                                    "FTE with area of work",
                                    "Area-of-work completeness",
                                    "In-scope records",
                                    "Unmapped titles",
                                    "Unmapped-title %",
                                    "Top finding 1",
                                    "Top finding 2",
                                    "Top finding 3",
                                    NULL};
    xbook_headings(&b->x, S_DQ, 0, h);
    lxw_row_t r = 1;
    uint64_t records = 0, unmapped = 0;
    for (size_t i = 0; i < g->norgs; i++, r++) {
        const esr_trust_return *t = v[i].o->ret;
        xbook_num(&b->x, S_DQ, r, 0, (double)(i + 1), b->x.st.count);
        xbook_str(&b->x, S_DQ, r, 1, t->org, NULL);
        xbook_str(&b->x, S_DQ, r, 2, v[i].o->name, NULL);
        xbook_str(&b->x, S_DQ, r, 3, t->snapshot, NULL);
        dq_cells(b, r, t->rows_read, t->rejected, v[i].fte, v[i].fte_area, t->records, t->unmapped,
                 0);
        top_rules(b, r, 13, t->rules, t->nrules, NULL);
        records += t->records;
        unmapped += t->unmapped;
    }
    long long all, area;
    area_fte(g->totals, g->ntotals, &all, &area);
    xbook_str(&b->x, S_DQ, r, 0, "Region", b->x.st.total);
    xbook_str(&b->x, S_DQ, r, 2, g->region, b->x.st.total);
    xbook_str(&b->x, S_DQ, r, 3, g->snapshot, b->x.st.total);
    dq_cells(b, r, g->rows_read, g->rejected, all, area, records, unmapped, 1);
    top_rules(b, r, 13, g->rules, g->nrules, b->x.st.total);
    worksheet_freeze_panes(b->s[S_DQ].ws, 1, 3);
    worksheet_autofilter(b->s[S_DQ].ws, 0, 0, r > 1 ? r - 1 : 1, 15);
    r += 2;
    static const char *const notes[] = {
        "Ranked by area-of-work completeness (share of in-scope FTE with an area of work "
        "recorded), then fewest unmapped job titles, then fewest rejected rows.",
        "Rejected %: rows the trust's export could not use, of rows read. Unmapped-title %: "
        "in-scope assignments whose local job title matched no standard title.",
        "Top findings: the data-quality rules raised most often in the trust's return (rule: "
        "rows); see each trust's return for the rows.",
        NULL,
    };
    for (int i = 0; notes[i]; i++)
        r = xbook_note(&b->x, S_DQ, r, 0, notes[i]);
    xbook_widths(&b->x, S_DQ, 8);
    free(v);
}

/* ---- Missing returns ------------------------------------------------- */

/* Expected organisations of the region that sent nothing. */
static void write_missing(book *b)
{
    const esr_region *g = b->reg;
    static const char *const h[] = {"ODS code", "Organisation", "Trust type", NULL};
    xbook_headings(&b->x, S_MISSING, 0, h);
    lxw_row_t r = 1;
    for (size_t i = 0; i < g->nmissing; i++, r++) {
        xbook_str(&b->x, S_MISSING, r, 0, g->missing[i].org, NULL);
        xbook_str(&b->x, S_MISSING, r, 1, g->missing[i].name, NULL);
        xbook_str(&b->x, S_MISSING, r, 2, g->missing[i].trust_type, NULL);
    }
    worksheet_freeze_panes(b->s[S_MISSING].ws, 1, 0);
    if (g->nmissing)
        worksheet_autofilter(b->s[S_MISSING].ws, 0, 0, r - 1, 2);
    r++;
    char text[512];
    if (g->nmissing)
        snprintf(text, sizeof text,
                 "%zu of the %zu organisations of %s listed in mappings/organisations.csv sent no "
                 "return.",
                 g->nmissing, g->nmissing + g->norgs, g->region);
    else
        snprintf(text, sizeof text,
                 "Every organisation of %s listed in mappings/organisations.csv sent a return.",
                 g->region);
    xbook_note(&b->x, S_MISSING, r, 0, text);
    xbook_widths(&b->x, S_MISSING, 10);
}

/* How each sheet prints: one page wide, landscape where wide, the
 * heading row of a table that starts on row 1 repeated on every page. */
static const esr_print sheet_print[S_COUNT] = {
    [S_COVER] = {.landscape = 1},
    [S_ORG] = {.landscape = 1, .header_rows = 1},
    [S_PROF] = {.landscape = 1, .header_rows = 1, .pages_tall = 1}, /* the chart never cut in two */
    [S_DQ] = {.landscape = 1, .header_rows = 1},
    [S_MISSING] = {.landscape = 0, .header_rows = 1},
    [S_REGION] = {.landscape = 1, .header_rows = 1},
    [S_NATIONAL] = {.landscape = 1},
};

/* ---- the national layouts ------------------------------------------- */

/* By region: support FTE by profession (rows) and region (columns), from
 * the region dimension's totals. */
static void write_by_region(book *b)
{
    const esr_region *g = b->reg;
    const esr_mappings *m = g->m;
    const char **regs = calloc(g->ntotals + 1, sizeof *regs);
    size_t nr = 0;
    if (!regs)
        return;
    for (size_t i = 0; i < g->ntotals; i++) { /* summary order: keys sorted within "" */
        const esr_sumrow *s = &g->totals[i];
        if (s->dim == ESR_DIM_REGION && !*s->profession && !*s->role)
            regs[nr++] = s->key;
    }
    xbook_str(&b->x, S_REGION, 0, 0, "Profession supported", b->x.st.heading);
    for (size_t k = 0; k < nr; k++)
        xbook_str(&b->x, S_REGION, 0, (lxw_col_t)(k + 1), regs[k], b->x.st.heading_num);
    lxw_row_t r = 1;
    for (size_t p = 0; p <= m->nprof; p++) {
        const char *prof = p < m->nprof ? m->prof[p].name : "";
        int any = 0;
        for (size_t k = 0; k < nr; k++)
            for (size_t i = 0; i < g->ntotals; i++) {
                const esr_sumrow *s = &g->totals[i];
                if (s->dim != ESR_DIM_REGION || strcmp(s->profession, prof) || *s->role ||
                    strcmp(s->key, regs[k]))
                    continue;
                if (!any++)
                    xbook_str(&b->x, S_REGION, r, 0, *prof ? prof : "Total",
                              *prof ? NULL : b->x.st.total);
                xbook_fte(&b->x, S_REGION, r, (lxw_col_t)(k + 1), s->fte_e5,
                          *prof ? b->x.st.fte : b->x.st.total_fte);
            }
        r += any > 0;
    }
    xbook_str(&b->x, S_REGION, r + 1, 0,
              "Support FTE by NHS England region of each organisation (organisations.csv).",
              b->x.st.note);
    xbook_widths(&b->x, S_REGION, 12);
    free(regs);
}

/* National comparison: the region's figures beside the national tables. */
static void write_national(book *b)
{
    const esr_region *g = b->reg;
    size_t n = g->ntotals;
    for (size_t i = 0; i < g->norgs; i++)
        n += g->orgs[i].ret->nrows;
    esr_natfig *figs = calloc(n + 1, sizeof *figs);
    size_t k = 0;
    if (!figs)
        return;
    for (size_t i = 0; i < g->ntotals; i++) {
        const esr_sumrow *s = &g->totals[i];
        figs[k++] = (esr_natfig){"", s->dim, s->profession, s->role, s->key, s->fte_e5};
    }
    for (size_t i = 0; i < g->norgs; i++)
        for (size_t j = 0; j < g->orgs[i].ret->nrows; j++) {
            const esr_sumrow *s = &g->orgs[i].ret->rows[j];
            figs[k++] = (esr_natfig){
                g->orgs[i].ret->org, s->dim, s->profession, s->role, s->key, s->fte_e5};
        }
    esr_national *nt;
    if (!national_new(g->m, figs, k, &nt)) {
        esr_natsheet o = {b->x.wb, &b->s[S_NATIONAL], sheet_names[S_NATIONAL], &b->x.st,
                          &b->x.error};
        national_write_sheet(&o, nt, "Region", g->snapshot);
    }
    national_free(nt);
    free(figs);
}

/* Write the regional workbook to path (a temporary name). */
esr_status region_xlsx_write(const char *path, const char *tmpdir, const esr_region *reg,
                             esr_err *err)
{
    book b = {0};
    b.reg = reg;
    esr_status st = xbook_open(&b.x, path, tmpdir, sheet_names, S_COUNT, b.s, err);
    if (st)
        return st;
    for (int s = 0; s < S_COUNT; s++)
        xsheet_print(&b.s[s], &sheet_print[s]);

    write_cover(&b);
    write_by_org(&b);
    write_by_prof(&b);
    write_dq(&b);
    write_missing(&b);
    write_by_region(&b);
    write_national(&b);

    char title[160];
    snprintf(title, sizeof title, "Regional support workforce return: %.100s", reg->region);
    esr_xbook_props props = {
        .title = title, .comments = "Written by esrpipe consolidate", .created = reg->created};
    return xbook_close(&b.x, &props, err);
}
