/*
 * fuzz_checkpoint.c - the parsers of the small signed and framing sections
 * (issue 5, item 2): the checkpoint text, the signature section, the
 * trailer, the header and the index header, each given the whole input.
 * Whatever a parser accepts must encode back to exactly the bytes it read:
 * the formats have one spelling, so a second one accepted is a bug.
 * Seeds: the sections of spec/vectors and the hostile cases.
 */
#include <string.h>

#include "format/checkpoint.h"
#include "fuzz_common.h"
#include "format/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[AFMT_ERRMSG_BYTES];

    afmt_checkpoint c;
    if (afmt_checkpoint_parse(&c, data, size, err) == AFMT_OK) {
        afmt_buf out = {0};
        FUZZ_CHECK(afmt_checkpoint_format(&out, &c, err) == AFMT_OK);
        FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
        afmt_buf_free(&out);
    }

    afmt_sigsec s;
    if (afmt_sigsec_decode(&s, data, size, err) == AFMT_OK) {
        afmt_buf out = {0};
        FUZZ_CHECK(afmt_sigsec_encode(&out, &s) == AFMT_OK);
        FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
        afmt_buf_free(&out);
    }

    if (size >= AFMT_HEADER_BYTES && afmt_header_check(data, err) == AFMT_OK) {
        uint8_t h[AFMT_HEADER_BYTES];
        afmt_header_encode(h);
        FUZZ_CHECK(memcmp(h, data, sizeof h) == 0);
    }

    if (size >= AFMT_TRAILER_BYTES) {
        afmt_trailer t;
        const uint8_t *in = data + size - AFMT_TRAILER_BYTES;
        if (afmt_trailer_decode(&t, in, size, err) == AFMT_OK) {
            uint8_t out[AFMT_TRAILER_BYTES];
            afmt_trailer_encode(out, &t);
            FUZZ_CHECK(memcmp(out, in, sizeof out) == 0);
            FUZZ_CHECK(t.index_offset + t.index_size + t.checkpoint_size + t.signature_size +
                           AFMT_TRAILER_BYTES == size);
        }
    }

    if (size >= AFMT_INDEX_HEADER_BYTES) {
        afmt_index_header ih;
        if (afmt_index_header_decode(&ih, data, size, err) == AFMT_OK) {
            uint8_t out[AFMT_INDEX_HEADER_BYTES];
            afmt_index_header_encode(out, &ih);
            FUZZ_CHECK(memcmp(out, data, sizeof out) == 0);
            FUZZ_CHECK(ih.entry_count <= AFMT_MAX_ENTRIES);
            FUZZ_CHECK(ih.body_size <= AFMT_MAX_INDEX_BYTES);
            /* spec 7.1: the id pages (12-byte rows) are part of the body */
            FUZZ_CHECK(ih.body_size == 56 * ih.block_count + 8 * ih.blob_count + ih.records_size +
                                           12 * ih.post_count);
        }
    }
    return 0;
}
