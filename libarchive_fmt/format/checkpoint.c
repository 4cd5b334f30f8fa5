/*
 * checkpoint.c - six keyword lines, one canonical spelling each.
 */
#include <inttypes.h>
#include <stdio.h>

#include "format/checkpoint.h"
#include "format/hash.h"
#include "format/layout.h"

static const char first_line[] = "afmt checkpoint v1\n";

int afmt_checkpoint_format(afmt_buf *out, const afmt_checkpoint *c, char *errbuf)
{
    if (c->title_len > AFMT_MAX_BUNDLE_TITLE_BYTES ||
        !afmt_text_clean((const uint8_t *)c->title, c->title_len))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                         "bundle title must be at most %d bytes of UTF-8 without control "
                         "characters", AFMT_MAX_BUNDLE_TITLE_BYTES);
    if (c->created < 0)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "creation time before 1970");
    char root[65], index[65], tail[256];
    afmt_hash_to_hex(root, c->root);
    afmt_hash_to_hex(index, c->index_hash);
    int n = snprintf(tail, sizeof tail, "\ncreated %" PRId64 "\nentries %" PRIu64
                     "\nroot %s\nindex %s\n", c->created, c->entries, root, index);
    if (n < 0 || (size_t)n >= sizeof tail)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "checkpoint too long");
    int rc = afmt_buf_append(out, first_line, sizeof first_line - 1);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, "title ", 6);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, c->title, c->title_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, tail, (size_t)n);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    return AFMT_OK;
}

/* Takes the next line (without its LF) if it starts with `key` and a space. */
static int next_line(const uint8_t **p, const uint8_t *end, const char *key,
                     const uint8_t **val, size_t *val_len)
{
    size_t k = strlen(key);
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL || (size_t)(nl - *p) < k + 1 || memcmp(*p, key, k) != 0 || (*p)[k] != ' ')
        return 0;
    *val = *p + k + 1;
    *val_len = (size_t)(nl - *val);
    *p = nl + 1;
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

int afmt_checkpoint_parse(afmt_checkpoint *c, const uint8_t *text, size_t len, char *errbuf)
{
    const uint8_t *p = text, *end = text + len, *v;
    size_t vl;
    uint64_t n;
    if (len > AFMT_MAX_CHECKPOINT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "checkpoint over %d bytes",
                         AFMT_MAX_CHECKPOINT_BYTES);
    if (len < sizeof first_line - 1 || memcmp(text, first_line, sizeof first_line - 1) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "checkpoint does not start with '%.*s'",
                         (int)sizeof first_line - 2, first_line);
    p += sizeof first_line - 1;
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
    if (!next_line(&p, end, "entries", &v, &vl) || !parse_decimal(&n, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint entries line");
    c->entries = n;
    if (!next_line(&p, end, "root", &v, &vl) || !parse_hex(c->root, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint root line");
    if (!next_line(&p, end, "index", &v, &vl) || !parse_hex(c->index_hash, v, vl))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bad checkpoint index line");
    if (p != end)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bytes after the checkpoint's last line");
    return AFMT_OK;
}
