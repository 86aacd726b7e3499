/* run.h - `esrpipe run`: chain source -> csv reader -> schema -> validate
 * -> classify -> aggregate -> writers over every input, then commit the
 * return(s) atomically. */
#ifndef ESR_RUN_H
#define ESR_RUN_H

#include <stddef.h>

#include "classify.h"
#include "learn.h"
#include "csvreader.h"
#include "schema.h"
#include "source.h"
#include "status.h"

#define ESR_TEMPLATE_VERSION "1"
#define ESR_MAX_REJECT_PCT_DEFAULT 5.0
/* Rows on the Support workforce and Data quality sheets (records.csv always
 * has every row): a trust's return fits whole; a national one stays a
 * workbook Excel opens quickly (see bench/README.md for the measurement). */
#define ESR_MAX_SHEET_ROWS_DEFAULT 100000ULL

/* Where human messages go (the CLI prints them; the library never does). */
typedef void (*esr_log_fn)(void *ctx, const char *msg);

/* Progress of a long run, for a progress line on a terminal. */
typedef struct esr_progress {
    const char *source;          /* file being read */
    unsigned long long rows;     /* rows read so far, all files */
    unsigned long long consumed; /* bytes of this file read from disk */
    unsigned long long size;     /* bytes of this file on disk */
    double elapsed_ms;           /* since the run started */
    int done;                    /* last call: clear the line */
} esr_progress;

typedef void (*esr_progress_fn)(void *ctx, const esr_progress *p);

/* Every data row once its fate is decided (read through schema s): for
 * `esrpipe explain`. */
typedef void (*esr_record_fn)(void *ctx, const esr_record *r, const esr_schema *s);

typedef struct esr_run_opts {
    const char *outdir;
    double wait_s; /* wait this long for another run's lock on outdir (default 0) */
    const char *mappings_dir;
    const struct esr_mappings *mappings; /* preloaded (borrowed); NULL: load mappings_dir */
    const char *org;                     /* organisation code for rows without one */
    const char *snapshot;                /* YYYY-MM-DD; NULL: from the file name */
    esr_classify_mode mode;
    double max_reject_pct;
    int split_by_org;
    int dry_run;                       /* read and check only: write nothing */
    int no_workbook;                   /* CSV outputs and run.json only, no return.xlsx */
    const char *training;              /* competence export to join; NULL = none */
    const char *titles;                /* --titles: the trust's own job titles table; NULL = none */
    int no_learn;                      /* evidence mode: do not learn titles from coded rows */
    esr_learn_opts learn;              /* --learn-min-rows, --learn-agreement, --learn-max-titles */
    const char *pseudonymise_key;      /* key file: HMAC-SHA-256 pseudonyms; NULL = off */
    unsigned long long max_sheet_rows; /* workbook row cap for long sheets; 0 = none */
    esr_source_opts source;            /* source.delim: --delimiter (0 = sniff) */
    unsigned long long header_line;    /* --header-line N (0 = the first row naming the columns) */
    long long full_time_hours_e5;      /* --full-time-hours, units of 0.00001 (0 = 37.5) */
    size_t max_field_bytes;
    size_t max_columns;
    size_t max_field_lines; /* lines a quoted field may span (--max-field-lines) */
    long long max_fte_e5;   /* FTE above this is rejected (--max-fte) */
    const char *const *inputs;
    size_t ninputs;
    const char *tool_version;
    esr_log_fn log;
    void *log_ctx;
    esr_progress_fn progress_fn; /* called about twice a second; NULL = none */
    void *progress_ctx;
    esr_record_fn record_fn; /* called for every data row; NULL = none */
    void *record_ctx;
} esr_run_opts;

/* Fill opts with the documented defaults. */
void run_opts_default(esr_run_opts *opts);
typedef struct esr_run_counts {
    unsigned long long read, in_scope, out_of_scope, rejected;
} esr_run_counts;

/* Run the pipeline. On any error nothing in outdir is created or replaced.
 * counts (may be NULL) receives the row accounting. */
esr_status run_pipeline(const esr_run_opts *opts, esr_run_counts *counts, esr_err *err);

#endif
