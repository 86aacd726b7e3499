/* rules.h - ids of the data-quality rules. What each rule checks is code
 * (validate.c, classify.c); its severity, field and message are data
 * (mappings/dq_rules.csv), loaded by mappings.c. */
#ifndef ESR_RULES_H
#define ESR_RULES_H

#define ESR_RULES(X)                                                                               \
    X(ROW_TORN, "row_torn")                                                                        \
    X(FIELD_TOO_BIG, "field_too_big")                                                              \
    X(FTE_NOT_NUMBER, "fte_not_number")                                                            \
    X(FTE_NEGATIVE, "fte_negative")                                                                \
    X(NO_CODE_NO_TITLE, "no_code_no_title")                                                        \
    X(ASSIGNMENT_DUPLICATE, "assignment_duplicate")                                                \
    X(FTE_HIGH, "fte_high")                                                                        \
    X(OCC_MISSING, "occ_missing")                                                                  \
    X(OCC_MALFORMED, "occ_malformed")                                                              \
    X(OCC_UNKNOWN, "occ_unknown")                                                                  \
    X(OCC_RETIRED, "occ_retired")                                                                  \
    X(OCC_INCONSISTENT, "occ_inconsistent")                                                        \
    X(PROFESSION_FROM_TITLE, "profession_from_title")                                              \
    X(PROFESSION_FROM_AREA, "profession_from_area")                                                \
    X(PROFESSION_TITLE_DISAGREES, "profession_title_disagrees")                                    \
    X(THEATRE_MISCODED, "theatre_miscoded")                                                        \
    X(AREA_BLANK, "area_blank")                                                                    \
    X(AREA_UNKNOWN, "area_unknown")                                                                \
    X(BAND_UNKNOWN, "band_unknown")                                                                \
    X(BAND_BLANK, "band_blank")                                                                    \
    X(BAND_AP_NOT_4, "band_ap_not_4")                                                              \
    X(BAND_TRAINEE_NOT_3, "band_trainee_not_3")                                                    \
    X(BAND_HIGH_SUPPORT, "band_high_support")                                                      \
    X(TITLE_UNMAPPED, "title_unmapped")                                                            \
    X(EMPLOYEE_NUMBER_SCIENTIFIC, "employee_number_scientific")                                    \
    X(ASSIGNMENT_NUMBER_SCIENTIFIC, "assignment_number_scientific")                                \
    X(FTE_DECIMAL_COMMA, "fte_decimal_comma")                                                      \
    X(HOURS_NOT_NUMBER, "hours_not_number")                                                        \
    X(FTE_FROM_HOURS, "fte_from_hours")                                                            \
    X(STATUS_UNKNOWN, "assignment_status_unknown")                                                 \
    X(PROFESSION_LEARNED, "profession_learned")                                                    \
    X(TITLE_CODED_DISAGREE, "title_coded_disagree")                                                \
    X(QUOTE_OPEN, "quote_open")                                                                    \
    X(NUL_BYTE, "nul_byte")                                                                        \
    X(FTE_ABOVE_MAX, "fte_above_max")                                                              \
    X(ORG_UNUSABLE, "org_unusable")                                                                \
    X(TEXT_NOT_SHEET_SAFE, "text_not_sheet_safe")                                                  \
    X(TEXT_TOO_LONG, "text_too_long_for_sheet")                                                    \
    X(ROLE_FROM_JOB_ROLE, "role_from_job_role")

#define ESR_RULE_ENUM(name, id) ESR_RULE_##name,
typedef enum esr_rule { ESR_RULES(ESR_RULE_ENUM) ESR_RULE_COUNT } esr_rule;
#undef ESR_RULE_ENUM

typedef enum esr_severity { ESR_SEV_ERROR = 0, ESR_SEV_WARNING, ESR_SEV_INFO } esr_severity;

/* Stable id of a rule ("row_torn"...). */
const char *rule_id(esr_rule r);
/* Rule for an id, or -1. */
int rule_parse(const char *id);
/* Name of a severity as dq_rules.csv spells it ("error", "warning", "info"). */
const char *rule_severity_name(esr_severity s);
/* Severity for a name, or -1. */
int rule_severity_parse(const char *name);

#endif
