/*
 * pipeline.c - a ring of job slots.  Job i lives in slot i % nslots;
 * workers take jobs in order, the caller retires them in order.
 */
#include <pthread.h>
#include <stdlib.h>

#include "format/block.h"
#include "write/pipeline.h"

enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

typedef struct slot {
    int state;
    afmt_buf raw;
    uint8_t *frame;
    size_t frame_len;
    uint8_t hash[AFMT_HASH_BYTES];
    int rc;
    char err[AFMT_ERRMSG_BYTES];
} slot;

struct afmt_pipeline {
    afmt_block_done_fn done;
    void *ctx;
    int level;
    afmt_block_codec *inline_codec; /* threads <= 1 */
    unsigned nthreads;
    pthread_t *threads;
    unsigned started;
    slot *slots;
    unsigned nslots;
    uint64_t next_submit, next_take, next_retire;
    int stopping;
    pthread_mutex_t mu;
    pthread_cond_t work;    /* a job was queued, or stopping */
    pthread_cond_t finished; /* a job finished */
};

static void compress_slot(afmt_block_codec *codec, slot *s)
{
    s->rc = afmt_block_compress(codec, &s->frame, &s->frame_len, s->raw.data, s->raw.len,
                                s->err);
    /* Readers refuse a block over the ratio bound (spec 7.3): past it, the
     * bytes go in raw zstd blocks (zeros, say: 256 MiB compress to 8 KB). */
    if (s->rc == AFMT_OK && s->raw.len / AFMT_BLOCK_RATIO_MAX >= s->frame_len) {
        free(s->frame);
        s->frame = NULL;
        s->rc = afmt_block_store(&s->frame, &s->frame_len, s->raw.data, s->raw.len, s->err);
    }
    if (s->rc == AFMT_OK)
        afmt_content_hash(s->hash, s->frame, s->frame_len);
}

static void *worker(void *arg)
{
    afmt_pipeline *p = arg;
    afmt_block_codec *codec = NULL;
    int codec_rc = afmt_codec_new(&codec, p->level);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stopping && p->next_take == p->next_submit)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stopping)
            break;
        slot *s = &p->slots[p->next_take % p->nslots];
        p->next_take++;
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        if (codec_rc == AFMT_OK) {
            compress_slot(codec, s);
        } else {
            s->rc = AFMT_FAIL(s->err, codec_rc, "out of memory");
        }
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->finished);
    }
    pthread_mutex_unlock(&p->mu);
    afmt_codec_free(codec);
    return NULL;
}

int afmt_pipeline_new(afmt_pipeline **out, int level, unsigned threads, afmt_block_done_fn done,
                      void *ctx)
{
    *out = NULL;
    afmt_pipeline *p = calloc(1, sizeof *p);
    if (p == NULL)
        return AFMT_E_NOMEM;
    p->done = done;
    p->ctx = ctx;
    p->level = level;
    if (threads <= 1) {
        int rc = afmt_codec_new(&p->inline_codec, level);
        if (rc != AFMT_OK) {
            free(p);
            return rc;
        }
        *out = p;
        return AFMT_OK;
    }
    p->nthreads = threads;
    p->nslots = 2 * threads;
    p->slots = calloc(p->nslots, sizeof *p->slots);
    p->threads = calloc(threads, sizeof *p->threads);
    if (p->slots == NULL || p->threads == NULL) {
        afmt_pipeline_free(p);
        return AFMT_E_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->finished, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->started++;
    }
    if (p->started == 0) {
        afmt_pipeline_free(p);
        return AFMT_E_NOMEM;
    }
    *out = p;
    return AFMT_OK;
}

/* Waits for the oldest job, hands it to `done` and frees its slot. */
static int retire_one(afmt_pipeline *p, char *errbuf)
{
    slot *s = &p->slots[p->next_retire % p->nslots];
    pthread_mutex_lock(&p->mu);
    while (s->state != SLOT_DONE)
        pthread_cond_wait(&p->finished, &p->mu);
    pthread_mutex_unlock(&p->mu);
    int rc = s->rc;
    if (rc != AFMT_OK)
        AFMT_FAIL(errbuf, rc, "%s", s->err);
    else
        rc = p->done(p->ctx, s->frame, s->frame_len, s->raw.len, s->hash);
    free(s->frame);
    s->frame = NULL;
    s->raw.len = 0; /* keep the buffer for reuse */
    s->state = SLOT_FREE;
    p->next_retire++;
    return rc;
}

int afmt_pipeline_submit(afmt_pipeline *p, afmt_buf *raw, char *errbuf)
{
    if (p->nthreads == 0) {
        slot s = {0};
        s.raw = *raw;
        compress_slot(p->inline_codec, &s);
        int rc = s.rc;
        if (rc != AFMT_OK)
            AFMT_FAIL(errbuf, rc, "%s", s.err);
        else
            rc = p->done(p->ctx, s.frame, s.frame_len, s.raw.len, s.hash);
        free(s.frame);
        raw->len = 0;
        return rc;
    }
    slot *s = &p->slots[p->next_submit % p->nslots];
    if (p->next_submit - p->next_retire == p->nslots) {
        int rc = retire_one(p, errbuf);
        if (rc != AFMT_OK)
            return rc;
    }
    /* Swap buffers: the slot takes the block, the caller gets the slot's
     * old (empty) buffer back to fill. */
    afmt_buf spare = s->raw;
    s->raw = *raw;
    *raw = spare;
    raw->len = 0;
    pthread_mutex_lock(&p->mu);
    s->state = SLOT_QUEUED;
    p->next_submit++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return AFMT_OK;
}

int afmt_pipeline_drain(afmt_pipeline *p, char *errbuf)
{
    while (p->nthreads > 0 && p->next_retire < p->next_submit) {
        int rc = retire_one(p, errbuf);
        if (rc != AFMT_OK)
            return rc;
    }
    return AFMT_OK;
}

void afmt_pipeline_free(afmt_pipeline *p)
{
    if (p == NULL)
        return;
    if (p->started > 0) {
        /* Let running jobs finish so no worker touches freed memory. */
        pthread_mutex_lock(&p->mu);
        p->stopping = 1;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
        for (unsigned i = 0; i < p->started; i++)
            pthread_join(p->threads[i], NULL);
    }
    if (p->nthreads > 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->finished);
    }
    for (unsigned i = 0; i < p->nslots; i++) {
        afmt_buf_free(&p->slots[i].raw);
        free(p->slots[i].frame);
    }
    free(p->slots);
    free(p->threads);
    afmt_codec_free(p->inline_codec);
    free(p);
}
