/* validate.c - rejection checks and data-quality findings. */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "text.h"
#include "u64set.h"

struct esr_validator {
    const esr_mappings *m;
    /* hashes of org + assignment number counted in scope, in 64 tables by
     * the top bits: growing one copies 1/64 of the keys, not all at once */
    esr_u64set assignments[64];
    esr_strmap *not_support; /* text_key(staff group or job role) of staff who are not support */
    esr_strmap *not_support_raw; /* staff group or job role as written -> 1 + (in not_support) */
    esr_buf key;
    char torn[64];          /* the detail of the last torn row */
    long long full_time_e5; /* weekly hours of one FTE, for FTE from contracted hours */
    int decimal_comma;      /* a semicolon-separated file: "0,5" is read as 0.5 */
    long long max_fte_e5;   /* above it the row is rejected (--max-fte) */
};

/* Create a validator in *out; ESR_ERR_NOMEM and NULL on no memory (a table is
 * never left half built). */
esr_status validate_new(const esr_mappings *m, esr_validator **out)
{
    esr_validator *v = calloc(1, sizeof *v);
    *out = NULL;
    if (!v)
        return ESR_ERR_NOMEM;
    v->m = m;
    v->full_time_e5 = ESR_FULL_TIME_HOURS_DEFAULT_E5;
    v->max_fte_e5 = ESR_MAX_FTE_DEFAULT_E5;
    if (esr_strmap_new(&v->not_support) || esr_strmap_new(&v->not_support_raw)) {
        validate_free(v);
        return ESR_ERR_NOMEM;
    }
    /* staff groups of kinds that are not support staff (staff_group_kinds.csv:
     * registered, medical, admin, estates), and the job roles that belong to
     * them: a support-role code there is suspect */
    const esr_table *sg = m->t_staff_groups, *jr = m->t_job_roles;
    int c_sg = table_col(sg, "staff_group"), c_kind = table_col(sg, "kind");
    esr_strmap *kinds;
    int oom = esr_strmap_new(&kinds) != ESR_OK;
    for (size_t i = 0; !oom && i < sg->nrows; i++) {
        const char *k = table_get(sg, i, c_kind);
        int bad = mappings_kind_not_support(m, k);
        oom = text_key(table_get(sg, i, c_sg), &v->key) ||
              esr_strmap_put(kinds, v->key.data, v->key.len, (size_t)bad, NULL) < 0 ||
              (bad && esr_strmap_put(v->not_support, v->key.data, v->key.len, 0, NULL) < 0);
    }
    int c_role = table_col(jr, "job_role"), c_jsg = table_col(jr, "staff_group");
    for (size_t i = 0; !oom && i < jr->nrows; i++) {
        size_t bad = 0;
        oom = text_key(table_get(jr, i, c_jsg), &v->key);
        if (!oom && esr_strmap_get(kinds, v->key.data, v->key.len, &bad) && bad)
            oom = text_key(table_get(jr, i, c_role), &v->key) ||
                  esr_strmap_put(v->not_support, v->key.data, v->key.len, 1, NULL) < 0;
    }
    esr_strmap_free(kinds);
    if (oom) {
        validate_free(v);
        return ESR_ERR_NOMEM;
    }
    *out = v;
    return ESR_OK;
}

/* Reject FTE above max_e5 (see validate.h). */
void validate_set_max_fte(esr_validator *v, long long max_e5)
{
    v->max_fte_e5 = max_e5;
}

/* Free the validator. */
void validate_free(esr_validator *v)
{
    if (!v)
        return;
    for (int i = 0; i < 64; i++)
        u64set_free(&v->assignments[i]);
    esr_strmap_free(v->not_support);
    esr_strmap_free(v->not_support_raw);
    esr_buf_free(&v->key);
    free(v);
}

/* Mark r rejected by rule with detail; returns -1. */
static int reject(esr_record *r, int rule, const char *detail)
{
    r->scope = ESR_SCOPE_REJECTED;
    r->reason_rule = rule;
    r->reason_detail = detail;
    return -1;
}

/* Structural checks on a raw row (see validate.h). */
int validate_row(esr_validator *v, const esr_row *row, size_t header_fields, esr_record *r)
{
    if (row->fault == ESR_ROW_FIELD_TOO_BIG)
        return reject(r, ESR_RULE_FIELD_TOO_BIG, "");
    if (row->fault == ESR_ROW_QUOTE_OPEN)
        return reject(r, ESR_RULE_QUOTE_OPEN, "");
    if (row->fault == ESR_ROW_NUL)
        return reject(r, ESR_RULE_NUL_BYTE, "");
    if (row->fault)
        return reject(r, ESR_RULE_ROW_TORN, "");
    if (row->nfields != header_fields) {
        snprintf(v->torn, sizeof v->torn, "%zu fields, header has %zu", row->nfields,
                 header_fields);
        return reject(r, ESR_RULE_ROW_TORN, v->torn);
    }
    return 0;
}

/* Non-zero if rule is one validate_row gives (see validate.h). */
int validate_unread(int rule)
{
    return rule == ESR_RULE_FIELD_TOO_BIG || rule == ESR_RULE_ROW_TORN ||
           rule == ESR_RULE_QUOTE_OPEN || rule == ESR_RULE_NUL_BYTE;
}

/* Set the weekly hours of one FTE (see validate.h). */
void validate_set_full_time(esr_validator *v, long long hours_e5)
{
    if (hours_e5 > 0)
        v->full_time_e5 = hours_e5;
}

/* Read a decimal comma in the fields that follow (see validate.h). */
void validate_set_decimal_comma(esr_validator *v, int on)
{
    v->decimal_comma = on;
}

/* Parse a number field into *e5: 0, 1 when read through a decimal comma, -1 if not a number. */
static int parse_number(const esr_validator *v, const char *s, long long *e5)
{
    esr_decimal how = text_parse_decimal(s, e5);
    if (how == ESR_DECIMAL_POINT)
        return 0;
    return how == ESR_DECIMAL_COMMA && v->decimal_comma ? 1 : -1;
}

/* FTE from contracted hours when the row has no FTE value; 0 or -1 (rejected). */
static int fte_from_hours(esr_validator *v, esr_record *r)
{
    const char *h = r->f[ESR_COL_CONTRACTED_HOURS];
    long long hours;
    if (parse_number(v, h, &hours) < 0)
        return reject(r, ESR_RULE_HOURS_NOT_NUMBER, h);
    if (hours < 0)
        return reject(r, ESR_RULE_FTE_NEGATIVE, h);
    /* units of 0.00001 FTE, rounded half up */
    r->fte_e5 = (hours * 100000 + v->full_time_e5 / 2) / v->full_time_e5;
    record_flag(r, ESR_RULE_FTE_FROM_HOURS, h);
    return 0;
}

/* Field checks before classification (see validate.h). */
int validate_fields(esr_validator *v, esr_record *r)
{
    /* Excel rounds a long number to "2.10E+06": the digits are gone */
    if (text_is_scientific(r->f[ESR_COL_EMPLOYEE_NUMBER]))
        return reject(r, ESR_RULE_EMPLOYEE_NUMBER_SCIENTIFIC, r->f[ESR_COL_EMPLOYEE_NUMBER]);
    if (text_is_scientific(r->f[ESR_COL_ASSIGNMENT_NUMBER]))
        return reject(r, ESR_RULE_ASSIGNMENT_NUMBER_SCIENTIFIC, r->f[ESR_COL_ASSIGNMENT_NUMBER]);
    const char *fte = r->f[ESR_COL_FTE];
    if (!*fte && *r->f[ESR_COL_CONTRACTED_HOURS]) {
        if (fte_from_hours(v, r))
            return -1;
    } else {
        int how = parse_number(v, fte, &r->fte_e5);
        if (how < 0)
            return reject(r, ESR_RULE_FTE_NOT_NUMBER, fte);
        if (how == 1)
            record_flag(r, ESR_RULE_FTE_DECIMAL_COMMA, fte);
    }
    if (r->fte_e5 < 0)
        return reject(r, ESR_RULE_FTE_NEGATIVE, fte);
    if (r->fte_e5 > v->max_fte_e5)
        return reject(r, ESR_RULE_FTE_ABOVE_MAX, fte);
    if (!*r->f[ESR_COL_OCCUPATION_CODE] && !*r->f[ESR_COL_POSITION_TITLE])
        return reject(r, ESR_RULE_NO_CODE_NO_TITLE, "");
    return 0;
}

/* Duplicate check on a classified record (see validate.h). */
esr_status validate_duplicate(esr_validator *v, esr_record *r)
{
    const char *asg = r->f[ESR_COL_ASSIGNMENT_NUMBER];
    if (r->scope != ESR_SCOPE_IN || !*asg)
        return ESR_OK;
    esr_buf_reset(&v->key);
    esr_buf_puts(&v->key, r->f[ESR_COL_ORG_CODE]);
    esr_buf_putc(&v->key, '\x1f');
    if (esr_buf_puts(&v->key, asg))
        return ESR_ERR_NOMEM; /* latched: one check covers the three appends */
    uint64_t h = esr_hash64(v->key.data, v->key.len);
    int added = u64set_add(&v->assignments[h >> 58], h);
    if (added < 0)
        return ESR_ERR_NOMEM; /* never a reject: the run stops */
    if (added == 1)
        return ESR_OK;
    /* not counted: what classify found about it goes nowhere */
    r->nfindings = 0;
    reject(r, ESR_RULE_ASSIGNMENT_DUPLICATE, asg);
    return ESR_OK;
}

/* Flag the first column of r whose value a workbook sheet must change
 * (text_sheet_faults: replaced there, whole in records.csv). */
static void flag_sheet_text(esr_record *r)
{
    int seen = 0;
    for (int c = 0; c < ESR_COL_COUNT; c++) {
        int f = r->f[c] ? text_sheet_faults(r->f[c]) & ~seen : 0;
        if (f & ESR_SHEET_BAD_CHARS)
            record_flag(r, ESR_RULE_TEXT_NOT_SHEET_SAFE, record_col_name(c));
        if (f & ESR_SHEET_TOO_LONG)
            record_flag(r, ESR_RULE_TEXT_TOO_LONG, record_col_name(c));
        seen |= f;
    }
}

#define NOT_SUPPORT_RAW_MAX 4096 /* staff group and job role texts remembered */

/* Non-zero if staff group or job role s (not empty) names staff who are
 * not support; each text as written is normalised once (up to the cap). */
static int not_support(esr_validator *v, const char *s)
{
    size_t n = strlen(s), was;
    if (esr_strmap_get(v->not_support_raw, s, n, &was))
        return (int)was - 1;
    if (text_key(s, &v->key))
        return 0; /* out of memory: not remembered */
    int bad = esr_strmap_get(v->not_support, v->key.data, v->key.len, NULL);
    if (esr_strmap_count(v->not_support_raw) < NOT_SUPPORT_RAW_MAX)
        esr_strmap_put(v->not_support_raw, s, n, (size_t)bad + 1, NULL);
    return bad;
}

/* Findings on a classified record (warnings and info). */
static void record_findings(esr_validator *v, esr_record *r)
{
    const esr_mappings *m = v->m;
    switch (r->occ_state) {
    case ESR_OCC_MISSING: record_flag(r, ESR_RULE_OCC_MISSING, ""); break;
    case ESR_OCC_MALFORMED:
        record_flag(r, ESR_RULE_OCC_MALFORMED, r->f[ESR_COL_OCCUPATION_CODE]);
        break;
    case ESR_OCC_UNKNOWN:
        record_flag(r, ESR_RULE_OCC_UNKNOWN, r->f[ESR_COL_OCCUPATION_CODE]);
        break;
    case ESR_OCC_RETIRED: record_flag(r, ESR_RULE_OCC_RETIRED, r->occ_code); break;
    default: break;
    }
    if (r->scope != ESR_SCOPE_IN)
        return;
    flag_sheet_text(r);
    if (r->fte_e5 > m->fte_high_e5) /* dq_limits.csv */
        record_flag(r, ESR_RULE_FTE_HIGH, r->f[ESR_COL_FTE]);
    if (r->occ) {
        const char *sg = r->f[ESR_COL_STAFF_GROUP], *jr = r->f[ESR_COL_JOB_ROLE];
        if (*sg && not_support(v, sg))
            record_flag(r, ESR_RULE_OCC_INCONSISTENT, sg);
        else if (*jr && not_support(v, jr))
            record_flag(r, ESR_RULE_OCC_INCONSISTENT, jr);
    }
    if (!*r->f[ESR_COL_AREA_OF_WORK])
        record_flag(r, ESR_RULE_AREA_BLANK, "");
    else if (r->area < 0)
        record_flag(r, ESR_RULE_AREA_UNKNOWN, r->f[ESR_COL_AREA_OF_WORK]);
    if (!*r->f[ESR_COL_PAY_BAND]) {
        record_flag(r, ESR_RULE_BAND_BLANK, "");
        return;
    }
    if (r->band < 0) {
        record_flag(r, ESR_RULE_BAND_UNKNOWN, r->f[ESR_COL_PAY_BAND]);
        return;
    }
    const esr_band *b = &m->bands[r->band];
    const esr_role *role = &m->roles[r->role]; /* expected bands: support_roles.csv */
    if (role->expected_band && b->rank != role->expected_band)
        record_flag(r, role->band_rule, b->name);
    else if (b->rank >= m->band_high_support) /* dq_limits.csv */
        record_flag(r, ESR_RULE_BAND_HIGH_SUPPORT, b->name);
}

/* Findings on a classified record (see validate.h); a key that could not be
 * built latches in v->key, so one check at the end covers them all. */
esr_status validate_record(esr_validator *v, esr_record *r)
{
    record_findings(v, r);
    return esr_buf_status(&v->key);
}
