/*
 * hash.h - every use of H = SHA-256 in the format in one place: content
 * addresses, Merkle leaves and nodes (RFC 9162 2.1), id keys, entry salts
 * (HMAC-SHA-256).
 */
#ifndef AFMT_HASH_H
#define AFMT_HASH_H

#include "common/internal.h"

/* An incremental SHA-256, for data read in pieces. */
typedef struct afmt_sha256 {
    uint64_t state[16]; /* an OpenSSL SHA256_CTX (112 bytes) */
} afmt_sha256;
AFMT_INTERNAL void afmt_sha256_init(afmt_sha256 *s);
AFMT_INTERNAL void afmt_sha256_update(afmt_sha256 *s, const void *data, size_t len);
AFMT_INTERNAL void afmt_sha256_final(afmt_sha256 *s, uint8_t out[AFMT_HASH_BYTES]);

/* leaf = H(0x00 || encoding) */
AFMT_INTERNAL void afmt_hash_leaf(uint8_t out[AFMT_HASH_BYTES], const uint8_t *enc, size_t len);
/* node = H(0x01 || left || right) */
AFMT_INTERNAL void afmt_hash_node(uint8_t out[AFMT_HASH_BYTES], const uint8_t left[AFMT_HASH_BYTES],
                                  const uint8_t right[AFMT_HASH_BYTES]);

/* Entry salts (spec 8.3):
 *   salt_key = HMAC(k = 64-byte secret key, "afmt salt key v2")
 *   log_seed = HMAC(k = salt_key, "afmt log seed v2" 0x00 || u64(created) || title)
 *   salt     = HMAC(k = log_seed, u64(number) || encoding with zero salt)[0..16) */
#define AFMT_SALT_KEY_LABEL "afmt salt key v2"
#define AFMT_LOG_SEED_LABEL "afmt log seed v2"
AFMT_INTERNAL void afmt_hash_salt_key(uint8_t out[32], const uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES]);
AFMT_INTERNAL void afmt_hash_log_seed(uint8_t out[32], const uint8_t salt_key[32], int64_t created,
                                      const char *title, size_t title_len);
AFMT_INTERNAL void afmt_hash_salt(uint8_t out[AFMT_SALT_BYTES], const uint8_t log_seed[32],
                                  uint64_t number, const uint8_t *enc0, size_t len);
/* The id key that orders the id table (spec 7.6): the first 8 bytes of
 * H(id), read as a little-endian u64. */
AFMT_INTERNAL uint64_t afmt_id_key(const uint8_t *id, size_t len);
/* Parses 64 lowercase hex digits; returns 0 on success, -1 otherwise. */
AFMT_INTERNAL int afmt_hex_to_hash(uint8_t out[AFMT_HASH_BYTES], const char *hex);

#endif
