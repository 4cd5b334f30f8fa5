/* test_merkle_rfc9162.c - format/merkle.c against RFC 9162 (spec section 9):
 * every file of transparency-dev's RFC 9162 vectors (inclusion and
 * consistency proofs, valid and tampered), read from
 * AFMT_SOURCE_ROOT/../shared/vectors/rfc9162/testdata, through the project's
 * own verifiers; the proofs the project makes for the vectors' reference
 * tree equal the vectors' proofs; and made proofs verify for every leaf and
 * prefix of trees of 1 to 70 leaves, and fail after any bit flip.
 *
 * A hash in a vector that is not 32 bytes long cannot be a SHA-256 hash, and
 * the project's verifiers take 32-byte hashes only.  A leaf hash of another
 * length is refused before verification (as transparency-dev's verifier
 * does: "leafHash has unexpected size"); a root or proof hash of another
 * length is replaced by SHA-256("not a 32-byte hash" || bytes || role), a
 * value that equals no real hash and keeps equal vector values equal (the
 * transparency-dev verifier compares such values as byte strings). */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "afmt.h"
#include "format/hash.h"
#include "format/merkle.h"
#include "test_support.h"

#define HB AFMT_HASH_BYTES

static char *vector_root(void)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/../shared/vectors/rfc9162/testdata", AFMT_SOURCE_ROOT) > 0);
    return p;
}

/* A vector's hash: 32 bytes, or a stand-in for a value of another length. */
typedef struct vhash {
    uint8_t h[HB];
    int exact; /* the value was 32 bytes */
} vhash;

static void decode_hash(vhash *out, const char *b64, const char *role)
{
    uint8_t raw[256];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    if (n == HB) {
        memcpy(out->h, raw, HB);
        out->exact = 1;
        return;
    }
    static const char tag[] = "not a 32-byte hash";
    uint8_t m[sizeof tag + sizeof raw + 16];
    memcpy(m, tag, sizeof tag - 1);
    memcpy(m + sizeof tag - 1, raw, n);
    memcpy(m + sizeof tag - 1 + n, role, strlen(role));
    afmt_content_hash(out->h, m, sizeof tag - 1 + n + strlen(role));
    out->exact = 0;
}

/* The proof array (null counts as empty) into 32-byte rows. */
static size_t decode_proof(uint8_t **out, json_t *proof)
{
    size_t n = json_is_array(proof) ? json_array_size(proof) : 0;
    *out = malloc((n ? n : 1) * HB);
    assert_non_null(*out);
    for (size_t i = 0; i < n; i++) {
        vhash v;
        decode_hash(&v, json_string_value(json_array_get(proof, i)), "proof");
        memcpy(*out + i * HB, v.h, HB);
    }
    return n;
}

/* The reference tree of the vectors: RFC 6962's eight test leaves. */
static const char *const ref_data[8] = {
    "", "\x00", "\x10", "\x20\x21", "\x30\x31", "\x40\x41\x42\x43",
    "\x50\x51\x52\x53\x54\x55\x56\x57",
    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
static const size_t ref_len[8] = {0, 1, 1, 2, 2, 4, 8, 16};

static void ref_leaves(uint8_t leaves[8 * HB])
{
    for (int i = 0; i < 8; i++)
        afmt_hash_leaf(leaves + i * HB, (const uint8_t *)ref_data[i], ref_len[i]);
}

/* An unsigned field read from the file's text: the vectors hold 2^64 - 1,
 * which jansson's integers (int64) cannot. */
static uint64_t u64_field(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    while (*p == ' ')
        p++;
    char *end;
    uint64_t v = strtoull(p, &end, 10);
    assert_true(end > p);
    return v;
}

typedef struct tally {
    unsigned files, valid, invalid, made_equal;
} tally;

static void run_inclusion(json_t *j, const char *text, const char *path, tally *t)
{
    uint64_t index = u64_field(text, "leafIdx");
    uint64_t size = u64_field(text, "treeSize");
    int want_err = json_is_true(json_object_get(j, "wantErr"));
    vhash leaf, root;
    decode_hash(&leaf, json_string_value(json_object_get(j, "leafHash")), "leaf");
    decode_hash(&root, json_string_value(json_object_get(j, "root")), "root");
    uint8_t *proof;
    size_t n = decode_proof(&proof, json_object_get(j, "proof"));
    int rc = leaf.exact ? afmt_merkle_verify_inclusion(index, size, leaf.h, proof, n, root.h)
                        : AFMT_E_ROOT_MISMATCH;
    if ((rc == AFMT_OK) == want_err)
        fail_msg("%s: verification %s, the vector wants %s", path,
                 rc == AFMT_OK ? "passed" : "failed", want_err ? "an error" : "success");
    want_err ? t->invalid++ : t->valid++;
    /* A valid proof in the reference tree: the project makes the same one. */
    uint8_t leaves[8 * HB], mth[HB];
    ref_leaves(leaves);
    if (!want_err && size <= 8 && index < size &&
        afmt_merkle_root(mth, leaves, size) == AFMT_OK && memcmp(mth, root.h, HB) == 0 &&
        memcmp(leaves + index * HB, leaf.h, HB) == 0) {
        uint8_t made[AFMT_MERKLE_MAX_PROOF * HB];
        size_t made_len;
        assert_int_equal(afmt_merkle_inclusion_proof(made, &made_len, leaves, size, index),
                         AFMT_OK);
        assert_int_equal(made_len, n);
        assert_memory_equal(made, proof, n * HB);
        t->made_equal++;
    }
    free(proof);
}

static void run_consistency(json_t *j, const char *text, const char *path, tally *t)
{
    uint64_t size1 = u64_field(text, "size1");
    uint64_t size2 = u64_field(text, "size2");
    int want_err = json_is_true(json_object_get(j, "wantErr"));
    vhash root1, root2;
    decode_hash(&root1, json_string_value(json_object_get(j, "root1")), "root");
    decode_hash(&root2, json_string_value(json_object_get(j, "root2")), "root");
    uint8_t *proof;
    size_t n = decode_proof(&proof, json_object_get(j, "proof"));
    int rc = afmt_merkle_verify_consistency(size1, size2, root1.h, root2.h, proof, n);
    if ((rc == AFMT_OK) == want_err)
        fail_msg("%s: verification %s, the vector wants %s", path,
                 rc == AFMT_OK ? "passed" : "failed", want_err ? "an error" : "success");
    want_err ? t->invalid++ : t->valid++;
    uint8_t leaves[8 * HB], m1[HB], m2[HB];
    ref_leaves(leaves);
    if (!want_err && size1 > 0 && size1 <= size2 && size2 <= 8 &&
        afmt_merkle_root(m1, leaves, size1) == AFMT_OK &&
        afmt_merkle_root(m2, leaves, size2) == AFMT_OK && memcmp(m1, root1.h, HB) == 0 &&
        memcmp(m2, root2.h, HB) == 0) {
        uint8_t made[AFMT_MERKLE_MAX_PROOF * HB];
        size_t made_len;
        assert_int_equal(afmt_merkle_consistency_proof(made, &made_len, leaves, size1, size2),
                         AFMT_OK);
        assert_int_equal(made_len, n);
        assert_memory_equal(made, proof, n * HB);
        t->made_equal++;
    }
    free(proof);
}

/* Every .json file below `dir`, recursively. */
static void walk(const char *dir, int consistency, tally *t)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *p = afmt_test_path(dir, de->d_name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(p, consistency, t);
        } else {
            json_error_t err;
            char *text = afmt_test_read_text(p);
            json_t *j = json_loads(text, JSON_DECODE_INT_AS_REAL, &err);
            if (j == NULL)
                fail_msg("%s: %s", p, err.text);
            t->files++;
            if (consistency)
                run_consistency(j, text, p, t);
            else
                run_inclusion(j, text, p, t);
            json_decref(j);
            free(text);
        }
        free(p);
    }
    closedir(d);
}

static void test_vectors(void **state, const char *sub, int consistency)
{
    (void)state;
    char *root = vector_root();
    char *dir = afmt_test_path(root, sub);
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("skipped: %s is absent (the RFC 9162 vectors live in ../shared)\n", dir);
        free(dir);
        free(root);
        skip();
    }
    tally t = {0};
    walk(dir, consistency, &t);
    printf("%s: %u files (%u valid, %u tampered) all as expected; %u proofs made equal to "
           "the vectors'\n", sub, t.files, t.valid, t.invalid, t.made_equal);
    assert_true(t.files >= 90); /* 98 each at the commit ../shared names */
    assert_true(t.made_equal >= 4);
    free(dir);
    free(root);
}

static void test_inclusion_vectors(void **state)
{
    test_vectors(state, "inclusion", 0);
}

static void test_consistency_vectors(void **state)
{
    test_vectors(state, "consistency", 1);
}

/* The known RFC 6962 head of the eight reference leaves. */
static void test_reference_root(void **state)
{
    (void)state;
    uint8_t leaves[8 * HB], mth[HB];
    char hex[65];
    ref_leaves(leaves);
    assert_int_equal(afmt_merkle_root(mth, leaves, 8), AFMT_OK);
    afmt_hash_to_hex(hex, mth);
    assert_string_equal(hex, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    afmt_merkle_stream s;
    afmt_merkle_stream_init(&s);
    for (int i = 0; i < 8; i++)
        afmt_merkle_stream_push(&s, leaves + i * HB);
    afmt_merkle_stream_root(&s, mth);
    afmt_hash_to_hex(hex, mth);
    assert_string_equal(hex, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

/* Made proofs verify, and a flipped bit anywhere makes them fail. */
static void test_round_trip(void **state)
{
    (void)state;
    enum { N = 70 };
    uint8_t leaves[N * HB], roots[N + 1][HB], path[AFMT_MERKLE_MAX_PROOF * HB];
    size_t len;
    for (unsigned i = 0; i < N; i++) {
        uint8_t d[4] = {(uint8_t)i, 1, 2, 3};
        afmt_hash_leaf(leaves + i * HB, d, sizeof d);
    }
    for (uint64_t n = 1; n <= N; n++)
        assert_int_equal(afmt_merkle_root(roots[n], leaves, n), AFMT_OK);
    for (uint64_t n = 1; n <= N; n++) {
        for (uint64_t m = 0; m < n; m++) {
            assert_int_equal(afmt_merkle_inclusion_proof(path, &len, leaves, n, m), AFMT_OK);
            assert_int_equal(afmt_merkle_verify_inclusion(m, n, leaves + m * HB, path, len,
                                                          roots[n]),
                             AFMT_OK);
            if (n > 1)
                assert_int_not_equal(afmt_merkle_verify_inclusion((m + 1) % n, n,
                                                                  leaves + m * HB, path, len,
                                                                  roots[n]),
                                     AFMT_OK);
            for (size_t bit = 0; bit < len * HB * 8; bit += 61) {
                path[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                assert_int_not_equal(afmt_merkle_verify_inclusion(m, n, leaves + m * HB, path,
                                                                  len, roots[n]),
                                     AFMT_OK);
                path[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
        }
        for (uint64_t m = 1; m <= n; m++) {
            assert_int_equal(afmt_merkle_consistency_proof(path, &len, leaves, m, n), AFMT_OK);
            assert_int_equal(afmt_merkle_verify_consistency(m, n, roots[m], roots[n], path, len),
                             AFMT_OK);
            if (m < n)
                assert_int_not_equal(afmt_merkle_verify_consistency(m, n, roots[n], roots[m],
                                                                    path, len),
                                     AFMT_OK);
            for (size_t bit = 0; bit < len * HB * 8; bit += 37) {
                path[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                assert_int_not_equal(afmt_merkle_verify_consistency(m, n, roots[m], roots[n],
                                                                    path, len),
                                     AFMT_OK);
                path[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
        }
    }
    assert_int_equal(afmt_merkle_inclusion_proof(path, &len, leaves, 3, 3),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_merkle_consistency_proof(path, &len, leaves, 0, 3),
                     AFMT_E_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_root),
        cmocka_unit_test(test_inclusion_vectors),
        cmocka_unit_test(test_consistency_vectors),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
