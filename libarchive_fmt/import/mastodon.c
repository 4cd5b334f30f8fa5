/*
 * mastodon.c - Mastodon and ActivityPub.  spec/IMPORTERS.md, "Mastodon",
 * says what becomes a post and which bytes are a post's.
 *
 * The input is one or more top-level JSON values.  Each is one of:
 *   - an ActivityPub collection (an account export's outbox.json, an
 *     OrderedCollectionPage): its "orderedItems" (or "items") are
 *     activities; a Create whose "object" is an object with a string "id"
 *     gives a post, the object's bytes (a Note, a Question...); an
 *     Announce (a boost: its object is another note's URI) or any other
 *     activity gives none, and its bytes stay in the file entry;
 *   - a status context as Mastodon's API serves it
 *     (/api/v1/statuses/ID/context): {"ancestors": [status],
 *     "descendants": [status]};
 *   - an array of statuses, one status (/api/v1/statuses/ID), or one
 *     ActivityPub Create or Note.
 * Pass 1 records every post; then statuses whose "replies_count" is larger
 * than the replies present are marked incomplete; pass 2 (afmt_imp_emit)
 * writes the posts and the file entry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "import/json_doc.h"
#include "import/mail_date.h"

typedef struct ma_ctx {
    afmt_imp_doc d; /* first: the run's afmt_imp_doc is this context */
    int64_t *replies_count; /* per record: the status's replies_count, or -1 */
    size_t rc_cap;
    int containers; /* collections and contexts seen: these may hold no post */
} ma_ctx;

static int ma_fail(ma_ctx *c, size_t off, int err, const char *what)
{
    return afmt_imp_doc_fail(&c->d, off, err, what);
}

static int ma_nomem(ma_ctx *c)
{
    return afmt_imp_doc_nomem(&c->d);
}

/* Copies a string field into the arena: 1 set, 0 not a string, < 0 error. */
static int ma_str(ma_ctx *c, json_t *v, size_t max, afmt_imp_str *out, size_t off, const char *what)
{
    return afmt_imp_doc_str(&c->d, v, max, out, off, what);
}

/* An ActivityPub reference: a URI string, or an object with a string "id". */
static json_t *ap_ref(json_t *v)
{
    if (json_is_object(v))
        return json_object_get(v, "id");
    return v;
}

static afmt_imp_rec *ma_push(ma_ctx *c, size_t start, size_t end)
{
    afmt_imp_rec *rec = afmt_imp_recs_push(&c->d.recs);
    if (rec == NULL)
        return NULL;
    if (c->d.recs.n > c->rc_cap) {
        size_t ncap = c->rc_cap ? c->rc_cap * 2 : 256;
        int64_t *n = realloc(c->replies_count, ncap * sizeof *n);
        if (n == NULL)
            return NULL;
        c->replies_count = n;
        c->rc_cap = ncap;
    }
    c->replies_count[c->d.recs.n - 1] = -1;
    rec->start = start;
    rec->end = end;
    return rec;
}

/* A time string (RFC 3339) of member key. */
static void ma_time(afmt_imp_rec *rec, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    int64_t t;
    if (json_is_string(v) &&
        afmt_rfc3339_time(&t, json_string_value(v), json_string_length(v), 1) == 0) {
        rec->created = t;
        rec->has_created = 1;
    }
}

/* The fields every post has, into the record just pushed: its id (the
 * string `id`; `what` names the object in the message when it has none),
 * parent (`parent`, `parent_what` in messages), author and content warning
 * (a title).  Strings that are not, or empty, are absent. */
static int ma_fields(ma_ctx *c, size_t start, json_t *id, const char *what, json_t *parent,
                     const char *parent_what, json_t *author, json_t *cw)
{
    afmt_imp_str s;
    afmt_imp_rec *rec;
    int r = ma_str(c, id, AFMT_MAX_ID_BYTES, &s, start, "an id");
    if (r <= 0)
        return r < 0 ? r : ma_fail(c, start, AFMT_E_STATE, what);
    rec = &c->d.recs.v[c->d.recs.n - 1];
    rec->id = s;
    if (json_is_string(parent) && json_string_length(parent) > 0) {
        if ((r = ma_str(c, parent, AFMT_MAX_ID_BYTES, &s, start, parent_what)) < 0)
            return r;
        rec = &c->d.recs.v[c->d.recs.n - 1];
        rec->parent = s;
        rec->has_parent = 1;
    }
    if ((r = ma_str(c, author, AFMT_MAX_AUTHOR_BYTES, &s, start, "an author")) < 0)
        return r;
    rec = &c->d.recs.v[c->d.recs.n - 1];
    if (r == 1) {
        rec->author = s;
        rec->has_author = 1;
    }
    if (json_is_string(cw) && json_string_length(cw) > 0) {
        if ((r = ma_str(c, cw, AFMT_MAX_TITLE_BYTES, &s, start, "a content warning")) < 0)
            return r;
        rec = &c->d.recs.v[c->d.recs.n - 1];
        rec->title = s;
        rec->has_title = 1;
    }
    return AFMT_OK;
}

/* An ActivityPub object (a Note) at [start, end), the object of a Create
 * whose actor is `actor` (may be NULL). */
static int ap_object(ma_ctx *c, json_t *o, size_t start, size_t end, json_t *actor)
{
    if (ma_push(c, start, end) == NULL)
        return ma_nomem(c);
    json_t *a = ap_ref(json_object_get(o, "attributedTo"));
    if (!json_is_string(a))
        a = ap_ref(actor);
    int r = ma_fields(c, start, json_object_get(o, "id"), "internal error: object without id",
                      ap_ref(json_object_get(o, "inReplyTo")), "an inReplyTo", a,
                      json_object_get(o, "summary"));
    if (r != AFMT_OK)
        return r;
    afmt_imp_rec *rec = &c->d.recs.v[c->d.recs.n - 1];
    ma_time(rec, o, "published");
    if (afmt_js_string_is(o, "type", "Tombstone"))
        rec->flags |= AFMT_POST_DELETED;
    return AFMT_OK;
}

/* A Mastodon API status at [start, end). */
static int api_status(ma_ctx *c, json_t *o, size_t start, size_t end)
{
    if (ma_push(c, start, end) == NULL)
        return ma_nomem(c);
    int r = ma_fields(c, start, json_object_get(o, "id"), "internal error: status without id",
                      json_object_get(o, "in_reply_to_id"), "an in_reply_to_id",
                      json_object_get(json_object_get(o, "account"), "acct"),
                      json_object_get(o, "spoiler_text"));
    if (r != AFMT_OK)
        return r;
    afmt_imp_rec *rec = &c->d.recs.v[c->d.recs.n - 1];
    ma_time(rec, o, "created_at");
    json_t *rcv = json_object_get(o, "replies_count");
    if (json_is_integer(rcv) && json_integer_value(rcv) >= 0)
        c->replies_count[c->d.recs.n - 1] = (int64_t)json_integer_value(rcv);
    return AFMT_OK;
}

static int is_api_status(json_t *o)
{
    return json_is_object(o) && json_is_string(json_object_get(o, "id")) &&
           json_object_get(o, "created_at") != NULL &&
           (json_object_get(o, "account") != NULL ||
            json_object_get(o, "in_reply_to_id") != NULL);
}

/* A boost as the API serves it: its own status whose "reblog" is the boosted one. */
static int is_api_boost(json_t *o)
{
    return json_is_object(json_object_get(o, "reblog"));
}

static int is_ap_object(json_t *o)
{
    return json_is_object(o) && json_is_string(json_object_get(o, "id")) &&
           json_is_string(json_object_get(o, "type")) && !afmt_js_string_is(o, "type", "Create") &&
           (json_object_get(o, "content") != NULL || json_object_get(o, "inReplyTo") != NULL ||
            afmt_js_string_is(o, "type", "Tombstone"));
}

/* A Create activity at [start, end): its object, when an object, is a post. */
static int ap_create(ma_ctx *c, json_t *act, size_t start)
{
    json_t *o = json_object_get(act, "object");
    if (!json_is_object(o) || !json_is_string(json_object_get(o, "id")))
        return AFMT_OK; /* a Create of a URI: nothing to keep but its bytes */
    afmt_jmember m;
    if (afmt_js_object_find(&c->d.text, start, "object", 6, &m) != 1 ||
        c->d.b[m.value_start] != '{')
        return ma_fail(c, start, AFMT_E_STATE, "internal error: no object span");
    return ap_object(c, o, m.value_start, m.value_end, json_object_get(act, "actor"));
}

/* An element of orderedItems, ancestors, descendants or a top-level array. */
static int ma_item(ma_ctx *c, json_t *v, size_t start, size_t end)
{
    if (!json_is_object(v))
        return AFMT_OK; /* a bare URI (an item given by reference) */
    if (afmt_js_string_is(v, "type", "Create"))
        return ap_create(c, v, start);
    if (is_api_status(v))
        return is_api_boost(v) ? AFMT_OK : api_status(c, v, start, end);
    if (is_ap_object(v))
        return ap_object(c, v, start, end, NULL);
    return AFMT_OK; /* Announce, Like, Delete...: bytes only */
}

/* The elements of the array that is member `key` of the object at obj. */
static int ma_array_member(ma_ctx *c, json_t *o, size_t obj, const char *key)
{
    json_t *arr = json_object_get(o, key);
    if (!json_is_array(arr))
        return AFMT_OK;
    afmt_jmember m;
    if (afmt_js_object_find(&c->d.text, obj, key, strlen(key), &m) != 1)
        return ma_fail(c, obj, AFMT_E_STATE, "internal error: no array span");
    size_t it = 0, s, e, i = 0;
    int r;
    while ((r = afmt_js_array_next(&c->d.text, m.value_start, &it, &s, &e)) == 1) {
        json_t *el = json_array_get(arr, i++);
        if (el == NULL)
            return ma_fail(c, s, AFMT_E_STATE, "internal error: scanner and parser disagree");
        if ((r = ma_item(c, el, s, e)) != AFMT_OK)
            return r;
    }
    if (r < 0 || i != json_array_size(arr))
        return ma_fail(c, obj, AFMT_E_STATE, "internal error: scanner and parser disagree");
    return AFMT_OK;
}

static int ma_document(afmt_imp_doc *d, json_t *v, size_t start, size_t end)
{
    ma_ctx *c = (ma_ctx *)d;
    int rc = AFMT_OK;
    if (json_is_array(v)) {
        size_t it = 0, s, e, i = 0;
        int r;
        while ((r = afmt_js_array_next(&c->d.text, start, &it, &s, &e)) == 1) {
            json_t *el = json_array_get(v, i++);
            if (el == NULL) {
                r = -1;
                break;
            }
            if ((rc = ma_item(c, el, s, e)) != AFMT_OK)
                break;
        }
        if (rc == AFMT_OK && (r < 0 || i != json_array_size(v)))
            rc = ma_fail(c, start, AFMT_E_STATE, "internal error: scanner and parser disagree");
    } else if (json_is_object(v) && (json_is_array(json_object_get(v, "orderedItems")) ||
                                     json_is_array(json_object_get(v, "items")))) {
        c->containers++;
        rc = ma_array_member(c, v, start, "orderedItems");
        if (rc == AFMT_OK)
            rc = ma_array_member(c, v, start, "items");
    } else if (json_is_object(v) && (json_is_array(json_object_get(v, "ancestors")) ||
                                     json_is_array(json_object_get(v, "descendants")))) {
        c->containers++;
        rc = ma_array_member(c, v, start, "ancestors");
        if (rc == AFMT_OK)
            rc = ma_array_member(c, v, start, "descendants");
    } else if (json_is_object(v) &&
               (afmt_js_string_is(v, "type", "Create") || is_api_status(v) || is_ap_object(v))) {
        rc = ma_item(c, v, start, end);
    } else {
        rc = ma_fail(c, start, AFMT_E_FORMAT,
                     "not an ActivityPub collection or object, nor a Mastodon status or "
                     "context");
    }
    return rc;
}

/* a status that says it has more replies than the input holds */
static int ma_mark_replies(afmt_imp_doc *d, afmt_imp_map *ids)
{
    return afmt_imp_mark_missing_replies(d, ids, ((ma_ctx *)d)->replies_count, NULL, NULL);
}

static void ma_free(afmt_imp_doc *d)
{
    free(((ma_ctx *)d)->replies_count);
}

/* An outbox or a context may be empty; a bare array (a Reddit page given
 * --format mastodon, issue 19) that holds no status is not Mastodon's. */
static int ma_has_container(const afmt_imp_doc *d)
{
    return ((const ma_ctx *)d)->containers > 0;
}

static const afmt_imp_doc_ops ma_ops = {
    .document = ma_document,
    .none_msg = "no Mastodon status, ActivityPub note, collection or context in the input",
    .has_input = ma_has_container,
    .before_emit = ma_mark_replies,
    .free = ma_free,
};

int afmt_import_mastodon(afmt_writer *w, int fd, const char *path, size_t path_len,
                         afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    ma_ctx c = {0};
    return afmt_imp_run(&c.d, &ma_ops, w, fd, path, path_len, stats, errbuf, errbuf_size);
}
