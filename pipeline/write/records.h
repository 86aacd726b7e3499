/* records.h - the columns of records.csv and of the Support workforce
 * sheet, rendered once from a classified record for both writers. */
#ifndef ESR_RECORDS_H
#define ESR_RECORDS_H

#include "buf.h"
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

typedef struct esr_rendered {
    const char *v[RC_COUNT];
    long long fte_e5;
    esr_buf scratch; /* owns line number, FTE and flags text */
} esr_rendered;

/* Header name of column c. */
const char *records_col_name(esr_rcol c);
/* Heading of column c on the Support workforce sheet (for people). */
const char *records_col_label(esr_rcol c);
/* Non-zero if column c holds a number (written as a number in the sheet). */
int records_col_numeric(esr_rcol c);
/* Render r; emp and asg are the (possibly pseudonymised) keys to show. */
int records_render(const esr_record *r, const esr_mappings *m, const char *emp, const char *asg,
                   esr_rendered *out);
/* Append r's values to out, each with its terminating NUL: the packed form
 * the workbook is fed (xlsx_feed) without re-parsing CSV; ESR_OK or
 * ESR_ERR_NOMEM. */
esr_status records_pack(const esr_rendered *r, esr_buf *out);
/* Free the scratch storage. */
void records_rendered_free(esr_rendered *out);

#endif
