/*
 * cli_util.h - what every subcommand of `afmt` shares: exit statuses,
 * messages on stderr, escaping of bytes that come from a bundle, JSON
 * strings, RFC 3339 times, passphrases, trusted-key options, a progress
 * line and small I/O helpers.
 */
#ifndef AFMT_CLI_UTIL_H
#define AFMT_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "afmt.h"
#include "common/text.h" /* the library's UTF-8 and path rules (libarchive_fmt/common) */

/* Exit statuses: pinned, printed by `afmt --help`; never change meaning. */
enum {
    CLI_EXIT_OK = 0,        /* success */
    CLI_EXIT_INTEGRITY = 1, /* bundle not authentic or not intact */
    CLI_EXIT_USAGE = 2,     /* usage error */
    CLI_EXIT_FAILURE = 3,   /* any other failure */
    CLI_EXIT_WITHHELD = 4   /* what was asked for was withheld by the archiver */
};

#define CLI_PROG "afmt"

/* ------------------------------------------------------------- messages */

/* Prints "afmt: WHERE: MESSAGE\n" on stderr (or "afmt: MESSAGE\n" when
 * `where` is NULL).  Both parts are escaped (cli_escape_write) so nothing
 * from a bundle or a file name can drive the terminal. */
void cli_err(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same for a `where` given as bytes with a length (a post id). */
void cli_err_n(const char *where, size_t where_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Usage error: prints "afmt: CMD: MESSAGE (see 'afmt CMD --help')" and
 * returns CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Maps a library error to an exit status: afmt_error_is_integrity -> 1,
 * anything else -> 3.  AFMT_OK -> 0. */
int cli_exit_for(int err);

/* The threads the command gives the library (writer and reader options):
 * one per online CPU, at most 8.  The library sizes no pool by itself. */
unsigned cli_threads(void);

/* The library's message for the failure `err` that a call just returned
 * (afmt_error_last), or afmt_strerror(err) when it recorded none for it. */
const char *cli_lib_msg(int err);

/* Short, stable, machine-friendly name of an error ("hash-mismatch"). */
const char *cli_error_slug(int err);

/* ------------------------------------------------------------- escaping */

/* Writes s[0..len) so that it is safe on a terminal and reversible:
 * printable ASCII and valid UTF-8 characters as they are; backslash as
 * "\\"; \t \n \r as those escapes; other C0 controls and DEL as \xHH;
 * C1 controls, bidi and invisible formatting marks, U+2028/U+2029 and
 * U+FEFF as \u{XXXX}; a byte that is not part of valid UTF-8 as \xHH. */
void cli_escape_write(FILE *out, const char *s, size_t len);

/* The same with \n and \t passed through (for `cat` on a terminal). */
void cli_escape_write_text(FILE *out, const char *s, size_t len);

/* Writes s[0..len) as a JSON string, quotes included.  Valid UTF-8 is
 * written as itself, except that C0 controls, DEL, C1 controls, bidi and
 * invisible marks and U+2028/U+2029 are written as \uXXXX escapes (so a
 * terminal never sees them; a JSON parser gives back the same
 * characters).  A byte that is not part of valid UTF-8 is written as the
 * lone surrogate escape \udcXX, U+DC00 plus the byte (0x80..0xFF), the
 * "surrogateescape" convention of PEP 383: valid UTF-8 never encodes a
 * surrogate, so the mapping is reversible (Python:
 * s.encode("utf-8", "surrogateescape") gives back the bytes). */
void cli_json_string(FILE *out, const char *s, size_t len);

/* Nonzero for code points a terminal must not receive raw: C0, DEL, C1,
 * bidi controls and marks, zero-width and invisible formatting characters,
 * line and paragraph separators, BOM. */
int cli_codepoint_is_unsafe(uint32_t cp);

/* ----------------------------------------------------------------- time */

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (years 0001..9999) and a NUL.  Returns 0,
 * or -1 when t is outside that range (out is then "?"). */
int cli_format_rfc3339(char out[32], int64_t t);

/* ----------------------------------------------------------- passphrase */

/* Reads a passphrase for `what` (a file name shown in the prompt).  From
 * `file` when not NULL (its first line, without the line end), else from
 * /dev/tty with echo off; `twice` asks again and compares.  The result is
 * in sodium_malloc'd memory: release it with cli_passphrase_free. */
int cli_passphrase_read(char **out, size_t *out_len, const char *file, const char *what,
                        int twice);
void cli_passphrase_free(char *p);

/* Loads a secret key, asking for its passphrase when it is encrypted.
 * Prints its own messages; returns an exit status. */
int cli_load_secret_key(afmt_secret_key **out, const char *path, const char *passphrase_file);

/* ------------------------------------------------------------ key lists */

typedef struct cli_keys {
    afmt_public_key *keys;
    size_t n;
    /* -p/-P options seen, loaded by cli_keys_load once usage is checked */
    char *kinds;        /* 'p' or 'P' */
    const char **args;
    size_t nargs;
} cli_keys;

/* Records a -p FILE or -P KEY option (kind 'p' or 'P').  Returns an exit
 * status (prints). */
int cli_keys_defer(cli_keys *k, int kind, const char *arg);
/* Loads the recorded keys: a -P that is not a key is a usage error (2), a
 * -p file that cannot be read or parsed a failure (3).  Prints. */
int cli_keys_load(cli_keys *k, const char *cmd);
/* -p FILE: adds the key in FILE.  Returns an exit status (prints). */
int cli_keys_add_file(cli_keys *k, const char *cmd, const char *path);
/* -P KEY: adds a base64 key.  Returns an exit status (prints). */
int cli_keys_add_base64(cli_keys *k, const char *cmd, const char *b64);
void cli_keys_free(cli_keys *k);

/* The warning of a command run without trusted keys: the bundle's own key
 * checked its signature, named by its fingerprint (never by the key id the
 * bundle claims). */
void cli_warn_untrusted_signer(const char *path, const afmt_public_key *signer);

/* Opens a bundle for list/cat/extract: checks the layout, signature and
 * index; with keys (afmt_reader_open_trusted), checks that the signer is
 * one of them right after the signature, before the index is read, so a
 * bundle from anyone else is refused at almost no cost; without, says so
 * on stderr.  Prints its own messages; returns an exit status. */
int cli_open_bundle(afmt_reader **out, const char *path, const cli_keys *keys);

/* The message for AFMT_E_WRONG_KEY: the library's message `libmsg` (which
 * names the key by its fingerprint and its key id as a claim) and "not one
 * of the trusted keys". */
void cli_wrong_key_message(char *out, size_t size, const char *libmsg);

/* ----------------------------------------------------------- progress */

/* Starts a progress line on stderr for work over `total` bytes of input,
 * measured by what this process has read (/proc/self/io).  It appears only
 * when stderr is a terminal and the work lasts more than a second. */
void cli_progress_start(const char *label, uint64_t total);
void cli_progress_stop(void);

/* ------------------------------------------------------------- sizes */

/* What `extract` writes at most unless --max-size says otherwise: far
 * above any real corpus (the largest workload of bench/, a million posts,
 * extracts to 1.2 GB), far below what a tiny bundle can name (spec 11). */
#define CLI_MAX_SIZE_DEFAULT ((uint64_t)64 << 30)

/* Parses a size: decimal digits, then optionally K, M, G, T or P (powers
 * of 1024, an optional 'iB' or 'B' after it).  0, or -1 when malformed or
 * over 2^64-1. */
int cli_parse_size(const char *s, uint64_t *out);

/* Writes n as "123 bytes" or "1.5 GiB" into buf. */
void cli_size_text(char *buf, size_t cap, uint64_t n);

/* ------------------------------------------------------------- I/O */

/* Writes all of data to fd (retries short writes and EINTR).  0 or -1. */
int cli_write_all(int fd, const void *data, size_t len);

/* Writes all of data to fd at `offset` (pwrite; retries short writes and
 * EINTR).  0 or -1 with errno set. */
int cli_pwrite_all(int fd, const void *data, size_t len, uint64_t offset);

/* Writes a small file atomically (common/fileio.c): a temporary file beside
 * `path`, fsynced, then renamed onto `path` (overwrite) or linked there
 * (refused when `path` exists).  Returns CLI_EXIT_OK, or CLI_EXIT_FAILURE
 * after saying why as "afmt: PATH: ...". */
int cli_write_file_atomic(const char *path, const void *data, size_t len, int overwrite);

/* ---------------------------------------------------------- options */

/* Tracks repeated options: cli_once(&seen, 'x') returns 0 the first time
 * an option is seen, -1 after (the caller then refuses it). */
typedef struct cli_seen {
    unsigned char count[512];
} cli_seen;
int cli_once(cli_seen *s, int opt);

struct option;
/* Refuses option `c` given a second time: prints and returns
 * CLI_EXIT_USAGE.  `longopts` names the long-only options. */
int cli_repeated(const char *cmd, int c, const struct option *longopts);

/* Prints one of the getopt failure messages for `cmd` and returns
 * CLI_EXIT_USAGE. */
int cli_getopt_error(const char *cmd, int c, int optopt_value, const char *arg);

/* Parses "[--json] [-p PUBKEY | -P KEY]... BUNDLE" (list and verify): the
 * keys are deferred into *keys (the caller loads and frees them).  --help
 * prints `help` and sets *done with the exit status in the return value. */
int cli_parse_bundle_opts(const char *cmd, const char *help, int argc, char **argv,
                          const char **bundle, int *json, cli_keys *keys, int *done);

#endif
