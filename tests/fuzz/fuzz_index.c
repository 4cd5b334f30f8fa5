/*
 * fuzz_index.c - the index parser behind the signature (issue 5, item 2).
 * The input is a block area and an index (header, then the body before
 * compression):
 *     u32 A | A bytes: the blocks | 40 bytes: index header | the index body
 * The harness compresses the body into the index frame, writes the
 * checkpoint (entry count from the header, Merkle root over the records
 * it finds, the index hash), signs it with a fixed test key and hands the
 * file to the reader, so that every input reaches the index parser, the
 * table and reference checks, block decompression and full verification.
 * Seeds: `gen_hostile --seeds` cut from spec/vectors and the hostile cases.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "forge.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

static fkey key;
static ZSTD_CCtx *cctx;

static void setup(void)
{
    if (cctx != NULL)
        return;
    fk_make(&key, 1, 0x1122334455667788ull);
    cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 4 + 40)
        return 0;
    size_t area = ld32(data);
    if (area > size - 4 - 40)
        area = size - 4 - 40;
    const uint8_t *blocks = data + 4, *ih = data + 4 + area, *body = ih + 40;
    size_t body_len = size - 4 - area - 40;

    fbundle b;
    fb_init(&b);
    fb_put(&b.blocks, blocks, area);
    fb_put(&b.index, ih, 40);
    size_t cap = ZSTD_compressBound(body_len);
    uint8_t *frame = malloc(cap);
    size_t flen = ZSTD_compress2(cctx, frame, cap, body, body_len);
    if (ZSTD_isError(flen)) {
        free(frame);
        fb_release(&b);
        return 0;
    }
    fb_put(&b.index, frame, flen);
    free(frame);
    /* the records start after the tables the header declares */
    uint64_t nb = ld64(ih + 16), nbl = ld64(ih + 24), tables = body_len;
    if (nb <= body_len / 56 && nbl <= body_len / 8 && 56 * nb + 8 * nbl <= body_len)
        tables = 56 * nb + 8 * nbl;
    fb_put(&b.body, body, body_len);
    b.block_table.n = 0;
    uint64_t entries = ld64(ih + 8);
    b.entries_set = 1;
    b.entries = entries > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : entries;
    b.root_set = 1;
    fi_root(b.root, body, body_len, (size_t)tables, entries);
    fb_checkpoint(&b);
    fb_sign(&b, &key);
    fb_trailer(&b);
    fbuf file = {0};
    fb_bytes(&file, &b);
    fb_release(&b);
    char path[64];
    int fd = fuzz_memfd(file.p, file.n, path);
    fb_free(&file);
    if (fd < 0)
        return 0;
    fuzz_exercise_bundle(path);
    close(fd);
    return 0;
}
