/*
 * afmt_bench.c - drives libarchive_fmt directly for the benchmark (bench/run):
 * what the `afmt` command does not expose (block size, thread count), timings
 * taken inside one process, and the hash speed comparison.
 *
 *   afmt-bench keygen SECKEY PUBKEY
 *   afmt-bench pack SECKEY OUT BLOCK LEVEL THREADS dir|ndjson|lines INPUT
 *                                      (lines: NDJSON without a JSON parser,
 *                                      the id cut from the first "id":"...";
 *                                      what the writer alone costs)
 *   afmt-bench verify BUNDLE
 *   afmt-bench ids BUNDLE              post ids, one a line
 *   afmt-bench cat BUNDLE ID           as `afmt cat`: afmt_lookup_post (reads
 *                                      only the index pages on the way to
 *                                      the post, spec 10.1)
 *   afmt-bench cat-open BUNDLE ID      the full open (checks the whole
 *                                      index), then find and read
 *   afmt-bench reads BUNDLE N ID...    open, then read each ID N times:
 *                                      prints open ms and median read us;
 *                                      then N afmt_lookup_post calls per ID,
 *                                      each from the path: median lookup us
 *   afmt-bench hash MIB                BLAKE2b-256 speeds (libsodium; libb2
 *                                      too when built with -DHAVE_LIBB2)
 *   afmt-bench run RESULT CMD [ARG...] runs CMD and writes to RESULT its wall
 *                                      seconds, the peak RSS in KiB of its
 *                                      largest process and its exit status
 *                                      (fork and exec from this small process,
 *                                      so the peak is CMD's own: a child of a
 *                                      large process such as python starts
 *                                      with the parent's peak)
 *   afmt-bench dict DICT LEVEL BLOCK LIST
 *                                      compressed sizes of the files named in
 *                                      LIST (one path a line): each alone and
 *                                      grouped in BLOCK-byte blocks, without
 *                                      and with the zstd dictionary DICT
 *
 * `pack dir` treats a directory as the command does (tools/import_dir.h):
 * every regular file, names in byte order, depth first, is a post whose id
 * is its relative path, followed by a file entry at that path referring to
 * it.  Exit status: 0 success, 1 the library reported an error, 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>
#ifdef HAVE_LIBB2
#include <blake2.h>
#endif

#include "afmt.h"
#include "afmt_import.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, int rc, const char *msg)
{
    fprintf(stderr, "afmt-bench: %s: %s%s%s\n", what, afmt_strerror(rc),
            msg && *msg ? ": " : "", msg ? msg : "");
    return 1;
}

/* ---------------------------------------------------------------- pack dir */

typedef struct walk {
    afmt_writer *w;
    char path[8192];
    uint64_t posts;
} walk;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_all(int fd, uint8_t **out, size_t *out_len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    size_t cap = (size_t)st.st_size + 1, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return -1;
    for (;;) {
        if (len == cap) {
            uint8_t *p = realloc(buf, cap *= 2);
            if (p == NULL) {
                free(buf);
                return -1;
            }
            buf = p;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

static const char *media_type(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0 ? "application/json"
                                                       : "application/octet-stream";
}

static int add_tree(walk *wk, int dfd, size_t plen)
{
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            if (names == NULL)
                return -1;
        }
        names[n++] = strdup(de->d_name);
    }
    qsort(names, n, sizeof *names, by_name);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t nl = strlen(names[i]);
        size_t len = plen + (plen ? 1 : 0) + nl;
        if (len + 1 > sizeof wk->path) {
            rc = -1;
            break;
        }
        if (plen)
            wk->path[plen] = '/';
        memcpy(wk->path + plen + (plen ? 1 : 0), names[i], nl + 1);
        struct stat st;
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            int c = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            rc = c < 0 ? -1 : add_tree(wk, c, len);
        } else if (S_ISREG(st.st_mode)) {
            int fd = openat(dirfd(d), names[i], O_RDONLY | O_NOFOLLOW);
            uint8_t *data = NULL;
            size_t dlen = 0;
            if (fd < 0 || read_all(fd, &data, &dlen) != 0) {
                rc = -1;
            } else {
                afmt_post p;
                memset(&p, 0, sizeof p);
                p.id = wk->path;
                p.id_len = len;
                p.media_type = media_type(names[i]);
                p.content = dlen ? (const void *)data : "";
                p.content_len = dlen;
                uint64_t entry;
                int lrc = afmt_writer_add_post(&entry, wk->w, &p);
                if (lrc == AFMT_OK) {
                    afmt_file_part part;
                    memset(&part, 0, sizeof part);
                    part.kind = AFMT_PART_ENTRY;
                    part.entry = entry;
                    lrc = afmt_writer_add_file(NULL, wk->w, wk->path, len, &part, 1);
                }
                if (lrc != AFMT_OK)
                    rc = fail(wk->path, lrc, afmt_writer_errmsg(wk->w));
                wk->posts++;
            }
            free(data);
            if (fd >= 0)
                close(fd);
        }
        wk->path[plen] = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* Each line a post whose id is the first "id":"..." string in it. */
static int pack_lines(afmt_writer *w, const char *input)
{
    FILE *f = fopen(input, "rb");
    if (f == NULL)
        return fail(input, AFMT_E_IO, strerror(errno));
    const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
    int rc = afmt_writer_file_begin(w, base, strlen(base));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (rc == AFMT_OK && (n = getline(&line, &cap, f)) > 0) {
        size_t len = (size_t)n - (line[n - 1] == '\n');
        char *id = strstr(line, "\"id\":\"");
        char *end = id ? strchr(id + 6, '"') : NULL;
        if (end == NULL) {
            rc = AFMT_E_FORMAT;
            break;
        }
        afmt_post p;
        memset(&p, 0, sizeof p);
        p.id = id + 6;
        p.id_len = (size_t)(end - (id + 6));
        p.media_type = "application/json";
        p.content = line;
        p.content_len = len;
        uint64_t entry;
        if ((rc = afmt_writer_add_post(&entry, w, &p)) == AFMT_OK &&
            (rc = afmt_writer_file_add_entry(w, entry)) == AFMT_OK && len < (size_t)n)
            rc = afmt_writer_file_add_data(w, "\n", 1);
    }
    if (rc == AFMT_OK)
        rc = afmt_writer_file_end(NULL, w);
    free(line);
    fclose(f);
    return rc == AFMT_OK ? 0 : fail(input, rc, afmt_writer_errmsg(w));
}

static int cmd_pack(char **argv)
{
    const char *skpath = argv[0], *out = argv[1], *kind = argv[5], *input = argv[6];
    afmt_secret_key *sk = NULL;
    int rc = afmt_secret_key_load(&sk, skpath, NULL, 0);
    if (rc != AFMT_OK)
        return fail(skpath, rc, NULL);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.block_size = (size_t)strtoull(argv[2], NULL, 10);
    o.level = atoi(argv[3]);
    o.threads = (unsigned)atoi(argv[4]);
    o.overwrite = 1; /* the benchmark repacks into one name */
    afmt_writer *w = NULL;
    rc = afmt_writer_open(&w, out, sk, &o);
    if (rc != AFMT_OK) {
        afmt_secret_key_free(sk);
        return fail(out, rc, NULL);
    }
    int status = 0;
    if (strcmp(kind, "dir") == 0) {
        walk wk;
        memset(&wk, 0, sizeof wk);
        wk.w = w;
        int fd = open(input, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || add_tree(&wk, fd, 0) != 0)
            status = fail(input, AFMT_E_IO, wk.path);
    } else if (strcmp(kind, "lines") == 0) {
        status = pack_lines(w, input);
    } else {
        int fd = open(input, O_RDONLY);
        const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
        if (fd < 0)
            status = fail(input, AFMT_E_IO, strerror(errno));
        else if ((rc = afmt_import(NULL, w, AFMT_SOURCE_NDJSON, fd, base, strlen(base))) != AFMT_OK)
            status = fail(input, rc, afmt_error_last());
        if (fd >= 0)
            close(fd);
    }
    if (status == 0 && (rc = afmt_writer_finish(w)) != AFMT_OK)
        status = fail(out, rc, afmt_writer_errmsg(w));
    afmt_writer_free(w);
    afmt_secret_key_free(sk);
    return status;
}

/* ----------------------------------------------------------------- readers */

static int open_bundle(afmt_reader **r, const char *path)
{
    char err[1024] = "";
    int rc = afmt_reader_open(r, path, err, sizeof err);
    return rc == AFMT_OK ? 0 : fail(path, rc, err);
}

static int cmd_verify(char **argv)
{
    afmt_reader *r;
    if (open_bundle(&r, argv[0]) != 0)
        return 1;
    int rc = afmt_reader_verify(r, NULL, NULL);
    int status = rc == AFMT_OK ? 0 : fail(argv[0], rc, afmt_reader_errmsg(r));
    afmt_reader_free(r);
    return status;
}

static int cmd_ids(char **argv)
{
    afmt_reader *r;
    if (open_bundle(&r, argv[0]) != 0)
        return 1;
    uint64_t n = afmt_reader_entry_count(r);
    for (uint64_t i = 0; i < n; i++) {
        afmt_entry e;
        if (afmt_reader_entry(&e, r, i) == AFMT_OK && e.type == AFMT_ENTRY_POST) {
            fwrite(e.id, 1, e.id_len, stdout);
            putchar('\n');
        }
    }
    afmt_reader_free(r);
    return 0;
}

static int sink_out(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

static int cmd_cat(char **argv)
{
    int rc = afmt_lookup_post(NULL, argv[0], argv[1], strlen(argv[1]), sink_out, NULL, NULL);
    return rc == AFMT_OK ? 0 : fail(argv[1], rc, afmt_error_last());
}

static int cmd_cat_open(char **argv)
{
    afmt_reader *r;
    if (open_bundle(&r, argv[0]) != 0)
        return 1;
    uint64_t n;
    int rc = afmt_reader_find_post(&n, r, argv[1], strlen(argv[1]));
    if (rc == AFMT_OK)
        rc = afmt_reader_read(r, n, sink_out, NULL);
    int status = rc == AFMT_OK ? 0 : fail(argv[1], rc, afmt_reader_errmsg(r));
    afmt_reader_free(r);
    return status;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int sink_count(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

/* The time to open (everything but content checked), then for each id the
 * median over N reads, each with an empty block cache (a fresh reader would
 * have one; reopening would time the open again).  Then, for each id, N
 * calls of afmt_lookup_post, each a whole lookup from the path (trailer,
 * signature, index head, the pages on the way, one block, as `afmt cat`
 * does without the process start): their median.  Each lookup must give as
 * many bytes as the reader's read of the same post. */
static int cmd_reads(int argc, char **argv)
{
    double t0 = now();
    afmt_reader *r;
    if (open_bundle(&r, argv[0]) != 0)
        return 1;
    double t_open = now() - t0;
    int reps = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    double *all = calloc((size_t)(argc - 2) * (size_t)reps, sizeof *all);
    size_t k = 0;
    for (int i = 2; i < argc; i++) {
        for (int j = 0; j < reps; j++) {
            /* Evict the cached block: read a post of another block first. */
            uint64_t n, other = 0;
            size_t got = 0;
            if (afmt_reader_read(r, other, sink_count, &got) != AFMT_OK)
                got = 0; /* only its side effect matters */
            double t = now();
            int rc = afmt_reader_find_post(&n, r, argv[i], strlen(argv[i]));
            if (rc == AFMT_OK)
                rc = afmt_reader_read(r, n, sink_count, &got);
            all[k++] = now() - t;
            if (rc != AFMT_OK)
                return fail(argv[i], rc, afmt_reader_errmsg(r));
        }
    }
    qsort(all, k, sizeof *all, by_double);
    printf("open_ms %.3f read_us_median %.1f read_us_max %.1f reads %zu", t_open * 1e3,
           all[k / 2] * 1e6, all[k - 1] * 1e6, k);
    k = 0;
    for (int i = 2; i < argc; i++) {
        uint64_t n;
        size_t want = 0;
        int rc = afmt_reader_find_post(&n, r, argv[i], strlen(argv[i]));
        if (rc == AFMT_OK)
            rc = afmt_reader_read(r, n, sink_count, &want);
        if (rc != AFMT_OK)
            return fail(argv[i], rc, afmt_reader_errmsg(r));
        for (int j = 0; j < reps; j++) {
            size_t got = 0;
            double t = now();
            rc = afmt_lookup_post(NULL, argv[0], argv[i], strlen(argv[i]), sink_count, &got, NULL);
            all[k++] = now() - t;
            if (rc != AFMT_OK)
                return fail(argv[i], rc, afmt_error_last());
            if (got != want) {
                fprintf(stderr, "afmt-bench: %s: lookup gave %zu bytes, the reader %zu\n",
                        argv[i], got, want);
                return 1;
            }
        }
    }
    qsort(all, k, sizeof *all, by_double);
    printf(" lookup_us_median %.1f lookup_us_max %.1f lookups %zu\n", all[k / 2] * 1e6,
           all[k - 1] * 1e6, k);
    free(all);
    afmt_reader_free(r);
    return 0;
}

/* -------------------------------------------------------------------- keys */

static int cmd_keygen(char **argv)
{
    afmt_secret_key *sk;
    afmt_public_key pk;
    int rc = afmt_key_generate(&sk, &pk);
    if (rc == AFMT_OK)
        rc = afmt_secret_key_save(argv[0], sk, NULL, 0, NULL, 1);
    if (rc == AFMT_OK)
        rc = afmt_public_key_save(argv[1], &pk, NULL, 1);
    afmt_secret_key_free(sk);
    return rc == AFMT_OK ? 0 : fail(argv[0], rc, NULL);
}

/* -------------------------------------------------------------------- hash */

typedef void (*hash_fn)(uint8_t out[32], const uint8_t *in, size_t len);

static void h_sodium(uint8_t out[32], const uint8_t *in, size_t len)
{
    crypto_generichash(out, 32, in, len, NULL, 0);
}

#ifdef HAVE_LIBB2
static void h_b2(uint8_t out[32], const uint8_t *in, size_t len)
{
    blake2b(out, in, NULL, 32, len, 0);
}
#endif

/* Best of 5 runs: MB/s over one large buffer, and hashes/s of 1 KiB. */
static void hash_speed(const char *name, hash_fn f, const uint8_t *buf, size_t len)
{
    double best_big = 1e9, best_small = 1e9;
    uint8_t h[32];
    size_t nsmall = len / 1024;
    for (int run = 0; run < 5; run++) {
        double t = now();
        f(h, buf, len);
        t = now() - t;
        if (t < best_big)
            best_big = t;
        t = now();
        for (size_t i = 0; i < nsmall; i++)
            f(h, buf + 1024 * i, 1024);
        t = now() - t;
        if (t < best_small)
            best_small = t;
    }
    printf("%-10s %8.0f MB/s  %8.0f k hashes/s of 1 KiB (%6.0f MB/s)  first byte %02x\n", name,
           (double)len / best_big / 1e6, (double)nsmall / best_small / 1e3,
           (double)nsmall * 1024 / best_small / 1e6, h[0]);
}

static int cmd_hash(char **argv)
{
    size_t len = (size_t)atoi(argv[0]) << 20;
    uint8_t *buf = malloc(len);
    if (buf == NULL || sodium_init() < 0)
        return 1;
    randombytes_buf(buf, len);
    hash_speed("libsodium", h_sodium, buf, len);
#ifdef HAVE_LIBB2
    hash_speed("libb2", h_b2, buf, len);
    uint8_t a[32], b[32];
    h_sodium(a, buf, len);
    h_b2(b, buf, len);
    printf("same bytes: %s\n", memcmp(a, b, 32) == 0 ? "yes" : "NO");
#else
    printf("libb2      not built in (install libb2-dev and rerun bench/run hash)\n");
#endif
    free(buf);
    return 0;
}

/* --------------------------------------------------------------------- run */

static int cmd_run(char **argv)
{
    FILE *out = fopen(argv[0], "w");
    if (out == NULL) {
        perror(argv[0]);
        return 2;
    }
    double t = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("wait4");
            return 2;
        }
    }
    t = now() - t;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(out, "%.6f %ld %d\n", t, ru.ru_maxrss, code);
    return fclose(out) == 0 ? 0 : 2;
}

/* -------------------------------------------------------------- dictionary */

static uint8_t *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    uint8_t *buf = NULL;
    if (fd < 0)
        return NULL;
    if (read_all(fd, &buf, len) != 0)
        buf = NULL;
    close(fd);
    return buf;
}

static size_t zsize(ZSTD_CCtx *cc, const ZSTD_CDict *cd, int level, const uint8_t *src,
                    size_t len, uint8_t *dst, size_t cap)
{
    size_t r = cd ? ZSTD_compress_usingCDict(cc, dst, cap, src, len, cd)
                  : ZSTD_compressCCtx(cc, dst, cap, src, len, level);
    if (ZSTD_isError(r)) {
        fprintf(stderr, "afmt-bench: zstd: %s\n", ZSTD_getErrorName(r));
        exit(1);
    }
    return r;
}

static int cmd_dict(char **argv)
{
    int level = atoi(argv[1]);
    size_t block = (size_t)strtoull(argv[2], NULL, 10);
    size_t dlen = 0, llen = 0;
    uint8_t *dict = slurp(argv[0], &dlen);
    char *list = (char *)slurp(argv[3], &llen);
    if (dict == NULL || list == NULL) {
        fprintf(stderr, "afmt-bench: cannot read %s or %s\n", argv[0], argv[3]);
        return 1;
    }
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CDict *cd = ZSTD_createCDict(dict, dlen, level);
    size_t cap = ZSTD_compressBound(block > (1u << 24) ? block : (1u << 24)) + (1u << 20);
    uint8_t *dst = malloc(cap), *grp = malloc(block + (1u << 24));
    size_t glen = 0, nfiles = 0;
    uint64_t raw = 0, alone = 0, alone_d = 0, grouped = 0, grouped_d = 0;
    list[llen] = 0;
    for (char *line = strtok(list, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        size_t len;
        uint8_t *data = slurp(line, &len);
        if (data == NULL || len == 0 || len > (1u << 24)) {
            free(data);
            continue;
        }
        nfiles++;
        raw += len;
        alone += zsize(cc, NULL, level, data, len, dst, cap);
        alone_d += zsize(cc, cd, level, data, len, dst, cap);
        if (glen > 0 && glen + len > block) {
            grouped += zsize(cc, NULL, level, grp, glen, dst, cap);
            grouped_d += zsize(cc, cd, level, grp, glen, dst, cap);
            glen = 0;
        }
        memcpy(grp + glen, data, len);
        glen += len;
        free(data);
    }
    if (glen > 0) {
        grouped += zsize(cc, NULL, level, grp, glen, dst, cap);
        grouped_d += zsize(cc, cd, level, grp, glen, dst, cap);
    }
    printf("files %zu raw %" PRIu64 " dict %zu alone %" PRIu64 " alone_dict %" PRIu64
           " blocks %" PRIu64 " blocks_dict %" PRIu64 "\n",
           nfiles, raw, dlen, alone, alone_d, grouped, grouped_d);
    ZSTD_freeCDict(cd);
    ZSTD_freeCCtx(cc);
    free(dst);
    free(grp);
    free(dict);
    free(list);
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "keygen") == 0 && argc == 4)
        return cmd_keygen(argv + 2);
    if (strcmp(c, "pack") == 0 && argc == 9)
        return cmd_pack(argv + 2);
    if (strcmp(c, "verify") == 0 && argc == 3)
        return cmd_verify(argv + 2);
    if (strcmp(c, "ids") == 0 && argc == 3)
        return cmd_ids(argv + 2);
    if (strcmp(c, "cat") == 0 && argc == 4)
        return cmd_cat(argv + 2);
    if (strcmp(c, "cat-open") == 0 && argc == 4)
        return cmd_cat_open(argv + 2);
    if (strcmp(c, "reads") == 0 && argc >= 5)
        return cmd_reads(argc - 2, argv + 2);
    if (strcmp(c, "hash") == 0 && argc == 3)
        return cmd_hash(argv + 2);
    if (strcmp(c, "run") == 0 && argc >= 4)
        return cmd_run(argv + 2);
    if (strcmp(c, "dict") == 0 && argc == 6)
        return cmd_dict(argv + 2);
    fprintf(stderr, "usage: see the comment at the top of bench/afmt_bench.c\n");
    return 2;
}
