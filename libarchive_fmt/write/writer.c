/*
 * writer.c - streams posts into blocks and writes index, checkpoint,
 * signature and trailer at finish (spec sections 2-9, writer behaviour in
 * section 13).  Entry records go into index pages that are compressed as
 * soon as they fill, so memory is the open block and page, the compressed
 * pages, and a few fixed-size numbers per entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "format/block.h"
#include "format/checkpoint.h"
#include "format/entry.h"
#include "common/fileio.h"
#include "format/hash.h"
#include "format/layout.h"
#include "format/merkle.h"
#include "write/pipeline.h"
#include "common/set.h"
#include "format/signature.h"
#include "format/withholding.h"
#include "write/writer_internal.h"

static int block_done(void *ctx, const uint8_t *frame, size_t frame_len, size_t raw_len,
                      const uint8_t hash[AFMT_HASH_BYTES]);

/* Keys of the sets, fetched back from where the writer keeps them. */
static void blob_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_writer *w = ctx;
    *key = w->blob_hashes.data + (size_t)value * AFMT_HASH_BYTES;
    *len = AFMT_HASH_BYTES;
}

static void id_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_writer *w = ctx;
    *key = w->id_keys.data + (size_t)value * 12;
    *len = 8;
}

static void path_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_writer *w = ctx;
    const uint8_t *ref = w->path_refs.data + (size_t)value * 16;
    *key = w->paths.data + afmt_load64(ref);
    *len = afmt_load32(ref + 8);
}

unsigned afmt_writer_threads(const afmt_writer *w)
{
    return w != NULL ? w->threads : 1;
}

const char *afmt_writer_errmsg(const afmt_writer *w)
{
    return w != NULL ? w->err : "";
}

/* The rules of afmt_writer_options, in one place. */
static int check_options(const afmt_writer_options *o, char *err)
{
    if (o->version != AFMT_WRITER_OPTIONS_VERSION)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT, "unknown writer options version");
    if (o->level < 1 || o->level > ZSTD_MAX_LEVEL_ALLOWED)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT, "zstd level must be 1 to %d",
                         ZSTD_MAX_LEVEL_ALLOWED);
    if (o->block_size < 1024 || o->block_size > AFMT_MAX_BLOCK_BYTES)
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT, "block size must be 1 KiB to 256 MiB");
    const char *title = o->title ? o->title : "";
    if (strlen(title) > AFMT_MAX_BUNDLE_TITLE_BYTES ||
        !afmt_text_clean((const uint8_t *)title, strlen(title)))
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT,
                         "bundle title must be at most %d bytes of UTF-8 without control "
                         "characters", AFMT_MAX_BUNDLE_TITLE_BYTES);
    if (o->trusted_comment != NULL &&
        !afmt_sig_comment_valid(o->trusted_comment, strlen(o->trusted_comment)))
        return AFMT_FAIL(err, AFMT_E_INVALID_ARGUMENT,
                         "trusted comment must be at most %d bytes of UTF-8 without control "
                         "characters", AFMT_MAX_TRUSTED_COMMENT_BYTES);
    return AFMT_OK;
}

int afmt_writer_options_check(const afmt_writer_options *opts)
{
    if (opts == NULL)
        return AFMT_OK; /* the defaults */
    return check_options(opts, NULL);
}

/* A writer of new entries (sk, which salts them) or of a rewritten bundle
 * (sk NULL: the encodings come salted). */
static int writer_open(afmt_writer **out, const char *path, const afmt_secret_key *sk,
                       const afmt_writer_options *opts)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_FAIL(NULL, AFMT_E_CRYPTO, "libsodium could not be initialised");
    afmt_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return AFMT_FAIL(NULL, AFMT_E_NOMEM, "out of memory");
    w->out.fd = -1;
    w->spill_fd = -1;
    afmt_writer_options defaults = AFMT_WRITER_OPTIONS_INIT;
    w->opts = opts != NULL ? *opts : defaults;
    int rc = check_options(&w->opts, w->err);
    if (rc != AFMT_OK)
        goto fail;
    const char *title = w->opts.title ? w->opts.title : "";
    w->title = strdup(title);
    w->trusted_comment = w->opts.trusted_comment ? strdup(w->opts.trusted_comment) : NULL;
    if (w->title == NULL || (w->opts.trusted_comment && w->trusted_comment == NULL)) {
        rc = AFMT_FAIL(w->err, AFMT_E_NOMEM, "out of memory");
        goto fail;
    }
    w->opts.title = w->title;
    w->opts.trusted_comment = w->trusted_comment;
    /* The library reads no environment: a reproducible time
     * (SOURCE_DATE_EPOCH) is the caller's to pass in `created`. */
    w->created = w->opts.created >= 0 ? w->opts.created : (int64_t)time(NULL);
    w->sk = sk;
    w->rewrite = sk == NULL;
    afmt_merkle_stream_init(&w->tree);
    /* The salts' seed (spec 8.3): the log's, fixed by its first capture. */
    if (sk != NULL) {
        afmt_hash_salt_key(w->salt_key, sk->sk);
        afmt_hash_log_seed(w->salt_key, w->salt_key, w->created, w->title, strlen(w->title));
    }
    unsigned threads = w->opts.threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
    }
    w->threads = threads;
    if ((rc = afmt_pipeline_new(&w->pipeline, w->opts.level, threads, block_done, w)) !=
            AFMT_OK ||
        (rc = afmt_set_init(&w->blob_set, 1024, blob_key, w)) != AFMT_OK ||
        (rc = afmt_set_init(&w->id_set, 1024, id_key, w)) != AFMT_OK ||
        (rc = afmt_set_init(&w->path_set, 16, path_key, w)) != AFMT_OK ||
        (rc = afmt_codec_new(&w->page_codec, w->opts.level)) != AFMT_OK)
        goto fail;
    rc = afmt_outfile_open(&w->out, path, 0644, w->opts.overwrite != 0, w->err);
    if (rc != AFMT_OK)
        goto fail; /* the message stays in the error channel (afmt_error_last) */
    w->spill_fd = afmt_spill_open(w->out.tmp_path); /* -1: keep them in memory */
    uint8_t header[AFMT_HEADER_BYTES];
    afmt_header_encode(header);
    rc = afmt_outfile_write(&w->out, header, sizeof header, w->err);
    if (rc != AFMT_OK)
        goto fail;
    w->offset = AFMT_HEADER_BYTES;
    *out = w;
    return AFMT_OK;
fail:
    afmt_writer_free(w);
    return rc;
}

int afmt_writer_open(afmt_writer **out, const char *path, const afmt_secret_key *sk,
                     const afmt_writer_options *opts)
{
    if (out == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_open: out is NULL");
    *out = NULL;
    afmt_error_clear();
    if (path == NULL || sk == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_open: no path or key");
    return writer_open(out, path, sk, opts);
}

int afmt_writer_open_rewrite(afmt_writer **out, const char *path,
                             const afmt_writer_options *opts)
{
    *out = NULL;
    if (path == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_open_rewrite: no path");
    return writer_open(out, path, NULL, opts);
}

void afmt_writer_free(afmt_writer *w)
{
    if (w == NULL)
        return;
    afmt_outfile_abort(&w->out);
    if (w->spill_fd >= 0)
        close(w->spill_fd);
    afmt_pipeline_free(w->pipeline);
    afmt_record_page_free(&w->page);
    afmt_buf *bufs[] = {&w->block, &w->blocks, &w->blobs, &w->blob_locs, &w->sizes,
                        &w->pages, &w->page_rows, &w->lookup, &w->lookup_frame,
                        &w->blob_hashes, &w->id_keys, &w->id_collisions, &w->paths,
                        &w->path_refs, &w->file_path, &w->file_parts, &w->file_blobs,
                        &w->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        afmt_buf_free(bufs[i]);
    afmt_codec_free(w->page_codec);
    afmt_set_free(&w->blob_set);
    afmt_set_free(&w->id_set);
    afmt_set_free(&w->path_set);
    sodium_memzero(w->salt_key, sizeof w->salt_key);
    free(w->title);
    free(w->trusted_comment);
    free(w);
}

/* Any failure after open leaves the writer unusable: the caller frees it. */
int afmt_writer_failed(afmt_writer *w, int rc)
{
    w->state = 1;
    return rc;
}

/* Pipeline callback, in block order: write the frame, record the block. */
static int block_done(void *ctx, const uint8_t *frame, size_t frame_len, size_t raw_len,
                      const uint8_t hash[AFMT_HASH_BYTES])
{
    afmt_writer *w = ctx;
    uint8_t rec[AFMT_BLOCK_RECORD_BYTES];
    afmt_store64(rec, w->offset);
    afmt_store64(rec + 8, frame_len);
    afmt_store64(rec + 16, raw_len);
    memcpy(rec + 24, hash, AFMT_HASH_BYTES);
    int rc = afmt_outfile_write(&w->out, frame, frame_len, w->err);
    if (rc != AFMT_OK)
        return rc;
    if ((rc = afmt_buf_append(&w->blocks, rec, sizeof rec)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    w->offset += frame_len;
    return AFMT_OK;
}

static int flush_block(afmt_writer *w)
{
    if (w->block.len == 0)
        return AFMT_OK;
    int rc = afmt_pipeline_submit(w->pipeline, &w->block, w->err);
    if (rc == AFMT_OK)
        w->blocks_submitted++;
    return rc;
}

/* Stores `data` as a blob unless a blob with its hash exists, and gives
 * where the blob is (loc: block, offset).  The blob's row names the
 * reference that introduces it: (entry, part); a file's entry number is
 * not known yet, so its rows are patched at file_end. */
int afmt_writer_store_blob(afmt_writer *w, const uint8_t hash[AFMT_HASH_BYTES],
                           const void *data, size_t len, uint64_t entry, uint32_t part,
                           uint32_t loc[2])
{
    int rc;
    uint64_t number = w->blob_hashes.len / AFMT_HASH_BYTES;
    if (number >= AFMT_MAX_BLOBS)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "more than %u blobs", AFMT_MAX_BLOBS);
    /* One probe finds or inserts; the key must be readable first. */
    if ((rc = afmt_buf_append(&w->blob_hashes, hash, AFMT_HASH_BYTES)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    uint32_t existing = 0;
    int ins = afmt_set_insert(&w->blob_set, hash, AFMT_HASH_BYTES, (uint32_t)number, &existing);
    if (ins <= 0) {
        w->blob_hashes.len -= AFMT_HASH_BYTES;
        if (ins < 0)
            return AFMT_FAIL(w->err, ins, "out of memory");
        /* stored already: same hash, same bytes */
        loc[0] = afmt_load32(w->blob_locs.data + 8 * (size_t)existing);
        loc[1] = afmt_load32(w->blob_locs.data + 8 * (size_t)existing + 4);
        return AFMT_OK;
    }
    if (w->block.len > 0 && w->block.len + len > w->opts.block_size &&
        (rc = flush_block(w)) != AFMT_OK)
        return rc;
    if (w->blocks_submitted >= AFMT_MAX_BLOCKS)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "more than %u blocks", AFMT_MAX_BLOCKS);
    loc[0] = (uint32_t)w->blocks_submitted;
    loc[1] = (uint32_t)w->block.len;
    if (entry == UINT64_MAX && /* the open file: patched at file_end */
        (rc = afmt_buf_append_u64(&w->file_blobs, w->blobs.len)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    if ((rc = afmt_buf_append_u32(&w->blobs, (uint32_t)entry)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->blobs, part)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->blob_locs, loc[0])) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->blob_locs, loc[1])) != AFMT_OK ||
        (rc = afmt_buf_append(&w->block, data, len)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    if (w->block.len >= w->opts.block_size)
        return flush_block(w);
    return AFMT_OK;
}

/* Compresses an index page and makes its directory row (spec 7.2); readers
 * refuse a page that stands for more than 1024 times its frame plus 1 MiB
 * (no decompression bombs).  *frame is the caller's to free. */
static int make_page(afmt_writer *w, const void *data, size_t len, uint64_t first,
                     uint8_t **frame, size_t *frame_len, uint8_t row[AFMT_PAGE_ROW_BYTES])
{
    int rc = afmt_block_compress(w->page_codec, frame, frame_len, data, len, w->err);
    if (rc != AFMT_OK)
        return rc;
    if ((uint64_t)len > (uint64_t)*frame_len * AFMT_INDEX_RATIO_MAX + AFMT_INDEX_RATIO_SLACK) {
        free(*frame);
        *frame = NULL;
        return AFMT_FAIL(w->err, AFMT_E_LIMIT,
                         "an index page compresses more than %d:1, which readers refuse",
                         AFMT_INDEX_RATIO_MAX);
    }
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, *frame, *frame_len);
    afmt_page_row_encode(row, (uint32_t)*frame_len, (uint32_t)len, first, hash);
    return AFMT_OK;
}

/* Compresses the open record page and files it with its directory row. */
static int close_page(afmt_writer *w)
{
    if (afmt_record_page_count(&w->page) == 0)
        return AFMT_OK;
    uint8_t *frame = NULL, row[AFMT_PAGE_ROW_BYTES];
    size_t frame_len = 0;
    int rc = afmt_record_page_seal(&w->page);
    if (rc != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    size_t page_len = w->page.records.len;
    rc = make_page(w, w->page.records.data, page_len, w->page_first, &frame, &frame_len, row);
    if (rc != AFMT_OK)
        return rc;
    if (w->spill_fd >= 0)
        rc = afmt_write_all(w->spill_fd, frame, frame_len, w->err);
    else if ((rc = afmt_buf_append(&w->pages, frame, frame_len)) != AFMT_OK)
        rc = AFMT_FAIL(w->err, rc, "out of memory");
    free(frame);
    if (rc != AFMT_OK)
        return rc;
    if ((rc = afmt_buf_append(&w->page_rows, row, sizeof row)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    w->pages_len += frame_len;
    w->records_size += page_len;
    afmt_record_page_clear(&w->page);
    w->page_first = w->entries;
    return AFMT_OK;
}

/* Salts the encoding in w->scratch, records it, its place and its leaf. */
int afmt_writer_add_record(afmt_writer *w, const uint32_t loc[2], uint64_t size,
                           uint64_t *out_entry)
{
    if (w->entries >= AFMT_MAX_ENTRIES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "more than %u entries", AFMT_MAX_ENTRIES);
    uint8_t *enc = w->scratch.data;
    size_t len = w->scratch.len;
    uint64_t page_after = afmt_record_page_size_with(&w->page, len);
    if (page_after > UINT32_MAX || w->records_size + page_after > AFMT_MAX_INDEX_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "entry records over 4 GiB");
    if (!w->rewrite) /* a rewritten entry keeps the salt it has */
        afmt_hash_salt(enc + AFMT_SALT_OFFSET, w->salt_key, w->entries, enc, len);
    uint8_t leaf[AFMT_HASH_BYTES];
    afmt_record_leaf(leaf, enc, len);
    int rc;
    if ((rc = afmt_buf_append_u64(&w->sizes, size)) != AFMT_OK ||
        (rc = afmt_record_page_add(&w->page, enc, len, loc[0], loc[1])) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    afmt_merkle_stream_push(&w->tree, leaf);
    if (out_entry != NULL)
        *out_entry = w->entries;
    w->entries++;
    if (afmt_record_page_size(&w->page) >= AFMT_RECORD_PAGE_TARGET)
        return close_page(w);
    return AFMT_OK;
}

/* The encoding of an earlier entry: in the open page, or decoded again
 * from its closed page (only when two ids share an id key). */
static int record_of(afmt_writer *w, uint64_t entry, const uint8_t **enc, size_t *len)
{
    if (entry >= w->page_first) {
        *enc = afmt_record_page_get(&w->page, entry - w->page_first, len);
    } else {
        size_t n = w->page_rows.len / AFMT_PAGE_ROW_BYTES, lo = 0, hi = n;
        while (hi - lo > 1) { /* the last page whose first entry <= entry */
            size_t mid = (lo + hi) / 2;
            if (afmt_load64(w->page_rows.data + mid * AFMT_PAGE_ROW_BYTES + 8) <= entry)
                lo = mid;
            else
                hi = mid;
        }
        uint64_t at = 0;
        for (size_t i = 0; i < lo; i++)
            at += afmt_load32(w->page_rows.data + i * AFMT_PAGE_ROW_BYTES);
        const uint8_t *row = w->page_rows.data + lo * AFMT_PAGE_ROW_BYTES;
        const uint8_t *frame = w->pages.data + at;
        int rc;
        if (w->lookup_page != lo + 1) { /* not the page decoded last time */
            w->lookup_page = 0;
            if (w->spill_fd >= 0) {
                w->lookup_frame.len = 0;
                if ((rc = afmt_buf_reserve(&w->lookup_frame, afmt_load32(row))) != AFMT_OK)
                    return AFMT_FAIL(w->err, rc, "out of memory");
                if ((rc = afmt_pread_exact(w->spill_fd, w->lookup_frame.data,
                                           afmt_load32(row), at)) != AFMT_OK)
                    return AFMT_FAIL(w->err, rc, "cannot read back an index page");
                frame = w->lookup_frame.data;
            }
            w->lookup.len = 0;
            rc = afmt_frame_decode_growing(w->page_codec, &w->lookup, afmt_load32(row + 4),
                                           frame, afmt_load32(row), w->err);
            if (rc != AFMT_OK)
                return rc;
            w->lookup_page = lo + 1;
        }
        /* The page holds the entries up to the next page's first. */
        uint64_t first = afmt_load64(row + 8);
        uint64_t next = lo + 1 < n ? afmt_load64(row + AFMT_PAGE_ROW_BYTES + 8) : w->page_first;
        afmt_record_iter it;
        uint32_t enc_len = 0;
        int step = afmt_record_iter_init(&it, w->lookup.data, w->lookup.len, next - first)
                       ? AFMT_RECORD_NEXT
                       : AFMT_RECORD_CUT;
        for (uint64_t e = first; e <= entry && step == AFMT_RECORD_NEXT; e++)
            step = afmt_record_iter_next(&it, enc, &enc_len);
        if (step != AFMT_RECORD_NEXT)
            return AFMT_FAIL(w->err, AFMT_E_FORMAT, "an index page read back is damaged");
        *len = enc_len;
    }
    return AFMT_OK;
}

/* 1 when post number `p` has this id, 0 when not, or a negative error. */
static int post_has_id(afmt_writer *w, uint32_t p, const uint8_t *id, size_t id_len)
{
    const uint8_t *enc = NULL, *key;
    size_t len = 0, key_len;
    int rc = record_of(w, afmt_load32(w->id_keys.data + 12 * (size_t)p + 8), &enc, &len);
    if (rc != AFMT_OK)
        return rc;
    afmt_entry_key(enc, &key, &key_len);
    return key_len == id_len && memcmp(key, id, id_len) == 0;
}

/* Takes the id of the next post: 1 taken, 0 a duplicate (nothing
 * changed), or a negative error.  Ids are found by their id key; two ids
 * with the same key (a 64-bit coincidence) are told apart by their bytes. */
static int take_id(afmt_writer *w, const uint8_t *id, size_t id_len)
{
    uint64_t key = afmt_id_key(id, id_len);
    uint32_t p = (uint32_t)(w->id_keys.len / 12), existing = 0;
    int rc;
    if ((rc = afmt_buf_append_u64(&w->id_keys, key)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->id_keys, (uint32_t)w->entries)) != AFMT_OK)
        return rc;
    int ins = afmt_set_insert(&w->id_set, w->id_keys.data + 12 * (size_t)p, 8, p, &existing);
    if (ins == 0) {
        int same = post_has_id(w, existing, id, id_len);
        for (size_t i = 0; same == 0 && i < w->id_collisions.len; i += 4) {
            uint32_t q = afmt_load32(w->id_collisions.data + i);
            if (afmt_load64(w->id_keys.data + 12 * (size_t)q) == key)
                same = post_has_id(w, q, id, id_len);
        }
        if (same == 0)
            ins = afmt_buf_append_u32(&w->id_collisions, p) == AFMT_OK ? 1 : AFMT_E_NOMEM;
        else
            ins = same < 0 ? same : 0;
    }
    if (ins <= 0)
        w->id_keys.len -= 12;
    return ins;
}

int afmt_writer_add_post(uint64_t *out_entry, afmt_writer *w, const afmt_post *post)
{
    if (w == NULL || post == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_add_post: no writer or post");
    if (w->state != 0)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "writer already finished or failed");
    if (post->content_len > 0 && post->content == NULL)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "content is NULL");
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, post->content, post->content_len);
    w->scratch.len = 0;
    int rc = afmt_entry_encode_post(&w->scratch, post, hash, w->err);
    if (rc != AFMT_OK)
        return rc; /* nothing changed: the caller may go on */
    if (w->entries >= AFMT_MAX_ENTRIES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "more than %u entries", AFMT_MAX_ENTRIES);
    /* Take the id first: a duplicate changes nothing.  From here on a
     * failure leaves the writer unusable. */
    int ins = take_id(w, (const uint8_t *)post->id, post->id_len);
    if (ins == 0)
        return AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "duplicate post id");
    if (ins < 0)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, ins, "out of memory"));
    uint32_t loc[2] = {0, 0};
    if (post->content_len > 0 &&
        (rc = afmt_writer_store_blob(w, hash, post->content, post->content_len, w->entries, 0,
                                     loc)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    if ((rc = afmt_writer_add_record(w, loc, post->content_len, out_entry)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    return AFMT_OK;
}

/* A rewrite's post, salted already: its id, its content stored once, its
 * record with the place of that content. */
int afmt_writer_add_salted_post(afmt_writer *w, const uint8_t *enc, size_t len,
                                const void *content)
{
    afmt_entry_view e;
    int rc = afmt_entry_decode(&e, enc, len, w->err);
    if (rc != AFMT_OK)
        return afmt_writer_failed(w, rc);
    w->scratch.len = 0;
    if ((rc = afmt_buf_append(&w->scratch, enc, len)) != AFMT_OK)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    int ins = take_id(w, e.id, e.id_len);
    if (ins <= 0)
        return afmt_writer_failed(w, ins == 0 ? AFMT_FAIL(w->err, AFMT_E_DUPLICATE,
                                                          "duplicate post id")
                                              : AFMT_FAIL(w->err, ins, "out of memory"));
    uint32_t loc[2] = {0, 0};
    if (e.size > 0 &&
        (rc = afmt_writer_store_blob(w, e.hash, content, (size_t)e.size, w->entries, 0, loc)) !=
            AFMT_OK)
        return afmt_writer_failed(w, rc);
    /* store_blob may have flushed a block, but the scratch is ours alone */
    if ((rc = afmt_writer_add_record(w, loc, e.size, NULL)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    return AFMT_OK;
}

/* A rewrite's file (its blobs stored by the caller) or withheld entry:
 * the record alone, at place (0, 0). */
int afmt_writer_add_salted_entry(afmt_writer *w, const uint8_t *enc, size_t len)
{
    static const uint32_t none[2] = {0, 0};
    w->scratch.len = 0;
    int rc = afmt_buf_append(&w->scratch, enc, len);
    if (rc != AFMT_OK)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    if ((rc = afmt_writer_add_record(w, none, UINT64_MAX, NULL)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    return AFMT_OK;
}

static int index_out(afmt_writer *w, const void *data, size_t len)
{
    int rc = afmt_outfile_write(&w->out, data, len, w->err);
    if (rc == AFMT_OK)
        w->offset += len;
    return rc;
}

/* Compresses one table or id page and files it: its frame in `frames`,
 * its row in `rows`. */
static int table_page(afmt_writer *w, afmt_buf *frames, afmt_buf *rows, const void *data,
                      size_t len, uint64_t first)
{
    uint8_t *frame = NULL, row[AFMT_PAGE_ROW_BYTES];
    size_t frame_len = 0;
    int rc = make_page(w, data, len, first, &frame, &frame_len, row);
    if (rc != AFMT_OK)
        return rc;
    rc = afmt_buf_append(frames, frame, frame_len);
    free(frame);
    if (rc != AFMT_OK || (rc = afmt_buf_append(rows, row, sizeof row)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    return AFMT_OK;
}

/* The closed record pages, from memory or from the spill file. */
static int copy_pages(afmt_writer *w)
{
    if (w->spill_fd < 0)
        return index_out(w, w->pages.data, w->pages.len);
    w->lookup_frame.len = 0;
    int rc = afmt_buf_reserve(&w->lookup_frame, 1u << 20);
    if (rc != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    for (uint64_t at = 0; at < w->pages_len && rc == AFMT_OK;) {
        size_t n = w->pages_len - at < (1u << 20) ? (size_t)(w->pages_len - at) : (1u << 20);
        if ((rc = afmt_pread_exact(w->spill_fd, w->lookup_frame.data, n, at)) != AFMT_OK)
            return AFMT_FAIL(w->err, rc, "cannot read back the index pages");
        rc = index_out(w, w->lookup_frame.data, n);
        at += n;
    }
    return rc;
}

static int id_cmp(const void *a, const void *b)
{
    uint64_t ka = afmt_load64(a), kb = afmt_load64(b);
    uint32_t ea = afmt_load32((const uint8_t *)a + 8), eb = afmt_load32((const uint8_t *)b + 8);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return ea < eb ? -1 : ea > eb;
}

/* The index section (spec 7): header, directory, then the pages: block
 * table, blob table, record pages, id pages.  Its head is what the
 * checkpoint names. */
static int write_index(afmt_writer *w, uint8_t head_hash[AFMT_HASH_BYTES])
{
    int rc;
    if ((rc = close_page(w)) != AFMT_OK)
        return rc;
    /* id_keys holds the id table's rows as spec 7.6 lays them out: u64 id
     * key, u32 entry number; sorted, they are the id pages. */
    _Static_assert(AFMT_ID_ROW_BYTES == 12, "id_keys rows are id rows");
    size_t posts = w->id_keys.len / AFMT_ID_ROW_BYTES;
    if ((uint64_t)w->blocks.len + w->blobs.len + w->records_size +
            AFMT_ID_ROW_BYTES * (uint64_t)posts > AFMT_MAX_INDEX_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "index over 4 GiB");
    if (posts > 0)
        qsort(w->id_keys.data, posts, AFMT_ID_ROW_BYTES, id_cmp);
    afmt_buf frames = {0}, rows = {0}, head = {0};
    uint64_t ih_blocks = w->blocks.len / AFMT_BLOCK_RECORD_BYTES;
    if ((rc = table_page(w, &frames, &rows, w->blocks.data, w->blocks.len, 0)) != AFMT_OK ||
        (rc = table_page(w, &frames, &rows, w->blobs.data, w->blobs.len, 0)) != AFMT_OK)
        goto done;
    size_t tables_len = frames.len;
    for (size_t i = 0; i < posts && rc == AFMT_OK; i += AFMT_ID_PAGE_ROWS) {
        size_t n = posts - i < AFMT_ID_PAGE_ROWS ? posts - i : AFMT_ID_PAGE_ROWS;
        const uint8_t *page = w->id_keys.data + AFMT_ID_ROW_BYTES * i;
        rc = table_page(w, &frames, &rows, page, AFMT_ID_ROW_BYTES * n,
                        afmt_id_row_key(page, 0));
    }
    if (rc != AFMT_OK)
        goto done;
    afmt_index_header ih = {w->entries, posts, ih_blocks, w->blobs.len / AFMT_BLOB_RECORD_BYTES,
                            w->page_rows.len / AFMT_PAGE_ROW_BYTES, w->records_size,
                            0, 0, 0, 0};
    uint8_t ihb[AFMT_INDEX_HEADER_BYTES];
    afmt_index_header_encode(ihb, &ih);
    /* Directory order: the two tables, the record pages, the id pages. */
    if ((rc = afmt_buf_append(&head, ihb, sizeof ihb)) != AFMT_OK ||
        (rc = afmt_buf_append(&head, rows.data, 2 * AFMT_PAGE_ROW_BYTES)) != AFMT_OK ||
        (rc = afmt_buf_append(&head, w->page_rows.data, w->page_rows.len)) != AFMT_OK ||
        (rc = afmt_buf_append(&head, rows.data + 2 * AFMT_PAGE_ROW_BYTES,
                              rows.len - 2 * AFMT_PAGE_ROW_BYTES)) != AFMT_OK) {
        rc = AFMT_FAIL(w->err, rc, "out of memory");
        goto done;
    }
    afmt_content_hash(head_hash, head.data, head.len);
    if ((rc = index_out(w, head.data, head.len)) == AFMT_OK &&
        (rc = index_out(w, frames.data, tables_len)) == AFMT_OK &&
        (rc = copy_pages(w)) == AFMT_OK)
        rc = index_out(w, frames.data + tables_len, frames.len - tables_len);
done:
    afmt_buf_free(&frames);
    afmt_buf_free(&rows);
    afmt_buf_free(&head);
    return rc;
}

static void default_comment(char *out, size_t cap, int64_t created, uint64_t n,
                            const uint8_t root[AFMT_HASH_BYTES])
{
    char hex[65];
    afmt_hash_to_hex(hex, root);
    snprintf(out, cap, "afmt bundle timestamp:%" PRId64 " entries:%" PRIu64 " root:%s", created,
             n, hex);
}

/* Writes the checkpoint, the signature section and the trailer after the
 * index, and gives the file its name. */
static int write_tail(afmt_writer *w, uint64_t index_offset, const afmt_buf *text,
                      const afmt_buf *sigbuf)
{
    int rc;
    uint64_t index_size = w->offset - index_offset;
    afmt_trailer tr = {index_offset, index_size, (uint32_t)text->len, (uint32_t)sigbuf->len};
    uint8_t trailer[AFMT_TRAILER_BYTES];
    afmt_trailer_encode(trailer, &tr);
    if ((rc = afmt_outfile_write(&w->out, text->data, text->len, w->err)) == AFMT_OK &&
        (rc = afmt_outfile_write(&w->out, sigbuf->data, sigbuf->len, w->err)) == AFMT_OK &&
        (rc = afmt_outfile_write(&w->out, trailer, sizeof trailer, w->err)) == AFMT_OK)
        rc = afmt_outfile_commit(&w->out, w->opts.overwrite != 0, w->err);
    return rc;
}

/* The last blocks, then the index. */
static int finish_body(afmt_writer *w, uint64_t *index_offset,
                       uint8_t head_hash[AFMT_HASH_BYTES])
{
    if (w->state != 0 || w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "writer finished or failed, or a file is open");
    w->state = 1;
    int rc;
    if ((rc = afmt_writer_check_paths(w)) != AFMT_OK || (rc = flush_block(w)) != AFMT_OK ||
        (rc = afmt_pipeline_drain(w->pipeline, w->err)) != AFMT_OK)
        return rc;
    *index_offset = w->offset;
    return write_index(w, head_hash);
}

int afmt_writer_finish_rewrite(afmt_writer *w, const uint8_t *checkpoint, size_t cp_len,
                               afmt_rewrite_sign_fn sign, void *ctx)
{
    uint64_t index_offset;
    uint8_t head[AFMT_HASH_BYTES], root[AFMT_HASH_BYTES];
    int rc = finish_body(w, &index_offset, head);
    if (rc != AFMT_OK)
        return rc;
    afmt_merkle_stream_root(&w->tree, root);
    afmt_buf text = {(uint8_t *)checkpoint, cp_len, cp_len}, sigbuf = {0};
    if ((rc = sign(ctx, head, root, w->entries, &sigbuf, w->err)) == AFMT_OK)
        rc = write_tail(w, index_offset, &text, &sigbuf);
    afmt_buf_free(&sigbuf);
    return rc;
}

int afmt_writer_finish(afmt_writer *w)
{
    if (w == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no writer");
    if (w->rewrite)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "a rewriting writer finishes with its checkpoint");
    int rc;

    uint64_t index_offset;
    afmt_checkpoint cp = {0};
    if ((rc = finish_body(w, &index_offset, cp.index_hash)) != AFMT_OK)
        return rc;
    afmt_merkle_stream_root(&w->tree, cp.root);
    cp.title = w->title;
    cp.title_len = strlen(w->title);
    cp.created = w->created;
    cp.entries = w->entries;
    afmt_sigsec sig = {0};
    memcpy(sig.key_id, w->sk->key_id, AFMT_KEYID_BYTES);
    crypto_sign_ed25519_sk_to_pk(sig.public_key, w->sk->sk);
    /* A bundle that extends nothing starts its log (spec 6.1). */
    char origin[AFMT_ORIGIN_BYTES + 1];
    afmt_checkpoint_origin(origin, sig.key_id, sig.public_key, cp.created, cp.entries, cp.root);
    cp.origin = origin;
    cp.origin_len = AFMT_ORIGIN_BYTES;
    afmt_buf text = {0};
    if ((rc = afmt_checkpoint_format(&text, &cp, w->err)) != AFMT_OK)
        return rc;

    char comment_buf[256];
    const char *comment = w->trusted_comment;
    if (comment == NULL) {
        default_comment(comment_buf, sizeof comment_buf, w->created, w->entries, cp.root);
        comment = comment_buf;
    }
    sig.comment = comment;
    sig.comment_len = strlen(comment);
    afmt_buf sigbuf = {0};
    /* One key, two signatures over the same text: minisign's prehashed one
     * (with its trusted comment) and the C2SP note's plain one. */
    if ((rc = afmt_sig_sign_prehashed(sig.sig, w->sk, text.data, text.len)) != AFMT_OK ||
        (rc = afmt_sig_sign_global(sig.global_sig, w->sk, sig.sig, comment, sig.comment_len)) !=
            AFMT_OK ||
        (rc = afmt_sig_sign_plain(sig.note_sig, w->sk, text.data, text.len)) != AFMT_OK ||
        (rc = afmt_sigsec_encode(&sigbuf, &sig)) != AFMT_OK) {
        afmt_buf_free(&text);
        afmt_buf_free(&sigbuf);
        return AFMT_FAIL(w->err, rc, "cannot sign the checkpoint: %s", afmt_strerror(rc));
    }
    rc = write_tail(w, index_offset, &text, &sigbuf);
    afmt_buf_free(&text);
    afmt_buf_free(&sigbuf);
    return rc;
}
