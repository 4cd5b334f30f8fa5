/*
 * line_reader.c - line reader (plain or zstd) and literal file bytes for
 * the line-oriented importers (see line_reader.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "import/decompress.h"
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
    if (l->dec == NULL) {
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
    const char *zname = afmt_z_name((afmt_zkind)l->zkind);
    for (;;) {
        size_t used, got;
        int rc = afmt_zdec_step(l->dec, l->zin + l->zin_pos, l->zin_len - l->zin_pos, &used,
                                l->buf + l->end, l->cap - l->end, &got, l->raw_eof, l->errbuf);
        if (rc != AFMT_OK) {
            char why[AFMT_ERRMSG_BYTES];
            snprintf(why, sizeof why, "%s", l->errbuf != NULL ? l->errbuf : "");
            return lines_fail(l, rc, "%s (compressed input byte %" PRIu64 ")", why,
                              l->raw_bytes - (uint64_t)(l->zin_len - l->zin_pos));
        }
        l->zin_pos += used;
        l->end += got;
        l->out_bytes += got;
        /* a decompression bomb: far more out than real text gives */
        uint64_t most = AFMT_DECOMP_FLOOR + (uint64_t)AFMT_DECOMP_RATIO * l->raw_bytes;
        if (l->out_bytes > most)
            return lines_fail(l, AFMT_E_LIMIT,
                              "%s: %" PRIu64 " compressed bytes expand to more than %" PRIu64
                              " (%u times their size plus %llu MiB): refused as a "
                              "decompression bomb",
                              zname, l->raw_bytes, most, AFMT_DECOMP_RATIO,
                              (unsigned long long)(AFMT_DECOMP_FLOOR >> 20));
        if (got > 0)
            return AFMT_OK;
        if (l->zin_pos < l->zin_len) {
            if (used == 0)
                return lines_fail(l, AFMT_E_FORMAT, "%s: the decoder makes no progress "
                                  "(compressed input byte %" PRIu64 ")", zname,
                                  l->raw_bytes - (uint64_t)(l->zin_len - l->zin_pos));
            continue;
        }
        if (l->raw_eof) {
            if (!afmt_zdec_complete(l->dec))
                return lines_fail(l, AFMT_E_FORMAT,
                                  "%s: the input ends inside a frame or member (truncated, "
                                  "%" PRIu64 " bytes)", zname, l->raw_bytes);
            l->eof = 1;
            return AFMT_OK;
        }
        size_t n;
        rc = raw_fill(l, &n);
        if (rc != AFMT_OK)
            return rc;
    }
}

int afmt_lines_open(afmt_lines *l, int fd, size_t max_line, unsigned flags,
                    afmt_lines_tap tap, void *tap_ctx, int *out_compressed, char *errbuf)
{
    memset(l, 0, sizeof *l);
    l->fd = fd;
    l->max_line = max_line;
    l->errbuf = errbuf;
    l->tap = tap;
    l->tap_ctx = tap_ctx;
    l->flags = flags;
    if (out_compressed != NULL)
        *out_compressed = 0;
    l->cap = AFMT_IMPORT_PIECE_BYTES;
    l->buf = malloc(l->cap);
    if (l->buf == NULL)
        return lines_fail(l, AFMT_E_NOMEM, "out of memory");
    /* The first bytes, enough to see a magic number. */
    while (l->end < AFMT_Z_MAGIC_BYTES) {
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
    afmt_zkind k = (flags & AFMT_LINES_DECOMPRESS) ? afmt_z_detect(l->buf, l->end) : AFMT_Z_NONE;
    if (k == AFMT_Z_NONE)
        return AFMT_OK;

    /* Compressed: what was read is the decoder's first input. */
    l->zin = malloc(AFMT_IMPORT_READ_BYTES > l->cap ? AFMT_IMPORT_READ_BYTES : l->cap);
    if (l->zin == NULL)
        return lines_fail(l, AFMT_E_NOMEM, "out of memory");
    int rc = afmt_zdec_new(&l->dec, k, l->errbuf);
    if (rc != AFMT_OK)
        return rc;
    l->zkind = (int)k;
    memcpy(l->zin, l->buf, l->end);
    l->zin_len = l->end;
    l->zin_pos = 0;
    l->raw_eof = l->eof;
    l->end = 0;
    l->eof = 0;
    if (out_compressed != NULL)
        *out_compressed = (int)k;
    if (l->tap != NULL) {
        rc = l->tap(l->tap_ctx, l->zin, l->zin_len);
        if (rc != AFMT_OK)
            return rc;
    }
    return AFMT_OK;
}

/* The first line: a UTF-8 byte order mark before it is taken off (it
 * stays in the file entry: the importers store it as data, l->bom). */
static int take_bom(afmt_lines *l)
{
    while (l->end - l->pos < 3 && !l->eof) {
        if (l->cap - l->end < 3)
            break; /* cannot happen: the buffer is far larger */
        int rc = fill(l);
        if (rc != AFMT_OK)
            return rc;
    }
    if (l->end - l->pos >= 3 && memcmp(l->buf + l->pos, "\xEF\xBB\xBF", 3) == 0) {
        l->pos += 3;
        l->scan = l->pos;
        l->consumed += 3;
        l->bom = 1;
    }
    return AFMT_OK;
}

int afmt_lines_next(afmt_lines *l, const uint8_t **line, size_t *len)
{
    if (l->line_no == 0 && (l->flags & AFMT_LINES_SKIP_BOM) && !l->bom) {
        int rc = take_bom(l);
        if (rc != AFMT_OK)
            return rc;
    }
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
    afmt_zdec_free(l->dec);
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

static int pending_store(afmt_pending *p, const void *data, size_t len);

int afmt_pending_add(afmt_pending *p, const void *data, size_t len)
{
    if (p->raw_only)
        return AFMT_OK; /* the compressed bytes are the file: the tap stores them */
    return pending_store(p, data, len);
}

static int pending_store(afmt_pending *p, const void *data, size_t len)
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
    return pending_store(ctx, data, len);
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
