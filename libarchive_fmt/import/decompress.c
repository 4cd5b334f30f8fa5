/*
 * decompress.c - zstd, gzip, bzip2 and xz streams through their maintained
 * libraries, behind one step function (see decompress.h).
 */
#include <bzlib.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "import/decompress.h"
#include "import/line_reader.h"

struct afmt_zdec {
    afmt_zkind kind;
    int in_member; /* gzip, bzip2: bytes of a member given and its end not seen */
    int ended;     /* xz: the last stream's end seen under finish */
    size_t zlast;  /* zstd: the last result of a call that moved: 0 at a frame end */
    ZSTD_DCtx *zstd;
    z_stream gz;
    bz_stream bz;
    lzma_stream xz;
    int live; /* gz / bz / xz initialised */
};

afmt_zkind afmt_z_detect(const uint8_t *b, size_t n)
{
    if (n >= 4) {
        uint32_t m = afmt_load32(b);
        if (m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
            return AFMT_Z_ZSTD;
    }
    if (n >= 3 && b[0] == 0x1F && b[1] == 0x8B && b[2] == 0x08)
        return AFMT_Z_GZIP;
    if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9')
        return AFMT_Z_BZIP2;
    if (n >= 6 && memcmp(b, "\xFD" "7zXZ\0", 6) == 0)
        return AFMT_Z_XZ;
    return AFMT_Z_NONE;
}

const char *afmt_z_name(afmt_zkind k)
{
    switch (k) {
    case AFMT_Z_ZSTD:
        return "zstd";
    case AFMT_Z_GZIP:
        return "gzip";
    case AFMT_Z_BZIP2:
        return "bzip2";
    case AFMT_Z_XZ:
        return "xz";
    default:
        return "none";
    }
}

static int gz_start(afmt_zdec *d)
{
    memset(&d->gz, 0, sizeof d->gz);
    /* 15 + 16: a gzip wrapper only (not zlib, not raw deflate) */
    return inflateInit2(&d->gz, 15 + 16) == Z_OK ? AFMT_OK : AFMT_E_NOMEM;
}

static int bz_start(afmt_zdec *d)
{
    memset(&d->bz, 0, sizeof d->bz);
    return BZ2_bzDecompressInit(&d->bz, 0, 0) == BZ_OK ? AFMT_OK : AFMT_E_NOMEM;
}

int afmt_zdec_new(afmt_zdec **out, afmt_zkind k, char *errbuf)
{
    *out = NULL;
    afmt_zdec *d = calloc(1, sizeof *d);
    if (d == NULL)
        return afmt_fail(errbuf, AFMT_E_NOMEM, "out of memory");
    d->kind = k;
    d->zlast = 1;
    int rc = AFMT_OK;
    switch (k) {
    case AFMT_Z_ZSTD: {
        d->zstd = ZSTD_createDCtx();
        if (d->zstd == NULL) {
            rc = afmt_fail(errbuf, AFMT_E_NOMEM, "out of memory");
            break;
        }
        size_t r = ZSTD_DCtx_setParameter(d->zstd, ZSTD_d_windowLogMax,
                                          AFMT_IMPORT_ZSTD_WINDOW_LOG_MAX);
        if (ZSTD_isError(r))
            rc = afmt_fail(errbuf, AFMT_E_UNSUPPORTED, "zstd: cannot set windowLogMax %d: %s",
                           AFMT_IMPORT_ZSTD_WINDOW_LOG_MAX, ZSTD_getErrorName(r));
        break;
    }
    case AFMT_Z_GZIP:
        if ((rc = gz_start(d)) != AFMT_OK)
            rc = afmt_fail(errbuf, rc, "gzip: cannot start the decoder");
        d->live = rc == AFMT_OK;
        break;
    case AFMT_Z_BZIP2:
        if ((rc = bz_start(d)) != AFMT_OK)
            rc = afmt_fail(errbuf, rc, "bzip2: cannot start the decoder");
        d->live = rc == AFMT_OK;
        break;
    case AFMT_Z_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        d->xz = init;
        if (lzma_stream_decoder(&d->xz, AFMT_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
            rc = afmt_fail(errbuf, AFMT_E_NOMEM, "xz: cannot start the decoder");
        d->live = rc == AFMT_OK;
        break;
    }
    default:
        rc = afmt_fail(errbuf, AFMT_E_UNSUPPORTED, "not a known compression");
    }
    if (rc != AFMT_OK) {
        afmt_zdec_free(d);
        return rc;
    }
    *out = d;
    return AFMT_OK;
}

int afmt_zdec_step(afmt_zdec *d, const uint8_t *in, size_t in_len, size_t *in_used,
                   uint8_t *out, size_t out_cap, size_t *out_len, int finish, char *errbuf)
{
    *in_used = 0;
    *out_len = 0;
    switch (d->kind) {
    case AFMT_Z_ZSTD: {
        ZSTD_outBuffer ob = {out, out_cap, 0};
        ZSTD_inBuffer ib = {in, in_len, 0};
        size_t r = ZSTD_decompressStream(d->zstd, &ob, &ib);
        if (ZSTD_isError(r))
            return afmt_fail(errbuf, AFMT_E_FORMAT, "zstd: %s", ZSTD_getErrorName(r));
        /* At a frame boundary with no input left the decoder answers the
         * size of the next frame's header without making progress: only a
         * call that moved something says where the stream stands. */
        if (ib.pos > 0 || ob.pos > 0)
            d->zlast = r;
        *in_used = ib.pos;
        *out_len = ob.pos;
        return AFMT_OK;
    }
    case AFMT_Z_GZIP: {
        if (in_len == 0 && !d->in_member)
            return AFMT_OK;
        d->in_member = 1;
        d->gz.next_in = (Bytef *)(uintptr_t)in;
        d->gz.avail_in = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
        d->gz.next_out = out;
        d->gz.avail_out = out_cap > UINT_MAX ? UINT_MAX : (uInt)out_cap;
        uInt in_before = d->gz.avail_in, out_before = d->gz.avail_out;
        int r = inflate(&d->gz, Z_NO_FLUSH);
        *in_used = in_before - d->gz.avail_in;
        *out_len = out_before - d->gz.avail_out;
        if (r == Z_STREAM_END) {
            /* a member ends; another may follow (gzip -c a b > ab.gz) */
            d->in_member = 0;
            if (inflateReset(&d->gz) != Z_OK)
                return afmt_fail(errbuf, AFMT_E_FORMAT, "gzip: cannot restart the decoder");
            return AFMT_OK;
        }
        if (r == Z_OK || r == Z_BUF_ERROR)
            return AFMT_OK; /* more input or room wanted */
        return afmt_fail(errbuf, r == Z_MEM_ERROR ? AFMT_E_NOMEM : AFMT_E_FORMAT, "gzip: %s",
                         d->gz.msg != NULL ? d->gz.msg : "corrupt data");
    }
    case AFMT_Z_BZIP2: {
        if (in_len == 0 && !d->in_member)
            return AFMT_OK;
        d->in_member = 1;
        d->bz.next_in = (char *)(uintptr_t)in;
        d->bz.avail_in = in_len > UINT_MAX ? UINT_MAX : (unsigned)in_len;
        d->bz.next_out = (char *)out;
        d->bz.avail_out = out_cap > UINT_MAX ? UINT_MAX : (unsigned)out_cap;
        unsigned in_before = d->bz.avail_in, out_before = d->bz.avail_out;
        int r = BZ2_bzDecompress(&d->bz);
        *in_used = in_before - d->bz.avail_in;
        *out_len = out_before - d->bz.avail_out;
        if (r == BZ_STREAM_END) {
            /* a stream ends; another may follow (pbzip2 writes many) */
            d->in_member = 0;
            BZ2_bzDecompressEnd(&d->bz);
            d->live = 0;
            if (bz_start(d) != AFMT_OK)
                return afmt_fail(errbuf, AFMT_E_NOMEM, "bzip2: cannot restart the decoder");
            d->live = 1;
            return AFMT_OK;
        }
        if (r == BZ_OK)
            return AFMT_OK;
        return afmt_fail(errbuf, r == BZ_MEM_ERROR ? AFMT_E_NOMEM : AFMT_E_FORMAT,
                         "bzip2: corrupt data (error %d)", r);
    }
    case AFMT_Z_XZ: {
        if (d->ended)
            return in_len == 0 ? AFMT_OK
                               : afmt_fail(errbuf, AFMT_E_FORMAT, "xz: data after the end");
        d->xz.next_in = in;
        d->xz.avail_in = in_len;
        d->xz.next_out = out;
        d->xz.avail_out = out_cap;
        lzma_ret r = lzma_code(&d->xz, finish ? LZMA_FINISH : LZMA_RUN);
        *in_used = in_len - d->xz.avail_in;
        *out_len = out_cap - d->xz.avail_out;
        if (r == LZMA_STREAM_END) {
            d->ended = 1;
            return AFMT_OK;
        }
        if (r == LZMA_OK || r == LZMA_BUF_ERROR)
            return AFMT_OK; /* a truncated stream shows as never ending */
        if (r == LZMA_MEMLIMIT_ERROR)
            return afmt_fail(errbuf, AFMT_E_LIMIT,
                             "xz: the stream needs more than %llu MiB to decode",
                             (unsigned long long)(AFMT_XZ_MEMLIMIT >> 20));
        if (r == LZMA_MEM_ERROR)
            return afmt_fail(errbuf, AFMT_E_NOMEM, "out of memory");
        return afmt_fail(errbuf, AFMT_E_FORMAT, "xz: corrupt data (error %d)", (int)r);
    }
    default:
        return afmt_fail(errbuf, AFMT_E_STATE, "no decoder");
    }
}

int afmt_zdec_complete(const afmt_zdec *d)
{
    switch (d->kind) {
    case AFMT_Z_ZSTD:
        return d->zlast == 0;
    case AFMT_Z_GZIP:
    case AFMT_Z_BZIP2:
        return !d->in_member;
    case AFMT_Z_XZ:
        return d->ended;
    default:
        return 0;
    }
}

size_t afmt_z_peek(afmt_zkind k, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    char err[AFMT_ERRMSG_BYTES];
    afmt_zdec *d;
    if (k == AFMT_Z_ZSTD) {
        /* without the 2 GiB window: a head is not worth allocating one */
        d = calloc(1, sizeof *d);
        if (d == NULL || (d->zstd = ZSTD_createDCtx()) == NULL) {
            afmt_zdec_free(d);
            return 0;
        }
        d->kind = k;
        d->zlast = 1;
    } else if (afmt_zdec_new(&d, k, err) != AFMT_OK) {
        return 0;
    }
    size_t pos = 0, len = 0;
    while (len < cap) {
        size_t used, got;
        if (afmt_zdec_step(d, in + pos, n - pos, &used, out + len, cap - len, &got, 0, err) !=
                AFMT_OK ||
            (used == 0 && got == 0))
            break;
        pos += used;
        len += got;
    }
    afmt_zdec_free(d);
    return len;
}

void afmt_zdec_free(afmt_zdec *d)
{
    if (d == NULL)
        return;
    ZSTD_freeDCtx(d->zstd);
    if (d->live) {
        if (d->kind == AFMT_Z_GZIP)
            inflateEnd(&d->gz);
        else if (d->kind == AFMT_Z_BZIP2)
            BZ2_bzDecompressEnd(&d->bz);
        else if (d->kind == AFMT_Z_XZ)
            lzma_end(&d->xz);
    }
    free(d);
}
