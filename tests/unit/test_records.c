/* test_records.c - rendering a classified record into records.csv columns. */
#include <criterion/criterion.h>
#include <string.h>

#include "classify.h"
#include "decide.h"
#include "records.h"
#include "unit_helpers.h"
#include "write_csv.h"
#include "validate.h"

static esr_mappings *m;
static esr_classifier *cls; /* evidence mode */
static esr_validator *val;

static void setup(void)
{
    m = th_mappings();
    cr_assert_eq(classify_new(m, ESR_CLASSIFY_EVIDENCE, &cls), ESR_OK);
    cr_assert_eq(validate_new(m, &val), ESR_OK);
}

static void teardown(void)
{
    validate_free(val);
    classify_free(cls);
    mappings_close(m);
}

TestSuite(records, .init = setup, .fini = teardown);

static esr_record base(void)
{
    esr_record r;
    record_init(&r, "export.csv", 17);
    r.f[ESR_COL_ORG_CODE] = "R0A";
    r.f[ESR_COL_POSITION_TITLE] = "Physio Assistant";
    r.f[ESR_COL_OCCUPATION_CODE] = "s9e";
    r.f[ESR_COL_STAFF_GROUP] = "Additional Clinical Services";
    r.f[ESR_COL_JOB_ROLE] = "Assistant";
    r.f[ESR_COL_PAY_BAND] = "AfC Band 3";
    r.f[ESR_COL_AREA_OF_WORK] = "";
    r.f[ESR_COL_FTE] = "0.8";
    r.f[ESR_COL_ASSIGNMENT_CATEGORY] = "Permanent";
    return r;
}

Test(records, column_names)
{
    cr_assert_str_eq(records_col_name(RC_ORG_CODE), "org_code");
    cr_assert_str_eq(records_col_name(RC_PROFESSION), "profession_supported");
    cr_assert_str_eq(records_col_name(RC_DQ_FLAGS), "dq_flags");
    cr_assert_str_eq(records_col_name(RC_COUNT), "");
    for (int c = 0; c < RC_COUNT; c++)
        cr_assert_neq(strlen(records_col_name(c)), 0, "column %d named", c);
    cr_assert(records_col_numeric(RC_FTE));
    cr_assert(records_col_numeric(RC_SOURCE_LINE));
    cr_assert(records_col_numeric(RC_LEVEL));
    cr_assert_not(records_col_numeric(RC_EMPLOYEE_NUMBER), "ids are text (leading zeros)");
    cr_assert_not(records_col_numeric(RC_OCCUPATION_CODE));
}

Test(records, column_labels_for_people)
{
    cr_assert_str_eq(records_col_label(RC_FTE), "FTE");
    cr_assert_str_eq(records_col_label(RC_PROFESSION), "Profession supported");
    cr_assert_str_eq(records_col_label(RC_POSITION_TITLE), "Local job title");
    cr_assert_str_eq(records_col_label(RC_COUNT), "", "past the end: as records_col_name");
    for (int c = 0; c < RC_COUNT; c++) {
        const char *l = records_col_label(c);
        cr_assert(l[0] >= 'A' && l[0] <= 'Z' && !strchr(l, '_'), "column %d: %s is for people", c,
                  l);
        for (int k = 0; k < c; k++)
            cr_assert_str_neq(records_col_label(k), l, "columns %d and %d share a heading", k, c);
    }
}

Test(records, render_classified_record)
{
    esr_record r = base();
    cr_assert_eq(decide_row(val, cls, NULL, &r), ESR_OK, "the decisions run makes");
    cr_assert_eq(r.scope, ESR_SCOPE_IN);

    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "EMP-PSEUDO", "ASG-PSEUDO", &out), ESR_OK);
    cr_assert_str_eq(out.v[RC_ORG_CODE], "R0A");
    cr_assert_str_eq(out.v[RC_SOURCE_FILE], "export.csv");
    cr_assert_str_eq(out.v[RC_SOURCE_LINE], "17");
    cr_assert_str_eq(out.v[RC_EMPLOYEE_NUMBER], "EMP-PSEUDO");
    cr_assert_str_eq(out.v[RC_ASSIGNMENT_NUMBER], "ASG-PSEUDO");
    cr_assert_str_eq(out.v[RC_POSITION_TITLE], "Physio Assistant");
    cr_assert_str_eq(out.v[RC_OCCUPATION_CODE], "S9E", "normalised code");
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "valid");
    cr_assert_str_eq(out.v[RC_STAFF_GROUP], "Additional Clinical Services");
    cr_assert_str_eq(out.v[RC_PROFESSION], "Physiotherapy");
    cr_assert_str_eq(out.v[RC_PROFESSION_SOURCE], "code");
    cr_assert_str_eq(out.v[RC_SUPPORT_ROLE], "Assistant");
    cr_assert_str_eq(out.v[RC_LEVEL], "3");
    cr_assert_str_eq(out.v[RC_PAY_BAND], "Band 3", "canonical band");
    cr_assert_str_eq(out.v[RC_AREA_OF_WORK], "");
    cr_assert_str_eq(out.v[RC_FTE], "0.80000");
    cr_assert_eq(out.fte_e5, 80000);
    cr_assert_str_eq(out.v[RC_ASSIGNMENT_CATEGORY], "Permanent");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "area_blank");
    for (int c = 0; c < RC_COUNT; c++)
        cr_assert_not_null(out.v[c], "column %s set", records_col_name(c));

    /* rendering again into the same scratch reuses it correctly */
    r.line = 123456;
    record_flag(&r, ESR_RULE_TITLE_UNMAPPED, "");
    cr_assert_eq(records_render(&r, m, "e", "a", &out), ESR_OK);
    cr_assert_str_eq(out.v[RC_SOURCE_LINE], "123456");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "area_blank;title_unmapped");
    cr_assert_str_eq(out.v[RC_FTE], "0.80000");
    records_rendered_free(&out);
}

Test(records, unrecognised_values_shown_as_given)
{
    esr_record r = base();
    r.f[ESR_COL_OCCUPATION_CODE] = "Q-1X";
    r.f[ESR_COL_POSITION_TITLE] = ""; /* no title evidence either */
    r.f[ESR_COL_PAY_BAND] = "Grade Z";
    r.f[ESR_COL_AREA_OF_WORK] = "Moon Base";
    r.fte_e5 = 100000;
    classify_record(cls, &r);
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "", "", &out), ESR_OK);
    cr_assert_str_eq(out.v[RC_OCCUPATION_CODE], "Q-1X");
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "malformed");
    cr_assert_str_eq(out.v[RC_PAY_BAND], "Grade Z");
    cr_assert_str_eq(out.v[RC_AREA_OF_WORK], "Moon Base");
    cr_assert_str_eq(out.v[RC_LEVEL], "", "level 0 renders empty");
    cr_assert_str_eq(out.v[RC_PROFESSION], "Unknown");
    cr_assert_str_eq(out.v[RC_PROFESSION_SOURCE], "");
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "");
    records_rendered_free(&out);
}

Test(records, retired_and_negative_fte)
{
    esr_record r = base();
    r.f[ESR_COL_OCCUPATION_CODE] = "A2A";
    r.fte_e5 = -12345;
    classify_record(cls, &r);
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "", "", &out), ESR_OK);
    cr_assert_str_eq(out.v[RC_OCCUPATION_STATUS], "retired");
    cr_assert_str_eq(out.v[RC_FTE], "-0.12345");
    records_rendered_free(&out);
}

/* A classified in-scope record with an unknown area of work (so a
 * nearest known one) and an FTE above 1.5: two findings with values. */
static esr_record flagged(void)
{
    esr_record r = base();
    r.f[ESR_COL_AREA_OF_WORK] = "Physiotherapyy";
    r.f[ESR_COL_FTE] = "1.6";
    cr_assert_eq(validate_fields(val, &r), 0);
    classify_record(cls, &r);
    validate_record(val, &r);
    cr_assert_eq(r.scope, ESR_SCOPE_IN);
    return r;
}

/* The finding of rule in out, or NULL. */
static const esr_rfinding *finding_of(const esr_rfinding *f, size_t n, int rule)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].rule == rule)
            return &f[i];
    return NULL;
}

Test(records, typed_numbers_and_findings_with_values)
{
    esr_record r = flagged();
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "e", "a", &out), ESR_OK);
    /* numbers as numbers, beside their records.csv text */
    cr_assert_eq(out.num[RC_FTE], 160000);
    cr_assert_str_eq(out.v[RC_FTE], "1.60000");
    cr_assert_eq(out.num[RC_SOURCE_LINE], 17);
    cr_assert_eq(out.num[RC_LEVEL], 3);
    cr_assert_eq(out.num[RC_TITLE_SCORE], 100);
    cr_assert_eq(out.has_num,
                 1u << RC_SOURCE_LINE | 1u << RC_FTE | 1u << RC_LEVEL | 1u << RC_TITLE_SCORE,
                 "no qualification level: that column stays empty");
    /* findings as (rule, value): every id of dq_flags, each with its value */
    cr_assert_str_eq(out.v[RC_DQ_FLAGS], "fte_high;area_unknown");
    cr_assert_eq(out.nfindings, 2);
    const esr_rfinding *hi = finding_of(out.findings, out.nfindings, ESR_RULE_FTE_HIGH);
    const esr_rfinding *area = finding_of(out.findings, out.nfindings, ESR_RULE_AREA_UNKNOWN);
    cr_assert(hi && area);
    cr_assert_str_eq(hi->value, "1.60000", "the fte field as records.csv has it");
    cr_assert_str_eq(out.v[RC_AREA_SUGGESTION], "Physiotherapy");
    cr_assert_str_eq(area->value, "Physiotherapyy (nearest known: Physiotherapy)");
    cr_assert_eq(records_rule_col(m, ESR_RULE_FTE_HIGH), RC_FTE);
    cr_assert_eq(records_rule_col(m, ESR_RULE_ROW_TORN), -1, "(row) is no column");
    records_rendered_free(&out);
}

Test(records, feed_frames_carry_typed_values)
{
    esr_record r = flagged();
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "EMP", "ASG", &out), ESR_OK);
    esr_buf feed = {0};
    cr_assert_eq(records_pack(&out, &feed), 0);
    size_t first = feed.len;
    esr_reject j = {"export.csv", 99, ESR_RULE_FTE_NOT_NUMBER, "n/a"};
    cr_assert_eq(records_pack_reject(&j, &feed), 0);

    esr_fed f;
    cr_assert_eq(records_unpack(feed.data, feed.len, &f), (long)first);
    cr_assert_eq(f.kind, ESR_FEED_RECORD);
    for (int c = 0; c < RC_COUNT; c++) {
        if (records_col_numeric(c)) {
            cr_assert_null(f.text[c], "%s comes as a number", records_col_name(c));
            cr_assert_eq(f.num[c], out.has_num >> c & 1 ? out.num[c] : 0);
        } else if (c == RC_DQ_FLAGS) {
            cr_assert_null(f.text[c], "dq_flags comes as the findings");
        } else {
            cr_assert_str_eq(f.text[c], out.v[c]);
        }
    }
    cr_assert_eq(f.has_num, out.has_num);
    cr_assert_eq(f.num[RC_FTE], 160000);
    cr_assert_eq(f.nfindings, 2);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(f.findings[i].rule, out.findings[i].rule);
        cr_assert_str_eq(f.findings[i].value, out.findings[i].value);
    }
    const esr_rfinding *area = finding_of(f.findings, f.nfindings, ESR_RULE_AREA_UNKNOWN);
    cr_assert(area && !strcmp(area->value, "Physiotherapyy (nearest known: Physiotherapy)"));

    cr_assert_eq(records_unpack(feed.data + first, feed.len - first, &f), (long)(feed.len - first));
    cr_assert_eq(f.kind, ESR_FEED_REJECT);
    cr_assert_str_eq(f.reject.source, "export.csv");
    cr_assert_eq(f.reject.line, 99);
    cr_assert_eq(f.reject.rule, ESR_RULE_FTE_NOT_NUMBER);
    cr_assert_str_eq(f.reject.detail, "n/a");

    /* a frame cut anywhere is incomplete, never misread */
    for (size_t n = 0; n < first; n++)
        cr_assert_eq(records_unpack(feed.data, n, &f), 0, "prefix of %zu bytes", n);
    /* an unknown kind, or a rule past the catalogue, is malformed */
    feed.data[4] = 9;
    cr_assert_eq(records_unpack(feed.data, feed.len, &f), -1);
    feed.data[4] = ESR_FEED_REJECT;
    cr_assert_eq(records_unpack(feed.data, feed.len, &f), -1, "a record's bytes read as a reject");
    int32_t bad_rule = ESR_RULE_COUNT;
    memcpy(feed.data + first + 5, &bad_rule, sizeof bad_rule);
    cr_assert_eq(records_unpack(feed.data + first, feed.len - first, &f), -1);
    esr_buf_free(&feed);
    records_rendered_free(&out);
}

Test(records, reject_reason_after_the_rule_id)
{
    esr_buf b = {0};
    char want[600];
    const esr_rule_info *neg = &m->rules[ESR_RULE_FTE_NEGATIVE];
    cr_assert_eq(records_reason(&b, neg, "-0.4"), 0);
    snprintf(want, sizeof want, "%s (field fte = \"-0.4\")", neg->message);
    cr_assert_str_eq(esr_buf_str(&b), want);

    const esr_rule_info *torn = &m->rules[ESR_RULE_ROW_TORN];
    esr_buf_reset(&b);
    cr_assert_eq(records_reason(&b, torn, "23 fields, header has 21"), 0);
    snprintf(want, sizeof want, "%s (23 fields, header has 21)", torn->message);
    cr_assert_str_eq(esr_buf_str(&b), want, "a rule about the row names no field");

    esr_buf_reset(&b);
    cr_assert_eq(records_reason(&b, neg, ""), 0);
    cr_assert_str_eq(esr_buf_str(&b), neg->message, "no detail: the message alone");

    char longv[200];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    esr_buf_reset(&b);
    cr_assert_eq(records_reason(&b, neg, longv), 0);
    cr_assert_eq(b.len, strlen(neg->message) + strlen(" (field fte = \"\")") + 80,
                 "detail cut to 80 bytes");
    esr_buf_free(&b);
}

/* A feed of three frames: flagged's record, a reject, a plain record. */
static void three_frames(esr_buf *feed, size_t *ends)
{
    esr_record r = flagged();
    esr_rendered out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(records_render(&r, m, "EMP", "ASG, \"quoted\"", &out), ESR_OK);
    cr_assert_eq(records_pack(&out, feed), 0);
    ends[0] = feed->len;
    esr_reject j = {"export.csv", 99, ESR_RULE_FTE_NOT_NUMBER, "n/a"};
    cr_assert_eq(records_pack_reject(&j, feed), 0);
    ends[1] = feed->len;
    esr_record p = base();
    cr_assert_eq(validate_fields(val, &p), 0);
    classify_record(cls, &p);
    validate_record(val, &p);
    cr_assert_eq(records_render(&p, m, "", "", &out), ESR_OK);
    cr_assert_eq(records_pack(&out, feed), 0);
    ends[2] = feed->len;
    records_rendered_free(&out);
}

typedef struct seen {
    int kinds[8];
    long long fte[8];
    int n;
} seen;

static int note_fed(void *vs, const esr_fed *f)
{
    seen *s = vs;
    cr_assert_lt(s->n, 8);
    s->kinds[s->n] = f->kind;
    s->fte[s->n++] = f->kind == ESR_FEED_RECORD ? f->num[RC_FTE] : -1;
    return 0;
}

Test(records, frames_in_pieces_of_any_size_arrive_whole_and_in_order)
{
    esr_buf feed = {0};
    size_t ends[3];
    three_frames(&feed, ends);
    for (size_t piece = 1; piece <= feed.len; piece++) {
        esr_frames fr = {0};
        seen s = {0};
        for (size_t at = 0; at < feed.len; at += piece) {
            size_t n = feed.len - at < piece ? feed.len - at : piece;
            cr_assert_eq(records_frames_feed(&fr, feed.data + at, n, note_fed, &s), 0);
        }
        cr_assert_eq(s.n, 3, "pieces of %zu bytes: %d frames", piece, s.n);
        cr_assert(s.kinds[0] == ESR_FEED_RECORD && s.kinds[1] == ESR_FEED_REJECT &&
                  s.kinds[2] == ESR_FEED_RECORD);
        cr_assert(s.fte[0] == 160000 && s.fte[2] == 80000, "%lld %lld", s.fte[0], s.fte[2]);
        cr_assert_eq(fr.carry.len, 0, "nothing left over");
        frames_free(&fr);
    }
    /* a malformed frame stops the feed, and every later piece too */
    esr_frames fr = {0};
    seen s = {0};
    feed.data[ends[0] + 4] = 9; /* the reject's kind */
    cr_assert_eq(records_frames_feed(&fr, feed.data, ends[1], note_fed, &s), -2);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(records_frames_feed(&fr, feed.data + ends[1], ends[2] - ends[1], note_fed, &s),
                 -2);
    cr_assert_eq(s.n, 1);
    frames_free(&fr);
    esr_buf_free(&feed);
}

Test(records, numbers_as_records_csv_writes_them)
{
    char t[32];
    records_number_text(RC_FTE, 160000, 1, t);
    cr_assert_str_eq(t, "1.60000");
    records_number_text(RC_FTE, -5, 0, t);
    cr_assert_str_eq(t, "-0.00005", "FTE is always written");
    records_number_text(RC_SOURCE_LINE, 1234567890123LL, 1, t);
    cr_assert_str_eq(t, "1234567890123");
    records_number_text(RC_LEVEL, -42, 1, t);
    cr_assert_str_eq(t, "-42");
    records_number_text(RC_LEVEL, 0, 1, t);
    cr_assert_str_eq(t, "0");
    records_number_text(RC_QUAL_LEVEL, 7, 0, t);
    cr_assert_str_eq(t, "", "no value: empty");
}

Test(records, records_csv_from_the_feed_skips_rejects_and_names_a_failed_write)
{
    esr_buf feed = {0};
    size_t ends[3];
    three_frames(&feed, ends);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    esr_records_csv w;
    esr_err err = {0};
    cr_assert_eq(records_csv_init(&w, mem, "/out"), ESR_OK);
    for (size_t at = 0; at < feed.len; at += 5) /* pieces, as a worker hands them */
        cr_assert_eq(
            records_csv_feed(&w, feed.data + at, feed.len - at < 5 ? feed.len - at : 5, NULL, &err),
            ESR_OK, "%s", err.msg);
    fclose(mem);
    records_csv_free(&w);
    /* two records' lines, the reject skipped; text quoted, numbers as text */
    char *nl = strchr(text, '\n');
    cr_assert(nl && strchr(nl + 1, '\n') && !strchr(strchr(nl + 1, '\n') + 1, '\n'), "%s", text);
    cr_assert(strstr(text, "R0A,export.csv,17,EMP,\"ASG, \"\"quoted\"\"\",Physio Assistant,") ==
                  text,
              "%s", text);
    cr_assert(strstr(text, ",1.60000,Permanent,") && strstr(text, ",fte_high;area_unknown\n"), "%s",
              text);
    cr_assert(strstr(nl + 1, "R0A,export.csv,17,,,Physio Assistant,") == nl + 1, "%s", nl + 1);
    cr_assert(strstr(nl + 1, ",0.80000,Permanent,"), "%s", nl + 1);
    free(text);

    /* a write that fails names the file and says why */
    FILE *full = fopen("/dev/full", "w");
    cr_assert_not_null(full);
    setvbuf(full, NULL, _IONBF, 0);
    cr_assert_eq(records_csv_init(&w, full, "/out"), ESR_OK);
    cr_assert_eq(records_csv_feed(&w, feed.data, feed.len, NULL, &err), ESR_ERR_IO);
    cr_assert(strstr(err.msg, "/out/records.csv: write failed: No space left on device"), "%s",
              err.msg);
    fclose(full);
    records_csv_free(&w);
    esr_buf_free(&feed);
}
