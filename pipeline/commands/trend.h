/* trend.h - `esrpipe trend`: one organisation's (or region's) returns at
 * several snapshots side by side: trend.csv (every summary cell of the
 * whole return, per snapshot) and trend.xlsx (FTE by profession x support
 * role over time, with a line chart), written atomically. */
#ifndef ESR_TREND_H
#define ESR_TREND_H

#include <stddef.h>

#include "run.h"
#include "status.h"

typedef struct esr_trend_opts {
    const char *outdir;         /* default "output/trend" */
    const char *const *returns; /* return directories, any order */
    size_t nreturns;
    int allow_mixed; /* returns of several organisations in one table */
    const char *tool_version;
} esr_trend_opts;

/* What a trend laid out, for the closing message. */
typedef struct esr_trend_result {
    size_t snapshots, organisations;
} esr_trend_result;

/* Fill opts with the documented defaults. */
void trend_opts_default(esr_trend_opts *opts);
/* Lay the returns out into opts->outdir; res may be NULL. On any error
 * nothing in the output directory is created or replaced. */
esr_status trend_run(const esr_trend_opts *opts, esr_trend_result *res, esr_err *err);

#endif
