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
} esr_sumrow;

/* qsort order of summary rows: dimension, profession, role, key ("" first). */
int sumrow_cmp(const void *x, const void *y);

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
    esr_ret_input *inputs;
    size_t ninputs;
    uint64_t rows_read, in_scope, out_of_scope, rejected;
    long long in_scope_fte_e5;
    esr_ret_rule *rules; /* findings_by_rule, in file order */
    size_t nrules;
    esr_sumrow *rows; /* the organisation's summary.csv block, sorted */
    size_t nrows;
    char summary_sha256[65];
    uint64_t records;  /* records.csv data rows */
    uint64_t unmapped; /* of which title_match is "none" */
    char warning[512]; /* a consistency warning, or "" */

    cjson_doc *run_json; /* owners of the strings above */
    esr_table *summary;
} esr_trust_return;

/* Read and check the return in dir. Errors name the directory and file:
 * ESR_ERR_INPUT_MISSING (dir absent), ESR_ERR_INPUT_FORMAT (a file missing
 * or unreadable, template version other than template_version, more than
 * one organisation), ESR_ERR_IO, ESR_ERR_NOMEM. */
esr_status trustret_load(const char *dir, const char *template_version, esr_trust_return **out,
                         esr_err *err);
/* Free the return. */
void trustret_free(esr_trust_return *r);

#endif
