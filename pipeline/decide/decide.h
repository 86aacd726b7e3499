/* decide.h - the per-row decisions every command shares: field checks,
 * classification, the in-scope duplicate check, findings and the training
 * join, in that order. `run`, `stage classify` and `explain` all call
 * decide_row, so a row lands in the same place whichever command reads it. */
#ifndef ESR_DECIDE_H
#define ESR_DECIDE_H

#include "classify.h"
#include "record.h"
#include "training.h"
#include "validate.h"

/* The decisions on a row that could be read (r->f filled): field checks,
 * classification, the in-scope duplicate check, findings, the training
 * join (t may be NULL). ESR_OK whatever the row's fate (r->scope tells it),
 * or ESR_ERR_NOMEM: an allocation failed and r must not be counted. */
esr_status decide_row(esr_validator *v, esr_classifier *cls, const esr_training *t, esr_record *r);

#endif
