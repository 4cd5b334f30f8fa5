/*
 * timestamp.c - RFC 3161 timestamps of the checkpoint (spec 12.2, kind
 * 0x02) with OpenSSL's TS API: requests, replies, tokens, trust.
 */
#include "format/timestamp.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* OpenSSL's reason for the last failure, for a message; clears its queue. */
static void ossl_reason(char *out, size_t size)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e, last = 0;
    const char *last_data = NULL;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        last = e;
        last_data = (flags & ERR_TXT_STRING) && data != NULL && *data ? data : last_data;
    }
    if (last == 0) {
        snprintf(out, size, "no reason given");
        return;
    }
    const char *reason = ERR_reason_error_string(last);
    snprintf(out, size, "%s%s%s", reason != NULL ? reason : "error",
             last_data != NULL ? ": " : "", last_data != NULL ? last_data : "");
}

static PKCS7 *token_decode(const uint8_t *body, size_t len, char *errbuf, int *rc)
{
    *rc = AFMT_OK;
    if (len > AFMT_MAX_TIMESTAMP_BYTES) {
        *rc = AFMT_FAIL(errbuf, AFMT_E_LIMIT, "a timestamp token over %u bytes",
                        AFMT_MAX_TIMESTAMP_BYTES);
        return NULL;
    }
    const unsigned char *p = body;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
    ERR_clear_error();
    if (p7 == NULL || p != body + len) {
        PKCS7_free(p7);
        *rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "not a DER TimeStampToken");
        return NULL;
    }
    /* One encoding only: the bytes are the token's DER, nothing else. */
    unsigned char *der = NULL;
    int n = i2d_PKCS7(p7, &der);
    int same = n >= 0 && (size_t)n == len && memcmp(der, body, len) == 0;
    OPENSSL_free(der);
    if (!same) {
        PKCS7_free(p7);
        *rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a timestamp token not in its DER encoding");
        return NULL;
    }
    if (!PKCS7_type_is_signed(p7) || p7->d.sign == NULL) {
        PKCS7_free(p7);
        *rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a timestamp token that is not signed data");
        return NULL;
    }
    return p7;
}

/* The messageImprint must be SHA-256 (parameters absent or NULL) of the
 * checkpoint. */
static int check_imprint(TS_TST_INFO *tst, const uint8_t want[32], char *errbuf)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
    ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(mi);
    const ASN1_OBJECT *oid;
    int ptype;
    X509_ALGOR_get0(&oid, &ptype, NULL, alg);
    if (OBJ_obj2nid(oid) != NID_sha256 || (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a timestamp whose imprint is not SHA-256");
    if (ASN1_STRING_length(msg) != 32 || memcmp(ASN1_STRING_get0_data(msg), want, 32) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE,
                         "a timestamp of another text than this checkpoint");
    return AFMT_OK;
}

/* An algorithm identifier's parameters: absent or NULL. */
static int params_plain(const X509_ALGOR *alg)
{
    int ptype;
    X509_ALGOR_get0(NULL, &ptype, NULL, alg);
    return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
}

/* The fields of the CMS structure that its signature does not cover and
 * OpenSSL does not look at, held to their one meaning (RFC 5652 with an
 * eContentType other than id-data, RFC 3161): so that no byte of a token
 * can change while it still verifies. */
static int check_unsigned_fields(PKCS7 *p7, X509 *signer, char *errbuf)
{
    PKCS7_SIGNED *sd = p7->d.sign;
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    if (ASN1_INTEGER_get(sd->version) != 3 || sis == NULL ||
        sk_PKCS7_SIGNER_INFO_num(sis) != 1 || sd->crl != NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a timestamp token that is not an RFC 3161 SignedData (version 3, "
                         "one signer, no CRL)");
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
    X509_ALGOR *dig = NULL, *sig = NULL;
    PKCS7_SIGNER_INFO_get0_algs(si, NULL, &dig, &sig);
    if (ASN1_INTEGER_get(si->version) != 1 || dig == NULL || sig == NULL || !params_plain(dig))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a timestamp token's signer is malformed");
    for (int i = 0; i < sk_X509_ALGOR_num(sd->md_algs); i++)
        if (!params_plain(sk_X509_ALGOR_value(sd->md_algs, i)))
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                             "a timestamp token's digest algorithms are malformed");
    /* The signature algorithm: the key's own type, or a signature
     * algorithm for that key type and the signer's digest. */
    const ASN1_OBJECT *sig_oid, *dig_oid;
    X509_ALGOR_get0(&sig_oid, NULL, NULL, sig);
    X509_ALGOR_get0(&dig_oid, NULL, NULL, dig);
    int sig_nid = OBJ_obj2nid(sig_oid), md_nid = 0, pk_nid = 0;
    EVP_PKEY *pkey = X509_get0_pubkey(signer);
    int key_nid = pkey != NULL ? EVP_PKEY_get_base_id(pkey) : NID_undef;
    int ok;
    if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid))
        ok = pk_nid == key_nid && (md_nid == NID_undef || md_nid == OBJ_obj2nid(dig_oid));
    else
        ok = sig_nid != NID_undef && sig_nid == key_nid;
    if (!ok || (sig_nid != NID_rsassaPss && !params_plain(sig)))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a timestamp token's signature algorithm does not fit its key");
    return AFMT_OK;
}

static void describe(afmt_tstamp *t, TS_TST_INFO *tst, X509 *signer)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    t->time = ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) ? (int64_t)timegm(&tm) : -1;
    t->authority[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(signer), 0,
                                        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, t->authority, (int)sizeof t->authority - 1);
        t->authority[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
    t->serial[0] = '\0';
    BIGNUM *bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    if (hex != NULL) {
        size_t i = 0;
        for (; hex[i] != '\0' && i + 1 < sizeof t->serial; i++)
            t->serial[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] + 32 : hex[i]);
        t->serial[i] = '\0';
    }
    OPENSSL_free(hex);
    BN_free(bn);
    ERR_clear_error();
}

int afmt_tstamp_verify(afmt_tstamp *t, const uint8_t *body, size_t len,
                       const uint8_t *checkpoint, size_t cp_len, char *errbuf)
{
    memset(t, 0, sizeof *t);
    int rc;
    PKCS7 *p7 = token_decode(body, len, errbuf, &rc);
    if (p7 == NULL)
        return rc;
    uint8_t want[32];
    SHA256(checkpoint, cp_len, want);
    TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(p7);
    STACK_OF(X509) *signers = NULL;
    X509_STORE *store = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    if (tst == NULL) {
        rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a timestamp token without a TSTInfo");
        goto out;
    }
    if ((rc = check_imprint(tst, want, errbuf)) != AFMT_OK)
        goto out;
    /* The signing certificate must be in the token (spec 12.2): it is what
     * the signature is checked with. */
    signers = PKCS7_get0_signers(p7, NULL, 0);
    if (signers == NULL || sk_X509_num(signers) != 1) {
        rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                       "a timestamp token that does not carry its signing certificate");
        goto out;
    }
    X509 *signer = sk_X509_value(signers, 0);
    if ((rc = check_unsigned_fields(p7, signer, errbuf)) != AFMT_OK)
        goto out;
    /* OpenSSL's own check (signature, ESS certificate id, time-stamping
     * key usage) with the carried certificate as the only anchor and no
     * look at the clock: integrity, not trust, which afmt_tstamp_trusted
     * decides. */
    store = X509_STORE_new();
    ctx = TS_VERIFY_CTX_new();
    if (store == NULL || ctx == NULL || !X509_STORE_add_cert(store, signer)) {
        rc = AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
    TS_VERIFY_CTX_set_store(ctx, store);
    store = NULL; /* the context owns it */
    if (TS_RESP_verify_token(ctx, p7) != 1) {
        char why[256];
        ossl_reason(why, sizeof why);
        rc = AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE, "a timestamp that does not verify (%s)",
                       why);
        goto out;
    }
    describe(t, tst, signer);
    t->der = body;
    t->der_len = len;
    rc = AFMT_OK;
out:
    TS_VERIFY_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(signers);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    ERR_clear_error();
    return rc;
}

int afmt_tstamp_trusted(const afmt_tstamp *t, const uint8_t *checkpoint, size_t cp_len,
                        const char *ca_file, char *errbuf)
{
    int rc;
    PKCS7 *p7 = token_decode(t->der, t->der_len, errbuf, &rc);
    if (p7 == NULL)
        return rc;
    X509_STORE *store = X509_STORE_new();
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    uint8_t *imprint = OPENSSL_malloc(32);
    STACK_OF(X509) *certs = X509_chain_up_ref(p7->d.sign->cert);
    if (store == NULL || ctx == NULL || imprint == NULL ||
        (p7->d.sign->cert != NULL && certs == NULL)) {
        rc = AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    if (X509_STORE_load_file(store, ca_file) != 1) {
        char why[256];
        ossl_reason(why, sizeof why);
        rc = AFMT_FAIL(errbuf, AFMT_E_IO, "%s: cannot read CA certificates (%s)", ca_file, why);
        goto out;
    }
    SHA256(checkpoint, cp_len, imprint);
    /* What `openssl ts -verify -data CP -CAfile CA -untrusted CERTS` does:
     * the token's certificates may serve as intermediates. */
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT);
    TS_VERIFY_CTX_set_imprint(ctx, imprint, 32);
    imprint = NULL;
    TS_VERIFY_CTX_set_store(ctx, store);
    store = NULL;
    TS_VERIFY_CTX_set_certs(ctx, certs);
    certs = NULL;
    if (TS_RESP_verify_token(ctx, p7) != 1) {
        char why[256];
        ossl_reason(why, sizeof why);
        rc = AFMT_FAIL(errbuf, AFMT_E_WRONG_KEY, "does not chain to a CA of %s (%s)", ca_file,
                       why);
        goto out;
    }
    rc = AFMT_OK;
out:
    OPENSSL_free(imprint);
    sk_X509_pop_free(certs, X509_free);
    X509_STORE_free(store);
    TS_VERIFY_CTX_free(ctx);
    PKCS7_free(p7);
    ERR_clear_error();
    return rc;
}

int afmt_tstamp_request(uint8_t **out, size_t *out_len, const uint8_t *checkpoint, size_t cp_len,
                        char *errbuf)
{
    *out = NULL;
    *out_len = 0;
    uint8_t digest[32], nonce_bytes[8];
    SHA256(checkpoint, cp_len, digest);
    randombytes_buf(nonce_bytes, sizeof nonce_bytes);
    nonce_bytes[0] |= 0x01; /* a 64-bit nonce never shorter than 57 bits */
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    BIGNUM *bn = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, NULL);
    ASN1_INTEGER *nonce = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    unsigned char *der = NULL;
    int n = -1;
    if (req != NULL && mi != NULL && alg != NULL && nonce != NULL &&
        X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
        TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, digest, 32) &&
        TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
        TS_REQ_set_nonce(req, nonce) && TS_REQ_set_cert_req(req, 1))
        n = i2d_TS_REQ(req, &der);
    TS_REQ_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    ASN1_INTEGER_free(nonce);
    BN_free(bn);
    ERR_clear_error();
    if (n <= 0) {
        OPENSSL_free(der);
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "cannot make the request: out of memory");
    }
    *out = malloc((size_t)n);
    if (*out == NULL) {
        OPENSSL_free(der);
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    memcpy(*out, der, (size_t)n);
    *out_len = (size_t)n;
    OPENSSL_free(der);
    return AFMT_OK;
}

/* The reply answers `request`: the request is for this checkpoint (SHA-256
 * imprint) and the token has its nonce (or none when it has none) and its
 * policy when it named one. */
static int check_request(TS_TST_INFO *tst, const uint8_t *request, size_t len,
                         const uint8_t want[32], char *errbuf)
{
    if (len > AFMT_MAX_TIMESTAMP_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "a request over %u bytes",
                         AFMT_MAX_TIMESTAMP_BYTES);
    const unsigned char *p = request;
    TS_REQ *req = d2i_TS_REQ(NULL, &p, (long)len);
    int rc = AFMT_OK;
    if (req == NULL || p != request + len) {
        rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the request is not an RFC 3161 request");
        goto out;
    }
    TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(req);
    const ASN1_OBJECT *oid;
    X509_ALGOR_get0(&oid, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(mi);
    if (OBJ_obj2nid(oid) != NID_sha256 || ASN1_STRING_length(msg) != 32 ||
        memcmp(ASN1_STRING_get0_data(msg), want, 32) != 0) {
        rc = AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE,
                       "the request is not for this bundle's checkpoint");
        goto out;
    }
    const ASN1_INTEGER *asked = TS_REQ_get_nonce(req), *got = TS_TST_INFO_get_nonce(tst);
    if ((asked == NULL) != (got == NULL) ||
        (asked != NULL && ASN1_INTEGER_cmp(asked, got) != 0)) {
        rc = AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE,
                       "the reply answers another request (its nonce differs)");
        goto out;
    }
    ASN1_OBJECT *policy = TS_REQ_get_policy_id(req);
    if (policy != NULL && OBJ_cmp(policy, TS_TST_INFO_get_policy_id(tst)) != 0) {
        rc = AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE,
                       "the reply is under another policy than the request asked");
        goto out;
    }
out:
    TS_REQ_free(req);
    ERR_clear_error();
    return rc;
}

int afmt_tstamp_from_reply(uint8_t **token, size_t *token_len, const uint8_t *reply, size_t len,
                           const uint8_t *request, size_t request_len,
                           const uint8_t *checkpoint, size_t cp_len, char *errbuf)
{
    *token = NULL;
    *token_len = 0;
    if (len > AFMT_MAX_TIMESTAMP_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "a reply over %u bytes",
                         AFMT_MAX_TIMESTAMP_BYTES);
    const unsigned char *p = reply;
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)len);
    unsigned char *der = NULL;
    int rc = AFMT_OK;
    if (resp == NULL || p != reply + len) {
        rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "not an RFC 3161 reply (TimeStampResp)");
        goto out;
    }
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
    if (status != 0 && status != 1) { /* granted, grantedWithMods */
        char text[256] = "";
        const STACK_OF(ASN1_UTF8STRING) *st =
            TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(resp));
        if (st != NULL && sk_ASN1_UTF8STRING_num(st) > 0) {
            const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value(st, 0);
            int n = ASN1_STRING_length(s);
            n = n < (int)sizeof text - 1 ? n : (int)sizeof text - 1;
            size_t k = 0;
            for (int i = 0; i < n; i++) { /* printable ASCII only: it reaches a terminal */
                unsigned char c = ASN1_STRING_get0_data(s)[i];
                text[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
            }
            text[k] = '\0';
        }
        rc = AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                       "the authority did not grant the timestamp (status %ld%s%s)", status,
                       text[0] ? ": " : "", text);
        goto out;
    }
    PKCS7 *p7 = TS_RESP_get_token(resp);
    TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
    if (p7 == NULL || tst == NULL) {
        rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a granted reply without a token");
        goto out;
    }
    uint8_t want[32];
    SHA256(checkpoint, cp_len, want);
    if (request != NULL && (rc = check_request(tst, request, request_len, want, errbuf)) != AFMT_OK)
        goto out;
    int n = i2d_PKCS7(p7, &der);
    if (n <= 0) {
        rc = AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    afmt_tstamp t;
    if ((rc = afmt_tstamp_verify(&t, der, (size_t)n, checkpoint, cp_len, errbuf)) != AFMT_OK) {
        if (rc == AFMT_E_BAD_SIGNATURE && check_imprint(tst, want, NULL) != AFMT_OK)
            rc = AFMT_FAIL(errbuf, rc, "the reply answers another request (its imprint is "
                                       "not this bundle's checkpoint)");
        goto out;
    }
    *token = malloc((size_t)n);
    if (*token == NULL) {
        rc = AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(*token, der, (size_t)n);
    *token_len = (size_t)n;
out:
    OPENSSL_free(der);
    TS_RESP_free(resp);
    ERR_clear_error();
    return rc;
}
