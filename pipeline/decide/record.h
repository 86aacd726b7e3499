/* record.h - the record that streams through the stages: one input row's
 * canonical fields, then what classify and validate decided about it. */
#ifndef ESR_RECORD_H
#define ESR_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Canonical input columns (names as in mappings/columns.csv). */
typedef enum esr_col {
    ESR_COL_EMPLOYEE_NUMBER,
    ESR_COL_ASSIGNMENT_NUMBER,
    ESR_COL_ORG_CODE,
    ESR_COL_ORG_NAME,
    ESR_COL_POSITION_TITLE,
    ESR_COL_OCCUPATION_CODE,
    ESR_COL_JOB_ROLE,
    ESR_COL_STAFF_GROUP,
    ESR_COL_AREA_OF_WORK,
    ESR_COL_PAY_BAND,
    ESR_COL_FTE,
    ESR_COL_ASSIGNMENT_CATEGORY,
    ESR_COL_ASSIGNMENT_STATUS,
    ESR_COL_PRIMARY_FLAG,
    ESR_COL_START_DATE,
    ESR_COL_CONTRACTED_HOURS, /* FTE = hours / --full-time-hours when FTE is absent */
    ESR_COL_COMPETENCE_NAME,  /* training export (--training) */
    ESR_COL_COMPETENCE_STATUS,
    ESR_COL_ACHIEVED_DATE,
    ESR_COL_COUNT
} esr_col;

/* Canonical name of a column. */
const char *record_col_name(esr_col c);
/* Column for a canonical name, or -1. */
int record_col_parse(const char *name);

typedef enum esr_scope { ESR_SCOPE_IN = 0, ESR_SCOPE_OUT, ESR_SCOPE_REJECTED } esr_scope;

typedef enum esr_occ_state {
    ESR_OCC_MISSING = 0,
    ESR_OCC_MALFORMED,
    ESR_OCC_UNKNOWN,
    ESR_OCC_MEDICAL,
    ESR_OCC_VALID,
    ESR_OCC_RETIRED
} esr_occ_state;

typedef enum esr_prof_source {
    ESR_PSRC_NONE = 0,
    ESR_PSRC_CODE,
    ESR_PSRC_TITLE,
    ESR_PSRC_AREA,
    ESR_PSRC_JOB_ROLE
} esr_prof_source;

/* Why an accepted row is out of scope of the return. The labels, and the
 * occupation codes of medical staff and technicians, are in
 * mappings/out_of_scope_reasons.csv (mappings_out_label). */
typedef enum esr_out_reason {
    ESR_OUT_NONE = 0,
    ESR_OUT_NOT_SUPPORT, /* registered, managerial, clerical, estates... */
    ESR_OUT_MEDICAL,     /* a medical and dental code */
    ESR_OUT_TECHNICIAN,  /* technicians are registered staff */
    ESR_OUT_NO_CODE,     /* code missing, malformed or unknown, and no evidence */
    ESR_OUT_ZERO_FTE,    /* national statistics exclude zero-FTE assignments */
    ESR_OUT_STATUS,      /* assignment status not counted in post (assignment_statuses.csv) */
    ESR_OUT_COUNT
} esr_out_reason;

/* Id of an out-of-scope reason as out_of_scope_reasons.csv names it
 * ("not_support", "medical"...; "" for none). */
const char *record_out_id(esr_out_reason r);
/* The reason with id s, or -1. */
int record_out_parse(const char *s);

/* Name of a profession source ("code", "title", "area_of_work", ""). */
const char *record_psrc_name(esr_prof_source s);

#define ESR_MAX_FINDINGS 12

typedef struct esr_finding {
    int rule;           /* index into the rule catalogue */
    const char *detail; /* value or note; points into the record or mappings */
} esr_finding;

struct esr_occ;

typedef struct esr_record {
    const char *source;           /* input file name */
    uint64_t line;                /* physical line the row starts on */
    const char *f[ESR_COL_COUNT]; /* trimmed UTF-8, "" when absent */
    char occ_code[4];             /* upper-cased occupation code when 3 chars */

    long long fte_e5;          /* FTE in units of 0.00001 */
    const struct esr_occ *occ; /* NULL unless found in the manual */
    esr_occ_state occ_state;
    int profession; /* index into professions, -1 none */
    esr_prof_source prof_source;
    int role;                     /* index into support roles, -1 none */
    int level;                    /* career framework level, 0 = none */
    int band;                     /* index into bands, -1 unknown/blank */
    int area;                     /* index into areas of work, -1 blank/unknown */
    const char *area_suggestion;  /* nearest known area when unknown, else "" */
    char standard_title[128];     /* "" if none */
    const char *title_match;      /* exact / normalised / fuzzy / none */
    const char *title_rule;       /* mapping rows that matched (lineage) */
    const char *title_suggestion; /* best guess when unmatched, for review */
    int title_score;              /* match confidence 0-100 */
    int title_profession;         /* what the title alone says, -1 none */
    const char *job_role_rule;    /* job_roles.csv row that gave the role, NULL none */

    const char
        *care_certificate;      /* completed / in_progress / not_recorded; "" without --training */
    int qualification_level;    /* highest RQF level achieved, 0 none */
    const char *apprenticeship; /* standard in progress, "" none */

    esr_scope scope;
    esr_out_reason out_reason; /* when scope is OUT */
    int reason_rule;           /* rule that rejected it, -1 */
    const char *reason_detail; /* the offending value */
    esr_finding findings[ESR_MAX_FINDINGS];
    size_t nfindings;
} esr_record;

/* Start r as a row of source's line: every input field "", nothing
 * decided yet (in scope until a stage says otherwise). */
void record_init(esr_record *r, const char *source, uint64_t line);
/* Add finding (rule, detail); ignored when the list is full. */
void record_flag(esr_record *r, int rule, const char *detail);

#endif
