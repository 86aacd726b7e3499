/* write_xlsx.c - the return workbook. Every sheet is written in row order
 * (constant_memory). The Support workforce sheet streams from the return's
 * records, packed (records_pack), while the run is still reading
 * (xlsx_feed), or from the finished records.csv (xlsx_write); the
 * other sheets are written from the aggregates at xlsx_close, and the Data
 * quality findings from the spooled record findings and rejects.csv. */
#include "write_xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "csvreader.h"
#include "strmap.h"
#include "text.h"
#include "xlsx_style.h"

enum { S_COVER, S_RECORDS, S_PROF, S_BAND, S_AREA, S_TITLES, S_TRAINING, S_DQ, S_LISTS, S_COUNT };
static const char *const sheet_names[S_COUNT] = {
    "Cover",      "Support workforce", "By profession", "By band", "Area of work",
    "Job titles", "Training",          "Data quality",  "Lists",
};

typedef esr_xsheet sheet;

typedef struct book {
    lxw_workbook *wb;
    sheet s[S_COUNT];
    esr_xlsx_style st;
    const esr_xlsx_in *in;
    lxw_error error;
} book;

/* Write string v to cell (r, c) of sheet s. */
static void str(book *b, int s, lxw_row_t r, lxw_col_t c, const char *v, lxw_format *f)
{
    xsheet_str(&b->s[s], &b->st, &b->error, r, c, v, f);
}

/* Write number v to cell (r, c) of sheet s. */
static void num(book *b, int s, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    xsheet_num(&b->s[s], &b->st, &b->error, r, c, v, f);
}

/* Write an FTE in units of 1e-5 to cell (r, c) of sheet s (FTE format by default). */
static void fte(book *b, int s, lxw_row_t r, lxw_col_t c, long long e5, lxw_format *f)
{
    xsheet_fte(&b->s[s], &b->st, &b->error, r, c, e5, f);
}

/* Set sheet s's tracked column widths (at least min). */
static void widths(book *b, int s, double min)
{
    xsheet_widths(&b->s[s], min);
}

/* A row of heading cells from the NULL-terminated names. */
static void headings(book *b, int s, lxw_row_t r, const char *const *names)
{
    xsheet_headings(&b->s[s], &b->st, &b->error, r, names);
}

/* A label column, then numbers: their headings align right, over the figures. */
static void headings_num(book *b, int s, lxw_row_t r, const char *const *names)
{
    for (lxw_col_t c = 0; names[c]; c++)
        str(b, s, r, c, names[c], c ? b->st.heading_num : b->st.heading);
}

/* ---- Cover ---------------------------------------------------------- */

/* A label and text row on the cover; advances *r. */
static void kv(book *b, lxw_row_t *r, const char *k, const char *v)
{
    str(b, S_COVER, *r, 0, k, b->st.bold);
    str(b, S_COVER, *r, 1, v, NULL);
    (*r)++;
}

/* A label and number row on the cover; advances *r. */
static void kn(book *b, lxw_row_t *r, const char *k, double v, lxw_format *f)
{
    str(b, S_COVER, *r, 0, k, b->st.bold);
    num(b, S_COVER, *r, 1, v, f);
    (*r)++;
}

/* Cover sheet: return details, row counts, inputs and notes. */
static void write_cover(book *b)
{
    const esr_return_meta *meta = b->in->meta;
    const esr_org_counts *oc = aggregate_org(b->in->agg, b->in->org);
    lxw_row_t r = 0;
    str(b, S_COVER, r, 0, "Support workforce return", b->st.title);
    r += 2;
    kv(b, &r, "Organisation code",
       *meta->org_code ? meta->org_code
                       : "(several: see the per-organisation blocks in summary.csv)");
    kv(b, &r, "Organisation", meta->org_name);
    kv(b, &r, "Region", meta->region);
    kv(b, &r, "Snapshot date", *meta->snapshot ? meta->snapshot : "(not given)");
    kv(b, &r, "Template version", meta->template_version);
    kv(b, &r, "Mapping version", meta->mapping_version);
    kv(b, &r, "Mapping checksum (SHA-256)", meta->mapping_sha256);
    kv(b, &r, "Classification mode", meta->classify_mode);
    kv(b, &r, "Employee numbers pseudonymised", meta->pseudonymised);
    kv(b, &r, "Written by", meta->tool_version);
    r++;
    str(b, S_COVER, r++, 0, "Rows", b->st.heading);
    kn(b, &r, "Rows read", oc ? (double)oc->read : 0, b->st.count);
    kn(b, &r, "In scope", oc ? (double)oc->in_scope : 0, b->st.count);
    kn(b, &r, "Out of scope", oc ? (double)oc->out_of_scope : 0, b->st.count);
    for (int i = 1; oc && i < ESR_OUT_COUNT; i++)
        if (oc->out_by_reason[i]) {
            char label[96];
            snprintf(label, sizeof label, "    %s", record_out_name(i));
            kn(b, &r, label, (double)oc->out_by_reason[i], b->st.count);
        }
    kn(b, &r, "Rejected (see rejects.csv)", oc ? (double)oc->rejected : 0, b->st.count);
    kn(b, &r, "In-scope FTE", oc ? (double)oc->in_scope_fte_e5 / 1e5 : 0, b->st.fte);
    if (oc && b->in->max_sheet_rows && oc->in_scope > b->in->max_sheet_rows) {
        char cap[200];
        snprintf(cap, sizeof cap,
                 "Support workforce shows the first %llu of %llu in-scope rows; records.csv has "
                 "them all.",
                 (unsigned long long)b->in->max_sheet_rows, (unsigned long long)oc->in_scope);
        str(b, S_COVER, r++, 0, cap, b->st.note);
    }
    r++;
    static const char *const ih[] = {"Input file", "Bytes", "SHA-256", "Encoding", "Rows", NULL};
    headings(b, S_COVER, r++, ih);
    for (size_t i = 0; i < meta->ninputs; i++, r++) {
        const esr_input_meta *in = &meta->inputs[i];
        char enc[64];
        snprintf(enc, sizeof enc, "%s%s", in->encoding, in->gzip ? ", gzip" : "");
        str(b, S_COVER, r, 0, in->name, NULL);
        num(b, S_COVER, r, 1, (double)in->bytes, b->st.count);
        str(b, S_COVER, r, 2, in->sha256, NULL);
        str(b, S_COVER, r, 3, enc, NULL);
        num(b, S_COVER, r, 4, (double)in->rows, b->st.count);
    }
    r++;
    str(b, S_COVER, r++, 0, "Reading this return", b->st.heading);
    static const char *const notes[] = {
        "FTE is additive. Headcount is de-duplicated: a person with two assignments counts once in "
        "each cell and once in any total.",
        "Support workforce lists every in-scope assignment; correct coded columns with the "
        "drop-downs and send the file back.",
        "Data quality lists every finding with its input line; Job titles lists local titles and "
        "how each was standardised.",
        NULL,
    };
    for (int i = 0; notes[i]; i++)
        str(b, S_COVER, r++, 0, notes[i], b->st.note);
    widths(b, S_COVER, 10);
    worksheet_set_column(b->s[S_COVER].ws, 0, 0, 34, NULL);
    worksheet_activate(b->s[S_COVER].ws);
}

/* ---- matrices: profession x role, profession x band ------------------ */

/* Rows are professions in mapping order; columns are the values of keyfn
 * found in the cells of dim; then Total FTE and Headcount. */
typedef struct matrix {
    int np, nc;
    int *prow; /* profession -> row (1-based), 0 absent */
    const char **cols;
    double *fte;  /* (np + 2) x (nc + 3) */
    double *head; /* per row */
} matrix;

/* 1-based matrix column of name, or 0. */
static int col_index(matrix *mx, const char *name)
{
    for (int i = 0; i < mx->nc; i++)
        if (!strcmp(mx->cols[i], name))
            return i + 1;
    return 0;
}

/* Gather dim's FTE (and headcount) by profession and column into mx; 0 or -1. */
static int build_matrix(book *b, esr_dim dim, const char *const *order, size_t norder, matrix *mx)
{
    const esr_mappings *m = b->in->m;
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    memset(mx, 0, sizeof *mx);
    mx->prow = calloc(m->nprof, sizeof *mx->prow);
    mx->cols = calloc(norder + 2, sizeof *mx->cols);
    if (!mx->prow || !mx->cols)
        return -1;
    int *seen = calloc(norder + 1, sizeof *seen);
    if (!seen)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        const char *col = dim == ESR_DIM_PROFESSION_ROLE ? c->role : c->key;
        if (strcmp(c->org, b->in->org) || c->dim != dim || !*c->profession || !*col)
            continue;
        size_t p;
        if (esr_strmap_get(m->prof_by_name, c->profession, strlen(c->profession), &p))
            mx->prow[p] = 1;
        for (size_t k = 0; k < norder; k++)
            if (!strcmp(order[k], col))
                seen[k] = 1;
        if (dim == ESR_DIM_BAND && !strncmp(col, "(", 1))
            seen[norder] = 1; /* "(not recorded)" and friends go last */
    }
    for (size_t k = 0; k < norder; k++)
        if (seen[k])
            mx->cols[mx->nc++] = order[k];
    if (seen[norder]) {
        mx->cols[mx->nc++] = "(not recorded)";
        mx->cols[mx->nc++] = "(not recognised)";
    }
    free(seen);
    for (size_t p = 0; p < m->nprof; p++)
        mx->prow[p] = mx->prow[p] ? ++mx->np : 0;
    size_t w = (size_t)mx->nc + 3, h = (size_t)mx->np + 2;
    mx->fte = calloc(w * h, sizeof *mx->fte);
    mx->head = calloc(h, sizeof *mx->head);
    if (!mx->fte || !mx->head)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (strcmp(c->org, b->in->org) || c->dim != dim)
            continue;
        const char *col = dim == ESR_DIM_PROFESSION_ROLE ? c->role : c->key;
        size_t p = 0;
        int hp = *c->profession &&
                 esr_strmap_get(m->prof_by_name, c->profession, strlen(c->profession), &p);
        size_t row = hp ? (size_t)mx->prow[p] : (size_t)mx->np + 1;
        if (*col) {
            int k = col_index(mx, col);
            if (k)
                mx->fte[row * w + (size_t)k] = (double)c->fte_e5 / 1e5;
        } else {
            mx->fte[row * w + (size_t)mx->nc + 1] = (double)c->fte_e5 / 1e5;
            mx->head[row] = (double)c->headcount;
        }
    }
    /* band cells carry no row totals: sum them (FTE is additive) */
    if (dim == ESR_DIM_BAND)
        for (size_t row = 1; row < h; row++) {
            double t = 0;
            for (int k = 1; k <= mx->nc; k++)
                t += mx->fte[row * w + (size_t)k];
            mx->fte[row * w + (size_t)mx->nc + 1] = t;
        }
    return 0;
}

/* Free a matrix's arrays. */
static void free_matrix(matrix *mx)
{
    free(mx->prow);
    free(mx->cols);
    free(mx->fte);
    free(mx->head);
}

/* Write mx to sheet s: headings, a row per profession and a total row. */
static void write_matrix(book *b, int s, matrix *mx, const char *corner, int with_head)
{
    const esr_mappings *m = b->in->m;
    size_t w = (size_t)mx->nc + 3;
    str(b, s, 0, 0, corner, b->st.heading);
    for (int k = 0; k < mx->nc; k++)
        str(b, s, 0, (lxw_col_t)(k + 1), mx->cols[k], b->st.heading_num);
    str(b, s, 0, (lxw_col_t)(mx->nc + 1), "Total FTE", b->st.heading_num);
    if (with_head)
        str(b, s, 0, (lxw_col_t)(mx->nc + 2), "Headcount", b->st.heading_num);
    /* constant_memory: the filter range must be set before its rows are flushed */
    worksheet_autofilter(b->s[s].ws, 0, 0, (lxw_row_t)mx->np,
                         (lxw_col_t)(mx->nc + (with_head ? 2 : 1)));
    for (size_t p = 0; p <= m->nprof; p++) {
        lxw_row_t row;
        lxw_format *f = b->st.fte;
        if (p < m->nprof) {
            if (!mx->prow[p])
                continue;
            row = (lxw_row_t)mx->prow[p];
            str(b, s, row, 0, m->prof[p].name, NULL);
        } else {
            row = (lxw_row_t)mx->np + 1;
            str(b, s, row, 0, "Total", b->st.total);
            f = b->st.total_fte;
        }
        for (int k = 1; k <= mx->nc + 1; k++)
            num(b, s, row, (lxw_col_t)k, mx->fte[row * w + (size_t)k], f);
        if (with_head)
            num(b, s, row, (lxw_col_t)(mx->nc + 2), mx->head[row], b->st.count);
    }
    worksheet_freeze_panes(b->s[s].ws, 1, 1);
}

/* By profession sheet: FTE by profession and support role, with a chart. */
static void write_by_profession(book *b)
{
    const esr_mappings *m = b->in->m;
    const char **order = calloc(m->nroles + 1, sizeof *order);
    matrix mx;
    if (!order)
        return;
    for (size_t i = 0; i < m->nroles; i++)
        order[i] = m->roles[i].name;
    if (build_matrix(b, ESR_DIM_PROFESSION_ROLE, order, m->nroles, &mx) == 0) {
        write_matrix(b, S_PROF, &mx, "Profession supported", 1);
        lxw_row_t r = (lxw_row_t)mx.np + 3;
        str(b, S_PROF, r, 0,
            "FTE by support role; headcount de-duplicated per row, so rows do not add to the "
            "total.",
            b->st.note);
        if (mx.np && mx.nc) {
            lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_BAR_STACKED);
            for (int k = 1; k <= mx.nc; k++) {
                char cat[160], val[160], name[160], ref[64];
                snprintf(cat, sizeof cat, "='%s'!$A$2:$A$%d", sheet_names[S_PROF], mx.np + 1);
                lxw_rowcol_to_range_abs(ref, 1, (lxw_col_t)k, (lxw_row_t)mx.np, (lxw_col_t)k);
                snprintf(val, sizeof val, "='%s'!%s", sheet_names[S_PROF], ref);
                lxw_chart_series *se = chart_add_series(chart, cat, val);
                lxw_rowcol_to_cell_abs(ref, 0, (lxw_col_t)k, 1, 1);
                snprintf(name, sizeof name, "='%s'!%s", sheet_names[S_PROF], ref);
                chart_series_set_name(se, name);
            }
            chart_title_set_name(chart, "FTE by profession supported and support role");
            chart_axis_set_name(chart->x_axis, "FTE");
            chart_axis_set_reverse(chart->y_axis);
            chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
            lxw_chart_options co = {.x_scale = 2.4, .y_scale = 1.9};
            worksheet_insert_chart_opt(b->s[S_PROF].ws, r + 2, 0, chart, &co);
        }
    }
    widths(b, S_PROF, 12);
    free_matrix(&mx);
    free(order);
}

/* By band sheet: FTE by profession and pay band. */
static void write_by_band(book *b)
{
    const esr_mappings *m = b->in->m;
    const char **order = calloc(m->nbands + 1, sizeof *order);
    matrix mx;
    if (!order)
        return;
    for (size_t i = 0; i < m->nbands; i++)
        order[i] = m->bands[i].name;
    if (build_matrix(b, ESR_DIM_BAND, order, m->nbands, &mx) == 0) {
        write_matrix(b, S_BAND, &mx, "Profession supported", 0);
        str(b, S_BAND, (lxw_row_t)mx.np + 3, 0,
            "FTE by Agenda for Change band. Assistant practitioners are expected at band 4, "
            "trainees at band 3; band 5 and above on a support role is flagged.",
            b->st.note);
    }
    widths(b, S_BAND, 10);
    free_matrix(&mx);
    free(order);
}

/* ---- Area of work ---------------------------------------------------- */

typedef struct area_row {
    const char *area;
    long long fte;
    uint64_t head;
} area_row;

/* Area rows by FTE (most first), then name. */
static int area_cmp(const void *x, const void *y)
{
    const area_row *a = x, *b = y;
    if (a->fte != b->fte)
        return a->fte > b->fte ? -1 : 1;
    return strcmp(a->area, b->area);
}

/* Per organisation orgs[o] (o >= 1): FTE by area into fa[o], FTE with no
 * area recorded into fb[o]; one pass over the cells (linear in
 * organisations). 0 or -1 on no memory. */
static int org_area_totals(const esr_cell **cells, size_t n, const esr_org_counts **orgs, size_t no,
                           long long *fa, long long *fb)
{
    esr_strmap *ix = esr_strmap_new();
    for (size_t o = 1; ix && o < no; o++)
        if (esr_strmap_put(ix, orgs[o]->org, strlen(orgs[o]->org), o, NULL) < 0) {
            esr_strmap_free(ix);
            ix = NULL;
        }
    if (!ix)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        size_t o;
        if (c->dim != ESR_DIM_AREA || *c->profession || !*c->org ||
            !esr_strmap_get(ix, c->org, strlen(c->org), &o))
            continue;
        fa[o] += c->fte_e5;
        if (!strcmp(c->key, "(not recorded)"))
            fb[o] += c->fte_e5;
    }
    esr_strmap_free(ix);
    return 0;
}

/* Area of work sheet: FTE by area, then completeness by profession and organisation. */
static void write_area(book *b)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    area_row *rows = calloc(n + 1, sizeof *rows);
    size_t nr = 0;
    long long total = 0;
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (!strcmp(c->org, b->in->org) && c->dim == ESR_DIM_AREA && !*c->profession) {
            rows[nr++] = (area_row){c->key, c->fte_e5, c->headcount};
            total += c->fte_e5;
        }
    }
    qsort(rows, nr, sizeof *rows, area_cmp);
    static const char *const h1[] = {"Area of work", "FTE", "Headcount", "Share of FTE", NULL};
    lxw_row_t r = 0;
    headings_num(b, S_AREA, r++, h1);
    worksheet_autofilter(b->s[S_AREA].ws, 0, 0, (lxw_row_t)nr, 3); /* before its rows are flushed */
    for (size_t i = 0; i < nr; i++, r++) {
        str(b, S_AREA, r, 0, rows[i].area, NULL);
        fte(b, S_AREA, r, 1, rows[i].fte, NULL);
        num(b, S_AREA, r, 2, (double)rows[i].head, b->st.count);
        num(b, S_AREA, r, 3, total ? (double)rows[i].fte / (double)total : 0, b->st.pct);
    }
    str(b, S_AREA, r, 0, "Total", b->st.total);
    fte(b, S_AREA, r, 1, total, b->st.total_fte);
    worksheet_freeze_panes(b->s[S_AREA].ws, 1, 0);
    r += 2;

    /* completeness: share of FTE with a recorded area, by profession */
    static const char *const h2[] = {"Completeness by profession", "FTE", "FTE with area recorded",
                                     "Completeness", NULL};
    headings_num(b, S_AREA, r++, h2);
    const esr_mappings *m = b->in->m;
    long long *all = calloc(m->nprof, sizeof *all), *blank = calloc(m->nprof, sizeof *blank);
    if (all && blank) {
        for (size_t i = 0; i < n; i++) {
            const esr_cell *c = cells[i];
            size_t p;
            if (strcmp(c->org, b->in->org) || c->dim != ESR_DIM_AREA || !*c->profession ||
                !esr_strmap_get(m->prof_by_name, c->profession, strlen(c->profession), &p))
                continue;
            all[p] += c->fte_e5;
            if (!strcmp(c->key, "(not recorded)"))
                blank[p] += c->fte_e5;
        }
        long long ta = 0, tb = 0;
        for (size_t p = 0; p < m->nprof; p++) {
            if (!all[p])
                continue;
            str(b, S_AREA, r, 0, m->prof[p].name, NULL);
            fte(b, S_AREA, r, 1, all[p], NULL);
            fte(b, S_AREA, r, 2, all[p] - blank[p], NULL);
            num(b, S_AREA, r++, 3, (double)(all[p] - blank[p]) / (double)all[p], b->st.pct);
            ta += all[p];
            tb += blank[p];
        }
        str(b, S_AREA, r, 0, "All professions", b->st.total);
        fte(b, S_AREA, r, 1, ta, b->st.total_fte);
        fte(b, S_AREA, r, 2, ta - tb, b->st.total_fte);
        num(b, S_AREA, r++, 3, ta ? (double)(ta - tb) / (double)ta : 0, b->st.pct);
    }
    free(all);
    free(blank);

    /* by organisation, when the return covers several */
    if (!*b->in->org) {
        const esr_org_counts **orgs;
        size_t no = aggregate_orgs(b->in->agg, &orgs);
        if (no > 2) {
            r++;
            static const char *const h3[] = {"Completeness by organisation", "FTE",
                                             "FTE with area recorded", "Completeness", NULL};
            headings_num(b, S_AREA, r++, h3);
            long long *fa = calloc(no, sizeof *fa), *fb = calloc(no, sizeof *fb);
            if (!fa || !fb || org_area_totals(cells, n, orgs, no, fa, fb))
                no = 0; /* out of memory: the section stays empty */
            for (size_t o = 1; o < no; o++) {
                long long a = fa[o], bl = fb[o];
                str(b, S_AREA, r, 0, orgs[o]->org, NULL);
                fte(b, S_AREA, r, 1, a, NULL);
                fte(b, S_AREA, r, 2, a - bl, NULL);
                num(b, S_AREA, r++, 3, a ? (double)(a - bl) / (double)a : 0, b->st.pct);
            }
            free(fa);
            free(fb);
        }
    }
    widths(b, S_AREA, 12);
    free(rows);
}

/* ---- Job titles ------------------------------------------------------ */

/* Job titles sheet: the organisation's local titles and how each matched. */
static void write_titles(book *b)
{
    const esr_title_stat **ts;
    size_t n = aggregate_titles(b->in->agg, &ts);
    static const char *const h[] = {
        "Local title", "Standard title", "Profession supported",  "Support role", "Match",
        "Confidence",  "Mapping rows",   "Suggestion (unmapped)", "Assignments",  "FTE",
        NULL};
    headings(b, S_TITLES, 0, h);
    lxw_row_t r = 1;
    for (size_t i = 0; i < n; i++) {
        const esr_title_stat *t = ts[i];
        if (strcmp(t->org, b->in->org))
            continue;
        str(b, S_TITLES, r, 0, t->title, NULL);
        str(b, S_TITLES, r, 1, t->standard_title, NULL);
        str(b, S_TITLES, r, 2, t->profession, NULL);
        str(b, S_TITLES, r, 3, t->role, NULL);
        str(b, S_TITLES, r, 4, t->match, NULL);
        if (*t->title)
            num(b, S_TITLES, r, 5, t->score, b->st.count);
        str(b, S_TITLES, r, 6, t->rule, NULL);
        str(b, S_TITLES, r, 7, t->suggestion, NULL);
        num(b, S_TITLES, r, 8, (double)t->rows, b->st.count);
        fte(b, S_TITLES, r, 9, t->fte_e5, NULL);
        r++;
    }
    worksheet_freeze_panes(b->s[S_TITLES].ws, 1, 1);
    if (r > 1)
        worksheet_autofilter(b->s[S_TITLES].ws, 0, 0, r - 1, 9);
    widths(b, S_TITLES, 10);
}

/* ---- Training -------------------------------------------------------- */

/* headcount of cell (org, dim, profession, "", key) or 0 */
static const esr_cell *find_cell(book *b, esr_dim dim, const char *prof, const char *key)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (c->dim == dim && !strcmp(c->org, b->in->org) && !strcmp(c->profession, prof) &&
            !*c->role && !strcmp(c->key, key))
            return c;
    }
    return NULL;
}

/* Headcount of the cell (dim, prof, key), or 0. */
static double head_of(book *b, esr_dim dim, const char *prof, const char *key)
{
    const esr_cell *c = find_cell(b, dim, prof, key);
    return c ? (double)c->headcount : 0;
}

/* Training sheet: Care Certificate, qualifications, apprenticeships, unknown names. */
static void write_training(book *b)
{
    const esr_training *tr = b->in->training;
    const esr_mappings *m = b->in->m;
    lxw_row_t r = 0;
    str(b, S_TRAINING, r, 0, "Training and qualifications", b->st.title);
    r += 2;
    if (!tr) {
        str(b, S_TRAINING, r, 0,
            "No competence export was joined: run with --training FILE (an ESR competence / "
            "learning-record "
            "export) to fill Care Certificate status, qualification levels and apprenticeships.",
            b->st.note);
        worksheet_set_column(b->s[S_TRAINING].ws, 0, 0, 100, NULL);
        return;
    }
    const esr_training_stats *ts = training_stats(tr);
    char line[256];
    snprintf(line, sizeof line,
             "Joined %s: %llu competence rows, %llu matched, %llu not recognised (listed below for "
             "review).",
             training_input_name(tr), (unsigned long long)ts->rows, (unsigned long long)ts->matched,
             (unsigned long long)ts->unmatched);
    str(b, S_TRAINING, r++, 0, line, b->st.note);
    str(b, S_TRAINING, r++, 0,
        "Headcount of in-scope people. Qualification level (RQF) is what a person holds; career "
        "framework level "
        "is what the post asks for: the two are reported apart, never corrected.",
        b->st.note);
    r++;

    static const char *const h1[] = {"Care Certificate by profession",
                                     "People",
                                     "Completed",
                                     "In progress",
                                     "Not recorded",
                                     "Completion",
                                     NULL};
    headings_num(b, S_TRAINING, r++, h1);
    for (size_t p = 0; p <= m->nprof; p++) {
        const char *prof = p < m->nprof ? m->prof[p].name : "";
        double done = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, "completed");
        double prog = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, "in_progress");
        double none = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, "not_recorded");
        const esr_cell *all = find_cell(b, ESR_DIM_PROFESSION_ROLE, prof, "");
        double people = all ? (double)all->headcount : 0;
        if (!people)
            continue;
        lxw_format *f = p < m->nprof ? NULL : b->st.total;
        str(b, S_TRAINING, r, 0, p < m->nprof ? prof : "All professions", f ? f : NULL);
        num(b, S_TRAINING, r, 1, people, b->st.count);
        num(b, S_TRAINING, r, 2, done, b->st.count);
        num(b, S_TRAINING, r, 3, prog, b->st.count);
        num(b, S_TRAINING, r, 4, none, b->st.count);
        num(b, S_TRAINING, r++, 5, done / people, b->st.pct);
    }
    r++;
    /* one column per level qualifications.csv can give, after "none recorded" */
    enum { MAX_LEVELS = 16 };
    int levels[MAX_LEVELS];
    size_t nlv = 1 + training_levels(tr, levels + 1, MAX_LEVELS - 1);
    levels[0] = 0;
    char keys[MAX_LEVELS][32];
    const char *h2[MAX_LEVELS + 2] = {"Highest qualification by profession", "None recorded"};
    for (size_t k = 0; k < nlv; k++) {
        aggregate_level_label(levels[k], keys[k]);
        if (k)
            h2[k + 1] = keys[k];
    }
    headings_num(b, S_TRAINING, r++, h2);
    for (size_t p = 0; p <= m->nprof; p++) {
        const char *prof = p < m->nprof ? m->prof[p].name : "";
        double row[MAX_LEVELS], any = 0;
        for (size_t k = 0; k < nlv; k++)
            any += row[k] = head_of(b, ESR_DIM_QUAL_LEVEL, prof, keys[k]);
        if (!any)
            continue;
        str(b, S_TRAINING, r, 0, p < m->nprof ? prof : "All professions",
            p < m->nprof ? NULL : b->st.total);
        for (size_t k = 0; k < nlv; k++)
            num(b, S_TRAINING, r, (lxw_col_t)(k + 1), row[k], b->st.count);
        r++;
    }
    r++;
    static const char *const h3[] = {"Apprenticeships in progress, by standard", "People", "FTE",
                                     NULL};
    headings_num(b, S_TRAINING, r++, h3);
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (c->dim != ESR_DIM_APPRENTICESHIP || strcmp(c->org, b->in->org) || *c->profession ||
            !strcmp(c->key, "none"))
            continue;
        str(b, S_TRAINING, r, 0, c->key, NULL);
        num(b, S_TRAINING, r, 1, (double)c->headcount, b->st.count);
        fte(b, S_TRAINING, r++, 2, c->fte_e5, NULL);
    }
    r++;
    static const char *const h4[] = {"Competence names not recognised (review; never guessed)",
                                     "Rows", NULL};
    headings_num(b, S_TRAINING, r++, h4);
    const char *name;
    uint64_t count;
    size_t nu = training_unmatched(tr, 0, &name, &count);
    for (size_t i = 0; i < nu; i++) {
        training_unmatched(tr, i, &name, &count);
        str(b, S_TRAINING, r, 0, name, NULL);
        num(b, S_TRAINING, r++, 1, (double)count, b->st.count);
    }
    widths(b, S_TRAINING, 12);
}

/* ---- streaming sheets: Support workforce and Data quality ------------ */

/* A finding on its way to the Data quality sheet, spooled while the records
 * stream: the sheet's findings list comes after its summary, which needs
 * the final counts. */
typedef struct spooled {
    int32_t rule;
    uint32_t src_len, line_len, value_len;
} spooled;

typedef struct stream {
    book *b;
    int header_done;
    int rule_col[ESR_RULE_COUNT];
    lxw_row_t rec_row, dq_row;
    uint64_t rec_dropped, dq_dropped;
    int rejects;
    FILE *spool;       /* findings of records while they stream, else NULL */
    uint64_t nspooled; /* findings in the spool (at most the row cap + 1) */
    int spool_failed;
} stream;

/* One row of the Data quality findings list, unless past the row cap; returns 0. */
static int dq_finding(stream *st, const char *src, const char *line, int rule, const char *value)
{
    book *b = st->b;
    uint64_t cap = b->in->max_sheet_rows;
    if (st->spool) {
        if (cap && st->nspooled > cap) /* the sheet cannot show more than cap anyway */
            return 0;
        spooled h = {rule, (uint32_t)strlen(src), (uint32_t)strlen(line), (uint32_t)strlen(value)};
        if (fwrite(&h, sizeof h, 1, st->spool) != 1 ||
            fwrite(src, 1, h.src_len, st->spool) != h.src_len ||
            fwrite(line, 1, h.line_len, st->spool) != h.line_len ||
            fwrite(value, 1, h.value_len, st->spool) != h.value_len)
            st->spool_failed = 1;
        st->nspooled++;
        return 0;
    }
    const esr_rule_info *ri = &b->in->m->rules[rule];
    if (cap && st->dq_row > cap) {
        st->dq_dropped++;
        return 0;
    }
    lxw_row_t r = st->dq_row++;
    str(b, S_DQ, r, 0, rule_id(rule), NULL);
    str(b, S_DQ, r, 1, rule_severity_name(ri->severity), NULL);
    str(b, S_DQ, r, 2, src, NULL);
    num(b, S_DQ, r, 3, strtod(line, NULL), b->st.count);
    str(b, S_DQ, r, 4, ri->field, NULL);
    str(b, S_DQ, r, 5, value, NULL);
    return 0;
}

/* Replay the spooled findings onto the Data quality sheet; 0 or -1. */
static int spool_replay(stream *st, FILE *spool)
{
    if (fflush(spool) || fseek(spool, 0, SEEK_SET))
        return -1;
    esr_buf t = {0};
    spooled h;
    int bad = 0;
    while (!bad && fread(&h, sizeof h, 1, spool) == 1) {
        size_t n = (size_t)h.src_len + h.line_len + h.value_len;
        esr_buf_reset(&t);
        if (esr_buf_reserve(&t, n + 3) || fread(t.data, 1, n, spool) != n) {
            bad = 1;
            break;
        }
        /* three strings in place: src, line, value */
        memmove(t.data + h.src_len + h.line_len + 2, t.data + h.src_len + h.line_len, h.value_len);
        memmove(t.data + h.src_len + 1, t.data + h.src_len, h.line_len);
        char *src = t.data, *line = src + h.src_len + 1, *value = line + h.line_len + 1;
        src[h.src_len] = line[h.line_len] = value[h.value_len] = '\0';
        dq_finding(st, src, line, h.rule, value);
    }
    esr_buf_free(&t);
    return bad || ferror(spool) ? -1 : 0;
}

/* Which records.csv column each rule's finding quotes (-1: none). */
static void rule_cols(stream *st)
{
    for (int r = 0; r < ESR_RULE_COUNT; r++) {
        st->rule_col[r] = -1;
        for (int c = 0; c < RC_COUNT; c++)
            if (!strcmp(records_col_name((esr_rcol)c), st->b->in->m->rules[r].field))
                st->rule_col[r] = c;
    }
}

/* One record (its RC_COUNT values, as rendered) onto Support workforce,
 * and its findings to the spool; 0. */
static int put_record(stream *st, const char *const *f)
{
    book *b = st->b;
    uint64_t cap = b->in->max_sheet_rows;
    if (!cap || st->rec_row <= cap) {
        lxw_row_t r = st->rec_row++;
        for (int c = 0; c < RC_COUNT; c++) {
            const char *v = f[c];
            if (!*v)
                continue;
            if (records_col_numeric(c))
                num(b, S_RECORDS, r, (lxw_col_t)c, strtod(v, NULL), c == RC_FTE ? b->st.fte : NULL);
            else
                str(b, S_RECORDS, r, (lxw_col_t)c, v, NULL);
        }
    } else {
        st->rec_dropped++;
    }
    /* findings of this record */
    const char *flags = f[RC_DQ_FLAGS];
    while (*flags) {
        size_t k = strcspn(flags, ";");
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(k < 63 ? k : 63), flags);
        int rule = rule_parse(id);
        if (rule >= 0) {
            const char *value = st->rule_col[rule] >= 0 ? f[st->rule_col[rule]] : "";
            char with[512];
            if (rule == ESR_RULE_AREA_UNKNOWN && *f[RC_AREA_SUGGESTION]) {
                snprintf(with, sizeof with, "%s (nearest known: %s)", value, f[RC_AREA_SUGGESTION]);
                value = with;
            }
            dq_finding(st, f[RC_SOURCE_FILE], f[RC_SOURCE_LINE], rule, value);
        }
        flags += k + (flags[k] == ';');
    }
    return 0;
}

/* Reader callback: records.csv rows to put_record; rejects.csv rows to
 * Data quality. */
static int on_record(void *ctx, const esr_row *row)
{
    stream *st = ctx;
    if (row->fault)
        return 0;
    if (!st->header_done) {
        st->header_done = 1;
        return 0;
    }
    if (st->rejects) {
        /* source_file,line,reason,raw: the rule id leads the reason */
        if (row->nfields < 3)
            return 0;
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)strcspn(row->fields[2], ":"), row->fields[2]);
        int rule = rule_parse(id);
        if (rule >= 0)
            dq_finding(st, row->fields[0], row->fields[1], rule,
                       row->fields[2] + strlen(id) + (row->fields[2][strlen(id)] ? 2 : 0));
        return 0;
    }
    if (row->nfields != RC_COUNT)
        return 0;
    /* records.csv neutralised formulas with a leading apostrophe; the sheet
     * gets the text itself (never a formula) */
    const char *f[RC_COUNT];
    for (int c = 0; c < RC_COUNT; c++) {
        const char *v = row->fields[c];
        f[c] = v[0] == '\'' && v[1] && strchr("=+-@\t\r", v[1]) ? v + 1 : v;
    }
    return put_record(st, f);
}

/* A reader of the return's own CSV text, calling on_record. */
static esr_csvreader *reader_new(stream *st)
{
    esr_csv_opts o;
    csvreader_opts_default(&o, ',');
    o.max_field_bytes = 1u << 24; /* esrpipe wrote it: no field is larger than an input field */
    return csvreader_new(&o, on_record, st);
}

/* Read the file at path, written earlier in this run, with rd (to its end). */
static esr_status feed_file(esr_csvreader *rd, const char *path, esr_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot reopen for the workbook", path);
    esr_status s = csvreader_read(rd, fp, path, err);
    fclose(fp);
    return s;
}

/* Stream the rejects.csv at path onto the Data quality sheet. */
static esr_status stream_rejects(stream *st, const char *path, esr_err *err)
{
    esr_csvreader *rd = reader_new(st);
    if (!rd)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    st->header_done = 0;
    st->rejects = 1;
    esr_status s = feed_file(rd, path, err);
    csvreader_free(rd);
    return s;
}

/* Data quality: findings by rule, then the headings of the findings list. */
static void write_dq_summary(book *b, lxw_row_t *r)
{
    const esr_org_counts *oc = aggregate_org(b->in->agg, b->in->org);
    static const char *const h[] = {"Rule", "Severity", "Field", "What it means",
                                    "Rows", "FTE",      NULL};
    static const char *const sev[] = {"error (row rejected)", "warning", "info"};
    headings(b, S_DQ, (*r)++, h);
    for (int i = 0; oc && i < ESR_RULE_COUNT; i++) {
        if (!oc->findings[i])
            continue;
        const esr_rule_info *ri = &b->in->m->rules[i];
        str(b, S_DQ, *r, 0, rule_id(i), NULL);
        str(b, S_DQ, *r, 1, sev[ri->severity], NULL);
        str(b, S_DQ, *r, 2, ri->field, NULL);
        str(b, S_DQ, *r, 3, ri->message, NULL);
        num(b, S_DQ, *r, 4, (double)oc->findings[i], b->st.count);
        if (ri->severity != ESR_SEV_ERROR)
            fte(b, S_DQ, *r, 5, oc->findings_fte_e5[i], NULL);
        (*r)++;
    }
    *r += 1;
    static const char *const h2[] = {"Rule",  "Severity", "Source file", "Line",
                                     "Field", "Value",    NULL};
    headings(b, S_DQ, (*r)++, h2);
}

/* ---- Lists and drop-downs -------------------------------------------- */

/* Hidden Lists sheet of coded values, and drop-downs on Support workforce. */
static void write_lists(book *b, lxw_row_t nrows)
{
    const esr_mappings *m = b->in->m;
    static const char *const h[] = {"Profession supported", "Support role",   "Pay band",
                                    "Area of work",         "Standard title", NULL};
    headings(b, S_LISTS, 0, h);
    size_t len[5] = {m->nprof, m->nroles, m->nbands, m->nareas, 0};
    const esr_title_stat **ts;
    size_t nt = aggregate_titles(b->in->agg, &ts);
    const char **std = calloc(nt + 1, sizeof *std);
    for (size_t i = 0; std && i < nt; i++) {
        if (!*ts[i]->standard_title)
            continue;
        size_t k = 0;
        while (k < len[4] && strcmp(std[k], ts[i]->standard_title))
            k++;
        if (k == len[4])
            std[len[4]++] = ts[i]->standard_title;
    }
    size_t most = 0;
    for (int c = 0; c < 5; c++)
        most = len[c] > most ? len[c] : most;
    for (size_t i = 0; i < most; i++) {
        lxw_row_t r = (lxw_row_t)i + 1;
        if (i < len[0])
            str(b, S_LISTS, r, 0, m->prof[i].name, NULL);
        if (i < len[1])
            str(b, S_LISTS, r, 1, m->roles[i].name, NULL);
        if (i < len[2])
            str(b, S_LISTS, r, 2, m->bands[i].name, NULL);
        if (i < len[3])
            str(b, S_LISTS, r, 3, m->areas[i], NULL);
        if (i < len[4])
            str(b, S_LISTS, r, 4, std[i], NULL);
    }
    widths(b, S_LISTS, 10);
    worksheet_hide(b->s[S_LISTS].ws);
    free(std);
    if (nrows < 1)
        return;
    /* drop-downs on the coded columns of Support workforce */
    static const struct {
        int rcol, list;
    } dd[] = {{RC_PROFESSION, 0},
              {RC_SUPPORT_ROLE, 1},
              {RC_PAY_BAND, 2},
              {RC_AREA_OF_WORK, 3},
              {RC_STANDARD_TITLE, 4}};
    for (size_t i = 0; i < sizeof dd / sizeof dd[0]; i++) {
        if (!len[dd[i].list])
            continue;
        char formula[64], col[8];
        lxw_col_to_name(col, (lxw_col_t)dd[i].list, 0);
        snprintf(formula, sizeof formula, "=Lists!$%s$2:$%s$%zu", col, col, len[dd[i].list] + 1);
        lxw_data_validation v = {0};
        v.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
        v.value_formula = formula;
        v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
        v.ignore_blank = LXW_VALIDATION_ON;
        worksheet_data_validation_range(b->s[S_RECORDS].ws, 1, (lxw_col_t)dd[i].rcol, nrows,
                                        (lxw_col_t)dd[i].rcol, &v);
    }
}

/* ---- the workbook's life: open, feed the records, close ------------- */

struct esr_xlsx {
    book b;
    stream st;
    esr_xlsx_in in; /* the caller's inputs: open-time ones until xlsx_close */
    char *path;
    esr_buf carry;  /* a packed record split between two feeds */
    int carry_nuls; /* its complete values */
};

/* Start the workbook at path (see write_xlsx.h). */
esr_status xlsx_open(const char *path, const esr_xlsx_in *in, esr_xlsx **out, esr_err *err)
{
    esr_xlsx *x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        free(x);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    x->in = *in;
    book *b = &x->b;
    b->in = &x->in;
    x->st.b = b;
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)in->tmpdir, .use_zip64 = LXW_TRUE};
    b->wb = workbook_new_opt(path, &opt);
    if (!b->wb) {
        xlsx_free(x);
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create workbook", path);
    }
    for (int s = 0; s < S_COUNT; s++)
        if (!(b->s[s].ws = workbook_add_worksheet(b->wb, sheet_names[s]))) {
            xlsx_free(x);
            return esr_err_set(err, ESR_ERR_XLSX, "%s: cannot add worksheet %s", path,
                               sheet_names[s]);
        }
    /* print/PDF: A4 landscape, summary sheets one page wide, long tables' headers
     * repeated (set before any row is written: constant_memory) */
    for (int s = 0; s < S_LISTS; s++) {
        worksheet_set_landscape(b->s[s].ws);
        worksheet_set_paper(b->s[s].ws, 9);
        if (s != S_RECORDS)
            worksheet_fit_to_pages(b->s[s].ws, 1, 0);
        if (s == S_RECORDS || s == S_TITLES) /* one long table each */
            worksheet_repeat_rows(b->s[s].ws, 0, 0);
    }
    xlsx_style_add(b->wb, &b->st);
    for (int c = 0; c < RC_COUNT; c++)
        str(b, S_RECORDS, 0, (lxw_col_t)c, records_col_name(c), b->st.heading);
    x->st.rec_row = 1;
    rule_cols(&x->st);
    if (!(x->st.spool = lxw_tmpfile((char *)in->tmpdir))) {
        xlsx_free(x);
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot create a temporary file in %s: %s", path,
                           in->tmpdir ? in->tmpdir : "TMPDIR", strerror(errno));
    }
    *out = x;
    return ESR_OK;
}

/* Non-zero once more records cannot change the sheets. */
static int saturated(const esr_xlsx *x)
{
    uint64_t cap = x->in.max_sheet_rows;
    return cap && x->st.rec_dropped && x->st.nspooled > cap;
}

/* Feed packed records to the long sheets (see write_xlsx.h). */
esr_status xlsx_feed(esr_xlsx *x, const char *p, size_t n, int *enough, esr_err *err)
{
    const char *end = p + n, *f[RC_COUNT];
    if (x->carry.len) { /* finish the record the last feed split */
        while (p < end && x->carry_nuls < RC_COUNT) {
            const char *z = memchr(p, '\0', (size_t)(end - p));
            const char *next = z ? z + 1 : end;
            if (esr_buf_append(&x->carry, p, (size_t)(next - p)))
                return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
            x->carry_nuls += z != NULL;
            p = next;
        }
        if (x->carry_nuls < RC_COUNT)
            goto done;
        f[0] = x->carry.data;
        for (int c = 1; c < RC_COUNT; c++)
            f[c] = f[c - 1] + strlen(f[c - 1]) + 1;
        put_record(&x->st, f);
        esr_buf_reset(&x->carry);
        x->carry_nuls = 0;
    }
    while (p < end) {
        const char *q = p;
        int c = 0;
        for (const char *z; c < RC_COUNT && (z = memchr(q, '\0', (size_t)(end - q))); c++) {
            f[c] = q;
            q = z + 1;
        }
        if (c < RC_COUNT) { /* the rest comes with the next feed */
            if (esr_buf_append(&x->carry, p, (size_t)(end - p)))
                return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
            x->carry_nuls = c;
            break;
        }
        put_record(&x->st, f);
        p = q;
    }
done:
    if (enough)
        *enough = saturated(x);
    return ESR_OK;
}

/* Write the other sheets and close (see write_xlsx.h). */
esr_status xlsx_close(esr_xlsx *x, const esr_xlsx_in *in, esr_err *err)
{
    book *b = &x->b;
    stream *st = &x->st;
    const char *path = in->display ? in->display : x->path;
    esr_status s = ESR_OK;
    if (x->carry.len && !saturated(x))
        s = esr_err_set(err, ESR_ERR_INTERNAL, "%s: the last record fed was cut short", path);
    if (!s && (st->spool_failed || ferror(st->spool)))
        s = esr_err_set(err, ESR_ERR_IO, "%s: writing a temporary file in %s failed", path,
                        in->tmpdir ? in->tmpdir : "TMPDIR");
    if (s) {
        xlsx_free(x);
        return s;
    }
    x->in = *in;
    write_cover(b);
    write_by_profession(b);
    write_by_band(b);
    write_area(b);
    write_titles(b);
    write_training(b);

    lxw_row_t dq = 0;
    write_dq_summary(b, &dq);
    st->dq_row = dq;
    /* filter on the findings list, set before its rows are flushed: one row per finding */
    const esr_org_counts *oc = aggregate_org(in->agg, in->org);
    uint64_t nf = 0;
    for (int i = 0; oc && i < ESR_RULE_COUNT; i++)
        nf += oc->findings[i];
    if (in->max_sheet_rows && dq + nf > in->max_sheet_rows)
        nf = in->max_sheet_rows >= dq ? in->max_sheet_rows - dq + 1 : 0;
    worksheet_autofilter(b->s[S_DQ].ws, dq - 1, 0, (lxw_row_t)(dq - 1 + nf), 5);
    FILE *spool = st->spool;
    st->spool = NULL;
    if (spool_replay(st, spool)) {
        st->spool = spool;
        s = esr_err_set(err, ESR_ERR_IO, "%s: reading back a temporary file in %s failed", path,
                        in->tmpdir ? in->tmpdir : "TMPDIR");
        xlsx_free(x);
        return s;
    }
    fclose(spool);
    if ((s = stream_rejects(st, in->rejects_csv, err))) {
        xlsx_free(x);
        return s;
    }
    if (st->rec_row > 1) /* before the note below flushes the last row */
        worksheet_autofilter(b->s[S_RECORDS].ws, 0, 0, st->rec_row - 1, RC_COUNT - 1);
    if (st->rec_dropped)
        str(b, S_RECORDS, st->rec_row, 0, "Rows beyond the workbook limit are in records.csv.",
            b->st.note);
    if (st->dq_dropped)
        str(b, S_DQ, st->dq_row, 0, "Findings beyond the workbook limit: see records.csv dq_flags.",
            b->st.note);
    worksheet_freeze_panes(b->s[S_RECORDS].ws, 1, 0);
    widths(b, S_RECORDS, 8);
    worksheet_freeze_panes(b->s[S_DQ].ws, 1, 0);
    widths(b, S_DQ, 10);
    write_lists(b, st->rec_row - 1);

    lxw_doc_properties props = {0};
    props.title = "Support workforce return";
    props.company = (char *)in->meta->org_name;
    props.comments = "Written by esrpipe";
    props.created = in->meta->created;
    workbook_set_properties(b->wb, &props);
    s = xlsx_close_checked(b->wb, b->s, S_COUNT, path, in->tmpdir, b->error, err);
    b->wb = NULL; /* closed or freed by xlsx_close_checked */
    xlsx_free(x);
    return s;
}

/* Abandon x (see write_xlsx.h). */
void xlsx_free(esr_xlsx *x)
{
    if (!x)
        return;
    if (x->b.wb)
        lxw_workbook_free(x->b.wb);
    if (x->st.spool)
        fclose(x->st.spool);
    esr_buf_free(&x->carry);
    free(x->path);
    free(x);
}

/* Write the whole workbook to path from the finished records.csv (see write_xlsx.h). */
esr_status xlsx_write(const char *path, const esr_xlsx_in *in, esr_err *err)
{
    esr_xlsx *x;
    esr_status s = xlsx_open(path, in, &x, err);
    if (s)
        return s;
    esr_csvreader *rd = reader_new(&x->st);
    if (!rd)
        s = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    else
        s = feed_file(rd, in->records_csv, err);
    csvreader_free(rd);
    if (s) {
        xlsx_free(x);
        return s;
    }
    return xlsx_close(x, in, err);
}
