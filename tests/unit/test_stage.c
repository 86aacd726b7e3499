/* test_stage.c - the stages as filters: canonical.csv, classified.csv and
 * summary.csv, and the decisions run shares with them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "decide.h"
#include "stage.h"
#include "unit_helpers.h"

static esr_mappings *m;
static esr_stage_opts opts;

static void setup(void)
{
    m = th_mappings();
    stage_opts_default(&opts);
    opts.m = m;
}

static void teardown(void)
{
    mappings_close(m);
}

TestSuite(stage, .init = setup, .fini = teardown);

/* Run a stream stage on text; returns its output (caller frees) and status. */
static char *filter(int aggregate, const char *text, esr_status *st, esr_err *err)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert(in && out);
    *st = aggregate ? stage_aggregate(&opts, in, "in.csv", out, err)
                    : stage_classify(&opts, in, "in.csv", out, err);
    fclose(in);
    fclose(out);
    return buf;
}

/* Line n (0 = header) of text, copied into out. */
static const char *line_of(const char *text, int n, char *out, size_t cap)
{
    for (; n > 0 && text; n--)
        text = strchr(text, '\n') ? strchr(text, '\n') + 1 : NULL;
    cr_assert_not_null(text);
    size_t k = strcspn(text, "\n");
    cr_assert_lt(k, cap);
    memcpy(out, text, k);
    out[k] = '\0';
    return out;
}

static const char canon[] =
    "source_file,source_line,read_fault,read_fault_detail,employee_number,assignment_number,"
    "org_code,occupation_code,position_title,pay_band,fte\n"
    "x.csv,2,,,E1,A1,RTH,H2H,OT Support Worker,Band 3,1\n"
    "x.csv,3,,,E2,A1,RTH,H2H,OT Support Worker,Band 3,0.5\n"
    "x.csv,5,row_torn,\"2 fields, header has 9\",,,,,,,\n"
    "x.csv,6,,,E3,A3,RTH,N6A,Staff Nurse,Band 5,1\n";

Test(stage, decide_rejects_a_second_in_scope_assignment)
{
    esr_validator *v;
    cr_assert_eq(validate_new(m, &v), ESR_OK);
    esr_classifier *cls;
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    cr_assert(v && cls);
    esr_record r[2];
    for (int i = 0; i < 2; i++) {
        record_init(&r[i], "", 0);
        r[i].f[ESR_COL_ORG_CODE] = "RTH";
        r[i].f[ESR_COL_ASSIGNMENT_NUMBER] = "A1";
        r[i].f[ESR_COL_OCCUPATION_CODE] = "H2H";
        r[i].f[ESR_COL_FTE] = "1";
        decide_row(v, cls, NULL, &r[i]);
    }
    cr_assert_eq(r[0].scope, ESR_SCOPE_IN);
    cr_assert_eq(r[1].scope, ESR_SCOPE_REJECTED);
    cr_assert_eq(r[1].reason_rule, ESR_RULE_ASSIGNMENT_DUPLICATE);
    classify_free(cls);
    validate_free(v);
}

Test(stage, classify_gives_every_row_a_scope_and_reason)
{
    esr_status st;
    esr_err err = {0};
    char *out = filter(0, canon, &st, &err);
    cr_assert_eq(st, ESR_OK, "%s", err.msg);
    char l[2048];
    cr_assert(!strncmp(line_of(out, 0, l, sizeof l), "scope,reason,reason_detail,org_code,", 36),
              "%s", l);
    line_of(out, 1, l, sizeof l);
    cr_assert(!strncmp(l, "in,,,RTH,x.csv,2,E1,A1,OT Support Worker,", 41), "%s", l);
    cr_assert_not_null(strstr(l, ",1.00000,"), "%s", l);
    char want[200];
    snprintf(want, sizeof want, "rejected,%s,A1,", rule_id(ESR_RULE_ASSIGNMENT_DUPLICATE));
    cr_assert(!strncmp(line_of(out, 2, l, sizeof l), want, strlen(want)), "%s", l);
    snprintf(want, sizeof want, "rejected,%s,\"2 fields, header has 9\",",
             rule_id(ESR_RULE_ROW_TORN));
    cr_assert(!strncmp(line_of(out, 3, l, sizeof l), want, strlen(want)), "%s", l);
    cr_assert(!strncmp(line_of(out, 4, l, sizeof l), "out,not a support role,,", 24), "%s", l);
    free(out);
}

Test(stage, aggregate_counts_what_classify_counted)
{
    esr_status st;
    esr_err err = {0};
    char *cls = filter(0, canon, &st, &err);
    cr_assert_eq(st, ESR_OK, "%s", err.msg);
    char *sum = filter(1, cls, &st, &err);
    cr_assert_eq(st, ESR_OK, "%s", err.msg);
    char l[512];
    cr_assert_str_eq(line_of(sum, 0, l, sizeof l),
                     "org_code,dimension,profession,support_role,key,fte,headcount");
    /* the one in-scope row: its profession and role from classified.csv */
    char row[2048], prof[128], role[128];
    line_of(cls, 1, row, sizeof row);
    const esr_occ *occ = NULL;
    size_t i;
    cr_assert(esr_strmap_get(m->occ_by_code, "H2H", 3, &i));
    occ = &m->occ[i];
    snprintf(prof, sizeof prof, "%s", m->prof[occ->profession].name);
    snprintf(role, sizeof role, "%s", m->roles[occ->role].name);
    cr_assert_not_null(strstr(row, prof), "%s", row);
    char want[400];
    snprintf(want, sizeof want, ",profession_role,%s,%s,,1.00000,1\n", prof, role);
    cr_assert_not_null(strstr(sum, want), "no %s in:\n%s", want, sum);
    free(cls);
    free(sum);
}

Test(stage, classify_refuses_a_file_that_is_not_canonical)
{
    esr_status st;
    esr_err err = {0};
    free(filter(0, "a,b\n1,2\n", &st, &err));
    cr_assert_eq(st, ESR_ERR_INPUT_FORMAT);
    cr_assert_not_null(strstr(err.msg, "in.csv: not a canonical.csv"), "%s", err.msg);
}

Test(stage, aggregate_names_the_line_of_a_bad_row)
{
    esr_status st;
    esr_err err = {0};
    char *cls = filter(0, canon, &st, &err);
    char *second = strchr(cls, '\n') + 1;
    memcpy(second, "zz", 2); /* scope "in" -> "zz" */
    free(filter(1, cls, &st, &err));
    cr_assert_eq(st, ESR_ERR_INPUT_FORMAT);
    cr_assert_not_null(strstr(err.msg, "in.csv:2: not a classified row"), "%s", err.msg);
    free(cls);
}

Test(stage, schema_keeps_line_numbers_and_drops_personal_columns)
{
    char dir[PATH_MAX], path[PATH_MAX];
    th_mkdtemp(dir);
    th_write_in(dir, "e.csv",
                "Occupation Code,Position Title,Contracted WTE,Full Name\n"
                "H2H,\"OT Support\nWorker\",1,Ann Smith\n"
                "H2J,Physio Assistant,0.5,Bob Jones\n"
                "H2H,torn\n",
                path);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    esr_err err = {0};
    cr_assert_eq(stage_schema(&opts, path, out, &err), ESR_OK, "%s", err.msg);
    fclose(out);
    cr_assert_null(strstr(buf, "Smith"), "%s", buf);
    cr_assert_null(strstr(buf, "full_name"), "%s", buf);
    char l[512];
    cr_assert(!strncmp(line_of(buf, 1, l, sizeof l), "e.csv,2,,,", 10), "%s", l);
    /* the quoted field spans lines 2-3: the next row starts on line 4 */
    cr_assert_not_null(strstr(buf, "\ne.csv,4,,,"), "%s", buf);
    char want[100];
    snprintf(want, sizeof want, "\ne.csv,5,%s,\"2 fields, header has 4\",",
             rule_id(ESR_RULE_ROW_TORN));
    cr_assert_not_null(strstr(buf, want), "%s", buf);
    free(buf);
    th_rm_rf(dir);
}
