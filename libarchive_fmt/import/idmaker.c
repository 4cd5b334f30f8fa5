/*
 * idmaker.c - unique post ids for the importers (see idmaker.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "import/idmaker.h"

#define SPAN_BYTES 24 /* u64 offset, u64 length, u64 next suffix to try */

static void idmaker_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_idmaker *m = ctx;
    const uint8_t *span = m->spans.data + SPAN_BYTES * (size_t)value;
    *key = m->keys.data + afmt_load64(span);
    *len = (size_t)afmt_load64(span + 8);
}

int afmt_idmaker_init(afmt_idmaker *m)
{
    memset(m, 0, sizeof *m);
    return afmt_set_init(&m->set, 1024, idmaker_key, m);
}

void afmt_idmaker_free(afmt_idmaker *m)
{
    afmt_set_free(&m->set);
    afmt_buf_free(&m->keys);
    afmt_buf_free(&m->spans);
    afmt_buf_free(&m->tmp);
}

int afmt_id_suffixed(afmt_buf *out, const void *base, size_t base_len, uint64_t k)
{
    char suffix[24];
    int n = snprintf(suffix, sizeof suffix, "#%" PRIu64, k);
    if (base_len + (size_t)n > AFMT_MAX_ID_BYTES)
        return AFMT_E_LIMIT;
    out->len = 0;
    if (afmt_buf_append(out, base, base_len) != AFMT_OK ||
        afmt_buf_append(out, suffix, (size_t)n) != AFMT_OK)
        return AFMT_E_NOMEM;
    return AFMT_OK;
}

/* The third word of a span: the next suffix to try, and whether the id is
 * only reserved (present in the input, its holder not named yet). */
#define SPAN_RESERVED ((uint64_t)1 << 63)

int afmt_idmaker_reserve(afmt_idmaker *m, const void *id, size_t len)
{
    if (len == 0 || len > AFMT_MAX_ID_BYTES)
        return AFMT_OK; /* never a name: the writer refuses it */
    if (m->count >= AFMT_SET_MAX_VALUE)
        return AFMT_E_LIMIT;
    if (afmt_buf_reserve(&m->keys, len) != AFMT_OK ||
        afmt_buf_reserve(&m->spans, SPAN_BYTES) != AFMT_OK)
        return AFMT_E_NOMEM;
    uint32_t existing = 0;
    int rc = afmt_set_insert(&m->set, id, len, m->count, &existing);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        afmt_buf_append_u64(&m->spans, m->keys.len);
        afmt_buf_append_u64(&m->spans, len);
        afmt_buf_append_u64(&m->spans, 2 | SPAN_RESERVED);
        afmt_buf_append(&m->keys, id, len);
        m->count++;
    }
    return AFMT_OK;
}

int afmt_idmaker_has(const afmt_idmaker *m, const void *id, size_t len)
{
    uint32_t value;
    return afmt_set_find(&m->set, id, len, &value);
}

int afmt_idmaker_take(afmt_idmaker *m, const void *base, size_t base_len, const char **out,
                      size_t *out_len)
{
    if (base_len == 0 || base_len > AFMT_MAX_ID_BYTES)
        return AFMT_E_LIMIT;
    m->tmp.len = 0;
    if (afmt_buf_append(&m->tmp, base, base_len) != AFMT_OK)
        return AFMT_E_NOMEM;
    uint32_t base_no = UINT32_MAX; /* the base's own number once it is known taken */
    uint64_t k = 1;
    for (;;) {
        if (m->count >= AFMT_SET_MAX_VALUE)
            return AFMT_E_LIMIT;
        if (k > 1) {
            /* tmp holds base (first) then candidates: rebuild from the base */
            const uint8_t *b = m->keys.data + afmt_load64(m->spans.data + SPAN_BYTES * base_no);
            int rc = afmt_id_suffixed(&m->tmp, b, base_len, k);
            if (rc != AFMT_OK)
                return rc;
        }
        /* Room first, so that a recorded id can always be read back. */
        if (afmt_buf_reserve(&m->keys, m->tmp.len) != AFMT_OK ||
            afmt_buf_reserve(&m->spans, SPAN_BYTES) != AFMT_OK)
            return AFMT_E_NOMEM;
        uint32_t existing = 0;
        int rc = afmt_set_insert(&m->set, m->tmp.data, m->tmp.len, m->count, &existing);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            afmt_buf_append_u64(&m->spans, m->keys.len);
            afmt_buf_append_u64(&m->spans, m->tmp.len);
            afmt_buf_append_u64(&m->spans, 2);
            afmt_buf_append(&m->keys, m->tmp.data, m->tmp.len);
            m->count++;
            if (k > 1) /* base#2 .. base#k are taken (or reserved) now */
                afmt_store64(m->spans.data + SPAN_BYTES * base_no + 16, k + 1);
            *out = (const char *)m->tmp.data;
            *out_len = m->tmp.len;
            return AFMT_OK;
        }
        uint8_t *state = m->spans.data + SPAN_BYTES * existing + 16;
        if (k == 1 && (afmt_load64(state) & SPAN_RESERVED)) {
            /* reserved for this very id: its first holder takes it */
            afmt_store64(state, afmt_load64(state) & ~SPAN_RESERVED);
            *out = (const char *)m->tmp.data;
            *out_len = m->tmp.len;
            return AFMT_OK;
        }
        if (k == 1) {
            /* the base is taken: go on from the suffix it reached before */
            base_no = existing;
            k = afmt_load64(state) & ~SPAN_RESERVED;
        } else {
            k++;
        }
    }
}

/* ------------------------------------------- records waiting for the end */

int afmt_defer_push(afmt_buf *q, const uint64_t *tags, size_t ntags, const void *data,
                    size_t len)
{
    if (q->len + 8 * (ntags + 1) + len > AFMT_DEFER_MAX_BYTES)
        return AFMT_E_LIMIT;
    for (size_t i = 0; i < ntags; i++)
        if (afmt_buf_append_u64(q, tags[i]) != AFMT_OK)
            return AFMT_E_NOMEM;
    if (afmt_buf_append_u64(q, len) != AFMT_OK ||
        (len > 0 && afmt_buf_append(q, data, len) != AFMT_OK))
        return AFMT_E_NOMEM;
    return AFMT_OK;
}

int afmt_defer_next(const afmt_buf *q, size_t *at, uint64_t *tags, size_t ntags,
                    const uint8_t **data, size_t *len)
{
    if (*at >= q->len)
        return 0;
    const uint8_t *p = q->data + *at;
    for (size_t i = 0; i < ntags; i++)
        tags[i] = afmt_load64(p + 8 * i);
    *len = (size_t)afmt_load64(p + 8 * ntags);
    *data = p + 8 * (ntags + 1);
    *at += 8 * (ntags + 1) + *len;
    return 1;
}
