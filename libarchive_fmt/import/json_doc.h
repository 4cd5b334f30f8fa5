/*
 * json_doc.h - what the JSON importers (reddit.c, hn.c)
 * share: reading an input to its end, finding the exact bytes of JSON values
 * in a text, jansson field access, a byte-string map, and the step that turns
 * a list of post records into post entries and a file entry that rebuilds
 * the input byte for byte.
 *
 * JSON is parsed and validated by jansson only.  The span scanner below does
 * not parse: given the position where a value starts, it finds where that
 * value ends (it knows strings, escapes and brackets, nothing else), so the
 * importers can say which bytes of the input a jansson value came from.  It
 * is only ever used on a text jansson has accepted, except to split an input
 * into its top-level values (afmt_js_value_end), and every value found that
 * way is then given to jansson whole; on any byte it does not expect it
 * reports malformed input, and it never reads outside [0, len).
 */
#ifndef AFMT_IMPORT_JSON_H
#define AFMT_IMPORT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "import/import.h"

/* An input is read whole: at most this many bytes (AFMT_E_LIMIT beyond). */
#define AFMT_IMPORT_MAX_INPUT ((size_t)1 << 30)
/* One top-level JSON text (a page, a line) is parsed whole by jansson: at
 * most this many bytes, which also bounds a post's content. */
#define AFMT_IMPORT_MAX_DOCUMENT ((size_t)AFMT_MAX_CONTENT_BYTES)
/* jansson flags for every parse: strict UTF-8 (jansson's default), no
 * duplicate keys, and \u0000 accepted (strings are handled with lengths). */
#define AFMT_IMPORT_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* ---- errors ---- */

/* Records a message in the error channel, copies it into errbuf (may be
 * NULL) and returns err. */
AFMT_INTERNAL int afmt_imp_fail(char *errbuf, size_t errbuf_size, int err, const char *fmt,
                                ...) __attribute__((format(printf, 4, 5)));

/* 1-based line number of byte offset `off` in b. */
AFMT_INTERNAL uint64_t afmt_imp_line_of(const uint8_t *b, size_t len, size_t off);

/* ---- input ---- */

/* Reads fd to its end into a malloc'd buffer (*out; one extra NUL byte
 * after the data, not counted).  AFMT_E_LIMIT beyond max bytes, AFMT_E_IO,
 * AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_imp_read_all(uint8_t **out, size_t *out_len, int fd, size_t max,
                                    char *errbuf, size_t errbuf_size);

/* ---- span scanner ---- */

/* A text to scan: the input, and optionally a bracket index of one JSON
 * text in it (afmt_jt_index), so that finding where an object or array ends
 * takes a binary search instead of a walk over everything inside it. */
typedef struct afmt_jtext {
    const uint8_t *b;
    size_t len;
    size_t base;     /* the indexed text's first byte */
    size_t limit;    /* one past its last byte */
    uint32_t *open;  /* container k opens at base + open[k] (ascending) */
    uint32_t *close; /* and closes at base + close[k] */
    size_t n, cap;
} afmt_jtext;

/* Indexes the brackets of the JSON text at [start, end) of t->b, which
 * jansson has accepted (so they pair up), replacing any earlier index.
 * The text must be under 4 GiB.  AFMT_E_NOMEM, or AFMT_E_FORMAT if they do
 * not pair up after all. */
AFMT_INTERNAL int afmt_jt_index(afmt_jtext *t, size_t start, size_t end);
AFMT_INTERNAL void afmt_jt_free(afmt_jtext *t);

/* First position at or after p that is not JSON whitespace (or len). */
AFMT_INTERNAL size_t afmt_js_ws(const uint8_t *b, size_t len, size_t p);

/* The end (one past the last byte) of the JSON value starting at p.
 * Returns 0, or -1 when the bytes cannot be a value (unterminated...). */
AFMT_INTERNAL int afmt_js_value_end(const afmt_jtext *t, size_t p, size_t *end);

/* One member of an object, as byte offsets into the text. */
typedef struct afmt_jmember {
    size_t key_start, key_end;     /* the key, quotes included */
    size_t value_start, value_end; /* the value */
    size_t prev_end;  /* end of the previous member's value, or just after '{' */
    size_t next_key;  /* start of the next member's key; 0 when this is the last */
} afmt_jmember;

/* Iterates over the members of the object starting at obj (b[obj] == '{').
 * Start with *it = 0.  Returns 1 with *m filled, 0 after the last member, -1
 * on malformed bytes. */
AFMT_INTERNAL int afmt_js_object_next(const afmt_jtext *t, size_t obj, size_t *it,
                                      afmt_jmember *m);

/* Finds the member named key (keylen bytes, compared with the decoded key)
 * of the object at obj.  1 found, 0 absent, -1 malformed. */
AFMT_INTERNAL int afmt_js_object_find(const afmt_jtext *t, size_t obj, const char *key,
                                      size_t keylen, afmt_jmember *m);

/* Iterates over the elements of the array starting at arr (b[arr] == '[').
 * Start with *it = 0.  Returns 1 with [*start, *end) set, 0 after the last
 * element, -1 on malformed bytes. */
AFMT_INTERNAL int afmt_js_array_next(const afmt_jtext *t, size_t arr, size_t *it,
                                     size_t *start, size_t *end);

/* The jansson value of the member whose key is at [key_start, key_end) of
 * b (decoded by jansson when it holds escapes), or NULL. */
AFMT_INTERNAL json_t *afmt_js_member_value(json_t *obj, const uint8_t *b, size_t key_start,
                                           size_t key_end);

/* ---- field access ---- */

/* A string member: 1 with *s, *n set (decoded bytes, may hold NUL), else 0. */
AFMT_INTERNAL int afmt_js_string(json_t *obj, const char *key, const char **s, size_t *n);
/* Nonzero when member key is a string equal to lit (NUL-terminated). */
AFMT_INTERNAL int afmt_js_string_is(json_t *obj, const char *key, const char *lit);
/* A time in Unix seconds from an integer or a finite real member (a real is
 * rounded down), within the format's range: 1 with *out set, else 0. */
AFMT_INTERNAL int afmt_js_time(json_t *obj, const char *key, int64_t *out);
/* The same for a value (NULL: absent). */
AFMT_INTERNAL int afmt_js_time_value(json_t *v, int64_t *out);
/* Nonzero when member key is JSON true. */
AFMT_INTERNAL int afmt_js_true(json_t *obj, const char *key);

/* The one rule of the Reddit and Pushshift importers (issue 19): a thing
 * (a comment or submission object) is deleted at the source when its text
 * was removed: "body" or "selftext" is exactly "[deleted]" or "[removed]",
 * or "removed_by_category" is a string.  An author "[deleted]" alone (the
 * account is gone, the text stands) is not: the author field says so. */
AFMT_INTERNAL int afmt_reddit_text_removed(json_t *thing);

/* ---- a growing arena of bytes, addressed by offset ---- */

typedef struct afmt_imp_str {
    size_t off, len;
} afmt_imp_str;

/* Appends n bytes to the arena; the string's place in *out. */
AFMT_INTERNAL int afmt_imp_str_add(afmt_buf *arena, afmt_imp_str *out, const void *s,
                                   size_t n);

/* ---- a map from byte strings (in an arena) to indices ---- */

typedef struct afmt_imp_map {
    struct afmt_imp_map_slot *slots;
    size_t cap;   /* power of two */
    size_t count;
    uint8_t sipkey[16]; /* random, set when the first slot is made: ids come
                           from the input, so their hashes must not be
                           predictable (hash flooding) */
} afmt_imp_map;

/* Adds key -> value unless the key is there.  Returns 1 added, 0 present
 * (*existing set when not NULL), AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_imp_map_put(afmt_imp_map *m, const afmt_buf *arena, afmt_imp_str key,
                                   size_t value, size_t *existing);
/* 1 with *value set when key (raw bytes) is present, else 0. */
AFMT_INTERNAL int afmt_imp_map_get(const afmt_imp_map *m, const afmt_buf *arena,
                                   const void *key, size_t n, size_t *value);
/* The value in slot j, or SIZE_MAX when it is empty (for tests of where
 * keys land). */
AFMT_INTERNAL size_t afmt_imp_map_slot_value(const afmt_imp_map *m, size_t j);
AFMT_INTERNAL void afmt_imp_map_free(afmt_imp_map *m);

/* ---- posts found in an input, and writing them ---- */

/* One post of the input: where its bytes are, and its fields (strings in the
 * arena).  The post's content is b[start, end) without b[cut_start, cut_end)
 * (nothing is cut when cut_start == cut_end). */
typedef struct afmt_imp_rec {
    size_t start, end;
    size_t cut_start, cut_end;
    afmt_imp_str id, parent, author, title;
    unsigned has_parent : 1, has_author : 1, has_title : 1, has_created : 1;
    unsigned flags;       /* AFMT_POST_* */
    uint64_t missing;
    int64_t created;
} afmt_imp_rec;

typedef struct afmt_imp_recs {
    afmt_imp_rec *v;
    size_t n, cap;
    const char *media_type; /* of every post; NULL: application/json */
} afmt_imp_recs;

/* Appends a zeroed record and returns it (NULL when out of memory). */
AFMT_INTERNAL afmt_imp_rec *afmt_imp_recs_push(afmt_imp_recs *r);
AFMT_INTERNAL void afmt_imp_recs_free(afmt_imp_recs *r);

/* Makes the records' ids unique and indexes them in *map (which must be
 * empty): in record order, an id already taken becomes the first of id#2,
 * id#3, ... not taken yet (the new id goes to the arena).  The first record
 * with an id keeps it, so parent links, which name the bare id, find it. */
AFMT_INTERNAL int afmt_imp_index_ids(afmt_imp_map *map, afmt_imp_recs *r, afmt_buf *arena);

/* The same, writing what went wrong to errbuf (importers' common message). */
AFMT_INTERNAL int afmt_imp_index_ids_msg(afmt_imp_map *map, afmt_imp_recs *r, afmt_buf *arena,
                                         char *errbuf, size_t errbuf_size);

/* Calls `doc` for each top-level JSON text of t->b (one document, a JSON
 * array, or one per line), with its start and end; a text whose end the
 * scanner cannot find runs to the end of the input, so that jansson says
 * what is wrong.  AFMT_E_FORMAT (in errbuf) when there is no JSON at all. */
AFMT_INTERNAL int afmt_imp_each_document(afmt_jtext *t,
                                         int (*doc)(void *ctx, size_t start, size_t end),
                                         void *ctx, char *errbuf, size_t errbuf_size);

/* Adds every record as a post, in order, and the file entry `path` whose
 * bytes are b[0, len), built from references to posts whose content is a
 * contiguous slice of b (nothing cut) and from data for every other byte
 * (spec/IMPORTERS.md, "Reddit", "The file entry", gives the rule).  An id
 * the writer refuses as taken by an earlier input of the bundle becomes the
 * first of id#2, id#3, ... it accepts that is no id of this input (`ids`:
 * every id of the input, as afmt_imp_index_ids made them).  Records must be in document order
 * (start ascending) and uncut records must not overlap.  Adds to *stats. */
AFMT_INTERNAL int afmt_imp_emit(afmt_writer *w, const uint8_t *b, size_t len, const char *path,
                                size_t path_len, const afmt_imp_recs *r,
                                const afmt_buf *arena, const afmt_imp_map *ids,
                                afmt_import_stats *stats, char *errbuf, size_t errbuf_size);

/* ---- the importer's run: read, parse, index ids, mark, emit ---- */

/* What every importer that reads its input whole keeps; an importer's own
 * context embeds it first. */
typedef struct afmt_imp_doc {
    const uint8_t *b; /* the input (owned by afmt_imp_run) */
    size_t len;
    afmt_jtext text;  /* b, len and the current text's bracket index */
    afmt_buf arena;
    afmt_imp_recs recs;
    char *errbuf;
    size_t errbuf_size;
} afmt_imp_doc;

/* What differs between importers.  Every member may be NULL but one of
 * document and parse. */
typedef struct afmt_imp_doc_ops {
    /* One top-level JSON text at [start, end), parsed by jansson (v) and
     * indexed in d->text (the driver refuses texts over
     * AFMT_IMPORT_MAX_DOCUMENT and reports invalid JSON). */
    int (*document)(afmt_imp_doc *d, json_t *v, size_t start, size_t end);
    /* Instead of document: reads the whole input (not JSON). */
    int (*parse)(afmt_imp_doc *d);
    /* When set, the input must give a post (or has_input must say yes):
     * AFMT_E_FORMAT with this message otherwise. */
    const char *none_msg;
    int (*has_input)(const afmt_imp_doc *d);
    /* After the ids are made unique, before the posts are written: marks
     * (incomplete posts...). */
    int (*before_emit)(afmt_imp_doc *d, afmt_imp_map *ids);
    /* Frees the importer's own members. */
    void (*free)(afmt_imp_doc *d);
} afmt_imp_doc_ops;

/* "line N: what" for byte offset off of d's input, into the error channel
 * and errbuf; returns err. */
AFMT_INTERNAL int afmt_imp_doc_fail(afmt_imp_doc *d, size_t off, int err, const char *what);
/* "out of memory"; returns AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_imp_doc_nomem(afmt_imp_doc *d);
/* Copies the string v into d's arena: 1 set, 0 not a string, < 0 error
 * ("line N: WHAT longer than the format allows" beyond max bytes). */
AFMT_INTERNAL int afmt_imp_doc_str(afmt_imp_doc *d, json_t *v, size_t max, afmt_imp_str *out,
                                   size_t off, const char *what);

/* The importer: reads fd whole, gives each JSON text to ops->document (or
 * the input to ops->parse), makes the ids unique, calls ops->before_emit
 * and writes the posts and the file entry (afmt_imp_emit); frees
 * everything (d, zeroed by the caller, included). */
AFMT_INTERNAL int afmt_imp_run(afmt_imp_doc *d, const afmt_imp_doc_ops *ops, afmt_writer *w,
                               int fd, const char *path, size_t path_len,
                               afmt_import_stats *stats, char *errbuf, size_t errbuf_size);

/* Marks each record i with expected[i] > 0 replies, of which fewer are
 * records of the input, incomplete by the difference.  A record counts as a
 * reply of its parent when counts is NULL or counts(ctx, i) is nonzero. */
AFMT_INTERNAL int afmt_imp_mark_missing_replies(afmt_imp_doc *d, const afmt_imp_map *ids,
                                                const int64_t *expected,
                                                int (*counts)(void *ctx, size_t i), void *ctx);

#endif
