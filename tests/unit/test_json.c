/* test_json.c - the streaming JSON writer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct mem {
    char *buf;
    size_t len;
    FILE *fp;
} mem;

static void mem_open(mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->fp = open_memstream(&m->buf, &m->len);
    cr_assert_not_null(m->fp);
}

static const char *mem_close(mem *m)
{
    cr_assert_eq(fclose(m->fp), 0);
    return m->buf;
}

Test(json, escaping)
{
    mem m;
    mem_open(&m);
    esr_json j;
    json_init(&j, m.fp);
    json_open(&j, NULL, '[');
    json_str(&j, NULL, "say \"hi\"");
    json_str(&j, NULL, "back\\slash");
    json_str(&j, NULL, "nl\ncr\rtab\t");
    json_str(&j, NULL, "\x01\x1f\x7f");
    json_str(&j, NULL, "caf\xc3\xa9 \xe2\x80\x93");
    json_str(&j, NULL, NULL);
    json_close(&j, ']');
    const char *want = "[\n"
                       "  \"say \\\"hi\\\"\",\n"
                       "  \"back\\\\slash\",\n"
                       "  \"nl\\ncr\\rtab\\t\",\n"
                       "  \"\\u0001\\u001f\x7f\",\n"
                       "  \"caf\xc3\xa9 \xe2\x80\x93\",\n"
                       "  \"\"\n"
                       "]\n";
    cr_assert_str_eq(mem_close(&m), want);
    free(m.buf);
}

Test(json, keys_are_escaped)
{
    mem m;
    mem_open(&m);
    esr_json j;
    json_init(&j, m.fp);
    json_open(&j, NULL, '{');
    json_u64(&j, "a\"b", 1);
    json_close(&j, '}');
    cr_assert_str_eq(mem_close(&m), "{\n  \"a\\\"b\": 1\n}\n");
    free(m.buf);
}

Test(json, nested_structure_exact)
{
    mem m;
    mem_open(&m);
    esr_json j;
    json_init(&j, m.fp);
    json_open(&j, NULL, '{');
    json_str(&j, "tool", "esrpipe");
    json_u64(&j, "rows", 18446744073709551615ULL);
    json_raw(&j, "fte", "12.50000");
    json_open(&j, "inputs", '[');
    json_open(&j, NULL, '{');
    json_str(&j, "name", "a.csv");
    json_u64(&j, "bytes", 0);
    json_close(&j, '}');
    json_open(&j, NULL, '{');
    json_close(&j, '}');
    json_close(&j, ']');
    json_open(&j, "empty", '[');
    json_close(&j, ']');
    json_open(&j, "findings", '{');
    json_open(&j, "area_blank", '{');
    json_u64(&j, "count", 3);
    json_raw(&j, "fte", "2.00000");
    json_close(&j, '}');
    json_close(&j, '}');
    json_str(&j, "status", "ok");
    json_close(&j, '}');
    const char *want = "{\n"
                       "  \"tool\": \"esrpipe\",\n"
                       "  \"rows\": 18446744073709551615,\n"
                       "  \"fte\": 12.50000,\n"
                       "  \"inputs\": [\n"
                       "    {\n"
                       "      \"name\": \"a.csv\",\n"
                       "      \"bytes\": 0\n"
                       "    },\n"
                       "    {}\n"
                       "  ],\n"
                       "  \"empty\": [],\n"
                       "  \"findings\": {\n"
                       "    \"area_blank\": {\n"
                       "      \"count\": 3,\n"
                       "      \"fte\": 2.00000\n"
                       "    }\n"
                       "  },\n"
                       "  \"status\": \"ok\"\n"
                       "}\n";
    cr_assert_str_eq(mem_close(&m), want);
    free(m.buf);
}

Test(json, reusable_writer)
{
    /* a second document on the same writer starts clean */
    mem m;
    mem_open(&m);
    esr_json j;
    json_init(&j, m.fp);
    json_open(&j, NULL, '[');
    json_u64(&j, NULL, 1);
    json_close(&j, ']');
    json_open(&j, NULL, '[');
    json_u64(&j, NULL, 2);
    json_close(&j, ']');
    cr_assert_str_eq(mem_close(&m), "[\n  1\n]\n[\n  2\n]\n");
    free(m.buf);
}

Test(json, file_members)
{
    mem m;
    mem_open(&m);
    esr_json j;
    json_init(&j, m.fp);
    json_open(&j, NULL, '{');
    json_file(&j, "file", "records.csv", 12345678901ULL, "ab12");
    json_close(&j, '}');
    const char *got = mem_close(&m);
    cr_assert(strstr(got, "\"file\": \"records.csv\"") && strstr(got, "\"bytes\": 12345678901") &&
                  strstr(got, "\"sha256\": \"ab12\""),
              "%s", got);
    cr_assert_lt(strstr(got, "\"file\""), strstr(got, "\"bytes\""), "name first: %s", got);
    free(m.buf);
}
