/*
 * line_reader.c - line reader (plain or zstd) and literal file bytes for
 * the line-oriented importers (see line_reader.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zstd.h>

#include "import/line_reader.h"

/* ------------------------------------------------------------ line reader */

static int lines_fail(afmt_lines *l, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lines_fail(afmt_lines *l, int err, const char *fmt, ...)
{
    if (l->errbuf != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->errbuf, AFMT_ERRMSG_BYTES, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* read(2) retrying EINTR; returns bytes read (0 at end) or -1. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

/* Reads raw bytes into l->zin (which must be drained), passing them to the
 * tap.  Returns bytes read, 0 at the end, or a negative afmt_error. */
static int raw_fill(afmt_lines *l, size_t *got)
{
    *got = 0;
    if (l->raw_eof)
        return AFMT_OK;
    ssize_t n = read_some(l->fd, l->zin, AFMT_IMPORT_READ_BYTES);
    if (n < 0)
        return lines_fail(l, AFMT_E_IO, "read failed after %" PRIu64 " bytes: %s",
                          l->raw_bytes, strerror(errno));
    if (n == 0) {
        l->raw_eof = 1;
        return AFMT_OK;
    }
    l->zin_len = (size_t)n;
    l->zin_pos = 0;
    l->raw_bytes += (uint64_t)n;
    if (l->tap != NULL) {
        int rc = l->tap(l->tap_ctx, l->zin, (size_t)n);
        if (rc != AFMT_OK)
            return rc;
    }
    *got = (size_t)n;
    return AFMT_OK;
}

/* Adds bytes at buf[end..cap).  Sets l->eof when the stream has ended. */
static int fill(afmt_lines *l)
{
    if (l->dctx == NULL) {
        ssize_t n = read_some(l->fd, l->buf + l->end, l->cap - l->end);
        if (n < 0)
            return lines_fail(l, AFMT_E_IO, "read failed after %" PRIu64 " bytes: %s",
                              l->raw_bytes, strerror(errno));
        if (n == 0)
            l->eof = 1;
        l->end += (size_t)n;
        l->raw_bytes += (uint64_t)n;
        return AFMT_OK;
    }
    for (;;) {
        ZSTD_outBuffer out = {l->buf + l->end, l->cap - l->end, 0};
        ZSTD_inBuffer in = {l->zin, l->zin_len, l->zin_pos};
        size_t r = ZSTD_decompressStream((ZSTD_DCtx *)l->dctx, &out, &in);
        if (ZSTD_isError(r))
            return lines_fail(l, AFMT_E_FORMAT,
                              "zstd: %s (compressed input byte %" PRIu64 ")",
                              ZSTD_getErrorName(r),
                              l->raw_bytes - (uint64_t)(l->zin_len - in.pos));
        /* At a frame boundary with no input left the decoder answers the
         * size of the next frame's header without making progress: only a
         * call that moved something says where the stream stands. */
        if (in.pos > l->zin_pos || out.pos > 0)
            l->zlast = r;
        l->zin_pos = in.pos;
        l->end += out.pos;
        if (out.pos > 0)
            return AFMT_OK;
        if (l->zin_pos == l->zin_len) {
            size_t got;
            int rc = raw_fill(l, &got);
            if (rc != AFMT_OK)
                return rc;
            if (got == 0) {
                if (l->zlast != 0)
                    return lines_fail(l, AFMT_E_FORMAT,
                                      "zstd: the input ends inside a frame (truncated, "
                                      "%" PRIu64 " bytes)", l->raw_bytes);
                l->eof = 1;
                return AFMT_OK;
            }
        }
    }
}

static int is_zstd_start(const uint8_t *p, size_t n)
{
    if (n < 4)
        return 0;
    uint32_t m = afmt_load32(p);
    return m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

int afmt_lines_open(afmt_lines *l, int fd, size_t max_line, int detect_zstd,
                    afmt_lines_tap tap, void *tap_ctx, int *out_compressed, char *errbuf)
{
    memset(l, 0, sizeof *l);
    l->fd = fd;
    l->max_line = max_line;
    l->errbuf = errbuf;
    l->tap = tap;
    l->tap_ctx = tap_ctx;
    if (out_compressed != NULL)
        *out_compressed = 0;
    l->cap = AFMT_IMPORT_PIECE_BYTES;
    l->buf = malloc(l->cap);
    if (l->buf == NULL)
        return lines_fail(l, AFMT_E_NOMEM, "out of memory");
    /* The first bytes, enough to see a magic number. */
    while (l->end < 4) {
        ssize_t n = read_some(fd, l->buf + l->end, l->cap - l->end);
        if (n < 0)
            return lines_fail(l, AFMT_E_IO, "read failed: %s", strerror(errno));
        if (n == 0) {
            l->eof = 1;
            break;
        }
        l->end += (size_t)n;
    }
    l->raw_bytes = l->end;
    if (!detect_zstd || !is_zstd_start(l->buf, l->end))
        return AFMT_OK;

    /* Compressed: what was read is the decoder's first input. */
    ZSTD_DCtx *d = ZSTD_createDCtx();
    l->zin = malloc(AFMT_IMPORT_READ_BYTES > l->cap ? AFMT_IMPORT_READ_BYTES : l->cap);
    if (d == NULL || l->zin == NULL) {
        ZSTD_freeDCtx(d);
        return lines_fail(l, AFMT_E_NOMEM, "out of memory");
    }
    l->dctx = d;
    size_t r = ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, AFMT_IMPORT_ZSTD_WINDOW_LOG_MAX);
    if (ZSTD_isError(r))
        return lines_fail(l, AFMT_E_UNSUPPORTED, "zstd: cannot set windowLogMax %d: %s",
                          AFMT_IMPORT_ZSTD_WINDOW_LOG_MAX, ZSTD_getErrorName(r));
    memcpy(l->zin, l->buf, l->end);
    l->zin_len = l->end;
    l->zin_pos = 0;
    l->zlast = 1;
    l->end = 0;
    l->eof = 0;
    if (out_compressed != NULL)
        *out_compressed = 1;
    if (l->tap != NULL) {
        int rc = l->tap(l->tap_ctx, l->zin, l->zin_len);
        if (rc != AFMT_OK)
            return rc;
    }
    return AFMT_OK;
}

int afmt_lines_next(afmt_lines *l, const uint8_t **line, size_t *len)
{
    for (;;) {
        if (l->scan < l->end) {
            const uint8_t *nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
            if (nl != NULL) {
                size_t n = (size_t)(nl - (l->buf + l->pos)) + 1;
                if (n - 1 > l->max_line)
                    break;
                *line = l->buf + l->pos;
                *len = n;
                l->line_no++;
                l->line_offset = l->consumed;
                l->consumed += n;
                l->pos += n;
                l->scan = l->pos;
                return 1;
            }
            l->scan = l->end;
        }
        if (l->end - l->pos > l->max_line)
            break;
        if (l->eof) {
            if (l->pos == l->end)
                return 0;
            *line = l->buf + l->pos;
            *len = l->end - l->pos;
            l->line_no++;
            l->line_offset = l->consumed;
            l->consumed += *len;
            l->pos = l->scan = l->end;
            return 1;
        }
        /* Make room: move the unfinished line to the front, or grow. */
        if (l->pos > 0) {
            memmove(l->buf, l->buf + l->pos, l->end - l->pos);
            l->end -= l->pos;
            l->scan -= l->pos;
            l->pos = 0;
        }
        if (l->cap - l->end < AFMT_IMPORT_READ_BYTES / 2) {
            size_t ncap = l->cap * 2;
            size_t most = l->max_line + 1 + AFMT_IMPORT_READ_BYTES;
            if (ncap > most)
                ncap = most;
            if (ncap > l->cap) {
                uint8_t *nb = realloc(l->buf, ncap);
                if (nb == NULL)
                    return lines_fail(l, AFMT_E_NOMEM, "out of memory");
                l->buf = nb;
                l->cap = ncap;
            }
        }
        if (l->end == l->cap)
            break; /* cannot happen: cap exceeds max_line + 1 */
        int rc = fill(l);
        if (rc != AFMT_OK)
            return rc;
    }
    return lines_fail(l, AFMT_E_LIMIT,
                      "line %" PRIu64 " (at byte %" PRIu64 ") is longer than %zu bytes",
                      l->line_no + 1, l->consumed, l->max_line);
}

void afmt_lines_free(afmt_lines *l)
{
    free(l->buf);
    free(l->zin);
    ZSTD_freeDCtx((ZSTD_DCtx *)l->dctx);
    memset(l, 0, sizeof *l);
}

/* ---------------------------------------------------- literal file bytes */

void afmt_pending_init(afmt_pending *p, afmt_writer *w, char *errbuf)
{
    memset(p, 0, sizeof *p);
    p->w = w;
    p->errbuf = errbuf;
}

static int pending_emit(afmt_pending *p, const uint8_t *data, size_t len)
{
    int rc = afmt_writer_file_add_data(p->w, data, len);
    if (rc != AFMT_OK)
        return afmt_fail(p->errbuf, rc, "storing %zu bytes of the file: %s", len,
                         afmt_writer_errmsg(p->w));
    p->stored += len;
    return AFMT_OK;
}

int afmt_pending_add(afmt_pending *p, const void *data, size_t len)
{
    const uint8_t *d = data;
    while (len > 0) {
        size_t room = AFMT_IMPORT_PIECE_BYTES - p->b.len;
        size_t take = len < room ? len : room;
        if (p->b.len == 0 && take == AFMT_IMPORT_PIECE_BYTES) {
            int rc = pending_emit(p, d, take); /* a whole piece: no copy */
            if (rc != AFMT_OK)
                return rc;
        } else {
            if (afmt_buf_append(&p->b, d, take) != AFMT_OK)
                return afmt_fail(p->errbuf, AFMT_E_NOMEM, "out of memory");
            if (p->b.len == AFMT_IMPORT_PIECE_BYTES) {
                int rc = pending_emit(p, p->b.data, p->b.len);
                if (rc != AFMT_OK)
                    return rc;
                p->b.len = 0;
            }
        }
        d += take;
        len -= take;
    }
    return AFMT_OK;
}

int afmt_pending_flush(afmt_pending *p)
{
    if (p->b.len == 0)
        return AFMT_OK;
    int rc = pending_emit(p, p->b.data, p->b.len);
    p->b.len = 0;
    return rc;
}

void afmt_pending_free(afmt_pending *p)
{
    afmt_buf_free(&p->b);
}

int afmt_pending_tap(void *ctx, const uint8_t *data, size_t len)
{
    return afmt_pending_add(ctx, data, len);
}

/* --------------------------------------------------------------- helpers */

size_t afmt_utf8_trunc(const uint8_t *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    /* Back off continuation bytes (at most 3) to the start of a sequence. */
    size_t back = 0;
    while (n > 0 && back < 3 && (s[n] & 0xC0) == 0x80) {
        n--;
        back++;
    }
    if ((s[n] & 0xC0) == 0x80)
        return max; /* not UTF-8 here: cut anywhere */
    return n;
}

void afmt_import_errcopy(char *errbuf, size_t errbuf_size, const char *msg)
{
    if (errbuf == NULL || errbuf_size == 0)
        return;
    snprintf(errbuf, errbuf_size, "%s", msg);
}

/* --------------------------------------------------- a streaming importer */

int afmt_stream_import(size_t state_size,
                       int (*run)(afmt_stream *s, int fd, const char *path, size_t path_len),
                       void (*free_own)(afmt_stream *s), afmt_writer *w, int fd,
                       const char *path, size_t path_len, afmt_import_stats *stats,
                       char *errbuf, size_t errbuf_size)
{
    afmt_stream *s = calloc(1, state_size);
    if (s == NULL) {
        afmt_import_errcopy(errbuf, errbuf_size, "out of memory");
        return AFMT_E_NOMEM;
    }
    s->w = w;
    afmt_pending_init(&s->pending, w, s->err);
    int rc = afmt_idmaker_init(&s->ids);
    if (rc == AFMT_OK)
        rc = run(s, fd, path, path_len);
    else
        afmt_fail(s->err, rc, "cannot set up the id table");
    if (rc == AFMT_OK)
        afmt_import_stats_add(stats, &s->st);
    else
        afmt_import_errcopy(errbuf, errbuf_size, s->err);
    afmt_lines_free(&s->lines);
    afmt_pending_free(&s->pending);
    afmt_idmaker_free(&s->ids);
    afmt_buf_free(&s->deferred);
    if (free_own != NULL)
        free_own(s);
    free(s);
    return rc;
}

int afmt_stream_end(afmt_stream *s)
{
    int rc = afmt_pending_flush(&s->pending);
    if (rc != AFMT_OK)
        return rc;
    s->st.bytes_in = s->lines.raw_bytes;
    rc = afmt_writer_file_end(NULL, s->w);
    if (rc != AFMT_OK)
        return afmt_fail(s->err, rc, "%s", afmt_writer_errmsg(s->w));
    return AFMT_OK;
}
