/*
 * content.c - verified reads of an opened bundle: a block (kept decoded
 * until the next one is needed), a blob, a post's content or a file's
 * bytes, each released only once its hash matched.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/hash.h"
#include "read/reader_internal.h"

int afmt_rd_load_block(afmt_reader *r, uint64_t b, const uint8_t **out)
{
    if (r->cached_block == b) {
        *out = r->bufs.data;
        return AFMT_OK;
    }
    if (r->bad_blocks != NULL && (r->bad_blocks[b / 8] >> (b % 8) & 1))
        return AFMT_FAIL(r->err, AFMT_E_HASH_MISMATCH,
                         "block %" PRIu64 " does not match its signed hash", b);
    r->cached_block = UINT64_MAX;
    r->hashed_blob = UINT64_MAX;
    int rc = afmt_rd_decode_block(r, b, &r->bufs, r->err);
    if (rc == AFMT_E_HASH_MISMATCH) {
        /* Remember it: asking again costs nothing (no re-read, re-hash). */
        if (r->bad_blocks == NULL)
            r->bad_blocks = calloc((size_t)(r->head.ih.block_count / 8 + 1), 1);
        if (r->bad_blocks != NULL)
            r->bad_blocks[b / 8] |= (uint8_t)(1u << (b % 8));
    }
    if (rc != AFMT_OK)
        return rc;
    r->cached_block = b;
    *out = r->bufs.data;
    return AFMT_OK;
}

int afmt_rd_load_blob(afmt_reader *r, uint64_t i, const uint8_t **out)
{
    const uint8_t *block;
    int rc = afmt_rd_load_block(r, afmt_rd_blob_block(r, i), &block);
    if (rc != AFMT_OK)
        return rc;
    const uint8_t *p = block + afmt_rd_blob_offset(r, i);
    if (r->hashed_blob != i) {
        uint8_t h[AFMT_HASH_BYTES];
        afmt_content_hash(h, p, (size_t)afmt_rd_blob_size(r, i));
        if (sodium_memcmp(h, afmt_rd_blob_hash(r, i), AFMT_HASH_BYTES) != 0)
            return AFMT_FAIL(r->err, AFMT_E_HASH_MISMATCH,
                             "content %" PRIu64 " does not match its hash", i);
        r->hashed_blob = i;
    }
    *out = p;
    return AFMT_OK;
}

/* With one cached block, a file whose parts go back and forth between
 * blocks would make a reader decode the same blocks again and again (a
 * tiny bundle could cost hours).  Count the block loads an in-order read
 * would do and refuse when they are far more than the blocks involved. */
static int check_thrash(afmt_reader *r, const afmt_entry_view *e)
{
    uint8_t *seen = calloc((size_t)(r->head.ih.block_count / 8 + 1), 1);
    if (seen == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    uint64_t loads = 0, distinct = 0, prev = UINT64_MAX;
    afmt_part_view part;
    size_t pos = 0;
    while (afmt_part_next(&part, e, &pos)) {
        if (part.kind == AFMT_PART_KIND_INLINE)
            continue;
        uint64_t size;
        uint32_t blob = afmt_rd_part_blob(r, &part, &size);
        if (blob == UINT32_MAX)
            continue;
        uint64_t b = r->blobs[blob].block;
        if (b != prev)
            loads++;
        prev = b;
        if (!(seen[b / 8] & (1u << (b % 8)))) {
            seen[b / 8] |= (uint8_t)(1u << (b % 8));
            distinct++;
        }
    }
    free(seen);
    if (loads > 2 * distinct + 16)
        return AFMT_FAIL(r->err, AFMT_E_LIMIT,
                         "file parts jump between blocks %" PRIu64 " times over %" PRIu64
                         " blocks: read it with afmt_reader_read_at", loads, distinct);
    return AFMT_OK;
}

static const uint8_t nothing = 0;

/* Entry `number` was withheld by the archiver (spec 12.1): it has no
 * content to read, which is not a failure of the bundle. */
static int withheld(afmt_reader *r, uint64_t number)
{
    return AFMT_FAIL(r->err, AFMT_E_WITHHELD, "entry %" PRIu64 " was withheld by the archiver",
                     number);
}

/* Entry `number`, decoded; for a post also its content, verified (*data
 * borrows from the cache). */
static int entry_and_post(afmt_reader *r, uint64_t number, afmt_entry_view *e,
                          const uint8_t **data)
{
    if (number >= r->head.ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    afmt_rd_entry_view(e, r, number);
    *data = &nothing;
    if (e->type == AFMT_ENTRY_TYPE_WITHHELD)
        return withheld(r, number);
    if (e->type == AFMT_ENTRY_TYPE_POST && e->size > 0)
        return afmt_rd_load_blob(r, r->post_blob[number], data);
    return AFMT_OK;
}

/* A sink asked to stop: AFMT_E_USER, whatever value it returned. */
static int stopped(afmt_reader *r)
{
    return AFMT_FAIL(r->err, AFMT_E_USER, "stopped by the sink");
}

int afmt_reader_read(afmt_reader *r, uint64_t number, afmt_sink sink, void *ctx)
{
    if (r == NULL || sink == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_read: no reader or sink");
    afmt_entry_view e;
    const uint8_t *data;
    int rc = entry_and_post(r, number, &e, &data);
    if (rc != AFMT_OK)
        return rc;
    if (e.type == AFMT_ENTRY_TYPE_POST)
        return sink(ctx, data, (size_t)e.size) != 0 ? stopped(r) : AFMT_OK;
    if ((rc = check_thrash(r, &e)) != AFMT_OK)
        return rc;
    afmt_part_view part;
    size_t pos = 0;
    while (afmt_part_next(&part, &e, &pos)) {
        uint64_t size = part.size;
        data = &nothing;
        if (part.kind == AFMT_PART_KIND_INLINE) {
            data = part.data;
        } else {
            uint32_t blob = afmt_rd_part_blob(r, &part, &size);
            if (blob != UINT32_MAX && (rc = afmt_rd_load_blob(r, blob, &data)) != AFMT_OK)
                return rc;
        }
        if (size > 0 && sink(ctx, data, (size_t)size) != 0)
            return stopped(r);
    }
    return AFMT_OK;
}

/* A piece of content to read from a blob, where it goes (`offset` in
 * entry numbers[which]'s content).  Blobs are numbered in storage order, so
 * sorting by blob sorts by block. */
typedef struct planned {
    uint64_t offset;
    uint32_t blob;
    uint32_t which;
} planned;

static int planned_cmp(const void *a, const void *b)
{
    const planned *x = a, *y = b;
    if (x->blob != y->blob)
        return x->blob < y->blob ? -1 : 1;
    if (x->which != y->which)
        return x->which < y->which ? -1 : 1;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* The plan of one entry: inline parts handed over at once, blob parts
 * appended to *plan (grown as needed). */
static int plan_entry(afmt_reader *r, uint64_t number, uint32_t which, afmt_sink_many sink,
                      void *ctx, planned **plan, size_t *n, size_t *cap)
{
    if (number >= r->head.ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    if (e.type == AFMT_ENTRY_TYPE_WITHHELD)
        return withheld(r, number);
    uint64_t need = e.type == AFMT_ENTRY_TYPE_POST ? 1 : e.part_count;
    if (need > *cap - *n) {
        /* parts are counted in the checked index: the plan is a few times
         * its size at most */
        size_t ncap = *cap ? *cap : 16;
        while (ncap - *n < need)
            ncap *= 2;
        planned *v = realloc(*plan, ncap * sizeof *v);
        if (v == NULL)
            return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
        *plan = v;
        *cap = ncap;
    }
    if (e.type == AFMT_ENTRY_TYPE_POST) {
        if (e.size > 0)
            (*plan)[(*n)++] = (planned){0, r->post_blob[number], which};
        return AFMT_OK;
    }
    uint64_t offset = 0;
    afmt_part_view part;
    size_t pos = 0;
    while (afmt_part_next(&part, &e, &pos)) {
        uint64_t size = part.size;
        if (part.kind == AFMT_PART_KIND_INLINE) {
            if (sink(ctx, which, offset, part.data, (size_t)size) != 0)
                return stopped(r);
        } else {
            uint32_t blob = afmt_rd_part_blob(r, &part, &size);
            if (blob != UINT32_MAX)
                (*plan)[(*n)++] = (planned){offset, blob, which};
        }
        offset += size;
    }
    return AFMT_OK;
}

int afmt_reader_read_many(afmt_reader *r, const uint64_t *numbers, size_t count,
                          afmt_sink_many sink, afmt_fail_fn fail, void *ctx)
{
    if (r == NULL || sink == NULL || (numbers == NULL && count > 0) || count > UINT32_MAX)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT,
                         "afmt_reader_read_many: no reader, sink or numbers");
    planned *plan = NULL;
    size_t n = 0, cap = 0;
    uint8_t *failed = calloc(count / 8 + 1, 1);
    int rc = failed == NULL ? AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory") : AFMT_OK;
    for (size_t w = 0; w < count && rc == AFMT_OK; w++)
        rc = plan_entry(r, numbers[w], (uint32_t)w, sink, ctx, &plan, &n, &cap);
    if (rc == AFMT_OK && n > 1)
        qsort(plan, n, sizeof *plan, planned_cmp);
    /* Begin with the block already decoded, if the plan uses it: entries
     * read one call after another then share a block without decoding it
     * again.  Every other block is decoded once. */
    size_t start = 0;
    while (start < n && r->blobs[plan[start].blob].block != r->cached_block)
        start++;
    if (start == n)
        start = 0;
    else
        while (start > 0 && r->blobs[plan[start - 1].blob].block == r->cached_block)
            start--;
    const uint8_t *data = NULL;
    uint32_t loaded = UINT32_MAX;
    int load_rc = AFMT_OK;
    for (size_t k = 0; k < n && rc == AFMT_OK; k++) {
        const planned *p = &plan[(start + k) % n];
        /* Repeats of one blob sit together: load and hash it once. */
        if (p->blob != loaded) {
            loaded = p->blob;
            load_rc = afmt_rd_load_blob(r, p->blob, &data);
            if (load_rc == AFMT_E_NOMEM || load_rc == AFMT_E_IO) {
                rc = load_rc;
                break;
            }
        }
        if (failed[p->which / 8] >> (p->which % 8) & 1)
            continue;
        if (load_rc != AFMT_OK) {
            /* This entry cannot be read in full: no more of it is handed
             * over, and the caller hears why, once. */
            failed[p->which / 8] |= (uint8_t)(1u << (p->which % 8));
            if (fail == NULL)
                rc = load_rc;
            else if (fail(ctx, p->which, load_rc, r->err) != 0)
                rc = stopped(r);
            continue;
        }
        if (sink(ctx, p->which, p->offset, data, r->blobs[p->blob].size) != 0)
            rc = stopped(r);
    }
    free(plan);
    free(failed);
    return rc;
}

typedef struct one_at {
    afmt_sink_at sink;
    void *ctx;
} one_at;

static int sink_one_at(void *ctx, size_t which, uint64_t offset, const void *data, size_t len)
{
    (void)which;
    one_at *o = ctx;
    return o->sink(o->ctx, offset, data, len);
}

int afmt_reader_read_at(afmt_reader *r, uint64_t number, afmt_sink_at sink, void *ctx)
{
    if (r == NULL || sink == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_read_at: no reader or sink");
    one_at o = {sink, ctx};
    return afmt_reader_read_many(r, &number, 1, sink_one_at, NULL, &o);
}

typedef struct collect {
    uint8_t *data;
    size_t len;
} collect;

static int collect_sink(void *ctx, const void *data, size_t len)
{
    collect *c = ctx;
    c->data = malloc(len ? len : 1);
    if (c->data == NULL)
        return -1; /* afmt_reader_read_post reports it */
    memcpy(c->data, data, len);
    c->len = len;
    return 0;
}

int afmt_reader_read_post(void **out, size_t *out_len, afmt_reader *r, uint64_t number)
{
    *out = NULL;
    *out_len = 0;
    if (number >= r->head.ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    if (e.type == AFMT_ENTRY_TYPE_WITHHELD)
        return withheld(r, number);
    if (e.type != AFMT_ENTRY_TYPE_POST)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "entry %" PRIu64 " is not a post",
                         number);
    collect c = {NULL, 0};
    int rc = afmt_reader_read(r, number, collect_sink, &c);
    if (rc == AFMT_E_USER)
        rc = AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    if (rc != AFMT_OK) {
        free(c.data);
        return rc;
    }
    *out = c.data;
    *out_len = c.len;
    return AFMT_OK;
}
