/* mappings.c - load and index the tables in mappings/. */
#include "mappings.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

/* Every table: mappings_open loads them, hashes them in this (file-name)
 * order and check-mappings checks them, from this one list. */
#define SLOT(t) offsetof(esr_mappings, t)
const esr_table_spec esr_mapping_tables[ESR_MAPPING_TABLES] = {
    {"areas_of_work.csv", {"area_of_work"}, "area_of_work", SLOT(t_areas)},
    {"assignment_statuses.csv", {"status", "counted", "reason"}, "status", SLOT(t_asg_statuses)},
    {"bands.csv", {"label", "band", "afc_rank", "career_framework_level"}, "label", SLOT(t_bands)},
    {"care_settings.csv", {"matrix", "specialty", "care_setting"}, "", SLOT(t_care_settings)},
    {"columns.csv", {"canonical", "kind", "alias"}, "", SLOT(t_columns)},
    {"competence_statuses.csv", {"status", "meaning"}, "status", SLOT(t_statuses)},
    {"dq_limits.csv", {"rule_id", "limit"}, "rule_id", SLOT(t_limits)},
    {"dq_rules.csv", {"rule_id", "severity", "field", "message"}, "rule_id", SLOT(t_rules)},
    {"job_roles.csv",
     {"job_role", "staff_group", "profession", "support_role"},
     "job_role",
     SLOT(t_job_roles)},
    {"job_titles.csv", {"title", "profession", "support_role", "trainee"}, "title", SLOT(t_jobs)},
    {"national_tables.csv",
     {"table", "row", "column", "dimension", "profession", "support_role", "key", "region", "fte",
      "baseline", "layout"},
     "",
     SLOT(t_national)},
    {"nhsd_staff_groups.csv",
     {"nhsd_staff_group", "kind"},
     "nhsd_staff_group",
     SLOT(t_nhsd_groups)},
    {"occupation_codes.csv",
     {"code", "description", "occupation_level", "specialty", "status", "nhsd_staff_group",
      "nhsd_detailed_group", "profession", "profession_specific", "support_role"},
     "code",
     SLOT(t_occ)},
    {"organisations.csv", {"ods_code", "name", "region"}, "ods_code", SLOT(t_orgs)},
    {"out_of_scope_reasons.csv",
     {"reason", "label", "code_pattern"},
     "reason",
     SLOT(t_out_reasons)},
    {"professions.csv",
     {"profession", "is_ahp", "title_name", "miscoded_as", "default"},
     "profession",
     SLOT(t_prof)},
    {"qualifications.csv", {"pattern", "kind", "value", "level"}, "pattern", SLOT(t_quals)},
    {"regions.csv", {"region"}, "region", SLOT(t_regions)},
    {"staff_group_kinds.csv", {"kind", "not_support"}, "kind", SLOT(t_sg_kinds)},
    {"staff_groups.csv", {"staff_group", "kind"}, "staff_group", SLOT(t_staff_groups)},
    {"standard_titles.csv",
     {"support_role", "level", "trainee", "standard_title"},
     "",
     SLOT(t_std)},
    {"support_roles.csv",
     {"support_role", "career_framework_level", "expected_band", "band_rule", "trainee_role",
      "in_scope", "default"},
     "support_role",
     SLOT(t_roles)},
    {"title_abbreviations.csv", {"abbreviation", "expansion"}, "abbreviation", SLOT(t_abbrev)},
    {"title_terms.csv", {"phrase", "kind", "value"}, "phrase", SLOT(t_terms)},
};

/* Load table name from the mappings directory and check its columns. */
static esr_status load(esr_mappings *m, const char *name, const char *const *cols, esr_table **out,
                       esr_err *err)
{
    esr_buf path = {0};
    if (esr_buf_printf(&path, "%s/%s", m->dir, name))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    esr_status st = table_load(path.data, out, err);
    if (!st)
        st = table_require(*out, cols, err);
    esr_buf_free(&path);
    return st;
}

/* Set err to a mapping error at row r of t, fmt taking what; returns ESR_ERR_MAPPING. */
static esr_status bad(esr_err *err, const esr_table *t, size_t r, const char *fmt, const char *what)
{
    esr_buf b = {0};
    esr_buf_printf(&b, fmt, what);
    esr_err_set(err, ESR_ERR_MAPPING, "%s:%llu: %s", t->path, (unsigned long long)t->rows[r].line,
                esr_buf_str(&b));
    esr_buf_free(&b);
    return ESR_ERR_MAPPING;
}

/* SHA-256 over every table's name and bytes in dir (see mappings.h). */
esr_status mappings_sha256(const char *dir, char out[65], esr_err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    esr_status st = ESR_OK;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        st = esr_err_set(err, ESR_ERR_INTERNAL, "SHA-256 unavailable");
        goto done;
    }
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++) {
        const char *f = esr_mapping_tables[i].file;
        esr_buf path = {0};
        esr_buf_printf(&path, "%s/%s", dir, f);
        FILE *fp = NULL;
        st = table_fopen(esr_buf_str(&path), &fp, err);
        esr_buf_free(&path);
        if (st && errno == ENOENT) /* a missing table is reported when it is loaded */
            st = ESR_OK;
        if (st)
            goto done;
        if (!fp)
            continue;
        EVP_DigestUpdate(ctx, f, strlen(f) + 1);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            EVP_DigestUpdate(ctx, buf, n);
        fclose(fp);
    }
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    text_hex(md, len, out);
done:
    EVP_MD_CTX_free(ctx);
    return st;
}

/* SHA-256 over every table's name and bytes into m->sha256. */
static esr_status hash_tables(esr_mappings *m, esr_err *err)
{
    return mappings_sha256(m->dir, m->sha256, err);
}

/* The first line of VERSION into m->version, else "unversioned". */
static void read_version(esr_mappings *m)
{
    esr_buf path = {0};
    esr_buf_printf(&path, "%s/VERSION", m->dir);
    FILE *fp = NULL;
    esr_err ignored = {0}; /* a VERSION that is missing or not a file: "unversioned" */
    table_fopen(esr_buf_str(&path), &fp, &ignored);
    esr_buf_free(&path);
    strcpy(m->version, "unversioned");
    if (!fp)
        return;
    if (fgets(m->version, sizeof m->version, fp))
        text_trim(m->version);
    fclose(fp);
}

/* Parse a level "N" or "N-M" (empty gives 0) into lo and hi; 0 or -1. */
static int parse_level(const char *s, int *lo, int *hi)
{
    *lo = *hi = 0;
    if (!*s)
        return 0;
    if (sscanf(s, "%d-%d", lo, hi) == 2)
        return 0;
    if (sscanf(s, "%d", lo) == 1) {
        *hi = *lo;
        return 0;
    }
    return -1;
}

/* Note row i of t as the table's default row (column default "yes"; the
 * first column names it) in *at (-1 before); any other value but empty, or
 * a second default, is an error. */
static esr_status take_default(const esr_table *t, size_t i, int *at, esr_err *err)
{
    const char *d = table_get(t, i, table_col(t, "default"));
    if (*d && strcmp(d, "yes"))
        return bad(err, t, i, "default \"%s\" is not yes or empty", d);
    if (*d && *at >= 0)
        return bad(err, t, i, "\"%s\" is a second default row (one only)", table_get(t, i, 0));
    if (*d)
        *at = (int)i;
    return ESR_OK;
}

/* Index professions by name; the default one (of rows nothing places). */
static esr_status index_professions(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_prof;
    int c_name = table_col(t, "profession"), c_ahp = table_col(t, "is_ahp"),
        c_tn = table_col(t, "title_name"), c_mis = table_col(t, "miscoded_as");
    esr_status st;
    m->nprof = t->nrows;
    m->prof = calloc(t->nrows ? t->nrows : 1, sizeof *m->prof);
    m->prof_unknown = -1;
    if (!m->prof || esr_strmap_new(&m->prof_by_name))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        const char *n = table_get(t, i, c_name);
        m->prof[i] =
            (esr_profession){n, table_get(t, i, c_tn), !strcmp(table_get(t, i, c_ahp), "yes"), -1};
        if (esr_strmap_put(m->prof_by_name, n, strlen(n), i, NULL) != 1)
            return bad(err, t, i, "duplicate profession \"%s\"", n);
        if ((st = take_default(t, i, &m->prof_unknown, err)))
            return st;
    }
    if (m->prof_unknown < 0)
        return esr_err_set(err, ESR_ERR_MAPPING,
                           "%s: no profession with default yes (for rows nothing places)", t->path);
    for (size_t i = 0; i < t->nrows; i++) {
        const char *mis = table_get(t, i, c_mis);
        size_t k;
        if (!*mis)
            continue;
        if (!esr_strmap_get(m->prof_by_name, mis, strlen(mis), &k) || k == i)
            return bad(err, t, i, "miscoded_as \"%s\" is not another profession", mis);
        m->prof[i].miscoded_as = (int)k;
    }
    return ESR_OK;
}

/* Index support roles by name; the default one (out of scope: the role of
 * a row no code or title places); trainee roles. */
static esr_status index_roles(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_roles;
    int c_name = table_col(t, "support_role"), c_lvl = table_col(t, "career_framework_level");
    esr_status st;
    m->nroles = t->nrows;
    m->roles = calloc(t->nrows ? t->nrows : 1, sizeof *m->roles);
    m->role_none = -1;
    if (!m->roles || esr_strmap_new(&m->role_by_name))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        const char *n = table_get(t, i, c_name);
        esr_role *r = &m->roles[i];
        r->name = n;
        if (parse_level(table_get(t, i, c_lvl), &r->level_lo, &r->level_hi))
            return bad(err, t, i, "career_framework_level \"%s\" is not N or N-M",
                       table_get(t, i, c_lvl));
        const char *scope = table_get(t, i, table_col(t, "in_scope"));
        if (strcmp(scope, "yes") && strcmp(scope, "no"))
            return bad(err, t, i, "in_scope \"%s\" is not yes or no", scope);
        r->in_scope = !strcmp(scope, "yes");
        r->expected_band = atoi(table_get(t, i, table_col(t, "expected_band")));
        const char *br = table_get(t, i, table_col(t, "band_rule"));
        r->band_rule = *br ? rule_parse(br) : -1;
        if (*br && r->band_rule < 0)
            return bad(err, t, i, "band_rule \"%s\" is not a rule id", br);
        if ((st = take_default(t, i, &m->role_none, err)))
            return st;
        if (m->role_none == (int)i && r->in_scope)
            return bad(err, t, i, "default role \"%s\" must be in_scope no", n);
        if (esr_strmap_put(m->role_by_name, n, strlen(n), i, NULL) != 1)
            return bad(err, t, i, "duplicate support role \"%s\"", n);
    }
    if (m->role_none < 0)
        return esr_err_set(err, ESR_ERR_MAPPING,
                           "%s: no support role with default yes (for rows no code or title "
                           "places)",
                           t->path);
    for (size_t i = 0; i < t->nrows; i++) {
        const char *tr = table_get(t, i, table_col(t, "trainee_role"));
        size_t v;
        m->roles[i].trainee_role = -1;
        if (*tr && !esr_strmap_get(m->role_by_name, tr, strlen(tr), &v))
            return bad(err, t, i, "trainee_role \"%s\" is not a support role", tr);
        if (*tr)
            m->roles[i].trainee_role = (int)v;
    }
    return ESR_OK;
}

/* Index occupation codes, checking status, profession and support role. */
static esr_status index_occ(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_occ;
    int c_code = table_col(t, "code"), c_desc = table_col(t, "description"),
        c_lvl = table_col(t, "occupation_level"), c_spec = table_col(t, "specialty"),
        c_status = table_col(t, "status"), c_sg = table_col(t, "nhsd_staff_group"),
        c_prof = table_col(t, "profession"), c_specific = table_col(t, "profession_specific"),
        c_role = table_col(t, "support_role");
    m->nocc = t->nrows;
    m->occ = calloc(t->nrows ? t->nrows : 1, sizeof *m->occ);
    if (!m->occ || esr_strmap_new(&m->occ_by_code))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        esr_occ *o = &m->occ[i];
        const char *code = table_get(t, i, c_code);
        if (strlen(code) != 3)
            return bad(err, t, i, "occupation code \"%s\" is not 3 characters", code);
        memcpy(o->code, code, 4);
        o->description = table_get(t, i, c_desc);
        o->occupation_level = table_get(t, i, c_lvl);
        o->specialty = table_get(t, i, c_spec);
        o->staff_group = table_get(t, i, c_sg);
        o->detailed_group = table_get(t, i, table_col(t, "nhsd_detailed_group"));
        const char *status = table_get(t, i, c_status);
        if (strcmp(status, "valid") && strcmp(status, "retired"))
            return bad(err, t, i, "status \"%s\" is not valid/retired", status);
        o->retired = !strcmp(status, "retired");
        o->profession_specific = !strcmp(table_get(t, i, c_specific), "yes");
        o->line = t->rows[i].line;
        size_t v;
        const char *p = table_get(t, i, c_prof);
        if (!esr_strmap_get(m->prof_by_name, p, strlen(p), &v))
            return bad(err, t, i, "profession \"%s\" is not in professions.csv", p);
        o->profession = (int)v;
        const char *r = table_get(t, i, c_role);
        if (!esr_strmap_get(m->role_by_name, r, strlen(r), &v))
            return bad(err, t, i, "support role \"%s\" is not in support_roles.csv", r);
        o->role = (int)v;
        if (esr_strmap_put(m->occ_by_code, code, 3, i, NULL) != 1)
            return bad(err, t, i, "duplicate occupation code \"%s\"", code);
    }
    return ESR_OK;
}

/* Each code's care setting (care_settings.csv by matrix and specialty) and
 * whether its NHS Digital staff group is registered or support staff
 * (nhsd_staff_groups.csv kind); a code neither table places is an error. */
static esr_status index_national(esr_mappings *m, esr_err *err)
{
    esr_table *cs = m->t_care_settings, *g = m->t_nhsd_groups, *t = m->t_occ;
    int c_m = table_col(cs, "matrix"), c_s = table_col(cs, "specialty"),
        c_cs = table_col(cs, "care_setting"), c_g = table_col(g, "nhsd_staff_group"),
        c_k = table_col(g, "kind"), c_mx = table_col(t, "matrix");
    for (size_t i = 0; i < m->nocc; i++) {
        esr_occ *o = &m->occ[i];
        const char *mx = c_mx >= 0 ? table_get(t, i, c_mx) : "";
        char mat[2] = {o->code[0], 0};
        o->care_setting = NULL;
        for (size_t k = 0; k < cs->nrows && !o->care_setting; k++)
            if (!strcmp(table_get(cs, k, c_m), *mx ? mx : mat) &&
                !strcmp(table_get(cs, k, c_s), o->specialty))
                o->care_setting = table_get(cs, k, c_cs);
        if (!o->care_setting)
            return bad(err, t, i, "no row of care_settings.csv for specialty \"%s\"", o->specialty);
        const char *kind = NULL;
        for (size_t k = 0; k < g->nrows && !kind; k++)
            if (!strcmp(table_get(g, k, c_g), o->staff_group))
                kind = table_get(g, k, c_k);
        if (!kind)
            return bad(err, t, i, "staff group \"%s\" is not in nhsd_staff_groups.csv",
                       o->staff_group);
        o->registered = !strcmp(kind, "registered");
        o->support_group = !strcmp(kind, "support");
    }
    return ESR_OK;
}

/* A bands.csv career_framework_level: empty (none) gives 0, else 1-9; -1 if neither. */
static int band_level(const char *s)
{
    if (!*s)
        return 0;
    return s[0] >= '1' && s[0] <= '9' && !s[1] ? s[0] - '0' : -1;
}

/* Index bands: distinct bands in table order, every label (and the band's
 * own name) by key; a label naming two bands, or a band's labels giving two
 * levels, is an error. */
static esr_status index_bands(esr_mappings *m, esr_err *err)
{
    esr_buf key = {0};
    esr_status st = ESR_OK;
    esr_table *t = m->t_bands;
    int c_label = table_col(t, "label"), c_band = table_col(t, "band"),
        c_rank = table_col(t, "afc_rank"), c_lvl = table_col(t, "career_framework_level");
    m->bands = calloc(t->nrows ? t->nrows : 1, sizeof *m->bands);
    esr_strmap *band_names;
    esr_strmap_new(&band_names); /* NULL on no memory: checked next */
    if (!m->bands || !band_names || esr_strmap_new(&m->band_by_key)) {
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; !st && i < t->nrows; i++) {
        const char *name = table_get(t, i, c_band), *lvl = table_get(t, i, c_lvl);
        size_t idx = m->nbands, existing;
        int level = band_level(lvl);
        if (level < 0) {
            st = bad(err, t, i, "career_framework_level \"%s\" is not empty or 1-9", lvl);
            break;
        }
        if (esr_strmap_put(band_names, name, strlen(name), idx, &existing) == 1)
            m->bands[m->nbands++] = (esr_band){name, atoi(table_get(t, i, c_rank)), level};
        else if (m->bands[idx = existing].level != level) {
            st = bad(err, t, i,
                     "career_framework_level \"%s\" differs from another label's "
                     "for the same band",
                     lvl);
            break;
        }
        text_key(table_get(t, i, c_label), &key);
        if (esr_strmap_put(m->band_by_key, key.data, key.len, idx, &existing) == 0 &&
            existing != idx) {
            st = bad(err, t, i, "label \"%s\" maps to two different bands",
                     table_get(t, i, c_label));
            break;
        }
        text_key(name, &key); /* the canonical name always matches itself */
        esr_strmap_put(m->band_by_key, key.data, key.len, idx, NULL);
    }
done:
    if (esr_buf_status(&key) || (band_names && esr_strmap_status(band_names)))
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory indexing the tables");
    esr_strmap_free(band_names);
    esr_buf_free(&key);
    return st;
}

/* Index areas of work by key; two that normalise alike are an error. */
static esr_status index_areas(esr_mappings *m, esr_err *err)
{
    esr_buf key = {0};
    esr_status st = ESR_OK;
    esr_table *t = m->t_areas;
    int c_area = table_col(t, "area_of_work");
    m->nareas = t->nrows;
    m->areas = calloc(t->nrows ? t->nrows : 1, sizeof *m->areas);
    if (!m->areas || esr_strmap_new(&m->area_by_key))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < t->nrows; i++) {
        m->areas[i] = table_get(t, i, c_area);
        text_key(m->areas[i], &key);
        if (esr_strmap_put(m->area_by_key, key.data, key.len, i, NULL) != 1)
            st = bad(err, t, i, "area of work \"%s\" duplicates another after normalising",
                     m->areas[i]);
    }
    if (esr_buf_status(&key)) /* a key cut short by memory: the index is wrong */
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory indexing the tables");
    esr_buf_free(&key);
    return st;
}

/* Index column aliases by key; an alias naming two columns is an error. */
static esr_status index_columns(esr_mappings *m, esr_err *err)
{
    esr_buf key = {0};
    esr_status st = ESR_OK;
    esr_table *t = m->t_columns;
    int c_alias = table_col(t, "alias"), c_canon = table_col(t, "canonical");
    if (esr_strmap_new(&m->col_by_key))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < t->nrows; i++) {
        text_key(table_get(t, i, c_alias), &key);
        size_t existing;
        if (esr_strmap_put(m->col_by_key, key.data, key.len, i, &existing) == 0 &&
            strcmp(table_get(t, existing, c_canon), table_get(t, i, c_canon)))
            st = bad(err, t, i, "alias \"%s\" already names another column",
                     table_get(t, i, c_alias));
    }
    if (esr_buf_status(&key)) /* a key cut short by memory: the index is wrong */
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory indexing the tables");
    esr_buf_free(&key);
    return st;
}

/* Index organisations by ODS code; a duplicate is an error. */
static esr_status index_orgs(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_orgs;
    int c_ods = table_col(t, "ods_code");
    if (esr_strmap_new(&m->org_by_code))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        const char *c = table_get(t, i, c_ods);
        if (esr_strmap_put(m->org_by_code, c, strlen(c), i, NULL) != 1)
            return bad(err, t, i, "duplicate ODS code \"%s\"", c);
    }
    return ESR_OK;
}

/* Each rule's severity, field and message; every rule esrpipe checks has a row. */
static esr_status index_rules(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_rules;
    int c_id = table_col(t, "rule_id"), c_sev = table_col(t, "severity"),
        c_field = table_col(t, "field"), c_msg = table_col(t, "message");
    int seen[ESR_RULE_COUNT] = {0};
    for (size_t i = 0; i < t->nrows; i++) {
        int r = rule_parse(table_get(t, i, c_id));
        if (r < 0)
            return bad(err, t, i, "unknown rule id \"%s\"", table_get(t, i, c_id));
        const char *sev = table_get(t, i, c_sev);
        int s = rule_severity_parse(sev);
        if (s < 0)
            return bad(err, t, i, "severity \"%s\" is not error/warning/info", sev);
        m->rules[r] =
            (esr_rule_info){(esr_severity)s, table_get(t, i, c_field), table_get(t, i, c_msg)};
        seen[r] = 1;
    }
    for (int r = 0; r < ESR_RULE_COUNT; r++)
        if (!seen[r])
            return esr_err_set(err, ESR_ERR_MAPPING, "%s: rule \"%s\" missing", t->path,
                               rule_id(r));
    return ESR_OK;
}

/* 1 if pattern is a code_pattern (see mappings.h). */
int mappings_pattern_ok(const char *pattern)
{
    size_t n = 0;
    for (; pattern[n]; n++) {
        char ch = pattern[n];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '#' || ch == '?'))
            return 0;
    }
    return n == 3;
}

/* 1 if code matches pattern (see mappings.h). */
int mappings_code_match(const char *pattern, const char *code)
{
    if (!*pattern)
        return 0;
    for (size_t i = 0; i < 3; i++) {
        char p = pattern[i], ch = code[i];
        if (!ch || !(p == '?' || (p == '#' ? ch >= '0' && ch <= '9' : p == ch)))
            return 0;
    }
    return !code[3];
}

/* Out-of-scope reasons: a label for each, unique (run.json keys on it); a
 * code_pattern for medical and technician only. */
static esr_status index_out_reasons(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_out_reasons;
    int c_r = table_col(t, "reason"), c_l = table_col(t, "label"),
        c_p = table_col(t, "code_pattern");
    m->out_label[ESR_OUT_NONE] = m->out_pattern[ESR_OUT_NONE] = "";
    for (size_t i = 0; i < t->nrows; i++) {
        const char *id = table_get(t, i, c_r), *label = table_get(t, i, c_l),
                   *pat = table_get(t, i, c_p);
        int r = record_out_parse(id);
        if (r < 0)
            return bad(err, t, i, "reason \"%s\" is not one esrpipe gives", id);
        if (m->out_label[r])
            return bad(err, t, i, "reason \"%s\" is listed twice", id);
        if (!*label)
            return bad(err, t, i, "reason \"%s\" has no label", id);
        for (int k = 0; k < ESR_OUT_COUNT; k++)
            if (m->out_label[k] && !strcmp(m->out_label[k], label))
                return bad(err, t, i, "label \"%s\" names another reason too", label);
        if (r == ESR_OUT_MEDICAL || r == ESR_OUT_TECHNICIAN ? !mappings_pattern_ok(pat) : !!*pat)
            return bad(err, t, i,
                       "code_pattern \"%s\": medical and technician need three of A-Z, 0-9, # "
                       "(a digit), ? (any); other reasons none",
                       pat);
        m->out_label[r] = label;
        m->out_pattern[r] = pat;
    }
    for (int r = 1; r < ESR_OUT_COUNT; r++)
        if (!m->out_label[r])
            return esr_err_set(err, ESR_ERR_MAPPING, "%s: reason \"%s\" missing", t->path,
                               record_out_id(r));
    return ESR_OK;
}

/* Parse a dq_limits.csv limit (see mappings.h). */
int mappings_limit_parse(int rule, const char *value, long long *out)
{
    if (rule == ESR_RULE_FTE_HIGH)
        return text_parse_decimal(value, out) == ESR_DECIMAL_POINT && *out > 0 ? 0 : -2;
    if (rule == ESR_RULE_BAND_HIGH_SUPPORT) {
        *out = band_level(value);
        return *out > 0 ? 0 : -2;
    }
    return -1;
}

/* The limits of the rules that have one (dq_limits.csv); each given once. */
static esr_status index_limits(esr_mappings *m, esr_err *err)
{
    static const int limited[2] = {ESR_RULE_FTE_HIGH, ESR_RULE_BAND_HIGH_SUPPORT};
    esr_table *t = m->t_limits;
    int c_id = table_col(t, "rule_id"), c_v = table_col(t, "limit");
    long long v[2] = {-1, -1};
    for (size_t i = 0; i < t->nrows; i++) {
        const char *id = table_get(t, i, c_id), *val = table_get(t, i, c_v);
        int rule = rule_parse(id);
        long long n;
        int rc = rule < 0 ? -1 : mappings_limit_parse(rule, val, &n);
        if (rc == -1)
            return bad(err, t, i, "rule \"%s\" takes no limit", id);
        if (rc == -2)
            return bad(err, t, i, "limit \"%s\" is not a number above 0 (a band: 1-9)", val);
        long long *slot = &v[rule == limited[1]];
        if (*slot >= 0)
            return bad(err, t, i, "rule \"%s\" is listed twice", id);
        *slot = n;
    }
    for (int k = 0; k < 2; k++)
        if (v[k] < 0)
            return esr_err_set(err, ESR_ERR_MAPPING, "%s: rule \"%s\" has no limit", t->path,
                               rule_id(limited[k]));
    m->fte_high_e5 = v[0];
    m->band_high_support = (int)v[1];
    return ESR_OK;
}

/* Staff-group kinds: not_support yes or no; every staff_groups.csv kind listed. */
static esr_status index_kinds(esr_mappings *m, esr_err *err)
{
    esr_table *k = m->t_sg_kinds, *g = m->t_staff_groups;
    int c_ns = table_col(k, "not_support"), c_k = table_col(k, "kind"), c_gk = table_col(g, "kind");
    for (size_t i = 0; i < k->nrows; i++) {
        const char *v = table_get(k, i, c_ns);
        if (strcmp(v, "yes") && strcmp(v, "no"))
            return bad(err, k, i, "not_support \"%s\" is not yes or no", v);
    }
    for (size_t i = 0; i < g->nrows; i++) {
        const char *kind = table_get(g, i, c_gk);
        size_t r = 0;
        while (r < k->nrows && strcmp(table_get(k, r, c_k), kind))
            r++;
        if (r == k->nrows)
            return bad(err, g, i, "kind \"%s\" is not in staff_group_kinds.csv", kind);
    }
    return ESR_OK;
}

/* Is a staff-group kind one of staff who are not support staff (see mappings.h)? */
int mappings_kind_not_support(const esr_mappings *m, const char *kind)
{
    const esr_table *k = m->t_sg_kinds;
    int c_k = table_col(k, "kind"), c_ns = table_col(k, "not_support");
    for (size_t r = 0; r < k->nrows; r++)
        if (!strcmp(table_get(k, r, c_k), kind))
            return !strcmp(table_get(k, r, c_ns), "yes");
    return 0;
}

/* Label of an out-of-scope reason (see mappings.h). */
const char *mappings_out_label(const esr_mappings *m, esr_out_reason r)
{
    return (unsigned)r < ESR_OUT_COUNT && m->out_label[r] ? m->out_label[r] : "";
}

/* Index assignment statuses by key; counted must be yes or no, a reason given. */
static esr_status index_statuses(esr_mappings *m, esr_err *err)
{
    esr_table *t = m->t_asg_statuses;
    int c_s = table_col(t, "status"), c_c = table_col(t, "counted"), c_r = table_col(t, "reason");
    esr_buf key = {0};
    esr_status st = ESR_OK;
    if (esr_strmap_new(&m->status_by_key))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < t->nrows; i++) {
        const char *counted = table_get(t, i, c_c);
        size_t first;
        if (strcmp(counted, "yes") && strcmp(counted, "no"))
            st = bad(err, t, i, "counted \"%s\" is not yes or no", counted);
        else if (!*table_get(t, i, c_r))
            st = bad(err, t, i, "status \"%s\" has no reason", table_get(t, i, c_s));
        else if (text_key(table_get(t, i, c_s), &key) || !key.len)
            st = bad(err, t, i, "status \"%s\" is empty", table_get(t, i, c_s));
        else if (esr_strmap_put(m->status_by_key, key.data, key.len, i, &first) == 0)
            st = bad(err, t, i, "status \"%s\" duplicates another after normalising",
                     table_get(t, i, c_s));
    }
    if (esr_buf_status(&key))
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory indexing the tables");
    esr_buf_free(&key);
    return st;
}

/* Is an assignment status counted as staff in post (see mappings.h)? */
int mappings_status(const esr_mappings *m, const char *status, const char **reason)
{
    esr_buf key = {0};
    size_t row;
    int found = !text_key(status, &key) && key.len &&
                esr_strmap_get(m->status_by_key, key.data, key.len, &row);
    esr_buf_free(&key);
    if (!found)
        return -1;
    const esr_table *t = m->t_asg_statuses;
    if (reason)
        *reason = table_get(t, row, table_col(t, "reason"));
    return !strcmp(table_get(t, row, table_col(t, "counted")), "yes");
}

/* Non-zero if an index of m failed an insert for memory (which the
 * loaders' "already there" checks would read as a duplicate row). */
static int maps_failed(const esr_mappings *m)
{
    const esr_strmap *maps[] = {m->occ_by_code, m->prof_by_name, m->role_by_name, m->band_by_key,
                                m->area_by_key, m->col_by_key,   m->org_by_code,  m->status_by_key};
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
        if (maps[i] && esr_strmap_status(maps[i]))
            return 1;
    return 0;
}

/* Load every table in dir; errors name file and line. */
esr_status mappings_open(const char *dir, esr_mappings **out, esr_err *err)
{
    *out = NULL;
    esr_mappings *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        free(m);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    esr_status st = ESR_OK;
    for (size_t i = 0; !st && i < ESR_MAPPING_TABLES; i++) {
        const esr_table_spec *t = &esr_mapping_tables[i];
        st = load(m, t->file, t->cols, (esr_table **)((char *)m + t->slot), err);
    }
    if (st || (st = index_professions(m, err)) || (st = index_roles(m, err)) ||
        (st = index_occ(m, err)) || (st = index_national(m, err)) || (st = index_bands(m, err)) ||
        (st = index_areas(m, err)) || (st = index_columns(m, err)) || (st = index_orgs(m, err)) ||
        (st = index_rules(m, err)) || (st = index_out_reasons(m, err)) ||
        (st = index_limits(m, err)) || (st = index_kinds(m, err)) ||
        (st = index_statuses(m, err)) || (st = hash_tables(m, err))) {
        if (st == ESR_ERR_MAPPING && maps_failed(m)) /* not a duplicate: no memory */
            st = esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory indexing the tables", dir);
        mappings_close(m);
        return st;
    }
    read_version(m);
    *out = m;
    return ESR_OK;
}

/* SHA-256 of the file at path into hex; ESR_OK or an error naming it. */
static esr_status hash_file(const char *path, char hex[65], esr_err *err)
{
    FILE *fp = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    esr_status st = ESR_OK;
    if (!fp || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        st = esr_err_set(err, fp ? ESR_ERR_INTERNAL : ESR_ERR_MAPPING, "%s: %s", path,
                         fp ? "SHA-256 unavailable" : strerror(errno));
        goto done;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    text_hex(md, len, hex);
done:
    if (fp)
        fclose(fp);
    EVP_MD_CTX_free(ctx);
    return st;
}

/* Check one row of a trust's titles table against m's vocabularies. */
static esr_status check_local_title(const esr_mappings *m, const esr_table *t, size_t r,
                                    esr_strmap *seen, esr_buf *key, esr_err *err)
{
    const char *title = table_get(t, r, table_col(t, "title"));
    const char *prof = table_get(t, r, table_col(t, "profession"));
    const char *role = table_get(t, r, table_col(t, "support_role"));
    const char *tr = table_get(t, r, table_col(t, "trainee"));
    if (!*title)
        return bad(err, t, r, "title is empty%s", "");
    if (*prof && !esr_strmap_get(m->prof_by_name, prof, strlen(prof), NULL))
        return bad(err, t, r, "profession \"%s\" is not in professions.csv", prof);
    if (*role && !esr_strmap_get(m->role_by_name, role, strlen(role), NULL))
        return bad(err, t, r, "support_role \"%s\" is not in support_roles.csv", role);
    if (*tr && strcmp(tr, "yes") && strcmp(tr, "no"))
        return bad(err, t, r, "trainee \"%s\" is not yes or no", tr);
    if (!*prof && !*role)
        return bad(err, t, r, "\"%s\" maps to neither a profession nor a support role", title);
    if (text_key(title, key) || esr_strmap_put(seen, key->data, key->len, r, NULL) < 0)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    size_t first;
    if (esr_strmap_put(seen, key->data, key->len, r, &first) == 0 && first != r)
        return bad(err, t, r, "title \"%s\" is listed twice", title);
    return ESR_OK;
}

/* A trust's own job titles table (same columns as job_titles.csv), checked
 * against m's vocabularies like the shipped one; its SHA-256 into sha256. */
esr_status mappings_load_titles(const esr_mappings *m, const char *path, esr_table **out,
                                char sha256[65], esr_err *err)
{
    static const char *const cols[] = {"title", "profession", "support_role", "trainee", NULL};
    esr_table *t = NULL;
    esr_strmap *seen;
    esr_buf key = {0};
    esr_status st = !esr_strmap_new(&seen) ? table_load(path, &t, err)
                                           : esr_err_set(err, ESR_ERR_NOMEM, "no memory");
    if (!st)
        st = table_require(t, cols, err);
    for (size_t r = 0; !st && r < t->nrows; r++)
        st = check_local_title(m, t, r, seen, &key, err);
    if (st == ESR_ERR_MAPPING && (esr_buf_status(&key) || esr_strmap_status(seen)))
        st = esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", path); /* not a listed-twice */
    if (!st)
        st = hash_file(path, sha256, err);
    esr_strmap_free(seen);
    esr_buf_free(&key);
    if (st) {
        table_free(t);
        t = NULL;
    }
    *out = t;
    return st;
}

/* Organisation name and region for an ODS code ("" when unknown). */
void mappings_org(const esr_mappings *m, const char *code, const char **name, const char **region)
{
    size_t i;
    *name = *region = "";
    if (esr_strmap_get(m->org_by_code, code, strlen(code), &i)) {
        *name = table_get(m->t_orgs, i, table_col(m->t_orgs, "name"));
        *region = table_get(m->t_orgs, i, table_col(m->t_orgs, "region"));
    }
}

/* Free everything. */
void mappings_close(esr_mappings *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++)
        table_free(*(esr_table **)((char *)m + esr_mapping_tables[i].slot));
    esr_strmap_free(m->occ_by_code);
    esr_strmap_free(m->prof_by_name);
    esr_strmap_free(m->role_by_name);
    esr_strmap_free(m->band_by_key);
    esr_strmap_free(m->area_by_key);
    esr_strmap_free(m->col_by_key);
    esr_strmap_free(m->org_by_code);
    esr_strmap_free(m->status_by_key);
    free(m->occ);
    free(m->prof);
    free(m->roles);
    free(m->bands);
    free(m->areas);
    free(m->dir);
    free(m);
}

/* The mappings a command uses without -m (see mappings.h). */
const char *mappings_default_dir(char *buf, size_t n)
{
    static const char *const rel[] = {"/../mappings", "/../../mappings",
                                      "/../share/esrpipe/mappings"};
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            struct stat sb;
            char probe[4400];
            snprintf(buf, n, "%s%s", exe, rel[i]);
            snprintf(probe, sizeof probe, "%s/occupation_codes.csv", buf);
            if (!stat(probe, &sb))
                return buf;
        }
    }
    return "mappings";
}
