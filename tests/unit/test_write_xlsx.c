/* test_write_xlsx.c - the workbook's typed feed: records and rejects fed as
 * frames (records_pack, records_pack_reject), split anywhere between feeds,
 * reach the sheets as values; a malformed or cut-short feed is refused. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "aggregate.h"
#include "classify.h"
#include "records.h"
#include "unit_helpers.h"
#include "validate.h"
#include "write_xlsx.h"

static esr_mappings *m;
static esr_aggregate *agg;
static esr_buf feed;
static char dir[PATH_MAX];

/* Three in-scope records (one with an FTE above 1.5 and an unknown area
 * of work) and one reject, counted and packed into feed in input order. */
static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(aggregate_new(m, &agg), ESR_OK);
    th_mkdtemp(dir);
    esr_classifier *cls;
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    esr_validator *val;
    cr_assert_eq(validate_new(m, &val), ESR_OK);
    esr_rendered out;
    memset(&out, 0, sizeof out);
    static const char *const fte[] = {"0.8", "1.6", "0.33333"};
    static const char *const area[] = {"Physiotherapy", "Physiotherapyy", ""};
    static const char *const emp[] = {"1001", "1002", "1003"};
    for (int i = 0; i < 3; i++) {
        esr_record r;
        record_init(&r, "export.csv", (uint64_t)(10 + i));
        r.f[ESR_COL_EMPLOYEE_NUMBER] = r.f[ESR_COL_ASSIGNMENT_NUMBER] = emp[i];
        r.f[ESR_COL_ORG_CODE] = "R0A";
        r.f[ESR_COL_POSITION_TITLE] = "Physio Assistant";
        r.f[ESR_COL_OCCUPATION_CODE] = "S9E";
        r.f[ESR_COL_STAFF_GROUP] = "Additional Clinical Services";
        r.f[ESR_COL_PAY_BAND] = "AfC Band 3";
        r.f[ESR_COL_AREA_OF_WORK] = area[i];
        r.f[ESR_COL_FTE] = fte[i];
        cr_assert_eq(validate_fields(val, &r), 0);
        classify_record(cls, &r);
        validate_record(val, &r);
        cr_assert_eq(r.scope, ESR_SCOPE_IN);
        cr_assert_eq(aggregate_add(agg, &r, emp[i]), ESR_OK);
        cr_assert_eq(records_render(&r, m, emp[i], emp[i], &out), 0);
        cr_assert_eq(records_pack(&out, &feed), 0);
    }
    esr_reject j = {"export.csv", 14, ESR_RULE_FTE_NOT_NUMBER, "n/a"};
    cr_assert_eq(records_pack_reject(&j, &feed), 0);
    records_rendered_free(&out);
    validate_free(val);
    classify_free(cls);
}

static void teardown(void)
{
    esr_buf_free(&feed);
    aggregate_free(agg);
    mappings_close(m);
    th_rm_rf(dir);
}

TestSuite(write_xlsx, .init = setup, .fini = teardown);

/* The workbook's inputs besides the feed. */
static esr_xlsx_in inputs(esr_return_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->tool_version = meta->template_version = "test";
    meta->org_code = "R0A";
    meta->org_name = meta->region = meta->titles_name = meta->titles_sha256 = "";
    meta->snapshot = "2026-03-31";
    meta->created = 1774915200; /* fixed: the workbook's bytes do not depend on when */
    meta->mapping_version = m->version;
    meta->mapping_sha256 = m->sha256;
    meta->classify_mode = "evidence";
    meta->pseudonymised = "no";
    meta->full_time_hours = "37.5";
    return (esr_xlsx_in){.meta = meta, .agg = agg, .org = "", .m = m, .tmpdir = dir};
}

/* Build the workbook dir/name from feed, handed over step bytes at a time
 * (0: all at once, less cut bytes at the end); xlsx_close's status. */
static esr_status build(const char *name, size_t step, size_t cut)
{
    char path[PATH_MAX];
    esr_return_meta meta;
    esr_xlsx_in in = inputs(&meta);
    esr_xlsx *x;
    esr_err err = {0};
    th_join(path, dir, name);
    cr_assert_eq(xlsx_open(path, &in, &x, &err), ESR_OK, "%s", err.msg);
    size_t n = feed.len - cut, k = step ? step : n;
    for (size_t at = 0; at < n; at += k)
        cr_assert_eq(xlsx_feed(x, feed.data + at, at + k < n ? k : n - at, NULL, &err), ESR_OK,
                     "%s", err.msg);
    return xlsx_close(x, &in, &err);
}

/* The text of member name of the zip file at path (central directory,
 * deflated or stored), malloc'd; NULL if absent. */
static char *zip_member(const char *path, const char *name)
{
    size_t n;
    unsigned char *z = (unsigned char *)th_read(path, &n);
    cr_assert_not_null(z);
    char *text = NULL;
    size_t e = n - 22; /* the end of central directory record, no comment */
    cr_assert(n > 22 && !memcmp(z + e, "PK\5\6", 4), "%s: not a zip", path);
    uint32_t cd, comp, usize, off;
    uint16_t nl, xl, cl, method, lnl, lxl;
    memcpy(&cd, z + e + 16, 4);
    for (size_t p = cd; p + 46 <= e && !memcmp(z + p, "PK\1\2", 4); p += 46u + nl + xl + cl) {
        memcpy(&method, z + p + 10, 2);
        memcpy(&comp, z + p + 20, 4);
        memcpy(&usize, z + p + 24, 4);
        memcpy(&nl, z + p + 28, 2);
        memcpy(&xl, z + p + 30, 2);
        memcpy(&cl, z + p + 32, 2);
        memcpy(&off, z + p + 42, 4);
        if (nl != strlen(name) || memcmp(z + p + 46, name, nl))
            continue;
        memcpy(&lnl, z + off + 26, 2);
        memcpy(&lxl, z + off + 28, 2);
        const unsigned char *data = z + off + 30 + lnl + lxl;
        text = malloc((size_t)usize + 1);
        cr_assert_not_null(text);
        if (method == 0) {
            memcpy(text, data, usize);
        } else {
            z_stream s = {0};
            cr_assert_eq(inflateInit2(&s, -15), Z_OK);
            s.next_in = (unsigned char *)data;
            s.avail_in = comp;
            s.next_out = (unsigned char *)text;
            s.avail_out = usize;
            cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END, "%s in %s", name, path);
            inflateEnd(&s);
        }
        text[usize] = '\0';
        break;
    }
    free(z);
    return text;
}

Test(write_xlsx, typed_values_reach_the_sheets)
{
    cr_assert_eq(build("whole.xlsx", 0, 0), ESR_OK);
    char path[PATH_MAX];
    char *sw = zip_member(th_join(path, dir, "whole.xlsx"), "xl/worksheets/sheet2.xml");
    char *dq = zip_member(path, "xl/worksheets/sheet8.xml");
    cr_assert(sw && dq);
    /* numbers are numbers: FTE, line, level and confidence are <v> cells */
    cr_assert_not_null(strstr(sw, "<c r=\"V3\" s=\"2\"><v>1.6</v></c>"), "FTE 1.6 as a number");
    cr_assert_not_null(strstr(sw, "<c r=\"V4\" s=\"2\"><v>0.33333</v></c>"));
    cr_assert_not_null(strstr(sw, "<c r=\"C2\"><v>10</v></c>"), "line 10 as a number");
    cr_assert_not_null(strstr(sw, "<is><t>fte_high;area_unknown</t></is>"), "dq_flags text");
    /* findings with their values, then the reject with its reason */
    const char *hi = strstr(dq, "<t>fte_high</t>"), *ar = strstr(dq, "<t>area_unknown</t>"),
               *rj = strstr(dq, "<t>fte_not_number</t>");
    cr_assert(hi && ar && rj, "three findings listed");
    cr_assert_not_null(strstr(hi, "<t>1.60000</t>"));
    cr_assert_not_null(strstr(ar, "<t>Physiotherapyy (nearest known: Physiotherapy)</t>"));
    cr_assert_gt(rj, ar, "rejects after the records' findings");
    cr_assert_not_null(strstr(rj, "<v>14</v>"), "the reject's line as a number");
    cr_assert_not_null(strstr(rj, m->rules[ESR_RULE_FTE_NOT_NUMBER].message + 30));
    cr_assert_not_null(strstr(rj, "(field fte = \"n/a\")"));
    free(sw);
    free(dq);
}

Test(write_xlsx, frames_split_anywhere_give_the_same_workbook)
{
    cr_assert_eq(build("whole.xlsx", 0, 0), ESR_OK);
    char path[PATH_MAX];
    size_t n1, n2;
    char *whole = th_read(th_join(path, dir, "whole.xlsx"), &n1);
    cr_assert(whole && n1 > 1000);
    static const size_t steps[] = {1, 2, 3, 5, 7, 64, 251};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        cr_assert_eq(build("split.xlsx", steps[i], 0), ESR_OK, "step %zu", steps[i]);
        char *split = th_read(th_join(path, dir, "split.xlsx"), &n2);
        cr_assert(n1 == n2 && !memcmp(whole, split, n1), "fed %zu bytes at a time", steps[i]);
        free(split);
    }
    free(whole);
}

Test(write_xlsx, cut_short_or_malformed_feed_refused)
{
    cr_assert_eq(build("cut.xlsx", 0, 3), ESR_ERR_INTERNAL, "the last frame cut short");
    char path[PATH_MAX];
    esr_return_meta meta;
    esr_xlsx_in in = inputs(&meta);
    esr_xlsx *x;
    esr_err err = {0};
    cr_assert_eq(xlsx_open(th_join(path, dir, "bad.xlsx"), &in, &x, &err), ESR_OK);
    char frame[5] = {1, 0, 0, 0, 9}; /* one byte long, of no known kind */
    cr_assert_eq(xlsx_feed(x, frame, sizeof frame, NULL, &err), ESR_ERR_INTERNAL);
    cr_assert_not_null(strstr(err.msg, "malformed"), "%s", err.msg);
    xlsx_free(x);
}
