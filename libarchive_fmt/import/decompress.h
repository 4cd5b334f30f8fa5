/*
 * decompress.h - compressed inputs of the streaming importers (Pushshift,
 * mbox): zstd (libzstd), gzip (zlib), bzip2 (libbz2) and xz (liblzma),
 * told apart by their magic bytes, never by a file name.  Every format's
 * concatenated members (zstd frames, gzip members, bzip2 streams, xz
 * streams) are read one after another, as the stock tools do.
 *
 * Hostile input: a decoder's memory is bounded (zstd windowLogMax 31, the
 * Pushshift dumps' 2 GiB; xz memlimit AFMT_XZ_MEMLIMIT), and the line
 * reader refuses a stream that expands beyond AFMT_DECOMP_RATIO times its
 * compressed bytes plus AFMT_DECOMP_FLOOR (a decompression bomb).
 */
#ifndef AFMT_IMPORT_DECOMPRESS_H
#define AFMT_IMPORT_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"

typedef enum afmt_zkind {
    AFMT_Z_NONE = 0,
    AFMT_Z_ZSTD,  /* 28 B5 2F FD, or a skippable frame 5? 2A 4D 18 */
    AFMT_Z_GZIP,  /* 1F 8B 08 (deflate, the only method gzip defines) */
    AFMT_Z_BZIP2, /* "BZh" and a block size '1'..'9' */
    AFMT_Z_XZ,    /* FD "7zXZ" 00 */
} afmt_zkind;

/* Bytes afmt_z_detect needs to see every magic. */
#define AFMT_Z_MAGIC_BYTES 6
/* Decompressed bytes allowed: AFMT_DECOMP_FLOOR + AFMT_DECOMP_RATIO times
 * the compressed bytes read.  Real text compresses 3 to 15 times (the
 * Pushshift dumps about 10 with zstd --long=31); a bomb, 1,000 times and
 * more. */
#define AFMT_DECOMP_RATIO 250u
#define AFMT_DECOMP_FLOOR ((uint64_t)256 << 20)
/* liblzma's memory limit: xz -9e needs 65 MiB to decode, so this is
 * room for any preset and refuses forged dictionary sizes. */
#define AFMT_XZ_MEMLIMIT ((uint64_t)512 << 20)

/* The compression of a stream that starts with b[0..n); AFMT_Z_NONE when n
 * is too short to tell or the bytes are no known magic. */
AFMT_INTERNAL afmt_zkind afmt_z_detect(const uint8_t *b, size_t n);
/* "zstd", "gzip", "bzip2", "xz" or "none". */
AFMT_INTERNAL const char *afmt_z_name(afmt_zkind k);

/* Decodes what it can of in[0..n), the head of a stream of kind k, into
 * out[0..cap) and returns the bytes decoded (0 on any error): for telling
 * what is inside a compressed input.  A zstd frame is read with the
 * default window limit here (128 MiB), not the Pushshift dumps' 2 GiB. */
AFMT_INTERNAL size_t afmt_z_peek(afmt_zkind k, const uint8_t *in, size_t n, uint8_t *out,
                                 size_t cap);

typedef struct afmt_zdec afmt_zdec;

/* A decoder of kind k (not AFMT_Z_NONE).  AFMT_E_NOMEM, or
 * AFMT_E_UNSUPPORTED (message in errbuf, AFMT_ERRMSG_BYTES). */
AFMT_INTERNAL int afmt_zdec_new(afmt_zdec **out, afmt_zkind k, char *errbuf);

/* Decodes in[0..in_len) into out[0..out_cap), setting *in_used and *out_len.
 * finish: no input will follow (the file has ended).  A call may consume
 * input without output or the reverse.  AFMT_E_FORMAT for corrupt data
 * (message in errbuf). */
AFMT_INTERNAL int afmt_zdec_step(afmt_zdec *d, const uint8_t *in, size_t in_len,
                                 size_t *in_used, uint8_t *out, size_t out_cap,
                                 size_t *out_len, int finish, char *errbuf);

/* Nonzero when the input so far ends exactly at the end of a member (a
 * whole zstd frame, gzip member, bzip2 or xz stream): the end of the file
 * may come here without truncating anything.  For xz it is known only after
 * a step with finish set. */
AFMT_INTERNAL int afmt_zdec_complete(const afmt_zdec *d);

AFMT_INTERNAL void afmt_zdec_free(afmt_zdec *d);

#endif
