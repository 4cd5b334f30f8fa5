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

/* Every level of one tree kept, for many inclusion proofs of it: level 0
 * is the n leaves, each next level their pairs hashed with an unpaired
 * last node carried up (the bottom-up form of RFC 9162's tree, as
 * afmt_merkle_root computes it), at most 2n hashes in all.  A proof is then
 * the sibling at each level: O(log n) instead of O(n) for
 * afmt_merkle_inclusion_proof, which proving every post of a bundle needs. */
typedef struct afmt_merkle_tree {
    uint8_t *nodes;        /* every level, back to back */
    uint64_t n;            /* leaves */
    unsigned levels;
    uint64_t off[65];      /* first node of each level */
    uint64_t len[65];      /* nodes of each level */
} afmt_merkle_tree;

/* Allocates the tree of n >= 1 leaves; the caller writes the leaves into
 * afmt_merkle_tree_leaves(t) (n * 32 bytes), then calls
 * afmt_merkle_tree_hash.  AFMT_E_NOMEM, AFMT_E_INVALID_ARGUMENT (n 0). */
AFMT_INTERNAL int afmt_merkle_tree_init(afmt_merkle_tree *t, uint64_t n);
static inline uint8_t *afmt_merkle_tree_leaves(afmt_merkle_tree *t)
{
    return t->nodes;
}
/* Hashes every level above the leaves. */
AFMT_INTERNAL void afmt_merkle_tree_hash(afmt_merkle_tree *t);
/* The tree head: the one node of the top level. */
AFMT_INTERNAL void afmt_merkle_tree_root(const afmt_merkle_tree *t, uint8_t out[AFMT_HASH_BYTES]);
/* The RFC 9162 2.1.3.1 audit path of leaf m, as afmt_merkle_inclusion_proof
 * gives it: at most AFMT_MERKLE_MAX_PROOF hashes into `path`, their count
 * into *len.  AFMT_E_INVALID_ARGUMENT unless m < n. */
AFMT_INTERNAL int afmt_merkle_tree_path(uint8_t *path, size_t *len, const afmt_merkle_tree *t,
                                        uint64_t m);
AFMT_INTERNAL void afmt_merkle_tree_free(afmt_merkle_tree *t);

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
