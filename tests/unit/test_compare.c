/* test_compare.c - the diff logic of `esrpipe compare`: summary cells
 * merged across blocks, the record index, record offsets, and a compare of
 * two small hand-written returns (joiner, leaver, changed field, unchanged
 * record, different pseudonym keys). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "csvreader.h"
#include "run.h"

/* A summary row (profession_role unless dim given). */
static esr_sumrow row(const char *org, esr_dim dim, const char *prof, const char *role,
                      long long fte, uint64_t hc)
{
    esr_sumrow r = {dim, prof, role, "", fte, hc, org};
    return r;
}

Test(compare_cells, identical_summaries_give_nothing)
{
    esr_sumrow a[] = {row("", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 3),
                      row("RTH", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 3)};
    esr_cell_change out[4];
    cr_assert_eq(compare_cells(a, 2, a, 2, out), 0);
}

Test(compare_cells, changed_missing_and_new_cells)
{
    /* sorted by org, then dimension, profession, role */
    esr_sumrow a[] = {row("", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 3),
                      row("", ESR_DIM_PROFESSION_ROLE, "Dietetics", "", 100000, 1),
                      row("RTH", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 3)};
    esr_sumrow b[] = {row("", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 4),
                      row("", ESR_DIM_PROFESSION_ROLE, "Physiotherapy", "", 50000, 1),
                      row("RTH", ESR_DIM_PROFESSION_ROLE, "", "", 300000, 3),
                      row("RXX", ESR_DIM_PROFESSION_ROLE, "", "", 12345, 1)};
    esr_cell_change out[8];
    size_t n = compare_cells(a, 3, b, 4, out);
    cr_assert_eq(n, 4);
    /* headcount only */
    cr_assert_eq(out[0].base_headcount, 3);
    cr_assert_eq(out[0].new_headcount, 4);
    cr_assert_eq(out[0].new_fte_e5 - out[0].base_fte_e5, 0);
    /* a cell only in the base: new is 0 */
    cr_assert_str_eq(out[1].cell->profession, "Dietetics");
    cr_assert_eq(out[1].base_fte_e5, 100000);
    cr_assert_eq(out[1].new_fte_e5, 0);
    cr_assert_eq(out[1].new_headcount, 0);
    /* a cell only in the new return: base is 0 */
    cr_assert_str_eq(out[2].cell->profession, "Physiotherapy");
    cr_assert_eq(out[2].base_fte_e5, 0);
    cr_assert_eq(out[2].new_fte_e5, 50000);
    /* a whole organisation only in the new return */
    cr_assert_str_eq(out[3].cell->org, "RXX");
    cr_assert_eq(out[3].new_fte_e5, 12345);
}

Test(recindex, adds_finds_and_refuses_twins)
{
    esr_recindex x = {0};
    for (uint64_t k = 1; k <= 20000; k++)
        cr_assert_eq(recindex_add(&x, k * 0x9E3779B97F4A7C15ULL, k, k * 10), 1);
    cr_assert_eq(x.n, 20000);
    cr_assert_eq(recindex_add(&x, 7 * 0x9E3779B97F4A7C15ULL, 99, 99), 0, "a key twice");
    for (uint64_t k = 1; k <= 20000; k++) {
        esr_recentry *e = recindex_find(&x, k * 0x9E3779B97F4A7C15ULL);
        cr_assert_not_null(e);
        cr_assert_eq(e->fields, k);
        cr_assert_eq(e->offset, k * 10);
    }
    cr_assert_null(recindex_find(&x, 12345));
    esr_recentry *e = recindex_find(&x, 3 * 0x9E3779B97F4A7C15ULL);
    e->offset |= ESR_RECINDEX_MATCHED;
    cr_assert_eq(recindex_find(&x, 3 * 0x9E3779B97F4A7C15ULL)->offset & ~ESR_RECINDEX_MATCHED, 30);
    recindex_free(&x);
    cr_assert_null(recindex_find(&x, 1));
}

typedef struct offsets {
    uint64_t off[8];
    size_t n;
} offsets;

/* Keep each row's offset. */
static int keep_offset(void *vctx, const esr_row *row)
{
    offsets *o = vctx;
    o->off[o->n++] = row->offset;
    return 0;
}

Test(csvreader, row_offsets_whatever_the_chunks)
{
    const char *text = "a,b\n1,\"x\ny\"\n22,z\n";
    for (size_t chunk = 1; chunk <= strlen(text); chunk++) {
        esr_csv_opts o;
        csvreader_opts_default(&o, ',');
        offsets got = {0};
        esr_csvreader *rd;
        cr_assert_eq(csvreader_new(&o, keep_offset, &got, &rd), ESR_OK);
        esr_err err = {0};
        for (size_t i = 0; i < strlen(text); i += chunk) {
            size_t n = strlen(text) - i < chunk ? strlen(text) - i : chunk;
            cr_assert_eq(csvreader_feed(rd, text + i, n, &err), ESR_OK);
        }
        cr_assert_eq(csvreader_finish(rd, &err), ESR_OK);
        csvreader_free(rd);
        cr_assert_eq(got.n, 3);
        cr_assert_eq(got.off[0], 0, "chunk %zu", chunk);
        cr_assert_eq(got.off[1], 4, "chunk %zu", chunk);
        cr_assert_eq(got.off[2], 12, "chunk %zu", chunk);
    }
}

/* Write a file under dir. */
static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A trust return in dir with these records and pseudonym key. */
static void make_return(const char *dir, const char *key, const char *records, int n,
                        const char *fte)
{
    char json[1024], summary[512];
    mkdir(dir, 0700);
    snprintf(json, sizeof json,
             "{\"tool\": \"t\", \"template_version\": \"%s\", \"command\": \"run\", "
             "\"org_code\": \"RTH\", \"snapshot_date\": \"2026-01-31\", \"pseudonym_key\": "
             "\"%s\", \"mappings\": {\"version\": \"v\", \"sha256\": \"s\"}, \"counts\": "
             "{\"rows_read\": %d, \"in_scope\": %d, \"out_of_scope\": 0, \"rejected\": 0, "
             "\"in_scope_fte\": %s}}\n",
             ESR_TEMPLATE_VERSION, key, n, n, fte);
    put(dir, "run.json", json);
    snprintf(summary, sizeof summary,
             "org_code,dimension,profession,support_role,key,fte,headcount\n"
             ",profession_role,,,,%s,%d\nRTH,profession_role,,,,%s,%d\n",
             fte, n, fte, n);
    put(dir, "summary.csv", summary);
    put(dir, "records.csv", records);
}

/* Read a whole small file. */
static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "%s", path);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

#define HDR "org_code,assignment_number,title_match,pay_band,fte,profession_supported\n"

Test(compare_run, joiner_leaver_and_changed_field)
{
    char tmp[] = "/tmp/esr-unit-compare-XXXXXX", a[300], b[300], o[300];
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    snprintf(o, sizeof o, "%s/out", tmp);
    make_return(a, "",
                HDR "RTH,1-1,exact,Band 3,1.00000,Dietetics\nRTH,2-1,exact,Band 2,1.00000,"
                    "Dietetics\nRTH,3-1,none,Band 3,1.00000,Dietetics\n",
                3, "3.00000");
    make_return(b, "",
                HDR "RTH,4-1,exact,Band 3,0.50000,Dietetics\nRTH,3-1,none,Band 4,1.00000,"
                    "Dietetics\nRTH,1-1,exact,Band 3,1.00000,Dietetics\n",
                3, "2.50000");
    esr_compare_opts opts;
    compare_opts_default(&opts);
    opts.outdir = o;
    opts.base_dir = a;
    opts.new_dir = b;
    esr_compare_counts n;
    esr_err err = {0};
    cr_assert_eq(compare_run(&opts, &n, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(n.joiners, 1);
    cr_assert_eq(n.leavers, 1);
    cr_assert_eq(n.moved_records, 1);
    cr_assert_eq(n.moves, 3);
    cr_assert_eq(n.cells_changed, 2, "the totals and RTH's block");
    char path[400];
    snprintf(path, sizeof path, "%s/moves.csv", o);
    cr_assert_str_eq(slurp(path), "org_code,assignment_number,field,base,new\n"
                                  "RTH,3-1,pay_band,Band 3,Band 4\n"
                                  "RTH,4-1,scope,,in\n"
                                  "RTH,2-1,scope,in,\n");
    cr_assert_eq(n.scope_known, 0, "no out_of_scope.csv: scope changes not known");
    snprintf(path, sizeof path, "%s/changes.csv", o);
    cr_assert(strstr(slurp(path), "\n,profession_role,,,,3.00000,2.50000,-0.50000,3,3,0\n"), "%s",
              slurp(path));

    /* the same records under different keys cannot be matched */
    make_return(b, "feedfacefeedfacefeedface", HDR "RTH,1-1,exact,Band 3,1.00000,Dietetics\n", 1,
                "1.00000");
    make_return(a, "0123456789abcdef01234567", HDR "RTH,1-1,exact,Band 3,1.00000,Dietetics\n", 1,
                "1.00000");
    cr_assert_eq(compare_run(&opts, &n, &err), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(err.msg, "different keys"), "%s", err.msg);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_assert_eq(system(cmd), 0);
}

#define OUT_HDR "org_code,assignment_number,reason,occupation_code,position_title,fte\n"

Test(compare_run, moves_into_and_out_of_scope_with_the_reason)
{
    char tmp[] = "/tmp/esr-unit-compare-XXXXXX", a[300], b[300], o[300], path[400];
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    snprintf(o, sizeof o, "%s/out", tmp);
    /* 2-1 goes out of scope (registered), 5-1 comes in from zero FTE, 6-1
     * joins, 7-1 leaves; 8-1 is out of scope in both (no row) */
    make_return(a, "",
                HDR "RTH,1-1,exact,Band 3,1.00000,Dietetics\nRTH,2-1,exact,Band 2,1.00000,"
                    "Dietetics\nRTH,7-1,exact,Band 2,1.00000,Dietetics\n",
                3, "3.00000");
    put(a, "out_of_scope.csv",
        OUT_HDR "RTH,5-1,zero FTE,S9E,Dietetic Assistant,0.00000\nRTH,8-1,medical and "
                "dental,109,Consultant,1.00000\n");
    make_return(b, "",
                HDR "RTH,5-1,exact,Band 3,1.00000,Dietetics\nRTH,6-1,exact,Band 3,1.00000,"
                    "Dietetics\nRTH,1-1,exact,Band 3,1.00000,Dietetics\n",
                3, "3.00000");
    put(b, "out_of_scope.csv",
        OUT_HDR "RTH,8-1,medical and dental,109,Consultant,1.00000\nRTH,2-1,not a support "
                "role,S1E,Dietitian,1.00000\n");
    esr_compare_opts opts;
    compare_opts_default(&opts);
    opts.outdir = o;
    opts.base_dir = a;
    opts.new_dir = b;
    esr_compare_counts n;
    esr_err err = {0};
    cr_assert_eq(compare_run(&opts, &n, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(n.scope_known, 1);
    cr_assert_eq(n.joiners, 1);
    cr_assert_eq(n.leavers, 1);
    cr_assert_eq(n.scope_in, 1);
    cr_assert_eq(n.scope_out, 1);
    cr_assert_eq(n.moves, 4);
    snprintf(path, sizeof path, "%s/moves.csv", o);
    cr_assert_str_eq(slurp(path), "org_code,assignment_number,field,base,new\n"
                                  "RTH,5-1,scope,out: zero FTE,in\n"
                                  "RTH,6-1,scope,,in\n"
                                  "RTH,2-1,scope,in,out: not a support role\n"
                                  "RTH,7-1,scope,in,\n");
    snprintf(path, sizeof path, "%s/compare.json", o);
    cr_assert(strstr(slurp(path), "\"moved_into_scope\": 1,"), "%s", slurp(path));
    cr_assert(strstr(slurp(path), "\"moved_out_of_scope\": 1,"), "%s", slurp(path));
    cr_assert(strstr(slurp(path), "\"scope_changes_known\": true"), "%s", slurp(path));

    /* an out_of_scope.csv without the reason column is refused */
    put(b, "out_of_scope.csv", "org_code,assignment_number\nRTH,2-1\n");
    cr_assert_eq(compare_run(&opts, &n, &err), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(err.msg, "out_of_scope.csv:1"), "%s", err.msg);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_assert_eq(system(cmd), 0);
}
