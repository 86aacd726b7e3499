/* schema.h - map an export's header names to canonical columns through
 * mappings/columns.csv (case, spaces and punctuation ignored). PII columns
 * are recognised so that they are never read; unknown columns are listed. */
#ifndef ESR_SCHEMA_H
#define ESR_SCHEMA_H

#include "csvreader.h"
#include "mappings.h"
#include "record.h"

typedef struct esr_schema {
    int pos[ESR_COL_COUNT]; /* header index of each canonical column, -1 absent */
    size_t ncols;           /* fields in the header */
    char **header;          /* header names as read */
    int *kind;              /* per header field: an esr_header_kind */
} esr_schema;

/* What a header field is. */
typedef enum esr_header_kind {
    ESR_HEADER_UNKNOWN = 0, /* not in columns.csv: ignored, listed in run.json */
    ESR_HEADER_MAPPED,      /* read as its canonical column */
    ESR_HEADER_PII,         /* personal data: never read */
    ESR_HEADER_DUPLICATE    /* a second alias of a column already mapped: ignored */
} esr_header_kind;

typedef enum esr_schema_kind {
    ESR_SCHEMA_STAFF = 0, /* staff-in-post export: columns of kind "field" */
    ESR_SCHEMA_TRAINING   /* competence export: employee_number + kind "training" */
} esr_schema_kind;

/* Bind the header row of source; a missing required column is an error
 * naming the aliases tried. */
esr_status schema_bind(const esr_mappings *m, const esr_row *header, const char *source,
                       esr_schema_kind kind, esr_schema **out, esr_err *err);
/* Point r->f[] at the trimmed canonical fields of row (modifies row). */
void schema_fill(const esr_schema *s, const esr_row *row, esr_record *r);
/* Free the schema. */
void schema_free(esr_schema *s);

#endif
