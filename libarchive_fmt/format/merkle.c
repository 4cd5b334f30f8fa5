/*
 * merkle.c - RFC 9162 section 2.1: tree heads, inclusion proofs (audit
 * paths) and consistency proofs, made and checked.
 *
 * The root is computed bottom-up: leaves are hashed pairwise level by level
 * and an unpaired last node is carried up unchanged, which gives the same
 * head as RFC 9162's "split at the largest power of two below n".
 */
#include <stdlib.h>

#include <sodium.h>

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

static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* Appends one hash to a proof being built (at most AFMT_MERKLE_MAX_PROOF). */
static void proof_push(uint8_t *path, size_t *len, const uint8_t h[HB])
{
    memcpy(path + *len * HB, h, HB);
    (*len)++;
}

/* RFC 9162 2.1.3.1: PATH(m, D[n]), the sibling nearest the leaf first. */
static int inclusion(uint8_t *path, size_t *len, const uint8_t *leaves, uint64_t n, uint64_t m)
{
    if (n <= 1)
        return AFMT_OK;
    uint64_t k = split_point(n);
    uint8_t sibling[HB];
    int rc;
    if (m < k) {
        rc = inclusion(path, len, leaves, k, m);
        if (rc == AFMT_OK)
            rc = afmt_merkle_root(sibling, leaves + k * HB, n - k);
    } else {
        rc = inclusion(path, len, leaves + k * HB, n - k, m - k);
        if (rc == AFMT_OK)
            rc = afmt_merkle_root(sibling, leaves, k);
    }
    if (rc == AFMT_OK)
        proof_push(path, len, sibling);
    return rc;
}

int afmt_merkle_inclusion_proof(uint8_t *path, size_t *len, const uint8_t *leaves, uint64_t n,
                                uint64_t m)
{
    *len = 0;
    if (m >= n)
        return AFMT_E_INVALID_ARGUMENT;
    return inclusion(path, len, leaves, n, m);
}

/* RFC 9162 2.1.4.1: SUBPROOF(m, D[n], b). */
static int subproof(uint8_t *path, size_t *len, const uint8_t *leaves, uint64_t m, uint64_t n,
                    int b)
{
    uint8_t h[HB];
    int rc;
    if (m == n) {
        if (b)
            return AFMT_OK;
        if ((rc = afmt_merkle_root(h, leaves, n)) == AFMT_OK)
            proof_push(path, len, h);
        return rc;
    }
    uint64_t k = split_point(n);
    if (m <= k) {
        rc = subproof(path, len, leaves, m, k, b);
        if (rc == AFMT_OK)
            rc = afmt_merkle_root(h, leaves + k * HB, n - k);
    } else {
        rc = subproof(path, len, leaves + k * HB, m - k, n - k, 0);
        if (rc == AFMT_OK)
            rc = afmt_merkle_root(h, leaves, k);
    }
    if (rc == AFMT_OK)
        proof_push(path, len, h);
    return rc;
}

int afmt_merkle_consistency_proof(uint8_t *path, size_t *len, const uint8_t *leaves,
                                  uint64_t first, uint64_t second)
{
    *len = 0;
    if (first == 0 || first > second)
        return AFMT_E_INVALID_ARGUMENT;
    return subproof(path, len, leaves, first, second, 1);
}

int afmt_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[HB],
                                 const uint8_t *path, size_t len, const uint8_t root[HB])
{
    /* RFC 9162 2.1.3.2, step by step. */
    if (index >= size || len > AFMT_MERKLE_MAX_PROOF)
        return AFMT_E_ROOT_MISMATCH;
    uint64_t fn = index, sn = size - 1;
    uint8_t r[HB];
    memcpy(r, leaf, HB);
    for (size_t i = 0; i < len; i++) {
        const uint8_t *p = path + i * HB;
        if (sn == 0)
            return AFMT_E_ROOT_MISMATCH;
        if ((fn & 1) || fn == sn) {
            afmt_hash_node(r, p, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            afmt_hash_node(r, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(r, root, HB) == 0 ? AFMT_OK : AFMT_E_ROOT_MISMATCH;
}

int afmt_merkle_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_hash[HB],
                                   const uint8_t second_hash[HB], const uint8_t *path,
                                   size_t len)
{
    /* A proof from the empty tree proves nothing (RFC 9162 defines proofs
     * for 0 < first < second); equal sizes need no proof, only equal roots. */
    if (first == 0 || first > second || len > AFMT_MERKLE_MAX_PROOF)
        return AFMT_E_ROOT_MISMATCH;
    if (first == second)
        return len == 0 && sodium_memcmp(first_hash, second_hash, HB) == 0
                   ? AFMT_OK
                   : AFMT_E_ROOT_MISMATCH;
    /* RFC 9162 2.1.4.2, step by step. */
    if (len == 0)
        return AFMT_E_ROOT_MISMATCH;
    size_t i = 0;
    const uint8_t *seed;
    if ((first & (first - 1)) == 0) { /* an exact power of 2: first_hash is prepended */
        seed = first_hash;
    } else {
        seed = path;
        i = 1;
    }
    uint64_t fn = first - 1, sn = second - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[HB], sr[HB];
    memcpy(fr, seed, HB);
    memcpy(sr, seed, HB);
    for (; i < len; i++) {
        const uint8_t *c = path + i * HB;
        if (sn == 0)
            return AFMT_E_ROOT_MISMATCH;
        if ((fn & 1) || fn == sn) {
            afmt_hash_node(fr, c, fr);
            afmt_hash_node(sr, c, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            afmt_hash_node(sr, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(fr, first_hash, HB) == 0 &&
                   sodium_memcmp(sr, second_hash, HB) == 0
               ? AFMT_OK
               : AFMT_E_ROOT_MISMATCH;
}

int afmt_merkle_tree_init(afmt_merkle_tree *t, uint64_t n)
{
    memset(t, 0, sizeof *t);
    if (n == 0 || n > (UINT64_MAX / 2 - 64) / HB)
        return AFMT_E_INVALID_ARGUMENT;
    uint64_t total = 0, m = n;
    unsigned l = 0;
    for (;;) {
        t->off[l] = total;
        t->len[l] = m;
        total += m;
        l++;
        if (m == 1)
            break;
        m = (m + 1) / 2;
    }
    if (total > SIZE_MAX / HB)
        return AFMT_E_NOMEM;
    if ((t->nodes = malloc((size_t)total * HB)) == NULL)
        return AFMT_E_NOMEM;
    t->n = n;
    t->levels = l;
    return AFMT_OK;
}

void afmt_merkle_tree_hash(afmt_merkle_tree *t)
{
    for (unsigned l = 1; l < t->levels; l++) {
        const uint8_t *below = t->nodes + t->off[l - 1] * HB;
        uint8_t *here = t->nodes + t->off[l] * HB;
        uint64_t nb = t->len[l - 1];
        for (uint64_t i = 0; i < nb / 2; i++)
            afmt_hash_node(here + i * HB, below + 2 * i * HB, below + (2 * i + 1) * HB);
        if (nb % 2) /* the unpaired last node goes up unchanged */
            memcpy(here + (nb / 2) * HB, below + (nb - 1) * HB, HB);
    }
}

void afmt_merkle_tree_root(const afmt_merkle_tree *t, uint8_t out[HB])
{
    memcpy(out, t->nodes + t->off[t->levels - 1] * HB, HB);
}

int afmt_merkle_tree_path(uint8_t *path, size_t *len, const afmt_merkle_tree *t, uint64_t m)
{
    *len = 0;
    if (t->nodes == NULL || m >= t->n)
        return AFMT_E_INVALID_ARGUMENT;
    /* The sibling at each level, when there is one: a node without one is
     * carried up, and RFC 9162's path has no hash for that level. */
    for (unsigned l = 0; l + 1 < t->levels; l++, m >>= 1) {
        uint64_t sib = m ^ 1;
        if (sib < t->len[l])
            proof_push(path, len, t->nodes + (t->off[l] + sib) * HB);
    }
    return AFMT_OK;
}

void afmt_merkle_tree_free(afmt_merkle_tree *t)
{
    if (t == NULL)
        return;
    free(t->nodes);
    memset(t, 0, sizeof *t);
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
