/* mappings.h - the versioned mapping tables in mappings/, loaded and
 * indexed once per run. The creator owns it; mappings_close frees it. */
#ifndef ESR_MAPPINGS_H
#define ESR_MAPPINGS_H

#include <stddef.h>

#include "record.h"
#include "rules.h"
#include "status.h"
#include "strmap.h"
#include "table.h"

typedef struct esr_occ {
    char code[4];
    const char *description;
    const char *occupation_level;
    const char *specialty;
    const char *staff_group;    /* NHS Digital staff group */
    const char *detailed_group; /* NHS Digital detailed staff group */
    const char *care_setting;   /* from care_settings.csv (matrix, specialty) */
    int registered;             /* its staff group's kind is registered */
    int support_group;          /* its staff group's kind is support */
    int retired;
    int profession;          /* index into professions */
    int profession_specific; /* the code names one profession */
    int role;                /* index into roles */
    size_t line;
} esr_occ;

typedef struct esr_profession {
    const char *name;
    const char *title_name; /* as it reads in a standard job title */
    int is_ahp;
    int miscoded_as; /* profession whose codes its support is often recorded under, or -1 */
} esr_profession;

typedef struct esr_role {
    const char *name;
    int level_lo, level_hi; /* career framework level range; 0 = none */
    int in_scope;
    int expected_band; /* AfC band the role should be at, 0 = any */
    int band_rule;     /* rule raised when it is not, -1 none */
    int trainee_role;  /* the role a trainee in it holds, -1 none */
} esr_role;

typedef struct esr_band {
    const char *name; /* "Band 3" */
    int rank;         /* AfC band number (8a-8d = 8, 9 = 9), 0 = other */
    int level;        /* career framework level it gives (bands.csv), 0 none */
} esr_band;

typedef struct esr_rule_info {
    esr_severity severity;
    const char *field;
    const char *message;
} esr_rule_info;

typedef struct esr_mappings {
    char *dir;
    char version[64];
    char sha256[65]; /* over every table, in name order */

    esr_table *t_columns, *t_occ, *t_prof, *t_roles, *t_bands, *t_areas, *t_rules, *t_orgs;
    esr_table *t_abbrev, *t_terms, *t_jobs, *t_std;   /* compiled by title.c, classify.c */
    esr_table *t_quals, *t_statuses;                  /* compiled by training.c */
    esr_table *t_staff_groups, *t_job_roles;          /* compiled by validate.c */
    esr_table *t_regions;                             /* read by check-mappings */
    esr_table *t_asg_statuses;                        /* assignment_statuses.csv */
    esr_table *t_care_settings, *t_nhsd_groups;       /* indexed into occ */
    esr_table *t_national;                            /* read by xlsx_national.c */
    esr_table *t_limits, *t_out_reasons, *t_sg_kinds; /* dq_limits, out_of_scope_reasons,
                                                       * staff_group_kinds */

    esr_occ *occ;
    size_t nocc;
    esr_strmap *occ_by_code;

    esr_profession *prof;
    size_t nprof;
    int prof_unknown; /* the default profession (professions.csv default yes): "Unknown" */
    esr_strmap *prof_by_name;

    esr_role *roles;
    size_t nroles;
    int role_none; /* the default role (support_roles.csv default yes), out of scope */
    esr_strmap *role_by_name;

    esr_band *bands; /* distinct bands, in table order */
    size_t nbands;
    esr_strmap *band_by_key; /* text_key(label) -> band index */

    const char **areas; /* canonical area names */
    size_t nareas;
    esr_strmap *area_by_key;

    esr_strmap *col_by_key; /* text_key(alias) -> row of columns.csv */

    esr_rule_info rules[ESR_RULE_COUNT];

    esr_strmap *org_by_code;   /* ODS code -> row of organisations.csv */
    esr_strmap *status_by_key; /* text_key(assignment status) -> row of assignment_statuses.csv */

    const char *out_label[ESR_OUT_COUNT];   /* out_of_scope_reasons.csv label */
    const char *out_pattern[ESR_OUT_COUNT]; /* its code_pattern, "" none */
    long long fte_high_e5;                  /* dq_limits.csv: FTE above it is fte_high */
    int band_high_support;                  /* dq_limits.csv: band from which band_high_support */
} esr_mappings;

/* One mapping table: its file, the columns readers need, the column whose
 * values must be unique ("" none), and its slot in esr_mappings (offsetof). */
typedef struct esr_table_spec {
    const char *file;
    const char *cols[12]; /* NULL-terminated */
    const char *key;
    size_t slot;
} esr_table_spec;

#define ESR_MAPPING_TABLES 24

/* Every mapping table, in file-name order (the checksum's order). */
extern const esr_table_spec esr_mapping_tables[ESR_MAPPING_TABLES];

/* Load every table in dir; errors name file and line. */
esr_status mappings_open(const char *dir, esr_mappings **out, esr_err *err);
/* Free everything. */
void mappings_close(esr_mappings *m);
/* SHA-256 over every table's name and bytes in dir (VERSION excluded), as
 * 64 hex digits into out: the checksum run.json records and VERSION keeps. */
esr_status mappings_sha256(const char *dir, char out[65], esr_err *err);
/* The mappings a command uses without -m: next to the binary's project
 * (build trees: ../mappings, ../../mappings), its install prefix
 * (../share/esrpipe/mappings), else ./mappings. Writes into buf. */
const char *mappings_default_dir(char *buf, size_t n);
/* 1 if an assignment status is counted as staff in post, 0 if not, -1
 * if assignment_statuses.csv does not know it; *reason (may be NULL) gets
 * the table's reason. Compared as text_key (case, spaces, punctuation). */
int mappings_status(const esr_mappings *m, const char *status, const char **reason);
/* A trust's own job titles table (--titles: the columns of job_titles.csv),
 * each row checked against m's professions and support roles (errors name
 * file and line); its SHA-256 (hex) into sha256. */
esr_status mappings_load_titles(const esr_mappings *m, const char *path, esr_table **out,
                                char sha256[65], esr_err *err);
/* Label of out-of-scope reason r (out_of_scope_reasons.csv), "" for none. */
const char *mappings_out_label(const esr_mappings *m, esr_out_reason r);
/* 1 if pattern is an out_of_scope_reasons.csv code_pattern: three of A-Z,
 * 0-9, '#' (any digit) and '?' (any character). */
int mappings_pattern_ok(const char *pattern);
/* 1 if three-character occupation code matches pattern, else 0. */
int mappings_code_match(const char *pattern, const char *code);
/* Parse a dq_limits.csv limit of rule into *out: fte_high an FTE above 0
 * in units of 0.00001, band_high_support an AfC band 1-9. 0, -1 if rule
 * takes no limit, -2 if value is not one. */
int mappings_limit_parse(int rule, const char *value, long long *out);
/* 1 if a staff_groups.csv kind is one of staff who are not support staff
 * (staff_group_kinds.csv not_support yes), else 0. */
int mappings_kind_not_support(const esr_mappings *m, const char *kind);
/* Organisation name and region for an ODS code ("" when unknown). */
void mappings_org(const esr_mappings *m, const char *code, const char **name, const char **region);

#endif
