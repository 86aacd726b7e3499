/* run.c - the `run` command: stages chained over a record stream. */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "buf.h"
#include "csvout.h"
#include "json.h"
#include "mappings.h"
#include "outdir.h"
#include "pseudo.h"
#include "out_of_scope.h"
#include "records.h"
#include "rowspool.h"
#include "run_json.h"
#include "schema.h"
#include "strmap.h"
#include "text.h"
#include "training.h"
#include "validate.h"
#include "decide.h"
#include "stage.h"
#include "worker.h"
#include "write_csv.h"
#include "write_xlsx.h"
#include "xlsx_book.h"

#define MAX_REJECT_MESSAGES 20
/* records.csv's thread: 64 KiB chunks of the feed in flight (it keeps up) */
#define RECORDS_DEPTH 4
/* --split-by-org: returns whose files stay open at once (four each:
 * rejects.csv, records.csv, out_of_scope.csv, the workbook's spool; 192 in
 * all, under the common `ulimit -n 256`); the others are closed and
 * reopened for appending when a row comes. */
#define ESR_SPLIT_OPEN_RETURNS 48

/* What the one read of an input found, for the pass that decides its rows
 * from the spool (evidence mode). */
typedef struct input_read {
    esr_sniff sniff;
    esr_source_info info; /* without its path */
    esr_schema *schema;   /* its header, bound by the read */
    uint64_t lines, nul_bytes;
    uint64_t rows; /* spooled: every row below the header */
} input_read;

/* One return being written: a directory's worth of files. */
typedef struct ret_out {
    char *org; /* "" = the combined return */
    esr_outdir *dir;
    FILE *records, *rejects;
    FILE *outscope;       /* out_of_scope.csv, beside records.csv */
    int has_records;      /* gets records / workbook (not the unassigned bucket) */
    esr_xlsx *xlsx;       /* the workbook, when built while reading (one return) */
    esr_worker *xw;       /* the thread feeding it the typed records and rejects */
    esr_records_csv rcsv; /* records.csv, written from the same typed records */
    esr_worker *rw;       /* the thread writing it (one return), else NULL */
    FILE *feed;           /* split mode: the spool of that feed, for the workbook at the end */
    char *feed_path;      /* its path, in the scratch directory */
    int parked;           /* split mode: its files are closed for now */
    int in_ring;          /* split mode: one of the returns with files open */
} ret_out;

typedef struct run_ctx {
    const esr_run_opts *o;
    esr_err *err;
    esr_status st;
    esr_mappings *m;
    esr_classifier *cls;
    esr_validator *val;
    esr_aggregate *agg;
    esr_schema *schema;
    const char *source_name;
    esr_input_meta *inputs;
    char **unknown_cols; /* per input: comma-joined names */
    input_read *read;    /* per input: its read, when its rows are spooled */
    esr_rowspool *spool; /* evidence mode: every input's rows, read once */
    char **pii_cols;
    char **near_cols; /* per input: "header\x1dcanonical\x1dalias" items joined by 0x1f */
    size_t ninputs;
    size_t cur_input; /* index of the input being read */
    uint64_t file_rows;
    esr_sniff sniff;      /* the input's delimiter and header row */
    uint64_t blank_lines; /* the input's rows of empty fields */
    uint64_t fte_values;  /* the input's FTE values that are numbers... */
    uint64_t fte_above_5; /* ...and of those, above 5: weekly hours? */
    ret_out **rets;
    size_t nrets;
    esr_strmap *ret_by_org;
    ret_out *unassigned;                   /* split mode: rejects without an org code */
    ret_out *ring[ESR_SPLIT_OPEN_RETURNS]; /* split mode: returns with files open */
    size_t nopen, ring_next;
    esr_pseudo *pseudo;
    esr_training *training;
    const char **replace; /* per header field, for rejects.csv */
    char emp_p[ESR_PSEUDO_LEN + 1], asg_p[ESR_PSEUDO_LEN + 1];
    esr_rendered rendered;
    esr_buf line, packed, msg;
    uint64_t reject_messages;
    char snapshot[11];
    const char *snapshot_source; /* "option", "file name" or "unknown" */
    char full_time[32];          /* --full-time-hours as text */
    esr_source *src;             /* the input being read (for progress) */
    unsigned long long rows_total;
    double next_progress;
    double started;
    int learning;      /* the one read of a spooled run: learn titles, spool rows */
    esr_table *titles; /* --titles */
    char titles_sha256[65];
} run_ctx;

/* Fill opts with the documented defaults. */
void run_opts_default(esr_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->outdir = "output";
    o->mappings_dir = "mappings";
    o->mode = ESR_CLASSIFY_EVIDENCE;
    o->max_reject_pct = ESR_MAX_REJECT_PCT_DEFAULT;
    source_opts_default(&o->source);
    o->max_field_bytes = ESR_CSV_MAX_FIELD_BYTES_DEFAULT;
    o->max_columns = ESR_CSV_MAX_COLUMNS_DEFAULT;
    o->max_field_lines = ESR_CSV_MAX_FIELD_LINES_DEFAULT;
    o->max_fte_e5 = ESR_MAX_FTE_DEFAULT_E5;
    o->max_sheet_rows = ESR_MAX_SHEET_ROWS_DEFAULT;
    o->tool_version = "esrpipe";
    learn_opts_default(&o->learn);
}

/* Monotonic clock in milliseconds. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void say(run_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send a printf-style message to the log, if there is one. */
static void say(run_ctx *c, const char *fmt, ...)
{
    if (!c->o->log)
        return;
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->o->log(c->o->log_ctx, buf);
}

/* Free a return and its output directory (NULL is fine). */
static void ret_free(ret_out *r)
{
    if (!r)
        return;
    worker_cancel(r->xw);
    worker_cancel(r->rw);
    records_csv_free(&r->rcsv);
    xlsx_free(r->xlsx);
    if (r->feed)
        fclose(r->feed);
    if (r->feed_path)
        unlink(r->feed_path);
    free(r->feed_path);
    outdir_free(r->dir);
    free(r->org);
    free(r);
}

/* Worker callback: the typed feed into the workbook. */
static esr_status feed_workbook(void *x, const char *p, size_t n, int *enough, esr_err *err)
{
    return xlsx_feed(x, p, n, enough, err);
}

/* Open r's workbook now and feed it from a second thread while the input is
 * read: the Support workforce sheet is then built on the other core. */
static esr_status workbook_start(run_ctx *c, ret_out *r)
{
    const char *xpath, *scratch;
    esr_status st;
    if ((st = outdir_path(r->dir, "return.xlsx", &xpath, c->err)) ||
        (st = outdir_scratch(r->dir, &scratch, c->err)))
        return st;
    esr_xlsx_in xin = {.org = r->org,
                       .m = c->m,
                       .max_sheet_rows = xbook_rows_cap(c->o->max_sheet_rows),
                       .tmpdir = scratch};
    if ((st = xlsx_open(xpath, &xin, &r->xlsx, c->err)))
        return st;
    if (worker_start(feed_workbook, r->xlsx, 0, 0, &r->xw))
        return esr_err_set(c->err, ESR_ERR_NOMEM,
                           "out of memory: cannot start the workbook thread");
    return ESR_OK;
}

/* Split mode: start r's spool of its workbook's typed feed, a temporary
 * file in the scratch directory; the workbook is built from it once every
 * row is read (workbook_from_spool): no output is read back. */
static esr_status feed_spool_open(run_ctx *c, ret_out *r)
{
    const char *scratch;
    esr_status st = outdir_scratch(r->dir, &scratch, c->err);
    if (st)
        return st;
    esr_buf path = {0};
    if (esr_buf_printf(&path, "%s/feed-%zu", scratch, c->nrets))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    r->feed_path = path.data;
    if (!(r->feed = fopen(r->feed_path, "wb")))
        return esr_err_set(c->err, ESR_ERR_OUTPUT, "%s: cannot create the workbook's spool: %s",
                           outdir_dir(r->dir), strerror(errno));
    return ESR_OK;
}

/* Set c's error for st, met writing file of return r: memory and I/O told
 * apart (exit 70 and 74); returns 1, on_row's "stop". */
static int write_failed(run_ctx *c, esr_status st, const ret_out *r, const char *file)
{
    if (st == ESR_ERR_IO)
        c->st = esr_err_set(c->err, st, "%s/%s: write failed: %s", outdir_dir(r->dir), file,
                            strerror(errno));
    else
        c->st = esr_err_set(c->err, st, "%s/%s: %s while writing a row", outdir_dir(r->dir), file,
                            esr_strerror(st));
    return 1;
}

/* Hand the frame in c->packed to r's workbook, if it has one: to its
 * thread, or (split mode) to its spool. 0, or 1 with c->st set. */
static int feed_put(run_ctx *c, ret_out *r)
{
    if (r->xw)
        worker_write(r->xw, c->packed.data, c->packed.len);
    else if (r->feed && fwrite(c->packed.data, 1, c->packed.len, r->feed) != c->packed.len) {
        c->st = esr_err_set(c->err, ESR_ERR_IO, "%s: the workbook's spool: write failed: %s",
                            outdir_dir(r->dir), strerror(errno));
        return 1;
    }
    return 0;
}

/* rec's typed values to r's records.csv (its thread, or here) and to its
 * workbook's feed when it has one; 0, or 1 with c->st set. */
static int records_put(run_ctx *c, ret_out *r, const esr_rendered *rec)
{
    esr_buf_reset(&c->packed);
    if (records_pack(rec, &c->packed))
        return write_failed(c, esr_buf_status(&c->packed) ? ESR_ERR_NOMEM : ESR_ERR_INTERNAL, r,
                            "records.csv");
    if (r->rw) {
        worker_write(r->rw, c->packed.data, c->packed.len);
    } else {
        if ((c->st = records_csv_feed(&r->rcsv, c->packed.data, c->packed.len, NULL, c->err)))
            return 1;
    }
    return feed_put(c, r);
}

/* Open r's records.csv with its header, and (one return) the thread that
 * writes its rows from the typed feed: the second core has room for it. */
static esr_status records_open(run_ctx *c, ret_out *r)
{
    const char *dir = outdir_dir(r->dir);
    esr_status st;
    if ((st = outdir_file(r->dir, "records.csv", &r->records, c->err)))
        return st;
    if (write_records_header_line(&c->line) || records_csv_init(&r->rcsv, r->records, dir))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "%s/records.csv: out of memory", dir);
    if (fwrite(c->line.data, 1, c->line.len, r->records) != c->line.len)
        return esr_err_set(c->err, ESR_ERR_IO, "%s/records.csv: write failed: %s", dir,
                           strerror(errno));
    if (!c->o->split_by_org && worker_start(records_csv_feed, &r->rcsv, 0, RECORDS_DEPTH, &r->rw))
        return esr_err_set(c->err, ESR_ERR_NOMEM,
                           "out of memory: cannot start the records.csv thread");
    return ESR_OK;
}

/* Open a return in dir for org with its rejects.csv (and records.csv); add it to c. */
static esr_status ret_open(run_ctx *c, const char *dir, const char *org, int has_records,
                           ret_out **out)
{
    ret_out *r = calloc(1, sizeof *r);
    esr_status st;
    if (!r || !(r->org = strdup(org))) {
        free(r);
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    }
    r->has_records = has_records;
    /* a --split-by-org return is a subdirectory, published with the top one */
    if ((st = *org ? outdir_sub(c->rets[0]->dir, org, &r->dir, c->err)
                   : outdir_open_wait(dir, c->o->wait_s, "run", &r->dir, c->err)))
        goto fail;
    if ((st = outdir_file(r->dir, "rejects.csv", &r->rejects, c->err)))
        goto fail;
    if (write_rejects_header(r->rejects)) {
        st = esr_err_set(c->err, ESR_ERR_IO, "%s/rejects.csv: write failed", dir);
        goto fail;
    }
    if (has_records) {
        if ((st = records_open(c, r)))
            goto fail;
        if (!c->o->no_workbook &&
            (st = c->o->split_by_org ? feed_spool_open(c, r) : workbook_start(c, r)))
            goto fail;
        if ((st = outdir_file(r->dir, "out_of_scope.csv", &r->outscope, c->err)))
            goto fail;
        if (out_of_scope_header(r->outscope)) {
            st = esr_err_set(c->err, ESR_ERR_IO, "%s/out_of_scope.csv: write failed", dir);
            goto fail;
        }
    }
    if (c->nrets % 16 == 0) {
        ret_out **rs = realloc(c->rets, (c->nrets + 16) * sizeof *rs);
        if (!rs) {
            st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
            goto fail;
        }
        c->rets = rs;
    }
    c->rets[c->nrets++] = r;
    *out = r;
    return ESR_OK;
fail:
    ret_free(r);
    return st;
}

/* Non-zero if org can name a return's directory: [A-Za-z0-9]+ only. */
static int org_usable(const char *org)
{
    if (!*org)
        return 0;
    for (const char *p = org; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Split mode: r is about to be written. Keep at most ESR_SPLIT_OPEN_RETURNS
 * returns' files open: reopen r's if parked, parking those of the return
 * that has been open longest. */
static esr_status ret_ready(run_ctx *c, ret_out *r)
{
    esr_status st;
    if (!c->o->split_by_org || r->in_ring)
        return ESR_OK;
    if (c->nopen == ESR_SPLIT_OPEN_RETURNS) {
        ret_out *v = c->ring[c->ring_next];
        if ((st = outdir_park(v->dir, "rejects.csv", c->err)) ||
            (v->has_records && (st = outdir_park(v->dir, "records.csv", c->err))) ||
            (v->has_records && (st = outdir_park(v->dir, "out_of_scope.csv", c->err))))
            return st;
        if (v->feed && fclose(v->feed))
            st = esr_err_set(c->err, ESR_ERR_IO, "%s: writing the workbook's spool failed: %s",
                             outdir_dir(v->dir), strerror(errno));
        v->rejects = v->records = v->outscope = v->feed = NULL;
        if (st)
            return st;
        v->parked = 1;
        v->in_ring = 0;
        c->ring[c->ring_next] = r;
        c->ring_next = (c->ring_next + 1) % ESR_SPLIT_OPEN_RETURNS;
    } else {
        c->ring[c->nopen++] = r;
    }
    r->in_ring = 1;
    if (r->parked) {
        if ((st = outdir_resume(r->dir, "rejects.csv", &r->rejects, c->err)) ||
            (r->has_records && (st = outdir_resume(r->dir, "records.csv", &r->records, c->err))) ||
            (r->has_records &&
             (st = outdir_resume(r->dir, "out_of_scope.csv", &r->outscope, c->err))))
            return st;
        r->rcsv.fp = r->records; /* records.csv's writer follows the reopened stream */
        if (r->feed_path && !(r->feed = fopen(r->feed_path, "ab")))
            return esr_err_set(c->err, ESR_ERR_OUTPUT, "%s: cannot reopen the workbook's spool: %s",
                               outdir_dir(r->dir), strerror(errno));
        r->parked = 0;
    }
    return ESR_OK;
}

/* The return a record belongs to (split mode: one per organisation). */
static ret_out *ret_for(run_ctx *c, const char *org)
{
    if (!c->o->split_by_org)
        return c->rets[0];
    size_t i;
    if (*org && esr_strmap_get(c->ret_by_org, org, strlen(org), &i))
        return c->rets[i];
    /* an org code becomes a directory name: refuse anything but [A-Za-z0-9] */
    if (!org_usable(org))
        return c->unassigned;
    esr_buf dir = {0};
    esr_buf_printf(&dir, "%s/%s", c->o->outdir, org);
    ret_out *r = NULL;
    size_t idx = c->nrets;
    if (!ret_open(c, esr_buf_str(&dir), org, 1, &r))
        esr_strmap_put(c->ret_by_org, org, strlen(org), idx, NULL);
    else
        c->st = c->err->status;
    esr_buf_free(&dir);
    return r;
}

/* The offending value of rejected r as the outputs quote it: a rule that
 * quotes an employee or assignment number quotes its pseudonym. */
static const char *reject_detail(run_ctx *c, const esr_record *r)
{
    const char *field = c->m->rules[r->reason_rule].field;
    if (c->pseudo && !strcmp(field, record_col_name(ESR_COL_ASSIGNMENT_NUMBER)))
        return c->asg_p;
    if (c->pseudo && !strcmp(field, record_col_name(ESR_COL_EMPLOYEE_NUMBER)))
        return c->emp_p;
    return r->reason_detail ? r->reason_detail : "";
}

/* The reason rejects.csv gives for j: its rule id, then records_reason. */
static const char *reason_text(run_ctx *c, const esr_reject *j)
{
    esr_buf_reset(&c->msg);
    esr_buf_printf(&c->msg, "%s: ", rule_id(j->rule));
    records_reason(&c->msg, &c->m->rules[j->rule], j->detail);
    return esr_buf_str(&c->msg);
}

/* Non-zero if every field of row is empty or blank (a blank line, ",,,,"). */
static int row_blank(const esr_row *row)
{
    if (row->fault)
        return 0;
    for (size_t i = 0; i < row->nfields; i++)
        if (!text_blank(row->fields[i]))
            return 0;
    return 1;
}

/* Bind the header row: a row the reader could not split names the limit
 * it hit; two columns for one canonical column are refused (schema_bind).
 * Unknown names close to a column's alias are listed (near_cols). 0 or -1. */
static int header_bind(run_ctx *c, const esr_row *row)
{
    if (row->fault) {
        c->st = esr_err_set(
            c->err, ESR_ERR_INPUT_FORMAT, "%s:%llu: header row is unreadable: %s", c->source_name,
            (unsigned long long)row->line,
            row->fault == ESR_ROW_TOO_MANY_COLUMNS
                ? "it has more fields than --max-columns allows (raise --max-columns)"
                : "a field is larger than --max-field-bytes allows (raise --max-field-bytes)");
        return -1;
    }
    if ((c->st = schema_bind(c->m, row, c->source_name, ESR_SCHEMA_STAFF, &c->schema, c->err)))
        return -1;
    const esr_table *t = c->m->t_columns;
    esr_buf near = {0};
    for (size_t i = 0; i < c->schema->ncols; i++) {
        int k = c->schema->kind[i] == ESR_HEADER_UNKNOWN
                    ? schema_near_miss(c->m, c->schema, c->schema->header[i])
                    : -1;
        if (k < 0)
            continue;
        const char *canon = table_get(t, (size_t)k, table_col(t, "canonical")),
                   *alias = table_get(t, (size_t)k, table_col(t, "alias"));
        say(c,
            "%s:%llu: warning: column \"%.80s\" is not read: it looks like %s%s%s%s; rename it, "
            "or add it to mappings/columns.csv if it is that column",
            c->source_name, (unsigned long long)row->line, c->schema->header[i], canon,
            strcmp(alias, canon) ? " (\"" : "", strcmp(alias, canon) ? alias : "",
            strcmp(alias, canon) ? "\")" : "");
        esr_buf_printf(&near, "%s%s\x1d%s\x1d%s", near.len ? "\x1f" : "", c->schema->header[i],
                       canon, alias);
    }
    free(c->near_cols[c->cur_input]);
    c->near_cols[c->cur_input] = near.data ? near.data : strdup("");
    if (!c->near_cols[c->cur_input]) {
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/* Count the FTE column's numbers, and those above 5 (fte_hours_check). */
static void fte_tally(run_ctx *c, const char *fte)
{
    long long v;
    if (!text_parse_e5(fte, &v)) {
        c->fte_values++;
        c->fte_above_5 += v > ESR_FTE_HOURS_E5;
    }
}

/* --split-by-org: an in-scope row needs an organisation code that can name
 * its return's directory; without one it is rejected, never dropped. */
static void split_check(run_ctx *c, esr_record *rec)
{
    if (!c->o->split_by_org || rec->scope != ESR_SCOPE_IN || org_usable(rec->f[ESR_COL_ORG_CODE]))
        return;
    rec->scope = ESR_SCOPE_REJECTED;
    rec->reason_rule = ESR_RULE_ORG_UNUSABLE;
    rec->reason_detail = rec->f[ESR_COL_ORG_CODE];
    rec->nfindings = 0;
}

/* Count rec (person: its employee number or pseudonym); 0, or non-zero
 * with c->st set (out of memory, or an FTE total past what can be held). */
static int count_row(run_ctx *c, const esr_record *rec, const char *person)
{
    esr_status added = aggregate_add(c->agg, rec, person);
    if (added == ESR_ERR_INPUT_FORMAT)
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                            "%s:%llu: an FTE total cannot be represented after this row "
                            "(FTE %s): nothing written",
                            c->source_name, (unsigned long long)rec->line, rec->f[ESR_COL_FTE]);
    else if (added)
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    return added != 0;
}

/* An out-of-scope row to r's out_of_scope.csv (a return with records); 0,
 * or non-zero with c->st set. */
static int out_of_scope_row(run_ctx *c, ret_out *r, const esr_record *rec, const char *asg)
{
    if (!r->outscope || !out_of_scope_put(&c->line, r->outscope, c->m, rec, asg))
        return 0;
    return write_failed(c, esr_buf_status(&c->line) ? ESR_ERR_NOMEM : ESR_ERR_IO, r,
                        "out_of_scope.csv");
}

/* Make c->replace fit the bound schema's fields (redact_keys). 0, or 1
 * with c->st set. */
static int replace_alloc(run_ctx *c)
{
    free(c->replace);
    if (!(c->replace = calloc(c->schema->ncols + 1, sizeof *c->replace))) {
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return 1;
    }
    return 0;
}

/* The header row of an input: bind it (header_bind); rows above it are
 * title lines. 0, or 1 with c->st set. */
static int on_header(run_ctx *c, const esr_row *row)
{
    if (row->line < c->sniff.header_line)
        return 0; /* a title line above the header */
    return header_bind(c, row) ? 1 : replace_alloc(c);
}

/* Count a row read and report progress every 4096 rows, at most twice a second. */
static void progress_tick(run_ctx *c)
{
    if (!c->o->progress_fn || (++c->rows_total & 4095) != 0)
        return;
    double t = now_ms() - c->started;
    if (t < c->next_progress)
        return;
    c->next_progress = t + 500;
    /* deciding the spooled rows: how far through the spool */
    esr_progress p = {c->source_name,
                      c->rows_total,
                      c->src ? source_consumed(c->src) : rowspool_read_bytes(c->spool),
                      c->src ? source_info(c->src)->bytes : rowspool_bytes(c->spool),
                      t,
                      0};
    c->o->progress_fn(c->o->progress_ctx, &p);
}

/* Per header field, the pseudonyms of the employee and assignment numbers
 * of row (rejects.csv shows them in place of the numbers), or NULL
 * without a key. */
static const char *const *redact_keys(run_ctx *c, const esr_row *row)
{
    if (!c->pseudo)
        return NULL;
    for (size_t i = 0; i < c->schema->ncols; i++)
        c->replace[i] = NULL;
    const int pos[2] = {c->schema->pos[ESR_COL_EMPLOYEE_NUMBER],
                        c->schema->pos[ESR_COL_ASSIGNMENT_NUMBER]};
    for (int k = 0; k < 2; k++)
        if (pos[k] >= 0 && (size_t)pos[k] < row->nfields)
            c->replace[pos[k]] =
                pseudo_apply(c->pseudo, k ? "assignment" : "employee",
                             text_trim(row->fields[pos[k]]), k ? c->asg_p : c->emp_p);
    return c->replace;
}

/* Rejected rec (read as row) into r's rejects.csv and, typed, its
 * workbook's feed. 0, or 1 with c->st set. */
static int put_rejected(run_ctx *c, ret_out *r, const esr_record *rec, const esr_row *row)
{
    esr_reject j = {c->source_name, rec->line, rec->reason_rule, reject_detail(c, rec)};
    const char *why = reason_text(c, &j);
    if (esr_buf_status(&c->msg)) /* a reason cut short is never written */
        return write_failed(c, ESR_ERR_NOMEM, r, "rejects.csv");
    if (c->reject_messages++ < MAX_REJECT_MESSAGES)
        say(c, "%s:%llu: rejected: %s", c->source_name, (unsigned long long)rec->line, why);
    esr_redact red = {c->schema, redact_keys(c, row)};
    esr_status st = write_reject(r->rejects, c->source_name, rec->line, why, row, &red);
    if (st)
        return write_failed(c, st, r, "rejects.csv");
    if (!r->xw && !r->feed)
        return 0;
    esr_buf_reset(&c->packed);
    if (records_pack_reject(&j, &c->packed))
        return write_failed(c, esr_buf_status(&c->packed) ? ESR_ERR_NOMEM : ESR_ERR_INTERNAL, r,
                            "rejects.csv");
    return feed_put(c, r);
}

/* In-scope rec into r's records.csv and, typed, its workbook's feed (emp
 * and asg: the keys to show). 0, or 1 with c->st set. */
static int put_in_scope(run_ctx *c, ret_out *r, const esr_record *rec, const char *emp,
                        const char *asg)
{
    if (records_render(rec, c->m, emp, asg, &c->rendered)) {
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return 1;
    }
    return records_put(c, r, &c->rendered);
}

/* The decisions on readable rec, and the checks around them. 0, or 1 with
 * c->st set (no memory to decide it). */
static int row_decide(run_ctx *c, esr_record *rec, int readable)
{
    if (!*rec->f[ESR_COL_ORG_CODE] && c->o->org)
        rec->f[ESR_COL_ORG_CODE] = c->o->org;
    if (readable) {
        if ((c->st = decide_row(c->val, c->cls, c->training, rec))) {
            esr_err_set(c->err, c->st, "%s:%llu: %s while deciding the row", c->source_name,
                        (unsigned long long)rec->line, esr_strerror(c->st));
            return 1;
        }
        fte_tally(c, rec->f[ESR_COL_FTE]);
    }
    split_check(c, rec);
    return 0;
}

/* The one read's row (evidence mode): spool it, and learn from its title
 * and code alone; a row validate_row rejects teaches nothing. 0, or 1 with
 * c->st set. */
static int learn_row(run_ctx *c, const esr_row *row)
{
    static const int cols[] = ESR_LEARN_COLS;
    progress_tick(c);
    if ((c->st = rowspool_put(c->spool, row, c->schema, c->err)))
        return 1;
    c->read[c->cur_input].rows++;
    if (row->fault || row->nfields != c->schema->ncols)
        return 0;
    esr_record rec;
    record_init(&rec, c->source_name, row->line);
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        rec.f[cols[i]] = schema_text(c->schema, row, cols[i]);
    if (classify_learn(c->cls, &rec)) {
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return 1;
    }
    return 0;
}

/* Row callback: bind the header, then validate, classify, count and write each row. */
static int on_row(void *vctx, const esr_row *row)
{
    run_ctx *c = vctx;
    if (!c->schema)
        return on_header(c, row);
    if (c->learning)
        return learn_row(c, row);
    if (row_blank(row)) {
        c->blank_lines++;
        return 0; /* a blank line, or Excel's ",,,,,,": not a row */
    }
    c->file_rows++;
    progress_tick(c);
    esr_record rec;
    record_init(&rec, c->source_name, row->line);
    int readable = validate_row(c->val, row, c->schema->ncols, &rec) == 0;
    if (readable)
        schema_fill(c->schema, row, &rec);
    if (row_decide(c, &rec, readable))
        return 1;
    /* keyed pseudonyms replace both numbers everywhere from here on */
    const char *emp = rec.f[ESR_COL_EMPLOYEE_NUMBER], *asg = rec.f[ESR_COL_ASSIGNMENT_NUMBER];
    if (c->pseudo) {
        emp = pseudo_apply(c->pseudo, "employee", emp, c->emp_p);
        asg = pseudo_apply(c->pseudo, "assignment", asg, c->asg_p);
    }
    if (count_row(c, &rec, emp))
        return 1;
    if (c->o->record_fn)
        c->o->record_fn(c->o->record_ctx, &rec, c->schema);
    if (c->o->dry_run)
        return 0;
    ret_out *ret = ret_for(c, rec.f[ESR_COL_ORG_CODE]);
    if (!ret || (c->st = ret_ready(c, ret)))
        return 1;
    if (rec.scope == ESR_SCOPE_REJECTED)
        return put_rejected(c, ret, &rec, row);
    if (rec.scope == ESR_SCOPE_OUT)
        return out_of_scope_row(c, ret, &rec, asg);
    return rec.scope == ESR_SCOPE_IN ? put_in_scope(c, ret, &rec, emp, asg) : 0;
}

/* The last component of path. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Header names of the schema's columns of kind, joined by 0x1f (malloc'd). */
static char *join_cols(const esr_schema *s, esr_header_kind kind)
{
    esr_buf b = {0};
    for (size_t i = 0; i < s->ncols; i++)
        if (s->kind[i] == (int)kind) {
            if (b.len)
                esr_buf_putc(&b, '\x1f');
            esr_buf_puts(&b, s->header[i]);
        }
    if (!b.data)
        return strdup("");
    return b.data;
}

/* Record input idx's facts for run.json and the Cover; warn of replaced bytes. */
static esr_status input_meta(run_ctx *c, size_t idx, const esr_source_info *info)
{
    esr_input_meta *in = &c->inputs[idx];
    char b[4];
    in->name = c->source_name;
    in->bytes = info->bytes;
    in->sha256 = strdup(info->sha256);
    in->encoding = source_encoding_name(info->encoding);
    in->gzip = info->gzip;
    in->rows = c->file_rows;
    in->blank_lines = c->blank_lines;
    in->header_line = c->sniff.header_line;
    in->title_lines = c->sniff.header_line - 1;
    in->delimiter = strdup(schema_delim_name(c->sniff.delim, b));
    c->unknown_cols[idx] = join_cols(c->schema, ESR_HEADER_UNKNOWN);
    c->pii_cols[idx] = join_cols(c->schema, ESR_HEADER_PII);
    if (!in->sha256 || !in->delimiter || !c->unknown_cols[idx] || !c->pii_cols[idx])
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    if (info->replaced)
        say(c, "%s: %llu bytes could not be decoded and were replaced by U+FFFD", c->o->inputs[idx],
            (unsigned long long)info->replaced);
    return ESR_OK;
}

/* Sniff input idx's delimiter and header row from its start (in head);
 * an input where no row names the columns is refused, saying what was tried. */
static esr_status input_sniff(run_ctx *c, esr_source *src, const char *path, esr_buf *head,
                              int *eof)
{
    esr_sniff *sn = &c->sniff;
    esr_status st = schema_sniff_source(c->m, src, c->o->source.delim, c->o->header_line, head, eof,
                                        sn, c->err);
    if (st)
        return st;
    char b[4];
    if (!sn->found && sn->mapped < 2) /* a real header missing a column is schema_bind's to name */
        return esr_err_set(c->err, ESR_ERR_SCHEMA,
                           "%s: no header row naming the staff columns (mappings/columns.csv) in "
                           "%s%llu%s; delimiters tried: %s; line 1: %s",
                           path, c->o->header_line ? "line " : "the first ",
                           c->o->header_line ? c->o->header_line
                                             : (unsigned long long)ESR_SNIFF_LINES,
                           c->o->header_line ? "" : " lines", sn->tried, sn->first_line);
    if (sn->header_line > 1 || sn->delim != ',')
        say(c, "%s: header on line %llu, %s-separated%s", path, (unsigned long long)sn->header_line,
            schema_delim_name(sn->delim, b),
            sn->header_line > 1 ? " (the lines above it are skipped as title lines)" : "");
    /* Excel in a European locale separates with ';' because ',' is its
     * decimal point: there "0,5" is half; elsewhere it is not a number */
    validate_set_decimal_comma(c->val, sn->delim == ';');
    return ESR_OK;
}

/* Refuse an FTE column whose values look like weekly hours: more than half
 * of its numbers above 5, i.e. its median above 5 (rule fte_looks_like_hours). */
static esr_status fte_hours_check(run_ctx *c, const char *path)
{
    if (!c->fte_values || c->fte_above_5 * 2 <= c->fte_values)
        return ESR_OK;
    return esr_err_set(
        c->err, ESR_ERR_SCHEMA,
        "%s: column \"%s\" (fte) looks like weekly hours, not FTE: %llu of %llu values are above "
        "5 (rule fte_looks_like_hours: median above 5); export the FTE (WTE) column, or give "
        "contracted hours without an FTE column (FTE = hours / --full-time-hours)",
        path, c->schema->header[c->schema->pos[ESR_COL_FTE]], (unsigned long long)c->fte_above_5,
        (unsigned long long)c->fte_values);
}

/* Input idx's rows are all decided: refuse it without a header row or with
 * weekly hours for FTE; record its metadata. */
static esr_status input_done(run_ctx *c, size_t idx, const esr_source_info *info, uint64_t lines,
                             uint64_t nul_bytes)
{
    const char *path = c->o->inputs[idx];
    esr_status st;
    if (!c->schema)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s: no header row", path);
    if ((st = fte_hours_check(c, path)) || (st = input_meta(c, idx, info)))
        return st;
    c->inputs[idx].lines = lines;
    c->inputs[idx].nul_bytes = nul_bytes;
    if (nul_bytes)
        say(c, "%s: %llu NUL bytes: each row holding one is rejected (nul_byte)", path,
            (unsigned long long)nul_bytes);
    return ESR_OK;
}

/* Read, classify and write every row of input idx; record its metadata.
 * While learning, only spool its rows (replay_input decides them). */
static esr_status read_input(run_ctx *c, size_t idx)
{
    const char *path = c->o->inputs[idx];
    esr_source *src = NULL;
    esr_csvreader *rd = NULL;
    esr_buf head = {0};
    esr_status st;
    c->source_name = base_name(path);
    c->cur_input = idx;
    c->file_rows = c->blank_lines = c->fte_values = c->fte_above_5 = 0;
    if ((st = source_open(path, &c->o->source, &src, c->err)))
        return st;
    c->src = src;
    const esr_source_info *info = source_info(src);
    /* inflate and decode on a second core while this one parses and
     * classifies; without a thread it all runs here */
    source_start_prefetch(src);
    int eof;
    if ((st = input_sniff(c, src, path, &head, &eof)))
        goto done;
    esr_csv_opts copts = {c->sniff.delim, c->o->max_field_bytes, c->o->max_columns,
                          c->o->max_field_lines};
    if (csvreader_new(&copts, on_row, c, &rd)) {
        st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    const char *buf = head.data;
    size_t got = head.len;
    while (got) {
        if ((st = csvreader_feed(rd, buf, got, c->err)))
            goto done;
        if (c->st) {
            st = c->st;
            goto done;
        }
        got = 0;
        if (!eof && (st = source_next(src, &buf, &got, c->err)))
            goto done;
    }
    if ((st = csvreader_finish(rd, c->err)))
        goto done;
    if (c->st) {
        st = c->st;
        goto done;
    }
    if (c->learning) { /* the rows are decided from the spool */
        input_read *in = &c->read[idx];
        in->sniff = c->sniff;
        in->info = *info;
        in->info.path = NULL;
        in->lines = csvreader_physical_lines(rd);
        in->nul_bytes = csvreader_nul_bytes(rd);
        in->schema = c->schema; /* the deciding pass binds no header again */
        c->schema = NULL;
        if (!in->schema)
            st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s: no header row", path);
        goto done;
    }
    st = input_done(c, idx, info, csvreader_physical_lines(rd), csvreader_nul_bytes(rd));
done:
    esr_buf_free(&head);
    schema_free(c->schema);
    c->schema = NULL;
    csvreader_free(rd);
    c->src = NULL;
    source_close(src);
    return st;
}

/* Decide, count and write input idx's rows from the spool its one read
 * filled; record its metadata. */
static esr_status replay_input(run_ctx *c, size_t idx)
{
    input_read *in = &c->read[idx];
    esr_status st = ESR_OK;
    esr_row row;
    c->source_name = base_name(c->o->inputs[idx]);
    c->cur_input = idx;
    c->file_rows = c->blank_lines = c->fte_values = c->fte_above_5 = 0;
    c->sniff = in->sniff;
    c->schema = in->schema; /* freed with c->schema below */
    in->schema = NULL;
    validate_set_decimal_comma(c->val, in->sniff.delim == ';'); /* as input_sniff set it */
    if (replace_alloc(c))
        st = c->st;
    for (uint64_t i = 0; i < in->rows && !st; i++)
        if (!(st = rowspool_next(c->spool, &row, c->err)) && on_row(c, &row))
            st = c->st ? c->st : ESR_ERR_INTERNAL;
    if (!st)
        st = input_done(c, idx, &in->info, in->lines, in->nul_bytes);
    schema_free(c->schema);
    c->schema = NULL;
    return st;
}

/* Every input (and the training file) still as read: one still being
 * copied in has grown since (source_unchanged). */
static esr_status inputs_unchanged(run_ctx *c)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; i < c->ninputs && !st; i++)
        st = source_unchanged(c->o->inputs[i], c->inputs[i].bytes, c->err);
    if (!st && c->training)
        st = source_unchanged(c->o->training, training_input_bytes(c->training), c->err);
    return st;
}

/* YYYY-MM-DD from --snapshot or from the first input's name. */
static esr_status find_snapshot(run_ctx *c)
{
    const char *s = c->o->snapshot;
    int y, mo, d;
    if (s) {
        if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 ||
            d < 1 || d > 31)
            return esr_err_set(c->err, ESR_ERR_USAGE, "--snapshot %s: expected YYYY-MM-DD", s);
        memcpy(c->snapshot, s, 11);
        c->snapshot_source = "option";
        return ESR_OK;
    }
    const char *name = base_name(c->o->inputs[0]);
    for (const char *p = name; *p; p++) {
        if (sscanf(p, "%4d-%2d-%2d", &y, &mo, &d) == 3 ||
            sscanf(p, "%4d%2d%2d", &y, &mo, &d) == 3) {
            if (y >= 1990 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
                snprintf(c->snapshot, sizeof c->snapshot, "%04d-%02d-%02d", y, mo, d);
                c->snapshot_source = "file name";
                return ESR_OK;
            }
        }
    }
    c->snapshot[0] = '\0';
    c->snapshot_source = "unknown";
    if (!c->o->record_fn) /* explain has no snapshot to speak of */
        say(c,
            "warning: %s: no date (YYYY-MM-DD or YYYYMMDD) in the file name, so the snapshot date "
            "is unknown (the Cover says so): give --snapshot YYYY-MM-DD",
            name);
    return ESR_OK;
}

/* A member listing the 0x1f-separated items of joined as an array of strings. */
static void json_list(esr_json *j, const char *key, const char *joined)
{
    json_open(j, key, '[');
    const char *p = joined;
    while (*p) {
        const char *e = strchr(p, '\x1f');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *item = strndup(p, n);
        json_str(j, NULL, item ? item : "");
        free(item);
        p += n + (e ? 1 : 0);
    }
    json_close(j, ']');
}

/* "near_miss_columns": the unknown columns close to a column's alias. */
static void json_near(esr_json *j, const char *joined)
{
    json_open(j, "near_miss_columns", '[');
    for (const char *p = joined ? joined : ""; *p;) {
        size_t n = strcspn(p, "\x1f");
        char *item = strndup(p, n), *f[3] = {item, NULL, NULL};
        for (int k = 1; item && k < 3 && f[k - 1] && (f[k] = strchr(f[k - 1], '\x1d')); k++)
            *f[k]++ = '\0';
        if (item && f[1] && f[2]) {
            json_open(j, NULL, '{');
            json_str(j, "column", f[0]);
            json_str(j, "likely", f[1]);
            json_str(j, "alias", f[2]);
            json_close(j, '}');
        }
        free(item);
        p += n + (p[n] ? 1 : 0);
    }
    json_close(j, ']');
}

/* run.json: the trust's titles table and what was learned from coded rows. */
static void write_title_json(run_ctx *c, esr_json *j)
{
    if (c->titles) {
        json_open(j, "titles_table", '{');
        json_str(j, "name", base_name(c->o->titles));
        json_str(j, "sha256", c->titles_sha256);
        json_u64(j, "rows", c->titles->nrows);
        json_close(j, '}');
    }
    esr_learner *l = classify_learner(c->cls);
    if (!l)
        return;
    size_t n = 0, agree = 0, disagree = 0;
    const esr_learn_entry *const *v = learn_entries(l, &n);
    for (size_t i = 0; v && i < n; i++) {
        agree += v[i]->decision == ESR_LEARN_AGREE;
        disagree += v[i]->decision == ESR_LEARN_DISAGREE;
    }
    const esr_learn_opts *lo = learn_opts(l);
    json_open(j, "title_learning", '{');
    json_u64(j, "min_rows", lo->min_rows);
    json_u64(j, "agreement_pct", lo->agreement);
    json_u64(j, "max_titles", lo->max_titles);
    json_u64(j, "titles", n);
    json_u64(j, "titles_learned", agree);
    json_u64(j, "titles_disagreeing", disagree);
    json_u64(j, "rows_over_cap", learn_rows_over_cap(l));
    json_close(j, '}');
}

/* title_suggestions.csv in r's directory (the top-level return only). */
static esr_status write_suggestions(run_ctx *c, ret_out *r)
{
    FILE *fp;
    esr_status st;
    if (!classify_learner(c->cls) || r != c->rets[0])
        return ESR_OK;
    if ((st = outdir_file(r->dir, "title_suggestions.csv", &fp, c->err)))
        return st;
    if ((st = classify_write_suggestions(c->cls, fp)) == ESR_ERR_IO)
        return esr_err_set(c->err, st, "%s/title_suggestions.csv: write failed: %s",
                           outdir_dir(r->dir), strerror(errno));
    if (st)
        return esr_err_set(c->err, st, "%s/title_suggestions.csv: %s", outdir_dir(r->dir),
                           esr_strerror(st));
    return ESR_OK;
}

/* Evidence mode, unless --no-learn: read every input once, learning titles
 * from its coded rows and spooling its rows, which replay_input decides
 * once every title is learned. The spool is in the return's scratch
 * directory (a --dry-run's in TMPDIR). */
static esr_status learn_inputs(run_ctx *c)
{
    esr_status st;
    const char *dir = getenv("TMPDIR");
    if (c->o->mode != ESR_CLASSIFY_EVIDENCE || c->o->no_learn)
        return ESR_OK;
    if (!dir || !*dir)
        dir = "/tmp";
    if ((c->nrets && (st = outdir_scratch(c->rets[0]->dir, &dir, c->err))) ||
        (st = rowspool_open(dir, c->nrets ? c->o->outdir : dir, &c->spool, c->err)))
        return st;
    if (classify_learn_start(c->cls, &c->o->learn))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    c->learning = 1;
    for (size_t i = 0; i < c->o->ninputs; i++)
        if ((st = read_input(c, i)))
            return st;
    c->learning = 0;
    c->file_rows = 0;
    if (classify_learn_finish(c->cls))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory after learning titles");
    return rowspool_rewind(c->spool, c->err);
}

/* run.json "inputs": each export read, how it was read and what it held. */
static void run_json_inputs(run_ctx *c, esr_json *j)
{
    json_open(j, "inputs", '[');
    for (size_t i = 0; i < c->ninputs; i++) {
        const esr_input_meta *in = &c->inputs[i];
        json_open(j, NULL, '{');
        json_file(j, "name", in->name, in->bytes, in->sha256);
        json_str(j, "encoding", in->encoding);
        json_str(j, "compression", in->gzip ? "gzip" : "none");
        json_u64(j, "rows", in->rows);
        json_u64(j, "blank_lines", in->blank_lines);
        json_u64(j, "title_lines", in->title_lines);
        json_u64(j, "header_line", in->header_line);
        json_str(j, "delimiter", in->delimiter ? in->delimiter : "");
        json_u64(j, "physical_lines", in->lines);
        json_u64(j, "nul_bytes", in->nul_bytes);
        json_list(j, "unknown_columns", c->unknown_cols[i]);
        json_near(j, c->near_cols[i]);
        json_list(j, "personal_data_columns_ignored", c->pii_cols[i]);
        json_close(j, '}');
    }
    json_close(j, ']');
}

/* run.json "training": the training export joined, and names it did not know. */
static void run_json_training(run_ctx *c, esr_json *j)
{
    const esr_training_stats *ts = training_stats(c->training);
    json_open(j, "training", '{');
    json_str(j, "name", training_input_name(c->training));
    json_str(j, "sha256", training_input_sha256(c->training));
    json_u64(j, "rows", ts->rows);
    json_u64(j, "matched", ts->matched);
    json_u64(j, "unmatched", ts->unmatched);
    json_u64(j, "rejected", ts->rejected);
    json_u64(j, "persons", ts->persons);
    json_u64(j, "persons_joined", training_joined(c->training));
    json_open(j, "unmatched_names", '[');
    const char *name;
    uint64_t count;
    size_t nu = training_unmatched(c->training, 0, &name, &count);
    for (size_t i = 0; i < nu && i < 50; i++) {
        training_unmatched(c->training, i, &name, &count);
        json_str(j, NULL, name);
    }
    json_close(j, ']');
    json_close(j, '}');
}

/* run.json "counts", "out_of_scope_by_reason", "findings_by_rule" and (for
 * a return of several organisations) "organisations" of return r. */
static void run_json_figures(run_ctx *c, ret_out *r, esr_json *j)
{
    const esr_org_counts *oc = aggregate_org(c->agg, r->org);
    esr_rj_counts k = {0};
    if (oc)
        k = (esr_rj_counts){oc->read, oc->in_scope, oc->out_of_scope, oc->rejected,
                            oc->in_scope_fte_e5};
    json_open(j, "counts", '{');
    run_json_counts(j, &k);
    if (aggregate_titles_pooled(c->agg))
        json_u64(j, "job_titles_pooled_rows", aggregate_titles_pooled(c->agg));
    json_close(j, '}');
    json_open(j, "out_of_scope_by_reason", '{');
    for (int i = 1; oc && i < ESR_OUT_COUNT; i++)
        if (oc->out_by_reason[i])
            json_u64(j, mappings_out_label(c->m, i), oc->out_by_reason[i]);
    json_close(j, '}');
    json_open(j, "findings_by_rule", '{');
    for (int i = 0; oc && i < ESR_RULE_COUNT; i++)
        if (oc->findings[i])
            run_json_finding(j, rule_id(i), rule_severity_name(c->m->rules[i].severity),
                             oc->findings[i], oc->findings_fte_e5[i]);
    json_close(j, '}');
    if (!*r->org) {
        const esr_org_counts **orgs;
        size_t n = aggregate_orgs(c->agg, &orgs);
        json_open(j, "organisations", '[');
        for (size_t i = 0; i < n; i++)
            if (*orgs[i]->org)
                json_str(j, NULL, orgs[i]->org);
        json_close(j, ']');
    }
}

/* run.json of return r: what was read, how, and what came of it. */
static esr_status write_run_json(run_ctx *c, ret_out *r, double elapsed)
{
    esr_run_json rj;
    esr_status st = run_json_open(&rj, r->dir, c->o->tool_version, "run", c->err);
    if (st)
        return st;
    esr_json *j = &rj.j;
    json_str(j, "org_code", r->org);
    json_str(j, "snapshot_date", c->snapshot);
    json_str(j, "snapshot_source", c->snapshot_source);
    json_str(j, "full_time_hours", c->full_time);
    json_str(j, "classify_mode", c->o->mode == ESR_CLASSIFY_CODE_ONLY ? "code-only" : "evidence");
    char key_fp[ESR_PSEUDO_LEN + 1] = "";
    json_str(j, "pseudonym_key", c->pseudo ? pseudo_fingerprint(c->pseudo, key_fp) : "");
    run_json_mappings(j, c->m->version, c->m->sha256);
    run_json_inputs(c, j);
    run_json_figures(c, r, j);
    if (c->training)
        run_json_training(c, j);
    if ((st = run_json_outputs(&rj, c->err)))
        return st;
    write_title_json(c, j);
    char t[96];
    snprintf(t, sizeof t, "{\"total\": %.0f}", elapsed);
    json_raw(j, "timings_ms", t);
    return run_json_close(&rj, c->err);
}

/* Split mode: build r's workbook at xpath from the spool of its typed
 * feed, through xlsx_feed as a single return's thread does. */
static esr_status workbook_from_spool(run_ctx *c, ret_out *r, const char *xpath,
                                      const esr_xlsx_in *xin)
{
    esr_xlsx *x = NULL;
    FILE *fp = NULL;
    char buf[ESR_WORKER_CHUNK_DEFAULT];
    size_t n;
    esr_status st = ESR_OK;
    if (!r->feed_path)
        return esr_err_set(c->err, ESR_ERR_INTERNAL, "%s: no workbook feed", outdir_dir(r->dir));
    int bad = r->feed && fclose(r->feed);
    r->feed = NULL;
    if (bad || !(fp = fopen(r->feed_path, "rb"))) {
        st = esr_err_set(c->err, ESR_ERR_IO, "%s: the workbook's spool cannot be read: %s",
                         outdir_dir(r->dir), strerror(errno));
        goto done;
    }
    if ((st = xlsx_open(xpath, xin, &x, c->err)))
        goto done;
    while (!st && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        st = xlsx_feed(x, buf, n, NULL, c->err);
    if (!st && ferror(fp))
        st = esr_err_set(c->err, ESR_ERR_IO, "%s: the workbook's spool cannot be read: %s",
                         outdir_dir(r->dir), strerror(errno));
    if (!st) {
        st = xlsx_close(x, xin, c->err);
        x = NULL;
    }
done:
    xlsx_free(x);
    if (fp)
        fclose(fp);
    unlink(r->feed_path); /* the scratch directory goes too; free the space now */
    free(r->feed_path);
    r->feed_path = NULL;
    return st;
}

/* Finish r's workbook: close the one built while reading, or build it now
 * from its feed's spool (split returns); with --no-workbook, drop an old one. */
static esr_status finish_workbook(run_ctx *c, ret_out *r, const esr_return_meta *meta)
{
    if (c->o->no_workbook)
        return outdir_drop(r->dir, "return.xlsx", c->err);
    const char *xpath = NULL, *scratch = NULL;
    char display[4200]; /* the final name, for messages */
    snprintf(display, sizeof display, "%s/return.xlsx", outdir_dir(r->dir));
    esr_status st;
    if ((st = outdir_scratch(r->dir, &scratch, c->err)) ||
        (!r->xlsx && (st = outdir_path(r->dir, "return.xlsx", &xpath, c->err))))
        return st;
    esr_xlsx_in xin = {
        .meta = meta,
        .agg = c->agg,
        .org = r->org,
        .m = c->m,
        .max_sheet_rows = xbook_rows_cap(c->o->max_sheet_rows),
        .training = c->training,
        .tmpdir = scratch,
        .display = display,
    };
    if (!r->xlsx)
        return workbook_from_spool(c, r, xpath, &xin);
    /* built while reading: wait for the thread, then the rest */
    st = worker_finish(r->xw, c->err);
    r->xw = NULL;
    esr_xlsx *x = r->xlsx;
    r->xlsx = NULL;
    if (st) {
        xlsx_free(x);
        return st;
    }
    return xlsx_close(x, &xin, c->err);
}

/* The competence export's rejected rows into r's rejects.csv (the row
 * itself is withheld: it holds names; its line finds it); 0 or -1. */
static int training_rejects(run_ctx *c, ret_out *r)
{
    uint64_t line;
    const char *why;
    char num[32];
    size_t n = training_rejected(c->training, 0, &line, &why);
    for (size_t i = 0; i < n; i++) {
        training_rejected(c->training, i, &line, &why);
        snprintf(num, sizeof num, "%llu", (unsigned long long)line);
        esr_buf_reset(&c->line);
        if (csvout_text(&c->line, training_input_name(c->training), 1) ||
            csvout_raw(&c->line, num, 0) || csvout_text(&c->line, why, 0) ||
            csvout_raw(&c->line, "[competence row withheld: see the input at this line]", 0) ||
            csvout_flush(&c->line, r->rejects))
            return -1;
    }
    return 0;
}

/* Write summary.csv, return.xlsx and run.json for r, then commit its directory. */
static esr_status finish_return(run_ctx *c, ret_out *r, double elapsed)
{
    esr_status st;
    if (r->has_records) {
        FILE *fp;
        if ((st = outdir_file(r->dir, "summary.csv", &fp, c->err)))
            return st;
        if ((st = write_summary(fp, c->agg, r->org)) == ESR_ERR_IO)
            return esr_err_set(c->err, st, "%s/summary.csv: write failed: %s", outdir_dir(r->dir),
                               strerror(errno));
        if (st)
            return esr_err_set(c->err, st, "%s/summary.csv: %s", outdir_dir(r->dir),
                               esr_strerror(st));
        /* the return's organisation: its own, or the only one in it */
        const char *org_code = r->org, *name = "", *region = "";
        const esr_org_counts **orgs;
        if (!*org_code && aggregate_orgs(c->agg, &orgs) == 2) /* "" plus exactly one */
            org_code = orgs[1]->org;
        if (*org_code)
            mappings_org(c->m, org_code, &name, &region);
        esr_return_meta meta = {
            .tool_version = c->o->tool_version,
            .template_version = ESR_TEMPLATE_VERSION,
            .org_code = org_code,
            .org_name = name,
            .region = region,
            .snapshot = c->snapshot,
            .created = text_date_time(c->snapshot),
            .mapping_version = c->m->version,
            .mapping_sha256 = c->m->sha256,
            .classify_mode = c->o->mode == ESR_CLASSIFY_CODE_ONLY ? "code-only" : "evidence",
            .pseudonymised = c->pseudo ? "yes (HMAC-SHA-256 with the trust's key)" : "no",
            .full_time_hours = c->full_time,
            .titles_name = c->titles ? base_name(c->o->titles) : "",
            .titles_sha256 = c->titles ? c->titles_sha256 : "",
            .inputs = c->inputs,
            .ninputs = c->ninputs,
        };
        st = r->rw ? worker_finish(r->rw, c->err) : ESR_OK; /* the rows it still holds */
        r->rw = NULL;
        if (st)
            return st;
        const char *bad = r->records && fflush(r->records)     ? "records.csv"
                          : r->rejects && fflush(r->rejects)   ? "rejects.csv"
                          : r->outscope && fflush(r->outscope) ? "out_of_scope.csv"
                                                               : NULL;
        if (bad)
            return esr_err_set(c->err, ESR_ERR_IO, "%s/%s: write failed: %s", outdir_dir(r->dir),
                               bad, strerror(errno));
        if ((st = finish_workbook(c, r, &meta)))
            return st;
    }
    if ((st = write_suggestions(c, r)) || (st = write_run_json(c, r, elapsed)))
        return st;
    return outdir_finish(r->dir, c->err);
}

/* Open what the run needs before reading: mappings (into *owned unless
 * given), classifier, validator, aggregates, key, competence export and
 * the trust's titles table. */
static esr_status run_setup(run_ctx *c, esr_mappings **owned)
{
    const esr_run_opts *o = c->o;
    esr_status st;
    if (o->mappings)
        c->m = (esr_mappings *)o->mappings;
    else if ((st = mappings_open(o->mappings_dir, owned, c->err)))
        return st;
    else
        c->m = *owned;
    c->ninputs = o->ninputs;
    c->inputs = calloc(o->ninputs, sizeof *c->inputs);
    c->unknown_cols = calloc(o->ninputs, sizeof *c->unknown_cols);
    c->pii_cols = calloc(o->ninputs, sizeof *c->pii_cols);
    c->near_cols = calloc(o->ninputs, sizeof *c->near_cols);
    c->read = calloc(o->ninputs, sizeof *c->read);
    if (!c->inputs || !c->unknown_cols || !c->pii_cols || !c->near_cols || !c->read ||
        classify_new(c->m, o->mode, &c->cls) || validate_new(c->m, &c->val) ||
        aggregate_new(c->m, &c->agg) || esr_strmap_new(&c->ret_by_org)) {
        c->ninputs = 0; /* the per-input arrays may be missing: nothing to free in them */
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    }
    validate_set_full_time(c->val, o->full_time_hours_e5);
    snprintf(c->full_time, sizeof c->full_time, "%g",
             (double)(o->full_time_hours_e5 > 0 ? o->full_time_hours_e5
                                                : ESR_FULL_TIME_HOURS_DEFAULT_E5) /
                 1e5);
    validate_set_max_fte(c->val, o->max_fte_e5);
    if (o->pseudonymise_key) {
        int exposed = 0;
        if ((st = pseudo_open(o->pseudonymise_key, &c->pseudo, &exposed, c->err)))
            return st;
        if (exposed)
            say(c, "warning: key file %s can be read by group or others: chmod 600 it",
                o->pseudonymise_key);
    }
    esr_source_opts tsrc = o->source; /* --delimiter is the staff exports' */
    tsrc.delim = 0;
    if (o->training && (st = training_load(o->training, c->m, &tsrc, &c->training, c->err)))
        return st;
    if (o->titles &&
        ((st = mappings_load_titles(c->m, o->titles, &c->titles, c->titles_sha256, c->err)) ||
         (st = classify_set_titles(c->cls, c->titles, base_name(o->titles)))))
        return st;
    return ESR_OK;
}

/* Check every input exists and is a file (its size is checked after the
 * read: source_unchanged) before anything is created. */
static esr_status inputs_check(run_ctx *c)
{
    const esr_run_opts *o = c->o;
    esr_status st;
    for (size_t i = 0; i < o->ninputs; i++) {
        esr_source *probe;
        struct stat sb; /* a pipe would be consumed by the probe below */
        if (!stat(o->inputs[i], &sb) && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s: not a regular file (a pipe or device): esrpipe records an "
                               "export's size and checksum and checks it was not changed while "
                               "read; save it to a file first (gzip files are read as they are)",
                               o->inputs[i]);
        if ((st = source_open(o->inputs[i], &o->source, &probe, c->err)))
            return st;
        source_close(probe);
    }
    return ESR_OK;
}

/* After reading: the counts into *counts (if given), then refuse a run
 * that rejected more than --max-reject-rate of its rows. */
static esr_status reject_rate_check(run_ctx *c, esr_run_counts *counts)
{
    const esr_org_counts *all = aggregate_org(c->agg, "");
    if (counts && all)
        *counts = (esr_run_counts){all->read, all->in_scope, all->out_of_scope, all->rejected};
    double pct = c->o->max_reject_pct;
    if (!all || !all->read || (double)all->rejected * 100.0 <= pct * (double)all->read)
        return ESR_OK;
    return esr_err_set(c->err, ESR_ERR_REJECT_RATE,
                       "%llu of %llu rows rejected (%.2f%%), above --max-reject-rate %g%%: "
                       "nothing written; fix the export or raise the limit",
                       (unsigned long long)all->rejected, (unsigned long long)all->read,
                       100.0 * (double)all->rejected / (double)all->read, pct);
}

/* Write every return's remaining files, then publish them all in one step
 * (the per-organisation returns are published with the top one). */
static esr_status publish_returns(run_ctx *c)
{
    esr_status st;
    if (c->training && c->nrets && training_rejects(c, c->rets[0]))
        return esr_err_set(c->err, ESR_ERR_IO, "%s/rejects.csv: write failed: %s", c->o->outdir,
                           strerror(errno));
    double elapsed = now_ms() - c->started;
    for (size_t i = c->nrets; i-- > 0;) /* run.json lists the subdirectories' files */
        if ((st = finish_return(c, c->rets[i], elapsed)))
            return st;
    for (size_t i = c->nrets; i-- > 0;)
        if ((st = outdir_commit(c->rets[i]->dir, c->err)))
            return st;
    if (c->nrets && *outdir_removed_returns(c->rets[0]->dir))
        say(c,
            "warning: %s: removed the returns of organisations an earlier run wrote that "
            "this export does not hold: %s",
            c->o->outdir, outdir_removed_returns(c->rets[0]->dir));
    /* only now is there a rejects.csv to point at */
    if (c->reject_messages > MAX_REJECT_MESSAGES)
        say(c, "... %llu more rejected rows: see rejects.csv",
            (unsigned long long)(c->reject_messages - MAX_REJECT_MESSAGES));
    return ESR_OK;
}

/* Free everything c holds (returns not published are abandoned). */
static void run_ctx_free(run_ctx *c)
{
    for (size_t i = c->nrets; i-- > 0;) /* children before the parent dir */
        ret_free(c->rets[i]);
    free(c->rets);
    for (size_t i = 0; i < c->ninputs; i++) {
        free((char *)c->inputs[i].sha256);
        free(c->unknown_cols[i]);
        free(c->pii_cols[i]);
        free(c->near_cols[i]);
        free((char *)c->inputs[i].delimiter);
        schema_free(c->read ? c->read[i].schema : NULL);
    }
    free(c->near_cols);
    free(c->inputs);
    free(c->read);
    rowspool_close(c->spool);
    free(c->unknown_cols);
    free(c->pii_cols);
    records_rendered_free(&c->rendered);
    pseudo_free(c->pseudo);
    training_free(c->training);
    free(c->replace);
    esr_buf_free(&c->line);
    esr_buf_free(&c->packed);
    esr_buf_free(&c->msg);
    esr_strmap_free(c->ret_by_org);
    schema_free(c->schema);
    aggregate_free(c->agg);
    validate_free(c->val);
    classify_free(c->cls);
    table_free(c->titles);
}

/* Run the pipeline. On any error nothing in outdir is created or replaced. */
esr_status run_pipeline(const esr_run_opts *o, esr_run_counts *counts, esr_err *err)
{
    run_ctx c = {0};
    c.o = o;
    c.err = err;
    c.started = now_ms();
    esr_status st;
    esr_mappings *owned = NULL;
    if (!o->ninputs)
        return esr_err_set(err, ESR_ERR_USAGE, "no input files");
    if ((st = find_snapshot(&c)) || (st = run_setup(&c, &owned)) || (st = inputs_check(&c)))
        goto done;
    ret_out *first;
    if (!o->dry_run) {
        if ((st = ret_open(&c, o->outdir, "", !o->split_by_org, &first)))
            goto done;
        if (o->split_by_org)
            c.unassigned = first;
    }
    if ((st = learn_inputs(&c)))
        goto done;
    for (size_t i = 0; i < o->ninputs; i++)
        if ((st = c.spool ? replay_input(&c, i) : read_input(&c, i)))
            goto done;
    if ((st = inputs_unchanged(&c)))
        goto done;
    if (o->progress_fn) {
        esr_progress p = {"", c.rows_total, 0, 0, now_ms() - c.started, 1};
        o->progress_fn(o->progress_ctx, &p);
    }
    if (aggregate_titles_pooled(c.agg))
        say(&c,
            "%llu rows have titles past the %u-entry Job titles limit: counted there in one "
            "pooled entry per organisation (records.csv lists each title)",
            (unsigned long long)aggregate_titles_pooled(c.agg), ESR_AGG_MAX_TITLES);
    if (!(st = reject_rate_check(&c, counts)))
        st = publish_returns(&c);
done:
    run_ctx_free(&c);
    mappings_close(owned);
    return st;
}
