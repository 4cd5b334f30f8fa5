/*
 * set.h - a hash map from byte strings to u64, used to find duplicate ids,
 * paths and blobs and to look entries up.  Keys are copied into the map.
 * Hashing is SipHash (crypto_shorthash) under a random key, so crafted
 * ids cannot force collisions.
 */
#ifndef AFMT_SET_H
#define AFMT_SET_H

#include "internal.h"

typedef struct afmt_set_slot {
    uint64_t hash;      /* 0 = empty (real hashes are forced nonzero) */
    uint64_t key_off;   /* into keys */
    uint64_t value;
    uint32_t key_len;
} afmt_set_slot;

typedef struct afmt_set {
    afmt_set_slot *slots;
    size_t cap;         /* power of two */
    size_t count;
    afmt_buf keys;
    uint8_t sipkey[16];
} afmt_set;

AFMT_INTERNAL int afmt_set_init(afmt_set *s, size_t expected);
AFMT_INTERNAL void afmt_set_free(afmt_set *s);
/* Inserts key -> value.  Returns 1 when inserted, 0 when the key was there
 * already (its value in *existing when not NULL), or AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_set_insert(afmt_set *s, const void *key, size_t len, uint64_t value,
                                  uint64_t *existing);
/* Returns 1 and the value when found, 0 otherwise. */
AFMT_INTERNAL int afmt_set_find(const afmt_set *s, const void *key, size_t len, uint64_t *value);

#endif
