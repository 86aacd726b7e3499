/* schema.h - map an export's header names to canonical columns through
 * mappings/columns.csv (case, spaces and punctuation ignored). PII columns
 * are recognised so that they are never read; unknown columns are listed. */
#ifndef ESR_SCHEMA_H
#define ESR_SCHEMA_H

#include "buf.h"
#include "csvreader.h"
#include "mappings.h"
#include "record.h"
#include "source.h"

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
    ESR_HEADER_PII          /* personal data: never read (a second column for one
                               canonical column is an error: schema_bind) */
} esr_header_kind;

typedef enum esr_schema_kind {
    ESR_SCHEMA_STAFF = 0, /* staff-in-post export: columns of kind "field" */
    ESR_SCHEMA_TRAINING   /* competence export: employee_number + kind "training" */
} esr_schema_kind;

/* Lines searched for the header row (title lines of BI reports above it). */
#define ESR_SNIFF_LINES 20
/* Bytes of the input's start kept for the search. */
#define ESR_SNIFF_BYTES 65536u

/* Where the header row is and how fields are separated. */
typedef struct esr_sniff {
    char delim;           /* ',', ';', '\t' or '|' (or the one given) */
    uint64_t header_line; /* 1-based physical line of the header row */
    int found;            /* that row names the required staff columns */
    size_t mapped;        /* canonical columns it maps */
    char tried[64];       /* the delimiters tried, for messages ("comma, semicolon...") */
    char first_line[200]; /* line 1 for messages: its text (capped, control characters
                             escaped) when it names a column, else only its shape */
} esr_sniff;

/* Find the header row among the first ESR_SNIFF_LINES lines of text: the
 * first row that maps the required staff columns through columns.csv, with
 * comma, semicolon, tab or pipe (on the same row: the delimiter mapping most
 * columns). delim 0 tries them all; header_line 0 searches. When no row
 * fits, *out names the row mapping most columns (found = 0). ESR_OK or
 * ESR_ERR_NOMEM (then *out is not to be used). */
esr_status schema_sniff(const esr_mappings *m, const char *text, size_t n, char delim,
                        uint64_t header_line, esr_sniff *out);
/* Read the start of src (up to ESR_SNIFF_BYTES, or ESR_SNIFF_LINES lines)
 * into head, which the caller feeds to its reader first, and sniff it.
 * *eof: src is at its end (do not read it again). */
esr_status schema_sniff_source(const esr_mappings *m, esr_source *src, char delim,
                               uint64_t header_line, esr_buf *head, int *eof, esr_sniff *out,
                               esr_err *err);
/* Name of a delimiter ("comma", "semicolon", "tab", "pipe", else the character). */
const char *schema_delim_name(char delim, char buf[4]);
/* Parse a delimiter name or a single character; 0 if not one. */
char schema_delim_parse(const char *s);
/* The columns.csv row of an alias that the unknown header name h is close
 * to (edit distance at most 2, or h starting or ending with the alias), for
 * a staff column s has not bound; -1 when none. */
int schema_near_miss(const esr_mappings *m, const esr_schema *s, const char *h);

/* Bind the header row of source; a missing required column is an error
 * naming the aliases tried, and so are two columns for one canonical column
 * (two FTE columns: which holds the figures cannot be told from the
 * header, so the error names both; remove or rename one). */
esr_status schema_bind(const esr_mappings *m, const esr_row *header, const char *source,
                       esr_schema_kind kind, esr_schema **out, esr_err *err);
/* Point r->f[] at the trimmed canonical fields of row (modifies row). */
void schema_fill(const esr_schema *s, const esr_row *row, esr_record *r);
/* The trimmed text of canonical column col in row, "" if the export has
 * none (modifies row): one column of schema_fill. */
const char *schema_text(const esr_schema *s, const esr_row *row, int col);
/* Free the schema. */
void schema_free(esr_schema *s);

#endif
