/*
 * set.h - a compact hash map from byte strings to u32 values, used to find
 * duplicate ids, paths and blobs and to look entries up.  The map stores
 * no keys: a slot is 8 bytes (32 bits of hash, the value), and the key of
 * a value is fetched back through a callback from where the caller keeps
 * it (an entry record, a blob's hash).  Hashing is SipHash
 * (crypto_shorthash) under a random key, so crafted ids cannot force
 * collisions.
 */
#ifndef AFMT_SET_H
#define AFMT_SET_H

#include "common/internal.h"

/* Returns the key stored for `value`. */
typedef void (*afmt_set_key_fn)(const void *ctx, uint32_t value, const uint8_t **key,
                                size_t *len);

typedef struct afmt_set {
    uint64_t *slots;    /* 0 = empty, else (hash32 << 32) | (value + 1) */
    size_t cap;         /* power of two */
    size_t count;
    afmt_set_key_fn key;
    const void *ctx;
    uint8_t sipkey[16];
} afmt_set;

#define AFMT_SET_MAX_VALUE (UINT32_MAX - 1)

AFMT_INTERNAL int afmt_set_init(afmt_set *s, size_t expected, afmt_set_key_fn key,
                                const void *ctx);
AFMT_INTERNAL void afmt_set_free(afmt_set *s);
/* Inserts key -> value (value <= AFMT_SET_MAX_VALUE; the caller must be
 * able to give `key` back for `value` from now on).  Returns 1 when
 * inserted, 0 when the key was there already (its value in *existing when
 * not NULL), or AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_set_insert(afmt_set *s, const void *key, size_t len, uint32_t value,
                                  uint32_t *existing);
/* The same in two steps, so a caller can hash a batch of keys, prefetch
 * their slots and then insert them while the memory is on its way. */
AFMT_INTERNAL uint32_t afmt_set_hash(const afmt_set *s, const void *key, size_t len);
AFMT_INTERNAL void afmt_set_prefetch(const afmt_set *s, uint32_t hash);
AFMT_INTERNAL int afmt_set_insert_hashed(afmt_set *s, uint32_t hash, const void *key, size_t len,
                                         uint32_t value, uint32_t *existing);

/* Returns 1 and the value when found, 0 otherwise. */
AFMT_INTERNAL int afmt_set_find(const afmt_set *s, const void *key, size_t len, uint32_t *value);

#endif
