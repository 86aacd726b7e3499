/* u64set.h - open-addressing containers keyed by 64-bit hashes: a set, and
 * a map to 32-bit values. Key 0 is stored as a fixed stand-in, so any
 * 64-bit key is allowed. Load factor at most 3/4. */
#ifndef ESR_U64SET_H
#define ESR_U64SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct esr_u64set {
    uint64_t *keys; /* 0 = empty slot */
    size_t count, cap;
} esr_u64set;

/* Insert key: 1 if new, 0 if present, -1 on no memory. An int, not an
 * esr_status, because it has three results (new, present, no memory) and
 * callers branch on the first two; -1 is the only error (ESR_ERR_NOMEM). */
int u64set_add(esr_u64set *s, uint64_t key);
/* Free the storage. */
void u64set_free(esr_u64set *s);

typedef struct esr_u64map {
    uint64_t *keys; /* 0 = empty slot */
    uint32_t *values;
    size_t count, cap;
} esr_u64map;

/* Pointer to key's value, inserting it with value init if absent (*added
 * tells which); NULL on allocation failure. Valid until the next insert. */
uint32_t *u64map_upsert(esr_u64map *m, uint64_t key, uint32_t init, int *added);
/* Free the storage. */
void u64map_free(esr_u64map *m);

#endif
