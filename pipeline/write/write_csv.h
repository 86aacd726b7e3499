/* write_csv.h - the CSV sidecars: records.csv rows, summary.csv (long
 * format), rejects.csv (verbatim rows with file, line and reason). */
#ifndef ESR_WRITE_CSV_H
#define ESR_WRITE_CSV_H

#include <stdio.h>

#include "aggregate.h"
#include "csvreader.h"
#include "records.h"
#include "schema.h"

/* The records.csv header line, newline included, into line (emptied
 * first); ESR_OK or ESR_ERR_NOMEM. */
esr_status write_records_header_line(esr_buf *line);
/* One records.csv row, newline included, into line (emptied first);
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status write_records_line(esr_buf *line, const esr_rendered *row);
/* summary.csv's header, which consolidate also reads back. */
#define ESR_SUMMARY_HEADER "org_code,dimension,profession,support_role,key,fte,headcount"

/* Write one summary.csv line; ESR_OK, ESR_ERR_NOMEM or ESR_ERR_IO (errno). */
esr_status write_summary_line(esr_buf *line, FILE *fp, const char *org, esr_dim dim,
                              const char *prof, const char *role, const char *key, long long fte_e5,
                              uint64_t headcount);
/* Write summary.csv for org ("" = every org: totals plus one block per
 * org; otherwise that org's block and, as totals, the same figures);
 * ESR_OK, ESR_ERR_NOMEM or ESR_ERR_IO (errno). */
esr_status write_summary(FILE *fp, esr_aggregate *agg, const char *org);
/* Write the rejects.csv header; ESR_OK or ESR_ERR_IO. */
esr_status write_rejects_header(FILE *fp);
/* Write one reject: source file, line, reason and the row's fields. Only
 * fields read as a canonical column are kept (replaced fields substituted);
 * every other column is masked whatever its name (an allowlist: personal
 * data in a column esrpipe does not know never leaks), and a row whose
 * fields cannot be aligned with the header (torn, oversize) is withheld:
 * the line number finds it. ESR_OK, ESR_ERR_NOMEM (nothing written) or
 * ESR_ERR_IO (errno). */
typedef struct esr_redact {
    const esr_schema *schema;   /* which header fields hold personal data */
    const char *const *replace; /* per header field: a substitute (pseudonym) or NULL */
} esr_redact;

esr_status write_reject(FILE *fp, const char *source, uint64_t line, const char *reason,
                        const esr_row *row, const esr_redact *redact);

#endif
