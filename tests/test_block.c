/* test_block.c - format/block.c: blocks as single zstd frames (spec 7.3),
 * compressed by the writer and checked before and while they are decoded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "format/block.h"

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)("the quick brown fox "[i % 20] ^ (i / 997));
    return p;
}

static void test_round_trip(void **state)
{
    (void)state;
    afmt_block_codec *c;
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_codec_new(&c, 3), AFMT_OK);
    static const size_t sizes[] = {0, 1, 100, 256 * 1024, 1000003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint8_t *src = sample(n), *frame = NULL;
        size_t flen = 0;
        assert_int_equal(afmt_block_compress(c, &frame, &flen, src, n, err), AFMT_OK);
        /* a standard frame: magic, content size recorded, no dictionary */
        assert_int_equal(afmt_load32(frame), ZSTD_MAGICNUMBER);
        assert_int_equal(ZSTD_getFrameContentSize(frame, flen), n);
        assert_int_equal(ZSTD_getDictID_fromFrame(frame, flen), 0);
        assert_int_equal(ZSTD_findFrameCompressedSize(frame, flen), flen);
        assert_int_equal(afmt_frame_check(frame, flen, n, err), AFMT_OK);
        uint8_t *dst = malloc(n + 1);
        assert_int_equal(afmt_block_decompress(c, dst, n, frame, flen, err), AFMT_OK);
        assert_memory_equal(dst, src, n);
        afmt_buf grown = {0};
        afmt_buf_append(&grown, "x", 1);
        assert_int_equal(afmt_frame_decode_growing(c, &grown, n, frame, flen, err), AFMT_OK);
        assert_int_equal(grown.len, n + 1);
        assert_memory_equal(grown.data + 1, src, n);
        afmt_buf_free(&grown);
        /* deterministic: the same bytes give the same frame */
        uint8_t *again = NULL;
        size_t alen = 0;
        assert_int_equal(afmt_block_compress(c, &again, &alen, src, n, err), AFMT_OK);
        assert_int_equal(alen, flen);
        assert_memory_equal(again, frame, flen);
        free(again);
        free(dst);
        free(frame);
        free(src);
    }
    afmt_codec_free(c);
}

static void test_refused_frames(void **state)
{
    (void)state;
    afmt_block_codec *c;
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_codec_new(&c, 3), AFMT_OK);
    size_t n = 5000;
    uint8_t *src = sample(n), *frame = NULL, *dst = malloc(n + 10);
    size_t flen = 0;
    assert_int_equal(afmt_block_compress(c, &frame, &flen, src, n, err), AFMT_OK);
    /* a declared size that differs from the frame's */
    assert_int_equal(afmt_frame_check(frame, flen, n + 1, err), AFMT_E_COMPRESSION);
    assert_int_equal(afmt_block_decompress(c, dst, n - 1, frame, flen, err), AFMT_E_COMPRESSION);
    /* a byte after the frame, a frame cut short */
    uint8_t *longer = malloc(flen + 1);
    memcpy(longer, frame, flen);
    longer[flen] = 0;
    assert_int_equal(afmt_frame_check(longer, flen + 1, n, err), AFMT_E_COMPRESSION);
    assert_int_equal(afmt_block_decompress(c, dst, n, longer, flen + 1, err), AFMT_E_COMPRESSION);
    assert_int_equal(afmt_block_decompress(c, dst, n, frame, flen - 1, err), AFMT_E_COMPRESSION);
    /* not a zstd frame; a skippable frame */
    uint8_t junk[16] = {'P', 'K', 3, 4};
    assert_int_equal(afmt_frame_check(junk, sizeof junk, 0, err), AFMT_E_COMPRESSION);
    uint8_t skip[8 + 4] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0};
    assert_int_equal(afmt_frame_check(skip, sizeof skip, 0, err), AFMT_E_COMPRESSION);
    /* a frame without its content size (streamed) */
    ZSTD_CCtx *z = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 0);
    uint8_t *nosize = malloc(ZSTD_compressBound(n));
    ZSTD_inBuffer in = {src, n, 0};
    ZSTD_outBuffer out = {nosize, ZSTD_compressBound(n), 0};
    assert_int_equal(ZSTD_compressStream2(z, &out, &in, ZSTD_e_end), 0);
    assert_int_equal(ZSTD_getFrameContentSize(nosize, out.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    assert_int_equal(afmt_frame_check(nosize, out.pos, n, err), AFMT_E_COMPRESSION);
    assert_int_equal(afmt_block_decompress(c, dst, n, nosize, out.pos, err), AFMT_E_COMPRESSION);
    /* a frame with a dictionary id */
    ZSTD_CCtx_reset(z, ZSTD_reset_session_and_parameters);
    uint8_t dict[2000];
    for (size_t i = 0; i < sizeof dict; i++)
        dict[i] = src[i];
    ZSTD_CDict *cd = ZSTD_createCDict(dict, sizeof dict, 3);
    size_t dlen = ZSTD_compress_usingCDict(z, nosize, ZSTD_compressBound(n), src, n, cd);
    assert_false(ZSTD_isError(dlen));
    if (ZSTD_getDictID_fromFrame(nosize, dlen) != 0) /* raw content dictionaries have none */
        assert_int_equal(afmt_frame_check(nosize, dlen, n, err), AFMT_E_COMPRESSION);
    ZSTD_freeCDict(cd);
    ZSTD_freeCCtx(z);
    free(nosize);
    free(longer);
    free(dst);
    free(frame);
    free(src);
    afmt_codec_free(c);
}

/* A frame that says it holds more than it does: decoding grows the output
 * only as bytes arrive, and fails. */
static void test_growing_decode_of_a_liar(void **state)
{
    (void)state;
    afmt_block_codec *c;
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_codec_new(&c, 3), AFMT_OK);
    uint8_t *src = sample(3000), *frame = NULL;
    size_t flen = 0;
    assert_int_equal(afmt_block_compress(c, &frame, &flen, src, 3000, err), AFMT_OK);
    afmt_buf out = {0};
    assert_int_equal(afmt_frame_decode_growing(c, &out, 3001, frame, flen, err),
                     AFMT_E_COMPRESSION);
    assert_true(out.cap < 1024 * 1024);
    afmt_buf_free(&out);
    free(frame);
    free(src);
    afmt_codec_free(c);
}

/* A single-segment frame (window = content size) of RLE blocks of these
 * sizes, all of byte 'a'. */
static size_t rle_frame(uint8_t *out, const uint32_t *blocks, size_t n, uint64_t total)
{
    size_t at = 0;
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    memcpy(out, magic, 4);
    out[4] = 0xE0; /* 8-byte content size, single segment */
    for (int i = 0; i < 8; i++)
        out[5 + i] = (uint8_t)(total >> (8 * i));
    at = 13;
    for (size_t i = 0; i < n; i++) {
        uint32_t bh = blocks[i] << 3 | 2 | (i + 1 == n ? 1u : 0u);
        out[at++] = (uint8_t)bh;
        out[at++] = (uint8_t)(bh >> 8);
        out[at++] = (uint8_t)(bh >> 16);
        out[at++] = 'a';
    }
    return at;
}

/* RFC 8878: no block over min(window, 128 KiB).  libzstd decodes an RLE
 * block of 128 KiB + 1; afmt refuses it, and accepts the same run cut at
 * 128 KiB (spec 7.3). */
static void test_block_maximum_size(void **state)
{
    (void)state;
    enum { RUN = 128 * 1024 + 1 };
    uint8_t frame[64], *dst = malloc(RUN);
    assert_non_null(dst);
    char err[AFMT_ERRMSG_BYTES];
    afmt_block_codec *c;
    assert_int_equal(afmt_codec_new(&c, 3), AFMT_OK);
    size_t n = rle_frame(frame, (const uint32_t[]){RUN}, 1, RUN);
    assert_int_equal(ZSTD_decompress(dst, RUN, frame, n), RUN); /* libzstd takes it */
    assert_int_equal(afmt_frame_check(frame, n, RUN, err), AFMT_E_COMPRESSION);
    assert_int_equal(afmt_block_decompress(c, dst, RUN, frame, n, err), AFMT_E_COMPRESSION);
    n = rle_frame(frame, (const uint32_t[]){128 * 1024, 1}, 2, RUN);
    assert_int_equal(afmt_block_decompress(c, dst, RUN, frame, n, err), AFMT_OK);
    assert_true(dst[0] == 'a' && dst[RUN - 1] == 'a');
    /* a single-segment frame's window is its content size: 100 bytes
     * allow no block over 100 */
    n = rle_frame(frame, (const uint32_t[]){101}, 1, 100);
    assert_int_equal(afmt_frame_check(frame, n, 100, err), AFMT_E_COMPRESSION);
    /* the Unused_bit of the frame header */
    n = rle_frame(frame, (const uint32_t[]){100}, 1, 100);
    assert_int_equal(afmt_frame_check(frame, n, 100, err), AFMT_OK);
    frame[4] |= 0x10;
    assert_int_equal(ZSTD_decompress(dst, 100, frame, n), 100); /* libzstd ignores it */
    assert_int_equal(afmt_frame_check(frame, n, 100, err), AFMT_E_COMPRESSION);
    /* the writer's raw store stays within the rule: 128 KiB blocks */
    uint8_t *out, *src = sample(300000);
    size_t out_len;
    assert_int_equal(afmt_block_store(&out, &out_len, src, 300000, err), AFMT_OK);
    assert_int_equal(afmt_frame_check(out, out_len, 300000, err), AFMT_OK);
    free(out);
    free(src);
    afmt_codec_free(c);
    free(dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused_frames),
        cmocka_unit_test(test_growing_decode_of_a_liar),
        cmocka_unit_test(test_block_maximum_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
