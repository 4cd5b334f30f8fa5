/*
 * attestation.c - the framing of the attestation records (spec 12.2) and
 * the cosignature record (c2sp.org/tlog-cosignature, Ed25519).
 */
#include "format/attestation.h"

#include "common/text.h"
#include "format/layout.h"
#include "format/signature.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char em_dash[] = "\xE2\x80\x94"; /* U+2014 */

#define COSIG_FIXED_BYTES (1 + AFMT_PUBLICKEY_BYTES + 8 + AFMT_ED25519_SIGNATURE_BYTES)
#define COSIG_MESSAGE_HEAD_MAX 48 /* "cosignature/v1\ntime " 20 digits "\n" */
#define COSIG_LINE_BLOB (AFMT_NOTE_KEY_HASH_BYTES + 8 + AFMT_ED25519_SIGNATURE_BYTES)

static int record_limit(uint8_t kind, size_t seen)
{
    switch (kind) {
    case AFMT_ATTEST_COSIGNATURE: return seen < AFMT_MAX_COSIGNATURES;
    case AFMT_ATTEST_TIMESTAMP: return seen < AFMT_MAX_TIMESTAMPS;
    case AFMT_ATTEST_WITHHOLDING: return seen < 1;
    default: return 1;
    }
}

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case AFMT_ATTEST_COSIGNATURE: return "cosignatures";
    case AFMT_ATTEST_TIMESTAMP: return "timestamps";
    case AFMT_ATTEST_WITHHOLDING: return "withholding statements";
    default: return "history records";
    }
}

int afmt_attest_split(afmt_attest_record **out, size_t *count, const uint8_t *in, size_t len,
                      char *errbuf)
{
    *out = NULL;
    *count = 0;
    if (len > AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "attestations over %u bytes",
                         AFMT_MAX_ATTESTATION_BYTES);
    if (len == 0)
        return AFMT_OK;
    afmt_attest_record *recs = calloc(AFMT_MAX_ATTESTATIONS, sizeof *recs);
    if (recs == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    size_t n = 0, same_kind = 0, pos = 0;
    int rc = AFMT_OK;
    while (pos < len) {
        if (len - pos < AFMT_ATTEST_RECORD_HEAD) {
            rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "attestation %zu is cut short", n + 1);
            goto out;
        }
        uint8_t kind = in[pos];
        uint32_t blen = afmt_load32(in + pos + 1);
        if (kind < AFMT_ATTEST_COSIGNATURE || kind > AFMT_ATTEST_HISTORY) {
            rc = AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED,
                           "attestation %zu is of an unknown kind (0x%02x)", n + 1, kind);
            goto out;
        }
        if (blen == 0 || blen > len - pos - AFMT_ATTEST_RECORD_HEAD) {
            rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                           "attestation %zu: its length (%" PRIu32 ") does not fit", n + 1,
                           blen);
            goto out;
        }
        if (n > 0 && kind < recs[n - 1].kind) {
            rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "attestation %zu is out of kind order",
                           n + 1);
            goto out;
        }
        same_kind = n > 0 && kind == recs[n - 1].kind ? same_kind : 0;
        if (!record_limit(kind, same_kind)) {
            rc = AFMT_FAIL(errbuf, AFMT_E_LIMIT, "too many %s", kind_name(kind));
            goto out;
        }
        if (n == AFMT_MAX_ATTESTATIONS) {
            rc = AFMT_FAIL(errbuf, AFMT_E_LIMIT, "more than %d attestations",
                           AFMT_MAX_ATTESTATIONS);
            goto out;
        }
        recs[n].kind = kind;
        recs[n].len = blen;
        recs[n].body = in + pos + AFMT_ATTEST_RECORD_HEAD;
        for (size_t i = 0; i < n; i++)
            if (recs[i].kind == kind && recs[i].len == blen &&
                memcmp(recs[i].body, recs[n].body, blen) == 0) {
                rc = AFMT_FAIL(errbuf, AFMT_E_FORMAT, "attestations %zu and %zu are equal",
                               i + 1, n + 1);
                goto out;
            }
        n++;
        same_kind++;
        pos += AFMT_ATTEST_RECORD_HEAD + (size_t)blen;
    }
out:
    if (rc != AFMT_OK) {
        free(recs);
        return rc;
    }
    *out = recs;
    *count = n;
    return AFMT_OK;
}

/* ---- cosignatures ---- */

static int unicode_space(uint32_t cp)
{
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

int afmt_note_key_name_valid(const uint8_t *name, size_t len)
{
    if (len == 0 || len > AFMT_NOTE_MAX_KEY_NAME_BYTES || !afmt_text_clean(name, len))
        return 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = afmt_utf8_decode(name + i, len - i, &cp);
        if (k == 0 || cp == ' ' || cp == '+' || unicode_space(cp))
            return 0;
        i += k;
    }
    return 1;
}

static uint64_t load64_be(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void store64_be(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

int afmt_cosig_decode(afmt_cosig *c, const uint8_t *body, size_t len, char *errbuf)
{
    memset(c, 0, sizeof *c);
    if (len < COSIG_FIXED_BYTES + 1 || len != COSIG_FIXED_BYTES + (size_t)body[0])
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a cosignature's length does not match");
    size_t m = body[0];
    if (!afmt_note_key_name_valid(body + 1, m))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a cosigner's name is not a C2SP key name");
    memcpy(c->name, body + 1, m);
    c->name[m] = '\0';
    c->name_len = m;
    memcpy(c->key, body + 1 + m, AFMT_PUBLICKEY_BYTES);
    c->timestamp = load64_be(body + 1 + m + AFMT_PUBLICKEY_BYTES);
    if (c->timestamp > (uint64_t)INT64_MAX)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a cosignature's time is above 2^63 - 1");
    memcpy(c->sig, body + 1 + m + AFMT_PUBLICKEY_BYTES + 8, AFMT_ED25519_SIGNATURE_BYTES);
    return AFMT_OK;
}

int afmt_cosig_encode(afmt_buf *out, const afmt_cosig *c)
{
    uint8_t ts[8];
    store64_be(ts, c->timestamp);
    int rc = afmt_buf_append_u8(out, AFMT_ATTEST_COSIGNATURE);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u32(out, (uint32_t)(COSIG_FIXED_BYTES + c->name_len));
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, (uint8_t)c->name_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->name, c->name_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->key, AFMT_PUBLICKEY_BYTES);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, ts, sizeof ts);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->sig, AFMT_ED25519_SIGNATURE_BYTES);
    return rc;
}

/* "cosignature/v1\ntime <t>\n" || checkpoint, into a malloc'd *msg. */
static int cosig_message(uint8_t **msg, size_t *msg_len, uint64_t timestamp,
                         const uint8_t *checkpoint, size_t cp_len)
{
    char head[COSIG_MESSAGE_HEAD_MAX];
    int h = snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
    if (h < 0 || (size_t)h >= sizeof head || cp_len > SIZE_MAX - (size_t)h)
        return AFMT_E_INVALID_ARGUMENT;
    *msg = malloc((size_t)h + cp_len + 1);
    if (*msg == NULL)
        return AFMT_E_NOMEM;
    memcpy(*msg, head, (size_t)h);
    if (cp_len > 0)
        memcpy(*msg + h, checkpoint, cp_len);
    *msg_len = (size_t)h + cp_len;
    return AFMT_OK;
}

int afmt_cosig_verify(const afmt_cosig *c, const uint8_t *checkpoint, size_t cp_len)
{
    uint8_t *msg;
    size_t n;
    int rc = cosig_message(&msg, &n, c->timestamp, checkpoint, cp_len);
    if (rc != AFMT_OK)
        return rc;
    rc = afmt_sig_verify_plain(c->sig, c->key, msg, n);
    free(msg);
    return rc;
}

int afmt_cosig_sign(afmt_cosig *c, const afmt_secret_key *sk, const uint8_t *checkpoint,
                    size_t cp_len)
{
    uint8_t *msg;
    size_t n;
    int rc = cosig_message(&msg, &n, c->timestamp, checkpoint, cp_len);
    if (rc != AFMT_OK)
        return rc;
    rc = afmt_sig_sign_plain(c->sig, sk, msg, n);
    free(msg);
    return rc;
}

int afmt_cosig_note_line(afmt_buf *out, const afmt_cosig *c)
{
    uint8_t blob[COSIG_LINE_BLOB];
    afmt_note_key_hash(blob, c->name, c->name_len, AFMT_NOTE_SIG_TYPE_COSIGNATURE, c->key);
    store64_be(blob + AFMT_NOTE_KEY_HASH_BYTES, c->timestamp);
    memcpy(blob + AFMT_NOTE_KEY_HASH_BYTES + 8, c->sig, AFMT_ED25519_SIGNATURE_BYTES);
    char b64[sodium_base64_ENCODED_LEN(COSIG_LINE_BLOB, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int rc = afmt_buf_append(out, em_dash, sizeof em_dash - 1);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, ' ');
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->name, c->name_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, ' ');
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, b64, strlen(b64));
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, '\n');
    return rc;
}
