/* strmap.c - open-addressing string map with insertion-ordered entries. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

typedef struct entry {
    size_t key_off;
    size_t key_len;
    size_t value;
    uint64_t hash;
} entry;

struct esr_strmap {
    entry *entries; /* insertion order */
    size_t count, entries_cap;
    uint32_t *slots; /* index+1 into entries; 0 = empty */
    size_t nslots;   /* power of two */
    char *keys;      /* arena of NUL-terminated keys */
    size_t keys_len, keys_cap;
    esr_status status; /* ESR_ERR_NOMEM once an insert failed for memory */
};

/* The 64-bit halves of a * b, xor-folded: the mixing step of wyhash. */
static uint64_t hash_mum(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* 8 bytes at p as a little-endian integer on this machine (unaligned). */
static uint64_t hash_rd8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* 64-bit hash of a byte string: wyhash's construction, 16 bytes a step
 * (FNV-1a took one; every map lookup hashes its key). The length is mixed
 * in, so "" and "\0" differ. */
uint64_t esr_hash64(const void *p, size_t len)
{
    const uint64_t s0 = 0xa0761d6478bd642fULL, s1 = 0xe7037ed1a0b428dbULL,
                   s2 = 0x8ebc6af09c88c6e3ULL;
    const unsigned char *s = p;
    size_t n = len;
    uint64_t h = hash_mum((uint64_t)len ^ s0, s2), a = 0, b = 0;
    for (; n > 16; s += 16, n -= 16)
        h = hash_mum(hash_rd8(s) ^ s1, hash_rd8(s + 8) ^ h);
    if (n > 8) { /* the last 8 bytes may overlap the first 8: both are read */
        a = hash_rd8(s);
        b = hash_rd8(s + n - 8);
    } else {
        for (size_t i = 0; i < n; i++)
            a |= (uint64_t)s[i] << (8 * i);
    }
    return hash_mum((uint64_t)len ^ s1, hash_mum(a ^ s1, b ^ h));
}

/* Create an empty map in *out (see strmap.h). */
esr_status esr_strmap_new(esr_strmap **out)
{
    esr_strmap *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m)
        return ESR_ERR_NOMEM;
    m->nslots = 64;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return ESR_ERR_NOMEM;
    }
    *out = m;
    return ESR_OK;
}

/* Free the map and its keys. */
void esr_strmap_free(esr_strmap *m)
{
    if (!m)
        return;
    free(m->entries);
    free(m->slots);
    free(m->keys);
    free(m);
}

/* Slot holding key (hash h), *found set; else the empty slot where it would go. */
static size_t find_slot(const esr_strmap *m, const char *key, size_t len, uint64_t h, int *found)
{
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (!s) {
            *found = 0;
            return i;
        }
        const entry *e = &m->entries[s - 1];
        if (e->hash == h && e->key_len == len && !memcmp(m->keys + e->key_off, key, len)) {
            *found = 1;
            return i;
        }
    }
}

/* Double the slot table and rehash every entry; 0 or -1. */
static int grow(esr_strmap *m)
{
    size_t n = m->nslots * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t j = 0; j < m->count; j++) {
        size_t i = (size_t)m->entries[j].hash & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)(j + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
    return 0;
}

/* Look key up; 1 and *value if present, else 0. */
int esr_strmap_get(const esr_strmap *m, const char *key, size_t len, size_t *value)
{
    int found;
    size_t i = find_slot(m, key, len, esr_hash64(key, len), &found);
    if (found && value)
        *value = m->entries[m->slots[i] - 1].value;
    return found;
}

/* Latch an insert's allocation failure in m; returns -1. */
static int latch(esr_strmap *m)
{
    m->status = ESR_ERR_NOMEM;
    return -1;
}

/* ESR_OK, or ESR_ERR_NOMEM once an insert failed (see strmap.h). */
esr_status esr_strmap_status(const esr_strmap *m)
{
    return m ? m->status : ESR_ERR_NOMEM;
}

/* Insert key -> value if absent (see strmap.h). */
int esr_strmap_put(esr_strmap *m, const char *key, size_t len, size_t value, size_t *existing)
{
    uint64_t h = esr_hash64(key, len);
    int found;
    size_t i = find_slot(m, key, len, h, &found);
    if (found) {
        if (existing)
            *existing = m->entries[m->slots[i] - 1].value;
        return 0;
    }
    if ((m->count + 1) * 4 > m->nslots * 3 || m->count + 1 >= UINT32_MAX) {
        if (m->count + 1 >= UINT32_MAX || grow(m))
            return latch(m);
        i = find_slot(m, key, len, h, &found);
    }
    if (esr_grow(&m->entries, &m->entries_cap, m->count + 1, sizeof *m->entries, 32))
        return latch(m);
    if (m->keys_len + len + 1 > m->keys_cap) {
        size_t cap = m->keys_cap ? m->keys_cap : 1024;
        while (cap < m->keys_len + len + 1)
            cap *= 2;
        char *k = realloc(m->keys, cap);
        if (!k)
            return latch(m);
        m->keys = k;
        m->keys_cap = cap;
    }
    memcpy(m->keys + m->keys_len, key, len);
    m->keys[m->keys_len + len] = '\0';
    m->entries[m->count] = (entry){m->keys_len, len, value, h};
    m->keys_len += len + 1;
    m->slots[i] = (uint32_t)(++m->count);
    return 1;
}

/* Number of keys. */
size_t esr_strmap_count(const esr_strmap *m)
{
    return m->count;
}

/* The key stored for entry i, in insertion order. */
const char *esr_strmap_key(const esr_strmap *m, size_t i, size_t *len)
{
    if (len)
        *len = m->entries[i].key_len;
    return m->keys + m->entries[i].key_off;
}

/* The value stored for entry i, in insertion order. */
size_t esr_strmap_value(const esr_strmap *m, size_t i)
{
    return m->entries[i].value;
}
