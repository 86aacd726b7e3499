/* compare_xlsx.c - the compare workbook, every sheet in row order. */
#include "compare_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "csvreader.h"
#include "text.h"
#include "xlsx_book.h"

enum { S_COVER, S_PROF, S_JL, S_MOVED, S_DQ, S_COUNT };
static const char *const sheet_names[S_COUNT] = {
    "Cover", "Changes by profession", "Joiners and leavers", "Moved records", "Data quality",
};

typedef struct book {
    esr_xbook x; /* the workbook: cells are written through it */
    esr_xsheet s[S_COUNT];
    const esr_compare_book *in;
    lxw_row_t row[S_COUNT]; /* next row of the two record sheets */
    uint64_t left_out[S_COUNT];
} book;

/* A note at row r, the heading row and first column frozen, the widths set. */
static void finish_sheet(book *b, int s, lxw_row_t r, const char *note, double min_width)
{
    xbook_str(&b->x, s, r, 0, note, b->x.st.note);
    worksheet_freeze_panes(b->s[s].ws, 1, 1);
    xbook_widths(&b->x, s, min_width);
}

/* ---- Cover ----------------------------------------------------------- */

/* A Cover row: label, then the base's and the new return's values. */
static void pair(book *b, lxw_row_t *r, const char *label, const char *base, const char *now)
{
    xbook_str(&b->x, S_COVER, *r, 0, label, b->x.st.bold);
    xbook_str(&b->x, S_COVER, *r, 1, base, NULL);
    xbook_str(&b->x, S_COVER, *r, 2, now, NULL);
    (*r)++;
}

/* A Cover row of two counts. */
static void pairn(book *b, lxw_row_t *r, const char *label, double base, double now, lxw_format *f)
{
    xbook_str(&b->x, S_COVER, *r, 0, label, b->x.st.bold);
    xbook_num(&b->x, S_COVER, *r, 1, base, f);
    xbook_num(&b->x, S_COVER, *r, 2, now, f);
    (*r)++;
}

/* A return's kind and whose it is, for the Cover. */
static const char *who(const esr_trust_return *t, char *buf, size_t n)
{
    if (!strcmp(t->command, "consolidate"))
        snprintf(buf, n, "regional return: %s", t->region);
    else
        snprintf(buf, n, "trust return: %s", *t->org ? t->org : "several organisations");
    return buf;
}

/* The input files of one return, from row r on; returns the next row. */
static lxw_row_t inputs(book *b, lxw_row_t r, const char *label, const esr_trust_return *t)
{
    for (size_t i = 0; i < t->ninputs; i++, r++) {
        xbook_str(&b->x, S_COVER, r, 0, label, NULL);
        xbook_str(&b->x, S_COVER, r, 1, t->inputs[i].name, NULL);
        xbook_num(&b->x, S_COVER, r, 2, (double)t->inputs[i].bytes, b->x.st.count);
        xbook_str(&b->x, S_COVER, r, 3, t->inputs[i].sha256, NULL);
    }
    return r;
}

/* Cover: both returns side by side, then what changed. */
static void write_cover(book *b)
{
    const esr_compare_book *in = b->in;
    const esr_trust_return *a = in->base, *n = in->cur;
    const esr_compare_counts *k = in->counts;
    char w1[200], w2[200];
    lxw_row_t r = 0;
    xbook_str(&b->x, S_COVER, r, 0, "What changed between two returns", b->x.st.title);
    r += 2;
    static const char *const h[] = {"", "Base", "New", NULL};
    xbook_headings(&b->x, S_COVER, r++, h);
    pair(b, &r, "Return directory", a->dir, n->dir);
    pair(b, &r, "Return", who(a, w1, sizeof w1), who(n, w2, sizeof w2));
    pair(b, &r, "Snapshot date", a->snapshot, n->snapshot);
    pair(b, &r, "Written by", a->tool, n->tool);
    pair(b, &r, "Classification mode", a->classify_mode, n->classify_mode);
    pair(b, &r, "Mapping version", a->mapping_version, n->mapping_version);
    pair(b, &r, "Mapping checksum (SHA-256)", a->mapping_sha256, n->mapping_sha256);
    pair(b, &r, "summary.csv SHA-256", a->summary_sha256, n->summary_sha256);
    pairn(b, &r, "Rows read", (double)a->rows_read, (double)n->rows_read, b->x.st.count);
    pairn(b, &r, "In scope", (double)a->in_scope, (double)n->in_scope, b->x.st.count);
    pairn(b, &r, "Out of scope", (double)a->out_of_scope, (double)n->out_of_scope, b->x.st.count);
    pairn(b, &r, "Rejected", (double)a->rejected, (double)n->rejected, b->x.st.count);
    pairn(b, &r, "In-scope FTE", (double)a->in_scope_fte_e5 / 1e5, (double)n->in_scope_fte_e5 / 1e5,
          b->x.st.fte);
    r++;
    static const char *const ih[] = {"Inputs", "File", "Bytes", "SHA-256", NULL};
    xbook_headings(&b->x, S_COVER, r++, ih);
    r = inputs(b, inputs(b, r, "Base", a), "New", n);
    r++;
    xbook_str(&b->x, S_COVER, r++, 0, "What changed", b->x.st.heading);
    pair(b, &r, "Records matched by", in->matched_by, "");
    static const char *const kl[] = {
        "Joiners (in scope now, not before)",     "Leavers (in scope before, not now)",
        "Moved into scope (out of scope before)", "Moved out of scope (in scope before)",
        "Records with a changed field",           "Summary cells changed"};
    const uint64_t kv[] = {k->joiners,   k->leavers,       k->scope_in,
                           k->scope_out, k->moved_records, k->cells_changed};
    for (int i = 0; i < 6; i++, r++) { /* one figure each: no Base/New pair */
        xbook_str(&b->x, S_COVER, r, 0, kl[i], b->x.st.bold);
        xbook_num(&b->x, S_COVER, r, 1, (double)kv[i], b->x.st.count);
    }
    r++;
    const char *const notes[] = {
        "changes.csv: every summary cell (all dimensions, totals and organisations) whose FTE or "
        "headcount differs. moves.csv: one row per changed field of an assignment in both "
        "returns, and a scope row per joiner, leaver and move into or out of scope (with the "
        "out-of-scope reason).",
        "A leaver is an assignment counted in scope in the base return and in neither file of the "
        "new one: it left, or it is now rejected (see the new return's rejects.csv). An "
        "assignment now out of scope is a move out of scope, not a leaver.",
        k->scope_known ? NULL
                       : "One of the returns has no out_of_scope.csv (an earlier esrpipe): "
                         "assignments that moved into or out of scope there are counted as "
                         "joiners or leavers. Re-run it with this esrpipe to tell them apart.",
        NULL,
    };
    for (int i = 0; notes[i]; i++)
        xbook_str(&b->x, S_COVER, r++, 0, notes[i], b->x.st.note);
    xbook_widths(&b->x, S_COVER, 10);
    worksheet_set_column(b->s[S_COVER].ws, 0, 0, 36, NULL);
    worksheet_activate(b->s[S_COVER].ws);
}

/* ---- Changes by profession ------------------------------------------- */

/* One profession_role cell of the totals in both returns. */
typedef struct prow {
    const char *prof, *role;
    long long fa, fn;
    uint64_t ha, hn;
} prow;

/* The totals' profession_role cells of both returns, merged in summary order. */
static size_t merge_totals(const esr_compare_book *in, prow **out)
{
    const esr_trust_return *a = in->base, *n = in->cur;
    prow *v = calloc(a->nrows + n->nrows + 1, sizeof *v);
    size_t i = 0, k = 0, m = 0;
    *out = v;
    while (v && (i < a->nrows || k < n->nrows)) {
        const esr_sumrow *x = i < a->nrows ? &a->rows[i] : NULL;
        const esr_sumrow *y = k < n->nrows ? &n->rows[k] : NULL;
        if (x && (*x->org || x->dim != ESR_DIM_PROFESSION_ROLE)) {
            i++;
            continue;
        }
        if (y && (*y->org || y->dim != ESR_DIM_PROFESSION_ROLE)) {
            k++;
            continue;
        }
        int c = !x ? 1 : !y ? -1 : sumrow_org_cmp(x, y);
        prow *p = &v[m++];
        const esr_sumrow *s = c <= 0 ? x : y;
        p->prof = s->profession;
        p->role = s->role;
        if (c <= 0) {
            p->fa = x->fte_e5;
            p->ha = x->headcount;
            i++;
        }
        if (c >= 0) {
            p->fn = y->fte_e5;
            p->hn = y->headcount;
            k++;
        }
    }
    return m;
}

/* One row of base, new and change from column c. */
static void bnc(book *b, lxw_row_t r, lxw_col_t c, const prow *p, int total)
{
    lxw_format *f = total ? b->x.st.total_fte : b->x.st.fte;
    lxw_format *h = total ? b->x.st.total_count : b->x.st.count;
    xbook_fte(&b->x, S_PROF, r, c, p->fa, f);
    xbook_fte(&b->x, S_PROF, r, c + 1, p->fn, f);
    xbook_fte(&b->x, S_PROF, r, c + 2, p->fn - p->fa, f);
    xbook_num(&b->x, S_PROF, r, c + 3, (double)p->ha, h);
    xbook_num(&b->x, S_PROF, r, c + 4, (double)p->hn, h);
    xbook_num(&b->x, S_PROF, r, c + 5, (double)p->hn - (double)p->ha, h);
}

/* A native bar chart of the profession totals' FTE change (rows 2..n+1). */
static void change_chart(book *b, int nprof)
{
    if (nprof < 1)
        return;
    lxw_chart *chart = workbook_add_chart(b->x.wb, LXW_CHART_BAR);
    char cat[160], val[160];
    snprintf(cat, sizeof cat, "='%s'!$A$2:$A$%d", sheet_names[S_PROF], nprof + 1);
    snprintf(val, sizeof val, "='%s'!$D$2:$D$%d", sheet_names[S_PROF], nprof + 1);
    lxw_chart_series *se = chart_add_series(chart, cat, val);
    chart_series_set_name(se, "FTE change");
    chart_title_set_name(chart, "Change in FTE by profession supported");
    chart_axis_set_name(chart->x_axis, "FTE change");
    chart_axis_set_reverse(chart->y_axis);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    lxw_chart_options co = {.x_scale = 1.6, .y_scale = 1.4};
    worksheet_insert_chart_opt(b->s[S_PROF].ws, 1, 8, chart, &co);
}

/* Changes by profession: profession totals (charted), then profession x role. */
static void write_by_prof(book *b)
{
    prow *v;
    size_t n = merge_totals(b->in, &v);
    if (!v) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    static const char *const h1[] = {
        "Profession supported", "Base FTE",      "New FTE",          "FTE change",
        "Base headcount",       "New headcount", "Headcount change", NULL};
    xbook_headings(&b->x, S_PROF, 0, h1);
    lxw_row_t r = 1;
    for (size_t i = 0; i < n; i++)
        if (*v[i].prof && !*v[i].role) {
            xbook_str(&b->x, S_PROF, r, 0, v[i].prof, NULL);
            bnc(b, r++, 1, &v[i], 0);
        }
    int nprof = (int)r - 1;
    for (size_t i = 0; i < n; i++)
        if (!*v[i].prof && !*v[i].role) {
            xbook_str(&b->x, S_PROF, r, 0, "All professions", b->x.st.total);
            bnc(b, r++, 1, &v[i], 1);
        }
    change_chart(b, nprof);
    r = r > 24 ? r + 2 : 24; /* below the chart */
    static const char *const h2[] = {
        "Profession supported", "Support role",  "Base FTE",         "New FTE", "FTE change",
        "Base headcount",       "New headcount", "Headcount change", NULL};
    xbook_headings(&b->x, S_PROF, r++, h2);
    for (size_t i = 0; i < n; i++, r++) {
        int total = !*v[i].role;
        xbook_str(&b->x, S_PROF, r, 0, *v[i].prof ? v[i].prof : "All professions",
                  total ? b->x.st.bold : NULL);
        xbook_str(&b->x, S_PROF, r, 1, *v[i].role ? v[i].role : "All support roles",
                  total ? b->x.st.bold : NULL);
        bnc(b, r, 2, &v[i], 0);
    }
    finish_sheet(b, S_PROF, r + 1,
                 "The whole return's FTE and de-duplicated headcount, base and new; every other "
                 "dimension and each organisation's block are in changes.csv.",
                 12);
    free(v);
}

/* ---- the record sheets, from moves.csv ------------------------------- */

/* One moves.csv row to the Joiners and leavers or the Moved records sheet. */
static int on_move(void *vctx, const esr_row *row)
{
    book *b = vctx;
    if (row->line == 1 || row->nfields < 5)
        return 0;
    int scope = !strcmp(row->fields[2], "scope");
    int s = scope ? S_JL : S_MOVED;
    uint64_t cap = b->in->max_sheet_rows;
    if (cap && b->row[s] > cap) {
        b->left_out[s]++;
        return 0;
    }
    lxw_row_t r = b->row[s]++;
    xbook_str(&b->x, s, r, 0, row->fields[0], NULL);
    xbook_str(&b->x, s, r, 1, row->fields[1], NULL);
    if (scope) { /* base and new: "", "in", or "out: REASON" */
        const char *was = row->fields[3], *now = row->fields[4];
        int out_before = !strncmp(was, "out", 3), out_now = !strncmp(now, "out", 3);
        xbook_str(&b->x, s, r, 2,
                  out_before ? "moved into scope"
                  : out_now  ? "moved out of scope"
                  : *now     ? "joined"
                             : "left",
                  NULL);
        const char *why = out_before ? was : out_now ? now : "";
        xbook_str(&b->x, s, r, 3, !strncmp(why, "out: ", 5) ? why + 5 : "", NULL);
        return 0;
    }
    for (lxw_col_t c = 2; c < 5; c++)
        xbook_str(&b->x, s, r, c, row->fields[c], NULL);
    return 0;
}

/* Joiners and leavers, Moved records: moves.csv again, up to the sheet cap. */
static void write_moves(book *b)
{
    static const char *const hj[] = {"ODS code", "Assignment number", "Change",
                                     "Out-of-scope reason", NULL};
    static const char *const hm[] = {"ODS code", "Assignment number", "Field", "Base", "New", NULL};
    xbook_headings(&b->x, S_JL, 0, hj);
    xbook_headings(&b->x, S_MOVED, 0, hm);
    b->row[S_JL] = b->row[S_MOVED] = 1;
    FILE *fp = fopen(b->in->moves_path, "rb");
    esr_err err = {0};
    if (!fp || csvreader_read_all(fp, b->in->moves_path, ',', on_move, b, &err))
        b->x.error = LXW_ERROR_CREATING_TMPFILE;
    if (fp)
        fclose(fp);
    for (int s = S_JL; s <= S_MOVED; s++) {
        lxw_row_t r = b->row[s];
        worksheet_freeze_panes(b->s[s].ws, 1, 0);
        if (r > 1)
            worksheet_autofilter(b->s[s].ws, 0, 0, r - 1, s == S_JL ? 3 : 4);
        char note[200];
        if (b->left_out[s])
            snprintf(note, sizeof note,
                     "%llu more rows not shown (the sheet stops at %llu rows); moves.csv has "
                     "them all.",
                     (unsigned long long)b->left_out[s], (unsigned long long)b->in->max_sheet_rows);
        else
            snprintf(note, sizeof note, "%s",
                     r > 1 ? "Every row of moves.csv of this kind." : "None.");
        xbook_str(&b->x, s, r + 1, 0, note, b->x.st.note);
        xbook_widths(&b->x, s, 10);
    }
}

/* ---- Data quality ---------------------------------------------------- */

/* Rule id of return t, or NULL. */
static const esr_ret_rule *rule_of(const esr_trust_return *t, const char *id)
{
    for (size_t i = 0; i < t->nrules; i++)
        if (!strcmp(t->rules[i].id, id))
            return &t->rules[i];
    return NULL;
}

/* One rule's counts then and now. */
static lxw_row_t rule_row(book *b, lxw_row_t r, const char *id)
{
    const esr_ret_rule *x = rule_of(b->in->base, id), *y = rule_of(b->in->cur, id);
    uint64_t cx = x ? x->count : 0, cy = y ? y->count : 0;
    xbook_str(&b->x, S_DQ, r, 0, id, NULL);
    xbook_str(&b->x, S_DQ, r, 1, y ? y->severity : x ? x->severity : "", NULL);
    xbook_num(&b->x, S_DQ, r, 2, (double)cx, b->x.st.count);
    xbook_num(&b->x, S_DQ, r, 3, (double)cy, b->x.st.count);
    xbook_num(&b->x, S_DQ, r, 4, (double)cy - (double)cx, b->x.st.count);
    return r + 1;
}

/* Area-of-work FTE (all, recorded) of org's block in t. */
static void area_of(const esr_trust_return *t, const char *org, long long *all, long long *rec)
{
    *all = *rec = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const esr_sumrow *s = &t->rows[i];
        if (s->dim != ESR_DIM_AREA || *s->profession || *s->role || strcmp(s->org, org))
            continue;
        *all += s->fte_e5;
        if (strcmp(s->key, ESR_KEY_NOT_RECORDED))
            *rec += s->fte_e5;
    }
}

/* One organisation's completeness then and now. */
static lxw_row_t area_row(book *b, lxw_row_t r, const char *org)
{
    long long a1, r1, a2, r2;
    area_of(b->in->base, org, &a1, &r1);
    area_of(b->in->cur, org, &a2, &r2);
    xbook_str(&b->x, S_DQ, r, 0, *org ? org : "Whole return", *org ? NULL : b->x.st.bold);
    xbook_fte(&b->x, S_DQ, r, 1, a1, NULL);
    xbook_fte(&b->x, S_DQ, r, 2, r1, NULL);
    if (a1)
        xbook_num(&b->x, S_DQ, r, 3, (double)r1 / (double)a1, b->x.st.pct);
    xbook_fte(&b->x, S_DQ, r, 4, a2, NULL);
    xbook_fte(&b->x, S_DQ, r, 5, r2, NULL);
    if (a2)
        xbook_num(&b->x, S_DQ, r, 6, (double)r2 / (double)a2, b->x.st.pct);
    if (a1 && a2)
        xbook_num(&b->x, S_DQ, r, 7, (double)r2 / (double)a2 - (double)r1 / (double)a1,
                  b->x.st.pct);
    return r + 1;
}

/* Data quality: findings by rule then and now; area-of-work completeness. */
static void write_dq(book *b)
{
    const esr_trust_return *a = b->in->base, *n = b->in->cur;
    static const char *const h[] = {"Rule", "Severity", "Base rows", "New rows", "Change", NULL};
    xbook_headings(&b->x, S_DQ, 0, h);
    lxw_row_t r = 1;
    for (size_t i = 0; i < a->nrules; i++)
        r = rule_row(b, r, a->rules[i].id);
    for (size_t i = 0; i < n->nrules; i++)
        if (!rule_of(a, n->rules[i].id))
            r = rule_row(b, r, n->rules[i].id);
    r++;
    static const char *const ha[] = {"Area-of-work completeness", "Base FTE", "Base FTE with area",
                                     "Base completeness",         "New FTE",  "New FTE with area",
                                     "New completeness",          "Change",   NULL};
    xbook_headings(&b->x, S_DQ, r++, ha);
    const char *last = NULL;
    size_t i = 0, k = 0;
    while (i < a->nrows || k < n->nrows) { /* every organisation of either, in order */
        const char *oa = i < a->nrows ? a->rows[i].org : NULL;
        const char *on = k < n->nrows ? n->rows[k].org : NULL;
        const char *org = !oa ? on : !on ? oa : strcmp(oa, on) <= 0 ? oa : on;
        if (!last || strcmp(last, org))
            r = area_row(b, r, org);
        last = org;
        i += oa && !strcmp(oa, org);
        k += on && !strcmp(on, org);
    }
    finish_sheet(b, S_DQ, r + 1,
                 "Completeness: the share of in-scope FTE with an area of work recorded. Rule "
                 "rows: findings in each return's run.json.",
                 10);
}

/* Write the workbook (see compare_xlsx.h). */
esr_status compare_xlsx_write(const char *path, const char *tmpdir, const esr_compare_book *in,
                              esr_err *err)
{
    book b = {0};
    b.in = in;
    esr_status st = xbook_open(&b.x, path, tmpdir, sheet_names, S_COUNT, b.s, err);
    if (st)
        return st;
    write_cover(&b);
    write_by_prof(&b);
    write_moves(&b);
    write_dq(&b);
    esr_xbook_props props = {
        .title = "What changed between two esrpipe returns",
        .comments = "Written by esrpipe compare",
        .created = text_date_time(*in->cur->snapshot ? in->cur->snapshot : in->base->snapshot)};
    return xbook_close(&b.x, &props, err);
}
