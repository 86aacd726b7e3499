/* consolidate_return.h - one trust's return directory, as `esrpipe run`
 * wrote it, read back and checked for consolidation: run.json (the keys a
 * regional return needs), summary.csv (the organisation's block) and
 * records.csv (rows and unmapped titles, streamed). The creator owns it;
 * trustret_free frees it. */
#ifndef ESR_CONSOLIDATE_RETURN_H
#define ESR_CONSOLIDATE_RETURN_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "consolidate_json.h"
#include "csvreader.h"
#include "status.h"
#include "table.h"

/* One row of summary.csv (strings point into the loaded table). */
typedef struct esr_sumrow {
    esr_dim dim;
    const char *profession; /* "" = all */
    const char *role;       /* "" = all */
    const char *key;        /* band or area of work; "" for profession_role */
    long long fte_e5;
    uint64_t headcount;
    const char *org; /* org_code as written in summary.csv ("" = totals) */
} esr_sumrow;

/* qsort order of summary rows: dimension, profession, role, key ("" first). */
int sumrow_cmp(const void *x, const void *y);
/* qsort order of summary rows of several blocks: org_code, then sumrow_cmp. */
int sumrow_org_cmp(const void *x, const void *y);

/* How trustret_read reads a return beyond what consolidation needs. */
typedef struct esr_ret_read {
    /* also a regional return (esrpipe consolidate) or a return of several
     * organisations; then every summary.csv row is kept, with its org_code */
    int any_return;
    /* every records.csv row, the header first (row->offset: where it
     * starts); a non-zero status stops the read with the callback's err */
    esr_status (*on_record)(void *ctx, const esr_row *row, esr_err *err);
    void *ctx;
} esr_ret_read;

typedef struct esr_ret_input {
    const char *name;
    uint64_t bytes;
    const char *sha256;
} esr_ret_input;

typedef struct esr_ret_rule {
    const char *id;
    const char *severity;
    uint64_t count;
    long long fte_e5;
} esr_ret_rule;

typedef struct esr_trust_return {
    char *dir;            /* as given */
    const char *org;      /* ODS code */
    const char *snapshot; /* YYYY-MM-DD or "" */
    const char *tool;
    const char *template_version;
    const char *mapping_version;
    const char *mapping_sha256;
    const char *classify_mode;
    const char *command;       /* "run", or "consolidate" for a regional return */
    const char *region;        /* a regional return's region, else "" */
    const char *pseudonym_key; /* key fingerprint, "" for none, NULL if not recorded */
    esr_ret_input *inputs;
    size_t ninputs;
    uint64_t rows_read, in_scope, out_of_scope, rejected;
    long long in_scope_fte_e5;
    esr_ret_rule *rules; /* findings_by_rule, in file order */
    size_t nrules;
    esr_sumrow *rows; /* the organisation's summary.csv block, sorted */
    size_t nrows;
    char summary_sha256[65];
    uint64_t records; /* records.csv data rows */
    uint64_t rejects; /* rejects.csv data rows, when rejects_seen */
    int rejects_seen;
    uint64_t outscope_rows; /* out_of_scope.csv data rows, when outscope_seen */
    int outscope_seen;
    uint64_t unmapped;    /* of which title_match is "none" */
    char warning[512];    /* a consistency warning, or "" */
    int verified;         /* every file checked against run.json's "outputs" */
    int has_out_of_scope; /* a trust return with out_of_scope.csv (an earlier
                           * esrpipe did not write it) */

    cjson_doc *run_json; /* owners of the strings above */
    esr_table *summary;
    const esr_ret_read *how; /* NULL: as consolidation reads it */
} esr_trust_return;

/* Check the files of the return in dir against the "outputs" list of its
 * run.json (root): each listed file present with that size and SHA-256,
 * and no return file (return.xlsx, records.csv, summary.csv, rejects.csv,
 * out_of_scope.csv) present but unlisted. ESR_ERR_INPUT_FORMAT naming the
 * file when a file differs: files of two runs, or changed since. A run.json without
 * "outputs" (an earlier esrpipe) cannot be checked: *verified = 0, ESR_OK. */
esr_status return_verify(const char *dir, const cjson_node *root, int *verified, esr_err *err);

/* Read and check the return in dir. Errors name the directory and file:
 * ESR_ERR_INPUT_MISSING (dir absent), ESR_ERR_INPUT_FORMAT (a file missing
 * or unreadable, a file other than run.json lists (return_verify), template
 * version other than template_version, more than one organisation),
 * ESR_ERR_IO, ESR_ERR_NOMEM. A return replaced while being read is read
 * again. A return without the list gets a warning. */
esr_status trustret_load(const char *dir, const char *template_version, esr_trust_return **out,
                         esr_err *err);
/* trustret_load, and as how says (NULL: the same as trustret_load). */
esr_status trustret_read(const char *dir, const char *template_version, const esr_ret_read *how,
                         esr_trust_return **out, esr_err *err);
/* Stream the out_of_scope.csv of r (has_out_of_scope) to on_row, the
 * header first; a non-zero status from on_row stops the read with it. */
esr_status trustret_out_of_scope(const esr_trust_return *r,
                                 esr_status (*on_row)(void *ctx, const esr_row *row, esr_err *err),
                                 void *ctx, esr_err *err);
/* Free the return. */
void trustret_free(esr_trust_return *r);

#endif
