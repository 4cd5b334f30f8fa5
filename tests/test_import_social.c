/*
 * test_import_social.c - the Mastodon, Discourse, Stack Exchange and Usenet
 * importers (libarchive_fmt/import/mastodon.c, discourse.c,
 * stackexchange.c, nntp.c).
 *
 * Every corpus file of the four kinds is packed, verified, read back byte
 * for byte and checked post by post against tests/import_expect.py
 * (Python's json, xml.etree and email packages, not the library's code);
 * the hard cases of the corpus README and self-written inputs of the forms
 * the corpus lacks (a Mastodon API context, a Comments.xml) have tests of
 * their own.  Tests skip, with a message, when the corpus is absent.
 */
#include <jansson.h>

#define IC_FORMAT AFMT_SOURCE_MASTODON
#include "import_check.h"

#define C_MASTODON AFMT_CORPUS "/mastodon/purplerain@o3o.ca_outbox.json"
#define C_TOPIC AFMT_CORPUS "/discourse/perceval_discourse_topic_1148.json"
#define C_POSTS AFMT_CORPUS "/discourse/perceval_discourse_posts.json"
#define C_POST AFMT_CORPUS "/discourse/perceval_discourse_post.json"
#define C_SE AFMT_CORPUS "/stackexchange/coffee.stackexchange_Posts_2015-03.xml"
#define C_NNTP1 AFMT_CORPUS "/nntp/perceval_nntp_1.txt"
#define C_NNTP2 AFMT_CORPUS "/nntp/perceval_nntp_2.txt"

static uint64_t check_as(afmt_source_format fmt, const char *media, const char *input,
                         afmt_import_stats *st)
{
    ic_media_type = media;
    uint64_t n = ic_pack_and_check(fmt, input, st);
    ic_media_type = "application/json";
    return n;
}

/* ------------------------------------------------------------- mastodon */

/* 1,425 Create activities (1,422 Notes, 3 Questions) are posts; the 51
 * Announce boosts are not, and stay in the file's bytes. */
static void test_mastodon_outbox(void **state)
{
    (void)state;
    afmt_import_stats st = {0};
    assert_int_equal(check_as(AFMT_SOURCE_MASTODON, "application/json", C_MASTODON, &st), 1425);
    assert_int_equal(afmt_test_detect(C_MASTODON), AFMT_SOURCE_MASTODON);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_MASTODON, C_MASTODON);
    uint64_t self_replies = 0, outside = 0, warnings = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_POST)
            continue;
        assert_true(e.has_created);
        assert_non_null(e.author);
        warnings += e.title != NULL;
        if (e.parent == NULL)
            continue;
        if (e.parent_len > 32 && memcmp(e.parent, "https://o3o.ca/users/purplerain/", 32) == 0)
            self_replies++;
        else
            outside++;
    }
    print_message("  outbox: %llu replies to the account's own notes, %llu to other servers, "
                  "%llu content warnings\n",
                  (unsigned long long)self_replies, (unsigned long long)outside,
                  (unsigned long long)warnings);
    assert_true(self_replies > 0);
    assert_true(outside > 0);
    assert_true(warnings > 0);
    afmt_reader_free(r);
}

/* A status context as the API serves it: parents from in_reply_to_id, the
 * content warning as the title, a boost skipped, replies_count larger than
 * the replies present marks the status incomplete. */
static const char CONTEXT[] =
    "{\"ancestors\":[{\"id\":\"100\",\"created_at\":\"2022-11-05T10:00:00.000Z\","
    "\"in_reply_to_id\":null,\"spoiler_text\":\"\",\"replies_count\":1,"
    "\"account\":{\"acct\":\"alice@example.social\"},\"content\":\"<p>root</p>\"}],\n"
    " \"descendants\":[{\"id\":\"101\",\"created_at\":\"2022-11-05T10:05:00.123Z\","
    "\"in_reply_to_id\":\"100\",\"spoiler_text\":\"politics\",\"replies_count\":3,"
    "\"account\":{\"acct\":\"bob\"},\"content\":\"<p>a &gt; b</p>\"},\n"
    "  {\"id\":\"102\",\"created_at\":\"2022-11-05T10:06:00Z\",\"in_reply_to_id\":\"101\","
    "\"spoiler_text\":\"\",\"replies_count\":0,\"account\":{\"acct\":\"carol\"},"
    "\"reblog\":null,\"content\":\"\\u00e9t\\u00e9\"},\n"
    "  {\"id\":\"103\",\"created_at\":\"2022-11-05T10:07:00Z\",\"in_reply_to_id\":null,"
    "\"account\":{\"acct\":\"dave\"},\"reblog\":{\"id\":\"100\"}}]}\n";

static void test_mastodon_context(void **state)
{
    (void)state;
    const char *in = ic_tmp("context.json");
    afmt_test_write_text(in, CONTEXT);
    assert_int_equal(afmt_test_detect(in), AFMT_SOURCE_MASTODON);
    afmt_import_stats st = {0};
    assert_int_equal(ic_pack_and_check(AFMT_SOURCE_MASTODON, in, &st), 3);
    assert_int_equal(st.incomplete, 1);
    assert_int_equal(st.missing_replies, 2);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_MASTODON, in);
    afmt_entry e = afmt_test_find(r, "101");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "100"));
    assert_true(afmt_test_field_is(e.title, e.title_len, "politics"));
    assert_true(afmt_test_field_is(e.author, e.author_len, "bob"));
    assert_int_equal(e.created, 1667642700);
    afmt_reader_free(r);
}

/* ------------------------------------------------------------ discourse */

static void test_discourse_corpus(void **state)
{
    (void)state;
    afmt_import_stats st = {0};
    assert_int_equal(check_as(AFMT_SOURCE_DISCOURSE, "application/json", C_POST, NULL), 1);
    assert_int_equal(check_as(AFMT_SOURCE_DISCOURSE, "application/json", C_POSTS, NULL), 4);
    assert_int_equal(check_as(AFMT_SOURCE_DISCOURSE, "application/json", C_TOPIC, &st), 20);
    /* stream lists 22 posts, posts holds 20: the topic is incomplete, 2 missing */
    assert_int_equal(st.incomplete, 1);
    assert_int_equal(st.missing_replies, 2);
    assert_int_equal(afmt_test_detect(C_TOPIC), AFMT_SOURCE_DISCOURSE);
    assert_int_equal(afmt_test_detect(C_POSTS), AFMT_SOURCE_DISCOURSE);
    assert_int_equal(afmt_test_detect(C_POST), AFMT_SOURCE_DISCOURSE);
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_DISCOURSE, C_TOPIC);
    afmt_entry e = afmt_test_find(r, "1148/1");
    assert_true(e.flags & AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 2);
    assert_true(afmt_test_field_is(e.title, e.title_len, "[Support] uBlock Origin"));
    e = afmt_test_find(r, "1148/4"); /* reply_to_post_number 3 */
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "1148/3"));
    e = afmt_test_find(r, "1148/5"); /* a reply to the topic */
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "1148/1"));
    afmt_reader_free(r);
    /* a Discourse topic is not a Mastodon export */
    assert_int_equal(ic_pack(ic_tmp("dc_ma.afmt"), AFMT_SOURCE_MASTODON, C_TOPIC, NULL, ic_err,
                             sizeof ic_err),
                     AFMT_E_FORMAT);
}

/* -------------------------------------------------------- stack exchange */

static void test_stackexchange_corpus(void **state)
{
    (void)state;
    afmt_import_stats st = {0};
    /* 225 questions and 327 answers; the 40 tag-wiki rows are not posts */
    assert_int_equal(check_as(AFMT_SOURCE_STACKEXCHANGE, "application/xml", C_SE, &st),
                     225 + 327);
    assert_int_equal(afmt_test_detect(C_SE), AFMT_SOURCE_STACKEXCHANGE); /* after a BOM */
    afmt_reader *r = ic_pack_open(AFMT_SOURCE_STACKEXCHANGE, C_SE);
    afmt_entry e = afmt_test_find(r, "24");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "1"));
    e = afmt_test_find(r, "1");
    assert_true(afmt_test_field_is(e.title, e.title_len, "How should I store whole bean coffee?"));
    assert_int_equal(e.created, 1422389372); /* 2015-01-27T20:09:32.720, UTC */
    char *c = ic_content(r, "1", NULL);
    assert_true(strncmp(c, "<row Id=\"1\" PostTypeId=\"1\"", 26) == 0);
    assert_non_null(strstr(c, "&lt;p&gt;I just got a pound")); /* never unescaped */
    free(c);
    afmt_reader_free(r);
}

static const char SE_POSTS[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n"
    "  <row Id=\"7\" PostTypeId=\"1\" CreationDate=\"2016-02-29T23:59:59.999\" "
    "OwnerDisplayName=\"gone user\" Title=\"Why &quot;a&gt;b&quot;?\" AnswerCount=\"2\" "
    "Body=\"&lt;p&gt;x/&gt;&lt;/p&gt;&#xA;\" />\n"
    "  <!-- <row Id=\"99\" PostTypeId=\"1\" /> -->\n"
    "  <row Id=\"8\" PostTypeId=\"2\" ParentId=\"7\" OwnerUserId=\"3\" "
    "CreationDate=\"2016-03-01T00:00:00.000\" Body='single \"quoted\" &gt;' />\n"
    "  <row Id=\"9\" PostTypeId=\"5\" Body=\"a tag wiki\" />\n"
    "</posts>\n";
static const char SE_COMMENTS[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<comments>\n"
    "  <row Id=\"7\" PostId=\"7\" Text=\"first\" CreationDate=\"2016-03-01T01:00:00.000\" "
    "UserId=\"3\" />\n"
    "  <row Id=\"8\" PostId=\"8\" Text=\"from a deleted user\" "
    "CreationDate=\"2016-03-01T02:00:00.000\" UserDisplayName=\"anon\" />\n"
    "</comments>\n";

/* Posts.xml and Comments.xml together: comment ids "c" + Id, parents their
 * post; a deleted user's name kept; a missing answer counted; a tag wiki
 * and a commented-out row are not posts. */
static void test_stackexchange_with_comments(void **state)
{
    (void)state;
    const char *posts = ic_tmp("Posts.xml"), *comments = ic_tmp("Comments.xml");
    afmt_test_write_text(posts, SE_POSTS);
    afmt_test_write_text(comments, SE_COMMENTS);
    afmt_import_stats st = {0};
    assert_int_equal(check_as(AFMT_SOURCE_STACKEXCHANGE, "application/xml", posts, &st), 2);
    assert_int_equal(st.missing_replies, 1);
    assert_int_equal(check_as(AFMT_SOURCE_STACKEXCHANGE, "application/xml", comments, NULL), 2);
    assert_int_equal(afmt_test_detect(comments), AFMT_SOURCE_STACKEXCHANGE);
    const char *both[] = {posts, comments};
    afmt_reader *r = ic_pack_many(ic_tmp("se_both.afmt"), AFMT_SOURCE_STACKEXCHANGE, 2, both,
                                  NULL);
    afmt_entry e = afmt_test_find(r, "c8");
    assert_true(afmt_test_field_is(e.parent, e.parent_len, "8"));
    assert_true(afmt_test_field_is(e.author, e.author_len, "anon"));
    e = afmt_test_find(r, "7");
    assert_true(afmt_test_field_is(e.author, e.author_len, "gone user"));
    assert_true(afmt_test_field_is(e.title, e.title_len, "Why \"a>b\"?"));
    e = afmt_test_find(r, "8");
    assert_true(afmt_test_field_is(e.author, e.author_len, "user:3"));
    afmt_reader_free(r);
}

/* Hostile and wrong XML: a DTD (entity expansion) is refused, malformed XML
 * names its line, another root element is not a dump. */
static void test_stackexchange_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<?xml version=\"1.0\"?>\n<!DOCTYPE posts [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;\">]>\n"
        "<posts><row Id=\"1\" PostTypeId=\"1\" Body=\"&c;\" /></posts>\n",
        "<posts>\n<row Id=\"1\" PostTypeId=\"1\">\n</posts>\n",
        "<users><row Id=\"1\" /></users>\n",
        "<posts><row Id=\"1\" PostTypeId=\"1\" Body=\"&xxe;\" /></posts>\n",
        "<posts><row PostTypeId=\"1\" /></posts>\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *in = ic_tmp("bad%zu.xml", i);
        afmt_test_write_text(in, bad[i]);
        int rc = ic_pack(ic_tmp("bad%zu.afmt", i), AFMT_SOURCE_STACKEXCHANGE, in, NULL, ic_err,
                         sizeof ic_err);
        print_message("  bad %zu: %s\n", i, ic_err);
        assert_int_equal(rc, AFMT_E_FORMAT);
    }
    assert_non_null(strstr(ic_err, "without an Id"));
}

/* ----------------------------------------------------------------- nntp */

static void test_nntp_corpus(void **state)
{
    (void)state;
    assert_int_equal(check_as(AFMT_SOURCE_NNTP, "message/rfc822", C_NNTP1, NULL), 1);
    assert_int_equal(check_as(AFMT_SOURCE_NNTP, "message/rfc822", C_NNTP2, NULL), 1);
    assert_int_equal(afmt_test_detect(C_NNTP1), AFMT_SOURCE_NNTP);
    assert_int_equal(afmt_test_detect(C_NNTP2), AFMT_SOURCE_NNTP);
    /* both together, and the second article again (saved twice): its id
     * gets #2 as mbox gives a repeated Message-ID */
    const char *in[] = {C_NNTP1, C_NNTP2, ic_tmp("again.txt")};
    size_t len;
    uint8_t *b = afmt_test_read_file(C_NNTP2, &len);
    assert_non_null(b);
    assert_int_equal(afmt_test_write_file(in[2], b, len), 0);
    free(b);
    afmt_reader *r = ic_pack_many(ic_tmp("nntp_all.afmt"), AFMT_SOURCE_NNTP, 3, in, NULL);
    /* the header's Message-ID, not the one a gateway left in the body */
    afmt_entry e = afmt_test_find(r, "mailman.361.1458076505.14303.dev-project-link@example.com");
    assert_true(afmt_test_field_is(e.parent, e.parent_len,
                                   "CANG1D=sjAZJ9BYp3N6YFQJaCS75TXtskrhWwGinAjsnGpACbbw@mail."
                                   "gmail.com"));
    assert_true(afmt_test_field_is(e.title, e.title_len, "Re: Github wiki vs Mozilla wiki"));
    e = afmt_test_find(r, "mailman.361.1458076505.14303.dev-project-link@example.com#2");
    assert_int_equal(e.size, 9233);
    e = afmt_test_find(r, "mailman.350.1458060579.14303.dev-project-link@example.com");
    assert_true(afmt_test_field_is(e.author, e.author_len,
                                   "Fernando Jim\xc3\xa9nez Moreno <fmoreno@example.com>"));
    assert_false(e.has_created); /* DATE: ... with a zone in raw EUC-KR: unparsable */
    ic_check_file_roundtrip_named(r, in[2]);
    afmt_reader_free(r);
    /* not an article */
    const char *json = ic_tmp("not_article.json");
    afmt_test_write_text(json, "{\"a\": 1}\n");
    assert_int_equal(ic_pack(ic_tmp("na.afmt"), AFMT_SOURCE_NNTP, json, NULL, ic_err,
                             sizeof ic_err),
                     AFMT_E_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mastodon_outbox),
        cmocka_unit_test(test_mastodon_context),
        cmocka_unit_test(test_discourse_corpus),
        cmocka_unit_test(test_stackexchange_corpus),
        cmocka_unit_test(test_stackexchange_with_comments),
        cmocka_unit_test(test_stackexchange_bad),
        cmocka_unit_test(test_nntp_corpus),
    };
    return cmocka_run_group_tests(tests, ic_setup, ic_teardown);
}
