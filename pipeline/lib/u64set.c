/* u64set.c - linear probing over 64-bit hashed keys. */
#include "u64set.h"

#include <stdlib.h>

#define STAND_IN 0x9e3779b97f4a7c15ULL /* stored in place of key 0 */

/* The key as stored: 0 is replaced by STAND_IN. */
static uint64_t fix(uint64_t k)
{
    return k ? k : STAND_IN;
}

/* Home slot of key k in a table of mask + 1 slots. */
static size_t slot(uint64_t k, size_t mask)
{
    k ^= k >> 31;
    k *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(k >> 17) & mask;
}

/* Grow keys (and values, if given) to cap slots, rehashing. */
static int rehash(uint64_t **keys, uint32_t **values, size_t old_cap, size_t cap)
{
    uint64_t *nk = calloc(cap, sizeof *nk);
    uint32_t *nv = values ? malloc(cap * sizeof *nv) : NULL;
    if (!nk || (values && !nv)) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < old_cap; i++) {
        uint64_t k = (*keys)[i];
        if (!k)
            continue;
        size_t j = slot(k, cap - 1);
        while (nk[j])
            j = (j + 1) & (cap - 1);
        nk[j] = k;
        if (values)
            nv[j] = (*values)[i];
    }
    free(*keys);
    *keys = nk;
    if (values) {
        free(*values);
        *values = nv;
    }
    return 0;
}

/* Insert key: 1 if new, 0 if present, -1 on allocation failure. */
int u64set_add(esr_u64set *s, uint64_t key)
{
    key = fix(key);
    if ((s->count + 1) * 4 > s->cap * 3) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        if (rehash(&s->keys, NULL, s->cap, cap))
            return -1;
        s->cap = cap;
    }
    size_t mask = s->cap - 1;
    for (size_t j = slot(key, mask);; j = (j + 1) & mask) {
        if (!s->keys[j]) {
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
    s->keys = NULL;
    s->count = s->cap = 0;
}

/* Pointer to key's value, inserting it with value init if absent. */
uint32_t *u64map_upsert(esr_u64map *m, uint64_t key, uint32_t init, int *added)
{
    key = fix(key);
    if ((m->count + 1) * 4 > m->cap * 3) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        if (rehash(&m->keys, &m->values, m->cap, cap))
            return NULL;
        m->cap = cap;
    }
    size_t mask = m->cap - 1;
    for (size_t j = slot(key, mask);; j = (j + 1) & mask) {
        if (!m->keys[j]) {
            m->keys[j] = key;
            m->values[j] = init;
            m->count++;
            *added = 1;
            return &m->values[j];
        }
        if (m->keys[j] == key) {
            *added = 0;
            return &m->values[j];
        }
    }
}

/* Free the storage. */
void u64map_free(esr_u64map *m)
{
    free(m->keys);
    free(m->values);
    m->keys = NULL;
    m->values = NULL;
    m->count = m->cap = 0;
}
