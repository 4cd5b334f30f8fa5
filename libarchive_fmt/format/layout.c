/*
 * layout.c - header, trailer, signature section, index header, page
 * directory and record pages.
 */
#include <inttypes.h>

#include "format/layout.h"
#include "format/signature.h"

const uint8_t afmt_magic[8] = {0x8A, 'A', 'F', 'M', 'T', 0x0D, 0x0A, 0x1A};
const uint8_t afmt_end_magic[8] = {0x1A, 0x0A, 0x0D, 'T', 'M', 'F', 'A', 0x8A};

void afmt_header_encode(uint8_t out[AFMT_HEADER_BYTES])
{
    memcpy(out, afmt_magic, 8);
    afmt_store32(out + 8, AFMT_FORMAT_VERSION);
    afmt_store32(out + 12, 0);
}

int afmt_header_check(const uint8_t in[AFMT_HEADER_BYTES], char *errbuf)
{
    if (memcmp(in, afmt_magic, 8) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "not an afmt bundle (bad magic)");
    uint32_t version = afmt_load32(in + 8);
    /* Drafts 1.0 to 1.2 all wrote version 1 (BLAKE2b, another checkpoint):
     * name them, rather than call them altered. */
    if (version == 1)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED,
                         "written by format draft 1.x, not readable by this version (format "
                         "%d): pack it again", AFMT_FORMAT_VERSION);
    if (version != AFMT_FORMAT_VERSION)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unsupported format version %u", version);
    uint32_t flags = afmt_load32(in + 12);
    if (flags != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown header flags 0x%08x", flags);
    return AFMT_OK;
}

void afmt_trailer_encode(uint8_t out[AFMT_TRAILER_BYTES], const afmt_trailer *t)
{
    afmt_store64(out, t->index_offset);
    afmt_store64(out + 8, t->index_size);
    afmt_store32(out + 16, t->checkpoint_size);
    afmt_store32(out + 20, t->signature_size);
    memcpy(out + 24, afmt_end_magic, 8);
}

int afmt_trailer_decode(afmt_trailer *t, const uint8_t in[AFMT_TRAILER_BYTES],
                        uint64_t file_size, char *errbuf)
{
    if (memcmp(in + 24, afmt_end_magic, 8) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_TRUNCATED,
                         "no end marker: the bundle is truncated or has trailing bytes");
    t->index_offset = afmt_load64(in);
    t->index_size = afmt_load64(in + 8);
    t->checkpoint_size = afmt_load32(in + 16);
    t->signature_size = afmt_load32(in + 20);
    if (t->checkpoint_size > AFMT_MAX_CHECKPOINT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "checkpoint of %u bytes is over the limit",
                         t->checkpoint_size);
    /* The limits first, then the sums (spec 4 gives this order). */
    if (t->signature_size >
        AFMT_SIGNATURE_FIXED_BYTES + AFMT_MAX_TRUSTED_COMMENT_BYTES + AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT,
                         "signature section of %u bytes: over the limit", t->signature_size);
    if (t->index_size > AFMT_MAX_INDEX_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "index of %llu bytes is over the limit",
                         (unsigned long long)t->index_size);
    uint64_t end;
    if (t->index_offset < AFMT_HEADER_BYTES || !afmt_add_ok(&end, t->index_offset, t->index_size) ||
        !afmt_add_ok(&end, end, t->checkpoint_size) || !afmt_add_ok(&end, end, t->signature_size) ||
        !afmt_add_ok(&end, end, AFMT_TRAILER_BYTES) || end != file_size)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "section sizes in the trailer do not add up to the file size");
    if (t->signature_size < AFMT_SIGNATURE_FIXED_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "signature section of %u bytes is too short",
                         t->signature_size);
    if (t->index_size < AFMT_INDEX_HEADER_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "index section too short");
    return AFMT_OK;
}

int afmt_sigsec_encode(afmt_buf *out, const afmt_sigsec *s)
{
    if (s->comment_len > AFMT_MAX_TRUSTED_COMMENT_BYTES)
        return AFMT_E_LIMIT;
    if (s->attest_len > AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_E_LIMIT;
    int rc = afmt_buf_reserve(out, AFMT_SIGNATURE_FIXED_BYTES + s->comment_len + s->attest_len);
    if (rc != AFMT_OK)
        return rc;
    afmt_buf_append(out, "ED", 2);
    afmt_buf_append(out, s->key_id, AFMT_KEYID_BYTES);
    afmt_buf_append(out, s->sig, 64);
    afmt_buf_append_u16(out, (uint16_t)s->comment_len);
    afmt_buf_append(out, s->comment, s->comment_len);
    afmt_buf_append(out, s->global_sig, 64);
    afmt_buf_append(out, "Ed", 2);
    afmt_buf_append(out, s->key_id, AFMT_KEYID_BYTES);
    afmt_buf_append(out, s->public_key, AFMT_PUBLICKEY_BYTES);
    afmt_buf_append(out, s->note_sig, 64);
    if (s->attest_len > 0)
        afmt_buf_append(out, s->attest, s->attest_len);
    return AFMT_OK;
}

int afmt_sigsec_decode(afmt_sigsec *s, const uint8_t *in, size_t len, char *errbuf)
{
    if (len < AFMT_SIGNATURE_FIXED_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "signature section too short");
    if (memcmp(in, "Ed", 2) == 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED,
                         "legacy (non-prehashed) Ed signature: only ED is accepted");
    if (memcmp(in, "ED", 2) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown signature algorithm");
    memcpy(s->key_id, in + 2, AFMT_KEYID_BYTES);
    memcpy(s->sig, in + 10, 64);
    size_t t = afmt_load16(in + 74);
    if (t > AFMT_MAX_TRUSTED_COMMENT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "trusted comment over %d bytes",
                         AFMT_MAX_TRUSTED_COMMENT_BYTES);
    if (len < AFMT_SIGNATURE_FIXED_BYTES + t)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "signature section size does not match");
    /* Attestations follow note_sig, up to the end (spec 12.2). */
    s->attest_len = len - (AFMT_SIGNATURE_FIXED_BYTES + t);
    s->attest = s->attest_len > 0 ? in + AFMT_SIGNATURE_FIXED_BYTES + t : NULL;
    if (s->attest_len > AFMT_MAX_ATTESTATION_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "attestations over %u bytes",
                         AFMT_MAX_ATTESTATION_BYTES);
    s->comment = (const char *)in + 76;
    s->comment_len = t;
    if (!afmt_sig_comment_valid(s->comment, t))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "trusted comment is not UTF-8 text without control characters");
    memcpy(s->global_sig, in + 76 + t, 64);
    if (memcmp(in + 140 + t, "Ed", 2) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown public key algorithm");
    if (memcmp(in + 142 + t, s->key_id, AFMT_KEYID_BYTES) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "signature key id and public key id differ");
    memcpy(s->public_key, in + 150 + t, AFMT_PUBLICKEY_BYTES);
    memcpy(s->note_sig, in + 182 + t, 64);
    return AFMT_OK;
}

void afmt_index_header_encode(uint8_t out[AFMT_INDEX_HEADER_BYTES], const afmt_index_header *h)
{
    afmt_store32(out, AFMT_COMPRESSION_ZSTD);
    afmt_store32(out + 4, 0);
    afmt_store64(out + 8, h->entry_count);
    afmt_store64(out + 16, h->post_count);
    afmt_store64(out + 24, h->block_count);
    afmt_store64(out + 32, h->blob_count);
    afmt_store64(out + 40, h->record_pages);
    afmt_store64(out + 48, h->records_size);
}

int afmt_index_header_decode(afmt_index_header *h, const uint8_t *in, uint64_t index_size,
                             char *errbuf)
{
    uint32_t compression = afmt_load32(in);
    if (compression != AFMT_COMPRESSION_ZSTD)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown compression id %u", compression);
    uint32_t flags = afmt_load32(in + 4);
    if (flags != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown index flags 0x%08x", flags);
    h->entry_count = afmt_load64(in + 8);
    h->post_count = afmt_load64(in + 16);
    h->block_count = afmt_load64(in + 24);
    h->blob_count = afmt_load64(in + 32);
    h->record_pages = afmt_load64(in + 40);
    h->records_size = afmt_load64(in + 48);
    /* The limits first, in the spec's order (7.1). */
    const struct {
        uint64_t value, max;
        const char *what;
    } limits[] = {{h->entry_count, AFMT_MAX_ENTRIES, "entries"},
                  {h->block_count, AFMT_MAX_BLOCKS, "blocks"},
                  {h->blob_count, AFMT_MAX_BLOBS, "blobs"},
                  {h->records_size, AFMT_MAX_INDEX_BYTES, "bytes of entry records"},
                  {h->post_count, AFMT_MAX_ENTRIES, "posts"}};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (limits[i].value > limits[i].max)
            return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "%llu %s is over the limit",
                             (unsigned long long)limits[i].value, limits[i].what);
    /* All counts are below 2^33 now: nothing below overflows 64 bits. */
    h->body_size = AFMT_BLOCK_RECORD_BYTES * h->block_count +
                   AFMT_BLOB_RECORD_BYTES * h->blob_count + h->records_size +
                   AFMT_ID_ROW_BYTES * h->post_count;
    if (h->body_size > AFMT_MAX_INDEX_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "index of %llu bytes is over the limit",
                         (unsigned long long)h->body_size);
    if (h->post_count > h->entry_count)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "more posts than entries");
    if (h->entry_count > h->records_size / AFMT_MIN_RECORD_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "entry count too large for the records");
    if (h->record_pages > h->entry_count || (h->record_pages == 0) != (h->entry_count == 0))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "record page count does not fit the entries");
    h->id_pages = (h->post_count + AFMT_ID_PAGE_ROWS - 1) / AFMT_ID_PAGE_ROWS;
    h->page_count = 2 + h->record_pages + h->id_pages;
    h->head_size = AFMT_INDEX_HEADER_BYTES + AFMT_PAGE_ROW_BYTES * h->page_count;
    if (h->head_size > index_size)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "index too short for its page directory");
    return AFMT_OK;
}

void afmt_page_row_encode(uint8_t out[AFMT_PAGE_ROW_BYTES], uint32_t csize, uint32_t size,
                          uint64_t first, const uint8_t hash[AFMT_HASH_BYTES])
{
    afmt_store32(out, csize);
    afmt_store32(out + 4, size);
    afmt_store64(out + 8, first);
    memcpy(out + 16, hash, AFMT_HASH_BYTES);
}

int afmt_page_dir_decode(afmt_page_row *rows, const afmt_index_header *h, const uint8_t *dir,
                         uint64_t pages_offset, uint64_t pages_size, char *errbuf)
{
    uint64_t at = 0, first_id = 2 + h->record_pages, decoded = 0;
    for (uint64_t p = 0; p < h->page_count; p++) {
        const uint8_t *d = dir + p * AFMT_PAGE_ROW_BYTES;
        afmt_page_row *row = &rows[p];
        row->csize = afmt_load32(d);
        row->size = afmt_load32(d + 4);
        row->first = afmt_load64(d + 8);
        row->hash = d + 16;
        row->offset = pages_offset + at;
        if (row->csize == 0 || pages_size - at < row->csize)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "index page %" PRIu64 " is out of place", p);
        at += row->csize;
        /* A page cannot stand for more than this: no decompression bombs. */
        if ((uint64_t)row->size > (uint64_t)row->csize * AFMT_INDEX_RATIO_MAX +
                                      AFMT_INDEX_RATIO_SLACK)
            return AFMT_FAIL(errbuf, AFMT_E_LIMIT,
                             "index page %" PRIu64 " declares more than its frame may hold", p);
        decoded += row->size;
        uint64_t want_size = 0, ok = 1;
        if (p == 0) {
            want_size = AFMT_BLOCK_RECORD_BYTES * h->block_count;
            ok = row->first == 0;
        } else if (p == 1) {
            want_size = AFMT_BLOB_RECORD_BYTES * h->blob_count;
            ok = row->first == 0;
        } else if (p < first_id) {
            want_size = row->size;
            ok = row->size > 0 && (p == 2 ? row->first == 0 : row->first > rows[p - 1].first) &&
                 row->first < h->entry_count;
        } else {
            uint64_t k = p - first_id;
            uint64_t n = k + 1 < h->id_pages ? AFMT_ID_PAGE_ROWS
                                             : h->post_count - k * AFMT_ID_PAGE_ROWS;
            want_size = AFMT_ID_ROW_BYTES * n;
            ok = k == 0 || row->first >= rows[p - 1].first;
        }
        if (row->size != want_size || !ok)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "index page %" PRIu64 " does not fit its place",
                             p);
    }
    if (at != pages_size)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "index pages do not fill the index");
    /* The same bound over all pages together: many small pages cannot add
     * up their slack into gigabytes. */
    if (decoded > pages_size * AFMT_INDEX_RATIO_MAX + AFMT_INDEX_RATIO_SLACK)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT,
                         "index pages declare %" PRIu64 " bytes, more than their frames may "
                         "hold", decoded);
    if (decoded != h->body_size)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "record pages do not add up to records_size");
    return AFMT_OK;
}

/* ---- record pages ---- */

_Static_assert(AFMT_MIN_RECORD_BYTES == 45, "a record is at least 45 bytes (spec 7.1)");
_Static_assert(AFMT_PLACE_OFF_OFFSET + 4 == AFMT_PLACE_BYTES, "a place is u32 block, u32 offset");
_Static_assert(AFMT_ID_ROW_OFF_ENTRY == 8 && AFMT_ID_ROW_OFF_ENTRY + 4 == AFMT_ID_ROW_BYTES,
               "an id row is u64 id key, u32 entry number (spec 7.6)");

int afmt_record_iter_init(afmt_record_iter *it, const uint8_t *page, uint64_t size,
                          uint64_t count)
{
    uint64_t places;
    memset(it, 0, sizeof *it);
    if (!afmt_mul_ok(&places, count, AFMT_PLACE_BYTES) || size < places)
        return 0;
    it->page = page;
    it->records_end = size - places;
    it->count = count;
    return 1;
}

int afmt_record_iter_next(afmt_record_iter *it, const uint8_t **enc, uint32_t *len)
{
    if (it->done == it->count)
        return AFMT_RECORD_END;
    uint64_t left = it->records_end - it->pos;
    if (left < AFMT_RECORD_OFF_ENCODING)
        return AFMT_RECORD_CUT;
    const uint8_t *record = it->page + it->pos;
    if (left - AFMT_RECORD_OFF_ENCODING < afmt_load32(record + AFMT_RECORD_OFF_LEN))
        return AFMT_RECORD_PAST;
    *enc = afmt_record_at(record, len);
    it->at = it->pos;
    it->pos += AFMT_RECORD_OFF_ENCODING + (uint64_t)*len;
    it->done++;
    return AFMT_RECORD_NEXT;
}

void afmt_record_iter_place(const afmt_record_iter *it, uint64_t i, uint32_t *block,
                            uint32_t *offset)
{
    const uint8_t *place = it->page + it->records_end + i * AFMT_PLACE_BYTES;
    *block = afmt_load32(place + AFMT_PLACE_OFF_BLOCK);
    *offset = afmt_load32(place + AFMT_PLACE_OFF_OFFSET);
}

int afmt_record_page_add(afmt_record_page *pg, const uint8_t *enc, size_t len, uint32_t block,
                         uint32_t offset)
{
    uint8_t place[AFMT_PLACE_BYTES];
    afmt_store32(place + AFMT_PLACE_OFF_BLOCK, block);
    afmt_store32(place + AFMT_PLACE_OFF_OFFSET, offset);
    int rc;
    if ((rc = afmt_buf_append_u32(&pg->starts, (uint32_t)pg->records.len)) != AFMT_OK ||
        (rc = afmt_buf_append(&pg->places, place, sizeof place)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&pg->records, (uint32_t)len)) != AFMT_OK)
        return rc;
    return afmt_buf_append(&pg->records, enc, len);
}

const uint8_t *afmt_record_page_get(const afmt_record_page *pg, uint64_t i, size_t *len)
{
    uint32_t n;
    const uint8_t *enc = afmt_record_at(pg->records.data + afmt_load32(pg->starts.data + 4 * i), &n);
    *len = n;
    return enc;
}

int afmt_record_page_seal(afmt_record_page *pg)
{
    return afmt_buf_append(&pg->records, pg->places.data, pg->places.len);
}

void afmt_record_page_clear(afmt_record_page *pg)
{
    pg->records.len = 0;
    pg->places.len = 0;
    pg->starts.len = 0;
}

void afmt_record_page_free(afmt_record_page *pg)
{
    afmt_buf_free(&pg->records);
    afmt_buf_free(&pg->places);
    afmt_buf_free(&pg->starts);
}
