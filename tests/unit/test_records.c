/* test_records.c - rendering a classified record into records.csv columns. */
#include <criterion/criterion.h>
#include <string.h>

#include "classify.h"
#include "decide.h"
#include "records.h"
#include "unit_helpers.h"
#include "validate.h"

static esr_mappings *m;

static void setup(void)
{
    m = th_mappings();
}

static void teardown(void)
{
    mappings_close(m);
}

TestSuite(records, .init = setup, .fini = teardown);

static esr_record base(void)
{
    esr_record r;
    record_init(&r, "export.csv", 17);
    r.f[ESR_COL_ORG_CODE] = "R0A";
    r.f[ESR_COL_POSITION_TITLE] = "Physio Assistant";
    r.f[ESR_COL_OCCUPATION_CODE] = "s9e";
    r.f[ESR_COL_STAFF_GROUP] = "Additional Clinical Services";
    r.f[ESR_COL_JOB_ROLE] = "Assistant";
    r.f[ESR_COL_PAY_BAND] = "AfC Band 3";
    r.f[ESR_COL_AREA_OF_WORK] = "";
    r.f[ESR_COL_FTE] = "0.8";
    r.f[ESR_COL_ASSIGNMENT_CATEGORY] = "Permanent";
    return r;
}

Test(records, column_names)
{
    cr_assert_str_eq(records_col_name(RC_ORG_CODE), "org_code");
    cr_assert_str_eq(records_col_name(RC_PROFESSION), "profession_supported");
    cr_assert_str_eq(records_col_name(RC_DQ_FLAGS), "dq_flags");
    cr_assert_str_eq(records_col_name(RC_COUNT), "");
    for (int c = 0; c < RC_COUNT; c++)
        cr_assert_neq(strlen(records_col_name(c)), 0, "column %d named", c);
    cr_assert(records_col_numeric(RC_FTE));
    cr_assert(records_col_numeric(RC_SOURCE_LINE));
    cr_assert(records_col_numeric(RC_LEVEL));
    cr_assert_not(records_col_numeric(RC_EMPLOYEE_NUMBER), "ids are text (leading zeros)");
    cr_assert_not(records_col_numeric(RC_OCCUPATION_CODE));
}

Test(records, column_labels_for_people)
{
    cr_assert_str_eq(records_col_label(RC_FTE), "FTE");
    cr_assert_str_eq(records_col_label(RC_PROFESSION), "Profession supported");
    cr_assert_str_eq(records_col_label(RC_POSITION_TITLE), "Local job title");
    cr_assert_str_eq(records_col_label(RC_COUNT), "", "past the end: as records_col_name");
    for (int c = 0; c < RC_COUNT; c++) {
        const char *l = records_col_label(c);
        cr_assert(l[0] >= 'A' && l[0] <= 'Z' && !strchr(l, '_'), "column %d: %s is for people", c,
                  l);
        for (int k = 0; k < c; k++)
            cr_assert_str_neq(records_col_label(k), l, "columns %d and %d share a heading", k, c);
    }
}

Test(records, render_classified_record)
{
    esr_classifier *cls = classify_new(m, ESR_CLASSIFY_EVIDENCE);
    esr_validator *val = validate_new(m);
    esr_record r = base();
    cr_assert_eq(decide_row(val, cls, NULL, &r), ESR_OK, "the decisions run makes");
    cr_assert_eq(r.scope, ESR_SCOPE_IN);

    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "EMP-PSEUDO", "ASG-PSEUDO", &out), 0);
    cr_assert_str_eq(out.v[RC_ORG_CODE], "R0A");
    cr_assert_str_eq(out.v[RC_SOURCE_FILE], "export.csv");
    cr_assert_str_eq(out.v[RC_SOURCE_LINE], "17");
    cr_assert_str_eq(out.v[RC_EMPLOYEE_NUMBER], "EMP-PSEUDO");
    cr_assert_str_eq(out.v[RC_ASSIGNMENT_NUMBER], "ASG-PSEUDO");
    cr_assert_str_eq(out.v[RC_POSITION_TITLE], "Physio Assistant");
    cr_assert_str_eq(out.v[RC_OCCUPATION_CODE], "S9E", "normalised code");
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "valid");
    cr_assert_str_eq(out.v[RC_STAFF_GROUP], "Additional Clinical Services");
    cr_assert_str_eq(out.v[RC_PROFESSION], "Physiotherapy");
    cr_assert_str_eq(out.v[RC_PROFESSION_SOURCE], "code");
    cr_assert_str_eq(out.v[RC_SUPPORT_ROLE], "Assistant");
    cr_assert_str_eq(out.v[RC_LEVEL], "3");
    cr_assert_str_eq(out.v[RC_PAY_BAND], "Band 3", "canonical band");
    cr_assert_str_eq(out.v[RC_AREA_OF_WORK], "");
    cr_assert_str_eq(out.v[RC_FTE], "0.80000");
    cr_assert_eq(out.fte_e5, 80000);
    cr_assert_str_eq(out.v[RC_ASSIGNMENT_CATEGORY], "Permanent");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "area_blank");
    for (int c = 0; c < RC_COUNT; c++)
        cr_assert_not_null(out.v[c], "column %s set", records_col_name(c));

    /* rendering again into the same scratch reuses it correctly */
    r.line = 123456;
    record_flag(&r, ESR_RULE_TITLE_UNMAPPED, "");
    cr_assert_eq(records_render(&r, m, "e", "a", &out), 0);
    cr_assert_str_eq(out.v[RC_SOURCE_LINE], "123456");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "area_blank;title_unmapped");
    cr_assert_str_eq(out.v[RC_FTE], "0.80000");
    records_rendered_free(&out);
    validate_free(val);
    classify_free(cls);
}

Test(records, unrecognised_values_shown_as_given)
{
    esr_classifier *cls = classify_new(m, ESR_CLASSIFY_EVIDENCE);
    esr_record r = base();
    r.f[ESR_COL_OCCUPATION_CODE] = "Q-1X";
    r.f[ESR_COL_POSITION_TITLE] = ""; /* no title evidence either */
    r.f[ESR_COL_PAY_BAND] = "Grade Z";
    r.f[ESR_COL_AREA_OF_WORK] = "Moon Base";
    r.fte_e5 = 100000;
    classify_record(cls, &r);
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "", "", &out), 0);
    cr_assert_str_eq(out.v[RC_OCCUPATION_CODE], "Q-1X");
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "malformed");
    cr_assert_str_eq(out.v[RC_PAY_BAND], "Grade Z");
    cr_assert_str_eq(out.v[RC_AREA_OF_WORK], "Moon Base");
    cr_assert_str_eq(out.v[RC_LEVEL], "", "level 0 renders empty");
    cr_assert_str_eq(out.v[RC_PROFESSION], "Unknown");
    cr_assert_str_eq(out.v[RC_PROFESSION_SOURCE], "");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "");
    records_rendered_free(&out);
    classify_free(cls);
}

Test(records, retired_and_negative_fte)
{
    esr_classifier *cls = classify_new(m, ESR_CLASSIFY_EVIDENCE);
    esr_record r = base();
    r.f[ESR_COL_OCCUPATION_CODE] = "A2A";
    r.fte_e5 = -12345;
    classify_record(cls, &r);
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "", "", &out), 0);
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "retired");
    cr_assert_str_eq(out.v[RC_FTE], "-0.12345");
    records_rendered_free(&out);
    classify_free(cls);
}
