/* write_xlsx.h - the return workbook (libxlsxwriter, constant_memory):
 * Cover, Support workforce (streamed row by row), By profession (with a
 * stacked bar chart). Deterministic: the document time comes from the
 * snapshot date, never the clock. */
#ifndef ESR_WRITE_XLSX_H
#define ESR_WRITE_XLSX_H

#include <stdint.h>
#include <time.h>

#include "aggregate.h"
#include "mappings.h"
#include "records.h"
#include "status.h"

typedef struct esr_input_meta {
    const char *name;
    uint64_t bytes;
    const char *sha256;
    const char *encoding;
    int gzip;
    uint64_t rows;
} esr_input_meta;

typedef struct esr_return_meta {
    const char *tool_version;
    const char *template_version;
    const char *org_code;      /* "" when the return covers several */
    const char *org_name;
    const char *region;
    const char *snapshot;      /* YYYY-MM-DD or "" */
    time_t created;            /* document time */
    const char *mapping_version;
    const char *mapping_sha256;
    const char *classify_mode;
    const char *pseudonymised; /* "yes (HMAC-SHA-256)" or "no" */
    const esr_input_meta *inputs;
    size_t ninputs;
} esr_return_meta;

typedef struct esr_xlsx esr_xlsx;

/* Start a workbook at path (a temporary name). */
esr_status xlsx_open(const char *path, const char *tmpdir, esr_xlsx **out, esr_err *err);
/* Append one Support workforce row. */
esr_status xlsx_record(esr_xlsx *x, const esr_rendered *row, esr_err *err);
/* Write Cover and By profession for org ("" = all) and close the file. */
esr_status xlsx_close(esr_xlsx *x, const esr_return_meta *meta, esr_aggregate *agg,
                      const char *org, const esr_mappings *m, esr_err *err);
/* Free without writing (on failure). */
void xlsx_free(esr_xlsx *x);

#endif
