/*
 * line_reader.h - pieces shared by the line-oriented importers of
 * ndjson.c, pushshift.c and mbox.c:
 *
 *  - afmt_lines: reads a file descriptor line by line in bounded memory,
 *    optionally through a decoder of the compression its magic bytes name
 *    (zstd with ZSTD_d_windowLogMax 31, so the 2 GiB windows of the
 *    Pushshift dumps decode; gzip; bzip2; xz: decompress.h), with a hard
 *    limit on the
 *    length of one line and an optional "tap" that sees every raw byte read
 *    from the descriptor (used to store a compressed input as it is);
 *  - afmt_pending: the literal bytes of a file entry that are not post
 *    contents (separators, envelopes, compressed bytes), gathered and handed
 *    to afmt_writer_file_add_data in pieces of AFMT_IMPORT_PIECE_BYTES;
 *  - small helpers: bounded error messages, UTF-8-safe truncation.
 */
#ifndef AFMT_IMPORT_LINES_H
#define AFMT_IMPORT_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"
#include "import/idmaker.h"
#include "import/import.h"

/* Size of one stored piece of literal file bytes: a blob of at most this
 * size (pieces up to AFMT_MAX_INLINE_BYTES are stored inline).  The
 * writer's default block size, so a piece never makes a block much larger
 * than the writer would have made it anyway. */
#define AFMT_IMPORT_PIECE_BYTES (256u * 1024)

/* Bytes asked of read(2) at a time. */
#define AFMT_IMPORT_READ_BYTES (128u * 1024)

/* zstd windowLogMax for compressed inputs: 31 (2 GiB), what the Pushshift
 * dumps need (`zstd -d --long=31`). */
#define AFMT_IMPORT_ZSTD_WINDOW_LOG_MAX 31

typedef int (*afmt_lines_tap)(void *ctx, const uint8_t *data, size_t len);

typedef struct afmt_lines {
    int fd;
    size_t max_line;       /* longest line accepted, without its "\n" */
    /* the line buffer: bytes [pos, end) not yet handed out; [pos, scan)
     * known to hold no "\n" */
    uint8_t *buf;
    size_t cap, pos, end, scan;
    int eof;               /* the (decompressed) stream has ended */
    uint64_t line_no;      /* number of the last line returned, from 1 */
    uint64_t line_offset;  /* offset of that line in the (decompressed) stream */
    uint64_t consumed;     /* bytes handed out so far */
    uint64_t raw_bytes;    /* bytes read from fd */
    /* the decoder, when the stream is compressed (decompress.h) */
    struct afmt_zdec *dec; /* NULL for a plain stream */
    int zkind;             /* its afmt_zkind, 0 for none */
    uint8_t *zin;
    size_t zin_len, zin_pos;
    int raw_eof;
    uint64_t out_bytes;    /* decompressed bytes so far (the bomb bound) */
    unsigned flags;        /* AFMT_LINES_* */
    int bom;               /* a UTF-8 byte order mark was taken off the first line */
    afmt_lines_tap tap;
    void *tap_ctx;
    char *errbuf;          /* AFMT_ERRMSG_BYTES, owned by the caller */
} afmt_lines;

/* afmt_lines_open flags. */
/* Decompress an input whose first bytes are a zstd, gzip, bzip2 or xz
 * magic number (decompress.h).  Such a stream may expand at most
 * AFMT_DECOMP_RATIO times its compressed size plus AFMT_DECOMP_FLOOR. */
#define AFMT_LINES_DECOMPRESS 1u
/* Take a UTF-8 byte order mark (EF BB BF) off the start of the first line
 * and set l->bom, so that a JSON parser sees the text (issue 19). */
#define AFMT_LINES_SKIP_BOM 2u

/* Opens a line reader on fd.  With AFMT_LINES_DECOMPRESS and a compressed
 * input, the stream is decompressed and every raw byte read is passed to
 * tap(tap_ctx, ...) (tap may be NULL) before it is decoded.
 * *out_compressed (may be NULL) gets the afmt_zkind, 0 for a plain input.
 * errbuf must hold AFMT_ERRMSG_BYTES and stay valid. */
AFMT_INTERNAL int afmt_lines_open(afmt_lines *l, int fd, size_t max_line, unsigned flags,
                                  afmt_lines_tap tap, void *tap_ctx, int *out_compressed,
                                  char *errbuf);

/* The next line, with its "\n" (the last line of the stream may lack it).
 * Returns 1 and sets *line / *len (valid until the next call), 0 at the end
 * of the stream, or a negative afmt_error (message in errbuf): AFMT_E_LIMIT
 * for a line longer than max_line or a stream that expands too much,
 * AFMT_E_FORMAT for a corrupt or truncated compressed stream, AFMT_E_IO,
 * AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_lines_next(afmt_lines *l, const uint8_t **line, size_t *len);

AFMT_INTERNAL void afmt_lines_free(afmt_lines *l);

/* ---- literal file bytes ---- */

typedef struct afmt_pending {
    afmt_writer *w;
    afmt_buf b;
    uint64_t stored;       /* bytes handed to the writer */
    char *errbuf;
    /* The input is compressed: the file entry is its raw bytes, given by
     * the tap (afmt_pending_tap), and afmt_pending_add, which the
     * importers call with the decompressed text's separators, stores
     * nothing. */
    int raw_only;
} afmt_pending;

AFMT_INTERNAL void afmt_pending_init(afmt_pending *p, afmt_writer *w, char *errbuf);
/* Appends; hands out full pieces of AFMT_IMPORT_PIECE_BYTES as they fill
 * (nothing when raw_only is set). */
AFMT_INTERNAL int afmt_pending_add(afmt_pending *p, const void *data, size_t len);
/* Hands out whatever is gathered (nothing when empty). */
AFMT_INTERNAL int afmt_pending_flush(afmt_pending *p);
AFMT_INTERNAL void afmt_pending_free(afmt_pending *p);
/* A tap (afmt_lines_tap) that appends to an afmt_pending, raw_only or not. */
AFMT_INTERNAL int afmt_pending_tap(void *ctx, const uint8_t *data, size_t len);

/* ---- helpers ---- */

/* The longest prefix of s[0..len) of at most max bytes that does not cut a
 * UTF-8 sequence in two (when s is not UTF-8 there, simply max). */
AFMT_INTERNAL size_t afmt_utf8_trunc(const uint8_t *s, size_t len, size_t max);

/* Formats into errbuf (AFMT_ERRMSG_BYTES) when it is not NULL; returns err. */
#define AFMT_IMPORT_FAIL(errbuf, err, ...) afmt_fail((errbuf), (err), __VA_ARGS__)

/* Copies a message into the caller's errbuf (errbuf_size bytes, may be NULL). */
AFMT_INTERNAL void afmt_import_errcopy(char *errbuf, size_t errbuf_size, const char *msg);

/* ---- a streaming importer that names ids as it reads (pushshift.c, mbox.c) ---- */

/* What such an importer keeps; its own state embeds it first. */
typedef struct afmt_stream {
    afmt_writer *w;
    afmt_lines lines;
    afmt_pending pending;
    afmt_idmaker ids;
    afmt_buf deferred; /* records whose id was taken (afmt_defer_push) */
    int final_pass;    /* replaying them: every id of the input is known */
    afmt_import_stats st;
    char err[AFMT_ERRMSG_BYTES];
} afmt_stream;

/* Allocates a zeroed state of state_size bytes (an afmt_stream first), sets
 * up its writer, pending bytes and id maker, calls run, adds its stats to
 * *stats or copies its message to errbuf, and frees everything (free_own,
 * which may be NULL, frees the importer's own members). */
AFMT_INTERNAL int afmt_stream_import(size_t state_size,
                                     int (*run)(afmt_stream *s, int fd, const char *path,
                                                size_t path_len),
                                     void (*free_own)(afmt_stream *s), afmt_writer *w, int fd,
                                     const char *path, size_t path_len,
                                     afmt_import_stats *stats, char *errbuf,
                                     size_t errbuf_size);

/* The end of the input: the pending bytes written, bytes_in counted, the
 * file entry ended. */
AFMT_INTERNAL int afmt_stream_end(afmt_stream *s);

#endif
