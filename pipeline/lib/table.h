/* table.h - a mapping table: a small UTF-8 CSV with a header row, loaded
 * whole, each row remembering its line for file:line messages. */
#ifndef ESR_TABLE_H
#define ESR_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

typedef struct esr_table_row {
    uint64_t line;
    char **fields; /* ncols entries, "" where the row is short */
} esr_table_row;

typedef struct esr_table {
    char *path;
    size_t ncols;
    char **header;
    size_t nrows;
    esr_table_row *rows;
} esr_table;

/* Largest mapping table file (the biggest shipped is well under 1 MiB). */
#define ESR_TABLE_MAX_BYTES (64u << 20)
/* Open a mapping file for reading, refusing without blocking anything but
 * a regular file of at most ESR_TABLE_MAX_BYTES (a FIFO, a device such as
 * /dev/zero, a directory); errno stays ENOENT for a missing file. */
esr_status table_fopen(const char *path, FILE **fp, esr_err *err);
/* Load path; error names file and line. The caller frees with table_free. */
esr_status table_load(const char *path, esr_table **out, esr_err *err);
/* Index of column name, or -1. */
int table_col(const esr_table *t, const char *name);
/* Check that every named column exists (NULL-terminated list). */
esr_status table_require(const esr_table *t, const char *const *cols, esr_err *err);
/* Field of row r in column c ("" if c < 0). */
const char *table_get(const esr_table *t, size_t r, int c);
/* Free the table. */
void table_free(esr_table *t);

#endif
