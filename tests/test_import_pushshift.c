/* test_import_pushshift.c - the Pushshift importer against the corpus dump
 * (plain and zstd with its 2 GiB window), with every figure checked against
 * Python's standard library run over the same bytes, and each hard case of
 * the corpus README for this source in a test of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader: the test checks the window */
#include <zstd.h>

#include "afmt.h"
#include "afmt_import.h"
#include "import/import.h"
#include "test_support.h"

#define CORPUS_NDJSON AFMT_CORPUS "/pushshift_ndjson/RC_2005-12.ndjson"
#define CORPUS_ZST AFMT_CORPUS "/pushshift_ndjson/RC_2005-12.zst"

/* Independent figures: one JSON object per post, computed by Python's json
 * and hashlib from the decompressed NDJSON on stdin. */
static const char PY_FIGURES[] =
    "import sys, json, hashlib, math, re\n"
    "data = sys.stdin.buffer.read()\n"
    "lines = data.split(b'\\n')\n"
    "if lines and lines[-1] == b'':\n"
    "    lines.pop()\n"
    "seen = set()\n"
    "def s(v):\n"
    "    return v if isinstance(v, str) else None\n"
    "recs, repeats = [], []\n"
    "for ln in lines:\n"
    "    if not ln.strip(b' \\t\\r'):\n"
    "        continue\n"
    "    o = json.loads(ln)\n"
    "    sub = 'parent_id' not in o and 'title' in o\n"
    "    if s(o.get('name')):\n"
    "        base = o['name']\n"
    "    else:\n"
    "        i = o['id']\n"
    "        i = str(i) if isinstance(i, int) else i\n"
    "        base = i if re.match(r't[0-9]_.', i) else ('t3_' if sub else 't1_') + i\n"
    /* a repeated id waits for the end and takes the first id#k that is no
     * id of the file (issue 12, item 8) */
    "    rep = base in seen\n"
    "    (repeats if rep else recs).append((ln, o, sub, base, rep))\n"
    "    seen.add(base)\n"
    "for ln, o, sub, base, rep in recs + repeats:\n"
    "    pid, k = base, 1\n"
    "    while rep and pid in seen:\n"
    "        k += 1\n"
    "        pid = '%s#%d' % (base, k)\n"
    "    seen.add(pid)\n"
    "    c = o.get('created_utc')\n"
    "    if isinstance(c, bool):\n"
    "        c = None\n"
    "    elif isinstance(c, (int, float)):\n"
    "        c = math.floor(c)\n"
    "    elif isinstance(c, str) and re.fullmatch(r'-?[0-9]+(\\.[0-9]*)?', c):\n"
    "        c = math.floor(float(c))\n"
    "    else:\n"
    "        c = None\n"
    "    if c is not None and not -62135596800 <= c <= 253402300799:\n"
    "        c = None\n"
    "    dead = ('[deleted]', '[removed]')\n"
    "    print(json.dumps({'id': pid,\n"
    "        'parent': s(o.get('parent_id')) or None,\n"
    "        'author': s(o.get('author')),\n"
    "        'title': s(o.get('title')) if sub else None,\n"
    "        'created': c,\n"
    "        'deleted': any(s(o.get(f)) in dead for f in ('body', 'selftext'))\n"
    "            or isinstance(o.get('removed_by_category'), str),\n"
    "        'hash': hashlib.sha256(ln).hexdigest(),\n"
    "        'link': s(o.get('link_id')),\n"
    "        'order': ','.join(o.keys()),\n"
    "        'crlf': b'\\\\r\\\\n' in ln, 'uesc': b'\\\\u' in ln}))\n";

/* ---- helpers ---- */

/* Imports `inputs[i]` under `names[i]` into one bundle at dir/bundle, whose
 * path goes to *path when it is not NULL.  Returns the importer's result of
 * the first input that fails (the bundle is finished only when every input
 * succeeded); *err gets its message. */
static int pack(afmt_test_fixture *f, const char *bundle, const char *const *inputs,
                const char *const *names, size_t n, afmt_import_stats *st, char *err,
                size_t errlen, const char **path)
{
    const char *p = afmt_test_tmp(f, "%s", bundle);
    if (path != NULL)
        *path = p;
    return afmt_test_import(f->sk, p, AFMT_SOURCE_PUSHSHIFT, n, inputs, names, st, err, errlen);
}

/* Packs one input under `name` (NULL: its base name), asserting it works;
 * returns the bundle's path. */
static const char *pack_one(afmt_test_fixture *f, const char *bundle, const char *input,
                            const char *name, afmt_import_stats *st)
{
    char err[512];
    const char *path = NULL;
    int rc = pack(f, bundle, &input, name != NULL ? &name : NULL, 1, st, err, sizeof err, &path);
    if (rc != AFMT_OK)
        fail_msg("import of %s: %s (%s)", input, afmt_strerror(rc), err);
    return path;
}

static afmt_reader *pack_open(afmt_test_fixture *f, const char *bundle, const char *input,
                              const char *name, afmt_import_stats *st)
{
    return afmt_test_open_verified(pack_one(f, bundle, input, name, st));
}

static void assert_str_field(const char *label, uint64_t n, const char *got, size_t got_len,
                             json_t *want)
{
    if (json_is_null(want) || want == NULL) {
        if (got != NULL)
            fail_msg("entry %llu: %s is present (%.*s), Python has none",
                     (unsigned long long)n, label, (int)got_len, got);
        return;
    }
    const char *w = json_string_value(want);
    size_t wl = json_string_length(want);
    if (got == NULL || got_len != wl || memcmp(got, w, wl) != 0)
        fail_msg("entry %llu: %s is \"%.*s\", Python says \"%s\"", (unsigned long long)n, label,
                 got ? (int)got_len : 6, got ? got : "(none)", w);
}

typedef struct figures {
    json_t *posts;      /* array of Python's objects, in file order */
    size_t deleted, with_parent_in_file, crlf, uesc, orders, threads;
} figures;

/* Runs PY_FIGURES over the NDJSON of a dump (.zst: decompressed by zstd). */
static figures python_figures(afmt_test_fixture *f, const char *dump)
{
    afmt_test_need(dump);
    size_t dl = strlen(dump);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s' |",
             dl > 4 && strcmp(dump + dl - 4, ".zst") == 0 ? "zstd -q -d --long=31 -c" : "cat",
             dump);
    figures fg = {0};
    fg.posts = afmt_test_python_json(f, PY_FIGURES, cmd, NULL);
    json_t *ids = json_object(), *orders = json_object(), *links = json_object();
    size_t i;
    json_t *o;
    json_array_foreach(fg.posts, i, o) {
        json_object_set_new(ids, json_string_value(json_object_get(o, "id")), json_true());
        json_object_set_new(orders, json_string_value(json_object_get(o, "order")), json_true());
        if (json_is_string(json_object_get(o, "link")))
            json_object_set_new(links, json_string_value(json_object_get(o, "link")),
                                json_true());
        fg.deleted += json_is_true(json_object_get(o, "deleted"));
        fg.crlf += json_is_true(json_object_get(o, "crlf"));
        fg.uesc += json_is_true(json_object_get(o, "uesc"));
    }
    json_array_foreach(fg.posts, i, o) {
        json_t *par = json_object_get(o, "parent");
        if (json_is_string(par) && json_object_get(ids, json_string_value(par)) != NULL)
            fg.with_parent_in_file++;
    }
    fg.orders = json_object_size(orders);
    fg.threads = json_object_size(links);
    json_decref(ids);
    json_decref(orders);
    json_decref(links);
    return fg;
}

/* Compares posts [first, first + count) of a bundle with Python's figures;
 * returns the number of posts whose parent is a post of the bundle. */
static size_t assert_posts_match(afmt_reader *r, uint64_t first, const figures *fg)
{
    size_t n = json_array_size(fg->posts);
    size_t linked = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(fg->posts, i);
        uint64_t num = first + i;
        afmt_entry e = afmt_test_entry(r, num);
        assert_int_equal(e.type, AFMT_ENTRY_POST);
        assert_str_field("id", num, e.id, e.id_len, json_object_get(o, "id"));
        assert_str_field("parent", num, e.parent, e.parent_len, json_object_get(o, "parent"));
        assert_str_field("author", num, e.author, e.author_len, json_object_get(o, "author"));
        assert_str_field("title", num, e.title, e.title_len, json_object_get(o, "title"));
        json_t *c = json_object_get(o, "created");
        if (json_is_integer(c)) {
            assert_true(e.has_created);
            assert_int_equal(e.created, json_integer_value(c));
        } else {
            assert_false(e.has_created);
        }
        assert_int_equal(!!(e.flags & AFMT_POST_DELETED),
                         json_is_true(json_object_get(o, "deleted")));
        char hex[2 * AFMT_HASH_BYTES + 1];
        afmt_hash_to_hex(hex, e.hash);
        assert_string_equal(hex, json_string_value(json_object_get(o, "hash")));
        assert_int_equal(e.media_type_len, strlen("application/json"));
        assert_memory_equal(e.media_type, "application/json", e.media_type_len);
        uint64_t pn;
        if (e.parent != NULL && afmt_reader_find_post(&pn, r, e.parent, e.parent_len) == AFMT_OK)
            linked++;
    }
    return linked;
}

/* The post whose id is `id`: its content (malloc'd) and entry. */
static char *post_by_id(afmt_reader *r, const char *id, afmt_entry *e, size_t *len)
{
    *e = afmt_test_find(r, id);
    return afmt_test_content(r, e->number, len);
}

static void figures_free(figures *fg)
{
    json_decref(fg->posts);
}

/* ---- the corpus ---- */

static void test_corpus_plain_ndjson(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_import_stats st = {0};
    const char *bundle = pack_one(f, "plain.afmt", CORPUS_NDJSON, NULL, &st);
    figures fg = python_figures(f, CORPUS_NDJSON);
    size_t n = json_array_size(fg.posts);
    assert_int_equal(n, 1075); /* the corpus README's figure */
    assert_int_equal(fg.threads, 396);
    assert_int_equal(st.posts, n);
    assert_int_equal(st.deleted, fg.deleted);
    assert_int_equal(st.bytes_in, afmt_test_file_size(CORPUS_NDJSON));

    afmt_reader *r = afmt_test_open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), n + 1);
    size_t linked = assert_posts_match(r, 0, &fg);
    assert_int_equal(linked, fg.with_parent_in_file);
    afmt_test_check_file(r, n, CORPUS_NDJSON);
    print_message("RC_2005-12.ndjson: %zu posts, %zu deleted, %zu replies to a post of the "
                  "file, input %llu bytes, bundle %llu bytes\n",
                  n, fg.deleted, linked, (unsigned long long)afmt_test_file_size(CORPUS_NDJSON),
                  (unsigned long long)afmt_test_file_size(bundle));
    afmt_reader_free(r);
    figures_free(&fg);
}

/* Hard case: the .zst frame has a 2 GiB window (windowLogMax 31). */
static void test_corpus_zst_2gib_window(void **state)
{
    afmt_test_fixture *f = *state;
    size_t zlen;
    uint8_t *z = afmt_test_read_file(CORPUS_ZST, &zlen);
    assert_non_null(z);
    ZSTD_frameHeader fh;
    assert_int_equal(ZSTD_getFrameHeader(&fh, z, zlen), 0);
    assert_int_equal(fh.windowSize, (unsigned long long)1 << 31);
    assert_int_equal(fh.frameContentSize, ZSTD_CONTENTSIZE_UNKNOWN);
    /* The default decoder refuses it: this is what windowLogMax 31 is for. */
    {
        ZSTD_DCtx *d = ZSTD_createDCtx();
        uint8_t out[4096];
        ZSTD_inBuffer in = {z, zlen, 0};
        ZSTD_outBuffer o = {out, sizeof out, 0};
        assert_true(ZSTD_isError(ZSTD_decompressStream(d, &o, &in)));
        ZSTD_freeDCtx(d);
    }
    size_t dmem = ZSTD_estimateDStreamSize_fromFrame(z, zlen);
    print_message("zstd decoder for this frame: %zu bytes of address space (window %llu)\n",
                  dmem, (unsigned long long)fh.windowSize);
    assert_true(dmem > ((size_t)1 << 31));
    free(z);

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    afmt_import_stats st = {0};
    const char *bundle = pack_one(f, "zst.afmt", CORPUS_ZST, NULL, &st);
    getrusage(RUSAGE_SELF, &ru1);
    figures fg = python_figures(f, CORPUS_ZST);
    size_t n = json_array_size(fg.posts);
    assert_int_equal(n, 1075);
    assert_int_equal(st.posts, n);
    assert_int_equal(st.bytes_in, zlen);

    afmt_reader *r = afmt_test_open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), n + 1);
    assert_int_equal(assert_posts_match(r, 0, &fg), fg.with_parent_in_file);
    afmt_test_check_file(r, n, CORPUS_ZST);
    afmt_reader_free(r);

    /* Storage cost of keeping the compressed bytes: the same posts packed
     * from the plain file, against this bundle. */
    const char *plain = pack_one(f, "plain.afmt", CORPUS_NDJSON, NULL, NULL);
    uint64_t bz = afmt_test_file_size(bundle), bp = afmt_test_file_size(plain);
    print_message("RC_2005-12.zst: %zu posts; input %zu bytes (%llu decompressed); bundle from "
                  ".zst %llu bytes, from .ndjson %llu bytes: keeping the compressed file costs "
                  "%lld bytes (%.0f%% of the .zst); max RSS %ld KiB before, %ld KiB after\n",
                  n, zlen, (unsigned long long)afmt_test_file_size(CORPUS_NDJSON),
                  (unsigned long long)bz, (unsigned long long)bp, (long long)(bz - bp),
                  100.0 * (double)(bz - bp) / (double)zlen, ru0.ru_maxrss, ru1.ru_maxrss);
    /* The compressed bytes are stored once more, and not much else. */
    assert_true(bz > bp + zlen - zlen / 20);
    assert_true(bz < bp + zlen + zlen / 10);
    figures_free(&fg);
}

/* Hard case: the key order changes from line to line. */
static void test_key_order_changes(void **state)
{
    afmt_test_fixture *f = *state;
    figures fg = python_figures(f, CORPUS_NDJSON);
    assert_true(fg.orders > 100); /* 602 distinct orders in the corpus file */
    /* Two lines whose "id" key sits at different places: both read right. */
    json_t *a = json_array_get(fg.posts, 0), *b = NULL;
    const char *oa = json_string_value(json_object_get(a, "order"));
    size_t ia = (size_t)(strstr(oa, "id,") - oa);
    for (size_t i = 1; i < json_array_size(fg.posts) && b == NULL; i++) {
        json_t *o = json_array_get(fg.posts, i);
        const char *ob = json_string_value(json_object_get(o, "order"));
        const char *pos = strstr(ob, ",id,");
        if (pos != NULL && (size_t)(pos + 1 - ob) != ia)
            b = o;
    }
    assert_non_null(b);
    afmt_reader *r = pack_open(f, "order.afmt", CORPUS_NDJSON, NULL, NULL);
    json_t *pair[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        afmt_entry e;
        size_t len;
        void *c = post_by_id(r, json_string_value(json_object_get(pair[k], "id")), &e, &len);
        assert_str_field("parent", e.number, e.parent, e.parent_len,
                         json_object_get(pair[k], "parent"));
        assert_str_field("author", e.number, e.author, e.author_len,
                         json_object_get(pair[k], "author"));
        assert_int_equal(e.created, json_integer_value(json_object_get(pair[k], "created")));
        free(c);
    }
    /* And every post of the file matches (ids, parents, authors, times). */
    assert_posts_match(r, 0, &fg);
    afmt_reader_free(r);
    figures_free(&fg);
}

/* Hard case: bodies hold \r\n and \uXXXX escapes: the content keeps them as
 * written (escaped), while string fields are the decoded JSON strings. */
static void test_crlf_and_unicode_escapes(void **state)
{
    afmt_test_fixture *f = *state;
    figures fg = python_figures(f, CORPUS_NDJSON);
    assert_true(fg.crlf > 0);
    assert_true(fg.uesc > 0);
    afmt_reader *r = pack_open(f, "esc.afmt", CORPUS_NDJSON, NULL, NULL);
    size_t crlf = 0, uesc = 0;
    for (uint64_t i = 0; i < json_array_size(fg.posts); i++) {
        size_t len;
        char *c = afmt_test_content(r, i, &len);
        crlf += memmem(c, len, "\\r\\n", 4) != NULL;
        uesc += memmem(c, len, "\\u", 2) != NULL;
        assert_true(memchr(c, '\n', len) == NULL); /* the line, without its "\n" */
        free(c);
    }
    assert_int_equal(crlf, fg.crlf);
    assert_int_equal(uesc, fg.uesc);
    afmt_reader_free(r);
    figures_free(&fg);

    /* Escapes in fields decode to UTF-8; a raw CR before the "\n" stays in
     * the post. */
    static const char lines[] =
        "{\"id\":\"a1\",\"author\":\"\\u00e9t\\u00e9\",\"title\":\"Caf\\u00e9 \\ud83d\\ude00\","
        "\"selftext\":\"x\\r\\ny\",\"created_utc\":1}\r\n"
        "{\"id\":\"c1\",\"parent_id\":\"t3_a1\",\"author\":\"b\",\"body\":\"q\\u0000r\","
        "\"created_utc\":2}\n";
    const char *in = afmt_test_tmp_file(f, "esc.ndjson", lines, strlen(lines));
    r = pack_open(f, "esc2.afmt", in, NULL, NULL);
    afmt_entry e;
    size_t len;
    void *c = post_by_id(r, "t3_a1", &e, &len);
    assert_int_equal(e.author_len, 5);
    assert_memory_equal(e.author, "\xc3\xa9t\xc3\xa9", 5);
    assert_int_equal(e.title_len, 10);
    assert_memory_equal(e.title, "Caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
    const char *l0 = lines;
    size_t l0len = (size_t)(strchr(lines, '\n') - lines); /* with its \r */
    assert_int_equal(len, l0len);
    assert_memory_equal(c, l0, l0len);
    free(c);
    c = post_by_id(r, "t1_c1", &e, &len);
    assert_int_equal(e.parent_len, 5);
    assert_memory_equal(e.parent, "t3_a1", 5);
    assert_null(e.title);
    free(c);
    afmt_test_check_file(r, 2, in);
    afmt_reader_free(r);
}

/* Hard case: deleted authors and bodies. */
static void test_deleted_authors_and_bodies(void **state)
{
    afmt_test_fixture *f = *state;
    figures fg = python_figures(f, CORPUS_NDJSON);
    assert_true(fg.deleted > 0);
    afmt_import_stats st = {0};
    const char *bundle = pack_one(f, "del.afmt", CORPUS_NDJSON, NULL, &st);
    assert_int_equal(st.deleted, fg.deleted);
    afmt_reader *r = afmt_test_open_verified(bundle);
    /* issue 19: deleted means the text was removed; an author [deleted]
     * over a body that stands is kept with its author and not marked */
    size_t flagged = 0, deleted_author = 0, author_only = 0;
    for (uint64_t i = 0; i < json_array_size(fg.posts); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        int del = (e.flags & AFMT_POST_DELETED) != 0;
        flagged += del;
        size_t len;
        char *c = afmt_test_content(r, i, &len);
        int removed = memmem(c, len, "\"body\":\"[deleted]\"", 18) != NULL ||
                      memmem(c, len, "\"body\":\"[removed]\"", 18) != NULL;
        free(c);
        assert_int_equal(del, removed);
        if (e.author_len == 9 && memcmp(e.author, "[deleted]", 9) == 0) {
            deleted_author++;
            author_only += !removed;
        }
    }
    assert_int_equal(flagged, fg.deleted);
    assert_true(deleted_author > 0);
    assert_true(author_only > 0); /* 65 in RC_2005-12: marked before issue 19 */
    print_message("deleted at the source: %zu; author [deleted]: %zu, of which %zu keep their "
                  "body (not marked)\n",
                  flagged, deleted_author, author_only);
    afmt_reader_free(r);
    figures_free(&fg);
}

/* ---- synthetic inputs: the rules of spec/IMPORTERS.md ---- */

#define DUP1 "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"one\""
#define DUP2 "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"two\""

static void test_fields_and_ids(void **state)
{
    afmt_test_fixture *f = *state;
    static const char lines[] =
        "{\"id\":\"s1\",\"title\":\"A submission\",\"selftext\":\"[removed]\",\"author\":\"op\","
        "\"created_utc\":\"1134365188\"}\n"
        "\n"
        "{\"name\":\"t3_named\",\"id\":\"ignored\",\"title\":\"Named\",\"created_utc\":1.5e9}\n"
        "  \t\n"
        "{\"id\":\"t1_pre\",\"parent_id\":\"t3_s1\",\"body\":\"hi\",\"created_utc\":\"12.5\"}\n"
        "{\"id\":42,\"parent_id\":\"t1_pre\",\"link_id\":\"t3_s1\",\"body\":\"num\","
        "\"created_utc\":99999999999999}\n"
        "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"one\",\"author\":null}\n"
        "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"two\",\"author\":\"[removed]\"}\n"
        "{\"id\":\"last\",\"parent_id\":\"t1_dup\",\"body\":\"no newline\"}";
    const char *in = afmt_test_tmp_file(f, "f.ndjson", lines, strlen(lines));
    afmt_import_stats st = {0};
    const char *bundle = pack_one(f, "f.afmt", in, NULL, &st);
    assert_int_equal(st.posts, 7);
    assert_int_equal(st.deleted, 1); /* s1's selftext; not dup#2, whose author alone is [removed] */
    figures fg = python_figures(f, in);
    afmt_reader *r = afmt_test_open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), 8);
    assert_posts_match(r, 0, &fg);
    afmt_entry e;
    size_t len;
    void *c = post_by_id(r, "t3_s1", &e, &len);
    assert_true(e.has_created);
    assert_int_equal(e.created, 1134365188);
    assert_int_equal(e.title_len, 12);
    assert_true(e.flags & AFMT_POST_DELETED);
    assert_null(e.parent);
    free(c);
    c = post_by_id(r, "t3_named", &e, &len);
    assert_int_equal(e.created, 1500000000);
    free(c);
    c = post_by_id(r, "t1_pre", &e, &len);
    assert_int_equal(e.created, 12);
    free(c);
    c = post_by_id(r, "t1_42", &e, &len);
    assert_false(e.has_created); /* outside years 1..9999 */
    free(c);
    c = post_by_id(r, "t1_dup", &e, &len);
    assert_null(e.author);
    assert_memory_equal(c, DUP1, strlen(DUP1));
    free(c);
    c = post_by_id(r, "t1_dup#2", &e, &len);
    assert_false(e.flags & AFMT_POST_DELETED); /* only its author is [removed] */
    assert_true(afmt_test_field_is(e.author, e.author_len, "[removed]"));
    assert_memory_equal(c, DUP2, strlen(DUP2));
    free(c);
    c = post_by_id(r, "t1_last", &e, &len);
    assert_int_equal(len, strlen(strrchr(lines, '\n') + 1));
    free(c);
    afmt_test_check_file(r, 7, in);
    afmt_reader_free(r);
    figures_free(&fg);
}

static void expect_failure(afmt_test_fixture *f, const char *name, const void *data, size_t len,
                           int want_rc, const char *want_msg)
{
    const char *in = afmt_test_tmp_file(f, name, data, len);
    char err[512];
    afmt_import_stats st = {0};
    int rc = pack(f, "fail.afmt", &in, NULL, 1, &st, err, sizeof err, NULL);
    if (rc != want_rc || strstr(err, want_msg) == NULL)
        fail_msg("%s: got %s \"%s\", want %s \"%s\"", name, afmt_strerror(rc), err,
                 afmt_strerror(want_rc), want_msg);
}

static void test_errors(void **state)
{
    afmt_test_fixture *f = *state;
    static const char bad_json[] = "{\"id\":\"a\"}\n{\"id\":\"b\",}\n";
    expect_failure(f, "bad.ndjson", bad_json, strlen(bad_json), AFMT_E_FORMAT, "line 2:");
    static const char not_obj[] = "{\"id\":\"a\"}\n[1,2]\n";
    expect_failure(f, "arr.ndjson", not_obj, strlen(not_obj), AFMT_E_FORMAT,
                   "line 2: not a JSON object");
    static const char no_id[] = "{\"body\":\"x\"}\n";
    expect_failure(f, "noid.ndjson", no_id, strlen(no_id), AFMT_E_FORMAT, "line 1: no \"name\"");
    static const char dup_key[] = "{\"id\":\"a\",\"id\":\"b\"}\n";
    expect_failure(f, "dupkey.ndjson", dup_key, strlen(dup_key), AFMT_E_FORMAT, "line 1:");
    static const char bad_utf8[] = "{\"id\":\"a\",\"body\":\"\xff\"}\n";
    expect_failure(f, "utf8.ndjson", bad_utf8, strlen(bad_utf8), AFMT_E_FORMAT, "line 1:");

    /* A line longer than the limit (16 MiB) is refused, in bounded memory. */
    size_t big = 16u * 1024 * 1024 + 100;
    char *long_line = malloc(big);
    assert_non_null(long_line);
    memcpy(long_line, "{\"id\":\"a\"}\n{\"id\":\"b\",\"body\":\"", 30);
    memset(long_line + 30, 'x', big - 30);
    expect_failure(f, "long.ndjson", long_line, big, AFMT_E_LIMIT, "line 2");
    free(long_line);

    /* zstd: truncated, and corrupted. */
    static const char text[] = "{\"id\":\"a\",\"body\":\"hello\"}\n{\"id\":\"b\"}\n";
    uint8_t z[256];
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    assert_non_null(cc);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    size_t zl = ZSTD_compress2(cc, z, sizeof z, text, strlen(text));
    ZSTD_freeCCtx(cc);
    assert_false(ZSTD_isError(zl));
    expect_failure(f, "trunc.zst", z, zl - 3, AFMT_E_FORMAT, "truncated");
    z[zl - 1] ^= 0x55; /* the content checksum */
    expect_failure(f, "corrupt.zst", z, zl, AFMT_E_FORMAT, "zstd: ");
    static const uint8_t junk[] = {0x28, 0xB5, 0x2F, 0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    expect_failure(f, "junk.zst", junk, sizeof junk, AFMT_E_FORMAT, "zstd: ");
}

/* Several frames, a skippable frame, and a frame that is not at the start:
 * all decoded; the file is still the compressed bytes. */
static void test_multiframe_zst(void **state)
{
    afmt_test_fixture *f = *state;
    static const char a[] = "{\"id\":\"a\",\"body\":\"first frame\"}\n{\"id\":\"b\",\"body\":\"sp";
    static const char b[] = "lit line\"}\n{\"id\":\"c\"}";
    uint8_t buf[1024];
    size_t n = 0;
    static const uint8_t skip[12] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'a', 'f', 'm', 't'};
    memcpy(buf, skip, sizeof skip);
    n += sizeof skip;
    size_t r = ZSTD_compress(buf + n, sizeof buf - n, a, strlen(a), 1);
    assert_false(ZSTD_isError(r));
    n += r;
    r = ZSTD_compress(buf + n, sizeof buf - n, b, strlen(b), 19);
    assert_false(ZSTD_isError(r));
    n += r;
    const char *in = afmt_test_tmp_file(f, "multi.ndjson.zst", buf, n);
    afmt_import_stats st = {0};
    afmt_reader *r2 = pack_open(f, "multi.afmt", in, NULL, &st);
    assert_int_equal(st.posts, 3);
    afmt_entry e;
    size_t len;
    void *c = post_by_id(r2, "t1_b", &e, &len);
    assert_int_equal(len, strlen("{\"id\":\"b\",\"body\":\"split line\"}"));
    assert_memory_equal(c, "{\"id\":\"b\",\"body\":\"split line\"}", len);
    free(c);
    c = post_by_id(r2, "t1_c", &e, &len);
    free(c);
    afmt_test_check_file(r2, 3, in);
    afmt_reader_free(r2);
}

/* The plain and the compressed dump in one bundle: the second file's ids
 * are taken by the first, so they get "#2"; their contents are stored once. */
static void test_both_files_in_one_bundle(void **state)
{
    afmt_test_fixture *f = *state;
    const char *inputs[2] = {CORPUS_NDJSON, CORPUS_ZST};
    char err[512];
    afmt_import_stats st = {0};
    const char *bundle = NULL;
    int rc = pack(f, "both.afmt", inputs, NULL, 2, &st, err, sizeof err, &bundle);
    if (rc != AFMT_OK)
        fail_msg("%s", err);
    assert_int_equal(st.posts, 2 * 1075);
    afmt_reader *r = afmt_test_open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), 2 * 1075 + 2);
    afmt_test_check_file(r, 1075, CORPUS_NDJSON);
    afmt_test_check_file(r, 2 * 1075 + 1, CORPUS_ZST);
    afmt_entry e1 = afmt_test_entry(r, 0), e2 = afmt_test_entry(r, 1076);
    assert_int_equal(e2.id_len, e1.id_len + 2);
    assert_memory_equal(e2.id, e1.id, e1.id_len);
    assert_memory_equal(e2.id + e1.id_len, "#2", 2);
    assert_memory_equal(e1.hash, e2.hash, AFMT_HASH_BYTES);
    afmt_reader_free(r);
}

/* A pipe that delivers the input in small, odd-sized writes: the
 * importer reads to the end and cuts lines and frames across reads. */
static void test_pipe_input(void **state)
{
    afmt_test_fixture *f = *state;
    const char *srcs[2] = {CORPUS_ZST, CORPUS_NDJSON};
    for (int k = 0; k < 2; k++) {
        size_t len;
        uint8_t *data = afmt_test_read_file(srcs[k], &len);
        assert_non_null(data);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            size_t off = 0, step = 1;
            while (off < len) {
                size_t n = step < len - off ? step : len - off;
                if (write(fds[1], data + off, n) != (ssize_t)n)
                    _exit(1);
                off += n;
                step = step * 7 % 4093 + 1;
            }
            _exit(0);
        }
        close(fds[1]);
        const char *path = afmt_test_tmp(f, "pipe.afmt");
        afmt_writer *w;
        afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
        o.overwrite = 1; /* one name for every round */
        assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
        char err[256] = "";
        afmt_import_stats st = {0};
        const char *name = k == 0 ? "RC.zst" : "RC.ndjson";
        int rc = afmt_import_pushshift(w, fds[0], name, strlen(name), &st, err, sizeof err);
        close(fds[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        if (rc != AFMT_OK)
            fail_msg("%s", err);
        assert_int_equal(afmt_writer_finish(w), AFMT_OK);
        afmt_writer_free(w);
        assert_int_equal(st.posts, 1075);
        assert_int_equal(st.bytes_in, len);
        afmt_reader *r = afmt_test_open_verified(path);
        afmt_test_check_file(r, 1075, srcs[k]);
        afmt_reader_free(r);
        free(data);
    }
}

/* Through the public entry point, with detection from the content. */
static void test_public_api(void **state)
{
    afmt_test_public_import(*state, AFMT_SOURCE_PUSHSHIFT, CORPUS_ZST, "d/RC.zst", 1075);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(test_corpus_plain_ndjson),
        AFMT_TEST_WITH_FIXTURE(test_corpus_zst_2gib_window),
        AFMT_TEST_WITH_FIXTURE(test_key_order_changes),
        AFMT_TEST_WITH_FIXTURE(test_crlf_and_unicode_escapes),
        AFMT_TEST_WITH_FIXTURE(test_deleted_authors_and_bodies),
        AFMT_TEST_WITH_FIXTURE(test_fields_and_ids),
        AFMT_TEST_WITH_FIXTURE(test_errors),
        AFMT_TEST_WITH_FIXTURE(test_multiframe_zst),
        AFMT_TEST_WITH_FIXTURE(test_both_files_in_one_bundle),
        AFMT_TEST_WITH_FIXTURE(test_pipe_input),
        AFMT_TEST_WITH_FIXTURE(test_public_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
