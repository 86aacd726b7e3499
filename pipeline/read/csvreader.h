/* csvreader.h - libcsv wrapped with what libcsv lacks: physical line
 * numbers, the verbatim text of each record (for rejects.csv), named
 * limits on field size and column count, and a fast path that splits
 * plain one-line records itself, with libcsv's result. Push-style: feed
 * UTF-8 bytes, get one callback per record. */
#ifndef ESR_CSVREADER_H
#define ESR_CSVREADER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

/* Default limits (documented in README "Limits"). */
#define ESR_CSV_MAX_FIELD_BYTES_DEFAULT (1u << 20) /* 1 MiB */
#define ESR_CSV_MAX_COLUMNS_DEFAULT 1024u
#define ESR_CSV_MAX_RAW_BYTES 4096u /* verbatim text kept per record */
/* Physical lines a quoted field may span in an export (--max-field-lines):
 * a field still open past them is a stray quote, not a value. */
#define ESR_CSV_MAX_FIELD_LINES_DEFAULT 3u

typedef struct esr_csv_opts {
    char delim;             /* ',' or '\t' */
    size_t max_field_bytes; /* a larger field rejects its record */
    size_t max_columns;     /* a wider record is rejected */
    size_t max_field_lines; /* a quoted field open past this many lines tears its
                               record (rejected; reading resumes at the line after
                               its first); 0 = no limit (files esrpipe wrote) */
} esr_csv_opts;

/* Why a record could not be split into fields. */
typedef enum esr_row_fault {
    ESR_ROW_OK = 0,
    ESR_ROW_FIELD_TOO_BIG, /* a field exceeded max_field_bytes */
    ESR_ROW_TOO_MANY_COLUMNS,
    ESR_ROW_QUOTE_OPEN, /* a quoted field spans more than max_field_lines lines */
    ESR_ROW_NUL         /* the record holds a NUL byte */
} esr_row_fault;

typedef struct esr_row {
    size_t nfields;
    char **fields; /* NUL-terminated UTF-8; empty when fault is set */
    const size_t *lens;
    uint64_t line;     /* physical line the record starts on (1-based) */
    uint64_t end_line; /* physical line it ends on */
    const char *raw;   /* verbatim text, or NULL if it cannot be told */
    size_t raw_len;
    int raw_truncated; /* raw holds only the first ESR_CSV_MAX_RAW_BYTES */
    esr_row_fault fault;
    uint64_t offset; /* byte the record starts at in the bytes fed, or UINT64_MAX */
} esr_row;

/* Called once per record; return non-zero to stop reading. */
typedef int (*esr_row_fn)(void *ctx, const esr_row *row);

typedef struct esr_csvreader esr_csvreader;

/* Fill opts with the defaults for delimiter delim. */
void csvreader_opts_default(esr_csv_opts *opts, char delim);
/* Create a reader calling fn(ctx, row) per record in *out (NULL on failure);
 * csvreader_free frees it. ESR_ERR_NOMEM when out of memory. */
esr_status csvreader_new(const esr_csv_opts *opts, esr_row_fn fn, void *ctx, esr_csvreader **out);
/* Feed n bytes. Returns ESR_OK, or an error (no memory); stops early (with
 * ESR_OK) once the callback asked to stop. */
esr_status csvreader_feed(esr_csvreader *rd, const char *p, size_t n, esr_err *err);
/* Flush the last record at end of input. */
esr_status csvreader_finish(esr_csvreader *rd, esr_err *err);
/* Feed all of fp (UTF-8; a leading byte-order mark is skipped) and finish,
 * unless the callback asks to stop; name is fp's name in messages. The
 * callback's own failure is the caller's to report. */
esr_status csvreader_read(esr_csvreader *rd, FILE *fp, const char *name, esr_err *err);
/* Read all of fp (UTF-8, delimiter delim, default limits) calling fn(ctx,
 * row) per record, with a reader of its own: csvreader_read for a whole
 * file esrpipe wrote. ESR_ERR_NOMEM, csvreader_read's error, or ESR_OK. */
esr_status csvreader_read_all(FILE *fp, const char *name, char delim, esr_row_fn fn, void *ctx,
                              esr_err *err);
/* Non-zero once the callback asked to stop. */
int csvreader_stopped(const esr_csvreader *rd);
/* Number of physical lines consumed so far. */
uint64_t csvreader_lines(const esr_csvreader *rd);
/* Physical lines read: lines consumed, plus a last one without a newline. */
uint64_t csvreader_physical_lines(const esr_csvreader *rd);
/* Number of NUL bytes seen so far (each rejects its record). */
uint64_t csvreader_nul_bytes(const esr_csvreader *rd);
/* Free the reader. */
void csvreader_free(esr_csvreader *rd);

#endif
