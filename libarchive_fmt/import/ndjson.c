/*
 * ndjson.c - the NDJSON importer: one JSON object per line, each
 * line one post.
 *
 * Contract (afmt_import.h), and the choices this format leaves open:
 *  - A line ends at "\n".  A post's content is its line's bytes without
 *    that "\n" (a "\r" before it stays in the content, so CRLF files
 *    round-trip); the last line may lack the "\n".
 *  - A line that is empty or holds only spaces, tabs and CRs is not a
 *    post: its bytes are kept in the file entry as data.
 *  - Every other line must be a UTF-8 JSON object (RFC 8259; jansson with
 *    JSON_REJECT_DUPLICATES).  Fields: "id" (string or integer, required;
 *    an integer becomes its decimal text), "parent" (string, integer or
 *    null; "" means no parent), "author" (string or null), "created" (Unix
 *    seconds as an integer, or an RFC 3339 string; null = unknown),
 *    "title" (string or null), "deleted" (boolean or null).  A post is
 *    marked deleted at the source when "deleted" is true, or when "body" is
 *    exactly "[deleted]" or "[removed]" (Reddit's spelling, kept by its
 *    exports).  Other keys are ignored, and so is "body" otherwise: the
 *    whole line is the content.  Media type: application/json.
 *  - A line that is not valid UTF-8 is an error naming the line: JSON text
 *    is UTF-8, and an id or author recovered from it could not be kept
 *    byte for byte.
 *  - The file entry is built while reading: for each post line an entry
 *    part referring to the post, and the "\n" terminators and blank lines
 *    as data, so the file's bytes are stored once.
 *  - Memory is bounded by three batches of lines (up to 1024 lines or
 *    4 MiB each, more only for one line longer than that, and a line is at
 *    most 256 MiB, the limit of one post) and their parsed trees: the input
 *    is read in pieces of 128 KiB (line_reader.c), never slurped.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "import/import.h"
#include "import/line_reader.h"
#include "import/mail_date.h"

#define MAX_LINE ((size_t)AFMT_MAX_CONTENT_BYTES)
#define MEDIA_TYPE "application/json"
#define MIN_TIME INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define MAX_TIME INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

typedef struct ndjson_state {
    afmt_writer *w;
    afmt_lines lines;         /* the input, "\n" by "\n" */
    char lines_err[AFMT_ERRMSG_BYTES];
    uint64_t read_no;         /* lines read so far (reading runs ahead) */
    uint64_t line_no;         /* the line being written, for messages */
    /* data waiting to become an inline part of the file entry */
    uint8_t pending[AFMT_MAX_INLINE_BYTES];
    size_t pending_len;
    char *errbuf;
    size_t errbuf_size;
} ndjson_state;

__attribute__((format(printf, 3, 4))) static int fail(ndjson_state *s, int err,
                                                        const char *fmt, ...)
{
    if (s->errbuf != NULL && s->errbuf_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->errbuf, s->errbuf_size, fmt, ap);
        va_end(ap);
    }
    return err;
}

static int writer_fail(ndjson_state *s, int rc)
{
    const char *m = afmt_writer_errmsg(s->w);
    return fail(s, rc, "line %" PRIu64 ": %s", s->line_no, m && *m ? m : afmt_strerror(rc));
}

/* ---- the file entry's data parts ---- */

static int flush_pending(ndjson_state *s)
{
    if (s->pending_len == 0)
        return AFMT_OK;
    int rc = afmt_writer_file_add_data(s->w, s->pending, s->pending_len);
    s->pending_len = 0;
    return rc;
}

static int emit_data(ndjson_state *s, const uint8_t *data, size_t len)
{
    while (len > 0) {
        if (s->pending_len == 0 && len > sizeof s->pending)
            return afmt_writer_file_add_data(s->w, data, len);
        size_t n = sizeof s->pending - s->pending_len;
        if (n > len)
            n = len;
        memcpy(s->pending + s->pending_len, data, n);
        s->pending_len += n;
        data += n;
        len -= n;
        if (s->pending_len == sizeof s->pending) {
            int rc = flush_pending(s);
            if (rc != AFMT_OK)
                return rc;
        }
    }
    return AFMT_OK;
}

/* ---- line reader ---- */

/* Returns 1 with the next line in *line and *len (without "\n"; *nl says
 * whether there was one), 0 at the end, or a negative afmt_error. */
static int next_line(ndjson_state *s, const uint8_t **line, size_t *len, int *nl)
{
    int got = afmt_lines_next(&s->lines, line, len);
    if (got < 0)
        return fail(s, got, "%s", s->lines_err);
    *nl = got > 0 && *len > 0 && (*line)[*len - 1] == '\n';
    if (*nl)
        (*len)--;
    return got;
}

/* ---- fields ---- */

/* A string or integer field as bytes: string -> its bytes, integer -> its
 * decimal text in `num`.  Returns 0, or -1 for another JSON type. */
static int string_or_integer(const json_t *v, const char **out, size_t *out_len,
                             char num[32])
{
    if (json_is_string(v)) {
        *out = json_string_value(v);
        *out_len = json_string_length(v);
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = num;
        *out_len = strlen(num);
        return 0;
    }
    return -1;
}

static int is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

/* ---- parsing, one thread ahead of the writer ----
 *
 * Parsing a line into a jansson tree is most of an import's work, and the
 * writer (hashing, encoding) most of the rest; so lines are read in
 * batches, a worker thread parses one batch while this thread writes the
 * one before, and everything the writer sees happens in the input's order.
 * A line that does not parse is reported when its turn comes, so errors
 * and the bundle's bytes are the same as without the worker. */

#define BATCH_LINES 1024
#define BATCH_BYTES (4u << 20)

typedef struct parsed {
    size_t off, len;       /* the line in its batch's bytes */
    int nl, blank;
    uint64_t line_no;
    json_t *root;          /* owns the strings the post points to */
    json_t *stale;         /* the root of the line this slot held before:
                              freed by the worker, which allocated it */
    afmt_post post;
    char idnum[32], parentnum[32];
    int rc;                /* AFMT_OK, or why the line is refused (msg) */
    char msg[160];
} parsed;

typedef struct batch {
    afmt_buf bytes;        /* the lines, copied out of the read buffer */
    parsed *lines;         /* BATCH_LINES of them */
    size_t n;
    int last;              /* the input ends after this batch (or failed: read_rc) */
    int read_rc;
} batch;

#define WORKERS 2               /* parsing threads */
#define BATCHES (WORKERS + 1)   /* one being written, one per worker */

typedef struct ahead {
    batch b[BATCHES];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state[BATCHES];    /* 1 handed over, 2 being parsed, 3 parsed, 0 neither */
    unsigned next;         /* the next batch a worker takes, in order */
    int quit;
    unsigned threads;
    pthread_t thread[WORKERS];
} ahead;

__attribute__((format(printf, 3, 4))) static int refuse(parsed *p, int err, const char *fmt,
                                                          ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
    p->rc = err;
    return err;
}

/* An optional string field ("author", "title"): absent or null leaves
 * *out as it is. */
static int optional_string(parsed *p, json_t *root, const char *key, size_t max,
                          const char **out, size_t *out_len)
{
    json_t *v = json_object_get(root, key);
    if (v == NULL || json_is_null(v))
        return AFMT_OK;
    if (!json_is_string(v) || json_string_length(v) > max)
        return refuse(p, AFMT_E_FORMAT,
                      "line %" PRIu64 ": \"%s\" must be a string of at most %zu bytes, or null",
                      p->line_no, key, max);
    *out = json_string_value(v);
    *out_len = json_string_length(v);
    return AFMT_OK;
}

/* Parses one line into p->post (nothing else is touched: this runs on the
 * worker). */
static int parse_line(parsed *p, const uint8_t *line)
{
    uint64_t ln = p->line_no;
    size_t len = p->len;
    p->rc = AFMT_OK;
    p->root = NULL;
    memset(&p->post, 0, sizeof p->post);
    if (!afmt_utf8_valid(line, len))
        return refuse(p, AFMT_E_FORMAT, "line %" PRIu64 ": not valid UTF-8 (a JSON text must "
                      "be UTF-8)", ln);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                              &jerr);
    if (root == NULL)
        return refuse(p, AFMT_E_FORMAT, "line %" PRIu64 ", column %d: %s", ln, jerr.column,
                      jerr.text);
    p->root = root;
    afmt_post *post = &p->post;
    post->media_type = MEDIA_TYPE;
    post->content = line;
    post->content_len = len;
    json_t *v;
    if (!json_is_object(root))
        return refuse(p, AFMT_E_FORMAT, "line %" PRIu64 ": not a JSON object", ln);
    v = json_object_get(root, "id");
    if (v == NULL || string_or_integer(v, &post->id, &post->id_len, p->idnum) != 0)
        return refuse(p, AFMT_E_FORMAT, "line %" PRIu64 ": \"id\" must be a string or an "
                      "integer", ln);
    if (post->id_len == 0 || post->id_len > AFMT_MAX_ID_BYTES)
        return refuse(p, AFMT_E_LIMIT, "line %" PRIu64 ": \"id\" must be 1 to %d bytes", ln,
                      AFMT_MAX_ID_BYTES);
    v = json_object_get(root, "parent");
    if (v != NULL && !json_is_null(v)) {
        if (string_or_integer(v, &post->parent, &post->parent_len, p->parentnum) != 0)
            return refuse(p, AFMT_E_FORMAT,
                          "line %" PRIu64 ": \"parent\" must be a string, an integer or null",
                          ln);
        if (post->parent_len == 0)
            post->parent = NULL;
        else if (post->parent_len > AFMT_MAX_ID_BYTES)
            return refuse(p, AFMT_E_LIMIT,
                          "line %" PRIu64 ": \"parent\" is longer than %d bytes", ln,
                          AFMT_MAX_ID_BYTES);
    }
    if (optional_string(p, root, "author", AFMT_MAX_AUTHOR_BYTES, &post->author,
                        &post->author_len) != AFMT_OK ||
        optional_string(p, root, "title", AFMT_MAX_TITLE_BYTES, &post->title,
                        &post->title_len) != AFMT_OK)
        return p->rc;
    v = json_object_get(root, "created");
    if (v != NULL && !json_is_null(v)) {
        int64_t t = 0;
        int ok = 0;
        if (json_is_integer(v)) {
            t = (int64_t)json_integer_value(v);
            ok = t >= MIN_TIME && t <= MAX_TIME;
        } else if (json_is_string(v)) {
            ok = afmt_rfc3339_time(&t, json_string_value(v), json_string_length(v), 1) == 0;
        }
        if (!ok)
            return refuse(p, AFMT_E_FORMAT,
                          "line %" PRIu64 ": \"created\" must be Unix seconds (an integer) or "
                          "an RFC 3339 date-time, in the years 1 to 9999", ln);
        post->has_created = 1;
        post->created = t;
    }
    v = json_object_get(root, "deleted");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return refuse(p, AFMT_E_FORMAT, "line %" PRIu64 ": \"deleted\" must be true, "
                          "false or null", ln);
        if (json_is_true(v))
            post->flags |= AFMT_POST_DELETED;
    }
    /* Reddit's convention, which exports keep: a body of "[deleted]" or
     * "[removed]" is a post deleted at the source. */
    v = json_object_get(root, "body");
    if (json_is_string(v) && (strcmp(json_string_value(v), "[deleted]") == 0 ||
                              strcmp(json_string_value(v), "[removed]") == 0) &&
        json_string_length(v) == 9)
        post->flags |= AFMT_POST_DELETED;
    return AFMT_OK;
}

static void parse_batch(batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->lines[i].stale);
        b->lines[i].stale = NULL;
        if (!b->lines[i].blank)
            parse_line(&b->lines[i], b->bytes.data + b->lines[i].off);
    }
}

static void *worker(void *arg)
{
    ahead *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->state[a->next] != 1 && !a->quit)
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->quit)
            break;
        unsigned k = a->next;
        a->next = (a->next + 1) % BATCHES;
        a->state[k] = 2;
        pthread_mutex_unlock(&a->mu);
        parse_batch(&a->b[k]);
        pthread_mutex_lock(&a->mu);
        a->state[k] = 3;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Reads the next lines into batch b (copies: the read buffer moves on). */
static void fill(ndjson_state *s, batch *b)
{
    b->n = 0;
    b->bytes.len = 0;
    while (b->n < BATCH_LINES && b->bytes.len < BATCH_BYTES) {
        const uint8_t *line = NULL;
        size_t len = 0;
        int nl = 0;
        int got = next_line(s, &line, &len, &nl);
        if (got <= 0) {
            b->last = 1;
            b->read_rc = got;
            return;
        }
        parsed *p = &b->lines[b->n];
        p->off = b->bytes.len;
        if (afmt_buf_append(&b->bytes, line, len) != AFMT_OK) {
            b->last = 1;
            b->read_rc = fail(s, AFMT_E_NOMEM, "out of memory");
            return;
        }
        p->len = len;
        p->nl = nl;
        p->line_no = ++s->read_no;
        p->blank = is_blank(line, len);
        b->n++;
    }
}

static void submit(ahead *a, unsigned k)
{
    if (a->threads == 0) {
        parse_batch(&a->b[k]);
        a->state[k] = 3;
        return;
    }
    pthread_mutex_lock(&a->mu);
    a->state[k] = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

static void await(ahead *a, unsigned k)
{
    pthread_mutex_lock(&a->mu);
    while (a->state[k] != 3)
        pthread_cond_wait(&a->cv, &a->mu);
    a->state[k] = 0;
    pthread_mutex_unlock(&a->mu);
}

/* Writes one parsed line: its post, its entry part and its newline. */
static int write_line(ndjson_state *s, parsed *p, afmt_import_stats *st)
{
    static const uint8_t newline = '\n';
    int rc;
    s->line_no = p->line_no; /* for writer_fail's message */
    /* a byte order mark the line reader took off line 1 stays in the file */
    if (p->line_no == 1 && s->lines.bom &&
        (rc = emit_data(s, (const uint8_t *)"\xEF\xBB\xBF", 3)) != AFMT_OK)
        return writer_fail(s, rc);
    if (p->blank) {
        const uint8_t *line = p->post.content; /* set by write_batch */
        rc = emit_data(s, line, p->len);
        if (rc == AFMT_OK && p->nl)
            rc = emit_data(s, &newline, 1);
        return rc != AFMT_OK ? writer_fail(s, rc) : AFMT_OK;
    }
    if (p->rc != AFMT_OK)
        return fail(s, p->rc, "%s", p->msg);
    if ((rc = flush_pending(s)) != AFMT_OK)
        return writer_fail(s, rc);
    uint64_t entry = 0;
    rc = afmt_writer_add_post(&entry, s->w, &p->post);
    if (rc == AFMT_E_DUPLICATE) {
        int shown = p->post.id_len > 200 ? 200 : (int)p->post.id_len;
        return fail(s, rc, "line %" PRIu64 ": duplicate id \"%.*s\"%s", p->line_no, shown,
                    p->post.id, p->post.id_len > 200 ? "..." : "");
    }
    if (rc != AFMT_OK)
        return writer_fail(s, rc);
    st->posts++;
    if (p->post.flags & AFMT_POST_DELETED)
        st->deleted++;
    rc = afmt_writer_file_add_entry(s->w, entry);
    if (rc == AFMT_OK && p->nl)
        rc = emit_data(s, &newline, 1);
    return rc != AFMT_OK ? writer_fail(s, rc) : AFMT_OK;
}

static int write_batch(ndjson_state *s, batch *b, afmt_import_stats *st)
{
    int rc = AFMT_OK;
    for (size_t i = 0; i < b->n; i++) {
        parsed *p = &b->lines[i];
        if (rc == AFMT_OK) {
            if (p->blank)
                p->post.content = b->bytes.data + p->off;
            rc = write_line(s, p, st);
        }
        /* Freed by the thread that allocated it (glibc frees faster so). */
        p->stale = p->root;
        p->root = NULL;
    }
    return rc != AFMT_OK ? rc : b->read_rc;
}

int afmt_import_ndjson(afmt_writer *w, int fd, const char *path, size_t path_len,
                       afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    if (errbuf != NULL && errbuf_size > 0)
        errbuf[0] = '\0';
    ndjson_state s;
    memset(&s, 0, sizeof s);
    s.w = w;
    s.errbuf = errbuf;
    s.errbuf_size = errbuf_size;
    if (w == NULL || path == NULL || fd < 0)
        return fail(&s, AFMT_E_INVALID_ARGUMENT, "invalid argument");
    afmt_import_stats st;
    memset(&st, 0, sizeof st);
    int rc = afmt_writer_file_begin(w, path, path_len);
    if (rc != AFMT_OK) {
        const char *m = afmt_writer_errmsg(w);
        return fail(&s, rc, "%s", m && *m ? m : afmt_strerror(rc));
    }
    rc = afmt_lines_open(&s.lines, fd, MAX_LINE, AFMT_LINES_SKIP_BOM, NULL, NULL, NULL,
                         s.lines_err);
    if (rc != AFMT_OK) {
        afmt_lines_free(&s.lines);
        return fail(&s, rc, "%s", s.lines_err);
    }
    ahead a;
    memset(&a, 0, sizeof a);
    for (unsigned j = 0; j < BATCHES; j++)
        if ((a.b[j].lines = calloc(BATCH_LINES, sizeof(parsed))) == NULL) {
            rc = fail(&s, AFMT_E_NOMEM, "out of memory");
            goto done;
        }
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    /* Without threads (the writer was given one, or none could start) the
     * batches are parsed here, in turn. */
    unsigned workers = afmt_writer_threads(s.w) > 1 ? WORKERS : 0;
    while (a.threads < workers && pthread_create(&a.thread[a.threads], NULL, worker, &a) == 0)
        a.threads++;
    /* Batches in turn: read and handed over ahead, written in order. */
    unsigned k = 0, filled = 0;
    int read_all = 0;
    for (; filled < BATCHES && !read_all; filled++) {
        fill(&s, &a.b[filled]);
        read_all = a.b[filled].last;
        submit(&a, filled);
    }
    for (;;) {
        await(&a, k);
        int last = a.b[k].last;
        rc = write_batch(&s, &a.b[k], &st);
        if (rc != AFMT_OK || last)
            break;
        if (!read_all) {
            fill(&s, &a.b[k]);
            read_all = a.b[k].last;
            submit(&a, k);
        }
        k = (k + 1) % BATCHES;
    }
    pthread_mutex_lock(&a.mu);
    a.quit = 1;
    pthread_cond_broadcast(&a.cv);
    pthread_mutex_unlock(&a.mu);
    for (unsigned t = 0; t < a.threads; t++)
        pthread_join(a.thread[t], NULL);
    for (unsigned j = 0; j < BATCHES; j++)
        for (size_t i = 0; i < BATCH_LINES; i++) {
            json_decref(a.b[j].lines[i].stale);
            if (i < a.b[j].n)
                json_decref(a.b[j].lines[i].root); /* parsed but never written */
        }
    pthread_cond_destroy(&a.cv);
    pthread_mutex_destroy(&a.mu);
    if (rc == AFMT_OK) {
        rc = flush_pending(&s);
        if (rc == AFMT_OK)
            rc = afmt_writer_file_end(NULL, w);
        if (rc != AFMT_OK) {
            const char *m = afmt_writer_errmsg(w);
            rc = fail(&s, rc, "%s", m && *m ? m : afmt_strerror(rc));
        }
    }
done:
    for (unsigned j = 0; j < BATCHES; j++) {
        free(a.b[j].lines);
        afmt_buf_free(&a.b[j].bytes);
    }
    st.bytes_in = s.lines.raw_bytes;
    afmt_lines_free(&s.lines);
    if (rc == AFMT_OK)
        afmt_import_stats_add(stats, &st);
    return rc;
}
