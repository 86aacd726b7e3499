/* strmap.h - an open-addressing hash map from byte strings to size_t values.
 * Keys are copied into the map's own arena; the map owns them. */
#ifndef ESR_STRMAP_H
#define ESR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct esr_strmap esr_strmap;

/* Create an empty map in *out (NULL on failure); esr_strmap_free frees it.
 * ESR_ERR_NOMEM on allocation failure. */
esr_status esr_strmap_new(esr_strmap **out);
/* Free the map and its keys. */
void esr_strmap_free(esr_strmap *m);
/* Look key up; 1 and *value if present, else 0. */
int esr_strmap_get(const esr_strmap *m, const char *key, size_t len, size_t *value);
/* Insert key -> value if absent. Returns 1 if inserted, 0 if present (then
 * *existing, if given, receives the stored value), -1 on no memory. An int,
 * not an esr_status, because it has three results and callers branch on the
 * first two; -1 is the only error (ESR_ERR_NOMEM, also latched: see
 * esr_strmap_status). */
int esr_strmap_put(esr_strmap *m, const char *key, size_t len, size_t value, size_t *existing);
/* ESR_OK, or ESR_ERR_NOMEM once an insert failed for memory (latched, so
 * a loop of inserts may be checked once; NULL m reads as ESR_ERR_NOMEM). */
esr_status esr_strmap_status(const esr_strmap *m);
/* Number of keys. */
size_t esr_strmap_count(const esr_strmap *m);
/* The key stored for entry i (0 <= i < count), in insertion order. */
const char *esr_strmap_key(const esr_strmap *m, size_t i, size_t *len);
/* The value stored for entry i, in insertion order. */
size_t esr_strmap_value(const esr_strmap *m, size_t i);

/* 64-bit hash of a byte string (wyhash's 128-bit multiply-fold mixing). */
uint64_t esr_hash64(const void *p, size_t len);

#endif
