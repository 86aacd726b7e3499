/* u64set.c - linear-probing set of 64-bit keys. */
#include "u64set.h"

#include <stdlib.h>

static size_t slot(uint64_t k, size_t mask)
{
    k ^= k >> 31;
    k *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(k >> 17) & mask;
}

static int grow(esr_u64set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *keys = malloc(cap * sizeof *keys);
    unsigned char *used = calloc(cap, 1);
    if (!keys || !used) {
        free(keys);
        free(used);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->used[i])
            continue;
        size_t j = slot(s->keys[i], cap - 1);
        while (used[j])
            j = (j + 1) & (cap - 1);
        used[j] = 1;
        keys[j] = s->keys[i];
    }
    free(s->keys);
    free(s->used);
    s->keys = keys;
    s->used = used;
    s->cap = cap;
    return 0;
}

/* Insert key: 1 if new, 0 if present, -1 on allocation failure. */
int u64set_add(esr_u64set *s, uint64_t key)
{
    if ((s->count + 1) * 2 > s->cap && grow(s))
        return -1;
    size_t mask = s->cap - 1;
    for (size_t j = slot(key, mask);; j = (j + 1) & mask) {
        if (!s->used[j]) {
            s->used[j] = 1;
            s->keys[j] = key;
            s->count++;
            return 1;
        }
        if (s->keys[j] == key)
            return 0;
    }
}

/* Free the storage. */
void u64set_free(esr_u64set *s)
{
    free(s->keys);
    free(s->used);
    s->keys = NULL;
    s->used = NULL;
    s->count = s->cap = 0;
}
