/* classify.h - decide what a record is: occupation code -> profession
 * supported, support role, career framework level; pay band and area of
 * work to their canonical values; in or out of scope. Each decision keeps
 * its lineage (which source decided it). */
#ifndef ESR_CLASSIFY_H
#define ESR_CLASSIFY_H

#include "mappings.h"
#include "record.h"

typedef enum esr_classify_mode {
    ESR_CLASSIFY_EVIDENCE = 0, /* code first; title/area refine generic codes */
    ESR_CLASSIFY_CODE_ONLY     /* reproduce national statistics exactly */
} esr_classify_mode;

typedef struct esr_classifier esr_classifier;

/* Create a classifier over mappings m (borrowed; must outlive it). */
esr_classifier *classify_new(const esr_mappings *m, esr_classify_mode mode);
/* Classify r (fields filled by schema_fill, not rejected). */
void classify_record(esr_classifier *c, esr_record *r);
/* Free the classifier. */
void classify_free(esr_classifier *c);

#endif
