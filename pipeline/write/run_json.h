/* run_json.h - run.json, the record of a run: the members every command
 * writes the same way (the tool, the command, the mapping tables, the row
 * counts, the findings per rule, the outputs list), so the trust return
 * (run.c) and the regional one (consolidate.c) cannot drift apart; each
 * command writes its own members between them. */
#ifndef ESR_RUN_JSON_H
#define ESR_RUN_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "outdir.h"
#include "status.h"

/* run.json being written into an output directory. */
typedef struct esr_run_json {
    esr_json j; /* the writer: a command adds its own members through it */
    FILE *fp;
    esr_outdir *d;
} esr_run_json;

/* What happened to the rows read, for a "counts" object. */
typedef struct esr_rj_counts {
    uint64_t rows_read, in_scope, out_of_scope, rejected;
    long long in_scope_fte_e5; /* units of 0.00001 */
} esr_rj_counts;

/* Create run.json in d and open its object with the members every command
 * starts with: tool (tool_version), template_version, command and
 * exit_status 0. */
esr_status run_json_open(esr_run_json *rj, esr_outdir *d, const char *tool_version,
                         const char *command, esr_err *err);
/* A "mappings" object: the tables' version and SHA-256. */
void run_json_mappings(esr_json *j, const char *version, const char *sha256);
/* The row counts, as members of the open "counts" object. */
void run_json_counts(esr_json *j, const esr_rj_counts *k);
/* One rule's findings, a member named id of the open "findings_by_rule"
 * object. */
void run_json_finding(esr_json *j, const char *id, const char *severity, uint64_t count,
                      long long fte_e5);
/* The "outputs" list (the files of d, with their sizes and SHA-256). */
esr_status run_json_outputs(esr_run_json *rj, esr_err *err);
/* Close run.json's object; an I/O error if anything failed to write. The
 * file itself is d's to close. */
esr_status run_json_close(esr_run_json *rj, esr_err *err);

#endif
