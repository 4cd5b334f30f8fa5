/*
 * fuzz_entry.c - the canonical entry decoder (issue 5, item 2): a post or
 * file encoding, as it appears in an index record.  An encoding the decoder
 * accepts must come back byte for byte from the writer's encoder (the salt
 * aside, which the encoder leaves zero): one spelling per entry, so two
 * bundles cannot show the same posts under different leaves.
 * Seeds: the records of spec/vectors and the hostile cases.
 */
#include <stdlib.h>
#include <string.h>

#include "format/entry.h"
#include "format/withholding.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[AFMT_ERRMSG_BYTES];
    afmt_entry_view e;
    if (afmt_entry_decode(&e, data, size, err) != AFMT_OK)
        return 0;
    /* A withheld entry (spec 12.1) is its old type and its leaf: 34 bytes,
     * nothing to encode back. */
    if (e.type == AFMT_ENTRY_TYPE_WITHHELD) {
        FUZZ_CHECK(size == 34 && data[0] == AFMT_ENTRY_TYPE_WITHHELD);
        FUZZ_CHECK(e.withheld_type == AFMT_ENTRY_TYPE_POST ||
                   e.withheld_type == AFMT_ENTRY_TYPE_FILE);
        FUZZ_CHECK(memcmp(e.hash, data + 2, 32) == 0);
        return 0;
    }
    afmt_buf out = {0};
    if (e.type == AFMT_ENTRY_TYPE_POST) {
        char media[256];
        FUZZ_CHECK(e.media_len >= 1 && e.media_len < sizeof media);
        memcpy(media, e.media, e.media_len);
        media[e.media_len] = 0;
        afmt_post p;
        memset(&p, 0, sizeof p);
        p.id = (const char *)e.id;
        p.id_len = e.id_len;
        if (e.flags & AFMT_PF_PARENT) {
            p.parent = (const char *)e.parent;
            p.parent_len = e.parent_len;
        }
        if (e.flags & AFMT_PF_AUTHOR) {
            p.author = e.author ? (const char *)e.author : "";
            p.author_len = e.author_len;
        }
        if (e.flags & AFMT_PF_TITLE) {
            p.title = e.title ? (const char *)e.title : "";
            p.title_len = e.title_len;
        }
        p.media_type = media;
        p.has_created = (e.flags & AFMT_PF_CREATED) != 0;
        p.created = e.created;
        p.flags = ((e.flags & AFMT_PF_DELETED) ? AFMT_POST_DELETED : 0) |
                  ((e.flags & AFMT_PF_INCOMPLETE) ? AFMT_POST_INCOMPLETE : 0);
        p.missing_replies = e.missing_replies;
        p.content_len = (size_t)e.size;
        FUZZ_CHECK(afmt_entry_encode_post(&out, &p, e.hash, err) == AFMT_OK);
    } else {
        FUZZ_CHECK(e.type == AFMT_ENTRY_TYPE_FILE);
        afmt_part_view part;
        size_t pos = 0;
        uint32_t n = 0;
        while (afmt_part_next(&part, &e, &pos)) {
            FUZZ_CHECK(part.kind >= 1 && part.kind <= 3);
            n++;
        }
        FUZZ_CHECK(n == e.part_count && pos == e.parts_len);
        FUZZ_CHECK(afmt_entry_encode_file(&out, e.id, e.id_len, e.size, e.part_count, e.parts,
                                          e.parts_len, err) == AFMT_OK);
    }
    /* byte for byte, but for the salt (bytes 2..17) */
    FUZZ_CHECK(out.len == size);
    FUZZ_CHECK(memcmp(out.data, data, AFMT_SALT_OFFSET) == 0);
    FUZZ_CHECK(memcmp(out.data + AFMT_SALT_OFFSET + AFMT_SALT_BYTES,
                      data + AFMT_SALT_OFFSET + AFMT_SALT_BYTES,
                      size - AFMT_SALT_OFFSET - AFMT_SALT_BYTES) == 0);
    afmt_buf_free(&out);
    return 0;
}
