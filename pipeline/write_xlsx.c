/* write_xlsx.c - the return workbook. */
#include "write_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "text.h"

#define SHEET_COVER "Cover"
#define SHEET_RECORDS "Support workforce"
#define SHEET_PROFESSION "By profession"
#define MAX_WIDTH 60.0

struct esr_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *cover, *records, *by_prof;
    lxw_format *bold, *heading, *title, *fte, *count, *pct, *wrap;
    uint32_t rows;
    double width[RC_COUNT];
};

static esr_status lxw_fail(esr_err *err, lxw_error e, const char *what)
{
    return esr_err_set(err, ESR_ERR_XLSX, "return.xlsx: %s: %s", what, lxw_strerror(e));
}

static void track(double *w, const char *s)
{
    /* width in characters: count UTF-8 code points */
    double n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80;
    if (n + 2 > *w)
        *w = n + 2 > MAX_WIDTH ? MAX_WIDTH : n + 2;
}

/* Start a workbook at path (a temporary name). */
esr_status xlsx_open(const char *path, const char *tmpdir, esr_xlsx **out, esr_err *err)
{
    *out = NULL;
    esr_xlsx *x = calloc(1, sizeof *x);
    if (!x)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir,
                                .use_zip64 = LXW_TRUE};
    x->wb = workbook_new_opt(path, &opt);
    if (!x->wb) {
        free(x);
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create workbook", path);
    }
    x->cover = workbook_add_worksheet(x->wb, SHEET_COVER);
    x->records = workbook_add_worksheet(x->wb, SHEET_RECORDS);
    x->by_prof = workbook_add_worksheet(x->wb, SHEET_PROFESSION);
    x->bold = workbook_add_format(x->wb);
    format_set_bold(x->bold);
    x->heading = workbook_add_format(x->wb);
    format_set_bold(x->heading);
    format_set_bg_color(x->heading, 0xDCE6F1);
    format_set_bottom(x->heading, LXW_BORDER_THIN);
    x->title = workbook_add_format(x->wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    x->fte = workbook_add_format(x->wb);
    format_set_num_format(x->fte, "#,##0.00");
    x->count = workbook_add_format(x->wb);
    format_set_num_format(x->count, "#,##0");
    x->pct = workbook_add_format(x->wb);
    format_set_num_format(x->pct, "0.0%");
    x->wrap = workbook_add_format(x->wb);
    format_set_text_wrap(x->wrap);
    if (!x->cover || !x->records || !x->by_prof) {
        xlsx_free(x);
        return esr_err_set(err, ESR_ERR_XLSX, "%s: cannot add worksheets", path);
    }
    for (int c = 0; c < RC_COUNT; c++) {
        worksheet_write_string(x->records, 0, (lxw_col_t)c, records_col_name(c), x->heading);
        track(&x->width[c], records_col_name(c));
    }
    worksheet_freeze_panes(x->records, 1, 0);
    *out = x;
    return ESR_OK;
}

/* Append one Support workforce row. */
esr_status xlsx_record(esr_xlsx *x, const esr_rendered *row, esr_err *err)
{
    lxw_row_t r = ++x->rows;
    if (r >= LXW_ROW_MAX)
        return esr_err_set(err, ESR_ERR_XLSX, "return.xlsx: more than %u rows", LXW_ROW_MAX - 1);
    for (int c = 0; c < RC_COUNT; c++) {
        const char *v = row->v[c];
        lxw_error e;
        if (c == RC_FTE)
            e = worksheet_write_number(x->records, r, (lxw_col_t)c, (double)row->fte_e5 / 1e5, x->fte);
        else if (records_col_numeric(c) && *v)
            e = worksheet_write_number(x->records, r, (lxw_col_t)c, strtod(v, NULL), NULL);
        else if (*v)
            e = worksheet_write_string(x->records, r, (lxw_col_t)c, v, NULL);
        else
            continue;
        if (e)
            return lxw_fail(err, e, "Support workforce");
        track(&x->width[c], v);
    }
    return ESR_OK;
}

static void kv(esr_xlsx *x, lxw_row_t *r, const char *k, const char *v)
{
    worksheet_write_string(x->cover, *r, 0, k, x->bold);
    if (v && *v)
        worksheet_write_string(x->cover, *r, 1, v, NULL);
    (*r)++;
}

static void kn(esr_xlsx *x, lxw_row_t *r, const char *k, double v, lxw_format *f)
{
    worksheet_write_string(x->cover, *r, 0, k, x->bold);
    worksheet_write_number(x->cover, *r, 1, v, f);
    (*r)++;
}

static void write_cover(esr_xlsx *x, const esr_return_meta *meta, const esr_org_counts *oc)
{
    lxw_row_t r = 0;
    worksheet_write_string(x->cover, r, 0, "Support workforce return", x->title);
    r += 2;
    kv(x, &r, "Organisation code", *meta->org_code ? meta->org_code : "(several: see By profession)");
    kv(x, &r, "Organisation", meta->org_name);
    kv(x, &r, "Region", meta->region);
    kv(x, &r, "Snapshot date", *meta->snapshot ? meta->snapshot : "(not given)");
    kv(x, &r, "Template version", meta->template_version);
    kv(x, &r, "Mapping version", meta->mapping_version);
    kv(x, &r, "Mapping checksum (SHA-256)", meta->mapping_sha256);
    kv(x, &r, "Classification mode", meta->classify_mode);
    kv(x, &r, "Employee numbers pseudonymised", meta->pseudonymised);
    kv(x, &r, "Written by", meta->tool_version);
    r++;
    worksheet_write_string(x->cover, r++, 0, "Rows", x->heading);
    kn(x, &r, "Rows read", oc ? (double)oc->read : 0, x->count);
    kn(x, &r, "In scope", oc ? (double)oc->in_scope : 0, x->count);
    kn(x, &r, "Out of scope", oc ? (double)oc->out_of_scope : 0, x->count);
    if (oc)
        for (int i = 1; i < ESR_OUT_COUNT; i++)
            if (oc->out_by_reason[i]) {
                esr_buf b = {0};
                esr_buf_printf(&b, "    %s", record_out_name(i));
                kn(x, &r, esr_buf_str(&b), (double)oc->out_by_reason[i], x->count);
                esr_buf_free(&b);
            }
    kn(x, &r, "Rejected (see rejects.csv)", oc ? (double)oc->rejected : 0, x->count);
    kn(x, &r, "In-scope FTE", oc ? (double)oc->in_scope_fte_e5 / 1e5 : 0, x->fte);
    r++;
    worksheet_write_string(x->cover, r, 0, "Input file", x->heading);
    worksheet_write_string(x->cover, r, 1, "Bytes", x->heading);
    worksheet_write_string(x->cover, r, 2, "SHA-256", x->heading);
    worksheet_write_string(x->cover, r, 3, "Encoding", x->heading);
    worksheet_write_string(x->cover, r, 4, "Rows", x->heading);
    r++;
    for (size_t i = 0; i < meta->ninputs; i++, r++) {
        const esr_input_meta *in = &meta->inputs[i];
        worksheet_write_string(x->cover, r, 0, in->name, NULL);
        worksheet_write_number(x->cover, r, 1, (double)in->bytes, x->count);
        worksheet_write_string(x->cover, r, 2, in->sha256, NULL);
        esr_buf b = {0};
        esr_buf_printf(&b, "%s%s", in->encoding, in->gzip ? ", gzip" : "");
        worksheet_write_string(x->cover, r, 3, esr_buf_str(&b), NULL);
        esr_buf_free(&b);
        worksheet_write_number(x->cover, r, 4, (double)in->rows, x->count);
    }
    worksheet_set_column(x->cover, 0, 0, 34, NULL);
    worksheet_set_column(x->cover, 1, 1, 22, NULL);
    worksheet_set_column(x->cover, 2, 2, 66, NULL);
    worksheet_set_column(x->cover, 3, 4, 18, NULL);
    worksheet_activate(x->cover);
}

/* By profession: FTE matrix profession x support role, totals, headcount,
 * and a stacked bar chart of the matrix. */
static void write_by_profession(esr_xlsx *x, esr_aggregate *agg, const char *org,
                                const esr_mappings *m)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    /* which professions and roles occur, in mapping-table order */
    int *prow = calloc(m->nprof, sizeof *prow), *rcol = calloc(m->nroles, sizeof *rcol);
    if (!prow || !rcol)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (strcmp(c->org, org) || c->dim != ESR_DIM_PROFESSION_ROLE || !*c->profession || !*c->role)
            continue;
        size_t p, r;
        if (esr_strmap_get(m->prof_by_name, c->profession, strlen(c->profession), &p))
            prow[p] = 1;
        if (esr_strmap_get(m->role_by_name, c->role, strlen(c->role), &r))
            rcol[r] = 1;
    }
    int np = 0, nr = 0;
    for (size_t p = 0; p < m->nprof; p++)
        prow[p] = prow[p] ? ++np : 0;
    for (size_t r = 0; r < m->nroles; r++)
        rcol[r] = rcol[r] ? ++nr : 0;

    /* constant_memory writes rows in order: gather the matrix first */
    size_t w = (size_t)nr + 3, h = (size_t)np + 2;
    double *fte = calloc(w * h, sizeof *fte);
    double *head = calloc(h, sizeof *head);
    if (!fte || !head) {
        free(fte);
        free(head);
        goto done;
    }
    lxw_row_t total_row = (lxw_row_t)(np + 1);
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (strcmp(c->org, org) || c->dim != ESR_DIM_PROFESSION_ROLE)
            continue;
        size_t p = 0, r = 0;
        int hp = *c->profession && esr_strmap_get(m->prof_by_name, c->profession, strlen(c->profession), &p);
        int hr = *c->role && esr_strmap_get(m->role_by_name, c->role, strlen(c->role), &r);
        size_t row = hp ? (size_t)prow[p] : total_row;
        if (hr) {
            fte[row * w + (size_t)rcol[r]] = (double)c->fte_e5 / 1e5;
        } else {
            fte[row * w + (size_t)nr + 1] = (double)c->fte_e5 / 1e5;
            head[row] = (double)c->headcount;
        }
    }
    lxw_worksheet *ws = x->by_prof;
    worksheet_write_string(ws, 0, 0, "Profession supported", x->heading);
    for (size_t r = 0; r < m->nroles; r++)
        if (rcol[r])
            worksheet_write_string(ws, 0, (lxw_col_t)rcol[r], m->roles[r].name, x->heading);
    worksheet_write_string(ws, 0, (lxw_col_t)(nr + 1), "Total FTE", x->heading);
    worksheet_write_string(ws, 0, (lxw_col_t)(nr + 2), "Headcount", x->heading);
    for (size_t p = 0; p <= m->nprof; p++) {
        lxw_row_t row;
        if (p < m->nprof) {
            if (!prow[p])
                continue;
            row = (lxw_row_t)prow[p];
            worksheet_write_string(ws, row, 0, m->prof[p].name, NULL);
        } else {
            row = total_row;
            worksheet_write_string(ws, row, 0, "Total", x->heading);
        }
        for (int c = 1; c <= nr + 1; c++)
            worksheet_write_number(ws, row, (lxw_col_t)c, fte[row * w + (size_t)c], x->fte);
        worksheet_write_number(ws, row, (lxw_col_t)(nr + 2), head[row], x->count);
    }
    free(fte);
    free(head);
    worksheet_write_string(ws, total_row + 2, 0,
                           "FTE is additive; headcount is de-duplicated per cell and is not "
                           "(a person with two assignments counts once in each).",
                           NULL);
    worksheet_set_column(ws, 0, 0, 40, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(nr + 2), 16, x->wrap);
    worksheet_set_row(ws, 0, 45, NULL);
    worksheet_freeze_panes(ws, 1, 1);
    if (np && nr) {
        lxw_chart *chart = workbook_add_chart(x->wb, LXW_CHART_BAR_STACKED);
        for (size_t r = 0; r < m->nroles; r++) {
            if (!rcol[r])
                continue;
            char cat[128], val[128], name[192];
            snprintf(cat, sizeof cat, "='%s'!$A$2:$A$%d", SHEET_PROFESSION, np + 1);
            lxw_rowcol_to_range_abs(val, 1, (lxw_col_t)rcol[r], (lxw_row_t)np, (lxw_col_t)rcol[r]);
            snprintf(name, sizeof name, "='%s'!%s", SHEET_PROFESSION, val);
            lxw_chart_series *s = chart_add_series(chart, cat, name);
            char hdr[64];
            lxw_rowcol_to_cell_abs(hdr, 0, (lxw_col_t)rcol[r], 1, 1);
            snprintf(name, sizeof name, "='%s'!%s", SHEET_PROFESSION, hdr);
            chart_series_set_name(s, name);
        }
        chart_title_set_name(chart, "FTE by profession supported and support role");
        chart_axis_set_name(chart->x_axis, "FTE");
        chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
        lxw_chart_options co = {.x_scale = 2.2, .y_scale = 1.8};
        worksheet_insert_chart_opt(ws, total_row + 4, 0, chart, &co);
    }
done:
    free(prow);
    free(rcol);
}

/* Write Cover and By profession for org ("" = all) and close the file. */
esr_status xlsx_close(esr_xlsx *x, const esr_return_meta *meta, esr_aggregate *agg,
                      const char *org, const esr_mappings *m, esr_err *err)
{
    write_cover(x, meta, aggregate_org(agg, org));
    write_by_profession(x, agg, org, m);
    for (int c = 0; c < RC_COUNT; c++)
        worksheet_set_column(x->records, (lxw_col_t)c, (lxw_col_t)c, x->width[c], NULL);
    if (x->rows)
        worksheet_autofilter(x->records, 0, 0, x->rows, RC_COUNT - 1);

    lxw_doc_properties props = {0};
    props.title = "Support workforce return";
    props.company = (char *)meta->org_name;
    props.comments = "Written by esrpipe";
    props.created = meta->created;
    workbook_set_properties(x->wb, &props);
    lxw_error e = workbook_close(x->wb);
    x->wb = NULL;
    free(x);
    if (e)
        return lxw_fail(err, e, "close");
    return ESR_OK;
}

/* Free without writing (on failure). */
void xlsx_free(esr_xlsx *x)
{
    if (!x)
        return;
    if (x->wb)
        lxw_workbook_free(x->wb);
    free(x);
}
