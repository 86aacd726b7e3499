/* compare.h - `esrpipe compare`: what changed between two returns (a month
 * apart, or before and after a mapping edit). Summary cells that moved
 * (changes.csv), assignments that joined, left or changed a field
 * (moves.csv), compare.xlsx and compare.json, written atomically. Records
 * are matched by organisation and assignment number (or pseudonym) through
 * an index of the base return's records: a 64-bit key hash, a 64-bit hash
 * of the compared fields and the record's offset in records.csv, so memory
 * grows by 24 bytes (plus index slots) per in-scope record of the base and
 * per record new in the new return. An unmatched record on either side is
 * looked up in the other return's out_of_scope.csv, streamed once both
 * records.csv are read: a move into or out of scope, with the reason, not a
 * joiner or leaver. */
#ifndef ESR_COMPARE_H
#define ESR_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "consolidate_return.h"
#include "run.h"
#include "status.h"

/* The records.csv columns compare reports, in moves.csv order. */
#define ESR_COMPARE_FIELDS 17
extern const char *const esr_compare_fields[ESR_COMPARE_FIELDS];

/* What one compare found. */
typedef struct esr_compare_counts {
    uint64_t joiners, leavers, moved_records, moves, cells_changed;
    uint64_t scope_in;                     /* in scope now, out of scope in the base */
    uint64_t scope_out;                    /* in scope in the base, out of scope now */
    int scope_known;                       /* both returns have out_of_scope.csv: leavers and
                         * joiners exclude scope changes */
    uint64_t by_field[ESR_COMPARE_FIELDS]; /* moves per compared field */
    uint64_t unkeyed_base, unkeyed_new;    /* records without an assignment number */
} esr_compare_counts;

typedef struct esr_compare_opts {
    const char *outdir; /* default "output/compare" */
    const char *base_dir, *new_dir;
    const char *tool_version;
    uint64_t max_sheet_rows; /* rows on the two record sheets (default 100000, 0 = all) */
    int allow_mixed;         /* compare returns of two organisations (or regions) */
    esr_log_fn log;          /* warnings; NULL: none */
    void *log_ctx;
} esr_compare_opts;

/* Fill opts with the documented defaults. */
void compare_opts_default(esr_compare_opts *opts);
/* Compare the two returns into opts->outdir; counts may be NULL. On any
 * error nothing in the output directory is created or replaced. */
esr_status compare_run(const esr_compare_opts *opts, esr_compare_counts *counts, esr_err *err);

/* ---- the diff logic, exposed for its unit tests ---------------------- */

/* One summary cell in either return, and its figures in both. */
typedef struct esr_cell_change {
    const esr_sumrow *cell; /* the new return's row, else the base's */
    long long base_fte_e5, new_fte_e5;
    uint64_t base_headcount, new_headcount;
} esr_cell_change;

/* Merge two summaries sorted by sumrow_org_cmp; every cell whose FTE or
 * headcount differs (a cell missing on one side counts 0 there) goes to
 * out, which holds na + nb entries. Returns how many. */
size_t compare_cells(const esr_sumrow *a, size_t na, const esr_sumrow *b, size_t nb,
                     esr_cell_change *out);

/* The base return's records: key hash -> (field hash, offset, matched). */
typedef struct esr_recindex {
    struct esr_recentry *e;
    size_t n, cap;
    uint32_t *slot; /* entry index + 1; 0 = empty */
    size_t nslots;  /* a power of two */
} esr_recindex;

typedef struct esr_recentry {
    uint64_t key, fields;
    uint64_t offset; /* top bits: matched by a new record, out of scope there */
} esr_recentry;

#define ESR_RECINDEX_MATCHED (1ULL << 63)
#define ESR_RECINDEX_OUT (1ULL << 62)          /* out of scope in the other return */
#define ESR_RECINDEX_REASON_SHIFT 56           /* bits 56-61: the reason's index */
#define ESR_RECINDEX_OFFSET ((1ULL << 56) - 1) /* the bits of the offset */

/* Add a record: 1 added, 0 its key is there already, -1 no memory. An int,
 * not an esr_status, because it has three results and callers branch on
 * the first two; -1 is the only error (ESR_ERR_NOMEM). */
int recindex_add(esr_recindex *x, uint64_t key, uint64_t fields, uint64_t offset);
/* The entry of key, or NULL. */
esr_recentry *recindex_find(const esr_recindex *x, uint64_t key);
/* Free the storage. */
void recindex_free(esr_recindex *x);

#endif
