/*
 * discourse.c - Discourse topics and posts as its JSON API serves them.
 * spec/IMPORTERS.md, "Discourse", says what becomes a post and which
 * bytes are a post's.
 *
 * The input is one or more top-level JSON values, each one of:
 *   - a topic (/t/ID.json) or a page of its posts (/t/ID/posts.json): an
 *     object whose "post_stream" holds "posts" (and "stream", the ids of
 *     every post of the topic);
 *   - one post (/posts/ID.json): an object with "post_number" and
 *     "topic_id";
 *   - an array of posts, or {"latest_posts": [post]} (/posts.json).
 * A post's id is "TOPIC/NUMBER" (its place in the topic, as its URL
 * /t/slug/TOPIC/NUMBER says), so that reply_to_post_number names its
 * parent whether or not that post is in the input.  Pass 1 records the
 * posts; then each topic's stream ids that no post of the input has mark
 * the topic's first post incomplete; pass 2 (afmt_imp_emit) writes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "import/json_doc.h"
#include "import/mail_date.h"

typedef struct dc_post {
    json_int_t topic;   /* topic_id, or -1 */
    json_int_t number;  /* post_number, or -1 */
    json_int_t post_id; /* id, or -1 */
} dc_post;

typedef struct dc_stream {
    json_int_t topic;
    size_t first_rec;  /* the first record of its document (SIZE_MAX: none) */
    size_t ids_off, n; /* its stream's ids in `sids` */
} dc_stream;

typedef struct dc_ctx {
    afmt_imp_doc d; /* first: the run's afmt_imp_doc is this context */
    dc_post *posts; /* per record */
    size_t posts_cap;
    dc_stream *streams;
    size_t nstreams, streams_cap;
    json_int_t *sids;
    size_t nsids, sids_cap;
} dc_ctx;

static int dc_fail(dc_ctx *c, size_t off, int err, const char *what)
{
    return afmt_imp_doc_fail(&c->d, off, err, what);
}

static int dc_nomem(dc_ctx *c)
{
    return afmt_imp_doc_nomem(&c->d);
}

/* Copies a string field into the arena: 1 set, 0 not a string, < 0 error. */
static int dc_add_str(dc_ctx *c, json_t *v, size_t max, afmt_imp_str *out, size_t off,
                      const char *what)
{
    return afmt_imp_doc_str(&c->d, v, max, out, off, what);
}

static json_int_t int_or(json_t *v, json_int_t dflt)
{
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static int is_post(json_t *o)
{
    return json_is_object(o) && json_is_integer(json_object_get(o, "post_number")) &&
           (json_object_get(o, "topic_id") != NULL || json_object_get(o, "cooked") != NULL ||
            json_object_get(o, "username") != NULL);
}

/* "TOPIC/NUMBER" into the arena. */
static int dc_ref(dc_ctx *c, json_int_t topic, json_int_t number, afmt_imp_str *out)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, topic,
                     number);
    if (afmt_imp_str_add(&c->d.arena, out, tmp, (size_t)n) != AFMT_OK)
        return dc_nomem(c);
    return AFMT_OK;
}

/* A post at [start, end).  topic_id/title: of the enclosing topic (-1 /
 * NULL for a post on its own). */
static int dc_post_at(dc_ctx *c, json_t *o, size_t start, size_t end, json_int_t topic_id,
                      json_t *topic_title)
{
    afmt_imp_rec *rec = afmt_imp_recs_push(&c->d.recs);
    if (rec == NULL)
        return dc_nomem(c);
    size_t ri = c->d.recs.n - 1;
    if (c->d.recs.n > c->posts_cap) {
        size_t ncap = c->posts_cap ? c->posts_cap * 2 : 256;
        dc_post *np = realloc(c->posts, ncap * sizeof *np);
        if (np == NULL)
            return dc_nomem(c);
        c->posts = np;
        c->posts_cap = ncap;
    }
    rec->start = start;
    rec->end = end;
    json_int_t topic = int_or(json_object_get(o, "topic_id"), topic_id);
    json_int_t number = int_or(json_object_get(o, "post_number"), -1);
    json_int_t pid = int_or(json_object_get(o, "id"), -1);
    c->posts[ri].topic = topic;
    c->posts[ri].number = number;
    c->posts[ri].post_id = pid;
    afmt_imp_str s;
    int r;
    if (topic >= 0 && number >= 1) {
        if ((r = dc_ref(c, topic, number, &s)) != AFMT_OK)
            return r;
    } else {
        char tmp[48];
        int n = snprintf(tmp, sizeof tmp, "post:%" JSON_INTEGER_FORMAT, pid);
        if (afmt_imp_str_add(&c->d.arena, &s, tmp, (size_t)n) != AFMT_OK)
            return dc_nomem(c);
    }
    c->d.recs.v[ri].id = s;
    /* parent: the post it replies to, else the topic's first post */
    json_int_t to = int_or(json_object_get(o, "reply_to_post_number"), -1);
    if (topic >= 0 && number > 1) {
        if ((r = dc_ref(c, topic, to >= 1 && to != number ? to : 1, &s)) != AFMT_OK)
            return r;
        c->d.recs.v[ri].parent = s;
        c->d.recs.v[ri].has_parent = 1;
    }
    if ((r = dc_add_str(c, json_object_get(o, "username"), AFMT_MAX_AUTHOR_BYTES, &s, start,
                        "an author")) < 0)
        return r;
    if (r == 1) {
        c->d.recs.v[ri].author = s;
        c->d.recs.v[ri].has_author = 1;
    }
    json_t *title = topic_title;
    if (!json_is_string(title))
        title = json_object_get(o, "topic_title");
    if (number == 1 && json_is_string(title)) {
        if ((r = dc_add_str(c, title, AFMT_MAX_TITLE_BYTES, &s, start, "a title")) < 0)
            return r;
        c->d.recs.v[ri].title = s;
        c->d.recs.v[ri].has_title = 1;
    }
    json_t *ca = json_object_get(o, "created_at");
    int64_t t;
    if (json_is_string(ca) &&
        afmt_rfc3339_time(&t, json_string_value(ca), json_string_length(ca), 1) == 0) {
        c->d.recs.v[ri].created = t;
        c->d.recs.v[ri].has_created = 1;
    }
    json_t *da = json_object_get(o, "deleted_at");
    if ((json_is_string(da) && json_string_length(da) > 0) || afmt_js_true(o, "user_deleted"))
        c->d.recs.v[ri].flags |= AFMT_POST_DELETED;
    return AFMT_OK;
}

/* The posts of the array at arr (member value), jansson's `a`. */
static int dc_posts(dc_ctx *c, json_t *a, size_t arr, json_int_t topic_id, json_t *title)
{
    size_t it = 0, s, e, i = 0;
    int r;
    while ((r = afmt_js_array_next(&c->d.text, arr, &it, &s, &e)) == 1) {
        json_t *el = json_array_get(a, i++);
        if (el == NULL)
            return dc_fail(c, s, AFMT_E_STATE, "internal error: scanner and parser disagree");
        if (!is_post(el))
            return dc_fail(c, s, AFMT_E_FORMAT, "a post without an integer \"post_number\"");
        if ((r = dc_post_at(c, el, s, e, topic_id, title)) != AFMT_OK)
            return r;
    }
    if (r < 0 || i != json_array_size(a))
        return dc_fail(c, arr, AFMT_E_STATE, "internal error: scanner and parser disagree");
    return AFMT_OK;
}

static int dc_topic(dc_ctx *c, json_t *v, size_t start)
{
    json_t *ps = json_object_get(v, "post_stream");
    json_t *posts = json_object_get(ps, "posts");
    json_int_t topic_id = int_or(json_object_get(v, "id"), -1);
    size_t first = c->d.recs.n;
    afmt_jmember m, m2;
    if (afmt_js_object_find(&c->d.text, start, "post_stream", 11, &m) != 1 ||
        c->d.b[m.value_start] != '{')
        return dc_fail(c, start, AFMT_E_FORMAT, "\"post_stream\" is not an object");
    if (json_is_array(posts)) {
        if (afmt_js_object_find(&c->d.text, m.value_start, "posts", 5, &m2) != 1)
            return dc_fail(c, start, AFMT_E_STATE, "internal error: no posts span");
        int r = dc_posts(c, posts, m2.value_start, topic_id, json_object_get(v, "title"));
        if (r != AFMT_OK)
            return r;
    } else if (posts != NULL) {
        return dc_fail(c, start, AFMT_E_FORMAT, "\"post_stream.posts\" is not an array");
    }
    json_t *stream = json_object_get(ps, "stream");
    if (!json_is_array(stream))
        return AFMT_OK;
    if (c->nstreams == c->streams_cap) {
        size_t ncap = c->streams_cap ? c->streams_cap * 2 : 8;
        dc_stream *ns = realloc(c->streams, ncap * sizeof *ns);
        if (ns == NULL)
            return dc_nomem(c);
        c->streams = ns;
        c->streams_cap = ncap;
    }
    dc_stream *st = &c->streams[c->nstreams++];
    st->topic = topic_id;
    st->first_rec = first < c->d.recs.n ? first : SIZE_MAX;
    st->ids_off = c->nsids;
    st->n = 0;
    size_t i;
    json_t *id;
    json_array_foreach(stream, i, id) {
        if (!json_is_integer(id))
            continue;
        if (c->nsids == c->sids_cap) {
            size_t ncap = c->sids_cap ? c->sids_cap * 2 : 256;
            json_int_t *n = realloc(c->sids, ncap * sizeof *n);
            if (n == NULL)
                return dc_nomem(c);
            c->sids = n;
            c->sids_cap = ncap;
        }
        c->sids[c->nsids++] = json_integer_value(id);
        st->n++;
    }
    return AFMT_OK;
}

static int dc_document(afmt_imp_doc *d, json_t *v, size_t start, size_t end)
{
    dc_ctx *c = (dc_ctx *)d;
    int rc = AFMT_OK;
    afmt_jmember m;
    if (json_is_array(v)) {
        rc = dc_posts(c, v, start, -1, NULL);
    } else if (json_is_object(v) && json_object_get(v, "post_stream") != NULL) {
        rc = dc_topic(c, v, start);
    } else if (json_is_object(v) && json_is_array(json_object_get(v, "latest_posts"))) {
        if (afmt_js_object_find(&c->d.text, start, "latest_posts", 12, &m) != 1)
            rc = dc_fail(c, start, AFMT_E_STATE, "internal error: no latest_posts span");
        else
            rc = dc_posts(c, json_object_get(v, "latest_posts"), m.value_start, -1, NULL);
    } else if (is_post(v)) {
        rc = dc_post_at(c, v, start, end, -1, NULL);
    } else {
        rc = dc_fail(c, start, AFMT_E_FORMAT,
                     "not a Discourse topic, posts page or post (no \"post_stream\", no "
                     "\"post_number\")");
    }
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return x < y ? -1 : x > y;
}

static int dc_has_stream(const afmt_imp_doc *d)
{
    return ((const dc_ctx *)d)->nsids != 0;
}

static int dc_mark_streams(afmt_imp_doc *d, afmt_imp_map *ids)
{
    dc_ctx *c = (dc_ctx *)d;
    (void)ids;
    /* a topic whose stream lists more posts than the input holds of it is
     * incomplete: the stream's distinct ids minus the topic's distinct posts
     * (counted, not matched: a recorded API answer may number its stream
     * 1..n rather than by post id) */
    json_int_t *have = malloc((d->recs.n + c->nsids + 1) * sizeof *have);
    if (have == NULL)
        return dc_nomem(c);
    for (size_t k = 0; k < c->nstreams; k++) {
        const dc_stream *st = &c->streams[k];
        size_t n = 0, nposts = 0, nstream = 0;
        for (size_t i = 0; i < d->recs.n; i++)
            if (c->posts[i].topic == st->topic)
                have[n++] = c->posts[i].post_id;
        qsort(have, n, sizeof *have, cmp_int);
        for (size_t i = 0; i < n; i++)
            nposts += i == 0 || have[i] != have[i - 1];
        memcpy(have, c->sids + st->ids_off, st->n * sizeof *have);
        qsort(have, st->n, sizeof *have, cmp_int);
        for (size_t i = 0; i < st->n; i++)
            nstream += i == 0 || have[i] != have[i - 1];
        if (nstream <= nposts)
            continue;
        /* the topic's first post when the input has it, else the first of the document */
        size_t target = st->first_rec;
        for (size_t i = 0; i < d->recs.n; i++)
            if (c->posts[i].topic == st->topic && c->posts[i].number == 1) {
                target = i;
                break;
            }
        if (target == SIZE_MAX || (d->recs.v[target].flags & AFMT_POST_INCOMPLETE))
            continue; /* no post to carry the mark, or marked by an earlier page */
        d->recs.v[target].flags |= AFMT_POST_INCOMPLETE;
        d->recs.v[target].missing += nstream - nposts;
    }
    free(have);
    return AFMT_OK;
}

static void dc_free(afmt_imp_doc *d)
{
    dc_ctx *c = (dc_ctx *)d;
    free(c->posts);
    free(c->streams);
    free(c->sids);
}

static const afmt_imp_doc_ops dc_ops = {
    .document = dc_document,
    .none_msg = "no Discourse post in the input",
    .has_input = dc_has_stream,
    .before_emit = dc_mark_streams,
    .free = dc_free,
};

int afmt_import_discourse(afmt_writer *w, int fd, const char *path, size_t path_len,
                          afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    dc_ctx c = {0};
    return afmt_imp_run(&c.d, &dc_ops, w, fd, path, path_len, stats, errbuf, errbuf_size);
}
