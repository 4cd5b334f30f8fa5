/*
 * test_keys.c - minisign key pairs: generation, public key text and files,
 * secret key files (plain and scrypt-encrypted), hostile key files, and a
 * round trip of encrypted keys with the stock minisign command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "afmt.h"
#include "common/internal.h"
#include "test_support.h"

/* Secret key blob layout (spec/FORMAT.md section 5), rebuilt here on its own
 * so that the tests do not trust keys.c to describe itself. */
#define SKB_KDF 2
#define SKB_CHKALG 4
#define SKB_SALT 6
#define SKB_OPS 38
#define SKB_MEM 46
#define SKB_KEYNUM 54
#define SKB_ID 54
#define SKB_SK 62
#define SKB_CHK 126
#define SKB_BYTES 158
#define KEYNUM_BYTES 104

/* ------------------------------------------------------------ helpers */

/* Decodes the second line of a key file into `bin`; returns the length. */
static size_t key_file_blob(uint8_t *bin, size_t max, const char *path)
{
    char *text = afmt_test_read_text(path);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    char *line = nl + 1;
    char *end = strchr(line, '\n');
    assert_non_null(end);
    assert_string_equal(end, "\n"); /* exactly two lines */
    size_t got = 0;
    assert_int_equal(sodium_base642bin(bin, max, line, (size_t)(end - line), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    sodium_memzero(text, strlen(text));
    free(text);
    return got;
}

static void blob_checksum(uint8_t chk[32], const uint8_t *blob)
{
    uint8_t m[2 + 8 + 64];
    memcpy(m, "Ed", 2);
    memcpy(m + 2, blob + SKB_ID, 8 + 64);
    crypto_generichash(chk, 32, m, sizeof m, NULL, 0);
}

/* A plaintext secret key blob for a fresh key pair, kdf 00 00, valid
 * checksum; the public key goes to *pk. */
static void plain_blob(uint8_t blob[SKB_BYTES], afmt_public_key *pk)
{
    memset(blob, 0, SKB_BYTES);
    memcpy(blob, "Ed\0\0B2", 6);
    randombytes_buf(blob + SKB_ID, 8);
    crypto_sign_keypair(pk->key, blob + SKB_SK);
    memcpy(pk->key_id, blob + SKB_ID, 8);
    blob_checksum(blob + SKB_CHK, blob);
}

/* Encrypts a plaintext blob as minisign does, with the given cost. */
static void encrypt_blob(uint8_t blob[SKB_BYTES], const char *pw, uint64_t ops, uint64_t mem)
{
    memcpy(blob + SKB_KDF, "Sc", 2);
    randombytes_buf(blob + SKB_SALT, 32);
    afmt_store64(blob + SKB_OPS, ops);
    afmt_store64(blob + SKB_MEM, mem);
    uint8_t stream[KEYNUM_BYTES];
    assert_int_equal(crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, pw, strlen(pw),
                                                        blob + SKB_SALT, ops, (size_t)mem),
                     0);
    for (size_t i = 0; i < KEYNUM_BYTES; i++)
        blob[SKB_KEYNUM + i] ^= stream[i];
}

static void write_sk_blob(const char *path, const uint8_t *blob, size_t len)
{
    char *line = afmt_test_b64(blob, len);
    char *text = NULL;
    assert_true(asprintf(&text, "untrusted comment: test key\n%s\n", line) > 0);
    afmt_test_write_text(path, text);
    free(text);
    free(line);
}

static void assert_pk_equal(const afmt_public_key *a, const afmt_public_key *b)
{
    assert_memory_equal(a->key_id, b->key_id, AFMT_KEYID_BYTES);
    assert_memory_equal(a->key, b->key, AFMT_PUBLICKEY_BYTES);
}

static int mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (int)(st.st_mode & 07777);
}

/* ------------------------------------------------------------ key pairs */

static void test_generate_and_public(void **state)
{
    (void)state;
    afmt_secret_key *sk = NULL, *sk2 = NULL;
    afmt_public_key pk, pk_again, pk2;
    assert_int_equal(afmt_key_generate(&sk, &pk), AFMT_OK);
    assert_non_null(sk);
    afmt_secret_key_public(&pk_again, sk);
    assert_pk_equal(&pk, &pk_again);
    /* The public half of the secret key is what the seed derives. */
    uint8_t derived[32], tmp[64];
    crypto_sign_seed_keypair(derived, tmp, sk->sk);
    assert_memory_equal(derived, pk.key, 32);
    sodium_memzero(tmp, sizeof tmp);

    assert_int_equal(afmt_key_generate(&sk2, &pk2), AFMT_OK);
    assert_memory_not_equal(pk.key_id, pk2.key_id, 8);
    assert_memory_not_equal(pk.key, pk2.key, 32);
    afmt_secret_key_free(sk);
    afmt_secret_key_free(sk2);
    afmt_secret_key_free(NULL);
    assert_int_equal(afmt_key_generate(NULL, &pk), AFMT_E_INVALID_ARGUMENT);
}

/* minisign's own published release key: its key id is E7620F1842B4E81F. */
#define MINISIGN_RELEASE_PK "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"

static void test_key_id_hex_known_answer(void **state)
{
    (void)state;
    afmt_public_key pk;
    assert_int_equal(afmt_public_key_parse(&pk, MINISIGN_RELEASE_PK,
                                           strlen(MINISIGN_RELEASE_PK)),
                     AFMT_OK);
    char hex[17];
    afmt_key_id_to_hex(hex, pk.key_id);
    assert_string_equal(hex, "E7620F1842B4E81F");
    char line[57];
    afmt_public_key_to_base64(line, &pk);
    assert_string_equal(line, MINISIGN_RELEASE_PK);

    const uint8_t small[8] = { 0x0A, 0, 0, 0, 0, 0, 0, 0 };
    afmt_key_id_to_hex(hex, small);
    assert_string_equal(hex, "000000000000000A"); /* zero-padded, uppercase */
}

/* ------------------------------------------------------------ public keys */

static void test_public_key_parse_accepts(void **state)
{
    (void)state;
    afmt_public_key want, got;
    assert_int_equal(afmt_public_key_parse(&want, MINISIGN_RELEASE_PK,
                                           strlen(MINISIGN_RELEASE_PK)),
                     AFMT_OK);
    const char *forms[] = {
        MINISIGN_RELEASE_PK,
        MINISIGN_RELEASE_PK "\n",
        "  " MINISIGN_RELEASE_PK " \t\n\n",
        "untrusted comment: minisign public key E7620F1842B4E81F\n" MINISIGN_RELEASE_PK "\n",
        "untrusted comment: no final newline\n" MINISIGN_RELEASE_PK,
        "\nuntrusted comment: x\n" MINISIGN_RELEASE_PK "\n\n",
        "untrusted comment: \n  " MINISIGN_RELEASE_PK "  \n",
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        memset(&got, 0, sizeof got);
        if (afmt_public_key_parse(&got, forms[i], strlen(forms[i])) != AFMT_OK)
            fail_msg("form %zu rejected", i);
        assert_pk_equal(&got, &want);
    }
    /* Only the first len bytes count. */
    const char *longer = MINISIGN_RELEASE_PK "garbage";
    assert_int_equal(afmt_public_key_parse(&got, longer, strlen(MINISIGN_RELEASE_PK)),
                     AFMT_OK);
}

static void test_public_key_parse_rejects(void **state)
{
    (void)state;
    uint8_t blob[43];
    memcpy(blob, "Ed", 2);
    randombytes_buf(blob + 2, sizeof blob - 2);
    char *short_b64 = afmt_test_b64(blob, 41);
    char *long_b64 = afmt_test_b64(blob, 43);
    char *good = afmt_test_b64(blob, 42);
    memcpy(blob, "ED", 2);
    char *tag_ED = afmt_test_b64(blob, 42);
    memcpy(blob, "Ee", 2);
    char *tag_Ee = afmt_test_b64(blob, 42);
    memcpy(blob, "Ed", 2);
    char *bad_char = strdup(good);
    bad_char[20] = '*';
    char *url_variant = strdup(good);
    for (char *p = url_variant; *p; p++)
        if (*p == '+' || *p == '/')
            *p = '-';
    int url_differs = strcmp(url_variant, good) != 0;

    char *cases[32];
    size_t ncases = 0;
#define CASE(...)                                                             \
    do {                                                                      \
        assert_true(ncases < sizeof cases / sizeof *cases);                   \
        assert_true(asprintf(&cases[ncases], __VA_ARGS__) >= 0);              \
        ncases++;                                                             \
    } while (0)
    CASE("%s", short_b64);                          /* 41 bytes */
    CASE("%s", long_b64);                           /* 43 bytes */
    CASE("%s", bad_char);                           /* not base64 */
    CASE("%s=", good);                              /* stray padding */
    CASE("%.55s", good);                            /* truncated line */
    CASE("%s", tag_ED);                             /* wrong tag */
    CASE("%s", tag_Ee);
    CASE("%sAAAA", good);                           /* trailing bytes */
    CASE("%s junk", good);
    CASE("%s\nextra\n", good);
    CASE("untrusted comment: x\n%s\nthird line\n", good);
    CASE("untrusted comment: x\n\n%s\n", good);     /* blank line inside */
    CASE("untrusted comment: x\n%s\rAAAA\n", good); /* CR inside the key line */
    CASE("untrusted comment: only a comment\n");
    CASE("%s", "");
    CASE("%s", " \n\t\n");
    if (url_differs)
        CASE("%s", url_variant);                    /* URL-safe alphabet */
#undef CASE
    afmt_public_key pk;
    for (size_t i = 0; i < ncases; i++) {
        int rc = afmt_public_key_parse(&pk, cases[i], strlen(cases[i]));
        if (rc != AFMT_E_KEY_FORMAT)
            fail_msg("case %zu (%s) gave %d", i, cases[i], rc);
        free(cases[i]);
    }
    /* What stock minisign 0.11 reads (issue 11, item 5): CR LF line ends, a
     * CR inside the comment, a first line that is not "untrusted comment:". */
    static const char *const minisign_ok[][2] = {
        {"untrusted comment: x\r\n", "\r\n"}, {"untrusted comment: x\r\n", "\n"},
        {"untrusted comment: a\rb\n", "\n"}, {"", "\r"}, {"", "\r\n"}, {"hello\n", "\n"},
        {"untrusted comment:x\n", "\n"}};
    for (size_t i = 0; i < sizeof minisign_ok / sizeof minisign_ok[0]; i++) {
        char *t = NULL;
        assert_true(asprintf(&t, "%s%s%s", minisign_ok[i][0], good, minisign_ok[i][1]) > 0);
        if (afmt_public_key_parse(&pk, t, strlen(t)) != AFMT_OK)
            fail_msg("minisign reads this key file, afmt did not: %s", t);
        free(t);
    }
    /* A NUL inside the given length. */
    char with_nul[64];
    memcpy(with_nul, good, 56);
    with_nul[56] = '\0';
    memcpy(with_nul + 57, "\n", 1);
    assert_int_equal(afmt_public_key_parse(&pk, with_nul, 58), AFMT_E_KEY_FORMAT);
    with_nul[10] = '\0';
    assert_int_equal(afmt_public_key_parse(&pk, with_nul, 56), AFMT_E_KEY_FORMAT);
    /* A comment line longer than minisign reads. */
    size_t big = 1100;
    char *long_comment = malloc(big + 100);
    memcpy(long_comment, "untrusted comment: ", 19);
    memset(long_comment + 19, 'c', big - 19);
    snprintf(long_comment + big, 100, "\n%s\n", good);
    assert_int_equal(afmt_public_key_parse(&pk, long_comment, strlen(long_comment)),
                     AFMT_E_KEY_FORMAT);
    free(long_comment);
    assert_int_equal(afmt_public_key_parse(NULL, good, strlen(good)), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_public_key_parse(&pk, NULL, 5), AFMT_E_INVALID_ARGUMENT);

    free(short_b64);
    free(long_b64);
    free(good);
    free(tag_ED);
    free(tag_Ee);
    free(bad_char);
    free(url_variant);
}

static void test_public_key_save_load(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "k.pub");
    afmt_public_key pk = f->pk, got;

    mode_t old = umask(077); /* the mode must not depend on the umask */
    assert_int_equal(afmt_public_key_save(path, &pk, NULL, 0), AFMT_OK);
    umask(old);
    assert_int_equal(mode_of(path), 0644);

    char hex[17], line[57], *want = NULL;
    afmt_key_id_to_hex(hex, pk.key_id);
    afmt_public_key_to_base64(line, &pk);
    assert_int_equal(strlen(line), 56);
    assert_true(asprintf(&want, "untrusted comment: minisign public key %s\n%s\n", hex, line) >
                0);
    char *text = afmt_test_read_text(path);
    assert_string_equal(text, want);
    free(text);
    free(want);

    assert_int_equal(afmt_public_key_load(&got, path), AFMT_OK);
    assert_pk_equal(&got, &pk);

    /* Exists: refused, file untouched; overwrite replaces it. */
    afmt_public_key pk2;
    afmt_secret_key *sk2;
    assert_int_equal(afmt_key_generate(&sk2, &pk2), AFMT_OK);
    assert_int_equal(afmt_public_key_save(path, &pk2, NULL, 0), AFMT_E_EXISTS);
    assert_int_equal(afmt_public_key_load(&got, path), AFMT_OK);
    assert_pk_equal(&got, &pk);
    assert_int_equal(afmt_public_key_save(path, &pk2, "my key\twith tab", 1),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_public_key_save(path, &pk2, "my key, caf\xc3\xa9", 1), AFMT_OK);
    assert_int_equal(afmt_public_key_load(&got, path), AFMT_OK);
    assert_pk_equal(&got, &pk2);
    text = afmt_test_read_text(path);
    const char *first = "untrusted comment: my key, caf\xc3\xa9\n";
    assert_true(strncmp(text, first, strlen(first)) == 0);
    free(text);

    /* Comments that would break the file. */
    const char *p2 = afmt_test_tmp(f, "bad.pub");
    assert_int_equal(afmt_public_key_save(p2, &pk, "two\nlines", 0), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_public_key_save(p2, &pk, "cr\r", 0), AFMT_E_INVALID_ARGUMENT);
    char longc[1005];
    memset(longc, 'x', sizeof longc);
    longc[1004] = 0; /* 1004 bytes: the line would not fit minisign's buffer */
    assert_int_equal(afmt_public_key_save(p2, &pk, longc, 0), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(access(p2, F_OK), -1);
    longc[1003] = 0;
    assert_int_equal(afmt_public_key_save(p2, &pk, longc, 0), AFMT_OK);
    assert_int_equal(afmt_public_key_load(&got, p2), AFMT_OK);
    assert_pk_equal(&got, &pk);
    afmt_secret_key_free(sk2);
}

static void test_public_key_load_errors(void **state)
{
    afmt_test_fixture *f = *state;
    const char *big = afmt_test_tmp(f, "big.pub"), *bad = afmt_test_tmp(f, "bad.pub");
    afmt_public_key pk;
    assert_int_equal(afmt_public_key_load(&pk, afmt_test_tmp(f, "missing.pub")), AFMT_E_IO);
    assert_int_equal(afmt_public_key_load(&pk, f->dir), AFMT_E_IO); /* a directory */
    /* A valid key followed by padding past 4 KiB: refused before parsing. */
    char *text = malloc(5000);
    memset(text, ' ', 4999);
    memcpy(text, "untrusted comment: x\n" MINISIGN_RELEASE_PK "\n", 21 + 57);
    text[4999] = 0;
    afmt_test_write_text(big, text);
    assert_int_equal(afmt_public_key_load(&pk, big), AFMT_E_LIMIT);
    text[4096] = 0; /* exactly 4 KiB is accepted */
    afmt_test_write_text(big, text);
    assert_int_equal(afmt_public_key_load(&pk, big), AFMT_OK);
    free(text);
    afmt_test_write_text(bad, "untrusted comment: x\nRWQ=\n");
    assert_int_equal(afmt_public_key_load(&pk, bad), AFMT_E_KEY_FORMAT);
}

/* ------------------------------------------------------------ secret keys */

static void test_secret_key_save_load_plain(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "k.key");
    afmt_secret_key *sk = f->sk, *loaded;
    afmt_public_key pk = f->pk, pk2;

    mode_t old = umask(0);
    assert_int_equal(afmt_secret_key_save(path, sk, NULL, 0, NULL, 0), AFMT_OK);
    umask(old);
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(afmt_secret_key_file_is_encrypted(path), 0);

    /* The exact layout: Ed, 00 00, B2, zero salt and cost, then keynum_sk in
     * the clear with a correct checksum. */
    char *text = afmt_test_read_text(path);
    assert_true(strncmp(text, "untrusted comment: minisign unencrypted secret key\n", 51) == 0);
    sodium_memzero(text, strlen(text));
    free(text);
    uint8_t blob[SKB_BYTES + 8];
    assert_int_equal(key_file_blob(blob, sizeof blob, path), SKB_BYTES);
    assert_memory_equal(blob, "Ed\0\0B2", 6);
    assert_true(sodium_is_zero(blob + SKB_SALT, 32 + 8 + 8));
    assert_memory_equal(blob + SKB_ID, pk.key_id, 8);
    assert_memory_equal(blob + SKB_SK, sk->sk, 64);
    uint8_t chk[32];
    blob_checksum(chk, blob);
    assert_memory_equal(blob + SKB_CHK, chk, 32);
    sodium_memzero(blob, sizeof blob);

    /* Loads back; a passphrase is ignored for an unencrypted key. */
    assert_int_equal(afmt_secret_key_load(&loaded, path, "ignored", 7), AFMT_OK);
    afmt_secret_key_public(&pk2, loaded);
    assert_pk_equal(&pk2, &pk);
    assert_memory_equal(loaded->sk, sk->sk, 64);
    afmt_secret_key_free(loaded);
    assert_int_equal(afmt_secret_key_load(&loaded, path, NULL, 0), AFMT_OK);
    afmt_secret_key_free(loaded);

    /* O_EXCL semantics, then an atomic replace. */
    afmt_secret_key *other;
    assert_int_equal(afmt_key_generate(&other, NULL), AFMT_OK);
    assert_int_equal(afmt_secret_key_save(path, other, NULL, 0, NULL, 0), AFMT_E_EXISTS);
    assert_int_equal(afmt_secret_key_load(&loaded, path, NULL, 0), AFMT_OK);
    assert_memory_equal(loaded->sk, sk->sk, 64);
    afmt_secret_key_free(loaded);
    assert_int_equal(afmt_secret_key_save(path, other, NULL, 0, "custom comment", 1), AFMT_OK);
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(afmt_secret_key_load(&loaded, path, NULL, 0), AFMT_OK);
    assert_memory_equal(loaded->sk, other->sk, 64);
    afmt_secret_key_free(loaded);

    const char *p2 = afmt_test_tmp(f, "bad.key");
    assert_int_equal(afmt_secret_key_save(p2, sk, NULL, 0, "a\nb", 0), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_secret_key_save(p2, sk, NULL, 3, NULL, 0), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(access(p2, F_OK), -1);
    assert_int_equal(afmt_secret_key_load(&loaded, p2, NULL, 0), AFMT_E_IO);
    assert_null(loaded);
    assert_int_equal(afmt_secret_key_file_is_encrypted(p2), AFMT_E_IO);
    afmt_secret_key_free(other);
}

/* `minisign -G -W` leaves the checksum of an unencrypted key all zero; such
 * a key loads.  Any other wrong checksum is a damaged key. */
static void test_secret_key_checksum_plain(void **state)
{
    const char *path = afmt_test_tmp(*state, "k.key");
    uint8_t blob[SKB_BYTES];
    afmt_public_key pk, got;
    afmt_secret_key *sk;

    plain_blob(blob, &pk);
    memset(blob + SKB_CHK, 0, 32);
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_OK);
    afmt_secret_key_public(&got, sk);
    assert_pk_equal(&got, &pk);
    afmt_secret_key_free(sk);

    blob[SKB_CHK + 31] = 1;
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_E_KEY_FORMAT);
    assert_null(sk);

    /* A flipped secret key byte under a valid-then checksum. */
    plain_blob(blob, &pk);
    blob[SKB_SK + 3] ^= 0x40;
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_E_KEY_FORMAT);

    sodium_memzero(blob, sizeof blob);
}

static void test_secret_key_rejects(void **state)
{
    const char *path = afmt_test_tmp(*state, "k.key");
    uint8_t good[SKB_BYTES + 1], blob[SKB_BYTES + 1];
    afmt_public_key pk;
    afmt_secret_key *sk = NULL;
    plain_blob(good, &pk);
    good[SKB_BYTES] = 0x55;

    struct {
        const char *what;
        size_t off;   /* byte to change, or SIZE_MAX */
        uint8_t val;  /* its new value (flip: XOR mask) */
        int flip;
        size_t len;   /* bytes written */
        int fix_chk;  /* recompute the checksum after the change */
    } cases[] = {
        { "tag ED", 1, 'D', 0, SKB_BYTES, 1 },
        { "tag Xd", 0, 'X', 0, SKB_BYTES, 1 },
        { "kdf Sd", SKB_KDF + 1, 'd', 0, SKB_BYTES, 1 },
        { "kdf 00 01", SKB_KDF + 1, 1, 0, SKB_BYTES, 1 },
        { "chk B3", SKB_CHKALG + 1, '3', 0, SKB_BYTES, 1 },
        { "short", SIZE_MAX, 0, 0, SKB_BYTES - 1, 0 },
        { "long", SIZE_MAX, 0, 0, SKB_BYTES + 1, 0 },
        /* the public half of the secret key is not the seed's */
        { "public half", SKB_SK + 40, 1, 1, SKB_BYTES, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memcpy(blob, good, sizeof good);
        if (cases[i].off != SIZE_MAX && cases[i].flip)
            blob[cases[i].off] ^= cases[i].val;
        else if (cases[i].off != SIZE_MAX)
            blob[cases[i].off] = cases[i].val;
        if (cases[i].fix_chk)
            blob_checksum(blob + SKB_CHK, blob);
        write_sk_blob(path, blob, cases[i].len);
        int rc = afmt_secret_key_load(&sk, path, NULL, 0);
        if (rc != AFMT_E_KEY_FORMAT)
            fail_msg("%s: load gave %d", cases[i].what, rc);
        assert_null(sk);
        if (!cases[i].flip) { /* tags and length: is_encrypted sees them too */
            rc = afmt_secret_key_file_is_encrypted(path);
            if (rc != AFMT_E_KEY_FORMAT)
                fail_msg("%s: is_encrypted gave %d", cases[i].what, rc);
        }
    }

    /* Text-level damage around a good blob. */
    char *line = afmt_test_b64(good, SKB_BYTES);
    char *texts[8];
    size_t n = 0;
    assert_true(asprintf(&texts[n++], "%s\n", line) > 0);            /* no comment */
    assert_true(asprintf(&texts[n++], "untrusted comment: x\n%s\rX\n", line) > 0);
    assert_true(asprintf(&texts[n++], "untrusted comment: x\n%s\nmore\n", line) > 0);
    assert_true(asprintf(&texts[n++], "untrusted comment: x\n%s=\n", line) > 0);
    assert_true(asprintf(&texts[n++], "untrusted comment: x\n%.100s\n", line) > 0);
    assert_true(asprintf(&texts[n++], "untrusted comment: x\n") > 0);
    for (size_t i = 0; i < n; i++) {
        afmt_test_write_text(path, texts[i]);
        int rc = afmt_secret_key_load(&sk, path, NULL, 0);
        if (rc != AFMT_E_KEY_FORMAT)
            fail_msg("text %zu: load gave %d", i, rc);
        free(texts[i]);
    }
    /* The same blob in a well-formed file loads. */
    char *ok = NULL;
    assert_true(asprintf(&ok, "untrusted comment: x\n%s", line) > 0);
    afmt_test_write_text(path, ok);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_OK);
    afmt_secret_key_free(sk);
    free(ok);
    sodium_memzero(line, strlen(line));
    free(line);

    /* Over 4 KiB. */
    char *huge = malloc(5001);
    memset(huge, '\n', 5000);
    huge[5000] = 0;
    afmt_test_write_text(path, huge);
    free(huge);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_E_LIMIT);

    sodium_memzero(good, sizeof good);
    sodium_memzero(blob, sizeof blob);
}

/* An encrypted key at the lowest scrypt cost, built by the test itself:
 * right, wrong, empty and missing passphrases, without the 1 GiB cost. */
static void test_secret_key_encrypted_cheap(void **state)
{
    const char *path = afmt_test_tmp(*state, "k.key");
    uint8_t blob[SKB_BYTES];
    afmt_public_key pk, got;
    afmt_secret_key *sk = NULL;
    const uint64_t ops = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN;
    const uint64_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN;

    plain_blob(blob, &pk);
    encrypt_blob(blob, "hunter2", ops, mem);
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_file_is_encrypted(path), 1);
    assert_int_equal(afmt_secret_key_load(&sk, path, "hunter3", 7), AFMT_E_PASSPHRASE);
    assert_null(sk);
    assert_int_equal(afmt_secret_key_load(&sk, path, "hunter2", 6), AFMT_E_PASSPHRASE);
    assert_int_equal(afmt_secret_key_load(&sk, path, "", 0), AFMT_E_PASSPHRASE);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_E_PASSPHRASE);
    assert_int_equal(afmt_secret_key_load(&sk, path, "hunter2", 7), AFMT_OK);
    afmt_secret_key_public(&got, sk);
    assert_pk_equal(&got, &pk);
    afmt_secret_key_free(sk);

    /* The empty passphrase is a passphrase. */
    plain_blob(blob, &pk);
    encrypt_blob(blob, "", ops, mem);
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, "x", 1), AFMT_E_PASSPHRASE);
    assert_int_equal(afmt_secret_key_load(&sk, path, "", 0), AFMT_OK);
    afmt_secret_key_free(sk);

    /* Right passphrase, but the file's secret key was damaged: the checksum
     * cannot tell the two apart, minisign says "wrong password" too. */
    plain_blob(blob, &pk);
    encrypt_blob(blob, "pw", ops, mem);
    blob[SKB_SK + 5] ^= 1;
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, "pw", 2), AFMT_E_PASSPHRASE);

    sodium_memzero(blob, sizeof blob);
}

/* A hostile key file cannot make us spend more than minisign's default
 * scrypt cost: refused before any derivation. */
static void test_secret_key_kdf_limits(void **state)
{
    const char *path = afmt_test_tmp(*state, "k.key");
    uint8_t blob[SKB_BYTES];
    afmt_public_key pk;
    afmt_secret_key *sk = NULL;
    const uint64_t ops_max = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
    const uint64_t mem_max = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;
    const uint64_t bad[][2] = {
        { ops_max + 1, mem_max },
        { ops_max, mem_max + 1 },
        { UINT64_MAX, UINT64_MAX },
        { 1, (uint64_t)1 << 40 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        plain_blob(blob, &pk);
        memcpy(blob + SKB_KDF, "Sc", 2);
        afmt_store64(blob + SKB_OPS, bad[i][0]);
        afmt_store64(blob + SKB_MEM, bad[i][1]);
        write_sk_blob(path, blob, SKB_BYTES);
        assert_int_equal(afmt_secret_key_file_is_encrypted(path), 1);
        int rc = afmt_secret_key_load(&sk, path, "pw", 2);
        if (rc != AFMT_E_LIMIT)
            fail_msg("cost %zu gave %d", i, rc);
        assert_null(sk);
    }
    /* The same numbers on an unencrypted key are never used: it loads. */
    plain_blob(blob, &pk);
    afmt_store64(blob + SKB_OPS, UINT64_MAX);
    afmt_store64(blob + SKB_MEM, UINT64_MAX);
    write_sk_blob(path, blob, SKB_BYTES);
    assert_int_equal(afmt_secret_key_load(&sk, path, NULL, 0), AFMT_OK);
    afmt_secret_key_free(sk);

    sodium_memzero(blob, sizeof blob);
}

/* ------------------------------------------------------ stock minisign */

/*
 * Encrypted keys both ways, at minisign's real cost (about 1 GiB of scrypt
 * each): five derivations in all.
 *  1. our afmt_secret_key_save with a passphrase; `minisign -S` reads the
 *     passphrase from stdin and signs; we and minisign verify.
 *  2. `minisign -G` with a passphrase on stdin; we load it with a wrong
 *     passphrase (AFMT_E_PASSPHRASE) and the right one, and sign with it.
 */
static void test_minisign_encrypted_round_trip(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_test_ms_files ours = afmt_test_minisign_files(f, "ours", "msg.txt");
    afmt_test_ms_files ms = afmt_test_minisign_files(f, "ms", "msg.txt");
    unsetenv("MINISIGN_PASSWORD");
    const char *body = "a message signed by minisign with an afmt key\n";
    afmt_test_write_text(ours.msg, body);

    /* 1. Ours, encrypted, used by minisign. */
    afmt_test_save_keys(f, ours.key, ours.pub, "afmt-pass-1");
    assert_int_equal(mode_of(ours.key), 0600);
    assert_int_equal(afmt_secret_key_file_is_encrypted(ours.key), 1);
    uint8_t blob[SKB_BYTES + 8];
    assert_int_equal(key_file_blob(blob, sizeof blob, ours.key), SKB_BYTES);
    assert_memory_equal(blob, "EdScB2", 6);
    assert_false(sodium_is_zero(blob + SKB_SALT, 32));
    assert_true(afmt_load64(blob + SKB_OPS) ==
                crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE);
    assert_true(afmt_load64(blob + SKB_MEM) ==
                crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE);
    assert_memory_not_equal(blob + SKB_ID, f->pk.key_id, 8); /* key id is encrypted too */
    sodium_memzero(blob, sizeof blob);

    assert_int_equal(afmt_test_minisign("afmt-pass-1",
                                        "-S -s '%s' -p '%s' -m '%s' -t 'signed by minisign'",
                                        ours.key, ours.pub, ours.msg),
                     0);
    size_t sig_len = 0;
    uint8_t *sig_text = afmt_test_read_file(ours.sig, &sig_len);
    assert_non_null(sig_text);
    char *comment = NULL;
    assert_int_equal(afmt_verify_detached(&comment, &f->pk, body, strlen(body),
                                          (const char *)sig_text, sig_len),
                     AFMT_OK);
    assert_string_equal(comment, "signed by minisign");
    free(comment);
    free(sig_text);
    assert_int_equal(afmt_test_minisign_verify(&ours), 0);

    /* 2. minisign's, encrypted, used by us. */
    assert_int_equal(afmt_test_minisign("ms-pass-2", "-G -p '%s' -s '%s'", ms.pub, ms.key), 0);
    assert_int_equal(afmt_secret_key_file_is_encrypted(ms.key), 1);
    afmt_public_key ms_pk, got;
    assert_int_equal(afmt_public_key_load(&ms_pk, ms.pub), AFMT_OK);
    afmt_secret_key *sk = NULL;
    assert_int_equal(afmt_secret_key_load(&sk, ms.key, "ms-pass-3", 9), AFMT_E_PASSPHRASE);
    assert_null(sk);
    assert_int_equal(afmt_secret_key_load(&sk, ms.key, "ms-pass-2", 9), AFMT_OK);
    afmt_secret_key_public(&got, sk);
    assert_pk_equal(&got, &ms_pk);

    char *sig = NULL;
    assert_int_equal(afmt_sign_detached(&sig, sk, body, strlen(body), "signed by afmt"),
                     AFMT_OK);
    afmt_test_write_text(ms.sig, sig);
    free(sig);
    assert_int_equal(afmt_test_minisign_verify(&ms), 0);
    afmt_secret_key_free(sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_public),
        cmocka_unit_test(test_key_id_hex_known_answer),
        cmocka_unit_test(test_public_key_parse_accepts),
        cmocka_unit_test(test_public_key_parse_rejects),
        AFMT_TEST_WITH_FIXTURE(test_public_key_save_load),
        AFMT_TEST_WITH_FIXTURE(test_public_key_load_errors),
        AFMT_TEST_WITH_FIXTURE(test_secret_key_save_load_plain),
        AFMT_TEST_WITH_FIXTURE(test_secret_key_checksum_plain),
        AFMT_TEST_WITH_FIXTURE(test_secret_key_rejects),
        AFMT_TEST_WITH_FIXTURE(test_secret_key_encrypted_cheap),
        AFMT_TEST_WITH_FIXTURE(test_secret_key_kdf_limits),
        AFMT_TEST_WITH_FIXTURE(test_minisign_encrypted_round_trip),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
