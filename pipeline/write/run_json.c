/* run_json.c - the members of run.json every command writes alike (see
 * run_json.h). */
#include "run_json.h"

#include <errno.h>
#include <string.h>

#include "run.h" /* ESR_TEMPLATE_VERSION */

/* Create run.json and write its opening members (see run_json.h). */
esr_status run_json_open(esr_run_json *rj, esr_outdir *d, const char *tool_version,
                         const char *command, esr_err *err)
{
    esr_status st = outdir_file(d, "run.json", &rj->fp, err);
    if (st)
        return st;
    rj->d = d;
    json_init(&rj->j, rj->fp);
    json_open(&rj->j, NULL, '{');
    json_str(&rj->j, "tool", tool_version);
    json_str(&rj->j, "template_version", ESR_TEMPLATE_VERSION);
    json_str(&rj->j, "command", command);
    json_u64(&rj->j, "exit_status", 0);
    return ESR_OK;
}

/* A "mappings" object (see run_json.h). */
void run_json_mappings(esr_json *j, const char *version, const char *sha256)
{
    json_open(j, "mappings", '{');
    json_str(j, "version", version);
    json_str(j, "sha256", sha256);
    json_close(j, '}');
}

/* The row counts as members (see run_json.h). */
void run_json_counts(esr_json *j, const esr_rj_counts *k)
{
    json_u64(j, "rows_read", k->rows_read);
    json_u64(j, "in_scope", k->in_scope);
    json_u64(j, "out_of_scope", k->out_of_scope);
    json_u64(j, "rejected", k->rejected);
    json_fte(j, "in_scope_fte", k->in_scope_fte_e5);
}

/* One rule's findings (see run_json.h). */
void run_json_finding(esr_json *j, const char *id, const char *severity, uint64_t count,
                      long long fte_e5)
{
    json_open(j, id, '{');
    json_str(j, "severity", severity);
    json_u64(j, "count", count);
    json_fte(j, "fte", fte_e5);
    json_close(j, '}');
}

/* The outputs list (see run_json.h). */
esr_status run_json_outputs(esr_run_json *rj, esr_err *err)
{
    return outdir_json_outputs(rj->d, &rj->j, err);
}

/* Close the object and check the writes (see run_json.h). */
esr_status run_json_close(esr_run_json *rj, esr_err *err)
{
    json_close(&rj->j, '}');
    if (!ferror(rj->fp))
        return ESR_OK;
    int e = errno;
    return esr_err_set(err, ESR_ERR_IO, "%s/run.json: write failed%s%s", outdir_dir(rj->d),
                       e ? ": " : "", e ? strerror(e) : "");
}
