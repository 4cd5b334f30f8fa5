/*
 * reader.c - opens a bundle and checks everything but the blocks (spec
 * section 10, steps 1-6), then serves entries and verified content.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "format/checkpoint.h"
#include "common/fileio.h"
#include "format/hash.h"
#include "format/merkle.h"
#include "read/reader_internal.h"
#include "format/signature.h"

const char *afmt_reader_errmsg(const afmt_reader *r)
{
    return r != NULL ? r->err : "";
}

void afmt_reader_free(afmt_reader *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->checkpoint);
    free(r->sigsec_bytes);
    free(r->head);
    free(r->pages);
    free(r->rec_offsets);
    free(r->blobs);
    free(r->post_blob);
    free(r->bad_blocks);
    afmt_buf_free(&r->part_off);
    afmt_buf_free(&r->body);
    afmt_set_free(&r->blob_set);
    afmt_codec_free(r->codec);
    afmt_block_bufs_free(&r->bufs);
    free(r);
}

/* Reads `len` bytes at `off` into a fresh buffer. */
static int read_section(afmt_reader *r, uint8_t **out, uint64_t off, uint64_t len,
                        const char *what)
{
    *out = NULL;
    if (len > SIZE_MAX - 1)
        return AFMT_FAIL(r->err, AFMT_E_LIMIT, "%s too large for this machine", what);
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (buf == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory reading the %s", what);
    int rc = afmt_pread_exact(r->fd, buf, (size_t)len, off);
    if (rc != AFMT_OK) {
        free(buf);
        return AFMT_FAIL(r->err, rc, "cannot read the %s: %s", what,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    }
    *out = buf;
    return AFMT_OK;
}

/* Keys of the blob set, fetched back from the index body. */
static void blob_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_reader *r = ctx;
    *key = r->blobs[value].hash;
    *len = AFMT_HASH_BYTES;
}

int afmt_rd_block_check(afmt_reader *r, uint64_t b)
{
    uint64_t off = afmt_rd_block_offset(r, b), cs = afmt_rd_block_csize(r, b),
             size = afmt_rd_block_size(r, b), end;
    if (off < AFMT_HEADER_BYTES || cs == 0 || !afmt_add_ok(&end, off, cs) ||
        end > r->trailer.index_offset)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "block %" PRIu64 " is out of place", b);
    if (size == 0)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "block %" PRIu64 " is empty", b);
    if (size > AFMT_MAX_BLOCK_BYTES)
        return AFMT_FAIL(r->err, AFMT_E_LIMIT, "block %" PRIu64 " over the size limit", b);
    return AFMT_OK;
}

/* Step 6, blocks: they tile the file from the header to the index. */
static int check_blocks(afmt_reader *r)
{
    uint64_t next = AFMT_HEADER_BYTES;
    for (uint64_t b = 0; b < r->ih.block_count; b++) {
        if (afmt_rd_block_offset(r, b) != next)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "block %" PRIu64 " is out of place", b);
        int rc = afmt_rd_block_check(r, b);
        if (rc != AFMT_OK)
            return rc;
        next += afmt_rd_block_csize(r, b);
    }
    if (next != r->trailer.index_offset)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blocks do not end where the index starts");
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

/* Step 6, records: decode each, check ids, paths and entry parts. */
/* The id of post `e`, and its id key. */
static uint64_t post_id(const afmt_reader *r, uint64_t e, const uint8_t **id, size_t *len)
{
    afmt_entry_key(r->records + r->rec_offsets[e] + 4, id, len);
    return afmt_id_key(*id, *len);
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
        ids[i].entry = afmt_load32(r->id_table + 4 * (start + i));
        /* the ids only: their keys are known equal */
        afmt_entry_key(r->records + r->rec_offsets[ids[i].entry] + 4, &ids[i].path, &ids[i].len);
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

/* Step 6, the id table: every post once, ordered by (id key, entry number),
 * each id page's first key in its directory row.  Two posts with one id
 * have one key, so they meet in a run of equal keys.  keys[e] is post e's
 * id key. */
static int check_ids(afmt_reader *r, const uint64_t *keys)
{
    uint64_t n = r->ih.post_count;
    uint8_t *seen = calloc((size_t)(r->ih.entry_count / 8 + 1), 1);
    if (seen == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    int rc = AFMT_OK;
    uint64_t prev_key = 0, run = 0; /* the run of equal keys starts at row `run` */
    uint32_t prev = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint32_t e = afmt_load32(r->id_table + 4 * k);
        if (e >= r->ih.entry_count ||
            r->records[r->rec_offsets[e] + 4] != AFMT_ENTRY_TYPE_POST ||
            (seen[e / 8] >> (e % 8)) & 1) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "id table row %" PRIu64 " names no new post",
                           k);
            break;
        }
        seen[e / 8] |= (uint8_t)(1u << (e % 8));
        uint64_t key = keys[e];
        if (k % AFMT_ID_PAGE_ROWS == 0 &&
            r->pages[2 + r->ih.record_pages + k / AFMT_ID_PAGE_ROWS].first != key) {
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

/* Step 6, records: each page holds whole records, starting with the entry
 * its directory row names; each record's encoding is valid. */
static int check_records(afmt_reader *r, uint64_t *keys)
{
    uint64_t n = r->ih.entry_count;
    r->rec_offsets = malloc((size_t)(n ? n : 1) * sizeof *r->rec_offsets);
    int rc = AFMT_OK;
    if (r->rec_offsets == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    r->post_blob = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    if (r->post_blob == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    memset(r->post_blob, 0xFF, (size_t)n * sizeof(uint32_t));
    uint64_t pos = 0, page = 0, page_end = 0, page_next = 0;
    for (uint64_t i = 0; i < n && rc == AFMT_OK; i++) {
        if (i == page_next) {
            /* The directory gave first entries going up from 0, each below
             * n: page `page` holds entries first .. next - 1, then a place
             * for each. */
            const afmt_page_row *row = &r->pages[2 + page];
            page_next = afmt_rd_page_end(r, page);
            uint64_t places = (page_next - i) * AFMT_PLACE_BYTES;
            if (pos != page_end || row->size < places) {
                rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                               "record page %" PRIu64 " does not hold its entries", page);
                break;
            }
            page_end = pos + row->size - places;
            page++;
        }
        if (page_end - pos < 4) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 " is cut short", i);
            break;
        }
        uint32_t len = afmt_load32(r->records + pos);
        if (page_end - pos - 4 < len) {
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 " runs past its page", i);
            break;
        }
        const uint8_t *enc = r->records + pos + 4;
        r->rec_offsets[i] = (uint32_t)pos;
        pos += 4 + (uint64_t)len;
        if (i + 1 == page_next) {
            if (pos != page_end) {
                rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                               "record page %" PRIu64 " has bytes left over", page - 1);
                break;
            }
            pos = page_end + (page_next - r->pages[1 + page].first) * AFMT_PLACE_BYTES;
            page_end = pos;
        }
        afmt_entry_view e;
        char msg[AFMT_ERRMSG_BYTES];
        rc = afmt_entry_decode(&e, enc, len, msg);
        if (rc != AFMT_OK) {
            rc = AFMT_FAIL(r->err, rc, "entry %" PRIu64 ": %s", i, msg);
            break;
        }
        if (e.type == AFMT_ENTRY_TYPE_POST) {
            keys[i] = afmt_id_key(e.id, e.id_len);
            r->info.posts++;
            if (e.flags & AFMT_PF_DELETED)
                r->info.deleted++;
            if (e.flags & AFMT_PF_INCOMPLETE) {
                r->info.incomplete++;
                /* saturate: a sum of u64 counts read from a file */
                if (!afmt_add_ok(&r->info.missing_replies, r->info.missing_replies,
                                 e.missing_replies))
                    r->info.missing_replies = UINT64_MAX;
            }
            continue;
        }
    r->info.files++;
        afmt_part_view part;
        size_t ppos = 0;
        uint64_t total = 0;
        /* Where each part starts, so a blob row finds its part at once. */
        r->post_blob[i] = (uint32_t)(r->part_off.len / 4);
        size_t parts_at = (size_t)(e.parts - enc);
        while (rc == AFMT_OK && afmt_buf_append_u32(&r->part_off,
                                                    (uint32_t)(parts_at + ppos)) == AFMT_OK &&
               afmt_part_next(&part, &e, &ppos)) {
            if (part.kind == AFMT_PART_KIND_ENTRY) {
                if (part.entry >= i) {
                    rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                   "entry %" PRIu64 ": part names a later entry", i);
                    break;
                }
                afmt_entry_view pe;
                afmt_rd_entry_view(&pe, r, part.entry);
                if (pe.type != AFMT_ENTRY_TYPE_POST) {
                    rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                   "entry %" PRIu64 ": part names a file, not a post", i);
                    break;
                }
                part.size = pe.size;
            }
            if (!afmt_add_ok(&total, total, part.size))
                rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry %" PRIu64 ": size overflow", i);
        }
        if (rc == AFMT_OK && r->part_off.len / 4 != (size_t)r->post_blob[i] + e.part_count + 1)
            rc = AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
        if (rc == AFMT_OK && total != e.size)
            rc = AFMT_FAIL(r->err, AFMT_E_FORMAT,
                           "entry %" PRIu64 ": parts do not add up to the file size", i);
    }
    if (rc == AFMT_OK && (pos != r->ih.records_size || page != r->ih.record_pages))
        rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "record pages do not hold the entries exactly");
    if (rc == AFMT_OK && r->info.posts != r->ih.post_count)
        rc = AFMT_FAIL(r->err, AFMT_E_FORMAT, "post count differs from the index header");
    /* No two files have one path, and no file's path is another's folder:
     * both show once the paths are sorted. */
    if (rc == AFMT_OK && r->info.files > 0) {
        afmt_path_ref *refs = malloc((size_t)r->info.files * sizeof *refs);
        if (refs == NULL)
            rc = AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
        size_t nf = 0;
        for (uint64_t i = 0; i < n && refs != NULL; i++) {
            const uint8_t *enc = r->records + r->rec_offsets[i] + 4;
            if (enc[0] != AFMT_ENTRY_TYPE_FILE)
                continue;
            afmt_entry_key(enc, &refs[nf].path, &refs[nf].len);
            refs[nf++].entry = i;
        }
        uint64_t bad;
        int conflict = refs != NULL ? afmt_paths_conflict(refs, nf, &bad) : 0;
        if (conflict != 0)
            rc = AFMT_FAIL(r->err, AFMT_E_DUPLICATE,
                           conflict == AFMT_PATHS_SAME
                               ? "entry %" PRIu64 ": a file with this path exists already"
                               : "entry %" PRIu64 ": its path is also the folder of another file",
                           bad);
        free(refs);
    }
    return rc;
}

/* The Merkle root over the records, computed on a thread of its own while
 * the records are checked: it needs only their lengths. */
typedef struct root_job {
    const afmt_reader *r;
    uint8_t root[AFMT_HASH_BYTES];
    int ok;
} root_job;

/* The Merkle root over the records, computed on a thread of its own while
 * the records are checked: it needs only their lengths, and checks every
 * bound itself. */
static void *compute_root(void *arg)
{
    root_job *j = arg;
    const afmt_reader *r = j->r;
    afmt_merkle_stream tree;
    afmt_merkle_stream_init(&tree);
    uint64_t pos = 0;
    j->ok = 0;
    for (uint64_t p = 0; p < r->ih.record_pages; p++) {
        const afmt_page_row *row = &r->pages[2 + p];
        uint64_t next = afmt_rd_page_end(r, p);
        uint64_t end = pos + row->size;
        for (uint64_t i = row->first; i < next; i++) {
            if (end - pos < 4)
                return NULL;
            uint32_t len = afmt_load32(r->records + pos);
            if (end - pos - 4 < len)
                return NULL;
            const uint8_t *enc = r->records + pos + 4;
            uint8_t leaf[AFMT_HASH_BYTES];
            afmt_hash_leaf(leaf, enc, len);
            afmt_merkle_stream_push(&tree, leaf);
            pos += 4 + (uint64_t)len;
        }
        pos = end;
    }
    afmt_merkle_stream_root(&tree, j->root);
    j->ok = 1;
    return NULL;
}

/* Step 6, blobs: each row names the reference that introduces the blob,
 * which gives its hash and size; blobs tile the blocks in row order. */
static int check_blobs(afmt_reader *r)
{
    uint64_t nb = r->ih.blob_count;
    if (r->ih.block_count > 0 && nb == 0)
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
        if (entry >= r->ih.entry_count)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blob %" PRIu64 " names no entry", i);
        const uint8_t *enc = r->records + r->rec_offsets[entry] + 4;
        if (enc[0] == AFMT_ENTRY_TYPE_POST) {
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
            size_t path_len = afmt_load16(enc + 26);
            uint64_t count = afmt_load32(enc + 28 + path_len);
            const uint8_t *p = k < count ? enc + afmt_load32(r->part_off.data +
                                                             4 * ((size_t)r->post_blob[entry] + k))
                                         : NULL;
            if (p == NULL || p[0] != AFMT_PART_KIND_BLOB)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "blob %" PRIu64 " names a reference that does not exist", i);
            r->blobs[i].hash = p + 1;
            r->blobs[i].size = (uint32_t)afmt_load64(p + 33);
        }
        if (block < r->ih.block_count && i > 0 && pos == afmt_rd_block_size(r, block)) {
            block++;
            pos = 0;
        }
        uint64_t end;
        if (block >= r->ih.block_count || !afmt_add_ok(&end, pos, r->blobs[i].size) ||
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
    if (r->ih.block_count > 0 &&
        (block != r->ih.block_count - 1 || pos != afmt_rd_block_size(r, block)))
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "blobs do not fill the blocks exactly");
    /* From here on post_blob means a post's blob only. */
    for (uint64_t i = 0; i < r->ih.entry_count; i++)
        if (r->records[r->rec_offsets[i] + 4] != AFMT_ENTRY_TYPE_POST)
            r->post_blob[i] = UINT32_MAX;
    afmt_buf_free(&r->part_off);
    return AFMT_OK;
}

static int check_ref(afmt_reader *r, const uint8_t *hash, uint64_t size, uint64_t entry)
{
    static const uint8_t empty_hash[AFMT_HASH_BYTES] = {
        0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e,
        0xb0, 0x60, 0x99, 0xda, 0xa1, 0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f,
        0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd, 0xf1, 0x2f, 0xe3, 0xa8};
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
    for (uint64_t i = 0; i < r->ih.entry_count; i++) {
        if (r->post_blob[i] != UINT32_MAX)
            continue;
        afmt_entry_view e;
        afmt_rd_entry_view(&e, r, i);
        int rc = AFMT_OK;
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
    for (uint64_t p = 0; p < r->ih.record_pages; p++) {
        const afmt_page_row *row = &r->pages[2 + p];
        uint64_t next = afmt_rd_page_end(r, p);
        /* This page's places end where the next page's first record starts. */
        uint64_t end = next < r->ih.entry_count ? r->rec_offsets[next] : r->ih.records_size;
        const uint8_t *place = r->records + end - (next - row->first) * AFMT_PLACE_BYTES;
        for (uint64_t i = row->first; i < next; i++, place += AFMT_PLACE_BYTES) {
            uint32_t block = 0, offset = 0;
            if (r->post_blob[i] != UINT32_MAX) {
                block = r->blobs[r->post_blob[i]].block;
                offset = r->blobs[r->post_blob[i]].offset;
            }
            if (afmt_load32(place) != block || afmt_load32(place + 4) != offset)
                return AFMT_FAIL(r->err, AFMT_E_FORMAT,
                                 "entry %" PRIu64 ": its record names the wrong place", i);
        }
    }
    return AFMT_OK;
}

void afmt_rd_entry_view(afmt_entry_view *e, const afmt_reader *r, uint64_t n)
{
    const uint8_t *rec = r->records + r->rec_offsets[n];
    /* Checked at open: cannot fail. */
    (void)afmt_entry_decode(e, rec + 4, afmt_load32(rec), NULL);
}

/* Draft 1.1 of version 1 had a 40-byte index header, then one zstd frame,
 * and signed the hash of the whole index section: say so, rather than call
 * such a bundle altered.  (Here the frame's magic would be the low half of
 * record_pages, which is at most 2^26.)  Only on a failure. */
static int signed_whole_index(afmt_reader *r, const uint8_t want[AFMT_HASH_BYTES])
{
    static const uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    uint8_t buf[1u << 16], h[AFMT_HASH_BYTES];
    if (r->trailer.index_size < 44 ||
        afmt_pread_exact(r->fd, buf, 4, r->trailer.index_offset + 40) != AFMT_OK ||
        memcmp(buf, zstd_magic, 4) != 0)
        return 0;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, AFMT_HASH_BYTES);
    for (uint64_t at = 0; at < r->trailer.index_size;) {
        size_t n = r->trailer.index_size - at < sizeof buf ? (size_t)(r->trailer.index_size - at)
                                                           : sizeof buf;
        if (afmt_pread_exact(r->fd, buf, n, r->trailer.index_offset + at) != AFMT_OK)
            return 0;
        crypto_generichash_update(&st, buf, n);
        at += n;
    }
    crypto_generichash_final(&st, h, sizeof h);
    return sodium_memcmp(h, want, AFMT_HASH_BYTES) == 0;
}

static int earlier_draft(afmt_reader *r)
{
    return AFMT_FAIL(r->err, AFMT_E_UNSUPPORTED,
                     "written by an earlier draft of format version 1 (its index is one frame, "
                     "not pages): pack it again with this version");
}

/* Step 5, the head: the index header, then the page directory it sizes;
 * together they must have the hash the checkpoint names. */
static int load_index_head(afmt_reader *r, const uint8_t want[AFMT_HASH_BYTES])
{
    uint8_t ihb[AFMT_INDEX_HEADER_BYTES];
    int rc = afmt_pread_exact(r->fd, ihb, sizeof ihb, r->trailer.index_offset);
    if (rc != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "cannot read the index: %s",
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    if ((rc = afmt_index_header_decode(&r->ih, ihb, r->trailer.index_size, r->err)) != AFMT_OK)
        return signed_whole_index(r, want) ? earlier_draft(r) : rc;
    if ((rc = read_section(r, &r->head, r->trailer.index_offset, r->ih.head_size, "index")) !=
        AFMT_OK)
        return rc;
    uint8_t h[AFMT_HASH_BYTES];
    afmt_content_hash(h, r->head, (size_t)r->ih.head_size);
    if (sodium_memcmp(h, want, AFMT_HASH_BYTES) != 0) {
        if (signed_whole_index(r, want))
            return earlier_draft(r);
        return AFMT_FAIL(r->err, AFMT_E_INDEX_MISMATCH,
                         "the index does not match the signed checkpoint");
    }
    r->pages = malloc((size_t)r->ih.page_count * sizeof *r->pages);
    if (r->pages == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    return afmt_page_dir_decode(r->pages, &r->ih, r->head + AFMT_INDEX_HEADER_BYTES,
                                r->trailer.index_offset + r->ih.head_size,
                                r->trailer.index_size - r->ih.head_size, r->err);
}

/* Reads page `p` into `frame`, checks its hash against its row and decodes
 * it: into dst (row->size bytes) when dst is not NULL, else appended to
 * `out`. */
static int load_page(afmt_reader *r, uint64_t p, afmt_buf *frame, afmt_block_codec *codec,
                     uint8_t *dst, afmt_buf *out, char *err)
{
    const afmt_page_row *row = &r->pages[p];
    frame->len = 0;
    int rc = afmt_buf_reserve(frame, row->csize);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "out of memory");
    if ((rc = afmt_pread_exact(r->fd, frame->data, row->csize, row->offset)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot read index page %" PRIu64 ": %s", p,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    uint8_t h[AFMT_HASH_BYTES];
    afmt_content_hash(h, frame->data, row->csize);
    if (sodium_memcmp(h, row->hash, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_INDEX_MISMATCH,
                         "index page %" PRIu64 " does not match its signed hash", p);
    char msg[AFMT_ERRMSG_BYTES];
    if (dst != NULL)
        rc = afmt_block_decompress(codec, dst, row->size, frame->data, row->csize, msg);
    else
        rc = afmt_frame_decode_growing(codec, out, row->size, frame->data, row->csize, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "index page %" PRIu64 ": %s", p, msg);
    return AFMT_OK;
}

int afmt_rd_load_page(afmt_reader *r, uint64_t p, afmt_buf *frame, afmt_buf *out)
{
    return load_page(r, p, frame, r->codec, NULL, out, r->err);
}

/* Pages [from, to) decoded into their places in the body, on a thread. */
typedef struct page_job {
    afmt_reader *r;
    uint64_t from, to;
    const uint64_t *at;     /* per page: its offset in the body */
    afmt_block_codec *codec;
    int rc;
    char err[AFMT_ERRMSG_BYTES];
} page_job;

static void *decode_pages(void *arg)
{
    page_job *j = arg;
    afmt_buf frame = {0};
    j->rc = AFMT_OK;
    for (uint64_t p = j->from; p < j->to && j->rc == AFMT_OK; p++)
        j->rc = load_page(j->r, p, &frame, j->codec, j->r->body.data + j->at[p], NULL, j->err);
    afmt_buf_free(&frame);
    return NULL;
}

/* Every page, in directory order, into the body.  A real index compresses
 * a few times at most: then the body is reserved at once and two threads
 * decode half the pages each.  One that claims more (up to the bomb bound)
 * is decoded page by page into a body that grows only as output arrives. */
static int load_pages(afmt_reader *r)
{
    uint64_t n = r->ih.page_count, size = r->ih.body_size;
    uint64_t *at = n >= 16 && size <= 64 * r->trailer.index_size
                       ? malloc((size_t)n * sizeof *at)
                       : NULL;
    /* Could not reserve: the page by page way below, which fails only as
     * output really arrives. */
    if (at != NULL && afmt_buf_reserve(&r->body, (size_t)size) != AFMT_OK) {
        free(at);
        at = NULL;
    }
    if (at != NULL) {
        uint64_t half = 0, sum = 0;
        for (uint64_t p = 0; p < n; p++) {
            at[p] = sum;
            sum += r->pages[p].size;
            if (half == 0 && sum >= size / 2)
                half = p + 1;
        }
        page_job jobs[2] = {{r, 0, half, at, r->codec, 0, ""}, {r, half, n, at, NULL, 0, ""}};
        pthread_t thread;
        int threaded = afmt_codec_new(&jobs[1].codec, 3) == AFMT_OK &&
                       sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
                       pthread_create(&thread, NULL, decode_pages, &jobs[1]) == 0;
        decode_pages(&jobs[0]);
        if (threaded)
            pthread_join(thread, NULL);
        else if (jobs[0].rc == AFMT_OK && jobs[1].codec != NULL)
            decode_pages(&jobs[1]);
        else if (jobs[0].rc == AFMT_OK)
            jobs[1].rc = AFMT_FAIL(jobs[1].err, AFMT_E_NOMEM, "out of memory");
        afmt_codec_free(jobs[1].codec);
        free(at);
        /* The first page that failed, in directory order. */
        for (int k = 0; k < 2; k++)
            if (jobs[k].rc != AFMT_OK)
                return AFMT_FAIL(r->err, jobs[k].rc, "%s", jobs[k].err);
        r->body.len = (size_t)size;
        return AFMT_OK;
    }
    afmt_buf frame = {0};
    int rc = AFMT_OK;
    for (uint64_t p = 0; p < n && rc == AFMT_OK; p++)
        rc = afmt_rd_load_page(r, p, &frame, &r->body);
    afmt_buf_free(&frame);
    return rc;
}

static int signer_is(afmt_reader *r, const afmt_public_key *keys, size_t nkeys);

int afmt_rd_open_head(afmt_reader *r, const char *path, const afmt_public_key *keys,
                      size_t nkeys)
{
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return AFMT_FAIL(r->err, AFMT_E_IO, "%s", strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return AFMT_FAIL(r->err, AFMT_E_IO, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return AFMT_FAIL(r->err, AFMT_E_IO, "not a regular file");
    r->file_size = (uint64_t)st.st_size;
    /* Step 1: header and trailer. */
    uint8_t header[AFMT_HEADER_BYTES], trailer[AFMT_TRAILER_BYTES];
    int rc;
    if (r->file_size < AFMT_HEADER_BYTES) {
        if (r->file_size == 0)
            return AFMT_FAIL(r->err, AFMT_E_TRUNCATED, "empty file");
        if ((rc = afmt_pread_exact(r->fd, header, (size_t)r->file_size, 0)) != AFMT_OK)
            return AFMT_FAIL(r->err, rc, "cannot read the header");
        size_t have = r->file_size < sizeof afmt_magic ? (size_t)r->file_size : sizeof afmt_magic;
        if (memcmp(header, afmt_magic, have) != 0)
            return AFMT_FAIL(r->err, AFMT_E_FORMAT, "not an afmt bundle (bad magic)");
        return AFMT_FAIL(r->err, AFMT_E_TRUNCATED, "file is truncated");
    }
    if ((rc = afmt_pread_exact(r->fd, header, sizeof header, 0)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "cannot read the header");
    if ((rc = afmt_header_check(header, r->err)) != AFMT_OK)
        return rc;
    if (r->file_size < AFMT_HEADER_BYTES + AFMT_TRAILER_BYTES)
        return AFMT_FAIL(r->err, AFMT_E_TRUNCATED, "file is truncated");
    if ((rc = afmt_pread_exact(r->fd, trailer, sizeof trailer,
                               r->file_size - AFMT_TRAILER_BYTES)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "cannot read the trailer");
    if ((rc = afmt_trailer_decode(&r->trailer, trailer, r->file_size, r->err)) != AFMT_OK)
        return rc;
    uint64_t cp_off = r->trailer.index_offset + r->trailer.index_size;
    uint64_t sig_off = cp_off + r->trailer.checkpoint_size;

    /* Step 2: the signature section's layout. */
    if ((rc = read_section(r, &r->sigsec_bytes, sig_off, r->trailer.signature_size,
                           "signature")) != AFMT_OK)
        return rc;
    if ((rc = afmt_sigsec_decode(&r->sig, r->sigsec_bytes, r->trailer.signature_size,
                                 r->err)) != AFMT_OK)
        return rc;
    /* Step 3: both signatures, with the embedded key. */
    if ((rc = read_section(r, &r->checkpoint, cp_off, r->trailer.checkpoint_size,
                           "checkpoint")) != AFMT_OK)
        return rc;
    rc = afmt_sig_verify_prehashed(r->sig.sig, r->sig.public_key, r->checkpoint,
                                   r->trailer.checkpoint_size);
    if (rc == AFMT_OK)
        rc = afmt_sig_verify_global(r->sig.global_sig, r->sig.public_key, r->sig.sig,
                                    r->sig.comment, r->sig.comment_len);
    /* Only a real signature failure means "not authentic"; running out of
     * memory while checking is not the bundle's fault. */
    if (rc == AFMT_E_BAD_SIGNATURE)
        return AFMT_FAIL(r->err, rc, "the checkpoint signature does not verify");
    if (rc != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "cannot check the signature: %s", afmt_strerror(rc));
    /* Trust before work: a bundle from anyone else is refused before its
     * index is read. */
    if (nkeys > 0 && (rc = signer_is(r, keys, nkeys)) != AFMT_OK)
        return rc;
    /* Step 4: the checkpoint. */
    afmt_checkpoint cp;
    if ((rc = afmt_checkpoint_parse(&cp, r->checkpoint, r->trailer.checkpoint_size, r->err)) !=
        AFMT_OK)
        return rc;
    r->info.entries = cp.entries;
    r->info.created = cp.created;
    r->info.title = cp.title;
    r->info.title_len = cp.title_len;
    r->info.trusted_comment = r->sig.comment;
    r->info.trusted_comment_len = r->sig.comment_len;
    memcpy(r->info.root, cp.root, AFMT_HASH_BYTES);
    memcpy(r->info.signer.key_id, r->sig.key_id, AFMT_KEYID_BYTES);
    memcpy(r->info.signer.key, r->sig.public_key, AFMT_PUBLICKEY_BYTES);
    /* Step 5: the index head (header and page directory), against its
     * signed hash; each page, against its row. */
    if ((rc = load_index_head(r, cp.index_hash)) != AFMT_OK)
        return rc;
    if (r->ih.entry_count != cp.entries)
        return AFMT_FAIL(r->err, AFMT_E_FORMAT, "entry count differs from the checkpoint");
    if ((rc = afmt_codec_new(&r->codec, 3)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "out of memory");
    return AFMT_OK;
}

/* Step 6: every page, then the index's structure and the root. */
static int open_full(afmt_reader *r)
{
    int rc;
    if ((rc = load_pages(r)) != AFMT_OK)
        return rc;
    /* Step 6: the index's structure and the root. */
    r->block_table = r->body.data;
    r->blob_table = r->block_table + r->ih.block_count * AFMT_BLOCK_RECORD_BYTES;
    r->records = r->blob_table + r->ih.blob_count * AFMT_BLOB_RECORD_BYTES;
    r->id_table = r->records + r->ih.records_size;
    if ((rc = afmt_set_init(&r->blob_set, (size_t)r->ih.blob_count, blob_key, r)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "out of memory");
    uint64_t n = r->ih.entry_count;
    uint64_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys); /* posts' id keys */
    if (keys == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    root_job job = {r, {0}, 0};
    pthread_t thread;
    int threaded = n >= 4096 && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
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
    if (!job.ok || sodium_memcmp(job.root, r->info.root, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(r->err, AFMT_E_ROOT_MISMATCH,
                         "the entries do not match the signed Merkle root");
    return AFMT_OK;
}

afmt_reader *afmt_rd_new(void)
{
    afmt_reader *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->fd = -1;
        r->cached_block = UINT64_MAX;
    }
    return r;
}

int afmt_reader_open_trusted(afmt_reader **out, const char *path, const afmt_public_key *keys,
                             size_t nkeys, char *errbuf, size_t errbuf_size)
{
    *out = NULL;
    if (path == NULL || (keys == NULL && nkeys > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_reader *r = afmt_rd_new();
    if (r == NULL) {
        if (errbuf != NULL && errbuf_size > 0)
            snprintf(errbuf, errbuf_size, "out of memory");
        return AFMT_E_NOMEM;
    }
    int rc = afmt_rd_open_head(r, path, keys, nkeys);
    if (rc == AFMT_OK)
        rc = open_full(r);
    if (rc != AFMT_OK) {
        if (errbuf != NULL && errbuf_size > 0)
            snprintf(errbuf, errbuf_size, "%s", r->err);
        afmt_reader_free(r);
        return rc;
    }
    *out = r;
    return AFMT_OK;
}

int afmt_reader_open(afmt_reader **out, const char *path, char *errbuf, size_t errbuf_size)
{
    return afmt_reader_open_trusted(out, path, NULL, 0, errbuf, errbuf_size);
}

static int signer_is(afmt_reader *r, const afmt_public_key *keys, size_t nkeys)
{
    int id_matched = 0;
    for (size_t i = 0; i < nkeys; i++) {
        if (memcmp(keys[i].key_id, r->sig.key_id, AFMT_KEYID_BYTES) != 0)
            continue;
        id_matched = 1;
        if (sodium_memcmp(keys[i].key, r->sig.public_key, AFMT_PUBLICKEY_BYTES) == 0)
            return AFMT_OK;
    }
    /* The key id is a claim, not bound to the key: name the key by what
     * its bytes give, and call the id what it is. */
    afmt_public_key signer;
    memcpy(signer.key_id, r->sig.key_id, AFMT_KEYID_BYTES);
    memcpy(signer.key, r->sig.public_key, AFMT_PUBLICKEY_BYTES);
    char hex[17], fp[AFMT_FINGERPRINT_CHARS];
    afmt_key_id_to_hex(hex, r->sig.key_id);
    afmt_public_key_fingerprint(fp, &signer);
    if (id_matched)
        return AFMT_FAIL(r->err, AFMT_E_WRONG_KEY,
                         "signed with key %s, which claims the key id %s of a trusted key, "
                         "but the key differs", fp, hex);
    return AFMT_FAIL(r->err, AFMT_E_WRONG_KEY,
                     "signed with another key, %s (claimed key id %s)", fp, hex);
}

int afmt_reader_check_signer(afmt_reader *r, const afmt_public_key *keys, size_t nkeys)
{
    if (r == NULL || (keys == NULL && nkeys > 0))
        return AFMT_E_INVALID_ARGUMENT;
    return signer_is(r, keys, nkeys);
}

const afmt_checkpoint_info *afmt_reader_checkpoint(const afmt_reader *r)
{
    return &r->info;
}

uint64_t afmt_reader_entry_count(const afmt_reader *r)
{
    return r->ih.entry_count;
}

static uint32_t part_blob(const afmt_reader *r, const afmt_part_view *part, uint64_t *size);

/* The lowest block a file's parts use (UINT64_MAX for none): reading files
 * in this order decodes each block about once. */
static uint64_t file_first_block(const afmt_reader *r, const afmt_entry_view *e)
{
    uint64_t first = UINT64_MAX, size;
    afmt_part_view part;
    size_t pos = 0;
    while (afmt_part_next(&part, e, &pos)) {
        if (part.kind == AFMT_PART_KIND_INLINE)
            continue;
        uint32_t blob = part_blob(r, &part, &size);
        if (blob != UINT32_MAX && r->blobs[blob].block < first)
            first = r->blobs[blob].block;
    }
    return first;
}

int afmt_reader_entry(afmt_entry *out, const afmt_reader *r, uint64_t number)
{
    memset(out, 0, sizeof *out);
    if (number >= r->ih.entry_count)
        return AFMT_E_NOT_FOUND;
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    out->number = number;
    out->id = (const char *)e.id;
    out->id_len = e.id_len;
    out->size = e.size;
    if (e.type == AFMT_ENTRY_TYPE_FILE) {
        out->type = AFMT_ENTRY_FILE;
        out->block = file_first_block(r, &e);
        return AFMT_OK;
    }
    out->type = AFMT_ENTRY_POST;
    out->parent = (const char *)e.parent;
    out->parent_len = e.parent_len;
    out->author = (const char *)e.author;
    out->author_len = e.author_len;
    out->title = (const char *)e.title;
    out->title_len = e.title_len;
    out->media_type = (const char *)e.media;
    out->media_type_len = e.media_len;
    out->has_created = (e.flags & AFMT_PF_CREATED) != 0;
    out->created = e.created;
    out->flags = ((e.flags & AFMT_PF_DELETED) ? AFMT_POST_DELETED : 0) |
                 ((e.flags & AFMT_PF_INCOMPLETE) ? AFMT_POST_INCOMPLETE : 0);
    out->missing_replies = e.missing_replies;
    memcpy(out->hash, e.hash, AFMT_HASH_BYTES);
    out->block = r->post_blob[number] == UINT32_MAX ? UINT64_MAX
                                                    : r->blobs[r->post_blob[number]].block;
    return AFMT_OK;
}

int afmt_reader_entry_leaf(uint8_t out[AFMT_HASH_BYTES], const afmt_reader *r, uint64_t number)
{
    if (r == NULL || number >= r->ih.entry_count)
        return AFMT_E_NOT_FOUND;
    const uint8_t *rec = r->records + r->rec_offsets[number];
    afmt_hash_leaf(out, rec + 4, afmt_load32(rec));
    return AFMT_OK;
}

int afmt_reader_find_post(uint64_t *out_number, const afmt_reader *r, const char *id,
                          size_t id_len)
{
    if (r == NULL || id == NULL)
        return AFMT_E_NOT_FOUND;
    uint64_t key = afmt_id_key((const uint8_t *)id, id_len);
    /* The first row whose key is not below `key`, then the run of rows
     * with that key. */
    uint64_t lo = 0, hi = r->ih.post_count;
    const uint8_t *got;
    size_t got_len;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (post_id(r, afmt_load32(r->id_table + 4 * mid), &got, &got_len) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < r->ih.post_count; lo++) {
        uint32_t e = afmt_load32(r->id_table + 4 * lo);
        if (post_id(r, e, &got, &got_len) != key)
            break;
        if (got_len == id_len && memcmp(got, id, id_len) == 0) {
            *out_number = e;
            return AFMT_OK;
        }
    }
    return AFMT_E_NOT_FOUND;
}

int afmt_rd_decode_block(const afmt_reader *r, uint64_t b, afmt_block_bufs *bufs, char *errbuf)
{
    uint64_t cs = afmt_rd_block_csize(r, b), size = afmt_rd_block_size(r, b);
    /* cs is within the file (tiling was checked), size within 256 MiB. */
    if (cs > bufs->frame_cap) {
        uint8_t *p = realloc(bufs->frame, (size_t)cs);
        if (p == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        bufs->frame = p;
        bufs->frame_cap = (size_t)cs;
    }
    if (size > bufs->data_cap) {
        uint8_t *p = realloc(bufs->data, (size_t)size);
        if (p == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
        bufs->data = p;
        bufs->data_cap = (size_t)size;
    }
    int rc = afmt_pread_exact(r->fd, bufs->frame, (size_t)cs, afmt_rd_block_offset(r, b));
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "cannot read block %" PRIu64 ": %s", b,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    uint8_t h[AFMT_HASH_BYTES];
    afmt_content_hash(h, bufs->frame, (size_t)cs);
    if (sodium_memcmp(h, afmt_rd_block_hash(r, b), AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_HASH_MISMATCH,
                         "block %" PRIu64 " does not match its signed hash", b);
    char msg[AFMT_ERRMSG_BYTES];
    if (bufs->codec == NULL && (rc = afmt_codec_new(&bufs->codec, 3)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    rc = afmt_block_decompress(bufs->codec, bufs->data, (size_t)size, bufs->frame, (size_t)cs,
                               msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "block %" PRIu64 ": %s", b, msg);
    return AFMT_OK;
}

void afmt_block_bufs_free(afmt_block_bufs *bufs)
{
    afmt_codec_free(bufs->codec);
    free(bufs->frame);
    free(bufs->data);
    memset(bufs, 0, sizeof *bufs);
}

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
    int rc = afmt_rd_decode_block(r, b, &r->bufs, r->err);
    if (rc == AFMT_E_HASH_MISMATCH) {
        /* Remember it: asking again costs nothing (no re-read, re-hash). */
        if (r->bad_blocks == NULL)
            r->bad_blocks = calloc((size_t)(r->ih.block_count / 8 + 1), 1);
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
    uint8_t h[AFMT_HASH_BYTES];
    afmt_content_hash(h, p, (size_t)afmt_rd_blob_size(r, i));
    if (sodium_memcmp(h, afmt_rd_blob_hash(r, i), AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(r->err, AFMT_E_HASH_MISMATCH,
                         "content %" PRIu64 " does not match its hash", i);
    *out = p;
    return AFMT_OK;
}

/* The blob behind a part of a file, or UINT32_MAX for an empty content.
 * Only for entry and blob parts; references were all checked at open. */
static uint32_t part_blob(const afmt_reader *r, const afmt_part_view *part, uint64_t *size)
{
    if (part->kind == AFMT_PART_KIND_ENTRY) {
        afmt_entry_view pe;
        afmt_rd_entry_view(&pe, r, part->entry);
        *size = pe.size;
        return r->post_blob[part->entry];
    }
    uint32_t blob = UINT32_MAX;
    *size = part->size;
    (void)afmt_set_find(&r->blob_set, part->data, AFMT_HASH_BYTES, &blob);
    return blob;
}

/* With one cached block, a file whose parts go back and forth between
 * blocks would make a reader decode the same blocks again and again (a
 * tiny bundle could cost hours).  Count the block loads an in-order read
 * would do and refuse when they are far more than the blocks involved. */
static int check_thrash(afmt_reader *r, const afmt_entry_view *e)
{
    uint8_t *seen = calloc((size_t)(r->ih.block_count / 8 + 1), 1);
    if (seen == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    uint64_t loads = 0, distinct = 0, prev = UINT64_MAX;
    afmt_part_view part;
    size_t pos = 0;
    while (afmt_part_next(&part, e, &pos)) {
        if (part.kind == AFMT_PART_KIND_INLINE)
            continue;
        uint64_t size;
        uint32_t blob = part_blob(r, &part, &size);
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

int afmt_reader_read(afmt_reader *r, uint64_t number, afmt_sink sink, void *ctx)
{
    if (r == NULL || sink == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (number >= r->ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_NOT_FOUND, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    static const uint8_t nothing = 0;
    const uint8_t *data = &nothing;
    int rc;
    if (e.type == AFMT_ENTRY_TYPE_POST) {
        if (e.size > 0 && (rc = afmt_rd_load_blob(r, r->post_blob[number], &data)) != AFMT_OK)
            return rc;
        return sink(ctx, data, (size_t)e.size);
    }
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
            uint32_t blob = part_blob(r, &part, &size);
            if (blob != UINT32_MAX && (rc = afmt_rd_load_blob(r, blob, &data)) != AFMT_OK)
                return rc;
        }
        if (size > 0 && (rc = sink(ctx, data, (size_t)size)) != 0)
            return rc;
    }
    return AFMT_OK;
}

/* A piece of a file to read from a blob, and where it goes. */
typedef struct planned {
    uint64_t offset;
    uint32_t blob;
    uint32_t block;
} planned;

static int planned_cmp(const void *a, const void *b)
{
    const planned *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    if (x->blob != y->blob)
        return x->blob < y->blob ? -1 : 1;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

int afmt_reader_read_at(afmt_reader *r, uint64_t number, afmt_sink_at sink, void *ctx)
{
    if (r == NULL || sink == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (number >= r->ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_NOT_FOUND, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    const uint8_t *data;
    int rc;
    if (e.type == AFMT_ENTRY_TYPE_POST) {
        static const uint8_t nothing = 0;
        data = &nothing;
        if (e.size > 0 && (rc = afmt_rd_load_blob(r, r->post_blob[number], &data)) != AFMT_OK)
            return rc;
        return sink(ctx, 0, data, (size_t)e.size);
    }
    /* Inline parts first, as they come; blob parts then in block order. */
    planned *plan = malloc((size_t)(e.part_count ? e.part_count : 1) * sizeof *plan);
    if (plan == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    size_t n = 0;
    uint64_t offset = 0;
    afmt_part_view part;
    size_t pos = 0;
    rc = AFMT_OK;
    while (rc == AFMT_OK && afmt_part_next(&part, &e, &pos)) {
        uint64_t size = part.size;
        if (part.kind == AFMT_PART_KIND_INLINE) {
            rc = sink(ctx, offset, part.data, (size_t)size);
        } else {
            uint32_t blob = part_blob(r, &part, &size);
            if (blob != UINT32_MAX)
                plan[n++] = (planned){offset, blob, r->blobs[blob].block};
        }
        offset += size;
    }
    if (rc == AFMT_OK)
        qsort(plan, n, sizeof *plan, planned_cmp);
    /* Begin with the block already decoded, if the file uses it: files read
     * one after another then share a block without decoding it again. */
    size_t start = 0;
    while (start < n && plan[start].block != r->cached_block)
        start++;
    if (start == n)
        start = 0;
    uint32_t checked = UINT32_MAX;
    for (size_t k = 0; k < n && rc == AFMT_OK; k++) {
        size_t i = (start + k) % n;
        /* Repeats of one blob sit together: load and hash it once. */
        if (plan[i].blob != checked) {
            if ((rc = afmt_rd_load_blob(r, plan[i].blob, &data)) != AFMT_OK)
                break;
            checked = plan[i].blob;
        }
        rc = sink(ctx, plan[i].offset, data, r->blobs[plan[i].blob].size);
    }
    free(plan);
    return rc;
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
        return AFMT_E_NOMEM;
    memcpy(c->data, data, len);
    c->len = len;
    return 0;
}

int afmt_reader_read_post(void **out, size_t *out_len, afmt_reader *r, uint64_t number)
{
    *out = NULL;
    *out_len = 0;
    if (number >= r->ih.entry_count)
        return AFMT_FAIL(r->err, AFMT_E_NOT_FOUND, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    if (e.type != AFMT_ENTRY_TYPE_POST)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "entry %" PRIu64 " is not a post",
                         number);
    collect c = {NULL, 0};
    int rc = afmt_reader_read(r, number, collect_sink, &c);
    if (rc != AFMT_OK) {
        free(c.data);
        return rc;
    }
    *out = c.data;
    *out_len = c.len;
    return AFMT_OK;
}

int afmt_reader_checkpoint_export(const uint8_t **out_bytes, size_t *out_len,
                                  char **out_minisig, const afmt_reader *r)
{
    *out_bytes = r->checkpoint;
    *out_len = r->trailer.checkpoint_size;
    return afmt_sig_format_minisig(out_minisig, r->sig.key_id, r->sig.sig, r->sig.comment,
                                   r->sig.comment_len, r->sig.global_sig);
}
