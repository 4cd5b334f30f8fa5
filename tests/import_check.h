/*
 * import_check.h - helpers for the importer tests (test_import_reddit.c,
 * test_import_hn.c): pack a file with afmt_import, open and verify the
 * bundle, dump its posts for tests/import_expect.py, and run that script.
 * Included by one test file each, which defines IC_FORMAT (its source
 * format) first; everything is static.  The tests run in one group with
 * ic_setup and ic_teardown around it.
 */
#ifndef AFMT_IMPORT_CHECK_H
#define AFMT_IMPORT_CHECK_H

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "afmt.h"
#include "afmt_import.h"
#include "test_support.h"

#define EXPECT_PY AFMT_SOURCE_ROOT "/tests/import_expect.py"

static afmt_test_fixture *ic_fx; /* the group's folder and key */
static int ic_quiet;              /* nonzero: ic_pack_and_check prints nothing */
static const char *ic_media_type = "application/json"; /* of every post packed */

static int ic_setup(void **state)
{
    afmt_test_setup(state);
    ic_fx = *state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    return 0;
}

static int ic_teardown(void **state)
{
    return afmt_test_teardown(state);
}

/* A path in the group's folder (the fixture's). */
#define ic_tmp(...) afmt_test_tmp(ic_fx, __VA_ARGS__)

/* Packs `input` alone into `bundle` with afmt_import; returns the import's
 * result (the bundle is finished only on success). */
static int ic_pack(const char *bundle, afmt_source_format fmt, const char *input,
                   afmt_import_stats *stats, char *err, size_t errsize)
{
    return afmt_test_import(ic_fx->sk, bundle, fmt, 1, &input, NULL, stats, err, errsize);
}

/* Packs `text`, written to <stem>.json first, into <stem>.afmt; returns the
 * import's result. */
static int ic_pack_text(afmt_source_format fmt, const char *stem, const char *text,
                        afmt_import_stats *stats, char *err, size_t errsize)
{
    const char *in = ic_tmp("%s.json", stem);
    afmt_test_write_text(in, text);
    return ic_pack(ic_tmp("%s.afmt", stem), fmt, in, stats, err, errsize);
}

/* Checks that the bundle has a file entry named after `input` that reads
 * back as the input byte for byte. */
static __attribute__((unused)) void ic_check_file_roundtrip_named(afmt_reader *r,
                                                                  const char *input)
{
    const char *base = afmt_test_base(input);
    int found = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_FILE || !afmt_test_field_is(e.id, e.id_len, base))
            continue;
        afmt_test_check_file(r, i, input);
        found++;
    }
    assert_int_equal(found, 1);
}

/* Checks that the bundle has exactly one file entry, named after `input`,
 * and that it reads back as the input byte for byte. */
static void ic_check_file_roundtrip(afmt_reader *r, const char *input)
{
    uint64_t n = afmt_reader_entry_count(r), files = 0;
    for (uint64_t i = 0; i < n; i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_FILE)
            continue;
        files++;
        assert_int_equal(i, n - 1); /* the file follows the posts it references */
        const char *base = afmt_test_base(input);
        assert_int_equal(e.id_len, strlen(base));
        assert_memory_equal(e.id, base, e.id_len);
        afmt_test_check_file(r, i, input);
    }
    assert_int_equal(files, 1);
}

static void ic_hex(FILE *f, const void *p, size_t n)
{
    if (p == NULL) {
        fputc('-', f);
        return;
    }
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

/* Writes one line per post (see tests/import_expect.py) to `dump`. */
static uint64_t ic_dump_posts(afmt_reader *r, const char *dump)
{
    FILE *f = fopen(dump, "w");
    assert_non_null(f);
    uint64_t n = afmt_reader_entry_count(r), posts = 0;
    for (uint64_t i = 0; i < n; i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_POST)
            continue;
        posts++;
        assert_int_equal(e.media_type_len, strlen(ic_media_type));
        assert_memory_equal(e.media_type, ic_media_type, e.media_type_len);
        ic_hex(f, e.id, e.id_len);
        fputc('\t', f);
        ic_hex(f, e.parent, e.parent_len);
        fprintf(f, "\t%u\t%llu\t", e.flags, (unsigned long long)e.missing_replies);
        ic_hex(f, e.author, e.author_len);
        if (e.has_created)
            fprintf(f, "\t%lld\t", (long long)e.created);
        else
            fputs("\t-\t", f);
        ic_hex(f, e.title, e.title_len);
        fputc('\t', f);
        size_t clen = 0;
        char *content = afmt_test_content(r, i, &clen);
        assert_int_equal(clen, e.size);
        ic_hex(f, content, clen);
        free(content);
        fputc('\n', f);
    }
    fclose(f);
    return posts;
}

/* Runs `python3 import_expect.py ARGS...` (ARGS a printf format) and
 * returns its whole output (malloc'd, NUL-terminated). */
static char *ic_python(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ic_python(const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "python3 '%s' %s", EXPECT_PY, args);
    int st;
    char *out = afmt_test_popen_read(cmd, &st);
    if (st != 0)
        print_message("python3 %s exited with %d:\n%s\n", args, st, out);
    assert_int_equal(st, 0);
    return out;
}

/* Packs a file, verifies the bundle, round-trips the file entry and checks
 * every post against import_expect.py.  Returns the number of posts. */
static uint64_t ic_pack_and_check(afmt_source_format fmt, const char *input,
                                  afmt_import_stats *stats_out)
{
    const char *bundle = ic_tmp("%s.afmt", afmt_test_base(input));
    const char *dump = ic_tmp("%s.dump", afmt_test_base(input));
    afmt_import_stats st = {0};
    char err[512] = "";
    int rc = ic_pack(bundle, fmt, input, &st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("pack %s: %s (%s)\n", input, err, afmt_strerror(rc));
    assert_int_equal(rc, AFMT_OK);
    afmt_reader *r = afmt_test_open_verified(bundle);
    ic_check_file_roundtrip(r, input);
    uint64_t posts = ic_dump_posts(r, dump);
    assert_int_equal(posts, st.posts);

    /* the import's own figures agree with the bundle */
    uint64_t deleted = 0, incomplete = 0, missing = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e = afmt_test_entry(r, i);
        if (e.type != AFMT_ENTRY_POST)
            continue;
        deleted += (e.flags & AFMT_POST_DELETED) != 0;
        if (e.flags & AFMT_POST_INCOMPLETE) {
            incomplete++;
            missing += e.missing_replies;
        }
    }
    assert_int_equal(deleted, st.deleted);
    assert_int_equal(incomplete, st.incomplete);
    assert_int_equal(missing, st.missing_replies);
    assert_int_equal(st.bytes_in, afmt_test_file_size(input));
    afmt_reader_free(r);

    char *out = ic_python("check %s '%s' '%s'", afmt_source_format_name(fmt), input, dump);
    char want[64];
    snprintf(want, sizeof want, "OK %llu\n", (unsigned long long)posts);
    if (strcmp(out, want) != 0)
        print_message("%s: %s", input, out);
    assert_string_equal(out, want);
    if (!ic_quiet)
        print_message("  %-52s %5llu posts, %4llu deleted, %4llu incomplete (%llu missing)\n",
                  afmt_test_base(input), (unsigned long long)posts,
                  (unsigned long long)st.deleted, (unsigned long long)st.incomplete,
                  (unsigned long long)st.missing_replies);
    free(out);
    if (stats_out != NULL)
        *stats_out = st;
    return posts;
}

/* Packs n files (each under its base name) into `bundle`, asserting it
 * works, and opens the verified bundle. */
static afmt_reader *ic_pack_many(const char *bundle, afmt_source_format fmt, size_t n,
                                 const char *const *inputs, afmt_import_stats *st)
{
    char err[512] = "";
    int rc = afmt_test_import(ic_fx->sk, bundle, fmt, n, inputs, NULL, st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("pack %s: %s\n", inputs[0], err);
    assert_int_equal(rc, AFMT_OK);
    return afmt_test_open_verified(bundle);
}

/* Packs a file and opens the verified bundle (for the hard-case tests). */
static afmt_reader *ic_pack_open(afmt_source_format fmt, const char *input)
{
    return ic_pack_many(ic_tmp("%s.hard.afmt", afmt_test_base(input)), fmt, 1, &input, NULL);
}

/* The content of post `id` as a NUL-terminated malloc'd string. */
static char *ic_content(afmt_reader *r, const char *id, size_t *len)
{
    return afmt_test_content(r, afmt_test_find(r, id).number, len);
}

/* Parses a JSON file (asserting it is one, with no duplicate key). */
static __attribute__((unused)) json_t *ic_load_json(const char *path)
{
    afmt_test_need(path);
    json_error_t err;
    json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (v == NULL)
        print_message("%s: %s\n", path, err.text);
    assert_non_null(v);
    return v;
}

/* Reads a corpus file (asserting it exists). */
static __attribute__((unused)) uint8_t *ic_corpus(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", AFMT_CORPUS, rel);
    uint8_t *b = afmt_test_read_file(path, len);
    if (b == NULL)
        print_message("missing corpus file %s\n", path);
    assert_non_null(b);
    return b;
}

/* ------------------------------------------ tests every importer file runs */

/* Random inputs (whitespace, key order, escaped keys, repeated ids, stubs,
 * every form) of import_expect.py's generator (seeds 1 to 60), packed and
 * checked against the script's expectations. */
static __attribute__((unused)) void test_differential_random(void **state)
{
    (void)state;
    enum { COUNT = 60 };
    const char *fname = afmt_source_format_name(IC_FORMAT);
    uint64_t posts = 0;
    ic_quiet = 1;
    for (int seed = 1; seed <= COUNT; seed++) {
        const char *in = ic_tmp("random_%s_%d.json", fname, seed);
        free(ic_python("generate %s %d '%s'", fname, seed, in));
        posts += ic_pack_and_check(IC_FORMAT, in, NULL);
    }
    ic_quiet = 0;
    print_message("  %d random %s inputs, %llu posts: as expected\n", COUNT, fname,
                  (unsigned long long)posts);
}

/* Packs `text` as a bad input of IC_FORMAT: the import's result, with its
 * message in ic_err. */
static char ic_err[512];
static __attribute__((unused)) int ic_bad(const char *text)
{
    return ic_pack_text(IC_FORMAT, "bad", text, NULL, ic_err, sizeof ic_err);
}

#endif
