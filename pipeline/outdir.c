/* outdir.c - temp files + rename for an all-or-nothing return. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define TMP_PREFIX ".esrpipe-"
#define MAX_FILES 16

typedef struct ofile {
    char *name;
    char *tmp;
    FILE *fp;
} ofile;

struct esr_outdir {
    char *scratch; /* private directory for other libraries' temporaries */
    char *dir;
    char **made; /* directories this run created, outermost first */
    size_t nmade;
    int done;
    ofile files[MAX_FILES];
    size_t nfiles;
};

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

/* Remove the directories this run created (only those still empty),
 * innermost first. */
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

/* Remove temporaries whose writer process no longer exists. */
/* Remove a scratch directory of ours and the plain files in it. */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            esr_buf p = {0};
            if (!esr_buf_printf(&p, "%s/%s", path, e->d_name))
                unlink(p.data);
            esr_buf_free(&p);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Remove temporary files left in dir by runs that are no longer alive. */
static void sweep_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
            continue;
        long pid = strtol(e->d_name + strlen(TMP_PREFIX), NULL, 10);
        /* EPERM: the process exists but belongs to another user */
        if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
            continue; /* a live run owns it */
        esr_buf p = {0};
        if (!esr_buf_printf(&p, "%s/%s", dir, e->d_name) && unlink(p.data) && errno == EISDIR)
            remove_tree(p.data);
        esr_buf_free(&p);
    }
    closedir(d);
}

/* Create dir (and parents) if needed and check it is writable. */
esr_status outdir_open(const char *dir, esr_outdir **out, esr_err *err)
{
    *out = NULL;
    esr_outdir *d = calloc(1, sizeof *d);
    if (!d || !(d->dir = strdup(dir))) {
        free(d);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    if (mkdir_p(d, dir)) {
        esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create output directory: %s", dir,
                    strerror(errno));
        remove_made(d);
        free(d->dir);
        free(d);
        return ESR_ERR_OUTPUT;
    }
    if (access(dir, W_OK | X_OK)) {
        esr_err_set(err, ESR_ERR_OUTPUT, "%s: output directory is not writable: %s", dir,
                    strerror(errno));
        remove_made(d);
        free(d->dir);
        free(d);
        return ESR_ERR_OUTPUT;
    }
    sweep_stale(dir);
    *out = d;
    return ESR_OK;
}

/* Add output file name to d with a temporary path in its directory; the entry into *f. */
static esr_status add(esr_outdir *d, const char *name, ofile **f, esr_err *err)
{
    if (d->nfiles == MAX_FILES)
        return esr_err_set(err, ESR_ERR_INTERNAL, "too many output files");
    ofile *o = &d->files[d->nfiles];
    esr_buf tmp = {0};
    if (esr_buf_printf(&tmp, "%s/" TMP_PREFIX "%ld-%s.tmp", d->dir, (long)getpid(), name) ||
        !(o->name = strdup(name))) {
        esr_buf_free(&tmp);
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    }
    o->tmp = tmp.data;
    d->nfiles++;
    *f = o;
    return ESR_OK;
}

/* Open a temporary file that becomes dir/name on commit. */
esr_status outdir_file(esr_outdir *d, const char *name, FILE **fp, esr_err *err)
{
    ofile *o = NULL; /* set by add() on success */
    esr_status st = add(d, name, &o, err);
    if (st)
        return st;
    if (!(o->fp = fopen(o->tmp, "wb")))
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
    if (!o->fp && !(o->fp = fopen(o->tmp, "ab")))
        return esr_err_set(err, ESR_ERR_OUTPUT, "%s/%s: cannot reopen: %s", d->dir, name,
                           strerror(errno));
    *fp = o->fp;
    return ESR_OK;
}

/* Reserve a temporary path for a file another library writes. */
esr_status outdir_path(esr_outdir *d, const char *name, const char **tmp, esr_err *err)
{
    ofile *o = NULL; /* set by add() on success */
    esr_status st = add(d, name, &o, err);
    if (!st)
        *tmp = o->tmp;
    return st;
}

/* A private scratch directory inside dir (see outdir.h). */
esr_status outdir_scratch(esr_outdir *d, const char **path, esr_err *err)
{
    if (!d->scratch) {
        esr_buf p = {0};
        if (esr_buf_printf(&p, "%s/" TMP_PREFIX "%ld-scratch.tmp", d->dir, (long)getpid()))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        if (mkdir(p.data, 0700) && errno != EEXIST) {
            esr_err_set(err, ESR_ERR_OUTPUT, "%s: cannot create a scratch directory: %s", p.data,
                        strerror(errno));
            esr_buf_free(&p);
            return ESR_ERR_OUTPUT;
        }
        d->scratch = p.data;
    }
    *path = d->scratch;
    return ESR_OK;
}

/* Remove dir/name on commit (see outdir.h). */
esr_status outdir_drop(esr_outdir *d, const char *name, esr_err *err)
{
    ofile *o = NULL; /* set by add() on success */
    esr_status st = add(d, name, &o, err);
    if (st)
        return st;
    free(o->tmp);
    o->tmp = NULL;
    return ESR_OK;
}

/* Temporary path of a file already registered under name, or NULL. */
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

/* Flush, fsync and close every file (no renames yet). */
esr_status outdir_finish(esr_outdir *d, esr_err *err)
{
    esr_status st = ESR_OK;
    for (size_t i = 0; i < d->nfiles; i++) {
        ofile *o = &d->files[i];
        if (o->fp) {
            int bad = fflush(o->fp) || ferror(o->fp) || fsync(fileno(o->fp));
            int e = errno;
            bad |= fclose(o->fp) != 0;
            o->fp = NULL;
            if (bad && !st)
                st = esr_err_set(err, ESR_ERR_IO, "%s/%s: write failed: %s", d->dir, o->name,
                                 strerror(e ? e : EIO));
        } else if (o->tmp && sync_path(o->tmp, 0) && !st) {
            st = esr_err_set(err, ESR_ERR_IO, "%s/%s: not written: %s", d->dir, o->name,
                             strerror(errno));
        }
    }
    return st;
}

/* Rename every temporary into place, run.json last, then fsync the dir. */
esr_status outdir_commit(esr_outdir *d, esr_err *err)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->nfiles; i++) {
            ofile *o = &d->files[i];
            if ((strcmp(o->name, "run.json") == 0) != pass)
                continue;
            esr_buf final = {0};
            esr_buf_printf(&final, "%s/%s", d->dir, o->name);
            int r = o->tmp ? rename(o->tmp, esr_buf_str(&final))
                           : (unlink(esr_buf_str(&final)) && errno != ENOENT ? -1 : 0);
            esr_buf_free(&final);
            if (r)
                return esr_err_set(err, ESR_ERR_IO, "%s/%s: cannot %s: %s", d->dir, o->name,
                                   o->tmp ? "rename into place" : "remove the previous one",
                                   strerror(errno));
        }
    if (d->scratch)
        remove_tree(d->scratch);
    sync_path(d->dir, 1);
    d->done = 1;
    return ESR_OK;
}

/* Remove the temporaries (and the directories this run created, if empty). */
void outdir_abort(esr_outdir *d)
{
    if (!d || d->done)
        return;
    for (size_t i = 0; i < d->nfiles; i++) {
        if (d->files[i].fp)
            fclose(d->files[i].fp);
        d->files[i].fp = NULL;
        if (d->files[i].tmp)
            unlink(d->files[i].tmp);
    }
    if (d->scratch)
        remove_tree(d->scratch);
    remove_made(d);
    d->done = 1;
}

/* Free the handle (aborting if neither committed nor aborted). */
void outdir_free(esr_outdir *d)
{
    if (!d)
        return;
    outdir_abort(d);
    for (size_t i = 0; i < d->nmade; i++)
        free(d->made[i]);
    free(d->made);
    free(d->scratch);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].tmp);
    }
    free(d->dir);
    free(d);
}
