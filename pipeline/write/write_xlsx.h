/* write_xlsx.h - the return workbook (libxlsxwriter, constant_memory):
 * Cover, Support workforce, By profession
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
    uint64_t blank_lines;  /* rows of empty fields (",,,,"): skipped, not rows */
    uint64_t title_lines;  /* lines above the header row: skipped */
    uint64_t header_line;  /* physical line of the header row */
    const char *delimiter; /* "comma", "semicolon", "tab", "pipe" */
    uint64_t lines;        /* physical lines read (a row may span several) */
    uint64_t nul_bytes;    /* NUL bytes found (each rejects its row) */
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
    const char *pseudonymised;   /* "yes (HMAC-SHA-256)" or "no" */
    const char *full_time_hours; /* weekly hours of one FTE, for FTE from contracted hours */
    const char *titles_name;     /* --titles file, "" none */
    const char *titles_sha256;
    const esr_input_meta *inputs;
    size_t ninputs;
} esr_return_meta;

/* What the workbook is built from, besides the typed feed of the return's
 * records and rejects (xlsx_feed): the aggregates and the run's facts.
 * xlsx_open reads only m, org, max_sheet_rows and tmpdir; xlsx_close takes
 * the complete inputs. */
typedef struct esr_xlsx_in {
    const esr_return_meta *meta;
    esr_aggregate *agg;
    const char *org; /* "" = every organisation */
    const esr_mappings *m;
    uint64_t max_sheet_rows;      /* row cap for the long sheets; 0 = none */
    const esr_training *training; /* joined competence export, or NULL */
    const char *tmpdir;           /* where libxlsxwriter keeps its temporaries */
    const char *display;          /* the workbook's final path, for messages */
} esr_xlsx_in;

typedef struct esr_xlsx esr_xlsx;

/* Start a workbook at path (a temporary name): sheets, formats, the
 * Support workforce header. The creator owns *out: xlsx_close or xlsx_free. */
esr_status xlsx_open(const char *path, const esr_xlsx_in *in, esr_xlsx **out, esr_err *err);
/* Feed the next n bytes of the typed feed (frames of records_pack and
 * records_pack_reject, in input order; a frame may be split between feeds):
 * records to the Support workforce sheet, their findings and the rejects
 * to the Data quality list. *enough (if given) turns non-zero once the
 * sheet and both lists are past max_sheet_rows: later frames cannot change
 * them. A malformed frame is ESR_ERR_INTERNAL. */
esr_status xlsx_feed(esr_xlsx *x, const char *p, size_t n, int *enough, esr_err *err);
/* Write the other sheets from the complete in, close the workbook and free x. */
esr_status xlsx_close(esr_xlsx *x, const esr_xlsx_in *in, esr_err *err);
/* Abandon x (NULL is fine): nothing more is written. */
void xlsx_free(esr_xlsx *x);

#endif
