/* records.c - one place that says what a records row holds. */
#include "records.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

static const char *const rcol_names[RC_COUNT] = {
    "org_code",
    "source_file",
    "source_line",
    "employee_number",
    "assignment_number",
    "position_title",
    "standard_title",
    "title_match",
    "title_rule",
    "title_confidence",
    "occupation_code",
    "occupation_code_status",
    "staff_group",
    "job_role",
    "profession_supported",
    "profession_source",
    "support_role",
    "career_framework_level",
    "pay_band",
    "area_of_work",
    "area_of_work_suggestion",
    "fte",
    "assignment_category",
    "care_certificate",
    "qualification_level",
    "apprenticeship",
    "dq_flags",
};

/* The Support workforce sheet's heading of each column, for people;
 * records.csv keeps the code names above. */
static const char *const rcol_labels[RC_COUNT] = {
    [RC_ORG_CODE] = "Organisation code",
    [RC_SOURCE_FILE] = "Source file",
    [RC_SOURCE_LINE] = "Line in source file",
    [RC_EMPLOYEE_NUMBER] = "Employee number",
    [RC_ASSIGNMENT_NUMBER] = "Assignment number",
    [RC_POSITION_TITLE] = "Local job title",
    [RC_STANDARD_TITLE] = "Standard title",
    [RC_TITLE_MATCH] = "Title match",
    [RC_TITLE_RULE] = "Title mapping rows",
    [RC_TITLE_SCORE] = "Title match confidence",
    [RC_OCCUPATION_CODE] = "Occupation code",
    [RC_OCCUPATION_STATUS] = "Occupation code status",
    [RC_STAFF_GROUP] = "Staff group",
    [RC_JOB_ROLE] = "Job role",
    [RC_PROFESSION] = "Profession supported",
    [RC_PROFESSION_SOURCE] = "Profession taken from",
    [RC_SUPPORT_ROLE] = "Support role",
    [RC_LEVEL] = "Career framework level",
    [RC_PAY_BAND] = "Pay band",
    [RC_AREA_OF_WORK] = "Area of work",
    [RC_AREA_SUGGESTION] = "Nearest known area of work",
    [RC_FTE] = "FTE",
    [RC_ASSIGNMENT_CATEGORY] = "Assignment category",
    [RC_CARE_CERTIFICATE] = "Care Certificate",
    [RC_QUAL_LEVEL] = "Qualification level (RQF)",
    [RC_APPRENTICESHIP] = "Apprenticeship",
    [RC_DQ_FLAGS] = "Data quality findings",
};

static const char *const occ_state_names[] = {"missing", "malformed", "unknown",
                                              "medical", "valid",     "retired"};

/* Header name of column c. */
const char *records_col_name(esr_rcol c)
{
    return (unsigned)c < RC_COUNT ? rcol_names[c] : "";
}

/* Heading of column c for people (the code name if it has none). */
const char *records_col_label(esr_rcol c)
{
    return (unsigned)c < RC_COUNT && rcol_labels[c] ? rcol_labels[c] : records_col_name(c);
}

/* Non-zero if column c holds a number. */
int records_col_numeric(esr_rcol c)
{
    return c == RC_SOURCE_LINE || c == RC_FTE || c == RC_LEVEL || c == RC_TITLE_SCORE ||
           c == RC_QUAL_LEVEL;
}

/* Append the decimal text of v. */
static int put_int(esr_buf *b, int v)
{
    if (v < 0 && esr_buf_putc(b, '-'))
        return -1;
    return esr_buf_putu(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
}

/* Render r (see records.h). */
int records_render(const esr_record *r, const esr_mappings *m, const char *emp, const char *asg,
                   esr_rendered *out)
{
    esr_buf *b = &out->scratch;
    esr_buf_reset(b);
    /* scratch grows while we write into it: record offsets, resolve after */
    size_t o_line = b->len;
    if (esr_buf_putu(b, r->line) || esr_buf_putc(b, '\0'))
        return -1;
    size_t o_fte = b->len;
    char fte[32];
    text_format_e5(r->fte_e5, fte);
    if (esr_buf_puts(b, fte) || esr_buf_putc(b, '\0'))
        return -1;
    size_t o_level = b->len;
    if (r->level) {
        if (put_int(b, r->level))
            return -1;
    }
    if (esr_buf_putc(b, '\0'))
        return -1;
    size_t o_score = b->len;
    if (*r->f[ESR_COL_POSITION_TITLE] && put_int(b, r->title_score))
        return -1;
    if (esr_buf_putc(b, '\0'))
        return -1;
    size_t o_qual = b->len;
    if (r->qualification_level && put_int(b, r->qualification_level))
        return -1;
    if (esr_buf_putc(b, '\0'))
        return -1;
    size_t o_flags = b->len;
    for (size_t i = 0; i < r->nfindings; i++)
        if ((i && esr_buf_putc(b, ';')) || esr_buf_puts(b, rule_id(r->findings[i].rule)))
            return -1;
    if (esr_buf_putc(b, '\0'))
        return -1;

    const char **v = out->v;
    v[RC_ORG_CODE] = r->f[ESR_COL_ORG_CODE];
    v[RC_SOURCE_FILE] = r->source;
    v[RC_SOURCE_LINE] = b->data + o_line;
    v[RC_EMPLOYEE_NUMBER] = emp;
    v[RC_ASSIGNMENT_NUMBER] = asg;
    v[RC_POSITION_TITLE] = r->f[ESR_COL_POSITION_TITLE];
    v[RC_STANDARD_TITLE] = r->standard_title;
    v[RC_TITLE_MATCH] = r->title_match;
    v[RC_TITLE_RULE] = r->title_rule;
    v[RC_TITLE_SCORE] = b->data + o_score;
    v[RC_OCCUPATION_CODE] = r->occ_code[0] ? r->occ_code : r->f[ESR_COL_OCCUPATION_CODE];
    v[RC_OCCUPATION_STATUS] = occ_state_names[r->occ_state];
    v[RC_STAFF_GROUP] = r->f[ESR_COL_STAFF_GROUP];
    v[RC_JOB_ROLE] = r->f[ESR_COL_JOB_ROLE];
    v[RC_PROFESSION] = r->profession >= 0 ? m->prof[r->profession].name : "";
    v[RC_PROFESSION_SOURCE] = record_psrc_name(r->prof_source);
    v[RC_SUPPORT_ROLE] = r->role >= 0 ? m->roles[r->role].name : "";
    v[RC_LEVEL] = b->data + o_level;
    v[RC_PAY_BAND] = r->band >= 0 ? m->bands[r->band].name : r->f[ESR_COL_PAY_BAND];
    v[RC_AREA_OF_WORK] = r->area >= 0 ? m->areas[r->area] : r->f[ESR_COL_AREA_OF_WORK];
    v[RC_AREA_SUGGESTION] = r->area_suggestion;
    v[RC_FTE] = b->data + o_fte;
    v[RC_ASSIGNMENT_CATEGORY] = r->f[ESR_COL_ASSIGNMENT_CATEGORY];
    v[RC_CARE_CERTIFICATE] = r->care_certificate;
    v[RC_QUAL_LEVEL] = b->data + o_qual;
    v[RC_APPRENTICESHIP] = r->apprenticeship;
    v[RC_DQ_FLAGS] = b->data + o_flags;
    out->fte_e5 = r->fte_e5;
    return 0;
}

/* Append r packed for the workbook thread (see records.h). */
esr_status records_pack(const esr_rendered *r, esr_buf *out)
{
    for (int c = 0; c < RC_COUNT; c++)
        esr_buf_append(out, r->v[c], strlen(r->v[c]) + 1);
    return esr_buf_status(out); /* a failed append is latched */
}

/* Free the scratch storage. */
void records_rendered_free(esr_rendered *out)
{
    esr_buf_free(&out->scratch);
}
