/*
 * entries.c - the entries of an opened bundle (checked at open): their
 * fields, leaves, numbers by id, and the blobs their contents are in.
 */
#include <inttypes.h>
#include <string.h>

#include "format/hash.h"
#include "format/withholding.h"
#include "read/reader_internal.h"


void afmt_rd_entry_view(afmt_entry_view *e, const afmt_reader *r, uint64_t n)
{
    uint32_t len;
    const uint8_t *enc = afmt_rd_record(r, n, &len);
    /* Checked at open: cannot fail. */
    (void)afmt_entry_decode(e, enc, len, NULL);
}

uint32_t afmt_rd_part_blob(const afmt_reader *r, const afmt_part_view *part, uint64_t *size)
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
        uint32_t blob = afmt_rd_part_blob(r, &part, &size);
        if (blob != UINT32_MAX && r->blobs[blob].block < first)
            first = r->blobs[blob].block;
    }
    return first;
}

uint64_t afmt_reader_entry_count(const afmt_reader *r)
{
    return r->head.ih.entry_count;
}

int afmt_reader_entry(afmt_entry *out, const afmt_reader *r, uint64_t number)
{
    memset(out, 0, sizeof *out);
    if (r == NULL || number >= r->head.ih.entry_count)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    afmt_entry_view e;
    afmt_rd_entry_view(&e, r, number);
    out->number = number;
    out->id = (const char *)e.id;
    out->id_len = e.id_len;
    out->size = e.size;
    if (e.type == AFMT_ENTRY_TYPE_WITHHELD) { /* no id, no content: its leaf only */
        out->type = AFMT_ENTRY_WITHHELD;
        out->withheld_type = e.withheld_type == AFMT_ENTRY_TYPE_POST ? AFMT_ENTRY_POST
                                                                     : AFMT_ENTRY_FILE;
        memcpy(out->hash, e.hash, AFMT_HASH_BYTES);
        out->block = UINT64_MAX;
        return AFMT_OK;
    }
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
    if (r == NULL || number >= r->head.ih.entry_count)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    uint32_t len;
    const uint8_t *enc = afmt_rd_record(r, number, &len);
    afmt_record_leaf(out, enc, len);
    return AFMT_OK;
}

int afmt_reader_entry_encoding(const uint8_t **out, size_t *out_len, const afmt_reader *r,
                               uint64_t number)
{
    if (out == NULL || out_len == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_entry_encoding: no output");
    *out = NULL;
    *out_len = 0;
    if (r == NULL || number >= r->head.ih.entry_count)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, number);
    uint32_t len;
    *out = afmt_rd_record(r, number, &len);
    *out_len = len;
    return AFMT_OK;
}

int afmt_reader_find_post(uint64_t *out_number, const afmt_reader *r, const char *id,
                          size_t id_len)
{
    if (r == NULL || id == NULL || out_number == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_find_post: no reader or id");
    uint64_t key = afmt_id_key((const uint8_t *)id, id_len);
    /* The first row whose key is not below `key`, then the run of rows
     * with that key (full verification checked each row's key). */
    uint64_t lo = 0, hi = r->head.ih.post_count;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (afmt_id_row_key(r->id_table, mid) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < r->head.ih.post_count && afmt_id_row_key(r->id_table, lo) == key; lo++) {
        uint32_t e = afmt_id_row_entry(r->id_table, lo);
        const uint8_t *got;
        size_t got_len;
        uint32_t enc_len;
        afmt_entry_key(afmt_rd_record(r, e, &enc_len), &got, &got_len);
        if (got_len == id_len && memcmp(got, id, id_len) == 0) {
            *out_number = e;
            return AFMT_OK;
        }
    }
    return AFMT_E_NOT_FOUND;
}
