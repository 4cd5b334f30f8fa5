/*
 * tlog_proof.c - c2sp.org/tlog-proof@v1 text: written from an entry's
 * encoding, its audit path and the checkpoint note; parsed with every line
 * checked and every size bounded before anything is allocated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "common/text.h"
#include "format/note.h"
#include "format/tlog_proof.h"

#define HASH_B64_LEN 44 /* base64 of 32 bytes */

static int append_str(afmt_buf *b, const char *s)
{
    return afmt_buf_append(b, s, strlen(s));
}

static int append_b64(afmt_buf *b, const uint8_t *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    int rc = afmt_buf_reserve(b, n);
    if (rc != AFMT_OK)
        return rc;
    sodium_bin2base64((char *)b->data + b->len, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    b->len += n - 1; /* without the NUL */
    return AFMT_OK;
}

int afmt_tlog_proof_format(afmt_buf *out, const uint8_t *extra, size_t extra_len,
                           uint64_t index, const uint8_t *path, size_t path_len,
                           const uint8_t *note, size_t note_len)
{
    if (path_len > AFMT_TLOG_PROOF_MAX_PATH)
        return AFMT_E_INVALID_ARGUMENT;
    char line[32];
    int rc = append_str(out, AFMT_TLOG_PROOF_HEADER "\n");
    if (rc == AFMT_OK && extra_len > 0) {
        rc = append_str(out, "extra ");
        if (rc == AFMT_OK)
            rc = append_b64(out, extra, extra_len);
        if (rc == AFMT_OK)
            rc = afmt_buf_append_u8(out, '\n');
    }
    snprintf(line, sizeof line, "index %" PRIu64 "\n", index);
    if (rc == AFMT_OK)
        rc = append_str(out, line);
    for (size_t i = 0; i < path_len && rc == AFMT_OK; i++) {
        rc = append_b64(out, path + i * AFMT_HASH_BYTES, AFMT_HASH_BYTES);
        if (rc == AFMT_OK)
            rc = afmt_buf_append_u8(out, '\n');
    }
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, '\n');
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, note, note_len);
    return rc;
}

static int has_prefix(const uint8_t *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static int parse_index(uint64_t *out, const uint8_t *s, size_t len)
{
    if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return 0;
    *out = v;
    return 1;
}

int afmt_tlog_proof_parse(afmt_tlog_proof *p, const uint8_t *text, size_t len, char *errbuf)
{
    memset(p, 0, sizeof *p);
    if (len > AFMT_PROOF_MAX_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "proof over %u bytes", AFMT_PROOF_MAX_BYTES);
    const uint8_t *at = text, *end = text + len, *v;
    size_t vl;
    if (!afmt_take_line(&at, end, &v, &vl) || vl != sizeof AFMT_TLOG_PROOF_HEADER - 1 ||
        memcmp(v, AFMT_TLOG_PROOF_HEADER, vl) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "not a proof: the first line is not '" AFMT_TLOG_PROOF_HEADER "'");
    if (!afmt_take_line(&at, end, &v, &vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the proof ends after its first line");
    if (has_prefix(v, vl, "extra ")) {
        /* base64 of n bytes is 4 * ceil(n / 3) characters: the line's
         * length bounds the allocation, and the text's the line. */
        size_t b64 = vl - 6, cap = b64 / 4 * 3;
        if (b64 == 0 || b64 % 4 != 0 || (p->extra = malloc(cap)) == NULL) {
            if (b64 == 0 || b64 % 4 != 0)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the proof's extra line is not base64");
            return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        }
        if (afmt_b64_decode_canonical(p->extra, cap, &p->extra_len, (const char *)v + 6,
                                      b64) != AFMT_OK) {
            afmt_tlog_proof_free(p);
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                             "the proof's extra line is not canonical base64");
        }
        if (!afmt_take_line(&at, end, &v, &vl)) {
            afmt_tlog_proof_free(p);
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the proof has no index line");
        }
    }
    if (!has_prefix(v, vl, "index ") || !parse_index(&p->index, v + 6, vl - 6)) {
        afmt_tlog_proof_free(p);
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "bad index line: 'index ' and a decimal number without leading zeros");
    }
    for (;;) {
        if (!afmt_take_line(&at, end, &v, &vl)) {
            afmt_tlog_proof_free(p);
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the proof ends inside its audit path");
        }
        if (vl == 0)
            break;
        size_t got;
        if (p->path_len == AFMT_TLOG_PROOF_MAX_PATH) {
            afmt_tlog_proof_free(p);
            return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "audit path over %d hashes",
                             AFMT_TLOG_PROOF_MAX_PATH);
        }
        if (vl != HASH_B64_LEN ||
            afmt_b64_decode_canonical(p->path + p->path_len * AFMT_HASH_BYTES, AFMT_HASH_BYTES,
                                      &got, (const char *)v, vl) != AFMT_OK ||
            got != AFMT_HASH_BYTES) {
            afmt_tlog_proof_free(p);
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                             "audit path line %zu is not one hash in canonical base64",
                             p->path_len + 1);
        }
        p->path_len++;
    }
    if (at == end) {
        afmt_tlog_proof_free(p);
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the proof has no checkpoint after its path");
    }
    p->note = at;
    p->note_len = (size_t)(end - at);
    return AFMT_OK;
}

void afmt_tlog_proof_free(afmt_tlog_proof *p)
{
    if (p == NULL)
        return;
    free(p->extra);
    p->extra = NULL;
    p->extra_len = 0;
}
