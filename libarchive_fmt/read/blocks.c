/*
 * blocks.c - one block through its block table row (spec 7.3): the row
 * checked, the frame read, its hash checked before it is decompressed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "common/fileio.h"
#include "read/index_head.h"

int afmt_head_block_check(const afmt_index_head *h, const uint8_t *table, uint64_t b, char *err)
{
    uint64_t off = afmt_block_row_offset(table, b), cs = afmt_block_row_csize(table, b),
             size = afmt_block_row_size(table, b), end;
    if (off < AFMT_HEADER_BYTES || cs == 0 || !afmt_add_ok(&end, off, cs) ||
        end > h->trailer.index_offset)
        return AFMT_FAIL(err, AFMT_E_FORMAT, "block %" PRIu64 " is out of place", b);
    if (size == 0)
        return AFMT_FAIL(err, AFMT_E_FORMAT, "block %" PRIu64 " is empty", b);
    if (size > AFMT_MAX_BLOCK_BYTES)
        return AFMT_FAIL(err, AFMT_E_LIMIT, "block %" PRIu64 " over the size limit", b);
    /* No decompression bombs (spec 7.3); divided, so that nothing wraps. */
    if (size > AFMT_BLOCK_RATIO_SLACK &&
        (size - AFMT_BLOCK_RATIO_SLACK - 1) / AFMT_BLOCK_RATIO_MAX >= cs)
        return AFMT_FAIL(err, AFMT_E_LIMIT,
                         "block %" PRIu64 " declares %" PRIu64 " bytes from a %" PRIu64
                         "-byte frame, over %d:1 + 1 MiB", b, size, cs, AFMT_BLOCK_RATIO_MAX);
    return AFMT_OK;
}

/* Grows *buf to at least `need` bytes (within memory: need is bounded). */
static int grow(uint8_t **buf, size_t *cap, uint64_t need, char *errbuf)
{
    if (need <= *cap)
        return AFMT_OK;
    uint8_t *p = realloc(*buf, (size_t)need);
    if (p == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    *buf = p;
    *cap = (size_t)need;
    return AFMT_OK;
}

int afmt_head_block_decode(const afmt_index_head *h, const uint8_t *table, uint64_t b,
                           afmt_block_bufs *bufs, char *errbuf)
{
    uint64_t cs = afmt_block_row_csize(table, b), size = afmt_block_row_size(table, b);
    /* cs is within the file (tiling was checked), size within 256 MiB. */
    int rc;
    if ((rc = grow(&bufs->frame, &bufs->frame_cap, cs, errbuf)) != AFMT_OK ||
        (rc = grow(&bufs->data, &bufs->data_cap, size, errbuf)) != AFMT_OK)
        return rc;
    rc = afmt_pread_exact(h->fd, bufs->frame, (size_t)cs, afmt_block_row_offset(table, b));
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "cannot read block %" PRIu64 ": %s", b,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, bufs->frame, (size_t)cs);
    if (sodium_memcmp(hash, afmt_block_row_hash(table, b), AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_HASH_MISMATCH,
                         "block %" PRIu64 " does not match its signed hash", b);
    char msg[AFMT_ERRMSG_BYTES];
    if (bufs->codec == NULL && (rc = afmt_codec_new(&bufs->codec, 3)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    rc = afmt_block_decompress(bufs->codec, bufs->data, (size_t)size, bufs->frame, (size_t)cs,
                               msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "block %" PRIu64 ": %s", b, msg);
    return AFMT_OK;
}

void afmt_block_bufs_free(afmt_block_bufs *bufs)
{
    afmt_codec_free(bufs->codec);
    free(bufs->frame);
    free(bufs->data);
    memset(bufs, 0, sizeof *bufs);
}
