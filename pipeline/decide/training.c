/* training.c - competence export -> per-person Care Certificate status,
 * highest qualification level and apprenticeship in progress. */
#include "training.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvreader.h"
#include "schema.h"
#include "strmap.h"
#include "text.h"

enum { CC_NONE = 0, CC_IN_PROGRESS, CC_COMPLETED };
enum { ST_NONE = 0, ST_IN_PROGRESS, ST_COMPLETED };

#define MAX_STANDARDS 64
#define NAME_CACHE_MAX 65536 /* competence names remembered: memory stays bounded */

typedef struct person {
    int care;      /* CC_* */
    int level;     /* highest level achieved */
    uint64_t appr; /* standards (bits) in progress */
    uint64_t done; /* standards (bits) completed: completed wins over in progress */
    int joined;    /* an in-scope staff row joined it (set by training_join) */
} person;

/* A rejected competence row, for rejects.csv. */
typedef struct rejected_row {
    uint64_t line;
    const char *why;
} rejected_row;

typedef struct rule {
    char *phrase; /* " word word " */
    int kind;     /* 0 care certificate, 1 qualification, 2 apprenticeship */
    const char *value;
    int level;
    int std; /* apprenticeship: bit of its standard (distinct value) */
} rule;

struct esr_training {
    const esr_mappings *m;
    rule *rules;
    size_t nrules;
    int std_rule[MAX_STANDARDS]; /* standard bit -> first rule naming it */
    int nstd;
    esr_strmap *status;  /* text_key(status) -> ST_* */
    esr_strmap *by_name; /* competence name -> matching rule + 1, 0 = none */
    esr_strmap *persons; /* employee number -> index */
    person *pv;
    size_t np, pcap;
    esr_strmap *unmatched; /* name -> index into ucount */
    uint64_t *ucount;
    size_t ucap;
    size_t *order; /* unmatched sorted by count */
    esr_training_stats stats;
    rejected_row *rej; /* the first ESR_TRAINING_REJECTS_KEPT rejected rows */
    size_t nrej, rejcap;
    esr_schema *schema;
    char *name, *sha256;
    uint64_t bytes; /* of the file on disk, as read */
    esr_buf norm, key;
    esr_err *err;
    esr_status st;
};

/* " lower case words " for phrase matching at word boundaries. */
static void words(const char *s, esr_buf *out)
{
    esr_buf_reset(out);
    esr_buf_putc(out, ' ');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c >= 'A' && c <= 'Z')
            c += 32;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            esr_buf_putc(out, (char)c);
        else if (out->data[out->len - 1] != ' ')
            esr_buf_putc(out, ' ');
    }
    if (out->data[out->len - 1] != ' ')
        esr_buf_putc(out, ' ');
}

static const char *const kind_names[] = {"care_certificate", "qualification", "apprenticeship"};
static const char *const meaning_names[] = {"none", "in_progress", "completed"}; /* ST_* */

/* Index of s in names[n], or -1. */
static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

/* A qualifications.csv kind (see training.h). */
int training_kind_parse(const char *s)
{
    return name_index(kind_names, 3, s);
}

/* A competence_statuses.csv meaning (see training.h). */
int training_meaning_parse(const char *s)
{
    return name_index(meaning_names, 3, s);
}

/* The distinct levels of the rules, ascending (see training.h). */
size_t training_levels(const esr_training *t, int *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrules; i++) {
        int lv = t->rules[i].level, j = (int)n;
        if (lv <= 0)
            continue;
        while (j > 0 && out[j - 1] > lv) /* insertion: keep out sorted */
            j--;
        if ((j > 0 && out[j - 1] == lv) || n == cap)
            continue;
        memmove(out + j + 1, out + j, (n - (size_t)j) * sizeof *out);
        out[j] = lv;
        n++;
    }
    return n;
}

/* Rules from qualifications.csv and the status index; errors name file and line. */
static esr_status compile(esr_training *t, esr_err *err)
{
    const esr_table *q = t->m->t_quals, *s = t->m->t_statuses;
    int cp = table_col(q, "pattern"), ck = table_col(q, "kind"), cv = table_col(q, "value"),
        cl = table_col(q, "level");
    if (!(t->rules = calloc(q->nrows + 1, sizeof *t->rules)))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < q->nrows; i++) {
        rule *r = &t->rules[t->nrules++];
        words(table_get(q, i, cp), &t->norm);
        if (!(r->phrase = strdup(esr_buf_str(&t->norm))))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        if ((r->kind = training_kind_parse(table_get(q, i, ck))) < 0)
            return esr_err_set(err, ESR_ERR_MAPPING,
                               "%s:%llu: kind \"%s\" is not care_certificate, qualification or "
                               "apprenticeship",
                               q->path, (unsigned long long)q->rows[i].line, table_get(q, i, ck));
        r->value = table_get(q, i, cv);
        r->level = atoi(table_get(q, i, cl));
        if (r->kind == 2) {
            int j = 0;
            while (j < t->nstd && strcmp(t->rules[t->std_rule[j]].value, r->value))
                j++;
            if (j == MAX_STANDARDS)
                return esr_err_set(err, ESR_ERR_MAPPING,
                                   "%s: more than %d apprenticeship standards", q->path,
                                   MAX_STANDARDS);
            if (j == t->nstd)
                t->std_rule[t->nstd++] = (int)i;
            r->std = j;
        }
    }
    if (esr_strmap_new(&t->status))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    int cs = table_col(s, "status"), cm = table_col(s, "meaning");
    for (size_t i = 0; i < s->nrows; i++) {
        int v = training_meaning_parse(table_get(s, i, cm));
        if (v < 0)
            return esr_err_set(err, ESR_ERR_MAPPING,
                               "%s:%llu: meaning \"%s\" is not completed, in_progress or none",
                               s->path, (unsigned long long)s->rows[i].line, table_get(s, i, cm));
        text_key(table_get(s, i, cs), &t->key);
        if (esr_strmap_put(t->status, t->key.data, t->key.len, (size_t)v, NULL) < 0)
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    return ESR_OK;
}

/* An employee number compared by value when it is all digits: "0010123917"
 * and "10123917" are one person (Excel and some BI tools drop or add the
 * zeros); *n gets the key's length. */
static const char *emp_key(const char *emp, size_t *n)
{
    size_t len = strlen(emp), i = 0;
    while (i < len && emp[i] >= '0' && emp[i] <= '9')
        i++;
    if (i == len)
        while (len > 1 && *emp == '0')
            emp++, len--;
    *n = len;
    return emp;
}

/* Remember rejected row line (why: a static string); 0 or -1 on no memory. */
static int reject_row(esr_training *t, uint64_t line, const char *why)
{
    t->stats.rejected++;
    if (t->nrej >= ESR_TRAINING_REJECTS_KEPT)
        return 0;
    if (esr_grow(&t->rej, &t->rejcap, t->nrej + 1, sizeof *t->rej, 64))
        return -1;
    t->rej[t->nrej++] = (rejected_row){line, why};
    return 0;
}

/* The person with employee number emp, added if new; NULL on no memory. */
static person *person_get(esr_training *t, const char *emp)
{
    size_t i, n;
    emp = emp_key(emp, &n);
    if (esr_strmap_get(t->persons, emp, n, &i))
        return &t->pv[i];
    if (esr_grow(&t->pv, &t->pcap, t->np + 1, sizeof *t->pv, 1024))
        return NULL;
    if (esr_strmap_put(t->persons, emp, n, t->np, NULL) < 0)
        return NULL;
    t->pv[t->np] = (person){CC_NONE, 0, 0, 0, 0};
    return &t->pv[t->np++];
}

/* Count one more row for an unrecognised competence name; 0 or -1. */
static int unmatched_add(esr_training *t, const char *name)
{
    size_t i, n = strlen(name);
    if (esr_strmap_get(t->unmatched, name, n, &i)) {
        t->ucount[i]++;
        return 0;
    }
    size_t k = esr_strmap_count(t->unmatched);
    if (esr_grow(&t->ucount, &t->ucap, k + 1, sizeof *t->ucount, 64))
        return -1;
    if (esr_strmap_put(t->unmatched, name, n, k, NULL) < 0)
        return -1;
    t->ucount[k] = 1;
    return 0;
}

/* Row callback: bind the header, then match each competence and update its person. */
static int on_row(void *ctx, const esr_row *row)
{
    esr_training *t = ctx;
    if (!t->schema) {
        if (row->fault)
            return 1;
        t->st = schema_bind(t->m, row, t->name, ESR_SCHEMA_TRAINING, &t->schema, t->err);
        return t->st != ESR_OK;
    }
    if (!row->fault && row->nfields == 1 && text_blank(row->fields[0]))
        return 0;
    t->stats.rows++;
    esr_record r;
    memset(&r, 0, sizeof r);
    if (row->fault || row->nfields != t->schema->ncols) {
        if (reject_row(t, row->line,
                       "training_row_torn: competence row has a different number of fields from "
                       "its header"))
            goto nomem;
        return 0;
    }
    schema_fill(t->schema, row, &r);
    const char *emp = r.f[ESR_COL_EMPLOYEE_NUMBER], *name = r.f[ESR_COL_COMPETENCE_NAME];
    if (!*emp || !*name) {
        if (reject_row(t, row->line,
                       !*emp ? "training_no_employee: competence row without an employee number"
                             : "training_no_name: competence row without a competence name"))
            goto nomem;
        return 0;
    }
    /* no status column: an achievements export, every row achieved */
    size_t st = ST_COMPLETED;
    if (t->schema->pos[ESR_COL_COMPETENCE_STATUS] >= 0) {
        text_key(r.f[ESR_COL_COMPETENCE_STATUS], &t->key);
        if (!esr_strmap_get(t->status, t->key.data, t->key.len, &st))
            st = ST_NONE;
    }
    /* an export repeats a few hundred names over many rows: match each once */
    size_t v, len = strlen(name);
    const rule *hit = NULL;
    if (esr_strmap_get(t->by_name, name, len, &v)) {
        hit = v ? &t->rules[v - 1] : NULL;
    } else {
        words(name, &t->norm);
        for (size_t i = 0; i < t->nrules && !hit; i++)
            if (strstr(t->norm.data, t->rules[i].phrase))
                hit = &t->rules[i];
        if (esr_strmap_count(t->by_name) < NAME_CACHE_MAX &&
            esr_strmap_put(t->by_name, name, len, hit ? (size_t)(hit - t->rules) + 1 : 0, NULL) < 0)
            goto nomem;
    }
    if (!hit) {
        t->stats.unmatched++;
        if (unmatched_add(t, name))
            goto nomem;
        return 0;
    }
    t->stats.matched++;
    person *p = person_get(t, emp);
    if (!p)
        goto nomem;
    if (hit->kind == 0) {
        int c = st == ST_COMPLETED ? CC_COMPLETED : st == ST_IN_PROGRESS ? CC_IN_PROGRESS : CC_NONE;
        if (c > p->care)
            p->care = c;
    } else if (st == ST_COMPLETED) {
        if (hit->level > p->level)
            p->level = hit->level; /* a completed apprenticeship is a qualification */
        if (hit->kind == 2)
            p->done |= (uint64_t)1 << hit->std;
    } else if (st == ST_IN_PROGRESS && hit->kind == 2) {
        p->appr |= (uint64_t)1 << hit->std;
    }
    return 0;
nomem:
    t->st = esr_err_set(t->err, ESR_ERR_NOMEM, "out of memory");
    return 1;
}

typedef struct unmatched_name {
    const char *name;
    uint64_t count;
    size_t index;
} unmatched_name;

/* Unmatched names by count (most first), then name. */
static int by_count(const void *x, const void *y)
{
    const unmatched_name *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Read the competence export at path. */
esr_status training_load(const char *path, const esr_mappings *m, const esr_source_opts *src,
                         esr_training **out, esr_err *err)
{
    *out = NULL;
    esr_training *t = calloc(1, sizeof *t);
    esr_source *s = NULL;
    esr_csvreader *rd = NULL;
    esr_status st;
    if (!t)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    t->m = m;
    t->err = err;
    const char *slash = strrchr(path, '/');
    if (!(t->name = strdup(slash ? slash + 1 : path)) || esr_strmap_new(&t->persons) ||
        esr_strmap_new(&t->unmatched) || esr_strmap_new(&t->by_name)) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = compile(t, err)))
        goto fail;
    if ((st = source_open(path, src, &s, err)))
        goto fail;
    esr_csv_opts co;
    csvreader_opts_default(&co, source_info(s)->delim);
    co.max_field_lines = ESR_CSV_MAX_FIELD_LINES_DEFAULT; /* an export, not our own file */
    if (csvreader_new(&co, on_row, t, &rd)) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (;;) {
        const char *buf;
        size_t got;
        if ((st = source_next(s, &buf, &got, err)) || !got)
            break;
        if ((st = csvreader_feed(rd, buf, got, err)) || t->st)
            break;
    }
    if (!st && !t->st)
        st = csvreader_finish(rd, err);
    if (!st && t->st)
        st = t->st;
    if (!st && !t->schema)
        st = esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: no header row", path);
    if (st)
        goto fail;
    t->bytes = source_info(s)->bytes;
    if (!(t->sha256 = strdup(source_info(s)->sha256))) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    t->stats.persons = t->np;
    size_t nu = esr_strmap_count(t->unmatched);
    if (!(t->order = calloc(nu + 1, sizeof *t->order))) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    unmatched_name *un = calloc(nu + 1, sizeof *un);
    if (!un) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nu; i++)
        un[i] = (unmatched_name){esr_strmap_key(t->unmatched, i, NULL), t->ucount[i], i};
    qsort(un, nu, sizeof *un, by_count);
    for (size_t i = 0; i < nu; i++)
        t->order[i] = un[i].index;
    free(un);
    csvreader_free(rd);
    source_close(s);
    t->err = NULL;
    *out = t;
    return ESR_OK;
fail:
    csvreader_free(rd);
    source_close(s);
    training_free(t);
    return st;
}

/* Fill r's training fields from the person's record (by employee number). */
void training_join(const esr_training *t, esr_record *r)
{
    static const char *const care[] = {ESR_CARE_NOT_RECORDED, ESR_CARE_IN_PROGRESS,
                                       ESR_CARE_COMPLETED}; /* CC_* */
    size_t i;
    size_t n;
    const char *emp = emp_key(r->f[ESR_COL_EMPLOYEE_NUMBER], &n);
    r->care_certificate = care[CC_NONE];
    r->qualification_level = 0;
    r->apprenticeship = "";
    if (!n || !esr_strmap_get(t->persons, emp, n, &i))
        return;
    person *p = &t->pv[i]; /* t is const to callers; the joined mark is its own bookkeeping */
    if (r->scope == ESR_SCOPE_IN)
        p->joined = 1;
    r->care_certificate = care[p->care];
    r->qualification_level = p->level;
    /* the highest-level standard still in progress (not also completed);
     * equal levels: the first in qualifications.csv */
    uint64_t open = p->appr & ~p->done;
    const rule *best = NULL;
    for (int k = 0; k < t->nstd; k++)
        if (open >> k & 1 && (!best || t->rules[t->std_rule[k]].level > best->level))
            best = &t->rules[t->std_rule[k]];
    r->apprenticeship = best ? best->value : "";
}

/* People in the competence export joined to an in-scope staff row so far. */
uint64_t training_joined(const esr_training *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->np; i++)
        n += t->pv[i].joined != 0;
    return n;
}

/* Rejected competence row i (see training.h). */
size_t training_rejected(const esr_training *t, size_t i, uint64_t *line, const char **why)
{
    if (i < t->nrej) {
        *line = t->rej[i].line;
        *why = t->rej[i].why;
    }
    return t->nrej;
}

/* Counts for run.json and the Training sheet. */
const esr_training_stats *training_stats(const esr_training *t)
{
    return &t->stats;
}

/* Unmatched competence names, most frequent first. */
size_t training_unmatched(const esr_training *t, size_t i, const char **name, uint64_t *count)
{
    size_t n = esr_strmap_count(t->unmatched);
    if (i < n) {
        *name = esr_strmap_key(t->unmatched, t->order[i], NULL);
        *count = t->ucount[t->order[i]];
    }
    return n;
}

/* Input file name. */
const char *training_input_name(const esr_training *t)
{
    return t->name;
}

/* Input file SHA-256. */
const char *training_input_sha256(const esr_training *t)
{
    return t->sha256 ? t->sha256 : "";
}

/* Input file size as read. */
uint64_t training_input_bytes(const esr_training *t)
{
    return t->bytes;
}

/* Free everything. */
void training_free(esr_training *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrules; i++)
        free(t->rules[i].phrase);
    free(t->rules);
    esr_strmap_free(t->status);
    esr_strmap_free(t->persons);
    esr_strmap_free(t->unmatched);
    esr_strmap_free(t->by_name);
    free(t->pv);
    free(t->rej);
    free(t->ucount);
    free(t->order);
    schema_free(t->schema);
    esr_buf_free(&t->norm);
    esr_buf_free(&t->key);
    free(t->name);
    free(t->sha256);
    free(t);
}
