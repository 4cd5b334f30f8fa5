/*
 * lookup.c - one post by its id without checking the whole index (spec
 * section 10.1): the signature, the index head, one id page, the post's
 * record page, the block table and one block, each checked against its
 * hash before it is used.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/entry.h"
#include "format/hash.h"
#include "read/index_head.h"

typedef struct lookup {
    afmt_index_head h;
    afmt_buf *pages;   /* per index page: its decoded bytes once loaded */
    uint8_t *loaded;   /* per index page: 1 once loaded */
    uint32_t **offs;   /* per record page, once walked: where each record starts */
    afmt_buf frame;
    afmt_block_bufs bufs; /* the post's block */
    char err[AFMT_ERRMSG_BYTES];
} lookup;

static int page(lookup *L, uint64_t p, const uint8_t **data)
{
    if (!L->loaded[p]) {
        int rc = afmt_head_load_page(&L->h, p, &L->frame, L->h.codec, NULL, &L->pages[p],
                                     L->err);
        if (rc != AFMT_OK)
            return rc;
        L->loaded[p] = 1;
    }
    *data = L->pages[p].data;
    return AFMT_OK;
}

/* Entry `e`'s decoded record and its place, from its record page. */
static int record(lookup *L, uint64_t e, afmt_entry_view *view, uint32_t place[2])
{
    const afmt_index_head *h = &L->h;
    if (e >= h->ih.entry_count)
        return AFMT_FAIL(L->err, AFMT_E_FORMAT, "the id table names entry %" PRIu64
                         ", which does not exist", e);
    /* The last record page whose first entry is not above e (the
     * directory's first entries start at 0 and go up). */
    uint64_t lo = 0, hi = h->ih.record_pages;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (afmt_head_record_row(h, mid)->first <= e)
            lo = mid;
        else
            hi = mid;
    }
    const afmt_page_row *row = afmt_head_record_row(h, lo);
    uint64_t count = afmt_head_record_end(h, lo) - row->first;
    const uint8_t *data;
    int rc = page(L, AFMT_PAGE_FIRST_RECORDS + lo, &data);
    if (rc != AFMT_OK)
        return rc;
    afmt_record_iter it;
    if (!afmt_record_iter_init(&it, data, row->size, count))
        return AFMT_FAIL(L->err, AFMT_E_FORMAT, "record page %" PRIu64
                         " does not hold its entries", lo);
    uint32_t *offs = L->offs[lo];
    if (offs == NULL) {
        /* Walked once, checked once: a later record of this page costs
         * nothing to find. */
        if ((offs = malloc((size_t)count * sizeof *offs)) == NULL)
            return AFMT_FAIL(L->err, AFMT_E_NOMEM, "out of memory");
        const uint8_t *enc;
        uint32_t len;
        for (uint64_t i = 0; i < count; i++) {
            if (afmt_record_iter_next(&it, &enc, &len) != AFMT_RECORD_NEXT) {
                free(offs);
                return AFMT_FAIL(L->err, AFMT_E_FORMAT, "entry %" PRIu64
                                 " runs past its page", row->first + i);
            }
            offs[i] = (uint32_t)it.at;
        }
        L->offs[lo] = offs;
    }
    uint32_t len;
    const uint8_t *enc = afmt_record_at(data + offs[e - row->first], &len);
    char msg[AFMT_ERRMSG_BYTES];
    if ((rc = afmt_entry_decode(view, enc, len, msg)) != AFMT_OK)
        return AFMT_FAIL(L->err, rc, "entry %" PRIu64 ": %s", e, msg);
    afmt_record_iter_place(&it, e - row->first, &place[0], &place[1]);
    return AFMT_OK;
}

/* Id page k (from 0), its hash checked, decoded: its rows and their count.
 * Its first row must carry its directory row's key, which led here. */
static int id_page(lookup *L, uint64_t k, const uint8_t **rows, uint64_t *n)
{
    uint64_t p = afmt_head_id_page(&L->h, k);
    int rc = page(L, p, rows);
    if (rc != AFMT_OK)
        return rc;
    *n = L->h.pages[p].size / AFMT_ID_ROW_BYTES; /* at least 1 (7.2, checked) */
    if (afmt_id_row_key(*rows, 0) != L->h.pages[p].first)
        return AFMT_FAIL(L->err, AFMT_E_FORMAT,
                         "id page %" PRIu64 " does not start with its directory key", k);
    return AFMT_OK;
}

/* Finds the post with this id: its entry, record and place.  The id rows
 * carry the keys (7.6), so the search reads one id page; each row it
 * follows costs one record page, and the record must be a post with the
 * row's key: a forged row finds nothing, never another post. */
static int find(lookup *L, const uint8_t *id, size_t id_len, afmt_entry_view *view,
                uint32_t place[2])
{
    const afmt_index_head *h = &L->h;
    uint64_t want = afmt_id_key(id, id_len), n = h->ih.post_count;
    if (h->ih.id_pages == 0)
        return AFMT_E_NOT_FOUND;
    const afmt_page_row *ids = &h->pages[afmt_head_id_page(h, 0)];
    /* The first page whose key is not below `want`: the first row with a
     * key not below it is in the page before, or starts this one. */
    uint64_t lo = 0, hi = h->ih.id_pages;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ids[mid].first < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 && ids[0].first != want)
        return AFMT_E_NOT_FOUND; /* below every key */
    uint64_t k = lo > 0 ? lo - 1 : 0, rows_n;
    const uint8_t *rows;
    int rc = id_page(L, k, &rows, &rows_n);
    if (rc != AFMT_OK)
        return rc;
    uint64_t a = 0, b = rows_n;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2;
        if (afmt_id_row_key(rows, mid) < want)
            a = mid + 1;
        else
            b = mid;
    }
    /* The run of rows with key `want`, up by entry number (7.6): a table
     * that repeats a row cannot make this walk long. */
    uint64_t start = k * AFMT_ID_PAGE_ROWS + a;
    uint32_t prev = 0;
    for (uint64_t row = start; row < n; row++) {
        uint64_t i = row % AFMT_ID_PAGE_ROWS;
        if (row / AFMT_ID_PAGE_ROWS != k) {
            /* the next page's first key is in the directory */
            k = row / AFMT_ID_PAGE_ROWS;
            if (ids[k].first != want)
                break;
            if ((rc = id_page(L, k, &rows, &rows_n)) != AFMT_OK)
                return rc;
        }
        if (afmt_id_row_key(rows, i) != want)
            break;
        uint32_t e = afmt_id_row_entry(rows, i);
        if (row > start && e <= prev)
            return AFMT_FAIL(L->err, AFMT_E_FORMAT, "id table out of order at row %" PRIu64,
                             row);
        prev = e;
        if ((rc = record(L, e, view, place)) != AFMT_OK)
            return rc;
        if (view->type != AFMT_ENTRY_TYPE_POST)
            return AFMT_FAIL(L->err, AFMT_E_FORMAT, "id table row %" PRIu64 " names a file",
                             row);
        if (afmt_id_key(view->id, view->id_len) != want)
            return AFMT_FAIL(L->err, AFMT_E_FORMAT, "id table row %" PRIu64
                             " names entry %" PRIu32 ", whose id has another key", row, e);
        if (view->id_len == id_len && memcmp(view->id, id, id_len) == 0)
            return AFMT_OK;
    }
    return AFMT_E_NOT_FOUND;
}

/* The content at `place`, released only once it matches the entry's hash. */
static int read_content(lookup *L, const afmt_entry_view *view, const uint32_t place[2],
                        afmt_sink sink, void *ctx)
{
    static const uint8_t nothing = 0;
    const uint8_t *data = &nothing, *table;
    int rc;
    if (view->size > 0) {
        uint64_t b = place[0];
        if (b >= L->h.ih.block_count)
            return AFMT_FAIL(L->err, AFMT_E_FORMAT, "the post's place names no block");
        if ((rc = page(L, AFMT_PAGE_BLOCK_TABLE, &table)) != AFMT_OK)
            return rc;
        if ((rc = afmt_head_block_check(&L->h, table, b, L->err)) != AFMT_OK)
            return rc;
        uint64_t size = afmt_block_row_size(table, b);
        if (place[1] > size || size - place[1] < view->size)
            return AFMT_FAIL(L->err, AFMT_E_FORMAT, "the post's place is outside its block");
        if ((rc = afmt_head_block_decode(&L->h, table, b, &L->bufs, L->err)) != AFMT_OK)
            return rc;
        data = L->bufs.data + place[1];
    }
    uint8_t h[AFMT_HASH_BYTES];
    afmt_content_hash(h, data, (size_t)view->size);
    if (sodium_memcmp(h, view->hash, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(L->err, AFMT_E_HASH_MISMATCH,
                         "the post's content does not match its signed hash");
    if (sink(ctx, data, (size_t)view->size) != 0)
        return AFMT_FAIL(L->err, AFMT_E_USER, "stopped by the sink");
    return AFMT_OK;
}

/* A bundle with withheld entries (spec 12.1): its index head is named by
 * the withholder, not the archiver, so nothing is released before a full
 * open has checked every record against the archiver's root.  A post not
 * found there may be one the archiver withheld: AFMT_E_WITHHELD. */
static int lookup_full(const char *path, const char *id, size_t id_len, afmt_sink sink,
                       void *ctx, const afmt_reader_options *opts)
{
    afmt_reader *r = NULL;
    int rc = afmt_reader_open_ext(&r, path, opts);
    if (rc != AFMT_OK)
        return rc;
    uint64_t n = 0;
    rc = afmt_reader_find_post(&n, r, id, id_len);
    if (rc == AFMT_OK) {
        rc = afmt_reader_read(r, n, sink, ctx);
    } else if (rc == AFMT_E_NOT_FOUND) {
        const afmt_checkpoint_info *info = afmt_reader_checkpoint(r);
        rc = info->withheld_posts > 0
                 ? AFMT_FAIL(NULL, AFMT_E_WITHHELD,
                             "no post with this id: the archiver withheld %" PRIu64
                             " posts from this bundle, and it may be one of them",
                             info->withheld_posts)
                 : AFMT_FAIL(NULL, AFMT_E_NOT_FOUND, "no post with this id");
    }
    afmt_reader_free(r);
    return rc;
}

int afmt_lookup_post(afmt_public_key *signer, const char *path, const char *id, size_t id_len,
                     afmt_sink sink, void *ctx, const afmt_reader_options *opts)
{
    afmt_reader_options defaults = AFMT_READER_OPTIONS_INIT;
    int rc0 = afmt_head_options(&opts, &defaults, path != NULL && id != NULL && sink != NULL,
                                "afmt_lookup_post: no path, id or sink");
    if (rc0 != AFMT_OK)
        return rc0;
    const afmt_public_key *keys = opts->trusted_keys;
    size_t nkeys = opts->ntrusted_keys; /* (one thread: opts->threads is not needed) */
    lookup state = {0}, *L = &state;
    int rc = afmt_head_open(&L->h, path, keys, nkeys, L->err);
    if (signer != NULL && rc == AFMT_OK)
        *signer = L->h.info.signer;
    if (rc != AFMT_OK)
        goto done;
    if (L->h.withheld) {
        afmt_head_close(&L->h);
        return lookup_full(path, id, id_len, sink, ctx, opts);
    }
    L->pages = calloc((size_t)L->h.ih.page_count, sizeof *L->pages);
    L->loaded = calloc((size_t)L->h.ih.page_count, 1);
    L->offs = calloc((size_t)L->h.ih.record_pages + 1, sizeof *L->offs);
    if (L->pages == NULL || L->loaded == NULL || L->offs == NULL) {
        rc = AFMT_FAIL(L->err, AFMT_E_NOMEM, "out of memory");
        goto done;
    }
    afmt_entry_view view;
    uint32_t place[2];
    rc = find(L, (const uint8_t *)id, id_len, &view, place);
    if (rc == AFMT_E_NOT_FOUND)
        AFMT_FAIL(L->err, rc, "no post with this id");
    if (rc == AFMT_OK)
        rc = read_content(L, &view, place, sink, ctx);
done:
    if (rc < 0 && L->err[0] != '\0')
        afmt_error_set(rc, "%s", L->err); /* the lookup's reason, not a later one */
    for (uint64_t p = 0; L->pages != NULL && p < L->h.ih.page_count; p++)
        afmt_buf_free(&L->pages[p]);
    for (uint64_t p = 0; L->offs != NULL && p < L->h.ih.record_pages; p++)
        free(L->offs[p]);
    free(L->offs);
    free(L->pages);
    free(L->loaded);
    afmt_buf_free(&L->frame);
    afmt_block_bufs_free(&L->bufs);
    afmt_head_close(&L->h);
    return rc;
}
