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
/* One records.csv row of record f of the typed feed, newline included,
 * into line (emptied first); flags is scratch for its findings' rule ids.
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status write_records_fed(esr_buf *line, esr_buf *flags, const esr_fed *f);

/* records.csv written from the typed feed, on a worker thread or not:
 * the same values the workbook shows, rendered once more. */
typedef struct esr_records_csv {
    FILE *fp;   /* records.csv, its header written */
    char *what; /* "DIR/records.csv", for messages */
    esr_buf line, flags;
    esr_frames frames;
    int werrno; /* errno of the write that failed */
} esr_records_csv;
/* Set w up to write records to fp, named dir/records.csv in messages;
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status records_csv_init(esr_records_csv *w, FILE *fp, const char *dir);
/* Write the records among the frames p[0..n) of the typed feed (rejects
 * are skipped); an esr_worker_fn. ESR_OK, ESR_ERR_NOMEM, ESR_ERR_IO
 * (naming the file) or ESR_ERR_INTERNAL (a malformed frame). */
esr_status records_csv_feed(void *w, const char *p, size_t n, int *enough, esr_err *err);
/* Free what w holds (not its file). */
void records_csv_free(esr_records_csv *w);
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
