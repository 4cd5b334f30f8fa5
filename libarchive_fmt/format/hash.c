/*
 * hash.c - SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, and HMAC-SHA-256
 * (RFC 2104) built on it: content addresses, Merkle leaves and nodes, id
 * keys, the index head, entry salts.
 *
 * The SHA256_Init/Update/Final calls are used rather than EVP (or OpenSSL
 * 3's one-shot SHA256(), which goes through EVP): they allocate nothing,
 * fetch no provider and read no configuration (EVP's first use costs
 * milliseconds, which a one-post `afmt cat` would pay), and on this
 * machine they run on the SHA extensions as EVP does.  OpenSSL 3 marks
 * them deprecated; they stay in its API.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <sodium.h>

#include "format/hash.h"

_Static_assert(SHA256_DIGEST_LENGTH == AFMT_HASH_BYTES, "H is SHA-256");

/* SHA-256 of one buffer, without EVP. */
static void sha256(uint8_t out[AFMT_HASH_BYTES], const void *data, size_t len)
{
    SHA256_CTX c;
    SHA256_Init(&c);
    if (len > 0)
        SHA256_Update(&c, data, len);
    SHA256_Final(out, &c);
}

void afmt_content_hash(uint8_t out[AFMT_HASH_BYTES], const void *data, size_t len)
{
    sha256(out, data, len);
}

void afmt_sha256_init(afmt_sha256 *s)
{
    _Static_assert(sizeof(SHA256_CTX) <= sizeof s->state, "SHA256_CTX fits");
    SHA256_Init((SHA256_CTX *)(void *)s->state);
}

void afmt_sha256_update(afmt_sha256 *s, const void *data, size_t len)
{
    if (len > 0)
        SHA256_Update((SHA256_CTX *)(void *)s->state, data, len);
}

void afmt_sha256_final(afmt_sha256 *s, uint8_t out[AFMT_HASH_BYTES])
{
    SHA256_Final(out, (SHA256_CTX *)(void *)s->state);
    sodium_memzero(s->state, sizeof s->state);
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
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, &prefix, 1);
    if (len > 0)
        SHA256_Update(&c, enc, len);
    SHA256_Final(out, &c);
}

void afmt_hash_node(uint8_t out[AFMT_HASH_BYTES], const uint8_t left[AFMT_HASH_BYTES],
                    const uint8_t right[AFMT_HASH_BYTES])
{
    uint8_t in[1 + 2 * AFMT_HASH_BYTES];
    in[0] = 0x01;
    memcpy(in + 1, left, AFMT_HASH_BYTES);
    memcpy(in + 1 + AFMT_HASH_BYTES, right, AFMT_HASH_BYTES);
    sha256(out, in, sizeof in);
}

/* HMAC-SHA-256 (RFC 2104) of the concatenation of up to four pieces. */
#define HMAC_BLOCK 64
static void hmac_sha256(uint8_t out[AFMT_HASH_BYTES], const uint8_t *key, size_t key_len,
                        const void *const *parts, const size_t *lens, size_t nparts)
{
    uint8_t k[HMAC_BLOCK] = {0}, pad[HMAC_BLOCK], inner[AFMT_HASH_BYTES];
    if (key_len > HMAC_BLOCK)
        sha256(k, key, key_len);
    else
        memcpy(k, key, key_len);
    SHA256_CTX c;
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, HMAC_BLOCK);
    for (size_t i = 0; i < nparts; i++)
        if (lens[i] > 0)
            SHA256_Update(&c, parts[i], lens[i]);
    SHA256_Final(inner, &c);
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, HMAC_BLOCK);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
    sodium_memzero(k, sizeof k);
    sodium_memzero(pad, sizeof pad);
    sodium_memzero(inner, sizeof inner);
    sodium_memzero(&c, sizeof c);
}

void afmt_hash_salt_key(uint8_t out[32], const uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES])
{
    static const char label[] = AFMT_SALT_KEY_LABEL;
    const void *parts[1] = {label};
    size_t lens[1] = {sizeof label - 1};
    hmac_sha256(out, sk, AFMT_ED25519_SECRETKEY_BYTES, parts, lens, 1);
}

void afmt_hash_log_seed(uint8_t out[32], const uint8_t salt_key[32], int64_t created,
                        const char *title, size_t title_len)
{
    static const char label[] = AFMT_LOG_SEED_LABEL;
    uint8_t t[8];
    afmt_store64(t, (uint64_t)created);
    const void *parts[3] = {label, t, title};
    size_t lens[3] = {sizeof label, 8, title_len}; /* the label with its NUL */
    hmac_sha256(out, salt_key, 32, parts, lens, 3);
}

void afmt_hash_salt(uint8_t out[AFMT_SALT_BYTES], const uint8_t log_seed[32], uint64_t number,
                    const uint8_t *enc0, size_t len)
{
    uint8_t n[8], h[AFMT_HASH_BYTES];
    afmt_store64(n, number);
    const void *parts[2] = {n, enc0};
    size_t lens[2] = {8, len};
    hmac_sha256(h, log_seed, 32, parts, lens, 2);
    memcpy(out, h, AFMT_SALT_BYTES);
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
    afmt_content_hash(h, id, len);
    return afmt_load64(h);
}
#endif
