/*
 * checkpoint.c - the checkpoint text: a C2SP tlog-checkpoint (origin, tree
 * size, base64 root) and four extension lines, one canonical spelling each.
 */
#include <inttypes.h>
#include <stdio.h>

#include <sodium.h>

#include "common/text.h"
#include "format/checkpoint.h"
#include "format/hash.h"
#include "format/layout.h"

#define ROOT_B64_LEN 44
#define FORMAT_LINE "afmt-bundle 2"

void afmt_checkpoint_origin(char out[AFMT_ORIGIN_BYTES + 1], const uint8_t key_id[AFMT_KEYID_BYTES],
                            const uint8_t pk[AFMT_PUBLICKEY_BYTES], int64_t created,
                            uint64_t entries, const uint8_t root[AFMT_HASH_BYTES])
{
    static const char label[] = "afmt origin v2"; /* hashed with its NUL */
    uint8_t m[sizeof label + AFMT_PUBLICKEY_BYTES + 16 + AFMT_HASH_BYTES], h[AFMT_HASH_BYTES];
    uint8_t *p = m;
    memcpy(p, label, sizeof label);
    p += sizeof label;
    memcpy(p, pk, AFMT_PUBLICKEY_BYTES);
    p += AFMT_PUBLICKEY_BYTES;
    afmt_store64(p, (uint64_t)created);
    afmt_store64(p + 8, entries);
    p += 16;
    memcpy(p, root, AFMT_HASH_BYTES);
    afmt_content_hash(h, m, sizeof m);
    char kid[17], hex[65];
    afmt_key_id_to_hex(kid, key_id);
    afmt_hash_to_hex(hex, h);
    snprintf(out, AFMT_ORIGIN_BYTES + 1, "afmt/%s/%.32s", kid, hex);
}

int afmt_checkpoint_format(afmt_buf *out, const afmt_checkpoint *c, char *errbuf)
{
    if (c->title_len > AFMT_MAX_BUNDLE_TITLE_BYTES ||
        !afmt_text_clean((const uint8_t *)c->title, c->title_len))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                         "bundle title must be at most %d bytes of UTF-8 without control "
                         "characters", AFMT_MAX_BUNDLE_TITLE_BYTES);
    if (c->created < 0)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "creation time before 1970");
    if (c->origin_len != AFMT_ORIGIN_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "bad origin");
    char root[ROOT_B64_LEN + 1], index[65], head[128], tail[160];
    sodium_bin2base64(root, sizeof root, c->root, AFMT_HASH_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    afmt_hash_to_hex(index, c->index_hash);
    int n = snprintf(head, sizeof head, "\n%" PRIu64 "\n%s\n" FORMAT_LINE "\ntitle ", c->entries,
                     root);
    int m = snprintf(tail, sizeof tail, "\ncreated %" PRId64 "\nindex %s\n", c->created, index);
    if (n < 0 || (size_t)n >= sizeof head || m < 0 || (size_t)m >= sizeof tail)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "checkpoint too long");
    int rc = afmt_buf_append(out, c->origin, c->origin_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, head, (size_t)n);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->title, c->title_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, tail, (size_t)m);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    return AFMT_OK;
}

/* Takes the next line (without its LF) if it starts with `key` and a space. */
static int next_line(const uint8_t **p, const uint8_t *end, const char *key,
                     const uint8_t **val, size_t *val_len)
{
    size_t k = strlen(key);
    const uint8_t *save = *p, *v;
    size_t vl;
    if (!afmt_take_line(p, end, &v, &vl) || vl < k + 1 || memcmp(v, key, k) != 0 || v[k] != ' ') {
        *p = save;
        return 0;
    }
    *val = v + k + 1;
    *val_len = vl - k - 1;
    return 1;
}

/* Canonical decimal: digits only, no leading zero but "0", fits in 2^63-1. */
static int parse_decimal(uint64_t *out, const uint8_t *s, size_t len)
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

static int parse_hex(uint8_t out[AFMT_HASH_BYTES], const uint8_t *s, size_t len)
{
    char hex[65];
    if (len != 64)
        return 0;
    memcpy(hex, s, 64);
    hex[64] = 0;
    return afmt_hex_to_hash(out, hex) == 0;
}

/* Standard base64 with padding, in its one canonical spelling. */
static int parse_b64_hash(uint8_t out[AFMT_HASH_BYTES], const uint8_t *s, size_t len)
{
    char again[ROOT_B64_LEN + 1];
    size_t got = 0;
    if (len != ROOT_B64_LEN ||
        sodium_base642bin(out, AFMT_HASH_BYTES, (const char *)s, len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != AFMT_HASH_BYTES)
        return 0;
    sodium_bin2base64(again, sizeof again, out, AFMT_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return memcmp(again, s, ROOT_B64_LEN) == 0;
}

/* "afmt/" 16 upper-case hex "/" 32 lower-case hex. */
static int origin_shape_ok(const uint8_t *s, size_t len)
{
    if (len != AFMT_ORIGIN_BYTES || memcmp(s, "afmt/", 5) != 0 || s[21] != '/')
        return 0;
    for (size_t i = 5; i < 21; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    for (size_t i = 22; i < AFMT_ORIGIN_BYTES; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int afmt_checkpoint_parse(afmt_checkpoint *c, const uint8_t *text, size_t len, char *errbuf)
{
    const uint8_t *p = text, *end = text + len, *v;
    size_t vl;
    uint64_t n;
    if (len > AFMT_MAX_CHECKPOINT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "checkpoint over %d bytes",
                         AFMT_MAX_CHECKPOINT_BYTES);
    if (!afmt_take_line(&p, end, &v, &vl) || !origin_shape_ok(v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint origin line");
    c->origin = (const char *)v;
    c->origin_len = vl;
    if (!afmt_take_line(&p, end, &v, &vl) || !parse_decimal(&n, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint tree size line");
    c->entries = n;
    if (!afmt_take_line(&p, end, &v, &vl) || !parse_b64_hash(c->root, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint root hash line");
    if (!afmt_take_line(&p, end, &v, &vl) || vl != sizeof FORMAT_LINE - 1 ||
        memcmp(v, FORMAT_LINE, vl) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "checkpoint line 4 is not '" FORMAT_LINE "'");
    if (!next_line(&p, end, "title", &v, &vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint title line");
    if (vl > AFMT_MAX_BUNDLE_TITLE_BYTES) /* the limit first, as for every field */
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "bundle title over %d bytes",
                         AFMT_MAX_BUNDLE_TITLE_BYTES);
    if (!afmt_text_clean(v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bundle title is not clean UTF-8 text");
    c->title = (const char *)v;
    c->title_len = vl;
    if (!next_line(&p, end, "created", &v, &vl) || !parse_decimal(&n, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint created line");
    c->created = (int64_t)n;
    if (!next_line(&p, end, "index", &v, &vl) || !parse_hex(c->index_hash, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint index line");
    if (p != end) {
        /* More lines: extension lines of a later version (spec 12), never
         * skipped; anything else is malformed. */
        const uint8_t *q = p;
        int lines_ok = 1;
        while (q < end && lines_ok && afmt_take_line(&q, end, &v, &vl))
            lines_ok = vl > 0;
        if (lines_ok && q == end)
            return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED,
                             "the checkpoint has extension lines this version does not know "
                             "(a later format: history or withheld entries?)");
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bytes after the checkpoint's last line");
    }
    return AFMT_OK;
}
