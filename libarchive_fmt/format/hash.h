/*
 * hash.h - every BLAKE2b use of the format in one place: content
 * addresses, Merkle leaves and nodes, entry salts.
 */
#ifndef AFMT_HASH_H
#define AFMT_HASH_H

#include "common/internal.h"

/* leaf = H(0x00 || encoding) */
AFMT_INTERNAL void afmt_hash_leaf(uint8_t out[AFMT_HASH_BYTES], const uint8_t *enc, size_t len);
/* node = H(0x01 || left || right) */
AFMT_INTERNAL void afmt_hash_node(uint8_t out[AFMT_HASH_BYTES], const uint8_t left[AFMT_HASH_BYTES],
                                  const uint8_t right[AFMT_HASH_BYTES]);
/* salt_key = H_k(32, "afmt-v1 entry salt key"), k = 64-byte secret key */
AFMT_INTERNAL void afmt_hash_salt_key(uint8_t out[32], const uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES]);
/* salt = H_k(16, u64(number) || enc_with_zero_salt), k = salt_key */
AFMT_INTERNAL void afmt_hash_salt(uint8_t out[AFMT_SALT_BYTES], const uint8_t salt_key[32],
                                  uint64_t number, const uint8_t *enc0, size_t len);
/* The id key that orders the id table (spec 7.6): the first 8 bytes of
 * H(id), read as a little-endian u64. */
AFMT_INTERNAL uint64_t afmt_id_key(const uint8_t *id, size_t len);
/* Parses 64 lowercase hex digits; returns 0 on success, -1 otherwise. */
AFMT_INTERNAL int afmt_hex_to_hash(uint8_t out[AFMT_HASH_BYTES], const char *hex);

#endif
