/* training.h - `--training FILE`: an ESR competence / learning-record
 * export joined on employee number. mappings/qualifications.csv maps
 * competence names (phrases) to the Care Certificate, qualification levels
 * (RQF 2-6) and apprenticeship standards; mappings/competence_statuses.csv
 * reads the status column. Names that match nothing are kept for review,
 * never guessed. Qualification level stays apart from career framework
 * level. */
#ifndef ESR_TRAINING_H
#define ESR_TRAINING_H

#include <stdint.h>

#include "mappings.h"
#include "record.h"
#include "source.h"
#include "status.h"

typedef struct esr_training esr_training;

/* Rejected competence rows kept (line and reason) for rejects.csv; the
 * count in esr_training_stats covers them all. */
#define ESR_TRAINING_REJECTS_KEPT 100000u

/* A person's Care Certificate status: the keys of the care_certificate
 * dimension in records.csv and summary.csv. */
#define ESR_CARE_NOT_RECORDED "not_recorded"
#define ESR_CARE_IN_PROGRESS "in_progress"
#define ESR_CARE_COMPLETED "completed"

typedef struct esr_training_stats {
    uint64_t rows;      /* competence rows read */
    uint64_t matched;   /* rows whose name matched qualifications.csv */
    uint64_t unmatched; /* rows whose name matched nothing */
    uint64_t rejected;  /* rows without employee number or name */
    uint64_t persons;   /* distinct employees with any matched row */
} esr_training_stats;

/* Index of a qualifications.csv kind (care_certificate, qualification,
 * apprenticeship), or -1. */
int training_kind_parse(const char *s);
/* Index of a competence_statuses.csv meaning (none, in_progress,
 * completed), or -1. */
int training_meaning_parse(const char *s);
/* The distinct qualification levels qualifications.csv can give (its
 * non-empty level column), ascending, into out[cap]; returns how many. */
size_t training_levels(const esr_training *t, int *out, size_t cap);
/* Read the competence export at path. */
esr_status training_load(const char *path, const esr_mappings *m, const esr_source_opts *src,
                         esr_training **out, esr_err *err);
/* Fill r's training fields from the person's record (by employee number;
 * numbers of digits only compare by value, so "0010123917" joins
 * "10123917"); an in-scope r marks the person joined. */
void training_join(const esr_training *t, esr_record *r);
/* People in the competence export joined to an in-scope staff row so far. */
uint64_t training_joined(const esr_training *t);
/* The number of rejected competence rows kept; row i's line and reason
 * ("rule_id: message") when i is below it. */
size_t training_rejected(const esr_training *t, size_t i, uint64_t *line, const char **why);
/* Counts for run.json and the Training sheet. */
const esr_training_stats *training_stats(const esr_training *t);
/* Unmatched competence names, most frequent first: name i and its count. */
size_t training_unmatched(const esr_training *t, size_t i, const char **name, uint64_t *count);
/* Input file facts (name, bytes, sha256). */
const char *training_input_name(const esr_training *t);
const char *training_input_sha256(const esr_training *t);
uint64_t training_input_bytes(const esr_training *t);
/* Free everything. */
void training_free(esr_training *t);

#endif
