/* decide.c - the per-row decision sequence (see decide.h). */
#include "decide.h"

/* The decisions on one read row (see decide.h). */
esr_status decide_row(esr_validator *v, esr_classifier *cls, const esr_training *t, esr_record *r)
{
    esr_status st;
    if (validate_fields(v, r))
        return ESR_OK; /* rejected: r->reason_rule says why */
    /* duplicates are sought among in-scope rows only, so classify first */
    classify_record(cls, r);
    if ((st = classify_status(cls)) || (st = validate_duplicate(v, r)))
        return st;
    if (r->scope == ESR_SCOPE_REJECTED)
        return ESR_OK; /* a duplicate */
    if ((st = validate_record(v, r)))
        return st;
    if (t)
        training_join(t, r);
    return ESR_OK;
}
