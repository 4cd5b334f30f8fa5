/*
 * block.h - one block = one standard zstd frame (spec 7.3).  Compression
 * for the writer; checked decompression for the reader.
 */
#ifndef AFMT_BLOCK_H
#define AFMT_BLOCK_H

#include "common/internal.h"

/* Blocks: each, and all of them together, decode to at most this many
 * bytes per byte of frame, plus the slack (spec 7.3, 11).  Real text needs
 * under 20 (tests/ROBUSTNESS.md, "Amplification"); a writer stores a block
 * that would compress further as raw zstd blocks (afmt_block_store). */
#define AFMT_BLOCK_RATIO_MAX 1024
#define AFMT_BLOCK_RATIO_SLACK (1u << 20)

typedef struct afmt_block_codec afmt_block_codec; /* a zstd context, reused */

AFMT_INTERNAL int afmt_codec_new(afmt_block_codec **out, int level);
AFMT_INTERNAL void afmt_codec_free(afmt_block_codec *c);

/* Compresses `len` bytes into one frame with its content size set and no
 * dictionary; *out is malloc'd (caller frees). */
AFMT_INTERNAL int afmt_block_compress(afmt_block_codec *c, uint8_t **out, size_t *out_len,
                                      const void *src, size_t len, char *errbuf);

/* Writes `len` bytes (1 to 2^28) as one zstd frame of raw blocks (RFC 8878
 * 3.1.1.2: Block_Type 0), content size set, no dictionary, single segment:
 * 3 bytes per 128 KiB over the content and a 13-byte header, so its ratio
 * is under 1.  For a block that compresses past AFMT_BLOCK_RATIO_MAX.
 * *out is malloc'd (caller frees). */
AFMT_INTERNAL int afmt_block_store(uint8_t **out, size_t *out_len, const void *src, size_t len,
                                   char *errbuf);
/* Checks that `src` is exactly one zstd frame as spec 7.3 requires
 * (magic, content size == `size`, no dictionary, window within the limit,
 * nothing after the frame) and decodes it into `dst` (`size` bytes).
 * AFMT_E_COMPRESSION on any failure. */
AFMT_INTERNAL int afmt_block_decompress(afmt_block_codec *c, uint8_t *dst, size_t size,
                                        const uint8_t *src, size_t src_len, char *errbuf);

/* Checks the frame rules of spec 7.3 against a declared decompressed size
 * (magic, one frame, content size present and equal, no dictionary,
 * window within the limit, the unused header bit 0, every block within
 * min(window, 128 KiB)).  AFMT_E_COMPRESSION otherwise (AFMT_E_LIMIT for
 * the window). */
AFMT_INTERNAL int afmt_frame_check(const uint8_t *src, size_t src_len, uint64_t size,
                                   char *errbuf);

/* Decodes a checked frame, appending to `out`, growing it only as
 * output arrives, so a frame that lies about its size costs no more memory
 * than it really produces.  Fails unless it yields exactly `size` bytes. */
AFMT_INTERNAL int afmt_frame_decode_growing(afmt_block_codec *c, afmt_buf *out, uint64_t size,
                                            const uint8_t *src, size_t src_len, char *errbuf);
#endif
