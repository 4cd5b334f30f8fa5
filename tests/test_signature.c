/*
 * test_signature.c - minisign "ED" signatures: the raw prehashed and global
 * signatures, the .minisig text (written exactly, parsed strictly), every
 * way a signature must fail, and round trips with the stock minisign
 * command in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "afmt.h"
#include "common/internal.h"
#include "format/signature.h"
#include "test_support.h"

/* ------------------------------------------------------------ helpers */

static size_t unb64(uint8_t *bin, size_t max, const char *s)
{
    size_t got = 0;
    assert_int_equal(sodium_base642bin(bin, max, s, strlen(s), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    return got;
}

/* A .minisig text cut into its four lines (without their LFs). */
typedef struct lines4 {
    char l[4][2048];
} lines4;

static void split4(lines4 *s, const char *text)
{
    const char *p = text;
    for (int k = 0; k < 4; k++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        size_t n = (size_t)(nl - p);
        assert_true(n < sizeof s->l[k]);
        memcpy(s->l[k], p, n);
        s->l[k][n] = 0;
        p = nl + 1;
    }
    assert_string_equal(p, ""); /* nothing after the fourth line */
}

static char *join4(const lines4 *s)
{
    char *t = NULL;
    assert_true(asprintf(&t, "%s\n%s\n%s\n%s\n", s->l[0], s->l[1], s->l[2], s->l[3]) > 0);
    return t;
}

/* Verifies with a sentinel in out_comment: it must come back NULL unless
 * the verification succeeds. */
static int verify_text(const afmt_public_key *pk, const void *msg, size_t len,
                       const char *text, size_t text_len)
{
    char sentinel = 0;
    char *comment = &sentinel;
    int rc = afmt_verify_detached(&comment, pk, msg, len, text, text_len);
    if (rc != AFMT_OK)
        assert_null(comment);
    else
        free(comment);
    return rc;
}

static const char MSG[] = "the checkpoint bytes\n\x00\x01\x02 with a NUL inside";
#define MSG_LEN (sizeof MSG - 1)

/* ------------------------------------------------------ raw signatures */

/* A key made from a fixed seed, so the test computes every expected byte
 * with libsodium directly. */
static afmt_secret_key *fixed_key(afmt_public_key *pk)
{
    afmt_secret_key *sk = sodium_malloc(sizeof *sk);
    assert_non_null(sk);
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    const uint8_t id[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    memcpy(sk->key_id, id, 8);
    crypto_sign_seed_keypair(pk->key, sk->sk, seed);
    memcpy(pk->key_id, id, 8);
    return sk;
}

static void test_raw_signatures(void **state)
{
    (void)state;
    afmt_public_key pk;
    afmt_secret_key *sk = fixed_key(&pk);
    uint8_t h[64], want[64], sig[64], gsig[64];
    crypto_generichash(h, 64, (const uint8_t *)MSG, MSG_LEN, NULL, 0);
    crypto_sign_detached(want, NULL, h, 64, sk->sk);

    assert_int_equal(afmt_sig_sign_prehashed(sig, sk, MSG, MSG_LEN), AFMT_OK);
    assert_memory_equal(sig, want, 64);
    assert_int_equal(afmt_sig_verify_prehashed(sig, pk.key, MSG, MSG_LEN), AFMT_OK);
    assert_int_equal(afmt_sig_verify_prehashed(sig, pk.key, MSG, MSG_LEN - 1),
                     AFMT_E_BAD_SIGNATURE);
    /* Not the raw message: the prehashed algorithm only. */
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)MSG, MSG_LEN, pk.key),
                     -1);

    const char *tc = "timestamp:1700000000\ttitle:x";
    size_t tcl = strlen(tc);
    uint8_t gm[64 + 64];
    memcpy(gm, sig, 64);
    memcpy(gm + 64, tc, tcl);
    crypto_sign_detached(want, NULL, gm, 64 + tcl, sk->sk);
    assert_int_equal(afmt_sig_sign_global(gsig, sk, sig, tc, tcl), AFMT_OK);
    assert_memory_equal(gsig, want, 64);
    assert_int_equal(afmt_sig_verify_global(gsig, pk.key, sig, tc, tcl), AFMT_OK);
    assert_int_equal(afmt_sig_verify_global(gsig, pk.key, sig, tc, tcl - 1),
                     AFMT_E_BAD_SIGNATURE);
    sig[0] ^= 1;
    assert_int_equal(afmt_sig_verify_global(gsig, pk.key, sig, tc, tcl), AFMT_E_BAD_SIGNATURE);
    assert_int_equal(afmt_sig_verify_prehashed(sig, pk.key, MSG, MSG_LEN),
                     AFMT_E_BAD_SIGNATURE);

    /* Empty message and empty comment. */
    assert_int_equal(afmt_sig_sign_prehashed(sig, sk, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_sig_verify_prehashed(sig, pk.key, "", 0), AFMT_OK);
    assert_int_equal(afmt_sig_sign_global(gsig, sk, sig, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_sig_verify_global(gsig, pk.key, sig, "", 0), AFMT_OK);
    afmt_secret_key_free(sk);
}

static void test_format_minisig_exact(void **state)
{
    (void)state;
    afmt_public_key pk;
    afmt_secret_key *sk = fixed_key(&pk);
    uint8_t sig[64], gsig[64];
    const char *tc = "timestamp:1700000000\ttitle:caf\xc3\xa9";
    assert_int_equal(afmt_sig_sign_prehashed(sig, sk, MSG, MSG_LEN), AFMT_OK);
    assert_int_equal(afmt_sig_sign_global(gsig, sk, sig, tc, strlen(tc)), AFMT_OK);

    uint8_t blob[74];
    memcpy(blob, "ED", 2);
    memcpy(blob + 2, pk.key_id, 8);
    memcpy(blob + 10, sig, 64);
    char *l2 = afmt_test_b64(blob, 74), *l4 = afmt_test_b64(gsig, 64), *want = NULL;
    assert_int_equal(strlen(l2), 100);
    assert_int_equal(strlen(l4), 88);
    assert_true(asprintf(&want,
                         "untrusted comment: signature from afmt secret key\n%s\n"
                         "trusted comment: %s\n%s\n",
                         l2, tc, l4) > 0);
    char *text = NULL;
    assert_int_equal(afmt_sig_format_minisig(&text, pk.key_id, sig, tc, strlen(tc), gsig),
                     AFMT_OK);
    assert_string_equal(text, want);
    free(text);
    /* afmt_sign_detached gives the same bytes (Ed25519 is deterministic). */
    assert_int_equal(afmt_sign_detached(&text, sk, MSG, MSG_LEN, tc), AFMT_OK);
    assert_string_equal(text, want);
    free(text);

    /* A comment that would break the file is refused. */
    text = (char *)1;
    assert_int_equal(afmt_sig_format_minisig(&text, pk.key_id, sig, "a\nb", 3, gsig),
                     AFMT_E_INVALID_ARGUMENT);
    assert_null(text);
    free(l2);
    free(l4);
    free(want);
    afmt_secret_key_free(sk);
}

static void test_trusted_comment_rules(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        { "", 1 },
        { "timestamp:1\tfile:x\thashed", 0 }, /* TAB: not in a bundle */
        { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 1 },
        { "\xc2\xa0 no-break space", 1 },
        { "line\nbreak", 0 },
        { "carriage\rreturn", 0 },
        { "escape\x1b[31m", 0 },
        { "bell\x07", 0 },
        { "del\x7f", 0 },
        { "c1 \xc2\x85 next line", 0 },
        { "c1 \xc2\x9b csi", 0 },
        { "bad utf-8 \xff", 0 },
        { "overlong \xc0\xaf", 0 },
        { "surrogate \xed\xa0\x80", 0 },
        { "truncated \xe2\x82", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (afmt_sig_comment_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("case %zu (%s): expected %d", i, cases[i].s, cases[i].ok);
    assert_false(afmt_sig_comment_valid("nul\0inside", 10));
    assert_true(afmt_sig_comment_valid(NULL, 0));
    assert_false(afmt_sig_comment_valid(NULL, 1));

    char big[AFMT_MAX_TRUSTED_COMMENT_BYTES + 2];
    memset(big, 'x', sizeof big);
    big[AFMT_MAX_TRUSTED_COMMENT_BYTES] = 0;
    assert_true(afmt_sig_comment_valid(big, AFMT_MAX_TRUSTED_COMMENT_BYTES));
    assert_false(afmt_sig_comment_valid(big, AFMT_MAX_TRUSTED_COMMENT_BYTES + 1));

    /* afmt_sign_detached applies the same rules, but accepts TAB, the
     * separator of minisign's own trusted comments. */
    afmt_test_fixture *f = *state;
    afmt_secret_key *sk = f->sk;
    afmt_public_key pk = f->pk;
    char *text = NULL, *comment = NULL;
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, "timestamp:1\tfile:x\thashed"),
                     AFMT_OK);
    assert_int_equal(afmt_verify_detached(&comment, &pk, "m", 1, text, strlen(text)), AFMT_OK);
    assert_string_equal(comment, "timestamp:1\tfile:x\thashed");
    free(comment);
    free(text);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, "vt\x0b"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, "c1 \xc2\x85"),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, big), AFMT_OK);
    free(text);
    big[AFMT_MAX_TRUSTED_COMMENT_BYTES] = 'x';
    big[AFMT_MAX_TRUSTED_COMMENT_BYTES + 1] = 0;
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, big), AFMT_E_INVALID_ARGUMENT);
    assert_null(text);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, "two\nlines"),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, "cr\r"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, sk, "m", 1, NULL), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, sk, NULL, 1, "c"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(&text, NULL, "m", 1, "c"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_sign_detached(NULL, sk, "m", 1, "c"), AFMT_E_INVALID_ARGUMENT);
}

/* ------------------------------------------------------ detached API */

static void test_sign_verify_round_trip(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_secret_key *sk = f->sk;
    afmt_public_key pk = f->pk;
    const char *comments[] = { "timestamp:1700000000\ttitle:a bundle", "", "\xc3\xa9t\xc3\xa9" };
    for (size_t i = 0; i < sizeof comments / sizeof *comments; i++) {
        char *text = NULL, *comment = NULL;
        assert_int_equal(afmt_sign_detached(&text, sk, MSG, MSG_LEN, comments[i]), AFMT_OK);
        lines4 l;
        split4(&l, text);
        assert_string_equal(l.l[0], "untrusted comment: signature from afmt secret key");
        assert_int_equal(strlen(l.l[1]), 100);
        uint8_t blob[74];
        assert_int_equal(unb64(blob, sizeof blob, l.l[1]), 74);
        assert_memory_equal(blob, "ED", 2);
        assert_memory_equal(blob + 2, pk.key_id, 8);
        assert_true(strncmp(l.l[2], "trusted comment: ", 17) == 0);
        assert_string_equal(l.l[2] + 17, comments[i]);
        assert_int_equal(strlen(l.l[3]), 88);
        assert_int_equal(afmt_verify_detached(&comment, &pk, MSG, MSG_LEN, text, strlen(text)),
                         AFMT_OK);
        assert_string_equal(comment, comments[i]);
        free(comment);
        /* The comment is optional; the final LF too. */
        assert_int_equal(afmt_verify_detached(NULL, &pk, MSG, MSG_LEN, text, strlen(text) - 1),
                         AFMT_OK);
        free(text);
    }
    /* The empty message. */
    char *text = NULL;
    assert_int_equal(afmt_sign_detached(&text, sk, NULL, 0, "empty"), AFMT_OK);
    assert_int_equal(verify_text(&pk, NULL, 0, text, strlen(text)), AFMT_OK);
    assert_int_equal(verify_text(&pk, "x", 1, text, strlen(text)), AFMT_E_BAD_SIGNATURE);
    free(text);
}

static void test_verify_tampering(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_secret_key *sk = f->sk;
    afmt_public_key pk = f->pk;
    char *text = NULL;
    assert_int_equal(afmt_sign_detached(&text, sk, MSG, MSG_LEN, "timestamp:1\ttitle:t"),
                     AFMT_OK);
    size_t tl = strlen(text);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, text, tl), AFMT_OK);

    /* The message: one bit, one byte more, one byte less. */
    char msg[MSG_LEN + 1];
    memcpy(msg, MSG, MSG_LEN);
    msg[7] ^= 0x01;
    assert_int_equal(verify_text(&pk, msg, MSG_LEN, text, tl), AFMT_E_BAD_SIGNATURE);
    msg[7] ^= 0x01;
    msg[MSG_LEN] = 0;
    assert_int_equal(verify_text(&pk, msg, MSG_LEN + 1, text, tl), AFMT_E_BAD_SIGNATURE);
    assert_int_equal(verify_text(&pk, msg, MSG_LEN - 1, text, tl), AFMT_E_BAD_SIGNATURE);

    lines4 l, m;
    split4(&l, text);
    char *t2;

    /* The trusted comment: changed, extended, emptied. */
    const char *tcs[] = { "timestamp:2\ttitle:t", "timestamp:1\ttitle:t ", "" };
    for (size_t i = 0; i < sizeof tcs / sizeof *tcs; i++) {
        m = l;
        snprintf(m.l[2], sizeof m.l[2], "trusted comment: %s", tcs[i]);
        t2 = join4(&m);
        assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_E_BAD_SIGNATURE);
        free(t2);
    }

    /* The untrusted comment is not signed: changing it is fine. */
    m = l;
    snprintf(m.l[0], sizeof m.l[0], "untrusted comment: anything at all");
    t2 = join4(&m);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_OK);
    free(t2);

    /* A bit of the signature, then of the global signature. */
    uint8_t blob[75], gsig[65];
    assert_int_equal(unb64(blob, sizeof blob, l.l[1]), 74);
    assert_int_equal(unb64(gsig, sizeof gsig, l.l[3]), 64);
    for (int which = 0; which < 3; which++) {
        m = l;
        uint8_t b2[74], g2[64];
        memcpy(b2, blob, 74);
        memcpy(g2, gsig, 64);
        if (which == 0)
            b2[10] ^= 0x80; /* sig, first byte */
        else if (which == 1)
            b2[73] ^= 0x01; /* sig, last byte */
        else
            g2[30] ^= 0x04;
        char *e2 = afmt_test_b64(b2, 74), *e4 = afmt_test_b64(g2, 64);
        snprintf(m.l[1], sizeof m.l[1], "%s", e2);
        snprintf(m.l[3], sizeof m.l[3], "%s", e4);
        t2 = join4(&m);
        assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_E_BAD_SIGNATURE);
        free(t2);
        free(e2);
        free(e4);
    }

    /* Another key: the key id differs. */
    afmt_secret_key *sk2;
    afmt_public_key pk2;
    assert_int_equal(afmt_key_generate(&sk2, &pk2), AFMT_OK);
    assert_int_equal(verify_text(&pk2, MSG, MSG_LEN, text, tl), AFMT_E_WRONG_KEY);
    /* Another key under the same key id: the signatures do not hold. */
    memcpy(pk2.key_id, pk.key_id, 8);
    assert_int_equal(verify_text(&pk2, MSG, MSG_LEN, text, tl), AFMT_E_BAD_SIGNATURE);
    /* The key id is compared first: a wrong key id wins over a bad message. */
    memcpy(pk2.key_id, "XXXXXXXX", 8);
    assert_int_equal(verify_text(&pk2, "other", 5, text, tl), AFMT_E_WRONG_KEY);
    afmt_secret_key_free(sk2);

    /* A signature from the right key over a different trusted comment,
     * spliced with this one's global signature. */
    char *other = NULL;
    assert_int_equal(afmt_sign_detached(&other, sk, MSG, MSG_LEN, "another comment"), AFMT_OK);
    lines4 o;
    split4(&o, other);
    m = l;
    memcpy(m.l[3], o.l[3], sizeof m.l[3]);
    t2 = join4(&m);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_E_BAD_SIGNATURE);
    free(t2);
    free(other);

    assert_int_equal(afmt_verify_detached(NULL, NULL, MSG, MSG_LEN, text, tl),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_verify_detached(NULL, &pk, NULL, 3, text, tl),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_verify_detached(NULL, &pk, MSG, MSG_LEN, NULL, 3),
                     AFMT_E_INVALID_ARGUMENT);
    free(text);
}

/* A legacy, non-prehashed "Ed" signature with valid signatures. */
static void test_verify_legacy_signature(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_secret_key *sk = f->sk;
    afmt_public_key pk = f->pk;
    const char *tc = "legacy";
    uint8_t blob[74], gm[64 + 6], gsig[64];
    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, pk.key_id, 8);
    crypto_sign_detached(blob + 10, NULL, (const uint8_t *)MSG, MSG_LEN, sk->sk);
    memcpy(gm, blob + 10, 64);
    memcpy(gm + 64, tc, 6);
    crypto_sign_detached(gsig, NULL, gm, sizeof gm, sk->sk);
    char *l2 = afmt_test_b64(blob, 74), *l4 = afmt_test_b64(gsig, 64), *text = NULL;
    assert_true(asprintf(&text, "untrusted comment: legacy\n%s\ntrusted comment: %s\n%s\n", l2,
                         tc, l4) > 0);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, text, strlen(text)), AFMT_E_UNSUPPORTED);
    free(text);
    free(l2);
    /* Any other algorithm is a malformed file. */
    const char *algs[] = { "ed", "EE", "\0\0", "Sc" };
    for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
        memcpy(blob, algs[i], 2);
        l2 = afmt_test_b64(blob, 74);
        assert_true(asprintf(&text, "untrusted comment: x\n%s\ntrusted comment: %s\n%s\n", l2,
                             tc, l4) > 0);
        assert_int_equal(verify_text(&pk, MSG, MSG_LEN, text, strlen(text)),
                         AFMT_E_KEY_FORMAT);
        free(text);
        free(l2);
    }
    free(l4);
}

static void test_verify_malformed(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_secret_key *sk = f->sk;
    afmt_public_key pk = f->pk;
    char *text = NULL;
    assert_int_equal(afmt_sign_detached(&text, sk, MSG, MSG_LEN, "tc"), AFMT_OK);
    lines4 l;
    split4(&l, text);

    uint8_t blob[74], gsig[64];
    assert_int_equal(unb64(blob, sizeof blob, l.l[1]), 74);
    assert_int_equal(unb64(gsig, sizeof gsig, l.l[3]), 64);
    uint8_t big[80];
    memcpy(big, blob, 74);
    memset(big + 74, 0, 6);
    char *sig73 = afmt_test_b64(blob, 73), *sig75 = afmt_test_b64(big, 75);
    memcpy(big, gsig, 64);
    char *g63 = afmt_test_b64(gsig, 63), *g65 = afmt_test_b64(big, 65);

    char *cases[40];
    size_t n = 0;
    const char *U = l.l[0], *S = l.l[1], *T = l.l[2], *G = l.l[3];
#define CASE(...)                                                             \
    do {                                                                      \
        assert_true(n < sizeof cases / sizeof *cases);                        \
        assert_true(asprintf(&cases[n++], __VA_ARGS__) >= 0);                 \
    } while (0)
    CASE("%s", "");                                      /* empty */
    CASE("%s\n%s\n%s\n", U, S, T);                       /* three lines */
    CASE("%s\n%s\n%s", U, S, T);
    CASE("%s\n%s\n%s\n%s\n\n", U, S, T, G);              /* extra empty line */
    CASE("%s\n%s\n%s\n%s\nmore", U, S, T, G);            /* extra line */
    CASE("%s\n%s\n%s\n%s\n%s\n", U, S, T, G, G);
    CASE("%s\r\n%s\r\n%s\r\n%s\r\n", U, S, T, G);        /* CRLF */
    CASE("%s\n%s\n%s\n%s\r\n", U, S, T, G);
    CASE("%s\n%s\r\n%s\n%s\n", U, S, T, G);
    CASE("%s\r\n%s\n%s\n%s\n", U, S, T, G);          /* CR in the comment only */
    CASE("untrusted comment: a\rb\n%s\n%s\n%s\n", S, T, G);
    CASE("\n%s\n%s\n%s\n%s\n", U, S, T, G);              /* leading blank line */
    CASE("untrusted comment:x\n%s\n%s\n%s\n", S, T, G);  /* prefixes */
    CASE("Untrusted comment: x\n%s\n%s\n%s\n", S, T, G);
    CASE(" %s\n%s\n%s\n%s\n", U, S, T, G);
    CASE("%s\n%s\ntrusted comment:tc\n%s\n", U, S, G);
    CASE("%s\n%s\ntrusted  comment: tc\n%s\n", U, S, G);
    CASE("%s\n%s\n%s\n%s\n", U, S, G, T);                /* lines swapped */
    CASE("%s\n%s\n%s\n%s\n", U, T, S, G);
    CASE("%s\n%s \n%s\n%s\n", U, S, T, G);               /* blanks in base64 lines */
    CASE("%s\n %s\n%s\n%s\n", U, S, T, G);
    CASE("%s\n%s\n%s\n%s \n", U, S, T, G);
    CASE("%s\n%s\n%s\n\t%s\n", U, S, T, G);
    CASE("%s\n%s\n%s\n%s\n", U, sig73, T, G);            /* 73 and 75 bytes */
    CASE("%s\n%s\n%s\n%s\n", U, sig75, T, G);
    CASE("%s\n%s\n%s\n%s\n", U, S, T, g63);              /* 63 and 65 bytes */
    CASE("%s\n%s\n%s\n%s\n", U, S, T, g65);
    CASE("%s\n%.99s\n%s\n%s\n", U, S, T, G);             /* bad base64 */
    CASE("%s\n%s=\n%s\n%s\n", U, S, T, G);
    CASE("%s\n%s\n%s\n%.86s\n", U, S, T, G);
    CASE("%s\n*%s\n%s\n%s\n", U, S + 1, T, G);
    CASE("%s\n\n%s\n%s\n", U, T, G);                     /* empty base64 line */
    CASE("%s\n%s\n%s\n\n", U, S, T);
    CASE("%s\n%s\n%s\x1b[2J\n%s\n", U, S, T, G);         /* control in comment */
    CASE("%s\n%s\n%s\xff\n%s\n", U, S, T, G);            /* invalid UTF-8 */
#undef CASE
    for (size_t i = 0; i < n; i++) {
        int rc = verify_text(&pk, MSG, MSG_LEN, cases[i], strlen(cases[i]));
        if (rc != AFMT_E_KEY_FORMAT)
            fail_msg("case %zu gave %d:\n%s", i, rc, cases[i]);
        free(cases[i]);
    }

    /* NUL inside the given length, anywhere. */
    size_t tl = strlen(text);
    char *copy = malloc(tl + 1);
    for (size_t at = 0; at < tl; at += 37) {
        memcpy(copy, text, tl + 1);
        copy[at] = '\0';
        assert_int_equal(verify_text(&pk, MSG, MSG_LEN, copy, tl), AFMT_E_KEY_FORMAT);
    }
    memcpy(copy, text, tl + 1);
    copy[tl] = 'x'; /* a byte after the final LF */
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, copy, tl + 1), AFMT_E_KEY_FORMAT);
    free(copy);
    /* Only the first sig_len bytes count. */
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, text, tl), AFMT_OK);

    /* An untrusted comment longer than minisign can read. */
    char *longu = malloc(1100);
    memset(longu, 'u', 1099);
    longu[1099] = 0;
    memcpy(longu, "untrusted comment: ", 19);
    char *t2 = NULL;
    assert_true(asprintf(&t2, "%s\n%s\n%s\n%s\n", longu, S, T, G) > 0);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_E_KEY_FORMAT);
    free(t2);
    longu[1022] = 0; /* the longest accepted */
    assert_true(asprintf(&t2, "%s\n%s\n%s\n%s\n", longu, S, T, G) > 0);
    assert_int_equal(verify_text(&pk, MSG, MSG_LEN, t2, strlen(t2)), AFMT_OK);
    free(t2);
    free(longu);

    free(sig73);
    free(sig75);
    free(g63);
    free(g65);
    free(text);
}

/* ------------------------------------------------------ stock minisign */

/*
 * (a) A key made by `minisign -G -W`, loaded by us; our signature of a file
 * verifies with `minisign -V` (also with -H, which demands a prehashed
 * signature), minisign reads our trusted comment back byte for byte, and
 * an altered file or trusted comment fails.
 */
static void test_minisign_verifies_ours(void **state)
{
    afmt_test_ms_files m = afmt_test_minisign_files(*state, "ms", "data.bin");
    assert_int_equal(afmt_test_minisign(NULL, "-G -W -p '%s' -s '%s'", m.pub, m.key), 0);
    afmt_secret_key *sk = NULL;
    afmt_public_key pk, from_sk;
    assert_int_equal(afmt_secret_key_file_is_encrypted(m.key), 0);
    assert_int_equal(afmt_secret_key_load(&sk, m.key, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_public_key_load(&pk, m.pub), AFMT_OK);
    afmt_secret_key_public(&from_sk, sk);
    assert_memory_equal(pk.key_id, from_sk.key_id, 8);
    assert_memory_equal(pk.key, from_sk.key, 32);

    /* The key id minisign prints in its .pub comment is the same number.
     * minisign 0.11 prints it with %PRIX64, without the zero padding that
     * later versions (and afmt) use, so compare the values. */
    char hex[17], *pubtext = afmt_test_read_text(m.pub), *want = NULL;
    afmt_key_id_to_hex(hex, pk.key_id);
    assert_int_equal(strlen(hex), 16);
    const char *prefix = "untrusted comment: minisign public key ";
    assert_true(strncmp(pubtext, prefix, strlen(prefix)) == 0);
    char *end = NULL;
    const char *theirs = pubtext + strlen(prefix);
    unsigned long long id = strtoull(theirs, &end, 16);
    assert_true(end > theirs && *end == '\n');
    assert_true(id == afmt_load64(pk.key_id));
    assert_true(id == strtoull(hex, NULL, 16));
    for (const char *c = theirs; c < end; c++)
        assert_true((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'F')); /* uppercase */
    free(pubtext);

    uint8_t data[3000];
    randombytes_buf(data, sizeof data);
    assert_int_equal(afmt_test_write_file(m.msg, data, sizeof data), 0);
    const char *tc = "timestamp:1700000000\ttitle:caf\xc3\xa9 bundle";
    char *text = NULL;
    assert_int_equal(afmt_sign_detached(&text, sk, data, sizeof data, tc), AFMT_OK);
    afmt_test_write_text(m.sig, text);

    assert_int_equal(afmt_test_minisign_verify(&m), 0);
    assert_int_equal(afmt_test_minisign(NULL, "-V -q -H -p '%s' -m '%s'", m.pub, m.msg), 0);
    char line[57];
    afmt_public_key_to_base64(line, &pk);
    assert_int_equal(afmt_test_minisign(NULL, "-V -q -P '%s' -m '%s'", line, m.msg), 0);

    char *cmd = NULL;
    assert_true(asprintf(&cmd, AFMT_TEST_MINISIGN " -V -Q -p '%s' -m '%s'", m.pub, m.msg) > 0);
    int st;
    char *out = afmt_test_popen_read(cmd, &st);
    assert_int_equal(st, 0);
    assert_true(asprintf(&want, "%s\n", tc) > 0);
    assert_string_equal(out, want);
    free(want);
    free(out);
    free(cmd);

    /* Our signature without its final LF is still read by minisign. */
    assert_int_equal(afmt_test_write_file(m.sig, text, strlen(text) - 1), 0);
    assert_int_equal(afmt_test_minisign_verify(&m), 0);

    /* An altered trusted comment. */
    lines4 l;
    split4(&l, text);
    snprintf(l.l[2], sizeof l.l[2], "trusted comment: timestamp:1700000001");
    char *t2 = join4(&l);
    afmt_test_write_text(m.sig, t2);
    free(t2);
    assert_int_equal(afmt_test_minisign_verify(&m), 1);
    afmt_test_write_text(m.sig, text);

    /* An altered file: a flipped bit, then a byte more. */
    data[1234] ^= 0x10;
    assert_int_equal(afmt_test_write_file(m.msg, data, sizeof data), 0);
    assert_int_equal(afmt_test_minisign_verify(&m), 1);
    data[1234] ^= 0x10;
    assert_int_equal(afmt_test_write_file(m.msg, data, sizeof data), 0);
    assert_int_equal(afmt_test_minisign_verify(&m), 0);
    assert_int_equal(afmt_test_run("printf x >> '%s'", m.msg), 0);
    assert_int_equal(afmt_test_minisign_verify(&m), 1);

    free(text);
    afmt_secret_key_free(sk);
}

/*
 * (b) Our key pair, saved unencrypted, used by `minisign -S` (with our .pub
 * given too, so minisign also checks that the two halves match); we verify
 * minisign's signature, with its default and with a chosen trusted
 * comment; minisign's legacy signature (-l) is refused as unsupported.
 */
static void test_we_verify_minisign(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_test_ms_files m = afmt_test_minisign_files(f, "ours", "message.txt");
    afmt_test_save_keys(f, m.key, m.pub, NULL);
    afmt_public_key pk = f->pk;

    const char *body = "Signed by stock minisign with a key made by afmt.\n";
    afmt_test_write_text(m.msg, body);
    size_t bl = strlen(body);

    /* Default trusted comment: "timestamp:<t>\tfile:message.txt\thashed". */
    assert_int_equal(afmt_test_minisign(NULL, "-S -s '%s' -p '%s' -m '%s'", m.key, m.pub, m.msg),
                     0);
    char *text = afmt_test_read_text(m.sig), *comment = NULL;
    assert_int_equal(afmt_verify_detached(&comment, &pk, body, bl, text, strlen(text)),
                     AFMT_OK);
    assert_true(strncmp(comment, "timestamp:", 10) == 0);
    assert_non_null(strstr(comment, "\tfile:message.txt"));
    free(comment);
    assert_int_equal(verify_text(&pk, body, bl - 1, text, strlen(text)), AFMT_E_BAD_SIGNATURE);
    afmt_public_key other;
    afmt_secret_key *osk;
    assert_int_equal(afmt_key_generate(&osk, &other), AFMT_OK);
    afmt_secret_key_free(osk);
    assert_int_equal(verify_text(&other, body, bl, text, strlen(text)), AFMT_E_WRONG_KEY);
    free(text);

    /* A chosen trusted comment, and our own .pub used by minisign -V. */
    assert_int_equal(afmt_test_minisign(NULL,
                                        "-S -s '%s' -m '%s' -c 'from minisign' -t 'chosen comment'",
                                        m.key, m.msg),
                     0);
    text = afmt_test_read_text(m.sig);
    assert_true(strncmp(text, "untrusted comment: from minisign\n", 33) == 0);
    assert_int_equal(afmt_verify_detached(&comment, &pk, body, bl, text, strlen(text)),
                     AFMT_OK);
    assert_string_equal(comment, "chosen comment");
    free(comment);
    free(text);
    assert_int_equal(afmt_test_minisign_verify(&m), 0);

    /* minisign's legacy format. */
    assert_int_equal(afmt_test_minisign(NULL, "-S -l -s '%s' -m '%s' -t legacy", m.key, m.msg), 0);
    text = afmt_test_read_text(m.sig);
    lines4 l;
    split4(&l, text);
    uint8_t blob[74];
    assert_int_equal(unb64(blob, sizeof blob, l.l[1]), 74);
    assert_memory_equal(blob, "Ed", 2);
    assert_int_equal(verify_text(&pk, body, bl, text, strlen(text)), AFMT_E_UNSUPPORTED);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_signatures),
        cmocka_unit_test(test_format_minisig_exact),
        AFMT_TEST_WITH_FIXTURE(test_trusted_comment_rules),
        AFMT_TEST_WITH_FIXTURE(test_sign_verify_round_trip),
        AFMT_TEST_WITH_FIXTURE(test_verify_tampering),
        AFMT_TEST_WITH_FIXTURE(test_verify_legacy_signature),
        AFMT_TEST_WITH_FIXTURE(test_verify_malformed),
        AFMT_TEST_WITH_FIXTURE(test_minisign_verifies_ours),
        AFMT_TEST_WITH_FIXTURE(test_we_verify_minisign),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
