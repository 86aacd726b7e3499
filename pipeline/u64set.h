/* u64set.h - an open-addressing set of 64-bit keys (0 is a valid key). */
#ifndef ESR_U64SET_H
#define ESR_U64SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct esr_u64set {
    uint64_t *keys;
    unsigned char *used;
    size_t count, cap;
} esr_u64set;

/* Insert key: 1 if new, 0 if present, -1 on allocation failure. */
int u64set_add(esr_u64set *s, uint64_t key);
/* Free the storage. */
void u64set_free(esr_u64set *s);

#endif
