/* test_explain.c - a row's lineage as text: columns read, decisions with
 * the mapping rows behind them, findings, fate. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "explain.h"
#include "rules.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_classifier *cls;
static char *header[] = {"Occ Code", "Job Title", "Grade", "WTE"};
static esr_schema schema;

static void setup(void)
{
    m = th_mappings();
    cls = classify_new(m, ESR_CLASSIFY_EVIDENCE);
    cr_assert_not_null(cls);
    for (int c = 0; c < ESR_COL_COUNT; c++)
        schema.pos[c] = -1;
    schema.pos[ESR_COL_OCCUPATION_CODE] = 0;
    schema.pos[ESR_COL_POSITION_TITLE] = 1;
    schema.pos[ESR_COL_PAY_BAND] = 2;
    schema.pos[ESR_COL_FTE] = 3;
    schema.ncols = 4;
    schema.header = header;
}

static void teardown(void)
{
    classify_free(cls);
    mappings_close(m);
}

TestSuite(explain, .init = setup, .fini = teardown);

/* An empty record from line of "x.csv". */
static esr_record blank(uint64_t line)
{
    esr_record r;
    record_init(&r, "x.csv", line);
    return r;
}

/* A classified record read from line 7 of "x.csv". */
static esr_record classified(const char *code, const char *title, const char *band, long long fte)
{
    esr_record r = blank(7);
    r.f[ESR_COL_OCCUPATION_CODE] = code;
    r.f[ESR_COL_POSITION_TITLE] = title;
    r.f[ESR_COL_PAY_BAND] = band;
    r.f[ESR_COL_FTE] = "0.5";
    r.fte_e5 = fte;
    classify_record(cls, &r);
    return r;
}

/* A record rejected on line by rule (not classified). */
static esr_record rejected(uint64_t line, int rule, const char *detail)
{
    esr_record r = blank(line);
    r.scope = ESR_SCOPE_REJECTED;
    r.reason_rule = rule;
    r.reason_detail = detail;
    return r;
}

/* The explanation of r, as a string the test frees. */
static char *explained(const esr_record *r)
{
    esr_buf b = {0};
    cr_assert_eq(explain_record(m, &schema, r, &b), 0);
    return b.data;
}

static void has(const char *text, const char *want)
{
    cr_assert_not_null(strstr(text, want), "missing \"%s\" in:\n%s", want, text);
}

Test(explain, in_scope_row_names_its_mapping_rows)
{
    esr_record r = classified("H2H", "OT Support Worker", "Band 3", 50000);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_not_null(r.occ);
    char *t = explained(&r);
    has(t, "x.csv line 7: in scope: counted in the return\n");
    has(t, "occupation_code        \"H2H\"  (column 1, \"Occ Code\")");
    has(t, "fte                    \"0.5\"  (column 4, \"WTE\")");
    char want[160];
    snprintf(want, sizeof want, "%s (from the occupation code, occupation_codes.csv:%zu)",
             m->prof[r.profession].name, r.occ->line);
    has(t, want);
    snprintf(want, sizeof want, "support role             %s (occupation_codes.csv:%zu)",
             m->roles[r.role].name, r.occ->line);
    has(t, want);
    has(t, "pay band                 Band 3 (bands.csv)");
    snprintf(want, sizeof want, "job title                %s match, confidence %d, rule %s",
             r.title_match, r.title_score, r.title_rule);
    has(t, want);
    has(t, r.standard_title);
    has(t, "FTE                      0.50000\n");
    free(t);
}

Test(explain, out_of_scope_row_says_why)
{
    esr_record r = classified("N6A", "Staff Nurse", "Band 5", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    char *t = explained(&r);
    has(t, "x.csv line 7: out of scope\n  why                      not a support role\n");
    has(t, "support role             Not a support role");
    free(t);
}

Test(explain, findings_with_severity_field_and_value)
{
    esr_record r = classified("H2H", "OT Support Worker", "Band 3", 50000);
    record_flag(&r, ESR_RULE_AREA_UNKNOWN, "Moon Base");
    char *t = explained(&r);
    const esr_rule_info *ri = &m->rules[ESR_RULE_AREA_UNKNOWN];
    char want[300];
    snprintf(want, sizeof want, "    %s (%s, %s): %s (\"Moon Base\")\n",
             rule_id(ESR_RULE_AREA_UNKNOWN),
             ri->severity == ESR_SEV_WARNING ? "warning"
             : ri->severity == ESR_SEV_INFO  ? "info"
                                             : "error",
             ri->field, ri->message);
    has(t, "  findings:\n");
    has(t, want);
    free(t);
}

Test(explain, rejected_row_gives_rule_message_and_value)
{
    esr_record r = rejected(9, ESR_RULE_FTE_NOT_NUMBER, "lots");
    r.f[ESR_COL_FTE] = "lots";
    char *t = explained(&r);
    has(t, "x.csv line 9: rejected\n");
    char want[200];
    snprintf(want, sizeof want, "  rule                     %s\n  why                      %s\n",
             rule_id(ESR_RULE_FTE_NOT_NUMBER), m->rules[ESR_RULE_FTE_NOT_NUMBER].message);
    has(t, want);
    has(t, "  value                    lots\n");
    has(t, "fte                    \"lots\"  (column 4, \"WTE\")");
    cr_assert_null(strstr(t, "profession supported"), "a rejected row was not classified:\n%s", t);
    free(t);
}

Test(explain, torn_row_shows_no_columns)
{
    esr_record r = rejected(3, ESR_RULE_ROW_TORN, "2 fields, header has 4");
    char *t = explained(&r);
    has(t, "  value                    2 fields, header has 4\n");
    cr_assert_null(strstr(t, "read from the export"), "a torn row has no columns:\n%s", t);
    free(t);
}

Test(explain, oversize_row_shows_no_columns)
{
    esr_record r = rejected(4, ESR_RULE_FIELD_TOO_BIG, "");
    char *t = explained(&r);
    char want[120];
    snprintf(want, sizeof want, "  rule                     %s\n", rule_id(ESR_RULE_FIELD_TOO_BIG));
    has(t, want);
    cr_assert_null(strstr(t, "read from the export"), "an oversize row was never read:\n%s", t);
    free(t);
}
