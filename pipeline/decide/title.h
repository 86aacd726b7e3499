/* title.h - job-title normalisation and matching. A local title is
 * normalised (ASCII fold, case, brackets, band suffixes, punctuation,
 * abbreviations from title_abbreviations.csv) into tokens and a key (sorted
 * distinct tokens); the key is looked up in job_titles.csv, else the tokens
 * are read as phrases from title_terms.csv (profession, role, senior,
 * trainee, ignorable words), with typos corrected against the terms'
 * vocabulary at a cost in confidence. Below the threshold nothing is
 * applied: the title is left for review with its best suggestion. */
#ifndef ESR_TITLE_H
#define ESR_TITLE_H

#include "buf.h"
#include "mappings.h"

#define ESR_TITLE_THRESHOLD_DEFAULT 80

typedef enum esr_title_kind {
    ESR_TITLE_NONE = 0,
    ESR_TITLE_EXACT,      /* the title as written is in job_titles.csv */
    ESR_TITLE_NORMALISED, /* its normalised form matched */
    ESR_TITLE_FUZZY       /* matched after correcting typos */
} esr_title_kind;

typedef struct esr_title_match {
    esr_title_kind kind;
    int profession; /* index into professions, -1 none */
    int role;       /* index into support roles, -1 none */
    int senior;     /* a senior word's career framework level (title_terms.csv), 0 none */
    int trainee;
    int score;              /* confidence 0-100 */
    int whole;              /* the whole title is a row of a job titles table */
    int outside_band;       /* a not-support word that applies from this AfC band (0 none) */
    int prof_default;       /* the profession is the role phrase's default ("Healthcare
                             * assistant": nursing), not named: other evidence overrides it */
    const char *rule;       /* lineage: "job_titles.csv:12" or term lines */
    const char *suggestion; /* when kind is NONE: best guess, else "" */
    int transient;          /* rule and suggestion live only until the next call
                             * (past the cache's cap, or explained): copy them */
} esr_title_match;

typedef struct esr_titler esr_titler;

/* Compile the title tables of m (borrowed) in *out (NULL on failure);
 * title_free frees it. ESR_ERR_NOMEM when out of memory. */
esr_status title_new(const esr_mappings *m, int threshold, esr_titler **out);
/* Like title_new, with a trust's own job titles (local, borrowed, may be
 * NULL; its rows win over the shipped ones; lineage names local_name). */
esr_status title_new_local(const esr_mappings *m, const esr_table *local, const char *local_name,
                           int threshold, esr_titler **out);
/* The title_terms.csv kind named s (profession, role, generic_role, senior,
 * trainee, not_support, registered, ignore, band_word) as a number, or -1. */
int title_term_kind(const char *s);
/* How a band_word (title_terms.csv value) introduces a band, or -1: ""
 * drops the word with a band value after it ("band 3") and alone, "any"
 * with whatever word follows ("grade c"), "prefix" joined to the band
 * value ("b3"). */
int title_band_word_mode(const char *s);
/* Match title; the result's strings live until the titler is freed, or,
 * when it is transient, until the next call. ESR_OK, or
 * ESR_ERR_NOMEM when an allocation failed (the result is then not to be
 * used; the failure stays latched, see title_status). */
esr_status title_match(esr_titler *t, const char *title, esr_title_match *out);
/* Like title_match, appending a step-by-step account to trace. */
esr_status title_explain(esr_titler *t, const char *title, esr_title_match *out, esr_buf *trace);
/* Normalise title into space-separated tokens (for tests and tools);
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status title_normalise(esr_titler *t, const char *title, esr_buf *out);
/* The lookup key of title: its normalised tokens, sorted and distinct;
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status title_key(esr_titler *t, const char *title, esr_buf *out);
/* The key titles are learned under (learn.h): title_key plus the words in
 * brackets, which title_key leaves out. ESR_OK or ESR_ERR_NOMEM. */
esr_status title_learn_key(esr_titler *t, const char *title, esr_buf *out);
/* Name of a match kind ("exact", "normalised", "fuzzy", "none"). */
const char *title_kind_name(esr_title_kind k);
/* ESR_OK, or ESR_ERR_NOMEM once an allocation failed in any match: checked
 * once per record by classify_status. */
esr_status title_status(const esr_titler *t);
/* Free the titler. */
void title_free(esr_titler *t);

#endif
