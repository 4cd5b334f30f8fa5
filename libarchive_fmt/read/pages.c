/*
 * pages.c - every index page of a full open, read, checked against its row
 * and decoded into the reader's body: on two threads when the index is
 * ordinary, page by page into a growing body when it claims much more.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "read/reader_internal.h"

/* Pages [from, to) decoded into their places in the body, on a thread. */
typedef struct page_job {
    afmt_reader *r;
    uint64_t from, to;
    const uint64_t *at;     /* per page: its offset in the body */
    afmt_block_codec *codec;
    int rc;
    char err[AFMT_ERRMSG_BYTES];
} page_job;

static void *decode_pages(void *arg)
{
    page_job *j = arg;
    afmt_buf frame = {0};
    j->rc = AFMT_OK;
    for (uint64_t p = j->from; p < j->to && j->rc == AFMT_OK; p++)
        j->rc = afmt_head_load_page(&j->r->head, p, &frame, j->codec,
                                    j->r->body.data + j->at[p], NULL, j->err);
    afmt_buf_free(&frame);
    return NULL;
}

/* Every page, in directory order, into the body.  A real index compresses
 * a few times at most: then the body is reserved at once and two threads
 * decode half the pages each.  One that claims more (up to the bomb bound)
 * is decoded page by page into a body that grows only as output arrives. */
int afmt_rd_load_pages(afmt_reader *r)
{
    const afmt_index_head *h = &r->head;
    uint64_t n = h->ih.page_count, size = h->ih.body_size;
    uint64_t *at = n >= 16 && size <= 64 * h->trailer.index_size
                       ? malloc((size_t)n * sizeof *at)
                       : NULL;
    /* Could not reserve: the page by page way below, which fails only as
     * output really arrives. */
    if (at != NULL && afmt_buf_reserve(&r->body, (size_t)size) != AFMT_OK) {
        free(at);
        at = NULL;
    }
    if (at != NULL) {
        uint64_t half = 0, sum = 0;
        for (uint64_t p = 0; p < n; p++) {
            at[p] = sum;
            sum += h->pages[p].size;
            if (half == 0 && sum >= size / 2)
                half = p + 1;
        }
        page_job jobs[2] = {{r, 0, half, at, h->codec, 0, ""}, {r, half, n, at, NULL, 0, ""}};
        pthread_t thread;
        int threaded = afmt_codec_new(&jobs[1].codec, 3) == AFMT_OK &&
                       afmt_rd_threads(r) > 1 &&
                       pthread_create(&thread, NULL, decode_pages, &jobs[1]) == 0;
        decode_pages(&jobs[0]);
        if (threaded)
            pthread_join(thread, NULL);
        else if (jobs[0].rc == AFMT_OK && jobs[1].codec != NULL)
            decode_pages(&jobs[1]);
        else if (jobs[0].rc == AFMT_OK)
            jobs[1].rc = AFMT_FAIL(jobs[1].err, AFMT_E_NOMEM, "out of memory");
        afmt_codec_free(jobs[1].codec);
        free(at);
        /* The first page that failed, in directory order. */
        for (int k = 0; k < 2; k++)
            if (jobs[k].rc != AFMT_OK)
                return AFMT_FAIL(r->err, jobs[k].rc, "%s", jobs[k].err);
        r->body.len = (size_t)size;
        return AFMT_OK;
    }
    afmt_buf frame = {0};
    int rc = AFMT_OK;
    for (uint64_t p = 0; p < n && rc == AFMT_OK; p++)
        rc = afmt_head_load_page(h, p, &frame, h->codec, NULL, &r->body, r->err);
    afmt_buf_free(&frame);
    return rc;
}
