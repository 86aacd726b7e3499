/* test_classify.c - occupation code -> profession, role, level, scope. */
#include <criterion/criterion.h>
#include <string.h>

#include "classify.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_classifier *cls;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    cr_assert_not_null(cls);
}

static void teardown(void)
{
    classify_free(cls);
    mappings_close(m);
}

TestSuite(classify, .init = setup, .fini = teardown);

static esr_record rec(const char *code, const char *band, long long fte_e5)
{
    esr_record r;
    record_init(&r, "", 0);
    r.f[ESR_COL_OCCUPATION_CODE] = code;
    r.f[ESR_COL_PAY_BAND] = band;
    r.f[ESR_COL_POSITION_TITLE] = "Some Title";
    r.fte_e5 = fte_e5;
    return r;
}

static esr_record classified(const char *code, const char *band, long long fte_e5)
{
    esr_record r = rec(code, band, fte_e5);
    classify_record(cls, &r);
    return r;
}

static const char *prof(const esr_record *r)
{
    cr_assert_geq(r->profession, 0);
    return m->prof[r->profession].name;
}

static const char *role(const esr_record *r)
{
    cr_assert_geq(r->role, 0);
    return m->roles[r->role].name;
}

Test(classify, s5e_assistant_practitioner_in_scope)
{
    esr_record r = classified("S5E", "Band 4", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_eq(r.occ_state, ESR_OCC_VALID);
    cr_assert_not_null(r.occ);
    cr_assert_str_eq(r.occ_code, "S5E");
    cr_assert_str_eq(role(&r), "Assistant practitioner");
    cr_assert_str_eq(prof(&r), "Physiotherapy");
    cr_assert_eq(r.prof_source, ESR_PSRC_CODE);
    cr_assert_eq(r.level, 4);
    cr_assert_eq(r.out_reason, ESR_OUT_NONE);
}

Test(classify, s5e_level_is_4_whatever_the_band)
{
    esr_record r = classified("S5E", "Band 3", 100000);
    cr_assert_eq(r.level, 4);
    r = classified("S5E", "", 100000);
    cr_assert_eq(r.level, 4);
}

Test(classify, medical_three_digits_out_of_scope)
{
    esr_record r = classified("109", "", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_eq(r.occ_state, ESR_OCC_MEDICAL);
    cr_assert_eq(r.out_reason, ESR_OUT_MEDICAL);
    cr_assert_null(r.occ);
    cr_assert_str_eq(role(&r), "Not a support role");
}

Test(classify, registered_therapist_out_of_scope)
{
    esr_record r = classified("S1E", "Band 6", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_eq(r.occ_state, ESR_OCC_VALID);
    cr_assert_eq(r.out_reason, ESR_OUT_NOT_SUPPORT);
    cr_assert_str_eq(prof(&r), "Physiotherapy");
}

Test(classify, technician_out_of_scope)
{
    esr_record r = classified("S4T", "Band 4", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_eq(r.out_reason, ESR_OUT_TECHNICIAN);
}

Test(classify, zero_fte_out_of_scope)
{
    esr_record r = classified("S9E", "Band 2", 0);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_eq(r.out_reason, ESR_OUT_ZERO_FTE);
    cr_assert_str_eq(role(&r), "Assistant", "still classified");
}

Test(classify, blank_code_out_of_scope)
{
    esr_record r = classified("", "Band 3", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_eq(r.occ_state, ESR_OCC_MISSING);
    cr_assert_eq(r.out_reason, ESR_OUT_NO_CODE);
    cr_assert_eq(r.profession, m->prof_unknown);
    cr_assert_eq(r.role, m->role_none);
}

Test(classify, malformed_and_unknown_codes)
{
    static const char *const malformed[] = {"S9", "S9EE", "S-E", "S 9",
                                            "\xc3\xa9"
                                            "E"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        esr_record r = classified(malformed[i], "", 100000);
        cr_assert_eq(r.occ_state, ESR_OCC_MALFORMED, "\"%s\"", malformed[i]);
        cr_assert_eq(r.scope, ESR_SCOPE_OUT);
        cr_assert_eq(r.out_reason, ESR_OUT_NO_CODE);
    }
    esr_record r = classified("ZZ9", "", 100000);
    cr_assert_eq(r.occ_state, ESR_OCC_UNKNOWN);
    cr_assert_eq(r.out_reason, ESR_OUT_NO_CODE);
    cr_assert_str_eq(r.occ_code, "ZZ9");
}

Test(classify, lowercase_code_accepted)
{
    esr_record r = classified("s9e", "band 2", 100000);
    cr_assert_eq(r.occ_state, ESR_OCC_VALID);
    cr_assert_str_eq(r.occ_code, "S9E");
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_str_eq(prof(&r), "Physiotherapy");
    cr_assert_str_eq(role(&r), "Assistant");
}

Test(classify, retired_code_in_scope)
{
    esr_record r = classified("A2A", "Band 3", 100000);
    cr_assert_eq(r.occ_state, ESR_OCC_RETIRED);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_str_eq(prof(&r), "Paramedic/ambulance");
    r = classified("H1S", "Band 2", 50000);
    cr_assert_eq(r.occ_state, ESR_OCC_RETIRED);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_str_eq(role(&r), "Healthcare assistant");
    cr_assert_eq(r.level, 2);
}

Test(classify, level_from_band_for_assistant)
{
    cr_assert_eq(classified("S9E", "Band 2", 100000).level, 2);
    cr_assert_eq(classified("S9E", "Band 3", 100000).level, 3);
    cr_assert_eq(classified("S9E", "AfC Band 3", 100000).level, 3);
    /* clamped into the role's range 2-3 */
    cr_assert_eq(classified("S9E", "Band 1", 100000).level, 2);
    cr_assert_eq(classified("S9E", "Band 4", 100000).level, 3);
    /* no band, unknown band, or a band without an AfC rank: level unknown */
    cr_assert_eq(classified("S9E", "", 100000).level, 0);
    cr_assert_eq(classified("S9E", "Grade Z", 100000).level, 0);
    cr_assert_eq(classified("S9E", "Spot Salary", 100000).level, 0);
}

Test(classify, band_and_area_lookups)
{
    esr_record r = rec("S9E", "AfC Band 4", 100000);
    r.f[ESR_COL_AREA_OF_WORK] = "physiotherapy";
    classify_record(cls, &r);
    cr_assert_geq(r.band, 0);
    cr_assert_str_eq(m->bands[r.band].name, "Band 4");
    cr_assert_geq(r.area, 0);
    cr_assert_str_eq(m->areas[r.area], "Physiotherapy");

    r = rec("S9E", "Band 99", 100000);
    r.f[ESR_COL_AREA_OF_WORK] = "Underwater Basket Weaving";
    classify_record(cls, &r);
    cr_assert_eq(r.band, -1);
    cr_assert_eq(r.area, -1);
}

Test(classify, code_only_mode_same_for_coded_rows)
{
    esr_classifier *c2;
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_CODE_ONLY, &c2), ESR_OK);
    cr_assert_not_null(c2);
    esr_record a = rec("S5E", "Band 4", 100000), b = a;
    classify_record(cls, &a);
    classify_record(c2, &b);
    cr_assert_eq(a.scope, b.scope);
    cr_assert_eq(a.profession, b.profession);
    cr_assert_eq(a.role, b.role);
    cr_assert_eq(a.level, b.level);
    classify_free(c2);
}

/* An unknown area of work gets the nearest known value as a suggestion;
 * a value near nothing gets none. */
Test(classify, unknown_area_nearest_suggestion)
{
    esr_mappings *mp = th_mappings();
    esr_classifier *cl;
    cr_assert_eq(classify_new(mp, ESR_CLASSIFY_EVIDENCE, &cl), ESR_OK);
    const char *in[4] = {"Podiatry Dept", "Physiotheraphy", "Xyzzy Quux", "Physiotherapy"};
    const char *want[4] = {"Podiatry", "Physiotherapy", "", ""};
    for (int k = 0; k < 4; k++) {
        esr_record r;
        record_init(&r, "", 0);
        r.f[ESR_COL_OCCUPATION_CODE] = "S9E";
        r.f[ESR_COL_AREA_OF_WORK] = in[k];
        r.fte_e5 = 100000;
        classify_record(cl, &r);
        cr_assert_str_eq(r.area_suggestion, want[k], "%s", in[k]);
        cr_assert_eq(r.area >= 0, k == 3);
    }
    classify_free(cl);
    mappings_close(mp);
}

/* A code-less row: title and ESR job role as given. */
static esr_record by_job_role(const char *title, const char *job_role)
{
    esr_record r = rec("", "Band 3", 100000);
    r.f[ESR_COL_POSITION_TITLE] = title;
    r.f[ESR_COL_JOB_ROLE] = job_role;
    classify_record(cls, &r);
    return r;
}

Test(classify, job_role_names_the_role_when_the_title_names_none)
{
    esr_record r = by_job_role("111 Health Advisor", "Emergency Care Assistant");
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    cr_assert_str_eq(role(&r), "Emergency/urgent care support worker");
    cr_assert_str_eq(prof(&r), "Paramedic/ambulance");
    cr_assert_eq(r.prof_source, ESR_PSRC_JOB_ROLE);
    cr_assert_not_null(r.job_role_rule);
    cr_assert(strncmp(r.job_role_rule, "job_roles.csv:", 14) == 0);
    /* spelled as a trust's export spells it: case and spaces do not matter */
    esr_record l = by_job_role("Xqzt", "healthcare  ASSISTANT");
    cr_assert_str_eq(role(&l), "Healthcare assistant");
    cr_assert_str_eq(prof(&l), "Nursing and midwifery");
}

Test(classify, job_role_never_overrides_what_the_title_decided)
{
    /* the title says not support: the job role does not bring it in */
    esr_record out = by_job_role("Ward Clerk", "Healthcare Assistant");
    cr_assert_eq(out.scope, ESR_SCOPE_OUT);
    cr_assert_null(out.job_role_rule);
    /* the title names a role and profession: they stand */
    esr_record t = by_job_role("Physiotherapy Assistant", "Healthcare Assistant");
    cr_assert_str_eq(prof(&t), "Physiotherapy");
    cr_assert_null(t.job_role_rule);
    /* a job role that names no support role decides nothing */
    esr_record n = by_job_role("Xqzt", "Receptionist");
    cr_assert_eq(n.scope, ESR_SCOPE_OUT);
}

Test(classify, job_role_is_not_read_when_the_code_decides)
{
    esr_record r = rec("G2A", "Band 3", 100000); /* clerical: out of scope by code */
    r.f[ESR_COL_JOB_ROLE] = "Healthcare Assistant";
    classify_record(cls, &r);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    cr_assert_null(r.job_role_rule);
}

Test(classify, job_role_is_not_read_in_code_only_mode)
{
    esr_classifier *co;
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_CODE_ONLY, &co), ESR_OK);
    cr_assert_not_null(co);
    esr_record r = rec("", "Band 3", 100000);
    r.f[ESR_COL_JOB_ROLE] = "Emergency Care Assistant";
    classify_record(co, &r);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    classify_free(co);
}

/* The medical and technician codes and the band levels are the mappings'
 * (out_of_scope_reasons.csv, bands.csv), not the classifier's own. */
Test(classify, code_patterns_and_band_levels_come_from_the_mappings)
{
    cr_assert_eq(classified("S4A", "Band 4", 100000).out_reason, ESR_OUT_TECHNICIAN);
    m->out_pattern[ESR_OUT_TECHNICIAN] = "S4T";
    cr_assert_eq(classified("S4T", "Band 4", 100000).out_reason, ESR_OUT_TECHNICIAN);
    cr_assert_eq(classified("S4A", "Band 4", 100000).out_reason, ESR_OUT_NOT_SUPPORT);

    cr_assert_eq(classified("209", "", 100000).occ_state, ESR_OCC_MEDICAL);
    m->out_pattern[ESR_OUT_MEDICAL] = "1##";
    cr_assert_eq(classified("109", "", 100000).out_reason, ESR_OUT_MEDICAL);
    esr_record r = classified("209", "", 100000);
    cr_assert_eq(r.occ_state, ESR_OCC_UNKNOWN);
    cr_assert_eq(r.out_reason, ESR_OUT_NO_CODE);

    cr_assert_eq(classified("S9E", "Band 3", 100000).level, 3); /* Assistant: levels 2-3 */
    for (size_t i = 0; i < m->nbands; i++)
        if (!strcmp(m->bands[i].name, "Band 3"))
            m->bands[i].level = 2;
    cr_assert_eq(classified("S9E", "Band 3", 100000).level, 2);
}

/* Classify more distinct titles than the title matcher caches (65,536),
 * none with an area of work, so later titles are matched afresh. */
static void fill_title_cache(void)
{
    char title[64];
    for (int i = 0; i < 70000; i++) {
        snprintf(title, sizeof title, "Zqx Assistant %d", i);
        esr_record r = rec("", "Band 3", 100000);
        r.f[ESR_COL_POSITION_TITLE] = title;
        classify_record(cls, &r);
    }
    cr_assert_eq(classify_status(cls), ESR_OK);
}

/* A code-less row with title and area of work, classified by c. */
static esr_record with_area(esr_classifier *c, const char *title, const char *area)
{
    esr_record r = rec("", "Band 3", 100000);
    r.f[ESR_COL_POSITION_TITLE] = title;
    r.f[ESR_COL_AREA_OF_WORK] = area;
    classify_record(c, &r);
    return r;
}

/* The detail of r's first finding of rule, or NULL. */
static const char *finding(const esr_record *r, int rule)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].rule == rule)
            return r->findings[i].detail;
    return NULL;
}

/* Past the title cache's cap, a record's title lineage (rule, suggestion,
 * the unmapped finding) is still its title's, not that of its area of
 * work, which the classifier matches afterwards as evidence. */
Test(classify, title_lineage_survives_the_area_match_past_the_cache_cap)
{
    /* a title naming only a default profession, and one left for review */
    const char *titles[] = {"Healthcare Assistant", "Theraputic Helpr"};
    esr_classifier *fresh;
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &fresh), ESR_OK);
    char want_rule[2][128], want_sugg[2][128];
    for (int k = 0; k < 2; k++) {
        esr_record w = with_area(fresh, titles[k], "Radiology");
        cr_assert_eq(w.prof_source, ESR_PSRC_AREA, "%s: the area was read", titles[k]);
        cr_assert_neq(*w.title_rule, '\0', "%s has a rule", titles[k]);
        snprintf(want_rule[k], sizeof want_rule[k], "%s", w.title_rule);
        snprintf(want_sugg[k], sizeof want_sugg[k], "%s", w.title_suggestion);
    }
    cr_assert_neq(*want_sugg[1], '\0', "a suggestion to keep");
    classify_free(fresh);

    fill_title_cache();
    for (int k = 0; k < 2; k++) {
        /* an area of work not matched before (the cache keys text as written) */
        esr_record r = with_area(cls, titles[k], k ? "radiology" : "Radiology");
        cr_assert_eq(classify_status(cls), ESR_OK);
        cr_assert_eq(r.prof_source, ESR_PSRC_AREA, "%s: the area was read", titles[k]);
        cr_expect_str_eq(r.title_rule, want_rule[k], "%s: rule \"%s\", want \"%s\"", titles[k],
                         r.title_rule, want_rule[k]);
        cr_expect_str_eq(r.title_suggestion, want_sugg[k], "%s: suggestion \"%s\", want \"%s\"",
                         titles[k], r.title_suggestion, want_sugg[k]);
    }
    esr_record r = with_area(cls, "Theraputic Helpr", "RADIOLOGY");
    const char *d = finding(&r, ESR_RULE_TITLE_UNMAPPED);
    cr_assert_not_null(d);
    cr_assert_str_eq(d, want_sugg[1], "unmapped finding \"%s\", want \"%s\"", d, want_sugg[1]);
}
