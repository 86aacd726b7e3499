/* consolidate_xlsx.h - the regional return: what consolidation computed
 * (esr_region), and its workbook (libxlsxwriter, constant_memory): Cover,
 * By organisation, By profession, Data quality, Missing returns.
 * Deterministic: the document time comes from the latest snapshot date. */
#ifndef ESR_CONSOLIDATE_XLSX_H
#define ESR_CONSOLIDATE_XLSX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "consolidate_return.h"
#include "mappings.h"
#include "status.h"

/* How regional headcount is combined (Cover, run.json). */
#define ESR_REGION_HEADCOUNT_NOTE                                                                  \
    "Headcount is summed across organisations: each trust's headcount is de-duplicated within "    \
    "the trust, but a person who works for two trusts is counted once in each, because persons "   \
    "cannot be matched across trusts unless every trust used the same pseudonymisation key. FTE "  \
    "is added exactly."

/* An organisation whose return is included. */
typedef struct esr_region_org {
    const esr_trust_return *ret;
    const char *name; /* from organisations.csv */
    const char *trust_type;
} esr_region_org;

/* A return given but left out, and why. */
typedef struct esr_region_skip {
    const char *org;
    const char *snapshot;
    const char *dir;
    char *reason; /* owned */
} esr_region_skip;

/* An expected organisation of the region that sent nothing. */
typedef struct esr_region_missing {
    const char *org, *name, *trust_type;
} esr_region_missing;

typedef struct esr_region {
    const char *tool_version;
    const char *template_version;
    const char *region;
    const char *snapshot; /* latest snapshot date, or "" */
    int mixed_snapshots;
    time_t created; /* document time */
    const esr_mappings *m;
    const esr_region_org *orgs; /* sorted by ODS code */
    size_t norgs;
    const esr_sumrow *totals; /* regional summary rows, summary.csv order */
    size_t ntotals;
    const esr_region_missing *missing; /* sorted by ODS code */
    size_t nmissing;
    const esr_region_skip *skipped;
    size_t nskipped;
    uint64_t rows_read, in_scope, out_of_scope, rejected;
    long long in_scope_fte_e5;
    const esr_ret_rule *rules; /* findings summed, by count then rule */
    size_t nrules;
} esr_region;

/* Write the regional workbook to path (a temporary name). */
esr_status region_xlsx_write(const char *path, const char *tmpdir, const esr_region *reg,
                             esr_err *err);

#endif
