/* record.c - canonical column names and record helpers. */
#include "record.h"

#include <string.h>

static const char *const col_names[ESR_COL_COUNT] = {
    "employee_number",   "assignment_number", "org_code",      "org_name",
    "position_title",    "occupation_code",   "job_role",      "staff_group",
    "area_of_work",      "pay_band",          "fte",           "assignment_category",
    "assignment_status", "primary_flag",      "start_date",    "contracted_hours",
    "competence_name",   "competence_status", "achieved_date",
};

/* Canonical name of a column. */
const char *record_col_name(esr_col c)
{
    return (unsigned)c < ESR_COL_COUNT ? col_names[c] : "";
}

/* Column for a canonical name, or -1. */
int record_col_parse(const char *name)
{
    for (int i = 0; i < ESR_COL_COUNT; i++)
        if (!strcmp(col_names[i], name))
            return i;
    return -1;
}

static const char *const out_ids[ESR_OUT_COUNT] = {
    "", "not_support", "medical", "technician", "no_code", "zero_fte", "status",
};

/* Id of an out-of-scope reason (see record.h). */
const char *record_out_id(esr_out_reason r)
{
    return (unsigned)r < ESR_OUT_COUNT ? out_ids[r] : "";
}

/* The out-of-scope reason with id s, or -1. */
int record_out_parse(const char *s)
{
    for (int i = 1; i < ESR_OUT_COUNT; i++)
        if (!strcmp(out_ids[i], s))
            return i;
    return -1;
}

/* Name of a profession source. */
const char *record_psrc_name(esr_prof_source s)
{
    switch (s) {
    case ESR_PSRC_CODE: return "code";
    case ESR_PSRC_TITLE: return "title";
    case ESR_PSRC_AREA: return "area_of_work";
    case ESR_PSRC_JOB_ROLE: return "job_role";
    default: return "";
    }
}

/* Start r as an empty row (see record.h). */
void record_init(esr_record *r, const char *source, uint64_t line)
{
    memset(r, 0, sizeof *r); /* zero is: no occupation, no source, in scope, no findings */
    r->source = source;
    r->line = line;
    for (int c = 0; c < ESR_COL_COUNT; c++)
        r->f[c] = "";
    r->profession = r->role = r->band = r->area = r->title_profession = -1;
    r->area_suggestion = "";
    r->title_match = "none";
    r->title_rule = "";
    r->title_suggestion = "";
    r->care_certificate = "";
    r->apprenticeship = "";
    r->reason_rule = -1;
    r->reason_detail = "";
}

/* Add finding (rule, detail); ignored when the list is full. */
void record_flag(esr_record *r, int rule, const char *detail)
{
    if (rule < 0 || r->nfindings >= ESR_MAX_FINDINGS)
        return;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].rule == rule)
            return;
    r->findings[r->nfindings++] = (esr_finding){rule, detail ? detail : ""};
}
