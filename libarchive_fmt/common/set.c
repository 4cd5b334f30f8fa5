/*
 * set.c - open addressing with linear probing; grows at 50% load.
 */
#include <stdlib.h>

#include <sodium.h>

#include "common/set.h"

static uint32_t key_hash(const afmt_set *s, const void *key, size_t len)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, len, s->sipkey);
    return afmt_load32(h);
}

/* A slot's first place: the top bits of a multiplicative mix of the hash. */
static size_t home(const afmt_set *s, uint32_t h)
{
    return ((uint64_t)h * 0x9E3779B97F4A7C15ull >> 20) & (s->cap - 1);
}

static int grow(afmt_set *s, size_t cap)
{
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return AFMT_E_NOMEM;
    /* Rehash without the keys: mix the stored 32 bits into the new index.
     * The low bits of the index come from the hash, the rest from another
     * mix of it, so a bigger table still spreads. */
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i] == 0)
            continue;
        uint32_t h = (uint32_t)(s->slots[i] >> 32);
        size_t j = ((uint64_t)h * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1); /* home() */
        while (slots[j] != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return AFMT_OK;
}

int afmt_set_init(afmt_set *s, size_t expected, afmt_set_key_fn key, const void *ctx)
{
    memset(s, 0, sizeof *s);
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    s->key = key;
    s->ctx = ctx;
    randombytes_buf(s->sipkey, sizeof s->sipkey);
    size_t cap = 16;
    while (cap < expected * 2 && cap < ((size_t)1 << 34))
        cap *= 2;
    return grow(s, cap);
}

void afmt_set_free(afmt_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* Finds the slot of `key`, or the empty slot where it would go. */
static size_t probe(const afmt_set *s, uint32_t h, const void *key, size_t len, int *found)
{
    size_t j = home(s, h);
    for (;;) {
        uint64_t slot = s->slots[j];
        if (slot == 0) {
            *found = 0;
            return j;
        }
        if ((uint32_t)(slot >> 32) == h) {
            const uint8_t *k;
            size_t klen;
            s->key(s->ctx, (uint32_t)slot - 1, &k, &klen);
            if (klen == len && memcmp(k, key, len) == 0) {
                *found = 1;
                return j;
            }
        }
        j = (j + 1) & (s->cap - 1);
    }
}

uint32_t afmt_set_hash(const afmt_set *s, const void *key, size_t len)
{
    return key_hash(s, key, len);
}

void afmt_set_prefetch(const afmt_set *s, uint32_t h)
{
    __builtin_prefetch(&s->slots[home(s, h)], 1);
}

int afmt_set_insert(afmt_set *s, const void *key, size_t len, uint32_t value, uint32_t *existing)
{
    return afmt_set_insert_hashed(s, key_hash(s, key, len), key, len, value, existing);
}

int afmt_set_insert_hashed(afmt_set *s, uint32_t h, const void *key, size_t len, uint32_t value,
                           uint32_t *existing)
{
    if (value > AFMT_SET_MAX_VALUE)
        return AFMT_E_INVALID_ARGUMENT;
    if ((s->count + 1) * 2 > s->cap) {
        int rc = grow(s, s->cap * 2);
        if (rc != AFMT_OK)
            return rc;
    }
    int found;
    size_t j = probe(s, h, key, len, &found);
    if (found) {
        if (existing != NULL)
            *existing = (uint32_t)s->slots[j] - 1;
        return 0;
    }
    s->slots[j] = ((uint64_t)h << 32) | ((uint64_t)value + 1);
    s->count++;
    return 1;
}

int afmt_set_find(const afmt_set *s, const void *key, size_t len, uint32_t *value)
{
    if (s->cap == 0)
        return 0;
    int found;
    size_t j = probe(s, key_hash(s, key, len), key, len, &found);
    if (found && value != NULL)
        *value = (uint32_t)s->slots[j] - 1;
    return found;
}
