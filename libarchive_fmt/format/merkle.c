/*
 * merkle.c - RFC 9162 section 2.1 tree heads.
 *
 * The root is computed bottom-up: leaves are hashed pairwise level by level
 * and an unpaired last node is carried up unchanged, which gives the same
 * head as RFC 9162's "split at the largest power of two below n".
 */
#include <stdlib.h>

#include "format/hash.h"
#include "format/merkle.h"

#define HB AFMT_HASH_BYTES

int afmt_merkle_root(uint8_t out[HB], const uint8_t *leaves, uint64_t n)
{
    if (n == 0) {
        afmt_content_hash(out, NULL, 0);
        return AFMT_OK;
    }
    if (n == 1) {
        memcpy(out, leaves, HB);
        return AFMT_OK;
    }
    uint64_t m = (n + 1) / 2;
    uint8_t *level = malloc((size_t)m * HB);
    if (level == NULL)
        return AFMT_E_NOMEM;
    for (uint64_t i = 0; i < n / 2; i++)
        afmt_hash_node(level + i * HB, leaves + 2 * i * HB, leaves + (2 * i + 1) * HB);
    if (n % 2)
        memcpy(level + (m - 1) * HB, leaves + (n - 1) * HB, HB);
    while (m > 1) {
        uint64_t next = (m + 1) / 2;
        for (uint64_t i = 0; i < m / 2; i++) {
            uint8_t h[HB];
            afmt_hash_node(h, level + 2 * i * HB, level + (2 * i + 1) * HB);
            memcpy(level + i * HB, h, HB);
        }
        if (m % 2)
            memmove(level + (next - 1) * HB, level + (m - 1) * HB, HB);
        m = next;
    }
    memcpy(out, level, HB);
    free(level);
    return AFMT_OK;
}

void afmt_merkle_stream_init(afmt_merkle_stream *m)
{
    m->depth = 0;
    m->count = 0;
}

void afmt_merkle_stream_push(afmt_merkle_stream *m, const uint8_t leaf[HB])
{
    uint8_t h[HB];
    memcpy(h, leaf, HB);
    /* Each set low bit of count is a perfect subtree waiting for its twin. */
    for (uint64_t n = m->count; n & 1; n >>= 1) {
        m->depth--;
        afmt_hash_node(h, m->stack[m->depth], h);
    }
    memcpy(m->stack[m->depth], h, HB);
    m->depth++;
    m->count++;
}

void afmt_merkle_stream_root(const afmt_merkle_stream *m, uint8_t out[HB])
{
    if (m->depth == 0) {
        afmt_content_hash(out, NULL, 0);
        return;
    }
    uint8_t r[HB];
    memcpy(r, m->stack[m->depth - 1], HB);
    for (unsigned i = m->depth - 1; i-- > 0;)
        afmt_hash_node(r, m->stack[i], r);
    memcpy(out, r, HB);
}
