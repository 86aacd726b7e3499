/* write_xlsx.h - the return workbook (libxlsxwriter, constant_memory),
 * built when the run is complete: Cover, Support workforce, By profession
 * (with a stacked bar chart), By band, Area of work, Job titles, Training,
 * Data quality, and a hidden Lists sheet behind the drop-downs.
 * Deterministic: the document time comes from the snapshot date. */
#ifndef ESR_WRITE_XLSX_H
#define ESR_WRITE_XLSX_H

#include <stdint.h>
#include <time.h>

#include "aggregate.h"
#include "mappings.h"
#include "records.h"
#include "status.h"
#include "training.h"

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
    const char *org_code; /* "" when the return covers several */
    const char *org_name;
    const char *region;
    const char *snapshot; /* YYYY-MM-DD or "" */
    time_t created;       /* document time */
    const char *mapping_version;
    const char *mapping_sha256;
    const char *classify_mode;
    const char *pseudonymised; /* "yes (HMAC-SHA-256)" or "no" */
    const esr_input_meta *inputs;
    size_t ninputs;
} esr_return_meta;

/* What the workbook is built from: the finished records.csv and
 * rejects.csv of the return, and the aggregates. */
typedef struct esr_xlsx_in {
    const esr_return_meta *meta;
    esr_aggregate *agg;
    const char *org; /* "" = every organisation */
    const esr_mappings *m;
    const char *records_csv;      /* path of the complete records.csv */
    const char *rejects_csv;      /* path of the complete rejects.csv */
    uint64_t max_sheet_rows;      /* row cap for the long sheets; 0 = none */
    const esr_training *training; /* joined competence export, or NULL */
    const char *tmpdir;           /* where libxlsxwriter keeps its temporaries */
    const char *display;          /* the workbook's final path, for messages */
} esr_xlsx_in;

/* Write the whole workbook to path (a temporary name). */
esr_status xlsx_write(const char *path, const esr_xlsx_in *in, esr_err *err);

#endif
