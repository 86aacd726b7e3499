/* stage.c - the stages as filters over CSV (see stage.h). */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "csvout.h"
#include "decide.h"
#include "records.h"
#include "rules.h"
#include "schema.h"
#include "text.h"
#include "write_csv.h"

/* Staff-export columns: the canonical ones before the training export's. */
#define STAFF_COLS ESR_COL_COMPETENCE_NAME

static const char *const scope_names[] = {"in", "out", "rejected"};

/* Fill opts with run's defaults (see stage.h). */
void stage_opts_default(esr_stage_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = ESR_CLASSIFY_EVIDENCE;
    source_opts_default(&o->source);
    o->max_field_bytes = ESR_CSV_MAX_FIELD_BYTES_DEFAULT;
    o->max_columns = ESR_CSV_MAX_COLUMNS_DEFAULT;
}

/* The classified.csv header: scope, reason, reason_detail, the records.csv columns. */
static void classified_names(const char *h[3 + RC_COUNT])
{
    h[0] = "scope";
    h[1] = "reason";
    h[2] = "reason_detail";
    for (int i = 0; i < RC_COUNT; i++)
        h[3 + i] = records_col_name(i);
}

/* Append fields exactly, comma-separated, and write the line to fp; 0 or -1. */
static int put_line(esr_buf *line, FILE *fp, const char *const *v, size_t n)
{
    esr_buf_reset(line);
    for (size_t i = 0; i < n; i++)
        if (csvout_raw(line, v[i], i == 0))
            return -1;
    return csvout_flush(line, fp);
}

/* ---- reading CSV from a stream ---------------------------------------- */

/* Read fp (UTF-8 CSV) with fn; its error, or the callback's (*failed). */
static esr_status feed_stream(FILE *fp, const char *name, esr_row_fn fn, void *ctx,
                              const esr_status *failed, esr_err *err)
{
    esr_status st = csvreader_read_all(fp, name, ',', fn, ctx, err);
    return st ? st : *failed;
}

/* Index of each wanted name in a header row (-1 absent). */
static void header_index(const esr_row *h, const char *const *names, size_t n, int *pos)
{
    for (size_t i = 0; i < n; i++) {
        pos[i] = -1;
        for (size_t j = 0; j < h->nfields; j++)
            if (!strcmp(h->fields[j], names[i]))
                pos[i] = (int)j;
    }
}

/* Field pos of row, or "" when absent or past the row's end. */
static const char *field(const esr_row *row, int pos)
{
    return pos >= 0 && (size_t)pos < row->nfields ? row->fields[pos] : "";
}

/* ---- schema: export -> canonical.csv ---------------------------------- */

typedef struct schema_ctx {
    const esr_stage_opts *o;
    const char *name;
    FILE *out;
    esr_schema *schema;
    esr_validator *v;
    esr_buf line;
    esr_status st;
    esr_err *err;
    uint64_t header_line; /* sniffed: lines above it are titles */
} schema_ctx;

/* Row callback of the schema stage. */
static int schema_row(void *vctx, const esr_row *row)
{
    schema_ctx *c = vctx;
    const char *v[4 + STAFF_COLS];
    if (!c->schema) {
        if (row->line < c->header_line)
            return 0; /* a title line above the header */
        if (row->fault) {
            c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s:%llu: header row is unreadable",
                                c->name, (unsigned long long)row->line);
            return 1;
        }
        if ((c->st = schema_bind(c->o->m, row, c->name, ESR_SCHEMA_STAFF, &c->schema, c->err)))
            return 1;
        const char *h[4 + STAFF_COLS] = {"source_file", "source_line", "read_fault",
                                         "read_fault_detail"};
        for (int i = 0; i < STAFF_COLS; i++)
            h[4 + i] = record_col_name(i);
        if (put_line(&c->line, c->out, h, 4 + STAFF_COLS))
            goto io;
        return 0;
    }
    int blank = !row->fault;
    for (size_t i = 0; blank && i < row->nfields; i++)
        blank = text_blank(row->fields[i]);
    if (blank)
        return 0; /* a blank line, or Excel's ",,,,,,", is not a row */
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)row->line);
    esr_record rec;
    record_init(&rec, c->name, row->line);
    if (validate_row(c->v, row, c->schema->ncols, &rec) == 0)
        schema_fill(c->schema, row, &rec);
    v[0] = c->name;
    v[1] = num;
    v[2] = rec.reason_rule >= 0 ? rule_id(rec.reason_rule) : "";
    v[3] = rec.reason_detail;
    for (int i = 0; i < STAFF_COLS; i++)
        v[4 + i] = rec.f[i];
    if (put_line(&c->line, c->out, v, 4 + STAFF_COLS))
        goto io;
    return 0;
io:
    c->st = esr_err_set(c->err, ESR_ERR_IO, "standard output: write failed");
    return 1;
}

/* schema: export -> canonical.csv (see stage.h). */
esr_status stage_schema(const esr_stage_opts *o, const char *path, FILE *out, esr_err *err)
{
    const char *slash = strrchr(path, '/');
    schema_ctx c = {.o = o, .name = slash ? slash + 1 : path, .out = out, .err = err};
    esr_source *src = NULL;
    esr_csvreader *rd = NULL;
    esr_status st = source_open(path, &o->source, &src, err);
    if (st)
        return st;
    /* as run reads it: the delimiter and header row sniffed (schema_sniff) */
    esr_buf head = {0};
    esr_sniff sn;
    int eof = 0;
    if ((st = schema_sniff_source(o->m, src, o->source.delim, 0, &head, &eof, &sn, err)))
        goto done;
    c.header_line = sn.header_line;
    esr_csv_opts copts = {sn.delim, o->max_field_bytes, o->max_columns,
                          ESR_CSV_MAX_FIELD_LINES_DEFAULT};
    if (validate_new(o->m, &c.v) || csvreader_new(&copts, schema_row, &c, &rd)) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    const char *buf = head.data;
    size_t got = head.len;
    while (got && !(st = csvreader_feed(rd, buf, got, err)) && !(st = c.st)) {
        got = 0;
        if (!eof && (st = source_next(src, &buf, &got, err)))
            break;
    }
    if (!st && !(st = csvreader_finish(rd, err)) && !(st = c.st) && !c.schema)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: no header row", path);
done:
    esr_buf_free(&head);
    csvreader_free(rd);
    validate_free(c.v);
    schema_free(c.schema);
    esr_buf_free(&c.line);
    source_close(src);
    return st;
}

/* ---- classify: canonical.csv -> classified.csv ------------------------ */

enum { K_FILE, K_LINE, K_FAULT, K_DETAIL, K_COUNT };
static const char *const canon_keys[K_COUNT] = {"source_file", "source_line", "read_fault",
                                                "read_fault_detail"};

typedef struct classify_ctx {
    const esr_stage_opts *o;
    const char *name;
    FILE *out;
    esr_validator *v;
    esr_classifier *cls;
    int header_done;
    int key[K_COUNT], col[ESR_COL_COUNT];
    esr_rendered rendered;
    esr_buf line;
    esr_status st;
    esr_err *err;
} classify_ctx;

/* Row callback of the classify stage. */
static int classify_row(void *vctx, const esr_row *row)
{
    classify_ctx *c = vctx;
    if (!c->header_done) {
        c->header_done = 1;
        header_index(row, canon_keys, K_COUNT, c->key);
        for (int i = 0; i < ESR_COL_COUNT; i++) {
            const char *n = record_col_name(i);
            header_index(row, &n, 1, &c->col[i]);
        }
        if (c->key[K_FILE] < 0 || c->key[K_LINE] < 0) {
            c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                                "%s: not a canonical.csv (no source_file and source_line "
                                "columns): make it with esrpipe stage schema",
                                c->name);
            return 1;
        }
        const char *h[3 + RC_COUNT];
        classified_names(h);
        if (put_line(&c->line, c->out, h, 3 + RC_COUNT))
            goto io;
        return 0;
    }
    if (row->fault) {
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s:%llu: unreadable row", c->name,
                            (unsigned long long)row->line);
        return 1;
    }
    esr_record rec;
    record_init(&rec, field(row, c->key[K_FILE]), strtoull(field(row, c->key[K_LINE]), NULL, 10));
    for (int i = 0; i < ESR_COL_COUNT; i++)
        rec.f[i] = field(row, c->col[i]);
    if (!*rec.f[ESR_COL_ORG_CODE] && c->o->org)
        rec.f[ESR_COL_ORG_CODE] = c->o->org;
    const char *fault = field(row, c->key[K_FAULT]);
    if (*fault) {
        rec.scope = ESR_SCOPE_REJECTED;
        rec.reason_rule = rule_parse(fault);
        rec.reason_detail = field(row, c->key[K_DETAIL]);
        if (rec.reason_rule < 0) {
            c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                                "%s:%llu: field read_fault = \"%s\": not a rule id", c->name,
                                (unsigned long long)row->line, fault);
            return 1;
        }
    } else if ((c->st = decide_row(c->v, c->cls, c->o->training, &rec))) {
        esr_err_set(c->err, c->st, "%s:%llu: %s while deciding the row", c->name,
                    (unsigned long long)row->line, esr_strerror(c->st));
        return 1;
    }
    if (records_render(&rec, c->o->m, rec.f[ESR_COL_EMPLOYEE_NUMBER],
                       rec.f[ESR_COL_ASSIGNMENT_NUMBER], &c->rendered)) {
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return 1;
    }
    const char *v[3 + RC_COUNT];
    v[0] = scope_names[rec.scope];
    v[1] = rec.scope == ESR_SCOPE_OUT        ? mappings_out_label(c->o->m, rec.out_reason)
           : rec.scope == ESR_SCOPE_REJECTED ? rule_id(rec.reason_rule)
                                             : "";
    v[2] = rec.scope == ESR_SCOPE_REJECTED && rec.reason_detail ? rec.reason_detail : "";
    memcpy(v + 3, c->rendered.v, sizeof c->rendered.v);
    if (put_line(&c->line, c->out, v, 3 + RC_COUNT))
        goto io;
    return 0;
io:
    c->st = esr_err_set(c->err, ESR_ERR_IO, "standard output: write failed");
    return 1;
}

/* classify: canonical.csv -> classified.csv (see stage.h). */
esr_status stage_classify(const esr_stage_opts *o, FILE *in, const char *name, FILE *out,
                          esr_err *err)
{
    classify_ctx c = {.o = o, .name = name, .out = out, .err = err};
    esr_status st;
    if (validate_new(o->m, &c.v) || classify_new(o->m, o->mode, &c.cls))
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    else
        st = feed_stream(in, name, classify_row, &c, &c.st, err);
    if (!st && !c.header_done)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: no header row", name);
    classify_free(c.cls);
    validate_free(c.v);
    records_rendered_free(&c.rendered);
    esr_buf_free(&c.line);
    return st;
}

/* ---- aggregate: classified.csv -> summary.csv ------------------------- */

typedef struct aggregate_ctx {
    const esr_stage_opts *o;
    const char *name;
    esr_aggregate *agg;
    int header_done;
    int pos[3 + RC_COUNT];
    esr_buf key;
    esr_status st;
    esr_err *err;
} aggregate_ctx;

/* Index of name in a mapping map (exact name), or -1. */
static int by_name(const esr_strmap *map, const char *name)
{
    size_t i;
    return esr_strmap_get(map, name, strlen(name), &i) ? (int)i : -1;
}

/* Index of a band or area label (as classify keys it), or -1. */
static int by_key(aggregate_ctx *c, const esr_strmap *map, const char *label)
{
    size_t i;
    if (!*label || text_key(label, &c->key))
        return -1;
    return esr_strmap_get(map, c->key.data, c->key.len, &i) ? (int)i : -1;
}

/* A classified.csv row back into the record aggregate_add reads. */
static int rebuild(aggregate_ctx *c, const esr_row *row, esr_record *r)
{
    const esr_mappings *m = c->o->m;
    const char *v[3 + RC_COUNT];
    for (int i = 0; i < 3 + RC_COUNT; i++)
        v[i] = field(row, c->pos[i]);
    const char *const *rc = v + 3;
    record_init(r, rc[RC_SOURCE_FILE], strtoull(rc[RC_SOURCE_LINE], NULL, 10));
    r->f[ESR_COL_ORG_CODE] = rc[RC_ORG_CODE];
    r->f[ESR_COL_EMPLOYEE_NUMBER] = rc[RC_EMPLOYEE_NUMBER];
    r->f[ESR_COL_ASSIGNMENT_NUMBER] = rc[RC_ASSIGNMENT_NUMBER];
    r->f[ESR_COL_POSITION_TITLE] = rc[RC_POSITION_TITLE];
    r->f[ESR_COL_PAY_BAND] = rc[RC_PAY_BAND];
    r->f[ESR_COL_AREA_OF_WORK] = rc[RC_AREA_OF_WORK];
    snprintf(r->standard_title, sizeof r->standard_title, "%s", rc[RC_STANDARD_TITLE]);
    r->title_match = rc[RC_TITLE_MATCH];
    r->title_rule = rc[RC_TITLE_RULE];
    r->title_score = atoi(rc[RC_TITLE_SCORE]);
    r->profession = by_name(m->prof_by_name, rc[RC_PROFESSION]);
    r->role = by_name(m->role_by_name, rc[RC_SUPPORT_ROLE]);
    r->band = by_key(c, m->band_by_key, rc[RC_PAY_BAND]);
    r->area = by_key(c, m->area_by_key, rc[RC_AREA_OF_WORK]);
    r->level = atoi(rc[RC_LEVEL]);
    size_t occ; /* the national dimensions read the code's staff group and care setting */
    if (strlen(rc[RC_OCCUPATION_CODE]) == 3 &&
        esr_strmap_get(m->occ_by_code, rc[RC_OCCUPATION_CODE], 3, &occ))
        r->occ = &m->occ[occ];
    r->care_certificate = rc[RC_CARE_CERTIFICATE];
    r->qualification_level = atoi(rc[RC_QUAL_LEVEL]);
    r->apprenticeship = rc[RC_APPRENTICESHIP];
    if (text_parse_e5(rc[RC_FTE], &r->fte_e5))
        r->fte_e5 = 0;
    for (const char *f = rc[RC_DQ_FLAGS]; *f;) {
        size_t k = strcspn(f, ";");
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(k < 63 ? k : 63), f);
        int rule = rule_parse(id);
        if (rule >= 0)
            record_flag(r, rule, "");
        f += k + (f[k] == ';');
    }
    r->scope = ESR_SCOPE_IN;
    if (!strcmp(v[0], "out")) {
        r->scope = ESR_SCOPE_OUT;
        for (int i = 1; i < ESR_OUT_COUNT; i++)
            if (!strcmp(v[1], mappings_out_label(m, i)))
                r->out_reason = i;
    } else if (!strcmp(v[0], "rejected")) {
        r->scope = ESR_SCOPE_REJECTED;
        r->reason_rule = rule_parse(v[1]);
        r->reason_detail = v[2];
    } else if (strcmp(v[0], "in")) {
        return -1;
    }
    if (r->scope == ESR_SCOPE_IN && (r->profession < 0 || r->role < 0))
        return -1; /* an in-scope row always has both */
    if (r->scope == ESR_SCOPE_OUT && r->out_reason == ESR_OUT_NONE)
        return -1;
    if (r->scope == ESR_SCOPE_REJECTED && r->reason_rule < 0)
        return -1;
    return 0;
}

/* Row callback of the aggregate stage. */
static int aggregate_row(void *vctx, const esr_row *row)
{
    aggregate_ctx *c = vctx;
    if (!c->header_done) {
        c->header_done = 1;
        const char *h[3 + RC_COUNT];
        classified_names(h);
        header_index(row, h, 3 + RC_COUNT, c->pos);
        for (int i = 0; i < 3 + RC_COUNT; i++)
            if (c->pos[i] < 0) {
                c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                                    "%s: not a classified.csv (no %s column): make it with "
                                    "esrpipe stage classify",
                                    c->name, h[i]);
                return 1;
            }
        return 0;
    }
    esr_record r;
    if (row->fault || rebuild(c, row, &r)) {
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                            "%s:%llu: not a classified row (scope, reason, profession or "
                            "support role not recognised)",
                            c->name, (unsigned long long)row->line);
        return 1;
    }
    esr_status added = aggregate_add(c->agg, &r, r.f[ESR_COL_EMPLOYEE_NUMBER]);
    if (added == ESR_ERR_INPUT_FORMAT)
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                            "%s:%llu: an FTE total cannot be represented after this row", c->name,
                            (unsigned long long)row->line);
    else if (added)
        c->st = esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    return added != 0;
}

/* aggregate: classified.csv -> summary.csv (see stage.h). */
esr_status stage_aggregate(const esr_stage_opts *o, FILE *in, const char *name, FILE *out,
                           esr_err *err)
{
    aggregate_ctx c = {.o = o, .name = name, .err = err};
    esr_status st;
    if (aggregate_new(o->m, &c.agg))
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    else
        st = feed_stream(in, name, aggregate_row, &c, &c.st, err);
    if (!st && !c.header_done)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: no header row", name);
    if (!st && (write_summary(out, c.agg, "") || fflush(out)))
        st = esr_err_set(err, ESR_ERR_IO, "standard output: write failed");
    aggregate_free(c.agg);
    esr_buf_free(&c.key);
    return st;
}
