/* test_proof.c - proofs of one post (spec 16): format/tlog_proof.c,
 * read/prove.c, read/proof_check.c and the tree levels of format/merkle.c.
 * The tree's paths equal the RFC 9162 recursion's for every leaf of trees
 * of 1 to 70 leaves; every post of a bundle is proven and checked through
 * the public API; each way a proof can lie is refused with its error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/hash.h"
#include "format/merkle.h"
#include "format/tlog_proof.h"
#include "test_support.h"

static void test_tree_paths(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 70; n++) {
        uint8_t *leaves = malloc(n * 32);
        assert_non_null(leaves);
        for (uint64_t i = 0; i < n; i++)
            afmt_hash_leaf(leaves + i * 32, (const uint8_t *)&i, sizeof i);
        afmt_merkle_tree t;
        assert_int_equal(afmt_merkle_tree_init(&t, n), AFMT_OK);
        memcpy(afmt_merkle_tree_leaves(&t), leaves, n * 32);
        afmt_merkle_tree_hash(&t);
        uint8_t root[32], want[32];
        afmt_merkle_tree_root(&t, root);
        assert_int_equal(afmt_merkle_root(want, leaves, n), AFMT_OK);
        assert_memory_equal(root, want, 32);
        for (uint64_t m = 0; m < n; m++) {
            uint8_t a[64 * 32], b[64 * 32];
            size_t al, bl;
            assert_int_equal(afmt_merkle_tree_path(a, &al, &t, m), AFMT_OK);
            assert_int_equal(afmt_merkle_inclusion_proof(b, &bl, leaves, n, m), AFMT_OK);
            assert_int_equal(al, bl);
            assert_memory_equal(a, b, al * 32);
            assert_int_equal(afmt_merkle_verify_inclusion(m, n, leaves + m * 32, a, al, root),
                             AFMT_OK);
        }
        size_t al;
        uint8_t a[64 * 32];
        assert_int_equal(afmt_merkle_tree_path(a, &al, &t, n), AFMT_E_INVALID_ARGUMENT);
        afmt_merkle_tree_free(&t);
        free(leaves);
    }
}

/* A bundle of `n` posts (and no file) in the fixture's folder. */
static const char *make_bundle(afmt_test_fixture *f, int n)
{
    const char *path = afmt_test_tmp(f, "b%d.afmt", n);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1700000000;
    o.title = "Proofs";
    o.block_size = 4096;
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    for (int i = 0; i < n; i++) {
        char id[32], body[64];
        snprintf(id, sizeof id, "post-%d", i);
        int len = snprintf(body, sizeof body, "body of post %d%s", i, i % 3 ? "" : " \xff\x00");
        afmt_post p = afmt_test_text_post(id, i ? "post-0" : NULL, body, (size_t)len);
        if (i == 5)
            p.content_len = 0; /* an empty post */
        assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    }
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    return path;
}

static void test_every_post(void **state)
{
    afmt_test_fixture *f = *state;
    int sizes[] = {1, 2, 3, 7, 64, 65};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        afmt_reader *r = afmt_test_open_verified(make_bundle(f, sizes[s]));
        uint64_t n = afmt_reader_entry_count(r);
        assert_int_equal(n, (uint64_t)sizes[s]);
        for (uint64_t i = 0; i < n; i++) {
            char *proof;
            size_t len;
            void *post;
            size_t post_len;
            assert_int_equal(afmt_reader_prove(&proof, &len, r, i), AFMT_OK);
            assert_int_equal(strlen(proof), len);
            assert_true(len < 1024);
            assert_int_equal(afmt_reader_read_post(&post, &post_len, r, i), AFMT_OK);
            afmt_proof *p;
            assert_int_equal(afmt_proof_check(&p, proof, len, post_len ? post : "", post_len,
                                              &f->pk, 1),
                             AFMT_OK);
            const afmt_proof_info *in = afmt_proof_get_info(p);
            afmt_entry e = afmt_test_entry(r, i);
            assert_int_equal(in->kind, AFMT_PROOF_POST);
            assert_int_equal(in->index, i);
            assert_int_equal(in->entries, n);
            assert_true(in->content_checked);
            assert_int_equal(in->post.id_len, e.id_len);
            assert_memory_equal(in->post.id, e.id, e.id_len);
            assert_int_equal(in->post.size, e.size);
            assert_memory_equal(in->post.hash, e.hash, 32);
            assert_memory_equal(in->root, afmt_reader_checkpoint(r)->root, 32);
            assert_memory_equal(in->signer.key, f->pk.key, 32);
            assert_int_equal(in->other_signatures, 0);
            assert_int_equal(in->created, 1700000000);
            assert_int_equal(in->title_len, 6);
            uint8_t leaf[32];
            assert_int_equal(afmt_reader_entry_leaf(leaf, r, i), AFMT_OK);
            assert_memory_equal(in->leaf, leaf, 32);
            afmt_proof_free(p);
            /* Without the post's bytes: proven, content not checked. */
            assert_int_equal(afmt_proof_check(&p, proof, len, NULL, 0, &f->pk, 1), AFMT_OK);
            assert_false(afmt_proof_get_info(p)->content_checked);
            afmt_proof_free(p);
            free(post);
            free(proof);
        }
        afmt_reader_free(r);
    }
}

/* Checks `proof` (NUL-terminated) and expects `err`. */
static void refused(const char *proof, const void *post, size_t post_len,
                    const afmt_public_key *pk, int err)
{
    afmt_proof *p = (afmt_proof *)1;
    int rc = afmt_proof_check(&p, proof, strlen(proof), post, post_len, pk, 1);
    if (rc != err)
        fail_msg("expected %s, got %s: %s", afmt_strerror(err), afmt_strerror(rc),
                 afmt_error_last());
    assert_null(p);
}

/* proof with the first occurrence of `from` replaced by `to`. */
static char *edit(const char *proof, const char *from, const char *to)
{
    const char *at = strstr(proof, from);
    assert_non_null(at);
    size_t a = (size_t)(at - proof), fl = strlen(from), tl = strlen(to);
    char *s = malloc(strlen(proof) - fl + tl + 1);
    assert_non_null(s);
    memcpy(s, proof, a);
    memcpy(s + a, to, tl);
    strcpy(s + a + tl, at + fl);
    return s;
}

static void test_refusals(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_reader *r = afmt_test_open_verified(make_bundle(f, 7));
    char *proof;
    size_t len;
    void *post;
    size_t post_len;
    assert_int_equal(afmt_reader_prove(&proof, &len, r, 3), AFMT_OK);
    assert_int_equal(afmt_reader_read_post(&post, &post_len, r, 3), AFMT_OK);
    /* another key */
    afmt_secret_key *osk;
    afmt_public_key opk;
    assert_int_equal(afmt_key_generate(&osk, &opk), AFMT_OK);
    refused(proof, post, post_len, &opk, AFMT_E_WRONG_KEY);
    /* the same key id with other key bytes: the line is not that key's */
    afmt_public_key forged = opk;
    memcpy(forged.key_id, f->pk.key_id, AFMT_KEYID_BYTES);
    refused(proof, post, post_len, &forged, AFMT_E_WRONG_KEY);
    afmt_secret_key_free(osk);
    /* the post's bytes changed, shortened, lengthened */
    char *bad = malloc(post_len + 1);
    memcpy(bad, post, post_len);
    bad[0] ^= 1;
    refused(proof, bad, post_len, &f->pk, AFMT_E_HASH_MISMATCH);
    refused(proof, post, post_len - 1, &f->pk, AFMT_E_HASH_MISMATCH);
    bad[post_len] = 'x';
    memcpy(bad, post, post_len);
    refused(proof, bad, post_len + 1, &f->pk, AFMT_E_HASH_MISMATCH);
    free(bad);
    /* another index: the path no longer leads to the root */
    char *s = edit(proof, "\nindex 3\n", "\nindex 2\n");
    refused(s, post, post_len, &f->pk, AFMT_E_ROOT_MISMATCH);
    free(s);
    s = edit(proof, "\nindex 3\n", "\nindex 03\n");
    refused(s, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(s);
    s = edit(proof, "\nindex 3\n", "\nindex 99\n");
    refused(s, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(s);
    /* a line of the path dropped */
    const char *nl = strstr(proof, "\nindex 3\n") + 9;
    const char *nl2 = strchr(nl, '\n') + 1;
    s = malloc(strlen(proof));
    memcpy(s, proof, (size_t)(nl - proof));
    strcpy(s + (nl - proof), nl2);
    refused(s, post, post_len, &f->pk, AFMT_E_ROOT_MISMATCH);
    free(s);
    /* no extra line, a header of another version, CR line ends */
    s = edit(proof, "extra ", "extrb ");
    refused(s, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(s);
    s = edit(proof, "tlog-proof@v1", "tlog-proof@v2");
    refused(s, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(s);
    s = edit(proof, "\nindex 3\n", "\r\nindex 3\n");
    refused(s, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(s);
    /* the checkpoint changed: its signature fails */
    s = edit(proof, "title Proofs", "title Proofz");
    refused(s, post, post_len, &f->pk, AFMT_E_BAD_SIGNATURE);
    free(s);
    /* a path of 64 hashes: over the bound, before any hashing */
    afmt_buf b = {0};
    uint8_t path[64 * 32] = {0};
    assert_int_equal(afmt_tlog_proof_format(&b, (const uint8_t *)"x", 1, 3, path, 63,
                                            (const uint8_t *)"n\n", 2), AFMT_OK);
    afmt_tlog_proof tp;
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_tlog_proof_parse(&tp, b.data, b.len, err), AFMT_OK);
    assert_int_equal(tp.path_len, 63);
    afmt_tlog_proof_free(&tp);
    afmt_buf_free(&b);
    assert_int_equal(afmt_tlog_proof_format(&b, (const uint8_t *)"x", 1, 3, path, 64,
                                            (const uint8_t *)"n\n", 2), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_buf_append(&b, "c2sp.org/tlog-proof@v1\nindex 0\n", 31), AFMT_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(afmt_buf_append(&b, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 45),
                         AFMT_OK);
    assert_int_equal(afmt_buf_append(&b, "\nn\n", 3), AFMT_OK);
    assert_int_equal(afmt_tlog_proof_parse(&tp, b.data, b.len, err), AFMT_E_LIMIT);
    afmt_buf_free(&b);
    /* base64 in another spelling of the same bytes (unused bits set) */
    const char *line = strstr(proof, "\nindex 3\n") + 9;
    char *t = strdup(proof);
    char *c = t + (line - proof) + 42; /* the last character before '=' */
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t v = (size_t)(strchr(abc, *c) - abc);
    *c = abc[v ^ 1]; /* the lowest of the two unused bits */
    refused(t, post, post_len, &f->pk, AFMT_E_FORMAT);
    free(t);
    /* a file far over the bound: refused unread */
    char *huge = malloc(AFMT_PROOF_MAX_BYTES + 2);
    memset(huge, 'a', AFMT_PROOF_MAX_BYTES + 1);
    huge[AFMT_PROOF_MAX_BYTES + 1] = 0;
    refused(huge, post, post_len, &f->pk, AFMT_E_LIMIT);
    free(huge);
    /* no key, no proof */
    afmt_proof *p;
    assert_int_equal(afmt_proof_check(&p, proof, len, post, post_len, NULL, 0),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_proof_check(&p, NULL, 0, post, post_len, &f->pk, 1),
                     AFMT_E_INVALID_ARGUMENT);
    /* entry out of range */
    char *none;
    assert_int_equal(afmt_reader_prove(&none, &len, r, 7), AFMT_E_INVALID_ARGUMENT);
    afmt_proof_free(NULL);
    free(post);
    free(proof);
    afmt_reader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_paths),
        AFMT_TEST_WITH_FIXTURE(test_every_post),
        AFMT_TEST_WITH_FIXTURE(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
