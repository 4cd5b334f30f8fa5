/*
 * test_attest_add.c - afmt_bundle_add_attestation and afmt_bundle_cosign
 * (read/attest_add.c): the record lands in kind order, every byte before
 * the signature section and the fixed signature fields stay as they were
 * (so the signatures, the root and every proof hold), the result reads
 * back with the cosignature verified; a record that does not verify, a
 * second cosignature by one key, an existing output and an unknown kind
 * are refused and leave nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "test_support.h"

/* A bundle of three posts signed by the fixture's key. */
static const char *make_bundle(afmt_test_fixture *f, const char *name)
{
    const char *path = afmt_test_tmp(f, "%s", name);
    afmt_writer *w;
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1795564800;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    for (int i = 0; i < 3; i++) {
        char id[8], body[32];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(body, sizeof body, "post number %d", i);
        afmt_post p = afmt_test_text_post(id, i ? "p0" : NULL, body, strlen(body));
        assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    }
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    return path;
}

/* Where the signature section starts, and its fixed part's end (246 + T). */
static void sig_span(const uint8_t *b, size_t len, size_t *start, size_t *fixed_end)
{
    const uint8_t *t = b + len - 32;
    uint64_t io = 0, isz = 0, cs = 0;
    for (int i = 7; i >= 0; i--) {
        io = io << 8 | t[i];
        isz = isz << 8 | t[8 + i];
    }
    for (int i = 3; i >= 0; i--)
        cs = cs << 8 | t[16 + i];
    *start = (size_t)(io + isz + cs);
    *fixed_end = *start + 246 + (size_t)(b[*start + 74] | b[*start + 75] << 8);
}

static void test_cosign_keeps_signed_bytes(void **state)
{
    afmt_test_fixture *f = *state;
    const char *orig = make_bundle(f, "a.afmt");
    const char *one = afmt_test_tmp(f, "one.afmt"), *two = afmt_test_tmp(f, "two.afmt");
    afmt_secret_key *b, *c;
    afmt_public_key bp, cp;
    assert_int_equal(afmt_key_generate(&b, &bp), AFMT_OK);
    assert_int_equal(afmt_key_generate(&c, &cp), AFMT_OK);
    assert_int_equal(afmt_bundle_cosign(orig, one, c, "z.example/c", 11, 2000000000), AFMT_OK);
    assert_int_equal(afmt_bundle_cosign(one, two, b, NULL, 0, 1900000000), AFMT_OK);
    size_t n0, n2;
    uint8_t *b0 = afmt_test_read_file(orig, &n0), *b2 = afmt_test_read_file(two, &n2);
    size_t s0, e0, s2, e2;
    sig_span(b0, n0, &s0, &e0);
    sig_span(b2, n2, &s2, &e2);
    assert_int_equal(s0, s2);
    assert_int_equal(e0, e2);
    assert_memory_equal(b0, b2, e0); /* blocks, index, checkpoint, the three signatures */
    assert_int_equal(n2, n0 + 2 * (5 + 1 + 32 + 8 + 64) + 11 + 21);
    afmt_reader *r;
    assert_int_equal(afmt_reader_open_trusted(&r, two, &f->pk, 1, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_reader_verify(r, NULL, NULL), AFMT_OK);
    assert_int_equal(afmt_reader_cosignature_count(r), 2);
    afmt_cosignature_info ci;
    /* stored in the order added: B's record went after C's (one kind) */
    assert_int_equal(afmt_reader_cosignature(&ci, r, 0), AFMT_OK);
    assert_memory_equal(ci.key, cp.key, 32);
    assert_int_equal(ci.timestamp, 2000000000);
    assert_int_equal(afmt_reader_cosignature(&ci, r, 1), AFMT_OK);
    assert_memory_equal(ci.key, bp.key, 32);
    char kid[17];
    afmt_key_id_to_hex(kid, bp.key_id);
    assert_int_equal(ci.name_len, 21);
    assert_memory_equal(ci.name, "afmt/", 5);
    assert_memory_equal(ci.name + 5, kid, 16);
    afmt_reader_free(r);
    /* the same key again: refused, nothing written */
    const char *three = afmt_test_tmp(f, "three.afmt");
    assert_int_equal(afmt_bundle_cosign(two, three, b, NULL, 0, 1), AFMT_E_DUPLICATE);
    assert_int_equal(afmt_test_run("test ! -e '%s'", three), 0);
    /* an existing output: refused, untouched */
    assert_int_equal(afmt_bundle_cosign(orig, two, b, NULL, 0, 1), AFMT_E_EXISTS);
    size_t n2b;
    uint8_t *b2b = afmt_test_read_file(two, &n2b);
    assert_int_equal(n2b, n2);
    assert_memory_equal(b2b, b2, n2);
    free(b0);
    free(b2);
    free(b2b);
    afmt_secret_key_free(b);
    afmt_secret_key_free(c);
}

static void test_bad_records_refused(void **state)
{
    afmt_test_fixture *f = *state;
    const char *orig = make_bundle(f, "a.afmt");
    size_t n0;
    uint8_t *b0 = afmt_test_read_file(orig, &n0);
    uint8_t junk[150];
    memset(junk, 0x41, sizeof junk);
    junk[0] = 10; /* a cosignature body of the right length, a bad signature */
    /* in place: a record that does not verify leaves the bundle as it was */
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 1, junk, 1 + 10 + 32 + 8 + 64),
                     AFMT_E_BAD_SIGNATURE);
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 1, junk, 20), AFMT_E_FORMAT);
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 2, junk, 20), AFMT_E_FORMAT);
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 9, junk, 20), AFMT_E_UNSUPPORTED);
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 1, junk, 0),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_bundle_add_attestation(orig, NULL, 256, junk, 1),
                     AFMT_E_INVALID_ARGUMENT);
    size_t n1;
    uint8_t *b1 = afmt_test_read_file(orig, &n1);
    assert_int_equal(n1, n0);
    assert_memory_equal(b1, b0, n0);
    /* no temporary file left beside it */
    assert_int_equal(afmt_test_run("test -z \"$(ls -A '%s' | grep afmt-tmp)\"", f->dir), 0);
    /* a reply that is not RFC 3161 */
    assert_int_equal(afmt_bundle_timestamp(orig, NULL, junk, sizeof junk, NULL, 0),
                     AFMT_E_FORMAT);
    free(b0);
    free(b1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(test_cosign_keeps_signed_bytes),
        AFMT_TEST_WITH_FIXTURE(test_bad_records_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
