/* test_outdir.c - the atomic output directory. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
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

Test(outdir, files_appear_only_after_commit)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir);
    cr_assert_str_eq(outdir_dir(d), dir);
    FILE *a = file_ok(d, "records.csv");
    FILE *j = file_ok(d, "run.json");
    const char *tmp = NULL;
    esr_err err = {0};
    cr_assert_eq(outdir_path(d, "return.xlsx", &tmp, &err), ESR_OK);
    cr_assert_not_null(tmp);
    th_write(tmp, "XLSX", 4); /* as another library would */
    fputs("a,b\n", a);
    fputs("{}\n", j);
    cr_assert_not(th_exists(in(dir, "records.csv")));
    cr_assert_not(th_exists(in(dir, "run.json")));
    cr_assert_not(th_exists(in(dir, "return.xlsx")));
    cr_assert_eq(outdir_finish(d, &err), ESR_OK, "%s", err.msg);
    cr_assert_not(th_exists(in(dir, "records.csv")), "finish must not rename");
    cr_assert_eq(count_prefix(dir, ".esrpipe-"), 3);
    cr_assert_eq(outdir_commit(d, &err), ESR_OK, "%s", err.msg);
    char *s = th_read(in(dir, "records.csv"), NULL);
    cr_assert_str_eq(s, "a,b\n");
    free(s);
    s = th_read(in(dir, "run.json"), NULL);
    cr_assert_str_eq(s, "{}\n");
    free(s);
    s = th_read(in(dir, "return.xlsx"), NULL);
    cr_assert_str_eq(s, "XLSX");
    free(s);
    cr_assert_eq(count_prefix(dir, ".esrpipe-"), 0, "no temporaries left");
    outdir_free(d); /* after commit: nothing removed */
    cr_assert(th_exists(in(dir, "run.json")));
}

Test(outdir, commit_replaces_previous_return)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir);
    th_write(in(dir, "summary.csv"), "old\n", 4);
    FILE *fp = file_ok(d, "summary.csv");
    fputs("new\n", fp);
    esr_err err = {0};
    cr_assert_eq(outdir_finish(d, &err), ESR_OK);
    char *s = th_read(in(dir, "summary.csv"), NULL);
    cr_assert_str_eq(s, "old\n");
    free(s);
    cr_assert_eq(outdir_commit(d, &err), ESR_OK);
    s = th_read(in(dir, "summary.csv"), NULL);
    cr_assert_str_eq(s, "new\n");
    free(s);
    outdir_free(d);
}

Test(outdir, abort_keeps_previous_and_removes_temporaries)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    th_write(in(dir, "records.csv"), "previous\n", 9);
    esr_outdir *d = open_ok(dir);
    FILE *fp = file_ok(d, "records.csv");
    fputs("half-written", fp);
    const char *tmp;
    esr_err err = {0};
    cr_assert_eq(outdir_path(d, "return.xlsx", &tmp, &err), ESR_OK);
    th_write(tmp, "partial", 7);
    cr_assert_eq(count_prefix(dir, ".esrpipe-"), 2);
    outdir_abort(d);
    cr_assert_eq(count_prefix(dir, ".esrpipe-"), 0);
    char *s = th_read(in(dir, "records.csv"), NULL);
    cr_assert_str_eq(s, "previous\n", "the previous return is untouched");
    free(s);
    cr_assert_not(th_exists(in(dir, "return.xlsx")));
    cr_assert(th_exists(dir), "a pre-existing directory stays");
    outdir_free(d);
    cr_assert(th_exists(in(dir, "records.csv")));
}

Test(outdir, free_without_commit_aborts)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    esr_outdir *d = open_ok(dir);
    FILE *fp = file_ok(d, "records.csv");
    fputs("x", fp);
    outdir_free(d);
    cr_assert_not(th_exists(in(dir, "records.csv")));
    cr_assert_not(th_exists(dir), "a directory this run created is removed when left empty");
}

Test(outdir, creates_parents)
{
    char dir[PATH_MAX];
    th_join(dir, base, "a/b/c");
    esr_outdir *d = open_ok(dir);
    cr_assert(th_exists(dir));
    FILE *fp = file_ok(d, "run.json");
    fputs("{}", fp);
    esr_err err = {0};
    cr_assert_eq(outdir_finish(d, &err), ESR_OK);
    cr_assert_eq(outdir_commit(d, &err), ESR_OK);
    cr_assert(th_exists(in(dir, "run.json")));
    outdir_free(d);
}

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert_neq(kill(pid, 0), 0, "the reaped child is gone");
    return pid;
}

Test(outdir, stale_temporaries_swept_on_open)
{
    char dir[PATH_MAX];
    th_join(dir, base, "ret");
    cr_assert_eq(mkdir(dir, 0777), 0);
    char name[128];
    pid_t dead = dead_pid();
    snprintf(name, sizeof name, ".esrpipe-%ld-records.csv.tmp", (long)dead);
    th_write(in(dir, name), "stale", 5);
    /* a live process's temporary (pid 1 always exists) is left alone */
    th_write(in(dir, ".esrpipe-1-records.csv.tmp"), "live", 4);
    /* files that are not ours are never touched */
    th_write(in(dir, "records.csv"), "keep", 4);
    th_write(in(dir, ".esrpipe"), "keep", 4);
    th_write(in(dir, "notes-.esrpipe-1.tmp"), "keep", 4);
    esr_outdir *d = open_ok(dir);
    cr_assert_not(th_exists(in(dir, name)), "stale temporary of dead pid %ld swept", (long)dead);
    cr_assert(th_exists(in(dir, ".esrpipe-1-records.csv.tmp")),
              "a temporary owned by a live process must survive");
    cr_assert(th_exists(in(dir, "records.csv")));
    cr_assert(th_exists(in(dir, ".esrpipe")), "not the temporary prefix");
    cr_assert(th_exists(in(dir, "notes-.esrpipe-1.tmp")));
    outdir_free(d);
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
