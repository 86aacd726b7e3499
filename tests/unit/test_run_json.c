/* test_run_json.c - the members of run.json every command writes alike. */
#include "run_json.h"

#include <errno.h>

#include "unit_helpers.h"

static char base[PATH_MAX];

/* A fresh temporary directory for each test. */
static void setup(void)
{
    th_mkdtemp(base);
}

/* Remove it. */
static void teardown(void)
{
    th_rm_rf(base);
}

TestSuite(run_json, .init = setup, .fini = teardown);

/* Open an output directory DIR=base/ret with records.csv in it. */
static esr_outdir *open_with_records(char *dir)
{
    th_join(dir, base, "ret");
    esr_outdir *d = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_open(dir, &d, &err), ESR_OK, "%s", err.msg);
    FILE *fp;
    cr_assert_eq(outdir_file(d, "records.csv", &fp, &err), ESR_OK, "%s", err.msg);
    fputs("a,b\n", fp);
    return d;
}

/* Publish d and return DIR/run.json's text (the caller frees it). */
static char *publish(esr_outdir *d, const char *dir)
{
    esr_err err = {0};
    cr_assert_eq(outdir_finish(d, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(outdir_commit(d, &err), ESR_OK, "%s", err.msg);
    outdir_free(d);
    char path[PATH_MAX];
    size_t len;
    return th_read(th_join(path, dir, "run.json"), &len);
}

Test(run_json, shared_members_in_order_exact)
{
    char dir[PATH_MAX];
    esr_outdir *d = open_with_records(dir);
    esr_run_json rj;
    esr_err err = {0};
    cr_assert_eq(run_json_open(&rj, d, "esrpipe 9.9", "consolidate", &err), ESR_OK, "%s", err.msg);
    json_str(&rj.j, "region", "North");
    run_json_mappings(&rj.j, "2026.1", "abc");
    json_open(&rj.j, "counts", '{');
    esr_rj_counts k = {10, 6, 3, 1, 550000}; /* 5.5 FTE */
    run_json_counts(&rj.j, &k);
    json_close(&rj.j, '}');
    json_open(&rj.j, "findings_by_rule", '{');
    run_json_finding(&rj.j, "area_blank", "warning", 2, 150000);
    json_close(&rj.j, '}');
    cr_assert_eq(run_json_outputs(&rj, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(run_json_close(&rj, &err), ESR_OK, "%s", err.msg);
    char *got = publish(d, dir);
    const char *want =
        "{\n"
        "  \"tool\": \"esrpipe 9.9\",\n"
        "  \"template_version\": \"1\",\n"
        "  \"command\": \"consolidate\",\n"
        "  \"exit_status\": 0,\n"
        "  \"region\": \"North\",\n"
        "  \"mappings\": {\n"
        "    \"version\": \"2026.1\",\n"
        "    \"sha256\": \"abc\"\n"
        "  },\n"
        "  \"counts\": {\n"
        "    \"rows_read\": 10,\n"
        "    \"in_scope\": 6,\n"
        "    \"out_of_scope\": 3,\n"
        "    \"rejected\": 1,\n"
        "    \"in_scope_fte\": 5.50000\n"
        "  },\n"
        "  \"findings_by_rule\": {\n"
        "    \"area_blank\": {\n"
        "      \"severity\": \"warning\",\n"
        "      \"count\": 2,\n"
        "      \"fte\": 1.50000\n"
        "    }\n"
        "  },\n"
        "  \"outputs\": [\n"
        "    {\n"
        "      \"file\": \"records.csv\",\n"
        "      \"bytes\": 4,\n"
        "      \"sha256\": \"5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313\"\n"
        "    }\n"
        "  ]\n"
        "}\n";
    cr_assert_str_eq(got, want);
    free(got);
}

Test(run_json, a_failed_write_is_an_io_error_naming_the_file)
{
    char dir[PATH_MAX];
    esr_outdir *d = open_with_records(dir);
    esr_run_json rj;
    esr_err err = {0};
    cr_assert_eq(run_json_open(&rj, d, "esrpipe", "run", &err), ESR_OK, "%s", err.msg);
    /* as if the disk filled: the stream's error flag set under the writer */
    FILE *fp = rj.fp;
    rj.fp = fopen("/dev/full", "w");
    cr_assert_not_null(rj.fp);
    setvbuf(rj.fp, NULL, _IONBF, 0);
    rj.j.fp = rj.fp;
    json_str(&rj.j, "org_code", "RXX");
    errno = 0;
    esr_status st = run_json_close(&rj, &err);
    cr_assert_eq(st, ESR_ERR_IO);
    cr_assert(strstr(err.msg, "/run.json: write failed") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, dir) != NULL, "names the directory: %s", err.msg);
    fclose(rj.fp);
    (void)fp; /* still d's to close */
    outdir_free(d);
}
