/*
 * pushshift.c - Pushshift dumps: NDJSON of Reddit comments or
 * submissions, plain or zstd-compressed (detected by the frame magic).
 *
 * Each line holding a JSON object is a post whose content is the line
 * without its "\n", byte for byte.  The file entry gives the input back:
 *  - plain input: each post's entry followed by an inline "\n", and the
 *    bytes of any line that is not a post (a blank line) as data;
 *  - zstd input: the compressed bytes themselves, stored as data in pieces
 *    of AFMT_IMPORT_PIECE_BYTES as they are read, while the decompressed
 *    lines become posts (so the posts' text is stored twice: as posts, and
 *    inside the compressed file; spec/IMPORTERS.md gives the measured cost).
 * Memory stays bounded: one line (at most AFMT_PUSHSHIFT_MAX_LINE bytes)
 * and its JSON tree, one piece of pending file bytes, the ids seen so far,
 * and for zstd input the decoder, whose window buffer is up to 2 GiB
 * (windowLogMax 31) when the frame does not declare a smaller content size.
 * The field rules are in spec/IMPORTERS.md, "Pushshift".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "import/import.h"
#include "import/json_doc.h"
#include "import/line_reader.h"

/* The longest line accepted, without its "\n".  Reddit caps a comment at
 * 10,000 characters and a self post at 40,000; even fully \u-escaped and
 * with its metadata a real line is far below this. */
#define AFMT_PUSHSHIFT_MAX_LINE (16u * 1024 * 1024)

#define PUSHSHIFT_MEDIA_TYPE "application/json"

/* Years 1 to 9999 (spec: post "created"). */
#define CREATED_MIN INT64_C(-62135596800)
#define CREATED_MAX INT64_C(253402300799)

/* How many "#k" suffixes to try when the writer refuses an id that another
 * file of the same bundle already used. */
#define RETRY_DUPLICATES 1000

#define PS_DEFERRED 1 /* add_record: the line waits for the end of the input */

typedef struct ps_state {
    afmt_stream c; /* first: the state is an afmt_stream */
    afmt_buf base;        /* the id before it is made unique */
    int compressed;
} ps_state;

static int ps_fail(ps_state *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int ps_fail(ps_state *s, int err, const char *fmt, ...)
{
    char msg[AFMT_ERRMSG_BYTES - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->c.err, sizeof s->c.err, "line %" PRIu64 ": %s", s->c.lines.line_no, msg);
    return err;
}

/* A JSON string's bytes (NUL allowed); NULL when v is not a string. */
static const char *str_of(json_t *v, size_t *len)
{
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

/* created_utc: a JSON integer, a JSON real (its floor), or a string holding
 * a decimal number ("1134365188", "1134365188.0").  Returns 1 with *out
 * set, 0 when absent, of another type or outside years 1..9999. */
static int created_of(json_t *v, int64_t *out)
{
    if (json_is_integer(v) || json_is_real(v))
        return afmt_js_time_value(v, out); /* json_doc.c's rule */
    size_t n;
    const char *p = str_of(v, &n);
    if (p == NULL || n == 0 || n > 64)
        return 0;
    size_t i = 0;
    int neg = 0;
    if (p[i] == '-') {
        neg = 1;
        i++;
    }
    size_t digits = 0;
    int64_t val = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        if (val > CREATED_MAX)
            return 0;
        val = val * 10 + (p[i] - '0');
    }
    if (digits == 0)
        return 0;
    int frac = 0;
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (p[i] != '0')
                frac = 1;
    }
    if (i != n)
        return 0;
    if (neg)
        val = -val - frac; /* floor */
    if (val < CREATED_MIN || val > CREATED_MAX)
        return 0;
    *out = val;
    return 1;
}

/* Sets s->base to the record's id: "name" when it is a non-empty string,
 * else "id" (a string, or an integer in decimal) with "t3_" in front for a
 * submission and "t1_" for a comment, unless it already starts with a kind
 * prefix "t<digit>_". */
static int base_id(ps_state *s, json_t *o, int submission)
{
    s->base.len = 0;
    size_t n = 0;
    const char *p = str_of(json_object_get(o, "name"), &n);
    if (p != NULL && n > 0)
        return afmt_buf_append(&s->base, p, n) == AFMT_OK
                   ? AFMT_OK
                   : ps_fail(s, AFMT_E_NOMEM, "out of memory");
    json_t *idv = json_object_get(o, "id");
    char num[32];
    p = str_of(idv, &n);
    if (p == NULL && json_is_integer(idv)) {
        n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
        p = num;
    }
    if (p == NULL || n == 0)
        return ps_fail(s, AFMT_E_FORMAT, "no \"name\" and no \"id\" (string or integer)");
    int prefixed = n > 3 && p[0] == 't' && p[1] >= '0' && p[1] <= '9' && p[2] == '_';
    if (!prefixed && afmt_buf_append(&s->base, submission ? "t3_" : "t1_", 3) != AFMT_OK)
        return ps_fail(s, AFMT_E_NOMEM, "out of memory");
    if (afmt_buf_append(&s->base, p, n) != AFMT_OK)
        return ps_fail(s, AFMT_E_NOMEM, "out of memory");
    return AFMT_OK;
}

/* Keeps a line for the end of the input. */
static int defer(ps_state *s, const uint8_t *line, size_t len)
{
    int rc = afmt_defer_push(&s->c.deferred, NULL, 0, line, len);
    if (rc == AFMT_E_LIMIT)
        return ps_fail(s, AFMT_E_LIMIT, "more than %zu MiB of records whose id an earlier "
                                        "record had", AFMT_DEFER_MAX_BYTES >> 20);
    if (rc != AFMT_OK)
        return ps_fail(s, AFMT_E_NOMEM, "out of memory");
    return PS_DEFERRED;
}

/* Adds the post for one JSON object line; *entry gets its entry number, or
 * PS_DEFERRED when the line waits for the end of the input. */
static int add_record(ps_state *s, const uint8_t *line, size_t len, uint64_t *entry)
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                           &jerr);
    if (o == NULL)
        return ps_fail(s, AFMT_E_FORMAT, "invalid JSON at column %d: %s", jerr.column,
                       jerr.text);
    int rc;
    if (!json_is_object(o)) {
        rc = ps_fail(s, AFMT_E_FORMAT, "not a JSON object");
        goto done;
    }

    /* A submission has a title and no parent_id; anything else is a comment. */
    json_t *parent_v = json_object_get(o, "parent_id");
    int submission = parent_v == NULL && json_object_get(o, "title") != NULL;
    rc = base_id(s, o, submission);
    if (rc != AFMT_OK)
        goto done;
    if (s->base.len > AFMT_MAX_ID_BYTES) {
        rc = ps_fail(s, AFMT_E_LIMIT, "id longer than %d bytes", AFMT_MAX_ID_BYTES);
        goto done;
    }

    afmt_post p;
    memset(&p, 0, sizeof p);
    p.media_type = PUSHSHIFT_MEDIA_TYPE;
    p.content = line;
    p.content_len = len;

    size_t n;
    const char *v = str_of(parent_v, &n);
    if (v != NULL && n > 0 && n <= AFMT_MAX_ID_BYTES) {
        p.parent = v;
        p.parent_len = n;
    }
    json_t *author_v = json_object_get(o, "author");
    v = str_of(author_v, &n);
    if (v != NULL) {
        p.author = v;
        p.author_len = afmt_utf8_trunc((const uint8_t *)v, n, AFMT_MAX_AUTHOR_BYTES);
    }
    if (submission) {
        v = str_of(json_object_get(o, "title"), &n);
        if (v != NULL) {
            p.title = v;
            p.title_len = afmt_utf8_trunc((const uint8_t *)v, n, AFMT_MAX_TITLE_BYTES);
        }
    }
    p.has_created = created_of(json_object_get(o, "created_utc"), &p.created);
    if (afmt_reddit_text_removed(o)) /* the Reddit importer's rule: the text is gone */
        p.flags |= AFMT_POST_DELETED;

    /* A repeated id (issue 12, item 8): the line waits until every id of
     * the input is known, so that its id#k is no id of the input (a later
     * post that replies point to). */
    if (!s->c.final_pass && afmt_idmaker_has(&s->c.ids, s->base.data, s->base.len)) {
        rc = defer(s, line, len);
        goto done;
    }
    for (int attempt = 0;; attempt++) {
        rc = afmt_idmaker_take(&s->c.ids, s->base.data, s->base.len, &p.id, &p.id_len);
        if (rc != AFMT_OK) {
            rc = ps_fail(s, rc, "cannot make a unique id from \"%.*s\"",
                         (int)(s->base.len > 200 ? 200 : s->base.len),
                         (const char *)s->base.data);
            goto done;
        }
        rc = afmt_writer_add_post(entry, s->c.w, &p);
        if (rc == AFMT_E_DUPLICATE && !s->c.final_pass) {
            /* taken by another file of the bundle: named once this one's ids
             * are all known (the id stays recorded as taken) */
            rc = defer(s, line, len);
            goto done;
        }
        if (rc != AFMT_E_DUPLICATE || attempt >= RETRY_DUPLICATES)
            break;
        /* Taken by another file of the bundle: the maker has recorded it,
         * the next take gives the next suffix. */
    }
    if (rc != AFMT_OK) {
        rc = ps_fail(s, rc, "adding post %.*s: %s", (int)(p.id_len > 200 ? 200 : p.id_len),
                     p.id, afmt_writer_errmsg(s->c.w));
        goto done;
    }
    s->c.st.posts++;
    if (p.flags & AFMT_POST_DELETED)
        s->c.st.deleted++;
done:
    json_decref(o);
    return rc;
}

/* A line of nothing but JSON whitespace (or nothing) is not a post. */
static int is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 0;
    return 1;
}

static int run(afmt_stream *stream, int fd, const char *path, size_t path_len)
{
    ps_state *s = (ps_state *)stream;
    int rc = afmt_writer_file_begin(s->c.w, path, path_len);
    if (rc != AFMT_OK)
        return afmt_fail(s->c.err, rc, "%s", afmt_writer_errmsg(s->c.w));
    rc = afmt_lines_open(&s->c.lines, fd, AFMT_PUSHSHIFT_MAX_LINE,
                         AFMT_LINES_DECOMPRESS | AFMT_LINES_SKIP_BOM, afmt_pending_tap,
                         &s->c.pending, &s->compressed, s->c.err);
    if (rc != AFMT_OK)
        return rc;
    s->c.pending.raw_only = s->compressed != 0;
    for (;;) {
        const uint8_t *line;
        size_t len;
        rc = afmt_lines_next(&s->c.lines, &line, &len);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        /* a byte order mark the line reader took off line 1 stays in the file */
        if (s->c.lines.line_no == 1 && s->c.lines.bom &&
            (rc = afmt_pending_add(&s->c.pending, "\xEF\xBB\xBF", 3)) != AFMT_OK)
            return rc;
        size_t body = len;
        if (body > 0 && line[body - 1] == '\n')
            body--;
        if (is_blank(line, body)) {
            if (!s->compressed && (rc = afmt_pending_add(&s->c.pending, line, len)) != AFMT_OK)
                return rc;
            continue;
        }
        uint64_t entry;
        rc = add_record(s, line, body, &entry);
        if (rc == PS_DEFERRED) {
            /* its bytes stay in the file, as data: the post comes later */
            if (!s->compressed && (rc = afmt_pending_add(&s->c.pending, line, len)) != AFMT_OK)
                return rc;
            continue;
        }
        if (rc != AFMT_OK)
            return rc;
        if (s->compressed)
            continue;
        if ((rc = afmt_pending_flush(&s->c.pending)) != AFMT_OK)
            return rc;
        rc = afmt_writer_file_add_entry(s->c.w, entry);
        if (rc != AFMT_OK)
            return ps_fail(s, rc, "%s", afmt_writer_errmsg(s->c.w));
        if (body < len && (rc = afmt_pending_add(&s->c.pending, "\n", 1)) != AFMT_OK)
            return rc;
    }
    /* The repeats, now that every id of the input is taken: each gets the
     * first id#k that is no id of the input. */
    s->c.final_pass = 1;
    const uint8_t *d;
    size_t n;
    for (size_t at = 0; afmt_defer_next(&s->c.deferred, &at, NULL, 0, &d, &n);) {
        uint64_t entry;
        if ((rc = add_record(s, d, n, &entry)) != AFMT_OK)
            return rc;
    }
    return afmt_stream_end(&s->c);
}

static void ps_free(afmt_stream *stream)
{
    ps_state *s = (ps_state *)stream;
    afmt_buf_free(&s->base);
}

int afmt_import_pushshift(afmt_writer *w, int fd, const char *path, size_t path_len,
                          afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    return afmt_stream_import(sizeof(ps_state), run, ps_free, w, fd, path, path_len, stats,
                              errbuf, errbuf_size);
}
