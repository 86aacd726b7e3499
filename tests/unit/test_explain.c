/* test_explain.c - a row's lineage as text: columns read, decisions with
 * the mapping rows behind them, findings, fate. */
#include <criterion/criterion.h>
#include <string.h>

#include "classify.h"
#include "explain.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_classifier *cls;
static char *header[] = {"Occ Code", "Job Title", "Grade", "WTE"};
static esr_schema schema;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
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

/* Assert r's explanation is exactly want (written out by hand from the
 * mapping rows named in it, never from r). */
static void explains_as(const esr_record *r, const char *want)
{
    char *t = explained(r);
    cr_assert_str_eq(t, want, "explanation differs; got:\n%s", t);
    free(t);
}

/* H2H is occupation_codes.csv:85 (Support Worker in Occupational Therapy:
 * Occupational therapy, Support worker); "OT Support Worker" normalises to
 * job_titles.csv:11 (Occupational therapy support worker); band 3 gives
 * level 3 and the standard title of a level 3 support worker. */
Test(explain, in_scope_row_names_its_mapping_rows)
{
    esr_record r = classified("H2H", "OT Support Worker", "Band 3", 50000);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    explains_as(&r, "x.csv line 7: in scope: counted in the return\n"
                    "  read from the export:\n"
                    "    position_title         \"OT Support Worker\"  (column 2, \"Job Title\")\n"
                    "    occupation_code        \"H2H\"  (column 1, \"Occ Code\")\n"
                    "    pay_band               \"Band 3\"  (column 3, \"Grade\")\n"
                    "    fte                    \"0.5\"  (column 4, \"WTE\")\n"
                    "  occupation code          H2H: Support Worker in Occupational Therapy "
                    "(occupation_codes.csv:85; staff group Support to ST&T staff)\n"
                    "  profession supported     Occupational therapy (from the occupation code, "
                    "occupation_codes.csv:85)\n"
                    "  support role             Support worker (occupation_codes.csv:85)\n"
                    "  job title                normalised match, confidence 100, rule "
                    "job_titles.csv:11\n"
                    "  standard title           Senior Occupational Therapy Support Worker\n"
                    "  pay band                 Band 3 (bands.csv)\n"
                    "  career framework level   3 (from the role, band and title)\n"
                    "  area of work             blank\n"
                    "  FTE                      0.50000\n"
                    "  findings                 none\n");
}

/* N6A is occupation_codes.csv:121, a registered nurse: not a support role;
 * "nurse" is title_terms.csv:187 (registered, Nursing and midwifery). */
Test(explain, out_of_scope_row_says_why)
{
    esr_record r = classified("N6A", "Staff Nurse", "Band 5", 100000);
    cr_assert_eq(r.scope, ESR_SCOPE_OUT);
    explains_as(&r, "x.csv line 7: out of scope\n"
                    "  why                      not a support role\n"
                    "  read from the export:\n"
                    "    position_title         \"Staff Nurse\"  (column 2, \"Job Title\")\n"
                    "    occupation_code        \"N6A\"  (column 1, \"Occ Code\")\n"
                    "    pay_band               \"Band 5\"  (column 3, \"Grade\")\n"
                    "    fte                    \"0.5\"  (column 4, \"WTE\")\n"
                    "  occupation code          N6A: Other 1st Level Nurse in Adult and General "
                    "(occupation_codes.csv:121; staff group Nurses & health visitors)\n"
                    "  profession supported     Nursing and midwifery (from the occupation code, "
                    "occupation_codes.csv:121)\n"
                    "  support role             Not a support role (occupation_codes.csv:121)\n"
                    "  job title                normalised match, confidence 100, rule "
                    "title_terms.csv:186\n"
                    "  pay band                 Band 5 (bands.csv)\n"
                    "  area of work             blank\n"
                    "  FTE                      1.00000\n"
                    "  findings                 none\n");
}

/* area_unknown is dq_rules.csv:19: a warning on area_of_work. */
Test(explain, findings_with_severity_field_and_value)
{
    esr_record r = classified("H2H", "OT Support Worker", "Band 3", 50000);
    record_flag(&r, ESR_RULE_AREA_UNKNOWN, "Moon Base");
    char *t = explained(&r);
    const char *want = "  FTE                      0.50000\n"
                       "  findings:\n"
                       "    area_unknown (warning, area_of_work): area of work is not a known "
                       "value (nearest known value in area_of_work_suggestion) (\"Moon Base\")\n";
    size_t n = strlen(t), w = strlen(want);
    cr_assert(n >= w && !strcmp(t + n - w, want), "the explanation does not end in:\n%s\ngot:\n%s",
              want, t);
    free(t);
}

/* fte_not_number is dq_rules.csv:4; a rejected row that was read shows its
 * columns, and nothing classified. */
Test(explain, rejected_row_gives_rule_message_and_value)
{
    esr_record r = rejected(9, ESR_RULE_FTE_NOT_NUMBER, "lots");
    r.f[ESR_COL_FTE] = "lots";
    explains_as(&r, "x.csv line 9: rejected\n"
                    "  rule                     fte_not_number\n"
                    "  why                      FTE is not a number: write it as a plain decimal "
                    "such as 0.5, without spaces, units or thousands separators (a decimal comma "
                    "such as 0,5 is read only in semicolon-separated files)\n"
                    "  value                    lots\n"
                    "  read from the export:\n"
                    "    position_title         \"\"  (column 2, \"Job Title\")\n"
                    "    occupation_code        \"\"  (column 1, \"Occ Code\")\n"
                    "    pay_band               \"\"  (column 3, \"Grade\")\n"
                    "    fte                    \"lots\"  (column 4, \"WTE\")\n");
}

/* row_torn is dq_rules.csv:2: its fields were never split, so none shown. */
Test(explain, torn_row_shows_no_columns)
{
    esr_record r = rejected(3, ESR_RULE_ROW_TORN, "2 fields, header has 4");
    explains_as(&r, "x.csv line 3: rejected\n"
                    "  rule                     row_torn\n"
                    "  why                      row has a different number of fields from the "
                    "header\n"
                    "  value                    2 fields, header has 4\n");
}

/* field_too_big is dq_rules.csv:3: no value, no columns. */
Test(explain, oversize_row_shows_no_columns)
{
    esr_record r = rejected(4, ESR_RULE_FIELD_TOO_BIG, "");
    explains_as(&r, "x.csv line 4: rejected\n"
                    "  rule                     field_too_big\n"
                    "  why                      a field is larger than the maximum field size\n");
}
