/*
 * hn.c - Hacker News items.  spec/IMPORTERS.md, "Hacker News", says
 * what becomes a post and which bytes are a post's.
 *
 * The input is one or more top-level JSON values (one item per line, or one
 * document).  Items are found anywhere in them:
 *   - an official API item: an object with an integer "id" and any of "type", "by",
 *     "time", "kids", "parent", "text", "deleted", "dead", "title";
 *   - a nested third-party item {id, user, time, content, comments: [item]},
 *     whose "comments" hold its replies;
 *   - an array holds items (null elements, as the API gives for purged
 *     items, are skipped), and any other object ({"post": item, "comments":
 *     [item, ...]}) holds items in its members.
 * Pass 1 records every item (its bytes and fields); then "kids" that name no
 * item of the input mark their parent incomplete; pass 2 (afmt_imp_emit)
 * writes the posts and the file entry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "import/json_doc.h"

typedef struct hn_kid {
    size_t rec;       /* the item listing it */
    afmt_imp_str id;  /* the kid's id, as text */
} hn_kid;

typedef struct hn_ctx {
    afmt_imp_doc d; /* first: the run's afmt_imp_doc is this context */
    hn_kid *kids;
    size_t nkids, kids_cap;
} hn_ctx;

static int hn_fail(hn_ctx *c, size_t off, int err, const char *what)
{
    return afmt_imp_doc_fail(&c->d, off, err, what);
}

static int hn_nomem(hn_ctx *c)
{
    return afmt_imp_doc_nomem(&c->d);
}

/* An id (integer, or non-empty string) as text in the arena: 1 done, 0 not
 * an id, negative error. */
static int hn_id_text(hn_ctx *c, json_t *v, afmt_imp_str *out, size_t off)
{
    if (json_is_integer(v)) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (afmt_imp_str_add(&c->d.arena, out, tmp, (size_t)n) != AFMT_OK)
            return hn_nomem(c);
        return 1;
    }
    if (json_is_string(v) && json_string_length(v) > 0) {
        if (json_string_length(v) > AFMT_MAX_ID_BYTES)
            return hn_fail(c, off, AFMT_E_LIMIT, "an id longer than the format allows");
        if (afmt_imp_str_add(&c->d.arena, out, json_string_value(v), json_string_length(v)) !=
            AFMT_OK)
            return hn_nomem(c);
        return 1;
    }
    return 0;
}

static int hn_is_item(json_t *v)
{
    /* "title" is not among them: a Discourse topic ({id, title, ...}) is no
     * item (issue 19); every real item has one of these besides */
    static const char *const keys[] = {"type", "by",   "time",    "kids", "parent",
                                       "text", "deleted", "dead", "user", "content",
                                       "comments"};
    /* Hacker News ids are integers (a Reddit thing's "id" is a string) */
    if (!json_is_integer(json_object_get(v, "id")))
        return 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(v, keys[i]) != NULL)
            return 1;
    return 0;
}

/* Algolia's Hacker News items ({id, author, created_at_i, parent_id,
 * children: [...]}) name every field otherwise: read as items they would
 * lose their authors, times, parents and replies, so they are refused
 * (issue 19). */
static int hn_is_algolia(json_t *v)
{
    return json_is_array(json_object_get(v, "children")) &&
           (json_object_get(v, "created_at_i") != NULL || json_object_get(v, "author") != NULL ||
            json_object_get(v, "story_id") != NULL);
}

static int hn_value(hn_ctx *c, json_t *v, size_t start, size_t end);

/* How many comments a nested item says it has: node-hnapi and older
 * clients name it "commentscount", HNPWA "comments_count" (issue 19).
 * 0 when neither is a positive integer. */
static uint64_t hn_comments_count(json_t *v)
{
    static const char *const keys[] = {"commentscount", "comments_count"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *cc = json_object_get(v, keys[i]);
        if (json_is_integer(cc) && json_integer_value(cc) > 0)
            return (uint64_t)json_integer_value(cc);
    }
    return 0;
}

/* An item at [start, end).  parent: the enclosing nested item's id, or
 * NULL.  Adds the number of items below it to *below. */
static int hn_item(hn_ctx *c, json_t *v, size_t start, size_t end, const afmt_imp_str *parent,
                   uint64_t *below)
{
    afmt_imp_rec *rec = afmt_imp_recs_push(&c->d.recs);
    if (rec == NULL)
        return hn_nomem(c);
    size_t ri = c->d.recs.n - 1;
    rec->start = start;
    rec->end = end;
    afmt_imp_str id, s;
    int r = hn_id_text(c, json_object_get(v, "id"), &id, start);
    if (r <= 0)
        return r < 0 ? r : hn_fail(c, start, AFMT_E_STATE, "internal error: item without id");
    c->d.recs.v[ri].id = id;

    json_t *pv = json_object_get(v, "parent");
    if (pv == NULL || json_is_null(pv))
        pv = json_object_get(v, "poll"); /* a pollopt's parent is its poll */
    r = pv != NULL ? hn_id_text(c, pv, &s, start) : 0;
    if (r < 0)
        return r;
    if (r == 1) {
        c->d.recs.v[ri].parent = s;
        c->d.recs.v[ri].has_parent = 1;
    } else if (parent != NULL) {
        c->d.recs.v[ri].parent = *parent;
        c->d.recs.v[ri].has_parent = 1;
    }

    const char *str;
    size_t n;
    if (afmt_js_string(v, "by", &str, &n) || afmt_js_string(v, "user", &str, &n)) {
        if (n > AFMT_MAX_AUTHOR_BYTES)
            return hn_fail(c, start, AFMT_E_LIMIT, "an author longer than the format allows");
        if (afmt_imp_str_add(&c->d.arena, &s, str, n) != AFMT_OK)
            return hn_nomem(c);
        c->d.recs.v[ri].author = s;
        c->d.recs.v[ri].has_author = 1;
    }
    if (afmt_js_string(v, "title", &str, &n)) {
        if (n > AFMT_MAX_TITLE_BYTES)
            return hn_fail(c, start, AFMT_E_LIMIT, "a title longer than the format allows");
        if (afmt_imp_str_add(&c->d.arena, &s, str, n) != AFMT_OK)
            return hn_nomem(c);
        c->d.recs.v[ri].title = s;
        c->d.recs.v[ri].has_title = 1;
    }
    int64_t t;
    if (afmt_js_time(v, "time", &t)) {
        c->d.recs.v[ri].created = t;
        c->d.recs.v[ri].has_created = 1;
    }
    if (afmt_js_true(v, "deleted") || afmt_js_true(v, "dead"))
        c->d.recs.v[ri].flags |= AFMT_POST_DELETED;

    /* kids: checked against the input's items once all are known */
    json_t *kids = json_object_get(v, "kids");
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) {
        afmt_imp_str kid;
        r = hn_id_text(c, k, &kid, start);
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        if (c->nkids == c->kids_cap) {
            size_t ncap = c->kids_cap ? c->kids_cap * 2 : 1024;
            hn_kid *nk = realloc(c->kids, ncap * sizeof *nk);
            if (nk == NULL)
                return hn_nomem(c);
            c->kids = nk;
            c->kids_cap = ncap;
        }
        c->kids[c->nkids].rec = ri;
        c->kids[c->nkids].id = kid;
        c->nkids++;
    }

    /* nested replies */
    json_t *comments = json_object_get(v, "comments");
    if (json_is_array(comments) && json_array_size(comments) > 0) {
        afmt_jmember m;
        r = afmt_js_object_find(&c->d.text, start, "comments", 8, &m);
        if (r != 1 || c->d.b[m.value_start] != '[')
            return hn_fail(c, start, AFMT_E_STATE, "internal error: no comments span");
        if (m.next_key != 0) {
            c->d.recs.v[ri].cut_start = m.key_start;
            c->d.recs.v[ri].cut_end = m.next_key;
        } else {
            c->d.recs.v[ri].cut_start = m.prev_end;
            c->d.recs.v[ri].cut_end = m.value_end;
        }
        uint64_t mine = 0;
        size_t it = 0, cs, ce, j = 0;
        while ((r = afmt_js_array_next(&c->d.text, m.value_start, &it, &cs, &ce)) == 1) {
            json_t *child = json_array_get(comments, j++);
            if (child == NULL)
                return hn_fail(c, cs, AFMT_E_STATE,
                               "internal error: scanner and parser disagree");
            if (json_is_object(child) && hn_is_item(child)) {
                mine++;
                r = hn_item(c, child, cs, ce, &id, &mine);
            } else if (json_is_object(child) || json_is_array(child)) {
                r = hn_value(c, child, cs, ce);
            } else {
                r = AFMT_OK;
            }
            if (r != AFMT_OK)
                return r;
        }
        if (r < 0 || j != json_array_size(comments))
            return hn_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
        /* a nested item that says how many comments it has and holds fewer */
        uint64_t cc = hn_comments_count(v);
        if (cc > mine) {
            c->d.recs.v[ri].flags |= AFMT_POST_INCOMPLETE;
            c->d.recs.v[ri].missing += cc - mine;
        }
        if (below != NULL)
            *below += mine;
    } else if (json_is_array(comments)) {
        uint64_t cc = hn_comments_count(v);
        if (cc > 0) {
            c->d.recs.v[ri].flags |= AFMT_POST_INCOMPLETE;
            c->d.recs.v[ri].missing += cc;
        }
    }
    return AFMT_OK;
}

/* Any value at [start, end) that may hold items. */
static int hn_value(hn_ctx *c, json_t *v, size_t start, size_t end)
{
    int r;
    if (json_is_array(v)) {
        size_t it = 0, s, e, i = 0;
        while ((r = afmt_js_array_next(&c->d.text, start, &it, &s, &e)) == 1) {
            json_t *el = json_array_get(v, i++);
            if (el == NULL)
                return hn_fail(c, s, AFMT_E_STATE,
                               "internal error: scanner and parser disagree");
            if (json_is_object(el) || json_is_array(el)) {
                r = hn_value(c, el, s, e);
                if (r != AFMT_OK)
                    return r;
            }
        }
        if (r < 0 || i != json_array_size(v))
            return hn_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
        return AFMT_OK;
    }
    if (!json_is_object(v))
        return AFMT_OK;
    if (hn_is_algolia(v))
        return hn_fail(c, start, AFMT_E_FORMAT,
                       "an Algolia Hacker News item (author, created_at_i, children): not the "
                       "official API's items or the nested {id,user,content,comments} form");
    if (hn_is_item(v))
        return hn_item(c, v, start, end, NULL, NULL);
    /* a wrapper such as {"post": item, "comments": [item, ...]} */
    size_t it = 0;
    afmt_jmember m;
    while ((r = afmt_js_object_next(&c->d.text, start, &it, &m)) == 1) {
        json_t *mv = afmt_js_member_value(v, c->d.b, m.key_start, m.key_end);
        if (mv == NULL)
            return hn_fail(c, m.key_start, AFMT_E_STATE,
                           "internal error: scanner and parser disagree");
        if (json_is_object(mv) || json_is_array(mv)) {
            r = hn_value(c, mv, m.value_start, m.value_end);
            if (r != AFMT_OK)
                return r;
        }
    }
    if (r < 0)
        return hn_fail(c, start, AFMT_E_STATE, "internal error: span scanner lost its place");
    return AFMT_OK;
}

/* One top-level JSON value of the input at [start, end). */
static int hn_document(afmt_imp_doc *d, json_t *v, size_t start, size_t end)
{
    hn_ctx *c = (hn_ctx *)d;
    int rc = AFMT_OK;
    size_t before = c->d.recs.n;
    if (json_is_null(v) || json_is_array(v)) {
        rc = hn_value(c, v, start, end); /* [] and null hold no item, and may */
    } else if (json_is_object(v)) {
        rc = hn_value(c, v, start, end);
        if (rc == AFMT_OK && c->d.recs.n == before)
            rc = hn_fail(c, start, AFMT_E_FORMAT, "an object that holds no Hacker News item");
    } else {
        rc = hn_fail(c, start, AFMT_E_FORMAT, "not a Hacker News item, array or object");
    }
    return rc;
}

/* kids that are not items of this input */
static int hn_mark_kids(afmt_imp_doc *d, afmt_imp_map *ids)
{
    hn_ctx *c = (hn_ctx *)d;
    for (size_t i = 0; i < c->nkids; i++) {
        size_t idx;
        const hn_kid *k = &c->kids[i];
        if (afmt_imp_map_get(ids, &d->arena, d->arena.data + k->id.off, k->id.len, &idx))
            continue;
        afmt_imp_rec *rec = &d->recs.v[k->rec];
        rec->flags |= AFMT_POST_INCOMPLETE;
        rec->missing++;
    }
    return AFMT_OK;
}

static void hn_free(afmt_imp_doc *d)
{
    free(((hn_ctx *)d)->kids);
}

static const afmt_imp_doc_ops hn_ops = {
    .document = hn_document,
    .none_msg = "no Hacker News item (an object with an integer \"id\") in the input",
    .before_emit = hn_mark_kids,
    .free = hn_free,
};

int afmt_import_hn(afmt_writer *w, int fd, const char *path, size_t path_len,
                   afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    hn_ctx c = {0};
    return afmt_imp_run(&c.d, &hn_ops, w, fd, path, path_len, stats, errbuf, errbuf_size);
}
