/* outdir.c - a return staged beside DIR and published in one swap (see outdir.h). */
#define _GNU_SOURCE /* renameat2, statx */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "strmap.h"
#include "text.h"

#define OUR_PREFIX ".esrpipe-"             /* entries of ours inside DIR */
#define STAGE_MARK ".esrpipe-staging"      /* in a staging dir until published */
#define PUBLISH_MARK ".esrpipe-publishing" /* fallback publish under way */
#define SCRATCH_NAME ".esrpipe-scratch"    /* other libraries' temporaries */
#define LOCK_INSIDE ".esrpipe.lock"        /* the lock file in the fallback */
#define SIBLING_SUFFIX ".esrpipe-"         /* .<base>.esrpipe-XXXXXX */
#define LOCK_SUFFIX ".esrpipe.lock"        /* .<base>.esrpipe.lock */
#define MAX_FILES 16
#define STREAM_BUFFER (64u << 10) /* an output stream's buffer */
#define OLD_JSON_MAX (256u << 20) /* the previous run.json read, at most */
#define LOCK_POLL_NS 50000000L
#define LOCK_NOTE_WAIT_MS 200 /* an empty lock file is read again for this long */

/* The file names a return of esrpipe consists of. */
static const char *const known_names[] = {"return.xlsx", "records.csv", "summary.csv",
                                          "rejects.csv", "run.json",    "out_of_scope.csv"};

/* An output file. Bytes written through fp are hashed as they go, so the
 * manifest needs no second read. */
typedef struct ofile {
    char *name;
    char *tmp; /* its path in the staging directory */
    FILE *fp;
    int fd;          /* fp's descriptor while fp is open, else -1 */
    char *buf;       /* fp's buffer, freed with its close */
    EVP_MD_CTX *sha; /* SHA-256 of every byte written through fp; NULL: read back */
    uint64_t bytes;  /* bytes written through fp */
    char hex[65];    /* sha's digest once the manifest took it ("" before) */
} ofile;

struct esr_outdir {
    esr_outdir *top; /* the return that is published (self at top level) */
    char *dir;       /* as given, for messages */
    char *name;      /* a subdirectory return's name */
    char *stage;     /* where this return's files are written */
    ofile files[MAX_FILES];
    size_t nfiles;
    esr_output *outs; /* the manifest, once run.json is being written */
    size_t nouts;
    esr_outdir **kids;
    size_t nkids;
    int done;
    /* top level only */
    char *live;   /* DIR, absolute */
    char *parent; /* its parent, absolute */
    char *base;   /* its last component */
    char *lock_path;
    int lock_fd;
    int inside;      /* fallback: staging inside DIR, files renamed one by one */
    int lock_inside; /* DIR's parent is not writable: the lock file is in DIR */
    char *scratch;
    char **made; /* directories this run created, outermost first */
    size_t nmade;
    esr_buf removed;       /* split returns of an earlier run dropped: "A, B" */
    esr_strmap *stale_idx; /* see index_stale; NULL until needed */
};

/* ---- small helpers ---------------------------------------------------- */

/* a/b, malloc'd (NULL on no memory). */
static char *join(const char *a, const char *b)
{
    esr_buf p = {0};
    if (esr_buf_printf(&p, "%s/%s", a, b)) {
        esr_buf_free(&p);
        return NULL;
    }
    return p.data;
}

/* Whether path exists (without following a final symlink). */
static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* Whether name is one of the files a return consists of. */
static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (!strcmp(name, known_names[i]))
            return 1;
    return 0;
}

/* fsync a file, or a directory if dir, by path; 0 or -1. */
static int sync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Remove path and everything under it, never following a symlink. */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb))
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = join(path, e->d_name);
            if (p)
                remove_tree(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(path);
}

/* The test hook (outdir.h): 0 to go on, -1 (errno EIO) to fail this step;
 * kill does not return. */
static int fault(const char *step)
{
    const char *spec = getenv("ESRPIPE_FAULT");
    size_t n = strlen(step);
    for (const char *p = spec; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len > n && !strncmp(p, step, n) && p[n] == ':') {
            const char *act = p + n + 1;
            if (!strncmp(act, "kill", 4))
                raise(SIGKILL);
            if (!strncmp(act, "fail", 4))
                return errno = EIO, -1;
            if (!strncmp(act, "sleep", 5)) {
                struct timespec ts = {atoi(act + 5), 0};
                nanosleep(&ts, NULL);
            }
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Whether the test hook names step alone (a switch, not an action). */
static int fault_flag(const char *step)
{
    const char *spec = getenv("ESRPIPE_FAULT");
    size_t n = strlen(step);
    for (const char *p = spec; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, step, n))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* SHA-256 of the file open at fd (see outdir.h). */
esr_status outdir_sha256_fd(int fd, uint64_t *bytes, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    uint64_t total = 0;
    esr_status r = ESR_ERR_NOMEM; /* OpenSSL's context and digest fetch allocate */
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto done;
    r = ESR_ERR_IO;
    if (lseek(fd, 0, SEEK_SET) < 0)
        goto done;
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            goto done;
        if (!got)
            break;
        if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1)
            goto done;
        total += (uint64_t)got;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        goto done;
    text_hex(md, mdlen, hex);
    *bytes = total;
    r = ESR_OK;
done:
    EVP_MD_CTX_free(ctx);
    return r;
}

/* ---- where DIR is, and the lock --------------------------------------- */

/* mkdir -p, recording in d->made every directory it creates. */
static int mkdir_p(esr_outdir *d, const char *dir)
{
    struct stat sb;
    if (!stat(dir, &sb))
        return S_ISDIR(sb.st_mode) ? 0 : (errno = ENOTDIR, -1);
    char *copy = strdup(dir);
    if (!copy)
        return -1;
    char *slash = strrchr(copy, '/');
    if (slash && slash != copy) {
        *slash = '\0';
        if (mkdir_p(d, copy)) {
            free(copy);
            return -1;
        }
    }
    free(copy);
    if (mkdir(dir, 0777))
        return errno == EEXIST ? 0 : -1;
    char **m = realloc(d->made, (d->nmade + 1) * sizeof *m);
    if (m) {
        d->made = m;
        if ((m[d->nmade] = strdup(dir)))
            d->nmade++;
    }
    return 0;
}

/* Remove the directories this run created (only those still empty). */
static void remove_made(esr_outdir *d)
{
    for (size_t i = d->nmade; i-- > 0;) {
        rmdir(d->made[i]);
        free(d->made[i]);
    }
    free(d->made);
    d->made = NULL;
    d->nmade = 0;
}

/* Mount id (statx) or device of path: a swap across it is impossible. */
static unsigned long long mount_of(const char *path)
{
    struct statx sx;
    if (!statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) && (sx.stx_mask & STATX_MNT_ID))
        return sx.stx_mnt_id;
    struct stat sb;
    return stat(path, &sb) ? 0 : (unsigned long long)sb.st_dev;
}

/* Non-zero if an entry of directory dir is a mount point (a volume mounted
 * inside DIR): a swap would carry it into the old tree, where it stays, as
 * a mount cannot be moved back. */
static int holds_mount(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    unsigned long long own = mount_of(dir);
    int found = 0;
    struct dirent *e;
    char path[PATH_MAX];
    struct stat sb;
    while (!found && (e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
            !lstat(path, &sb) && S_ISDIR(sb.st_mode))
            found = mount_of(path) != own;
    closedir(dp);
    return found;
}

/* Split real (absolute) into d->parent and d->base; set d->live. */
static esr_status split_real(esr_outdir *d, const char *real, esr_err *err)
{
    const char *slash = strrchr(real, '/');
    if (!slash || !slash[1])
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot be an output directory (it is /)",
                           d->dir);
    d->base = strdup(slash + 1);
    d->parent = slash == real ? strdup("/") : strndup(real, (size_t)(slash - real));
    d->live = strdup(real);
    if (!d->base || !d->parent || !d->live)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    return ESR_OK;
}

/* Find DIR (creating its parents), and choose the swap or the fallback. */
static esr_status locate(esr_outdir *d, esr_err *err)
{
    char real[PATH_MAX], given[PATH_MAX];
    snprintf(given, sizeof given, "%s", d->dir);
    for (size_t n = strlen(given); n > 1 && given[n - 1] == '/'; n--)
        given[n - 1] = '\0';
    struct stat sb;
    int present = stat(given, &sb) == 0;
    if (present && !S_ISDIR(sb.st_mode))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s", d->dir,
                           strerror(ENOTDIR));
    if (!present && errno != ENOENT)
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s", d->dir,
                           strerror(errno));
    if (present && !realpath(given, real))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: %s", d->dir, strerror(errno));
    if (!present) {
        char *slash = strrchr(given, '/');
        const char *base = slash ? slash + 1 : given;
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", !slash ? "." : slash == given ? "/" : given);
        if (slash && slash != given)
            parent[slash - given] = '\0';
        if (!strcmp(base, ".") || !strcmp(base, ".."))
            return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s",
                               d->dir, strerror(ENOENT));
        char rp[PATH_MAX];
        if (mkdir_p(d, parent) || !realpath(parent, rp))
            return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s",
                               d->dir, strerror(errno));
        if (snprintf(real, sizeof real, "%s/%s", strcmp(rp, "/") ? rp : "", base) >=
            (int)sizeof real)
            return esr_err_set(err, ESR_ERR_OUTPUT, "%s: path too long", d->dir);
    }
    esr_status st = split_real(d, real, err);
    if (st)
        return st;
    int parent_ok = access(d->parent, W_OK | X_OK) == 0;
    if (!present && !parent_ok)
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s", d->dir,
                           strerror(EACCES));
    if (present && access(d->live, W_OK | X_OK))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: output directory is not writable: %s", d->dir,
                           strerror(errno));
    /* -o . : swapping the current directory would strand the caller's shell in the old one */
    char cwd[PATH_MAX];
    int is_cwd = getcwd(cwd, sizeof cwd) && !strcmp(cwd, d->live);
    d->inside = present && (!parent_ok || is_cwd || mount_of(d->live) != mount_of(d->parent) ||
                            holds_mount(d->live));
    d->lock_inside = !parent_ok; /* one lock file per DIR, whatever the mode */
    return ESR_OK;
}

/* Who holds the lock at fd, from the lock file (or "unknown"). The holder
 * notes itself just after taking the lock: an empty file is read again for
 * up to LOCK_NOTE_WAIT_MS, so runs started together name each other. */
static void lock_holder(int fd, char *out, size_t n)
{
    for (int ms = 0; ms <= LOCK_NOTE_WAIT_MS; ms++) {
        ssize_t got = pread(fd, out, n - 1, 0);
        out[got > 0 ? got : 0] = '\0';
        if (strchr(out, '\n')) /* a whole line: lock_note writes it at once */
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    out[strcspn(out, "\n")] = '\0';
    if (!*out)
        snprintf(out, n, "holder unknown");
}

/* Note this process as the lock's holder in the lock file. */
static void lock_note(int fd, const char *command)
{
    char host[256] = "?", when[32] = "?", line[512];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int len = snprintf(line, sizeof line, "pid %ld on host %s, esrpipe %s since %s\n",
                       (long)getpid(), host, command ? command : "run", when);
    if (ftruncate(fd, 0) == 0 && len > 0)
        (void)!pwrite(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1, 0);
}

/* Whether fd is still the file at path (a holder removes it on release). */
static int lock_current(int fd, const char *path)
{
    struct stat a, b;
    return !fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Take the lock, waiting up to wait_s seconds; ESR_ERR_BUSY after that. */
static esr_status lock_take(esr_outdir *d, double wait_s, const char *command, esr_err *err)
{
    esr_buf p = {0};
    if (d->lock_inside ? esr_buf_printf(&p, "%s/" LOCK_INSIDE, d->live)
                       : esr_buf_printf(&p, "%s/.%s" LOCK_SUFFIX, d->parent, d->base))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    d->lock_path = p.data;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = -1;
    for (;;) {
        if (fd < 0 &&
            (fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666)) < 0 &&
            (fd = open(d->lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
            return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create the lock file %s: %s",
                               d->dir, d->lock_path, strerror(errno));
        if (!flock(fd, LOCK_EX | LOCK_NB)) {
            if (lock_current(fd, d->lock_path))
                break;
            close(fd); /* released and removed by its holder: lock the new one */
            fd = -1;
            continue;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            close(fd);
            return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot lock %s: %s", d->dir, d->lock_path,
                               strerror(errno));
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        if (waited >= wait_s) {
            char who[300];
            lock_holder(fd, who, sizeof who);
            close(fd);
            return esr_err_set(err, ESR_ERR_BUSY,
                               "%s: another esrpipe is writing this output directory (%s; lock "
                               "%s); gave up after %.0f s: run again later, or give --wait "
                               "SECONDS",
                               d->dir, who, d->lock_path, waited);
        }
        struct timespec ts = {0, LOCK_POLL_NS};
        nanosleep(&ts, NULL);
    }
    d->lock_fd = fd;
    lock_note(fd, command);
    return ESR_OK;
}

/* Release the lock, removing the lock file while still holding it. */
static void lock_release(esr_outdir *d)
{
    if (d->lock_fd < 0)
        return;
    if (lock_current(d->lock_fd, d->lock_path))
        unlink(d->lock_path);
    close(d->lock_fd);
    d->lock_fd = -1;
}

/* ---- publishing ------------------------------------------------------- */

/* Rename every entry of from into to (subdirectories entry by entry),
 * run.json last; fault after the first when first_fault. 0 or -1. */
static int publish_tree(const char *from, const char *to, int *first_fault)
{
    DIR *dp = opendir(from);
    if (!dp)
        return -1;
    int r = 0, has_json = 0;
    struct dirent *e;
    while (!r && (e = readdir(dp))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strncmp(n, OUR_PREFIX, strlen(OUR_PREFIX)))
            continue;
        if (!strcmp(n, "run.json")) {
            has_json = 1;
            continue;
        }
        char *src = join(from, n), *dst = join(to, n);
        struct stat sb;
        if (!src || !dst || lstat(src, &sb))
            r = -1;
        else if (S_ISDIR(sb.st_mode))
            r = (mkdir(dst, sb.st_mode & 07777) && errno != EEXIST) ||
                publish_tree(src, dst, first_fault) || sync_path(dst, 1);
        else
            r = rename(src, dst);
        if (!r && *first_fault) {
            *first_fault = 0;
            r = fault("per-file");
        }
        free(src);
        free(dst);
    }
    closedir(dp);
    if (!r && has_json) {
        char *src = join(from, "run.json"), *dst = join(to, "run.json");
        r = !src || !dst || rename(src, dst);
        free(src);
        free(dst);
    }
    return r;
}

static int has_entry(const char *dir, const char *name);

/* Index, once, the organisations' returns the previous DIR's run.json (in
 * dir) lists (a "NAME/run.json" output) that d does not write: name -> 1;
 * d's own returns -> 0. One pass over the file, so a DIR of many
 * organisations costs no more than reading its run.json. 0, or -1 (no
 * memory: nothing is treated as stale). */
static int index_stale(esr_outdir *d, const char *dir)
{
    char *p = join(dir, "run.json");
    FILE *fp = p ? fopen(p, "rb") : NULL;
    esr_buf t = {0};
    char chunk[65536];
    size_t n;
    while (fp && (n = fread(chunk, 1, sizeof chunk, fp)) > 0 && t.len < OLD_JSON_MAX)
        esr_buf_append(&t, chunk, n);
    if (fp)
        fclose(fp);
    free(p);
    int bad = esr_buf_status(&t) || esr_strmap_new(&d->stale_idx);
    for (size_t i = 0; !bad && i < d->nkids; i++)
        bad = esr_strmap_put(d->stale_idx, d->kids[i]->name, strlen(d->kids[i]->name), 0, NULL) < 0;
    static const char tail[] = "/run.json\"";
    for (const char *q = t.data; !bad && q && (q = strstr(q, tail)); q += sizeof tail - 1) {
        const char *b = q;
        while (b > t.data && b[-1] != '"' && b[-1] != '/')
            b--;
        if (b > t.data && b[-1] == '"') /* "NAME/run.json": a return directly in DIR */
            bad = esr_strmap_put(d->stale_idx, b, (size_t)(q - b), 1, NULL) < 0;
    }
    esr_buf_free(&t);
    if (bad) { /* no memory: nothing counts as stale (the old carry-everything) */
        esr_strmap_free(d->stale_idx);
        d->stale_idx = NULL;
    }
    return bad ? -1 : 0;
}

/* Whether dir/name, in the previous DIR, is an organisation's return an
 * earlier --split-by-org run wrote and this one (d, writing subdirectory
 * returns) did not: listed in the previous run.json, a directory holding
 * run.json, not one of d's. Such a return is not carried into the new DIR,
 * so DIR holds one run's organisations only; its name goes to d->removed. */
static int stale_return(esr_outdir *d, const char *dir, const char *name)
{
    size_t v = 0;
    if (!d || !d->nkids || (!d->stale_idx && index_stale(d, dir)) ||
        !esr_strmap_get(d->stale_idx, name, strlen(name), &v) || !v)
        return 0;
    char *p = join(dir, name);
    struct stat sb;
    int r = p && !lstat(p, &sb) && S_ISDIR(sb.st_mode) && has_entry(p, "run.json");
    free(p);
    if (r && (d->removed.len ? esr_buf_puts(&d->removed, ", ") : 0) == 0)
        esr_buf_puts(&d->removed, name);
    return r;
}

/* Remove from to the return files that from (the new return) lacks. */
static void drop_stale(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++) {
        char *src = join(from, known_names[i]), *dst = join(to, known_names[i]);
        if (src && dst && !exists(src))
            unlink(dst);
        free(src);
        free(dst);
    }
    DIR *dp = opendir(from);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        char *src = join(from, e->d_name), *dst = join(to, e->d_name);
        if (src && dst)
            drop_stale(src, dst);
        free(src);
        free(dst);
    }
    if (dp)
        closedir(dp);
}

/* Move the entries of old (the previous DIR) that are not esrpipe's
 * outputs and that the new DIR lacks into the new DIR; 0 or -1. d: the
 * run publishing (NULL when recovering), whose stale returns stay behind. */
static int carry_back(esr_outdir *d, const char *old, const char *live)
{
    DIR *dp = opendir(old);
    if (!dp)
        return -1;
    int r = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || is_known(n) ||
            !strncmp(n, OUR_PREFIX, strlen(OUR_PREFIX)) || stale_return(d, old, n))
            continue;
        char *src = join(old, n), *dst = join(live, n);
        if (!src || !dst || (!exists(dst) && rename(src, dst)))
            r = -1;
        free(src);
        free(dst);
    }
    closedir(dp);
    return r;
}

/* Fallback publish: remove the organisations' returns of an earlier split
 * run that this one did not write (see stale_return). */
static void drop_stale_returns(esr_outdir *d)
{
    DIR *dp = d->nkids ? opendir(d->live) : NULL;
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (e->d_name[0] == '.' || !stale_return(d, d->live, e->d_name))
            continue;
        char *p = join(d->live, e->d_name);
        if (p)
            remove_tree(p);
        free(p);
    }
    if (dp)
        closedir(dp);
}

/* Publish file by file (the fallback): marker, stale files out, every
 * file renamed in, run.json last; the next run finishes it if killed. */
static int publish_files(esr_outdir *d)
{
    char *mark = join(d->stage, PUBLISH_MARK);
    int fd = mark ? open(mark, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    free(mark);
    if (fd < 0 || fsync(fd) || close(fd) || sync_path(d->stage, 1))
        return -1;
    drop_stale(d->stage, d->live);
    drop_stale_returns(d);
    int first = 1;
    if (publish_tree(d->stage, d->live, &first) || sync_path(d->live, 1))
        return -1;
    remove_tree(d->stage);
    return 0;
}

/* Swap the staging directory with DIR; -1 with errno (EINVAL: unsupported). */
static int exchange(const char *stage, const char *live)
{
    if (fault("exchange"))
        return -1;
    if (fault_flag("no-exchange"))
        return errno = EINVAL, -1;
    return renameat2(AT_FDCWD, stage, AT_FDCWD, live, RENAME_EXCHANGE);
}

/* The steps after the swap: the marker out, the user's entries across,
 * the old return removed. A failure leaves the rest to the next run. */
static void after_exchange(esr_outdir *d)
{
    char *mark = join(d->live, STAGE_MARK);
    sync_path(d->parent, 1);
    if (fault("exchanged") || !mark || (unlink(mark) && errno != ENOENT)) {
        free(mark);
        return;
    }
    free(mark);
    if (carry_back(d, d->stage, d->live) || fault("carried"))
        return;
    sync_path(d->live, 1);
    remove_tree(d->stage);
    fault("removed");
}

/* Publish the staged return as DIR (see outdir.h). */
static esr_status publish(esr_outdir *d, esr_err *err)
{
    if (!exists(d->live)) { /* the first run: one rename */
        int r = fault("rename")
                    ? -1
                    : renameat2(AT_FDCWD, d->stage, AT_FDCWD, d->live, RENAME_NOREPLACE);
        if (r && (errno == EINVAL || errno == ENOSYS))
            r = rename(d->stage, d->live);
        if (r && (errno == EEXIST || errno == ENOTEMPTY))
            goto swap; /* DIR was made meanwhile (not by esrpipe: we hold the lock) */
        if (r)
            return esr_err_set(err, ESR_ERR_IO, "%s: cannot publish the return: %s", d->dir,
                               strerror(errno));
        char *mark = join(d->live, STAGE_MARK);
        if (mark)
            unlink(mark);
        free(mark);
        sync_path(d->parent, 1);
        return ESR_OK;
    }
swap:
    if (!d->inside) {
        if (!exchange(d->stage, d->live)) {
            after_exchange(d);
            return ESR_OK;
        }
        if (errno != EINVAL && errno != ENOSYS)
            return esr_err_set(err, ESR_ERR_IO, "%s: cannot publish the return: %s", d->dir,
                               strerror(errno));
    }
    if (publish_files(d))
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot publish the return: %s", d->dir,
                           strerror(errno));
    return ESR_OK;
}

/* ---- cleaning up after killed runs (lock held) ------------------------ */

/* Whether dir holds an entry called name. */
static int has_entry(const char *dir, const char *name)
{
    char *p = join(dir, name);
    int r = p && exists(p);
    free(p);
    return r;
}

/* Finish or discard a staging directory left by a killed run. */
static void recover_stage(esr_outdir *d, const char *path)
{
    if (has_entry(path, PUBLISH_MARK)) { /* killed mid-publish: finish it */
        int first = 0;
        if (publish_tree(path, d->live, &first))
            return; /* leave it for a later run */
        sync_path(d->live, 1);
    }
    remove_tree(path);
}

/* Whether name is a sibling staging directory of DIR: .<base>.esrpipe-XXXXXX. */
static int is_sibling(const esr_outdir *d, const char *name)
{
    size_t nb = strlen(d->base), ns = strlen(SIBLING_SUFFIX);
    if (name[0] != '.' || strncmp(name + 1, d->base, nb) ||
        strncmp(name + 1 + nb, SIBLING_SUFFIX, ns))
        return 0;
    const char *x = name + 1 + nb + ns;
    size_t k = 0;
    for (; x[k]; k++)
        if (!((x[k] >= 'a' && x[k] <= 'z') || (x[k] >= 'A' && x[k] <= 'Z') ||
              (x[k] >= '0' && x[k] <= '9')))
            return 0;
    return k == 6;
}

/* Clean up what killed runs left, in DIR and beside it. */
static void recover(esr_outdir *d)
{
    DIR *dp = opendir(d->live);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (strncmp(e->d_name, OUR_PREFIX, strlen(OUR_PREFIX)))
            continue;
        char *p = join(d->live, e->d_name);
        struct stat sb;
        if (p && !lstat(p, &sb) && S_ISDIR(sb.st_mode))
            recover_stage(d, p);
        else if (p)
            unlink(p); /* a stray marker, or an older esrpipe's temporary */
        free(p);
    }
    if (dp)
        closedir(dp);
    if (d->inside || !(dp = opendir(d->parent)))
        return;
    while ((e = readdir(dp))) {
        if (!is_sibling(d, e->d_name))
            continue;
        char *p = join(d->parent, e->d_name);
        if (p && has_entry(p, STAGE_MARK))
            recover_stage(d, p); /* staged, never swapped in */
        else if (p && exists(d->live) && !carry_back(NULL, p, d->live))
            remove_tree(p); /* a previous DIR swapped out: keep the user's entries */
        free(p);
    }
    closedir(dp);
}

/* ---- the handle -------------------------------------------------------- */

/* Make the staging directory, with DIR's mode (or the umask's). */
static esr_status stage_make(esr_outdir *d, esr_err *err)
{
    esr_buf t = {0};
    if (d->inside ? esr_buf_printf(&t, "%s/" OUR_PREFIX "XXXXXX", d->live)
                  : esr_buf_printf(&t, "%s/.%s" SIBLING_SUFFIX "XXXXXX", d->parent, d->base))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    if (!mkdtemp(t.data)) {
        esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create a staging directory: %s", d->dir,
                    strerror(errno));
        esr_buf_free(&t);
        return ESR_ERR_OUTPUT;
    }
    d->stage = t.data;
    struct stat sb;
    mode_t mode;
    if (!stat(d->live, &sb)) {
        mode = sb.st_mode & 07777;
        if (!d->inside && geteuid() == 0) /* root writing someone's DIR: it stays theirs */
            (void)!chown(d->stage, sb.st_uid, sb.st_gid);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0777 & ~mask;
    }
    chmod(d->stage, d->inside ? 0700 : mode);
    char *mark = join(d->stage, STAGE_MARK);
    if (!mark)
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", d->dir);
    int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    free(mark);
    if (fd < 0)
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create a staging directory: %s", d->dir,
                           strerror(errno));
    close(fd);
    return ESR_OK;
}

/* Take dir's lock, clean up, make the staging directory (see outdir.h). */
esr_status outdir_open_wait(const char *dir, double wait_s, const char *command, esr_outdir **out,
                            esr_err *err)
{
    *out = NULL;
    esr_outdir *d = calloc(1, sizeof *d);
    if (!d || !(d->dir = strdup(dir))) {
        free(d);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    d->top = d;
    d->lock_fd = -1;
    esr_status st;
    if ((st = locate(d, err)) || (st = lock_take(d, wait_s, command, err))) {
        outdir_free(d);
        return st;
    }
    recover(d);
    if ((st = stage_make(d, err))) {
        outdir_free(d);
        return st;
    }
    *out = d;
    return ESR_OK;
}

/* outdir_open_wait without waiting. */
esr_status outdir_open(const char *dir, esr_outdir **out, esr_err *err)
{
    return outdir_open_wait(dir, 0, "run", out, err);
}

/* A subdirectory return of parent (see outdir.h). */
esr_status outdir_sub(esr_outdir *parent, const char *name, esr_outdir **out, esr_err *err)
{
    *out = NULL;
    esr_outdir *d = calloc(1, sizeof *d);
    esr_outdir **kids = realloc(parent->kids, (parent->nkids + 1) * sizeof *kids);
    if (kids)
        parent->kids = kids;
    if (!d || !kids || !(d->name = strdup(name)) || !(d->dir = join(parent->dir, name)) ||
        !(d->stage = join(parent->stage, name))) {
        outdir_free(d);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    d->top = parent->top;
    d->lock_fd = -1;
    if (mkdir(d->stage, 0777)) {
        esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s", d->dir,
                    strerror(errno));
        outdir_free(d);
        return ESR_ERR_OUTPUT;
    }
    parent->kids[parent->nkids++] = d;
    *out = d;
    return ESR_OK;
}

/* Register name in d with its staging path; the entry into *f. */
static esr_status add(esr_outdir *d, const char *name, ofile **f, esr_err *err)
{
    if (d->nfiles == MAX_FILES)
        return esr_err_set(err, ESR_ERR_INTERNAL, "too many output files");
    ofile *o = &d->files[d->nfiles];
    o->fd = -1;
    if (!(o->name = strdup(name)) || !(o->tmp = join(d->stage, name))) {
        free(o->name);
        o->name = NULL;
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    d->nfiles++;
    *f = o;
    return ESR_OK;
}

/* fp's write: every byte to the file, then into the hash; the count written. */
static ssize_t ofile_write(void *cookie, const char *p, size_t n)
{
    ofile *o = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(o->fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (o->sha && done && EVP_DigestUpdate(o->sha, p, done) != 1) {
        EVP_MD_CTX_free(o->sha); /* the manifest reads the file back instead */
        o->sha = NULL;
    }
    o->bytes += done;
    return (ssize_t)done; /* short: the stream's error flag, errno from write */
}

/* fp's close: the descriptor and the buffer go, the hash stays for the manifest. */
static int ofile_close(void *cookie)
{
    ofile *o = cookie;
    int r = close(o->fd);
    o->fd = -1;
    free(o->buf); /* stdio has flushed it and is done with it */
    o->buf = NULL;
    return r;
}

/* Open o's stream on the staging file with open(2) flags; 0 or -1 (errno). */
static int ofile_open(ofile *o, int flags)
{
    static const cookie_io_functions_t io = {.write = ofile_write, .close = ofile_close};
    if ((o->fd = open(o->tmp, flags | O_WRONLY | O_CLOEXEC, 0666)) < 0)
        return -1;
    if (!(o->fp = fopencookie(o, "w", io))) {
        int e = errno;
        close(o->fd);
        o->fd = -1;
        errno = e;
        return -1;
    }
    if ((o->buf = malloc(STREAM_BUFFER)) && setvbuf(o->fp, o->buf, _IOFBF, STREAM_BUFFER)) {
        free(o->buf); /* stdio's own buffer does */
        o->buf = NULL;
    }
    return 0;
}

/* Open a staging file that becomes dir/name on commit. */
esr_status outdir_file(esr_outdir *d, const char *name, FILE **fp, esr_err *err)
{
    ofile *o = NULL; /* set by add() on success */
    esr_status st = add(d, name, &o, err);
    if (st)
        return st;
    if ((o->sha = EVP_MD_CTX_new()) && EVP_DigestInit_ex(o->sha, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(o->sha);
        o->sha = NULL; /* not fatal: the manifest reads the file back */
    }
    if (ofile_open(o, O_CREAT | O_TRUNC))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s/%s: cannot create: %s", d->dir, name,
                           strerror(errno));
    *fp = o->fp;
    return ESR_OK;
}

/* The entry of a file opened with outdir_file, or NULL. */
static ofile *find_file(esr_outdir *d, const char *name)
{
    for (size_t i = 0; i < d->nfiles; i++)
        if (d->files[i].tmp && !strcmp(d->files[i].name, name))
            return &d->files[i];
    return NULL;
}

/* Close a file's stream for now (see outdir.h). */
esr_status outdir_park(esr_outdir *d, const char *name, esr_err *err)
{
    ofile *o = find_file(d, name);
    if (!o || !o->fp)
        return ESR_OK;
    int bad = fflush(o->fp) || ferror(o->fp);
    int e = errno;
    bad |= fclose(o->fp) != 0;
    o->fp = NULL;
    return bad ? esr_err_set(err, ESR_ERR_IO, "%s/%s: write failed: %s", d->dir, name,
                             strerror(e ? e : EIO))
               : ESR_OK;
}

/* Reopen a parked file for appending (see outdir.h). */
esr_status outdir_resume(esr_outdir *d, const char *name, FILE **fp, esr_err *err)
{
    ofile *o = find_file(d, name);
    if (!o)
        return esr_err_set(err, ESR_ERR_INTERNAL, "%s/%s: not an output file", d->dir, name);
    if (!o->fp && ofile_open(o, O_APPEND))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s/%s: cannot reopen: %s", d->dir, name,
                           strerror(errno));
    *fp = o->fp;
    return ESR_OK;
}

/* Reserve a staging path for a file another library writes. */
esr_status outdir_path(esr_outdir *d, const char *name, const char **tmp, esr_err *err)
{
    ofile *o = NULL; /* set by add() on success */
    esr_status st = add(d, name, &o, err);
    if (!st)
        *tmp = o->tmp;
    return st;
}

/* A private scratch directory on dir's filesystem (see outdir.h). */
esr_status outdir_scratch(esr_outdir *d, const char **path, esr_err *err)
{
    esr_outdir *top = d->top;
    if (!top->scratch) {
        char *p = join(top->stage, SCRATCH_NAME);
        if (!p)
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        if (mkdir(p, 0700) && errno != EEXIST) {
            esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create a scratch directory: %s", d->dir,
                        strerror(errno));
            free(p);
            return ESR_ERR_OUTPUT;
        }
        top->scratch = p;
    }
    *path = top->scratch;
    return ESR_OK;
}

/* Nothing to do: an earlier run's files are never carried over. */
esr_status outdir_drop(esr_outdir *d, const char *name, esr_err *err)
{
    (void)d;
    (void)name;
    (void)err;
    return ESR_OK;
}

/* Staging path of a file already registered under name, or NULL. */
const char *outdir_tmp_of(const esr_outdir *d, const char *name)
{
    for (size_t i = 0; i < d->nfiles; i++)
        if (!strcmp(d->files[i].name, name))
            return d->files[i].tmp;
    return NULL;
}

/* The directory. */
const char *outdir_dir(const esr_outdir *d)
{
    return d->dir;
}

/* Flush and close file o; the error in err (first one only). */
static esr_status close_file(esr_outdir *d, ofile *o, int sync, esr_err *err)
{
    if (!o->fp)
        return ESR_OK;
    int bad = fflush(o->fp) || ferror(o->fp) || (sync && fsync(o->fd));
    int e = errno;
    bad |= fclose(o->fp) != 0;
    o->fp = NULL;
    return bad ? esr_err_set(err, ESR_ERR_IO, "%s/%s: write failed: %s", d->dir, o->name,
                             strerror(e ? e : EIO))
               : ESR_OK;
}

/* o's size and SHA-256 from the bytes written through its stream, when
 * they are all the file holds (1), else 0: the file is read back. */
static int ofile_digest(ofile *o, uint64_t *bytes, char hex[65])
{
    struct stat sb;
    if (o->fp || !(o->sha || o->hex[0]) || stat(o->tmp, &sb) || (uint64_t)sb.st_size != o->bytes)
        return 0;
    if (!o->hex[0]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        int ok = EVP_DigestFinal_ex(o->sha, md, &mdlen) == 1 && mdlen == 32;
        EVP_MD_CTX_free(o->sha);
        o->sha = NULL;
        if (!ok)
            return 0;
        text_hex(md, mdlen, o->hex);
    }
    memcpy(hex, o->hex, 65);
    *bytes = o->bytes;
    return 1;
}

/* Add file o to the manifest as name; 0 or -1 (errno says why). */
static int manifest_add(esr_output **outs, size_t *n, const char *name, ofile *o)
{
    esr_output *m = realloc(*outs, (*n + 1) * sizeof *m);
    if (!m)
        return -1;
    *outs = m;
    esr_output *e = &m[*n];
    if (!ofile_digest(o, &e->bytes, e->sha256)) {
        int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || outdir_sha256_fd(fd, &e->bytes, e->sha256)) {
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
    }
    if (!(e->file = strdup(name)))
        return -1;
    (*n)++;
    return 0;
}

/* Outputs by file name (bytewise). */
static int output_cmp(const void *a, const void *b)
{
    return strcmp(((const esr_output *)a)->file, ((const esr_output *)b)->file);
}

/* d's manifest: its files but run.json, then each subdirectory return's. */
static esr_status manifest_build(esr_outdir *d, esr_err *err)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; i < d->nfiles && !st; i++)
        if (strcmp(d->files[i].name, "run.json"))
            st = close_file(d, &d->files[i], 0, err);
    for (size_t k = 0; k < d->nkids && !st; k++)
        for (size_t i = 0; i < d->kids[k]->nfiles && !st; i++)
            st = close_file(d->kids[k], &d->kids[k]->files[i], 0, err);
    for (size_t i = 0; i < d->nfiles && !st; i++)
        if (strcmp(d->files[i].name, "run.json") &&
            manifest_add(&d->outs, &d->nouts, d->files[i].name, &d->files[i]))
            st = esr_err_set(err, errno == ENOMEM ? ESR_ERR_NOMEM : ESR_ERR_IO,
                             "%s/%s: cannot read back: %s", d->dir, d->files[i].name,
                             errno == ENOMEM ? "out of memory" : strerror(errno));
    for (size_t k = 0; k < d->nkids && !st; k++) {
        esr_outdir *kid = d->kids[k];
        esr_output *m = realloc(d->outs, (d->nouts + kid->nouts + 1) * sizeof *m);
        if (!m)
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        d->outs = m;
        for (size_t i = 0; i < kid->nouts; i++) {
            esr_output *o = &d->outs[d->nouts];
            *o = kid->outs[i];
            if (!(o->file = join(kid->name, kid->outs[i].file)))
                return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
            d->nouts++;
        }
        ofile *json = find_file(kid, "run.json");
        char *name = join(kid->name, "run.json");
        if (!json)
            errno = ENOENT; /* a subdirectory return writes its run.json first */
        if (!name || !json || manifest_add(&d->outs, &d->nouts, name, json))
            st = esr_err_set(err, !name || errno == ENOMEM ? ESR_ERR_NOMEM : ESR_ERR_IO,
                             "%s/run.json: cannot read back: %s", kid->dir,
                             !name || errno == ENOMEM ? "out of memory" : strerror(errno));
        free(name);
    }
    if (!st)
        qsort(d->outs, d->nouts, sizeof *d->outs, output_cmp);
    return st;
}

/* The "outputs" member of run.json (see outdir.h). */
esr_status outdir_json_outputs(esr_outdir *d, esr_json *j, esr_err *err)
{
    esr_status st = manifest_build(d, err);
    if (st)
        return st;
    json_open(j, "outputs", '[');
    for (size_t i = 0; i < d->nouts; i++) {
        json_open(j, NULL, '{');
        json_file(j, "file", d->outs[i].file, d->outs[i].bytes, d->outs[i].sha256);
        json_close(j, '}');
    }
    json_close(j, ']');
    return ESR_OK;
}

/* Flush, fsync and close every file (nothing published yet). */
esr_status outdir_finish(esr_outdir *d, esr_err *err)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; i < d->nfiles; i++) {
        ofile *o = &d->files[i];
        esr_status s = o->fp ? close_file(d, o, 1, err) : ESR_OK;
        if (!o->fp && !s && sync_path(o->tmp, 0) && !st)
            s = esr_err_set(err, ESR_ERR_IO, "%s/%s: not written: %s", d->dir, o->name,
                            strerror(errno));
        if (s && !st)
            st = s;
    }
    if (!st && sync_path(d->stage, 1))
        st = esr_err_set(err, ESR_ERR_IO, "%s: cannot sync: %s", d->dir, strerror(errno));
    return st;
}

/* Publish the return (see outdir.h). */
esr_status outdir_commit(esr_outdir *d, esr_err *err)
{
    if (d->top != d) { /* published with its parent */
        d->done = 1;
        return ESR_OK;
    }
    if (d->scratch)
        remove_tree(d->scratch);
    if (fault("staged"))
        return esr_err_set(err, ESR_ERR_IO, "%s: cannot publish the return: %s", d->dir,
                           strerror(errno));
    esr_status st = publish(d, err);
    if (!st)
        d->done = 1;
    return st;
}

/* Close every file of d (a subdirectory return's are removed with the top's). */
static void close_all(esr_outdir *d)
{
    for (size_t i = 0; i < d->nfiles; i++) {
        if (d->files[i].fp)
            fclose(d->files[i].fp);
        d->files[i].fp = NULL;
    }
}

/* Remove the staging directory (and the parents this run created). */
void outdir_abort(esr_outdir *d)
{
    if (!d)
        return;
    close_all(d);
    if (d->top != d || d->done)
        return;
    if (d->stage)
        remove_tree(d->stage);
    lock_release(d);
    remove_made(d);
    d->done = 1;
}

/* The organisations' returns of an earlier --split-by-org run that the
 * published DIR no longer holds, "A, B" ("" none). */
const char *outdir_removed_returns(const esr_outdir *d)
{
    return esr_buf_str(&d->removed);
}

/* Free the handle (aborting if not committed) and release the lock. */
void outdir_free(esr_outdir *d)
{
    if (!d)
        return;
    outdir_abort(d);
    lock_release(d);
    if (d->top && d->top != d) { /* leave the parent's list */
        esr_outdir *p = d->top;
        for (size_t k = 0; k < p->nkids; k++)
            if (p->kids[k] == d)
                p->kids[k] = p->kids[--p->nkids];
    }
    for (size_t i = 0; i < d->nmade; i++)
        free(d->made[i]);
    free(d->made);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].tmp);
        EVP_MD_CTX_free(d->files[i].sha);
    }
    for (size_t i = 0; i < d->nouts; i++)
        free(d->outs[i].file);
    free(d->outs);
    free(d->kids);
    esr_buf_free(&d->removed);
    esr_strmap_free(d->stale_idx);
    free(d->scratch);
    free(d->stage);
    free(d->name);
    free(d->lock_path);
    free(d->live);
    free(d->parent);
    free(d->base);
    free(d->dir);
    free(d);
}

/* Refuse an output directory that is a return read or holds one (see outdir.h). */
esr_status outdir_refuse_return(const char *outdir, const char *const *inputs, size_t n,
                                esr_err *err)
{
    char out[PATH_MAX], in[PATH_MAX], probe[PATH_MAX + 16];
    if (!realpath(outdir, out))
        return ESR_OK; /* does not exist yet */
    for (size_t i = 0; i < n; i++)
        if (realpath(inputs[i], in) && !strcmp(in, out))
            return esr_err_set(err, ESR_ERR_USAGE,
                               "-o %s is one of the returns being read: choose another output "
                               "directory",
                               outdir);
    snprintf(probe, sizeof probe, "%s/run.json", out);
    if (!access(probe, F_OK))
        return esr_err_set(err, ESR_ERR_USAGE,
                           "-o %s holds a return (run.json): choose another output directory",
                           outdir);
    return ESR_OK;
}
