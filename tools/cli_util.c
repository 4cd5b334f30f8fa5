/*
 * cli_util.c - messages, escaping, JSON strings, times, passphrases, key
 * options and the progress line shared by the subcommands of `afmt`.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_util.h"
#include "common/fileio.h"
#include "commands.h"

/* ---------------------------------------------------------------- UTF-8 */

int cli_codepoint_is_unsafe(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return 1; /* C0, DEL, C1 */
    switch (cp) {
    case 0x00AD: /* soft hyphen */
    case 0x034F: /* combining grapheme joiner */
    case 0x061C: /* Arabic letter mark */
    case 0x115F: /* Hangul choseong filler */
    case 0x1160: /* Hangul jungseong filler */
    case 0x180E: /* Mongolian vowel separator */
    case 0x2028: /* line separator */
    case 0x2029: /* paragraph separator */
    case 0x3164: /* Hangul filler */
    case 0xFEFF: /* BOM / zero width no-break space */
    case 0xFFA0: /* halfwidth Hangul filler */
        return 1;
    default:
        break;
    }
    if (cp >= 0x200B && cp <= 0x200F)
        return 1; /* zero width space, ZWNJ, ZWJ, LRM, RLM */
    if (cp >= 0x202A && cp <= 0x202E)
        return 1; /* LRE RLE PDF LRO RLO */
    if ((cp >= 0x180B && cp <= 0x180D) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0xE0100 && cp <= 0xE01EF))
        return 1; /* variation selectors (Mongolian, standard, supplement) */
    if (cp >= 0xE0000 && cp <= 0xE007F)
        return 1; /* tag characters */
    if (cp >= 0x2060 && cp <= 0x206F)
        return 1; /* word joiner, invisible operators, isolates LRI RLI FSI PDI */
    if (cp >= 0xFFF9 && cp <= 0xFFFB)
        return 1; /* interlinear annotation */
    return 0;
}

static void escape_impl(FILE *out, const char *str, size_t len, int text)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = afmt_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            fprintf(out, "\\x%02X", s[i]);
            i++;
            continue;
        }
        if (cp == '\\') {
            fputs("\\\\", out);
        } else if (cp == '\n') {
            fputs(text ? "\n" : "\\n", out);
        } else if (cp == '\t') {
            fputs(text ? "\t" : "\\t", out);
        } else if (cp == '\r') {
            fputs("\\r", out);
        } else if (cp < 0x20 || cp == 0x7F) {
            fprintf(out, "\\x%02X", (unsigned)cp);
        } else if (cli_codepoint_is_unsafe(cp)) {
            fprintf(out, "\\u{%04" PRIX32 "}", cp);
        } else {
            fwrite(s + i, 1, n, out);
        }
        i += n;
    }
}

void cli_escape_write(FILE *out, const char *s, size_t len)
{
    escape_impl(out, s, len, 0);
}

void cli_escape_write_text(FILE *out, const char *s, size_t len)
{
    escape_impl(out, s, len, 1);
}

void cli_json_string(FILE *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    putc('"', out);
    size_t i = 0;
    while (i < len) {
        /* A run of plain printable ASCII goes out in one write. */
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            fwrite(s + i, 1, run - i, out);
            i = run;
            continue;
        }
        uint32_t cp;
        size_t n = afmt_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            /* PEP 383 surrogateescape: byte b (>= 0x80) -> U+DC00 + b */
            fprintf(out, "\\u%04x", 0xDC00u + s[i]);
            i++;
            continue;
        }
        switch (cp) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (cli_codepoint_is_unsafe(cp) && cp > 0xFFFF) /* a surrogate pair */
                fprintf(out, "\\u%04" PRIx32 "\\u%04" PRIx32, 0xD800u + ((cp - 0x10000) >> 10),
                        0xDC00u + ((cp - 0x10000) & 0x3FF));
            else if (cli_codepoint_is_unsafe(cp))
                fprintf(out, "\\u%04" PRIx32, cp);
            else
                fwrite(s + i, 1, n, out);
        }
        i += n;
    }
    putc('"', out);
}

/* ------------------------------------------------------------- messages */

static void verr(const char *where, size_t where_len, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fflush(stdout);
    fputs(CLI_PROG ": ", stderr);
    if (where != NULL) {
        /* a name from a bundle may be long: show its start */
        if (where_len > 300) {
            cli_escape_write(stderr, where, 300);
            fputs("...", stderr);
        } else {
            cli_escape_write(stderr, where, where_len);
        }
        fputs(": ", stderr);
    }
    cli_escape_write(stderr, msg, strlen(msg));
    fputc('\n', stderr);
    fflush(stderr);
}

void cli_err(const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(where, where ? strlen(where) : 0, fmt, ap);
    va_end(ap);
}

void cli_err_n(const char *where, size_t where_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(where, where_len, fmt, ap);
    va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        cli_err(cmd, "%s (see '" CLI_PROG " %s --help')", msg, cmd);
    else
        cli_err(NULL, "%s (see '" CLI_PROG " --help')", msg);
    return CLI_EXIT_USAGE;
}

int cli_exit_for(int err)
{
    if (err == AFMT_OK)
        return CLI_EXIT_OK;
    if (err == AFMT_E_WITHHELD)
        return CLI_EXIT_WITHHELD;
    return afmt_error_is_integrity(err) ? CLI_EXIT_INTEGRITY : CLI_EXIT_FAILURE;
}

unsigned cli_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

const char *cli_lib_msg(int err)
{
    const char *m = afmt_error_last();
    return afmt_error_last_code() == err && m[0] != '\0' ? m : afmt_strerror(err);
}

const char *cli_error_slug(int err)
{
    switch (err) {
    case AFMT_OK: return "ok";
    case AFMT_E_NOMEM: return "nomem";
    case AFMT_E_IO: return "io";
    case AFMT_E_INVALID_ARGUMENT: return "invalid-argument";
    case AFMT_E_STATE: return "state";
    case AFMT_E_TRUNCATED: return "truncated";
    case AFMT_E_FORMAT: return "format";
    case AFMT_E_UNSUPPORTED: return "unsupported";
    case AFMT_E_LIMIT: return "limit";
    case AFMT_E_BAD_SIGNATURE: return "bad-signature";
    case AFMT_E_WRONG_KEY: return "wrong-key";
    case AFMT_E_INDEX_MISMATCH: return "index-mismatch";
    case AFMT_E_ROOT_MISMATCH: return "root-mismatch";
    case AFMT_E_HASH_MISMATCH: return "hash-mismatch";
    case AFMT_E_COMPRESSION: return "compression";
    case AFMT_E_DUPLICATE: return "duplicate";
    case AFMT_E_NOT_FOUND: return "not-found";
    case AFMT_E_KEY_FORMAT: return "key-format";
    case AFMT_E_PASSPHRASE: return "passphrase";
    case AFMT_E_CRYPTO: return "crypto";
    case AFMT_E_EXISTS: return "exists";
    case AFMT_E_USER: return "user";
    case AFMT_E_WITHHELD: return "withheld";
    default: return "unknown";
    }
}

/* ----------------------------------------------------------------- time */

int cli_format_rfc3339(char out[32], int64_t t)
{
    /* years 0001..9999 */
    if (t < INT64_C(-62135596800) || t > INT64_C(253402300799)) {
        strcpy(out, "?");
        return -1;
    }
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    /* civil date from days since 1970-01-01 (proleptic Gregorian) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y += 1;
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    memcpy(out, tmp, 21); /* 20 characters and the NUL */
    return 0;
}

/* ----------------------------------------------------------- passphrase */

#define PASS_MAX 4096

static struct termios saved_tio;
static volatile sig_atomic_t tty_fd_for_signal = -1;

static void restore_tty_on_signal(int sig)
{
    if (tty_fd_for_signal >= 0)
        tcsetattr(tty_fd_for_signal, TCSAFLUSH, &saved_tio);
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Reads one line from the terminal with echo off into buf (PASS_MAX+1). */
static int tty_read_line(int fd, const char *prompt, char *buf, size_t *out_len)
{
    struct sigaction sa, old[4];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_tty_on_signal;
    sigemptyset(&sa.sa_mask);
    int have_tio = tcgetattr(fd, &saved_tio) == 0;
    if (have_tio) {
        struct termios t = saved_tio;
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
        t.c_lflag |= ECHONL;
        tty_fd_for_signal = fd;
        for (size_t i = 0; i < 4; i++)
            sigaction(tty_signals[i], &sa, &old[i]);
        tcsetattr(fd, TCSAFLUSH, &t);
    }
    /* The prompt comes after echo is off and typeahead is flushed, so
     * what is typed once it shows is neither echoed nor lost. */
    size_t len = 0;
    int rc = 0;
    if (cli_write_all(fd, prompt, strlen(prompt)) != 0)
        rc = -1;
    while (rc == 0) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (len == 0)
                rc = -1;
            break;
        }
        if (c == '\n')
            break;
        if (len >= PASS_MAX) {
            rc = -2; /* too long: the rest is flushed by the next read */
            break;
        }
        buf[len++] = c;
    }
    if (have_tio) {
        tcsetattr(fd, TCSANOW, &saved_tio);
        tty_fd_for_signal = -1;
        for (size_t i = 0; i < 4; i++)
            sigaction(tty_signals[i], &old[i], NULL);
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    *out_len = len;
    return rc;
}

void cli_passphrase_free(char *p)
{
    if (p != NULL)
        sodium_free(p); /* wipes */
}

static int passphrase_from_file(char *buf, size_t *out_len, const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_err(file, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, PASS_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            cli_err(file, "%s", strerror(e));
            return CLI_EXIT_FAILURE;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        char *nl = memchr(buf, '\n', len);
        if (nl != NULL) {
            len = (size_t)(nl - buf);
            break;
        }
        if (len > PASS_MAX) {
            close(fd);
            cli_err(file, "passphrase longer than %d bytes", PASS_MAX);
            return CLI_EXIT_FAILURE;
        }
    }
    close(fd);
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    *out_len = len;
    return CLI_EXIT_OK;
}

int cli_passphrase_read(char **out, size_t *out_len, const char *file, const char *what,
                        int twice)
{
    *out = NULL;
    *out_len = 0;
    if (afmt_init() != AFMT_OK) {
        cli_err(NULL, "cannot initialise libsodium");
        return CLI_EXIT_FAILURE;
    }
    char *buf = sodium_malloc(PASS_MAX + 2);
    if (buf == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    size_t len = 0;
    if (file != NULL) {
        int rc = passphrase_from_file(buf, &len, file);
        if (rc != CLI_EXIT_OK) {
            sodium_free(buf);
            return rc;
        }
    } else {
        int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            cli_err(what, "needs a passphrase but there is no terminal to ask it on "
                          "(use --passphrase-file FILE)");
            sodium_free(buf);
            return CLI_EXIT_FAILURE;
        }
        char prompt[256];
        snprintf(prompt, sizeof prompt, "Passphrase for %s: ", what);
        int r = tty_read_line(fd, prompt, buf, &len);
        if (r == 0 && twice) {
            char *again = sodium_malloc(PASS_MAX + 2);
            size_t alen = 0;
            if (again == NULL) {
                close(fd);
                sodium_free(buf);
                cli_err(NULL, "out of memory");
                return CLI_EXIT_FAILURE;
            }
            r = tty_read_line(fd, "Passphrase (again): ", again, &alen);
            if (r == 0 && (alen != len || sodium_memcmp(again, buf, len) != 0))
                r = -3;
            sodium_free(again);
        }
        close(fd);
        if (r != 0) {
            sodium_free(buf);
            if (r == -2)
                cli_err(what, "passphrase longer than %d bytes", PASS_MAX);
            else if (r == -3)
                cli_err(what, "the passphrases do not match");
            else
                cli_err(what, "no passphrase read from the terminal");
            return CLI_EXIT_FAILURE;
        }
    }
    *out = buf;
    *out_len = len;
    return CLI_EXIT_OK;
}

int cli_load_secret_key(afmt_secret_key **out, const char *path, const char *passphrase_file)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_err(path, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    int enc = afmt_secret_key_file_is_encrypted(path);
    if (enc < 0) {
        cli_err(path, "cannot read secret key: %s", afmt_strerror(enc));
        return CLI_EXIT_FAILURE;
    }
    char *pass = NULL;
    size_t pass_len = 0;
    if (enc) {
        int rc = cli_passphrase_read(&pass, &pass_len, passphrase_file, path, 0);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    int rc = afmt_secret_key_load(out, path, pass, pass_len);
    cli_passphrase_free(pass);
    if (rc != AFMT_OK) {
        *out = NULL;
        if (rc == AFMT_E_PASSPHRASE)
            cli_err(path, "wrong passphrase");
        else
            cli_err(path, "cannot load secret key: %s", afmt_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ key lists */

static int keys_push(cli_keys *k, const afmt_public_key *pk)
{
    afmt_public_key *p = realloc(k->keys, (k->n + 1) * sizeof *p);
    if (p == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    k->keys = p;
    k->keys[k->n++] = *pk;
    return CLI_EXIT_OK;
}

int cli_keys_add_file(cli_keys *k, const char *cmd, const char *path)
{
    (void)cmd;
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_err(path, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    afmt_public_key pk;
    int rc = afmt_public_key_load(&pk, path);
    if (rc != AFMT_OK) {
        cli_err(path, "cannot load public key: %s", afmt_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    return keys_push(k, &pk);
}

int cli_keys_add_base64(cli_keys *k, const char *cmd, const char *b64)
{
    afmt_public_key pk;
    int rc = afmt_public_key_parse(&pk, b64, strlen(b64));
    if (rc != AFMT_OK)
        return cli_usage(cmd, "-P %s: not a minisign public key", b64);
    return keys_push(k, &pk);
}

int cli_keys_defer(cli_keys *k, int kind, const char *arg)
{
    char *kinds = realloc(k->kinds, k->nargs + 1);
    if (kinds != NULL)
        k->kinds = kinds;
    const char **args = realloc(k->args, (k->nargs + 1) * sizeof *args);
    if (args != NULL)
        k->args = args;
    if (kinds == NULL || args == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    k->kinds[k->nargs] = (char)kind;
    k->args[k->nargs++] = arg;
    return CLI_EXIT_OK;
}

int cli_keys_load(cli_keys *k, const char *cmd)
{
    /* usage errors (-P) first, then files */
    for (size_t i = 0; i < k->nargs; i++)
        if (k->kinds[i] == 'P') {
            int rc = cli_keys_add_base64(k, cmd, k->args[i]);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
    for (size_t i = 0; i < k->nargs; i++)
        if (k->kinds[i] == 'p') {
            int rc = cli_keys_add_file(k, cmd, k->args[i]);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
    return CLI_EXIT_OK;
}

void cli_keys_free(cli_keys *k)
{
    free(k->keys);
    free(k->kinds);
    free(k->args);
    memset(k, 0, sizeof *k);
}

void cli_wrong_key_message(char *out, size_t size, const char *libmsg)
{
    /* The library names the key by its fingerprint and the id as a claim. */
    snprintf(out, size, "%s; not one of the trusted keys",
             libmsg != NULL && *libmsg ? libmsg : afmt_strerror(AFMT_E_WRONG_KEY));
}

void cli_warn_untrusted_signer(const char *path, const afmt_public_key *signer)
{
    char fp[AFMT_FINGERPRINT_CHARS];
    afmt_public_key_fingerprint(fp, signer);
    cli_err(path, "warning: signature checked with the key inside the bundle (%s); "
                  "the signer was not checked against a trusted key (use -p or -P)",
            fp);
}

int cli_open_bundle(afmt_reader **out, const char *path, const cli_keys *keys)
{
    *out = NULL;
    afmt_reader *r = NULL;
    size_t nkeys = keys != NULL ? keys->n : 0;
    /* With keys, the signer is checked right after the signature, before
     * the index is read or decoded: a bundle from anyone else costs
     * nothing to refuse. */
    afmt_reader_options opts = AFMT_READER_OPTIONS_INIT;
    opts.threads = cli_threads();
    opts.trusted_keys = nkeys ? keys->keys : NULL;
    opts.ntrusted_keys = nkeys;
    int rc = afmt_reader_open_ext(&r, path, &opts);
    if (rc == AFMT_E_WRONG_KEY) {
        char m[640];
        cli_wrong_key_message(m, sizeof m, cli_lib_msg(rc));
        cli_err(path, "%s", m);
        return CLI_EXIT_INTEGRITY;
    }
    if (rc != AFMT_OK) {
        cli_err(path, "%s", cli_lib_msg(rc));
        return cli_exit_for(rc);
    }
    if (nkeys == 0) {
        const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
        cli_warn_untrusted_signer(path, &ci->signer);
    }
    *out = r;
    return CLI_EXIT_OK;
}

/* ----------------------------------------------------------- progress */

static struct {
    pthread_t thread;
    int running;
    atomic_int stop;
    uint64_t total;
    uint64_t base;
    char label[64];
} progress;

static uint64_t read_rchar(void)
{
    int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strstr(buf, "rchar:");
    if (p == NULL)
        return 0;
    return strtoull(p + 6, NULL, 10);
}

static void *progress_main(void *arg)
{
    (void)arg;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int shown = 0;
    while (!atomic_load(&progress.stop)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (atomic_load(&progress.stop))
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - start.tv_sec) +
                         (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (elapsed < 1.0)
            continue;
        uint64_t done = read_rchar();
        done = done > progress.base ? done - progress.base : 0;
        if (done > progress.total)
            done = progress.total;
        int pct = progress.total ? (int)(done * 100 / progress.total) : 0;
        char bar[31];
        int fill = pct * 30 / 100;
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %" PRIu64 "/%" PRIu64 " MiB  ", progress.label, bar,
                pct, done >> 20, progress.total >> 20);
        fflush(stderr);
        shown = 1;
    }
    if (shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    return NULL;
}

void cli_progress_start(const char *label, uint64_t total)
{
    if (progress.running || !isatty(STDERR_FILENO))
        return;
    snprintf(progress.label, sizeof progress.label, "%s", label);
    progress.total = total;
    progress.base = read_rchar();
    atomic_store(&progress.stop, 0);
    if (pthread_create(&progress.thread, NULL, progress_main, NULL) == 0)
        progress.running = 1;
}

void cli_progress_stop(void)
{
    if (!progress.running)
        return;
    atomic_store(&progress.stop, 1);
    pthread_join(progress.thread, NULL);
    progress.running = 0;
}

/* ------------------------------------------------------------- I/O */

int cli_write_all(int fd, const void *data, size_t len)
{
    return afmt_write_all(fd, data, len, NULL) == AFMT_OK ? 0 : -1; /* common/fileio.c */
}

int cli_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    static const char units[] = "KMGTP";
    const char *u = *p ? strchr(units, *p) : NULL;
    if (u != NULL) {
        for (int i = 0; i <= u - units; i++) {
            if (v > UINT64_MAX / 1024)
                return -1;
            v *= 1024;
        }
        p++;
        if (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0)
            p += strlen(p);
    }
    if (*p != '\0')
        return -1;
    *out = v;
    return 0;
}

void cli_size_text(char *buf, size_t cap, uint64_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%" PRIu64 " bytes", n);
        return;
    }
    double v = (double)n / 1024;
    int i = 0;
    while (v >= 1024 && i < 5) {
        v /= 1024;
        i++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[i]);
}

int cli_pwrite_all(int fd, const void *data, size_t len, uint64_t offset)
{
    const char *p = data;
    while (len > 0) {
        if (offset > (uint64_t)INT64_MAX - len) {
            errno = EFBIG;
            return -1;
        }
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int cli_write_file_atomic(const char *path, const void *data, size_t len, int overwrite)
{
    /* common/fileio.c's output file: temporary name, fsync, rename or link */
    char err[AFMT_ERRMSG_BYTES];
    afmt_outfile f;
    int rc = afmt_outfile_open(&f, path, 0644, overwrite, err);
    if (rc == AFMT_OK) {
        rc = afmt_outfile_write(&f, data, len, err);
        if (rc == AFMT_OK)
            rc = afmt_outfile_commit(&f, overwrite, err);
        else
            afmt_outfile_abort(&f);
    }
    if (rc != AFMT_OK) {
        cli_err(path, "%s", err);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------- options */

int cli_once(cli_seen *s, int opt)
{
    unsigned idx = (unsigned)opt & 0x1FFu;
    if (s->count[idx] != 0)
        return -1;
    s->count[idx] = 1;
    return 0;
}

int cli_getopt_error(const char *cmd, int c, int optopt_value, const char *arg)
{
    if (c == ':') {
        if (optopt_value > 0 && optopt_value < 256 && optopt_value != 1)
            return cli_usage(cmd, "option -%c needs an argument", optopt_value);
        return cli_usage(cmd, "option %s needs an argument", arg ? arg : "?");
    }
    if (optopt_value > 0 && optopt_value < 128)
        return cli_usage(cmd, "unknown option -%c", optopt_value);
    return cli_usage(cmd, "unknown option %s", arg ? arg : "?");
}

int cli_repeated(const char *cmd, int c, const struct option *longopts)
{
    if (c > 0 && c < 256)
        return cli_usage(cmd, "option -%c given more than once", c);
    for (const struct option *o = longopts; o != NULL && o->name != NULL; o++)
        if (o->val == c)
            return cli_usage(cmd, "option --%s given more than once", o->name);
    return cli_usage(cmd, "an option was given more than once");
}

int cli_parse_bundle_opts(const char *cmd, const char *help, int argc, char **argv,
                          const char **bundle, int *json, cli_keys *keys, int *done)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                              {"json", no_argument, NULL, OPT_JSON},
                                              {NULL, 0, NULL, 0}};
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK, c;
    *bundle = NULL;
    *json = 0;
    *done = 0;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            *done = 1;
            fputs(help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        case ':':
        case '?': rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]); break;
        case 1:
            if (*bundle != NULL)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            *bundle = optarg;
            break;
        case 'p':
        case 'P': rc = cli_keys_defer(keys, c, optarg); break;
        case OPT_JSON:
            if (cli_once(&seen, c) != 0)
                rc = cli_repeated(cmd, c, longopts);
            *json = 1;
            break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (*bundle != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        *bundle = argv[optind];
    }
    if (rc == CLI_EXIT_OK && *bundle == NULL)
        rc = cli_usage(cmd, "no bundle given");
    return rc;
}
