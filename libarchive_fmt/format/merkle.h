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

/* The RFC 9162 audit path of leaf m among n: writes up to 64 hashes into
 * `path` and their count to *len. */
AFMT_INTERNAL int afmt_merkle_audit_path(uint8_t *path, size_t *len, const uint8_t *leaves,
                                         uint64_t n, uint64_t m);

/* Recomputes the root from a leaf and its audit path (RFC 9162 2.1.3.2);
 * returns 1 when it equals `root`. */
AFMT_INTERNAL int afmt_merkle_verify_path(const uint8_t leaf[AFMT_HASH_BYTES], uint64_t m,
                                          uint64_t n, const uint8_t *path, size_t len,
                                          const uint8_t root[AFMT_HASH_BYTES]);

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
