/* test_mappings.c - the project's mapping tables load, index and validate. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

#include "mappings.h"
#include "text.h"
#include "aggregate.h"
#include "training.h"
#include "unit_helpers.h"

static const esr_occ *occ(const esr_mappings *m, const char *code)
{
    size_t i;
    cr_assert(esr_strmap_get(m->occ_by_code, code, strlen(code), &i), "code %s not indexed", code);
    cr_assert_lt(i, m->nocc);
    return &m->occ[i];
}

static const char *band_of(const esr_mappings *m, const char *label)
{
    esr_buf k = {0};
    cr_assert_eq(text_key(label, &k), 0);
    size_t i;
    int found = esr_strmap_get(m->band_by_key, k.data, k.len, &i);
    esr_buf_free(&k);
    if (!found)
        return NULL;
    cr_assert_lt(i, m->nbands);
    return m->bands[i].name;
}

Test(mappings, open_project_mappings)
{
    esr_mappings *m = th_mappings();
    cr_assert_gt(m->nocc, 600);
    cr_assert_gt(m->nprof, 10);
    cr_assert_gt(m->nroles, 10);
    cr_assert_gt(m->nbands, 10);
    cr_assert_gt(m->nareas, 50);
    cr_assert_str_eq(m->prof[m->prof_unknown].name, "Unknown");
    size_t odp;
    cr_assert(esr_strmap_get(m->prof_by_name, "Operating department practice", 29, &odp));
    cr_assert_str_eq(m->prof[odp].name, "Operating department practice");
    cr_assert_geq(m->prof[odp].miscoded_as, 0, "theatre support is often coded as nursing");
    cr_assert_str_eq(m->prof[m->prof[odp].miscoded_as].name, "Nursing and midwifery");
    cr_assert_eq(m->prof[m->prof_unknown].miscoded_as, -1);
    cr_assert_str_eq(m->roles[m->role_none].name, "Not a support role");
    cr_assert_not(m->roles[m->role_none].in_scope);
    cr_assert_eq(strlen(m->sha256), 64);
    cr_assert_neq(strcmp(m->version, "unversioned"), 0, "VERSION file read");
    for (int r = 0; r < ESR_RULE_COUNT; r++)
        cr_assert_not_null(m->rules[r].message, "rule %s has a message", rule_id(r));
    cr_assert_eq(m->rules[ESR_RULE_ROW_TORN].severity, ESR_SEV_ERROR);
    cr_assert_eq(m->rules[ESR_RULE_AREA_BLANK].severity, ESR_SEV_WARNING);
    mappings_close(m);
}

Test(mappings, occupation_lookups)
{
    esr_mappings *m = th_mappings();
    const esr_occ *o = occ(m, "S9E");
    cr_assert_str_eq(o->code, "S9E");
    cr_assert_str_eq(m->prof[o->profession].name, "Physiotherapy");
    cr_assert_str_eq(m->roles[o->role].name, "Assistant");
    cr_assert_not(o->retired);
    cr_assert(o->profession_specific);
    cr_assert_gt(o->line, 1);

    o = occ(m, "H1S");
    cr_assert(o->retired, "H1S is retired, not invalid");
    cr_assert_str_eq(m->prof[o->profession].name, "Paramedic/ambulance");
    cr_assert_str_eq(m->roles[o->role].name, "Healthcare assistant");

    o = occ(m, "A2A");
    cr_assert(o->retired);

    o = occ(m, "S5E");
    cr_assert_str_eq(m->roles[o->role].name, "Assistant practitioner");
    cr_assert_eq(m->roles[o->role].level_lo, 4);
    cr_assert_eq(m->roles[o->role].level_hi, 4);

    cr_assert_not(esr_strmap_get(m->occ_by_code, "ZZZ", 3, NULL));
    mappings_close(m);
}

Test(mappings, roles_levels)
{
    esr_mappings *m = th_mappings();
    size_t i;
    cr_assert(esr_strmap_get(m->role_by_name, "Assistant", 9, &i));
    cr_assert_eq(m->roles[i].level_lo, 2);
    cr_assert_eq(m->roles[i].level_hi, 3);
    cr_assert(m->roles[i].in_scope);
    mappings_close(m);
}

Test(mappings, band_labels)
{
    esr_mappings *m = th_mappings();
    cr_assert_str_eq(band_of(m, "AfC Band 4"), "Band 4");
    cr_assert_str_eq(band_of(m, "Band 4"), "Band 4");
    cr_assert_str_eq(band_of(m, "band_3"), "Band 3");
    cr_assert_str_eq(band_of(m, "B2"), "Band 2");
    cr_assert_str_eq(band_of(m, "Agenda for Change Band 8a"), "Band 8a");
    cr_assert_null(band_of(m, "Band 12"));
    size_t i;
    esr_buf k = {0};
    text_key("Band 8c", &k);
    cr_assert(esr_strmap_get(m->band_by_key, k.data, k.len, &i));
    cr_assert_eq(m->bands[i].rank, 8);
    esr_buf_free(&k);
    mappings_close(m);
}

Test(mappings, areas_and_columns_and_orgs)
{
    esr_mappings *m = th_mappings();
    esr_buf k = {0};
    size_t i;
    text_key("PHYSIOTHERAPY", &k);
    cr_assert(esr_strmap_get(m->area_by_key, k.data, k.len, &i));
    cr_assert_str_eq(m->areas[i], "Physiotherapy");
    text_key("Contracted WTE", &k);
    cr_assert(esr_strmap_get(m->col_by_key, k.data, k.len, &i));
    esr_buf_free(&k);

    const char *name, *region;
    mappings_org(m, "R0A", &name, &region);
    cr_assert_str_eq(name, "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST");
    cr_assert_str_eq(region, "North West");
    mappings_org(m, "NOPE", &name, &region);
    cr_assert_str_eq(name, "");
    cr_assert_str_eq(region, "");
    mappings_close(m);
}

/* A temp dir per test, removed by the suite's fini even when a test fails. */
static char dir[PATH_MAX];

static void cleanup(void)
{
    if (*dir)
        th_rm_rf(dir);
}

TestSuite(mappings, .fini = cleanup);

/* Copy the project's mappings into a temp dir. */
static void copy_mappings(const char *to)
{
    DIR *d = opendir(ESR_MAPPINGS_DIR);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char from[PATH_MAX], dst[PATH_MAX];
        th_join(from, ESR_MAPPINGS_DIR, e->d_name);
        th_join(dst, to, e->d_name);
        size_t n;
        char *data = th_read(from, &n);
        if (!data)
            continue;
        th_write(dst, data, n);
        free(data);
    }
    closedir(d);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(mappings, copy_loads_with_same_checksum)
{
    th_mkdtemp(dir);
    copy_mappings(dir);
    esr_mappings *a = th_mappings(), *b = NULL;
    esr_err err = {0};
    cr_assert_eq(mappings_open(dir, &b, &err), ESR_OK, "%s", err.msg);
    cr_assert_str_eq(a->sha256, b->sha256, "checksum depends on content, not location");
    mappings_close(b);

    /* any change to a table changes the checksum */
    char p[PATH_MAX];
    th_join(p, dir, "areas_of_work.csv");
    char *t = th_read(p, NULL);
    size_t n = strlen(t);
    t = realloc(t, n + 64);
    strcat(t, "Hydrotherapy Pool,test\n");
    th_write(p, t, strlen(t));
    free(t);
    cr_assert_eq(mappings_open(dir, &b, &err), ESR_OK, "%s", err.msg);
    cr_assert_str_neq(a->sha256, b->sha256);
    mappings_close(b);
    mappings_close(a);
}

/* Copy the mappings to dir with row appended to table; the row's line. */
static size_t copy_with_row(const char *table, const char *row)
{
    th_mkdtemp(dir);
    copy_mappings(dir);
    char p[PATH_MAX];
    th_join(p, dir, table);
    char *t = th_read(p, NULL);
    cr_assert_not_null(t);
    size_t n = strlen(t);
    cr_assert_eq(t[n - 1], '\n');
    size_t line = count_lines(t) + 1;
    t = realloc(t, n + strlen(row) + 1);
    strcat(t, row);
    th_write(p, t, strlen(t));
    free(t);
    return line;
}

/* Append row to table in a copy of the mappings: opening must fail with a
 * mapping error naming table:line of the new row and containing needle. */
static void bad_row(const char *table, const char *row, const char *needle)
{
    size_t line = copy_with_row(table, row);
    esr_mappings *m = (esr_mappings *)1;
    esr_err err = {0};
    cr_assert_eq(mappings_open(dir, &m, &err), ESR_ERR_MAPPING, "%s", err.msg);
    cr_assert_null(m);
    char want[64];
    snprintf(want, sizeof want, "%s:%zu", table, line);
    cr_assert(strstr(err.msg, want) != NULL, "want \"%s\" in \"%s\"", want, err.msg);
    cr_assert(strstr(err.msg, needle) != NULL, "%s", err.msg);
}

Test(mappings, duplicate_occupation_code_names_line)
{
    bad_row("occupation_codes.csv",
            "S9E,Assistant in Physiotherapy,S,Assistant,Physiotherapy,valid,Support to ST&T "
            "staff,Support to AHPs,Physiotherapy,yes,Assistant\n",
            "S9E");
}

Test(mappings, unknown_profession_names_line)
{
    bad_row("occupation_codes.csv",
            "Z9Z,Test,Z,Assistant,Test,valid,x,y,Basket weaving,yes,Assistant\n", "Basket weaving");
}

Test(mappings, miscoded_as_must_name_a_profession)
{
    bad_row("professions.csv", "Basketry,no,,Basketry,Basket weaving,test\n", "Basket weaving");
}

Test(mappings, missing_table_is_mapping_error)
{
    th_mkdtemp(dir);
    copy_mappings(dir);
    char p[PATH_MAX];
    th_join(p, dir, "bands.csv");
    cr_assert_eq(unlink(p), 0);
    esr_mappings *m = NULL;
    esr_err err = {0};
    cr_assert_eq(mappings_open(dir, &m, &err), ESR_ERR_MAPPING);
    cr_assert(strstr(err.msg, "bands.csv") != NULL, "%s", err.msg);
}

Test(mappings, missing_rule_is_mapping_error)
{
    th_mkdtemp(dir);
    copy_mappings(dir);
    char p[PATH_MAX];
    th_join(p, dir, "dq_rules.csv");
    const char *rules = "rule_id,severity,field,message\nrow_torn,error,(row),torn\n";
    th_write(p, rules, strlen(rules));
    esr_mappings *m = NULL;
    esr_err err = {0};
    cr_assert_eq(mappings_open(dir, &m, &err), ESR_ERR_MAPPING);
    cr_assert(strstr(err.msg, "field_too_big") != NULL, "%s", err.msg);
}

Test(mappings, severity_names_round_trip)
{
    for (int s = ESR_SEV_ERROR; s <= ESR_SEV_INFO; s++)
        cr_assert_eq(rule_severity_parse(rule_severity_name((esr_severity)s)), s);
    cr_assert_str_eq(rule_severity_name(ESR_SEV_WARNING), "warning");
    cr_assert_eq(rule_severity_parse("fatal"), -1);
    cr_assert_str_eq(rule_severity_name((esr_severity)7), "");
}

/* Open the mappings in dir and load a one-row competence export with them;
 * training_load's status (*m and *tr are the caller's to free). */
static esr_status load_training(esr_mappings **m, esr_training **tr, esr_err *err)
{
    char export[PATH_MAX];
    th_write_in(dir, "training.csv", "Employee No,Competence,Status\n1,Care Certificate,Passed\n",
                export);
    cr_assert_eq(mappings_open(dir, m, err), ESR_OK, "%s", err->msg);
    esr_source_opts so;
    source_opts_default(&so);
    return training_load(export, *m, &so, tr, err);
}

/* A mapping copy whose table gets row appended; training_load must refuse it. */
static void bad_training_row(const char *table, const char *row, const char *needle)
{
    size_t line = copy_with_row(table, row);
    esr_mappings *m = NULL;
    esr_training *tr = NULL;
    esr_err err = {0};
    cr_assert_eq(load_training(&m, &tr, &err), ESR_ERR_MAPPING, "%s", err.msg);
    cr_assert_null(tr);
    char want[64];
    snprintf(want, sizeof want, "%s:%zu: ", table, line);
    cr_assert(strstr(err.msg, want) && strstr(err.msg, needle), "want \"%s\" and \"%s\" in \"%s\"",
              want, needle, err.msg);
    mappings_close(m);
}

Test(mappings, unknown_qualification_kind_is_refused_not_guessed)
{
    cr_assert_eq(training_kind_parse("qualification"), 1);
    cr_assert_eq(training_kind_parse("qualifcation"), -1);
    bad_training_row("qualifications.csv", "nvq level 9,qualifcation,NVQ Level 9,9,typo\n",
                     "qualifcation");
}

Test(mappings, unknown_competence_meaning_is_refused)
{
    cr_assert_eq(training_meaning_parse("completed"), 2);
    cr_assert_eq(training_meaning_parse("done"), -1);
    bad_training_row("competence_statuses.csv", "Ticked,done\n", "done");
}

Test(mappings, training_levels_come_from_qualifications_csv)
{
    copy_with_row("qualifications.csv",
                  "level seven diploma,qualification,Level 7 Diploma,7,test\n");
    esr_mappings *m = NULL;
    esr_training *tr = NULL;
    esr_err err = {0};
    cr_assert_eq(load_training(&m, &tr, &err), ESR_OK, "%s", err.msg);
    int lv[16];
    size_t n = training_levels(tr, lv, 16);
    cr_assert_geq(n, 2);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(lv[i - 1], lv[i], "ascending, each once");
    cr_assert_eq(lv[n - 1], 7, "the added level 7 is a column");
    char label[32];
    aggregate_level_label(7, label);
    cr_assert_str_eq(label, "Level 7");
    aggregate_level_label(0, label);
    cr_assert_str_eq(label, "none recorded");
    training_free(tr);
    mappings_close(m);
}

Test(mappings, support_role_in_scope_is_yes_or_no)
{
    bad_row("support_roles.csv", "Basket helper,2,,,,,maybe,test\n", "in_scope \"maybe\"");
}

Test(mappings, checksum_covers_every_table)
{
    esr_mappings *m0 = NULL;
    esr_err err = {0};
    cr_assert_eq(mappings_open(ESR_MAPPINGS_DIR, &m0, &err), ESR_OK, "%s", err.msg);
    char p[PATH_MAX];
    for (size_t i = 0; i < ESR_MAPPING_TABLES; i++) {
        th_mkdtemp(dir);
        copy_mappings(dir);
        th_join(p, dir, esr_mapping_tables[i].file);
        char *t = th_read(p, NULL);
        cr_assert_not_null(t, "%s", esr_mapping_tables[i].file);
        t = realloc(t, strlen(t) + 4);
        strcat(t, "\n"); /* a blank line: the table reads the same, the bytes differ */
        th_write(p, t, strlen(t));
        free(t);
        esr_mappings *m1 = NULL;
        cr_assert_eq(mappings_open(dir, &m1, &err), ESR_OK, "%s", err.msg);
        cr_assert_str_neq(m1->sha256, m0->sha256, "%s is not in the checksum",
                          esr_mapping_tables[i].file);
        mappings_close(m1);
        th_rm_rf(dir);
    }
    mappings_close(m0);
}

Test(mappings, national_facts_of_each_code)
{
    esr_mappings *m = th_mappings();
    cr_assert(occ(m, "S1E")->registered && !occ(m, "S1E")->support_group);
    cr_assert(occ(m, "A5A")->registered, "advanced paramedics are Ambulance staff");
    cr_assert(occ(m, "H1A")->support_group && !occ(m, "H1A")->registered);
    cr_assert(occ(m, "G2E")->support_group, "ambulance clerical is in a support staff group");
    cr_assert(!occ(m, "G2A")->support_group && !occ(m, "G2A")->registered, "central functions");
    cr_assert_str_eq(occ(m, "A8C")->care_setting, "Patient Transport Service");
    cr_assert_str_eq(occ(m, "A2A")->care_setting, "Emergency Care", "care_settings.csv override");
    cr_assert_str_eq(occ(m, "H1S")->care_setting, "Ambulance Service");
    cr_assert_str_eq(occ(m, "G2E")->detailed_group, "Clerical & administrative");
    mappings_close(m);
}

Test(mappings, code_without_care_setting_names_line)
{
    bad_row(
        "occupation_codes.csv",
        "S9Z,Assistant on the Moon,S,Assistant,Moon Base,valid,Support to ST&T staff,Support to "
        "AHPs,Physiotherapy,yes,Assistant\n",
        "care_settings.csv");
}

Test(mappings, code_of_unknown_staff_group_names_line)
{
    bad_row("occupation_codes.csv",
            "S9Z,Assistant in Physiotherapy,S,Assistant,Physiotherapy,valid,Volunteers,Support to "
            "AHPs,Physiotherapy,yes,Assistant\n",
            "nhsd_staff_groups.csv");
}

Test(mappings, domain_facts_are_data)
{
    esr_mappings *m = th_mappings();
    cr_assert_str_eq(mappings_out_label(m, ESR_OUT_MEDICAL), "medical and dental");
    cr_assert_str_eq(mappings_out_label(m, ESR_OUT_TECHNICIAN), "technician (registered staff)");
    cr_assert_str_eq(mappings_out_label(m, ESR_OUT_NONE), "");
    cr_assert_str_eq(m->out_pattern[ESR_OUT_MEDICAL], "###");
    cr_assert_str_eq(m->out_pattern[ESR_OUT_TECHNICIAN], "S4?");
    cr_assert_str_eq(m->out_pattern[ESR_OUT_ZERO_FTE], "");
    cr_assert_eq(m->fte_high_e5, 150000);
    cr_assert_eq(m->band_high_support, 5);
    cr_assert(mappings_kind_not_support(m, "registered"));
    cr_assert(mappings_kind_not_support(m, "estates"));
    cr_assert_not(mappings_kind_not_support(m, "support"));
    cr_assert_not(mappings_kind_not_support(m, "student"));
    cr_assert_not(mappings_kind_not_support(m, "no such kind"));
    for (size_t i = 0; i < m->nbands; i++) {
        int want = m->bands[i].rank; /* AfC band N is career framework level N */
        cr_assert_eq(m->bands[i].level, want > 0 ? want : 0, "%s", m->bands[i].name);
    }
    mappings_close(m);
}

Test(mappings, code_patterns)
{
    cr_assert(mappings_pattern_ok("###") && mappings_pattern_ok("S4?") &&
              mappings_pattern_ok("A1B"));
    cr_assert_not(mappings_pattern_ok("S4") || mappings_pattern_ok("s4?") ||
                  mappings_pattern_ok("S4*") || mappings_pattern_ok("S4??"));
    cr_assert(mappings_code_match("###", "101") && mappings_code_match("S4?", "S4T"));
    cr_assert_not(mappings_code_match("###", "10A") || mappings_code_match("S4?", "S9E") ||
                  mappings_code_match("S4?", "S4") || mappings_code_match("S4?", "S4TX") ||
                  mappings_code_match("", "S4T"));
}

Test(mappings, out_of_scope_reason_listed_twice_names_line)
{
    bad_row("out_of_scope_reasons.csv", "medical,doctors,###,test\n", "listed twice");
}

Test(mappings, out_of_scope_reason_unknown_names_line)
{
    bad_row("out_of_scope_reasons.csv", "volunteer,volunteers,,test\n", "\"volunteer\"");
}

Test(mappings, second_default_profession_names_line)
{
    bad_row("professions.csv", "Basketry,no,,Basketry,,test,yes\n", "second default");
}

Test(mappings, limit_of_a_rule_without_one_names_line)
{
    bad_row("dq_limits.csv", "occ_missing,3,test\n", "takes no limit");
}

Test(mappings, staff_group_of_unknown_kind_names_line)
{
    bad_row("staff_groups.csv", "Volunteers,volunteer,test\n", "staff_group_kinds.csv");
}

Test(mappings, band_labels_with_two_levels_names_line)
{
    bad_row("bands.csv", "band three,Band 3,3,4\n", "differs");
}
