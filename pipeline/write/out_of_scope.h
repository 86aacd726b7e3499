/* out_of_scope.h - out_of_scope.csv: one row per out-of-scope assignment of
 * a trust's return, with the reason it is out of scope, so that `compare`
 * can tell an assignment that left from one that moved out of scope (and
 * back). Only non-personal canonical fields: the assignment number is the
 * one records.csv shows (its pseudonym under --pseudonymise). */
#ifndef ESR_OUT_OF_SCOPE_H
#define ESR_OUT_OF_SCOPE_H

#include <stdio.h>

#include "buf.h"
#include "mappings.h"
#include "record.h"

/* The header; compare reads org_code, assignment_number and reason. */
#define ESR_OUT_OF_SCOPE_HEADER                                                                    \
    "org_code,assignment_number,reason,occupation_code,position_title,fte"

/* Write the header line to fp; 0 or -1. */
int out_of_scope_header(FILE *fp);
/* Write r (scope ESR_SCOPE_OUT) to fp as one line, asg its assignment number
 * as shown (pseudonym or as read), its reason labelled as m's
 * out_of_scope_reasons.csv labels it; line is scratch; 0 or -1. */
int out_of_scope_put(esr_buf *line, FILE *fp, const esr_mappings *m, const esr_record *r,
                     const char *asg);

#endif
