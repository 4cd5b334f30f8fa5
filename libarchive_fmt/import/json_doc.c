/*
 * json_doc.c - helpers shared by the JSON importers (see json_doc.h).
 */
#include "import/import.h"
#include "import/idmaker.h"
#include "import/json_doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* ------------------------------------------------------------------ errors */

int afmt_imp_fail(char *errbuf, size_t errbuf_size, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    afmt_error_vset(err, fmt, ap); /* the channel; afmt_import also sets it from errbuf */
    va_end(ap);
    if (errbuf != NULL && errbuf_size > 0)
        snprintf(errbuf, errbuf_size, "%s", afmt_error_last());
    return err;
}

uint64_t afmt_imp_line_of(const uint8_t *b, size_t len, size_t off)
{
    uint64_t line = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++)
        line += b[i] == '\n';
    return line;
}

/* ------------------------------------------------------------------- input */

int afmt_imp_read_all(uint8_t **out, size_t *out_len, int fd, size_t max, char *errbuf,
                      size_t errbuf_size)
{
    *out = NULL;
    *out_len = 0;
    size_t cap = 64 * 1024, len = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) {
        if ((uint64_t)st.st_size > max)
            return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_LIMIT,
                                 "input is %llu bytes, more than the importer's limit of %zu",
                                 (unsigned long long)st.st_size, max);
        cap = (size_t)st.st_size + 1;
    }
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM, "out of memory reading input");
    for (;;) {
        if (cap - len < 2) {
            if (cap > max) {
                free(buf);
                return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_LIMIT,
                                     "input is more than the importer's limit of %zu bytes",
                                     max);
            }
            size_t ncap = cap * 2;
            if (ncap > max + 2)
                ncap = max + 2;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM,
                                     "out of memory reading input");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_IO, "reading input: %s",
                                 strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            free(buf);
            return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_LIMIT,
                                 "input is more than the importer's limit of %zu bytes", max);
        }
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return AFMT_OK;
}

/* ------------------------------------------------------------ field access */

int afmt_js_string(json_t *obj, const char *key, const char **s, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 1;
}

int afmt_js_string_is(json_t *obj, const char *key, const char *lit)
{
    const char *s;
    size_t n;
    return afmt_js_string(obj, key, &s, &n) && n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* The format's range for "created": years 1 to 9999. */
#define AFMT_IMP_TIME_MIN INT64_C(-62135596800)
#define AFMT_IMP_TIME_MAX INT64_C(253402300799)

int afmt_js_time(json_t *obj, const char *key, int64_t *out)
{
    return afmt_js_time_value(json_object_get(obj, key), out);
}

int afmt_js_time_value(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t t = json_integer_value(v);
        if (t < AFMT_IMP_TIME_MIN || t > AFMT_IMP_TIME_MAX)
            return 0;
        *out = (int64_t)t;
        return 1;
    }
    if (json_is_real(v)) {
        /* rounded down, without libm: the range check also refuses NaN */
        double d = json_real_value(v);
        if (!(d >= (double)AFMT_IMP_TIME_MIN && d < (double)AFMT_IMP_TIME_MAX + 1.0))
            return 0;
        int64_t t = (int64_t)d; /* toward zero */
        if ((double)t > d)
            t--;
        *out = t;
        return 1;
    }
    return 0;
}

int afmt_js_true(json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}

int afmt_reddit_text_removed(json_t *thing)
{
    static const char *const fields[] = {"body", "selftext"};
    for (size_t i = 0; i < 2; i++)
        if (afmt_js_string_is(thing, fields[i], "[deleted]") ||
            afmt_js_string_is(thing, fields[i], "[removed]"))
            return 1;
    return json_is_string(json_object_get(thing, "removed_by_category"));
}

/* ------------------------------------------------------------------- arena */

int afmt_imp_str_add(afmt_buf *arena, afmt_imp_str *out, const void *s, size_t n)
{
    out->off = arena->len;
    out->len = n;
    if (n == 0)
        return AFMT_OK;
    return afmt_buf_append(arena, s, n);
}

/* --------------------------------------------------------------------- map */

struct afmt_imp_map_slot {
    uint64_t hash;  /* 0 = empty */
    afmt_imp_str key;
    size_t value;
};

static uint64_t imp_hash(const afmt_imp_map *m, const void *key, size_t n)
{
    /* SipHash under the map's random key, as common/set.c does; 0 is kept
     * for "empty". */
    uint8_t h8[crypto_shorthash_BYTES];
    crypto_shorthash(h8, key, n, m->sipkey);
    uint64_t h = afmt_load64(h8);
    return h == 0 ? 1 : h;
}

static int imp_map_grow(afmt_imp_map *m)
{
    size_t ncap = m->cap == 0 ? 64 : m->cap * 2;
    if (ncap < m->cap || ncap > SIZE_MAX / sizeof(struct afmt_imp_map_slot))
        return AFMT_E_NOMEM;
    struct afmt_imp_map_slot *ns = calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return AFMT_E_NOMEM;
    if (m->cap == 0)
        randombytes_buf(m->sipkey, sizeof m->sipkey);
    for (size_t i = 0; i < m->cap; i++) {
        struct afmt_imp_map_slot *s = &m->slots[i];
        if (s->hash == 0)
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].hash != 0)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return AFMT_OK;
}

int afmt_imp_map_put(afmt_imp_map *m, const afmt_buf *arena, afmt_imp_str key, size_t value,
                     size_t *existing)
{
    if ((m->count + 1) * 2 > m->cap) {
        int rc = imp_map_grow(m);
        if (rc != AFMT_OK)
            return rc;
    }
    const uint8_t *kb = arena->data + key.off;
    uint64_t h = imp_hash(m, kb, key.len);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].hash != 0) {
        struct afmt_imp_map_slot *s = &m->slots[j];
        if (s->hash == h && s->key.len == key.len &&
            memcmp(arena->data + s->key.off, kb, key.len) == 0) {
            if (existing != NULL)
                *existing = s->value;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].hash = h;
    m->slots[j].key = key;
    m->slots[j].value = value;
    m->count++;
    return 1;
}

int afmt_imp_map_get(const afmt_imp_map *m, const afmt_buf *arena, const void *key, size_t n,
                     size_t *value)
{
    if (m->cap == 0)
        return 0;
    uint64_t h = imp_hash(m, key, n);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].hash != 0) {
        const struct afmt_imp_map_slot *s = &m->slots[j];
        if (s->hash == h && s->key.len == n && memcmp(arena->data + s->key.off, key, n) == 0) {
            *value = s->value;
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

size_t afmt_imp_map_slot_value(const afmt_imp_map *m, size_t j)
{
    return j < m->cap && m->slots[j].hash != 0 ? m->slots[j].value : SIZE_MAX;
}

void afmt_imp_map_free(afmt_imp_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

/* ----------------------------------------------------------------- records */

afmt_imp_rec *afmt_imp_recs_push(afmt_imp_recs *r)
{
    if (r->n == r->cap) {
        size_t ncap = r->cap == 0 ? 256 : r->cap * 2;
        if (ncap > SIZE_MAX / sizeof(afmt_imp_rec))
            return NULL;
        afmt_imp_rec *nv = realloc(r->v, ncap * sizeof *nv);
        if (nv == NULL)
            return NULL;
        r->v = nv;
        r->cap = ncap;
    }
    afmt_imp_rec *rec = &r->v[r->n++];
    memset(rec, 0, sizeof *rec);
    return rec;
}

void afmt_imp_recs_free(afmt_imp_recs *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

int afmt_imp_index_ids(afmt_imp_map *map, afmt_imp_recs *r, afmt_buf *arena)
{
    afmt_idmaker ids;
    int rc = afmt_idmaker_init(&ids);
    /* Every id of the document first: a repeated id's id#k is then never an
     * id that comes later (issue 12, item 8: a crafted repeat took the name
     * of a post that replies pointed to). */
    for (size_t i = 0; i < r->n && rc == AFMT_OK; i++)
        rc = afmt_idmaker_reserve(&ids, arena->data + r->v[i].id.off, r->v[i].id.len);
    for (size_t i = 0; i < r->n && rc == AFMT_OK; i++) {
        afmt_imp_str *id = &r->v[i].id;
        if (id->len > 0 && id->len <= AFMT_MAX_ID_BYTES) {
            const char *u;
            size_t ulen;
            rc = afmt_idmaker_take(&ids, arena->data + id->off, id->len, &u, &ulen);
            if (rc == AFMT_OK && ulen != id->len)
                rc = afmt_imp_str_add(arena, id, u, ulen);
            if (rc != AFMT_OK)
                break;
        } /* else the writer refuses it, with its message */
        rc = afmt_imp_map_put(map, arena, *id, i, NULL);
        rc = rc < 0 ? rc : AFMT_OK;
    }
    afmt_idmaker_free(&ids);
    return rc;
}

/* ------------------------------------------------------------------- emit */

/* Stores b[from, to) as file data, in pieces the writer accepts. */
static int emit_data(afmt_writer *w, const uint8_t *b, size_t from, size_t to)
{
    while (from < to) {
        size_t n = to - from;
        if (n > AFMT_MAX_CONTENT_BYTES)
            n = AFMT_MAX_CONTENT_BYTES;
        int rc = afmt_writer_file_add_data(w, b + from, n);
        if (rc != AFMT_OK)
            return rc;
        from += n;
    }
    return AFMT_OK;
}

/* How the file entry is built (spec/IMPORTERS.md, "The file entry"); the
 * figures were chosen by packing the corpus every way (see the section). */
#define EMIT_TINY_RUN 64           /* a run this short is stored inline */
#define EMIT_RUN_FLUSH (16 * 1024) /* a run this long is written out at once */
#define EMIT_RETRY_DUPLICATES 1000 /* id#2 .. id#1000 for an id taken before */

int afmt_imp_emit(afmt_writer *w, const uint8_t *b, size_t len, const char *path,
                  size_t path_len, const afmt_imp_recs *r, const afmt_buf *arena,
                  const afmt_imp_map *ids, afmt_import_stats *stats, char *errbuf,
                  size_t errbuf_size)
{
    afmt_import_stats st = {0};
    uint8_t *tmp = NULL;
    size_t tmp_cap = 0;
    afmt_buf idbuf = {0}; /* an id with its #k suffix */
    size_t cursor = 0;
    int rc = afmt_writer_file_begin(w, path, path_len);
    if (rc != AFMT_OK)
        return afmt_imp_fail(errbuf, errbuf_size, rc, "starting file entry: %s",
                             afmt_writer_errmsg(w));
    for (size_t i = 0; i < r->n; i++) {
        const afmt_imp_rec *rec = &r->v[i];
        /* a long run goes out before more posts are added, so that it lands
         * in the same zstd block as the posts whose bytes it repeats */
        if (rec->start > cursor && rec->start - cursor >= EMIT_RUN_FLUSH) {
            rc = emit_data(w, b, cursor, rec->start);
            if (rc != AFMT_OK) {
                rc = afmt_imp_fail(errbuf, errbuf_size, rc, "file entry: %s",
                                   afmt_writer_errmsg(w));
                goto out;
            }
            cursor = rec->start;
        }
        int cut = rec->cut_end > rec->cut_start;
        const uint8_t *content = b + rec->start;
        size_t content_len = rec->end - rec->start;
        if (cut) {
            size_t n = content_len - (rec->cut_end - rec->cut_start);
            if (n > tmp_cap) {
                uint8_t *nt = realloc(tmp, n);
                if (nt == NULL) {
                    rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM, "out of memory");
                    goto out;
                }
                tmp = nt;
                tmp_cap = n;
            }
            size_t head = rec->cut_start - rec->start;
            memcpy(tmp, b + rec->start, head);
            memcpy(tmp + head, b + rec->cut_end, rec->end - rec->cut_end);
            content = tmp;
            content_len = n;
        }
        const uint8_t *ab = arena->data;
        afmt_post p = {0};
        p.id = (const char *)ab + rec->id.off;
        p.id_len = rec->id.len;
        if (rec->has_parent) {
            p.parent = (const char *)ab + rec->parent.off;
            p.parent_len = rec->parent.len;
        }
        if (rec->has_author) {
            /* an empty author is present and empty: point at something */
            p.author = rec->author.len ? (const char *)ab + rec->author.off : "";
            p.author_len = rec->author.len;
        }
        if (rec->has_title) {
            p.title = rec->title.len ? (const char *)ab + rec->title.off : "";
            p.title_len = rec->title.len;
        }
        p.media_type = r->media_type != NULL ? r->media_type : "application/json";
        p.has_created = rec->has_created;
        p.created = rec->created;
        p.flags = rec->flags;
        p.missing_replies = rec->missing;
        p.content = content;
        p.content_len = content_len;
        uint64_t entry;
        rc = afmt_writer_add_post(&entry, w, &p);
        /* an id an earlier input of the bundle took: id#2, id#3, ... */
        for (uint64_t k = 2; rc == AFMT_E_DUPLICATE && k <= EMIT_RETRY_DUPLICATES; k++) {
            int src = afmt_id_suffixed(&idbuf, ab + rec->id.off, rec->id.len, k);
            if (src == AFMT_E_LIMIT)
                break;
            if (src != AFMT_OK) {
                rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM, "out of memory");
                goto out;
            }
            /* never an id of this input: a later post may be its holder */
            size_t holder;
            if (afmt_imp_map_get(ids, arena, idbuf.data, idbuf.len, &holder))
                continue;
            p.id = (const char *)idbuf.data;
            p.id_len = idbuf.len;
            rc = afmt_writer_add_post(&entry, w, &p);
        }
        if (rc != AFMT_OK) {
            rc = afmt_imp_fail(errbuf, errbuf_size, rc, "line %llu: post %.*s: %s",
                               (unsigned long long)afmt_imp_line_of(b, len, rec->start),
                               (int)(rec->id.len > 200 ? 200 : rec->id.len), p.id,
                               afmt_writer_errmsg(w));
            goto out;
        }
        st.posts++;
        if (rec->flags & AFMT_POST_DELETED)
            st.deleted++;
        if (rec->flags & AFMT_POST_INCOMPLETE) {
            st.incomplete++;
            st.missing_replies += rec->missing;
        }
        if (!cut) {
            if (rec->start < cursor) {
                rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_STATE,
                                   "internal error: overlapping posts at byte %zu",
                                   rec->start);
                goto out;
            }
            size_t run = rec->start - cursor;
            /* a run the writer would store inline (in the index, away from
             * the posts whose bytes it repeats, so zstd cannot match them)
             * and that is not tiny takes this post's bytes in instead of
             * referencing it, until it is long enough to be a blob */
            if (run > EMIT_TINY_RUN && run <= AFMT_MAX_INLINE_BYTES)
                continue;
            rc = emit_data(w, b, cursor, rec->start);
            if (rc == AFMT_OK)
                rc = afmt_writer_file_add_entry(w, entry);
            if (rc != AFMT_OK) {
                rc = afmt_imp_fail(errbuf, errbuf_size, rc, "file entry: %s",
                                   afmt_writer_errmsg(w));
                goto out;
            }
            cursor = rec->end;
        }
    }
    rc = emit_data(w, b, cursor, len);
    if (rc == AFMT_OK)
        rc = afmt_writer_file_end(NULL, w);
    if (rc != AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, rc, "file entry: %s", afmt_writer_errmsg(w));
        goto out;
    }
    st.bytes_in = len;
    afmt_import_stats_add(stats, &st);
out:
    free(tmp);
    afmt_buf_free(&idbuf);
    return rc;
}

int afmt_imp_index_ids_msg(afmt_imp_map *map, afmt_imp_recs *r, afmt_buf *arena, char *errbuf,
                           size_t errbuf_size)
{
    int rc = afmt_imp_index_ids(map, r, arena);
    if (rc != AFMT_OK)
        return afmt_imp_fail(errbuf, errbuf_size, rc, "%s",
                             rc == AFMT_E_LIMIT ? "a repeated id with its #k suffix is too long"
                                                : "out of memory");
    return AFMT_OK;
}

int afmt_imp_each_document(afmt_jtext *t, int (*doc)(void *ctx, size_t start, size_t end),
                           void *ctx, char *errbuf, size_t errbuf_size)
{
    /* a UTF-8 byte order mark before the JSON (issue 19): skipped here,
     * kept in the file entry with every other byte that is no post's */
    size_t bom = t->len >= 3 && memcmp(t->b, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t p = afmt_js_ws(t->b, t->len, bom);
    if (p == t->len)
        return afmt_imp_fail(errbuf, errbuf_size, AFMT_E_FORMAT, "no JSON in the input");
    while (p < t->len) {
        size_t e;
        if (afmt_js_value_end(t, p, &e) != 0)
            e = t->len; /* let jansson say what is wrong */
        int rc = doc(ctx, p, e);
        if (rc != AFMT_OK)
            return rc;
        p = afmt_js_ws(t->b, t->len, e);
    }
    return AFMT_OK;
}

/* --------------------------------------------------------- the importer run */

int afmt_imp_doc_fail(afmt_imp_doc *d, size_t off, int err, const char *what)
{
    return afmt_imp_fail(d->errbuf, d->errbuf_size, err, "line %llu: %s",
                         (unsigned long long)afmt_imp_line_of(d->b, d->len, off), what);
}

int afmt_imp_doc_nomem(afmt_imp_doc *d)
{
    return afmt_imp_fail(d->errbuf, d->errbuf_size, AFMT_E_NOMEM, "out of memory");
}

int afmt_imp_doc_str(afmt_imp_doc *d, json_t *v, size_t max, afmt_imp_str *out, size_t off,
                     const char *what)
{
    if (!json_is_string(v))
        return 0;
    size_t n = json_string_length(v);
    if (n > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s longer than the format allows", what);
        return afmt_imp_doc_fail(d, off, AFMT_E_LIMIT, msg);
    }
    if (afmt_imp_str_add(&d->arena, out, json_string_value(v), n) != AFMT_OK)
        return afmt_imp_doc_nomem(d);
    return 1;
}

typedef struct imp_run {
    afmt_imp_doc *d;
    const afmt_imp_doc_ops *ops;
} imp_run;

/* One top-level JSON text of the input at [start, end): parsed, indexed,
 * given to ops->document. */
static int imp_document(void *ctx, size_t start, size_t end)
{
    const imp_run *run = ctx;
    afmt_imp_doc *d = run->d;
    if (end - start > AFMT_IMPORT_MAX_DOCUMENT)
        return afmt_imp_doc_fail(d, start, AFMT_E_LIMIT, "a JSON text larger than 256 MiB");
    json_error_t jerr;
    json_t *v = json_loadb((const char *)d->b + start, end - start, AFMT_IMPORT_JSON_FLAGS,
                           &jerr);
    if (v == NULL) {
        uint64_t line = afmt_imp_line_of(d->b, d->len, start);
        return afmt_imp_fail(d->errbuf, d->errbuf_size, AFMT_E_FORMAT,
                             "line %llu: invalid JSON: %s",
                             (unsigned long long)(line + (jerr.line > 0 ? jerr.line - 1 : 0)),
                             jerr.text);
    }
    int rc = afmt_jt_index(&d->text, start, end);
    if (rc != AFMT_OK)
        rc = afmt_imp_doc_fail(d, start, rc, "cannot index the JSON text");
    else
        rc = run->ops->document(d, v, start, end);
    json_decref(v);
    return rc;
}

int afmt_imp_run(afmt_imp_doc *d, const afmt_imp_doc_ops *ops, afmt_writer *w, int fd,
                 const char *path, size_t path_len, afmt_import_stats *stats, char *errbuf,
                 size_t errbuf_size)
{
    if (errbuf != NULL && errbuf_size > 0)
        errbuf[0] = 0;
    uint8_t *b = NULL;
    size_t len = 0;
    int rc = afmt_imp_read_all(&b, &len, fd, AFMT_IMPORT_MAX_INPUT, errbuf, errbuf_size);
    if (rc != AFMT_OK) {
        if (ops->free != NULL)
            ops->free(d);
        return rc;
    }
    d->b = b;
    d->len = len;
    d->text.b = b;
    d->text.len = len;
    d->errbuf = errbuf;
    d->errbuf_size = errbuf_size;
    afmt_imp_map ids = {0};

    if (ops->parse != NULL) {
        rc = ops->parse(d);
    } else {
        imp_run run = {d, ops};
        rc = afmt_imp_each_document(&d->text, imp_document, &run, errbuf, errbuf_size);
    }
    if (rc != AFMT_OK)
        goto out;
    if (ops->none_msg != NULL && d->recs.n == 0 &&
        (ops->has_input == NULL || !ops->has_input(d))) {
        rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_FORMAT, "%s", ops->none_msg);
        goto out;
    }
    rc = afmt_imp_index_ids_msg(&ids, &d->recs, &d->arena, errbuf, errbuf_size);
    if (rc != AFMT_OK)
        goto out;
    if (ops->before_emit != NULL && (rc = ops->before_emit(d, &ids)) != AFMT_OK)
        goto out;
    rc = afmt_imp_emit(w, b, len, path, path_len, &d->recs, &d->arena, &ids, stats, errbuf,
                       errbuf_size);
out:
    afmt_imp_map_free(&ids);
    afmt_jt_free(&d->text);
    afmt_imp_recs_free(&d->recs);
    afmt_buf_free(&d->arena);
    if (ops->free != NULL)
        ops->free(d);
    free(b);
    return rc;
}

int afmt_imp_mark_missing_replies(afmt_imp_doc *d, const afmt_imp_map *ids,
                                  const int64_t *expected, int (*counts)(void *ctx, size_t i),
                                  void *ctx)
{
    uint64_t *present = calloc(d->recs.n + 1, sizeof *present);
    if (present == NULL)
        return afmt_imp_doc_nomem(d);
    for (size_t i = 0; i < d->recs.n; i++) {
        size_t idx;
        const afmt_imp_rec *rec = &d->recs.v[i];
        if (rec->has_parent &&
            afmt_imp_map_get(ids, &d->arena, d->arena.data + rec->parent.off, rec->parent.len,
                             &idx) &&
            (counts == NULL || counts(ctx, i)))
            present[idx]++;
    }
    for (size_t i = 0; i < d->recs.n; i++) {
        if (expected[i] > 0 && (uint64_t)expected[i] > present[i]) {
            d->recs.v[i].flags |= AFMT_POST_INCOMPLETE;
            d->recs.v[i].missing = (uint64_t)expected[i] - present[i];
        }
    }
    free(present);
    return AFMT_OK;
}
