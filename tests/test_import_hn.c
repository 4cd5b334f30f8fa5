/*
 * test_import_hn.c - the Hacker News importer (libarchive_fmt/import/hn.c).
 *
 * Both corpus files are packed, verified, read back byte for byte and
 * checked post by post against tests/import_expect.py (Python's json
 * module); the official items are also packed as a JSON array and as one
 * item per line.  Each hard case of the corpus README has a test of its own.
 */
#include <jansson.h>

#define IC_FORMAT AFMT_SOURCE_HN
#include "import_check.h"

#define HN AFMT_CORPUS "/hackernews/"
#define FIREBASE HN "hn_whoishiring_40846428_2024-07_firebase-items.json"
#define NESTED HN "hn_thread_25015967_hnpwa-nested.json"

/* An item's id, as the text of a post id, in buf. */
static const char *item_id(char buf[32], json_t *item)
{
    snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(item, "id")));
    return buf;
}

/* ------------------------------------------------------------ the corpus */

static void test_hn_corpus(void **state)
{
    (void)state;
    uint64_t a = ic_pack_and_check(AFMT_SOURCE_HN, FIREBASE, NULL);
    uint64_t b = ic_pack_and_check(AFMT_SOURCE_HN, NESTED, NULL);
    assert_int_equal(a, 408);      /* the post and its 407 comment items */
    assert_int_equal(b, 1 + 2170); /* the story and its 2,170 nested comments */
}

/* The same items as {"post","comments"}, as an array, and one per line
 * give the same posts. */
static void test_hn_item_forms(void **state)
{
    (void)state;
    afmt_test_need(FIREBASE);
    free(ic_python("hn-forms '%s' '%s'", FIREBASE, ic_fx->dir));
    const char *array = ic_tmp("array.json");
    const char *ndjson = ic_tmp("items.ndjson");
    afmt_import_stats s0, s1, s2;
    ic_pack_and_check(AFMT_SOURCE_HN, FIREBASE, &s0);
    ic_pack_and_check(AFMT_SOURCE_HN, array, &s1);
    ic_pack_and_check(AFMT_SOURCE_HN, ndjson, &s2);
    assert_int_equal(s0.posts, s1.posts);
    assert_int_equal(s0.posts, s2.posts);
    assert_int_equal(s0.deleted, s2.deleted);
    assert_int_equal(s0.incomplete, s2.incomplete);
    assert_int_equal(s0.missing_replies, s2.missing_replies);
    assert_int_equal(afmt_test_detect(ndjson), AFMT_SOURCE_HN);
    assert_int_equal(afmt_test_detect(array), AFMT_SOURCE_HN);
}

/* ------------------------------------------------------------ hard cases */

/* `text` is HTML with entities (&#x2F;, &#x27;): stored as served. */
static void test_entities_verbatim(void **state)
{
    (void)state;
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_HN, FIREBASE);
    json_t *doc = ic_load_json(FIREBASE);
    size_t i, seen = 0;
    json_t *it;
    json_array_foreach(json_object_get(doc, "comments"), i, it) {
        const char *text = json_string_value(json_object_get(it, "text"));
        if (text == NULL || strstr(text, "&#x2F;") == NULL)
            continue;
        char id[32];
        char *c = ic_content(r, item_id(id, it), NULL);
        assert_non_null(strstr(c, "&#x2F;"));
        assert_null(strstr(c, "https://")); /* not unescaped */
        json_error_t jerr;
        json_t *v = json_loads(c, 0, &jerr);
        assert_true(json_equal(v, it));
        json_decref(v);
        free(c);
        seen++;
    }
    assert_true(seen > 50);
    json_decref(doc);
    afmt_reader_free(r);

    /* and in the nested form, where `content` holds it */
    r = ic_pack_open(AFMT_SOURCE_HN, NESTED);
    char *c = ic_content(r, "25015967", NULL);
    assert_non_null(strstr(c, "&#x27;run command, generate new video&#x27;"));
    assert_non_null(strstr(c, "GUI &#x2F; toolkit"));
    free(c);
    afmt_reader_free(r);
}

/* deleted and dead items, without "by", are kept and marked deleted at the
 * source; a dead item with an author keeps it. */
static void test_deleted_dead_without_author(void **state)
{
    (void)state;
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_HN, FIREBASE);
    json_t *doc = ic_load_json(FIREBASE);
    size_t i, deleted = 0, dead = 0, dead_with_author = 0;
    json_t *it;
    json_array_foreach(json_object_get(doc, "comments"), i, it) {
        int del = json_is_true(json_object_get(it, "deleted"));
        int dd = json_is_true(json_object_get(it, "dead"));
        char id[32];
        afmt_entry e = afmt_test_find(r, item_id(id, it));
        if (!del && !dd) {
            assert_false(e.flags & AFMT_POST_DELETED);
            continue;
        }
        assert_true(e.flags & AFMT_POST_DELETED);
        assert_true(e.has_created);
        assert_non_null(e.parent);
        const char *by = json_string_value(json_object_get(it, "by"));
        if (by == NULL) {
            assert_null(e.author);
        } else {
            assert_true(afmt_test_field_is(e.author, e.author_len, by));
            dead_with_author++;
        }
        deleted += del;
        dead += dd;
    }
    assert_int_equal(deleted, 12);
    assert_int_equal(dead, 16);
    assert_int_equal(dead_with_author, 13);
    json_decref(doc);
    afmt_reader_free(r);

    /* nested: "deleted": true without "user" */
    r = ic_pack_open(AFMT_SOURCE_HN, NESTED);
    uint64_t marked = 0, no_author = 0;
    for (uint64_t k = 0; k < afmt_reader_entry_count(r); k++) {
        afmt_entry e = afmt_test_entry(r, k);
        if (e.type != AFMT_ENTRY_POST || !(e.flags & AFMT_POST_DELETED))
            continue;
        marked++;
        no_author += e.author == NULL;
    }
    assert_true(marked >= 98);
    assert_int_equal(no_author, 98);
    afmt_reader_free(r);
}

/* kids listed but not in the file: the item is incomplete by that many. */
static void test_kids_absent(void **state)
{
    (void)state;
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_HN, FIREBASE);
    json_t *doc = ic_load_json(FIREBASE);
    json_t *all = json_array();
    json_array_append(all, json_object_get(doc, "post"));
    json_array_extend(all, json_object_get(doc, "comments"));
    /* ids present */
    size_t i, j;
    json_t *it, *k;
    uint64_t items_with_absent = 0, absent_total = 0;
    json_array_foreach(all, i, it) {
        uint64_t absent = 0;
        json_array_foreach(json_object_get(it, "kids"), j, k) {
            int found = 0;
            size_t m;
            json_t *o;
            json_array_foreach(all, m, o) {
                if (json_integer_value(json_object_get(o, "id")) == json_integer_value(k)) {
                    found = 1;
                    break;
                }
            }
            absent += !found;
        }
        char id[32];
        afmt_entry e = afmt_test_find(r, item_id(id, it));
        if (absent == 0) {
            assert_false(e.flags & AFMT_POST_INCOMPLETE);
        } else {
            assert_true(e.flags & AFMT_POST_INCOMPLETE);
            assert_int_equal(e.missing_replies, absent);
            items_with_absent++;
            absent_total += absent;
        }
    }
    assert_int_equal(items_with_absent, 101);
    assert_int_equal(absent_total, 149);
    /* the story lists 596 descendants, and the file's kids say which it lacks */
    afmt_entry story = afmt_test_find(r, "40846428");
    assert_true(afmt_test_field_is(story.author, story.author_len, "whoishiring"));
    assert_non_null(story.title);
    assert_null(story.parent);
    json_decref(all);
    json_decref(doc);
    afmt_reader_free(r);
}

/* The nested form: a post's bytes are its item without "comments" when it
 * has replies; the tree comes from the nesting. */
static void test_nested_cut(void **state)
{
    (void)state;
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_HN, NESTED);
    json_t *doc = ic_load_json(NESTED);
    size_t clen;
    char *c = ic_content(r, "25015967", &clen);
    json_error_t jerr;
    json_t *v = json_loadb(c, clen, 0, &jerr);
    assert_non_null(v);
    assert_null(json_object_get(v, "comments"));
    assert_int_equal(json_integer_value(json_object_get(v, "commentscount")), 2170);
    json_t *want = json_deep_copy(doc);
    json_object_del(want, "comments");
    assert_true(json_equal(v, want));
    json_decref(want);
    json_decref(v);
    free(c);
    afmt_entry root = afmt_test_find(r, "25015967");
    const char *title = "Biden wins White House, vowing new direction for divided U.S.";
    assert_true(afmt_test_field_is(root.title, root.title_len, title));
    assert_false(root.flags & AFMT_POST_INCOMPLETE); /* commentscount 2170 = comments held */
    /* a reply of a reply: parent from the nesting */
    json_t *first = NULL, *second = NULL;
    size_t i;
    json_array_foreach(json_object_get(doc, "comments"), i, first) {
        second = json_array_get(json_object_get(first, "comments"), 0);
        if (second != NULL)
            break;
    }
    assert_non_null(second);
    char id[32], pid[32];
    afmt_entry e = afmt_test_find(r, item_id(id, second));
    item_id(pid, first);
    assert_true(afmt_test_field_is(e.parent, e.parent_len, pid));
    e = afmt_test_find(r, pid);
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "25015967"));
    json_decref(doc);
    afmt_reader_free(r);
}

/* ------------------------------------------------------------- synthetic */

static void test_synthetic_forms(void **state)
{
    (void)state;
    /* nested with fewer comments than commentscount; a pollopt; a string
     * parent; a string id (not an item); a null (purged) element; a repeated item; comments last */
    const char *text =
        "{\"id\":1,\"user\":\"a\",\"time\":100,\"content\":\"x &amp; y\",\"commentscount\":5,"
        "\"comments\":[{\"id\":2,\"user\":\"b\",\"time\":101,\"content\":\"c\",\"comments\":[]},"
        "{\"id\":3,\"time\":102,\"deleted\":true,\"content\":\"\",\"comments\":["
        "{\"id\":4,\"user\":\"d\",\"time\":103,\"content\":\"e\",\"comments\":[]}]}]}\n"
        "[null, {\"id\":10,\"type\":\"poll\",\"by\":\"p\",\"kids\":[11,12],\"parts\":[20,21]},\n"
        " {\"id\":20,\"type\":\"pollopt\",\"poll\":10,\"text\":\"opt\"},"
        " {\"id\":30,\"type\":\"comment\",\"parent\":\"10\",\"dead\":true},"
        " {\"id\":\"s1\",\"type\":\"comment\"}]\n"
        "{\"id\":20,\"type\":\"pollopt\",\"poll\":10,\"text\":\"again\"}\n";
    afmt_import_stats st = {0};
    char err[256] = "";
    int rc = ic_pack_text(AFMT_SOURCE_HN, "hn_synth", text, &st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("%s\n", err);
    assert_int_equal(rc, AFMT_OK);
    ic_pack_and_check(AFMT_SOURCE_HN, ic_tmp("hn_synth.json"), NULL);
    assert_int_equal(st.posts, 8); /* 20 twice: 20 and 20#2 */
    afmt_reader *r = afmt_test_open_verified(ic_tmp("hn_synth.afmt"));
    afmt_entry e = afmt_test_find(r, "1");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 2); /* 5 said, 3 held */
    char *c = ic_content(r, "1", NULL);
    assert_string_equal(c, "{\"id\":1,\"user\":\"a\",\"time\":100,\"content\":\"x &amp; y\","
                           "\"commentscount\":5}");
    free(c);
    c = ic_content(r, "2", NULL); /* an empty "comments" stays */
    assert_string_equal(c, "{\"id\":2,\"user\":\"b\",\"time\":101,\"content\":\"c\",\"comments\":[]}");
    free(c);
    e = afmt_test_find(r, "3");
    assert_true(e.flags & AFMT_POST_DELETED);
    assert_null(e.author);
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "1"));
    e = afmt_test_find(r, "4");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "3"));
    e = afmt_test_find(r, "10");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 2); /* kids 11 and 12 absent */
    e = afmt_test_find(r, "20");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "10"));
    c = ic_content(r, "20", NULL);
    assert_non_null(strstr(c, "\"opt\"")); /* the first of the two */
    free(c);
    c = ic_content(r, "20#2", NULL);
    assert_non_null(strstr(c, "\"again\""));
    free(c);
    uint64_t n;
    assert_int_equal(afmt_reader_find_post(&n, r, "s1", 2), AFMT_E_NOT_FOUND); /* not an id */
    e = afmt_test_find(r, "30");
    assert_true(e.flags & AFMT_POST_DELETED);
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "10"));
    afmt_reader_free(r);
}

/* HNPWA names the count "comments_count" (issue 19): a partial thread
 * with it is incomplete, not complete. */
static void test_hnpwa_comments_count(void **state)
{
    (void)state;
    const char *text =
        "{\"id\":7,\"user\":\"a\",\"time\":100,\"type\":\"link\",\"content\":\"\","
        "\"comments_count\":4,\"comments\":[{\"id\":8,\"user\":\"b\",\"time\":101,"
        "\"content\":\"c\",\"level\":0,\"comments\":[]}]}\n"
        "{\"id\":9,\"user\":\"c\",\"time\":100,\"content\":\"\",\"comments_count\":2,"
        "\"comments\":[]}\n";
    afmt_import_stats st = {0};
    char err[256] = "";
    int rc = ic_pack_text(AFMT_SOURCE_HN, "hn_hnpwa", text, &st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("%s\n", err);
    assert_int_equal(rc, AFMT_OK);
    assert_int_equal(st.posts, 3);
    assert_int_equal(st.incomplete, 2);
    assert_int_equal(st.missing_replies, 3 + 2);
    afmt_reader *r = afmt_test_open_verified(ic_tmp("hn_hnpwa.afmt"));
    afmt_entry e = afmt_test_find(r, "7");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 3); /* 4 said, 1 held */
    e = afmt_test_find(r, "9");
    assert_int_equal(e.missing_replies, 2); /* none held */
    e = afmt_test_find(r, "8");
    assert_false(e.flags & AFMT_POST_INCOMPLETE);
    afmt_reader_free(r);
    ic_pack_and_check(AFMT_SOURCE_HN, ic_tmp("hn_hnpwa.json"), NULL);
}

static void test_bad_input(void **state)
{
    (void)state;
    assert_int_equal(ic_bad(""), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("{\"id\":1,\"by\":\"x\"}\n{\"id\":2,"), AFMT_E_FORMAT);
    assert_non_null(strstr(ic_err, "line 2"));
    assert_int_equal(ic_bad("{\"hello\": \"world\"}"), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("42"), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("[]\nnull\n"), AFMT_E_FORMAT);
    assert_int_equal(ic_bad("{\"id\":1,\"by\":\"x\",\"by\":\"y\"}"), AFMT_E_FORMAT);
    /* a Reddit page is not HN */
    const char *reddit = AFMT_CORPUS "/reddit_json/rtv_Python_2xmo63.json";
    assert_int_equal(ic_pack(ic_tmp("hn_reddit.afmt"), AFMT_SOURCE_HN, reddit, NULL, ic_err,
                             sizeof ic_err),
                     AFMT_E_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hn_corpus),
        cmocka_unit_test(test_hn_item_forms),
        cmocka_unit_test(test_entities_verbatim),
        cmocka_unit_test(test_deleted_dead_without_author),
        cmocka_unit_test(test_kids_absent),
        cmocka_unit_test(test_nested_cut),
        cmocka_unit_test(test_synthetic_forms),
        cmocka_unit_test(test_differential_random),
        cmocka_unit_test(test_hnpwa_comments_count),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, ic_setup, ic_teardown);
}
