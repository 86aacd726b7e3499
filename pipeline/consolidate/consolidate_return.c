/* consolidate_return.c - read one trust's return back for consolidation. */
#include "consolidate_return.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csvout.h"
#include "csvreader.h"
#include "outdir.h"
#include "text.h"
#include "write_csv.h"

#define RUN_JSON_MAX_BYTES (64u << 20)
#define READ_CHUNK 65536u
#define LOAD_TRIES 3 /* a return replaced while being read is read again */

/* Free the return. */
void trustret_free(esr_trust_return *r)
{
    if (!r)
        return;
    free(r->dir);
    free(r->inputs);
    free(r->rules);
    free(r->rows);
    cjson_free(r->run_json);
    table_free(r->summary);
    free(r);
}

/* dir/name into b; -1 on no memory. */
static int path_of(esr_buf *b, const char *dir, const char *name)
{
    esr_buf_reset(b);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return esr_buf_append(b, dir, n) || esr_buf_printf(b, "/%s", name) ? -1 : 0;
}

/* Non-zero if dir holds a regular file name. */
static int has_file(const char *dir, const char *name)
{
    struct stat sb;
    esr_buf p = {0};
    int yes = !path_of(&p, dir, name) && !stat(esr_buf_str(&p), &sb) && S_ISREG(sb.st_mode);
    esr_buf_free(&p);
    return yes;
}

/* Check that path is a regular file of the return. */
static esr_status need_file(const char *path, const char *dir, const char *name, esr_err *err)
{
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: %s missing: not a complete esrpipe return (run `esrpipe run -o %s` "
                           "again, or leave this directory out)",
                           dir, name, dir);
    return ESR_OK;
}

/* Check that the return has summary.csv at path; the top directory of a
 * --split-by-org run (its run.json lists files in subdirectories) has none:
 * say so, and name the per-organisation returns to give instead. */
static esr_status need_summary(const esr_trust_return *r, const char *path, esr_err *err)
{
    struct stat sb;
    const cjson_node *outs = cjson_get(cjson_root(r->run_json), "outputs");
    if (!stat(path, &sb) || !outs || outs->type != CJSON_ARRAY)
        return need_file(path, r->dir, "summary.csv", err);
    esr_buf subs = {0};
    size_t n = 0, more = 0;
    const char *first = NULL;
    for (const cjson_node *e = outs->child; e; e = e->next) {
        const char *f = cjson_str(cjson_get(e, "file")), *slash = f ? strchr(f, '/') : NULL;
        if (!slash || (first && !strncmp(f, first, (size_t)(slash - f) + 1)))
            continue; /* a file of the top, or of the subdirectory just named */
        first = f;
        if (n++ < 5)
            esr_buf_printf(&subs, "%s%s/%.*s", n > 1 ? ", " : "", r->dir, (int)(slash - f), f);
        else
            more++;
    }
    esr_status st = need_file(path, r->dir, "summary.csv", err);
    if (n)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                         "%s: the top directory of a --split-by-org run, not a return: each "
                         "organisation's return is in its subdirectory (%s%s); give those "
                         "directories instead (compare: BASE/ORG NEW/ORG)",
                         r->dir, subs.data ? esr_buf_str(&subs) : "", more ? ", ..." : "");
    esr_buf_free(&subs);
    return st;
}

/* Read a whole file (at most max bytes) into a NUL-terminated buffer. */
static esr_status slurp(const char *path, size_t max, char **out, size_t *len, esr_err *err)
{
    FILE *fp = fopen(path, "rb");
    esr_buf b = {0};
    esr_status st = ESR_OK;
    *out = NULL;
    if (!fp)
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char chunk[READ_CHUNK];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > max) {
            st = esr_err_set(err, ESR_ERR_INPUT_LIMIT, "%s: larger than %zu bytes: not a run.json",
                             path, max);
            goto done;
        }
        if (esr_buf_append(&b, chunk, n)) {
            st = esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    if (ferror(fp)) {
        st = esr_err_set(err, ESR_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if (!b.data && esr_buf_reserve(&b, 1)) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    *len = b.len;
    b.data = NULL;
done:
    esr_buf_free(&b);
    fclose(fp);
    return st;
}

/* SHA-256 of a file's bytes as 64 hex digits. */
static esr_status sha256_file(const char *path, char hex[65], esr_err *err)
{
    FILE *fp = fopen(path, "rb");
    EVP_MD_CTX *ctx = NULL;
    esr_status st = ESR_OK;
    if (!fp)
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!(ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        st = esr_err_set(err, ESR_ERR_INTERNAL, "SHA-256 unavailable");
        goto done;
    }
    char chunk[READ_CHUNK];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (EVP_DigestUpdate(ctx, chunk, n) != 1) {
            st = esr_err_set(err, ESR_ERR_INTERNAL, "%s: SHA-256 failed", path);
            goto done;
        }
    if (ferror(fp)) {
        st = esr_err_set(err, ESR_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
        st = esr_err_set(err, ESR_ERR_INTERNAL, "%s: SHA-256 failed", path);
        goto done;
    }
    text_hex(md, mdlen, hex);
done:
    EVP_MD_CTX_free(ctx);
    fclose(fp);
    return st;
}

/* An ODS code as esrpipe writes it: 1-16 letters and digits. */
static int ods_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
              (s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n >= 1 && n <= 16;
}

/* YYYY-MM-DD with a plausible month and day. */
static int date_ok(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
           sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
           d <= 31;
}

/* What kind of return run.json describes (command, region, pseudonym key
 * fingerprint); non-zero when any kind of return is wanted. */
static int read_kind(esr_trust_return *r, const cjson_node *root, const char *cmd)
{
    const char *region = cjson_str(cjson_get(root, "region"));
    r->command = cmd ? cmd : "run";
    r->region = region ? region : "";
    r->pseudonym_key = cjson_str(cjson_get(root, "pseudonym_key"));
    return r->how && r->how->any_return;
}

/* run.json's organisation: org_code, else the one entry of organisations
 * (any: a regional return may have none). */
static esr_status read_run_org(esr_trust_return *r, const cjson_node *root, int any,
                               const char *path, esr_err *err)
{
    esr_status st;
    r->org = cjson_str(cjson_get(root, "org_code"));
    if (!r->org)
        r->org = "";
    if (!*r->org) {
        const cjson_node *orgs = cjson_get(root, "organisations");
        if (orgs && orgs->type == CJSON_ARRAY && orgs->count > 1 && !any) {
            esr_buf list = {0};
            size_t shown = 0;
            for (const cjson_node *c = orgs->child; c && shown < 5; c = c->next, shown++)
                esr_buf_printf(&list, "%s%s", shown ? ", " : "", cjson_str(c) ? cjson_str(c) : "?");
            st = esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                             "%s: one return for %zu organisations (%s%s); consolidation takes one "
                             "return per organisation: run `esrpipe run --split-by-org` and pass "
                             "its per-organisation directories (%s/*/)",
                             r->dir, orgs->count, esr_buf_str(&list),
                             orgs->count > 5 ? ", ..." : "", r->dir);
            esr_buf_free(&list);
            return st;
        }
        if (orgs && orgs->type == CJSON_ARRAY && orgs->count == 1 && cjson_str(orgs->child))
            r->org = cjson_str(orgs->child);
    }
    if (!*r->org && !any)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: no organisation code: re-run the return with --org CODE", path);
    if (*r->org && !ods_ok(r->org))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: org_code \"%.40s\" is not an ODS code (letters and digits)", path,
                           r->org);
    return ESR_OK;
}

/* run.json's inputs and counts. */
static esr_status read_run_counts(esr_trust_return *r, const cjson_node *root, const char *path,
                                  esr_err *err)
{
    const char *s;
    const cjson_node *inputs = cjson_get(root, "inputs");
    if (inputs && inputs->type == CJSON_ARRAY && inputs->count) {
        if (!(r->inputs = calloc(inputs->count, sizeof *r->inputs)))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        for (const cjson_node *c = inputs->child; c; c = c->next) {
            esr_ret_input *in = &r->inputs[r->ninputs++];
            in->name = (s = cjson_str(cjson_get(c, "name"))) ? s : "";
            in->sha256 = (s = cjson_str(cjson_get(c, "sha256"))) ? s : "";
            if (cjson_u64(cjson_get(c, "bytes"), &in->bytes))
                in->bytes = 0;
        }
    }

    const cjson_node *counts = cjson_get(root, "counts");
    static const char *const count_keys[] = {"rows_read", "in_scope", "out_of_scope", "rejected"};
    uint64_t *count_vals[] = {&r->rows_read, &r->in_scope, &r->out_of_scope, &r->rejected};
    for (size_t i = 0; i < 4; i++)
        if (cjson_u64(cjson_get(counts, count_keys[i]), count_vals[i]))
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                               "%s: counts.%s missing or not a whole number", path, count_keys[i]);
    const cjson_node *fte = cjson_get(counts, "in_scope_fte");
    if (!fte || fte->type != CJSON_NUMBER || text_parse_e5(fte->text, &r->in_scope_fte_e5))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: counts.in_scope_fte missing or not a number", path);
    return ESR_OK;
}

/* run.json's findings by rule. */
static esr_status read_run_rules(esr_trust_return *r, const cjson_node *root, const char *path,
                                 esr_err *err)
{
    const char *s;
    const cjson_node *rules = cjson_get(root, "findings_by_rule");
    if (rules && rules->type == CJSON_OBJECT && rules->count) {
        if (!(r->rules = calloc(rules->count, sizeof *r->rules)))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        for (const cjson_node *c = rules->child; c; c = c->next) {
            esr_ret_rule *ru = &r->rules[r->nrules];
            const cjson_node *f = cjson_get(c, "fte");
            ru->id = c->key;
            ru->severity = (s = cjson_str(cjson_get(c, "severity"))) ? s : "";
            if (cjson_u64(cjson_get(c, "count"), &ru->count))
                return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                                   "%s: findings_by_rule.%.60s.count missing or not a whole number",
                                   path, c->key);
            if (!f || f->type != CJSON_NUMBER || text_parse_e5(f->text, &ru->fte_e5))
                ru->fte_e5 = 0;
            r->nrules++;
        }
    }
    return ESR_OK;
}

/* The keys of run.json a regional return needs. */
static esr_status read_run_json(esr_trust_return *r, const char *path, esr_err *err)
{
    char *text = NULL;
    size_t len = 0;
    esr_status st = slurp(path, RUN_JSON_MAX_BYTES, &text, &len, err);
    if (st)
        return st;
    st = cjson_parse(text, len, path, &r->run_json, err);
    free(text);
    if (st)
        return st;
    const cjson_node *root = cjson_root(r->run_json);
    if (root->type != CJSON_OBJECT)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: not a JSON object: not an esrpipe run.json", path);
    const char *cmd = cjson_str(cjson_get(root, "command"));
    int any = read_kind(r, root, cmd);
    if (cmd && !strcmp(cmd, "consolidate") && !any)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: a regional return (esrpipe consolidate), not a trust's return: "
                           "consolidate the trusts' returns themselves",
                           r->dir);
    r->template_version = cjson_str(cjson_get(root, "template_version"));
    if (!r->template_version)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: no \"template_version\": not a return written by esrpipe", path);

    if ((st = read_run_org(r, root, any, path, err)))
        return st;

    r->snapshot = cjson_str(cjson_get(root, "snapshot_date"));
    if (!r->snapshot)
        r->snapshot = "";
    if (*r->snapshot && !date_ok(r->snapshot))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: snapshot_date \"%.40s\": expected YYYY-MM-DD", path, r->snapshot);
    const char *s;
    r->tool = (s = cjson_str(cjson_get(root, "tool"))) ? s : "";
    r->classify_mode = (s = cjson_str(cjson_get(root, "classify_mode"))) ? s : "";
    const cjson_node *mp = cjson_get(root, "mappings");
    r->mapping_version = (s = cjson_str(cjson_get(mp, "version"))) ? s : "";
    r->mapping_sha256 = (s = cjson_str(cjson_get(mp, "sha256"))) ? s : "";

    if ((st = read_run_counts(r, root, path, err)))
        return st;
    return read_run_rules(r, root, path, err);
}

/* A headcount: digits only. */
static int parse_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* summary.csv order: dimension, profession, role, key ("" first). */
int sumrow_cmp(const void *x, const void *y)
{
    const esr_sumrow *a = x, *b = y;
    return aggregate_key_cmp(a->dim, a->profession, a->role, a->key, b->dim, b->profession, b->role,
                             b->key);
}

/* Summary rows of several blocks: org_code, then as sumrow_cmp. */
int sumrow_org_cmp(const void *x, const void *y)
{
    const esr_sumrow *a = x, *b = y;
    int c = strcmp(a->org, b->org);
    return c ? c : sumrow_cmp(x, y);
}

/* The organisation's block of summary.csv (every block when how->any_return), sorted, each cell
 * once. */
static esr_status read_summary(esr_trust_return *r, const char *path, esr_err *err)
{
    esr_status st = table_load(path, &r->summary, err);
    if (st)
        return st == ESR_ERR_MAPPING ? (err->status = ESR_ERR_INPUT_FORMAT) : st;
    const esr_table *t = r->summary;
    esr_buf h = {0}; /* the header as written: names (none with a comma) joined by commas */
    int bad_header = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        bad_header |= strchr(t->header[i], ',') != NULL;
        if ((i && esr_buf_putc(&h, ',')) || esr_buf_puts(&h, t->header[i])) {
            esr_buf_free(&h);
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        }
    }
    bad_header |= strcmp(esr_buf_str(&h), ESR_SUMMARY_HEADER) != 0;
    esr_buf_free(&h);
    if (bad_header)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s:1: header is not " ESR_SUMMARY_HEADER,
                           path);
    if (!(r->rows = calloc(t->nrows + 1, sizeof *r->rows)))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    /* the organisation's own rows; a return without them (no org rows at
     * all) gives its totals instead, which are the same figures */
    int has_org_rows = 0, any = r->how && r->how->any_return;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *org = t->rows[i].fields[0];
        if (*org && strcmp(org, r->org) && !any)
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                               "%s:%llu: a row for organisation %.40s in the return of %s: "
                               "consolidation takes one return per organisation",
                               path, (unsigned long long)t->rows[i].line, org, r->org);
        has_org_rows |= *org != '\0';
    }
    for (size_t i = 0; i < t->nrows; i++) {
        char **f = t->rows[i].fields;
        unsigned long long line = (unsigned long long)t->rows[i].line;
        if ((*f[0] != '\0') != has_org_rows && !any)
            continue;
        esr_sumrow *row = &r->rows[r->nrows];
        row->org = f[0];
        int d;
        for (d = 0; d < ESR_DIM_COUNT; d++)
            if (!strcmp(f[1], aggregate_dim_name((esr_dim)d)))
                break;
        if (d == ESR_DIM_COUNT)
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                               "%s:%llu: dimension \"%.60s\": expected profession_role, band or "
                               "area_of_work",
                               path, line, f[1]);
        row->dim = (esr_dim)d;
        row->profession = csvout_unneutralise(f[2]);
        row->role = csvout_unneutralise(f[3]);
        row->key = csvout_unneutralise(f[4]);
        if (text_parse_e5(f[5], &row->fte_e5))
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s:%llu: fte \"%.40s\" is not a number",
                               path, line, f[5]);
        if (parse_count(f[6], &row->headcount))
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                               "%s:%llu: headcount \"%.40s\" is not a whole number", path, line,
                               f[6]);
        r->nrows++;
    }
    int (*cmp)(const void *, const void *) = any ? sumrow_org_cmp : sumrow_cmp;
    qsort(r->rows, r->nrows, sizeof *r->rows, cmp);
    for (size_t i = 1; i < r->nrows; i++)
        if (!cmp(&r->rows[i - 1], &r->rows[i]))
            return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                               "%s: the cell %s / \"%.60s\" / \"%.60s\" / \"%.60s\" appears twice: "
                               "not a summary.csv esrpipe wrote",
                               path, aggregate_dim_name(r->rows[i].dim), r->rows[i].profession,
                               r->rows[i].role, r->rows[i].key);
    return sha256_file(path, r->summary_sha256, err);
}

typedef struct rec_ctx {
    esr_trust_return *r;
    const char *path;
    esr_err *err;
    esr_status st;
    int header_done;
    int col_match;
} rec_ctx;

/* Hand a records.csv row to the caller's callback, if any; 1 to stop. */
static int pass_on(rec_ctx *c, const esr_row *row)
{
    const esr_ret_read *how = c->r->how;
    if (!how || !how->on_record)
        return 0;
    return (c->st = how->on_record(how->ctx, row, c->err)) != ESR_OK;
}

/* Count one records.csv row (the first is the header). */
static int on_record(void *vctx, const esr_row *row)
{
    rec_ctx *c = vctx;
    if (row->fault) {
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s:%llu: record too large to read",
                            c->path, (unsigned long long)row->line);
        return 1;
    }
    if (!c->header_done) {
        c->header_done = 1;
        c->col_match = -1;
        for (size_t i = 0; i < row->nfields; i++)
            if (!strcmp(row->fields[i], "title_match"))
                c->col_match = (int)i;
        if (c->col_match < 0) {
            c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT,
                                "%s:1: no title_match column: not an esrpipe records.csv", c->path);
            return 1;
        }
        return pass_on(c, row);
    }
    if (row->nfields == 1 && row->lens[0] == 0)
        return 0; /* blank line */
    c->r->records++;
    if ((size_t)c->col_match < row->nfields && !strcmp(row->fields[c->col_match], "none"))
        c->r->unmapped++;
    return pass_on(c, row);
}

/* Count records.csv rows and those whose title was not mapped. */
static esr_status read_records(esr_trust_return *r, const char *path, esr_err *err)
{
    rec_ctx c = {r, path, err, ESR_OK, 0, -1};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    esr_status st = csvreader_read_all(fp, path, ',', on_record, &c, err);
    if (!st)
        st = c.st;
    if (!st && !c.header_done)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: empty: no header row", path);
    fclose(fp);
    return st;
}

/* Count one data row of a file (the first is the header). */
static int on_count(void *vctx, const esr_row *row)
{
    uint64_t *n = vctx;
    if (!(row->nfields == 1 && row->lens[0] == 0)) /* not a blank line */
        (*n)++;
    return 0;
}

/* Count the data rows of path into *n; *seen 1 if the file exists. */
static esr_status count_rows(const char *path, uint64_t *n, int *seen, esr_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT
                   ? ESR_OK
                   : esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    esr_status st = csvreader_read_all(fp, path, ',', on_count, n, err);
    if (!st && *n) {
        (*n)--; /* the header */
        *seen = 1;
    }
    fclose(fp);
    return st;
}

/* An out_of_scope.csv being streamed to a caller. */
typedef struct out_ctx {
    const char *path;
    esr_status (*on_row)(void *ctx, const esr_row *row, esr_err *err);
    void *ctx;
    esr_err *err;
    esr_status st;
    int header_done;
} out_ctx;

/* Hand one out_of_scope.csv row to the caller's callback; 1 to stop. */
static int on_out_row(void *vctx, const esr_row *row)
{
    out_ctx *c = vctx;
    if (row->fault) {
        c->st = esr_err_set(c->err, ESR_ERR_INPUT_FORMAT, "%s:%llu: record too large to read",
                            c->path, (unsigned long long)row->line);
        return 1;
    }
    c->header_done = 1;
    if (row->nfields == 1 && row->lens[0] == 0)
        return 0; /* blank line */
    return (c->st = c->on_row(c->ctx, row, c->err)) != ESR_OK;
}

/* Stream the return's out_of_scope.csv to on_row (see header). */
esr_status trustret_out_of_scope(const esr_trust_return *r,
                                 esr_status (*on_row)(void *ctx, const esr_row *row, esr_err *err),
                                 void *ctx, esr_err *err)
{
    esr_buf p = {0};
    if (path_of(&p, r->dir, "out_of_scope.csv"))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    out_ctx c = {esr_buf_str(&p), on_row, ctx, err, ESR_OK, 0};
    esr_status st;
    FILE *fp = fopen(c.path, "rb");
    if (!fp) {
        st = esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", c.path, strerror(errno));
    } else {
        st = csvreader_read_all(fp, c.path, ',', on_out_row, &c, err);
        if (!st)
            st = c.st;
        if (!st && !c.header_done)
            st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: empty: no header row", c.path);
        fclose(fp);
    }
    esr_buf_free(&p);
    return st;
}

/* One "outputs" entry's file name: relative, no "..", not run.json. */
static int output_name_ok(const char *f)
{
    if (!f || !*f || f[0] == '/' || !strcmp(f, "run.json"))
        return 0;
    for (const char *p = f; *p; p += strcspn(p, "/"), p += *p == '/')
        if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
            return 0;
    return 1;
}

/* Check one listed file (opened below dirfd) against its size and hash. */
static esr_status verify_one(const char *dir, int dirfd, const cjson_node *e, esr_err *err)
{
    const char *file = cjson_str(cjson_get(e, "file"));
    const char *sha = cjson_str(cjson_get(e, "sha256"));
    uint64_t want = 0, got = 0;
    char hex[65];
    if (!output_name_ok(file) || !sha || strlen(sha) != 64 ||
        cjson_u64(cjson_get(e, "bytes"), &want))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s/run.json: an \"outputs\" entry is not {\"file\", \"bytes\", "
                           "\"sha256\"}: not a run.json esrpipe wrote",
                           dir);
    int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s/%s: listed in run.json but %s: the return is incomplete or mixed "
                           "(files of different runs); run `esrpipe run -o %s` again",
                           dir, file, strerror(errno), dir);
    esr_status r = outdir_sha256_fd(fd, &got, hex);
    int read_errno = errno;
    close(fd);
    if (r == ESR_ERR_NOMEM)
        return esr_err_set(err, r, "out of memory");
    if (r)
        return esr_err_set(err, r, "%s/%s: read error: %s", dir, file, strerror(read_errno));
    if (got != want || strcmp(hex, sha))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s/%s: not the file run.json was written with (%s): the return mixes "
                           "files of different runs or was changed since; refusing it (run "
                           "`esrpipe run -o %s` again)",
                           dir, file, got != want ? "size differs" : "SHA-256 differs", dir);
    return ESR_OK;
}

/* Check the return's files against run.json's "outputs" (see header). */
esr_status return_verify(const char *dir, const cjson_node *root, int *verified, esr_err *err)
{
    static const char *const files[] = {"return.xlsx", "records.csv", "summary.csv", "rejects.csv",
                                        "out_of_scope.csv"};
    const cjson_node *outs = cjson_get(root, "outputs");
    *verified = 0;
    if (!outs)
        return ESR_OK;
    if (outs->type != CJSON_ARRAY)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s/run.json: \"outputs\" is not a list",
                           dir);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot open: %s", dir, strerror(errno));
    esr_status st = ESR_OK;
    for (const cjson_node *e = outs->child; e && !st; e = e->next)
        st = verify_one(dir, dirfd, e, err);
    for (size_t i = 0; !st && i < sizeof files / sizeof files[0]; i++) {
        struct stat sb;
        int listed = 0;
        for (const cjson_node *e = outs->child; e && !listed; e = e->next)
            listed = cjson_str(cjson_get(e, "file")) &&
                     !strcmp(cjson_str(cjson_get(e, "file")), files[i]);
        if (!listed && !fstatat(dirfd, files[i], &sb, AT_SYMLINK_NOFOLLOW))
            st = esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                             "%s/%s: not listed in run.json's outputs: a file of another run; "
                             "refusing a mixed return (run `esrpipe run -o %s` again)",
                             dir, files[i], dir);
    }
    close(dirfd);
    *verified = !st;
    return st;
}

/* The return's files must agree with one another; say where they do not,
 * into msg. 0 if they agree. */
static int disagreement(const esr_trust_return *r, char *msg, size_t n)
{
    long long total = 0;
    int seen = 0;
    int any = r->how && r->how->any_return;
    if (r->rows_read - r->in_scope < r->out_of_scope + r->rejected || r->in_scope > r->rows_read ||
        r->rows_read - r->in_scope - r->out_of_scope != r->rejected)
        return snprintf(msg, n,
                        "%s/run.json: counts do not add up: rows_read %llu, but in_scope %llu + "
                        "out_of_scope %llu + rejected %llu",
                        r->dir, (unsigned long long)r->rows_read, (unsigned long long)r->in_scope,
                        (unsigned long long)r->out_of_scope, (unsigned long long)r->rejected),
               1;
    if (!strcmp(r->command, "consolidate"))
        return 0; /* a regional return has no records.csv */
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].dim == ESR_DIM_PROFESSION_ROLE && !*r->rows[i].profession &&
            !*r->rows[i].role && (!any || !*r->rows[i].org)) {
            total = r->rows[i].fte_e5;
            seen = 1;
        }
    if (r->outscope_seen && r->outscope_rows != r->out_of_scope)
        return snprintf(msg, n,
                        "%s/out_of_scope.csv has %llu rows but run.json there counts %llu out of "
                        "scope: the files are from different runs or were edited",
                        r->dir, (unsigned long long)r->outscope_rows,
                        (unsigned long long)r->out_of_scope),
               1;
    if (r->rejects_seen && r->rejects != r->rejected)
        return snprintf(msg, n,
                        "%s/rejects.csv has %llu rows but run.json there counts %llu rejected: the "
                        "files are from different runs or were edited",
                        r->dir, (unsigned long long)r->rejects, (unsigned long long)r->rejected),
               1;
    if (r->records != r->in_scope)
        return snprintf(msg, n,
                        "%s/records.csv has %llu rows but run.json there counts %llu in scope: the "
                        "files are from different runs or were edited",
                        r->dir, (unsigned long long)r->records, (unsigned long long)r->in_scope),
               1;
    if ((seen || r->in_scope_fte_e5) && total != r->in_scope_fte_e5) {
        char a[32], b[32];
        text_format_e5(total, a);
        text_format_e5(r->in_scope_fte_e5, b);
        return snprintf(
                   msg, n,
                   "%s/summary.csv totals %s FTE but run.json there counts %s in scope: the files "
                   "are from different runs or were edited",
                   r->dir, a, b),
               1;
    }
    return 0;
}

/* Files that disagree: an error for a return whose outputs run.json
 * checksums (run.json itself was edited), a warning for an older one. */
static esr_status cross_check(esr_trust_return *r, esr_err *err)
{
    char msg[sizeof r->warning];
    if (!disagreement(r, msg, sizeof msg))
        return ESR_OK;
    if (r->verified)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s; refused", msg);
    memcpy(r->warning, msg, sizeof msg);
    return ESR_OK;
}

/* A trust return's records.csv, and its rejects.csv when run.json
 * checksums its outputs (path: scratch). */
static esr_status read_trust_files(esr_trust_return *r, const char *dir, esr_buf *path,
                                   esr_err *err)
{
    esr_status st;
    if (path_of(path, dir, "records.csv"))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    if ((st = need_file(esr_buf_str(path), dir, "records.csv", err)) ||
        (st = read_records(r, esr_buf_str(path), err)) || !r->verified)
        return st;
    if (path_of(path, dir, "rejects.csv"))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    if ((st = count_rows(esr_buf_str(path), &r->rejects, &r->rejects_seen, err)) ||
        !r->has_out_of_scope)
        return st;
    if (path_of(path, dir, "out_of_scope.csv"))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    return count_rows(esr_buf_str(path), &r->outscope_rows, &r->outscope_seen, err);
}

/* Read and check the return in dir, once. */
static esr_status load_once(const char *dir, const char *template_version, esr_trust_return **out,
                            esr_err *err)
{
    return trustret_read(dir, template_version, NULL, out, err);
}

/* Read and check the return in dir, as how says. */
esr_status trustret_read(const char *dir, const char *template_version, const esr_ret_read *how,
                         esr_trust_return **out, esr_err *err)
{
    esr_trust_return *r = calloc(1, sizeof *r);
    esr_buf path = {0};
    esr_status st;
    *out = NULL;
    if (r)
        r->how = how;
    if (!r || !(r->dir = strdup(dir))) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t n = strlen(r->dir); n > 1 && r->dir[n - 1] == '/'; n--)
        r->dir[n - 1] = '\0'; /* "out/R1K/" and "out/R1K" name one return */
    dir = r->dir;
    struct stat sb;
    if (stat(dir, &sb)) {
        st = esr_err_set(err, ESR_ERR_INPUT_MISSING, "%s: return directory not found: %s", dir,
                         strerror(errno));
        goto fail;
    }
    if (!S_ISDIR(sb.st_mode)) {
        st = esr_err_set(err, ESR_ERR_INPUT_MISSING,
                         "%s: not a directory: give the return directories `esrpipe run -o` wrote "
                         "(after --split-by-org, DIR/*/)",
                         dir);
        goto fail;
    }
    if (path_of(&path, dir, "run.json")) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = need_file(esr_buf_str(&path), dir, "run.json", err)) ||
        (st = read_run_json(r, esr_buf_str(&path), err)) ||
        (st = return_verify(dir, cjson_root(r->run_json), &r->verified, err)))
        goto fail;
    if (strcmp(r->template_version, template_version)) {
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                         "%s/run.json: template version \"%.40s\", but this esrpipe consolidates "
                         "template version %s only: have the trust re-run its return with a "
                         "matching esrpipe, or leave it out",
                         dir, r->template_version, template_version);
        goto fail;
    }
    if (path_of(&path, dir, "summary.csv")) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = need_summary(r, esr_buf_str(&path), err)) ||
        (st = read_summary(r, esr_buf_str(&path), err)))
        goto fail;
    if (strcmp(r->command, "consolidate")) { /* a regional return holds no records */
        r->has_out_of_scope = has_file(dir, "out_of_scope.csv");
        if ((st = read_trust_files(r, dir, &path, err)))
            goto fail;
    }
    if ((st = cross_check(r, err)))
        goto fail;
    if (!r->verified && !r->warning[0])
        snprintf(r->warning, sizeof r->warning,
                 "%s: run.json lists no \"outputs\" (written by an earlier esrpipe), so its "
                 "files could not be checked against one another; re-run it to be sure",
                 dir);
    esr_buf_free(&path);
    *out = r;
    return ESR_OK;
fail:
    esr_buf_free(&path);
    trustret_free(r);
    return st;
}

/* Read and check the return in dir; again if it was replaced meanwhile. */
esr_status trustret_load(const char *dir, const char *template_version, esr_trust_return **out,
                         esr_err *err)
{
    esr_status st = ESR_OK;
    for (int tries = 0; tries < LOAD_TRIES; tries++) {
        struct stat a, b;
        int before = stat(dir, &a);
        if ((st = load_once(dir, template_version, out, err)) && before)
            return st;
        if (before || (!stat(dir, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev))
            return st;       /* read from one directory throughout */
        trustret_free(*out); /* a new return was published while reading */
        *out = NULL;
    }
    return st ? st
              : esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                            "%s: replaced by a new return %d times while being read", dir,
                            LOAD_TRIES);
}
