/* stage.h - the pipeline's stages run one at a time as Unix filters over
 * CSV, so a data team can look at what each step did (DESIGN.md: "every
 * stage can also run alone"):
 *
 *   schema     an export (gzip or not, any encoding)  -> canonical.csv
 *   classify   canonical.csv                          -> classified.csv
 *   aggregate  classified.csv                         -> summary.csv
 *
 * canonical.csv: source_file, source_line, read_fault, read_fault_detail,
 * then every staff-export column under its canonical name (mappings/
 * columns.csv), trimmed UTF-8; personal-data columns are never read.
 * classified.csv: scope (in, out, rejected), reason, reason_detail, then
 * the records.csv columns, one row per input row. Fields are written
 * exactly (no formula neutralising): these files feed the next stage.
 * `esrpipe run` makes the same decisions through decide_row (decide.h), and
 * schema | classify | aggregate gives run's summary.csv byte for byte. */
#ifndef ESR_STAGE_H
#define ESR_STAGE_H

#include <stdio.h>

#include "classify.h"
#include "mappings.h"
#include "record.h"
#include "source.h"
#include "status.h"
#include "training.h"
#include "validate.h"

typedef struct esr_stage_opts {
    const esr_mappings *m;
    esr_classify_mode mode;       /* classify */
    const char *org;              /* classify: organisation code for rows without one */
    const esr_training *training; /* classify: a loaded competence export, or NULL */
    esr_source_opts source;       /* schema: how the export is read */
    size_t max_field_bytes;       /* schema: reject a row with a larger field */
    size_t max_columns;           /* schema: reject a row with more fields */
} esr_stage_opts;

/* Fill opts with run's defaults (m stays NULL: the caller loads it). */
void stage_opts_default(esr_stage_opts *opts);
/* schema: read the export at path and write canonical.csv to out. */
esr_status stage_schema(const esr_stage_opts *o, const char *path, FILE *out, esr_err *err);
/* classify: canonical.csv from in (named name in messages) to classified.csv on out. */
esr_status stage_classify(const esr_stage_opts *o, FILE *in, const char *name, FILE *out,
                          esr_err *err);
/* aggregate: classified.csv from in to summary.csv on out. */
esr_status stage_aggregate(const esr_stage_opts *o, FILE *in, const char *name, FILE *out,
                           esr_err *err);

#endif
