/* test_consolidate_json.c - the strict JSON reader consolidate, compare and
 * trend read run.json with: values, escapes, and every refusal with its
 * line and column. */
#include <criterion/criterion.h>
#include <string.h>

#include "consolidate_json.h"

/* Parse text; the document, or NULL with *msg holding the error. */
static cjson_doc *parsed(const char *text, esr_err *err)
{
    cjson_doc *d = NULL;
    memset(err, 0, sizeof *err);
    if (cjson_parse(text, strlen(text), "x/run.json", &d, err))
        return NULL;
    return d;
}

/* Assert text is refused with a message naming the file and containing why. */
static void refused(const char *text, const char *why)
{
    esr_err err;
    cjson_doc *d = parsed(text, &err);
    cr_assert_null(d, "accepted: %s", text);
    cr_assert(strstr(err.msg, "x/run.json"), "no file in: %s", err.msg);
    cr_assert(strstr(err.msg, why), "for %s: want \"%s\" in: %s", text, why, err.msg);
}

Test(cjson, values_members_and_counts)
{
    esr_err err;
    cjson_doc *d = parsed("{\"a\": [1, -2.50, 3e2, true, false, null], \"n\": 18446744073709551615,"
                          " \"o\": {}, \"s\": \"x\"}",
                          &err);
    cr_assert_not_null(d, "%s", err.msg);
    const cjson_node *r = cjson_root(d), *a = cjson_get(r, "a");
    cr_assert_eq(r->type, CJSON_OBJECT);
    cr_assert_eq(r->count, 4);
    cr_assert_eq(a->type, CJSON_ARRAY);
    cr_assert_eq(a->count, 6);
    const char *want[] = {"1", "-2.50", "3e2", "true", "false", "null"};
    const cjson_type types[] = {CJSON_NUMBER, CJSON_NUMBER, CJSON_NUMBER,
                                CJSON_BOOL,   CJSON_BOOL,   CJSON_NULL};
    size_t i = 0;
    for (const cjson_node *c = a->child; c; c = c->next, i++) {
        cr_assert_str_eq(c->text, want[i]); /* numbers kept as their text */
        cr_assert_eq(c->type, types[i]);
    }
    uint64_t n = 0;
    cr_assert_eq(cjson_u64(cjson_get(r, "n"), &n), 0);
    cr_assert_eq(n, UINT64_MAX);
    cr_assert_eq(cjson_u64(a->child->next, &n), -1, "-2.50 is no whole number");
    cr_assert_eq(cjson_u64(cjson_get(r, "missing"), &n), -1);
    cr_assert_eq(cjson_get(r, "o")->count, 0);
    cr_assert_str_eq(cjson_str(cjson_get(r, "s")), "x");
    cr_assert_null(cjson_str(a), "an array is not a string");
    cr_assert_null(cjson_get(a, "s"), "an array has no members");
    cjson_free(d);
}

Test(cjson, escapes_decode_to_utf8)
{
    esr_err err;
    cjson_doc *d = parsed(
        "[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\\ud83d\\ude00\\u0041\"]", &err);
    cr_assert_not_null(d, "%s", err.msg);
    const cjson_node *a = cjson_root(d)->child;
    cr_assert_str_eq(a->text, "q\"b\\s/\b\f\n\r\t");
    cr_assert_str_eq(a->next->text, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                                    "A"); /* é € 😀 A */
    cjson_free(d);
}

Test(cjson, refusals_name_the_file_and_why)
{
    refused("{\"a\": \"open", "unterminated string");
    refused("[\"a\x01\"]", "control character");
    refused("[\"\\x\"]", "bad escape");
    refused("[\"\\u12\"]", "bad \\u escape");
    refused("[\"\\ud83d\"]", "unpaired surrogate");
    refused("[\"\\ude00\"]", "unpaired surrogate");
    refused("[\"\\u0000\"]", "\\u0000");
    refused("[01]", "expected ',' or ']'"); /* 0, then a stray 1 */
    refused("[1.]", "bad number");
    refused("[1e]", "bad number");
    refused("[-]", "bad number");
    refused("[tru]", "unexpected character");
    refused("{1: 2}", "expected a member name");
    refused("{\"a\" 2}", "expected ':'");
    refused("{\"a\": 2 \"b\": 3}", "expected ',' or '}'");
    refused("[1 2]", "expected ',' or ']'");
    refused("[1,", "unexpected end of file");
    char deep[2 * CJSON_MAX_DEPTH + 8];
    memset(deep, '[', CJSON_MAX_DEPTH + 2);
    memset(deep + CJSON_MAX_DEPTH + 2, ']', CJSON_MAX_DEPTH + 2);
    deep[2 * CJSON_MAX_DEPTH + 4] = '\0';
    refused(deep, "nested too deeply");
}

Test(cjson, errors_give_line_and_column)
{
    esr_err err;
    cr_assert_null(parsed("{\n  \"a\": 1,\n  \"b\": x\n}", &err));
    cr_assert(strstr(err.msg, ":3:"), "line 3 not named: %s", err.msg);
}
