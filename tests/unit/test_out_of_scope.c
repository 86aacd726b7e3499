/* test_out_of_scope.c - out_of_scope.csv lines: the fields compare reads,
 * the reason label, neutralised text and no personal field. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_of_scope.h"
#include "unit_helpers.h"

/* r written as one line, returned malloc'd. */
static char *line_of(const esr_record *r, const char *asg)
{
    char *text = NULL;
    size_t len = 0;
    esr_buf line = {0};
    FILE *mem = open_memstream(&text, &len);
    cr_assert(mem);
    esr_mappings *m = th_mappings();
    cr_assert_eq(out_of_scope_put(&line, mem, m, r, asg), 0);
    mappings_close(m);
    fclose(mem);
    esr_buf_free(&line);
    return text;
}

static esr_record registered(void)
{
    esr_record r;
    record_init(&r, "export.csv", 42);
    r.f[ESR_COL_ORG_CODE] = "R0A";
    r.f[ESR_COL_EMPLOYEE_NUMBER] = "E123";
    r.f[ESR_COL_ASSIGNMENT_NUMBER] = "123-1";
    r.f[ESR_COL_POSITION_TITLE] = "Physiotherapist";
    r.f[ESR_COL_OCCUPATION_CODE] = "s1e";
    r.f[ESR_COL_STAFF_GROUP] = "Allied Health Professionals";
    r.scope = ESR_SCOPE_OUT;
    r.out_reason = ESR_OUT_NOT_SUPPORT;
    r.fte_e5 = 80000;
    return r;
}

Test(out_of_scope, header_names_the_fields_compare_reads)
{
    cr_assert(strstr(ESR_OUT_OF_SCOPE_HEADER, "org_code,"));
    cr_assert(strstr(ESR_OUT_OF_SCOPE_HEADER, ",assignment_number,"));
    cr_assert(strstr(ESR_OUT_OF_SCOPE_HEADER, ",reason,"));
    cr_assert_null(strstr(ESR_OUT_OF_SCOPE_HEADER, "employee"));
}

Test(out_of_scope, one_line_with_reason_and_code)
{
    esr_record r = registered();
    char *t = line_of(&r, "123-1");
    cr_assert_str_eq(t, "R0A,123-1,not a support role,s1e,Physiotherapist,0.80000\n");
    free(t);
    memcpy(r.occ_code, "S1E", 4); /* the upper-cased code, when read */
    r.out_reason = ESR_OUT_MEDICAL;
    t = line_of(&r, "123-1");
    cr_assert(strstr(t, ",medical and dental,S1E,"), "%s", t);
    free(t);
}

Test(out_of_scope, the_assignment_shown_is_the_one_given_never_the_employee)
{
    esr_record r = registered();
    char *t = line_of(&r, "a1b2c3d4e5f6a1b2c3d4e5f6");
    cr_assert(strstr(t, ",a1b2c3d4e5f6a1b2c3d4e5f6,"), "%s", t);
    cr_assert_null(strstr(t, "123-1"));
    cr_assert_null(strstr(t, "E123"));
    free(t);
}

Test(out_of_scope, text_is_neutralised_and_quoted)
{
    esr_record r = registered();
    r.f[ESR_COL_POSITION_TITLE] = "=HYPERLINK(\"x\"),1";
    char *t = line_of(&r, "123-1");
    cr_assert(strstr(t, ",\"'=HYPERLINK(\"\"x\"\"),1\","), "%s", t);
    free(t);
}
