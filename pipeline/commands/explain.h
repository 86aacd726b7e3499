/* explain.h - why one input row landed where it did, for a person: the
 * export columns it was read from, each decision classify and validate
 * took and the mapping row or rule behind it, its findings, and its fate
 * (counted in the return, out of scope and why, or rejected and why). */
#ifndef ESR_EXPLAIN_H
#define ESR_EXPLAIN_H

#include "buf.h"
#include "mappings.h"
#include "record.h"
#include "schema.h"

/* Append the explanation of r (read through s) to out; ESR_OK or
 * ESR_ERR_NOMEM. */
esr_status explain_record(const esr_mappings *m, const esr_schema *s, const esr_record *r,
                          esr_buf *out);

#endif
