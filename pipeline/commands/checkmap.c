/* checkmap.c - mapping-table validation in classes of checks. */
#include "checkmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "mappings.h"
#include "record.h"
#include "strmap.h"
#include "table.h"
#include "text.h"
#include "title.h"
#include "training.h"

typedef struct checker {
    esr_buf *report;
    size_t errors;
    esr_table *t[ESR_MAPPING_TABLES];
} checker;

/* A check could not run for want of memory: say so and fail, never pass. */
static void no_memory(checker *c)
{
    esr_buf_puts(c->report, "check-mappings: out of memory: some checks could not run\n");
    c->errors++;
}

/* Report an error at row of t (the header for -1), fmt taking a and b; counts it. */
static void fail(checker *c, const esr_table *t, size_t row, const char *fmt, const char *a,
                 const char *b)
{
    esr_buf_printf(c->report, "%s:%llu: ", t->path,
                   row == (size_t)-1 ? 1ULL : (unsigned long long)t->rows[row].line);
    esr_buf_printf(c->report, fmt, a, b);
    esr_buf_putc(c->report, '\n');
    c->errors++;
}

/* The loaded table of file, or NULL. */
static esr_table *find(checker *c, const char *file)
{
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++)
        if (!strcmp(esr_mapping_tables[i].file, file))
            return c->t[i];
    return NULL;
}

/* Class 1: every table loads and has its columns. */
static void check_tables(checker *c, const char *dir)
{
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++) {
        esr_buf path = {0};
        esr_err err = {0};
        esr_buf_printf(&path, "%s/%s", dir, esr_mapping_tables[i].file);
        if (table_load(path.data, &c->t[i], &err)) {
            esr_buf_printf(c->report, "%s\n", err.msg);
            c->errors++;
        } else {
            for (size_t k = 0; esr_mapping_tables[i].cols[k]; k++)
                if (table_col(c->t[i], esr_mapping_tables[i].cols[k]) < 0)
                    fail(c, c->t[i], (size_t)-1, "required column \"%s\" missing%s",
                         esr_mapping_tables[i].cols[k], "");
        }
        esr_buf_free(&path);
    }
}

/* Class 2: unique keys; occupation codes well formed. */
static void check_keys(checker *c)
{
    esr_buf key = {0};
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++) {
        esr_table *t = c->t[i];
        int col = *esr_mapping_tables[i].key ? table_col(t, esr_mapping_tables[i].key) : -1;
        if (col < 0)
            continue;
        esr_strmap *seen;
        if (esr_strmap_new(&seen))
            no_memory(c);
        for (size_t r = 0; seen && r < t->nrows; r++) {
            const char *v = table_get(t, r, col);
            size_t first;
            if (!*v)
                fail(c, t, r, "empty %s%s", esr_mapping_tables[i].key, "");
            else if (esr_strmap_put(seen, v, strlen(v), r, &first) == 0)
                fail(c, t, r, "duplicate %s \"%s\"", esr_mapping_tables[i].key, v);
        }
        esr_strmap_free(seen);
    }
    esr_table *occ = find(c, "occupation_codes.csv");
    int cc = table_col(occ, "code"), cs = table_col(occ, "status");
    for (size_t r = 0; r < occ->nrows; r++) {
        const char *code = table_get(occ, r, cc);
        int ok = strlen(code) == 3;
        for (size_t k = 0; ok && k < 3; k++)
            ok = (code[k] >= 'A' && code[k] <= 'Z') || (code[k] >= '0' && code[k] <= '9');
        if (!ok || (code[0] >= '0' && code[0] <= '9'))
            fail(c, occ, r, "occupation code \"%s\" is not a letter then two letters or digits%s",
                 code, "");
        const char *st = table_get(occ, r, cs);
        if (strcmp(st, "valid") && strcmp(st, "retired"))
            fail(c, occ, r, "status \"%s\" is not valid or retired%s", st, "");
    }
    /* aliases: one header key must not name two columns */
    esr_table *cols = find(c, "columns.csv");
    int ca = table_col(cols, "alias"), cn = table_col(cols, "canonical");
    esr_strmap *seen;
    if (esr_strmap_new(&seen))
        no_memory(c);
    for (size_t r = 0; seen && r < cols->nrows; r++) {
        text_key(table_get(cols, r, ca), &key);
        size_t first;
        if (esr_strmap_put(seen, key.data, key.len, r, &first) == 0 &&
            strcmp(table_get(cols, first, cn), table_get(cols, r, cn)))
            fail(c, cols, r, "alias \"%s\" already names column %s", table_get(cols, r, ca),
                 table_get(cols, first, cn));
    }
    esr_strmap_free(seen);
    esr_buf_free(&key);
}

/* 1 if v is a value in column col of t, else 0. */
static int in_col(const esr_table *t, const char *col, const char *v)
{
    int c = table_col(t, col);
    for (size_t r = 0; r < t->nrows; r++)
        if (!strcmp(table_get(t, r, c), v))
            return 1;
    return 0;
}

/* Check each value of file:col is in vfile:vcol; empty (if allow_empty) and also are exempt. */
static void vocab(checker *c, const char *file, const char *col, const char *vfile,
                  const char *vcol, int allow_empty, const char *also)
{
    esr_table *t = find(c, file), *v = find(c, vfile);
    int k = table_col(t, col);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = table_get(t, r, k);
        if ((!*s && allow_empty) || (also && !strcmp(s, also)))
            continue;
        if (!in_col(v, vcol, s))
            fail(c, t, r, "\"%s\" is not in %s", s, vfile);
    }
}

/* Check each value of file:col is yes or no (or empty, if allow_empty). */
static void yes_no(checker *c, const char *file, const char *col, int allow_empty)
{
    esr_table *t = find(c, file);
    int k = table_col(t, col);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *v = table_get(t, r, k);
        if (strcmp(v, "yes") && (allow_empty ? *v != 0 : strcmp(v, "no") != 0))
            fail(c, t, r,
                 allow_empty ? "%s \"%s\" is not yes or empty" : "%s \"%s\" is not yes or no", col,
                 v);
    }
}

/* A title_terms.csv row's kind and value: profession and registered name a
 * profession; role and generic_role a support role; trainee an optional
 * role (a learner's); not_support an optional AfC band (1-9) it applies
 * from; senior the career framework level (1-9) it gives; band_word how it
 * introduces a band (title_band_word_mode), its phrase one word; ignore nothing. */
static void check_term(checker *c, esr_table *t, size_t r, const char *k, const char *v)
{
    int kind = title_term_kind(k);
    const char *what = NULL;
    if (kind < 0)
        what = "is not profession, role, generic_role, senior, trainee, not_support, registered, "
               "ignore or band_word";
    else if (!strcmp(k, "band_word"))
        what = title_band_word_mode(v) < 0 ? "is not empty, any or prefix" : NULL;
    else if (!strcmp(k, "profession") || !strcmp(k, "registered"))
        what = in_col(find(c, "professions.csv"), "profession", v) ? NULL : "names no profession";
    else if (!strcmp(k, "role") || !strcmp(k, "generic_role") || (!strcmp(k, "trainee") && *v))
        what = in_col(find(c, "support_roles.csv"), "support_role", v) ? NULL
                                                                       : "names no support role";
    else if (!strcmp(k, "not_support"))
        what = !*v || (v[0] >= '1' && v[0] <= '9' && !v[1]) ? NULL : "is not empty or a band 1-9";
    else if (!strcmp(k, "senior"))
        what = v[0] >= '1' && v[0] <= '9' && !v[1] ? NULL : "is not a level 1-9";
    else if (*v && strcmp(k, "trainee"))
        what = "takes no value";
    if (what) {
        esr_buf msg = {0};
        esr_buf_printf(&msg, "value \"%s\" is not in the vocabulary (%s)", v, what);
        fail(c, t, r, "kind \"%s\" %s", k, esr_buf_str(&msg));
        esr_buf_free(&msg);
    }
    const char *ph = table_get(t, r, table_col(t, "phrase"));
    if (kind >= 0 && !strcmp(k, "band_word") &&
        (!*ph || strspn(ph, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(ph)))
        fail(c, t, r, "band_word \"%s\" is not one lower-case word (letters, digits)%s", ph, "");
}

/* Class 3: every target is in its controlled vocabulary. */
static void check_vocab(checker *c)
{
    vocab(c, "occupation_codes.csv", "profession", "professions.csv", "profession", 0, NULL);
    vocab(c, "occupation_codes.csv", "support_role", "support_roles.csv", "support_role", 0, NULL);
    vocab(c, "job_titles.csv", "profession", "professions.csv", "profession", 1, NULL);
    vocab(c, "job_titles.csv", "support_role", "support_roles.csv", "support_role", 1, NULL);
    vocab(c, "standard_titles.csv", "support_role", "support_roles.csv", "support_role", 0, "*");
    vocab(c, "organisations.csv", "region", "regions.csv", "region", 0, NULL);
    vocab(c, "job_roles.csv", "staff_group", "staff_groups.csv", "staff_group", 0, NULL);
    vocab(c, "job_roles.csv", "profession", "professions.csv", "profession", 1, NULL);
    vocab(c, "job_roles.csv", "support_role", "support_roles.csv", "support_role", 1, NULL);
    esr_table *q = find(c, "qualifications.csv");
    int qk = table_col(q, "kind");
    for (size_t r = 0; r < q->nrows; r++) {
        const char *k = table_get(q, r, qk);
        if (training_kind_parse(k) < 0)
            fail(c, q, r, "kind \"%s\" is not care_certificate, qualification or apprenticeship%s",
                 k, "");
    }
    esr_table *cst = find(c, "competence_statuses.csv");
    int cm = table_col(cst, "meaning");
    for (size_t r = 0; r < cst->nrows; r++) {
        const char *k = table_get(cst, r, cm);
        if (training_meaning_parse(k) < 0)
            fail(c, cst, r, "meaning \"%s\" is not completed, in_progress or none%s", k, "");
    }
    esr_table *ast = find(c, "assignment_statuses.csv");
    int ac = table_col(ast, "counted"), ar = table_col(ast, "reason");
    for (size_t r = 0; r < ast->nrows; r++) {
        const char *k = table_get(ast, r, ac);
        if (strcmp(k, "yes") && strcmp(k, "no"))
            fail(c, ast, r, "counted \"%s\" is not yes or no%s", k, "");
        if (!*table_get(ast, r, ar))
            fail(c, ast, r, "status \"%s\" has no reason%s",
                 table_get(ast, r, table_col(ast, "status")), "");
    }
    vocab(c, "staff_groups.csv", "kind", "staff_group_kinds.csv", "kind", 0, NULL);
    yes_no(c, "staff_group_kinds.csv", "not_support", 0);
    esr_table *t = find(c, "title_terms.csv");
    int ck = table_col(t, "kind"), cv = table_col(t, "value");
    for (size_t r = 0; r < t->nrows; r++)
        check_term(c, t, r, table_get(t, r, ck), table_get(t, r, cv));
    t = find(c, "dq_rules.csv");
    int ci = table_col(t, "rule_id"), cs = table_col(t, "severity");
    for (size_t r = 0; r < t->nrows; r++) {
        if (rule_parse(table_get(t, r, ci)) < 0)
            fail(c, t, r, "rule \"%s\" is not a rule esrpipe checks%s", table_get(t, r, ci), "");
        const char *s = table_get(t, r, cs);
        if (rule_severity_parse(s) < 0)
            fail(c, t, r, "severity \"%s\" is not error, warning or info%s", s, "");
    }
    for (int id = 0; id < ESR_RULE_COUNT; id++)
        if (!in_col(t, "rule_id", rule_id(id)))
            fail(c, t, (size_t)-1, "rule \"%s\" has no row%s", rule_id(id), "");
}

/* The one row of file with default yes (the profession, or the role, of a
 * row nothing places); a default role must be out of scope. */
static void check_default(checker *c, const char *file)
{
    esr_table *t = find(c, file);
    int d = table_col(t, "default"), sc = table_col(t, "in_scope");
    size_t first = (size_t)-1;
    yes_no(c, file, "default", 1);
    for (size_t r = 0; r < t->nrows; r++) {
        if (strcmp(table_get(t, r, d), "yes"))
            continue;
        if (first != (size_t)-1)
            fail(c, t, r, "\"%s\" is a second default row (\"%s\" is the first)",
                 table_get(t, r, 0), table_get(t, first, 0));
        else
            first = r;
        if (sc >= 0 && strcmp(table_get(t, r, sc), "no"))
            fail(c, t, r, "default role \"%s\" must be in_scope no%s", table_get(t, r, 0), "");
    }
    if (first == (size_t)-1)
        fail(c, t, (size_t)-1, "no row with default yes (the one for rows nothing places)%s%s", "",
             "");
}

/* bands.csv career_framework_level: empty or 1-9, the same for every label
 * of a band as for its first. */
static void check_band_levels(checker *c)
{
    esr_table *t = find(c, "bands.csv");
    int cb = table_col(t, "band"), cl = table_col(t, "career_framework_level");
    for (size_t r = 0; r < t->nrows; r++) {
        const char *v = table_get(t, r, cl), *band = table_get(t, r, cb);
        if (*v && !(v[0] >= '1' && v[0] <= '9' && !v[1])) {
            fail(c, t, r, "career_framework_level \"%s\" is not empty or 1-9%s", v, "");
            continue;
        }
        size_t q = 0; /* the band's first label */
        while (q < r && strcmp(table_get(t, q, cb), band))
            q++;
        if (q < r && strcmp(table_get(t, q, cl), v))
            fail(c, t, r, "career_framework_level \"%s\" differs from the band's first label's, %s",
                 v, table_get(t, q, cl));
    }
}

/* Row r of out_of_scope_reasons.csv gives reason k code_pattern pat: medical
 * codes are none of occupation_codes.csv's (its non-medical codes);
 * technicians' are some of them, none of a support role in scope. */
static void check_pattern_codes(checker *c, esr_table *t, size_t r, int k, const char *pat)
{
    esr_table *occ = find(c, "occupation_codes.csv"), *roles = find(c, "support_roles.csv");
    int cc = table_col(occ, "code"), cr = table_col(occ, "support_role"),
        rn = table_col(roles, "support_role"), rs = table_col(roles, "in_scope");
    size_t hits = 0;
    for (size_t q = 0; q < occ->nrows; q++) {
        const char *code = table_get(occ, q, cc), *role = table_get(occ, q, cr);
        if (!mappings_code_match(pat, code))
            continue;
        hits++;
        if (k == ESR_OUT_MEDICAL) {
            fail(c, t, r,
                 "code_pattern \"%s\" of medical codes matches %s, a code of "
                 "occupation_codes.csv",
                 pat, code);
            return;
        }
        for (size_t x = 0; x < roles->nrows; x++)
            if (!strcmp(table_get(roles, x, rn), role) && !strcmp(table_get(roles, x, rs), "yes")) {
                fail(c, t, r,
                     "code_pattern \"%s\" of technicians matches %s, a support role's code", pat,
                     code);
                return;
            }
    }
    if (k == ESR_OUT_TECHNICIAN && !hits)
        fail(c, t, r, "code_pattern \"%s\" matches no code of occupation_codes.csv%s", pat, "");
}

/* out_of_scope_reasons.csv: every reason esrpipe gives, with a label no
 * other reason has (run.json and stage classify key on it); a code_pattern
 * on medical and technician only. */
static void check_reasons(checker *c)
{
    esr_table *t = find(c, "out_of_scope_reasons.csv");
    int cr = table_col(t, "reason"), cl = table_col(t, "label"), cp = table_col(t, "code_pattern");
    int seen[ESR_OUT_COUNT] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        const char *id = table_get(t, r, cr), *label = table_get(t, r, cl),
                   *pat = table_get(t, r, cp);
        int k = record_out_parse(id);
        if (k < 0) {
            fail(c, t, r, "reason \"%s\" is not one esrpipe gives%s", id, "");
            continue;
        }
        seen[k] = 1;
        if (!*label)
            fail(c, t, r, "reason \"%s\" has no label%s", id, "");
        for (size_t q = 0; *label && q < r; q++)
            if (!strcmp(table_get(t, q, cl), label))
                fail(c, t, r, "label \"%s\" is reason %s's too", label, table_get(t, q, cr));
        int wants = k == ESR_OUT_MEDICAL || k == ESR_OUT_TECHNICIAN;
        if (wants && !mappings_pattern_ok(pat))
            fail(c, t, r, "code_pattern \"%s\" is not three of A-Z, 0-9, # (a digit), ? (any)%s",
                 pat, "");
        else if (!wants && *pat)
            fail(c, t, r, "reason \"%s\" takes no code_pattern (\"%s\")", id, pat);
        else if (wants)
            check_pattern_codes(c, t, r, k, pat);
    }
    for (int k = 1; k < ESR_OUT_COUNT; k++)
        if (!seen[k])
            fail(c, t, (size_t)-1, "reason \"%s\" has no row%s", record_out_id(k), "");
}

/* 1 if text names number v: v appears with no digit or point next to it. */
static int names_number(const char *text, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = strstr(text, v); n && p; p = strstr(p + 1, v)) {
        int before = p > text && (strchr("0123456789.", p[-1]) != NULL);
        int after = p[n] && strchr("0123456789.", p[n]) != NULL;
        if (!before && !after)
            return 1;
    }
    return 0;
}

/* dq_limits.csv: a well-formed limit for each rule that takes one, the
 * number its dq_rules.csv message tells the reader. */
static void check_limits(checker *c)
{
    static const int limited[] = {ESR_RULE_FTE_HIGH, ESR_RULE_BAND_HIGH_SUPPORT};
    esr_table *t = find(c, "dq_limits.csv"), *rules = find(c, "dq_rules.csv");
    int ci = table_col(t, "rule_id"), cv = table_col(t, "limit");
    int ri = table_col(rules, "rule_id"), rm = table_col(rules, "message");
    for (size_t r = 0; r < t->nrows; r++) {
        const char *id = table_get(t, r, ci), *v = table_get(t, r, cv);
        int rule = rule_parse(id);
        long long n;
        int rc = rule < 0 ? -1 : mappings_limit_parse(rule, v, &n);
        if (rc == -1) {
            fail(c, t, r, "rule \"%s\" takes no limit%s", id, "");
            continue;
        }
        if (rc == -2) {
            fail(c, t, r, "limit \"%s\" of %s is not a number above 0 (a band: 1-9)", v, id);
            continue;
        }
        for (size_t q = 0; q < rules->nrows; q++)
            if (!strcmp(table_get(rules, q, ri), id) && !names_number(table_get(rules, q, rm), v))
                fail(c, t, r, "limit \"%s\" is not the number dq_rules.csv's message says (\"%s\")",
                     v, table_get(rules, q, rm));
    }
    for (size_t k = 0; k < sizeof limited / sizeof limited[0]; k++)
        if (!in_col(t, "rule_id", rule_id(limited[k])))
            fail(c, t, (size_t)-1, "rule \"%s\" has no limit%s", rule_id(limited[k]), "");
}

/* Class 3 (continued): the facts the classifier and the rules take as data. */
static void check_facts(checker *c)
{
    check_default(c, "professions.csv");
    check_default(c, "support_roles.csv");
    check_band_levels(c);
    check_reasons(c);
    check_limits(c);
}

/* Class 4: no title key normalising to two targets; no abbreviation cycle. */
static void check_normalised(checker *c, const char *dir)
{
    esr_mappings *m = NULL;
    esr_err err = {0};
    if (mappings_open(dir, &m, &err)) {
        esr_buf_printf(c->report, "%s\n", err.msg);
        c->errors++;
        return;
    }
    esr_titler *tl;
    if (title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &tl))
        no_memory(c);
    esr_buf norm = {0}, target = {0};
    const char *files[] = {"job_titles.csv", "title_terms.csv"};
    for (int f = 0; tl && f < 2; f++) {
        esr_table *t = find(c, files[f]);
        int cp = table_col(t, f ? "phrase" : "title");
        esr_strmap *seen;
        if (esr_strmap_new(&seen))
            no_memory(c);
        for (size_t r = 0; seen && r < t->nrows; r++) {
            if (f && !strcmp(table_get(t, r, table_col(t, "kind")), "band_word"))
                continue; /* dropped with the band before phrases are read */
            if (f)        /* phrases match in order; whole titles as keys */
                title_normalise(tl, table_get(t, r, cp), &norm);
            else
                title_key(tl, table_get(t, r, cp), &norm);
            esr_buf_reset(&target);
            for (size_t k = 1; k < t->ncols; k++)
                if (strcmp(t->header[k], "note"))
                    esr_buf_printf(&target, "%s|", t->rows[r].fields[k]);
            size_t first;
            if (!norm.len) {
                fail(c, t, r, "\"%s\" normalises to nothing%s", table_get(t, r, cp), "");
                continue;
            }
            if (esr_strmap_put(seen, norm.data, norm.len, r, &first) == 0) {
                esr_buf other = {0};
                for (size_t k = 1; k < t->ncols; k++)
                    if (strcmp(t->header[k], "note"))
                        esr_buf_printf(&other, "%s|", t->rows[first].fields[k]);
                if (strcmp(esr_buf_str(&other), esr_buf_str(&target)))
                    fail(c, t, r, "\"%s\" normalises like the row with \"%s\" but maps elsewhere",
                         table_get(t, r, cp), table_get(t, first, cp));
                esr_buf_free(&other);
            }
        }
        esr_strmap_free(seen);
    }
    /* abbreviation cycles: a -> ... -> a through expansions */
    esr_table *ab = find(c, "title_abbreviations.csv");
    int ca = table_col(ab, "abbreviation"), ce = table_col(ab, "expansion");
    for (size_t r = 0; r < ab->nrows; r++) {
        const char *start = table_get(ab, r, ca);
        const char *cur = table_get(ab, r, ce);
        for (size_t steps = 0; *cur && steps < ab->nrows; steps++) {
            size_t next = (size_t)-1;
            for (size_t q = 0; q < ab->nrows; q++)
                if (!strcmp(table_get(ab, q, ca), cur)) {
                    next = q;
                    break;
                }
            if (next == (size_t)-1)
                break;
            if (!strcmp(table_get(ab, next, ca), start) ||
                !strcmp(table_get(ab, next, ce), start)) {
                fail(c, ab, r, "abbreviation \"%s\" expands in a cycle through \"%s\"", start, cur);
                break;
            }
            cur = table_get(ab, next, ce);
        }
    }
    esr_buf_free(&norm);
    esr_buf_free(&target);
    title_free(tl);
    mappings_close(m);
}

#define VERSION_SUM "sha256 "

/* What dir/VERSION says: the version (line 1) and the tables checksum it
 * records (on line sum_line; 0 = none); the other lines as they are. */
typedef struct version_file {
    int exists;
    char version[64];
    char sum[65];
    int sum_line, nlines;
    esr_buf rest;
} version_file;

/* Read dir/VERSION into v (v->rest to be freed). */
static void version_read(const char *dir, version_file *v)
{
    esr_buf path = {0};
    char line[512];
    memset(v, 0, sizeof *v);
    esr_buf_printf(&path, "%s/VERSION", dir);
    FILE *fp = fopen(esr_buf_str(&path), "r");
    esr_buf_free(&path);
    if (!fp)
        return;
    v->exists = 1;
    while (fgets(line, sizeof line, fp)) {
        v->nlines++;
        text_trim(line);
        if (v->nlines == 1)
            snprintf(v->version, sizeof v->version, "%.63s", line);
        else if (!strncmp(line, VERSION_SUM, strlen(VERSION_SUM)) && !v->sum_line) {
            snprintf(v->sum, sizeof v->sum, "%.64s", line + strlen(VERSION_SUM));
            v->sum_line = v->nlines;
        } else
            esr_buf_printf(&v->rest, "%s\n", line);
    }
    fclose(fp);
}

/* Last class: VERSION records the checksum of the tables as they are. */
static void check_version(checker *c, const char *dir)
{
    version_file v;
    char sum[65];
    esr_err err = {0};
    version_read(dir, &v);
    if (mappings_sha256(dir, sum, &err)) {
        esr_buf_printf(c->report, "%s\n", err.msg);
        c->errors++;
    } else if (!v.exists || !v.sum_line || strcmp(v.sum, sum)) {
        esr_buf_printf(c->report, "%s/VERSION:%d: ", dir, v.sum_line ? v.sum_line : 1);
        if (!v.exists)
            esr_buf_printf(c->report, "missing: ");
        else if (!v.sum_line)
            esr_buf_printf(c->report, "no line \"" VERSION_SUM "HEX\" recording the tables: ");
        else
            esr_buf_printf(c->report,
                           "the tables changed but VERSION did not (it records checksum %.12s..., "
                           "the tables give %.12s...): ",
                           v.sum, sum);
        esr_buf_printf(c->report,
                       "bump it with `esrpipe check-mappings --bump %s`, then re-accept the golden "
                       "outputs (`cmake --build build --target accept-golden`)\n",
                       dir);
        c->errors++;
    }
    esr_buf_free(&v.rest);
}

/* The next version: the last number in v goes up by one ("" -> "1"). */
static void version_next(const char *v, char *out, size_t n)
{
    size_t len = strlen(v), end = len;
    while (end > 0 && (v[end - 1] < '0' || v[end - 1] > '9'))
        end--;
    size_t start = end;
    while (start > 0 && v[start - 1] >= '0' && v[start - 1] <= '9')
        start--;
    if (start == end) {
        snprintf(out, n, "%s%s1", v, len ? "." : "");
        return;
    }
    unsigned long long num = strtoull(v + start, NULL, 10) + 1;
    snprintf(out, n, "%.*s%llu%s", (int)start, v, num, v + end);
}

/* Bump dir/VERSION (see checkmap.h). */
esr_status checkmap_bump(const char *dir, char *from, char *to, size_t n, esr_err *err)
{
    version_file v;
    char sum[65];
    esr_buf path = {0}, tmp = {0};
    esr_status st = mappings_sha256(dir, sum, err);
    version_read(dir, &v);
    snprintf(from, n, "%s", v.version);
    snprintf(to, n, "%s", v.version);
    if (st || (v.sum_line && !strcmp(v.sum, sum)))
        goto done;
    version_next(v.version, to, n);
    esr_buf_printf(&path, "%s/VERSION", dir);
    esr_buf_printf(&tmp, "%s/.VERSION.tmp", dir);
    FILE *fp = fopen(esr_buf_str(&tmp), "w");
    if (!fp) {
        st = esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot write: %s", esr_buf_str(&tmp),
                         strerror(errno));
        goto done;
    }
    int bad = fprintf(fp, "%s\n" VERSION_SUM "%s\n%s", to, sum, esr_buf_str(&v.rest)) < 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(esr_buf_str(&tmp), esr_buf_str(&path))) {
        st = esr_err_set(err, ESR_ERR_IO, "%s: cannot write: %s", esr_buf_str(&path),
                         strerror(errno));
        remove(esr_buf_str(&tmp));
    }
done:
    esr_buf_free(&v.rest);
    esr_buf_free(&path);
    esr_buf_free(&tmp);
    return st;
}

/* 1 if every ';'-separated part of list is in column col of t ("" passes). */
static int all_in_col(const esr_table *t, const char *col, const char *list, esr_buf *part)
{
    while (*list) {
        size_t n = strcspn(list, ";");
        esr_buf_reset(part);
        esr_buf_append(part, list, n);
        if (!in_col(t, col, esr_buf_str(part)))
            return 0;
        list += n + (list[n] == ';');
    }
    return 1;
}

/* Class 5: the national tables: staff-group kinds, a care setting for every
 * code, and national_tables.csv naming dimensions and vocabulary esrpipe has. */
static void check_national(checker *c)
{
    vocab(c, "occupation_codes.csv", "nhsd_staff_group", "nhsd_staff_groups.csv",
          "nhsd_staff_group", 0, NULL);
    esr_table *g = find(c, "nhsd_staff_groups.csv"), *occ = find(c, "occupation_codes.csv"),
              *cs = find(c, "care_settings.csv"), *nt = find(c, "national_tables.csv");
    for (size_t r = 0; r < g->nrows; r++) {
        const char *k = table_get(g, r, table_col(g, "kind"));
        if (strcmp(k, "registered") && strcmp(k, "support") && strcmp(k, "infrastructure") &&
            strcmp(k, "other"))
            fail(c, g, r, "kind \"%s\" is not registered, support, infrastructure or other%s", k,
                 "");
    }
    int om = table_col(occ, "matrix"), os = table_col(occ, "specialty");
    for (size_t r = 0; r < occ->nrows; r++) {
        size_t k = 0;
        while (k < cs->nrows &&
               (strcmp(table_get(cs, k, table_col(cs, "matrix")), table_get(occ, r, om)) ||
                strcmp(table_get(cs, k, table_col(cs, "specialty")), table_get(occ, r, os))))
            k++;
        if (k == cs->nrows)
            fail(c, occ, r, "specialty \"%s\" of matrix %s has no row in care_settings.csv",
                 table_get(occ, r, os), table_get(occ, r, om));
    }
    esr_buf part = {0};
    size_t sources = 0;
    for (size_t r = 0; r < nt->nrows; r++) {
        const char *v;
        if (!strcmp(table_get(nt, r, table_col(nt, "table")), "source")) {
            sources++;
            continue;
        }
        for (const char *d = table_get(nt, r, table_col(nt, "dimension")); *d;) {
            size_t n = strcspn(d, "+");
            esr_buf_reset(&part);
            esr_buf_append(&part, d, n);
            if (aggregate_dim_parse(esr_buf_str(&part)) < 0)
                fail(c, nt, r, "dimension \"%s\" is not a summary.csv dimension%s",
                     esr_buf_str(&part), "");
            d += n + (d[n] == '+');
        }
        if (!all_in_col(find(c, "professions.csv"), "profession",
                        v = table_get(nt, r, table_col(nt, "profession")), &part))
            fail(c, nt, r, "profession \"%s\" is not in professions.csv (list: ';')%s", v, "");
        if (!all_in_col(find(c, "support_roles.csv"), "support_role",
                        v = table_get(nt, r, table_col(nt, "support_role")), &part))
            fail(c, nt, r, "support role \"%s\" is not in support_roles.csv%s", v, "");
        if (*(v = table_get(nt, r, table_col(nt, "region"))) &&
            !in_col(find(c, "regions.csv"), "region", v))
            fail(c, nt, r, "region \"%s\" is not in regions.csv%s", v, "");
        v = table_get(nt, r, table_col(nt, "fte"));
        if (!*v || strspn(v, "0123456789.") != strlen(v))
            fail(c, nt, r, "fte \"%s\" is not a number%s", v, "");
        v = table_get(nt, r, table_col(nt, "layout"));
        if (strcmp(v, "list") && strcmp(v, "matrix"))
            fail(c, nt, r, "layout \"%s\" is not list or matrix%s", v, "");
        v = table_get(nt, r, table_col(nt, "baseline"));
        if (strlen(v) != 7 || v[4] != '-' || strspn(v, "0123456789-") != 7)
            fail(c, nt, r, "baseline \"%s\" is not YYYY-MM%s", v, "");
        const char *dim = table_get(nt, r, table_col(nt, "dimension")),
                   *key = table_get(nt, r, table_col(nt, "key"));
        if (!strcmp(dim, "care_setting") && !in_col(cs, "care_setting", key))
            fail(c, nt, r, "care setting \"%s\" is not in care_settings.csv%s", key, "");
        if (!strcmp(dim, "area_of_work") &&
            !in_col(find(c, "areas_of_work.csv"), "area_of_work", key))
            fail(c, nt, r, "area of work \"%s\" is not in areas_of_work.csv%s", key, "");
    }
    if (sources != 1)
        fail(c, nt, (size_t)-1, "needs exactly one row with table \"source\" naming the source%s%s",
             "", "");
    esr_buf_free(&part);
}

/* Check dir (see checkmap.h). */
esr_status checkmap_run(const char *dir, esr_buf *report, size_t *nerrors)
{
    esr_status st = checkmap_tables(dir, report, nerrors);
    if (st)
        return st;
    checker c = {report, 0, {0}};
    check_version(&c, dir);
    *nerrors = c.errors;
    return c.errors ? ESR_ERR_MAPPING : ESR_OK;
}

/* The classes but VERSION (see checkmap.h). */
esr_status checkmap_tables(const char *dir, esr_buf *report, size_t *nerrors)
{
    checker c = {report, 0, {0}};
    check_tables(&c, dir);
    if (!c.errors)
        check_keys(&c);
    if (!c.errors) {
        check_vocab(&c);
        check_facts(&c);
    }
    if (!c.errors)
        check_normalised(&c, dir);
    if (!c.errors)
        check_national(&c);
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++)
        table_free(c.t[i]);
    *nerrors = c.errors;
    return c.errors ? ESR_ERR_MAPPING : ESR_OK;
}
