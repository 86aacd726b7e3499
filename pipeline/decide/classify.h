/* classify.h - decide what a record is: occupation code -> profession
 * supported, support role, career framework level; pay band and area of
 * work to their canonical values; in or out of scope. Each decision keeps
 * its lineage (which source decided it). */
#ifndef ESR_CLASSIFY_H
#define ESR_CLASSIFY_H

#include <stdio.h>

#include "learn.h"
#include "mappings.h"
#include "record.h"

typedef enum esr_classify_mode {
    ESR_CLASSIFY_EVIDENCE = 0, /* code first; title/area refine generic codes */
    ESR_CLASSIFY_CODE_ONLY     /* reproduce national statistics exactly */
} esr_classify_mode;

typedef struct esr_classifier esr_classifier;

/* Create a classifier over mappings m (borrowed; must outlive it) in *out
 * (NULL on failure); classify_free frees it. ESR_ERR_NOMEM when out of memory. */
esr_status classify_new(const esr_mappings *m, esr_classify_mode mode, esr_classifier **out);
/* Classify r (fields filled by schema_fill, not rejected). Its title
 * lineage strings live at least until the next classify_record. */
void classify_record(esr_classifier *c, esr_record *r);
/* Use a trust's own job titles (local, borrowed: must outlive c; its rows
 * win over job_titles.csv; lineage names name); ESR_OK or ESR_ERR_NOMEM. */
esr_status classify_set_titles(esr_classifier *c, const esr_table *local, const char *name);
/* Start learning titles from the export's coded rows (evidence mode). */
esr_status classify_learn_start(esr_classifier *c, const esr_learn_opts *o);
/* The record columns classify_learn reads: learning fills only these. */
#define ESR_LEARN_COLS                                                                             \
    {                                                                                              \
        ESR_COL_POSITION_TITLE, ESR_COL_OCCUPATION_CODE                                            \
    }
/* Learning, before any row is classified: note r's title and its code's classification
 * (r: record_init'ed, the ESR_LEARN_COLS filled); ESR_OK or ESR_ERR_NOMEM. */
esr_status classify_learn(esr_classifier *c, esr_record *r);
/* Every row learned from: the learned titles apply to classify_record;
 * ESR_OK or ESR_ERR_NOMEM. */
esr_status classify_learn_finish(esr_classifier *c);
/* The learner, or NULL when not learning. */
esr_learner *classify_learner(esr_classifier *c);
/* title_suggestions.csv: every title the export carries that job_titles.csv
 * does not hold whole, with its rows, what its coded rows say and the best
 * table match; ESR_OK, ESR_ERR_NOMEM or ESR_ERR_IO (errno). */
esr_status classify_write_suggestions(esr_classifier *c, FILE *fp);
/* ESR_OK, or ESR_ERR_NOMEM once an allocation failed while classifying:
 * classify_record's results are then not to be used. Checked once per
 * record (decide_row). */
esr_status classify_status(const esr_classifier *c);
/* Free the classifier. */
void classify_free(esr_classifier *c);

#endif
