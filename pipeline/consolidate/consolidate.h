/* consolidate.h - `esrpipe consolidate`: many trusts' returns in, one
 * regional return out (return.xlsx, summary.csv, run.json), written
 * atomically. */
#ifndef ESR_CONSOLIDATE_H
#define ESR_CONSOLIDATE_H

#include <stddef.h>

#include "mappings.h"
#include "run.h"
#include "status.h"

typedef struct esr_cons_opts {
    const char *outdir; /* default "output/region" */
    double wait_s;      /* wait this long for another run's lock on outdir (default 0) */
    const char *mappings_dir;
    const esr_mappings *mappings; /* preloaded (borrowed); NULL: load mappings_dir */
    const char *region;           /* NULL: the region of the returns */
    const char *const *returns;   /* return directories */
    size_t nreturns;
    const char *tool_version;
    esr_log_fn log; /* warnings; NULL: none */
    void *log_ctx;
} esr_cons_opts;

/* What a consolidation produced, for the closing message. */
typedef struct esr_cons_result {
    char region[128];
    size_t included, missing, skipped;
} esr_cons_result;

/* Fill opts with the documented defaults. */
void consolidate_opts_default(esr_cons_opts *opts);
/* Consolidate the returns into opts->outdir. On any error nothing in the
 * output directory is created or replaced. res may be NULL. */
esr_status consolidate_run(const esr_cons_opts *opts, esr_cons_result *res, esr_err *err);

#endif
