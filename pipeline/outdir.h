/* outdir.h - an output directory written atomically: every file goes to a
 * temporary name in the directory and is renamed into place only when the
 * whole run has succeeded (run.json last). On failure the temporaries are
 * removed and the previous return stays as it was; temporaries left by a
 * killed run are removed by the next run. */
#ifndef ESR_OUTDIR_H
#define ESR_OUTDIR_H

#include <stdio.h>

#include "status.h"

typedef struct esr_outdir esr_outdir;

/* Create dir (and parents) if needed and check it is writable. */
esr_status outdir_open(const char *dir, esr_outdir **out, esr_err *err);
/* Open a temporary file that becomes dir/name on commit. */
esr_status outdir_file(esr_outdir *d, const char *name, FILE **fp, esr_err *err);
/* Close file name's stream for now, keeping its temporary (bounds the open
 * files of a run with many returns); outdir_resume reopens it. */
esr_status outdir_park(esr_outdir *d, const char *name, esr_err *err);
/* Reopen a parked file name for appending; its stream into *fp. */
esr_status outdir_resume(esr_outdir *d, const char *name, FILE **fp, esr_err *err);
/* Reserve a temporary path for a file another library writes; the path
 * stays valid until the outdir is freed. */
esr_status outdir_path(esr_outdir *d, const char *name, const char **tmp, esr_err *err);
/* A private scratch directory inside dir, for temporaries another library
 * makes (libxlsxwriter's): on dir's own filesystem, so a full disk fails
 * the run instead of hiding in TMPDIR; removed with the temporaries. */
esr_status outdir_scratch(esr_outdir *d, const char **path, esr_err *err);
/* Remove dir/name, left by an earlier run, when this run commits: its
 * output no longer includes that file. */
esr_status outdir_drop(esr_outdir *d, const char *name, esr_err *err);
/* Temporary path of a file already registered under name, or NULL. */
const char *outdir_tmp_of(const esr_outdir *d, const char *name);
/* The directory (for messages). */
const char *outdir_dir(const esr_outdir *d);
/* Flush, fsync and close every file (no renames yet). */
esr_status outdir_finish(esr_outdir *d, esr_err *err);
/* Rename every temporary into place, run.json last, then fsync the dir. */
esr_status outdir_commit(esr_outdir *d, esr_err *err);
/* Remove the temporaries (and the directory if this run created it empty). */
void outdir_abort(esr_outdir *d);
/* Free the handle (aborting if neither committed nor aborted). */
void outdir_free(esr_outdir *d);

#endif
