/* explain.c - one row's lineage as text (see explain.h). */
#include "explain.h"

#include <string.h>

#include "rules.h"
#include "text.h"
#include "validate.h"

/* "  label  value" with the label padded to one width. */
static int line(esr_buf *b, const char *label, const char *value)
{
    return esr_buf_printf(b, "  %-24s %s\n", label, value);
}

/* The export columns the row was read from (PII columns are never read). */
static int read_from(const esr_schema *s, const esr_record *r, esr_buf *b)
{
    if (esr_buf_puts(b, "  read from the export:\n"))
        return -1;
    for (int c = 0; c < ESR_COL_COUNT; c++) {
        int pos = s ? s->pos[c] : -1;
        if (pos < 0)
            continue;
        if (esr_buf_printf(b, "    %-22s \"%s\"  (column %d, \"%s\")\n", record_col_name(c),
                           r->f[c], pos + 1, s->header[pos]))
            return -1;
    }
    return 0;
}

/* Occupation code: its state and the Occupation Code Manual row behind it. */
static int occupation(const esr_mappings *m, const esr_record *r, esr_buf *b)
{
    const char *code = r->f[ESR_COL_OCCUPATION_CODE];
    esr_buf v = {0};
    int bad = 0;
    switch (r->occ_state) {
    case ESR_OCC_MISSING: bad = esr_buf_puts(&v, "missing"); break;
    case ESR_OCC_MALFORMED: bad = esr_buf_printf(&v, "\"%s\": not a 3-character code", code); break;
    case ESR_OCC_UNKNOWN:
        bad = esr_buf_printf(&v, "%s: not in occupation_codes.csv",
                             r->occ_code[0] ? r->occ_code : code);
        break;
    case ESR_OCC_MEDICAL: /* out_of_scope_reasons.csv */
        bad = esr_buf_printf(&v, "%s: %s", r->occ_code, mappings_out_label(m, ESR_OUT_MEDICAL));
        break;
    case ESR_OCC_VALID:
    case ESR_OCC_RETIRED:
        bad = esr_buf_printf(&v, "%s%s: %s (occupation_codes.csv:%zu; staff group %s)", r->occ_code,
                             r->occ_state == ESR_OCC_RETIRED ? ", retired" : "",
                             r->occ ? r->occ->description : "", r->occ ? r->occ->line : 0,
                             r->occ ? r->occ->staff_group : "");
        break;
    }
    bad = bad || line(b, "occupation code", esr_buf_str(&v));
    esr_buf_free(&v);
    return bad ? -1 : 0;
}

/* Profession and support role, and what decided each. */
static int profession_role(const esr_mappings *m, const esr_record *r, esr_buf *b)
{
    esr_buf v = {0};
    int bad = 0;
    if (r->profession >= 0) {
        bad = esr_buf_puts(&v, m->prof[r->profession].name);
        switch (r->prof_source) {
        case ESR_PSRC_CODE:
            bad = bad || esr_buf_printf(&v, " (from the occupation code, occupation_codes.csv:%zu)",
                                        r->occ ? r->occ->line : 0);
            break;
        case ESR_PSRC_TITLE:
            bad = bad || esr_buf_printf(&v, " (from the job title: %s)", r->title_rule);
            break;
        case ESR_PSRC_AREA: bad = bad || esr_buf_puts(&v, " (from the area of work)"); break;
        case ESR_PSRC_JOB_ROLE: bad = bad || esr_buf_puts(&v, " (from the ESR job role)"); break;
        default: bad = bad || esr_buf_puts(&v, " (no evidence)"); break;
        }
    }
    bad = bad || line(b, "profession supported", esr_buf_str(&v));
    esr_buf_reset(&v);
    if (r->role >= 0) {
        bad = bad || esr_buf_puts(&v, m->roles[r->role].name);
        if (r->occ && r->occ->role == r->role)
            bad = bad || esr_buf_printf(&v, " (occupation_codes.csv:%zu)", r->occ->line);
        else if (r->occ)
            bad = bad || esr_buf_printf(&v, " (trainee form of %s: support_roles.csv)",
                                        m->roles[r->occ->role].name);
        else if (r->job_role_rule)
            bad = bad || esr_buf_printf(&v, " (from the ESR job role: %s)", r->job_role_rule);
        else if (r->role != m->role_none)
            bad = bad || esr_buf_printf(&v, " (from the job title: %s)", r->title_rule);
    }
    bad = bad || line(b, "support role", esr_buf_str(&v));
    esr_buf_free(&v);
    return bad ? -1 : 0;
}

/* The title match, band, level, area and FTE. */
static int details(const esr_mappings *m, const esr_record *r, esr_buf *b)
{
    esr_buf v = {0};
    int bad = 0;
    if (*r->f[ESR_COL_POSITION_TITLE]) {
        if (*r->title_rule)
            bad = esr_buf_printf(&v, "%s match, confidence %d, rule %s", r->title_match,
                                 r->title_score, r->title_rule);
        else
            bad = esr_buf_puts(&v, "not matched to a standard title");
        /* the matcher's best guess, unless it had none ("? / ? ...") */
        if (r->title_suggestion && *r->title_suggestion && *r->title_suggestion != '?')
            bad = bad || esr_buf_printf(&v, "; nearest: %s", r->title_suggestion);
        bad = bad || line(b, "job title", esr_buf_str(&v));
    }
    if (r->standard_title[0])
        bad = bad || line(b, "standard title", r->standard_title);
    esr_buf_reset(&v);
    if (r->band >= 0)
        bad = bad || esr_buf_printf(&v, "%s (bands.csv)", m->bands[r->band].name);
    else
        bad = bad || esr_buf_puts(&v, *r->f[ESR_COL_PAY_BAND] ? "not a known band" : "blank");
    bad = bad || line(b, "pay band", esr_buf_str(&v));
    if (r->level) {
        esr_buf_reset(&v);
        bad = bad || esr_buf_printf(&v, "%d (from the role, band and title)", r->level);
        bad = bad || line(b, "career framework level", esr_buf_str(&v));
    }
    esr_buf_reset(&v);
    if (r->area >= 0)
        bad = bad || esr_buf_printf(&v, "%s (areas_of_work.csv)", m->areas[r->area]);
    else if (*r->f[ESR_COL_AREA_OF_WORK])
        bad = bad || esr_buf_printf(&v, "not a known area%s%s",
                                    *r->area_suggestion ? "; nearest: " : "", r->area_suggestion);
    else
        bad = bad || esr_buf_puts(&v, "blank");
    bad = bad || line(b, "area of work", esr_buf_str(&v));
    esr_buf_reset(&v);
    char fte[32];
    text_format_e5(r->fte_e5, fte);
    bad = bad || line(b, "FTE", fte);
    esr_buf_free(&v);
    return bad ? -1 : 0;
}

/* Explain r (see explain.h). */
esr_status explain_record(const esr_mappings *m, const esr_schema *s, const esr_record *r,
                          esr_buf *out)
{
    const char *fate = r->scope == ESR_SCOPE_IN    ? "in scope: counted in the return"
                       : r->scope == ESR_SCOPE_OUT ? "out of scope"
                                                   : "rejected";
    if (esr_buf_printf(out, "%s line %llu: %s\n", r->source, (unsigned long long)r->line, fate))
        return ESR_ERR_NOMEM;
    if (r->scope == ESR_SCOPE_REJECTED) {
        const esr_rule_info *ri = &m->rules[r->reason_rule];
        if (line(out, "rule", rule_id(r->reason_rule)) || line(out, "why", ri->message) ||
            (r->reason_detail && *r->reason_detail && line(out, "value", r->reason_detail)))
            return ESR_ERR_NOMEM;
        /* a row that could be read shows what it was read as */
        if (!validate_unread(r->reason_rule) && read_from(s, r, out))
            return ESR_ERR_NOMEM;
        return ESR_OK;
    }
    if (r->scope == ESR_SCOPE_OUT && line(out, "why", mappings_out_label(m, r->out_reason)))
        return ESR_ERR_NOMEM;
    if (read_from(s, r, out) || occupation(m, r, out) || profession_role(m, r, out) ||
        details(m, r, out))
        return ESR_ERR_NOMEM;
    if (r->scope == ESR_SCOPE_IN && *r->care_certificate &&
        line(out, "care certificate", r->care_certificate))
        return ESR_ERR_NOMEM;
    if (!r->nfindings)
        return line(out, "findings", "none") ? ESR_ERR_NOMEM : ESR_OK;
    if (esr_buf_puts(out, "  findings:\n"))
        return ESR_ERR_NOMEM;
    for (size_t i = 0; i < r->nfindings; i++) {
        const esr_rule_info *ri = &m->rules[r->findings[i].rule];
        if (esr_buf_printf(out, "    %s (%s, %s): %s%s%s%s\n", rule_id(r->findings[i].rule),
                           rule_severity_name(ri->severity), ri->field, ri->message,
                           *r->findings[i].detail ? " (\"" : "", r->findings[i].detail,
                           *r->findings[i].detail ? "\")" : ""))
            return ESR_ERR_NOMEM;
    }
    return ESR_OK;
}
