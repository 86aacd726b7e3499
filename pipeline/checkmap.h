/* checkmap.h - `esrpipe check-mappings`: validate every table in a
 * mappings directory. Checks run in classes (tables readable with their
 * columns; keys unique and well formed; targets in the controlled
 * vocabularies; no title key normalising to two targets; no abbreviation
 * cycles); the first class with errors reports all of them as file:line. */
#ifndef ESR_CHECKMAP_H
#define ESR_CHECKMAP_H

#include "buf.h"
#include "status.h"

/* Check dir; ESR_OK, or ESR_ERR_MAPPING with one "file:line: message" per
 * line in report. */
esr_status checkmap_run(const char *dir, esr_buf *report, size_t *nerrors);

#endif
