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
#include "import.h"
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
    "    pid, k = base, 1\n"
    "    while pid in seen:\n"
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
    "        'deleted': any(s(o.get(f)) in dead for f in ('author', 'body', 'selftext')),\n"
    "        'hash': hashlib.blake2b(ln, digest_size=32).hexdigest(),\n"
    "        'link': s(o.get('link_id')),\n"
    "        'order': ','.join(o.keys()),\n"
    "        'crlf': b'\\\\r\\\\n' in ln, 'uesc': b'\\\\u' in ln}))\n";

typedef struct fixture {
    char *dir;
    afmt_secret_key *sk;
    afmt_public_key pk;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = afmt_test_tmpdir();
    assert_non_null(f->dir);
    assert_int_equal(afmt_key_generate(&f->sk, &f->pk), AFMT_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    afmt_test_rmtree(f->dir);
    free(f->dir);
    afmt_secret_key_free(f->sk);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static uint64_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* Imports `inputs[i]` under `names[i]` into one bundle at dir/bundle.
 * Returns the importer's result of the last input (the bundle is finished
 * only when every input succeeded); *err gets its message. */
static int pack(fixture *f, const char *bundle, const char *const *inputs,
                const char *const *names, size_t n, afmt_import_stats *st, char *err,
                size_t errlen, char **out_path)
{
    char *path = afmt_test_path(f->dir, bundle);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1700000000;
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    int rc = AFMT_OK;
    for (size_t i = 0; i < n && rc == AFMT_OK; i++) {
        int fd = open(inputs[i], O_RDONLY);
        assert_true(fd >= 0);
        err[0] = 0;
        rc = afmt_import_pushshift(w, fd, names[i], strlen(names[i]), st, err, errlen);
        close(fd);
    }
    if (rc == AFMT_OK) {
        int frc = afmt_writer_finish(w);
        if (frc != AFMT_OK)
            fail_msg("finish: %s", afmt_writer_errmsg(w));
    }
    afmt_writer_free(w);
    if (out_path != NULL)
        *out_path = path;
    else
        free(path);
    return rc;
}

static char *pack_one(fixture *f, const char *bundle, const char *input, const char *name,
                      afmt_import_stats *st)
{
    char err[512];
    char *path = NULL;
    afmt_import_stats local = {0};
    int rc = pack(f, bundle, &input, &name, 1, st ? st : &local, err, sizeof err, &path);
    if (rc != AFMT_OK)
        fail_msg("import of %s: %s (%s)", input, afmt_strerror(rc), err);
    return path;
}

static int problem(void *ctx, uint64_t entry, int err, const char *msg)
{
    (void)ctx;
    print_error("verify: entry %llu: %s: %s\n", (unsigned long long)entry, afmt_strerror(err),
                msg);
    return 0;
}

static afmt_reader *open_verified(const char *path)
{
    char eb[256] = "";
    afmt_reader *r = NULL;
    int rc = afmt_reader_open(&r, path, eb, sizeof eb);
    if (rc != AFMT_OK)
        fail_msg("open %s: %s (%s)", path, afmt_strerror(rc), eb);
    assert_int_equal(afmt_reader_verify(r, problem, NULL), AFMT_OK);
    return r;
}

typedef struct sinkbuf {
    uint8_t *p;
    size_t n, cap;
} sinkbuf;

static int sink(void *ctx, const void *data, size_t len)
{
    sinkbuf *b = ctx;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return 0;
}

/* Checks that entry `number` reads back as exactly the bytes of `path`. */
static void assert_file_roundtrip(afmt_reader *r, uint64_t number, const char *path)
{
    size_t len = 0;
    uint8_t *want = afmt_test_read_file(path, &len);
    assert_non_null(want);
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, r, number), AFMT_OK);
    assert_int_equal(e.type, AFMT_ENTRY_FILE);
    assert_int_equal(e.size, len);
    sinkbuf b = {0};
    assert_int_equal(afmt_reader_read(r, number, sink, &b), AFMT_OK);
    assert_int_equal(b.n, len);
    assert_memory_equal(b.p, want, len);
    free(b.p);
    free(want);
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

/* Runs PY_FIGURES over `cmd`'s output (a shell command printing the NDJSON). */
static figures python_figures(fixture *f, const char *cmd)
{
    char *script = afmt_test_path(f->dir, "figures.py");
    assert_int_equal(afmt_test_write_file(script, PY_FIGURES, strlen(PY_FIGURES)), 0);
    char *full = NULL;
    assert_true(asprintf(&full, "%s | python3 '%s'", cmd, script) > 0);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    figures fg = {0};
    fg.posts = json_array();
    json_t *ids = json_object(), *orders = json_object(), *links = json_object();
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, p)) > 0) {
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)got, 0, &je);
        if (o == NULL)
            fail_msg("python output: %s", je.text);
        json_array_append_new(fg.posts, o);
        json_object_set_new(ids, json_string_value(json_object_get(o, "id")), json_true());
        json_object_set_new(orders, json_string_value(json_object_get(o, "order")), json_true());
        if (json_is_string(json_object_get(o, "link")))
            json_object_set_new(links, json_string_value(json_object_get(o, "link")),
                                json_true());
        fg.deleted += json_is_true(json_object_get(o, "deleted"));
        fg.crlf += json_is_true(json_object_get(o, "crlf"));
        fg.uesc += json_is_true(json_object_get(o, "uesc"));
    }
    free(line);
    assert_int_equal(pclose(p), 0);
    size_t i;
    json_t *o;
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
    free(full);
    free(script);
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
        afmt_entry e;
        uint64_t num = first + i;
        assert_int_equal(afmt_reader_entry(&e, r, num), AFMT_OK);
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
static uint8_t *post_by_id(afmt_reader *r, const char *id, afmt_entry *e, size_t *len)
{
    uint64_t n;
    assert_int_equal(afmt_reader_find_post(&n, r, id, strlen(id)), AFMT_OK);
    assert_int_equal(afmt_reader_entry(e, r, n), AFMT_OK);
    void *p = NULL;
    assert_int_equal(afmt_reader_read_post(&p, len, r, n), AFMT_OK);
    return p;
}

static void figures_free(figures *fg)
{
    json_decref(fg->posts);
}

/* ---- the corpus ---- */

static void test_corpus_plain_ndjson(void **state)
{
    fixture *f = *state;
    afmt_import_stats st = {0};
    char *bundle = pack_one(f, "plain.afmt", CORPUS_NDJSON, "RC_2005-12.ndjson", &st);
    figures fg = python_figures(f, "cat '" CORPUS_NDJSON "'");
    size_t n = json_array_size(fg.posts);
    assert_int_equal(n, 1075); /* the corpus README's figure */
    assert_int_equal(fg.threads, 396);
    assert_int_equal(st.posts, n);
    assert_int_equal(st.deleted, fg.deleted);
    assert_int_equal(st.bytes_in, file_size(CORPUS_NDJSON));

    afmt_reader *r = open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), n + 1);
    size_t linked = assert_posts_match(r, 0, &fg);
    assert_int_equal(linked, fg.with_parent_in_file);
    assert_file_roundtrip(r, n, CORPUS_NDJSON);
    print_message("RC_2005-12.ndjson: %zu posts, %zu deleted, %zu replies to a post of the "
                  "file, input %llu bytes, bundle %llu bytes\n",
                  n, fg.deleted, linked, (unsigned long long)file_size(CORPUS_NDJSON),
                  (unsigned long long)file_size(bundle));
    afmt_reader_free(r);
    figures_free(&fg);
    free(bundle);
}

/* Hard case: the .zst frame has a 2 GiB window (windowLogMax 31). */
static void test_corpus_zst_2gib_window(void **state)
{
    fixture *f = *state;
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
    char *bundle = pack_one(f, "zst.afmt", CORPUS_ZST, "RC_2005-12.zst", &st);
    getrusage(RUSAGE_SELF, &ru1);
    figures fg = python_figures(f, "zstd -q -d --long=31 -c '" CORPUS_ZST "'");
    size_t n = json_array_size(fg.posts);
    assert_int_equal(n, 1075);
    assert_int_equal(st.posts, n);
    assert_int_equal(st.bytes_in, zlen);

    afmt_reader *r = open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), n + 1);
    assert_int_equal(assert_posts_match(r, 0, &fg), fg.with_parent_in_file);
    assert_file_roundtrip(r, n, CORPUS_ZST);
    afmt_reader_free(r);

    /* Storage cost of keeping the compressed bytes: the same posts packed
     * from the plain file, against this bundle. */
    char *plain = pack_one(f, "plain.afmt", CORPUS_NDJSON, "RC_2005-12.ndjson", NULL);
    uint64_t bz = file_size(bundle), bp = file_size(plain);
    print_message("RC_2005-12.zst: %zu posts; input %zu bytes (%llu decompressed); bundle from "
                  ".zst %llu bytes, from .ndjson %llu bytes: keeping the compressed file costs "
                  "%lld bytes (%.0f%% of the .zst); max RSS %ld KiB before, %ld KiB after\n",
                  n, zlen, (unsigned long long)file_size(CORPUS_NDJSON),
                  (unsigned long long)bz, (unsigned long long)bp, (long long)(bz - bp),
                  100.0 * (double)(bz - bp) / (double)zlen, ru0.ru_maxrss, ru1.ru_maxrss);
    /* The compressed bytes are stored once more, and not much else. */
    assert_true(bz > bp + zlen - zlen / 20);
    assert_true(bz < bp + zlen + zlen / 10);
    figures_free(&fg);
    free(plain);
    free(bundle);
}

/* Hard case: the key order changes from line to line. */
static void test_key_order_changes(void **state)
{
    fixture *f = *state;
    figures fg = python_figures(f, "cat '" CORPUS_NDJSON "'");
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
    char *bundle = pack_one(f, "order.afmt", CORPUS_NDJSON, "RC_2005-12.ndjson", NULL);
    afmt_reader *r = open_verified(bundle);
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
    free(bundle);
}

/* Hard case: bodies hold \r\n and \uXXXX escapes: the content keeps them as
 * written (escaped), while string fields are the decoded JSON strings. */
static void test_crlf_and_unicode_escapes(void **state)
{
    fixture *f = *state;
    figures fg = python_figures(f, "cat '" CORPUS_NDJSON "'");
    assert_true(fg.crlf > 0);
    assert_true(fg.uesc > 0);
    char *bundle = pack_one(f, "esc.afmt", CORPUS_NDJSON, "RC_2005-12.ndjson", NULL);
    afmt_reader *r = open_verified(bundle);
    size_t crlf = 0, uesc = 0;
    for (uint64_t i = 0; i < json_array_size(fg.posts); i++) {
        void *c;
        size_t len;
        assert_int_equal(afmt_reader_read_post(&c, &len, r, i), AFMT_OK);
        crlf += memmem(c, len, "\\r\\n", 4) != NULL;
        uesc += memmem(c, len, "\\u", 2) != NULL;
        assert_true(memchr(c, '\n', len) == NULL); /* the line, without its "\n" */
        free(c);
    }
    assert_int_equal(crlf, fg.crlf);
    assert_int_equal(uesc, fg.uesc);
    afmt_reader_free(r);
    figures_free(&fg);
    free(bundle);

    /* Escapes in fields decode to UTF-8; a raw CR before the "\n" stays in
     * the post. */
    static const char lines[] =
        "{\"id\":\"a1\",\"author\":\"\\u00e9t\\u00e9\",\"title\":\"Caf\\u00e9 \\ud83d\\ude00\","
        "\"selftext\":\"x\\r\\ny\",\"created_utc\":1}\r\n"
        "{\"id\":\"c1\",\"parent_id\":\"t3_a1\",\"author\":\"b\",\"body\":\"q\\u0000r\","
        "\"created_utc\":2}\n";
    char *in = afmt_test_path(f->dir, "esc.ndjson");
    assert_int_equal(afmt_test_write_file(in, lines, strlen(lines)), 0);
    bundle = pack_one(f, "esc2.afmt", in, "esc.ndjson", NULL);
    r = open_verified(bundle);
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
    assert_file_roundtrip(r, 2, in);
    afmt_reader_free(r);
    free(bundle);
    free(in);
}

/* Hard case: deleted authors and bodies. */
static void test_deleted_authors_and_bodies(void **state)
{
    fixture *f = *state;
    figures fg = python_figures(f, "cat '" CORPUS_NDJSON "'");
    assert_true(fg.deleted > 0);
    afmt_import_stats st = {0};
    char *bundle = pack_one(f, "del.afmt", CORPUS_NDJSON, "RC_2005-12.ndjson", &st);
    assert_int_equal(st.deleted, fg.deleted);
    afmt_reader *r = open_verified(bundle);
    size_t flagged = 0, deleted_author = 0, removed_body_real_author = 0;
    for (uint64_t i = 0; i < json_array_size(fg.posts); i++) {
        afmt_entry e;
        assert_int_equal(afmt_reader_entry(&e, r, i), AFMT_OK);
        int del = (e.flags & AFMT_POST_DELETED) != 0;
        flagged += del;
        if (e.author_len == 9 && memcmp(e.author, "[deleted]", 9) == 0) {
            deleted_author++;
            assert_true(del); /* kept, with the source's own marker as author */
        } else if (del) {
            void *c;
            size_t len;
            assert_int_equal(afmt_reader_read_post(&c, &len, r, i), AFMT_OK);
            assert_true(memmem(c, len, "\"body\":\"[deleted]\"", 18) != NULL ||
                        memmem(c, len, "\"body\":\"[removed]\"", 18) != NULL);
            removed_body_real_author++;
            free(c);
        }
    }
    assert_int_equal(flagged, fg.deleted);
    assert_true(deleted_author > 0);
    print_message("deleted at the source: %zu (%zu with author [deleted], %zu with only the "
                  "body deleted or removed)\n",
                  flagged, deleted_author, removed_body_real_author);
    afmt_reader_free(r);
    figures_free(&fg);
    free(bundle);
}

/* ---- synthetic inputs: the rules of spec/IMPORTERS.md ---- */

#define DUP1 "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"one\""
#define DUP2 "{\"id\":\"dup\",\"parent_id\":\"t3_s1\",\"body\":\"two\""

static void test_fields_and_ids(void **state)
{
    fixture *f = *state;
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
    char *in = afmt_test_path(f->dir, "f.ndjson");
    assert_int_equal(afmt_test_write_file(in, lines, strlen(lines)), 0);
    afmt_import_stats st = {0};
    char *bundle = pack_one(f, "f.afmt", in, "f.ndjson", &st);
    assert_int_equal(st.posts, 7);
    assert_int_equal(st.deleted, 2);
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "cat '%s'", in) > 0);
    figures fg = python_figures(f, cmd);
    free(cmd);
    afmt_reader *r = open_verified(bundle);
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
    assert_true(e.flags & AFMT_POST_DELETED);
    assert_memory_equal(c, DUP2, strlen(DUP2));
    free(c);
    c = post_by_id(r, "t1_last", &e, &len);
    assert_int_equal(len, strlen(strrchr(lines, '\n') + 1));
    free(c);
    assert_file_roundtrip(r, 7, in);
    afmt_reader_free(r);
    figures_free(&fg);
    free(bundle);
    free(in);
}

static void expect_failure(fixture *f, const char *name, const void *data, size_t len,
                           int want_rc, const char *want_msg)
{
    char *in = afmt_test_path(f->dir, name);
    assert_int_equal(afmt_test_write_file(in, data, len), 0);
    char err[512];
    afmt_import_stats st = {0};
    const char *inputs[1] = {in}, *names[1] = {name};
    int rc = pack(f, "fail.afmt", inputs, names, 1, &st, err, sizeof err, NULL);
    if (rc != want_rc || strstr(err, want_msg) == NULL)
        fail_msg("%s: got %s \"%s\", want %s \"%s\"", name, afmt_strerror(rc), err,
                 afmt_strerror(want_rc), want_msg);
    free(in);
}

static void test_errors(void **state)
{
    fixture *f = *state;
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
    fixture *f = *state;
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
    char *in = afmt_test_path(f->dir, "multi.ndjson.zst");
    assert_int_equal(afmt_test_write_file(in, buf, n), 0);
    afmt_import_stats st = {0};
    char *bundle = pack_one(f, "multi.afmt", in, "multi.ndjson.zst", &st);
    assert_int_equal(st.posts, 3);
    afmt_reader *r2 = open_verified(bundle);
    afmt_entry e;
    size_t len;
    void *c = post_by_id(r2, "t1_b", &e, &len);
    assert_int_equal(len, strlen("{\"id\":\"b\",\"body\":\"split line\"}"));
    assert_memory_equal(c, "{\"id\":\"b\",\"body\":\"split line\"}", len);
    free(c);
    c = post_by_id(r2, "t1_c", &e, &len);
    free(c);
    assert_file_roundtrip(r2, 3, in);
    afmt_reader_free(r2);
    free(bundle);
    free(in);
}

/* The plain and the compressed dump in one bundle: the second file's ids
 * are taken by the first, so they get "#2"; their contents are stored once. */
static void test_both_files_in_one_bundle(void **state)
{
    fixture *f = *state;
    const char *inputs[2] = {CORPUS_NDJSON, CORPUS_ZST};
    const char *names[2] = {"RC_2005-12.ndjson", "RC_2005-12.zst"};
    char err[512];
    afmt_import_stats st = {0};
    char *bundle = NULL;
    int rc = pack(f, "both.afmt", inputs, names, 2, &st, err, sizeof err, &bundle);
    if (rc != AFMT_OK)
        fail_msg("%s", err);
    assert_int_equal(st.posts, 2 * 1075);
    afmt_reader *r = open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), 2 * 1075 + 2);
    assert_file_roundtrip(r, 1075, CORPUS_NDJSON);
    assert_file_roundtrip(r, 2 * 1075 + 1, CORPUS_ZST);
    afmt_entry e1, e2;
    assert_int_equal(afmt_reader_entry(&e1, r, 0), AFMT_OK);
    assert_int_equal(afmt_reader_entry(&e2, r, 1076), AFMT_OK);
    assert_int_equal(e2.id_len, e1.id_len + 2);
    assert_memory_equal(e2.id, e1.id, e1.id_len);
    assert_memory_equal(e2.id + e1.id_len, "#2", 2);
    assert_memory_equal(e1.hash, e2.hash, AFMT_HASH_BYTES);
    afmt_reader_free(r);
    free(bundle);
}

/* A pipe that delivers the input in small, odd-sized writes: the
 * importer reads to the end and cuts lines and frames across reads. */
static void test_pipe_input(void **state)
{
    fixture *f = *state;
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
        char *path = afmt_test_path(f->dir, "pipe.afmt");
        afmt_writer *w;
        assert_int_equal(afmt_writer_open(&w, path, f->sk, NULL), AFMT_OK);
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
        afmt_reader *r = open_verified(path);
        assert_file_roundtrip(r, 1075, srcs[k]);
        afmt_reader_free(r);
        free(path);
        free(data);
    }
}

/* Through the public entry point, with detection from the content. */
static void test_public_api(void **state)
{
    fixture *f = *state;
    size_t hl;
    uint8_t *head = afmt_test_read_file(CORPUS_ZST, &hl);
    assert_non_null(head);
    afmt_source_format fmt = afmt_source_detect("RC_2005-12.zst", head, hl);
    free(head);
    print_message("afmt_source_detect(RC_2005-12.zst) = %s\n", afmt_source_format_name(fmt));
    char *path = afmt_test_path(f->dir, "api.afmt");
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, NULL), AFMT_OK);
    int fd = open(CORPUS_ZST, O_RDONLY);
    assert_true(fd >= 0);
    char err[256] = "";
    afmt_import_stats st = {0};
    int rc = afmt_import(w, AFMT_SOURCE_PUSHSHIFT, fd, "d/RC.zst", 8, &st, err, sizeof err);
    close(fd);
    if (rc != AFMT_OK)
        fail_msg("afmt_import: %s (%s)", afmt_strerror(rc), err);
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    assert_int_equal(st.posts, 1075);
    afmt_reader *r = open_verified(path);
    assert_file_roundtrip(r, 1075, CORPUS_ZST);
    afmt_reader_free(r);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_corpus_plain_ndjson, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corpus_zst_2gib_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_order_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_and_unicode_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_authors_and_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_and_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multiframe_zst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_files_in_one_bundle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipe_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_api, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
