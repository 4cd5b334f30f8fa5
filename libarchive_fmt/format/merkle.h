/*
 * merkle.h - the RFC 9162 tree head over entry leaves.
 */
#ifndef AFMT_MERKLE_H
#define AFMT_MERKLE_H

#include "common/internal.h"

/* Computes MTH over n leaves (n * 32 bytes).  `scratch` must hold
 * (n / 2 + 1) * 32 bytes (or be NULL: then it is allocated).  Returns
 * AFMT_OK or AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_merkle_root(uint8_t out[AFMT_HASH_BYTES], const uint8_t *leaves,
                                   uint64_t n);

/* The same tree head computed incrementally, leaf by leaf, in O(log n)
 * memory: a binary counter of perfect subtrees, folded right to left. */
typedef struct afmt_merkle_stream {
    uint8_t stack[64][AFMT_HASH_BYTES];
    unsigned depth;
    uint64_t count;
} afmt_merkle_stream;

AFMT_INTERNAL void afmt_merkle_stream_init(afmt_merkle_stream *m);
AFMT_INTERNAL void afmt_merkle_stream_push(afmt_merkle_stream *m, const uint8_t leaf[AFMT_HASH_BYTES]);
AFMT_INTERNAL void afmt_merkle_stream_root(const afmt_merkle_stream *m, uint8_t out[AFMT_HASH_BYTES]);

#endif
