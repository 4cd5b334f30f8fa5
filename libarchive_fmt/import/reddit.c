/*
 * reddit.c - Reddit comment pages (the .json endpoint) and
 * morechildren answers.  spec/IMPORTERS.md, "Reddit", says what becomes a
 * post and which bytes are a post's.
 *
 * The input is one or more top-level JSON values (a page is one; a file of
 * morechildren answers has one per line).  Each value is:
 *   - an array (a page: [Listing of the submission, Listing of comments]),
 *     whose elements are handled as below;
 *   - a Listing {"kind": "Listing", "data": {"children": [thing, ...]}};
 *   - a morechildren answer {"json": {"data": {"things": [thing, ...]}}};
 *   - a single thing {"kind": "t1", "data": {...}}.
 * A thing of kind "more" stands for replies the page did not send (it is
 * not a post); any other thing is a post, and its replies (a Listing in
 * data.replies) are walked in turn.
 *
 * Pass 1 parses each value with jansson and, walking the jansson tree and
 * the span scanner side by side, records every post (its bytes, its fields)
 * and every "more" thing.  Then those mark their parents, and pass 2
 * (afmt_imp_emit) writes the posts and the file entry.
 */
#include <stdio.h>
#include <stdlib.h>

#include "import/json_doc.h"

typedef struct rd_more {
    afmt_imp_str parent;
    uint64_t count;
    size_t kids, nkids; /* into rd_ctx.kids */
    size_t line_off;    /* byte offset, for messages */
} rd_more;

typedef struct rd_ctx {
    afmt_imp_doc d; /* first: the run's afmt_imp_doc is this context */
    rd_more *more;    /* "more" things: replies the page did not send */
    size_t nmore, more_cap;
    afmt_imp_str *kids;
    size_t nkids, kids_cap;
} rd_ctx;

static int rd_fail(rd_ctx *c, size_t off, int err, const char *what)
{
    return afmt_imp_doc_fail(&c->d, off, err, what);
}

static int rd_nomem(rd_ctx *c)
{
    return afmt_imp_doc_nomem(&c->d);
}

/* The member `key` of the object at span start: its value's span. */
static int rd_member(rd_ctx *c, size_t obj, const char *key, afmt_jmember *m)
{
    int r = afmt_js_object_find(&c->d.text, obj, key, strlen(key), m);
    if (r < 0)
        return rd_fail(c, obj, AFMT_E_STATE, "internal error: span scanner lost its place");
    return r; /* 1 found, 0 absent */
}

/* Copies a string member into the arena when it is a string of 1..max
 * bytes (0..max when allow_empty): 1 copied, 0 absent or null, negative
 * error (too long). */
static int rd_str(rd_ctx *c, json_t *data, const char *key, size_t max, int allow_empty,
                  afmt_imp_str *out, size_t off)
{
    const char *s;
    size_t n;
    if (!afmt_js_string(data, key, &s, &n))
        return 0;
    if (n == 0 && !allow_empty)
        return 0;
    if (n > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "\"%s\" is %zu bytes, more than the format allows (%zu)",
                 key, n, max);
        return rd_fail(c, off, AFMT_E_LIMIT, msg);
    }
    if (afmt_imp_str_add(&c->d.arena, out, s, n) != AFMT_OK)
        return rd_nomem(c);
    return 1;
}

static int rd_listing(rd_ctx *c, json_t *listing, size_t start, unsigned depth);

/* A Listing child at [start, end). */
static int rd_thing(rd_ctx *c, json_t *thing, size_t start, size_t end, unsigned depth)
{
    const char *kind;
    size_t kind_len;
    json_t *data = json_object_get(thing, "data");
    if (!json_is_object(thing) || !afmt_js_string(thing, "kind", &kind, &kind_len) ||
        !json_is_object(data))
        return rd_fail(c, start, AFMT_E_FORMAT,
                       "not a Reddit thing (an object with \"kind\" and \"data\")");
    afmt_jmember dm;
    int r = rd_member(c, start, "data", &dm);
    if (r <= 0)
        return r < 0 ? r : rd_fail(c, start, AFMT_E_STATE, "internal error: no data span");

    if (kind_len == 4 && memcmp(kind, "more", 4) == 0) {
        /* a "load more comments" or "continue this thread" thing */
        if (c->nmore == c->more_cap) {
            size_t ncap = c->more_cap ? c->more_cap * 2 : 64;
            rd_more *ns = realloc(c->more, ncap * sizeof *ns);
            if (ns == NULL)
                return rd_nomem(c);
            c->more = ns;
            c->more_cap = ncap;
        }
        rd_more *s = &c->more[c->nmore];
        memset(s, 0, sizeof *s);
        s->line_off = start;
        r = rd_str(c, data, "parent_id", AFMT_MAX_ID_BYTES, 0, &s->parent, start);
        if (r < 0)
            return r;
        if (r == 0)
            s->parent.len = 0; /* no parent: it marks nothing */
        json_t *count = json_object_get(data, "count");
        if (json_is_integer(count) && json_integer_value(count) > 0)
            s->count = (uint64_t)json_integer_value(count);
        json_t *kids = json_object_get(data, "children");
        s->kids = c->nkids;
        size_t i;
        json_t *k;
        json_array_foreach(kids, i, k) {
            if (!json_is_string(k) || json_string_length(k) == 0)
                continue;
            if (c->nkids == c->kids_cap) {
                size_t ncap = c->kids_cap ? c->kids_cap * 2 : 1024;
                afmt_imp_str *nk = realloc(c->kids, ncap * sizeof *nk);
                if (nk == NULL)
                    return rd_nomem(c);
                c->kids = nk;
                c->kids_cap = ncap;
            }
            if (afmt_imp_str_add(&c->d.arena, &c->kids[c->nkids], json_string_value(k),
                                 json_string_length(k)) != AFMT_OK)
                return rd_nomem(c);
            c->nkids++;
            s->nkids++;
        }
        c->nmore++;
        return AFMT_OK;
    }

    afmt_imp_rec *rec = afmt_imp_recs_push(&c->d.recs);
    if (rec == NULL)
        return rd_nomem(c);
    size_t ri = c->d.recs.n - 1;
    rec->start = start;
    rec->end = end;

    /* id: the fullname ("t1_c364uvf"), which is what parent_id names */
    r = rd_str(c, data, "name", AFMT_MAX_ID_BYTES, 0, &rec->id, start);
    if (r < 0)
        return r;
    if (r == 0) {
        const char *id;
        size_t id_len;
        if (!afmt_js_string(data, "id", &id, &id_len) || id_len == 0)
            return rd_fail(c, start, AFMT_E_FORMAT, "a Reddit thing without name or id");
        if (kind_len + 1 + id_len > AFMT_MAX_ID_BYTES)
            return rd_fail(c, start, AFMT_E_LIMIT, "a Reddit thing's id is too long");
        rec->id.off = c->d.arena.len;
        rec->id.len = kind_len + 1 + id_len;
        if (afmt_buf_append(&c->d.arena, kind, kind_len) != AFMT_OK ||
            afmt_buf_append(&c->d.arena, "_", 1) != AFMT_OK ||
            afmt_buf_append(&c->d.arena, id, id_len) != AFMT_OK)
            return rd_nomem(c);
    }
    rec = &c->d.recs.v[ri];
    r = rd_str(c, data, "parent_id", AFMT_MAX_ID_BYTES, 0, &rec->parent, start);
    if (r < 0)
        return r;
    rec->has_parent = r == 1;
    r = rd_str(c, data, "author", AFMT_MAX_AUTHOR_BYTES, 1, &rec->author, start);
    if (r < 0)
        return r;
    rec->has_author = r == 1;
    r = rd_str(c, data, "title", AFMT_MAX_TITLE_BYTES, 1, &rec->title, start);
    if (r < 0)
        return r;
    rec->has_title = r == 1;
    rec->has_created = afmt_js_time(data, "created_utc", &rec->created) ? 1 : 0;
    /* deleted or removed at the source: the text is gone */
    if (afmt_reddit_text_removed(data))
        rec->flags |= AFMT_POST_DELETED;

    json_t *replies = json_object_get(data, "replies");
    if (json_is_object(replies)) {
        afmt_jmember rm;
        r = rd_member(c, dm.value_start, "replies", &rm);
        if (r <= 0)
            return r < 0 ? r : rd_fail(c, start, AFMT_E_STATE, "internal error: no replies span");
        /* Cut the whole member out, so what is left is still a JSON object:
         * from its key to the next member's key, or, when it is the last
         * member, from the end of the previous member's value to its own
         * end. */
        if (rm.next_key != 0) {
            rec->cut_start = rm.key_start;
            rec->cut_end = rm.next_key;
        } else {
            rec->cut_start = rm.prev_end;
            rec->cut_end = rm.value_end;
        }
        r = rd_listing(c, replies, rm.value_start, depth + 1);
        if (r != AFMT_OK)
            return r;
    }
    return AFMT_OK;
}

/* A Listing object at start. */
static int rd_listing(rd_ctx *c, json_t *listing, size_t start, unsigned depth)
{
    json_t *data = json_object_get(listing, "data");
    json_t *children = json_object_get(data, "children");
    if (!afmt_js_string_is(listing, "kind", "Listing") || !json_is_array(children))
        return rd_fail(c, start, AFMT_E_FORMAT,
                       "not a Reddit Listing (kind \"Listing\" with data.children)");
    afmt_jmember dm, cm;
    int r = rd_member(c, start, "data", &dm);
    if (r == 1)
        r = rd_member(c, dm.value_start, "children", &cm);
    if (r <= 0)
        return r < 0 ? r : rd_fail(c, start, AFMT_E_STATE, "internal error: no children span");
    size_t it = 0, s, e, i = 0;
    while ((r = afmt_js_array_next(&c->d.text, cm.value_start, &it, &s, &e)) == 1) {
        json_t *thing = json_array_get(children, i++);
        if (thing == NULL)
            return rd_fail(c, s, AFMT_E_STATE, "internal error: scanner and parser disagree");
        r = rd_thing(c, thing, s, e, depth);
        if (r != AFMT_OK)
            return r;
    }
    if (r < 0 || i != json_array_size(children))
        return rd_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
    return AFMT_OK;
}

/* A morechildren answer {"json": {"errors": [...], "data": {"things": [...]}}}. */
static int rd_morechildren(rd_ctx *c, json_t *v, size_t start)
{
    json_t *j = json_object_get(v, "json");
    json_t *data = json_object_get(j, "data");
    json_t *things = json_object_get(data, "things");
    if (!json_is_object(data)) {
        /* an answer with errors and no data holds no thing: keep it as bytes */
        if (json_is_object(j) && json_is_array(json_object_get(j, "errors")))
            return AFMT_OK;
        return rd_fail(c, start, AFMT_E_FORMAT, "not a Reddit morechildren answer");
    }
    if (!json_is_array(things))
        return rd_fail(c, start, AFMT_E_FORMAT,
                       "a Reddit morechildren answer without json.data.things");
    afmt_jmember jm, dm, tm;
    int r = rd_member(c, start, "json", &jm);
    if (r == 1)
        r = rd_member(c, jm.value_start, "data", &dm);
    if (r == 1)
        r = rd_member(c, dm.value_start, "things", &tm);
    if (r <= 0)
        return r < 0 ? r : rd_fail(c, start, AFMT_E_STATE, "internal error: no things span");
    size_t it = 0, s, e, i = 0;
    while ((r = afmt_js_array_next(&c->d.text, tm.value_start, &it, &s, &e)) == 1) {
        json_t *thing = json_array_get(things, i++);
        if (thing == NULL)
            return rd_fail(c, s, AFMT_E_STATE, "internal error: scanner and parser disagree");
        r = rd_thing(c, thing, s, e, 0);
        if (r != AFMT_OK)
            return r;
    }
    if (r < 0 || i != json_array_size(things))
        return rd_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
    return AFMT_OK;
}

static int rd_object(rd_ctx *c, json_t *v, size_t start, size_t end)
{
    if (!json_is_object(v))
        return rd_fail(c, start, AFMT_E_FORMAT,
                       "not a Reddit Listing, thing or morechildren answer");
    if (json_object_get(v, "json") != NULL)
        return rd_morechildren(c, v, start);
    if (afmt_js_string_is(v, "kind", "Listing"))
        return rd_listing(c, v, start, 0);
    return rd_thing(c, v, start, end, 0);
}

/* One top-level JSON value of the input at [start, end). */
static int rd_document(afmt_imp_doc *d, json_t *v, size_t start, size_t end)
{
    rd_ctx *c = (rd_ctx *)d;
    int rc = AFMT_OK;
    if (json_is_array(v)) {
        size_t it = 0, s, e, i = 0;
        int r = 0;
        rc = AFMT_OK;
        while (rc == AFMT_OK &&
               (r = afmt_js_array_next(&c->d.text, start, &it, &s, &e)) == 1)
            rc = rd_object(c, json_array_get(v, i++), s, e);
        if (rc == AFMT_OK && (r < 0 || i != json_array_size(v)))
            rc = rd_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
    } else {
        rc = rd_object(c, v, start, end);
    }
    return rc;
}

/* Marks the parents named by "more" things.  One is resolved, and marks
 * nothing, when it lists at least one id and every one of them is a post of this
 * input (a crawl that went on to load them); otherwise its parent becomes
 * incomplete with max(count, listed ids) minus the listed ids present. */
static int rd_apply_more(afmt_imp_doc *d, afmt_imp_map *ids)
{
    rd_ctx *c = (rd_ctx *)d;
    afmt_buf key = {0};
    for (size_t i = 0; i < c->nmore; i++) {
        const rd_more *s = &c->more[i];
        uint64_t present = 0;
        for (size_t k = 0; k < s->nkids; k++) {
            const afmt_imp_str *kid = &c->kids[s->kids + k];
            key.len = 0;
            if (afmt_buf_append(&key, "t1_", 3) != AFMT_OK ||
                afmt_buf_append(&key, c->d.arena.data + kid->off, kid->len) != AFMT_OK) {
                afmt_buf_free(&key);
                return rd_nomem(c);
            }
            size_t idx;
            if (afmt_imp_map_get(ids, &c->d.arena, key.data, key.len, &idx))
                present++;
        }
        if (s->nkids > 0 && present == s->nkids)
            continue;
        size_t pidx;
        if (s->parent.len == 0 ||
            !afmt_imp_map_get(ids, &c->d.arena, c->d.arena.data + s->parent.off, s->parent.len,
                              &pidx))
            continue; /* its parent is not in this input */
        uint64_t total = s->count > s->nkids ? s->count : s->nkids;
        uint64_t missing = total - present;
        afmt_imp_rec *p = &c->d.recs.v[pidx];
        p->flags |= AFMT_POST_INCOMPLETE;
        p->missing = p->missing + missing < p->missing ? UINT64_MAX : p->missing + missing;
    }
    afmt_buf_free(&key);
    return AFMT_OK;
}

static void rd_free(afmt_imp_doc *d)
{
    rd_ctx *c = (rd_ctx *)d;
    free(c->more);
    free(c->kids);
}

static const afmt_imp_doc_ops rd_ops = {
    .document = rd_document,
    .before_emit = rd_apply_more,
    .free = rd_free,
};

int afmt_import_reddit(afmt_writer *w, int fd, const char *path, size_t path_len,
                       afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    rd_ctx c = {0};
    return afmt_imp_run(&c.d, &rd_ops, w, fd, path, path_len, stats, errbuf, errbuf_size);
}
