/* test_merkle.c - format/merkle.c: the RFC 9162 tree head, whole and
 * streamed, against known answers and against MTH as the RFC defines it
 * (2.1.1), computed by the test forger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "format/hash.h"
#include "format/merkle.h"
#include "forge.h"

static void h2(uint8_t out[32], uint8_t tag, const void *a, size_t an, const void *b, size_t bn)
{
    /* libsodium's SHA-256: not the library's (OpenSSL's) */
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &tag, 1);
    crypto_hash_sha256_update(&st, a, an);
    if (bn)
        crypto_hash_sha256_update(&st, b, bn);
    crypto_hash_sha256_final(&st, out);
}

/* MTH(D[n]) of RFC 9162 2.1.1, recursively, over leaf hashes: the test
 * forger's (tests/hostile/forge.c), written from the spec alone. */
static void mth(uint8_t out[32], const uint8_t *leaves, uint64_t n)
{
    fh_root(out, leaves, n);
}

static void hex(char out[65], const uint8_t h[32])
{
    afmt_hash_to_hex(out, h);
}

static void test_leaf_and_node(void **state)
{
    (void)state;
    uint8_t a[32], b[32], n[32], want[32];
    afmt_hash_leaf(a, (const uint8_t *)"abc", 3);
    h2(want, 0x00, "abc", 3, NULL, 0);
    assert_memory_equal(a, want, 32);
    afmt_hash_leaf(b, (const uint8_t *)"", 0);
    h2(want, 0x00, "", 0, NULL, 0);
    assert_memory_equal(b, want, 32);
    afmt_hash_node(n, a, b);
    h2(want, 0x01, a, 32, b, 32);
    assert_memory_equal(n, want, 32);
    afmt_hash_node(n, b, a); /* order matters */
    assert_memory_not_equal(n, want, 32);
}

static void test_known_answers(void **state)
{
    (void)state;
    uint8_t root[32], l[3 * 32];
    char x[65];
    /* the empty tree: SHA-256 of nothing (RFC 9162 2.1.1) */
    assert_int_equal(afmt_merkle_root(root, NULL, 0), AFMT_OK);
    hex(x, root);
    assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* one leaf: the leaf hash itself */
    afmt_hash_leaf(l, (const uint8_t *)"", 0);
    assert_int_equal(afmt_merkle_root(root, l, 1), AFMT_OK);
    assert_memory_equal(root, l, 32);
    /* three leaves: H(1 || H(1 || l0 || l1) || l2), the unpaired leaf carried up */
    afmt_hash_leaf(l + 32, (const uint8_t *)"a", 1);
    afmt_hash_leaf(l + 64, (const uint8_t *)"b", 1);
    uint8_t n01[32], want[32];
    h2(n01, 0x01, l, 32, l + 32, 32);
    h2(want, 0x01, n01, 32, l + 64, 32);
    assert_int_equal(afmt_merkle_root(root, l, 3), AFMT_OK);
    assert_memory_equal(root, want, 32);
}

static void test_every_size_whole_and_streamed(void **state)
{
    (void)state;
    enum { N = 300 };
    uint8_t *leaves = malloc(32 * N);
    assert_non_null(leaves);
    for (unsigned i = 0; i < N; i++) {
        uint8_t enc[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0x5a, 0xa5};
        afmt_hash_leaf(leaves + 32 * i, enc, sizeof enc);
    }
    for (uint64_t n = 0; n <= N; n++) {
        uint8_t want[32], whole[32], streamed[32];
        mth(want, leaves, n);
        assert_int_equal(afmt_merkle_root(whole, leaves, n), AFMT_OK);
        assert_memory_equal(whole, want, 32);
        afmt_merkle_stream s;
        afmt_merkle_stream_init(&s);
        for (uint64_t i = 0; i < n; i++)
            afmt_merkle_stream_push(&s, leaves + 32 * i);
        afmt_merkle_stream_root(&s, streamed);
        assert_memory_equal(streamed, want, 32);
    }
    /* a leaf changed changes the root */
    uint8_t before[32], after[32];
    assert_int_equal(afmt_merkle_root(before, leaves, 77), AFMT_OK);
    leaves[32 * 50] ^= 1;
    assert_int_equal(afmt_merkle_root(after, leaves, 77), AFMT_OK);
    assert_memory_not_equal(before, after, 32);
    free(leaves);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_and_node),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_every_size_whole_and_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
