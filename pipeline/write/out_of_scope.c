/* out_of_scope.c - out_of_scope.csv, the out-of-scope assignments. */
#include "out_of_scope.h"

#include "csvout.h"
#include "text.h"

/* Write the header line to fp; 0 or -1. */
int out_of_scope_header(FILE *fp)
{
    return fputs(ESR_OUT_OF_SCOPE_HEADER "\n", fp) < 0 ? -1 : 0;
}

/* Write r as one out_of_scope.csv line (see out_of_scope.h). */
int out_of_scope_put(esr_buf *line, FILE *fp, const esr_mappings *m, const esr_record *r,
                     const char *asg)
{
    char fte[32];
    text_format_e5(r->fte_e5, fte);
    const char *occ = r->occ_code[0] ? r->occ_code : r->f[ESR_COL_OCCUPATION_CODE];
    esr_buf_reset(line);
    int bad = csvout_text(line, r->f[ESR_COL_ORG_CODE], 1) | csvout_text(line, asg, 0) |
              csvout_raw(line, mappings_out_label(m, r->out_reason), 0) |
              csvout_text(line, occ, 0) | csvout_text(line, r->f[ESR_COL_POSITION_TITLE], 0) |
              csvout_raw(line, fte, 0);
    return bad | csvout_flush(line, fp) ? -1 : 0;
}
