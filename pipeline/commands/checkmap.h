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
 * line in report. The last class: VERSION records the tables' checksum
 * (a line "sha256 HEX" under the version), so a table edited without a
 * new version fails. */
esr_status checkmap_run(const char *dir, esr_buf *report, size_t *nerrors);
/* The classes of checkmap_run but the VERSION one. */
esr_status checkmap_tables(const char *dir, esr_buf *report, size_t *nerrors);
/* Bump dir/VERSION when the tables' checksum is not the one it records:
 * the last number of the version goes up by one (2026.11.1 -> 2026.11.2)
 * and the checksum is recorded; written atomically. from and to (n bytes
 * each) receive the versions, equal when nothing needed doing. */
esr_status checkmap_bump(const char *dir, char *from, char *to, size_t n, esr_err *err);

#endif
