/* compare.c - the `compare` command: two returns in, what changed out. */
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compare_xlsx.h"
#include "run_json.h"
#include "xlsx_book.h"
#include "csvout.h"
#include "json.h"
#include "outdir.h"
#include "strmap.h"
#include "text.h"
#include "write_csv.h"

#define REREAD_CHUNK 4096
/* distinct out-of-scope reasons an out_of_scope.csv may hold (esrpipe
 * writes a handful) */
#define MAX_OUT_REASONS 64

const char *const esr_compare_fields[ESR_COMPARE_FIELDS] = {
    "profession_supported",   "support_role",        "pay_band",
    "area_of_work",           "standard_title",      "fte",
    "career_framework_level", "position_title",      "title_match",
    "occupation_code",        "staff_group",         "job_role",
    "profession_source",      "assignment_category", "care_certificate",
    "qualification_level",    "apprenticeship",
};

/* Fill opts with the documented defaults. */
void compare_opts_default(esr_compare_opts *o)
{
    memset(o, 0, sizeof *o);
    o->outdir = "output/compare";
    o->tool_version = "esrpipe";
    o->max_sheet_rows = 100000;
}

/* ---- the record index ------------------------------------------------ */

/* Double the slot table (or make the first) and re-seat every entry. */
static int recindex_grow(esr_recindex *x)
{
    size_t n = x->nslots ? x->nslots * 2 : 1024;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < x->n; i++) {
        size_t h = (size_t)x->e[i].key & (n - 1);
        while (s[h])
            h = (h + 1) & (n - 1);
        s[h] = (uint32_t)(i + 1);
    }
    free(x->slot);
    x->slot = s;
    x->nslots = n;
    return 0;
}

/* Add a record (see compare.h). */
int recindex_add(esr_recindex *x, uint64_t key, uint64_t fields, uint64_t offset)
{
    if (x->n >= UINT32_MAX - 1)
        return -1;
    if ((x->n + 1) * 4 > x->nslots * 3 && recindex_grow(x))
        return -1;
    size_t h = (size_t)key & (x->nslots - 1);
    for (; x->slot[h]; h = (h + 1) & (x->nslots - 1))
        if (x->e[x->slot[h] - 1].key == key)
            return 0;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap + x->cap / 2 : 1024;
        esr_recentry *e = realloc(x->e, cap * sizeof *e);
        if (!e)
            return -1;
        x->e = e;
        x->cap = cap;
    }
    x->e[x->n] = (esr_recentry){key, fields, offset & ESR_RECINDEX_OFFSET};
    x->slot[h] = (uint32_t)++x->n;
    return 1;
}

/* The entry of key, or NULL. */
esr_recentry *recindex_find(const esr_recindex *x, uint64_t key)
{
    if (!x->nslots)
        return NULL;
    for (size_t h = (size_t)key & (x->nslots - 1); x->slot[h]; h = (h + 1) & (x->nslots - 1))
        if (x->e[x->slot[h] - 1].key == key)
            return &x->e[x->slot[h] - 1];
    return NULL;
}

/* Free the storage. */
void recindex_free(esr_recindex *x)
{
    free(x->e);
    free(x->slot);
    memset(x, 0, sizeof *x);
}

/* ---- summary cells --------------------------------------------------- */

/* Merge two sorted summaries into the cells that differ (see compare.h). */
size_t compare_cells(const esr_sumrow *a, size_t na, const esr_sumrow *b, size_t nb,
                     esr_cell_change *out)
{
    size_t i = 0, k = 0, n = 0;
    while (i < na || k < nb) {
        int c = i == na ? 1 : k == nb ? -1 : sumrow_org_cmp(&a[i], &b[k]);
        esr_cell_change ch = {0};
        if (c <= 0) {
            ch.cell = &a[i];
            ch.base_fte_e5 = a[i].fte_e5;
            ch.base_headcount = a[i].headcount;
        }
        if (c >= 0) {
            ch.cell = &b[k];
            ch.new_fte_e5 = b[k].fte_e5;
            ch.new_headcount = b[k].headcount;
        }
        i += c <= 0;
        k += c >= 0;
        if (ch.base_fte_e5 != ch.new_fte_e5 || ch.base_headcount != ch.new_headcount)
            out[n++] = ch;
    }
    return n;
}

/* ---- records --------------------------------------------------------- */

/* Where each column compare needs sits in one records.csv. */
typedef struct cols {
    int org, asg, f[ESR_COMPARE_FIELDS];
} cols;

/* One re-read record: its fields, NUL-separated in vals. */
typedef struct one_row {
    esr_buf vals;
    size_t off[1024];
    size_t n;
    int got;
} one_row;

typedef struct cmp_ctx {
    const esr_compare_opts *o;
    esr_err *err;
    esr_trust_return *base, *cur;
    esr_recindex idx;
    cols cb, cn;                    /* base and new columns */
    int header_seen;                /* of the file being read */
    int fd[2];                      /* base and new records.csv, for second looks */
    uint64_t bom[2];                /* bytes before their first record */
    one_row rr;                     /* the base record looked at again */
    esr_buf key, line, h, why;      /* scratch */
    esr_recindex joiners;           /* new records the base does not have in scope */
    char *reasons[MAX_OUT_REASONS]; /* out-of-scope reasons, in the order met */
    size_t nreasons;
    int out_org, out_asg, out_reason; /* columns of the out_of_scope.csv being read */
    int out_header_seen;
    esr_recindex *out_in; /* the index that out_of_scope.csv marks */
    const char *out_dir;  /* whose out_of_scope.csv it is */
    FILE *moves;
    const char *moves_tmp;
    esr_compare_counts n;
    esr_outdir *d;
    esr_cell_change *changes;
    size_t nchanges;
    const char *matched_by;
} cmp_ctx;

/* Field i of row, or "" when the column is absent. */
static const char *fld(const esr_row *row, int col)
{
    return col >= 0 && (size_t)col < row->nfields ? row->fields[col] : "";
}

/* Resolve the columns of a records.csv header. */
static esr_status read_header(cmp_ctx *c, const esr_row *row, cols *k, const char *dir)
{
    k->org = k->asg = -1;
    for (int f = 0; f < ESR_COMPARE_FIELDS; f++)
        k->f[f] = -1;
    for (size_t i = 0; i < row->nfields; i++) {
        if (!strcmp(row->fields[i], "org_code"))
            k->org = (int)i;
        else if (!strcmp(row->fields[i], "assignment_number"))
            k->asg = (int)i;
        for (int f = 0; f < ESR_COMPARE_FIELDS; f++)
            if (!strcmp(row->fields[i], esr_compare_fields[f]))
                k->f[f] = (int)i;
    }
    if (k->org < 0 || k->asg < 0)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/records.csv:1: no org_code or assignment_number column: not an "
                           "esrpipe records.csv",
                           dir);
    return ESR_OK;
}

/* Hash of an assignment's key (org, assignment) into *key; 0 or -1. */
static int hash_key(cmp_ctx *c, const char *org, const char *asg, uint64_t *key)
{
    esr_buf_reset(&c->key);
    if (esr_buf_puts(&c->key, org) || esr_buf_putc(&c->key, '\x1f') || esr_buf_puts(&c->key, asg))
        return -1;
    *key = esr_hash64(c->key.data, c->key.len);
    return 0;
}

/* Hash of the record's key (org, assignment) into *key and of its compared
 * fields into *fields; 0 when it has no assignment number, -1 no memory. */
static int hash_row(cmp_ctx *c, const esr_row *row, const cols *k, uint64_t *key, uint64_t *fields)
{
    const char *asg = fld(row, k->asg);
    if (!*asg)
        return 0;
    esr_buf_reset(&c->h);
    if (hash_key(c, fld(row, k->org), asg, key))
        return -1;
    for (int f = 0; f < ESR_COMPARE_FIELDS; f++)
        if (esr_buf_puts(&c->h, fld(row, k->f[f])) || esr_buf_putc(&c->h, '\x1f'))
            return -1;
    *fields = esr_hash64(c->h.data, c->h.len);
    return 1;
}

/* ---- out-of-scope assignments ---------------------------------------- */

/* Resolve the columns of an out_of_scope.csv header. */
static esr_status out_header(cmp_ctx *c, const esr_row *row, const char *dir)
{
    c->out_org = c->out_asg = c->out_reason = -1;
    for (size_t i = 0; i < row->nfields; i++) {
        if (!strcmp(row->fields[i], "org_code"))
            c->out_org = (int)i;
        else if (!strcmp(row->fields[i], "assignment_number"))
            c->out_asg = (int)i;
        else if (!strcmp(row->fields[i], "reason"))
            c->out_reason = (int)i;
    }
    if (c->out_org < 0 || c->out_asg < 0 || c->out_reason < 0)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/out_of_scope.csv:1: no org_code, assignment_number or reason "
                           "column: not an out_of_scope.csv esrpipe wrote",
                           dir);
    return ESR_OK;
}

/* The index of reason in c->reasons, added if new; -1 no memory, -2 too many. */
static int reason_index(cmp_ctx *c, const char *reason)
{
    for (size_t i = 0; i < c->nreasons; i++)
        if (!strcmp(c->reasons[i], reason))
            return (int)i;
    if (c->nreasons == MAX_OUT_REASONS)
        return -2;
    if (!(c->reasons[c->nreasons] = strdup(reason)))
        return -1;
    return (int)c->nreasons++;
}

/* Mark the record of one out_of_scope.csv row (the header first) in
 * c->out_in, the other return's unmatched records, with its reason. */
static esr_status on_out(void *vctx, const esr_row *row, esr_err *err)
{
    cmp_ctx *c = vctx;
    (void)err;
    if (!c->out_header_seen) {
        c->out_header_seen = 1;
        return out_header(c, row, c->out_dir);
    }
    const char *asg = fld(row, c->out_asg);
    uint64_t key = 0;
    if (!*asg)
        return ESR_OK; /* no assignment number: cannot be matched */
    if (hash_key(c, fld(row, c->out_org), asg, &key))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    esr_recentry *e = recindex_find(c->out_in, key);
    if (!e || (e->offset & (ESR_RECINDEX_MATCHED | ESR_RECINDEX_OUT)))
        return ESR_OK; /* in scope in both, or a repeat: its first reason stands */
    int why = reason_index(c, fld(row, c->out_reason));
    if (why == -1)
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    if (why == -2)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/out_of_scope.csv:%llu: field reason: more than %d different "
                           "reasons: not an out_of_scope.csv esrpipe wrote",
                           c->out_dir, (unsigned long long)row->line, MAX_OUT_REASONS);
    e->offset |= ESR_RECINDEX_OUT | (uint64_t)why << ESR_RECINDEX_REASON_SHIFT;
    return ESR_OK;
}

/* The scope in moves.csv of an unmatched record in the other return:
 * "out: REASON" when marked out of scope there, else "" (absent). */
static const char *out_scope(cmp_ctx *c, const esr_recentry *e)
{
    if (!(e->offset & ESR_RECINDEX_OUT))
        return "";
    esr_buf_reset(&c->why);
    size_t why = (size_t)(e->offset >> ESR_RECINDEX_REASON_SHIFT) & (MAX_OUT_REASONS - 1);
    if (esr_buf_printf(&c->why, "out: %s", c->reasons[why]))
        return "out";
    return esr_buf_str(&c->why);
}

/* Index one base record (the header first). */
static esr_status on_base(void *vctx, const esr_row *row, esr_err *err)
{
    cmp_ctx *c = vctx;
    (void)err;
    if (!c->header_seen) {
        c->header_seen = 1;
        return read_header(c, row, &c->cb, c->o->base_dir);
    }
    if (row->nfields == 1 && row->lens[0] == 0)
        return ESR_OK;
    uint64_t key = 0, fields = 0;
    int h = hash_row(c, row, &c->cb, &key, &fields);
    if (h < 0)
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    if (!h) {
        c->n.unkeyed_base++;
        return ESR_OK;
    }
    if (row->offset == UINT64_MAX)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/records.csv:%llu: record cannot be located (lines not ended by "
                           "LF): not a records.csv esrpipe wrote",
                           c->o->base_dir, (unsigned long long)row->line);
    int added = recindex_add(&c->idx, key, fields, row->offset);
    if (added < 0)
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    if (!added)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/records.csv:%llu: the assignment of this record is already in the "
                           "return (same organisation and assignment number): not a records.csv "
                           "esrpipe wrote",
                           c->o->base_dir, (unsigned long long)row->line);
    return ESR_OK;
}

/* Keep the first record parsed (a second look at a base record). */
static int on_one(void *vctx, const esr_row *row)
{
    one_row *o = vctx;
    esr_buf_reset(&o->vals);
    o->n = 0;
    for (size_t i = 0; i < row->nfields && i < sizeof o->off / sizeof o->off[0]; i++) {
        o->off[o->n++] = o->vals.len;
        if (esr_buf_append(&o->vals, row->fields[i], row->lens[i]) || esr_buf_putc(&o->vals, 0))
            return 1;
    }
    o->got = row->fault == ESR_ROW_OK;
    return 1;
}

/* Field col of the re-read record, or "". */
static const char *rr_fld(const one_row *o, int col)
{
    return col >= 0 && (size_t)col < o->n ? o->vals.data + o->off[col] : "";
}

/* Read the record at offset of the base's (side 0) or the new return's
 * (side 1) records.csv again into c->rr. */
static esr_status reread(cmp_ctx *c, int side, uint64_t offset)
{
    const char *dir = side ? c->o->new_dir : c->o->base_dir;
    esr_csv_opts co;
    csvreader_opts_default(&co, ',');
    esr_csvreader *rd;
    csvreader_new(&co, on_one, &c->rr, &rd); /* NULL on no memory: checked below */
    esr_status st = ESR_OK;
    char buf[REREAD_CHUNK];
    off_t at = (off_t)((offset & ESR_RECINDEX_OFFSET) + c->bom[side]);
    c->rr.got = 0;
    if (!rd)
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    while (!st && !csvreader_stopped(rd)) {
        ssize_t n = pread(c->fd[side], buf, sizeof buf, at);
        if (n < 0)
            st = esr_err_set(c->err, ESR_ERR_IO, "%s/records.csv: read failed: %s", dir,
                             strerror(errno));
        else if (n == 0)
            st = csvreader_finish(rd, c->err);
        else
            st = csvreader_feed(rd, buf, (size_t)n, c->err);
        if (n <= 0)
            break;
        at += n;
    }
    csvreader_free(rd);
    if (!st && !c->rr.got)
        st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                         "%s/records.csv: changed while it was compared: run compare again", dir);
    return st;
}

/* One moves.csv row. */
static esr_status move(cmp_ctx *c, const char *org, const char *asg, const char *field,
                       const char *base, const char *now)
{
    c->n.moves++;
    if (csvout_text(&c->line, org, 1) || csvout_text(&c->line, asg, 0) ||
        csvout_raw(&c->line, field, 0) || csvout_text(&c->line, base, 0) ||
        csvout_text(&c->line, now, 0) || csvout_flush(&c->line, c->moves))
        return esr_err_set(c->err, ESR_ERR_IO, "%s/moves.csv: write failed", outdir_dir(c->d));
    return ESR_OK;
}

/* The fields of a matched record that differ from its base record. */
static esr_status diff_fields(cmp_ctx *c, const esr_row *row, const esr_recentry *e)
{
    esr_status st = reread(c, 0, e->offset);
    int moved = 0;
    for (int f = 0; !st && f < ESR_COMPARE_FIELDS; f++) {
        if (c->cb.f[f] < 0 || c->cn.f[f] < 0)
            continue; /* a column one of the returns does not have */
        const char *was = rr_fld(&c->rr, c->cb.f[f]), *now = fld(row, c->cn.f[f]);
        if (!strcmp(was, now))
            continue;
        moved = 1;
        c->n.by_field[f]++;
        st = move(c, fld(row, c->cn.org), fld(row, c->cn.asg), esr_compare_fields[f], was, now);
    }
    c->n.moved_records += moved;
    return st;
}

/* Match one new record (the header first) against the base's. */
static esr_status on_new(void *vctx, const esr_row *row, esr_err *err)
{
    cmp_ctx *c = vctx;
    (void)err;
    if (!c->header_seen) {
        c->header_seen = 1;
        return read_header(c, row, &c->cn, c->o->new_dir);
    }
    if (row->nfields == 1 && row->lens[0] == 0)
        return ESR_OK;
    uint64_t key = 0, fields = 0;
    int h = hash_row(c, row, &c->cn, &key, &fields);
    if (h < 0)
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    esr_recentry *e = h ? recindex_find(&c->idx, key) : NULL;
    c->n.unkeyed_new += !h;
    if (!h) /* no assignment number: cannot be matched, so neither joiner nor leaver */
        return ESR_OK;
    if (e && (e->offset & ESR_RECINDEX_MATCHED))
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s/records.csv:%llu: the assignment of this record is already in the "
                           "return: not a records.csv esrpipe wrote",
                           c->o->new_dir, (unsigned long long)row->line);
    if (!e) { /* a joiner, or out of scope in the base: told once both are read */
        if (row->offset == UINT64_MAX)
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s/records.csv:%llu: record cannot be located (lines not ended "
                               "by LF): not a records.csv esrpipe wrote",
                               c->o->new_dir, (unsigned long long)row->line);
        int added = recindex_add(&c->joiners, key, 0, row->offset);
        if (added < 0)
            return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
        return added ? ESR_OK
                     : esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                                   "%s/records.csv:%llu: the assignment of this record is already "
                                   "in the return: not a records.csv esrpipe wrote",
                                   c->o->new_dir, (unsigned long long)row->line);
    }
    e->offset |= ESR_RECINDEX_MATCHED;
    return e->fields == fields ? ESR_OK : diff_fields(c, row, e);
}

/* New records the base did not have in scope, in new order: the joiners,
 * and those out of scope in the base (with the base's reason). */
static esr_status joiners(cmp_ctx *c)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; !st && i < c->joiners.n; i++) {
        const esr_recentry *e = &c->joiners.e[i];
        int out = (e->offset & ESR_RECINDEX_OUT) != 0;
        c->n.joiners += !out;
        c->n.scope_in += out;
        if (!(st = reread(c, 1, e->offset)))
            st = move(c, rr_fld(&c->rr, c->cn.org), rr_fld(&c->rr, c->cn.asg), "scope",
                      out_scope(c, e), "in");
    }
    return st;
}

/* Base records no new record matched, in base order: the leavers, and
 * those out of scope in the new return (with its reason). */
static esr_status leavers(cmp_ctx *c)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; !st && i < c->idx.n; i++) {
        const esr_recentry *e = &c->idx.e[i];
        if (e->offset & ESR_RECINDEX_MATCHED)
            continue;
        int out = (e->offset & ESR_RECINDEX_OUT) != 0;
        c->n.leavers += !out;
        c->n.scope_out += out;
        if (!(st = reread(c, 0, e->offset)))
            st = move(c, rr_fld(&c->rr, c->cb.org), rr_fld(&c->rr, c->cb.asg), "scope", "in",
                      out_scope(c, e));
    }
    return st;
}

/* Mark the unmatched records of one return that the other return's
 * out_of_scope.csv lists: r's file marks index x. */
static esr_status mark_out(cmp_ctx *c, const esr_trust_return *r, esr_recindex *x)
{
    if (!r->has_out_of_scope || !x->n)
        return ESR_OK;
    c->out_in = x;
    c->out_dir = r->dir;
    c->out_header_seen = 0;
    return trustret_out_of_scope(r, on_out, c, c->err);
}

/* ---- checks ---------------------------------------------------------- */

/* Whose return it is: the ODS code, the region, or neither. */
static const char *whose(const esr_trust_return *r)
{
    return *r->org ? r->org : *r->region ? r->region : "several organisations";
}

/* One note when a trust return has no out_of_scope.csv (an earlier
 * esrpipe): its scope changes count as joiners or leavers. */
static void note_scope(cmp_ctx *c)
{
    const esr_trust_return *a = c->base, *b = c->cur;
    c->n.scope_known = a->has_out_of_scope && b->has_out_of_scope;
    if (c->n.scope_known || !strcmp(a->command, "consolidate") || !c->o->log)
        return;
    char msg[900];
    snprintf(msg, sizeof msg,
             "%s%s%s: no out_of_scope.csv (written by an earlier esrpipe): assignments that moved "
             "%s scope are counted as %s; re-run %s with this esrpipe to tell them apart",
             a->has_out_of_scope ? "" : a->dir,
             !a->has_out_of_scope && !b->has_out_of_scope ? " and " : "",
             b->has_out_of_scope ? "" : b->dir,
             a->has_out_of_scope   ? "out of"
             : b->has_out_of_scope ? "into"
                                   : "into or out of",
             a->has_out_of_scope   ? "leavers"
             : b->has_out_of_scope ? "joiners"
                                   : "joiners and leavers",
             a->has_out_of_scope == b->has_out_of_scope ? "them" : "it");
    c->o->log(c->o->log_ctx, msg);
}

/* The two returns must be of one kind and keyed alike. */
static esr_status check_pair(cmp_ctx *c)
{
    const esr_trust_return *a = c->base, *b = c->cur;
    if (strcmp(a->command, b->command)) {
        const esr_trust_return *reg = strcmp(a->command, "consolidate") ? b : a;
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s is a regional return (esrpipe consolidate) and %s a trust's return "
                           "(esrpipe run): compare two trust returns or two regional returns",
                           reg->dir, reg == a ? b->dir : a->dir);
    }
    const char *ka = a->pseudonym_key, *kb = b->pseudonym_key;
    c->matched_by = "assignment number";
    if (ka && kb && strcmp(ka, kb)) {
        if (!*ka || !*kb)
            return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                               "%s was written with --pseudonymise and %s without: assignments "
                               "cannot be matched; run both with the same key, or both without",
                               *ka ? a->dir : b->dir, *ka ? b->dir : a->dir);
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s and %s were pseudonymised with different keys (key fingerprints "
                           "%s and %s): assignments cannot be matched; run both with the same "
                           "--pseudonymise key file",
                           a->dir, b->dir, ka, kb);
    }
    if (strcmp(whose(a), whose(b)) && !c->o->allow_mixed)
        return esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                           "%s is a return of %s and %s of %s: every assignment would be a joiner "
                           "or a leaver; compare two returns of one organisation (or region), or "
                           "give --mixed to compare them anyway",
                           a->dir, whose(a), b->dir, whose(b));
    if (ka && *ka)
        c->matched_by = "pseudonym";
    else if ((!ka || !kb) && c->o->log) {
        char msg[700];
        snprintf(msg, sizeof msg,
                 "%s: run.json does not say whether it was pseudonymised (an older esrpipe): "
                 "assignments matched as written",
                 !ka ? a->dir : b->dir);
        c->o->log(c->o->log_ctx, msg);
    }
    return ESR_OK;
}

/* Refuse an output directory that is one of the returns or holds one. */
static esr_status check_outdir(cmp_ctx *c)
{
    const char *dirs[2] = {c->o->base_dir, c->o->new_dir};
    return outdir_refuse_return(c->o->outdir, dirs, 2, c->err);
}

/* ---- outputs --------------------------------------------------------- */

/* changes.csv: every summary cell that differs. */
static esr_status write_changes(cmp_ctx *c)
{
    FILE *fp;
    esr_status st = outdir_file(c->d, "changes.csv", &fp, c->err);
    if (st)
        return st;
    int bad = fputs("org_code,dimension,profession,support_role,key,base_fte,new_fte,fte_change,"
                    "base_headcount,new_headcount,headcount_change\n",
                    fp) < 0;
    for (size_t i = 0; i < c->nchanges && !bad; i++) {
        const esr_cell_change *ch = &c->changes[i];
        const esr_sumrow *s = ch->cell;
        char f[3][32], h[64];
        text_format_e5(ch->base_fte_e5, f[0]);
        text_format_e5(ch->new_fte_e5, f[1]);
        text_format_e5(ch->new_fte_e5 - ch->base_fte_e5, f[2]);
        snprintf(h, sizeof h, "%llu,%llu,%lld", (unsigned long long)ch->base_headcount,
                 (unsigned long long)ch->new_headcount,
                 (long long)ch->new_headcount - (long long)ch->base_headcount);
        bad = csvout_text(&c->line, s->org, 1) ||
              csvout_raw(&c->line, aggregate_dim_name(s->dim), 0) ||
              csvout_text(&c->line, s->profession, 0) || csvout_text(&c->line, s->role, 0) ||
              csvout_text(&c->line, s->key, 0) || csvout_raw(&c->line, f[0], 0) ||
              csvout_raw(&c->line, f[1], 0) || csvout_raw(&c->line, f[2], 0) ||
              esr_buf_putc(&c->line, ',') || esr_buf_puts(&c->line, h) ||
              csvout_flush(&c->line, fp);
    }
    return bad || ferror(fp)
               ? esr_err_set(c->err, ESR_ERR_IO, "%s/changes.csv: write failed", outdir_dir(c->d))
               : ESR_OK;
}

/* One return's description in compare.json. */
static void json_return(esr_json *j, const char *key, const esr_trust_return *r)
{
    json_open(j, key, '{');
    json_str(j, "return_dir", r->dir);
    json_str(j, "command", r->command);
    json_str(j, "org_code", r->org);
    json_str(j, "region", r->region);
    json_str(j, "snapshot_date", r->snapshot);
    json_str(j, "tool", r->tool);
    json_str(j, "classify_mode", r->classify_mode);
    run_json_mappings(j, r->mapping_version, r->mapping_sha256);
    json_str(j, "summary_sha256", r->summary_sha256);
    json_u64(j, "in_scope", r->in_scope);
    json_u64(j, "records", r->records);
    json_close(j, '}');
}

/* compare.json: both returns and the counts. */
static esr_status write_json(cmp_ctx *c)
{
    FILE *fp;
    esr_status st = outdir_file(c->d, "compare.json", &fp, c->err);
    if (st)
        return st;
    esr_json j;
    json_init(&j, fp);
    json_open(&j, NULL, '{');
    json_str(&j, "tool", c->o->tool_version);
    json_str(&j, "command", "compare");
    json_str(&j, "matched_by", c->matched_by);
    json_return(&j, "base", c->base);
    json_return(&j, "new", c->cur);
    json_open(&j, "counts", '{');
    json_u64(&j, "joiners", c->n.joiners);
    json_u64(&j, "leavers", c->n.leavers);
    json_u64(&j, "moved_into_scope", c->n.scope_in);
    json_u64(&j, "moved_out_of_scope", c->n.scope_out);
    json_u64(&j, "moved_records", c->n.moved_records);
    json_u64(&j, "moves", c->n.moves);
    json_u64(&j, "cells_changed", c->n.cells_changed);
    json_u64(&j, "base_records_without_assignment_number", c->n.unkeyed_base);
    json_u64(&j, "new_records_without_assignment_number", c->n.unkeyed_new);
    json_open(&j, "moved_by_field", '{');
    for (int f = 0; f < ESR_COMPARE_FIELDS; f++)
        json_u64(&j, esr_compare_fields[f], c->n.by_field[f]);
    json_close(&j, '}');
    json_close(&j, '}');
    json_raw(&j, "scope_changes_known", c->n.scope_known ? "true" : "false");
    json_raw(&j, "changed", c->n.moves || c->n.cells_changed ? "true" : "false");
    json_close(&j, '}');
    return ferror(fp)
               ? esr_err_set(c->err, ESR_ERR_IO, "%s/compare.json: write failed", outdir_dir(c->d))
               : ESR_OK;
}

/* compare.xlsx, from the figures and moves.csv (flushed). */
static esr_status write_book(cmp_ctx *c)
{
    const char *xpath, *scratch;
    esr_status st;
    if (fflush(c->moves) || ferror(c->moves))
        return esr_err_set(c->err, ESR_ERR_IO, "%s/moves.csv: write failed", outdir_dir(c->d));
    if ((st = outdir_path(c->d, "compare.xlsx", &xpath, c->err)) ||
        (st = outdir_scratch(c->d, &scratch, c->err)))
        return st;
    esr_compare_book in = {
        .base = c->base,
        .cur = c->cur,
        .changes = c->changes,
        .nchanges = c->nchanges,
        .counts = &c->n,
        .matched_by = c->matched_by,
        .moves_path = outdir_tmp_of(c->d, "moves.csv"),
        .max_sheet_rows = xbook_rows_cap(c->o->max_sheet_rows),
        .tool_version = c->o->tool_version,
    };
    return compare_xlsx_write(xpath, scratch, &in, c->err);
}

/* ---- the command ----------------------------------------------------- */

/* Open r's records.csv (side 0 base, 1 new) for second looks; note a
 * byte-order mark. */
static esr_status open_records(cmp_ctx *c, int side, const esr_trust_return *r)
{
    esr_buf p = {0};
    if (esr_buf_printf(&p, "%s/records.csv", r->dir))
        return esr_err_set(c->err, ESR_ERR_NOMEM, "out of memory");
    c->fd[side] = open(esr_buf_str(&p), O_RDONLY | O_CLOEXEC);
    esr_buf_free(&p);
    if (c->fd[side] < 0)
        return esr_err_set(c->err, ESR_ERR_IO, "%s/records.csv: cannot open: %s", r->dir,
                           strerror(errno));
    unsigned char bom[3];
    c->bom[side] = pread(c->fd[side], bom, 3, 0) == 3 && !memcmp(bom, "\xef\xbb\xbf", 3) ? 3 : 0;
    return ESR_OK;
}

/* Trust returns: scope changes told from joiners and leavers, written. */
static esr_status write_scope(cmp_ctx *c)
{
    esr_status st;
    if (c->fd[0] < 0)
        return ESR_OK; /* regional returns: no records */
    if ((st = open_records(c, 1, c->cur)) || (st = mark_out(c, c->cur, &c->idx)) ||
        (st = mark_out(c, c->base, &c->joiners)) || (st = joiners(c)))
        return st;
    return leavers(c);
}

/* Read both returns, diffing the new one's records as they stream. */
static esr_status read_both(cmp_ctx *c)
{
    esr_ret_read how = {.any_return = 1, .on_record = on_base, .ctx = c};
    esr_status st = trustret_read(c->o->base_dir, ESR_TEMPLATE_VERSION, &how, &c->base, c->err);
    if (st)
        return st;
    if (strcmp(c->base->command, "consolidate") && (st = open_records(c, 0, c->base)))
        return st;
    if ((st = outdir_open(c->o->outdir, &c->d, c->err)) ||
        (st = outdir_file(c->d, "moves.csv", &c->moves, c->err)))
        return st;
    if (fputs("org_code,assignment_number,field,base,new\n", c->moves) < 0)
        return esr_err_set(c->err, ESR_ERR_IO, "%s/moves.csv: write failed", outdir_dir(c->d));
    c->header_seen = 0;
    how.on_record = on_new;
    if ((st = trustret_read(c->o->new_dir, ESR_TEMPLATE_VERSION, &how, &c->cur, c->err)) ||
        (st = check_pair(c)))
        return st;
    if (c->base->warning[0] && c->o->log)
        c->o->log(c->o->log_ctx, c->base->warning);
    if (c->cur->warning[0] && c->o->log)
        c->o->log(c->o->log_ctx, c->cur->warning);
    note_scope(c);
    return write_scope(c);
}

/* Compare the two returns into opts->outdir. */
esr_status compare_run(const esr_compare_opts *o, esr_compare_counts *counts, esr_err *err)
{
    cmp_ctx c = {0};
    esr_status st;
    c.o = o;
    c.err = err;
    c.fd[0] = c.fd[1] = -1;
    if (!o->base_dir || !o->new_dir)
        return esr_err_set(err, ESR_ERR_USAGE, "compare: give two return directories");
    if ((st = check_outdir(&c)) || (st = read_both(&c)))
        goto done;
    if (!(c.changes = calloc(c.base->nrows + c.cur->nrows + 1, sizeof *c.changes))) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    c.nchanges = compare_cells(c.base->rows, c.base->nrows, c.cur->rows, c.cur->nrows, c.changes);
    c.n.cells_changed = c.nchanges;
    if ((st = write_changes(&c)) || (st = write_book(&c)) || (st = write_json(&c)) ||
        (st = outdir_finish(c.d, err)) || (st = outdir_commit(c.d, err)))
        goto done;
    if (counts)
        *counts = c.n;
done:
    outdir_free(c.d); /* removes the temporaries unless committed */
    for (int i = 0; i < 2; i++)
        if (c.fd[i] >= 0)
            close(c.fd[i]);
    recindex_free(&c.idx);
    recindex_free(&c.joiners);
    for (size_t i = 0; i < c.nreasons; i++)
        free(c.reasons[i]);
    esr_buf_free(&c.why);
    trustret_free(c.base);
    trustret_free(c.cur);
    free(c.changes);
    esr_buf_free(&c.rr.vals);
    esr_buf_free(&c.key);
    esr_buf_free(&c.line);
    esr_buf_free(&c.h);
    return st;
}
