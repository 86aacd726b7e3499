/* learn.h - learning job titles from an export's own coded rows. A first
 * read of the export notes, per normalised title, how many rows carry it
 * and how the rows with a valid, specific occupation code are classified;
 * the run then gives a row whose code is missing, invalid or generic the
 * classification its title's coded rows agree on (rule "learned": at least
 * min_rows coded rows, the commonest classification at least agreement
 * percent of them). Memory is one entry per distinct title up to
 * max_titles; rows of further titles are counted, not learned. */
#ifndef ESR_LEARN_H
#define ESR_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define ESR_LEARN_MIN_ROWS_DEFAULT 3
#define ESR_LEARN_AGREEMENT_DEFAULT 90
#define ESR_LEARN_MAX_TITLES_DEFAULT 100000
#define ESR_LEARN_CLASSES 4 /* classifications kept per title; more count as "other" */

typedef struct esr_learn_opts {
    unsigned min_rows;  /* coded rows a title needs (default 3) */
    unsigned agreement; /* percent of them that must agree (default 90) */
    size_t max_titles;  /* distinct titles remembered (default 100000) */
} esr_learn_opts;

typedef enum esr_learned {
    ESR_LEARN_NONE = 0, /* title not seen, or fewer than min_rows coded rows */
    ESR_LEARN_AGREE,    /* the coded rows agree: classification applies */
    ESR_LEARN_DISAGREE  /* enough coded rows, no agreement: left for review */
} esr_learned;

typedef struct esr_learn_entry {
    char *key;   /* normalised title */
    char *title; /* first spelling seen */
    uint64_t rows, coded;
    int prof[ESR_LEARN_CLASSES], role[ESR_LEARN_CLASSES];
    uint64_t count[ESR_LEARN_CLASSES], other;
    esr_learned decision;
    int best; /* index of the commonest classification */
    unsigned agreement_pct;
    char lineage[64]; /* "learned from N coded rows" */
} esr_learn_entry;

typedef struct esr_learner esr_learner;

/* Fill o with the documented defaults. */
void learn_opts_default(esr_learn_opts *o);
/* A learner with options o (copied) in *out (NULL on failure); learn_free
 * frees it. ESR_ERR_NOMEM when out of memory. */
esr_status learn_new(const esr_learn_opts *o, esr_learner **out);
/* Note one row of title (normalised key) coded as (prof, role), or
 * uncoded (prof = role = -1); ESR_OK or ESR_ERR_NOMEM. */
esr_status learn_add(esr_learner *l, const char *key, const char *title, int prof, int role);
/* The entry index of key (created if there is room): -1 past the cap,
 * -2 on no memory. */
long learn_entry(esr_learner *l, const char *key, const char *title);
/* Count one row of entry idx (-1: past the cap) as (prof, role) or uncoded. */
void learn_count(esr_learner *l, long idx, int prof, int role);
/* Decide every title (after the last learn_add); ESR_OK, or ESR_ERR_NOMEM
 * when the room learn_entries needs cannot be had. */
esr_status learn_finish(esr_learner *l);
/* The entry of key, or NULL. */
const esr_learn_entry *learn_get(const esr_learner *l, const char *key);
/* Entries in order: most rows first, then by key; *n receives the count.
 * After learn_finish it cannot fail; before, NULL (and *n = 0) on no memory. */
const esr_learn_entry *const *learn_entries(esr_learner *l, size_t *n);
/* Rows whose title came after max_titles distinct titles (not learned). */
uint64_t learn_rows_over_cap(const esr_learner *l);
/* The options in use. */
const esr_learn_opts *learn_opts(const esr_learner *l);
/* Free the learner. */
void learn_free(esr_learner *l);

#endif
