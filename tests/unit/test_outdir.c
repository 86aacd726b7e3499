/* test_outdir.c - the output directory published whole or not at all. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outdir.h"
#include "unit_helpers.h"

static char base[PATH_MAX];

static void setup(void)
{
    th_mkdtemp(base);
}

static void teardown(void)
{
    th_rm_rf(base);
}

TestSuite(outdir, .init = setup, .fini = teardown);

static const char *in(const char *dir, const char *name)
{
    static char p[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    th_join(p[k], dir, name);
    return p[k];
}

/* Number of entries in dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return n;
}

static esr_outdir *open_ok(const char *dir)
{
    esr_outdir *d = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_open(dir, &d, &err), ESR_OK, "%s", err.msg);
    cr_assert_not_null(d);
    return d;
}

static FILE *file_ok(esr_outdir *d, const char *name)
{
    FILE *fp = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_file(d, name, &fp, &err), ESR_OK, "%s", err.msg);
    cr_assert_not_null(fp);
    return fp;
}

/* Write name with text into d's staging directory. */
static void put(esr_outdir *d, const char *name, const char *text)
{
    FILE *fp = file_ok(d, name);
    fputs(text, fp);
}

/* Finish and commit d, expecting success, then free it. */
static void commit_ok(esr_outdir *d)
{
    esr_err err = {0};
    cr_assert_eq(outdir_finish(d, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(outdir_commit(d, &err), ESR_OK, "%s", err.msg);
    outdir_free(d);
}

/* Whether path holds exactly text. */
static int holds(const char *path, const char *text)
{
    char *s = th_read(path, NULL);
    int r = s && !strcmp(s, text);
    free(s);
    return r;
}

Test(outdir, files_appear_only_after_commit)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir);
    cr_assert_str_eq(outdir_dir(d), dir);
    put(d, "records.csv", "a,b\n");
    put(d, "run.json", "{}\n");
    const char *tmp = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_path(d, "return.xlsx", &tmp, &err), ESR_OK);
    th_write(tmp, "XLSX", 4); /* as another library would */
    cr_assert_not(th_exists(dir), "DIR appears only when published");
    cr_assert_eq(count_prefix(base, ".ret.esrpipe-"), 1, "one staging directory beside DIR");
    cr_assert_eq(count_prefix(base, ".ret.esrpipe.lock"), 1, "the lock file beside DIR");
    commit_ok(d);
    cr_assert(holds(in(dir, "records.csv"), "a,b\n"));
    cr_assert(holds(in(dir, "run.json"), "{}\n"));
    cr_assert(holds(in(dir, "return.xlsx"), "XLSX"));
    cr_assert_eq(count_prefix(base, ".ret."), 0, "no staging directory or lock file left");
    cr_assert_eq(count_prefix(dir, "."), 2, "nothing hidden in DIR (only . and ..)");
}

Test(outdir, commit_swaps_in_the_whole_return_and_keeps_other_entries)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0750), 0);
    th_write(in(dir, "summary.csv"), "old\n", 4);
    th_write(in(dir, "return.xlsx"), "old", 3); /* this run writes none */
    th_write(in(dir, "notes.txt"), "mine", 4);
    cr_assert_eq(mkdir(in(dir, "RXX"), 0777), 0); /* another return, kept */
    th_write(in(dir, "RXX/run.json"), "{}", 2);
    esr_outdir *d = open_ok(dir);
    put(d, "summary.csv", "new\n");
    put(d, "run.json", "{}");
    esr_err err = {0};
    cr_assert_eq(outdir_finish(d, &err), ESR_OK);
    cr_assert(holds(in(dir, "summary.csv"), "old\n"), "unchanged until commit");
    commit_ok(d);
    cr_assert(holds(in(dir, "summary.csv"), "new\n"));
    cr_assert_not(th_exists(in(dir, "return.xlsx")), "an old output this run lacks is gone");
    cr_assert(holds(in(dir, "notes.txt"), "mine"), "the user's file is carried across");
    cr_assert(holds(in(dir, "RXX/run.json"), "{}"), "another return is carried across");
    struct stat sb;
    cr_assert_eq(stat(dir, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0750, "DIR keeps its mode");
    cr_assert_eq(count_prefix(base, ".ret."), 0);
}

Test(outdir, abort_keeps_previous_and_removes_staging)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    th_write(in(dir, "records.csv"), "previous\n", 9);
    esr_outdir *d = open_ok(dir);
    put(d, "records.csv", "half-written");
    outdir_abort(d);
    cr_assert_eq(count_prefix(base, ".ret."), 0, "staging and lock removed");
    cr_assert(holds(in(dir, "records.csv"), "previous\n"), "the previous return is untouched");
    outdir_free(d);
    cr_assert(th_exists(in(dir, "records.csv")));
}

Test(outdir, free_without_commit_leaves_nothing)
{
    char dir[PATH_MAX];
    th_join(dir, base, "a/b/ret");
    esr_outdir *d = open_ok(dir);
    put(d, "records.csv", "x");
    outdir_free(d);
    cr_assert_not(th_exists(in(base, "a")), "parents this run created are removed");
}

Test(outdir, creates_parents)
{
    char dir[PATH_MAX];
    th_join(dir, base, "a/b/c");
    esr_outdir *d = open_ok(dir);
    put(d, "run.json", "{}");
    commit_ok(d);
    cr_assert(th_exists(in(dir, "run.json")));
}

Test(outdir, second_writer_gets_busy_with_the_holder)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir), *e = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_open_wait(dir, 0.2, "consolidate", &e, &err), ESR_ERR_BUSY, "%s", err.msg);
    cr_assert_null(e);
    cr_assert_eq(esr_exit_code(ESR_ERR_BUSY), 75);
    char want[64];
    snprintf(want, sizeof want, "pid %ld on host ", (long)getpid());
    cr_assert(strstr(err.msg, want) != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "--wait") != NULL, "%s", err.msg);
    cr_assert_eq(count_prefix(base, ".ret.esrpipe-"), 1, "the holder's staging survives");
    put(d, "run.json", "{}");
    commit_ok(d);
    e = open_ok(dir); /* free again once released */
    outdir_free(e);
}

Test(outdir, leftovers_cleaned_only_under_the_lock)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    th_write(in(dir, "records.csv"), "live", 4);
    th_write(in(dir, ".esrpipe-1-records.csv.tmp"), "legacy", 6);
    /* a staging directory of a killed run */
    cr_assert_eq(mkdir(in(base, ".ret.esrpipe-aaaaaa"), 0700), 0);
    th_write(in(base, ".ret.esrpipe-aaaaaa/.esrpipe-staging"), "", 0);
    th_write(in(base, ".ret.esrpipe-aaaaaa/records.csv"), "half", 4);
    /* a previous DIR swapped out by a run killed before moving notes back */
    cr_assert_eq(mkdir(in(base, ".ret.esrpipe-bbbbbb"), 0700), 0);
    th_write(in(base, ".ret.esrpipe-bbbbbb/records.csv"), "older", 5);
    th_write(in(base, ".ret.esrpipe-bbbbbb/notes.txt"), "mine", 4);
    /* not ours: other names */
    cr_assert_eq(mkdir(in(base, ".ret.esrpipe-toolong7"), 0700), 0);
    cr_assert_eq(mkdir(in(base, ".other.esrpipe-cccccc"), 0700), 0);
    esr_outdir *d = open_ok(dir);
    cr_assert_not(th_exists(in(dir, ".esrpipe-1-records.csv.tmp")));
    cr_assert_not(th_exists(in(base, ".ret.esrpipe-aaaaaa")));
    cr_assert_not(th_exists(in(base, ".ret.esrpipe-bbbbbb")));
    cr_assert(holds(in(dir, "notes.txt"), "mine"), "the user's file carried back");
    cr_assert(holds(in(dir, "records.csv"), "live"), "the live return untouched");
    cr_assert(th_exists(in(base, ".ret.esrpipe-toolong7")));
    cr_assert(th_exists(in(base, ".other.esrpipe-cccccc")), "another DIR's staging");
    outdir_free(d);
}

Test(outdir, interrupted_fallback_publish_is_rolled_forward)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    th_write(in(dir, "records.csv"), "new", 3); /* renamed before the kill */
    th_write(in(dir, "run.json"), "old", 3);
    cr_assert_eq(mkdir(in(dir, ".esrpipe-dddddd"), 0700), 0);
    th_write(in(dir, ".esrpipe-dddddd/.esrpipe-staging"), "", 0);
    th_write(in(dir, ".esrpipe-dddddd/.esrpipe-publishing"), "", 0);
    th_write(in(dir, ".esrpipe-dddddd/summary.csv"), "new", 3);
    th_write(in(dir, ".esrpipe-dddddd/run.json"), "new", 3);
    esr_outdir *d = open_ok(dir);
    cr_assert(holds(in(dir, "summary.csv"), "new"));
    cr_assert(holds(in(dir, "run.json"), "new"));
    cr_assert_not(th_exists(in(dir, ".esrpipe-dddddd")));
    outdir_free(d);
}

Test(outdir, fallback_without_exchange_publishes_file_by_file)
{
    setenv("ESRPIPE_FAULT", "no-exchange", 1);
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    th_write(in(dir, "return.xlsx"), "old", 3);
    th_write(in(dir, "notes.txt"), "mine", 4);
    esr_outdir *d = open_ok(dir);
    put(d, "records.csv", "new");
    put(d, "run.json", "{}");
    commit_ok(d);
    cr_assert(holds(in(dir, "records.csv"), "new"));
    cr_assert_not(th_exists(in(dir, "return.xlsx")), "stale output removed");
    cr_assert(holds(in(dir, "notes.txt"), "mine"));
    cr_assert_eq(count_prefix(base, ".ret."), 0);
    unsetenv("ESRPIPE_FAULT");
}

Test(outdir, subdirectory_returns_and_outputs_manifest)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir), *k = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_sub(d, "RX1", &k, &err), ESR_OK, "%s", err.msg);
    cr_assert_str_eq(outdir_dir(k), in(dir, "RX1"));
    put(k, "records.csv", "abc");
    char *text = NULL;
    size_t len = 0;
    FILE *kj = file_ok(k, "run.json");
    esr_json j;
    json_init(&j, kj);
    json_open(&j, NULL, '{');
    cr_assert_eq(outdir_json_outputs(k, &j, &err), ESR_OK, "%s", err.msg);
    json_close(&j, '}');
    cr_assert_eq(outdir_finish(k, &err), ESR_OK);
    put(d, "rejects.csv", "");
    FILE *mem = open_memstream(&text, &len);
    json_init(&j, mem);
    json_open(&j, NULL, '{');
    cr_assert_eq(outdir_json_outputs(d, &j, &err), ESR_OK, "%s", err.msg);
    json_close(&j, '}');
    fclose(mem);
    /* SHA-256("abc") and of the empty file; sorted by name */
    const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const char *p1 = strstr(text, "\"RX1/records.csv\""), *p2 = strstr(text, "\"RX1/run.json\""),
               *p3 = strstr(text, "\"rejects.csv\"");
    cr_assert(p1 && p2 && p3 && p1 < p2 && p2 < p3, "%s", text);
    cr_assert(strstr(text, abc) && strstr(text, "\"bytes\": 3"), "%s", text);
    cr_assert(strstr(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
              "%s", text);
    cr_assert_null(strstr(text, "\"run.json\""), "run.json does not list itself");
    free(text);
    outdir_free(k);
    commit_ok(d);
    cr_assert(holds(in(dir, "RX1/records.csv"), "abc"));
}

Test(outdir, unwritable_directory)
{
    /* a path under a regular file can never be created, even as root */
    esr_outdir *d = (esr_outdir *)1;
    esr_err err = {0};
    cr_assert_eq(outdir_open("/dev/null/x", &d, &err), ESR_ERR_OUTPUT, "%s", err.msg);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, "/dev/null/x") != NULL, "%s", err.msg);

    char file[PATH_MAX];
    th_write_in(base, "plainfile", "x", file);
    cr_assert_eq(outdir_open(file, &d, &err), ESR_ERR_OUTPUT, "an existing regular file");
    cr_assert_eq(outdir_open("/", &d, &err), ESR_ERR_OUTPUT, "never swap /");

    /* mode 0555: only meaningful when not root (root ignores modes) */
    char ro[PATH_MAX];
    th_join(ro, base, "ro");
    cr_assert_eq(mkdir(ro, 0555), 0);
    chmod(ro, 0555);
    if (geteuid() != 0) {
        cr_assert_eq(outdir_open(ro, &d, &err), ESR_ERR_OUTPUT, "%s", err.msg);
        cr_assert_eq(outdir_open(in(ro, "sub"), &d, &err), ESR_ERR_OUTPUT, "%s", err.msg);
    }
    chmod(ro, 0755);
}

Test(outdir, too_many_files)
{
    char dir[PATH_MAX];
    esr_outdir *d = open_ok(th_join(dir, base, "ret"));
    esr_err err = {0};
    const char *tmp;
    char name[32];
    esr_status st = ESR_OK;
    int i;
    for (i = 0; i < 100 && !st; i++) {
        snprintf(name, sizeof name, "f%d", i);
        st = outdir_path(d, name, &tmp, &err);
    }
    cr_assert_neq(st, ESR_OK, "a bounded number of files");
    outdir_free(d);
}

/* The manifest of d (outdir_json_outputs) as text; free it. */
static char *manifest_text(esr_outdir *d)
{
    char *text = NULL;
    size_t len = 0;
    esr_err err = {0};
    FILE *mem = open_memstream(&text, &len);
    esr_json j;
    json_init(&j, mem);
    json_open(&j, NULL, '{');
    cr_assert_eq(outdir_json_outputs(d, &j, &err), ESR_OK, "%s", err.msg);
    json_close(&j, '}');
    fclose(mem);
    return text;
}

/* The "sha256" the manifest text gives file name, into hex. */
static void manifest_sha(const char *text, const char *name, char hex[65])
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\"", name);
    const char *p = strstr(text, key), *s = p ? strstr(p, "\"sha256\": \"") : NULL;
    cr_assert_not_null(s, "%s in %s", name, text);
    memcpy(hex, s + 11, 64);
    hex[64] = '\0';
}

Test(outdir, manifest_hashes_the_bytes_written_across_park_and_resume)
{
    char dir[PATH_MAX];
    esr_outdir *d = open_ok(th_join(dir, base, "ret"));
    esr_err err = {0};
    FILE *fp = file_ok(d, "records.csv");
    char line[100];
    uint64_t total = 0;
    /* 24 MiB in three parts, parked and resumed between them: the
     * stream's hash goes on across them */
    for (int part = 0; part < 3; part++) {
        for (int i = 0; i < 300000; i++) {
            int n = snprintf(line, sizeof line, "%d,%d,a row of some length %07d\n", part, i, i);
            cr_assert_eq(fwrite(line, 1, (size_t)n, fp), (size_t)n);
            total += (uint64_t)n;
        }
        cr_assert_eq(outdir_park(d, "records.csv", &err), ESR_OK, "%s", err.msg);
        if (part < 2)
            cr_assert_eq(outdir_resume(d, "records.csv", &fp, &err), ESR_OK, "%s", err.msg);
    }
    cr_assert_gt(total, 3u * (7u << 20));
    char *text = manifest_text(d);
    char want[65], got[65];
    uint64_t bytes = 0;
    int fd = open(outdir_tmp_of(d, "records.csv"), O_RDONLY);
    cr_assert_eq(outdir_sha256_fd(fd, &bytes, want), ESR_OK);
    close(fd);
    cr_assert_eq(bytes, total);
    manifest_sha(text, "records.csv", got);
    cr_assert_str_eq(got, want);
    char size[64];
    snprintf(size, sizeof size, "\"bytes\": %llu", (unsigned long long)total);
    cr_assert(strstr(text, size), "%s", text);
    free(text);
    commit_ok(d);
}

Test(outdir, a_file_changed_behind_its_stream_is_read_back)
{
    char dir[PATH_MAX];
    esr_outdir *d = open_ok(th_join(dir, base, "ret"));
    esr_err err = {0};
    put(d, "summary.csv", "abc");
    cr_assert_eq(outdir_park(d, "summary.csv", &err), ESR_OK, "%s", err.msg);
    FILE *behind = fopen(outdir_tmp_of(d, "summary.csv"), "ab");
    cr_assert_not_null(behind);
    fputs("def", behind);
    fclose(behind);
    char *text = manifest_text(d), got[65];
    manifest_sha(text, "summary.csv", got);
    /* SHA-256("abcdef"), not the stream's SHA-256("abc") */
    cr_assert_str_eq(got, "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721");
    cr_assert(strstr(text, "\"bytes\": 6"), "%s", text);
    free(text);
    commit_ok(d);
}
