/*
 * signature.c - minisign "ED" signatures: Ed25519 over BLAKE2b-512 of the
 * message, plus the global signature over sig || trusted comment; the text
 * form of a .minisig file, written and strictly parsed.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/internal.h"
#include "format/signature.h"

#define SIG_ALG_PREHASHED "ED"
#define SIG_ALG_LEGACY "Ed"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define UNTRUSTED_PREFIX_LEN (sizeof UNTRUSTED_PREFIX - 1)
#define TRUSTED_PREFIX "trusted comment: "
#define TRUSTED_PREFIX_LEN (sizeof TRUSTED_PREFIX - 1)
#define UNTRUSTED_LINE UNTRUSTED_PREFIX "signature from afmt secret key"
/* minisign reads the untrusted comment with fgets(buf, 1024). */
#define UNTRUSTED_LINE_MAX_BYTES 1022u

/* "ED" || key id || sig */
#define SIGBLOB_OFF_ALG 0
#define SIGBLOB_OFF_KEYID 2
#define SIGBLOB_OFF_SIG (SIGBLOB_OFF_KEYID + AFMT_KEYID_BYTES)
#define SIGBLOB_BYTES (SIGBLOB_OFF_SIG + AFMT_ED25519_SIGNATURE_BYTES)
#define SIGBLOB_B64_LEN 100
#define GSIG_B64_LEN 88

_Static_assert(SIGBLOB_BYTES == 74, "signature blob is 74 bytes");
_Static_assert(crypto_sign_BYTES == AFMT_ED25519_SIGNATURE_BYTES, "Ed25519 signature");
_Static_assert(crypto_generichash_BYTES_MAX == AFMT_PREHASH_BYTES, "BLAKE2b-512");
_Static_assert(sodium_base64_ENCODED_LEN(SIGBLOB_BYTES, sodium_base64_VARIANT_ORIGINAL) ==
                   SIGBLOB_B64_LEN + 1,
               "signature line is 100 characters");
_Static_assert(sodium_base64_ENCODED_LEN(AFMT_ED25519_SIGNATURE_BYTES,
                                         sodium_base64_VARIANT_ORIGINAL) == GSIG_B64_LEN + 1,
               "global signature line is 88 characters");

/* ------------------------------------------------------ raw signatures */

static void prehash(uint8_t h[AFMT_PREHASH_BYTES], const void *msg, size_t len)
{
    static const uint8_t empty[1] = { 0 };
    crypto_generichash(h, AFMT_PREHASH_BYTES, len > 0 ? msg : empty, len, NULL, 0);
}

/* sig || trusted comment, the bytes the global signature covers; malloc'd. */
static uint8_t *global_message(size_t *out_len, const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                               const char *tc, size_t tc_len)
{
    size_t n;
    if (__builtin_add_overflow(tc_len, (size_t)AFMT_ED25519_SIGNATURE_BYTES, &n))
        return NULL;
    uint8_t *m = malloc(n);
    if (m == NULL)
        return NULL;
    memcpy(m, sig, AFMT_ED25519_SIGNATURE_BYTES);
    if (tc_len > 0)
        memcpy(m + AFMT_ED25519_SIGNATURE_BYTES, tc, tc_len);
    *out_len = n;
    return m;
}

int afmt_sig_sign_prehashed(uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], const afmt_secret_key *sk,
                            const void *msg, size_t len)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    uint8_t h[AFMT_PREHASH_BYTES];
    prehash(h, msg, len);
    if (crypto_sign_detached(sig, NULL, h, sizeof h, sk->sk) != 0)
        return AFMT_E_CRYPTO;
    return AFMT_OK;
}

int afmt_sig_sign_global(uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES], const afmt_secret_key *sk,
                         const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], const char *tc,
                         size_t tc_len)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    size_t n;
    uint8_t *m = global_message(&n, sig, tc, tc_len);
    if (m == NULL)
        return AFMT_E_NOMEM;
    int rc = crypto_sign_detached(gsig, NULL, m, n, sk->sk) == 0 ? AFMT_OK : AFMT_E_CRYPTO;
    free(m);
    return rc;
}

int afmt_sig_verify_prehashed(const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                              const uint8_t pk[AFMT_PUBLICKEY_BYTES], const void *msg,
                              size_t len)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    uint8_t h[AFMT_PREHASH_BYTES];
    prehash(h, msg, len);
    return crypto_sign_verify_detached(sig, h, sizeof h, pk) == 0 ? AFMT_OK
                                                                   : AFMT_E_BAD_SIGNATURE;
}

int afmt_sig_sign_plain(uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], const afmt_secret_key *sk,
                        const void *msg, size_t len)
{
    static const uint8_t empty[1] = {0};
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    return crypto_sign_detached(sig, NULL, len > 0 ? msg : empty, len, sk->sk) == 0
               ? AFMT_OK
               : AFMT_E_CRYPTO;
}

int afmt_sig_verify_plain(const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                          const uint8_t pk[AFMT_PUBLICKEY_BYTES], const void *msg, size_t len)
{
    static const uint8_t empty[1] = {0};
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    return crypto_sign_verify_detached(sig, len > 0 ? msg : empty, len, pk) == 0
               ? AFMT_OK
               : AFMT_E_BAD_SIGNATURE;
}

int afmt_sig_verify_global(const uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES],
                           const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                           const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], const char *tc,
                           size_t tc_len)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    size_t n;
    uint8_t *m = global_message(&n, sig, tc, tc_len);
    if (m == NULL)
        return AFMT_E_NOMEM;
    int rc = crypto_sign_verify_detached(gsig, m, n, pk) == 0 ? AFMT_OK : AFMT_E_BAD_SIGNATURE;
    free(m);
    return rc;
}

/* ------------------------------------------------------ trusted comments */

/*
 * At most AFMT_MAX_TRUSTED_COMMENT_BYTES of valid UTF-8 without C0 controls,
 * DEL or C1 controls.  With allow_tab, TAB is accepted too: stock minisign's
 * default trusted comment is "timestamp:<t>\tfile:<name>\thashed", so a
 * detached .minisig must allow it; a bundle's trusted comment (spec section
 * 5) must not.  CR, LF and NUL are refused either way.
 */
static int comment_text_ok(const char *tc, size_t tc_len, int allow_tab)
{
    if (tc == NULL)
        return tc_len == 0;
    if (tc_len > AFMT_MAX_TRUSTED_COMMENT_BYTES)
        return 0;
    const uint8_t *s = (const uint8_t *)tc;
    if (!afmt_utf8_valid(s, tc_len))
        return 0;
    for (size_t i = 0; i < tc_len; i++) {
        if ((s[i] < 0x20 && !(allow_tab && s[i] == '\t')) || s[i] == 0x7F)
            return 0;
        /* In valid UTF-8, C2 is always a lead byte; C2 80..C2 9F are C1. */
        if (s[i] == 0xC2 && i + 1 < tc_len && s[i + 1] <= 0x9F)
            return 0;
    }
    return 1;
}

int afmt_sig_comment_valid(const char *tc, size_t tc_len)
{
    return comment_text_ok(tc, tc_len, 0);
}

/* ------------------------------------------------------ .minisig text */

int afmt_sig_format_minisig(char **out, const uint8_t key_id[AFMT_KEYID_BYTES],
                            const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], const char *tc,
                            size_t tc_len, const uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES])
{
    *out = NULL;
    /* A bundle's comment (no TAB) or a detached one (TAB allowed). */
    if (!comment_text_ok(tc, tc_len, 1))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    uint8_t blob[SIGBLOB_BYTES];
    memcpy(blob + SIGBLOB_OFF_ALG, SIG_ALG_PREHASHED, 2);
    memcpy(blob + SIGBLOB_OFF_KEYID, key_id, AFMT_KEYID_BYTES);
    memcpy(blob + SIGBLOB_OFF_SIG, sig, AFMT_ED25519_SIGNATURE_BYTES);

    /* tc_len <= 1024, so the sum cannot overflow. */
    size_t len = (sizeof UNTRUSTED_LINE - 1) + 1 + SIGBLOB_B64_LEN + 1 + TRUSTED_PREFIX_LEN +
                 tc_len + 1 + GSIG_B64_LEN + 1;
    char *text = malloc(len + 1);
    if (text == NULL)
        return AFMT_E_NOMEM;
    char *p = text;
    memcpy(p, UNTRUSTED_LINE "\n", sizeof UNTRUSTED_LINE);
    p += sizeof UNTRUSTED_LINE;
    sodium_bin2base64(p, SIGBLOB_B64_LEN + 1, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    p += SIGBLOB_B64_LEN;
    *p++ = '\n';
    memcpy(p, TRUSTED_PREFIX, TRUSTED_PREFIX_LEN);
    p += TRUSTED_PREFIX_LEN;
    if (tc_len > 0)
        memcpy(p, tc, tc_len);
    p += tc_len;
    *p++ = '\n';
    sodium_bin2base64(p, GSIG_B64_LEN + 1, gsig, AFMT_ED25519_SIGNATURE_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    p += GSIG_B64_LEN;
    *p++ = '\n';
    *p = '\0';
    *out = text;
    return AFMT_OK;
}

/* A .minisig file, parsed: borrowed trusted comment, decoded signatures. */
typedef struct parsed_minisig {
    uint8_t blob[SIGBLOB_BYTES];
    uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES];
    const char *tc;
    size_t tc_len;
} parsed_minisig;

static int b64_decode_exact(uint8_t *bin, size_t len, const char *b64, size_t b64_len)
{
    size_t got = 0;
    if (sodium_base642bin(bin, len, b64, b64_len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != len)
        return AFMT_E_KEY_FORMAT;
    return AFMT_OK;
}

/*
 * Exactly four lines, each ending with LF except that the last may end the
 * text instead; no CR or NUL anywhere.  Everything malformed is
 * AFMT_E_KEY_FORMAT, except a legacy "Ed" signature (AFMT_E_UNSUPPORTED).
 */
static int parse_minisig(parsed_minisig *ps, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0' || text[i] == '\r')
            return AFMT_E_KEY_FORMAT;
    const char *line[4];
    size_t line_len[4];
    size_t pos = 0;
    for (int k = 0; k < 4; k++) {
        if (pos >= len)
            return AFMT_E_KEY_FORMAT; /* missing line */
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        if (nl == NULL && k < 3)
            return AFMT_E_KEY_FORMAT;
        line[k] = text + pos;
        line_len[k] = end - pos;
        pos = nl != NULL ? end + 1 : len;
    }
    if (pos != len)
        return AFMT_E_KEY_FORMAT; /* anything after the fourth line */

    if (line_len[0] < UNTRUSTED_PREFIX_LEN || line_len[0] > UNTRUSTED_LINE_MAX_BYTES ||
        memcmp(line[0], UNTRUSTED_PREFIX, UNTRUSTED_PREFIX_LEN) != 0)
        return AFMT_E_KEY_FORMAT;
    if (b64_decode_exact(ps->blob, SIGBLOB_BYTES, line[1], line_len[1]) != AFMT_OK)
        return AFMT_E_KEY_FORMAT;
    if (line_len[2] < TRUSTED_PREFIX_LEN ||
        memcmp(line[2], TRUSTED_PREFIX, TRUSTED_PREFIX_LEN) != 0)
        return AFMT_E_KEY_FORMAT;
    ps->tc = line[2] + TRUSTED_PREFIX_LEN;
    ps->tc_len = line_len[2] - TRUSTED_PREFIX_LEN;
    if (!comment_text_ok(ps->tc, ps->tc_len, 1))
        return AFMT_E_KEY_FORMAT;
    if (b64_decode_exact(ps->gsig, sizeof ps->gsig, line[3], line_len[3]) != AFMT_OK)
        return AFMT_E_KEY_FORMAT;

    if (memcmp(ps->blob + SIGBLOB_OFF_ALG, SIG_ALG_LEGACY, 2) == 0)
        return AFMT_E_UNSUPPORTED;
    if (memcmp(ps->blob + SIGBLOB_OFF_ALG, SIG_ALG_PREHASHED, 2) != 0)
        return AFMT_E_KEY_FORMAT;
    return AFMT_OK;
}

/* ------------------------------------------------------ public API */

int afmt_sign_detached(char **out_text, const afmt_secret_key *sk, const void *msg, size_t len,
                       const char *trusted_comment)
{
    if (out_text == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out_text = NULL;
    if (sk == NULL || (msg == NULL && len > 0) || trusted_comment == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    size_t tc_len = strlen(trusted_comment);
    if (!comment_text_ok(trusted_comment, tc_len, 1))
        return AFMT_E_INVALID_ARGUMENT;
    uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES], gsig[AFMT_ED25519_SIGNATURE_BYTES];
    int rc = afmt_sig_sign_prehashed(sig, sk, msg, len);
    if (rc == AFMT_OK)
        rc = afmt_sig_sign_global(gsig, sk, sig, trusted_comment, tc_len);
    if (rc == AFMT_OK)
        rc = afmt_sig_format_minisig(out_text, sk->key_id, sig, trusted_comment, tc_len, gsig);
    return rc;
}

int afmt_verify_detached(char **out_comment, const afmt_public_key *pk, const void *msg,
                         size_t len, const char *sig_text, size_t sig_len)
{
    if (out_comment != NULL)
        *out_comment = NULL;
    if (pk == NULL || (msg == NULL && len > 0) || (sig_text == NULL && sig_len > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    parsed_minisig ps;
    int rc = parse_minisig(&ps, sig_text, sig_len);
    if (rc != AFMT_OK)
        return rc;
    /* The key id first, before any cryptography, so that "signed with
     * another key" is told apart from "does not verify". */
    if (memcmp(ps.blob + SIGBLOB_OFF_KEYID, pk->key_id, AFMT_KEYID_BYTES) != 0)
        return AFMT_E_WRONG_KEY;
    rc = afmt_sig_verify_prehashed(ps.blob + SIGBLOB_OFF_SIG, pk->key, msg, len);
    if (rc != AFMT_OK)
        return rc;
    rc = afmt_sig_verify_global(ps.gsig, pk->key, ps.blob + SIGBLOB_OFF_SIG, ps.tc, ps.tc_len);
    if (rc != AFMT_OK)
        return rc;
    /* Both signatures hold: only now is the trusted comment released. */
    if (out_comment != NULL) {
        char *c = malloc(ps.tc_len + 1);
        if (c == NULL)
            return AFMT_E_NOMEM;
        if (ps.tc_len > 0)
            memcpy(c, ps.tc, ps.tc_len);
        c[ps.tc_len] = '\0';
        *out_comment = c;
    }
    return AFMT_OK;
}
