/*
 * block.c - zstd frames, one per block.
 */
#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader, ZSTD_frameHeader */
#include <zstd.h>

#include "format/block.h"

struct afmt_block_codec {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    int level;
};

int afmt_codec_new(afmt_block_codec **out, int level)
{
    *out = NULL;
    afmt_block_codec *c = calloc(1, sizeof *c);
    if (c == NULL)
        return AFMT_E_NOMEM;
    c->level = level;
    *out = c;
    return AFMT_OK;
}

void afmt_codec_free(afmt_block_codec *c)
{
    if (c == NULL)
        return;
    ZSTD_freeCCtx(c->cctx);
    ZSTD_freeDCtx(c->dctx);
    free(c);
}

int afmt_block_compress(afmt_block_codec *c, uint8_t **out, size_t *out_len, const void *src,
                        size_t len, char *errbuf)
{
    *out = NULL;
    *out_len = 0;
    if (c->cctx == NULL) {
        c->cctx = ZSTD_createCCtx();
        if (c->cctx == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_and_parameters);
    size_t r = ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, c->level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_dictIDFlag, 0);
    if (ZSTD_isError(r))
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd: %s", ZSTD_getErrorName(r));
    size_t cap = ZSTD_compressBound(len);
    uint8_t *dst = malloc(cap);
    if (dst == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    /* compress2 knows the size up front: the frame carries it and the window
     * is sized to the block, far under the 2^28 limit. */
    r = ZSTD_compress2(c->cctx, dst, cap, src, len);
    if (ZSTD_isError(r)) {
        free(dst);
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd: %s", ZSTD_getErrorName(r));
    }
    *out = dst;
    *out_len = r;
    return AFMT_OK;
}

int afmt_block_store(uint8_t **out, size_t *out_len, const void *src, size_t len,
                     char *errbuf)
{
    enum { RAW_MAX = 128 * 1024 }; /* Block_Maximum_Size */
    *out = NULL;
    *out_len = 0;
    if (len == 0 || len > ((size_t)1 << AFMT_ZSTD_WINDOW_LOG_MAX))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "cannot store %zu bytes", len);
    size_t nblocks = (len + RAW_MAX - 1) / RAW_MAX;
    size_t cap = 4 + 1 + 8 + 3 * nblocks + len;
    uint8_t *dst = malloc(cap), *p = dst;
    if (dst == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    afmt_store32(p, ZSTD_MAGICNUMBER);
    /* Frame_Header_Descriptor: Frame_Content_Size_flag 3 (8 bytes),
     * Single_Segment_flag (the window is the content size, at most 2^28), no
     * checksum, no dictionary id. */
    p[4] = 0xE0;
    afmt_store64(p + 5, (uint64_t)len);
    p += 13;
    const uint8_t *s = src;
    for (size_t left = len; left > 0;) {
        size_t n = left < RAW_MAX ? left : RAW_MAX;
        uint32_t bh = (uint32_t)(n << 3) | (left == n ? 1u : 0u); /* Raw_Block, Last_Block */
        p[0] = (uint8_t)bh;
        p[1] = (uint8_t)(bh >> 8);
        p[2] = (uint8_t)(bh >> 16);
        memcpy(p + 3, s, n);
        p += 3 + n;
        s += n;
        left -= n;
    }
    *out = dst;
    *out_len = (size_t)(p - dst);
    return AFMT_OK;
}

/* RFC 8878 3.1.1.2: every block's Block_Size is at most Block_Maximum_Size,
 * min(window, 128 KiB): a raw block's bytes, an RLE block's run, a
 * compressed block's compressed bytes.  libzstd checks the compressed ones
 * (and what they decode to) but accepts larger raw and RLE blocks, which a
 * strict decoder refuses; so every frame is walked here (spec 7.3).  The
 * frame's extent was found by ZSTD_findFrameCompressedSize already. */
static int blocks_check(const uint8_t *p, size_t len, unsigned block_max, char *errbuf)
{
    enum { BLOCK_HEADER = 3, TYPE_RLE = 1, TYPE_RESERVED = 3 };
    for (size_t at = 0;;) {
        if (len - at < BLOCK_HEADER)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd frame cut short");
        uint32_t bh = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16;
        uint32_t type = (bh >> 1) & 3, bsize = bh >> 3;
        at += BLOCK_HEADER;
        if (type == TYPE_RESERVED)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd block of the reserved type");
        if (bsize > block_max)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION,
                             "zstd block of %u bytes, over the frame's block maximum of %u "
                             "(RFC 8878: the window, at most 128 KiB)", bsize, block_max);
        size_t body = type == TYPE_RLE ? 1 : bsize;
        if (len - at < body)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd frame cut short");
        at += body;
        if (bh & 1)
            return AFMT_OK; /* the last block; a checksum may follow */
    }
}

int afmt_frame_check(const uint8_t *src, size_t src_len, uint64_t size, char *errbuf)
{
    ZSTD_frameHeader fh;
    size_t r = ZSTD_getFrameHeader(&fh, src, src_len);
    if (r != 0) /* an error, or more bytes needed: the header is cut short */
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "not a complete zstd frame header");
    if (fh.frameType != ZSTD_frame)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "skippable frame where a zstd frame belongs");
    /* RFC 8878 3.1.1.1.1: the Unused_bit is 0 as an encoder writes it; a
     * reader that ignored it would accept bytes another refuses (spec 7.3). */
    if (src[4] & 0x10)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame header's unused bit is set");
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN || fh.frameContentSize != size)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION,
                         "frame content size is missing or differs from the index");
    if (fh.dictID != 0)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame names a dictionary (%u)", fh.dictID);
    if (fh.windowSize > ((unsigned long long)1 << AFMT_ZSTD_WINDOW_LOG_MAX))
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "zstd window over the 2^%d limit",
                         AFMT_ZSTD_WINDOW_LOG_MAX);
    size_t fsize = ZSTD_findFrameCompressedSize(src, src_len);
    if (ZSTD_isError(fsize) || fsize != src_len)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "not exactly one zstd frame");
    return blocks_check(src + fh.headerSize, src_len - fh.headerSize, fh.blockSizeMax, errbuf);
}

static int ready_dctx(afmt_block_codec *c, char *errbuf)
{
    if (c->dctx == NULL) {
        c->dctx = ZSTD_createDCtx();
        if (c->dctx == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_and_parameters);
    size_t r = ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_windowLogMax, AFMT_ZSTD_WINDOW_LOG_MAX);
    if (ZSTD_isError(r))
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd: %s", ZSTD_getErrorName(r));
    return AFMT_OK;
}

int afmt_block_decompress(afmt_block_codec *c, uint8_t *dst, size_t size, const uint8_t *src,
                          size_t src_len, char *errbuf)
{
    int rc = afmt_frame_check(src, src_len, size, errbuf);
    if (rc != AFMT_OK || (rc = ready_dctx(c, errbuf)) != AFMT_OK)
        return rc;
    /* Output is bounded by `size`, which the signed index declares. */
    size_t r = ZSTD_decompressDCtx(c->dctx, dst, size, src, src_len);
    if (ZSTD_isError(r))
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd: %s", ZSTD_getErrorName(r));
    if (r != size)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame decoded to %zu bytes, not %zu", r,
                         size);
    return AFMT_OK;
}

int afmt_frame_decode_growing(afmt_block_codec *c, afmt_buf *out, uint64_t size,
                              const uint8_t *src, size_t src_len, char *errbuf)
{
    size_t base = out->len;
    if (size > SIZE_MAX / 2 - base)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "declared size too large for this machine");
    int rc = afmt_frame_check(src, src_len, size, errbuf);
    if (rc != AFMT_OK || (rc = ready_dctx(c, errbuf)) != AFMT_OK)
        return rc;
    /* A real index page compresses a few times at most: reserve for that
     * at once, and grow past it only as a frame really produces more. */
    uint64_t first = (uint64_t)src_len * 8 + (1u << 20);
    if ((rc = afmt_buf_reserve(out, (size_t)(first < size ? first : size))) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory decoding %llu bytes",
                         (unsigned long long)size);
    ZSTD_inBuffer in = {src, src_len, 0};
    size_t end = base + (size_t)size; /* the declared end */
    for (;;) {
        /* Grow by at most doubling, never past the declared size (+1 so
         * that output beyond it is noticed). */
        size_t got = out->len - base;
        size_t want = out->cap - out->len > 0 ? out->cap - out->len
                      : got < (1u << 20) ? (1u << 20) : got;
        if (want > end + 1 - out->len)
            want = end + 1 - out->len;
        if ((rc = afmt_buf_reserve(out, want)) != AFMT_OK)
            return AFMT_FAIL(errbuf, rc, "out of memory decoding %llu bytes",
                             (unsigned long long)size);
        ZSTD_outBuffer o = {out->data + out->len, want, 0};
        size_t r = ZSTD_decompressStream(c->dctx, &o, &in);
        if (ZSTD_isError(r))
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "zstd: %s", ZSTD_getErrorName(r));
        out->len += o.pos;
        if (out->len > end)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame decodes to more than declared");
        if (r == 0)
            break; /* frame complete */
        if (in.pos == in.size && o.pos < o.size)
            return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame is cut short");
    }
    if (out->len != end || in.pos != in.size)
        return AFMT_FAIL(errbuf, AFMT_E_COMPRESSION, "frame decodes to %zu bytes, not %llu",
                         out->len - base, (unsigned long long)size);
    return AFMT_OK;
}
