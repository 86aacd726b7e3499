/* test_title.c - the title module: normaliser, role phrase and context,
 * typo correction, threshold, not-support and registered words, local
 * titles. Each case one small title against the project's own tables. */
#include <criterion/criterion.h>
#include <string.h>

#include "title.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_titler *t;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &t), ESR_OK);
    cr_assert_not_null(t);
}

static void teardown(void)
{
    title_free(t);
    mappings_close(m);
}

TestSuite(title, .init = setup, .fini = teardown);

/* Index of profession name, asserting it exists. */
static int prof(const char *name)
{
    size_t i;
    cr_assert(esr_strmap_get(m->prof_by_name, name, strlen(name), &i), "no profession %s", name);
    return (int)i;
}

/* Index of support role name, asserting it exists. */
static int role(const char *name)
{
    size_t i;
    cr_assert(esr_strmap_get(m->role_by_name, name, strlen(name), &i), "no role %s", name);
    return (int)i;
}

static esr_title_match match(const char *title)
{
    esr_title_match r;
    title_match(t, title, &r);
    return r;
}

Test(title, normaliser_folds_expands_and_drops_bands)
{
    esr_buf b = {0};
    title_normalise(t, "Snr Physio Asst \xe2\x80\x93 Band 3 (B3)", &b);
    cr_assert_str_eq(esr_buf_str(&b), "senior physiotherapy assistant");
    esr_buf_free(&b);
}

Test(title, key_is_sorted_distinct_tokens)
{
    esr_buf b = {0};
    title_key(t, "Assistant, Physiotherapy", &b);
    cr_assert_str_eq(esr_buf_str(&b), "assistant physiotherapy");
    esr_buf_free(&b);
}

Test(title, role_phrase_found_after_a_setting_prefix)
{
    esr_title_match r = match("Ambulance Emergency Medical Technician");
    cr_assert_eq(r.kind, ESR_TITLE_NORMALISED);
    cr_assert_eq(r.profession, prof("Paramedic/ambulance"));
    cr_assert_eq(r.role, role("Ambulance technician/associate practitioner"));
}

Test(title, context_words_never_block_a_match)
{
    esr_title_match r = match("Theatre Support Worker (Band 2) Worcestershire Royal Hospital");
    cr_assert_eq(r.profession, prof("Operating department practice"));
    cr_assert_eq(r.role, role("Support worker"));
    cr_assert_eq(r.score, 100);
}

Test(title, context_profession_is_evidence)
{
    esr_title_match r = match("Assistant Practitioner - Physiotherapy");
    cr_assert_eq(r.profession, prof("Physiotherapy"));
    cr_assert_eq(r.role, role("Assistant practitioner"));
}

Test(title, phrase_ending_rightmost_is_the_role)
{
    esr_title_match r = match("Occupational Therapy Assistant Practitioner");
    cr_assert_eq(r.profession, prof("Occupational therapy"));
    cr_assert_eq(r.role, role("Assistant practitioner"));
}

Test(title, generic_hca_is_nursing_by_default)
{
    esr_title_match r = match("Health Care Assistant - Trauma & Orthopaedics");
    cr_assert_eq(r.profession, prof("Nursing and midwifery"));
    cr_assert(r.prof_default);
    r = match("HCA (Physiotherapy)");
    cr_assert_eq(r.profession, prof("Physiotherapy"),
                 "brackets name what the default only guessed");
}

Test(title, abbreviations_of_ambulance_roles)
{
    cr_assert_eq(match("ECSW (Ambulance)").role, role("Emergency/urgent care support worker"));
    cr_assert_eq(match("A&E Ambulance ACA").role, role("Ambulance care assistant"));
    cr_assert_eq(match("Intermediate Ambulance Practitioner (IAP)").profession,
                 prof("Paramedic/ambulance"));
}

Test(title, typo_corrected_at_a_cost)
{
    esr_title_match r = match("Occuaptional Therapy Support Worker - Apprenticeship Route");
    cr_assert_eq(r.kind, ESR_TITLE_FUZZY);
    cr_assert_eq(r.profession, prof("Occupational therapy"));
    cr_assert_lt(r.score, 100);
    cr_assert_geq(r.score, ESR_TITLE_THRESHOLD_DEFAULT);
}

Test(title, typo_never_corrected_to_a_not_support_word)
{
    /* "physical" is two edits from "physician" */
    esr_title_match r = match("Senior Physical Health Clinical Support Worker");
    cr_assert_eq(r.role, role("Support worker"));
}

Test(title, bare_generic_role_below_threshold)
{
    esr_title_match r = match("Assistant");
    cr_assert_eq(r.kind, ESR_TITLE_NONE);
    cr_assert_eq(r.role, -1);
    r = match("Kitchen Assistant");
    cr_assert_eq(r.kind, ESR_TITLE_NONE, "an unknown word weighs on a generic role");
    cr_assert_neq(r.suggestion[0], '\0', "the best guess is kept for review");
}

Test(title, not_support_word_decides_out)
{
    cr_assert_eq(match("Physiotherapy Assistant Manager").role, m->role_none);
    cr_assert_eq(match("Healthcare Assistant Educator").role, m->role_none);
    cr_assert_eq(match("Ward Clerk").role, m->role_none);
}

Test(title, registered_profession_decides_out)
{
    cr_assert_eq(match("Pharmacy Technician").role, m->role_none);
    cr_assert_eq(match("Staff Nurse").role, m->role_none);
    cr_assert_eq(match("Physiotherapist").role, m->role_none);
}

Test(title, role_word_next_to_a_registered_word_is_support)
{
    esr_title_match r = match("Radiographer's Assistant");
    cr_assert_eq(r.profession, prof("Radiography (diagnostic)"));
    cr_assert_neq(r.role, m->role_none);
    r = match("Assistant Speech and Language Therapist");
    cr_assert_eq(r.profession, prof("Speech and language therapy"));
}

Test(title, learner_of_a_registered_profession_is_support)
{
    esr_title_match r = match("Apprentice Operating Department Practitioner");
    cr_assert_eq(r.profession, prof("Operating department practice"));
    cr_assert_eq(r.role, role("Trainee/student"));
}

Test(title, practitioner_is_not_support_from_band_5)
{
    esr_title_match r = match("Theatre Practitioner");
    cr_assert_eq(r.outside_band, 5);
    cr_assert_eq(match("Assistant Practitioner").outside_band, 0);
}

Test(title, two_professions_name_none)
{
    esr_title_match r = match("Physio/OT Assistant");
    cr_assert_eq(r.profession, -1);
    cr_assert_eq(r.role, role("Assistant"), "the role stands");
}

Test(title, plural_reads_as_singular)
{
    cr_assert_eq(match("Healthcare Support Workers").role, role("Support worker"));
}

Test(title, term_kinds_are_named)
{
    cr_assert_eq(title_term_kind("not_support"), 5);
    cr_assert_eq(title_term_kind("registered"), 6);
    cr_assert_eq(title_term_kind("nonsense"), -1);
}

Test(title, local_titles_win_over_shipped)
{
    esr_table lt = {0};
    char *hdr[] = {"title", "profession", "support_role", "trainee"};
    char *f0[] = {"Healthcare Assistant", "Physiotherapy", "Assistant", "no"};
    esr_table_row row = {2, f0};
    lt.path = "ours.csv";
    lt.ncols = 4;
    lt.header = hdr;
    lt.nrows = 1;
    lt.rows = &row;
    esr_titler *l;
    cr_assert_eq(title_new_local(m, &lt, "ours.csv", ESR_TITLE_THRESHOLD_DEFAULT, &l), ESR_OK);
    cr_assert_not_null(l);
    esr_title_match r;
    title_match(l, "Healthcare Assistant", &r);
    cr_assert_eq(r.profession, prof("Physiotherapy"));
    cr_assert_str_eq(r.rule, "ours.csv:2");
    title_free(l);
}

Test(title, every_in_scope_role_is_reachable_from_a_title)
{
    static const char *const titles[] = {"Assistant Practitioner",
                                         "Trainee Assistant Practitioner",
                                         "Student Physiotherapist",
                                         "Physiotherapy Assistant",
                                         "Healthcare Assistant",
                                         "Healthcare Support Worker",
                                         "Emergency Medical Technician",
                                         "ECA",
                                         "Ambulance Care Assistant",
                                         "Student Technician",
                                         "Emergency Ambulance Crew",
                                         "Nursing Assistant",
                                         "Nursery Nurse",
                                         "Registered Nursing Associate",
                                         "Trainee Nursing Associate",
                                         "Student Nurse",
                                         "Medical Laboratory Assistant",
                                         "MLA",
                                         "Maternity Support Worker",
                                         "MCA",
                                         "Patient Transport Attendant",
                                         "IAP",
                                         "AAP"};
    int seen[64] = {0};
    cr_assert_lt(m->nroles, 64);
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        esr_title_match r = match(titles[i]);
        cr_assert_geq(r.role, 0, "%s: no role", titles[i]);
        cr_assert(m->roles[r.role].in_scope, "%s: out of scope", titles[i]);
        seen[r.role] = 1;
    }
    for (size_t k = 0; k < m->nroles; k++)
        cr_assert(!m->roles[k].in_scope || seen[k], "no title reaches %s", m->roles[k].name);
}

/* title_normalise of s, as a string in b. */
static const char *norm(esr_buf *b, const char *s)
{
    title_normalise(t, s, b);
    return esr_buf_str(b);
}

Test(title, band_words_of_title_terms_each_mode)
{
    esr_buf b = {0};
    /* "" (band, afc): with a band value after it, and alone */
    cr_assert_str_eq(norm(&b, "Physio Assistant Band 8a"), "physiotherapy assistant");
    cr_assert_str_eq(norm(&b, "Physio Assistant AfC 4"), "physiotherapy assistant");
    cr_assert_str_eq(norm(&b, "Band Physio Assistant"), "physiotherapy assistant");
    cr_assert_str_eq(norm(&b, "Physio Assistant Band Two"), "physiotherapy assistant two");
    /* any (grade): with whatever word follows; alone kept */
    cr_assert_str_eq(norm(&b, "Physio Assistant Grade C"), "physiotherapy assistant");
    cr_assert_str_eq(norm(&b, "Physio Assistant Grade"), "physiotherapy assistant grade");
    /* prefix (b): joined to a band value only */
    cr_assert_str_eq(norm(&b, "Physio Assistant B4"), "physiotherapy assistant");
    cr_assert_str_eq(norm(&b, "Physio Assistant B"), "physiotherapy assistant b");
    cr_assert_str_eq(norm(&b, "Physio Assistant Bx4"), "physiotherapy assistant bx4");
    esr_buf_free(&b);
}

Test(title, senior_word_gives_its_table_level)
{
    cr_assert_eq(match("Senior Physiotherapy Assistant").senior, 3);
    cr_assert_eq(match("Physiotherapy Assistant").senior, 0);
}

/* A match's strings are stable while the cache takes new titles, and say
 * so (transient 0); past the cap (65,536 titles) a new title's are the
 * titler's scratch until the next call, and the match says so. */
Test(title, results_past_the_cache_cap_are_marked_transient)
{
    esr_title_match first = match("Healthcare Assistant");
    cr_assert_eq(first.transient, 0);
    char title[64];
    for (int i = 1; i < 65536; i++) { /* the cache's other 65,535 titles */
        snprintf(title, sizeof title, "Zqx Assistant %d", i);
        cr_assert_eq(match(title).transient, 0, "%s", title);
    }
    cr_assert_str_eq(first.rule, "job_titles.csv:7", "cached strings live on");
    cr_assert_eq(match("Healthcare Assistant").transient, 0, "cached before the cap");
    esr_title_match past = match("Theraputic Helpr");
    cr_assert_eq(past.transient, 1);
    cr_assert_str_eq(past.suggestion, "? / Assistant (confidence 0)");
    cr_assert_eq(match("Theraputic Helpr").transient, 1, "never cached");
    cr_assert_eq(title_status(t), ESR_OK);
    esr_buf trace = {0};
    esr_title_match ex;
    cr_assert_eq(title_explain(t, "Healthcare Assistant", &ex, &trace), ESR_OK);
    cr_assert_eq(ex.transient, 1, "explain never caches");
    esr_buf_free(&trace);
}
