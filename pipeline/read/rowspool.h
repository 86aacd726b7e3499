/* rowspool.h - rows as read, kept in an unlinked scratch file for a second pass.
 *
 * Evidence mode learns titles from every coded row before it decides any
 * row. The export is read (inflated, decoded, split into fields) once; its
 * rows go here as they are split, and the deciding pass reads them back
 * instead of reading the export again.
 *
 * Only what a run may use is written: a field of a column the schema maps
 * verbatim; any other field (personal data, a column not mapped, every
 * field of a row not aligned with the header) as blank or
 * ESR_ROWSPOOL_MASK, so a row still reads as blank or not (rejects.csv
 * masks those columns whatever they hold). No personal data reaches the
 * disk. The file is unlinked as soon as it is made: nothing is left behind,
 * whatever happens to the process. */
#ifndef ESR_ROWSPOOL_H
#define ESR_ROWSPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "csvreader.h"
#include "schema.h"
#include "status.h"

#define ESR_ROWSPOOL_MASK "x" /* a field not kept, that was not blank */

typedef struct esr_rowspool esr_rowspool;

/* Make an empty spool in directory dir into *out (messages name it name:
 * the directory the user gave); rowspool_close frees it. ESR_OK,
 * ESR_ERR_NOMEM, or ESR_ERR_OUTPUT (the file cannot be made). */
esr_status rowspool_open(const char *dir, const char *name, esr_rowspool **out, esr_err *err);
/* Append row, read under schema: a field verbatim when schema is NULL, or
 * when the row has the header's fields and schema maps its column; else
 * blank or ESR_ROWSPOOL_MASK. ESR_OK, ESR_ERR_NOMEM or ESR_ERR_IO (err
 * names the directory: a full disk). */
esr_status rowspool_put(esr_rowspool *s, const esr_row *row, const esr_schema *schema,
                        esr_err *err);
/* Finish writing; the rows are then read back from the first. */
esr_status rowspool_rewind(esr_rowspool *s, esr_err *err);
/* The next row into *row, valid until the next call (no raw text, offset
 * UINT64_MAX). ESR_OK; ESR_ERR_IO when the file ends first (the caller
 * knows how many rows it wrote) or cannot be read; ESR_ERR_NOMEM. */
esr_status rowspool_next(esr_rowspool *s, esr_row *row, esr_err *err);
/* Bytes written; after rowspool_rewind, bytes read back so far. */
uint64_t rowspool_bytes(const esr_rowspool *s);
uint64_t rowspool_read_bytes(const esr_rowspool *s);
/* Close and free s (NULL is fine). */
void rowspool_close(esr_rowspool *s);

#endif
