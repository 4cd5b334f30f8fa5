/* test_support.h - helpers shared by the unit tests.  Those that check
 * something do it with cmocka's assertions: call them from a test. */
#ifndef AFMT_TEST_SUPPORT_H
#define AFMT_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "afmt.h"
#include "afmt_import.h"

/* ------------------------------------------------------ files and folders */

/* Skips the running test (cmocka's skip(), with a message) when `path` lies
 * in the corpus (AFMT_CORPUS, ../shared/corpus) and is not there: the
 * helpers below that read a file call it, so a test that needs the corpus
 * is skipped where the corpus is absent instead of failing. */
void afmt_test_need(const char *path);
/* Makes a fresh temporary directory (under $TMPDIR or /tmp); malloc'd path. */
char *afmt_test_tmpdir(void);
/* Joins dir and name into a malloc'd path. */
char *afmt_test_path(const char *dir, const char *name);
/* Removes a directory tree (rm -rf). */
void afmt_test_rmtree(const char *dir);
/* Reads a whole file; returns malloc'd bytes or NULL. */
uint8_t *afmt_test_read_file(const char *path, size_t *len);
/* Writes a whole file; returns 0 on success. */
int afmt_test_write_file(const char *path, const void *data, size_t len);
/* Reads a whole file (asserting it can) as a malloc'd NUL-terminated string. */
char *afmt_test_read_text(const char *path);
/* Writes a string to a file (asserting it can). */
void afmt_test_write_text(const char *path, const char *text);
/* The part of a path after its last '/'. */
const char *afmt_test_base(const char *path);
/* The size of a file (asserting it exists). */
uint64_t afmt_test_file_size(const char *path);

/* ------------------------------------------------------------- the fixture */

/* A fresh temporary folder and a fresh key pair. */
typedef struct afmt_test_fixture {
    char *dir;
    afmt_secret_key *sk;
    afmt_public_key pk;
    char **owned; /* paths made by afmt_test_tmp, freed by the teardown */
    size_t nowned;
} afmt_test_fixture;

/* cmocka setup and teardown (of a test or of a group): *state is the
 * fixture; the teardown removes the folder and frees the key. */
int afmt_test_setup(void **state);
int afmt_test_teardown(void **state);
/* A cmocka test run with its own fixture. */
#define AFMT_TEST_WITH_FIXTURE(t) \
    cmocka_unit_test_setup_teardown(t, afmt_test_setup, afmt_test_teardown)
/* A path in the fixture's folder, named by a printf format; it belongs to
 * the fixture (freed by the teardown). */
const char *afmt_test_tmp(afmt_test_fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes bytes to a file of that name in the fixture's folder (asserting it
 * can) and returns its path (the fixture's). */
const char *afmt_test_tmp_file(afmt_test_fixture *f, const char *name, const void *data,
                               size_t len);

/* ---------------------------------------------------------------- commands */

/* Runs a shell command (a printf format); returns its exit status, or -1
 * when it did not exit normally. */
int afmt_test_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command and returns its whole standard output (malloc'd,
 * NUL-terminated); *status gets its exit status (-1: not exited). */
char *afmt_test_popen_read(const char *cmd, int *status);
/* Runs `[prefix] python3 DIR/figures.py ['arg']` with `script` written to
 * the fixture's folder as figures.py, asserting it exits with 0, and
 * returns its output lines as an array of JSON values (each line must be
 * one). */
json_t *afmt_test_python_json(afmt_test_fixture *f, const char *script, const char *prefix,
                              const char *arg);

#define AFMT_TEST_MINISIGN "/usr/bin/minisign"
/* The files of a round trip with minisign, in the fixture's folder:
 * <stem>.key, <stem>.pub, a message `msg` and its signature <msg>.minisig
 * (asserting minisign is there). */
typedef struct afmt_test_ms_files {
    const char *key, *pub, *msg, *sig;
} afmt_test_ms_files;
afmt_test_ms_files afmt_test_minisign_files(afmt_test_fixture *f, const char *stem,
                                            const char *msg);
/* Saves the fixture's key pair, asserting it works: the secret key at
 * `key` (encrypted with the passphrase pw unless it is NULL), the public
 * key at `pub`. */
void afmt_test_save_keys(const afmt_test_fixture *f, const char *key, const char *pub,
                         const char *pw);
/* Runs `minisign ARGS` (ARGS a printf format) with its output thrown away:
 * with `pw` on stdin (twice, one per line, which -G asks for), or nothing
 * on stdin when pw is NULL.  Returns minisign's exit status. */
int afmt_test_minisign(const char *pw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Lowercase hex of n bytes, NUL-terminated, in out (2 * n + 1 bytes). */
void afmt_test_hex(char *out, const void *p, size_t n);
/* `minisign -V` of m's message with its public key and signature files:
 * minisign's exit status (0: the signature holds). */
int afmt_test_minisign_verify(const afmt_test_ms_files *m);
/* Standard base64 of bytes (malloc'd). */
char *afmt_test_b64(const void *bin, size_t len);

/* ----------------------------------------------------------------- bundles */

/* A text/plain post with this id, parent (or NULL) and content. */
afmt_post afmt_test_text_post(const char *id, const char *parent, const void *body,
                              size_t len);

/* Imports n input files as `fmt` into a new bundle at `bundle` signed with
 * sk (created 1700000000), each under names[i] (names NULL: under its base
 * name), asserting the writer and each input can be opened.  The bundle is
 * finished only when every import succeeded.  Returns the first failing
 * import's result or the finish's, AFMT_OK when all went well; err gets
 * the message. */
int afmt_test_import(const afmt_secret_key *sk, const char *bundle, afmt_source_format fmt,
                     size_t n, const char *const *inputs, const char *const *names,
                     afmt_import_stats *st, char *err, size_t errsize);
/* Through the public entry points: prints what afmt_source_detect says of
 * the file `in`, imports it as `fmt` under `name` into a bundle in the
 * fixture's folder, and asserts that gives `posts` posts and a verified
 * bundle whose file entry (entry `posts`) reads back as `in`. */
void afmt_test_public_import(afmt_test_fixture *f, afmt_source_format fmt, const char *in,
                             const char *name, uint64_t posts);
/* afmt_source_detect on a file's first 64 KiB and base name (asserting the
 * file can be read). */
afmt_source_format afmt_test_detect(const char *path);

/* Opens a bundle and verifies it in full, asserting both succeed (every
 * problem the verification finds is printed). */
afmt_reader *afmt_test_open_verified(const char *path);
/* Entry n (asserting there is one). */
afmt_entry afmt_test_entry(const afmt_reader *r, uint64_t n);
/* The entry of the post with this id (asserting there is one). */
afmt_entry afmt_test_find(const afmt_reader *r, const char *id);
/* The content of post n, malloc'd, NUL-terminated; *len (may be NULL) gets
 * its length. */
char *afmt_test_content(afmt_reader *r, uint64_t n, size_t *len);
/* Nonzero when a string field (p, n; NULL when absent) equals s. */
int afmt_test_field_is(const char *p, size_t n, const char *s);

/* Collects what afmt_reader_read hands over (afmt_test_sink). */
typedef struct afmt_test_buf {
    uint8_t *data;
    size_t len, cap;
} afmt_test_buf;
int afmt_test_sink(void *ctx, const void *data, size_t len);
/* Asserts that entry n is a file entry that reads back as the bytes of the
 * file at `path`, byte for byte. */
void afmt_test_check_file(afmt_reader *r, uint64_t n, const char *path);

#endif
