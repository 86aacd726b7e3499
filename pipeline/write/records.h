/* records.h - the columns of records.csv and of the Support workforce
 * sheet, rendered once from a classified record for both writers, and the
 * typed feed that carries records and rejects to the workbook: records.csv,
 * rejects.csv and the sheets are renderings of the same values. */
#ifndef ESR_RECORDS_H
#define ESR_RECORDS_H

#include <stdint.h>

#include "buf.h"
#include "frames.h"
#include "mappings.h"
#include "record.h"

typedef enum esr_rcol {
    RC_ORG_CODE,
    RC_SOURCE_FILE,
    RC_SOURCE_LINE,
    RC_EMPLOYEE_NUMBER,
    RC_ASSIGNMENT_NUMBER,
    RC_POSITION_TITLE,
    RC_STANDARD_TITLE,
    RC_TITLE_MATCH,
    RC_TITLE_RULE,
    RC_TITLE_SCORE,
    RC_OCCUPATION_CODE,
    RC_OCCUPATION_STATUS,
    RC_STAFF_GROUP,
    RC_JOB_ROLE,
    RC_PROFESSION,
    RC_PROFESSION_SOURCE,
    RC_SUPPORT_ROLE,
    RC_LEVEL,
    RC_PAY_BAND,
    RC_AREA_OF_WORK,
    RC_AREA_SUGGESTION,
    RC_FTE,
    RC_ASSIGNMENT_CATEGORY,
    RC_CARE_CERTIFICATE,
    RC_QUAL_LEVEL,
    RC_APPRENTICESHIP,
    RC_DQ_FLAGS,
    RC_COUNT
} esr_rcol;

/* A finding as the return shows it: its rule (whose field and message
 * are in the rule catalogue) and the value it is about, which is the
 * value of the rule's field in the record as records.csv writes it ("" when
 * the field is not a records column), with the nearest known area of
 * work after an unknown one. */
typedef struct esr_rfinding {
    int rule;
    const char *value;
} esr_rfinding;

/* A rejected row as rejects.csv and the Data quality sheet show it. */
typedef struct esr_reject {
    const char *source;
    uint64_t line;
    int rule;           /* the rule that rejected it */
    const char *detail; /* the offending value (its pseudonym when keyed), "" none */
} esr_reject;

/* A record's columns: the typed values, and their records.csv text. */
typedef struct esr_rendered {
    const char *v[RC_COUNT]; /* each column as records.csv writes it */
    long long num[RC_COUNT]; /* numeric columns' values (FTE in units of 1e-5) */
    unsigned has_num;        /* bit c: numeric column c holds a value (else "") */
    esr_rfinding findings[ESR_MAX_FINDINGS];
    size_t nfindings;
    long long fte_e5;
    esr_buf scratch;                      /* owns line number, FTE and flags text */
    esr_buf values;                       /* owns the findings' values */
    const esr_mappings *cols_of;          /* the mappings rule_col is for */
    signed char rule_col[ESR_RULE_COUNT]; /* records column of each rule's field */
} esr_rendered;

/* One item of the typed feed the workbook reads (records_unpack): views
 * into the packed bytes, valid while they are. */
typedef enum esr_feed_kind { ESR_FEED_RECORD = 1, ESR_FEED_REJECT } esr_feed_kind;

typedef struct esr_fed {
    esr_feed_kind kind;
    /* ESR_FEED_RECORD: text columns (NULL for numeric ones and dq_flags,
     * which is its findings), numbers, findings */
    const char *text[RC_COUNT];
    long long num[RC_COUNT];
    unsigned has_num;
    esr_rfinding findings[ESR_MAX_FINDINGS];
    size_t nfindings;
    esr_reject reject; /* ESR_FEED_REJECT */
} esr_fed;

/* Header name of column c. */
const char *records_col_name(esr_rcol c);
/* Heading of column c on the Support workforce sheet (for people). */
const char *records_col_label(esr_rcol c);
/* Non-zero if column c holds a number (written as a number in the sheet). */
int records_col_numeric(esr_rcol c);
/* The records.csv text of numeric column c holding v into t: FTE always
 * (five decimals), any other column only when has says it holds a value
 * (else ""). */
void records_number_text(esr_rcol c, long long v, int has, char t[32]);
/* The records column that rule's field names, or -1. */
int records_rule_col(const esr_mappings *m, int rule);
/* Render r; emp and asg are the (possibly pseudonymised) keys to show.
 * ESR_OK, or ESR_ERR_NOMEM. */
esr_status records_render(const esr_record *r, const esr_mappings *m, const char *emp,
                          const char *asg, esr_rendered *out);
/* Append the reason of a reject by rule ri with detail, after its rule id:
 * "message", then " (field F = \"detail\")" or " (detail)" for a rule about
 * the whole row (detail cut to 80 bytes); 0 or -1. */
int records_reason(esr_buf *out, const esr_rule_info *ri, const char *detail);
/* Append r's typed values as one frame of the workbook's feed: a uint32
 * length (of what follows, host order), the kind, then per column but
 * dq_flags a NUL-terminated text or a has-value byte and an int64, then
 * the findings (count; per finding an int32 rule and a NUL-terminated
 * value). Numbers stay numbers: nothing is parsed back; 0 or -1. */
int records_pack(const esr_rendered *r, esr_buf *out);
/* Append reject j as one frame of the feed: the kind, an int32 rule, a
 * uint64 line, then source and detail NUL-terminated; 0 or -1. */
int records_pack_reject(const esr_reject *j, esr_buf *out);
/* Read the frame at the start of p[0..n) into out: its size in bytes, 0 if
 * p holds only part of it, -1 if it is malformed. */
long records_unpack(const char *p, size_t n, esr_fed *out);
/* Free the scratch storage. */
void records_rendered_free(esr_rendered *out);

/* Called with each whole frame of the typed feed; 0, or non-zero to stop. */
typedef int (*esr_fed_fn)(void *ctx, const esr_fed *f);
/* Hand every whole frame of p[0..n) of the feed (arriving in pieces of any
 * size, see frames.h) to fn(ctx, f), in order; 0, -1 out of memory, -2
 * malformed, or what fn returned; after a non-zero, the same for the rest. */
int records_frames_feed(esr_frames *fr, const char *p, size_t n, esr_fed_fn fn, void *ctx);

#endif
