/* test_validate.c - rejection rules and data-quality findings. */
#include <criterion/criterion.h>
#include <string.h>

#include "classify.h"
#include "decide.h"
#include "unit_helpers.h"
#include "validate.h"

static esr_mappings *m;
static esr_validator *val;
static esr_classifier *cls;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(validate_new(m, &val), ESR_OK);
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    cr_assert_not_null(val);
    cr_assert_not_null(cls);
}

static void teardown(void)
{
    classify_free(cls);
    validate_free(val);
    mappings_close(m);
}

TestSuite(validate, .init = setup, .fini = teardown);

static esr_record rec(const char *org, const char *asg, const char *code, const char *fte)
{
    esr_record r;
    record_init(&r, "", 0);
    r.f[ESR_COL_ORG_CODE] = org;
    r.f[ESR_COL_ASSIGNMENT_NUMBER] = asg;
    r.f[ESR_COL_OCCUPATION_CODE] = code;
    r.f[ESR_COL_POSITION_TITLE] = "Physiotherapy Assistant";
    r.f[ESR_COL_FTE] = fte;
    r.f[ESR_COL_PAY_BAND] = "Band 3";
    r.f[ESR_COL_AREA_OF_WORK] = "Physiotherapy";
    return r;
}

static int has(const esr_record *r, int rule)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].rule == rule)
            return 1;
    return 0;
}

static const char *detail(const esr_record *r, int rule)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].rule == rule)
            return r->findings[i].detail;
    return NULL;
}

/* Every decision on r, through decide_row as run and stage call it.
 * Returns 0 unless r was rejected. */
static int full(esr_record *r)
{
    cr_assert_eq(decide_row(val, cls, NULL, r), ESR_OK);
    return r->scope == ESR_SCOPE_REJECTED ? -1 : 0;
}

/* --max-fte: 2.0 per assignment by default; above it the row is rejected
 * with its value, at it the row is read. */
Test(validate, fte_above_max_rejected_with_value)
{
    esr_record r = rec("R0A", "1-1", "S9E", "2.00001");
    cr_assert_eq(validate_fields(val, &r), -1);
    cr_assert_eq(r.scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(r.reason_rule, ESR_RULE_FTE_ABOVE_MAX);
    cr_assert_str_eq(r.reason_detail, "2.00001");
    r = rec("R0A", "1-1", "S9E", "999999999999.99999");
    cr_assert_eq(validate_fields(val, &r), -1);
    cr_assert_eq(r.reason_rule, ESR_RULE_FTE_ABOVE_MAX);
    r = rec("R0A", "1-1", "S9E", "2");
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.fte_e5, 200000);
    validate_set_max_fte(val, 300000);
    r = rec("R0A", "1-1", "S9E", "2.5");
    cr_assert_eq(validate_fields(val, &r), 0);
    validate_set_max_fte(val, ESR_MAX_FTE_DEFAULT_E5);
}

Test(validate, fte_parsed_on_success)
{
    esr_record r = rec("R0A", "1-1", "S9E", "0.53333");
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_eq(r.fte_e5, 53333);
    cr_assert_eq(r.reason_rule, -1);
}

Test(validate, fte_not_a_number)
{
    static const char *const bad[] = {"n/a", "1,0", "", "one", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        esr_record r = rec("R0A", "", "S9E", bad[i]);
        cr_assert_neq(validate_fields(val, &r), 0, "\"%s\"", bad[i]);
        cr_assert_eq(r.scope, ESR_SCOPE_REJECTED);
        cr_assert_eq(r.reason_rule, ESR_RULE_FTE_NOT_NUMBER, "\"%s\": rule %d", bad[i],
                     r.reason_rule);
        cr_assert_str_eq(r.reason_detail, bad[i]);
    }
}

Test(validate, fte_negative)
{
    esr_record r = rec("R0A", "9", "S9E", "-0.5");
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(r.reason_rule, ESR_RULE_FTE_NEGATIVE);
    cr_assert_str_eq(r.reason_detail, "-0.5");
    /* "-0" is zero, not negative */
    r = rec("R0A", "", "S9E", "-0");
    cr_assert_eq(validate_fields(val, &r), 0);
}

Test(validate, no_code_no_title)
{
    esr_record r = rec("R0A", "", "", "1");
    r.f[ESR_COL_POSITION_TITLE] = "";
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.reason_rule, ESR_RULE_NO_CODE_NO_TITLE);
    /* a title alone is enough */
    r = rec("R0A", "", "", "1");
    cr_assert_eq(validate_fields(val, &r), 0);
}

Test(validate, duplicate_assignment_same_org)
{
    esr_record a = rec("R0A", "12345678-2", "S9E", "1");
    cr_assert_eq(full(&a), 0);
    cr_assert_eq(a.scope, ESR_SCOPE_IN);
    esr_record b = rec("R0A", "12345678-2", "S9E", "0.5");
    cr_assert_neq(full(&b), 0);
    cr_assert_eq(b.scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(b.reason_rule, ESR_RULE_ASSIGNMENT_DUPLICATE);
    cr_assert_str_eq(b.reason_detail, "12345678-2");
    /* and again the third time */
    esr_record c = rec("R0A", "12345678-2", "S9E", "0.5");
    cr_assert_neq(full(&c), 0);
    cr_assert_eq(c.reason_rule, ESR_RULE_ASSIGNMENT_DUPLICATE);
}

Test(validate, duplicate_is_found_after_classification_not_before)
{
    esr_record a = rec("R0A", "31", "S9E", "1");
    esr_record b = rec("R0A", "31", "S9E", "1");
    cr_assert_eq(validate_fields(val, &a), 0);
    cr_assert_eq(validate_fields(val, &b), 0, "validate_fields remembers nothing");
    classify_record(cls, &a);
    classify_record(cls, &b);
    cr_assert_eq(validate_duplicate(val, &a), ESR_OK);
    cr_assert_eq(a.scope, ESR_SCOPE_IN);
    cr_assert_eq(validate_duplicate(val, &b), ESR_OK, "a duplicate is a reject, not an error");
    cr_assert_eq(b.scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(b.reason_rule, ESR_RULE_ASSIGNMENT_DUPLICATE);
}

Test(validate, rejected_duplicate_keeps_no_findings)
{
    esr_record a = rec("R0A", "41", "S9E", "1");
    cr_assert_eq(full(&a), 0);
    /* classify flags the unmatched title before the check */
    esr_record b = rec("R0A", "41", "S9E", "1");
    b.f[ESR_COL_POSITION_TITLE] = "Xqzt Wvvb";
    cr_assert_eq(validate_fields(val, &b), 0);
    classify_record(cls, &b);
    cr_assert_gt(b.nfindings, 0, "the case needs a finding from classify");
    cr_assert_eq(validate_duplicate(val, &b), ESR_OK);
    cr_assert_eq(b.scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(b.nfindings, 0, "first finding left: %s",
                 b.nfindings ? rule_id(b.findings[0].rule) : "");
}

Test(validate, out_of_scope_repeat_is_not_duplicate_nor_remembered)
{
    /* zero FTE (out of scope) three times: counted out of scope each time */
    for (int i = 0; i < 3; i++) {
        esr_record r = rec("R0A", "12-1", "S9E", "0");
        cr_assert_eq(full(&r), 0, "repeat %d", i);
        cr_assert_eq(r.scope, ESR_SCOPE_OUT);
        cr_assert_eq(r.out_reason, ESR_OUT_ZERO_FTE);
        cr_assert_eq(r.reason_rule, -1);
    }
    /* a registered role, out of scope for another reason, likewise */
    for (int i = 0; i < 2; i++) {
        esr_record r = rec("R0A", "12-1", "S1E", "1");
        cr_assert_eq(full(&r), 0);
        cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    }
    /* nothing with this key was counted in scope: the first in-scope row counts */
    esr_record in = rec("R0A", "12-1", "S9E", "1");
    cr_assert_eq(full(&in), 0);
    cr_assert_eq(in.scope, ESR_SCOPE_IN);
    /* and from then on an in-scope repeat is a duplicate */
    esr_record again = rec("R0A", "12-1", "S9E", "1");
    cr_assert_neq(full(&again), 0);
    cr_assert_eq(again.reason_rule, ESR_RULE_ASSIGNMENT_DUPLICATE);
}

Test(validate, out_of_scope_repeat_of_counted_assignment_stays_out_of_scope)
{
    esr_record a = rec("R0A", "13-1", "S9E", "1");
    cr_assert_eq(full(&a), 0);
    esr_record b = rec("R0A", "13-1", "S9E", "0");
    cr_assert_eq(full(&b), 0, "only in-scope rows are checked");
    cr_assert_eq(b.scope, ESR_SCOPE_OUT);
    cr_assert_eq(b.out_reason, ESR_OUT_ZERO_FTE);
}

Test(validate, same_assignment_other_org_is_not_duplicate)
{
    esr_record a = rec("R0A", "777", "S9E", "1");
    esr_record b = rec("R0B", "777", "S9E", "1");
    esr_record c = rec("", "777", "S9E", "1");
    cr_assert_eq(full(&a), 0);
    cr_assert_eq(full(&b), 0);
    cr_assert_eq(full(&c), 0);
    /* the key cannot be confused by moving characters between org and number */
    esr_record d = rec("R0", "A777", "S9E", "1");
    cr_assert_eq(full(&d), 0);
}

Test(validate, blank_assignment_never_duplicate)
{
    for (int i = 0; i < 3; i++) {
        esr_record r = rec("R0A", "", "S9E", "1");
        cr_assert_eq(full(&r), 0);
        cr_assert_eq(r.scope, ESR_SCOPE_IN);
    }
}

Test(validate, rejected_fte_does_not_reserve_assignment)
{
    esr_record a = rec("R0A", "55", "S9E", "oops");
    cr_assert_neq(full(&a), 0);
    esr_record b = rec("R0A", "55", "S9E", "1");
    cr_assert_eq(full(&b), 0, "the corrected row is not a duplicate");
}

Test(validate, torn_and_oversize_rows)
{
    char *f[3] = {"a", "b", "c"};
    size_t lens[3] = {1, 1, 1};
    esr_row row = {.nfields = 3, .fields = f, .lens = lens, .line = 5, .end_line = 5};
    esr_record r;
    record_init(&r, "", 5);
    cr_assert_eq(validate_row(val, &row, 3, &r), 0);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_eq(validate_row(val, &row, 4, &r), -1);
    cr_assert_eq(r.reason_rule, ESR_RULE_ROW_TORN);
    cr_assert_str_eq(r.reason_detail, "3 fields, header has 4");
    record_init(&r, "", 5);
    cr_assert_eq(validate_row(val, &row, 2, &r), -1);
    cr_assert_eq(r.reason_rule, ESR_RULE_ROW_TORN);
    esr_row big = {.fault = ESR_ROW_FIELD_TOO_BIG, .line = 6};
    record_init(&r, "", 6);
    cr_assert_eq(validate_row(val, &big, 3, &r), -1);
    cr_assert_eq(r.reason_rule, ESR_RULE_FIELD_TOO_BIG);
    cr_assert(validate_unread(ESR_RULE_FIELD_TOO_BIG) && validate_unread(ESR_RULE_ROW_TORN));
    cr_assert(!validate_unread(ESR_RULE_FTE_NOT_NUMBER));
    esr_row wide = {.fault = ESR_ROW_TOO_MANY_COLUMNS, .line = 7};
    record_init(&r, "", 7);
    cr_assert_eq(validate_row(val, &wide, 3, &r), -1);
    cr_assert_eq(r.reason_rule, ESR_RULE_ROW_TORN);
    cr_assert_eq(r.scope, ESR_SCOPE_REJECTED);
}

Test(validate, clean_row_has_no_findings)
{
    esr_record r = rec("R0A", "1", "S9E", "1");
    cr_assert_eq(full(&r), 0);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_eq(r.nfindings, 0, "first finding: %s",
                 r.nfindings ? rule_id(r.findings[0].rule) : "");
}

Test(validate, area_blank_and_unknown)
{
    esr_record r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_AREA_OF_WORK] = "";
    full(&r);
    cr_assert(has(&r, ESR_RULE_AREA_BLANK));
    cr_assert_not(has(&r, ESR_RULE_AREA_UNKNOWN));

    r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_AREA_OF_WORK] = "Moon Base";
    full(&r);
    cr_assert(has(&r, ESR_RULE_AREA_UNKNOWN));
    cr_assert_str_eq(detail(&r, ESR_RULE_AREA_UNKNOWN), "Moon Base");
    cr_assert_not(has(&r, ESR_RULE_AREA_BLANK));
}

Test(validate, band_unknown_and_blank)
{
    esr_record r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_PAY_BAND] = "Grade Q";
    full(&r);
    cr_assert(has(&r, ESR_RULE_BAND_UNKNOWN));
    cr_assert_str_eq(detail(&r, ESR_RULE_BAND_UNKNOWN), "Grade Q");

    r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_PAY_BAND] = "";
    full(&r);
    cr_assert(has(&r, ESR_RULE_BAND_BLANK));
    cr_assert_not(has(&r, ESR_RULE_BAND_UNKNOWN));
}

Test(validate, band_ap_not_4)
{
    esr_record r = rec("R0A", "", "S5E", "1");
    r.f[ESR_COL_PAY_BAND] = "Band 3";
    full(&r);
    cr_assert(has(&r, ESR_RULE_BAND_AP_NOT_4));
    cr_assert_str_eq(detail(&r, ESR_RULE_BAND_AP_NOT_4), "Band 3");

    r = rec("R0A", "", "S5E", "1");
    r.f[ESR_COL_PAY_BAND] = "AfC Band 4";
    full(&r);
    cr_assert_not(has(&r, ESR_RULE_BAND_AP_NOT_4));
}

Test(validate, band_high_support)
{
    esr_record r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_PAY_BAND] = "Band 6";
    full(&r);
    cr_assert(has(&r, ESR_RULE_BAND_HIGH_SUPPORT));
}

Test(validate, fte_high)
{
    esr_record r = rec("R0A", "", "S9E", "1.50001");
    full(&r);
    cr_assert(has(&r, ESR_RULE_FTE_HIGH));
    cr_assert_str_eq(detail(&r, ESR_RULE_FTE_HIGH), "1.50001");
    r = rec("R0A", "", "S9E", "1.5");
    full(&r);
    cr_assert_not(has(&r, ESR_RULE_FTE_HIGH), "1.5 itself is not above 1.5");
}

Test(validate, occupation_findings)
{
    esr_record r = rec("R0A", "", "A2A", "1");
    full(&r);
    cr_assert(has(&r, ESR_RULE_OCC_RETIRED));
    cr_assert_str_eq(detail(&r, ESR_RULE_OCC_RETIRED), "A2A");

    r = rec("R0A", "", "QQ9", "1");
    full(&r);
    cr_assert(has(&r, ESR_RULE_OCC_UNKNOWN));
    cr_assert_str_eq(detail(&r, ESR_RULE_OCC_UNKNOWN), "QQ9");

    r = rec("R0A", "", "", "1");
    full(&r);
    cr_assert(has(&r, ESR_RULE_OCC_MISSING));

    r = rec("R0A", "", "S9EX", "1");
    full(&r);
    cr_assert(has(&r, ESR_RULE_OCC_MALFORMED));
}

Test(validate, out_of_scope_rows_get_no_field_findings)
{
    esr_record r = rec("R0A", "", "S1E", "1.9");
    r.f[ESR_COL_AREA_OF_WORK] = "";
    r.f[ESR_COL_PAY_BAND] = "";
    full(&r);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_not(has(&r, ESR_RULE_AREA_BLANK));
    cr_assert_not(has(&r, ESR_RULE_BAND_BLANK));
    cr_assert_not(has(&r, ESR_RULE_FTE_HIGH));
}

/* A support-role code in a registered staff group, or on a registered
 * job role, is flagged; in Additional Clinical Services it is not. */
Test(validate, support_code_in_registered_staff_group)
{
    esr_mappings *mp = th_mappings();
    esr_classifier *cl;
    cr_assert_eq(classify_new(mp, ESR_CLASSIFY_EVIDENCE, &cl), ESR_OK);
    esr_validator *v;
    cr_assert_eq(validate_new(mp, &v), ESR_OK);
    const char *groups[3] = {"Allied Health Professionals", "Additional Clinical Services", ""};
    const char *roles[3] = {"", "", "Physiotherapist"};
    int want[3] = {1, 0, 1};
    for (int k = 0; k < 3; k++) {
        esr_record r;
        record_init(&r, "", 0);
        r.f[ESR_COL_OCCUPATION_CODE] = "S9E";
        r.f[ESR_COL_POSITION_TITLE] = "Physiotherapy Assistant";
        r.f[ESR_COL_STAFF_GROUP] = groups[k];
        r.f[ESR_COL_JOB_ROLE] = roles[k];
        r.f[ESR_COL_AREA_OF_WORK] = "Physiotherapy";
        r.f[ESR_COL_PAY_BAND] = "Band 3";
        r.f[ESR_COL_FTE] = "1";
        cr_assert_eq(decide_row(v, cl, NULL, &r), ESR_OK);
        cr_assert_neq(r.scope, ESR_SCOPE_REJECTED);
        int found = 0;
        for (size_t i = 0; i < r.nfindings; i++)
            found |= r.findings[i].rule == ESR_RULE_OCC_INCONSISTENT;
        cr_assert_eq(found, want[k], "case %d (%s / %s)", k, groups[k], roles[k]);
    }
    validate_free(v);
    classify_free(cl);
    mappings_close(mp);
}

/* A trainee assistant practitioner (AP code, trainee title) not at band 3
 * is flagged; at band 3 it is not. */
Test(validate, trainee_assistant_practitioner_band)
{
    esr_mappings *mp = th_mappings();
    esr_classifier *cl;
    cr_assert_eq(classify_new(mp, ESR_CLASSIFY_EVIDENCE, &cl), ESR_OK);
    esr_validator *v;
    cr_assert_eq(validate_new(mp, &v), ESR_OK);
    const char *bands[2] = {"Band 4", "Band 3"};
    for (int k = 0; k < 2; k++) {
        esr_record r;
        record_init(&r, "", 0);
        r.f[ESR_COL_OCCUPATION_CODE] = "S5E";
        r.f[ESR_COL_POSITION_TITLE] = "Trainee Assistant Practitioner";
        r.f[ESR_COL_AREA_OF_WORK] = "Physiotherapy";
        r.f[ESR_COL_PAY_BAND] = bands[k];
        r.f[ESR_COL_FTE] = "1";
        cr_assert_eq(decide_row(v, cl, NULL, &r), ESR_OK);
        cr_assert_neq(r.scope, ESR_SCOPE_REJECTED);
        cr_assert_str_eq(mp->roles[r.role].name, "Trainee assistant practitioner");
        int found = 0;
        for (size_t i = 0; i < r.nfindings; i++)
            found |= r.findings[i].rule == ESR_RULE_BAND_TRAINEE_NOT_3;
        cr_assert_eq(found, k == 0, "%s", bands[k]);
    }
    validate_free(v);
    classify_free(cl);
    mappings_close(mp);
}

Test(validate, excel_scientific_numbers_are_rejected)
{
    esr_record r = rec("R0A", "1-1", "S9E", "1");
    r.f[ESR_COL_EMPLOYEE_NUMBER] = "2.10E+06";
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.reason_rule, ESR_RULE_EMPLOYEE_NUMBER_SCIENTIFIC);
    cr_assert_str_eq(r.reason_detail, "2.10E+06");
    r = rec("R0A", "2.1E+07", "S9E", "1");
    r.f[ESR_COL_EMPLOYEE_NUMBER] = "0010123917";
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.reason_rule, ESR_RULE_ASSIGNMENT_NUMBER_SCIENTIFIC);
    cr_assert(strstr(m->rules[ESR_RULE_EMPLOYEE_NUMBER_SCIENTIFIC].message,
                     "re-export from ESR without opening"));
}

Test(validate, decimal_comma_read_only_where_the_delimiter_is_not_a_comma)
{
    esr_record r = rec("R0A", "1-1", "S9E", "0,5");
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.reason_rule, ESR_RULE_FTE_NOT_NUMBER);
    cr_assert_str_eq(r.reason_detail, "0,5");
    validate_set_decimal_comma(val, 1);
    r = rec("R0A", "1-1", "S9E", "0,5");
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.fte_e5, 50000);
    cr_assert(has(&r, ESR_RULE_FTE_DECIMAL_COMMA));
    r = rec("R0A", "1-1", "S9E", "1 0");
    cr_assert_neq(validate_fields(val, &r), 0, "a space inside is never read");
    cr_assert_str_eq(r.reason_detail, "1 0");
}

Test(validate, fte_from_contracted_hours)
{
    esr_record r = rec("R0A", "1-1", "S9E", "");
    r.f[ESR_COL_CONTRACTED_HOURS] = "22.5";
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.fte_e5, 60000, "22.5 / 37.5");
    cr_assert_str_eq(detail(&r, ESR_RULE_FTE_FROM_HOURS), "22.5");
    validate_set_full_time(val, 4000000); /* a 40-hour week */
    r = rec("R0A", "1-1", "S9E", "");
    r.f[ESR_COL_CONTRACTED_HOURS] = "30";
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.fte_e5, 75000);
    r = rec("R0A", "1-1", "S9E", "");
    r.f[ESR_COL_CONTRACTED_HOURS] = "full";
    cr_assert_neq(validate_fields(val, &r), 0);
    cr_assert_eq(r.reason_rule, ESR_RULE_HOURS_NOT_NUMBER);
    /* an FTE value wins over hours */
    r = rec("R0A", "1-1", "S9E", "0.4");
    r.f[ESR_COL_CONTRACTED_HOURS] = "37.5";
    cr_assert_eq(validate_fields(val, &r), 0);
    cr_assert_eq(r.fte_e5, 40000);
    cr_assert_not(has(&r, ESR_RULE_FTE_FROM_HOURS));
}

Test(validate, assignment_status_from_the_table)
{
    static const struct {
        const char *status;
        esr_scope scope;
        int unknown;
    } cases[] = {
        {"Active Assignment", ESR_SCOPE_IN, 0},
        {"Acting Up", ESR_SCOPE_IN, 0},
        {"Internal Secondment", ESR_SCOPE_IN, 0},
        {"", ESR_SCOPE_IN, 0},
        {"INACTIVE ASSIGNMENT", ESR_SCOPE_OUT, 0},
        {"Suspend Assignment", ESR_SCOPE_OUT, 0},
        {"Terminate Assignment", ESR_SCOPE_OUT, 0},
        {"End Dated", ESR_SCOPE_OUT, 0},
        {"Frobbed", ESR_SCOPE_IN, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char asg[16];
        snprintf(asg, sizeof asg, "S-%zu", i);
        esr_record r = rec("R0A", asg, "S9E", "1");
        r.f[ESR_COL_ASSIGNMENT_STATUS] = cases[i].status;
        cr_assert_eq(full(&r), 0);
        cr_assert_eq(r.scope, cases[i].scope, "\"%s\"", cases[i].status);
        if (r.scope == ESR_SCOPE_OUT)
            cr_assert_eq(r.out_reason, ESR_OUT_STATUS);
        cr_assert_eq(has(&r, ESR_RULE_STATUS_UNKNOWN), cases[i].unknown, "\"%s\"", cases[i].status);
    }
}

/* The fte_high and band_high_support limits are dq_limits.csv's: a
 * different limit moves the finding with it. */
Test(validate, limits_come_from_the_mappings)
{
    m->fte_high_e5 = 120000; /* 1.2 */
    esr_record r = rec("R0A", "", "S9E", "1.3");
    full(&r);
    cr_assert(has(&r, ESR_RULE_FTE_HIGH));
    r = rec("R0A", "", "S9E", "1.2");
    full(&r);
    cr_assert_not(has(&r, ESR_RULE_FTE_HIGH));

    m->band_high_support = 7;
    r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_PAY_BAND] = "Band 6";
    full(&r);
    cr_assert_not(has(&r, ESR_RULE_BAND_HIGH_SUPPORT), "band 6 is below a limit of 7");
    r = rec("R0A", "", "S9E", "1");
    r.f[ESR_COL_PAY_BAND] = "Band 7";
    full(&r);
    cr_assert(has(&r, ESR_RULE_BAND_HIGH_SUPPORT));
}
