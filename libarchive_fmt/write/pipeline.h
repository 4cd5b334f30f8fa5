/*
 * pipeline.h - compresses blocks in worker threads and hands the frames
 * back in submission order, so the bundle is byte-identical whatever the
 * number of threads.  All callbacks run on the caller's thread.
 */
#ifndef AFMT_PIPELINE_H
#define AFMT_PIPELINE_H

#include "common/internal.h"

typedef struct afmt_pipeline afmt_pipeline;

/* Called once per block, in order: the frame, the raw size and the frame's
 * SHA-256.  A nonzero return stops the pipeline with that error. */
typedef int (*afmt_block_done_fn)(void *ctx, const uint8_t *frame, size_t frame_len,
                                  size_t raw_len, const uint8_t hash[AFMT_HASH_BYTES]);

/* threads <= 1 compresses on the caller's thread, in submit. */
AFMT_INTERNAL int afmt_pipeline_new(afmt_pipeline **out, int level, unsigned threads,
                                    afmt_block_done_fn done, void *ctx);
/* Takes the bytes of *raw (which must not be empty) and leaves *raw empty,
 * possibly holding a recycled buffer.  May call `done` for earlier blocks. */
AFMT_INTERNAL int afmt_pipeline_submit(afmt_pipeline *p, afmt_buf *raw, char *errbuf);
/* Waits for every submitted block and calls `done` for each. */
AFMT_INTERNAL int afmt_pipeline_drain(afmt_pipeline *p, char *errbuf);
/* Stops the workers and frees everything (unfinished blocks are dropped). */
AFMT_INTERNAL void afmt_pipeline_free(afmt_pipeline *p);

#endif
