/*
 * import_check.h - helpers for the importer tests (test_import_reddit.c,
 * test_import_hn.c): pack a file with afmt_import, open and verify the
 * bundle, dump its posts for tests/import_expect.py, and run that script.
 * Included by one test file each; everything is static.
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

static afmt_secret_key *ic_sk;
static char *ic_dir;
static int ic_quiet; /* nonzero: ic_pack_and_check prints nothing */

static int ic_setup(void **state)
{
    (void)state;
    afmt_public_key pk;
    if (afmt_key_generate(&ic_sk, &pk) != AFMT_OK)
        return -1;
    ic_dir = afmt_test_tmpdir();
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    return ic_dir == NULL ? -1 : 0;
}

static int ic_teardown(void **state)
{
    (void)state;
    afmt_secret_key_free(ic_sk);
    if (ic_dir != NULL)
        afmt_test_rmtree(ic_dir);
    free(ic_dir);
    return 0;
}

/* A path in the test's directory (malloc'd). */
static char *ic_tmp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ic_tmp(const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return afmt_test_path(ic_dir, name);
}

static const char *ic_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

/* Packs `input` alone into `bundle` with afmt_import; returns the import's
 * result (the bundle is finished only on success). */
static int ic_pack(const char *bundle, afmt_source_format fmt, const char *input,
                   afmt_import_stats *stats, char *err, size_t errsize)
{
    afmt_writer *w = NULL;
    int rc = afmt_writer_open(&w, bundle, ic_sk, NULL);
    if (rc != AFMT_OK)
        return rc;
    int fd = open(input, O_RDONLY);
    if (fd < 0) {
        afmt_writer_free(w);
        return AFMT_E_IO;
    }
    const char *base = ic_base(input);
    rc = afmt_import(w, fmt, fd, base, strlen(base), stats, err, errsize);
    close(fd);
    if (rc == AFMT_OK) {
        rc = afmt_writer_finish(w);
        if (rc != AFMT_OK)
            snprintf(err, errsize, "finish: %s", afmt_writer_errmsg(w));
    }
    afmt_writer_free(w);
    return rc;
}

/* Packs bytes given in memory (written to a file first). */
static int ic_pack_bytes(const char *bundle, afmt_source_format fmt, const char *name,
                         const char *bytes, size_t len, afmt_import_stats *stats, char *err,
                         size_t errsize)
{
    char *in = ic_tmp("%s", name);
    assert_int_equal(afmt_test_write_file(in, bytes, len), 0);
    int rc = ic_pack(bundle, fmt, in, stats, err, errsize);
    free(in);
    return rc;
}

static int ic_problem(void *ctx, uint64_t entry, int err, const char *msg)
{
    (void)ctx;
    print_message("verify problem: entry %llu: %s (%s)\n", (unsigned long long)entry, msg,
                  afmt_strerror(err));
    return 0;
}

/* Opens and fully verifies a bundle. */
static afmt_reader *ic_open(const char *bundle)
{
    afmt_reader *r = NULL;
    char err[512] = "";
    int rc = afmt_reader_open(&r, bundle, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("open %s: %s\n", bundle, err);
    assert_int_equal(rc, AFMT_OK);
    assert_int_equal(afmt_reader_verify(r, ic_problem, NULL), AFMT_OK);
    return r;
}

typedef struct ic_collect {
    uint8_t *data;
    size_t len, cap;
} ic_collect;

static int ic_sink(void *ctx, const void *data, size_t len)
{
    ic_collect *c = ctx;
    if (c->len + len > c->cap) {
        size_t ncap = (c->len + len) * 2;
        uint8_t *nd = realloc(c->data, ncap);
        if (nd == NULL)
            return -1;
        c->data = nd;
        c->cap = ncap;
    }
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

/* Checks that the bundle has a file entry named after `input` that reads
 * back as the input byte for byte. */
static __attribute__((unused)) void ic_check_file_roundtrip_named(afmt_reader *r,
                                                                  const char *input)
{
    size_t in_len;
    uint8_t *in = afmt_test_read_file(input, &in_len);
    assert_non_null(in);
    const char *base = ic_base(input);
    int found = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e;
        assert_int_equal(afmt_reader_entry(&e, r, i), AFMT_OK);
        if (e.type != AFMT_ENTRY_FILE || e.id_len != strlen(base) ||
            memcmp(e.id, base, e.id_len) != 0)
            continue;
        ic_collect c = {0};
        assert_int_equal(afmt_reader_read(r, i, ic_sink, &c), AFMT_OK);
        assert_int_equal(c.len, in_len);
        assert_true(in_len == 0 || memcmp(c.data, in, in_len) == 0);
        free(c.data);
        found++;
    }
    assert_int_equal(found, 1);
    free(in);
}

/* Checks that the bundle has exactly one file entry, named after `input`,
 * and that it reads back as the input byte for byte. */
static void ic_check_file_roundtrip(afmt_reader *r, const char *input)
{
    size_t in_len;
    uint8_t *in = afmt_test_read_file(input, &in_len);
    assert_non_null(in);
    uint64_t n = afmt_reader_entry_count(r), files = 0;
    for (uint64_t i = 0; i < n; i++) {
        afmt_entry e;
        assert_int_equal(afmt_reader_entry(&e, r, i), AFMT_OK);
        if (e.type != AFMT_ENTRY_FILE)
            continue;
        files++;
        assert_int_equal(i, n - 1); /* the file follows the posts it references */
        const char *base = ic_base(input);
        assert_int_equal(e.id_len, strlen(base));
        assert_memory_equal(e.id, base, e.id_len);
        assert_int_equal(e.size, in_len);
        ic_collect c = {0};
        assert_int_equal(afmt_reader_read(r, i, ic_sink, &c), AFMT_OK);
        assert_int_equal(c.len, in_len);
        assert_true(in_len == 0 || memcmp(c.data, in, in_len) == 0);
        free(c.data);
    }
    assert_int_equal(files, 1);
    free(in);
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
        afmt_entry e;
        assert_int_equal(afmt_reader_entry(&e, r, i), AFMT_OK);
        if (e.type != AFMT_ENTRY_POST)
            continue;
        posts++;
        assert_int_equal(e.media_type_len, strlen("application/json"));
        assert_memory_equal(e.media_type, "application/json", e.media_type_len);
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
        void *content = NULL;
        size_t clen = 0;
        assert_int_equal(afmt_reader_read_post(&content, &clen, r, i), AFMT_OK);
        assert_int_equal(clen, e.size);
        ic_hex(f, content, clen);
        free(content);
        fputc('\n', f);
    }
    fclose(f);
    return posts;
}

/* Runs `python3 import_expect.py ARGS...` and returns its whole output
 * (malloc'd, NUL-terminated). */
static char *ic_python(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "python3 '%s' %s", EXPECT_PY, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t got;
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[len] = 0;
    int st = pclose(p);
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
    char *bundle = ic_tmp("%s.afmt", ic_base(input));
    char *dump = ic_tmp("%s.dump", ic_base(input));
    afmt_import_stats st = {0};
    char err[512] = "";
    int rc = ic_pack(bundle, fmt, input, &st, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("pack %s: %s (%s)\n", input, err, afmt_strerror(rc));
    assert_int_equal(rc, AFMT_OK);
    afmt_reader *r = ic_open(bundle);
    ic_check_file_roundtrip(r, input);
    uint64_t posts = ic_dump_posts(r, dump);
    assert_int_equal(posts, st.posts);

    /* the import's own figures agree with the bundle */
    uint64_t deleted = 0, incomplete = 0, missing = 0;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
        afmt_entry e;
        assert_int_equal(afmt_reader_entry(&e, r, i), AFMT_OK);
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
    struct stat sb;
    assert_int_equal(stat(input, &sb), 0);
    assert_int_equal(st.bytes_in, (uint64_t)sb.st_size);
    afmt_reader_free(r);

    char args[4096];
    snprintf(args, sizeof args, "check %s '%s' '%s'", afmt_source_format_name(fmt), input,
             dump);
    char *out = ic_python(args);
    char want[64];
    snprintf(want, sizeof want, "OK %llu\n", (unsigned long long)posts);
    if (strcmp(out, want) != 0)
        print_message("%s: %s", input, out);
    assert_string_equal(out, want);
    if (!ic_quiet)
        print_message("  %-52s %5llu posts, %4llu deleted, %4llu incomplete (%llu missing)\n",
                  ic_base(input), (unsigned long long)posts, (unsigned long long)st.deleted,
                  (unsigned long long)st.incomplete, (unsigned long long)st.missing_replies);
    free(out);
    if (stats_out != NULL)
        *stats_out = st;
    free(bundle);
    free(dump);
    return posts;
}

/* Packs `count` random inputs of import_expect.py's generator (seeds 1 to
 * count) and checks each against the script's expectations. */
static __attribute__((unused)) void ic_differential(afmt_source_format fmt, int count)
{
    uint64_t posts = 0;
    ic_quiet = 1;
    for (int seed = 1; seed <= count; seed++) {
        char *in = ic_tmp("random_%s_%d.json", afmt_source_format_name(fmt), seed);
        char args[2048];
        snprintf(args, sizeof args, "generate %s %d '%s'", afmt_source_format_name(fmt), seed, in);
        free(ic_python(args));
        posts += ic_pack_and_check(fmt, in, NULL);
        free(in);
    }
    ic_quiet = 0;
    print_message("  %d random %s inputs, %llu posts: as expected\n", count,
                  afmt_source_format_name(fmt), (unsigned long long)posts);
}

/* Packs a file and opens the verified bundle (for the hard-case tests). */
static afmt_reader *ic_pack_open(afmt_source_format fmt, const char *input)
{
    char *bundle = ic_tmp("%s.hard.afmt", ic_base(input));
    char err[512] = "";
    int rc = ic_pack(bundle, fmt, input, NULL, err, sizeof err);
    if (rc != AFMT_OK)
        print_message("pack %s: %s\n", input, err);
    assert_int_equal(rc, AFMT_OK);
    afmt_reader *r = ic_open(bundle);
    free(bundle);
    return r;
}

/* The entry of post `id` (NUL-terminated). */
static afmt_entry ic_post(afmt_reader *r, const char *id)
{
    uint64_t n;
    int rc = afmt_reader_find_post(&n, r, id, strlen(id));
    if (rc != AFMT_OK)
        print_message("no post %s\n", id);
    assert_int_equal(rc, AFMT_OK);
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, r, n), AFMT_OK);
    return e;
}

/* The content of post `id` as a NUL-terminated malloc'd string. */
static char *ic_content(afmt_reader *r, const char *id, size_t *len)
{
    afmt_entry e = ic_post(r, id);
    void *c = NULL;
    size_t n = 0;
    assert_int_equal(afmt_reader_read_post(&c, &n, r, e.number), AFMT_OK);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, c, n);
    s[n] = 0;
    free(c);
    if (len != NULL)
        *len = n;
    return s;
}

/* Nonzero when the post's string field equals s. */
static int ic_field_is(const char *p, size_t n, const char *s)
{
    return p != NULL && n == strlen(s) && memcmp(p, s, n) == 0;
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

#endif
