/* outdir.h - an output directory published whole or not at all.
 *
 * Every file of a return is written into a fresh staging directory with a
 * random name (mkdtemp) beside DIR, `.<DIR>.esrpipe-XXXXXX`, on DIR's
 * filesystem. When the whole return is written and fsynced it is published
 * in one step: renameat2(RENAME_EXCHANGE) of the staging directory and DIR
 * (or rename(2) when DIR does not exist yet); the previous return is then
 * removed. A reader that opens DIR sees the previous return or the new one,
 * never files of two runs.
 *
 * Anything in DIR that is not one of esrpipe's output files (files the user
 * keeps there, other returns in subdirectories) is moved across into the
 * new DIR just after the swap; but a --split-by-org run drops the
 * organisations' returns an earlier split run wrote that it did not
 * (outdir_removed_returns), so DIR never mixes two nights' organisations.
 *
 * Fallback, where the swap is impossible (the filesystem refuses
 * RENAME_EXCHANGE with EINVAL or ENOSYS; DIR is a mount point; DIR's parent
 * is on another filesystem or not writable; DIR is the current directory,
 * where a swap would strand the caller's shell): the staging directory is made
 * inside DIR, `DIR/.esrpipe-XXXXXX`, and its files are renamed into place
 * one by one under the lock, run.json last, after a marker that lets the
 * next run finish an interrupted publish (roll forward). A reader that does
 * not take the lock can then meet a mix for microseconds; run.json's
 * "outputs" checksums expose it (consolidate refuses such a return).
 *
 * A lock per output directory: flock(2) on `.<DIR>.esrpipe.lock` beside DIR
 * (`DIR/.esrpipe.lock` when DIR's parent is not writable), held from open
 * to free; it holds the holder's pid, host, start time and command for the
 * message a second writer gets. A second writer waits up to wait_s seconds, then fails with
 * ESR_ERR_BUSY (exit 75). Leftovers of killed runs (staging directories,
 * interrupted publishes, temporaries of older esrpipe versions) are cleaned
 * up only while the lock is held.
 *
 * Test hook (tests only): the environment variable ESRPIPE_FAULT holds
 * comma-separated STEP:ACTION items; ACTION is kill (SIGKILL), fail (the
 * step fails with EIO) or sleepN (wait N seconds). Steps: staged (all
 * written, before publishing), exchange (the swap itself), exchanged (just
 * after the swap), carried (after moving the user's entries across, before
 * the old return is removed), removed (the old return removed), per-file
 * (fallback: after the first file is renamed), rename (first run: the
 * rename). `no-exchange` alone makes RENAME_EXCHANGE report EINVAL. */
#ifndef ESR_OUTDIR_H
#define ESR_OUTDIR_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "status.h"

typedef struct esr_outdir esr_outdir;

/* One published file: its path inside the return, size and SHA-256. */
typedef struct esr_output {
    char *file;
    uint64_t bytes;
    char sha256[65];
} esr_output;

/* Take dir's lock (waiting up to wait_s seconds), clean up after killed
 * runs, and make the staging directory (parents of dir are created). */
esr_status outdir_open_wait(const char *dir, double wait_s, const char *command, esr_outdir **out,
                            esr_err *err);
/* outdir_open_wait without waiting, for `run`. */
esr_status outdir_open(const char *dir, esr_outdir **out, esr_err *err);
/* The organisations' returns of an earlier --split-by-org run that the
 * published DIR no longer holds, "A, B" ("" none): a split run publishes
 * DIR with its own organisations only; anything else the user keeps in DIR
 * is carried across. */
const char *outdir_removed_returns(const esr_outdir *d);
/* A return in subdirectory name of parent (--split-by-org), published with it. */
esr_status outdir_sub(esr_outdir *parent, const char *name, esr_outdir **out, esr_err *err);
/* Open a staging file that becomes dir/name on commit. Bytes written
 * through *fp are hashed as they go, for the manifest (a file changed
 * behind the stream is read back instead). *fp has no descriptor (fileno
 * is -1) and cannot seek. */
esr_status outdir_file(esr_outdir *d, const char *name, FILE **fp, esr_err *err);
/* Close file name's stream for now, keeping its temporary (bounds the open
 * files of a run with many returns); outdir_resume reopens it. */
esr_status outdir_park(esr_outdir *d, const char *name, esr_err *err);
/* Reopen a parked file name for appending; its stream into *fp. */
esr_status outdir_resume(esr_outdir *d, const char *name, FILE **fp, esr_err *err);
/* Reserve a staging path for a file another library writes; the path
 * stays valid until the outdir is freed. */
esr_status outdir_path(esr_outdir *d, const char *name, const char **tmp, esr_err *err);
/* A private scratch directory on dir's filesystem for other libraries'
 * temporaries (libxlsxwriter's), so a full disk fails the run instead of
 * hiding in TMPDIR; removed before publishing. */
esr_status outdir_scratch(esr_outdir *d, const char **path, esr_err *err);
/* This run writes no file name: an earlier run's is not carried over. */
esr_status outdir_drop(esr_outdir *d, const char *name, esr_err *err);
/* Staging path of a file already registered under name, or NULL. */
const char *outdir_tmp_of(const esr_outdir *d, const char *name);
/* The directory (for messages). */
const char *outdir_dir(const esr_outdir *d);
/* The "outputs" member of run.json: every file of d and of its
 * subdirectory returns except d's run.json, by name, with its size and
 * SHA-256. Closes those files first; call it while writing run.json. */
esr_status outdir_json_outputs(esr_outdir *d, esr_json *j, esr_err *err);
/* Flush, fsync and close every file (nothing published yet). */
esr_status outdir_finish(esr_outdir *d, esr_err *err);
/* Publish the return (a subdirectory return is published by its parent). */
esr_status outdir_commit(esr_outdir *d, esr_err *err);
/* Remove the staging directory (and the parents this run created). */
void outdir_abort(esr_outdir *d);
/* Free the handle (aborting if not committed) and release the lock. */
void outdir_free(esr_outdir *d);

/* SHA-256 of the file open at fd, from its start, as 64 hex digits;
 * *bytes gets its length. ESR_OK, ESR_ERR_NOMEM, or ESR_ERR_IO (errno
 * says why). */
esr_status outdir_sha256_fd(int fd, uint64_t *bytes, char hex[65]);

/* ESR_ERR_USAGE naming outdir when it is one of the n return directories
 * read, or holds a return (run.json): compare and trend never write over
 * a return. ESR_OK when it is neither, or does not exist yet. */
esr_status outdir_refuse_return(const char *outdir, const char *const *inputs, size_t n,
                                esr_err *err);

#endif
