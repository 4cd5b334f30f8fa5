/* test_support.c - helpers shared by the unit tests. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "test_support.h"

/* ------------------------------------------------------ files and folders */

void afmt_test_need(const char *path)
{
#ifdef AFMT_CORPUS
    size_t n = strlen(AFMT_CORPUS);
    if (strncmp(path, AFMT_CORPUS, n) == 0 && (path[n] == '/' || path[n] == '\0') &&
        access(path, F_OK) != 0) {
        print_message("skipped: %s is absent (the corpus, ../shared/corpus, is not here)\n",
                      path);
        skip();
    }
#else
    (void)path;
#endif
}

char *afmt_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == 0)
        base = "/tmp";
    char *p = NULL;
    if (asprintf(&p, "%s/afmt-test-XXXXXX", base) < 0)
        return NULL;
    if (mkdtemp(p) == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

char *afmt_test_path(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

void afmt_test_rmtree(const char *dir)
{
    char *cmd = NULL;
    if (dir == NULL || asprintf(&cmd, "rm -rf '%s'", dir) < 0)
        return;
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    free(cmd);
}

/* Reads a stream to its end into a malloc'd buffer with room for one more
 * byte; NULL when out of memory. */
static uint8_t *read_stream(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap - 1) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf != NULL)
        *len = n;
    return buf;
}

uint8_t *afmt_test_read_file(const char *path, size_t *len)
{
    afmt_test_need(path);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = read_stream(f, len);
    fclose(f);
    return buf;
}

int afmt_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    int ok = len == 0 || fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

char *afmt_test_read_text(const char *path)
{
    size_t len = 0;
    uint8_t *d = afmt_test_read_file(path, &len);
    assert_non_null(d);
    d[len] = 0;
    return (char *)d;
}

void afmt_test_write_text(const char *path, const char *text)
{
    assert_int_equal(afmt_test_write_file(path, text, strlen(text)), 0);
}

const char *afmt_test_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

uint64_t afmt_test_file_size(const char *path)
{
    afmt_test_need(path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* vsnprintf into buf, asserting the text fits. */
static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size, fmt, ap);
    assert_true(n > 0 && (size_t)n < size);
}

/* ------------------------------------------------------------- the fixture */

int afmt_test_setup(void **state)
{
    afmt_test_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = afmt_test_tmpdir();
    assert_non_null(f->dir);
    assert_int_equal(afmt_key_generate(&f->sk, &f->pk), AFMT_OK);
    *state = f;
    return 0;
}

int afmt_test_teardown(void **state)
{
    afmt_test_fixture *f = *state;
    if (f == NULL)
        return 0;
    afmt_test_rmtree(f->dir);
    free(f->dir);
    afmt_secret_key_free(f->sk);
    for (size_t i = 0; i < f->nowned; i++)
        free(f->owned[i]);
    free(f->owned);
    free(f);
    *state = NULL;
    return 0;
}

const char *afmt_test_tmp(afmt_test_fixture *f, const char *fmt, ...)
{
    char name[1024];
    va_list ap;
    va_start(ap, fmt);
    vformat(name, sizeof name, fmt, ap);
    va_end(ap);
    char **owned = realloc(f->owned, (f->nowned + 1) * sizeof *owned);
    assert_non_null(owned);
    f->owned = owned;
    char *p = afmt_test_path(f->dir, name);
    assert_non_null(p);
    f->owned[f->nowned++] = p;
    return p;
}

const char *afmt_test_tmp_file(afmt_test_fixture *f, const char *name, const void *data,
                               size_t len)
{
    const char *path = afmt_test_tmp(f, "%s", name);
    assert_int_equal(afmt_test_write_file(path, data, len), 0);
    return path;
}

/* ---------------------------------------------------------------- commands */

int afmt_test_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vformat(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

char *afmt_test_popen_read(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = 0;
    char *out = (char *)read_stream(p, &len);
    assert_non_null(out);
    out[len] = 0;
    int st = pclose(p);
    *status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

json_t *afmt_test_python_json(afmt_test_fixture *f, const char *script, const char *prefix,
                              const char *arg)
{
    const char *path = afmt_test_tmp(f, "figures.py");
    afmt_test_write_text(path, script);
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "%s python3 '%s'%s%s%s", prefix ? prefix : "", path,
                         arg ? " '" : "", arg ? arg : "", arg ? "'" : "") > 0);
    int st;
    char *out = afmt_test_popen_read(cmd, &st);
    json_t *arr = json_array();
    for (char *line = out, *nl; *line != 0; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL)
            nl = line + strlen(line) - 1; /* a last line without its LF */
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)(nl - line) + 1, 0, &je);
        if (o == NULL)
            fail_msg("python output: %s", je.text);
        json_array_append_new(arr, o);
    }
    assert_int_equal(st, 0);
    free(out);
    free(cmd);
    return arr;
}

afmt_test_ms_files afmt_test_minisign_files(afmt_test_fixture *f, const char *stem,
                                            const char *msg)
{
    assert_int_equal(access(AFMT_TEST_MINISIGN, X_OK), 0);
    afmt_test_ms_files m;
    m.key = afmt_test_tmp(f, "%s.key", stem);
    m.pub = afmt_test_tmp(f, "%s.pub", stem);
    m.msg = afmt_test_tmp(f, "%s", msg);
    m.sig = afmt_test_tmp(f, "%s.minisig", msg);
    return m;
}

void afmt_test_save_keys(const afmt_test_fixture *f, const char *key, const char *pub,
                         const char *pw)
{
    assert_int_equal(afmt_secret_key_save(key, f->sk, pw, pw ? strlen(pw) : 0, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_public_key_save(pub, &f->pk, NULL, 0), AFMT_OK);
}

int afmt_test_minisign(const char *pw, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vformat(args, sizeof args, fmt, ap);
    va_end(ap);
    if (pw == NULL)
        return afmt_test_run(AFMT_TEST_MINISIGN " %s </dev/null >/dev/null 2>&1", args);
    return afmt_test_run("printf '%%s\\n%%s\\n' '%s' '%s' | " AFMT_TEST_MINISIGN
                         " %s >/dev/null 2>&1",
                         pw, pw, args);
}

int afmt_test_minisign_verify(const afmt_test_ms_files *m)
{
    return afmt_test_minisign(NULL, "-V -q -p '%s' -m '%s'", m->pub, m->msg);
}

void afmt_test_hex(char *out, const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

char *afmt_test_b64(const void *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(n);
    assert_non_null(s);
    sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

/* ----------------------------------------------------------------- bundles */

afmt_post afmt_test_text_post(const char *id, const char *parent, const void *body,
                              size_t len)
{
    afmt_post p = {0};
    p.id = id;
    p.id_len = strlen(id);
    p.parent = parent;
    p.parent_len = parent ? strlen(parent) : 0;
    p.media_type = "text/plain";
    p.content = body;
    p.content_len = len;
    return p;
}

int afmt_test_import(const afmt_secret_key *sk, const char *bundle, afmt_source_format fmt,
                     size_t n, const char *const *inputs, const char *const *names,
                     afmt_import_stats *st, char *err, size_t errsize)
{
    for (size_t i = 0; i < n; i++)
        afmt_test_need(inputs[i]);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1700000000;
    o.overwrite = 1; /* tests import into the same bundle name again */
    afmt_writer *w = NULL;
    assert_int_equal(afmt_writer_open(&w, bundle, sk, &o), AFMT_OK);
    int rc = AFMT_OK;
    for (size_t i = 0; i < n && rc == AFMT_OK; i++) {
        int fd = open(inputs[i], O_RDONLY);
        if (fd < 0)
            print_message("cannot open %s\n", inputs[i]);
        assert_true(fd >= 0);
        const char *name = names != NULL ? names[i] : afmt_test_base(inputs[i]);
        err[0] = 0;
        rc = afmt_import(st, w, fmt, fd, name, strlen(name));
        if (rc != AFMT_OK)
            snprintf(err, errsize, "%s", afmt_error_last());
        close(fd);
    }
    if (rc == AFMT_OK) {
        rc = afmt_writer_finish(w);
        if (rc != AFMT_OK)
            snprintf(err, errsize, "finish: %s", afmt_writer_errmsg(w));
    }
    afmt_writer_free(w);
    return rc;
}

afmt_source_format afmt_test_detect(const char *path)
{
    size_t len;
    uint8_t *b = afmt_test_read_file(path, &len);
    assert_non_null(b);
    afmt_source_format f = afmt_source_detect(afmt_test_base(path), b, len < 65536 ? len : 65536);
    free(b);
    return f;
}

void afmt_test_public_import(afmt_test_fixture *f, afmt_source_format fmt, const char *in,
                             const char *name, uint64_t posts)
{
    print_message("afmt_source_detect(%s) = %s\n", afmt_test_base(in),
                  afmt_source_format_name(afmt_test_detect(in)));
    const char *path = afmt_test_tmp(f, "api.afmt");
    char err[512] = "";
    afmt_import_stats st = {0};
    int rc = afmt_test_import(f->sk, path, fmt, 1, &in, &name, &st, err, sizeof err);
    if (rc != AFMT_OK)
        fail_msg("afmt_import: %s (%s)", afmt_strerror(rc), err);
    assert_int_equal(st.posts, posts);
    afmt_reader *r = afmt_test_open_verified(path);
    afmt_test_check_file(r, posts, in);
    afmt_reader_free(r);
}

static int print_problem(void *ctx, uint64_t entry, int err, const char *msg)
{
    (void)ctx;
    print_error("verify: entry %llu: %s: %s\n", (unsigned long long)entry, afmt_strerror(err),
                msg);
    return 0;
}

afmt_reader *afmt_test_open_verified(const char *path)
{
    char eb[512] = "";
    afmt_reader *r = NULL;
    int rc = afmt_reader_open(&r, path, eb, sizeof eb);
    if (rc != AFMT_OK)
        fail_msg("open %s: %s (%s)", path, afmt_strerror(rc), eb);
    assert_int_equal(rc, AFMT_OK);
    assert_int_equal(afmt_reader_verify(r, print_problem, NULL), AFMT_OK);
    return r;
}

afmt_entry afmt_test_entry(const afmt_reader *r, uint64_t n)
{
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, r, n), AFMT_OK);
    return e;
}

afmt_entry afmt_test_find(const afmt_reader *r, const char *id)
{
    uint64_t n;
    int rc = afmt_reader_find_post(&n, r, id, strlen(id));
    if (rc != AFMT_OK)
        print_message("no post %s\n", id);
    assert_int_equal(rc, AFMT_OK);
    return afmt_test_entry(r, n);
}

char *afmt_test_content(afmt_reader *r, uint64_t n, size_t *len)
{
    void *c = NULL;
    size_t cl = 0;
    assert_int_equal(afmt_reader_read_post(&c, &cl, r, n), AFMT_OK);
    char *s = malloc(cl + 1);
    assert_non_null(s);
    if (cl > 0)
        memcpy(s, c, cl);
    s[cl] = 0;
    free(c);
    if (len != NULL)
        *len = cl;
    return s;
}

int afmt_test_field_is(const char *p, size_t n, const char *s)
{
    return p != NULL && n == strlen(s) && memcmp(p, s, n) == 0;
}

int afmt_test_sink(void *ctx, const void *data, size_t len)
{
    afmt_test_buf *b = ctx;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        assert_non_null(p);
        b->data = p;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void afmt_test_check_file(afmt_reader *r, uint64_t n, const char *path)
{
    size_t len = 0;
    uint8_t *want = afmt_test_read_file(path, &len);
    assert_non_null(want);
    afmt_entry e = afmt_test_entry(r, n);
    assert_int_equal(e.type, AFMT_ENTRY_FILE);
    assert_int_equal(e.size, len);
    afmt_test_buf b = {0};
    assert_int_equal(afmt_reader_read(r, n, afmt_test_sink, &b), AFMT_OK);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, want, len);
    free(b.data);
    free(want);
}
