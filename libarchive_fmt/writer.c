/*
 * writer.c - streams posts into blocks and writes index, checkpoint,
 * signature and trailer at finish (spec sections 2-9, writer behaviour in
 * section 13).  Memory: the open block plus one record per entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "block.h"
#include "checkpoint.h"
#include "entry.h"
#include "fileio.h"
#include "hash.h"
#include "layout.h"
#include "merkle.h"
#include "pipeline.h"
#include "set.h"
#include "signature.h"

#define ZSTD_MAX_LEVEL_ALLOWED 19

struct afmt_writer {
    afmt_writer_options opts;
    char *title;
    char *trusted_comment;
    int64_t created;
    const afmt_secret_key *sk;
    uint8_t salt_key[32];

    afmt_outfile out;
    uint64_t offset;          /* bytes written so far */
    afmt_pipeline *pipeline;
    unsigned threads;
    uint64_t blocks_submitted;

    afmt_buf block;           /* the open block, decompressed */
    afmt_buf blocks;          /* block table records */
    afmt_buf blobs;           /* blob table records */
    afmt_buf records;         /* u32 L || encoding, per entry */
    afmt_merkle_stream tree;  /* the leaves so far */
    afmt_buf rec_offsets;     /* u64 per entry: offset of its record in `records` */
    uint64_t entries;

    afmt_set blob_set;        /* content hash -> blob number */
    afmt_buf blob_hashes;     /* 32 bytes per blob, the keys of blob_set */
    crypto_generichash_state index_hash;
    afmt_set id_set;          /* post id -> entry number */
    afmt_set path_set;        /* file path -> entry number */

    /* the open streamed file */
    int file_open;
    afmt_buf file_path;
    afmt_buf file_parts;
    afmt_buf file_blobs;      /* u64 offsets in `blobs` of rows to patch */
    uint32_t file_part_count;
    uint64_t file_total;

    afmt_buf scratch;         /* an entry being encoded */
    int state;                /* 0 open, 1 finished or failed */
    char err[AFMT_ERRMSG_BYTES];
};

static int block_done(void *ctx, const uint8_t *frame, size_t frame_len, size_t raw_len,
                      const uint8_t hash[AFMT_HASH_BYTES]);

/* Keys of the sets, fetched back from where the writer keeps them. */
static void blob_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_writer *w = ctx;
    *key = w->blob_hashes.data + (size_t)value * AFMT_HASH_BYTES;
    *len = AFMT_HASH_BYTES;
}

static void entry_key(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    const afmt_writer *w = ctx;
    afmt_entry_key(w->records.data + afmt_load64(w->rec_offsets.data + 8 * (size_t)value) + 4,
                   key, len);
}

const char *afmt_writer_errmsg(const afmt_writer *w)
{
    return w != NULL ? w->err : "";
}

static int64_t creation_time(char *errbuf, int *rc)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    *rc = AFMT_OK;
    if (sde != NULL && *sde != 0) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno != 0 || *end != 0 || v < 0 || sde[0] == '-' || sde[0] == '+') {
            *rc = AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                            "SOURCE_DATE_EPOCH is not a non-negative decimal number");
            return 0;
        }
        return (int64_t)v;
    }
    return (int64_t)time(NULL);
}

int afmt_writer_open(afmt_writer **out, const char *path, const afmt_secret_key *sk,
                     const afmt_writer_options *opts)
{
    *out = NULL;
    if (path == NULL || sk == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    afmt_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return AFMT_E_NOMEM;
    w->out.fd = -1;
    afmt_writer_options defaults = AFMT_WRITER_OPTIONS_INIT;
    w->opts = opts != NULL ? *opts : defaults;
    int rc = AFMT_OK;
    if (w->opts.version != AFMT_WRITER_OPTIONS_VERSION)
        rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "unknown writer options version");
    else if (w->opts.level < 1 || w->opts.level > ZSTD_MAX_LEVEL_ALLOWED)
        rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "zstd level must be 1 to %d",
                       ZSTD_MAX_LEVEL_ALLOWED);
    else if (w->opts.block_size < 1024 || w->opts.block_size > AFMT_MAX_BLOCK_BYTES)
        rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT,
                       "block size must be 1 KiB to 256 MiB");
    if (rc != AFMT_OK)
        goto fail;
    const char *title = w->opts.title ? w->opts.title : "";
    if (strlen(title) > AFMT_MAX_BUNDLE_TITLE_BYTES ||
        !afmt_text_clean((const uint8_t *)title, strlen(title))) {
        rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT,
                       "bundle title must be at most %d bytes of UTF-8 without control "
                       "characters", AFMT_MAX_BUNDLE_TITLE_BYTES);
        goto fail;
    }
    if (w->opts.trusted_comment != NULL &&
        !afmt_sig_comment_valid(w->opts.trusted_comment, strlen(w->opts.trusted_comment))) {
        rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT,
                       "trusted comment must be at most %d bytes of UTF-8 without control "
                       "characters", AFMT_MAX_TRUSTED_COMMENT_BYTES);
        goto fail;
    }
    w->title = strdup(title);
    w->trusted_comment = w->opts.trusted_comment ? strdup(w->opts.trusted_comment) : NULL;
    if (w->title == NULL || (w->opts.trusted_comment && w->trusted_comment == NULL)) {
        rc = AFMT_E_NOMEM;
        goto fail;
    }
    w->opts.title = w->title;
    w->opts.trusted_comment = w->trusted_comment;
    if (w->opts.created >= 0) {
        w->created = w->opts.created;
    } else {
        w->created = creation_time(w->err, &rc);
        if (rc != AFMT_OK)
            goto fail;
    }
    w->sk = sk;
    afmt_merkle_stream_init(&w->tree);
    afmt_hash_salt_key(w->salt_key, sk->sk);
    unsigned threads = w->opts.threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
    }
    w->threads = threads;
    if ((rc = afmt_pipeline_new(&w->pipeline, w->opts.level, threads, block_done, w)) !=
            AFMT_OK ||
        (rc = afmt_set_init(&w->blob_set, 1024, blob_key, w)) != AFMT_OK ||
        (rc = afmt_set_init(&w->id_set, 1024, entry_key, w)) != AFMT_OK ||
        (rc = afmt_set_init(&w->path_set, 16, entry_key, w)) != AFMT_OK)
        goto fail;
    rc = afmt_outfile_open(&w->out, path, 0644, 1, w->err);
    if (rc != AFMT_OK)
        goto fail;
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

void afmt_writer_free(afmt_writer *w)
{
    if (w == NULL)
        return;
    afmt_outfile_abort(&w->out);
    afmt_pipeline_free(w->pipeline);
    afmt_buf_free(&w->block);
    afmt_buf_free(&w->blocks);
    afmt_buf_free(&w->blobs);
    afmt_buf_free(&w->records);
    afmt_buf_free(&w->rec_offsets);
    afmt_buf_free(&w->file_path);
    afmt_buf_free(&w->file_parts);
    afmt_buf_free(&w->file_blobs);
    afmt_buf_free(&w->scratch);
    afmt_set_free(&w->blob_set);
    afmt_buf_free(&w->blob_hashes);
    afmt_set_free(&w->id_set);
    afmt_set_free(&w->path_set);
    sodium_memzero(w->salt_key, sizeof w->salt_key);
    free(w->title);
    free(w->trusted_comment);
    free(w);
}

/* Any failure after open leaves the writer unusable: the caller frees it. */
static int failed(afmt_writer *w, int rc)
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

/* Stores `data` as a blob unless a blob with its hash exists.  The blob's
 * row names the reference that introduces it: (entry, part); a file's
 * entry number is not known yet, so its rows are patched at file_end. */
static int store_blob(afmt_writer *w, const uint8_t hash[AFMT_HASH_BYTES], const void *data,
                      size_t len, uint64_t entry, uint32_t part)
{
    int rc;
    uint64_t number = w->blob_hashes.len / AFMT_HASH_BYTES;
    if (number > AFMT_SET_MAX_VALUE)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "too many blobs");
    /* One probe finds or inserts; the key must be readable first. */
    if ((rc = afmt_buf_append(&w->blob_hashes, hash, AFMT_HASH_BYTES)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    int ins = afmt_set_insert(&w->blob_set, hash, AFMT_HASH_BYTES, (uint32_t)number, NULL);
    if (ins <= 0) {
        w->blob_hashes.len -= AFMT_HASH_BYTES;
        if (ins == 0)
            return AFMT_OK; /* stored already: same hash, same bytes */
        return AFMT_FAIL(w->err, ins, "out of memory");
    }
    if (w->block.len > 0 && w->block.len + len > w->opts.block_size &&
        (rc = flush_block(w)) != AFMT_OK)
        return rc;
    if (entry == UINT64_MAX && /* the open file: patched at file_end */
        (rc = afmt_buf_append_u64(&w->file_blobs, w->blobs.len)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    if ((rc = afmt_buf_append_u32(&w->blobs, (uint32_t)entry)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->blobs, part)) != AFMT_OK ||
        (rc = afmt_buf_append(&w->block, data, len)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    if (w->block.len >= w->opts.block_size)
        return flush_block(w);
    return AFMT_OK;
}

/* Salts the encoding in w->scratch, records it and its leaf. */
static int add_record(afmt_writer *w, uint64_t *out_entry)
{
    if (w->entries >= AFMT_MAX_ENTRIES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "more than %u entries", AFMT_MAX_ENTRIES);
    uint8_t *enc = w->scratch.data;
    size_t len = w->scratch.len;
    if (len > UINT32_MAX)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "entry record too large");
    afmt_hash_salt(enc + AFMT_SALT_OFFSET, w->salt_key, w->entries, enc, len);
    uint8_t leaf[AFMT_HASH_BYTES];
    afmt_hash_leaf(leaf, enc, len);
    int rc;
    if ((rc = afmt_buf_append_u64(&w->rec_offsets, w->records.len)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->records, (uint32_t)len)) != AFMT_OK ||
        (rc = afmt_buf_append(&w->records, enc, len)) != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    afmt_merkle_stream_push(&w->tree, leaf);
    if (out_entry != NULL)
        *out_entry = w->entries;
    w->entries++;
    return AFMT_OK;
}

int afmt_writer_add_post(afmt_writer *w, const afmt_post *post, uint64_t *out_entry)
{
    if (w == NULL || post == NULL)
        return AFMT_E_INVALID_ARGUMENT;
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
    /* Insert the id first: one probe, and a duplicate changes nothing.
     * From here on a failure leaves the writer unusable. */
    int ins = afmt_set_insert(&w->id_set, post->id, post->id_len, (uint32_t)w->entries, NULL);
    if (ins == 0)
        return AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "duplicate post id");
    if (ins < 0)
        return AFMT_FAIL(w->err, ins, "out of memory");
    if (post->content_len > 0 &&
        (rc = store_blob(w, hash, post->content, post->content_len, w->entries, 0)) != AFMT_OK)
        return failed(w, rc);
    if ((rc = add_record(w, out_entry)) != AFMT_OK)
        return failed(w, rc);
    return AFMT_OK;
}

/* ---- files ---- */

int afmt_writer_file_begin(afmt_writer *w, const char *path, size_t path_len)
{
    if (w == NULL || path == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (w->state != 0 || w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "writer finished, or a file is open already");
    if (!afmt_path_valid((const uint8_t *)path, path_len))
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT,
                         "invalid path: must be relative, '/'-separated, without empty, '.' "
                         "or '..' components, NUL or backslash, at most %d bytes",
                         AFMT_MAX_PATH_BYTES);
    if (afmt_set_find(&w->path_set, path, path_len, NULL))
        return AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "duplicate file path");
    w->file_path.len = 0;
    w->file_parts.len = 0;
    w->file_blobs.len = 0;
    w->file_part_count = 0;
    w->file_total = 0;
    int rc = afmt_buf_append(&w->file_path, path, path_len);
    if (rc != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    w->file_open = 1;
    return AFMT_OK;
}

static int file_account(afmt_writer *w, uint64_t size)
{
    if (w->file_part_count >= AFMT_MAX_FILE_PARTS)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "file has more than %u parts",
                         AFMT_MAX_FILE_PARTS);
    if (!afmt_add_ok(&w->file_total, w->file_total, size) || w->file_total > AFMT_MAX_FILE_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "file too large");
    w->file_part_count++;
    return AFMT_OK;
}

int afmt_writer_file_add_entry(afmt_writer *w, uint64_t entry)
{
    if (w == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    if (entry >= w->entries)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, entry);
    const uint8_t *rec = w->records.data + afmt_load64(w->rec_offsets.data + 8 * entry);
    if (rec[4] != AFMT_ENTRY_TYPE_POST)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "entry %" PRIu64 " is not a post",
                         entry);
    uint64_t size = afmt_load64(rec + 4 + 2 + 16 + 32);
    int rc = file_account(w, size);
    if (rc != AFMT_OK)
        return rc;
    uint8_t part[9];
    part[0] = AFMT_PART_KIND_ENTRY;
    afmt_store64(part + 1, entry);
    if ((rc = afmt_buf_append(&w->file_parts, part, sizeof part)) != AFMT_OK)
        return failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    return AFMT_OK;
}

int afmt_writer_file_add_data(afmt_writer *w, const void *data, size_t len)
{
    if (w == NULL || (data == NULL && len > 0))
        return AFMT_E_INVALID_ARGUMENT;
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    if (len == 0)
        return AFMT_OK;
    if (len > AFMT_MAX_CONTENT_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "data piece over %u bytes",
                         AFMT_MAX_CONTENT_BYTES);
    int rc = file_account(w, len);
    if (rc != AFMT_OK)
        return rc;
    if (len <= AFMT_MAX_INLINE_BYTES) {
        if ((rc = afmt_buf_append_u8(&w->file_parts, AFMT_PART_KIND_INLINE)) != AFMT_OK ||
            (rc = afmt_buf_append_u16(&w->file_parts, (uint16_t)len)) != AFMT_OK ||
            (rc = afmt_buf_append(&w->file_parts, data, len)) != AFMT_OK)
            return failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
        return AFMT_OK;
    }
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, data, len);
    /* file_account counted this part already: its index is count - 1 */
    if ((rc = store_blob(w, hash, data, len, UINT64_MAX, w->file_part_count - 1)) != AFMT_OK)
        return failed(w, rc);
    if ((rc = afmt_buf_append_u8(&w->file_parts, AFMT_PART_KIND_BLOB)) != AFMT_OK ||
        (rc = afmt_buf_append(&w->file_parts, hash, sizeof hash)) != AFMT_OK ||
        (rc = afmt_buf_append_u64(&w->file_parts, len)) != AFMT_OK)
        return failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    return AFMT_OK;
}

int afmt_writer_file_end(afmt_writer *w, uint64_t *out_entry)
{
    if (w == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    w->scratch.len = 0;
    int rc = afmt_entry_encode_file(&w->scratch, w->file_path.data, w->file_path.len,
                                    w->file_total, w->file_part_count, w->file_parts.data,
                                    w->file_parts.len, w->err);
    if (rc != AFMT_OK)
        return failed(w, rc);
    uint64_t number = w->entries;
    if ((rc = add_record(w, out_entry)) != AFMT_OK)
        return failed(w, rc);
    for (size_t i = 0; i < w->file_blobs.len; i += 8)
        afmt_store32(w->blobs.data + afmt_load64(w->file_blobs.data + i), (uint32_t)number);
    int ins = afmt_set_insert(&w->path_set, w->file_path.data, w->file_path.len,
                              (uint32_t)number, NULL);
    if (ins < 0)
        return failed(w, AFMT_FAIL(w->err, ins, "out of memory"));
    w->file_open = 0;
    return AFMT_OK;
}

int afmt_writer_add_file(afmt_writer *w, const char *path, size_t path_len,
                         const afmt_file_part *parts, size_t nparts, uint64_t *out_entry)
{
    if (w == NULL || (parts == NULL && nparts > 0))
        return AFMT_E_INVALID_ARGUMENT;
    int rc = afmt_writer_file_begin(w, path, path_len);
    if (rc != AFMT_OK)
        return rc;
    for (size_t i = 0; i < nparts && rc == AFMT_OK; i++) {
        if (parts[i].kind == AFMT_PART_ENTRY)
            rc = afmt_writer_file_add_entry(w, parts[i].entry);
        else if (parts[i].kind == AFMT_PART_DATA)
            rc = afmt_writer_file_add_data(w, parts[i].data, parts[i].len);
        else
            rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "unknown part kind");
    }
    if (rc != AFMT_OK) {
        w->file_open = 0;
        return failed(w, rc);
    }
    return afmt_writer_file_end(w, out_entry);
}

/* A path "a/b/c" conflicts with files "a" and "a/b": a file cannot also be
 * a folder on extraction. */
static int check_path_prefixes(afmt_writer *w)
{
    size_t nf = w->path_set.count;
    if (nf == 0)
        return AFMT_OK;
    afmt_path_ref *refs = malloc(nf * sizeof *refs);
    if (refs == NULL)
        return AFMT_FAIL(w->err, AFMT_E_NOMEM, "out of memory");
    size_t k = 0;
    for (uint64_t i = 0; i < w->entries && k < nf; i++) {
        const uint8_t *enc = w->records.data + afmt_load64(w->rec_offsets.data + 8 * i) + 4;
        if (enc[0] != AFMT_ENTRY_TYPE_FILE)
            continue;
        afmt_entry_key(enc, &refs[k].path, &refs[k].len);
        refs[k++].entry = i;
    }
    uint64_t bad;
    /* Same paths were refused at file_begin: only folders are left. */
    int conflict = afmt_paths_conflict(refs, k, &bad);
    int rc = AFMT_OK;
    if (conflict) {
        const uint8_t *path;
        size_t len;
        afmt_entry_key(w->records.data + afmt_load64(w->rec_offsets.data + 8 * bad) + 4, &path,
                       &len);
        rc = AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "path '%.*s' is both a file and a folder",
                       (int)len, (const char *)path);
    }
    free(refs);
    return rc;
}

/* Writes a piece of the index section and hashes it. */
static int index_out(void *ctx, const void *data, size_t len)
{
    afmt_writer *w = ctx;
    crypto_generichash_update(&w->index_hash, data, len);
    int rc = afmt_outfile_write(&w->out, data, len, w->err);
    if (rc == AFMT_OK)
        w->offset += len;
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

int afmt_writer_finish(afmt_writer *w)
{
    if (w == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (w->state != 0 || w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "writer finished or failed, or a file is open");
    w->state = 1;
    int rc;
    if ((rc = check_path_prefixes(w)) != AFMT_OK || (rc = flush_block(w)) != AFMT_OK ||
        (rc = afmt_pipeline_drain(w->pipeline, w->err)) != AFMT_OK)
        return rc;

    afmt_index_header ih = {w->entries, w->blocks.len / AFMT_BLOCK_RECORD_BYTES,
                            w->blobs.len / AFMT_BLOB_RECORD_BYTES, w->records.len, 0};
    uint8_t ihb[AFMT_INDEX_HEADER_BYTES];
    afmt_index_header_encode(ihb, &ih);
    uint64_t body_size = w->blocks.len + w->blobs.len + w->records.len;
    if (body_size > AFMT_MAX_INDEX_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "index over 4 GiB");
    uint64_t index_offset = w->offset;
    crypto_generichash_init(&w->index_hash, NULL, 0, AFMT_HASH_BYTES);
    if ((rc = index_out(w, ihb, sizeof ihb)) != AFMT_OK)
        return rc;
    afmt_piece pieces[3] = {{w->blocks.data, w->blocks.len},
                            {w->blobs.data, w->blobs.len},
                            {w->records.data, w->records.len}};
    if ((rc = afmt_frame_compress_pieces(w->opts.level, w->threads, pieces, 3, index_out, w,
                                         w->err)) !=
        AFMT_OK)
        return rc;
    uint64_t index_size = w->offset - index_offset;
    if (body_size > (index_size - AFMT_INDEX_HEADER_BYTES) * AFMT_INDEX_RATIO_MAX +
                        AFMT_INDEX_RATIO_SLACK)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT,
                         "the index compresses more than %d:1, which readers refuse",
                         AFMT_INDEX_RATIO_MAX);
    afmt_checkpoint cp = {0};
    crypto_generichash_final(&w->index_hash, cp.index_hash, AFMT_HASH_BYTES);

    afmt_merkle_stream_root(&w->tree, cp.root);
    cp.title = w->title;
    cp.title_len = strlen(w->title);
    cp.created = w->created;
    cp.entries = w->entries;
    afmt_buf text = {0};
    if ((rc = afmt_checkpoint_format(&text, &cp, w->err)) != AFMT_OK)
        return rc;

    char comment_buf[256];
    const char *comment = w->trusted_comment;
    if (comment == NULL) {
        default_comment(comment_buf, sizeof comment_buf, w->created, w->entries, cp.root);
        comment = comment_buf;
    }
    afmt_sigsec sig = {0};
    memcpy(sig.key_id, w->sk->key_id, AFMT_KEYID_BYTES);
    crypto_sign_ed25519_sk_to_pk(sig.public_key, w->sk->sk);
    sig.comment = comment;
    sig.comment_len = strlen(comment);
    afmt_buf sigbuf = {0};
    if ((rc = afmt_sig_sign_prehashed(sig.sig, w->sk, text.data, text.len)) != AFMT_OK ||
        (rc = afmt_sig_sign_global(sig.global_sig, w->sk, sig.sig, comment, sig.comment_len)) !=
            AFMT_OK ||
        (rc = afmt_sigsec_encode(&sigbuf, &sig)) != AFMT_OK) {
        afmt_buf_free(&text);
        afmt_buf_free(&sigbuf);
        return AFMT_FAIL(w->err, rc, "cannot sign the checkpoint: %s", afmt_strerror(rc));
    }
    afmt_trailer tr = {index_offset, index_size, (uint32_t)text.len, (uint32_t)sigbuf.len};
    uint8_t trailer[AFMT_TRAILER_BYTES];
    afmt_trailer_encode(trailer, &tr);
    if ((rc = afmt_outfile_write(&w->out, text.data, text.len, w->err)) == AFMT_OK &&
        (rc = afmt_outfile_write(&w->out, sigbuf.data, sigbuf.len, w->err)) == AFMT_OK &&
        (rc = afmt_outfile_write(&w->out, trailer, sizeof trailer, w->err)) == AFMT_OK)
        rc = afmt_outfile_commit(&w->out, 1, w->err);
    afmt_buf_free(&text);
    afmt_buf_free(&sigbuf);
    return rc;
}
