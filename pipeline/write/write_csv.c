/* write_csv.c - records.csv, summary.csv and rejects.csv. */
#include "write_csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "rules.h"
#include "text.h"

/* The records.csv header line, newline included, into line (emptied first). */
esr_status write_records_header_line(esr_buf *line)
{
    esr_buf_reset(line);
    for (int c = 0; c < RC_COUNT; c++)
        csvout_raw(line, records_col_name(c), c == 0);
    return esr_buf_putc(line, '\n'); /* a failed append above is latched */
}

/* One records.csv row of fed record f (see write_csv.h). */
esr_status write_records_fed(esr_buf *line, esr_buf *flags, const esr_fed *f)
{
    esr_buf_reset(line);
    esr_buf_reset(flags);
    for (size_t i = 0; i < f->nfindings; i++)
        if ((i && esr_buf_putc(flags, ';')) || esr_buf_puts(flags, rule_id(f->findings[i].rule)))
            return ESR_ERR_NOMEM;
    for (int c = 0; c < RC_COUNT; c++) {
        char t[32];
        if (c == RC_DQ_FLAGS) {
            csvout_text(line, esr_buf_str(flags), c == 0);
        } else if (records_col_numeric(c)) {
            records_number_text((esr_rcol)c, f->num[c], f->has_num >> c & 1, t);
            csvout_raw(line, t, c == 0);
        } else {
            csvout_text(line, f->text[c], c == 0);
        }
    }
    return esr_buf_putc(line, '\n'); /* a failed append above is latched */
}

/* Set w up (see write_csv.h). */
esr_status records_csv_init(esr_records_csv *w, FILE *fp, const char *dir)
{
    esr_buf what = {0};
    memset(w, 0, sizeof *w);
    w->fp = fp;
    if (esr_buf_printf(&what, "%s/records.csv", dir)) {
        esr_buf_free(&what);
        return ESR_ERR_NOMEM;
    }
    w->what = what.data; /* w owns it */
    return ESR_OK;
}

/* One frame: a record's line into w's file; 0, -1 no memory, -3 I/O. */
static int records_csv_put(void *vw, const esr_fed *f)
{
    esr_records_csv *w = vw;
    if (f->kind != ESR_FEED_RECORD)
        return 0;
    if (write_records_fed(&w->line, &w->flags, f))
        return -1;
    if (fwrite(w->line.data, 1, w->line.len, w->fp) == w->line.len)
        return 0;
    w->werrno = errno;
    return -3;
}

/* Write the records among the frames p[0..n) (see write_csv.h). */
esr_status records_csv_feed(void *vw, const char *p, size_t n, int *enough, esr_err *err)
{
    esr_records_csv *w = vw;
    (void)enough;
    int rc = records_frames_feed(&w->frames, p, n, records_csv_put, w);
    if (rc == -1)
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory while writing a row", w->what);
    if (rc == -3)
        return esr_err_set(err, ESR_ERR_IO, "%s: write failed: %s", w->what,
                           strerror(w->werrno ? w->werrno : EIO));
    if (rc)
        return esr_err_set(err, ESR_ERR_INTERNAL, "%s: a malformed record was fed", w->what);
    return ESR_OK;
}

/* Free what w holds. */
void records_csv_free(esr_records_csv *w)
{
    esr_buf_free(&w->line);
    esr_buf_free(&w->flags);
    frames_free(&w->frames);
    free(w->what);
    w->what = NULL;
}

/* Write one summary.csv line (see write_csv.h). */
esr_status write_summary_line(esr_buf *line, FILE *fp, const char *org, esr_dim dim,
                              const char *prof, const char *role, const char *key, long long fte_e5,
                              uint64_t headcount)
{
    char fte[32], hc[32];
    text_format_e5(fte_e5, fte);
    snprintf(hc, sizeof hc, "%llu", (unsigned long long)headcount);
    csvout_text(line, org, 1);
    csvout_raw(line, aggregate_dim_name(dim), 0);
    csvout_text(line, prof, 0);
    csvout_text(line, role, 0);
    csvout_text(line, key, 0);
    csvout_raw(line, fte, 0);
    csvout_raw(line, hc, 0);
    return csvout_flush(line, fp); /* memory latched above, or I/O */
}

/* Write cell c of org as one summary.csv line; ESR_OK, ESR_ERR_NOMEM or ESR_ERR_IO. */
static esr_status summary_row(esr_buf *line, FILE *fp, const char *org, const esr_cell *c)
{
    return write_summary_line(line, fp, org, c->dim, c->profession, c->role, c->key, c->fte_e5,
                              c->headcount);
}

/* Write summary.csv for org (see write_csv.h). */
esr_status write_summary(FILE *fp, esr_aggregate *agg, const char *org)
{
    esr_buf line = {0};
    esr_status st = fputs(ESR_SUMMARY_HEADER "\n", fp) < 0 ? ESR_ERR_IO : ESR_OK;
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    if (*org) {
        /* a one-organisation return: its totals, then its block; the cells
         * are sorted by org, so its run is found without a scan of all
         * (--split-by-org stays linear in organisations) */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(cells[mid]->org, org) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (hi = lo; hi < n && !strcmp(cells[hi]->org, org); hi++)
            ;
        for (size_t i = lo; !st && i < hi; i++)
            st = summary_row(&line, fp, "", cells[i]);
        for (size_t i = lo; !st && i < hi; i++)
            st = summary_row(&line, fp, org, cells[i]);
    } else {
        for (size_t i = 0; !st && i < n; i++)
            st = summary_row(&line, fp, cells[i]->org, cells[i]);
    }
    esr_buf_free(&line);
    return st;
}

/* Write the rejects.csv header; ESR_OK or ESR_ERR_IO. */
esr_status write_rejects_header(FILE *fp)
{
    return fputs("source_file,line,reason,raw\n", fp) < 0 ? ESR_ERR_IO : ESR_OK;
}

#define PII_MASK "[personal data removed]"
#define UNMAPPED_MASK "[not kept: column not mapped]"

/* Write one reject (see write_csv.h). Allowlist: only fields read as a
 * canonical column (or their substitutes) are kept; any other column is
 * masked whatever its name, and a row that cannot be aligned with the
 * header is withheld. */
esr_status write_reject(FILE *fp, const char *source, uint64_t line, const char *reason,
                        const esr_row *row, const esr_redact *redact)
{
    const esr_schema *schema = redact->schema;
    esr_buf out = {0}, raw = {0};
    char ln[32];
    snprintf(ln, sizeof ln, "%llu", (unsigned long long)line);
    if (!row->fault && schema && row->nfields == schema->ncols) {
        for (size_t i = 0; i < row->nfields; i++) {
            int kind = schema->kind[i];
            const char *v = row->fields[i];
            if (redact->replace && redact->replace[i])
                v = redact->replace[i];
            else if (kind != ESR_HEADER_MAPPED)
                v = kind == ESR_HEADER_PII ? PII_MASK : UNMAPPED_MASK;
            csvout_raw(&raw, v, i == 0);
        }
    } else if (row->fault) {
        esr_buf_puts(&raw, "[row withheld: it could not be split into fields, so unmapped "
                           "columns cannot be masked; see the input at this line]");
    } else {
        esr_buf_printf(&raw,
                       "[row withheld: %zu fields where the header has %zu, so unmapped "
                       "columns cannot be located; see the input at this line]",
                       row->nfields, schema ? schema->ncols : 0);
    }
    esr_status st = esr_buf_status(&raw); /* a field cut short is never written */
    if (!st) {
        csvout_text(&out, source, 1);
        csvout_raw(&out, ln, 0);
        csvout_text(&out, reason, 0);
        csvout_text(&out, esr_buf_str(&raw), 0);
        st = csvout_flush(&out, fp); /* memory latched above, or I/O */
    }
    esr_buf_free(&out);
    esr_buf_free(&raw);
    return st;
}
