/* aggregate.h - FTE (exact, in units of 0.00001) and de-duplicated
 * headcount per (organisation, dimension, profession, support role, key),
 * plus row counts and findings per organisation. Memory grows with the
 * number of cells and in-scope persons, not with rows. */
#ifndef ESR_AGGREGATE_H
#define ESR_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "mappings.h"
#include "record.h"

typedef enum esr_dim {
    ESR_DIM_PROFESSION_ROLE = 0,
    ESR_DIM_BAND,
    ESR_DIM_AREA,
    ESR_DIM_CARE_CERTIFICATE, /* these three only with --training */
    ESR_DIM_QUAL_LEVEL,
    ESR_DIM_APPRENTICESHIP,
    ESR_DIM_CARE_SETTING,    /* the national tables' layouts: the code's care setting, */
    ESR_DIM_STAFF_GROUP,     /* its NHS Digital staff group, */
    ESR_DIM_STAFF_GROUP_OUT, /* out-of-scope rows of support staff groups (clerical, estates), */
    ESR_DIM_REGION,          /* the NHS England region of the row's organisation, */
    ESR_DIM_REGISTERED,      /* registered staff per profession (out of scope; never support) */
    ESR_DIM_COUNT
} esr_dim;

/* Name of a dimension as written in summary.csv. */
const char *aggregate_dim_name(esr_dim d);
/* The dimension named name, or -1. */
int aggregate_dim_parse(const char *name);
/* Keys of the national dimensions for rows the mappings cannot place. */
#define ESR_KEY_NO_CODE "(no occupation code)"
#define ESR_KEY_UNKNOWN_ORG "(unknown organisation)"
/* Keys of the band and area-of-work dimensions for a blank value and for a
 * value the mappings do not know. */
#define ESR_KEY_NOT_RECORDED "(not recorded)"
#define ESR_KEY_NOT_RECOGNISED "(not recognised)"

typedef struct esr_cell {
    const char *org; /* "" = all organisations */
    esr_dim dim;
    const char *profession; /* "" = all */
    const char *role;       /* "" = all */
    const char *key;        /* dimension value; "" for profession_role */
    long long fte_e5;
    uint64_t rows;
    uint64_t headcount;
    uint32_t id; /* internal: creation order */
} esr_cell;

typedef struct esr_org_counts {
    const char *org;
    uint64_t read, in_scope, out_of_scope, rejected;
    uint64_t out_by_reason[ESR_OUT_COUNT];
    long long in_scope_fte_e5;
    uint64_t findings[ESR_RULE_COUNT];
    long long findings_fte_e5[ESR_RULE_COUNT];
} esr_org_counts;

/* One local title as it was classified, per organisation. */
typedef struct esr_title_stat {
    const char *org;   /* "" = all organisations */
    const char *title; /* local title as written */
    const char *standard_title;
    const char *profession;
    const char *role;
    const char *match;      /* exact / normalised / fuzzy / none */
    const char *rule;       /* mapping rows that matched */
    const char *suggestion; /* best guess when unmatched */
    int score;
    uint64_t rows;
    long long fte_e5;
} esr_title_stat;

typedef struct esr_aggregate esr_aggregate;

/* Create an empty aggregate in *out (NULL on failure); aggregate_free frees it.
 * ESR_ERR_NOMEM when out of memory. */
esr_status aggregate_new(const esr_mappings *m, esr_aggregate **out);
/* The qualification_level key of level: "Level N", or "none recorded" for 0. */
void aggregate_level_label(int level, char out[32]);
/* Count a record of any scope, and add an in-scope one to its cells (an
 * out-of-scope one with FTE only to the registered and
 * staff_group_out_of_scope cells, when its code's staff group is one).
 * person is the (possibly pseudonymised) employee number; "" makes the
 * row a person of its own (by source and line). ESR_OK, ESR_ERR_NOMEM, or
 * ESR_ERR_INPUT_FORMAT if an FTE total could not be represented after this
 * row (never wraps; the caller names the row). */
esr_status aggregate_add(esr_aggregate *a, const esr_record *r, const char *person);
/* Cells sorted by org, dimension, profession, role, key ("" first). */
size_t aggregate_cells(esr_aggregate *a, const esr_cell ***out);
/* The order of summary rows within an organisation, in trust and regional
 * returns alike: dimension, then profession, role and key ("" = all first). */
int aggregate_key_cmp(esr_dim da, const char *pa, const char *ra, const char *ka, esr_dim db,
                      const char *pb, const char *rb, const char *kb);
/* Most Job titles entries (org, local title, standard title, profession,
 * role) kept, so memory per distinct title is bounded. Past it a new
 * combination is counted in its organisation's one pooled entry, titled
 * ESR_AGG_POOLED_TITLE (rows and FTE exact; records.csv has each title). */
#define ESR_AGG_MAX_TITLES 100000u
#define ESR_AGG_POOLED_TITLE "(other titles: past the 100000-entry limit, see records.csv)"
/* Local titles of in-scope rows, one per org, title, standard title,
 * profession and role, sorted in that order. */
size_t aggregate_titles(esr_aggregate *a, const esr_title_stat ***out);
/* Rows counted in a pooled Job titles entry (see ESR_AGG_MAX_TITLES). */
uint64_t aggregate_titles_pooled(const esr_aggregate *a);
/* Per-organisation counts, sorted by org ("" = all first). */
size_t aggregate_orgs(esr_aggregate *a, const esr_org_counts ***out);
/* Counts for one org ("" = all); NULL if never seen. */
const esr_org_counts *aggregate_org(const esr_aggregate *a, const char *org);
/* Free everything. */
void aggregate_free(esr_aggregate *a);

#endif
