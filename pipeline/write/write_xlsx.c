/* write_xlsx.c - the return workbook. Every sheet is written in row order
 * (constant_memory). The Support workforce sheet streams from the return's
 * typed feed (records_pack, records_pack_reject; xlsx_feed) while the run
 * is still reading, or from a split return's spool of it; the other sheets
 * are written from the aggregates at xlsx_close, and the Data quality
 * findings from the spooled findings of the records and of the rejects.
 * Nothing here reads an output of the run back. */
#include "write_xlsx.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "csvout.h"
#include "strmap.h"
#include "text.h"
#include "xlsx_national.h"
#include "xlsx_book.h"

enum {
    S_COVER,
    S_RECORDS,
    S_PROF,
    S_BAND,
    S_AREA,
    S_TITLES,
    S_TRAINING,
    S_DQ,
    S_NATIONAL,
    S_LISTS,
    S_COUNT
};
static const char *const sheet_names[S_COUNT] = {
    "Cover",    "Support workforce", "By profession",       "By band", "Area of work", "Job titles",
    "Training", "Data quality",      "National comparison", "Lists",
};

typedef esr_xsheet sheet;

/* Whether the summary sheets' FTE figures are formulas over Support
 * workforce (live), and if not, why. */
typedef enum live_state { LIVE_YES, LIVE_CAPPED, LIVE_CASE, LIVE_EMPTY } live_state;

typedef struct book {
    esr_xbook x; /* the workbook: cells are written through it */
    sheet s[S_COUNT];
    const esr_xlsx_in *in;
    live_state live;
    uint64_t sheet_rows; /* in-scope rows shown on Support workforce */
    esr_national *nat;   /* the return's figures for the national layouts */
    esr_natfig *natfigs;
} book;

/* A row of headings; those of the columns in num_mask (bit c: column c)
 * align right, over their numbers. */
static void headings_mask(book *b, int s, lxw_row_t r, const char *const *names, unsigned num_mask)
{
    xsheet_heading_row(&b->s[s], r);
    for (lxw_col_t c = 0; names[c]; c++)
        xbook_str(&b->x, s, r, c, names[c],
                  num_mask >> c & 1 ? b->x.st.heading_num : b->x.st.heading);
}

/* A label column, then numbers: their headings align right, over the figures. */
static void headings_num(book *b, int s, lxw_row_t r, const char *const *names)
{
    xsheet_heading_row(&b->s[s], r);
    for (lxw_col_t c = 0; names[c]; c++)
        xbook_str(&b->x, s, r, c, names[c], c ? b->x.st.heading_num : b->x.st.heading);
}

/* ---- figures as formulas over Support workforce ---------------------
 * By profession, By band and Area of work hold their FTE figures as SUMIFS
 * over the Support workforce sheet, each with the run's figure as its
 * cached result: every reader shows the run's numbers, and a hand
 * correction of a coded column recalculates them. A criterion is always a
 * cell holding a name from the mapping tables, or the constant "" (blank):
 * never text from an input file. Headcount counts each person once, which
 * a formula cannot do: it is written as a value. */

#define FORMULA_MAX 512

/* Whole-column reference to records column c on Support workforce. */
static void sw_ref(char *out, size_t n, int c)
{
    char col[12];
    lxw_col_to_name(col, (lxw_col_t)c, 1);
    snprintf(out, n, "'%s'!%s:%s", sheet_names[S_RECORDS], col, col);
}

/* "=SUMIFS(FTE, column, criterion, ...)" over Support workforce into out
 * (ncrit pairs of records column and criterion); "=SUM(FTE)" for none. */
static const char *sumifs(char *out, int ncrit, const int *cols, const char *const *crits)
{
    char ref[64];
    sw_ref(ref, sizeof ref, RC_FTE);
    size_t n = (size_t)snprintf(out, FORMULA_MAX, "=%s(%s", ncrit ? "SUMIFS" : "SUM", ref);
    for (int i = 0; i < ncrit && n < FORMULA_MAX; i++) {
        sw_ref(ref, sizeof ref, cols[i]);
        n += (size_t)snprintf(out + n, FORMULA_MAX - n, ",%s,%s", ref, crits[i]);
    }
    if (n < FORMULA_MAX)
        snprintf(out + n, FORMULA_MAX - n, ")");
    return out;
}

/* Non-zero if name, as a SUMIFS criterion, matches only itself: no
 * wildcard, no leading comparison, nothing Excel reads as a number,
 * date or truth value. */
static int criterion_ok(const char *name)
{
    if (!*name || strchr("<>=", *name) || strpbrk(name, "*?~") || (*name >= '0' && *name <= '9'))
        return 0;
    return strcasecmp(name, "true") && strcasecmp(name, "false");
}

/* Non-zero if a and b could be equal to a reader that ignores case: equal
 * ignoring ASCII case, or differing only where both have non-ASCII bytes. */
static int loose_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x != y && !(x >= 0x80 && y >= 0x80) &&
            !(x < 0x80 && y < 0x80 && tolower(x) == tolower(y)))
            return 0;
    }
    return !*a && !*b;
}

/* The i-th name of the mapping list behind coded records column c (NULL past its end). */
static const char *coded_name(const esr_mappings *m, int c, size_t i)
{
    switch (c) {
    case RC_PROFESSION: return i < m->nprof ? m->prof[i].name : NULL;
    case RC_SUPPORT_ROLE: return i < m->nroles ? m->roles[i].name : NULL;
    case RC_PAY_BAND: return i < m->nbands ? m->bands[i].name : NULL;
    case RC_AREA_OF_WORK: return i < m->nareas ? m->areas[i] : NULL;
    default: return NULL;
    }
}

/* Non-zero if v, in coded column c, is none of its list's names but a
 * SUMIFS (which ignores case) could count it under one. */
static int case_clash(const esr_mappings *m, int c, const char *v)
{
    int clash = 0;
    const char *name;
    for (size_t i = 0; (name = coded_name(m, c, i)); i++) {
        if (!strcmp(v, name))
            return 0;
        clash |= loose_eq(v, name);
    }
    return clash;
}

/* An FTE figure at (r, c): formula with value e5 cached when the book is
 * live and formula is given, else the value. */
static void fte_formula(book *b, int s, lxw_row_t r, lxw_col_t c, const char *formula, double v,
                        lxw_format *f)
{
    if (b->live == LIVE_YES && formula)
        xbook_formula(&b->x, s, r, c, formula, v, f);
    else
        xbook_num(&b->x, s, r, c, v, f);
}

/* What a hand correction on Support workforce changes on a summary sheet. */
static const char *correction_note(book *b)
{
    switch (b->live) {
    case LIVE_YES:
        return "FTE figures are formulas over the Support workforce sheet: correct a profession, "
               "support role, band or area of work there and they recalculate. Headcount counts "
               "each person once, which a formula cannot do: it stays as this run computed it.";
    case LIVE_CAPPED:
        return "Fixed values from every in-scope row: Support workforce shows only the first "
               "rows (--max-sheet-rows), so a correction there does not change these figures. "
               "Correct the export and run again.";
    case LIVE_CASE:
        return "Fixed values: some coded values on Support workforce differ from a listed name "
               "only in capitals, which a sheet formula cannot tell apart, so a correction there "
               "does not change these figures. Correct the export and run again.";
    default: return "Fixed values: no in-scope rows.";
    }
}

/* ---- Cover ---------------------------------------------------------- */

/* Cover rows for what is not a row of the staff exports (blank and title
 * lines, rejected competence rows) and for FTE derived from contracted
 * hours, when there are any; advances *r. */
static void cover_skipped(book *b, lxw_row_t *r, const esr_org_counts *oc)
{
    const esr_return_meta *meta = b->in->meta;
    uint64_t blank = 0, title = 0;
    for (size_t i = 0; i < meta->ninputs; i++) {
        blank += meta->inputs[i].blank_lines;
        title += meta->inputs[i].title_lines;
    }
    if (blank)
        xbook_label_num(&b->x, S_COVER, r, "Blank lines skipped (not rows)", (double)blank,
                        b->x.st.count_left);
    if (title)
        xbook_label_num(&b->x, S_COVER, r, "Title lines above the header skipped", (double)title,
                        b->x.st.count_left);
    const esr_training_stats *ts = b->in->training ? training_stats(b->in->training) : NULL;
    if (ts && ts->rejected)
        xbook_label_num(&b->x, S_COVER, r, "Competence rows rejected (in rejects.csv)",
                        (double)ts->rejected, b->x.st.count_left);
    if (oc && oc->findings[ESR_RULE_FTE_FROM_HOURS]) {
        char label[120];
        snprintf(label, sizeof label, "In scope with FTE = contracted hours / %s",
                 meta->full_time_hours ? meta->full_time_hours : "37.5");
        xbook_label_num(&b->x, S_COVER, r, label, (double)oc->findings[ESR_RULE_FTE_FROM_HOURS],
                        b->x.st.count_left);
    }
}

/* De-duplicated headcount of the whole return (people, not assignments). */
static double return_headcount(book *b)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (c->dim == ESR_DIM_PROFESSION_ROLE && !strcmp(c->org, b->in->org) && !*c->profession &&
            !*c->role && !*c->key)
            return (double)c->headcount;
    }
    return 0;
}

/* Cover: the input files, each with its checksum, size, encoding and rows. */
static void cover_inputs(book *b, lxw_row_t *r)
{
    const esr_return_meta *meta = b->in->meta;
    static const char *const ih[] = {"Input file", "SHA-256", "Bytes", "Encoding", "Rows", NULL};
    xbook_headings(&b->x, S_COVER, (*r)++, ih);
    for (size_t i = 0; i < meta->ninputs; i++, (*r)++) {
        const esr_input_meta *in = &meta->inputs[i];
        char enc[64];
        snprintf(enc, sizeof enc, "%s%s", in->encoding, in->gzip ? ", gzip" : "");
        xbook_str(&b->x, S_COVER, *r, 0, in->name, NULL);
        xbook_str(&b->x, S_COVER, *r, 1, in->sha256, NULL);
        xbook_num(&b->x, S_COVER, *r, 2, (double)in->bytes, b->x.st.count);
        xbook_str(&b->x, S_COVER, *r, 3, enc, NULL);
        xbook_num(&b->x, S_COVER, *r, 4, (double)in->rows, b->x.st.count);
    }
}

/* Cover: how to read the return, and what a correction by hand changes. */
static void cover_notes(book *b, lxw_row_t *r)
{
    char rows[400];
    const char *fix = NULL;
    switch (b->live) {
    case LIVE_YES:
        fix = "Support workforce lists every in-scope assignment; correct coded columns with the "
              "drop-downs and send the file back. The FTE on By profession, By band and Area of "
              "work recalculates from that sheet; headcounts stay as this run computed them.";
        break;
    case LIVE_CAPPED:
        snprintf(rows, sizeof rows,
                 "Support workforce shows the first %llu in-scope assignments (records.csv has "
                 "them all), so the summary sheets are fixed values from every row: a correction "
                 "there does not change them. Correct the export and run again.",
                 (unsigned long long)b->sheet_rows);
        fix = rows;
        break;
    default:
        fix = "Support workforce lists every in-scope assignment. The summary sheets are fixed "
              "values (see the note on each): a correction there does not change them.";
        break;
    }
    const char *const notes[] = {
        "FTE is additive. Headcount is de-duplicated: a person with two assignments counts once in "
        "each cell and once in any total.",
        fix,
        "Data quality lists every finding with its input line; Job titles lists local titles and "
        "how each was standardised.",
        NULL,
    };
    xbook_str(&b->x, S_COVER, (*r)++, 0, "Reading this return", b->x.st.heading);
    for (int i = 0; notes[i]; i++)
        *r = xbook_note(&b->x, S_COVER, *r, 0, notes[i]);
}

/* Cover: the rows read, in scope (FTE and people), out of scope by reason, rejected. */
static void cover_counts(book *b, lxw_row_t *r)
{
    const esr_org_counts *oc = aggregate_org(b->in->agg, b->in->org);
    lxw_format *n = b->x.st.count_left;
    xbook_str(&b->x, S_COVER, (*r)++, 0, "Rows", b->x.st.heading);
    xbook_label_num(&b->x, S_COVER, r, "Rows read", oc ? (double)oc->read : 0, n);
    xbook_label_num(&b->x, S_COVER, r, "In scope", oc ? (double)oc->in_scope : 0, n);
    xbook_label_num(&b->x, S_COVER, r, "Out of scope", oc ? (double)oc->out_of_scope : 0, n);
    for (int i = 1; oc && i < ESR_OUT_COUNT; i++)
        if (oc->out_by_reason[i]) {
            char label[96];
            snprintf(label, sizeof label, "    %s", mappings_out_label(b->in->m, i));
            xbook_label_num(&b->x, S_COVER, r, label, (double)oc->out_by_reason[i], n);
        }
    xbook_label_num(&b->x, S_COVER, r, "Rejected (see rejects.csv)", oc ? (double)oc->rejected : 0,
                    n);
    cover_skipped(b, r, oc);
    xbook_label_num(&b->x, S_COVER, r, "In-scope FTE", oc ? (double)oc->in_scope_fte_e5 / 1e5 : 0,
                    b->x.st.fte_left);
    xbook_label_num(&b->x, S_COVER, r, "In-scope headcount (people)", return_headcount(b), n);
    if (oc && b->in->max_sheet_rows && oc->in_scope > b->in->max_sheet_rows) {
        char cap[200];
        snprintf(cap, sizeof cap,
                 "Support workforce shows the first %llu of %llu in-scope rows; records.csv has "
                 "them all.",
                 (unsigned long long)b->in->max_sheet_rows, (unsigned long long)oc->in_scope);
        *r = xbook_note(&b->x, S_COVER, *r, 0, cap);
    }
}

/* Cover sheet: return details, row counts, inputs and notes. */
static void write_cover(book *b)
{
    const esr_return_meta *meta = b->in->meta;
    lxw_row_t r = 0;
    xbook_str(&b->x, S_COVER, r, 0, "Support workforce return", b->x.st.title);
    r += 2;
    const esr_org_counts **orgs;
    xbook_label(&b->x, S_COVER, &r, "Organisation code",
                *meta->org_code ? meta->org_code
                : aggregate_orgs(b->in->agg, &orgs) > 2
                    ? "(several: see the per-organisation blocks in summary.csv)"
                    : "(not recorded: no organisation code in the export; "
                      "give --org)");
    xbook_label(&b->x, S_COVER, &r, "Organisation", meta->org_name);
    xbook_label(&b->x, S_COVER, &r, "Region", meta->region);
    xbook_label(&b->x, S_COVER, &r, "Snapshot date",
                *meta->snapshot ? meta->snapshot
                                : "unknown: no date in the file name and no --snapshot YYYY-MM-DD");
    xbook_label(&b->x, S_COVER, &r, "Template version", meta->template_version);
    xbook_label(&b->x, S_COVER, &r, "Mapping version", meta->mapping_version);
    xbook_label(&b->x, S_COVER, &r, "Mapping checksum (SHA-256)", meta->mapping_sha256);
    if (meta->titles_name && *meta->titles_name) { /* --titles */
        xbook_label(&b->x, S_COVER, &r, "Trust job titles", meta->titles_name);
        xbook_label(&b->x, S_COVER, &r, "Trust job titles checksum (SHA-256)", meta->titles_sha256);
    }
    xbook_label(&b->x, S_COVER, &r, "Classification mode", meta->classify_mode);
    xbook_label(&b->x, S_COVER, &r, "Employee numbers pseudonymised", meta->pseudonymised);
    xbook_label(&b->x, S_COVER, &r, "Written by", meta->tool_version);
    r++;
    cover_counts(b, &r);
    r++;
    cover_inputs(b, &r);
    r++;
    cover_notes(b, &r);
    xbook_widths(&b->x, S_COVER, 10);
    worksheet_set_column(b->s[S_COVER].ws, 0, 0, 44, NULL); /* the longest label */
    worksheet_set_column(b->s[S_COVER].ws, 1, 1, 68, NULL); /* a SHA-256 in full */
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
        mx->cols[mx->nc++] = ESR_KEY_NOT_RECORDED;
        mx->cols[mx->nc++] = ESR_KEY_NOT_RECOGNISED;
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

/* The formula of matrix cell (row, k) (k 1-based; nc + 1 = Total FTE):
 * SUMIFS over profession (column A, unless the total row) and the column
 * heading (rcol); "(not recorded)" is a blank criterion and "(not
 * recognised)" what the other columns leave of the total. NULL: a value. */
static const char *matrix_formula(matrix *mx, lxw_row_t row, int k, int total, const char *prof,
                                  int rcol, char *out)
{
    char a[16], h[16], t[16], first[16], last[16];
    int cols[2], n = 0;
    const char *crit[2];
    lxw_rowcol_to_cell_abs(a, row, 0, 0, 1);
    if (!total) {
        if (!criterion_ok(prof))
            return NULL;
        cols[n] = RC_PROFESSION;
        crit[n++] = a;
    }
    if (k == mx->nc + 1)
        return sumifs(out, n, cols, crit);
    const char *name = mx->cols[k - 1];
    if (!strcmp(name, ESR_KEY_NOT_RECOGNISED)) { /* always last, after "(not recorded)" */
        lxw_rowcol_to_cell(t, row, (lxw_col_t)(mx->nc + 1));
        lxw_rowcol_to_cell(first, row, 1);
        lxw_rowcol_to_cell(last, row, (lxw_col_t)(k - 1));
        snprintf(out, FORMULA_MAX, "=%s-SUM(%s:%s)", t, first, last);
        return out;
    }
    if (!strcmp(name, ESR_KEY_NOT_RECORDED)) {
        cols[n] = rcol;
        crit[n++] = "\"\"";
        return sumifs(out, n, cols, crit);
    }
    if (!criterion_ok(name))
        return NULL;
    lxw_rowcol_to_cell_abs(h, 0, (lxw_col_t)k, 1, 0);
    cols[n] = rcol;
    crit[n++] = h;
    return sumifs(out, n, cols, crit);
}

/* By profession's registered columns, right of the support table: the
 * registered FTE of prof ("" = all) and support FTE per registered FTE;
 * row 0 writes their headings. */
static void write_prof_registered(book *b, lxw_row_t row, const char *prof, lxw_col_t col,
                                  double support)
{
    if (!row) {
        xbook_str(&b->x, S_PROF, 0, col, "Registered FTE", b->x.st.heading_num);
        xbook_str(&b->x, S_PROF, 0, col + 1, "Support per registered FTE", b->x.st.heading_num);
        return;
    }
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    long long reg = 0;
    for (size_t i = 0; i < n; i++)
        if (cells[i]->dim == ESR_DIM_REGISTERED && !strcmp(cells[i]->org, b->in->org) &&
            !strcmp(cells[i]->profession, prof) && !*cells[i]->key)
            reg = cells[i]->fte_e5;
    lxw_format *f = *prof ? b->x.st.fte : b->x.st.total_fte;
    xbook_fte(&b->x, S_PROF, row, col, reg, f);
    if (reg > 0)
        xbook_num(&b->x, S_PROF, row, col + 1, support / ((double)reg / 1e5), f);
}

/* Write mx to sheet s: headings, a row per profession and a total row;
 * FTE as formulas over Support workforce column rcol (see above). */
static void write_matrix(book *b, int s, matrix *mx, const char *corner, int with_head, int rcol)
{
    const esr_mappings *m = b->in->m;
    size_t w = (size_t)mx->nc + 3;
    xsheet_heading_row(&b->s[s], 0);
    xbook_str(&b->x, s, 0, 0, corner, b->x.st.heading);
    for (int k = 0; k < mx->nc; k++)
        xbook_str(&b->x, s, 0, (lxw_col_t)(k + 1), mx->cols[k], b->x.st.heading_num);
    xbook_str(&b->x, s, 0, (lxw_col_t)(mx->nc + 1), "Total FTE", b->x.st.heading_num);
    if (with_head)
        xbook_str(&b->x, s, 0, (lxw_col_t)(mx->nc + 2), "Headcount", b->x.st.heading_num);
    if (s == S_PROF)
        write_prof_registered(b, 0, "", (lxw_col_t)(mx->nc + 3), 0);
    /* constant_memory: the filter range must be set before its rows are flushed */
    worksheet_autofilter(b->s[s].ws, 0, 0, (lxw_row_t)mx->np,
                         (lxw_col_t)(mx->nc + (with_head ? 2 : 1)));
    for (size_t p = 0; p <= m->nprof; p++) {
        lxw_row_t row;
        lxw_format *f = b->x.st.fte;
        const char *prof = "";
        if (p < m->nprof) {
            if (!mx->prow[p])
                continue;
            row = (lxw_row_t)mx->prow[p];
            prof = m->prof[p].name;
            xbook_str(&b->x, s, row, 0, prof, NULL);
        } else {
            row = (lxw_row_t)mx->np + 1;
            xbook_str(&b->x, s, row, 0, "Total", b->x.st.total);
            f = b->x.st.total_fte;
        }
        for (int k = 1; k <= mx->nc + 1; k++) {
            char formula[FORMULA_MAX];
            fte_formula(b, s, row, (lxw_col_t)k,
                        matrix_formula(mx, row, k, p == m->nprof, prof, rcol, formula),
                        mx->fte[row * w + (size_t)k], f);
        }
        if (with_head)
            xbook_num(&b->x, s, row, (lxw_col_t)(mx->nc + 2), mx->head[row],
                      p < m->nprof ? b->x.st.count : b->x.st.total_count);
        if (s == S_PROF) /* constant_memory: the row's last cells before the next row */
            write_prof_registered(b, row, p < m->nprof ? m->prof[p].name : "",
                                  (lxw_col_t)(mx->nc + 3), mx->fte[row * w + (size_t)mx->nc + 1]);
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
        write_matrix(b, S_PROF, &mx, "Profession supported", 1, RC_SUPPORT_ROLE);
        lxw_row_t r = (lxw_row_t)mx.np + 3;
        r = xbook_note(
            &b->x, S_PROF, r, 0,
            "FTE by support role; headcount de-duplicated per row, so rows do not add to the "
            "total.");
        r = xbook_note(&b->x, S_PROF, r, 0, correction_note(b)) - 1;
        if (mx.np && mx.nc) {
            lxw_chart *chart = workbook_add_chart(b->x.wb, LXW_CHART_BAR_STACKED);
            char cat[160];
            snprintf(cat, sizeof cat, "='%s'!$A$2:$A$%d", sheet_names[S_PROF], mx.np + 1);
            for (int k = 1; k <= mx.nc; k++)
                xbook_chart_series(chart, sheet_names[S_PROF], cat, 1, (lxw_col_t)k,
                                   (lxw_row_t)mx.np, (lxw_col_t)k, 0, (lxw_col_t)k);
            chart_title_set_name(chart, "FTE by profession supported and support role");
            chart_axis_set_name(chart->x_axis, "FTE");
            chart_axis_set_reverse(chart->y_axis);
            chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
            lxw_chart_options co = {.x_scale = 2.4, .y_scale = 1.9};
            worksheet_insert_chart_opt(b->s[S_PROF].ws, r + 2, 0, chart, &co);
        }
    }
    xbook_widths(&b->x, S_PROF, 12);
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
        write_matrix(b, S_BAND, &mx, "Profession supported", 0, RC_PAY_BAND);
        char text[160]; /* the band flagged from: dq_limits.csv */
        snprintf(text, sizeof text,
                 "FTE by Agenda for Change band. Assistant practitioners are expected at band 4, "
                 "trainees at band 3; band %d and above on a support role is flagged.",
                 m->band_high_support);
        lxw_row_t r = xbook_note(&b->x, S_BAND, (lxw_row_t)mx.np + 3, 0, text);
        r = xbook_note(&b->x, S_BAND, r, 0, correction_note(b));
        if (b->live == LIVE_YES)
            xbook_note(
                &b->x, S_BAND, r, 0,
                "(not recognised) is what the other columns leave of the total: a band corrected "
                "to one without a column here counts there.");
    }
    xbook_widths(&b->x, S_BAND, 10);
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
    esr_strmap *ix;
    esr_strmap_new(&ix); /* NULL on no memory: checked below */
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
        if (!strcmp(c->key, ESR_KEY_NOT_RECORDED))
            fb[o] += c->fte_e5;
    }
    esr_strmap_free(ix);
    return 0;
}

static esr_natsheet natsheet(book *b, int s);

/* The national table of support by area of work (the report's Table 5:
 * ambulance support) from row r, when the return has any of that support. */
static void write_area_table5(book *b, lxw_row_t r)
{
    const esr_table *t = b->in->m->t_national;
    long long any = 0; /* support of the table's profession */
    for (size_t i = 0; b->nat && i < t->nrows && !any; i++)
        if (!strcmp(table_get(t, i, table_col(t, "table")), ESR_NATIONAL_AREA_TABLE))
            any = national_support(b->nat, table_get(t, i, table_col(t, "profession")));
    if (!any)
        return;
    xbook_str(&b->x, S_AREA, r++, 0,
              "In the layout of the national table of support by area of work", b->x.st.bold);
    esr_natsheet o = natsheet(b, S_AREA);
    national_write_table(&o, b->nat, ESR_NATIONAL_AREA_TABLE, "Trust", &r);
}

/* The formula of area row r (0-based sheet row) of rows 1..nr, or NULL:
 * SUMIFS on a listed area, a blank criterion for "(not recorded)", and
 * for "(not recognised)" what the other rows leave of the total. */
static const char *area_formula(const char *area, lxw_row_t r, lxw_row_t nr, char *out)
{
    char a[16];
    int col = RC_AREA_OF_WORK;
    const char *crit = a;
    if (!strcmp(area, ESR_KEY_NOT_RECOGNISED)) {
        char ref[64], x[16], y[16];
        sw_ref(ref, sizeof ref, RC_FTE);
        size_t n = (size_t)snprintf(out, FORMULA_MAX, "=SUM(%s)", ref);
        if (r > 1) {
            lxw_rowcol_to_cell(x, 1, 1);
            lxw_rowcol_to_cell(y, r - 1, 1);
            n += (size_t)snprintf(out + n, FORMULA_MAX - n, "-SUM(%s:%s)", x, y);
        }
        if (r < nr) {
            lxw_rowcol_to_cell(x, r + 1, 1);
            lxw_rowcol_to_cell(y, nr, 1);
            snprintf(out + n, FORMULA_MAX - n, "-SUM(%s:%s)", x, y);
        }
        return out;
    }
    if (!strcmp(area, ESR_KEY_NOT_RECORDED))
        crit = "\"\"";
    else if (!criterion_ok(area))
        return NULL;
    lxw_rowcol_to_cell_abs(a, r, 0, 0, 1);
    return sumifs(out, 1, &col, &crit);
}

/* Area of work, first table: FTE, headcount and share by area; returns the next row. */
static lxw_row_t area_by_area(book *b, const esr_cell **cells, size_t n, area_row *rows)
{
    size_t nr = 0;
    long long total = 0;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (!strcmp(c->org, b->in->org) && c->dim == ESR_DIM_AREA && !*c->profession) {
            rows[nr++] = (area_row){c->key, c->fte_e5, c->headcount};
            total += c->fte_e5;
        }
    }
    qsort(rows, nr, sizeof *rows, area_cmp);
    static const char *const h1[] = {"Area of work", "FTE", "Headcount", "Share of FTE", NULL};
    lxw_row_t r = 0, tr = (lxw_row_t)nr + 1;
    char formula[FORMULA_MAX], t[16];
    lxw_rowcol_to_cell_abs(t, tr, 1, 1, 0);
    headings_num(b, S_AREA, r++, h1);
    worksheet_autofilter(b->s[S_AREA].ws, 0, 0, (lxw_row_t)nr, 3); /* before its rows are flushed */
    for (size_t i = 0; i < nr; i++, r++) {
        xbook_str(&b->x, S_AREA, r, 0, rows[i].area, NULL);
        fte_formula(b, S_AREA, r, 1, area_formula(rows[i].area, r, (lxw_row_t)nr, formula),
                    (double)rows[i].fte / 1e5, b->x.st.fte);
        xbook_num(&b->x, S_AREA, r, 2, (double)rows[i].head, b->x.st.count);
        char share[64];
        snprintf(share, sizeof share, "=IF(%s=0,0,B%u/%s)", t, (unsigned)r + 1, t);
        fte_formula(b, S_AREA, r, 3, share, total ? (double)rows[i].fte / (double)total : 0,
                    b->x.st.pct);
    }
    xbook_str(&b->x, S_AREA, r, 0, "Total", b->x.st.total);
    fte_formula(b, S_AREA, r, 1, sumifs(formula, 0, NULL, NULL), (double)total / 1e5,
                b->x.st.total_fte);
    worksheet_freeze_panes(b->s[S_AREA].ws, 1, 0);
    return r + 2;
}

/* A completeness row: FTE, FTE with an area recorded, their ratio; the
 * FTE as formulas over profession prof (NULL: every row) when live. */
static void completeness_row(book *b, lxw_row_t r, const char *prof, long long all,
                             long long recorded, int total)
{
    char f1[FORMULA_MAX], f2[FORMULA_MAX + 32], f3[64], a[16];
    const char *crit[2] = {a, "\"\""};
    int cols[2] = {RC_PROFESSION, RC_AREA_OF_WORK}, k = prof ? 1 : 0;
    int ok = !prof || criterion_ok(prof);
    lxw_rowcol_to_cell_abs(a, r, 0, 0, 1);
    sumifs(f1, k, cols, crit);
    char blank[FORMULA_MAX];
    sumifs(blank, k + 1, cols + 1 - k, crit + 1 - k);
    snprintf(f2, sizeof f2, "=B%u-%s", (unsigned)r + 1, blank + 1);
    snprintf(f3, sizeof f3, "=IF(B%u=0,0,C%u/B%u)", (unsigned)r + 1, (unsigned)r + 1,
             (unsigned)r + 1);
    lxw_format *ff = total ? b->x.st.total_fte : b->x.st.fte;
    fte_formula(b, S_AREA, r, 1, ok ? f1 : NULL, (double)all / 1e5, ff);
    fte_formula(b, S_AREA, r, 2, ok ? f2 : NULL, (double)recorded / 1e5, ff);
    fte_formula(b, S_AREA, r, 3, ok ? f3 : NULL, all ? (double)recorded / (double)all : 0,
                b->x.st.pct);
}

/* Area of work, second table: completeness by profession; returns the next row. */
static lxw_row_t area_by_profession(book *b, const esr_cell **cells, size_t n, lxw_row_t r)
{
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
            if (!strcmp(c->key, ESR_KEY_NOT_RECORDED))
                blank[p] += c->fte_e5;
        }
        long long ta = 0, tb = 0;
        for (size_t p = 0; p < m->nprof; p++) {
            if (!all[p])
                continue;
            xbook_str(&b->x, S_AREA, r, 0, m->prof[p].name, NULL);
            completeness_row(b, r++, m->prof[p].name, all[p], all[p] - blank[p], 0);
            ta += all[p];
            tb += blank[p];
        }
        xbook_str(&b->x, S_AREA, r, 0, "All professions", b->x.st.total);
        completeness_row(b, r++, NULL, ta, ta - tb, 1);
    } else {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    }
    free(all);
    free(blank);
    return r;
}

/* Area of work, third table when the return covers several organisations:
 * completeness by organisation (values: organisation codes come from the
 * export, never a formula's criterion); returns the next row. One pass over
 * the cells (org_area_totals): linear in organisations. */
static lxw_row_t area_by_org(book *b, const esr_cell **cells, size_t n, lxw_row_t r)
{
    const esr_org_counts **orgs;
    size_t no = aggregate_orgs(b->in->agg, &orgs);
    if (*b->in->org || no <= 2)
        return r;
    r++;
    static const char *const h3[] = {"Completeness by organisation", "FTE",
                                     "FTE with area recorded", "Completeness", NULL};
    headings_num(b, S_AREA, r++, h3);
    long long *fa = calloc(no, sizeof *fa), *fb = calloc(no, sizeof *fb);
    if (!fa || !fb || org_area_totals(cells, n, orgs, no, fa, fb)) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        no = 0;
    }
    for (size_t o = 1; o < no; o++) {
        long long a = fa[o], bl = fb[o];
        xbook_str(&b->x, S_AREA, r, 0, orgs[o]->org, NULL);
        xbook_fte(&b->x, S_AREA, r, 1, a, NULL);
        xbook_fte(&b->x, S_AREA, r, 2, a - bl, NULL);
        xbook_num(&b->x, S_AREA, r++, 3, a ? (double)(a - bl) / (double)a : 0, b->x.st.pct);
    }
    free(fa);
    free(fb);
    return xbook_note(
        &b->x, S_AREA, r, 0,
        "Completeness by organisation is a fixed value: a correction on Support workforce "
        "does not change it.");
}

/* Area of work sheet: FTE by area, then completeness by profession and organisation. */
static void write_area(book *b)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells);
    area_row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) {
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    lxw_row_t r = area_by_area(b, cells, n, rows);
    r = area_by_profession(b, cells, n, r);
    r = area_by_org(b, cells, n, r);
    r = xbook_note(&b->x, S_AREA, r + 1, 0, correction_note(b));
    if (b->live == LIVE_YES)
        r = xbook_note(
            &b->x, S_AREA, r, 0,
            "(not recognised) is what the listed areas leave of the total: an area corrected to "
            "one not listed here counts there.");
    write_area_table5(b, r + 1);
    xbook_widths(&b->x, S_AREA, 12);
    free(rows);
}

/* ---- National comparison --------------------------------------------- */

/* The return's summary figures, indexed for the national layouts: every
 * cell of the return's organisation, as totals and as its block. */
static void national_open(book *b)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(b->in->agg, &cells), k = 0;
    const char *org = b->in->org;
    if (!(b->natfigs = calloc(2 * n + 1, sizeof *b->natfigs)))
        return;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        esr_natfig f = {c->org, c->dim, c->profession, c->role, c->key, c->fte_e5};
        if (!*org) {
            b->natfigs[k++] = f;
        } else if (!strcmp(c->org, org)) { /* one organisation: its block is the totals too */
            b->natfigs[k++] = f;
            f.org = "";
            b->natfigs[k++] = f;
        }
    }
    if (national_new(b->in->m, b->natfigs, k, &b->nat) && !b->x.error)
        b->x.error = LXW_ERROR_MEMORY_MALLOC_FAILED; /* the close fails: exit 70 */
}

/* A national-layout writer for sheet s. */
static esr_natsheet natsheet(book *b, int s)
{
    return (esr_natsheet){b->x.wb, &b->s[s], sheet_names[s], &b->x.st, &b->x.error};
}

/* National comparison sheet: the return beside the national tables. */
static void write_national(book *b)
{
    if (!b->nat)
        return;
    esr_natsheet o = natsheet(b, S_NATIONAL);
    national_write_sheet(&o, b->nat, "Trust", b->in->meta->snapshot);
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
    headings_mask(b, S_TITLES, 0, h, 1u << 5 | 1u << 8 | 1u << 9);
    lxw_row_t r = 1;
    for (size_t i = 0; i < n; i++) {
        const esr_title_stat *t = ts[i];
        if (strcmp(t->org, b->in->org))
            continue;
        xbook_str(&b->x, S_TITLES, r, 0, t->title, NULL);
        xbook_str(&b->x, S_TITLES, r, 1, t->standard_title, NULL);
        xbook_str(&b->x, S_TITLES, r, 2, t->profession, NULL);
        xbook_str(&b->x, S_TITLES, r, 3, t->role, NULL);
        xbook_str(&b->x, S_TITLES, r, 4, t->match, NULL);
        if (*t->title)
            xbook_num(&b->x, S_TITLES, r, 5, t->score, b->x.st.count);
        xbook_str(&b->x, S_TITLES, r, 6, t->rule, NULL);
        xbook_str(&b->x, S_TITLES, r, 7, t->suggestion, b->x.st.wrap);
        xbook_num(&b->x, S_TITLES, r, 8, (double)t->rows, b->x.st.count);
        xbook_fte(&b->x, S_TITLES, r, 9, t->fte_e5, NULL);
        r++;
    }
    worksheet_freeze_panes(b->s[S_TITLES].ws, 1, 1);
    if (r > 1)
        worksheet_autofilter(b->s[S_TITLES].ws, 0, 0, r - 1, 9);
    xbook_widths(&b->x, S_TITLES, 10);
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

/* Training: what was joined, and how to read the tables; returns the next row. */
static lxw_row_t training_intro(book *b, const esr_training *tr, lxw_row_t r)
{
    const esr_training_stats *ts = training_stats(tr);
    char line[256];
    snprintf(line, sizeof line,
             "Joined %s: %llu competence rows (%llu recognised, %llu not recognised and listed "
             "below, %llu rejected); %llu people joined to in-scope staff in this return.",
             training_input_name(tr), (unsigned long long)ts->rows, (unsigned long long)ts->matched,
             (unsigned long long)ts->unmatched, (unsigned long long)ts->rejected,
             (unsigned long long)training_joined(tr));
    xbook_str(&b->x, S_TRAINING, r++, 0, line, b->x.st.note);
    xbook_str(
        &b->x, S_TRAINING, r++, 0,
        "Headcount of in-scope people. Qualification level (RQF) is what a person holds; career "
        "framework level "
        "is what the post asks for: the two are reported apart, never corrected.",
        b->x.st.note);
    return r + 1;
}

/* Training: Care Certificate status by profession; returns the next row. */
static lxw_row_t training_care_certificate(book *b, lxw_row_t r)
{
    const esr_mappings *m = b->in->m;
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
        double done = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, ESR_CARE_COMPLETED);
        double prog = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, ESR_CARE_IN_PROGRESS);
        double none = head_of(b, ESR_DIM_CARE_CERTIFICATE, prof, ESR_CARE_NOT_RECORDED);
        const esr_cell *all = find_cell(b, ESR_DIM_PROFESSION_ROLE, prof, "");
        double people = all ? (double)all->headcount : 0;
        if (!people)
            continue;
        lxw_format *f = p < m->nprof ? NULL : b->x.st.total;
        xbook_str(&b->x, S_TRAINING, r, 0, p < m->nprof ? prof : "All professions", f ? f : NULL);
        xbook_num(&b->x, S_TRAINING, r, 1, people, b->x.st.count);
        xbook_num(&b->x, S_TRAINING, r, 2, done, b->x.st.count);
        xbook_num(&b->x, S_TRAINING, r, 3, prog, b->x.st.count);
        xbook_num(&b->x, S_TRAINING, r, 4, none, b->x.st.count);
        xbook_num(&b->x, S_TRAINING, r++, 5, done / people, b->x.st.pct);
    }
    return r + 1;
}

/* Training: highest qualification level by profession, one column per
 * level qualifications.csv can give after "none recorded"; returns the next row. */
static lxw_row_t training_qualifications(book *b, const esr_training *tr, lxw_row_t r)
{
    const esr_mappings *m = b->in->m;
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
        xbook_str(&b->x, S_TRAINING, r, 0, p < m->nprof ? prof : "All professions",
                  p < m->nprof ? NULL : b->x.st.total);
        for (size_t k = 0; k < nlv; k++)
            xbook_num(&b->x, S_TRAINING, r, (lxw_col_t)(k + 1), row[k], b->x.st.count);
        r++;
    }
    return r + 1;
}

/* Training: apprenticeships in progress by standard; returns the next row. */
static lxw_row_t training_apprenticeships(book *b, lxw_row_t r)
{
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
        xbook_str(&b->x, S_TRAINING, r, 0, c->key, NULL);
        xbook_num(&b->x, S_TRAINING, r, 1, (double)c->headcount, b->x.st.count);
        xbook_fte(&b->x, S_TRAINING, r++, 2, c->fte_e5, NULL);
    }
    return r + 1;
}

/* Training: the competence names not recognised, with their rows. */
static void training_unmatched_names(book *b, const esr_training *tr, lxw_row_t r)
{
    static const char *const h4[] = {"Competence names not recognised (review; never guessed)",
                                     "Rows", NULL};
    headings_num(b, S_TRAINING, r++, h4);
    const char *name;
    uint64_t count;
    size_t nu = training_unmatched(tr, 0, &name, &count);
    for (size_t i = 0; i < nu; i++) {
        training_unmatched(tr, i, &name, &count);
        xbook_str(&b->x, S_TRAINING, r, 0, name, NULL);
        xbook_num(&b->x, S_TRAINING, r++, 1, (double)count, b->x.st.count);
    }
}

/* Training sheet: Care Certificate, qualifications, apprenticeships, unknown names. */
static void write_training(book *b)
{
    const esr_training *tr = b->in->training;
    lxw_row_t r = 0;
    xbook_str(&b->x, S_TRAINING, r, 0, "Training and qualifications", b->x.st.title);
    r += 2;
    if (!tr) {
        xbook_str(
            &b->x, S_TRAINING, r, 0,
            "No competence export was joined: run with --training FILE (an ESR competence / "
            "learning-record "
            "export) to fill Care Certificate status, qualification levels and apprenticeships.",
            b->x.st.note);
        worksheet_set_column(b->s[S_TRAINING].ws, 0, 0, 100, NULL);
        return;
    }
    r = training_intro(b, tr, r);
    r = training_care_certificate(b, r);
    r = training_qualifications(b, tr, r);
    r = training_apprenticeships(b, r);
    training_unmatched_names(b, tr, r);
    xbook_widths(&b->x, S_TRAINING, 12);
}

/* ---- streaming sheets: Support workforce and Data quality ------------ */

/* A finding on its way to the Data quality sheet, spooled while the records
 * stream: the sheet's findings list comes after its summary, which needs
 * the final counts; the rejects come after the records' findings. */
typedef struct spooled {
    int32_t rule;
    uint32_t src_len, value_len;
    uint64_t line;
} spooled;

/* A spool of findings in a temporary file: at most the row cap + 1 of
 * them (the sheet cannot show more). */
typedef struct spool {
    FILE *fp;
    uint64_t n;
} spool;

typedef struct stream {
    book *b;
    lxw_row_t rec_row, dq_row;
    uint64_t rec_dropped, dq_dropped;
    int case_clash;   /* a coded value a SUMIFS would confuse with a listed name */
    spool found;      /* the records' findings */
    spool rejects;    /* the rejected rows, after them */
    int spool_failed; /* a temporary write failed (I/O) */
    int spool_nomem;  /* a text for the spool could not be built (memory) */
    esr_buf text;     /* a cell's text: dq_flags, a reject's reason */
} stream;

/* One row of the Data quality findings list, unless past the row cap. */
static void dq_row(stream *st, const char *src, uint64_t line, int rule, const char *value)
{
    book *b = st->b;
    uint64_t cap = b->in->max_sheet_rows;
    const esr_rule_info *ri = &b->in->m->rules[rule];
    if (cap && st->dq_row > cap) {
        st->dq_dropped++;
        return;
    }
    lxw_row_t r = st->dq_row++;
    xbook_str(&b->x, S_DQ, r, 0, rule_id(rule), NULL);
    xbook_str(&b->x, S_DQ, r, 1, rule_severity_name(ri->severity), NULL);
    xbook_str(&b->x, S_DQ, r, 2, src, NULL);
    xbook_num(&b->x, S_DQ, r, 3, (double)line, b->x.st.count);
    xbook_str(&b->x, S_DQ, r, 4, ri->field, NULL);
    xbook_str(&b->x, S_DQ, r, 5, value, b->x.st.wrap);
}

/* Spool a finding to sp for the Data quality sheet. */
static void spool_put(stream *st, spool *sp, const char *src, uint64_t line, int rule,
                      const char *value)
{
    uint64_t cap = st->b->in->max_sheet_rows;
    if (cap && sp->n > cap) /* the sheet cannot show more than cap anyway */
        return;
    spooled h;
    memset(&h, 0, sizeof h); /* its padding too: the file holds no stray bytes */
    h.rule = rule;
    h.src_len = (uint32_t)strlen(src);
    h.value_len = (uint32_t)strlen(value);
    h.line = line;
    if (fwrite(&h, sizeof h, 1, sp->fp) != 1 || fwrite(src, 1, h.src_len, sp->fp) != h.src_len ||
        fwrite(value, 1, h.value_len, sp->fp) != h.value_len)
        st->spool_failed = 1;
    sp->n++;
}

/* Replay the spooled findings of fp onto the Data quality sheet; ESR_OK,
 * ESR_ERR_NOMEM or ESR_ERR_IO. */
static esr_status spool_replay(stream *st, FILE *fp)
{
    if (fflush(fp) || fseek(fp, 0, SEEK_SET))
        return ESR_ERR_IO;
    esr_buf t = {0};
    spooled h;
    esr_status bad = ESR_OK;
    while (!bad && fread(&h, sizeof h, 1, fp) == 1) {
        size_t n = (size_t)h.src_len + h.value_len;
        esr_buf_reset(&t);
        if (esr_buf_reserve(&t, n + 2)) {
            bad = ESR_ERR_NOMEM;
            break;
        }
        if (fread(t.data, 1, n, fp) != n) {
            bad = ESR_ERR_IO;
            break;
        }
        /* two strings in place: src, value */
        memmove(t.data + h.src_len + 1, t.data + h.src_len, h.value_len);
        char *src = t.data, *value = src + h.src_len + 1;
        src[h.src_len] = value[h.value_len] = '\0';
        dq_row(st, src, h.line, h.rule, value);
    }
    esr_buf_free(&t);
    return bad ? bad : ferror(fp) ? ESR_ERR_IO : ESR_OK;
}

/* The dq_flags cell of record f: its findings' rule ids, joined by ';'. */
static const char *flags_text(stream *st, const esr_fed *f)
{
    esr_buf_reset(&st->text);
    for (size_t i = 0; i < f->nfindings; i++)
        if ((i && esr_buf_putc(&st->text, ';')) ||
            esr_buf_puts(&st->text, rule_id(f->findings[i].rule)))
            st->spool_nomem = 1;
    return esr_buf_str(&st->text);
}

/* One record's typed values onto a Support workforce row: text as text,
 * numbers as numbers. */
static void record_row(stream *st, lxw_row_t r, const esr_fed *f)
{
    book *b = st->b;
    for (int c = 0; c < RC_COUNT; c++) {
        if (records_col_numeric(c)) {
            if (f->has_num >> c & 1)
                xbook_num(&b->x, S_RECORDS, r, (lxw_col_t)c,
                          c == RC_FTE ? (double)f->num[c] / 1e5 : (double)f->num[c],
                          c == RC_FTE ? b->x.st.fte : NULL);
            continue;
        }
        const char *v = c == RC_DQ_FLAGS ? flags_text(st, f) : f->text[c];
        if (!*v)
            continue;
        if (!st->case_clash && coded_name(b->in->m, c, 0))
            st->case_clash = case_clash(b->in->m, c, v);
        xbook_str(&b->x, S_RECORDS, r, (lxw_col_t)c, v, NULL);
    }
}

/* One record onto Support workforce (up to the row cap) and its findings,
 * each with its value, to the spool. */
static void put_record(stream *st, const esr_fed *f)
{
    uint64_t cap = st->b->in->max_sheet_rows;
    if (!cap || st->rec_row <= cap)
        record_row(st, st->rec_row++, f);
    else
        st->rec_dropped++;
    for (size_t i = 0; i < f->nfindings; i++)
        spool_put(st, &st->found, f->text[RC_SOURCE_FILE], (uint64_t)f->num[RC_SOURCE_LINE],
                  f->findings[i].rule, f->findings[i].value);
}

/* One rejected row to the spool of rejects: its reason as rejects.csv
 * gives it after the rule id. */
static void put_reject(stream *st, const esr_reject *j)
{
    esr_buf_reset(&st->text);
    if (records_reason(&st->text, &st->b->in->m->rules[j->rule], j->detail))
        st->spool_nomem = 1;
    spool_put(st, &st->rejects, j->source, j->line, j->rule, esr_buf_str(&st->text));
}

/* Data quality: findings by rule, then the headings of the findings list. */
static void write_dq_summary(book *b, lxw_row_t *r)
{
    const esr_org_counts *oc = aggregate_org(b->in->agg, b->in->org);
    /* columns as in the findings list below: numbers over Line, text over Value */
    static const char *const h[] = {"Rule", "Severity",      "Field", "Rows",
                                    "FTE",  "What it means", NULL};
    static const char *const sev[] = {"error (row rejected)", "warning", "info"};
    headings_mask(b, S_DQ, (*r)++, h, 1u << 3 | 1u << 4);
    for (int i = 0; oc && i < ESR_RULE_COUNT; i++) {
        if (!oc->findings[i])
            continue;
        const esr_rule_info *ri = &b->in->m->rules[i];
        xbook_str(&b->x, S_DQ, *r, 0, rule_id(i), NULL);
        xbook_str(&b->x, S_DQ, *r, 1, sev[ri->severity], NULL);
        xbook_str(&b->x, S_DQ, *r, 2, ri->field, NULL);
        xbook_num(&b->x, S_DQ, *r, 3, (double)oc->findings[i], b->x.st.count);
        if (ri->severity != ESR_SEV_ERROR)
            xbook_fte(&b->x, S_DQ, *r, 4, oc->findings_fte_e5[i], NULL);
        xbook_str(&b->x, S_DQ, *r, 5, ri->message, b->x.st.wrap);
        (*r)++;
    }
    *r += 1;
    static const char *const h2[] = {"Rule",  "Severity", "Source file", "Line",
                                     "Field", "Value",    NULL};
    headings_mask(b, S_DQ, (*r)++, h2, 1u << 3);
}

/* ---- Lists and drop-downs -------------------------------------------- */

/* Hidden Lists sheet of coded values, and drop-downs on Support workforce. */
static void write_lists(book *b, lxw_row_t nrows)
{
    const esr_mappings *m = b->in->m;
    static const char *const h[] = {"Profession supported", "Support role",   "Pay band",
                                    "Area of work",         "Standard title", NULL};
    xbook_headings(&b->x, S_LISTS, 0, h);
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
            xbook_str(&b->x, S_LISTS, r, 0, m->prof[i].name, NULL);
        if (i < len[1])
            xbook_str(&b->x, S_LISTS, r, 1, m->roles[i].name, NULL);
        if (i < len[2])
            xbook_str(&b->x, S_LISTS, r, 2, m->bands[i].name, NULL);
        if (i < len[3])
            xbook_str(&b->x, S_LISTS, r, 3, m->areas[i], NULL);
        if (i < len[4])
            xbook_str(&b->x, S_LISTS, r, 4, std[i], NULL);
    }
    xbook_widths(&b->x, S_LISTS, 10);
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

/* ---- print ----------------------------------------------------------- */

/* How each sheet prints: every sheet one page wide; the wide ones
 * landscape, the widest (Support workforce, Job titles) on A3; a table
 * that starts on row 1 repeats its heading row on every page. */
static const esr_print sheet_print[S_COUNT] = {
    [S_COVER] = {.landscape = 1},
    [S_RECORDS] = {.landscape = 1, .paper = 8, .header_rows = 1},
    [S_PROF] = {.landscape = 1, .header_rows = 1},
    [S_BAND] = {.landscape = 1, .header_rows = 1},
    [S_AREA] = {.landscape = 1, .header_rows = 1}, /* wide with the Table 5 layout */
    [S_TITLES] = {.landscape = 1, .paper = 8, .header_rows = 1},
    [S_TRAINING] = {.landscape = 1},
    [S_DQ] = {.landscape = 1, .header_rows = 1},
    [S_LISTS] = {.landscape = 1, .header_rows = 1},
    [S_NATIONAL] = {.landscape = 1}, /* a report of several tables: no one heading row */
};

/* Print setup of every sheet (before any row is written: constant_memory). */
static void print_setup(book *b)
{
    for (int s = 0; s < S_COUNT; s++)
        xsheet_print(&b->s[s], &sheet_print[s]);
}

/* ---- the workbook's life: open, feed the records, close ------------- */

struct esr_xlsx {
    book b;
    stream st;
    esr_xlsx_in in; /* the caller's inputs: open-time ones until xlsx_close */
    char *path;
    esr_frames frames; /* the typed feed, in pieces */
};

/* Open the spools of the Data quality findings (temporary files in tmpdir); 0 or -1. */
static int spools_open(stream *st, const char *tmpdir)
{
    st->found.fp = lxw_tmpfile((char *)tmpdir);
    st->rejects.fp = st->found.fp ? lxw_tmpfile((char *)tmpdir) : NULL;
    return st->rejects.fp ? 0 : -1;
}

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
    esr_status s = xbook_open(&b->x, x->path, x->in.tmpdir, sheet_names, S_COUNT, b->s, err);
    if (s) {
        xlsx_free(x);
        return s;
    }
    print_setup(b);
    xsheet_heading_row(&b->s[S_RECORDS], 0);
    for (int c = 0; c < RC_COUNT; c++)
        xbook_str(&b->x, S_RECORDS, 0, (lxw_col_t)c, records_col_label(c), b->x.st.heading);
    x->st.rec_row = 1;
    if (spools_open(&x->st, in->tmpdir)) {
        xlsx_free(x);
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot create a temporary file in %s: %s", path,
                           in->tmpdir ? in->tmpdir : "TMPDIR", strerror(errno));
    }
    *out = x;
    return ESR_OK;
}

/* Non-zero once more of the feed cannot change the sheets: past the row
 * cap on Support workforce, with the cap's worth of findings and rejects. */
static int saturated(const esr_xlsx *x)
{
    uint64_t cap = x->in.max_sheet_rows;
    return cap && x->st.rec_dropped && x->st.found.n > cap && x->st.rejects.n > cap;
}

/* One frame of the feed into the sheets; 0. */
static int put_fed(void *vx, const esr_fed *f)
{
    esr_xlsx *x = vx;
    if (f->kind == ESR_FEED_RECORD)
        put_record(&x->st, f);
    else
        put_reject(&x->st, &f->reject);
    return 0;
}

/* Feed frames of the typed feed to the long sheets (see write_xlsx.h). */
esr_status xlsx_feed(esr_xlsx *x, const char *p, size_t n, int *enough, esr_err *err)
{
    int rc = records_frames_feed(&x->frames, p, n, put_fed, x);
    if (rc == -1)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    if (rc)
        return esr_err_set(err, ESR_ERR_INTERNAL, "%s: a malformed record was fed", x->path);
    if (enough)
        *enough = saturated(x);
    return ESR_OK;
}

/* The Data quality sheet: the summary by rule, then every finding of the
 * records and every rejected row, as spooled; ESR_OK, or reading a spool
 * back failed (ESR_ERR_NOMEM or ESR_ERR_IO). */
static esr_status write_dq(esr_xlsx *x)
{
    book *b = &x->b;
    stream *st = &x->st;
    const esr_xlsx_in *in = b->in;
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
    esr_status s = spool_replay(st, st->found.fp);
    return s ? s : spool_replay(st, st->rejects.fp);
}

/* Write the other sheets and close (see write_xlsx.h). */
esr_status xlsx_close(esr_xlsx *x, const esr_xlsx_in *in, esr_err *err)
{
    book *b = &x->b;
    stream *st = &x->st;
    const char *path = in->display ? in->display : x->path;
    esr_status s = ESR_OK;
    if (x->frames.carry.len && !saturated(x))
        s = esr_err_set(err, ESR_ERR_INTERNAL, "%s: the last record fed was cut short", path);
    if (!s && st->spool_nomem)
        s = esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path);
    if (!s && (st->spool_failed || ferror(st->found.fp) || ferror(st->rejects.fp)))
        s = esr_err_set(err, ESR_ERR_IO, "%s: writing a temporary file in %s failed", path,
                        in->tmpdir ? in->tmpdir : "TMPDIR");
    if (s) {
        xlsx_free(x);
        return s;
    }
    x->in = *in;
    b->sheet_rows = st->rec_row - 1;
    b->live = st->rec_dropped   ? LIVE_CAPPED
              : st->case_clash  ? LIVE_CASE
              : st->rec_row > 1 ? LIVE_YES
                                : LIVE_EMPTY;
    national_open(b);
    write_cover(b);
    write_by_profession(b);
    write_by_band(b);
    write_area(b);
    write_titles(b);
    write_training(b);
    write_national(b);
    if ((s = write_dq(x))) { /* memory (70) or I/O (74), told apart */
        s = esr_err_set(err, s, "%s: reading back a temporary file in %s failed: %s", path,
                        in->tmpdir ? in->tmpdir : "TMPDIR", esr_strerror(s));
        xlsx_free(x);
        return s;
    }
    if (st->rec_row > 1) /* before the note below flushes the last row */
        worksheet_autofilter(b->s[S_RECORDS].ws, 0, 0, st->rec_row - 1, RC_COUNT - 1);
    if (st->rec_dropped)
        xbook_str(&b->x, S_RECORDS, st->rec_row, 0,
                  "Rows beyond the workbook limit are in records.csv.", b->x.st.note);
    if (st->dq_dropped)
        xbook_str(&b->x, S_DQ, st->dq_row, 0,
                  "Findings beyond the workbook limit: see records.csv dq_flags.", b->x.st.note);
    worksheet_freeze_panes(b->s[S_RECORDS].ws, 1, 0);
    xbook_widths(&b->x, S_RECORDS, 8);
    worksheet_freeze_panes(b->s[S_DQ].ws, 1, 0);
    xbook_widths(&b->x, S_DQ, 10);
    write_lists(b, st->rec_row - 1);

    esr_xbook_props props = {.title = "Support workforce return",
                             .company = in->meta->org_name,
                             .comments = "Written by esrpipe",
                             .created = in->meta->created};
    b->x.path = path; /* as the caller names it */
    b->x.tmpdir = in->tmpdir;
    s = xbook_close(&b->x, &props, err);
    xlsx_free(x);
    return s;
}

/* Abandon x (see write_xlsx.h). */
void xlsx_free(esr_xlsx *x)
{
    if (!x)
        return;
    xbook_free(&x->b.x);
    national_free(x->b.nat);
    free(x->b.natfigs);
    if (x->st.found.fp)
        fclose(x->st.found.fp);
    if (x->st.rejects.fp)
        fclose(x->st.rejects.fp);
    esr_buf_free(&x->st.text);
    frames_free(&x->frames);
    free(x->path);
    free(x);
}
