/* validate.h - data-quality rules: row-level checks that reject a row
 * before classification, the duplicate check on an in-scope row after it,
 * and findings on a classified row. Rule ids, severities and messages are
 * in mappings/dq_rules.csv. */
#ifndef ESR_VALIDATE_H
#define ESR_VALIDATE_H

#include "csvreader.h"
#include "mappings.h"
#include "record.h"

/* An FTE column whose median is above this holds weekly hours (run refuses it). */
#define ESR_FTE_HOURS_E5 500000LL

/* Weekly hours of one FTE (the Agenda for Change week, 37.5), in units of
 * 0.00001: FTE = contracted hours / this when a row has no FTE value. */
#define ESR_FULL_TIME_HOURS_DEFAULT_E5 3750000LL

/* FTE above this rejects the row (fte_above_max; --max-fte, default 2.0 per
 * assignment). Capped at ESR_FTE_MAX_LIMIT_E5 so no total can overflow. */
#define ESR_MAX_FTE_DEFAULT_E5 200000LL
#define ESR_FTE_MAX_LIMIT_E5 10000000LL /* 100.0 */

typedef struct esr_validator esr_validator;

/* Create a validator in *out (NULL on failure; it remembers the assignments
 * counted in scope, to find duplicates); validate_free frees it.
 * ESR_ERR_NOMEM when out of memory. */
esr_status validate_new(const esr_mappings *m, esr_validator **out);
/* Structural checks on a raw row against the header width. On failure sets
 * r->scope = REJECTED, r->reason_rule and r->reason_detail (valid until
 * the next call) and returns -1; 0 if the row can be read. */
int validate_row(esr_validator *v, const esr_row *row, size_t header_fields, esr_record *r);
/* Non-zero if rule is one validate_row gives: the row's fields were never read. */
int validate_unread(int rule);
/* Set the weekly hours of one FTE (units of 0.00001; <= 0 keeps the default). */
void validate_set_full_time(esr_validator *v, long long hours_e5);
/* Read a decimal comma ("0,5") in FTE and hours from now on: set for a
 * semicolon-separated file, as Excel writes in a European locale. In other
 * files "1,0" stays not a number (rejected with a hint). */
void validate_set_decimal_comma(esr_validator *v, int on);
/* Field checks before classification: employee and assignment numbers not
 * in Excel's scientific notation, FTE (a decimal comma, where allowed, is read and flagged;
 * without an FTE value, contracted hours / full-time hours, flagged), code
 * or title present. Sets
 * r->scope = REJECTED and r->reason_rule on failure; on success parses
 * r->fte_e5. Returns 0 if r may continue. */
int validate_fields(esr_validator *v, esr_record *r);
/* Duplicate check on a classified record: an in-scope row whose (org code,
 * assignment number) was already counted in scope is rejected
 * (assignment_duplicate, its findings dropped); otherwise the key is
 * remembered. Out-of-scope rows are neither checked nor remembered, so
 * memory grows with in-scope rows only. ESR_OK (r->scope tells whether r
 * was rejected) or ESR_ERR_NOMEM, which is never a reject. */
esr_status validate_duplicate(esr_validator *v, esr_record *r);
/* Findings on a classified record (warnings and info); ESR_OK or
 * ESR_ERR_NOMEM. */
esr_status validate_record(esr_validator *v, esr_record *r);
/* Reject FTE above max_e5 (units of 0.00001; default ESR_MAX_FTE_DEFAULT_E5). */
void validate_set_max_fte(esr_validator *v, long long max_e5);
/* Free the validator. */
void validate_free(esr_validator *v);

#endif
