/*
 * attest_add.c - adding an attestation (spec 12.2) to a finished bundle:
 * cosignatures and RFC 3161 timestamps.  Only the signature section and the
 * trailer change; every byte before them is copied as it is, so what the
 * signatures and any earlier proof cover stays the same.  The bundle is
 * checked with the reader's own steps 1 to 5 first, and the result again
 * before it is put in place.
 */
#include "common/fileio.h"
#include "format/attestation.h"
#include "format/layout.h"
#include "format/note.h"
#include "format/timestamp.h"
#include "read/index_head.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COPY_CHUNK (1u << 20)

/* The attestations of `h` with the record (kind, body) after the last one
 * of a kind not above it. */
static int insert_record(afmt_buf *out, const afmt_index_head *h, uint8_t kind,
                         const uint8_t *body, size_t len, char *err)
{
    if (len == 0 || len > AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_FAIL(err, len == 0 ? AFMT_E_INVALID_ARGUMENT : AFMT_E_LIMIT,
                         "an attestation of %zu bytes", len);
    afmt_attest_record *recs;
    size_t n;
    int rc = afmt_attest_split(&recs, &n, h->sig.attest, h->sig.attest_len, err);
    if (rc != AFMT_OK)
        return rc;
    int placed = 0;
    for (size_t i = 0; i <= n && rc == AFMT_OK; i++) {
        if (!placed && (i == n || recs[i].kind > kind)) {
            rc = afmt_buf_append_u8(out, kind);
            if (rc == AFMT_OK)
                rc = afmt_buf_append_u32(out, (uint32_t)len);
            if (rc == AFMT_OK)
                rc = afmt_buf_append(out, body, len);
            placed = 1;
        }
        if (i < n && rc == AFMT_OK) {
            rc = afmt_buf_append(out, recs[i].body - AFMT_ATTEST_RECORD_HEAD,
                                 AFMT_ATTEST_RECORD_HEAD + (size_t)recs[i].len);
        }
    }
    free(recs);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "out of memory");
    if (out->len > AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_FAIL(err, AFMT_E_LIMIT, "the attestations would be over %u bytes",
                         AFMT_MAX_ATTESTATION_BYTES);
    return AFMT_OK;
}

/* Copies [0, end) of the open bundle to the output. */
static int copy_prefix(afmt_outfile *f, const afmt_index_head *h, uint64_t end, char *err)
{
    uint8_t *buf = malloc(COPY_CHUNK);
    if (buf == NULL)
        return AFMT_FAIL(err, AFMT_E_NOMEM, "out of memory");
    int rc = AFMT_OK;
    for (uint64_t off = 0; off < end && rc == AFMT_OK;) {
        size_t n = end - off < COPY_CHUNK ? (size_t)(end - off) : COPY_CHUNK;
        rc = afmt_pread_exact(h->fd, buf, n, off);
        if (rc != AFMT_OK)
            rc = AFMT_FAIL(err, rc, "cannot read the bundle");
        else
            rc = afmt_outfile_write(f, buf, n, err);
        off += n;
    }
    free(buf);
    return rc;
}

/* Writes the bundle of `h` with the record added to out_path (or in place
 * of `path`), checked as a reader checks it before it is put there. */
static int add_record(afmt_index_head *h, const char *path, const char *out_path, uint8_t kind,
                      const uint8_t *body, size_t len, char *err)
{
    afmt_buf att = {0}, sec = {0};
    afmt_outfile f = {.fd = -1};
    int rc = insert_record(&att, h, kind, body, len, err);
    afmt_sigsec s = h->sig;
    s.attest = att.data;
    s.attest_len = att.len;
    if (rc == AFMT_OK && (rc = afmt_sigsec_encode(&sec, &s)) != AFMT_OK)
        rc = AFMT_FAIL(err, rc, "cannot encode the signature section");
    if (rc == AFMT_OK && sec.len > UINT32_MAX)
        rc = AFMT_FAIL(err, AFMT_E_LIMIT, "signature section too large");
    uint8_t trailer[AFMT_TRAILER_BYTES];
    afmt_trailer t = h->trailer;
    t.signature_size = (uint32_t)sec.len;
    afmt_trailer_encode(trailer, &t);
    uint64_t sig_off = h->trailer.index_offset + h->trailer.index_size +
                       h->trailer.checkpoint_size;
    /* In place, the file keeps its permissions. */
    struct stat st;
    mode_t mode = out_path == NULL && fstat(h->fd, &st) == 0 ? (st.st_mode & 0777) : 0644;
    int overwrite = out_path == NULL;
    if (rc == AFMT_OK)
        rc = afmt_outfile_open(&f, overwrite ? path : out_path, mode, overwrite, err);
    if (rc == AFMT_OK) {
        rc = copy_prefix(&f, h, sig_off, err);
        if (rc == AFMT_OK)
            rc = afmt_outfile_write(&f, sec.data, sec.len, err);
        if (rc == AFMT_OK)
            rc = afmt_outfile_write(&f, trailer, sizeof trailer, err);
        if (rc == AFMT_OK)
            rc = afmt_outfile_seal(&f, err);
        if (rc == AFMT_OK) {
            /* The result, read back as any reader reads it: the new record
             * verifies over the checkpoint and the records keep every rule
             * (limits, order, one cosignature per key). */
            afmt_index_head check;
            rc = afmt_head_open(&check, f.tmp_path, NULL, 0, err);
            afmt_head_close(&check);
            if (rc == AFMT_OK)
                rc = afmt_outfile_place(&f, overwrite, err);
        }
        afmt_outfile_abort(&f);
    }
    afmt_buf_free(&att);
    afmt_buf_free(&sec);
    return rc;
}

static int open_head(afmt_index_head *h, const char *path, char *err)
{
    afmt_error_clear();
    int rc = afmt_init();
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot initialise libsodium");
    return afmt_head_open(h, path, NULL, 0, err);
}

int afmt_bundle_add_attestation(const char *path, const char *out_path, unsigned kind,
                                const void *body, size_t len)
{
    char err[AFMT_ERRMSG_BYTES];
    if (path == NULL || (body == NULL && len > 0) || kind > 0xFF)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT, "afmt_bundle_add_attestation: "
                                                       "no path or body, or a kind over 255");
    afmt_index_head h;
    int rc = open_head(&h, path, err);
    if (rc == AFMT_OK)
        rc = add_record(&h, path, out_path, (uint8_t)kind, body, len, err);
    afmt_head_close(&h);
    return rc;
}

int afmt_bundle_cosign(const char *path, const char *out_path, const afmt_secret_key *sk,
                       const char *name, size_t name_len, uint64_t timestamp)
{
    char err[AFMT_ERRMSG_BYTES];
    if (path == NULL || sk == NULL || timestamp > (uint64_t)INT64_MAX)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT,
                         "afmt_bundle_cosign: no path or key, or a time over 2^63 - 1");
    afmt_cosig c;
    memset(&c, 0, sizeof c);
    if (name == NULL) {
        afmt_note_key_name(c.name, sk->key_id);
        c.name_len = AFMT_NOTE_KEY_NAME_BYTES;
    } else if (!afmt_note_key_name_valid((const uint8_t *)name, name_len)) {
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT,
                         "a cosigner's name is 1 to 255 bytes of UTF-8 without spaces, "
                         "control characters or '+'");
    } else {
        memcpy(c.name, name, name_len);
        c.name_len = name_len;
    }
    afmt_public_key pk;
    afmt_secret_key_public(&pk, sk);
    memcpy(c.key, pk.key, AFMT_PUBLICKEY_BYTES);
    c.timestamp = timestamp;
    afmt_index_head h;
    afmt_buf rec = {0};
    int rc = open_head(&h, path, err);
    for (size_t i = 0; rc == AFMT_OK && i < h.ncosigs; i++)
        if (memcmp(h.cosigs[i].key, c.key, AFMT_PUBLICKEY_BYTES) == 0)
            rc = AFMT_FAIL(err, AFMT_E_DUPLICATE, "this key has cosigned the bundle already "
                                                  "(as %s)", h.cosigs[i].name);
    if (rc == AFMT_OK && (rc = afmt_cosig_sign(&c, sk, h.checkpoint,
                                               h.trailer.checkpoint_size)) != AFMT_OK)
        rc = AFMT_FAIL(err, rc, "cannot sign: %s", afmt_strerror(rc));
    if (rc == AFMT_OK && (rc = afmt_cosig_encode(&rec, &c)) != AFMT_OK)
        rc = AFMT_FAIL(err, rc, "out of memory");
    if (rc == AFMT_OK)
        rc = add_record(&h, path, out_path, AFMT_ATTEST_COSIGNATURE,
                        rec.data + AFMT_ATTEST_RECORD_HEAD, rec.len - AFMT_ATTEST_RECORD_HEAD,
                        err);
    afmt_buf_free(&rec);
    afmt_head_close(&h);
    return rc;
}

int afmt_bundle_timestamp(const char *path, const char *out_path, const void *reply,
                          size_t reply_len, const void *request, size_t request_len)
{
    char err[AFMT_ERRMSG_BYTES];
    if (path == NULL || reply == NULL)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT, "afmt_bundle_timestamp: no path or reply");
    afmt_index_head h;
    uint8_t *token = NULL;
    size_t token_len = 0;
    int rc = open_head(&h, path, err);
    if (rc == AFMT_OK)
        rc = afmt_tstamp_from_reply(&token, &token_len, reply, reply_len, request, request_len,
                                    h.checkpoint, h.trailer.checkpoint_size, err);
    for (size_t i = 0; rc == AFMT_OK && i < h.ntstamps; i++)
        if (h.tstamps[i].der_len == token_len &&
            memcmp(h.tstamps[i].der, token, token_len) == 0)
            rc = AFMT_FAIL(err, AFMT_E_DUPLICATE, "the bundle holds this timestamp already");
    if (rc == AFMT_OK)
        rc = add_record(&h, path, out_path, AFMT_ATTEST_TIMESTAMP, token, token_len, err);
    free(token);
    afmt_head_close(&h);
    return rc;
}
