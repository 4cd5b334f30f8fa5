/*
 * keys.c - minisign Ed25519 key pairs: generation, public key files, and
 * secret key files (unencrypted or scrypt-encrypted) in minisign's layout.
 *
 * Public key blob (42 bytes, base64 on the second line of a .pub file):
 *   "Ed" || key id (8) || public key (32)
 * Secret key blob (158 bytes, base64 on the second line of a .key file):
 *   "Ed" || kdf ("Sc" or 00 00) || "B2" || salt (32) || opslimit u64 LE ||
 *   memlimit u64 LE || keynum_sk (104)
 *   keynum_sk = key id (8) || secret key (64) || checksum (32), XORed with
 *   104 bytes of scrypt output when the kdf is "Sc";
 *   checksum = BLAKE2b-256("Ed" || key id || secret key).
 *
 * Every buffer that ever holds secret bytes is sodium_malloc'd or wiped with
 * sodium_memzero before it is released, on every path.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/fileio.h"
#include "common/internal.h"
#include "format/signature.h"

#define KEY_FILE_MAX_BYTES 4096u

#define COMMENT_PREFIX "untrusted comment: "
#define COMMENT_PREFIX_LEN (sizeof COMMENT_PREFIX - 1)
/* minisign reads a comment line with fgets(buf, 1024): the line and its LF
 * must fit in 1023 bytes, or the rest of the line is taken as the key. */
#define COMMENT_LINE_MAX_BYTES 1022u
#define COMMENT_MAX_BYTES (COMMENT_LINE_MAX_BYTES - COMMENT_PREFIX_LEN)

#define SIG_ALG "Ed"
#define KDF_ALG_SCRYPT "Sc"
#define KDF_ALG_NONE "\0\0"
#define CHK_ALG "B2"

#define DEFAULT_SK_COMMENT_ENCRYPTED "minisign encrypted secret key"
#define DEFAULT_SK_COMMENT_PLAIN "minisign unencrypted secret key"

/* Public key blob. */
#define PK_OFF_ALG 0
#define PK_OFF_KEYID 2
#define PK_OFF_KEY (PK_OFF_KEYID + AFMT_KEYID_BYTES)
#define PK_BLOB_BYTES (PK_OFF_KEY + AFMT_PUBLICKEY_BYTES)
#define PK_B64_LEN 56

/* Secret key blob. */
#define SK_SALT_BYTES 32
#define SK_CHK_BYTES 32
#define SK_OFF_SIG_ALG 0
#define SK_OFF_KDF_ALG 2
#define SK_OFF_CHK_ALG 4
#define SK_OFF_SALT 6
#define SK_OFF_OPSLIMIT (SK_OFF_SALT + SK_SALT_BYTES)
#define SK_OFF_MEMLIMIT (SK_OFF_OPSLIMIT + 8)
#define SK_OFF_KEYNUM (SK_OFF_MEMLIMIT + 8)
#define SK_OFF_KEYID SK_OFF_KEYNUM
#define SK_OFF_SK (SK_OFF_KEYID + AFMT_KEYID_BYTES)
#define SK_OFF_CHK (SK_OFF_SK + AFMT_ED25519_SECRETKEY_BYTES)
#define SK_KEYNUM_BYTES (AFMT_KEYID_BYTES + AFMT_ED25519_SECRETKEY_BYTES + SK_CHK_BYTES)
#define SK_BLOB_BYTES (SK_OFF_KEYNUM + SK_KEYNUM_BYTES)

#define SK_B64_BYTES sodium_base64_ENCODED_LEN(SK_BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL)

/* Highest scrypt cost a key file may ask for: minisign's own default. */
#define KDF_OPSLIMIT_MAX ((uint64_t)crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE)
#define KDF_MEMLIMIT_MAX ((uint64_t)crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE)

_Static_assert(PK_BLOB_BYTES == 42, "public key blob is 42 bytes");
_Static_assert(SK_KEYNUM_BYTES == 104, "keynum_sk is 104 bytes");
_Static_assert(SK_BLOB_BYTES == 158, "secret key blob is 158 bytes");
_Static_assert(crypto_pwhash_scryptsalsa208sha256_SALTBYTES == SK_SALT_BYTES,
               "minisign's salt is scrypt's salt");
_Static_assert(crypto_sign_SECRETKEYBYTES == AFMT_ED25519_SECRETKEY_BYTES,
               "libsodium's Ed25519 secret key is seed || public key");
_Static_assert(crypto_sign_PUBLICKEYBYTES == AFMT_PUBLICKEY_BYTES, "Ed25519 public key");
_Static_assert(crypto_sign_SEEDBYTES == 32, "Ed25519 seed");
_Static_assert(sodium_base64_ENCODED_LEN(PK_BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL) ==
                   PK_B64_LEN + 1,
               "public key line is 56 characters");

/* ------------------------------------------------------------ key pairs */

int afmt_key_generate(afmt_secret_key **out_sk, afmt_public_key *out_pk)
{
    if (out_sk == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out_sk = NULL;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_secret_key *sk = sodium_malloc(sizeof *sk);
    if (sk == NULL)
        return AFMT_E_NOMEM;
    uint8_t pk[AFMT_PUBLICKEY_BYTES];
    randombytes_buf(sk->key_id, sizeof sk->key_id);
    if (crypto_sign_keypair(pk, sk->sk) != 0) {
        sodium_free(sk);
        return AFMT_E_CRYPTO;
    }
    if (out_pk != NULL) {
        memcpy(out_pk->key_id, sk->key_id, AFMT_KEYID_BYTES);
        memcpy(out_pk->key, pk, AFMT_PUBLICKEY_BYTES);
    }
    *out_sk = sk;
    return AFMT_OK;
}

void afmt_secret_key_public(afmt_public_key *out, const afmt_secret_key *sk)
{
    memcpy(out->key_id, sk->key_id, AFMT_KEYID_BYTES);
    memcpy(out->key, sk->sk + crypto_sign_SEEDBYTES, AFMT_PUBLICKEY_BYTES);
}

void afmt_secret_key_free(afmt_secret_key *sk)
{
    if (sk != NULL)
        sodium_free(sk); /* wipes */
}

void afmt_key_id_to_hex(char out[17], const uint8_t key_id[AFMT_KEYID_BYTES])
{
    snprintf(out, 17, "%016" PRIX64, afmt_load64(key_id));
}

void afmt_public_key_fingerprint(char out[AFMT_FINGERPRINT_CHARS], const afmt_public_key *pk)
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                       sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    crypto_hash_sha256(digest, pk->key, AFMT_PUBLICKEY_BYTES);
    sodium_bin2base64(b64, sizeof b64, digest, sizeof digest,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    snprintf(out, AFMT_FINGERPRINT_CHARS, "SHA256:%s", b64);
}

/* ------------------------------------------------------ key file text */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Finds the base64 line of a key file's text, reading it as stock minisign
 * does (issue 11, item 5): the first line is a comment, whatever it says
 * (minisign writes "untrusted comment: ..." but reads any first line), the
 * second the key; a line may end with CR LF.  With allow_bare, a text of
 * one line is the base64 line alone.  Surrounding blanks and newlines are
 * ignored.  NUL anywhere, a CR inside the key line, a comment line longer
 * than minisign reads, a missing base64 line or any further line gives
 * AFMT_E_KEY_FORMAT.
 */
static int key_text_b64_line(const char **out, size_t *out_len, const char *text,
                             size_t len, int allow_bare)
{
    if (memchr(text, '\0', len) != NULL)
        return AFMT_E_KEY_FORMAT;
    size_t start = 0, end = len;
    while (start < end && (is_blank(text[start]) || text[start] == '\n' || text[start] == '\r'))
        start++;
    while (end > start && (is_blank(text[end - 1]) || text[end - 1] == '\n' ||
                           text[end - 1] == '\r'))
        end--;
    const char *p = text + start;
    size_t n = end - start;
    const char *nl = memchr(p, '\n', n);
    if (nl != NULL) {
        size_t comment_len = (size_t)(nl - p);
        if (comment_len > 0 && p[comment_len - 1] == '\r')
            comment_len--;
        if (comment_len > COMMENT_LINE_MAX_BYTES)
            return AFMT_E_KEY_FORMAT;
        n -= (size_t)(nl - p) + 1;
        p = nl + 1;
    } else if (!allow_bare) {
        return AFMT_E_KEY_FORMAT; /* a comment and no key, or a key and no comment */
    }
    while (n > 0 && is_blank(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    if (n == 0 || memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL)
        return AFMT_E_KEY_FORMAT;
    *out = p;
    *out_len = n;
    return AFMT_OK;
}

/* Decodes base64 that must give exactly `len` bytes. */
static int b64_decode_exact(uint8_t *bin, size_t len, const char *b64, size_t b64_len)
{
    size_t got = 0;
    if (sodium_base642bin(bin, len, b64, b64_len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != len)
        return AFMT_E_KEY_FORMAT;
    return AFMT_OK;
}

/* A comment that goes on the first line of a key file: one line that
 * minisign reads whole, UTF-8 free of control characters. */
static int key_comment_ok(const char *comment)
{
    size_t n = strlen(comment);
    return n <= COMMENT_MAX_BYTES && afmt_sig_comment_valid(comment, n);
}

/* Writes "untrusted comment: <comment>\n<b64>\n" to a temporary file
 * beside `path`, fsynced and closed but not yet in place (f is then ready
 * for afmt_outfile_place).  The buffer holding the text is wiped. */
static int key_file_prepare(afmt_outfile *f, const char *path, mode_t mode, int overwrite,
                            const char *comment, const char *b64)
{
    size_t clen = strlen(comment), blen = strlen(b64);
    size_t len = COMMENT_PREFIX_LEN + clen + 1 + blen + 1;
    char *text = sodium_malloc(len);
    if (text == NULL)
        return AFMT_E_NOMEM;
    char *p = text;
    memcpy(p, COMMENT_PREFIX, COMMENT_PREFIX_LEN);
    p += COMMENT_PREFIX_LEN;
    memcpy(p, comment, clen);
    p += clen;
    *p++ = '\n';
    memcpy(p, b64, blen);
    p += blen;
    *p = '\n';

    int rc = afmt_outfile_open(f, path, mode, overwrite, NULL);
    if (rc == AFMT_OK) {
        rc = afmt_outfile_write(f, text, len, NULL);
        if (rc == AFMT_OK)
            rc = afmt_outfile_seal(f, NULL);
        else
            afmt_outfile_abort(f);
    }
    sodium_free(text);
    return rc;
}

/* ------------------------------------------------------------ public keys */

int afmt_public_key_parse(afmt_public_key *out, const char *text, size_t len)
{
    if (out == NULL || (text == NULL && len > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    const char *b64;
    size_t b64_len;
    int rc = key_text_b64_line(&b64, &b64_len, text, len, 1);
    if (rc != AFMT_OK)
        return rc;
    uint8_t blob[PK_BLOB_BYTES];
    rc = b64_decode_exact(blob, sizeof blob, b64, b64_len);
    if (rc != AFMT_OK)
        return rc;
    if (memcmp(blob + PK_OFF_ALG, SIG_ALG, 2) != 0)
        return AFMT_E_KEY_FORMAT;
    memcpy(out->key_id, blob + PK_OFF_KEYID, AFMT_KEYID_BYTES);
    memcpy(out->key, blob + PK_OFF_KEY, AFMT_PUBLICKEY_BYTES);
    return AFMT_OK;
}

int afmt_public_key_load(afmt_public_key *out, const char *path)
{
    if (out == NULL || path == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    uint8_t *text;
    size_t len;
    int rc = afmt_file_read_small(&text, &len, path, KEY_FILE_MAX_BYTES, NULL);
    if (rc != AFMT_OK)
        return rc;
    rc = afmt_public_key_parse(out, (const char *)text, len);
    free(text);
    return rc;
}

void afmt_public_key_to_base64(char out[57], const afmt_public_key *pk)
{
    uint8_t blob[PK_BLOB_BYTES];
    memcpy(blob + PK_OFF_ALG, SIG_ALG, 2);
    memcpy(blob + PK_OFF_KEYID, pk->key_id, AFMT_KEYID_BYTES);
    memcpy(blob + PK_OFF_KEY, pk->key, AFMT_PUBLICKEY_BYTES);
    sodium_bin2base64(out, PK_B64_LEN + 1, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
}

/* The public key file's temporary copy beside `path` (see key_file_prepare). */
static int public_key_prepare(afmt_outfile *f, const char *path, const afmt_public_key *pk,
                              const char *comment, int overwrite)
{
    char default_comment[64];
    if (comment == NULL) {
        char hex[17];
        afmt_key_id_to_hex(hex, pk->key_id);
        snprintf(default_comment, sizeof default_comment, "minisign public key %s", hex);
        comment = default_comment;
    }
    if (!key_comment_ok(comment))
        return AFMT_E_INVALID_ARGUMENT;
    char b64[PK_B64_LEN + 1];
    afmt_public_key_to_base64(b64, pk);
    return key_file_prepare(f, path, 0644, overwrite, comment, b64);
}

int afmt_public_key_save(const char *path, const afmt_public_key *pk, const char *comment,
                         int overwrite)
{
    if (path == NULL || pk == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_outfile f;
    int rc = public_key_prepare(&f, path, pk, comment, overwrite);
    return rc == AFMT_OK ? afmt_outfile_place(&f, overwrite, NULL) : rc;
}

/* ------------------------------------------------------------ secret keys */

/* checksum = BLAKE2b-256("Ed" || key id || secret key), over the plaintext
 * keynum_sk in `blob`. */
static void sk_checksum(uint8_t chk[SK_CHK_BYTES], const uint8_t *blob)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SK_CHK_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)SIG_ALG, 2);
    crypto_generichash_update(&st, blob + SK_OFF_KEYID, AFMT_KEYID_BYTES);
    crypto_generichash_update(&st, blob + SK_OFF_SK, AFMT_ED25519_SECRETKEY_BYTES);
    crypto_generichash_final(&st, chk, SK_CHK_BYTES);
    sodium_memzero(&st, sizeof st);
}

/* XORs keynum_sk with scrypt(passphrase, salt, opslimit, memlimit), the
 * same transform encrypting and decrypting. */
static int sk_apply_kdf(uint8_t *blob, const char *passphrase, size_t passphrase_len)
{
    uint64_t ops = afmt_load64(blob + SK_OFF_OPSLIMIT);
    uint64_t mem = afmt_load64(blob + SK_OFF_MEMLIMIT);
    if (ops > KDF_OPSLIMIT_MAX || mem > KDF_MEMLIMIT_MAX)
        return AFMT_E_LIMIT;
    uint8_t *stream = sodium_malloc(SK_KEYNUM_BYTES);
    if (stream == NULL)
        return AFMT_E_NOMEM;
    static const char empty[1] = { 0 };
    if (crypto_pwhash_scryptsalsa208sha256(stream, SK_KEYNUM_BYTES,
                                           passphrase != NULL ? passphrase : empty,
                                           passphrase_len, blob + SK_OFF_SALT,
                                           (unsigned long long)ops, (size_t)mem) != 0) {
        sodium_free(stream);
        return AFMT_E_NOMEM; /* scrypt fails only when it cannot get its memory */
    }
    for (size_t i = 0; i < SK_KEYNUM_BYTES; i++)
        blob[SK_OFF_KEYNUM + i] ^= stream[i];
    sodium_free(stream);
    return AFMT_OK;
}

/* Reads a secret key file and decodes its blob into `blob` (sodium memory,
 * SK_BLOB_BYTES) with the algorithm tags checked; keynum_sk is still
 * encrypted when the kdf is "Sc". */
static int sk_read_blob(uint8_t *blob, const char *path)
{
    uint8_t *text;
    size_t len;
    int rc = afmt_file_read_small(&text, &len, path, KEY_FILE_MAX_BYTES, NULL);
    if (rc != AFMT_OK)
        return rc;
    const char *b64;
    size_t b64_len;
    rc = key_text_b64_line(&b64, &b64_len, (const char *)text, len, 0);
    if (rc == AFMT_OK)
        rc = b64_decode_exact(blob, SK_BLOB_BYTES, b64, b64_len);
    sodium_memzero(text, len);
    free(text);
    if (rc != AFMT_OK)
        return rc;
    if (memcmp(blob + SK_OFF_SIG_ALG, SIG_ALG, 2) != 0 ||
        memcmp(blob + SK_OFF_CHK_ALG, CHK_ALG, 2) != 0 ||
        (memcmp(blob + SK_OFF_KDF_ALG, KDF_ALG_SCRYPT, 2) != 0 &&
         memcmp(blob + SK_OFF_KDF_ALG, KDF_ALG_NONE, 2) != 0))
        return AFMT_E_KEY_FORMAT;
    return AFMT_OK;
}

static int sk_blob_encrypted(const uint8_t *blob)
{
    return memcmp(blob + SK_OFF_KDF_ALG, KDF_ALG_SCRYPT, 2) == 0;
}

/* Nonzero when the public half of the secret key is the one its seed
 * derives: a corrupted or forged key would otherwise sign with a public key
 * nobody can verify against. */
static int sk_public_half_ok(const uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES])
{
    uint8_t pk[AFMT_PUBLICKEY_BYTES];
    uint8_t *tmp = sodium_malloc(AFMT_ED25519_SECRETKEY_BYTES);
    if (tmp == NULL)
        return -1;
    int ok = crypto_sign_seed_keypair(pk, tmp, sk) == 0 &&
             sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, AFMT_PUBLICKEY_BYTES) == 0;
    sodium_free(tmp);
    return ok;
}

int afmt_secret_key_file_is_encrypted(const char *path)
{
    if (path == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    uint8_t *blob = sodium_malloc(SK_BLOB_BYTES);
    if (blob == NULL)
        return AFMT_E_NOMEM;
    int rc = sk_read_blob(blob, path);
    if (rc == AFMT_OK)
        rc = sk_blob_encrypted(blob) ? 1 : 0;
    sodium_free(blob);
    return rc;
}

int afmt_secret_key_load(afmt_secret_key **out, const char *path, const char *passphrase,
                         size_t passphrase_len)
{
    if (out == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (path == NULL || (passphrase == NULL && passphrase_len > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    uint8_t *blob = sodium_malloc(SK_BLOB_BYTES);
    if (blob == NULL)
        return AFMT_E_NOMEM;
    int rc = sk_read_blob(blob, path);
    if (rc != AFMT_OK)
        goto done;

    int encrypted = sk_blob_encrypted(blob);
    if (encrypted) {
        if (passphrase == NULL) {
            rc = AFMT_E_PASSPHRASE;
            goto done;
        }
        rc = sk_apply_kdf(blob, passphrase, passphrase_len);
        if (rc != AFMT_OK)
            goto done;
    }

    uint8_t chk[SK_CHK_BYTES];
    sk_checksum(chk, blob);
    int chk_ok = sodium_memcmp(chk, blob + SK_OFF_CHK, SK_CHK_BYTES) == 0;
    sodium_memzero(chk, sizeof chk);
    /* `minisign -G -W` leaves the checksum of an unencrypted key all zero
     * (it computes it only when encrypting); minisign never checks it then.
     * Accept that, and a correct checksum, and nothing else. */
    if (!chk_ok && !(!encrypted && sodium_is_zero(blob + SK_OFF_CHK, SK_CHK_BYTES))) {
        rc = encrypted ? AFMT_E_PASSPHRASE : AFMT_E_KEY_FORMAT;
        goto done;
    }
    int pk_ok = sk_public_half_ok(blob + SK_OFF_SK);
    if (pk_ok <= 0) {
        rc = pk_ok < 0 ? AFMT_E_NOMEM : AFMT_E_KEY_FORMAT;
        goto done;
    }

    afmt_secret_key *sk = sodium_malloc(sizeof *sk);
    if (sk == NULL) {
        rc = AFMT_E_NOMEM;
        goto done;
    }
    memcpy(sk->key_id, blob + SK_OFF_KEYID, AFMT_KEYID_BYTES);
    memcpy(sk->sk, blob + SK_OFF_SK, AFMT_ED25519_SECRETKEY_BYTES);
    *out = sk;
    rc = AFMT_OK;
done:
    sodium_free(blob); /* wipes */
    return rc;
}

/* The secret key file's temporary copy beside `path` (see key_file_prepare). */
static int secret_key_prepare(afmt_outfile *f, const char *path, const afmt_secret_key *sk,
                              const char *passphrase, size_t passphrase_len,
                              const char *comment, int overwrite)
{
    if (comment == NULL)
        comment = passphrase != NULL ? DEFAULT_SK_COMMENT_ENCRYPTED : DEFAULT_SK_COMMENT_PLAIN;
    if (!key_comment_ok(comment))
        return AFMT_E_INVALID_ARGUMENT;
    uint8_t *blob = sodium_malloc(SK_BLOB_BYTES);
    char *b64 = sodium_malloc(SK_B64_BYTES);
    int rc = AFMT_OK;
    if (blob == NULL || b64 == NULL) {
        rc = AFMT_E_NOMEM;
        goto done;
    }
    memset(blob, 0, SK_BLOB_BYTES);
    memcpy(blob + SK_OFF_SIG_ALG, SIG_ALG, 2);
    memcpy(blob + SK_OFF_KDF_ALG, passphrase != NULL ? KDF_ALG_SCRYPT : KDF_ALG_NONE, 2);
    memcpy(blob + SK_OFF_CHK_ALG, CHK_ALG, 2);
    memcpy(blob + SK_OFF_KEYID, sk->key_id, AFMT_KEYID_BYTES);
    memcpy(blob + SK_OFF_SK, sk->sk, AFMT_ED25519_SECRETKEY_BYTES);
    /* The checksum is written for unencrypted keys too (as `minisign -C -W`
     * does), so that a damaged key file is detected on load. */
    sk_checksum(blob + SK_OFF_CHK, blob);
    if (passphrase != NULL) {
        randombytes_buf(blob + SK_OFF_SALT, SK_SALT_BYTES);
        afmt_store64(blob + SK_OFF_OPSLIMIT, KDF_OPSLIMIT_MAX);
        afmt_store64(blob + SK_OFF_MEMLIMIT, KDF_MEMLIMIT_MAX);
        rc = sk_apply_kdf(blob, passphrase, passphrase_len);
        if (rc != AFMT_OK)
            goto done;
    }
    sodium_bin2base64(b64, SK_B64_BYTES, blob, SK_BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL);
    rc = key_file_prepare(f, path, 0600, overwrite, comment, b64);
done:
    if (blob != NULL)
        sodium_free(blob);
    if (b64 != NULL)
        sodium_free(b64);
    return rc;
}

int afmt_secret_key_save(const char *path, const afmt_secret_key *sk, const char *passphrase,
                         size_t passphrase_len, const char *comment, int overwrite)
{
    if (path == NULL || sk == NULL || (passphrase == NULL && passphrase_len > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_outfile f;
    int rc = secret_key_prepare(&f, path, sk, passphrase, passphrase_len, comment, overwrite);
    return rc == AFMT_OK ? afmt_outfile_place(&f, overwrite, NULL) : rc;
}

/* Both files are written and fsynced under temporary names first; then the
 * public key is put in place (the old one kept under a second name), then
 * the secret key; if that last step fails the old public key is put back.
 * So a failure at any step leaves the old pair (or no pair) as it was. */
int afmt_key_pair_save(const char *sk_path, const char *pk_path, const afmt_secret_key *sk,
                       const afmt_public_key *pk, const char *passphrase,
                       size_t passphrase_len, const char *comment, int overwrite)
{
    if (sk_path == NULL || pk_path == NULL || sk == NULL || pk == NULL ||
        (passphrase == NULL && passphrase_len > 0) || strcmp(sk_path, pk_path) == 0)
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_outfile skf, pkf;
    int rc = secret_key_prepare(&skf, sk_path, sk, passphrase, passphrase_len, comment,
                                overwrite);
    if (rc != AFMT_OK)
        return rc;
    rc = public_key_prepare(&pkf, pk_path, pk, comment, overwrite);
    if (rc != AFMT_OK) {
        afmt_outfile_abort(&skf);
        return rc;
    }
    /* The old public key, kept until the secret key is in place. */
    char *backup = NULL;
    struct stat st;
    if (overwrite && lstat(pk_path, &st) == 0 && S_ISREG(st.st_mode)) {
        size_t n = strlen(pkf.tmp_path) + 5;
        backup = malloc(n);
        if (backup == NULL) {
            rc = AFMT_E_NOMEM;
        } else {
            snprintf(backup, n, "%s-old", pkf.tmp_path);
            if (link(pk_path, backup) != 0)
                rc = AFMT_E_IO;
        }
        if (rc != AFMT_OK) {
            free(backup);
            afmt_outfile_abort(&skf);
            afmt_outfile_abort(&pkf);
            return rc;
        }
    }
    rc = afmt_outfile_place(&pkf, overwrite, NULL);
    if (rc == AFMT_OK) {
        rc = afmt_outfile_place(&skf, overwrite, NULL);
        if (rc != AFMT_OK) {
            if (backup != NULL)
                (void)rename(backup, pk_path);
            else
                (void)unlink(pk_path);
        }
    } else {
        afmt_outfile_abort(&skf);
    }
    if (backup != NULL) {
        (void)unlink(backup); /* already renamed back when restored */
        free(backup);
    }
    return rc;
}
