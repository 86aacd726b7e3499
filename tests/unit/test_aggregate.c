/* test_aggregate.c - exact FTE sums, de-duplicated headcount, ordering,
 * per-organisation counts. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "aggregate.h"
#include "classify.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_classifier *cls;
static esr_aggregate *agg;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    cr_assert_eq(aggregate_new(m, &agg), ESR_OK);
    cr_assert_not_null(cls);
    cr_assert_not_null(agg);
}

static void teardown(void)
{
    aggregate_free(agg);
    classify_free(cls);
    mappings_close(m);
}

TestSuite(aggregate, .init = setup, .fini = teardown);

/* A classified record (fields must outlive the call to aggregate_add). */
static esr_record rec(const char *org, const char *code, const char *band, const char *area,
                      long long fte_e5)
{
    esr_record r;
    record_init(&r, "", 0);
    r.f[ESR_COL_ORG_CODE] = org;
    r.f[ESR_COL_OCCUPATION_CODE] = code;
    r.f[ESR_COL_PAY_BAND] = band;
    r.f[ESR_COL_AREA_OF_WORK] = area;
    r.f[ESR_COL_POSITION_TITLE] = "t";
    r.fte_e5 = fte_e5;
    classify_record(cls, &r);
    return r;
}

static void add(const esr_record *r, const char *person)
{
    cr_assert_eq(aggregate_add(agg, r, person), ESR_OK);
}

static const esr_cell *cell(const char *org, esr_dim dim, const char *prof, const char *role,
                            const char *key)
{
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    for (size_t i = 0; i < n; i++) {
        const esr_cell *c = cells[i];
        if (!strcmp(c->org, org) && c->dim == dim && !strcmp(c->profession, prof) &&
            !strcmp(c->role, role) && !strcmp(c->key, key))
            return c;
    }
    return NULL;
}

static const esr_cell *must_cell(const char *org, esr_dim dim, const char *prof, const char *role,
                                 const char *key)
{
    const esr_cell *c = cell(org, dim, prof, role, key);
    cr_assert_not_null(c, "no cell org=\"%s\" dim=%s prof=\"%s\" role=\"%s\" key=\"%s\"", org,
                       aggregate_dim_name(dim), prof, role, key);
    return c;
}

Test(aggregate, dim_names)
{
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_PROFESSION_ROLE), "profession_role");
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_BAND), "band");
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_AREA), "area_of_work");
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_COUNT), "");
}

/* A total that cannot be represented is an error, never a wrapped sum. */
Test(aggregate, fte_total_overflow_is_an_error)
{
    long long big = LLONG_MAX / 2 + 1;
    esr_record r = rec("R0A", "S9E", "Band 2", "Physiotherapy", big);
    add(&r, "p1");
    esr_record r2 = rec("R0A", "S9E", "Band 2", "Physiotherapy", big);
    cr_assert_eq(aggregate_add(agg, &r2, "p2"), ESR_ERR_INPUT_FORMAT);
    const esr_org_counts *oc = aggregate_org(agg, "R0A");
    cr_assert_eq(oc->in_scope_fte_e5, big, "the total is left as it was, not wrapped");
}

Test(aggregate, fte_sums_are_exact)
{
    /* ten times 0.1 and three times 0.33333: floating point would drift */
    char persons[16][8];
    for (int i = 0; i < 10; i++) {
        snprintf(persons[i], sizeof persons[i], "p%d", i);
        esr_record r = rec("R0A", "S9E", "Band 2", "Physiotherapy", 10000);
        add(&r, persons[i]);
    }
    for (int i = 10; i < 13; i++) {
        snprintf(persons[i], sizeof persons[i], "p%d", i);
        esr_record r = rec("R0A", "S9E", "Band 2", "Physiotherapy", 33333);
        add(&r, persons[i]);
    }
    const esr_cell *c = must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "Physiotherapy", "Assistant", "");
    cr_assert_eq(c->fte_e5, 199999);
    cr_assert_eq(c->rows, 13);
    cr_assert_eq(c->headcount, 13);
    c = must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "");
    cr_assert_eq(c->fte_e5, 199999);
    const esr_org_counts *oc = aggregate_org(agg, "R0A");
    cr_assert_not_null(oc);
    cr_assert_eq(oc->in_scope_fte_e5, 199999);
}

Test(aggregate, person_with_two_assignments_counts_once)
{
    esr_record a = rec("R0A", "S9E", "Band 2", "Physiotherapy", 60000);
    esr_record b = rec("R0A", "S9E", "Band 3", "Physiotherapy", 40000);
    esr_record c = rec("R0A", "S9E", "Band 3", "Physiotherapy", 100000);
    add(&a, "emp-1");
    add(&b, "emp-1");
    add(&c, "emp-2");
    /* same profession x role cell: 3 assignments, 2 people */
    const esr_cell *pr =
        must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "Physiotherapy", "Assistant", "");
    cr_assert_eq(pr->rows, 3);
    cr_assert_eq(pr->headcount, 2);
    cr_assert_eq(pr->fte_e5, 200000);
    /* totals: emp-1 once */
    const esr_cell *tot = must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "", "", "");
    cr_assert_eq(tot->headcount, 2);
    tot = must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "");
    cr_assert_eq(tot->headcount, 2);
    cr_assert_eq(tot->rows, 3);
    /* by band: emp-1 appears in both band cells, once in each */
    const esr_cell *b2 = must_cell("R0A", ESR_DIM_BAND, "", "", "Band 2");
    const esr_cell *b3 = must_cell("R0A", ESR_DIM_BAND, "", "", "Band 3");
    cr_assert_eq(b2->headcount, 1);
    cr_assert_eq(b3->headcount, 2);
    cr_assert_eq(b2->fte_e5, 60000);
    cr_assert_eq(b3->fte_e5, 140000);
    /* headcount is not summed across groups: 1 + 2 != 2 */
    cr_assert_neq(b2->headcount + b3->headcount, tot->headcount);
}

Test(aggregate, same_person_number_in_two_orgs_is_two_people)
{
    esr_record a = rec("R0A", "S9E", "Band 2", "Physiotherapy", 100000);
    esr_record b = rec("R0B", "S9E", "Band 2", "Physiotherapy", 100000);
    add(&a, "42");
    add(&b, "42");
    cr_assert_eq(must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "")->headcount, 2);
    cr_assert_eq(must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "", "", "")->headcount, 1);
    cr_assert_eq(must_cell("R0B", ESR_DIM_PROFESSION_ROLE, "", "", "")->headcount, 1);
}

Test(aggregate, unrecognised_and_missing_band_and_area)
{
    esr_record a = rec("R0A", "S9E", "Grade Z", "Moon Base", 100000);
    esr_record b = rec("R0A", "S9E", "", "", 100000);
    add(&a, "1");
    add(&b, "2");
    cr_assert_eq(must_cell("R0A", ESR_DIM_BAND, "", "", "(not recognised)")->rows, 1);
    cr_assert_eq(must_cell("R0A", ESR_DIM_BAND, "", "", "(not recorded)")->rows, 1);
    cr_assert_eq(must_cell("R0A", ESR_DIM_AREA, "", "", "(not recognised)")->rows, 1);
    cr_assert_eq(must_cell("R0A", ESR_DIM_AREA, "Physiotherapy", "", "(not recorded)")->rows, 1);
}

static int cmp_cells(const esr_cell *a, const esr_cell *b)
{
    int c;
    if ((c = strcmp(a->org, b->org)))
        return c;
    if (a->dim != b->dim)
        return a->dim < b->dim ? -1 : 1;
    if ((c = strcmp(a->profession, b->profession)))
        return c;
    if ((c = strcmp(a->role, b->role)))
        return c;
    return strcmp(a->key, b->key);
}

Test(aggregate, cells_sorted)
{
    static const char *const codes[] = {"S9E", "S5E", "H1S", "S9C", "N9A", "A2A", "S9E"};
    static const char *const orgs[] = {"RZZ", "R0A", "", "RAA", "R0A", "RZZ", "RAA"};
    static const char *const bands[] = {"Band 3", "Band 4", "Band 2", "", "Band 9", "b2", "x"};
    char person[8][8];
    for (int i = 0; i < 7; i++) {
        snprintf(person[i], sizeof person[i], "p%d", i);
        esr_record r = rec(orgs[i], codes[i], bands[i], "Therapies", 100000);
        add(&r, person[i]);
    }
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    cr_assert_gt(n, 20);
    cr_assert_str_eq(cells[0]->org, "", "totals first");
    cr_assert_eq(cells[0]->dim, ESR_DIM_PROFESSION_ROLE);
    cr_assert_str_eq(cells[0]->profession, "");
    cr_assert_str_eq(cells[0]->role, "");
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(cmp_cells(cells[i - 1], cells[i]), 0, "cells %zu and %zu out of order", i - 1,
                     i);

    /* adding after a sort keeps the result sorted and the cells findable */
    esr_record late = rec("RAB", "S9E", "Band 2", "Stroke", 100000);
    add(&late, "late");
    n = aggregate_cells(agg, &cells);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(cmp_cells(cells[i - 1], cells[i]), 0);
    cr_assert_eq(must_cell("RAB", ESR_DIM_AREA, "", "", "Stroke")->headcount, 1);
    esr_record again = rec("RZZ", "S9E", "Band 3", "Therapies", 50000);
    add(&again, person[0]);
    const esr_cell *c = must_cell("RZZ", ESR_DIM_PROFESSION_ROLE, "Physiotherapy", "Assistant", "");
    cr_assert_eq(c->rows, 2);
    cr_assert_eq(c->headcount, 1, "person p0 already counted in this cell before the sort");
    cr_assert_eq(c->fte_e5, 150000);
}

Test(aggregate, per_org_counts)
{
    esr_record in1 = rec("R0A", "S9E", "Band 2", "", 100000);
    esr_record in2 = rec("R0A", "S5E", "Band 3", "Physiotherapy", 50000);
    record_flag(&in1, ESR_RULE_AREA_BLANK, "");
    record_flag(&in2, ESR_RULE_BAND_AP_NOT_4, "Band 3");
    esr_record out1 = rec("R0A", "109", "", "", 100000);
    esr_record out2 = rec("R0A", "S9E", "Band 2", "", 0);
    esr_record rej = rec("R0A", "S9E", "", "", 100000);
    rej.scope = ESR_SCOPE_REJECTED;
    rej.reason_rule = ESR_RULE_FTE_NOT_NUMBER;
    esr_record other = rec("R0B", "S9E", "Band 2", "", 100000);
    add(&in1, "a");
    add(&in2, "b");
    add(&out1, "c");
    add(&out2, "d");
    add(&rej, "e");
    add(&other, "f");

    const esr_org_counts *oc = aggregate_org(agg, "R0A");
    cr_assert_not_null(oc);
    cr_assert_eq(oc->read, 5);
    cr_assert_eq(oc->in_scope, 2);
    cr_assert_eq(oc->out_of_scope, 2);
    cr_assert_eq(oc->rejected, 1);
    cr_assert_eq(oc->read, oc->in_scope + oc->out_of_scope + oc->rejected);
    cr_assert_eq(oc->out_by_reason[ESR_OUT_MEDICAL], 1);
    cr_assert_eq(oc->out_by_reason[ESR_OUT_ZERO_FTE], 1);
    cr_assert_eq(oc->in_scope_fte_e5, 150000);
    cr_assert_eq(oc->findings[ESR_RULE_AREA_BLANK], 1);
    cr_assert_eq(oc->findings_fte_e5[ESR_RULE_AREA_BLANK], 100000);
    cr_assert_eq(oc->findings[ESR_RULE_BAND_AP_NOT_4], 1);
    cr_assert_eq(oc->findings_fte_e5[ESR_RULE_BAND_AP_NOT_4], 50000);
    cr_assert_eq(oc->findings[ESR_RULE_FTE_NOT_NUMBER], 1);

    const esr_org_counts *all = aggregate_org(agg, "");
    cr_assert_not_null(all);
    cr_assert_eq(all->read, 6);
    cr_assert_eq(all->in_scope, 3);
    cr_assert_eq(aggregate_org(agg, "R0B")->read, 1);
    cr_assert_null(aggregate_org(agg, "RXX"));

    const esr_org_counts **orgs;
    size_t n = aggregate_orgs(agg, &orgs);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(orgs[0]->org, "");
    cr_assert_str_eq(orgs[1]->org, "R0A");
    cr_assert_str_eq(orgs[2]->org, "R0B");
}

Test(aggregate, rows_without_org_count_in_totals_only)
{
    esr_record a = rec("", "S9E", "Band 2", "", 100000);
    esr_record b = rec("", "109", "", "", 100000);
    esr_record c = rec("R0A", "S9E", "Band 2", "", 30000);
    add(&a, "x");
    add(&b, "y");
    add(&c, "z");
    const esr_org_counts **orgs;
    size_t n = aggregate_orgs(agg, &orgs);
    cr_assert_eq(n, 2, "only the totals and R0A");
    const esr_org_counts *all = aggregate_org(agg, "");
    cr_assert_eq(all->read, 3);
    cr_assert_eq(all->in_scope, 2);
    cr_assert_eq(all->out_of_scope, 1);
    cr_assert_eq(aggregate_org(agg, "R0A")->read, 1);
    const esr_cell *tot = must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "");
    cr_assert_eq(tot->fte_e5, 130000);
    cr_assert_eq(tot->headcount, 2);
    cr_assert_eq(must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "", "", "")->fte_e5, 30000);
    /* every cell belongs either to the totals or to R0A */
    const esr_cell **cells;
    size_t nc = aggregate_cells(agg, &cells);
    for (size_t i = 0; i < nc; i++)
        cr_assert(!strcmp(cells[i]->org, "") || !strcmp(cells[i]->org, "R0A"));
}

Test(aggregate, out_of_scope_rows_make_no_support_cells)
{
    esr_record out = rec("R0A", "S1E", "Band 6", "Physiotherapy", 100000);
    esr_record doc = rec("R0A", "101", "", "General Medicine", 100000);
    add(&out, "q");
    add(&doc, "d");
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    cr_assert_gt(n, 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(cells[i]->dim, ESR_DIM_REGISTERED, "an out-of-scope row made a %s cell",
                     aggregate_dim_name(cells[i]->dim));
    cr_assert_eq(aggregate_org(agg, "R0A")->out_of_scope, 2);
    cr_assert_eq(aggregate_org(agg, "R0A")->out_by_reason[ESR_OUT_NOT_SUPPORT], 1);
}

/* ---- the national tables' dimensions ---- */

Test(aggregate, national_dim_names_parse_back)
{
    for (int d = 0; d < ESR_DIM_COUNT; d++)
        cr_assert_eq(aggregate_dim_parse(aggregate_dim_name((esr_dim)d)), d);
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_CARE_SETTING), "care_setting");
    cr_assert_str_eq(aggregate_dim_name(ESR_DIM_STAFF_GROUP_OUT), "staff_group_out_of_scope");
    cr_assert_eq(aggregate_dim_parse("nope"), -1);
}

Test(aggregate, care_setting_by_profession_and_role)
{
    const char *amb = "Paramedic/ambulance", *eucsw = "Emergency/urgent care support worker";
    esr_record a = rec("RX6", "A8A", "Band 3", "", 100000); /* Emergency Care */
    esr_record b = rec("RX6", "A8C", "Band 3", "", 50000);  /* Patient Transport Service */
    esr_record c = rec("RX6", "A2A", "Band 3", "", 40000);  /* retired: Ambulance Service */
    esr_record h = rec("RX6", "H1S", "Band 2", "", 30000);  /* H matrix: Ambulance Service */
    add(&a, "p1");
    add(&b, "p2");
    add(&c, "p1"); /* p1 again, in another role of the same care setting */
    add(&h, "p3");
    cr_assert_eq(must_cell("", ESR_DIM_CARE_SETTING, amb, eucsw, "Emergency Care")->fte_e5, 100000);
    cr_assert_eq(
        must_cell("", ESR_DIM_CARE_SETTING, amb, eucsw, "Patient Transport Service")->fte_e5,
        50000);
    /* care_settings.csv puts the retired A-matrix Ambulance Service codes under Emergency Care */
    cr_assert_eq(
        must_cell("", ESR_DIM_CARE_SETTING, amb, "Ambulance personnel", "Emergency Care")->fte_e5,
        40000);
    cr_assert_eq(
        must_cell("", ESR_DIM_CARE_SETTING, amb, "Healthcare assistant", "Ambulance Service")
            ->fte_e5,
        30000);
    const esr_cell *ec = must_cell("RX6", ESR_DIM_CARE_SETTING, "", "", "Emergency Care");
    cr_assert_eq(ec->fte_e5, 140000);
    cr_assert_eq(ec->headcount, 1, "p1 counts once in Emergency Care");
    cr_assert_eq(must_cell("", ESR_DIM_CARE_SETTING, amb, "", "Emergency Care")->headcount, 1);
}

Test(aggregate, staff_group_and_out_of_scope_support_groups)
{
    esr_record hca = rec("R0A", "H1A", "Band 2", "", 100000);
    esr_record phy = rec("R0A", "S9E", "Band 3", "Physiotherapy", 60000);
    esr_record clerk =
        rec("R0A", "G2E", "Band 3", "Administration", 80000); /* ambulance clerical */
    esr_record est = rec("R0A", "G3D", "Band 2", "Estates", 50000);
    esr_record central = rec("R0A", "G2A", "Band 3", "Administration", 100000); /* not support */
    add(&hca, "a");
    add(&phy, "b");
    add(&clerk, "c");
    add(&est, "a"); /* the HCA also holds an estates post */
    add(&central, "e");
    const char *dnm = "Support to doctors, nurses & midwives", *stt = "Support to ST&T staff";
    cr_assert_eq(must_cell("", ESR_DIM_STAFF_GROUP, "", "", dnm)->fte_e5, 100000);
    cr_assert_eq(must_cell("", ESR_DIM_STAFF_GROUP, "Physiotherapy", "Assistant", stt)->fte_e5,
                 60000);
    cr_assert_null(cell("", ESR_DIM_STAFF_GROUP, "", "", "Support to ambulance staff"),
                   "clerical rows never reach the support staff group cells");
    cr_assert_eq(must_cell("", ESR_DIM_STAFF_GROUP_OUT, "", "Clerical & administrative",
                           "Support to ambulance staff")
                     ->fte_e5,
                 80000);
    const esr_cell *e = must_cell("", ESR_DIM_STAFF_GROUP_OUT, "", "", dnm);
    cr_assert_eq(e->fte_e5, 50000);
    cr_assert_eq(e->headcount, 1);
    cr_assert_eq(must_cell("", ESR_DIM_STAFF_GROUP_OUT, "", "", "")->fte_e5, 130000,
                 "Central functions clerical is not a support staff group");
    /* support figures unchanged by the out-of-scope rows */
    cr_assert_eq(must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "")->fte_e5, 160000);
    cr_assert_eq(must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "")->headcount, 2);
}

Test(aggregate, region_from_organisations_and_unknown)
{
    esr_record a = rec("R0A", "S9E", "Band 3", "", 100000); /* North West */
    esr_record b = rec("RBT", "S9E", "Band 3", "", 50000);  /* North West */
    esr_record c = rec("R1H", "S9C", "Band 3", "", 30000);  /* London */
    esr_record d = rec("ZZ9", "S9E", "Band 3", "", 20000);  /* not listed */
    add(&a, "a");
    add(&b, "b");
    add(&c, "c");
    add(&d, "d");
    cr_assert_eq(must_cell("", ESR_DIM_REGION, "", "", "North West")->fte_e5, 150000);
    cr_assert_eq(must_cell("", ESR_DIM_REGION, "Physiotherapy", "", "North West")->headcount, 2);
    cr_assert_eq(must_cell("", ESR_DIM_REGION, "Occupational therapy", "", "London")->fte_e5,
                 30000);
    cr_assert_eq(must_cell("", ESR_DIM_REGION, "", "", ESR_KEY_UNKNOWN_ORG)->fte_e5, 20000);
    cr_assert_eq(must_cell("ZZ9", ESR_DIM_REGION, "", "", ESR_KEY_UNKNOWN_ORG)->fte_e5, 20000);
    long long sum = 0;
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells);
    for (size_t i = 0; i < n; i++)
        if (!*cells[i]->org && cells[i]->dim == ESR_DIM_REGION && !*cells[i]->profession)
            sum += cells[i]->fte_e5;
    cr_assert_eq(sum, must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "")->fte_e5,
                 "regions add to the whole");
}

Test(aggregate, registered_and_support_person_counted_once_in_each)
{
    esr_record reg = rec("R0A", "S1E", "Band 6", "Physiotherapy", 60000);
    esr_record sup = rec("R0A", "S9E", "Band 3", "Physiotherapy", 40000);
    esr_record reg2 = rec("R0A", "S1E", "Band 6", "Physiotherapy", 20000);
    esr_record nurse = rec("R0A", "N6A", "Band 5", "", 100000);
    esr_record zero = rec("R0A", "S1E", "Band 6", "Physiotherapy", 0);
    add(&reg, "p");
    add(&sup, "p");
    add(&reg2, "p"); /* a second registered post */
    add(&nurse, "n");
    add(&zero, "z"); /* zero FTE: not counted, as in national statistics */
    const esr_cell *r = must_cell("R0A", ESR_DIM_REGISTERED, "Physiotherapy", "", "");
    cr_assert_eq(r->fte_e5, 80000);
    cr_assert_eq(r->headcount, 1);
    const esr_cell *s = must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "Physiotherapy", "", "");
    cr_assert_eq(s->fte_e5, 40000, "registered FTE never added to support");
    cr_assert_eq(s->headcount, 1);
    cr_assert_eq(must_cell("", ESR_DIM_REGISTERED, "Nursing and midwifery", "", "")->fte_e5,
                 100000);
    const esr_cell *all = must_cell("", ESR_DIM_REGISTERED, "", "", "");
    cr_assert_eq(all->fte_e5, 180000);
    cr_assert_eq(all->headcount, 2);
    cr_assert_eq(
        must_cell("", ESR_DIM_REGISTERED, "", "", "Scientific, therapeutic & technical staff")
            ->fte_e5,
        80000);
    cr_assert_eq(must_cell("", ESR_DIM_PROFESSION_ROLE, "", "", "")->headcount, 1);
}

Test(aggregate, many_people_headcount)
{
    char p[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(p, sizeof p, "person-%d", i % 5000);
        esr_record r = rec("R0A", i % 2 ? "S9E" : "S5E", "Band 3", "Therapies", 1);
        add(&r, p);
    }
    const esr_cell *tot = must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "", "", "");
    cr_assert_eq(tot->rows, 20000);
    cr_assert_eq(tot->headcount, 5000);
    cr_assert_eq(tot->fte_e5, 20000);
    const esr_cell *ap =
        must_cell("R0A", ESR_DIM_PROFESSION_ROLE, "", "Assistant practitioner", "");
    cr_assert_eq(ap->headcount, 2500, "even i: person ids 0,2,4... mod 5000");
}

Test(aggregate, empty_aggregate)
{
    const esr_cell **cells;
    const esr_org_counts **orgs;
    cr_assert_eq(aggregate_cells(agg, &cells), 0);
    cr_assert_eq(aggregate_orgs(agg, &orgs), 0);
    cr_assert_null(aggregate_org(agg, ""));
}

Test(aggregate, one_title_supporting_two_professions_is_two_title_rows)
{
    /* "t" (the helper's title) on an OT code and on a podiatry code */
    esr_record ot = rec("R1", "H2H", "", "", 100000), pod = rec("R1", "H2G", "", "", 50000);
    cr_assert_eq(ot.scope, ESR_SCOPE_IN);
    cr_assert_eq(pod.scope, ESR_SCOPE_IN);
    cr_assert_neq(ot.profession, pod.profession);
    add(&ot, "p1");
    add(&pod, "p2");
    const esr_title_stat **ts, *got[4];
    size_t n = aggregate_titles(agg, &ts), k = 0;
    for (size_t i = 0; i < n; i++) /* the trust's rows; "" (all) repeats them */
        if (!strcmp(ts[i]->org, "R1") && k < 4)
            got[k++] = ts[i];
    cr_assert_eq(k, 2, "%zu title rows for R1", k);
    for (size_t i = 0; i < k; i++) {
        const esr_record *want =
            !strcmp(got[i]->profession, m->prof[ot.profession].name) ? &ot : &pod;
        cr_assert_str_eq(got[i]->profession, m->prof[want->profession].name);
        cr_assert_eq(got[i]->rows, 1);
        cr_assert_eq(got[i]->fte_e5, want->fte_e5);
    }
    cr_assert_str_neq(got[0]->profession, got[1]->profession);
}

Test(aggregate, rows_without_an_employee_number_are_people_of_their_own)
{
    esr_record a = rec("R1", "H2H", "", "", 100000), b = rec("R1", "H2H", "", "", 100000);
    a.source = b.source = "x.csv";
    a.line = 2;
    b.line = 3;
    add(&a, "");
    add(&b, "");
    add(&b, ""); /* the same row again: the same person */
    const esr_cell *c = must_cell("R1", ESR_DIM_PROFESSION_ROLE, m->prof[a.profession].name,
                                  m->roles[a.role].name, "");
    cr_assert_eq(c->headcount, 2);
}

/* Headcount against a brute-force (person, cell) count: 18 record shapes
 * (codes x bands x areas), 3000 people with 1 to 5 assignments in random
 * shapes (repeats, chains of up to 5 shapes), three organisations. The
 * cells of each shape come from an aggregate of that record alone. */
#define HC_SHAPES 18
#define HC_PEOPLE 3000
Test(aggregate, headcount_matches_brute_force_over_shape_chains)
{
    const char *codes[] = {"S9E", "S5E", "S1C"}, *bands[] = {"Band 2", "Band 3", "Band 4"};
    const char *areas[] = {"Physiotherapy", "Stroke"}, *orgs[] = {"R0A", "R0B", "R0C"};
    static char key[HC_SHAPES * 3][64][160]; /* shape x org -> its cells' keys */
    static int nkey[HC_SHAPES * 3];
    for (int s = 0; s < HC_SHAPES * 3; s++) {
        esr_aggregate *one;
        cr_assert_eq(aggregate_new(m, &one), ESR_OK);
        esr_record r = rec(orgs[s / HC_SHAPES], codes[s % 3], bands[s / 3 % 3],
                           areas[s % HC_SHAPES / 9], 100000);
        cr_assert_eq(aggregate_add(one, &r, "x"), ESR_OK);
        const esr_cell **cells;
        size_t n = aggregate_cells(one, &cells);
        for (size_t i = 0; i < n; i++)
            if (cells[i]->rows && nkey[s] < 64)
                snprintf(key[s][nkey[s]++], 160, "%s|%d|%s|%s|%s", cells[i]->org, cells[i]->dim,
                         cells[i]->profession, cells[i]->role, cells[i]->key);
        aggregate_free(one);
    }
    static int has[HC_PEOPLE][HC_SHAPES * 3];
    unsigned seed = 12345;
    char p[32];
    for (int person = 0; person < HC_PEOPLE; person++) {
        int org = person % 3, n = 1 + person % 5;
        snprintf(p, sizeof p, "p%d", person);
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            int s = org * HC_SHAPES + (int)(seed >> 16) % HC_SHAPES;
            esr_record r =
                rec(orgs[org], codes[s % 3], bands[s / 3 % 3], areas[s % HC_SHAPES / 9], 100000);
            add(&r, p);
            has[person][s] = 1;
        }
    }
    const esr_cell **cells;
    size_t n = aggregate_cells(agg, &cells), checked = 0;
    for (size_t i = 0; i < n; i++) {
        char k[160];
        snprintf(k, sizeof k, "%s|%d|%s|%s|%s", cells[i]->org, cells[i]->dim, cells[i]->profession,
                 cells[i]->role, cells[i]->key);
        uint64_t want = 0;
        for (int person = 0; person < HC_PEOPLE; person++) {
            int in = 0;
            for (int s = 0; s < HC_SHAPES * 3 && !in; s++)
                for (int j = 0; has[person][s] && j < nkey[s] && !in; j++)
                    in = !strcmp(key[s][j], k);
            want += (uint64_t)in;
        }
        cr_assert_eq(cells[i]->headcount, want, "cell %s: %llu, brute force %llu", k,
                     (unsigned long long)cells[i]->headcount, (unsigned long long)want);
        checked += want > 1;
    }
    cr_assert_gt(checked, 50);
}
