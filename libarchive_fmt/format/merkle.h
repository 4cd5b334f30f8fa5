/*
 * merkle.h - the RFC 9162 tree head over entry leaves.
 */
#ifndef AFMT_MERKLE_H
#define AFMT_MERKLE_H

#include "common/internal.h"

/* Computes MTH over n leaves (n * 32 bytes), RFC 9162 2.1.1.  Returns
 * (n / 2 + 1) * 32 bytes (or be NULL: then it is allocated).  Returns
 * AFMT_OK or AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_merkle_root(uint8_t out[AFMT_HASH_BYTES], const uint8_t *leaves,
                                   uint64_t n);

/* The longest proof of a tree of at most 2^64 - 1 leaves. */
#define AFMT_MERKLE_MAX_PROOF 64

/* The RFC 9162 2.1.3.1 inclusion proof (audit path) of leaf m among the n
 * leaves (n * 32 bytes): writes at most 64 hashes into `path`, their count
 * to *len.  AFMT_E_INVALID_ARGUMENT unless m < n; AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_merkle_inclusion_proof(uint8_t *path, size_t *len, const uint8_t *leaves,
                                              uint64_t n, uint64_t m);
/* The RFC 9162 2.1.4.1 consistency proof between the tree of the first
 * `first` leaves and the tree of all `second`: at most 64 hashes.
 * AFMT_E_INVALID_ARGUMENT unless 0 < first <= second. */
AFMT_INTERNAL int afmt_merkle_consistency_proof(uint8_t *path, size_t *len, const uint8_t *leaves,
                                                uint64_t first, uint64_t second);

/* RFC 9162 2.1.3.2: AFMT_OK when `path` (len hashes) proves leaf `index`
 * in the tree of `size` leaves with head `root`, else AFMT_E_ROOT_MISMATCH. */
AFMT_INTERNAL int afmt_merkle_verify_inclusion(uint64_t index, uint64_t size,
                                               const uint8_t leaf[AFMT_HASH_BYTES],
                                               const uint8_t *path, size_t len,
                                               const uint8_t root[AFMT_HASH_BYTES])
    __attribute__((warn_unused_result));
/* RFC 9162 2.1.4.2: AFMT_OK when `path` proves the tree of `first` leaves
 * with head first_hash a prefix of the tree of `second` leaves with head
 * second_hash, else AFMT_E_ROOT_MISMATCH.  first == second needs an empty
 * path and equal heads; first == 0 never verifies. */
AFMT_INTERNAL int afmt_merkle_verify_consistency(uint64_t first, uint64_t second,
                                                 const uint8_t first_hash[AFMT_HASH_BYTES],
                                                 const uint8_t second_hash[AFMT_HASH_BYTES],
                                                 const uint8_t *path, size_t len)
    __attribute__((warn_unused_result));

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
