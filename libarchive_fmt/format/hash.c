/*
 * hash.c - BLAKE2b through libsodium's crypto_generichash.
 */
#include <sodium.h>

#include "format/hash.h"

void afmt_content_hash(uint8_t out[AFMT_HASH_BYTES], const void *data, size_t len)
{
    crypto_generichash(out, AFMT_HASH_BYTES, data, len, NULL, 0);
}

void afmt_hash_to_hex(char out[2 * AFMT_HASH_BYTES + 1], const uint8_t hash[AFMT_HASH_BYTES])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < AFMT_HASH_BYTES; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[2 * AFMT_HASH_BYTES] = 0;
}

int afmt_hex_to_hash(uint8_t out[AFMT_HASH_BYTES], const char *hex)
{
    for (size_t i = 0; i < 2 * AFMT_HASH_BYTES; i++) {
        char c = hex[i];
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            return -1; /* upper case is not canonical: rejected */
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

void afmt_hash_leaf(uint8_t out[AFMT_HASH_BYTES], const uint8_t *enc, size_t len)
{
    static const uint8_t prefix = 0x00;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, AFMT_HASH_BYTES);
    crypto_generichash_update(&st, &prefix, 1);
    crypto_generichash_update(&st, enc, len);
    crypto_generichash_final(&st, out, AFMT_HASH_BYTES);
}

void afmt_hash_node(uint8_t out[AFMT_HASH_BYTES], const uint8_t left[AFMT_HASH_BYTES],
                    const uint8_t right[AFMT_HASH_BYTES])
{
    uint8_t in[1 + 2 * AFMT_HASH_BYTES];
    in[0] = 0x01;
    memcpy(in + 1, left, AFMT_HASH_BYTES);
    memcpy(in + 1 + AFMT_HASH_BYTES, right, AFMT_HASH_BYTES);
    crypto_generichash(out, AFMT_HASH_BYTES, in, sizeof in, NULL, 0);
}

void afmt_hash_salt_key(uint8_t out[32], const uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES])
{
    static const char label[] = "afmt-v1 entry salt key";
    crypto_generichash(out, 32, (const uint8_t *)label, sizeof label - 1, sk,
                       AFMT_ED25519_SECRETKEY_BYTES);
}

void afmt_hash_salt(uint8_t out[AFMT_SALT_BYTES], const uint8_t salt_key[32], uint64_t number,
                    const uint8_t *enc0, size_t len)
{
    uint8_t n[8];
    afmt_store64(n, number);
    crypto_generichash_state st;
    crypto_generichash_init(&st, salt_key, 32, AFMT_SALT_BYTES);
    crypto_generichash_update(&st, n, 8);
    crypto_generichash_update(&st, enc0, len);
    crypto_generichash_final(&st, out, AFMT_SALT_BYTES);
}

#ifdef AFMT_TEST_CONSTANT_ID_KEY
/* tests/collide builds the library with every id key equal, to exercise
 * what real keys reach only by a 64-bit coincidence. */
uint64_t afmt_id_key(const uint8_t *id, size_t len)
{
    (void)id;
    (void)len;
    return 42;
}
#else
uint64_t afmt_id_key(const uint8_t *id, size_t len)
{
    uint8_t h[AFMT_HASH_BYTES];
    crypto_generichash(h, sizeof h, id, len, NULL, 0);
    return afmt_load64(h);
}
#endif
