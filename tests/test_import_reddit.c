/*
 * test_import_reddit.c - the Reddit importer (libarchive_fmt/import/reddit.c),
 * format names, detection and dispatch (libarchive_fmt/import/import.c).
 *
 * Every file of the corpus's reddit_json/ is packed, verified, read back
 * byte for byte and checked post by post against tests/import_expect.py,
 * which computes the expected posts with Python's json module.  Each hard
 * case of the corpus README has a test of its own.
 */
#include <dirent.h>

#include <jansson.h>

#define IC_FORMAT AFMT_SOURCE_REDDIT
#include "import_check.h"
#include "import/json_doc.h"

#define REDDIT AFMT_CORPUS "/reddit_json/"

/* ---------------------------------------------------------------- helpers */

/* The name of the submission of a page. */
static const char *page_t3(json_t *page)
{
    json_t *t3 = json_array_get(json_object_get(json_object_get(json_array_get(page, 0),
                                                                "data"),
                                                "children"),
                                0);
    return json_string_value(json_object_get(json_object_get(t3, "data"), "name"));
}

static size_t count_children_with_parent(afmt_reader *r, const char *parent)
{
    size_t n = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        n += e.type == AFMT_ENTRY_POST && afmt_test_field_is(e.parent, e.parent_len, parent);
    }
    return n;
}

/* Lines "a\tb\t..." of a python helper's output, split in place. */
typedef struct rows {
    char *buf;
    char *f[4096][4];
    size_t n;
} rows;

static rows *python_rows(const char *cmd, const char *path)
{
    rows *r = calloc(1, sizeof *r);
    assert_non_null(r);
    afmt_test_need(path);
    r->buf = ic_python("%s '%s'", cmd, path);
    char *save = NULL;
    for (char *line = strtok_r(r->buf, "\n", &save); line != NULL && r->n < 4096;
         line = strtok_r(NULL, "\n", &save)) {
        char *s2 = NULL;
        size_t k = 0;
        for (char *t = strtok_r(line, "\t", &s2); t != NULL && k < 4; t = strtok_r(NULL, "\t", &s2))
            r->f[r->n][k++] = t;
        r->n++;
    }
    return r;
}

static void rows_free(rows *r)
{
    free(r->buf);
    free(r);
}

/* --------------------------------------------------- names and detection */

static void test_format_names(void **state)
{
    (void)state;
    static const char *const names[] = {"ndjson", "reddit", "pushshift", "hn", "mbox"};
    for (size_t i = 0; i < 5; i++) {
        afmt_source_format f;
        assert_int_equal(afmt_source_format_from_name(&f, names[i]), AFMT_OK);
        assert_int_equal((int)f, (int)(i + 1));
        assert_string_equal(afmt_source_format_name(f), names[i]);
    }
    afmt_source_format f = AFMT_SOURCE_REDDIT;
    assert_int_equal(afmt_source_format_from_name(&f, "unknown"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_source_format_from_name(&f, "Reddit"), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_source_format_from_name(&f, ""), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_source_format_from_name(&f, NULL), AFMT_E_INVALID_ARGUMENT);
    assert_string_equal(afmt_source_format_name(AFMT_SOURCE_UNKNOWN), "unknown");
    assert_string_equal(afmt_source_format_name((afmt_source_format)99), "unknown");
}

static void detect_dir(const char *dir, afmt_source_format want)
{
    afmt_test_need(dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        afmt_source_format got = afmt_test_detect(path);
        if (got != want)
            print_message("%s detected as %s\n", path, afmt_source_format_name(got));
        assert_int_equal(got, want);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

static void test_detect_corpus(void **state)
{
    (void)state;
    detect_dir(AFMT_CORPUS "/reddit_json", AFMT_SOURCE_REDDIT);
    detect_dir(AFMT_CORPUS "/hackernews", AFMT_SOURCE_HN);
    detect_dir(AFMT_CORPUS "/pushshift_ndjson", AFMT_SOURCE_PUSHSHIFT);
    detect_dir(AFMT_CORPUS "/mbox", AFMT_SOURCE_MBOX);
    detect_dir(AFMT_CORPUS "/mbox/perceval", AFMT_SOURCE_MBOX);
}

#define DETECT(s) afmt_source_detect(NULL, (const uint8_t *)(s), strlen(s))

static void test_detect_synthetic(void **state)
{
    (void)state;
    assert_int_equal(DETECT(""), AFMT_SOURCE_UNKNOWN);
    assert_int_equal(afmt_source_detect(NULL, NULL, 0), AFMT_SOURCE_UNKNOWN);
    assert_int_equal(DETECT("hello\n"), AFMT_SOURCE_UNKNOWN);
    assert_int_equal(DETECT("From a@b Thu Jan  1 00:00:00 1970\n"), AFMT_SOURCE_MBOX);
    assert_int_equal(DETECT("\x28\xb5\x2f\xfd\x00"), AFMT_SOURCE_PUSHSHIFT);
    assert_int_equal(DETECT("\x50\x2a\x4d\x18\x00"), AFMT_SOURCE_PUSHSHIFT);
    /* Reddit: a page (even cut off after a few bytes), a Listing, an answer */
    assert_int_equal(DETECT("[{\"kind\": \"Listing\", \"data\": {\"children\": [{\"ki"),
                     AFMT_SOURCE_REDDIT);
    assert_int_equal(DETECT(" \n{\"kind\":\"Listing\",\"data\":{}}"), AFMT_SOURCE_REDDIT);
    assert_int_equal(DETECT("{\"json\": {\"errors\": [], \"data\": {\"things\": ["),
                     AFMT_SOURCE_REDDIT);
    /* Pushshift: NDJSON with subreddit / link_id */
    assert_int_equal(DETECT("{\"body\":\"x\",\"subreddit\":\"a\",\"id\":\"c1\"}\n"),
                     AFMT_SOURCE_PUSHSHIFT);
    assert_int_equal(DETECT("{\"link_id\":\"t3_x\"}\n"), AFMT_SOURCE_PUSHSHIFT);
    /* HN: official items, a wrapper, an array, the nested form cut off */
    assert_int_equal(DETECT("{\"by\":\"pg\",\"id\":1,\"time\":1160418111,\"type\":\"story\"}\n"),
                     AFMT_SOURCE_HN);
    assert_int_equal(DETECT("{\"id\":8863,\"type\":\"comment\"}\n"), AFMT_SOURCE_HN);
    assert_int_equal(DETECT("{\"post\": {\"id\": 1, \"type\": \"story\"}, \"comments\": []}"),
                     AFMT_SOURCE_HN);
    assert_int_equal(DETECT("[{\"id\": 1, \"kids\": [2, 3"), AFMT_SOURCE_HN);
    assert_int_equal(DETECT("{\"id\": 1, \"user\": \"u\", \"content\": \"c\", \"comments\": [{\"id\""),
                     AFMT_SOURCE_HN);
    /* plain NDJSON: a first line that is a JSON object and nothing above */
    assert_int_equal(DETECT("{\"id\":\"1\",\"parent\":null,\"author\":\"a\",\"body\":\"x\"}\n"
                            "{\"id\":\"2\"}\n"),
                     AFMT_SOURCE_NDJSON);
    assert_int_equal(DETECT("{\"id\":\"1\""), AFMT_SOURCE_UNKNOWN);
    assert_int_equal(DETECT("[1, 2]"), AFMT_SOURCE_UNKNOWN);
    /* the name only helps when the content says nothing */
    assert_int_equal(afmt_source_detect("list.mbox", (const uint8_t *)"\n", 1), AFMT_SOURCE_MBOX);
    assert_int_equal(afmt_source_detect("x.mbox", (const uint8_t *)"{\"kind\":\"t1\"}", 13),
                     AFMT_SOURCE_REDDIT);
}

static void test_import_bad_arguments(void **state)
{
    (void)state;
    afmt_writer *w = NULL;
    assert_int_equal(afmt_writer_open(&w, ic_tmp("args.afmt"), ic_fx->sk, NULL), AFMT_OK);
    afmt_test_need(REDDIT "rtv_Python_2xmo63.json");
    int fd = open(REDDIT "rtv_Python_2xmo63.json", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(afmt_import(NULL, w, AFMT_SOURCE_UNKNOWN, fd, "a", 1),
                     AFMT_E_INVALID_ARGUMENT);
    assert_true(strlen(afmt_error_last()) > 0);
    assert_int_equal(afmt_import(NULL, w, (afmt_source_format)42, fd, "a", 1),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_import(NULL, NULL, AFMT_SOURCE_REDDIT, fd, "a", 1),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_import(NULL, w, AFMT_SOURCE_REDDIT, fd, NULL, 0),
                     AFMT_E_INVALID_ARGUMENT);
    close(fd);
    afmt_writer_free(w);
}

/* ------------------------------------------------------------ the corpus */

static void test_reddit_corpus(void **state)
{
    (void)state;
    afmt_test_need(AFMT_CORPUS "/reddit_json");
    DIR *d = opendir(AFMT_CORPUS "/reddit_json");
    assert_non_null(d);
    struct dirent *de;
    size_t files = 0;
    uint64_t posts = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s%s", REDDIT, de->d_name);
        posts += ic_pack_and_check(AFMT_SOURCE_REDDIT, path, NULL);
        files++;
    }
    closedir(d);
    print_message("  reddit: %zu files, %llu posts\n", files, (unsigned long long)posts);
    assert_int_equal(files, 15);
}

/* Several inputs in one bundle: ids stay unique across files that do not
 * share posts, and each file reads back. */
static void test_two_pages_one_bundle(void **state)
{
    (void)state;
    const char *in[2] = {REDDIT "rtv_Python_2xmo63.json", REDDIT "rtv_Python_6302cj.json"};
    afmt_import_stats st = {0};
    afmt_reader *r = ic_pack_many(ic_tmp("two.afmt"), AFMT_SOURCE_REDDIT, 2, in, &st);
    assert_int_equal(st.posts, 46 + 111);
    assert_int_equal(afmt_reader_entry_count(r), 46 + 111 + 2);
    afmt_reader_free(r);
}

/* The same page saved twice (fetched again later) in one bundle: the second
 * file's posts get id#2, their parent links name the first copies' ids, and
 * both files read back. */
static void test_same_page_twice_one_bundle(void **state)
{
    (void)state;
    size_t len;
    uint8_t *page = ic_corpus("reddit_json/rtv_Python_2xmo63.json", &len);
    const char *again = ic_tmp("rtv_Python_2xmo63_again.json");
    assert_int_equal(afmt_test_write_file(again, page, len), 0);
    free(page);
    const char *in[2] = {REDDIT "rtv_Python_2xmo63.json", again};
    afmt_import_stats st = {0};
    afmt_reader *r = ic_pack_many(ic_tmp("twice.afmt"), AFMT_SOURCE_REDDIT, 2, in, &st);
    assert_int_equal(st.posts, 2 * 46);
    ic_check_file_roundtrip_named(r, in[0]);
    ic_check_file_roundtrip_named(r, in[1]);
    uint64_t copies = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_POST || i < 46)
            continue;
        assert_true(e.id_len > 2 && memcmp(e.id + e.id_len - 2, "#2", 2) == 0);
        uint64_t n;
        assert_int_equal(afmt_reader_find_post(&n, r, e.id, e.id_len - 2), AFMT_OK);
        afmt_entry first = afmt_test_entry(r, n);
        assert_memory_equal(first.hash, e.hash, AFMT_HASH_BYTES); /* same bytes */
        if (e.parent != NULL) {
            assert_true(first.parent != NULL && first.parent_len == e.parent_len);
            assert_memory_equal(first.parent, e.parent, e.parent_len);
        }
        copies++;
    }
    assert_int_equal(copies, 46);
    afmt_reader_free(r);
}

/* ------------------------------------------------------------ hard cases */

/* `replies` is "" for a comment without replies (the whole thing is its
 * post, a verbatim slice of the page) and a Listing otherwise (cut out). */
static void test_replies_empty_vs_listing(void **state)
{
    (void)state;
    const char *path = REDDIT "praw_funny_3hahrw.json";
    size_t plen;
    uint8_t *page = ic_corpus("reddit_json/praw_funny_3hahrw.json", &plen);
    json_t *doc = ic_load_json(path);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    json_t *top = json_object_get(json_object_get(json_array_get(doc, 1), "data"), "children");
    int seen_leaf = 0, seen_listing = 0;
    size_t i;
    json_t *t;
    json_array_foreach(top, i, t) {
        json_t *data = json_object_get(t, "data");
        const char *name = json_string_value(json_object_get(data, "name"));
        json_t *replies = json_object_get(data, "replies");
        if (name == NULL || strcmp(json_string_value(json_object_get(t, "kind")), "t1") != 0)
            continue; /* a more stub carries a name too */
        size_t clen;
        char *content = ic_content(r, name, &clen);
        json_error_t jerr;
        json_t *c = json_loadb(content, clen, JSON_REJECT_DUPLICATES, &jerr);
        assert_non_null(c);
        json_t *cdata = json_object_get(c, "data");
        if (json_is_string(replies)) {
            assert_string_equal(json_string_value(replies), "");
            assert_non_null(strstr(content, "\"replies\": \"\""));
            assert_non_null(memmem(page, plen, content, clen));
            assert_true(json_equal(c, t));
            seen_leaf++;
        } else {
            assert_true(json_is_object(replies));
            assert_null(json_object_get(cdata, "replies"));
            assert_null(strstr(content, "\"kind\": \"Listing\""));
            assert_null(memmem(page, plen, content, clen));
            /* everything else is there, unchanged */
            json_t *want = json_deep_copy(t);
            json_object_del(json_object_get(want, "data"), "replies");
            assert_true(json_equal(c, want));
            json_decref(want);
            size_t kids = 0, k;
            json_t *kid;
            json_array_foreach(json_object_get(json_object_get(replies, "data"), "children"), k,
                               kid) {
                kids += strcmp(json_string_value(json_object_get(kid, "kind")), "t1") == 0;
            }
            assert_int_equal(count_children_with_parent(r, name), kids);
            seen_listing++;
        }
        json_decref(c);
        free(content);
    }
    assert_true(seen_leaf > 10);
    assert_true(seen_listing > 10);
    afmt_reader_free(r);
    json_decref(doc);
    free(page);
}

/* A `more` stub listing thousands of ids marks its parent incomplete with
 * its count; it is not a post. */
static void test_more_stub_huge_ids(void **state)
{
    (void)state;
    const char *path = REDDIT "rtv_IAmA_z1c9z.json";
    rows *s = python_rows("stubs", path);
    size_t big = 0;
    for (size_t i = 1; i < s->n; i++)
        if (atol(s->f[i][2]) > atol(s->f[big][2]))
            big = i;
    const char *parent = s->f[big][0];
    assert_true(atol(s->f[big][2]) >= 10000);
    uint64_t want = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->f[i][0], parent) != 0)
            continue;
        uint64_t count = (uint64_t)atoll(s->f[i][1]), kids = (uint64_t)atoll(s->f[i][2]);
        want += count > kids ? count : kids;
    }
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    afmt_entry e = afmt_test_find(r, parent);
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, want);
    print_message("  %s: stub with %s ids, count %s; parent missing %llu\n", parent,
                  s->f[big][2], s->f[big][1], (unsigned long long)e.missing_replies);
    /* a stub's own name repeats its first child's id: never a post here */
    json_t *doc = ic_load_json(path);
    uint64_t n;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(json_object_get(json_array_get(doc, 1), "data"),
                                       "children"),
                       i, t) {
        if (strcmp(json_string_value(json_object_get(t, "kind")), "more") != 0)
            continue;
        const char *name = json_string_value(json_object_get(json_object_get(t, "data"), "name"));
        assert_int_equal(afmt_reader_find_post(&n, r, name, strlen(name)), AFMT_E_NOT_FOUND);
    }
    json_decref(doc);
    afmt_reader_free(r);
    rows_free(s);
}

/* "continue this thread" (count 0, no children): the parent is incomplete
 * with an unknown number (0) of missing replies. */
static void test_continue_this_thread(void **state)
{
    (void)state;
    const char *path = REDDIT "praw_IAmA_57dw9a_context-d8r4im1.json";
    rows *s = python_rows("stubs", path);
    assert_int_equal(s->n, 1);
    assert_string_equal(s->f[0][1], "0");
    assert_string_equal(s->f[0][2], "0");
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    afmt_entry e = afmt_test_find(r, s->f[0][0]);
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 0);
    uint64_t n;
    assert_int_equal(afmt_reader_find_post(&n, r, "t1__", 4), AFMT_E_NOT_FOUND);
    /* only that post is incomplete: the thread is otherwise whole */
    uint64_t incomplete = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry x = afmt_test_entry(r, i);
        incomplete += x.type == AFMT_ENTRY_POST && (x.flags & AFMT_POST_INCOMPLETE);
    }
    assert_int_equal(incomplete, 1);
    afmt_reader_free(r);
    rows_free(s);

    /* rtv_AskReddit_cmwov has 13 of them: each marks its parent */
    path = REDDIT "rtv_AskReddit_cmwov_sort-top.json";
    afmt_reader *r2 = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    rows *s2 = python_rows("stubs", path);
    size_t cont = 0;
    for (size_t i = 0; i < s2->n; i++) {
        if (strcmp(s2->f[i][1], "0") != 0 || strcmp(s2->f[i][2], "0") != 0)
            continue;
        cont++;
        afmt_entry x = afmt_test_find(r2, s2->f[i][0]);
        assert_true(x.flags & AFMT_POST_INCOMPLETE);
    }
    assert_int_equal(cont, 13);
    rows_free(s2);
    afmt_reader_free(r2);
}

/* `edited` is false or a float: the float's digits are kept as served. */
static void test_edited_float(void **state)
{
    (void)state;
    const char *path = REDDIT "praw_AskReddit_6wmniq_context-dma3mi5.json";
    rows *s = python_rows("edited", path);
    assert_true(s->n >= 10);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    for (size_t i = 0; i < s->n; i++) {
        char *content = ic_content(r, s->f[i][0], NULL);
        char want[128];
        snprintf(want, sizeof want, "\"edited\": %s,", s->f[i][1]);
        assert_non_null(strstr(content, want));
        free(content);
    }
    /* and one whose edited is false is packed too */
    size_t plen;
    uint8_t *page = ic_corpus("reddit_json/praw_AskReddit_6wmniq_context-dma3mi5.json", &plen);
    assert_non_null(memmem(page, plen, "\"edited\": false", 15));
    free(page);
    afmt_reader_free(r);
    rows_free(s);
}

/* [deleted] and [removed] bodies are deleted at the source; a comment whose
 * author deleted the account but whose text stands is not. */
static void test_deleted_removed(void **state)
{
    (void)state;
    const char *path = REDDIT "rtv_AskReddit_2np694.json";
    rows *s = python_rows("bodies", path);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    size_t deleted = 0, removed = 0, kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        afmt_entry e = afmt_test_find(r, s->f[i][0]);
        if (strstr(s->f[i][1], "author-deleted") != NULL) {
            assert_false(e.flags & AFMT_POST_DELETED);
            assert_true(afmt_test_field_is(e.author, e.author_len, "[deleted]"));
            kept++;
        } else if (strcmp(s->f[i][1], "deleted") == 0) {
            assert_true(e.flags & AFMT_POST_DELETED);
            deleted++;
        } else if (strcmp(s->f[i][1], "removed") == 0) {
            assert_true(e.flags & AFMT_POST_DELETED);
            char *content = ic_content(r, s->f[i][0], NULL);
            assert_non_null(strstr(content, "\"body\": \"[removed]\""));
            free(content);
            removed++;
        }
    }
    assert_int_equal(deleted, 4);
    assert_int_equal(removed, 1);
    assert_int_equal(kept, 5);
    afmt_reader_free(r);
    rows_free(s);
}

/* rtv_* pages use legacy HTML escaping (&gt;), praw_* pages \u003C escapes:
 * both are stored exactly as served. */
static void test_html_escaping_verbatim(void **state)
{
    (void)state;
    json_t *doc = ic_load_json(REDDIT "rtv_AskReddit_cmwov_sort-top.json");
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, REDDIT "rtv_AskReddit_cmwov_sort-top.json");
    char *c = ic_content(r, page_t3(doc), NULL);
    assert_non_null(strstr(c, "&lt;!-- SC_OFF --&gt;&lt;div class=\\\"md\\\"&gt;"));
    assert_non_null(strstr(c, "here&amp;#39;s one of mine"));
    free(c);
    afmt_reader_free(r);
    json_decref(doc);

    doc = ic_load_json(REDDIT "praw_IAmA_57dw9a_context-d8r4im1.json");
    r = ic_pack_open(AFMT_SOURCE_REDDIT, REDDIT "praw_IAmA_57dw9a_context-d8r4im1.json");
    c = ic_content(r, page_t3(doc), NULL);
    assert_non_null(strstr(c, "\\u003C!-- SC_OFF --\\u003E\\u003Cdiv class=\\\"md\\\"\\u003E"));
    assert_null(strstr(c, "<!-- SC_OFF"));
    assert_non_null(strstr(c, "I\\u2019m"));
    free(c);
    afmt_reader_free(r);
    json_decref(doc);
}

/* The comments of a page whose body import_expect.py marks with `mark`:
 * each post keeps the escape `esc` as written and parses to a body that
 * `decoded` accepts.  Returns how many there are. */
static size_t check_marked_bodies(const char *file, const char *mark, const char *esc,
                                  int (*decoded)(const char *body))
{
    char path[1024];
    snprintf(path, sizeof path, "%s%s", REDDIT, file);
    rows *s = python_rows("bodies", path);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    size_t found = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strstr(s->f[i][1], mark) == NULL)
            continue;
        size_t clen;
        char *c = ic_content(r, s->f[i][0], &clen);
        assert_non_null(strstr(c, esc));
        json_error_t jerr;
        json_t *v = json_loadb(c, clen, 0, &jerr);
        assert_non_null(v);
        assert_true(decoded(json_string_value(json_object_get(json_object_get(v, "data"),
                                                              "body"))));
        json_decref(v);
        free(c);
        found++;
    }
    afmt_reader_free(r);
    rows_free(s);
    return found;
}

static int has_cr_cr(const char *body)
{
    return strstr(body, "\r\r") != NULL;
}

/* A body with a bare \r\r keeps its escapes byte for byte. */
static void test_bare_cr_cr(void **state)
{
    (void)state;
    assert_int_equal(check_marked_bodies("praw_funny_3hahrw.json", "rr", "\\r\\r", has_cr_cr),
                     1);
}

static int has_four_byte_char(const char *body)
{
    int four_byte = 0;
    for (const unsigned char *p = (const unsigned char *)body; *p; p++)
        four_byte |= *p >= 0xF0;
    return four_byte;
}

/* Emoji arrive as \ud83d\ude.. surrogate escapes and stay so. */
static void test_emoji(void **state)
{
    (void)state;
    assert_int_equal(check_marked_bodies("praw_announcements_fo7p5b.json", "emoji", "\\ud83",
                                         has_four_byte_char),
                     5);
}

/* context= / permalink pages: the thread is saved in part.  In the corpus
 * the focus comment's chain starts at a top-level comment; a page whose
 * comment Listing starts deeper (derived from one at run time) keeps its
 * roots' parent links to comments the bundle does not hold. */
static void test_context_root_not_top_level(void **state)
{
    (void)state;
    /* (the AskReddit context page does not even hold its focus comment,
     * t1_dma3mi5: it holds the thread's top-level comments) */
    static const struct {
        const char *file, *focus;
    } pages[] = {
        {"praw_AskReddit_6wmniq_context-dma3mi5.json", NULL},
        {"praw_IAmA_57dw9a_context-d8r4im1.json", "t1_d8r4im1"},
        {"praw_redditdev_54hhwl_context-d81vwef.json", "t1_d81vwef"},
        {"rtv_LifeProTips_441hsf_permalink-czmp112.json", "t1_czmp112"},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s%s", REDDIT, pages[i].file);
        afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
        uint64_t n;
        if (pages[i].focus == NULL)
            assert_int_equal(afmt_reader_find_post(&n, r, "t1_dma3mi5", 10), AFMT_E_NOT_FOUND);
        else
            (void)afmt_test_find(r, pages[i].focus);
        /* every post's parent chain ends at the submission, in the bundle */
        for (uint64_t k = 0; k < afmt_reader_entry_count(r); k++) {
            afmt_entry e = afmt_test_entry(r, k);
            if (e.type != AFMT_ENTRY_POST)
                continue;
            int hops = 0;
            while (e.parent != NULL && hops < 1000) {
                assert_int_equal(afmt_reader_find_post(&n, r, e.parent, e.parent_len), AFMT_OK);
                e = afmt_test_entry(r, n);
                hops++;
            }
            assert_null(e.parent);
            assert_true(e.id_len > 3 && memcmp(e.id, "t3_", 3) == 0);
        }
        afmt_reader_free(r);
    }

    const char *derived = ic_tmp("context_deeper.json");
    free(ic_python("derive-context '%s%s' '%s'", REDDIT,
                   "praw_AskReddit_6wmniq_context-dma3mi5.json", derived));
    ic_pack_and_check(AFMT_SOURCE_REDDIT, derived, NULL);
    json_t *doc = ic_load_json(derived);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, derived);
    json_t *roots = json_object_get(json_object_get(json_array_get(doc, 1), "data"), "children");
    size_t i, checked = 0;
    json_t *t;
    json_array_foreach(roots, i, t) {
        json_t *data = json_object_get(t, "data");
        if (strcmp(json_string_value(json_object_get(t, "kind")), "t1") != 0)
            continue;
        afmt_entry e = afmt_test_find(r, json_string_value(json_object_get(data, "name")));
        assert_non_null(e.parent);
        assert_true(e.parent_len > 3 && memcmp(e.parent, "t1_", 3) == 0);
        uint64_t n;
        assert_int_equal(afmt_reader_find_post(&n, r, e.parent, e.parent_len), AFMT_E_NOT_FOUND);
        checked++;
    }
    assert_true(checked > 0);
    afmt_reader_free(r);
    json_decref(doc);
}

/* morechildren answers are flat: the tree comes from parent_id, across
 * lines, and a stub whose ids were all loaded later in the file is not a
 * gap. */
static void test_morechildren_flat_tree(void **state)
{
    (void)state;
    const char *path = REDDIT "praw_announcements_n49rw_morechildren.ndjson";
    ic_pack_and_check(AFMT_SOURCE_REDDIT, path, NULL);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_REDDIT, path);
    uint64_t posts = 0, linked = 0, to_submission = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_POST)
            continue;
        posts++;
        assert_non_null(e.parent);
        uint64_t n;
        if (afmt_reader_find_post(&n, r, e.parent, e.parent_len) == AFMT_OK)
            linked++;
        else if (afmt_test_field_is(e.parent, e.parent_len, "t3_n49rw"))
            to_submission++;
    }
    assert_int_equal(posts, 940);
    print_message("  morechildren: %llu posts, %llu under a post of the file, %llu top-level\n",
                  (unsigned long long)posts, (unsigned long long)linked,
                  (unsigned long long)to_submission);
    assert_true(linked >= 200);
    assert_true(to_submission >= 400);
    /* line 1: a stub under t1_c364uvf for c366xvb, which line 123 brings */
    afmt_entry e = afmt_test_find(r, "t1_c364uvf");
    assert_false(e.flags & AFMT_POST_INCOMPLETE);
    e = afmt_test_find(r, "t1_c366xvb");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "t1_c364uvf"));
    /* line 21: a stub under t1_c364oef for an id the file never brings */
    e = afmt_test_find(r, "t1_c364oef");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 1);
    /* line 26: a stub for two ids of which one came */
    e = afmt_test_find(r, "t1_c364y84");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 1);
    /* line 38: a continue-this-thread stub */
    e = afmt_test_find(r, "t1_c3669tv");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 0);
    afmt_reader_free(r);
}

/* --------------------------------------------------------- synthetic cuts */

/* replies as the last member, a key spelled with an escape, a repeated
 * thing, CRLF between lines: the posts and the round trip hold. */
static void test_synthetic_cuts(void **state)
{
    (void)state;
    const char *text =
        "[{\"kind\":\"Listing\",\"data\":{\"children\":[{\"kind\":\"t3\",\"data\":{\"name\":"
        "\"t3_a\",\"title\":\"T \\u00e9\",\"author\":\"op\",\"created_utc\":1.5e9}}]}},\r\n"
        " {\"kind\":\"Listing\",\"data\":{\"children\":[\n"
        "  {\"kind\":\"t1\",\"data\":{\"name\":\"t1_b\",\"parent_id\":\"t3_a\",\"body\":\"b\","
        "\"repl\\u0069es\":{\"kind\":\"Listing\",\"data\":{\"children\":[\n"
        "    {\"kind\":\"t1\",\"data\":{\"name\":\"t1_c\",\"parent_id\":\"t1_b\",\"author\":\"\","
        "\"created_utc\":-5,\"replies\":\"\"}},\n"
        "    {\"kind\":\"more\",\"data\":{\"count\":7,\"parent_id\":\"t1_b\",\"children\":[\"x\","
        "\"y\"],\"name\":\"t1_x\",\"id\":\"x\"}}]}}}},\n"
        "  {\"kind\":\"t1\",\"data\":{\"id\":\"d\",\"parent_id\":\"t3_a\",\"body\":\"[removed]\" ,"
        "  \"replies\" : {\"kind\":\"Listing\",\"data\":{\"children\":[{\"kind\":\"t1\",\"data\":"
        "{\"name\":\"t1_c\",\"parent_id\":\"t1_d\"}}]}} }},\n"
        "  {\"kind\":\"t1\",\"data\":{\"replies\":{\"kind\":\"Listing\",\"data\":{\"children\":[]}},"
        "\"name\":\"t1_e\"}},\n"
        "  {\"kind\":\"more\",\"data\":{\"count\":0,\"parent_id\":\"t3_a\",\"children\":[]}}\n"
        "]}}]\n";
    afmt_import_stats st = {0};
    char err[256] = "";
    int rc = ic_pack_text(AFMT_SOURCE_REDDIT, "synthetic", text, &st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("%s\n", err);
    assert_int_equal(rc, AFMT_OK);
    const char *in = ic_tmp("synthetic.json");
    ic_pack_and_check(AFMT_SOURCE_REDDIT, in, NULL);
    assert_int_equal(st.posts, 6); /* the second t1_c is t1_c#2 */
    afmt_reader *r = afmt_test_open_verified(ic_tmp("synthetic.afmt"));
    ic_check_file_roundtrip(r, in);

    char *c = ic_content(r, "t3_a", NULL);
    afmt_entry e = afmt_test_find(r, "t3_a");
    assert_true(afmt_test_field_is(e.title, e.title_len, "T \xc3\xa9"));
    assert_int_equal(e.created, 1500000000);
    assert_true(e.flags & AFMT_POST_INCOMPLETE); /* the continue stub */
    assert_int_equal(e.missing_replies, 0);
    free(c);

    c = ic_content(r, "t1_b", NULL);
    /* the member is cut from its key to the end of its value, with the comma
     * before it, since it is the last one */
    assert_string_equal(c, "{\"kind\":\"t1\",\"data\":{\"name\":\"t1_b\",\"parent_id\":\"t3_a\","
                           "\"body\":\"b\"}}");
    e = afmt_test_find(r, "t1_b");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 7);
    free(c);

    c = ic_content(r, "t1_d", NULL); /* id from kind and id */
    assert_string_equal(c, "{\"kind\":\"t1\",\"data\":{\"id\":\"d\",\"parent_id\":\"t3_a\","
                           "\"body\":\"[removed]\" }}");
    e = afmt_test_find(r, "t1_d");
    assert_true(e.flags & AFMT_POST_DELETED);
    free(c);

    c = ic_content(r, "t1_e", NULL); /* replies first: cut up to the next key */
    assert_string_equal(c, "{\"kind\":\"t1\",\"data\":{\"name\":\"t1_e\"}}");
    free(c);

    e = afmt_test_find(r, "t1_c");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "t1_b")); /* the first one */
    assert_true(afmt_test_field_is(e.author, e.author_len, ""));
    assert_int_equal(e.created, -5);
    e = afmt_test_find(r, "t1_c#2");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "t1_d"));
    assert_null(e.author);
    assert_false(e.has_created);
    afmt_reader_free(r);
}

/* The id map the JSON importers share hashes with a random key per map
 * (issue 12, item 5): the slots that input ids land in cannot be predicted,
 * so crafted ids cannot pile up in one probe run.  Two maps fed the same
 * keys place them differently, and both find every key. */
static void test_id_map_keyed(void **state)
{
    (void)state;
    afmt_buf arena = {0};
    afmt_imp_map a = {0}, b = {0};
    enum { N = 2000 };
    afmt_imp_str keys[N];
    for (size_t i = 0; i < N; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "t1_%zx", i * 7919);
        assert_int_equal(afmt_imp_str_add(&arena, &keys[i], id, (size_t)n), AFMT_OK);
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(afmt_imp_map_put(&a, &arena, keys[i], i, NULL), 1);
        assert_int_equal(afmt_imp_map_put(&b, &arena, keys[i], i, NULL), 1);
    }
    size_t dup = 99;
    assert_int_equal(afmt_imp_map_put(&a, &arena, keys[5], 7, &dup), 0);
    assert_int_equal(dup, 5);
    assert_int_equal(a.cap, b.cap);
    assert_memory_not_equal(a.sipkey, b.sipkey, sizeof a.sipkey);
    size_t same_slot = 0;
    for (size_t i = 0; i < N; i++) {
        size_t va, vb;
        const uint8_t *k = arena.data + keys[i].off;
        assert_true(afmt_imp_map_get(&a, &arena, k, keys[i].len, &va));
        assert_true(afmt_imp_map_get(&b, &arena, k, keys[i].len, &vb));
        assert_int_equal(va, i);
        assert_int_equal(vb, i);
    }
    /* where each key sits: with independent keys, few agree by chance */
    for (size_t j = 0; j < a.cap; j++)
        same_slot += afmt_imp_map_slot_value(&a, j) != SIZE_MAX &&
                     afmt_imp_map_slot_value(&a, j) == afmt_imp_map_slot_value(&b, j);
    assert_true(same_slot < N / 10);
    afmt_imp_map_free(&a);
    afmt_imp_map_free(&b);
    afmt_buf_free(&arena);
}

static void test_bad_input(void **state)
{
    (void)state;
    assert_int_equal(ic_bad(""), AFMT_E_FORMAT);
    assert_int_equal(ic_bad(" \n"), AFMT_E_FORMAT);
    /* invalid JSON: the message names the line */
    assert_int_equal(ic_bad("[{\"kind\":\"Listing\",\n\"data\":{\"children\":[}}]"), AFMT_E_FORMAT);
    assert_non_null(strstr(ic_err, "line 2"));
    /* a duplicate key is refused (jansson JSON_REJECT_DUPLICATES) */
    assert_int_equal(ic_bad("{\"kind\":\"t1\",\"kind\":\"t1\",\"data\":{}}"), AFMT_E_FORMAT);
    /* invalid UTF-8 is refused by jansson */
    assert_int_equal(ic_bad("{\"kind\":\"t1\",\"data\":{\"name\":\"t1_\xff\"}}"), AFMT_E_FORMAT);
    /* valid JSON that is not Reddit */
    assert_int_equal(ic_bad("{\"id\": 1, \"by\": \"x\"}"), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("[1]"), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("{\"kind\":\"t1\",\"data\":{\"body\":\"no id\"}}"), AFMT_E_FORMAT);
    /* the second line is broken: line 2 */
    assert_int_equal(ic_bad("{\"kind\":\"t1\",\"data\":{\"name\":\"t1_a\"}}\n{\"kind\":"),
                     AFMT_E_FORMAT);
    assert_non_null(strstr(ic_err, "line 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_id_map_keyed),
        cmocka_unit_test(test_detect_corpus),
        cmocka_unit_test(test_detect_synthetic),
        cmocka_unit_test(test_import_bad_arguments),
        cmocka_unit_test(test_reddit_corpus),
        cmocka_unit_test(test_two_pages_one_bundle),
        cmocka_unit_test(test_same_page_twice_one_bundle),
        cmocka_unit_test(test_replies_empty_vs_listing),
        cmocka_unit_test(test_more_stub_huge_ids),
        cmocka_unit_test(test_continue_this_thread),
        cmocka_unit_test(test_edited_float),
        cmocka_unit_test(test_deleted_removed),
        cmocka_unit_test(test_html_escaping_verbatim),
        cmocka_unit_test(test_bare_cr_cr),
        cmocka_unit_test(test_emoji),
        cmocka_unit_test(test_context_root_not_top_level),
        cmocka_unit_test(test_morechildren_flat_tree),
        cmocka_unit_test(test_synthetic_cuts),
        cmocka_unit_test(test_differential_random),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, ic_setup, ic_teardown);
}
