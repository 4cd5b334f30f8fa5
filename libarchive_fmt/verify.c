/*
 * verify.c - full verification (spec section 10, last paragraph): every
 * block's hash and frame, every content's hash, every file's parts.  Keeps
 * going after a problem so that every altered post can be named.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "fileio.h"
#include "reader_internal.h"

typedef struct vstate {
    afmt_reader *r;
    afmt_problem_fn problem;
    void *ctx;
    int first;      /* first error found */
    int stop;       /* the callback asked to stop */
    uint8_t *bad;   /* bitmap over blobs: content missing or altered */
} vstate;

static void report(vstate *v, uint64_t entry, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(vstate *v, uint64_t entry, int err, const char *fmt, ...)
{
    char msg[AFMT_ERRMSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->first == AFMT_OK) {
        v->first = err;
        snprintf(v->r->err, sizeof v->r->err, "%s", msg);
    }
    if (v->problem != NULL && v->problem(v->ctx, entry, err, msg) != 0)
        v->stop = 1;
}

static void mark_bad(vstate *v, uint64_t blob)
{
    v->bad[blob / 8] |= (uint8_t)(1u << (blob % 8));
}

static int is_bad(const vstate *v, uint64_t blob)
{
    return (v->bad[blob / 8] >> (blob % 8)) & 1;
}

/* Checks block b and the blobs [first, end) it holds. */
static int check_block(vstate *v, uint64_t b, uint64_t first, uint64_t end)
{
    afmt_reader *r = v->r;
    const uint8_t *data;
    int rc = afmt_rd_load_block(r, b, &data);
    if (rc == AFMT_E_NOMEM || rc == AFMT_E_IO)
        return rc;
    if (rc != AFMT_OK) {
        /* The block is not what was signed: its bytes are not decoded (a
         * reader decodes only authenticated frames), so every content in
         * it counts as altered. */
        report(v, UINT64_MAX, rc, "%s", r->err);
        for (uint64_t i = first; i < end; i++)
            mark_bad(v, i);
        return AFMT_OK;
    }
    for (uint64_t i = first; i < end; i++) {
        uint8_t h[AFMT_HASH_BYTES];
        afmt_content_hash(h, data + afmt_rd_blob_offset(r, i), (size_t)afmt_rd_blob_size(r, i));
        if (sodium_memcmp(h, afmt_rd_blob_hash(r, i), AFMT_HASH_BYTES) != 0)
            mark_bad(v, i);
    }
    return AFMT_OK;
}

static uint64_t blob_of(const afmt_reader *r, const uint8_t *hash)
{
    uint32_t blob;
    if (!afmt_set_find(&r->blob_set, hash, AFMT_HASH_BYTES, &blob))
        return UINT64_MAX; /* cannot happen: checked at open */
    return blob;
}

static void check_entries(vstate *v)
{
    afmt_reader *r = v->r;
    for (uint64_t i = 0; i < r->ih.entry_count && !v->stop; i++) {
        afmt_entry_view e;
        afmt_rd_entry_view(&e, r, i);
        if (e.type == AFMT_ENTRY_TYPE_POST) {
            if (e.size > 0 && is_bad(v, r->post_blob[i]))
                report(v, i, AFMT_E_HASH_MISMATCH,
                       "post content is in an altered block or does not match its hash");
            continue;
        }
        afmt_part_view part;
        size_t pos = 0;
        while (afmt_part_next(&part, &e, &pos)) {
            const uint8_t *hash = part.data;
            uint64_t size = part.size;
            if (part.kind == AFMT_PART_KIND_INLINE)
                continue;
            if (part.kind == AFMT_PART_KIND_ENTRY) {
                afmt_entry_view pe;
                afmt_rd_entry_view(&pe, r, part.entry);
                hash = pe.hash;
                size = pe.size;
            }
            if (size > 0 && is_bad(v, blob_of(r, hash))) {
                report(v, i, AFMT_E_HASH_MISMATCH,
                       "file bytes do not match their signed hashes");
                break;
            }
        }
    }
}

int afmt_reader_verify(afmt_reader *r, afmt_problem_fn problem, void *ctx)
{
    if (r == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    vstate v = {r, problem, ctx, AFMT_OK, 0, NULL};
    v.bad = calloc((size_t)(r->ih.blob_count / 8 + 1), 1);
    if (v.bad == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    uint64_t blob = 0;
    int rc = AFMT_OK;
    for (uint64_t b = 0; b < r->ih.block_count && !v.stop; b++) {
        uint64_t end = blob;
        while (end < r->ih.blob_count && afmt_rd_blob_block(r, end) == b)
            end++;
        rc = check_block(&v, b, blob, end);
        if (rc != AFMT_OK)
            break;
        blob = end;
    }
    if (rc == AFMT_OK && !v.stop)
        check_entries(&v);
    free(v.bad);
    if (rc != AFMT_OK)
        return rc;
    return v.first;
}
