/* decide.c - the per-row decision sequence (see decide.h). */
#include "decide.h"

/* The decisions on one read row (see decide.h). */
void decide_row(esr_validator *v, esr_classifier *cls, const esr_training *t, esr_record *r)
{
    /* duplicates are sought among in-scope rows only, so classify first */
    if (validate_fields(v, r) == 0) {
        classify_record(cls, r);
        if (validate_duplicate(v, r) == 0) {
            validate_record(v, r);
            if (t)
                training_join(t, r);
        }
    }
}
