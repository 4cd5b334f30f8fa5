/* test_import_mbox.c - the mbox importer against every corpus mbox, with
 * the cut of each message, ids, parents and dates checked against Python's
 * mailbox and email modules run over the same file, one test per hard case
 * of the corpus README for this source, and the RFC 2047 and RFC 5322 date
 * rules on their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "afmt.h"
#include "afmt_import.h"
#include "import/import.h"
#include "import/mail_date.h"
#include "import/rfc2047.h"
#include "test_support.h"

#define MBOX_DIR AFMT_CORPUS "/mbox"
#define PERCEVAL MBOX_DIR "/perceval"

static const char *const CORPUS_FILES[] = {
    MBOX_DIR "/notmuch_corpus_lkml.mbox",
    MBOX_DIR "/spamassassin_easy_ham_1.mbox",
    PERCEVAL "/mbox_complex.mbox",
    PERCEVAL "/mbox_iso8859_encoding.mbox",
    PERCEVAL "/mbox_multipart.mbox",
    PERCEVAL "/mbox_no_fields.mbox",
    PERCEVAL "/mbox_unixfrom_encoding.mbox",
    PERCEVAL "/mbox_unknown_encoding.mbox",
    PERCEVAL "/pipermail_2015_november.mbox",
    PERCEVAL "/pipermail_2016_april.mbox",
    PERCEVAL "/pipermail_2016_march.mbox",
};
#define NFILES (sizeof CORPUS_FILES / sizeof CORPUS_FILES[0])

/* Independent figures from Python's mailbox (where each message starts and
 * stops) and email (its header fields), one JSON object per message; byte
 * strings as hex.  The id and parent rules of spec/IMPORTERS.md are
 * applied to the header values as Python's parser finds them. */
static const char PY_FIGURES[] =
    "import sys, mailbox, email, email.utils, hashlib, json, re\n"
    "mb = mailbox.mbox(sys.argv[1], create=False)\n"
    "DAYS = {'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'}\n"
    "def val(v):\n"
    "    v = v.encode('ascii', 'surrogateescape') if isinstance(v, str) else v\n"
    "    return re.sub(rb'\\r?\\n', b'', v).strip(b' \\t\\r')\n"
    "def ids(v):\n"
    "    br = [x.strip(b' \\t') for x in re.findall(rb'<([^<>]*)>', v)]\n"
    "    br = [x for x in br if x]\n"
    "    if br:\n"
    "        return br\n"
    "    return [t for t in re.split(rb'[ \\t,]+', v) if t and b'@' in t]\n"
    "def date(v):\n"
    "    if v is None:\n"
    "        return None\n"
    "    s = v.decode('latin-1')\n"
    "    w = s.split()\n"
    "    if w and w[0][:1].isalpha() and w[0].rstrip(',').lower() not in DAYS:\n"
    "        return None\n"
    "    t = email.utils.parsedate_tz(s)\n"
    "    if t is None:\n"
    "        return None\n"
    "    if t[9] is None:\n"
    "        t = t[:9] + (0,)\n"
    "    return email.utils.mktime_tz(t)\n"
    "def utf8(b):\n"
    "    try:\n"
    "        b.decode('utf-8')\n"
    "        return True\n"
    "    except UnicodeDecodeError:\n"
    "        return False\n"
    "seen, rows = set(), []\n"
    "toc = mb._toc if hasattr(mb, '_toc') else None\n"
    "for n, key in enumerate(mb.iterkeys(), 1):\n"
    "    raw = mb.get_bytes(key)\n"
    "    m = email.message_from_bytes(raw)\n"
    "    h = {}\n"
    "    for name, v in m.raw_items():\n"
    "        h.setdefault(name.lower(), val(v))\n"
    "    mids = ids(h['message-id']) if 'message-id' in h else []\n"
    "    mid = mids[0] if mids and len(mids[0]) <= 4080 else None\n"
    "    base = mid if mid else b'mbox:%d' % n\n"
    /* a repeated id waits for the end of the file and takes the first
     * id#k that is no id of the file (issue 12, item 8) */
    "    rep = base in seen\n"
    "    seen.add(base)\n"
    "    irt = ids(h['in-reply-to']) if 'in-reply-to' in h else []\n"
    "    refs = ids(h['references']) if 'references' in h else []\n"
    "    par = irt[0] if irt else (refs[-1] if refs else None)\n"
    "    if par is not None and par == mid:\n"
    "        par = None\n"
    "    hx = lambda b: None if b is None else b.hex()\n"
    "    rows.append((rep, base, {'parent': hx(par),\n"
    "        'created': date(h.get('date')),\n"
    "        'subject': hx(h.get('subject')), 'from': hx(h.get('from')),\n"
    "        'hash': hashlib.sha256(raw).hexdigest(),\n"
    "        'size': len(raw), 'refs': len(refs), 'irt': len(irt),\n"
    "        'mid_header': [k for k, _ in m.raw_items() if k.lower() == 'message-id'],\n"
    "        'eightbit': any(b > 127 for b in raw), 'utf8': utf8(raw)}))\n"
    "for rep, base, d in [r for r in rows if not r[0]] + [r for r in rows if r[0]]:\n"
    "    i, k = base, 1\n"
    "    while rep and i in seen:\n"
    "        k += 1\n"
    "        i = base + b'#%d' % k\n"
    "    seen.add(i)\n"
    "    print(json.dumps(dict(id=i.hex(), **d)))\n";

/* ---- helpers ---- */

/* Packs `n` inputs into one bundle, dir/bundle; returns the bundle's path. */
static const char *pack_many(afmt_test_fixture *f, const char *bundle, const char *const *inputs,
                             size_t n, afmt_import_stats *st)
{
    const char *path = afmt_test_tmp(f, "%s", bundle);
    char err[512] = "";
    int rc = afmt_test_import(f->sk, path, AFMT_SOURCE_MBOX, n, inputs, NULL, st, err, sizeof err);
    if (rc != AFMT_OK)
        fail_msg("import into %s: %s (%s)", bundle, afmt_strerror(rc), err);
    return path;
}

static const char *pack_one(afmt_test_fixture *f, const char *bundle, const char *input,
                            afmt_import_stats *st)
{
    return pack_many(f, bundle, &input, 1, st);
}

static afmt_reader *pack_open(afmt_test_fixture *f, const char *bundle, const char *input)
{
    return afmt_test_open_verified(pack_one(f, bundle, input, NULL));
}

/* Writes `text` to dir/name, packs it and opens the verified bundle; the
 * input's path goes to *input when it is not NULL. */
static afmt_reader *pack_text(afmt_test_fixture *f, const char *name, const void *text,
                              size_t len, const char **input)
{
    const char *in = afmt_test_tmp(f, "%s", name);
    assert_int_equal(afmt_test_write_file(in, text, len), 0);
    char bundle[300];
    snprintf(bundle, sizeof bundle, "%s.afmt", name);
    if (input != NULL)
        *input = in;
    return pack_open(f, bundle, in);
}

static void assert_hex_field(const char *label, uint64_t num, const char *got, size_t got_len,
                             json_t *want)
{
    if (want == NULL || json_is_null(want)) {
        if (got != NULL)
            fail_msg("entry %llu: %s \"%.*s\" is present, Python has none",
                     (unsigned long long)num, label, (int)got_len, got);
        return;
    }
    if (got == NULL)
        fail_msg("entry %llu: %s missing, Python has %s", (unsigned long long)num, label,
                 json_string_value(want));
    char *hex = malloc(2 * got_len + 1);
    assert_non_null(hex);
    afmt_test_hex(hex, got, got_len);
    if (strcmp(hex, json_string_value(want)) != 0)
        fail_msg("entry %llu: %s \"%.*s\" (%s), Python has %s", (unsigned long long)num, label,
                 (int)got_len, got, hex, json_string_value(want));
    free(hex);
}

static json_t *python_figures(afmt_test_fixture *f, const char *mbox)
{
    afmt_test_need(mbox);
    return afmt_test_python_json(f, PY_FIGURES, "TZ=UTC", mbox);
}

/* An unfolded header value is what a field holds when it has no encoded
 * word: then author and title must equal it byte for byte. */
static int has_encoded_word(json_t *hexval)
{
    const char *h = json_string_value(hexval);
    return h != NULL && strstr(h, "3d3f") != NULL; /* "=?" */
}

typedef struct file_figures {
    size_t posts, linked, with_parent, dated, dup_ids;
} file_figures;

/* Compares the posts [first, first + n) with Python's figures. */
static file_figures assert_posts_match(afmt_reader *r, uint64_t first, json_t *py)
{
    file_figures ff = {0};
    ff.posts = json_array_size(py);
    for (size_t i = 0; i < ff.posts; i++) {
        json_t *o = json_array_get(py, i);
        uint64_t num = first + i;
        afmt_entry e = afmt_test_entry(r, num);
        assert_int_equal(e.type, AFMT_ENTRY_POST);
        assert_int_equal(e.media_type_len, 14);
        assert_memory_equal(e.media_type, "message/rfc822", 14);
        assert_hex_field("id", num, e.id, e.id_len, json_object_get(o, "id"));
        assert_hex_field("parent", num, e.parent, e.parent_len, json_object_get(o, "parent"));
        json_t *c = json_object_get(o, "created");
        if (json_is_integer(c)) {
            if (!e.has_created || e.created != json_integer_value(c))
                fail_msg("entry %llu: created %lld (has %d), Python %lld",
                         (unsigned long long)num, (long long)e.created, e.has_created,
                         (long long)json_integer_value(c));
            ff.dated++;
        } else if (e.has_created) {
            fail_msg("entry %llu: created %lld, Python has none", (unsigned long long)num,
                     (long long)e.created);
        }
        json_t *subj = json_object_get(o, "subject"), *from = json_object_get(o, "from");
        if (json_is_null(subj))
            assert_null(e.title);
        else if (!has_encoded_word(subj))
            assert_hex_field("title", num, e.title, e.title_len, subj);
        if (json_is_null(from))
            assert_null(e.author);
        else if (!has_encoded_word(from))
            assert_hex_field("author", num, e.author, e.author_len, from);
        char hex[2 * AFMT_HASH_BYTES + 1];
        afmt_hash_to_hex(hex, e.hash);
        if (strcmp(hex, json_string_value(json_object_get(o, "hash"))) != 0)
            fail_msg("entry %llu: content differs from Python's message %zu",
                     (unsigned long long)num, i + 1);
        assert_int_equal(e.size, json_integer_value(json_object_get(o, "size")));
        if (e.parent != NULL) {
            ff.with_parent++;
            uint64_t pn;
            if (afmt_reader_find_post(&pn, r, e.parent, e.parent_len) == AFMT_OK)
                ff.linked++;
        }
        if (memchr(e.id, '#', e.id_len) != NULL)
            ff.dup_ids++;
    }
    /* Replies to a message of the same file, as Python's figures have it. */
    json_t *ids = json_object();
    for (size_t i = 0; i < ff.posts; i++)
        json_object_set_new(ids, json_string_value(json_object_get(json_array_get(py, i), "id")),
                            json_true());
    size_t py_linked = 0;
    for (size_t i = 0; i < ff.posts; i++) {
        json_t *par = json_object_get(json_array_get(py, i), "parent");
        py_linked += json_is_string(par) && json_object_get(ids, json_string_value(par)) != NULL;
    }
    json_decref(ids);
    assert_int_equal(ff.linked, py_linked);
    return ff;
}

/* Packs one mbox into dir/bundle and opens the verified bundle, with
 * Python's figures for the file in *py; its posts are checked against
 * them (the counts go to *ff when it is not NULL). */
static afmt_reader *pack_checked(afmt_test_fixture *f, const char *bundle, const char *in,
                                 afmt_import_stats *st, json_t **py, file_figures *ff)
{
    *py = python_figures(f, in);
    afmt_reader *r = afmt_test_open_verified(pack_one(f, bundle, in, st));
    file_figures got = assert_posts_match(r, 0, *py);
    if (ff != NULL)
        *ff = got;
    return r;
}

static void assert_field(const char *got, size_t got_len, const char *want)
{
    if (!afmt_test_field_is(got, got_len, want))
        fail_msg("field is \"%.*s\", want \"%s\"", got ? (int)got_len : 6,
                 got ? got : "(none)", want);
}

/* ---- the corpus: every file, against Python ---- */

static void test_corpus_every_file(void **state)
{
    afmt_test_fixture *f = *state;
    size_t total = 0;
    for (size_t i = 0; i < NFILES; i++) {
        const char *in = CORPUS_FILES[i];
        afmt_import_stats st = {0};
        const char *bundle = pack_one(f, "c.afmt", in, &st);
        json_t *py = python_figures(f, in);
        afmt_reader *r = afmt_test_open_verified(bundle);
        size_t n = json_array_size(py);
        assert_int_equal(st.posts, n);
        assert_int_equal(st.bytes_in, afmt_test_file_size(in));
        assert_int_equal(afmt_reader_entry_count(r), n + 1);
        file_figures ff = assert_posts_match(r, 0, py);
        afmt_test_check_file(r, n, in);
        print_message("%-32s %5zu posts, %4zu with a parent (%4zu in the file), %5zu dated, "
                      "%3zu ids with a #; %8llu bytes -> bundle %8llu\n",
                      afmt_test_base(in), n, ff.with_parent, ff.linked, ff.dated, ff.dup_ids,
                      (unsigned long long)afmt_test_file_size(in),
                      (unsigned long long)afmt_test_file_size(bundle));
        total += n;
        afmt_reader_free(r);
        json_decref(py);
        unlink(bundle);
    }
    /* The corpus README counts 2,500 + 210 + 20; the nine small files hold
     * 21 messages by Python's count too. */
    assert_int_equal(total, 2500 + 210 + 21);

    /* All of them in one bundle: ids stay unique across files too. */
    afmt_import_stats st = {0};
    const char *bundle = pack_many(f, "all.afmt", CORPUS_FILES, NFILES, &st);
    assert_int_equal(st.posts, total);
    afmt_reader *r = afmt_test_open_verified(bundle);
    assert_int_equal(afmt_reader_entry_count(r), total + NFILES);
    uint64_t next = 0;
    for (size_t i = 0; i < NFILES; i++) {
        while (afmt_test_entry(r, next++).type != AFMT_ENTRY_FILE)
            ;
        afmt_test_check_file(r, next - 1, CORPUS_FILES[i]);
    }
    afmt_reader_free(r);
}

/* ---- hard cases of the corpus README ---- */

/* Raw 8-bit, non-UTF-8 bytes (ISO-8859-1, windows-1252, GB2312) in headers
 * and bodies are kept byte for byte; a raw header byte stays raw in the
 * author field. */
static void test_raw_8bit_bytes(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = PERCEVAL "/mbox_unknown_encoding.mbox";
    afmt_reader *r = pack_open(f, "8bit.afmt", in);
    afmt_entry e = afmt_test_entry(r, 0);
    /* From: "\xc3\x94\xc2\xac\xc2\xb4\xc3\x8f" <...>: a GB2312 name that some
     * gateway took for Latin-1 and re-encoded, unlabelled: kept as written */
    static const char want_author[] =
        "\"\xc3\x94\xc2\xac\xc2\xb4\xc3\x8f\" <yuancong@example.com>";
    assert_field(e.author, e.author_len, want_author);
    afmt_test_check_file(r, 1, in);
    afmt_reader_free(r);

    in = MBOX_DIR "/spamassassin_easy_ham_1.mbox";
    json_t *py = python_figures(f, in);
    r = pack_open(f, "sa.afmt", in);
    size_t eightbit = 0, invalid_utf8 = 0;
    for (size_t i = 0; i < json_array_size(py); i++) {
        if (!json_is_true(json_object_get(json_array_get(py, i), "eightbit")))
            continue;
        eightbit++;
        size_t len;
        char *c = afmt_test_content(r, i, &len);
        char hex[2 * AFMT_HASH_BYTES + 1];
        afmt_entry pe = afmt_test_entry(r, i);
        afmt_hash_to_hex(hex, pe.hash);
        assert_string_equal(hex, json_string_value(json_object_get(json_array_get(py, i), "hash")));
        /* Python says whether it is UTF-8: kept byte for byte either way */
        int bad = !json_is_true(json_object_get(json_array_get(py, i), "utf8"));
        assert_int_equal(len, (size_t)json_integer_value(
                                  json_object_get(json_array_get(py, i), "size")));
        invalid_utf8 += bad;
        free(c);
    }
    assert_true(eightbit > 0);
    assert_true(invalid_utf8 > 0);
    /* Subjects with a raw Latin-1 pound sign (0xA3): the title keeps it. */
    size_t raw_titles = 0;
    for (size_t i = 0; i < json_array_size(py); i++) {
        afmt_entry pe = afmt_test_entry(r, i);
        if (pe.title == NULL || memchr(pe.title, 0xA3, pe.title_len) == NULL)
            continue;
        assert_non_null(memmem(pe.title, pe.title_len, " \xa3", 2));
        assert_hex_field("title", i, pe.title, pe.title_len,
                         json_object_get(json_array_get(py, i), "subject"));
        raw_titles++;
    }
    assert_int_equal(raw_titles, 6);
    print_message("spamassassin: %zu messages with 8-bit bytes, %zu of them not UTF-8, kept "
                  "verbatim\n", eightbit, invalid_utf8);
    afmt_test_check_file(r, json_array_size(py), in);
    afmt_reader_free(r);
    json_decref(py);
}

/* A raw Latin-1 byte inside the From_ line: the From_ line is the file's,
 * not the post's, and comes back byte for byte. */
static void test_latin1_byte_in_from_line(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = PERCEVAL "/mbox_iso8859_encoding.mbox";
    size_t flen;
    uint8_t *file = afmt_test_read_file(in, &flen);
    assert_non_null(file);
    const uint8_t *nl = memchr(file, '\n', flen);
    assert_non_null(nl);
    assert_non_null(memchr(file, 0xED, (size_t)(nl - file))); /* the Latin-1 byte */
    afmt_reader *r = pack_open(f, "latin1.afmt", in);
    assert_int_equal(afmt_reader_entry_count(r), 2);
    size_t len;
    char *c = afmt_test_content(r, 0, &len);
    size_t from_line = (size_t)(nl - file) + 1;
    /* The post is the message after the From_ line, to the end of the
     * file less the final blank line. */
    assert_int_equal(len, flen - from_line - 1);
    assert_memory_equal(c, file + from_line, len);
    assert_memory_equal(c, "From: luc\xed" "acharlie at wellsfargo.com", 35);
    afmt_entry e = afmt_test_entry(r, 0);
    /* =?UTF-8?Q?Luc=eda_Charlie?= holds a Latin-1 byte, not UTF-8: kept raw */
    assert_field(e.author, e.author_len,
                 "luc\xed" "acharlie at wellsfargo.com (=?UTF-8?Q?Luc=eda_Charlie?=)");
    assert_field(e.title, e.title_len, "[ovs-dev] Remittance Advice");
    assert_field(e.id, e.id_len, "4fce8064d819e07fd80267aaecaf30ef@www.platvoet.de");
    afmt_test_check_file(r, 1, in);
    free(c);
    free(file);
    afmt_reader_free(r);

    /* Same in the other perceval file whose From_ line holds UTF-8 quotes. */
    in = PERCEVAL "/mbox_unixfrom_encoding.mbox";
    r = pack_open(f, "unixfrom.afmt", in);
    assert_int_equal(afmt_reader_entry_count(r), 2);
    afmt_test_check_file(r, 1, in);
    afmt_reader_free(r);
}

/* Duplicate Message-IDs (cross-posting): every copy is a post of its own;
 * the second gets "<msgid>#2".  Replies still point at the bare id. */
static void test_duplicate_message_ids(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = MBOX_DIR "/notmuch_corpus_lkml.mbox";
    json_t *py;
    afmt_import_stats st = {0};
    file_figures ff;
    afmt_reader *r = pack_checked(f, "dup.afmt", in, &st, &py, &ff);
    assert_int_equal(st.posts, 210);
    assert_int_equal(ff.dup_ids, 34); /* 34 ids appear twice in this file */
    /* A "#2" post and its first copy: same Message-ID, each its own bytes. */
    size_t checked = 0;
    for (uint64_t i = 0; i < 210; i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.id_len < 2 || memcmp(e.id + e.id_len - 2, "#2", 2) != 0)
            continue;
        uint64_t first;
        assert_int_equal(afmt_reader_find_post(&first, r, e.id, e.id_len - 2), AFMT_OK);
        assert_true(first < i);
        size_t l1, l2;
        char *a = afmt_test_content(r, first, &l1), *b = afmt_test_content(r, i, &l2);
        assert_non_null(memmem(a, l1, e.id, e.id_len - 2));
        assert_non_null(memmem(b, l2, e.id, e.id_len - 2));
        free(a);
        free(b);
        checked++;
    }
    assert_int_equal(checked, 34);
    afmt_test_check_file(r, 210, in);
    afmt_reader_free(r);
    json_decref(py);
}

/* Long References chains: with no In-Reply-To the parent is the last id of
 * References, however long and however folded. */
static void test_long_references_chains(void **state)
{
    afmt_test_fixture *f = *state;
    size_t longest = 0, refs_only = 0;
    for (size_t k = 0; k < 2; k++) {
        const char *in = CORPUS_FILES[k];
        json_t *py;
        afmt_reader *r = pack_checked(f, "refs.afmt", in, NULL, &py, NULL); /* parents too */
        for (size_t i = 0; i < json_array_size(py); i++) {
            json_t *o = json_array_get(py, i);
            size_t nrefs = (size_t)json_integer_value(json_object_get(o, "refs"));
            if (nrefs > longest)
                longest = nrefs;
            if (nrefs > 0 && json_integer_value(json_object_get(o, "irt")) == 0)
                refs_only++;
        }
        afmt_reader_free(r);
        json_decref(py);
    }
    assert_true(longest >= 10);
    print_message("longest References chain: %zu ids; %zu messages threaded by References "
                  "alone\n", longest, refs_only);

    /* A synthetic chain of 300 ids folded over 300 lines, no In-Reply-To. */
    size_t cap = 64 * 1024, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)sprintf(t + n, "From a@b Mon Jan  1 00:00:00 2001\nMessage-ID: <leaf@x>\n"
                                "References:");
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(t + n, "%s<r%d@x>\n", i ? "\t" : " ", i);
    n += (size_t)sprintf(t + n, "Subject: deep\n\nbody\n");
    afmt_reader *r = pack_text(f, "chain.mbox", t, n, NULL);
    afmt_entry e = afmt_test_entry(r, 0);
    assert_field(e.parent, e.parent_len, "r299@x");
    assert_field(e.title, e.title_len, "deep");
    afmt_reader_free(r);
    free(t);
}

/* No Date, an empty Date and an invalid Date: no created, nothing lost. */
static void test_no_date(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = PERCEVAL "/mbox_no_fields.mbox";
    json_t *py;
    afmt_reader *r = pack_checked(f, "nodate.afmt", in, NULL, &py, NULL);
    assert_int_equal(afmt_reader_entry_count(r), 7);
    /* Wed, 01 Dec 2010 14:26:40 +0100 */
    afmt_entry e = afmt_test_entry(r, 0);
    assert_true(e.has_created);
    assert_int_equal(e.created, 1291210000);
    /* messages 3, 5 and 6 (repeats of message 1's id come last: entries 4
     * and 5; message 6 is entry 2) */
    assert_false(afmt_test_entry(r, 4).has_created); /* no Date header */
    assert_false(afmt_test_entry(r, 5).has_created); /* "Date:  " */
    assert_false(afmt_test_entry(r, 2).has_created); /* "RANDOM_Wed, 21 Sep 2016 ..." */
    size_t len;
    char *c = afmt_test_content(r, 4, &len);
    assert_null(memmem(c, len, "Date:", 5));
    free(c);
    afmt_test_check_file(r, 6, in);
    afmt_reader_free(r);
    json_decref(py);
}

/* Message-ID, Message-Id, Message-id: the header name in any case. */
static void test_message_id_header_case(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = PERCEVAL "/mbox_no_fields.mbox";
    json_t *py;
    afmt_reader *r = pack_checked(f, "case.afmt", in, NULL, &py, NULL);
    size_t kinds = 0;
    const char *seen[3] = {0};
    for (size_t i = 0; i < json_array_size(py); i++) {
        json_t *names = json_object_get(json_array_get(py, i), "mid_header");
        for (size_t k = 0; k < json_array_size(names); k++) {
            const char *nm = json_string_value(json_array_get(names, k));
            int known = 0;
            for (size_t j = 0; j < kinds; j++)
                known |= strcmp(seen[j], nm) == 0;
            if (!known && kinds < 3)
                seen[kinds++] = nm;
        }
    }
    assert_int_equal(kinds, 3);
    /* Messages 1 to 6 of the file; the repeats of message 1's id (2, 3
     * and 5) come last, once every id of the file is known (issue 12,
     * item 8): entries 0, 3, 4, 1, 5, 2. */
    afmt_entry e = afmt_test_entry(r, 0); /* Message-id */
    assert_field(e.id, e.id_len, "4CF64D10.9020206@domain.com");
    e = afmt_test_entry(r, 3); /* Message-ID, the same id again */
    assert_field(e.id, e.id_len, "4CF64D10.9020206@domain.com#2");
    e = afmt_test_entry(r, 4);
    assert_field(e.id, e.id_len, "4CF64D10.9020206@domain.com#3");
    e = afmt_test_entry(r, 1); /* "Message-Id:" with no value */
    assert_field(e.id, e.id_len, "mbox:4");
    e = afmt_test_entry(r, 5); /* Message-Id */
    assert_field(e.id, e.id_len, "4CF64D10.9020206@domain.com#4");
    e = afmt_test_entry(r, 2);
    assert_field(e.id, e.id_len, "0000be042b7b@domain.com");
    /* RFC 2047 in a comment of From: decoded for display */
    e = afmt_test_entry(r, 0);
    assert_field(e.author, e.author_len, "goran at domain.com (G\xc3\xb6ran Lastname)");
    afmt_reader_free(r);
    json_decref(py);
}

/* pipermail archives: "From user at host  date" From_ lines and
 * "user at host (Name)" From headers. */
static void test_pipermail_user_at_host(void **state)
{
    afmt_test_fixture *f = *state;
    static const struct {
        const char *file;
        size_t posts;
    } files[] = {{PERCEVAL "/pipermail_2015_november.mbox", 4},
                 {PERCEVAL "/pipermail_2016_april.mbox", 3},
                 {PERCEVAL "/pipermail_2016_march.mbox", 1}};
    for (size_t k = 0; k < 3; k++) {
        json_t *py;
        file_figures ff;
        afmt_reader *r = pack_checked(f, "pm.afmt", files[k].file, NULL, &py, &ff);
        assert_int_equal(json_array_size(py), files[k].posts);
        assert_int_equal(afmt_reader_entry_count(r), files[k].posts + 1);
        if (k == 0)
            assert_int_equal(ff.with_parent, 3);
        for (size_t i = 0; i < files[k].posts; i++) {
            afmt_entry e = afmt_test_entry(r, i);
            assert_non_null(e.author);
            assert_non_null(memmem(e.author, e.author_len, " at ", 4));
        }
        afmt_test_check_file(r, files[k].posts, files[k].file);
        afmt_reader_free(r);
        json_decref(py);
    }
    afmt_reader *r = pack_open(f, "pm3.afmt", PERCEVAL "/pipermail_2016_march.mbox");
    afmt_entry e = afmt_test_entry(r, 0);
    assert_field(e.author, e.author_len, "gpoo at example.com (Germ\xc3\xa1n Poo-Caama\xc3\xb1o)");
    afmt_reader_free(r);
}

/* multipart, quoted-printable and base64 bodies are kept as they are: the
 * post is the message's exact bytes, nothing is decoded. */
static void test_multipart_qp_base64_verbatim(void **state)
{
    afmt_test_fixture *f = *state;
    const char *in = PERCEVAL "/mbox_multipart.mbox";
    json_t *py;
    afmt_reader *r = pack_checked(f, "mp.afmt", in, NULL, &py, NULL);
    assert_int_equal(afmt_reader_entry_count(r), 3);
    size_t flen;
    uint8_t *file = afmt_test_read_file(in, &flen);
    int saw_b64 = 0, saw_qp = 0, saw_multi = 0;
    for (uint64_t i = 0; i < 2; i++) {
        size_t len;
        char *c = afmt_test_content(r, i, &len);
        assert_non_null(memmem(file, flen, c, len)); /* a verbatim slice */
        saw_multi |= memmem(c, len, "multipart/", 10) != NULL;
        saw_qp |= memmem(c, len, "quoted-printable", 16) != NULL;
        free(c);
    }
    assert_true(saw_multi && saw_qp);
    afmt_test_check_file(r, 2, in);
    free(file);
    afmt_reader_free(r);
    json_decref(py);

    /* base64 parts: in the SpamAssassin list archive */
    in = MBOX_DIR "/spamassassin_easy_ham_1.mbox";
    file = afmt_test_read_file(in, &flen);
    assert_non_null(file);
    r = pack_open(f, "b64.afmt", in);
    uint64_t nposts = afmt_reader_entry_count(r) - 1;
    for (uint64_t i = 0; i < nposts; i++) {
        size_t len;
        char *c = afmt_test_content(r, i, &len);
        if (memmem(c, len, "ransfer-Encoding: base64", 24) != NULL ||
            memmem(c, len, "ransfer-Encoding: BASE64", 24) != NULL) {
            saw_b64++;
            assert_non_null(memmem(file, flen, c, len));
        }
        free(c);
    }
    assert_true(saw_b64 > 0);
    print_message("multipart and quoted-printable (mbox_multipart), %d messages with base64 "
                  "parts (spamassassin): verbatim slices of their files\n", saw_b64);
    free(file);
    afmt_reader_free(r);

    /* complex: quoted-printable and RFC 2047 in From */
    in = PERCEVAL "/mbox_complex.mbox";
    r = pack_checked(f, "cx.afmt", in, NULL, &py, NULL);
    afmt_entry e = afmt_test_entry(r, 1);
    assert_field(e.author, e.author_len, "danilo@gnome.org (Danilo \xc5\xa0" "egan)");
    afmt_test_check_file(r, 2, in);
    afmt_reader_free(r);
    json_decref(py);
}

/* ---- the cutting rules on synthetic archives ---- */

static void test_cutting_rules(void **state)
{
    afmt_test_fixture *f = *state;
    /* preamble, >From quoting, a "From " body line after a blank line with
     * no time (not a separator), no blank line at the very end, no final
     * newline */
    static const char t[] =
        "junk before the first message\n"
        "\n"
        "From alice@example.org Mon Jan  1 00:00:00 2001\n"
        "Message-ID: <one@x>\n"
        "Subject: =?utf-8?B?w6k=?= =?utf-8?B?w6k=?= plain =?x-unknown?q?raw?=\n"
        "\n"
        ">From the quoted line\n"
        "\n"
        "From here on it is still the body\n"
        "\n"
        "\n"
        "From bob@example.org Mon Jan  1 00:01:00 2001\n"
        "message-id: <two@x>\n"
        "in-reply-to: <one@x> (alice's message)\n"
        "DATE: 1 Jan 01 00:01 EST\n"
        "\n"
        "last line without a newline";
    const char *in = NULL;
    afmt_reader *r = pack_text(f, "cut.mbox", t, strlen(t), &in);
    assert_int_equal(afmt_reader_entry_count(r), 3);
    size_t len;
    char *c = afmt_test_content(r, 0, &len);
    const char *m1 = strstr(t, "Message-ID: <one@x>");
    const char *end1 = strstr(t, "\nFrom bob"); /* keeps the first of the two blank lines */
    assert_int_equal(len, (size_t)(end1 - m1));
    assert_memory_equal(c, m1, len);
    free(c);
    afmt_entry e = afmt_test_entry(r, 0);
    assert_field(e.title, e.title_len, "\xc3\xa9\xc3\xa9 plain =?x-unknown?q?raw?=");
    e = afmt_test_entry(r, 1);
    assert_field(e.id, e.id_len, "two@x");
    assert_field(e.parent, e.parent_len, "one@x");
    assert_true(e.has_created);
    assert_int_equal(e.created, 978307200 + 60 + 5 * 3600);
    c = afmt_test_content(r, 1, &len);
    assert_int_equal(len, strlen(strstr(t, "message-id: <two@x>")));
    free(c);
    afmt_test_check_file(r, 2, in);
    afmt_reader_free(r);

    /* CRLF line ends, and a message with no headers at all */
    static const char crlf[] =
        "From a@b Tue Feb  2 10:00:00 2010\r\n"
        "Message-ID: <c1@x>\r\n"
        "Subject: folded\r\n"
        " subject\r\n"
        "\r\n"
        "body\r\n"
        "\r\n"
        "From a@b Tue Feb  2 10:00:01 2010\r\n"
        "\r\n"
        "headerless\r\n";
    r = pack_text(f, "crlf.mbox", crlf, strlen(crlf), &in);
    assert_int_equal(afmt_reader_entry_count(r), 3);
    e = afmt_test_entry(r, 0);
    assert_field(e.title, e.title_len, "folded subject");
    c = afmt_test_content(r, 0, &len);
    assert_int_equal(len, strlen("Message-ID: <c1@x>\r\nSubject: folded\r\n subject\r\n\r\n"
                                 "body\r\n"));
    free(c);
    e = afmt_test_entry(r, 1);
    assert_field(e.id, e.id_len, "mbox:2");
    assert_null(e.author);
    assert_null(e.title);
    afmt_test_check_file(r, 2, in);
    afmt_reader_free(r);

    /* An empty file, or blank lines: no post, same bytes. */
    r = pack_text(f, "empty.mbox", "", 0, &in);
    assert_int_equal(afmt_reader_entry_count(r), 1);
    afmt_test_check_file(r, 0, in);
    afmt_reader_free(r);
    r = pack_text(f, "blank.mbox", "\n\r\n\n", 4, &in);
    assert_int_equal(afmt_reader_entry_count(r), 1);
    afmt_test_check_file(r, 0, in);
    afmt_reader_free(r);
    /* Text with no From_ line is not an mbox (issue 19: a JSON file given
     * --format mbox was packed as a file without posts). */
    in = afmt_test_tmp(f, "nofrom.mbox");
    assert_int_equal(afmt_test_write_file(in, "just text\n", 10), 0);
    char err[512] = "";
    assert_int_equal(afmt_test_import(f->sk, afmt_test_tmp(f, "nofrom.afmt"), AFMT_SOURCE_MBOX,
                                      1, &in, NULL, NULL, err, sizeof err),
                     AFMT_E_FORMAT);
    assert_non_null(strstr(err, "not an mbox: no message"));
}

/* Arbitrary bytes with From_ lines, blank lines, CRs and headers mixed in:
 * whatever the cut, the file comes back byte for byte and verifies. */
static void test_arbitrary_bytes_round_trip(void **state)
{
    afmt_test_fixture *f = *state;
#define PIECE(x) {x, sizeof x - 1}
    static const struct {
        const char *p;
        size_t len;
    } pieces[] = {
        PIECE("From a@b Mon Jan  1 00:00:00 2001\n"), PIECE("\n"), PIECE("\r\n"),
        PIECE("Message-ID: <x@y>\n"), PIECE("In-Reply-To: <x@y>\n"),
        PIECE("Subject: =?utf-8?q?=C3=A9?=\n"), PIECE("Date: 1 Jan 2001 00:00 Z\n"),
        PIECE("From here\n"), PIECE(" folded\n"), PIECE(">From a\n"), PIECE("From "),
        PIECE("\xff\xfe\x00\n"), PIECE("body"), PIECE("From 1:23\n"),
        PIECE("Message-Id: <x@y> <z@y>\n"), PIECE("References: <r@y>\n")};
#undef PIECE
    uint32_t seed = 12345;
    for (int round = 0; round < 40; round++) {
        size_t cap = 64 * 1024, n = 0;
        uint8_t *t = malloc(cap);
        assert_non_null(t);
        int count = 1 + round * 10;
        for (int i = 0; i < count; i++) {
            if (i == count / 2) {
                /* at least one message: text alone is no mbox (issue 19) */
                static const char from[] = "\n\nFrom a@b Mon Jan  1 00:00:00 2001\n";
                memcpy(t + n, from, sizeof from - 1);
                n += sizeof from - 1;
            }
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            if (r % 5 == 0) {
                t[n++] = (uint8_t)(r >> 8); /* one random byte */
                continue;
            }
            size_t k = r % (sizeof pieces / sizeof pieces[0]);
            memcpy(t + n, pieces[k].p, pieces[k].len);
            n += pieces[k].len;
        }
        char name[32];
        snprintf(name, sizeof name, "arb%d.mbox", round);
        const char *in = NULL;
        afmt_reader *r = pack_text(f, name, t, n, &in);
        uint64_t entries = afmt_reader_entry_count(r);
        afmt_test_check_file(r, entries - 1, in);
        afmt_reader_free(r);
        free(t);
    }
}

/* ---- RFC 2047 and RFC 5322 dates on their own ---- */

static void expect_2047(const char *in, const char *want)
{
    afmt_buf b = {0};
    assert_int_equal(afmt_rfc2047_decode(&b, (const uint8_t *)in, strlen(in)), AFMT_OK);
    if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
        fail_msg("decode(\"%s\") = \"%.*s\", want \"%s\"", in, (int)b.len, (const char *)b.data,
                 want);
    afmt_buf_free(&b);
}

static void test_rfc2047(void **state)
{
    (void)state;
    expect_2047("plain", "plain");
    expect_2047("=?ISO-8859-1?Q?G=F6ran_Lastname?=", "G\xc3\xb6ran Lastname");
    expect_2047("David H=?ISO-8859-1?B?9g==?=hn <dh@uptime.at>", "David H\xc3\xb6hn <dh@uptime.at>");
    expect_2047("=?utf-8?q?a?= =?utf-8?q?b?=", "ab");           /* whitespace between dropped */
    expect_2047("=?utf-8?q?a?=  x  =?utf-8?q?b?=", "a  x  b");  /* not between words: kept */
    expect_2047("=?UTF-8?B?w6k=?=", "\xc3\xa9");
    expect_2047("=?UTF-8?B?w6k?=", "\xc3\xa9");                 /* no padding */
    expect_2047("=?utf-8?B?8J+Y?= =?utf-8?B?gA==?=", "\xf0\x9f\x98\x80"); /* split char */
    expect_2047("=?utf-8*en?q?hi?=", "hi");                     /* RFC 2231 language */
    expect_2047("=?windows-1252?q?=93q=94?=", "\xe2\x80\x9cq\xe2\x80\x9d");
    expect_2047("=?gb2312?B?xOO6ww==?=", "\xe4\xbd\xa0\xe5\xa5\xbd");
    expect_2047("=?x-nonesuch?q?a?=", "=?x-nonesuch?q?a?=");     /* unknown charset: raw */
    expect_2047("=?utf-8?q?bad=ZZ?=", "=?utf-8?q?bad=ZZ?=");     /* malformed Q: raw */
    expect_2047("=?utf-8?q?\xff?=", "=?utf-8?q?\xff?=");         /* invalid UTF-8: raw */
    expect_2047("=?UTF-8?Q?Luc=eda?=", "=?UTF-8?Q?Luc=eda?=");  /* Latin-1 labelled UTF-8 */
    expect_2047("raw \xe9 byte =?utf-8?q?=C3=A9?=", "raw \xe9 byte \xc3\xa9");
    expect_2047("=?utf-8?q?not closed", "=?utf-8?q?not closed");
    expect_2047("=??q?x?=", "=??q?x?=");
    /* issue 19: labels glibc's iconv does not know, mapped before decoding */
    expect_2047("=?ks_c_5601-1987?B?vsiz58fPvLy/5A==?=",
                "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94");
    expect_2047("=?KS_C_5601-1987?b?vsiz58fPvLy/5A==?=",
                "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94");
    expect_2047("=?x-gbk?B?xOO6ww==?=", "\xe4\xbd\xa0\xe5\xa5\xbd");
    expect_2047("=?x-x-big5?B?p0Gmbg==?=", "\xe4\xbd\xa0\xe5\xa5\xbd");
    expect_2047("=?x-mac-roman?B?jg==?=", "\xc3\xa9");
    expect_2047("=?iso-8859-8-i?B?+ezl7Q==?=", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
    assert_string_equal(afmt_charset_iconv_name("KS_C_5601-1987"), "CP949");
    assert_string_equal(afmt_charset_iconv_name("utf-8"), "utf-8"); /* not an alias */
}

static void expect_date(const char *s, int ok, int64_t want)
{
    int64_t t = 0;
    int got = afmt_rfc5322_date((const uint8_t *)s, strlen(s), &t);
    if (got != ok || (ok && t != want))
        fail_msg("date \"%s\": %d %lld, want %d %lld", s, got, (long long)t, ok,
                 (long long)want);
}

static void test_rfc5322_dates(void **state)
{
    (void)state;
    assert_int_equal(afmt_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(afmt_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(afmt_days_from_civil(1, 1, 1), -719162);
    expect_date("Wed, 01 Dec 2010 14:26:40 +0100", 1, 1291210000);
    expect_date("01 Dec 2010 14:26:40 +0100", 1, 1291210000);
    expect_date("wed,  1 dec 2010 13:26:40 GMT", 1, 1291210000);
    expect_date("Wed, 1 Dec 2010 08:26:40 EST", 1, 1291210000);
    expect_date("Wed, 1 Dec 2010 05:26:40 PDT", 1, 1291210000 - 3600);
    expect_date("Wed, 1 Dec 2010 13:26:40 -0000 (unknown)", 1, 1291210000);
    expect_date("Wed (comment (nested)), 1 Dec 2010 13:26:40 +0000", 1, 1291210000);
    expect_date("Wed, 1 Dec 2010 13:26 +0000", 1, 1291209960);
    expect_date("Wed, 1 Dec 10 13:26:40 +0000", 1, 1291210000);
    expect_date("Fri, 1 Dec 99 00:00:00 +0000", 1, 944006400);
    expect_date("1 Dec 2010 13:26:40", 1, 1291210000);   /* no zone: -0000 */
    expect_date("1 Dec 2010 13:26:40 Q", 1, 1291210000); /* military: -0000 */
    expect_date("31 Dec 1998 23:59:60 +0000", 1, 915148800); /* leap second */
    expect_date("29 Feb 2000 00:00:00 +0000", 1, 951782400);
    expect_date("", 0, 0);
    expect_date("  ", 0, 0);
    expect_date("RANDOM_Wed, 21 Sep 2016 22:42:07 +0300", 0, 0);
    expect_date("Wed 21 Sep 2016 22:42:07 +0300", 0, 0);
    expect_date("29 Feb 2001 00:00:00 +0000", 0, 0);
    expect_date("31 Apr 2001 00:00:00 +0000", 0, 0);
    expect_date("1 Jan 2001 24:00:00 +0000", 0, 0);
    expect_date("1 Jan 2001 00:60:00 +0000", 0, 0);
    expect_date("1 Jan 2001 00:00:00 +00600", 0, 0);
    expect_date("1 Jan 2001 00:00:00 +000", 0, 0);
    expect_date("1 Foo 2001 00:00:00 +0000", 0, 0);
    expect_date("1 Jan 2001 00:00:00 +0000 junk", 0, 0);
    expect_date("1 Jan 2001 00:00:00 XYZ", 0, 0);
    expect_date("1 Jan 2001 00:00:00 (unterminated", 0, 0);
    expect_date("2016-09-21T22:42:07+03:00", 0, 0);
    expect_date("1 Jan 10000 00:00:00 +0000", 0, 0);

    /* issue 19: dates real mail carries, which Python's email.utils reads */
    expect_date("Thu, 5 Jun 2003 16:54:6 -0500", 1, 1054850046);     /* one-digit second */
    expect_date("Thu, 5 Jun 2003 4:54:06 PM -0500", 1, 1054850046);  /* AM/PM */
    expect_date("Thu, 5 Jun 2003 4:54:06 pm -0500", 1, 1054850046);
    expect_date("Thu, 5 Jun 2003 12:10:00 AM +0000", 1, 1054771800); /* 12 AM: midnight */
    expect_date("Thu, 5 Jun 2003 12:10:00 PM +0000", 1, 1054771800 + 12 * 3600);
    expect_date("Thu, 5 Jun 2003 13:10:00 PM +0000", 0, 0);          /* not a 12-hour time */
    expect_date("Thu, 5 Jun 2003 10:00:00 0530", 1, 1054787400);     /* sign left out */
    expect_date("Thu, 5 Jun 2003 10:00:00 +-0500", 1, 1054825200);   /* a sign too many */
    expect_date("Thu, 5 Jun 2003 10:00:00 Eastern Daylight Time", 1, 1054821600);
    expect_date("Thu, 5 Jun 2003 10:00:00 eastern  daylight time", 1, 1054821600);
    expect_date("Thu, 5 Jun 2003 10:00:00 -0400 Eastern Daylight Time", 1, 1054821600);
    expect_date("Thu, 5 Jun 2003 10:00:00 -0400 EDT", 1, 1054821600);
    expect_date("Thu, 5 Jun 2003 10:00:00 Eastern Lunch Time", 0, 0);
    expect_date("Thu, 5 Jun 2003 10:00:00 -0060", 1, 1054810800);     /* hh*60+mm, as Python */
    expect_date("Thu, 5 Jun 2003 10:00:00 UTC", 1, 1054807200);
    expect_date("Fri, 1 Dec 0099 00:00:00 +0000", 1, 944006400);      /* zero-padded years */
    expect_date("Mon, 7 Jan 0102 00:00:00 +0000", 1, 1010361600);     /* year - 1900, padded */
    expect_date("Tue, 7 Jan 02003 00:00:00 +0000", 1, 1041897600);
    expect_date("Tue, 7 Jan 12003 00:00:00 +0000", 0, 0);
    expect_date("Tue, 7 Jan 2003 00:00:00 +0000 junk", 0, 0);
}

/* Through the public entry point, with detection from the content. */
static void test_public_api(void **state)
{
    afmt_test_public_import(*state, AFMT_SOURCE_MBOX, MBOX_DIR "/notmuch_corpus_lkml.mbox",
                            "lists/lkml.mbox", 210);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_rfc5322_dates),
        AFMT_TEST_WITH_FIXTURE(test_corpus_every_file),
        AFMT_TEST_WITH_FIXTURE(test_raw_8bit_bytes),
        AFMT_TEST_WITH_FIXTURE(test_latin1_byte_in_from_line),
        AFMT_TEST_WITH_FIXTURE(test_duplicate_message_ids),
        AFMT_TEST_WITH_FIXTURE(test_long_references_chains),
        AFMT_TEST_WITH_FIXTURE(test_no_date),
        AFMT_TEST_WITH_FIXTURE(test_message_id_header_case),
        AFMT_TEST_WITH_FIXTURE(test_pipermail_user_at_host),
        AFMT_TEST_WITH_FIXTURE(test_multipart_qp_base64_verbatim),
        AFMT_TEST_WITH_FIXTURE(test_cutting_rules),
        AFMT_TEST_WITH_FIXTURE(test_arbitrary_bytes_round_trip),
        AFMT_TEST_WITH_FIXTURE(test_public_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
