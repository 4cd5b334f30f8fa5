/*
 * set.c - open addressing with linear probing; grows at 50% load.
 */
#include <stdlib.h>

#include <sodium.h>

#include "set.h"

static uint64_t key_hash(const afmt_set *s, const void *key, size_t len)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, len, s->sipkey);
    uint64_t v = afmt_load64(h);
    return v ? v : 1;
}

static int grow(afmt_set *s, size_t cap)
{
    afmt_set_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return AFMT_E_NOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i].hash == 0)
            continue;
        size_t j = s->slots[i].hash & (cap - 1);
        while (slots[j].hash != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return AFMT_OK;
}

int afmt_set_init(afmt_set *s, size_t expected)
{
    memset(s, 0, sizeof *s);
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    randombytes_buf(s->sipkey, sizeof s->sipkey);
    size_t cap = 16;
    while (cap < expected * 2 && cap < ((size_t)1 << 40))
        cap *= 2;
    return grow(s, cap);
}

void afmt_set_free(afmt_set *s)
{
    free(s->slots);
    afmt_buf_free(&s->keys);
    memset(s, 0, sizeof *s);
}

static size_t probe(const afmt_set *s, uint64_t h, const void *key, size_t len, int *found)
{
    size_t j = h & (s->cap - 1);
    for (;;) {
        const afmt_set_slot *slot = &s->slots[j];
        if (slot->hash == 0) {
            *found = 0;
            return j;
        }
        if (slot->hash == h && slot->key_len == len &&
            memcmp(s->keys.data + slot->key_off, key, len) == 0) {
            *found = 1;
            return j;
        }
        j = (j + 1) & (s->cap - 1);
    }
}

int afmt_set_insert(afmt_set *s, const void *key, size_t len, uint64_t value, uint64_t *existing)
{
    if (len > UINT32_MAX)
        return AFMT_E_INVALID_ARGUMENT;
    if ((s->count + 1) * 2 > s->cap) {
        int rc = grow(s, s->cap * 2);
        if (rc != AFMT_OK)
            return rc;
    }
    uint64_t h = key_hash(s, key, len);
    int found;
    size_t j = probe(s, h, key, len, &found);
    if (found) {
        if (existing != NULL)
            *existing = s->slots[j].value;
        return 0;
    }
    uint64_t off = s->keys.len;
    int rc = afmt_buf_append(&s->keys, key, len);
    if (rc != AFMT_OK)
        return rc;
    s->slots[j].hash = h;
    s->slots[j].key_off = off;
    s->slots[j].key_len = (uint32_t)len;
    s->slots[j].value = value;
    s->count++;
    return 1;
}

int afmt_set_find(const afmt_set *s, const void *key, size_t len, uint64_t *value)
{
    if (s->cap == 0)
        return 0;
    int found;
    size_t j = probe(s, key_hash(s, key, len), key, len, &found);
    if (found && value != NULL)
        *value = s->slots[j].value;
    return found;
}
