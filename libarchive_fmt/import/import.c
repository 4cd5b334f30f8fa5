/*
 * import.c - source format names, detection from content, and the dispatch
 * of afmt_import() to the importer of each format (import_<format>.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "import/decompress.h"
#include "import/import.h"
#include "import/json_doc.h"

static const struct {
    afmt_source_format fmt;
    const char *name;
    afmt_import_fn fn;
} formats[] = {
    {AFMT_SOURCE_NDJSON, "ndjson", afmt_import_ndjson},
    {AFMT_SOURCE_REDDIT, "reddit", afmt_import_reddit},
    {AFMT_SOURCE_PUSHSHIFT, "pushshift", afmt_import_pushshift},
    {AFMT_SOURCE_HN, "hn", afmt_import_hn},
    {AFMT_SOURCE_MBOX, "mbox", afmt_import_mbox},
    {AFMT_SOURCE_MASTODON, "mastodon", afmt_import_mastodon},
    {AFMT_SOURCE_DISCOURSE, "discourse", afmt_import_discourse},
    {AFMT_SOURCE_STACKEXCHANGE, "stackexchange", afmt_import_stackexchange},
    {AFMT_SOURCE_NNTP, "nntp", afmt_import_nntp},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

void afmt_import_stats_add(afmt_import_stats *to, const afmt_import_stats *from)
{
    if (to == NULL)
        return;
    to->posts += from->posts;
    to->deleted += from->deleted;
    to->incomplete += from->incomplete;
    to->missing_replies += from->missing_replies;
    to->bytes_in += from->bytes_in;
}

const char *afmt_source_format_name(afmt_source_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].fmt == f)
            return formats[i].name;
    return "unknown";
}

int afmt_source_format_from_name(afmt_source_format *out, const char *name)
{
    if (out == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out = AFMT_SOURCE_UNKNOWN;
    if (name == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    for (size_t i = 0; i < NFORMATS; i++) {
        if (strcmp(formats[i].name, name) == 0) {
            *out = formats[i].fmt;
            return AFMT_OK;
        }
    }
    return AFMT_E_INVALID_ARGUMENT;
}

/* ---------------------------------------------------------------- detect */

/* What the first keys of an object say.  The head may end anywhere, so the
 * object is read member by member and reading stops, without failing, at
 * the first member that does not fit. */
enum {
    K_REDDIT_KIND = 1 << 0,  /* "kind": "Listing" / "t1" / "t3" / "more" */
    K_JSON = 1 << 1,         /* "json" (a morechildren answer) */
    K_SUBREDDIT = 1 << 2,    /* "subreddit", "subreddit_id" or "link_id" */
    K_HN_OFFICIAL = 1 << 3,  /* "by", "kids" or "descendants" */
    K_HN_TYPE = 1 << 4,      /* "type": story/comment/job/poll/pollopt */
    K_ID = 1 << 5,           /* "id" */
    K_USER = 1 << 6,         /* "user" */
    K_CONTENT = 1 << 7,      /* "content" */
    K_COMMENTS = 1 << 8,     /* "comments" */
    K_POST_HN = 1 << 9,      /* "post": an object that looks like an HN item */
    K_AP_ITEMS = 1 << 10,    /* "orderedItems", or "type": an ActivityPub collection */
    K_MA_CONTEXT = 1 << 11,  /* "ancestors" (a Mastodon status context) */
    K_MA_STATUS = 1 << 12,   /* "in_reply_to_id", "spoiler_text" or "account" */
    K_CREATED_AT = 1 << 13,  /* "created_at" */
    K_AP_OBJECT = 1 << 14,   /* "inReplyTo" or "attributedTo" (an ActivityPub object) */
    K_DC_TOPIC = 1 << 15,    /* "post_stream" or "latest_posts" */
    K_DC_POST = 1 << 16,     /* "post_number" */
    K_DC_POSTKEY = 1 << 17,  /* "topic_id", "cooked" or "reply_to_post_number" */
};

static int key_is(const uint8_t *b, size_t ks, size_t ke, const char *k)
{
    size_t n = strlen(k);
    return ke - ks == n + 2 && memcmp(b + ks + 1, k, n) == 0;
}

static int str_value_is(const uint8_t *b, size_t vs, size_t ve, const char *const *vals)
{
    for (; *vals != NULL; vals++)
        if (key_is(b, vs, ve, *vals))
            return 1;
    return 0;
}

static unsigned detect_keys(const uint8_t *b, size_t len, size_t obj, int depth)
{
    static const char *const reddit_kinds[] = {"Listing", "t1", "t3", "more", NULL};
    static const char *const hn_types[] = {"story", "comment", "job", "poll", "pollopt", NULL};
    static const char *const ap_types[] = {"OrderedCollection", "OrderedCollectionPage",
                                           "Create", NULL};
    unsigned k = 0;
    afmt_jtext t = {0};
    t.b = b;
    t.len = len;
    size_t q = afmt_js_ws(b, len, obj + 1);
    for (;;) {
        size_t ks = q, ke, vs, ve;
        if (q >= len || b[q] != '"' || afmt_js_value_end(&t, q, &ke) != 0)
            break;
        vs = afmt_js_ws(b, len, ke);
        if (vs >= len || b[vs] != ':')
            break;
        vs = afmt_js_ws(b, len, vs + 1);
        if (vs >= len)
            break;
        /* the key counts even when its value goes on beyond the head */
        int whole = afmt_js_value_end(&t, vs, &ve) == 0;
        if (key_is(b, ks, ke, "kind") && whole && str_value_is(b, vs, ve, reddit_kinds))
            k |= K_REDDIT_KIND;
        else if (key_is(b, ks, ke, "json") && b[vs] == '{')
            k |= K_JSON;
        else if (key_is(b, ks, ke, "subreddit") || key_is(b, ks, ke, "subreddit_id") ||
                 key_is(b, ks, ke, "link_id"))
            k |= K_SUBREDDIT;
        else if (key_is(b, ks, ke, "by") || key_is(b, ks, ke, "kids") ||
                 key_is(b, ks, ke, "descendants"))
            k |= K_HN_OFFICIAL;
        else if (key_is(b, ks, ke, "type") && whole && str_value_is(b, vs, ve, hn_types))
            k |= K_HN_TYPE;
        else if (key_is(b, ks, ke, "type") && whole && str_value_is(b, vs, ve, ap_types))
            k |= K_AP_ITEMS;
        else if (key_is(b, ks, ke, "orderedItems"))
            k |= K_AP_ITEMS;
        else if (key_is(b, ks, ke, "ancestors") && b[vs] == '[')
            k |= K_MA_CONTEXT;
        else if (key_is(b, ks, ke, "in_reply_to_id") || key_is(b, ks, ke, "spoiler_text") ||
                 key_is(b, ks, ke, "account"))
            k |= K_MA_STATUS;
        else if (key_is(b, ks, ke, "created_at"))
            k |= K_CREATED_AT;
        else if (key_is(b, ks, ke, "inReplyTo") || key_is(b, ks, ke, "attributedTo"))
            k |= K_AP_OBJECT;
        else if (key_is(b, ks, ke, "post_stream") || key_is(b, ks, ke, "latest_posts"))
            k |= K_DC_TOPIC;
        else if (key_is(b, ks, ke, "post_number"))
            k |= K_DC_POST;
        else if (key_is(b, ks, ke, "topic_id") || key_is(b, ks, ke, "cooked") ||
                 key_is(b, ks, ke, "reply_to_post_number"))
            k |= K_DC_POSTKEY;
        else if (key_is(b, ks, ke, "id"))
            k |= K_ID;
        else if (key_is(b, ks, ke, "user"))
            k |= K_USER;
        else if (key_is(b, ks, ke, "content"))
            k |= K_CONTENT;
        else if (key_is(b, ks, ke, "comments") && b[vs] == '[')
            k |= K_COMMENTS;
        else if (key_is(b, ks, ke, "post") && b[vs] == '{' && depth == 0) {
            unsigned pk = detect_keys(b, len, vs, depth + 1);
            if ((pk & K_HN_OFFICIAL) || ((pk & K_ID) && (pk & K_HN_TYPE)))
                k |= K_POST_HN;
        }
        if (!whole)
            break;
        q = afmt_js_ws(b, len, ve);
        if (q >= len || b[q] != ',')
            break;
        q = afmt_js_ws(b, len, q + 1);
    }
    return k;
}

/* Nonzero when the first line of head (all of it when there is no newline
 * and the head is short, i.e. the whole file) is one JSON object. */
static int first_line_is_object(const uint8_t *head, size_t len)
{
    const uint8_t *nl = memchr(head, '\n', len);
    size_t n = nl != NULL ? (size_t)(nl - head) : len;
    if (nl == NULL && len >= 64 * 1024)
        return 0; /* cannot tell: the line goes on beyond the head */
    json_error_t err;
    json_t *v = json_loadb((const char *)head, n, AFMT_IMPORT_JSON_FLAGS, &err);
    int ok = json_is_object(v);
    json_decref(v);
    return ok;
}

static int name_ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcmp(name + n - s, suffix) == 0;
}

/* A Stack Exchange dump: [BOM] [<?xml ...?>] then the root element <posts>
 * or <comments> (whitespace and comments between). */
static int looks_like_se_dump(const uint8_t *b, size_t len)
{
    size_t i = 0;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        i = 3;
    for (;;) {
        while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
            i++;
        if (i + 4 <= len && memcmp(b + i, "<!--", 4) == 0) {
            const uint8_t *e = NULL;
            for (size_t j = i + 4; j + 3 <= len; j++)
                if (memcmp(b + j, "-->", 3) == 0) {
                    e = b + j;
                    break;
                }
            if (e == NULL)
                return 0;
            i = (size_t)(e - b) + 3;
            continue;
        }
        if (i + 2 <= len && b[i] == '<' && b[i + 1] == '?') {
            const uint8_t *e = memchr(b + i, '>', len - i);
            if (e == NULL)
                return 0;
            i = (size_t)(e - b) + 1;
            continue;
        }
        break;
    }
    static const char *const roots[] = {"<posts", "<comments"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(roots[k]);
        if (i + n < len && memcmp(b + i, roots[k], n) == 0 &&
            (b[i + n] == '>' || b[i + n] == ' ' || b[i + n] == '\t' || b[i + n] == '\r' ||
             b[i + n] == '\n' || b[i + n] == '/'))
            return 1;
    }
    return 0;
}

/* A Usenet article: the head starts with header fields ("Name:" at the
 * start of each line, continuations indented) and among the fields before
 * the first blank line is Newsgroups. */
static int looks_like_article(const uint8_t *b, size_t len)
{
    size_t pos = 0;
    int fields = 0;
    while (pos < len) {
        const uint8_t *nl = memchr(b + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - b) + 1 : len;
        const uint8_t *line = b + pos;
        size_t n = end - pos;
        if (n == 1 || (n == 2 && line[0] == '\r'))
            return 0; /* the body starts: no Newsgroups */
        if (line[0] == ' ' || line[0] == '\t') {
            if (fields == 0)
                return 0;
        } else {
            size_t k = 0;
            while (k < n && line[k] != ':' && line[k] > 0x20 && line[k] < 0x7F)
                k++;
            if (k == 0 || k == n || line[k] != ':')
                return 0;
            if (k == 10 && strncasecmp((const char *)line, "Newsgroups", 10) == 0)
                return 1;
            fields++;
        }
        pos = end;
    }
    return 0;
}

static afmt_source_format detect_plain(const char *name, const uint8_t *head, size_t len);

/* A compressed input (by its magic bytes, issue 19): what its decoded head
 * is.  Only the streaming importers that decompress take it: an mbox, or
 * NDJSON lines (Pushshift).  A zstd input whose head cannot be told (a
 * 2 GiB window, which the peek does not allocate) is Pushshift, as before. */
static afmt_source_format detect_compressed(afmt_zkind k, const char *name,
                                            const uint8_t *head, size_t len)
{
    enum { PEEK = 64 * 1024 };
    uint8_t *out = malloc(PEEK);
    if (out == NULL)
        return k == AFMT_Z_ZSTD ? AFMT_SOURCE_PUSHSHIFT : AFMT_SOURCE_UNKNOWN;
    size_t n = afmt_z_peek(k, head, len, out, PEEK);
    afmt_source_format f = n > 0 ? detect_plain(NULL, out, n) : AFMT_SOURCE_UNKNOWN;
    free(out);
    (void)name;
    if (f == AFMT_SOURCE_MBOX)
        return f;
    if (f == AFMT_SOURCE_PUSHSHIFT || f == AFMT_SOURCE_NDJSON || k == AFMT_Z_ZSTD)
        return AFMT_SOURCE_PUSHSHIFT;
    return AFMT_SOURCE_UNKNOWN;
}

afmt_source_format afmt_source_detect(const char *name, const uint8_t *head, size_t len)
{
    if (head == NULL)
        len = 0;
    afmt_zkind k = afmt_z_detect(head, len);
    if (k != AFMT_Z_NONE)
        return detect_compressed(k, name, head, len);
    return detect_plain(name, head, len);
}

static afmt_source_format detect_plain(const char *name, const uint8_t *head, size_t len)
{
    if (len >= 5 && memcmp(head, "From ", 5) == 0)
        return AFMT_SOURCE_MBOX;

    if (looks_like_se_dump(head, len))
        return AFMT_SOURCE_STACKEXCHANGE;

    /* a UTF-8 byte order mark may come before JSON (issue 19) */
    size_t bom = len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t p = len ? afmt_js_ws(head, len, bom) : 0;
    if (p < len && (head[p] == '[' || head[p] == '{')) {
        int in_array = head[p] == '[';
        size_t obj = p;
        if (in_array) {
            obj = afmt_js_ws(head, len, p + 1);
            /* an array of arrays (unusual) or of nulls: look no further */
        }
        if (obj < len && head[obj] == '{') {
            unsigned k = detect_keys(head, len, obj, 0);
            if (k & (K_REDDIT_KIND | K_JSON))
                return AFMT_SOURCE_REDDIT;
            if ((k & K_DC_TOPIC) || ((k & K_DC_POST) && (k & K_DC_POSTKEY)))
                return AFMT_SOURCE_DISCOURSE;
            if ((k & (K_AP_ITEMS | K_MA_CONTEXT | K_AP_OBJECT)) ||
                ((k & K_ID) && (k & K_CREATED_AT) && (k & K_MA_STATUS)))
                return AFMT_SOURCE_MASTODON;
            if ((k & K_SUBREDDIT) && !in_array)
                return AFMT_SOURCE_PUSHSHIFT;
            if ((k & (K_HN_OFFICIAL | K_POST_HN)) || ((k & K_ID) && (k & K_HN_TYPE)) ||
                ((k & K_ID) && (k & (K_USER | K_CONTENT)) && (k & K_COMMENTS)))
                return AFMT_SOURCE_HN;
            if (!in_array && first_line_is_object(head + p, len - p))
                return AFMT_SOURCE_NDJSON;
        }
    }
    if (looks_like_article(head, len))
        return AFMT_SOURCE_NNTP;
    if (name != NULL && (name_ends_with(name, ".mbox") || name_ends_with(name, ".mbx")))
        return AFMT_SOURCE_MBOX;
    return AFMT_SOURCE_UNKNOWN;
}

/* ---------------------------------------------------------------- import */

int afmt_import(afmt_import_stats *stats, afmt_writer *w, afmt_source_format fmt, int fd,
                const char *path, size_t path_len)
{
    afmt_error_clear();
    if (w == NULL || fd < 0 || path == NULL || path_len == 0)
        return afmt_error_set(AFMT_E_INVALID_ARGUMENT, "afmt_import: no writer, input or path");
    for (size_t i = 0; i < NFORMATS; i++) {
        if (formats[i].fmt != fmt)
            continue;
        /* The importers name the line or record in `msg`; a failure of the
         * writer under them is in the channel already, with its own words. */
        char msg[1024] = "";
        int rc = formats[i].fn(w, fd, path, path_len, stats, msg, sizeof msg);
        if (rc < 0 && msg[0] != '\0')
            afmt_error_set(rc, "%s", msg);
        return rc;
    }
    return afmt_error_set(AFMT_E_INVALID_ARGUMENT, "afmt_import: unknown source format %d",
                          (int)fmt);
}
