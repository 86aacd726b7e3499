/* test_schema.c - header names to canonical columns. */
#include <criterion/criterion.h>
#include <string.h>

#include "schema.h"
#include "unit_helpers.h"

static esr_mappings *m;

static void setup(void)
{
    m = th_mappings();
}

static void teardown(void)
{
    mappings_close(m);
}

TestSuite(schema, .init = setup, .fini = teardown);

typedef struct hrow {
    esr_row row;
    char *f[32];
    size_t lens[32];
} hrow;

static void mkrow(hrow *h, const char *const *names, size_t n, uint64_t line)
{
    memset(h, 0, sizeof *h);
    cr_assert_leq(n, 32);
    for (size_t i = 0; i < n; i++) {
        h->f[i] = strdup(names[i]);
        h->lens[i] = strlen(names[i]);
    }
    h->row.nfields = n;
    h->row.fields = h->f;
    h->row.lens = h->lens;
    h->row.line = line;
    h->row.end_line = line;
}

static void rowfree(hrow *h)
{
    for (size_t i = 0; i < h->row.nfields; i++)
        free(h->f[i]);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(schema, aliases_in_shuffled_order)
{
    static const char *const names[] = {"Contracted WTE",
                                        "  Occ Code ",
                                        "Organisation Code",
                                        "AREA OF WORK",
                                        "Job Title",
                                        "assignment_no",
                                        "Emp No",
                                        "Grade",
                                        "Staff Group",
                                        "Primary Assignment",
                                        "Hire Date",
                                        "Job Role",
                                        "Assignment Category",
                                        "Assignment Status",
                                        "Org Name"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->ncols, N(names));
    cr_assert_eq(s->pos[ESR_COL_FTE], 0);
    cr_assert_eq(s->pos[ESR_COL_OCCUPATION_CODE], 1);
    cr_assert_eq(s->pos[ESR_COL_ORG_CODE], 2);
    cr_assert_eq(s->pos[ESR_COL_AREA_OF_WORK], 3);
    cr_assert_eq(s->pos[ESR_COL_POSITION_TITLE], 4);
    cr_assert_eq(s->pos[ESR_COL_ASSIGNMENT_NUMBER], 5);
    cr_assert_eq(s->pos[ESR_COL_EMPLOYEE_NUMBER], 6);
    cr_assert_eq(s->pos[ESR_COL_PAY_BAND], 7);
    cr_assert_eq(s->pos[ESR_COL_STAFF_GROUP], 8);
    cr_assert_eq(s->pos[ESR_COL_PRIMARY_FLAG], 9);
    cr_assert_eq(s->pos[ESR_COL_START_DATE], 10);
    cr_assert_eq(s->pos[ESR_COL_JOB_ROLE], 11);
    cr_assert_eq(s->pos[ESR_COL_ASSIGNMENT_CATEGORY], 12);
    cr_assert_eq(s->pos[ESR_COL_ASSIGNMENT_STATUS], 13);
    cr_assert_eq(s->pos[ESR_COL_ORG_NAME], 14);
    for (size_t i = 0; i < N(names); i++)
        cr_assert_eq(s->kind[i], ESR_HEADER_MAPPED, "column %zu (%s) mapped", i, names[i]);
    cr_assert_str_eq(s->header[1], "Occ Code", "header names kept, trimmed");
    schema_free(s);
    rowfree(&h);
}

Test(schema, pii_and_unknown_columns)
{
    static const char *const names[] = {
        "Full Name",   "FTE", "Favourite Colour", "NI Number", "Position Title", "Date of Birth",
        "Cost Centre", "",    "Surname"};
    hrow h;
    mkrow(&h, names, N(names), 3);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->kind[0], ESR_HEADER_PII, "Full Name is PII");
    cr_assert_eq(s->kind[1], ESR_HEADER_MAPPED);
    cr_assert_eq(s->kind[2], ESR_HEADER_UNKNOWN, "unknown column");
    cr_assert_eq(s->kind[3], ESR_HEADER_PII, "NI Number is PII");
    cr_assert_eq(s->kind[4], ESR_HEADER_MAPPED);
    cr_assert_eq(s->kind[5], ESR_HEADER_PII, "Date of Birth is PII");
    cr_assert_eq(s->kind[6], ESR_HEADER_UNKNOWN);
    cr_assert_eq(s->kind[7], ESR_HEADER_UNKNOWN, "empty header");
    cr_assert_eq(s->kind[8], ESR_HEADER_PII);
    cr_assert_eq(s->pos[ESR_COL_FTE], 1);
    cr_assert_eq(s->pos[ESR_COL_POSITION_TITLE], 4);
    cr_assert_eq(s->pos[ESR_COL_OCCUPATION_CODE], -1);
    cr_assert_eq(s->pos[ESR_COL_EMPLOYEE_NUMBER], -1);
    /* PII columns are never bound to a canonical field */
    for (int c = 0; c < ESR_COL_COUNT; c++)
        cr_assert(s->pos[c] != 0 && s->pos[c] != 3 && s->pos[c] != 5 && s->pos[c] != 8);
    schema_free(s);
    rowfree(&h);
}

Test(schema, missing_fte_names_aliases)
{
    static const char *const names[] = {"Employee Number", "Occupation Code", "Job Title", "Hours"};
    hrow h;
    mkrow(&h, names, N(names), 7);
    esr_schema *s = (esr_schema *)1;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "export.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_ERR_SCHEMA);
    cr_assert_null(s);
    cr_assert_eq(err.status, ESR_ERR_SCHEMA);
    cr_assert(strstr(err.msg, "fte") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "Contracted WTE") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "Assignment FTE") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "export.csv:7") != NULL, "names the file and header line: %s",
              err.msg);
    rowfree(&h);
}

Test(schema, missing_code_and_title)
{
    static const char *const names[] = {"Employee Number", "FTE", "Band"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "e.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_ERR_SCHEMA);
    cr_assert(strstr(err.msg, "Occupation Code") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "Position Title") != NULL, "%s", err.msg);
    rowfree(&h);

    /* either one alone is enough */
    static const char *const only_title[] = {"FTE", "Job Title"};
    mkrow(&h, only_title, N(only_title), 1);
    cr_assert_eq(schema_bind(m, &h.row, "e.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    schema_free(s);
    rowfree(&h);
}

Test(schema, fill_points_at_trimmed_fields)
{
    static const char *const names[] = {"Occupation Code", "Contracted FTE", "Surname",
                                        "Area of Work"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "e.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    static const char *const data[] = {" S9E ",
                                       "\xc2\xa0"
                                       "0.5",
                                       "Smith"};
    hrow d;
    mkrow(&d, data, N(data), 2); /* a short row: area_of_work absent */
    esr_record r;
    record_init(&r, "", 0);
    schema_fill(s, &d.row, &r);
    cr_assert_str_eq(r.f[ESR_COL_OCCUPATION_CODE], "S9E");
    cr_assert_str_eq(r.f[ESR_COL_FTE], "0.5");
    cr_assert_str_eq(r.f[ESR_COL_AREA_OF_WORK], "");
    cr_assert_str_eq(r.f[ESR_COL_EMPLOYEE_NUMBER], "");
    for (int c = 0; c < ESR_COL_COUNT; c++)
        cr_assert(strcmp(r.f[c], "Smith") != 0, "PII reached a canonical field");
    schema_free(s);
    rowfree(&h);
    rowfree(&d);
}

/* A competence export binds employee number and the training columns. */
Test(schema, training_export_binds_training_columns)
{
    static const char *const names[] = {"Employee No", "Competence Name", "Status", "Date Achieved",
                                        "Full Name"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "t.csv", ESR_SCHEMA_TRAINING, &s, &err), ESR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->pos[ESR_COL_EMPLOYEE_NUMBER], 0);
    cr_assert_eq(s->pos[ESR_COL_COMPETENCE_NAME], 1);
    cr_assert_eq(s->pos[ESR_COL_COMPETENCE_STATUS], 2);
    cr_assert_eq(s->pos[ESR_COL_ACHIEVED_DATE], 3);
    cr_assert_eq(s->kind[4], ESR_HEADER_PII, "Full Name is personal data");
    schema_free(s);
    rowfree(&h);
}

/* A competence export without a competence name column is refused. */
Test(schema, training_export_needs_competence_name)
{
    static const char *const names[] = {"Employee Number", "Status"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "t.csv", ESR_SCHEMA_TRAINING, &s, &err), ESR_ERR_SCHEMA);
    cr_assert(strstr(err.msg, "competence_name") != NULL, "%s", err.msg);
    rowfree(&h);
}

Test(schema, two_columns_for_one_are_refused_naming_both)
{
    static const char *const names[] = {"Position Title", "FTE", "Pay Band", "Contracted WTE"};
    hrow h;
    mkrow(&h, names, N(names), 4);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_ERR_SCHEMA);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "x.csv:4:") && strstr(err.msg, "2 \"FTE\"") &&
                  strstr(err.msg, "4 \"Contracted WTE\"") && strstr(err.msg, "fte"),
              "%s", err.msg);
    rowfree(&h);
}

Test(schema, contracted_hours_stand_in_for_fte)
{
    static const char *const names[] = {"Position Title", "Contracted Hours"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->pos[ESR_COL_FTE], -1);
    cr_assert_eq(s->pos[ESR_COL_CONTRACTED_HOURS], 1);
    schema_free(s);
    rowfree(&h);
}

/* sniff text with schema_sniff, delimiter and header line free */
static void sniff(const char *text, esr_sniff *out)
{
    schema_sniff(m, text, strlen(text), 0, 0, out);
}

Test(schema, sniff_finds_delimiter_and_header_under_title_lines)
{
    esr_sniff sn;
    sniff("Employee Number,Position Title,Contracted WTE\n1,HCA,1\n", &sn);
    cr_assert(sn.found && sn.delim == ',' && sn.header_line == 1 && sn.mapped == 3);
    sniff("Employee Number;Position Title;Contracted WTE\r\n1;HCA;0,5\r\n", &sn);
    cr_assert(sn.found && sn.delim == ';' && sn.header_line == 1);
    sniff("Employee Number\tPosition Title\tFTE\n", &sn);
    cr_assert(sn.found && sn.delim == '\t');
    sniff("Employee Number|Position Title|FTE\n", &sn);
    cr_assert(sn.found && sn.delim == '|');
    /* a BI report: title lines, one with commas, a blank line, then the header */
    sniff("Staff in Post - Assignment Details\nRun date: 01/04/2026, 09:00\n\n"
          "\"Occupation Code\",\"Position Title\",\"FTE\"\n",
          &sn);
    cr_assert(sn.found && sn.delim == ',' && sn.header_line == 4, "line %llu",
              (unsigned long long)sn.header_line);
    /* a header with commas inside a quoted name stays one field */
    sniff("\"Name, Full\";Occupation Code;FTE\n", &sn);
    cr_assert(sn.found && sn.delim == ';');
}

Test(schema, sniff_reports_what_it_tried)
{
    esr_sniff sn;
    sniff("hello\x01world\tand more\nsecond line\n", &sn);
    cr_assert_not(sn.found);
    cr_assert_eq(sn.mapped, 0);
    cr_assert_str_eq(sn.tried, "comma, semicolon, tab, pipe");
    /* line 1 names no column: it may be a data row, so only its shape is told */
    cr_assert(strstr(sn.first_line, "not shown") && strstr(sn.first_line, "1 tabs") &&
                  !strstr(sn.first_line, "hello"),
              "%s", sn.first_line);
    sniff("Employee Number\x01;Nothing\tmore\n", &sn);
    cr_assert_str_eq(sn.first_line, "Employee Number\\x01;Nothing\\x09more");
    /* a header without an FTE column: found = 0, but it is the best row */
    sniff("title\nEmployee Number,Position Title,Pay Band\n", &sn);
    cr_assert(!sn.found && sn.header_line == 2 && sn.mapped == 3);
    /* forced delimiter and line */
    const char *t = "x\nOccupation Code;FTE\nOccupation Code,FTE\n";
    schema_sniff(m, t, strlen(t), ',', 0, &sn);
    cr_assert(sn.found && sn.header_line == 3 && sn.delim == ',');
    schema_sniff(m, t, strlen(t), 0, 2, &sn);
    cr_assert(sn.found && sn.header_line == 2 && sn.delim == ';');
    /* a long first line is capped */
    char longl[600];
    memset(longl, 'a', sizeof longl - 1);
    memcpy(longl, "FTE,", 4);
    longl[sizeof longl - 1] = '\0';
    sniff(longl, &sn);
    cr_assert_lt(strlen(sn.first_line), 160);
    cr_assert(strstr(sn.first_line, "..."));
}

Test(schema, near_miss_names_the_likely_column)
{
    static const char *const names[] = {"Position Title", "FTE", "Org Codes", "Occupaton Code",
                                        "Favourite Colour"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    const esr_table *t = m->t_columns;
    int cc = table_col(t, "canonical");
    int k = schema_near_miss(m, s, "Org Codes");
    cr_assert(k >= 0 && !strcmp(table_get(t, (size_t)k, cc), "org_code"));
    k = schema_near_miss(m, s, "Occupaton Code");
    cr_assert(k >= 0 && !strcmp(table_get(t, (size_t)k, cc), "occupation_code"));
    cr_assert_eq(schema_near_miss(m, s, "Favourite Colour"), -1);
    /* a column already bound is not suggested again */
    cr_assert_eq(schema_near_miss(m, s, "FTEs"), -1);
    schema_free(s);
    rowfree(&h);
}

Test(schema, bi_report_names_are_aliases)
{
    static const char *const names[] = {"Org Code (ODS)", "Pay Band Code", "FTE (Contracted)",
                                        "Position Title"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "x.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->pos[ESR_COL_ORG_CODE], 0);
    cr_assert_eq(s->pos[ESR_COL_PAY_BAND], 1);
    cr_assert_eq(s->pos[ESR_COL_FTE], 2);
    schema_free(s);
    rowfree(&h);
}

Test(schema, delimiter_names)
{
    cr_assert_eq(schema_delim_parse("semicolon"), ';');
    cr_assert_eq(schema_delim_parse("tab"), '\t');
    cr_assert_eq(schema_delim_parse("|"), '|');
    cr_assert_eq(schema_delim_parse("comma"), ',');
    cr_assert_eq(schema_delim_parse("\""), 0);
    cr_assert_eq(schema_delim_parse("two"), 0);
}

Test(schema, missing_fte_names_the_near_miss_in_the_export)
{
    static const char *const names[] = {"Employee Number", "Occupation Code", "Staf Group",
                                        "Contracted WTEs"};
    hrow h;
    mkrow(&h, names, N(names), 1);
    esr_schema *s = NULL;
    esr_err err = {0};
    cr_assert_eq(schema_bind(m, &h.row, "e.csv", ESR_SCHEMA_STAFF, &s, &err), ESR_ERR_SCHEMA);
    cr_assert(strstr(err.msg, "\"Contracted WTEs\" is close to \"Contracted WTE\""), "%s", err.msg);
    cr_assert(strstr(err.msg, "columns.csv"), "says where to add it: %s", err.msg);
    /* a near miss of a column that is not the missing one is not named here */
    cr_assert_null(strstr(err.msg, "Staf Group"), "%s", err.msg);
    rowfree(&h);
}
