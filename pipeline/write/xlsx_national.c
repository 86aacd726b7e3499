/* xlsx_national.c - the National comparison sheet (see xlsx_national.h).
 * Every national figure, its labels and its source come from
 * mappings/national_tables.csv; this file only lays them out. */
#include "xlsx_national.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "table.h"
#include "text.h"

struct esr_national {
    const esr_mappings *m;
    const esr_table *t; /* national_tables.csv */
    int c_table, c_row, c_col, c_dim, c_prof, c_role, c_key, c_region, c_fte, c_base, c_note,
        c_layout;
    const esr_natfig *figs;
    esr_strmap *index; /* org, dim, profession, role, key -> fig */
    const char **orgs; /* distinct organisations of the per-organisation blocks */
    size_t norgs;
    esr_buf key;
};

/* Pack (org, dim, prof, role, key) into nt->key; 0 or -1. */
static int pack(esr_national *nt, const char *org, esr_dim dim, const char *prof, const char *role,
                const char *key)
{
    esr_buf *k = &nt->key;
    esr_buf_reset(k);
    return esr_buf_puts(k, org) || esr_buf_putc(k, '\x1f') || esr_buf_putc(k, (char)('A' + dim)) ||
           esr_buf_puts(k, prof) || esr_buf_putc(k, '\x1f') || esr_buf_puts(k, role) ||
           esr_buf_putc(k, '\x1f') || esr_buf_puts(k, key);
}

/* Index figs against m (see xlsx_national.h). */
esr_status national_new(const esr_mappings *m, const esr_natfig *figs, size_t n, esr_national **out)
{
    esr_national *nt = calloc(1, sizeof *nt);
    *out = NULL;
    if (!nt)
        return ESR_ERR_NOMEM;
    const esr_table *t = nt->t = m->t_national;
    nt->m = m;
    nt->figs = figs;
    nt->c_table = table_col(t, "table");
    nt->c_row = table_col(t, "row");
    nt->c_col = table_col(t, "column");
    nt->c_dim = table_col(t, "dimension");
    nt->c_prof = table_col(t, "profession");
    nt->c_role = table_col(t, "support_role");
    nt->c_key = table_col(t, "key");
    nt->c_region = table_col(t, "region");
    nt->c_fte = table_col(t, "fte");
    nt->c_base = table_col(t, "baseline");
    nt->c_note = table_col(t, "note");
    nt->c_layout = table_col(t, "layout");
    esr_strmap *orgs;
    esr_strmap_new(&orgs); /* NULL on no memory: checked below */
    esr_strmap_new(&nt->index);
    nt->orgs = calloc(n + 1, sizeof *nt->orgs);
    int bad = !orgs || !nt->index || !nt->orgs;
    for (size_t i = 0; !bad && i < n; i++) {
        const esr_natfig *f = &figs[i];
        bad = pack(nt, f->org, f->dim, f->profession, f->role, f->key) ||
              esr_strmap_put(nt->index, nt->key.data, nt->key.len, i, NULL) < 0;
        if (!bad && *f->org) {
            int fresh = esr_strmap_put(orgs, f->org, strlen(f->org), 0, NULL);
            bad = fresh < 0;
            if (fresh == 1)
                nt->orgs[nt->norgs++] = f->org;
        }
    }
    esr_strmap_free(orgs);
    if (bad) {
        national_free(nt);
        return ESR_ERR_NOMEM;
    }
    *out = nt;
    return ESR_OK;
}

/* Free it. */
void national_free(esr_national *nt)
{
    if (!nt)
        return;
    esr_strmap_free(nt->index);
    free(nt->orgs);
    esr_buf_free(&nt->key);
    free(nt);
}

/* FTE of one summary figure, 0 if absent. */
static long long fig(const esr_national *cnt, const char *org, esr_dim dim, const char *prof,
                     const char *role, const char *key)
{
    esr_national *nt = (esr_national *)cnt; /* the key buffer is scratch */
    size_t i;
    if (pack(nt, org, dim, prof, role, key) ||
        !esr_strmap_get(nt->index, nt->key.data, nt->key.len, &i))
        return 0;
    return nt->figs[i].fte_e5;
}

/* The next part of a sep-separated list into part; advances *s. */
static const char *next_part(const char **s, char sep, char *part, size_t cap)
{
    size_t n = strcspn(*s, (char[]){sep, 0});
    snprintf(part, cap, "%.*s", (int)n, *s);
    *s += n + ((*s)[n] == sep);
    return part;
}

/* Sum of (dim, each profession, each role, key) over the organisations of region ("" = totals). */
static long long sum_lists(const esr_national *nt, esr_dim dim, const char *profs,
                           const char *roles, const char *key, const char *region)
{
    long long sum = 0;
    char p[128], r[128];
    const char *ps = profs;
    do {
        next_part(&ps, ';', p, sizeof p);
        const char *rs = roles;
        do {
            next_part(&rs, ';', r, sizeof r);
            if (!*region) {
                sum += fig(nt, "", dim, p, r, key);
                continue;
            }
            for (size_t o = 0; o < nt->norgs; o++) {
                const char *name, *reg;
                mappings_org(nt->m, nt->orgs[o], &name, &reg);
                if (!strcmp(reg, region))
                    sum += fig(nt, nt->orgs[o], dim, p, r, key);
            }
        } while (*rs);
    } while (*ps);
    return sum;
}

/* The return's FTE of national_tables.csv row i (see xlsx_national.h). */
long long national_fte(const esr_national *nt, size_t i)
{
    const esr_table *t = nt->t;
    const char *ds = table_get(t, i, nt->c_dim);
    long long sum = 0;
    char d[64];
    while (*ds) {
        int dim = aggregate_dim_parse(next_part(&ds, '+', d, sizeof d));
        if (dim >= 0)
            sum += sum_lists(nt, (esr_dim)dim, table_get(t, i, nt->c_prof),
                             table_get(t, i, nt->c_role), table_get(t, i, nt->c_key),
                             table_get(t, i, nt->c_region));
    }
    return sum;
}

/* Registered FTE of profession. */
long long national_registered(const esr_national *nt, const char *profession)
{
    return fig(nt, "", ESR_DIM_REGISTERED, profession, "", "");
}

/* Support FTE of profession. */
long long national_support(const esr_national *nt, const char *profession)
{
    return fig(nt, "", ESR_DIM_PROFESSION_ROLE, profession, "", "");
}

/* The national figure of table "ratio", row profession, column what; -1 if none. */
static double national_ratio_input(const esr_national *nt, const char *profession, const char *what)
{
    for (size_t i = 0; i < nt->t->nrows; i++)
        if (!strcmp(table_get(nt->t, i, nt->c_table), "ratio") &&
            !strcmp(table_get(nt->t, i, nt->c_row), profession) &&
            !strcmp(table_get(nt->t, i, nt->c_col), what))
            return strtod(table_get(nt->t, i, nt->c_fte), NULL);
    return -1;
}

/* Write a string cell. */
static void s_str(const esr_natsheet *o, lxw_row_t r, lxw_col_t c, const char *v, lxw_format *f)
{
    xsheet_str(o->sh, o->st, o->err, r, c, v, f);
}

/* Write a number cell. */
static void s_num(const esr_natsheet *o, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    xsheet_num(o->sh, o->st, o->err, r, c, v, f);
}

/* Headings: the first ntext over labels, the rest over numbers (right-aligned). */
static void write_headings(const esr_natsheet *o, lxw_row_t r, const char *const *h, int ntext)
{
    xsheet_heading_row(o->sh, r); /* headings wrap: a row tall enough */
    for (int c = 0; h[c]; c++)
        s_str(o, r, (lxw_col_t)c, h[c],
              c < ntext || !h[c + 1] ? o->st->heading : o->st->heading_num);
}

/* The title, the source and which baseline the snapshot compares with; advances *r. */
static void write_intro(const esr_natsheet *o, const esr_national *nt, const char *who,
                        const char *snapshot, lxw_row_t *r)
{
    const esr_table *t = nt->t;
    esr_buf line = {0}, months = {0};
    int same = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *b = table_get(t, i, nt->c_base);
        if (!*b || strstr(esr_buf_str(&months), b))
            continue;
        esr_buf_printf(&months, "%s%s", months.len ? ", " : "", b);
        same |= strlen(snapshot) >= 7 && !strncmp(snapshot, b, 7);
    }
    esr_buf_printf(&line, "National comparison: the %s's figures beside the national figures", who);
    s_str(o, (*r)++, 0, esr_buf_str(&line), o->st->title);
    for (size_t i = 0; i < t->nrows; i++)
        if (!strcmp(table_get(t, i, nt->c_table), "source")) {
            esr_buf_reset(&line);
            esr_buf_printf(&line, "Source of the national figures: %s",
                           table_get(t, i, nt->c_note));
            s_str(o, (*r)++, 0, esr_buf_str(&line), o->st->note);
        }
    esr_buf_reset(&line);
    if (!*snapshot)
        esr_buf_printf(&line, "No snapshot date given: the national baseline is %s.",
                       esr_buf_str(&months));
    else if (same)
        esr_buf_printf(&line, "Snapshot %s is in the national baseline's months (%s).", snapshot,
                       esr_buf_str(&months));
    else
        esr_buf_printf(&line,
                       "Snapshot %s is outside the national baseline's months: it is compared "
                       "with the %s baseline, not with national figures of its own month.",
                       snapshot, esr_buf_str(&months));
    s_str(o, (*r)++, 0, esr_buf_str(&line), o->st->bold);
    s_str(o, (*r)++, 0,
          "FTE throughout (FTE is additive). Share = the return's FTE / the national FTE.",
          o->st->note);
    esr_buf_free(&line);
    esr_buf_free(&months);
}

/* Table table as a list: Row | Column | who FTE | National FTE | Share | Note. */
static int write_list(const esr_natsheet *o, const esr_national *nt, const char *table,
                      const char *who, lxw_row_t *r)
{
    const esr_table *t = nt->t;
    char h3[64], title[64];
    snprintf(h3, sizeof h3, "%s FTE", who);
    snprintf(title, sizeof title, "Table %s", table);
    const char *const h[] = {title,  "Column", h3, "National FTE", "Share of national",
                             "Note", NULL};
    int any = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (strcmp(table_get(t, i, nt->c_table), table))
            continue;
        if (!any++)
            write_headings(o, (*r)++, h, 0x23u); /* Row, Column, Note */
        double mine = (double)national_fte(nt, i) / 1e5;
        double nat = strtod(table_get(t, i, nt->c_fte), NULL);
        s_str(o, *r, 0, table_get(t, i, nt->c_row), NULL);
        s_str(o, *r, 1, table_get(t, i, nt->c_col), NULL);
        s_num(o, *r, 2, mine, o->st->fte);
        s_num(o, *r, 3, nat, o->st->count);
        if (nat > 0)
            s_num(o, *r, 4, mine / nat, o->st->pct);
        s_str(o, *r, 5, table_get(t, i, nt->c_note), o->st->note);
        (*r)++;
    }
    return any;
}

/* Index of value v in vals[0..*n), appended if new. */
static size_t label_index(const char **vals, size_t *n, const char *v)
{
    for (size_t k = 0; k < *n; k++)
        if (!strcmp(vals[k], v))
            return k;
    vals[*n] = v;
    return (*n)++;
}

/* One block of a matrix table: what (0 the return's FTE, 1 national, 2
 * share) by row label and column label, with a row total. */
static void write_block(const esr_natsheet *o, const char *title, const char **rows, size_t nr,
                        const char **cols, size_t nc, const double *mine, const double *nat,
                        int what, lxw_row_t *r)
{
    xsheet_heading_row(o->sh, *r);
    s_str(o, *r, 0, title, o->st->heading);
    for (size_t c = 0; c <= nc; c++)
        s_str(o, *r, (lxw_col_t)(c + 1), c < nc ? cols[c] : "Total", o->st->heading_num);
    (*r)++;
    lxw_format *f = what == 0 ? o->st->fte : what == 1 ? o->st->count : o->st->pct;
    for (size_t k = 0; k < nr; k++, (*r)++) {
        double tm = 0, tn = 0;
        s_str(o, *r, 0, rows[k], NULL);
        for (size_t c = 0; c < nc; c++) {
            double m = mine[k * nc + c], n = nat[k * nc + c];
            if (n < 0) /* no national figure: blank, as in the report */
                continue;
            tm += m;
            tn += n;
            if (what < 2 || n > 0)
                s_num(o, *r, (lxw_col_t)(c + 1), what == 0 ? m : what == 1 ? n : m / n, f);
        }
        if (what < 2 || tn > 0)
            s_num(o, *r, (lxw_col_t)(nc + 1), what == 0 ? tm : what == 1 ? tn : tm / tn, f);
    }
}

/* Table table as the report lays it out: rows by columns, three blocks
 * (the return's FTE, the national FTE, the share). */
static int write_matrix(const esr_natsheet *o, const esr_national *nt, const char *table,
                        const char *who, lxw_row_t *r)
{
    const esr_table *t = nt->t;
    const char **rows = calloc(t->nrows + 1, sizeof *rows),
               **cols = calloc(t->nrows + 1, sizeof *cols);
    double *mine = NULL, *nat = NULL;
    size_t nr = 0, nc = 0;
    for (size_t i = 0; rows && cols && i < t->nrows; i++)
        if (!strcmp(table_get(t, i, nt->c_table), table)) {
            label_index(rows, &nr, table_get(t, i, nt->c_row));
            label_index(cols, &nc, table_get(t, i, nt->c_col));
        }
    if (nr && (mine = calloc(nr * nc, sizeof *mine)) && (nat = malloc(nr * nc * sizeof *nat))) {
        for (size_t k = 0; k < nr * nc; k++)
            nat[k] = -1;
        for (size_t i = 0; i < t->nrows; i++)
            if (!strcmp(table_get(t, i, nt->c_table), table)) {
                size_t k = label_index(rows, &nr, table_get(t, i, nt->c_row)) * nc +
                           label_index(cols, &nc, table_get(t, i, nt->c_col));
                mine[k] = (double)national_fte(nt, i) / 1e5;
                nat[k] = strtod(table_get(t, i, nt->c_fte), NULL);
            }
        char title[96];
        for (int what = 0; what < 3; what++) {
            snprintf(title, sizeof title, "Table %s: %s%s", table, what == 1 ? "National" : who,
                     what == 2 ? " share of national" : " FTE");
            write_block(o, title, rows, nr, cols, nc, mine, nat, what, r);
        }
    }
    free(rows);
    free(cols);
    free(mine);
    free(nat);
    return nr > 0;
}

/* Write national table table (see xlsx_national.h): as a matrix when its
 * rows say layout "matrix", else as a list. */
int national_write_table(const esr_natsheet *o, const esr_national *nt, const char *table,
                         const char *who, lxw_row_t *r)
{
    const esr_table *t = nt->t;
    for (size_t i = 0; i < t->nrows; i++)
        if (!strcmp(table_get(t, i, nt->c_table), table))
            return nt->c_layout >= 0 && !strcmp(table_get(t, i, nt->c_layout), "matrix")
                       ? write_matrix(o, nt, table, who, r)
                       : write_list(o, nt, table, who, r);
    return 0;
}

/* The ratio table: one row per profession with support or registered
 * staff; returns the number of rows written after the heading at *r. */
static int write_ratios(const esr_natsheet *o, const esr_national *nt, const char *who,
                        lxw_row_t *r)
{
    const esr_mappings *m = nt->m;
    char h1[64], h2[64], h3[64];
    snprintf(h1, sizeof h1, "%s support FTE", who);
    snprintf(h2, sizeof h2, "%s registered FTE", who);
    snprintf(h3, sizeof h3, "%s support per registered FTE", who);
    const char *const h[] = {"Profession",
                             h1,
                             h2,
                             h3,
                             "National support FTE",
                             "National registered FTE",
                             "National support per registered FTE",
                             NULL};
    s_str(o, (*r)++, 0, "Support-to-registered ratio by profession (skill mix)", o->st->bold);
    write_headings(o, (*r)++, h, 0x1u);
    int n = 0;
    for (size_t p = 0; p < m->nprof; p++) {
        const char *name = m->prof[p].name;
        long long sup = national_support(nt, name), reg = national_registered(nt, name);
        double ns = national_ratio_input(nt, name, "support"),
               nr = national_ratio_input(nt, name, "registered");
        if (!sup && !reg && ns < 0)
            continue;
        s_str(o, *r, 0, name, NULL);
        s_num(o, *r, 1, (double)sup / 1e5, o->st->fte);
        s_num(o, *r, 2, (double)reg / 1e5, o->st->fte);
        if (reg > 0)
            s_num(o, *r, 3, (double)sup / (double)reg, o->st->fte);
        if (ns >= 0)
            s_num(o, *r, 4, ns, o->st->count);
        if (nr > 0) {
            s_num(o, *r, 5, nr, o->st->count);
            s_num(o, *r, 6, ns >= 0 ? ns / nr : 0, o->st->fte);
        }
        (*r)++;
        n++;
    }
    s_str(o, (*r)++, 0,
          "Blank ratio: no registered staff of that profession in the return, or no national "
          "registered figure in the report (it gives one for ambulance staff only).",
          o->st->note);
    return n;
}

/* A clustered bar chart of the two ratio columns of rows first..first+n-1
 * at row at; returns the rows it covers (a chart is 288 px, a row 20 px). */
static lxw_row_t ratio_chart(const esr_natsheet *o, lxw_row_t first, int n, const char *who,
                             lxw_row_t at)
{
    lxw_chart *chart = workbook_add_chart(o->wb, LXW_CHART_BAR);
    if (!chart)
        return 0;
    for (int k = 0; k < 2; k++) {
        lxw_col_t col = k ? 6 : 3;
        char cat[160], val[160], ref[64], name[96];
        lxw_rowcol_to_range_abs(ref, first, 0, first + (lxw_row_t)n - 1, 0);
        snprintf(cat, sizeof cat, "='%s'!%s", o->sheet_name, ref);
        lxw_rowcol_to_range_abs(ref, first, col, first + (lxw_row_t)n - 1, col);
        snprintf(val, sizeof val, "='%s'!%s", o->sheet_name, ref);
        lxw_chart_series *se = chart_add_series(chart, cat, val);
        snprintf(name, sizeof name, "%s", k ? "National" : who);
        chart_series_set_name(se, name);
    }
    chart_title_set_name(chart, "Support FTE per registered FTE, by profession");
    chart_axis_set_name(chart->x_axis, "Support FTE per registered FTE");
    chart_axis_set_reverse(chart->y_axis);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options co = {.x_scale = 2.2, .y_scale = 0.5 + 0.14 * (n > 4 ? n : 4)};
    worksheet_insert_chart_opt(o->sh->ws, at, 0, chart, &co);
    return (lxw_row_t)(288.0 * co.y_scale / 20.0) + 2;
}

/* Write the National comparison sheet (see xlsx_national.h). */
void national_write_sheet(const esr_natsheet *o, const esr_national *nt, const char *who,
                          const char *snapshot)
{
    lxw_row_t r = 0;
    write_intro(o, nt, who, snapshot, &r);
    r++;
    lxw_row_t top = r;
    int n = write_ratios(o, nt, who, &r);
    if (n) /* below the ratio table */
        r += ratio_chart(o, top + 2, n, who, r + 1);
    const esr_table *t = nt->t;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *tab = table_get(t, i, nt->c_table);
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(table_get(t, k, nt->c_table), tab) != 0;
        if (!first || !strcmp(tab, "source") || !strcmp(tab, "ratio"))
            continue;
        r++;
        national_write_table(o, nt, tab, who, &r);
    }
    xsheet_widths(o->sh, 10);
    size_t wide = 44; /* column A: as wide as the longest row label of the tables */
    for (size_t i = 0; i < t->nrows; i++)
        if (strlen(table_get(t, i, nt->c_row)) + 2 > wide)
            wide = strlen(table_get(t, i, nt->c_row)) + 2;
    worksheet_set_column(o->sh->ws, 0, 0, (double)(wide > 72 ? 72 : wide), NULL);
    worksheet_set_column(o->sh->ws, 5, 5, 30, NULL);
}
