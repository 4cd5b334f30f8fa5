/*
 * index_check.c - step 6 of spec section 10 on a loaded index: the blocks'
 * tiling, every record page and record, the file paths, the blob rows and
 * their tiling, every reference, every post's place, the id table, and the
 * Merkle root (on a thread of its own while the rest is checked).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "format/hash.h"
#include "format/merkle.h"
#include "format/withholding.h"
#include "read/reader_internal.h"

/* Keys of the blob set, fetched back from the index body. */
static void blob_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_reader *r = ctx;
    *key = r->blobs[value].hash;
    *len = AFMT_HASH_BYTES;
}

/* Step 6, blocks: they tile the file from the header to the index. */
static int check_blocks(afmt_reader *r)
{
    uint64_t next = AFMT_HEADER_BYTES, decoded = 0;
    for (uint64_t b = 0; b < r->head.ih.block_count; b++) {
        if (afmt_rd_block_offset(r, b) != next)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "block %" PRIu64 " is out of place", b);
        int rc = afmt_head_block_check(&r->head, r->block_table, b, r->err);
        if (rc != AFMT_OK)
            return rc;
        next += afmt_rd_block_csize(r, b);
        decoded += afmt_rd_block_size(r, b); /* 2^26 blocks of 2^28: no wrap */
    }
    if (next != r->head.trailer.index_offset)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blocks do not end where the index starts");
    /* The bound of each block over all of them: many blocks cannot add up
     * their slack (a 67 KB bundle made verify decode 2 GiB). */
    if (decoded > AFMT_BLOCK_RATIO_SLACK &&
        (decoded - AFMT_BLOCK_RATIO_SLACK - 1) / AFMT_BLOCK_RATIO_MAX >= next - AFMT_HEADER_BYTES)
        return AFMT_FAIL(r->err, AFMT_E_LIMIT,
                         "blocks declare %" PRIu64 " bytes from %" PRIu64
                         " bytes of frames, over %d:1 + 1 MiB", decoded,
                         next - AFMT_HEADER_BYTES, AFMT_BLOCK_RATIO_MAX);
    return AFMT_OK;
}

/* Inserts into a set through a short queue: each key is hashed and its
 * slot prefetched some inserts before it is placed, so the table's cache
 * misses overlap instead of coming one after another. */
#define QUEUE_LEN 16
typedef struct insert_queue {
    afmt_set *set;
    struct {
        const uint8_t *key;
        size_t len;
        uint32_t hash, value;
    } q[QUEUE_LEN];
    unsigned head, count;
} insert_queue;

/* Returns 1, 0 (a duplicate: its value in *dup) or a negative error. */
static int queue_pop(insert_queue *q, uint32_t *dup)
{
    unsigned k = q->head;
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
    int ins = afmt_set_insert_hashed(q->set, q->q[k].hash, q->q[k].key, q->q[k].len,
                                     q->q[k].value, NULL);
    *dup = q->q[k].value;
    return ins;
}

static int queue_push(insert_queue *q, const uint8_t *key, size_t len, uint32_t value,
                      uint32_t *dup)
{
    int ins = 1;
    if (q->count == QUEUE_LEN)
        ins = queue_pop(q, dup);
    unsigned k = (q->head + q->count) % QUEUE_LEN;
    q->q[k].key = key;
    q->q[k].len = len;
    q->q[k].value = value;
    q->q[k].hash = afmt_set_hash(q->set, key, len);
    afmt_set_prefetch(q->set, q->q[k].hash);
    q->count++;
    return ins;
}

static int queue_drain(insert_queue *q, uint32_t *dup)
{
    while (q->count > 0) {
        int ins = queue_pop(q, dup);
        if (ins <= 0)
            return ins;
    }
    return 1;
}

static int id_cmp(const void *a, const void *b)
{
    const afmt_path_ref *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->path, y->path, x->len);
}

/* Rows [start, end) of the id table share one id key: no two of their
 * posts may share an id.  Such a run is one row long but for a 64-bit
 * coincidence or a duplicate; a long one (a forged table) is sorted, not
 * compared pair by pair. */
static int check_run(afmt_reader *r, uint64_t start, uint64_t end)
{
    size_t m = (size_t)(end - start);
    if (m < 2)
        return AFMT_OK;
    afmt_path_ref *ids = malloc(m * sizeof *ids);
    if (ids == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < m; i++) {
        ids[i].entry = afmt_id_row_entry(r->id_table, start + i);
        /* the ids only: their keys are known equal */
        uint32_t len;
        afmt_entry_key(afmt_rd_record(r, ids[i].entry, &len), &ids[i].path, &ids[i].len);
    }
    qsort(ids, m, sizeof *ids, id_cmp);
    int rc = AFMT_OK;
    for (size_t i = 1; i < m && rc == AFMT_OK; i++)
        if (id_cmp(&ids[i - 1], &ids[i]) == 0)
            rc = AFMT_FAIL(r->err, AFMT_E_DUPLICATE,
                           "entry %" PRIu64 ": a post with this id exists already",
                           ids[i - 1].entry > ids[i].entry ? ids[i - 1].entry : ids[i].entry);
    free(ids);
    return rc;
}

/* Step 6, the id table: every post once, each row's key its post's id key,
 * ordered by (id key, entry number), each id page's first key in its
 * directory row.  Two posts with one id have one key, so they meet in a
 * run of equal keys.  keys[e] is post e's id key, from its record. */
static int check_ids(afmt_reader *r, const uint64_t *keys)
{
    uint64_t n = r->head.ih.post_count;
    uint8_t *seen = calloc((size_t)(r->head.ih.entry_count / 8 + 1), 1);
    if (seen == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    int rc = AFMT_OK;
    uint64_t prev_key = 0, run = 0; /* the run of equal keys starts at row `run` */
    uint32_t prev = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint32_t e = afmt_id_row_entry(r->id_table, k);
        if (e >= r->head.ih.entry_count ||
            afmt_rd_entry_type(r, e) != AFMT_ENTRY_TYPE_POST ||
            (seen[e / 8] >> (e % 8)) & 1) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "id table row %" PRIu64 " names no new post",
                           k);
            break;
        }
        seen[e / 8] |= (uint8_t)(1u << (e % 8));
        uint64_t key = keys[e];
        if (afmt_id_row_key(r->id_table, k) != key) {
            /* a lookup (10.1) goes by the rows' keys */
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                           "id table row %" PRIu64 " does not carry its post's id key", k);
            break;
        }
        if (k % AFMT_ID_PAGE_ROWS == 0 &&
            r->head.pages[afmt_head_id_page(&r->head, k / AFMT_ID_PAGE_ROWS)].first != key) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                           "id page %" PRIu64 " does not start with its directory key",
                           k / AFMT_ID_PAGE_ROWS);
            break;
        }
        if (k > 0 && (key < prev_key || (key == prev_key && e <= prev))) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "id table out of order at row %" PRIu64, k);
            break;
        }
        if (k > 0 && key != prev_key) {
            if ((rc = check_run(r, run, k)) != AFMT_OK)
                break;
            run = k;
        }
        prev_key = key;
        prev = e;
    }
    if (rc == AFMT_OK)
        rc = check_run(r, run, n);
    free(seen);
    return rc;
}

/* Step 6, one record: its encoding is valid; a post gives its id key and
 * counts, a file's parts name earlier posts and add up to its size. */
static int check_entry(afmt_reader *r, uint64_t i, const uint8_t *enc, uint32_t len,
                       uint64_t *keys)
{
    afmt_entry_view e;
    char msg[AFMT_ERRMSG_BYTES];
    int rc = afmt_entry_decode(&e, enc, len, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "entry %" PRIu64 ": %s", i, msg);
    afmt_checkpoint_info *info = &r->head.info;
    if (e.type == AFMT_ENTRY_TYPE_WITHHELD) {
        /* Spec 12.1: only a withholding statement's index may hold one. */
        if (!r->head.withheld)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                             "entry %" PRIu64 " is withheld, but the bundle has no "
                             "withholding statement", i);
        if (e.withheld_type == AFMT_ENTRY_TYPE_POST)
            info->withheld_posts++;
        else
            info->withheld_files++;
        return AFMT_OK;
    }
    if (e.type == AFMT_ENTRY_TYPE_POST) {
        keys[i] = afmt_id_key(e.id, e.id_len);
        info->posts++;
        if (e.flags & AFMT_PF_DELETED)
            info->deleted++;
        if (e.flags & AFMT_PF_INCOMPLETE) {
            info->incomplete++;
            /* saturate: a sum of u64 counts read from a file */
            if (!afmt_add_ok(&info->missing_replies, info->missing_replies,
                             e.missing_replies))
                info->missing_replies = UINT64_MAX;
        }
        return AFMT_OK;
    }
    info->files++;
    afmt_part_view part;
    size_t ppos = 0;
    uint64_t total = 0;
    /* Where each part starts, so a blob row finds its part at once. */
    r->post_blob[i] = (uint32_t)(r->part_off.len / 4);
    size_t parts_at = (size_t)(e.parts - enc);
    while (afmt_buf_append_u32(&r->part_off, (uint32_t)(parts_at + ppos)) == AFMT_OK &&
           afmt_part_next(&part, &e, &ppos)) {
        if (part.kind == AFMT_PART_KIND_ENTRY) {
            if (part.entry >= i)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "entry %" PRIu64 ": part names a later entry", i);
            afmt_entry_view pe;
            afmt_rd_entry_view(&pe, r, part.entry);
            if (pe.type == AFMT_ENTRY_TYPE_WITHHELD)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "entry %" PRIu64 ": part names a withheld entry (a file "
                                 "holding a withheld post is withheld too)", i);
            if (pe.type != AFMT_ENTRY_TYPE_POST)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "entry %" PRIu64 ": part names a file, not a post", i);
            part.size = pe.size;
        }
        if (!afmt_add_ok(&total, total, part.size))
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 ": size overflow", i);
    }
    if (r->part_off.len / 4 != (size_t)r->post_blob[i] + e.part_count + 1)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    if (total != e.size)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                         "entry %" PRIu64 ": parts do not add up to the file size", i);
    return AFMT_OK;
}

/* No two files have one path, and no file's path is another's folder:
 * both show once the paths are sorted. */
static int check_paths(afmt_reader *r)
{
    uint64_t n = r->head.ih.entry_count;
    afmt_path_ref *refs = malloc((size_t)r->head.info.files * sizeof *refs);
    if (refs == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    size_t nf = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *enc = afmt_rd_record(r, i, &len);
        if (afmt_encoding_type(enc) != AFMT_ENTRY_TYPE_FILE)
            continue;
        afmt_entry_key(enc, &refs[nf].path, &refs[nf].len);
        refs[nf++].entry = i;
    }
    uint64_t bad;
    int conflict = afmt_paths_conflict(refs, nf, &bad);
    free(refs);
    if (conflict != 0)
        return AFMT_FAIL(r->err, AFMT_E_DUPLICATE,
                         conflict == AFMT_PATHS_SAME
                             ? "entry %" PRIu64 ": a file with this path exists already"
                             : "entry %" PRIu64 ": its path is also the folder of another file",
                         bad);
    return AFMT_OK;
}

/* Step 6, records: each page holds whole records, starting with the entry
 * its directory row names, then their places; each record's encoding is
 * valid. */
static int check_records(afmt_reader *r, uint64_t *keys)
{
    uint64_t n = r->head.ih.entry_count;
    r->rec_offsets = malloc((size_t)(n ? n : 1) * sizeof *r->rec_offsets);
    if (r->rec_offsets == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    r->post_blob = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    if (r->post_blob == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    memset(r->post_blob, 0xFF, (size_t)n * sizeof(uint32_t));
    uint64_t at = 0; /* where the page starts in r->records */
    int rc = AFMT_OK;
    for (uint64_t p = 0; p < r->head.ih.record_pages && rc == AFMT_OK; p++) {
        /* The directory gave first entries going up from 0, each below n. */
        const afmt_page_row *row = afmt_head_record_row(&r->head, p);
        uint64_t next = afmt_head_record_end(&r->head, p);
        afmt_record_iter it;
        if (!afmt_record_iter_init(&it, r->records + at, row->size, next - row->first))
            return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                             "record page %" PRIu64 " does not hold its entries", p);
        for (uint64_t i = row->first; i < next && rc == AFMT_OK; i++) {
            const uint8_t *enc;
            uint32_t len;
            int step = afmt_record_iter_next(&it, &enc, &len);
            if (step == AFMT_RECORD_CUT)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 " is cut short", i);
            if (step != AFMT_RECORD_NEXT)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 " runs past its page",
                                 i);
            r->rec_offsets[i] = (uint32_t)(at + it.at);
            if (i + 1 == next && !afmt_record_iter_exact(&it))
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "record page %" PRIu64 " has bytes left over", p);
            rc = check_entry(r, i, enc, len, keys);
        }
        at += row->size;
    }
    if (rc == AFMT_OK && at != r->head.ih.records_size)
        rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "record pages do not hold the entries exactly");
    if (rc == AFMT_OK && r->head.info.posts != r->head.ih.post_count)
        rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "post count differs from the index header");
    if (rc == AFMT_OK && r->head.withheld &&
        r->head.info.withheld_posts + r->head.info.withheld_files == 0)
        rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                       "a withholding statement, but no entry is withheld");
    if (rc == AFMT_OK && r->head.info.files > 0)
        rc = check_paths(r);
    return rc;
}

/* The Merkle root over the records, computed on a thread of its own while
 * the records are checked: it needs only their lengths, and checks every
 * bound itself. */
typedef struct root_job {
    const afmt_reader *r;
    uint8_t root[AFMT_HASH_BYTES];
    int ok;
} root_job;

static void *compute_root(void *arg)
{
    root_job *j = arg;
    const afmt_index_head *h = &j->r->head;
    afmt_merkle_stream tree;
    afmt_merkle_stream_init(&tree);
    uint64_t at = 0;
    j->ok = 0;
    for (uint64_t p = 0; p < h->ih.record_pages; p++) {
        const afmt_page_row *row = afmt_head_record_row(h, p);
        afmt_record_iter it;
        if (!afmt_record_iter_init(&it, j->r->records + at, row->size,
                                   afmt_head_record_end(h, p) - row->first))
            return NULL;
        const uint8_t *enc;
        uint32_t len;
        int step;
        while ((step = afmt_record_iter_next(&it, &enc, &len)) == AFMT_RECORD_NEXT) {
            uint8_t leaf[AFMT_HASH_BYTES];
            afmt_record_leaf(leaf, enc, len);
            afmt_merkle_stream_push(&tree, leaf);
        }
        if (step != AFMT_RECORD_END)
            return NULL;
        at += row->size;
    }
    afmt_merkle_stream_root(&tree, j->root);
    j->ok = 1;
    return NULL;
}

/* Step 6, blobs: each row names the reference that introduces the blob,
 * which gives its hash and size; blobs tile the blocks in row order. */
static int check_blobs(afmt_reader *r)
{
    uint64_t nb = r->head.ih.blob_count;
    if (r->head.ih.block_count > 0 && nb == 0)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blocks without blobs");
    r->blobs = malloc((size_t)(nb ? nb : 1) * sizeof *r->blobs);
    if (r->blobs == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    insert_queue hashes = {&r->blob_set, {{0}}, 0, 0};
    uint32_t dup;
    uint64_t block = 0, pos = 0;
    for (uint64_t i = 0; i < nb; i++) {
        const uint8_t *row = r->blob_table + i * AFMT_BLOB_RECORD_BYTES;
        uint64_t entry = afmt_load32(row), k = afmt_load32(row + 4);
        if (entry >= r->head.ih.entry_count)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blob %" PRIu64 " names no entry", i);
        uint32_t len;
        const uint8_t *enc = afmt_rd_record(r, entry, &len);
        if (afmt_encoding_type(enc) == AFMT_ENTRY_TYPE_WITHHELD)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                             "blob %" PRIu64 " names a withheld entry", i);
        if (afmt_encoding_type(enc) == AFMT_ENTRY_TYPE_POST) {
            afmt_entry_view pe;
            afmt_rd_entry_view(&pe, r, entry);
            if (k != 0 || pe.size == 0)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "blob %" PRIu64 " names a reference that does not exist", i);
            r->blobs[i].hash = pe.hash;
            r->blobs[i].size = (uint32_t)pe.size;
            r->post_blob[entry] = (uint32_t)i;
        } else {
            /* The part's place was noted by check_records: no walking, so
             * rows in any order cost the same. */
            afmt_part_view part = {0};
            if (k < afmt_file_part_count(enc))
                afmt_part_at(&part, enc + afmt_load32(r->part_off.data +
                                                      4 * ((size_t)r->post_blob[entry] + k)));
            if (part.kind != AFMT_PART_KIND_BLOB)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "blob %" PRIu64 " names a reference that does not exist", i);
            r->blobs[i].hash = part.data;
            r->blobs[i].size = (uint32_t)part.size;
        }
        if (block < r->head.ih.block_count && i > 0 && pos == afmt_rd_block_size(r, block)) {
            block++;
            pos = 0;
        }
        uint64_t end;
        if (block >= r->head.ih.block_count || !afmt_add_ok(&end, pos, r->blobs[i].size) ||
            end > afmt_rd_block_size(r, block))
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blob %" PRIu64 " does not fit its block", i);
        r->blobs[i].block = (uint32_t)block;
        r->blobs[i].offset = (uint32_t)pos;
        pos = end;
        int ins = queue_push(&hashes, r->blobs[i].hash, AFMT_HASH_BYTES, (uint32_t)i, &dup);
        if (ins < 0)
            return AFMT_FAIL(r->err, ins, "out of memory");
        if (ins == 0)
            return AFMT_FAIL(r->err, AFMT_E_DUPLICATE, "blob %" PRIu32 " is stored twice", dup);
    }
    int ins = queue_drain(&hashes, &dup);
    if (ins < 0)
        return AFMT_FAIL(r->err, ins, "out of memory");
    if (ins == 0)
        return AFMT_FAIL(r->err, AFMT_E_DUPLICATE, "blob %" PRIu32 " is stored twice", dup);
    if (r->head.ih.block_count > 0 &&
        (block != r->head.ih.block_count - 1 || pos != afmt_rd_block_size(r, block)))
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blobs do not fill the blocks exactly");
    /* From here on post_blob means a post's blob only. */
    for (uint64_t i = 0; i < r->head.ih.entry_count; i++)
        if (afmt_rd_entry_type(r, i) != AFMT_ENTRY_TYPE_POST)
            r->post_blob[i] = UINT32_MAX;
    afmt_buf_free(&r->part_off);
    return AFMT_OK;
}

static int check_ref(afmt_reader *r, const uint8_t *hash, uint64_t size, uint64_t entry)
{
    static const uint8_t empty_hash[AFMT_HASH_BYTES] = { /* SHA-256("") */
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    uint32_t blob;
    if (size == 0) {
        if (memcmp(hash, empty_hash, AFMT_HASH_BYTES) != 0)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                             "entry %" PRIu64 ": empty content with a wrong hash", entry);
        return AFMT_OK;
    }
    if (!afmt_set_find(&r->blob_set, hash, AFMT_HASH_BYTES, &blob) || r->blobs[blob].size != size)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                         "entry %" PRIu64 " names content that the bundle does not hold", entry);
    return AFMT_OK;
}

/* Step 6, references: every content an entry names is stored.  A post
 * whose blob row names it was settled by check_blobs; the others (repeated
 * contents, empty posts, files' blob parts) are looked up here. */
static int check_refs(afmt_reader *r)
{
    for (uint64_t i = 0; i < r->head.ih.entry_count; i++) {
        if (r->post_blob[i] != UINT32_MAX)
            continue;
        afmt_entry_view e;
        afmt_rd_entry_view(&e, r, i);
        int rc = AFMT_OK;
        if (e.type == AFMT_ENTRY_TYPE_WITHHELD)
            continue; /* names nothing */
        if (e.type == AFMT_ENTRY_TYPE_POST) {
            rc = check_ref(r, e.hash, e.size, i);
            uint32_t blob;
            if (rc == AFMT_OK && e.size > 0 &&
                afmt_set_find(&r->blob_set, e.hash, AFMT_HASH_BYTES, &blob))
                r->post_blob[i] = blob;
        } else {
            afmt_part_view part;
            size_t pos = 0;
            while (rc == AFMT_OK && afmt_part_next(&part, &e, &pos))
                if (part.kind == AFMT_PART_KIND_BLOB)
                    rc = check_ref(r, part.data, part.size, i);
        }
        if (rc != AFMT_OK)
            return rc;
    }
    return AFMT_OK;
}

/* Step 6, places: a post's record says where its content starts (so one
 * post can be read without the blob table); it must be its blob's place.
 * Every other record says 0, 0. */
static int check_places(afmt_reader *r)
{
    uint64_t at = 0;
    for (uint64_t p = 0; p < r->head.ih.record_pages; p++) {
        const afmt_page_row *row = afmt_head_record_row(&r->head, p);
        uint64_t next = afmt_head_record_end(&r->head, p);
        afmt_record_iter it; /* the page held its entries: check_records */
        (void)afmt_record_iter_init(&it, r->records + at, row->size, next - row->first);
        for (uint64_t i = row->first; i < next; i++) {
            uint32_t block = 0, offset = 0, got_block, got_offset;
            if (r->post_blob[i] != UINT32_MAX) {
                block = r->blobs[r->post_blob[i]].block;
                offset = r->blobs[r->post_blob[i]].offset;
            }
            afmt_record_iter_place(&it, i - row->first, &got_block, &got_offset);
            if (got_block != block || got_offset != offset)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "entry %" PRIu64 ": its record names the wrong place", i);
        }
        at += row->size;
    }
    return AFMT_OK;
}

int afmt_rd_check_index(afmt_reader *r)
{
    int rc;
    r->block_table = r->body.data;
    r->blob_table = r->block_table + r->head.ih.block_count * AFMT_BLOCK_RECORD_BYTES;
    r->records = r->blob_table + r->head.ih.blob_count * AFMT_BLOB_RECORD_BYTES;
    r->id_table = r->records + r->head.ih.records_size;
    if ((rc = afmt_set_init(&r->blob_set, (size_t)r->head.ih.blob_count, blob_key, r)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "out of memory");
    uint64_t n = r->head.ih.entry_count;
    uint64_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys); /* posts' id keys */
    if (keys == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    root_job job = {r, {0}, 0};
    pthread_t thread;
    int threaded = n >= 4096 && afmt_rd_threads(r) > 1 &&
                   pthread_create(&thread, NULL, compute_root, &job) == 0;
    if ((rc = check_blocks(r)) == AFMT_OK && (rc = check_records(r, keys)) == AFMT_OK &&
        (rc = check_blobs(r)) == AFMT_OK && (rc = check_refs(r)) == AFMT_OK)
        rc = check_places(r);
    if (threaded)
        pthread_join(thread, NULL);
    else if (rc == AFMT_OK)
        compute_root(&job);
    if (rc == AFMT_OK)
        rc = check_ids(r, keys);
    free(keys);
    if (rc != AFMT_OK)
        return rc;
    if (!job.ok || sodium_memcmp(job.root, r->head.info.root, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(r->err, AFMT_E_ROOT_MISMATCH,
                         "the entries do not match the signed Merkle root");
    return AFMT_OK;
}
