/*
 * cmd_extract.c - `afmt extract`: write back the packed files, or one file
 * per post, below a directory and never outside it.
 *
 * Every file is written relative to an open descriptor of DIR: directories
 * are opened one component at a time with O_NOFOLLOW (a symbolic link
 * found in DIR is refused, never followed) and made with mkdirat when
 * missing; the content goes to a temporary name in the same directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW) and is linked or renamed to its name only
 * after the library has checked every byte against the signed hashes.
 *
 * The order a hostile bundle gives its entries or parts does not multiply
 * the work: a file is written with afmt_reader_read_at, which hands its
 * pieces over in storage order (each of its blocks decoded once, however
 * its parts jump between blocks), with pwrite at their offsets; posts are
 * written in the order of the block that holds them, so all of them decode
 * each block once whatever the entry order.  (Files are sorted the same
 * way, but the library gives no block for a file yet: many files each
 * touching the same blocks still decode them once per file.)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "cli_util.h"
#include "commands.h"
#include "safe_fs.h"

static const char extract_help[] =
    "Usage: afmt extract [-C DIR] [-f] [--posts] [--max-size SIZE] [-p PUBKEY | -P KEY]...\n"
    "                    BUNDLE [ID...]\n"
    "\n"
    "Writes back what was packed, byte for byte, below DIR (default: the current\n"
    "directory, made if missing): a directory input as its tree, a file input under\n"
    "its own name, standard input as 'stdin.FORMAT' (for example stdin.ndjson).\n"
    "\n"
    "With --posts, or when IDs are named, writes one file per post instead (all\n"
    "posts, or the named ones), its name derived from the post id:\n"
    "  - every byte outside A-Z a-z 0-9 . _ - becomes %HH (two uppercase hex digits),\n"
    "    so '/' is %2F and '%' is %25; a '.' that would start a name becomes %2E;\n"
    "  - a name longer than 240 bytes is cut so that it fits the file system:\n"
    "    each directory holds at most 239 bytes of it (never cut inside a %HH) and\n"
    "    then a bare '%', the file holds the rest (at most 240 bytes).  The escaping\n"
    "    never ends a name with '%', so one post's directory is never another\n"
    "    post's file.\n"
    "  To get the id back, drop every '%/' and percent-decode.  The mapping is\n"
    "  reversible and can never leave DIR ('../x' is written as %2E.%2Fx).  On a\n"
    "  case-insensitive file system ids differing only in case map to the same file:\n"
    "  the second one is refused, with or without -f.\n"
    "\n"
    "Safety: nothing is written outside DIR.  Paths that are absolute, empty, or\n"
    "hold '..', '.', NUL or backslash are refused; a symbolic link found in DIR is\n"
    "never followed (the file below it is refused); each file is written to a\n"
    "temporary name beside it and given its name only after every byte matched the\n"
    "signed hashes; an existing file is not replaced unless -f.  Before writing\n"
    "anything it adds up what it would write and refuses (exit 3) when that is over\n"
    "--max-size or more than the free space of DIR's file system: a small bundle can\n"
    "name a file of terabytes (one content repeated), and each block is decoded once\n"
    "however many files use it.\n"
    "\n"
    "A bundle with posts withheld by the archiver (afmt withhold): an ID not found\n"
    "there may be a withheld one, and files that held withheld posts are withheld\n"
    "too; either is said on stderr and the exit status is 4 (the rest is written).\n"
    "\n"
    "  -C DIR     where to write (default .)\n"
    "  -f         replace existing files (a symbolic link in their place is\n"
    "             replaced, not followed)\n"
    "  --posts    one file per post\n"
    "  --max-size SIZE  write at most SIZE bytes in all (K, M, G, T, P: powers of\n"
    "             1024; default 64G, far above any real corpus)\n"
    "  -p PUBKEY  a trusted public key file (repeatable)\n"
    "  -P KEY     a trusted public key, as its base64 line (repeatable)\n";

/* ---- (dev, ino) of files written by this run, to catch name collisions
 * on case-insensitive or normalising file systems ---- */

typedef struct inoset {
    uint64_t *slots; /* pairs dev, ino+1 (0 = empty) */
    size_t mask;     /* capacity - 1, in pairs */
    size_t n;
} inoset;

static size_t inoset_pos(const inoset *s, uint64_t dev, uint64_t ino)
{
    uint64_t h = (dev * 0x9E3779B97F4A7C15u) ^ (ino * 0xC2B2AE3D27D4EB4Fu);
    return (size_t)(h ^ (h >> 29)) & s->mask;
}

static int inoset_has(const inoset *s, uint64_t dev, uint64_t ino)
{
    if (s->slots == NULL)
        return 0;
    for (size_t i = inoset_pos(s, dev, ino);; i = (i + 1) & s->mask) {
        if (s->slots[2 * i + 1] == 0)
            return 0;
        if (s->slots[2 * i] == dev && s->slots[2 * i + 1] == ino + 1)
            return 1;
    }
}

static int inoset_add(inoset *s, uint64_t dev, uint64_t ino)
{
    if (s->slots == NULL || (s->n + 1) * 2 > s->mask + 1) {
        size_t cap = s->slots ? (s->mask + 1) * 2 : 1024;
        inoset t = {calloc(cap * 2, sizeof(uint64_t)), cap - 1, 0};
        if (t.slots == NULL)
            return -1;
        for (size_t i = 0; s->slots && i <= s->mask; i++)
            if (s->slots[2 * i + 1] != 0) {
                size_t j = inoset_pos(&t, s->slots[2 * i], s->slots[2 * i + 1] - 1);
                while (t.slots[2 * j + 1] != 0)
                    j = (j + 1) & t.mask;
                t.slots[2 * j] = s->slots[2 * i];
                t.slots[2 * j + 1] = s->slots[2 * i + 1];
                t.n++;
            }
        free(s->slots);
        *s = t;
    }
    size_t i = inoset_pos(s, dev, ino);
    while (s->slots[2 * i + 1] != 0) {
        if (s->slots[2 * i] == dev && s->slots[2 * i + 1] == ino + 1)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slots[2 * i] = dev;
    s->slots[2 * i + 1] = ino + 1;
    s->n++;
    return 0;
}

/* ---- one output file ---- */

typedef struct extractor {
    afmt_reader *r;
    uint64_t max_size; /* --max-size */
    int dfd;           /* DIR */
    const char *bundle;
    cli_dirchain chain;
    int force;
    inoset written;
    int status; /* worst exit status so far */
    int read_rc; /* the library's error for the last entry read, or AFMT_OK */
    uint64_t bad_block; /* a block that does not match its signed hash */
    char bad_msg[256];  /* and what the library said about it */
} extractor;

static void note(extractor *x, int status)
{
    if (status == CLI_EXIT_INTEGRITY || x->status == CLI_EXIT_OK)
        x->status = status;
}

typedef struct fd_sink {
    int fd;
    int err; /* errno of a failed write */
} fd_sink;

/* Pieces arrive in storage order, each with its offset in the content. */
static int sink_fd_at(void *ctx, uint64_t offset, const void *data, size_t len)
{
    fd_sink *s = ctx;
    if (len == 0 || cli_pwrite_all(s->fd, data, len, offset) == 0)
        return 0;
    s->err = errno ? errno : EIO;
    return 1;
}

static int make_temp(int dfd, char name[40])
{
    for (int attempt = 0; attempt < 16; attempt++) {
        uint8_t rnd[8];
        randombytes_buf(rnd, sizeof rnd);
        snprintf(name, 40, ".afmt-tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Refuses a target that is a file this run wrote already (two names that
 * the file system treats as one).  Returns 0 when fine. */
static int check_collision(extractor *x, int dfd, const char *base, const char *shown,
                           size_t shown_len)
{
    struct stat st;
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    if (inoset_has(&x->written, (uint64_t)st.st_dev, (uint64_t)st.st_ino)) {
        cli_err_n(shown, shown_len,
                  "same file as one written earlier by this extraction (case-insensitive or "
                  "normalising file system?); not written");
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        cli_err_n(shown, shown_len, "is a directory; not written");
        return -1;
    }
    return 0;
}

static void extract_at(extractor *x, const char *rel, size_t rel_len, uint64_t number,
                       uint64_t size);

/* Gives the checked temporary file `tmp` in dfd its name `base` (without
 * replacing a file unless -f, never one this run wrote), and remembers it. */
static void give_name(extractor *x, int dfd, const char *tmp, const char *base, const char *rel,
                      size_t rel_len, const struct stat *fst)
{
    int crc;
    if (x->force) {
        crc = check_collision(x, dfd, base, rel, rel_len) == 0 ? renameat(dfd, tmp, dfd, base)
                                                              : -2;
    } else {
        crc = renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE);
        if (crc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            crc = linkat(dfd, tmp, dfd, base, 0);
            if (crc == 0)
                unlinkat(dfd, tmp, 0);
        }
        if (crc != 0 && errno == EEXIST) {
            if (check_collision(x, dfd, base, rel, rel_len) == 0)
                cli_err_n(rel, rel_len, "exists (use -f to overwrite); not written");
            crc = -2;
        }
    }
    if (crc != 0) {
        if (crc == -1)
            cli_err_n(rel, rel_len, "%s; not written", strerror(errno));
        unlinkat(dfd, tmp, 0);
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    if (inoset_add(&x->written, (uint64_t)fst->st_dev, (uint64_t)fst->st_ino) != 0) {
        cli_err(NULL, "out of memory");
        note(x, CLI_EXIT_FAILURE);
    }
}


/* Writes entry `number` (`size` bytes of content) as rel[0..rel_len),
 * which comes from the bundle: not NUL-terminated. */
static void extract_one(extractor *x, const char *rel, size_t rel_len, uint64_t number,
                        uint64_t size)
{
    if (!afmt_path_safe((const uint8_t *)rel, rel_len)) {
        cli_err_n(rel, rel_len, "unsafe path in the bundle; not written");
        note(x, CLI_EXIT_INTEGRITY);
        return;
    }
    char *copy = malloc(rel_len + 1);
    if (copy == NULL) {
        cli_err(NULL, "out of memory");
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    memcpy(copy, rel, rel_len);
    copy[rel_len] = '\0';
    extract_at(x, copy, rel_len, number, size);
    free(copy);
}

/* The same with rel NUL-terminated and checked. */
static void extract_at(extractor *x, const char *rel, size_t rel_len, uint64_t number,
                       uint64_t size)
{
    const char *slash = memrchr(rel, '/', rel_len);
    size_t dlen = slash ? (size_t)(slash - rel) : 0;
    const char *base = slash ? slash + 1 : rel;
    if (strlen(base) > 255) {
        cli_err_n(rel, rel_len, "a name is longer than 255 bytes; not written");
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    char err[512];
    int dfd = cli_dirchain_enter(&x->chain, rel, dlen, 1, err, sizeof err);
    if (dfd < 0) {
        cli_err_n(rel, rel_len, "%s; not written", err);
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    struct stat st;
    if (!x->force && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (check_collision(x, dfd, base, rel, rel_len) == 0)
            cli_err_n(rel, rel_len, "exists (use -f to overwrite); not written");
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    char tmp[40];
    int fd = make_temp(dfd, tmp);
    if (fd < 0) {
        cli_err_n(rel, rel_len, "cannot create a temporary file: %s", strerror(errno));
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    fd_sink sink = {fd, 0};
    int lrc = afmt_reader_read_at(x->r, number, sink_fd_at, &sink);
    if (lrc == AFMT_E_USER)
        lrc = 1; /* the sink stopped: a write error, its errno in sink.err */
    x->read_rc = lrc < 0 ? lrc : AFMT_OK;
    int werr = sink.err;
    struct stat fst;
    if (lrc == AFMT_OK && fstat(fd, &fst) != 0) {
        lrc = 1;
        werr = errno;
    }
    if (lrc == AFMT_OK && (uint64_t)fst.st_size != size) {
        /* the pieces did not tile the content: never give it its name */
        cli_err_n(rel, rel_len, "wrote %" PRIu64 " bytes where the index says %" PRIu64
                                "; not written", (uint64_t)fst.st_size, size);
        close(fd);
        unlinkat(dfd, tmp, 0);
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    if (close(fd) != 0 && lrc == AFMT_OK) {
        lrc = 1;
        werr = errno;
    }
    if (lrc != AFMT_OK) {
        unlinkat(dfd, tmp, 0);
        if (lrc > 0) {
            cli_err_n(rel, rel_len, "write error: %s", strerror(werr));
            note(x, CLI_EXIT_FAILURE);
        } else {
            cli_err_n(rel, rel_len, "%s; not written", cli_lib_msg(lrc));
            note(x, cli_exit_for(lrc));
        }
        return;
    }
    give_name(x, dfd, tmp, base, rel, rel_len, &fst);
}

/* ---- the command ---- */

/* Refuses, before anything is written, output over --max-size or over the
 * free space of DIR's file system (spec 11: a bundle of kilobytes can name
 * terabytes).  `total` is what the extraction would write.  0 when fine. */
static int check_output_size(extractor *x, uint64_t total)
{
    char want[32], have[32];
    cli_size_text(want, sizeof want, total);
    if (total > x->max_size) {
        cli_size_text(have, sizeof have, x->max_size);
        cli_err(x->bundle, "extracting would write %" PRIu64 " bytes (%s), over the limit of %s "
                           "(--max-size); nothing written", total, want, have);
        note(x, CLI_EXIT_FAILURE);
        return -1;
    }
    struct statvfs vfs;
    if (fstatvfs(x->dfd, &vfs) == 0) {
        uint64_t unit = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
        uint64_t free_bytes = (uint64_t)vfs.f_bavail > UINT64_MAX / (unit ? unit : 1)
                                  ? UINT64_MAX
                                  : (uint64_t)vfs.f_bavail * unit;
        if (total > free_bytes) {
            cli_size_text(have, sizeof have, free_bytes);
            cli_err(x->bundle, "extracting would write %" PRIu64 " bytes (%s), more than the "
                               "%s free where it goes; nothing written", total, want, have);
            note(x, CLI_EXIT_FAILURE);
            return -1;
        }
    }
    return 0;
}

static int open_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdir(dir, 0777) == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        cli_err(dir, "%s", strerror(errno));
    return fd;
}

/* An entry to write: sorted by the block holding its content, then by
 * entry number, so that each block is decoded once whatever the entry
 * order (posts; for files, see extract_files). */
typedef struct entry_ref {
    uint64_t block; /* UINT64_MAX: empty, no block */
    uint64_t number;
} entry_ref;

static int entry_ref_cmp(const void *a, const void *b)
{
    const entry_ref *p = a, *q = b;
    if (p->block != q->block)
        return p->block < q->block ? -1 : 1;
    return p->number < q->number ? -1 : p->number > q->number;
}

/* Nonzero when the last read failed because block b does not match its
 * signed hash (the library's words; anything else: zero). */
static int block_altered(extractor *x, uint64_t b)
{
    if (x->read_rc != AFMT_E_HASH_MISMATCH || b == UINT64_MAX)
        return 0;
    const char *m = afmt_reader_errmsg(x->r);
    char want[64];
    snprintf(want, sizeof want, "block %" PRIu64 " does not match its signed hash", b);
    return m != NULL && strcmp(m, want) == 0;
}

static int check_output_size(extractor *x, uint64_t total);

static void extract_post_refs(extractor *x, entry_ref *refs, size_t n)
{
    if (n > 1)
        qsort(refs, n, sizeof *refs, entry_ref_cmp);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        afmt_entry e;
        if (afmt_reader_entry(&e, x->r, refs[i].number) == AFMT_OK)
            total = e.size > UINT64_MAX - total ? UINT64_MAX : total + e.size;
    }
    if (check_output_size(x, total) != 0)
        return;
    x->bad_block = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        afmt_entry e;
        int lrc = afmt_reader_entry(&e, x->r, refs[i].number);
        if (lrc != AFMT_OK) {
            cli_err(x->bundle, "entry %" PRIu64 ": %s", refs[i].number, afmt_strerror(lrc));
            note(x, cli_exit_for(lrc));
            return;
        }
        char *name = cli_post_file_name(e.id, e.id_len);
        if (name == NULL) {
            cli_err(NULL, "out of memory");
            note(x, CLI_EXIT_FAILURE);
            return;
        }
        if (refs[i].block != UINT64_MAX && refs[i].block == x->bad_block) {
            /* The rest of an altered block: reading each of its posts would
             * read and hash the whole block again, for the same answer. */
            cli_err(name, "%s; not written", x->bad_msg);
            note(x, CLI_EXIT_INTEGRITY);
        } else {
            x->read_rc = AFMT_OK;
            extract_one(x, name, strlen(name), refs[i].number, e.size);
            if (block_altered(x, refs[i].block)) {
                x->bad_block = refs[i].block;
                snprintf(x->bad_msg, sizeof x->bad_msg, "%s", afmt_reader_errmsg(x->r));
            }
        }
        free(name);
    }
}

/* Every entry of `type` as (block, number), for reading in block order.
 * Returns 0, or the exit status to stop with (already reported). */
static int collect_refs(extractor *x, afmt_entry_type type, entry_ref **out, size_t *out_n)
{
    uint64_t total = afmt_reader_entry_count(x->r);
    entry_ref *refs = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *out_n = 0;
    for (uint64_t i = 0; i < total; i++) {
        afmt_entry e;
        int lrc = afmt_reader_entry(&e, x->r, i);
        if (lrc != AFMT_OK) {
            cli_err(x->bundle, "entry %" PRIu64 ": %s", i, afmt_strerror(lrc));
            note(x, cli_exit_for(lrc));
            free(refs);
            return x->status;
        }
        if (e.type != type)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            entry_ref *v = realloc(refs, ncap * sizeof *v);
            if (v == NULL) {
                cli_err(NULL, "out of memory");
                free(refs);
                note(x, CLI_EXIT_FAILURE);
                return x->status;
            }
            refs = v;
            cap = ncap;
        }
        refs[n].block = e.block;
        refs[n++].number = i;
    }
    *out = refs;
    *out_n = n;
    return 0;
}

static int extract_posts(extractor *x, char **ids, size_t nids)
{
    uint64_t total = afmt_reader_entry_count(x->r);
    if (nids == 0) {
        entry_ref *refs;
        size_t n;
        if (collect_refs(x, AFMT_ENTRY_POST, &refs, &n) != 0)
            return x->status;
        extract_post_refs(x, refs, n);
        free(refs);
        return x->status;
    }
    /* Named ids: find them all before writing anything. */
    entry_ref *refs = calloc(nids, sizeof *refs);
    uint8_t *done = calloc((size_t)(total / 8 + 1), 1);
    if (refs == NULL || done == NULL) {
        free(refs);
        free(done);
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    int missing = 0;
    size_t n = 0;
    for (size_t i = 0; i < nids; i++) {
        uint64_t number;
        afmt_entry e;
        int lrc = afmt_reader_find_post(&number, x->r, ids[i], strlen(ids[i]));
        if (lrc == AFMT_OK)
            lrc = afmt_reader_entry(&e, x->r, number);
        if (lrc != AFMT_OK) {
            const afmt_checkpoint_info *ci = afmt_reader_checkpoint(x->r);
            if (ci->withheld_posts > 0) {
                cli_err(x->bundle, "no post with id '%s': the archiver withheld %" PRIu64
                        " posts from this bundle, and it may be one of them", ids[i],
                        ci->withheld_posts);
                missing = missing == 0 || missing == CLI_EXIT_WITHHELD ? CLI_EXIT_WITHHELD
                                                                       : missing;
            } else {
                cli_err(x->bundle, "no post with id '%s'", ids[i]);
                missing = CLI_EXIT_FAILURE;
            }
            continue;
        }
        if (done[number / 8] & (1u << (number % 8)))
            continue; /* named twice */
        done[number / 8] |= (uint8_t)(1u << (number % 8));
        refs[n].block = e.block;
        refs[n++].number = number;
    }
    if (!missing)
        extract_post_refs(x, refs, n);
    free(refs);
    free(done);
    return missing ? missing : x->status;
}

/* ---- files: all of them planned by block ---- */

/* A file being written: its temporary file exists from the start of the
 * run and gets its name once every piece has been written and checked. */
typedef struct out_file {
    const char *rel; /* the path, borrowed from the reader (not NUL-ended) */
    size_t rel_len;
    char *path;      /* NUL-ended copy, NULL when refused before any write */
    size_t dlen;     /* bytes of its directory in path */
    char tmp[40];
    int fd;          /* -1 while closed */
    int failed;      /* 0, or 1 when told and reported already */
    int werr;        /* errno of a failed write */
} out_file;

typedef struct file_run {
    extractor *x;
    out_file *files;
    int *open_ring; /* indices of the files with an open descriptor, oldest first */
    size_t ring_cap, ring_head, ring_n;
} file_run;

/* The descriptor of file i, opened again by its temporary name (through
 * the chain: no link followed) when it was closed to stay within the
 * descriptor limit; the oldest open one is closed to make room. */
static int file_fd(file_run *fr, size_t i)
{
    out_file *f = &fr->files[i];
    if (f->fd >= 0)
        return f->fd;
    if (fr->ring_n == fr->ring_cap) {
        out_file *old = &fr->files[fr->open_ring[fr->ring_head]];
        close(old->fd); /* written with pwrite: nothing buffered */
        old->fd = -1;
        fr->ring_head = (fr->ring_head + 1) % fr->ring_cap;
        fr->ring_n--;
    }
    char err[512];
    int dfd = cli_dirchain_enter(&fr->x->chain, f->path, f->dlen, 0, err, sizeof err);
    if (dfd < 0) {
        errno = ENOENT;
        return -1;
    }
    f->fd = openat(dfd, f->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f->fd < 0)
        return -1;
    fr->open_ring[(fr->ring_head + fr->ring_n++) % fr->ring_cap] = (int)i;
    return f->fd;
}

static int sink_file(void *ctx, size_t which, uint64_t offset, const void *data, size_t len)
{
    file_run *fr = ctx;
    out_file *f = &fr->files[which];
    if (len == 0 || f->path == NULL || f->failed || f->werr != 0)
        return 0;
    int fd = file_fd(fr, which);
    if (fd < 0 || cli_pwrite_all(fd, data, len, offset) != 0)
        f->werr = errno ? errno : EIO;
    return 0; /* the other files go on */
}

static int fail_file(void *ctx, size_t which, int err, const char *msg)
{
    file_run *fr = ctx;
    out_file *f = &fr->files[which];
    if (f->path == NULL)
        return 0;
    f->failed = 1;
    cli_err_n(f->rel, f->rel_len, "%s; not written", msg && *msg ? msg : afmt_strerror(err));
    note(fr->x, cli_exit_for(err));
    return 0;
}

/* Before any content: the path checked, its folders made, no file in the
 * way (unless -f), the temporary file created.  Leaves f->path NULL when
 * the file is refused (already reported). */
static void file_begin(file_run *fr, out_file *f)
{
    extractor *x = fr->x;
    if (!afmt_path_safe((const uint8_t *)f->rel, f->rel_len)) {
        cli_err_n(f->rel, f->rel_len, "unsafe path in the bundle; not written");
        note(x, CLI_EXIT_INTEGRITY);
        return;
    }
    char *path = malloc(f->rel_len + 1);
    if (path == NULL) {
        cli_err(NULL, "out of memory");
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    memcpy(path, f->rel, f->rel_len);
    path[f->rel_len] = '\0';
    const char *slash = memrchr(path, '/', f->rel_len);
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    char err[512];
    int dfd = -1, ok = 0;
    struct stat st;
    if (strlen(base) > 255) {
        cli_err_n(f->rel, f->rel_len, "a name is longer than 255 bytes; not written");
    } else if ((dfd = cli_dirchain_enter(&x->chain, path, dlen, 1, err, sizeof err)) < 0) {
        cli_err_n(f->rel, f->rel_len, "%s; not written", err);
    } else if (!x->force && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        cli_err_n(f->rel, f->rel_len, "exists (use -f to overwrite); not written");
    } else if ((f->fd = make_temp(dfd, f->tmp)) < 0) {
        f->fd = -1;
        cli_err_n(f->rel, f->rel_len, "cannot create a temporary file: %s", strerror(errno));
    } else {
        ok = 1;
    }
    if (!ok) {
        free(path);
        note(x, CLI_EXIT_FAILURE);
        return;
    }
    f->path = path;
    f->dlen = dlen;
    if (fr->ring_n == fr->ring_cap) { /* keep the first ones open, no more */
        close(f->fd);
        f->fd = -1;
    } else {
        fr->open_ring[(fr->ring_head + fr->ring_n++) % fr->ring_cap] = (int)(f - fr->files);
    }
}

/* After every piece: the size checked, then the name given (or the
 * temporary file removed). */
static void file_end(file_run *fr, out_file *f, uint64_t size, int keep)
{
    extractor *x = fr->x;
    if (f->path == NULL)
        return;
    const char *slash = f->dlen ? f->path + f->dlen : NULL;
    const char *base = slash ? slash + 1 : f->path;
    char err[512];
    int dfd = cli_dirchain_enter(&x->chain, f->path, f->dlen, 0, err, sizeof err);
    if (dfd < 0) /* once more: an allocation that failed once need not again */
        dfd = cli_dirchain_enter(&x->chain, f->path, f->dlen, 0, err, sizeof err);
    struct stat fst;
    int bad = !keep || f->failed || dfd < 0;
    if (!bad && f->werr == 0 && fstatat(dfd, f->tmp, &fst, AT_SYMLINK_NOFOLLOW) != 0)
        f->werr = errno;
    if (f->fd >= 0 && close(f->fd) != 0 && f->werr == 0)
        f->werr = errno;
    f->fd = -1;
    if (!bad && f->werr != 0) {
        cli_err_n(f->rel, f->rel_len, "write error: %s", strerror(f->werr));
        note(x, CLI_EXIT_FAILURE);
        bad = 1;
    }
    if (!bad && (uint64_t)fst.st_size != size) {
        /* the pieces did not tile the content: never give it its name */
        cli_err_n(f->rel, f->rel_len, "wrote %" PRIu64 " bytes where the index says %" PRIu64
                                      "; not written", (uint64_t)fst.st_size, size);
        note(x, CLI_EXIT_FAILURE);
        bad = 1;
    }
    if (dfd < 0) {
        cli_err_n(f->rel, f->rel_len, "%s; not written", err);
        note(x, CLI_EXIT_FAILURE);
    } else if (bad) {
        unlinkat(dfd, f->tmp, 0);
    } else {
        give_name(x, dfd, f->tmp, base, f->rel, f->rel_len, &fst);
    }
    free(f->path);
    f->path = NULL;
}

static int extract_files(extractor *x)
{
    /* In the order of the lowest block each file uses, ties in entry
     * order: directories are then made and entered in about the order the
     * contents come. */
    entry_ref *refs;
    size_t n;
    if (collect_refs(x, AFMT_ENTRY_FILE, &refs, &n) != 0)
        return x->status;
    if (n == 0 && afmt_reader_checkpoint(x->r)->withheld_files == 0)
        cli_err(x->bundle, "holds no files (use --posts to write its posts)");
    if (n > 1)
        qsort(refs, n, sizeof *refs, entry_ref_cmp);
    file_run fr = {x, calloc(n + 1, sizeof(out_file)), NULL, 0, 0, 0};
    uint64_t *numbers = malloc((n + 1) * sizeof *numbers), *sizes = malloc((n + 1) * sizeof *sizes);
    /* Descriptors kept open at once: every file's when the process may
     * (its soft limit raised toward the hard one), else as many as fit;
     * past that, the oldest is closed and opened again when needed. */
    struct rlimit rl;
    fr.ring_cap = n > 0 ? n : 1;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)fr.ring_cap + 64;
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
            struct rlimit more = rl;
            more.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &more) == 0)
                rl = more;
        }
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
            fr.ring_cap = rl.rlim_cur > 80 ? (size_t)rl.rlim_cur - 64 : 16;
    }
    fr.open_ring = malloc(fr.ring_cap * sizeof *fr.open_ring);
    if (fr.files == NULL || numbers == NULL || sizes == NULL || fr.open_ring == NULL) {
        cli_err(NULL, "out of memory");
        note(x, CLI_EXIT_FAILURE);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        afmt_entry e;
        int lrc = afmt_reader_entry(&e, x->r, refs[i].number);
        if (lrc != AFMT_OK) {
            cli_err(x->bundle, "entry %" PRIu64 ": %s", refs[i].number, afmt_strerror(lrc));
            note(x, cli_exit_for(lrc));
            n = i;
            break;
        }
        fr.files[i].rel = e.id;
        fr.files[i].rel_len = e.id_len;
        fr.files[i].fd = -1;
        numbers[i] = refs[i].number;
        sizes[i] = e.size;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total = sizes[i] > UINT64_MAX - total ? UINT64_MAX : total + sizes[i];
    if (check_output_size(x, total) != 0)
        n = 0;
    for (size_t i = 0; i < n; i++)
        file_begin(&fr, &fr.files[i]);
    /* Every piece of every file, block by block: each block decoded once. */
    int lrc = afmt_reader_read_many(x->r, numbers, n, sink_file, fail_file, &fr);
    if (lrc != AFMT_OK) {
        const char *m = afmt_reader_errmsg(x->r);
        cli_err(x->bundle, "%s", m && *m ? m : afmt_strerror(lrc));
        note(x, cli_exit_for(lrc));
    }
    for (size_t i = 0; i < n; i++)
        file_end(&fr, &fr.files[i], sizes[i], lrc == AFMT_OK);
done:
    free(fr.files);
    free(fr.open_ring);
    free(numbers);
    free(sizes);
    free(refs);
    return x->status;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"posts", no_argument, NULL, OPT_POSTS},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {NULL, 0, NULL, 0}};
    const char *cmd = "extract";
    uint64_t max_size = CLI_MAX_SIZE_DEFAULT;
    const char *dir = ".";
    int force = 0, posts = 0;
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    size_t npos = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    if (pos == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:C:fp:P:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            free(pos);
            cli_keys_free(&keys);
            fputs(extract_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
            break;
        }
        if (c == 1) {
            pos[npos++] = optarg;
            continue;
        }
        if (c == 'p' || c == 'P') {
            rc = cli_keys_defer(&keys, c, optarg);
            continue;
        }
        if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
            break;
        }
        switch (c) {
        case 'C': dir = optarg; break;
        case 'f': force = 1; break;
        case OPT_POSTS: posts = 1; break;
        case OPT_MAX_SIZE:
            if (cli_parse_size(optarg, &max_size) != 0)
                rc = cli_usage(cmd, "--max-size: a size is digits, then K, M, G, T or P");
            break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    while (rc == CLI_EXIT_OK && optind < argc)
        pos[npos++] = argv[optind++];
    if (rc == CLI_EXIT_OK && npos == 0)
        rc = cli_usage(cmd, "no bundle given");
    if (rc == CLI_EXIT_OK && dir[0] == '\0')
        rc = cli_usage(cmd, "-C: empty directory name");
    for (size_t i = 1; rc == CLI_EXIT_OK && i < npos; i++)
        if (pos[i][0] == '\0')
            rc = cli_usage(cmd, "an id is never empty");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    extractor x;
    memset(&x, 0, sizeof x);
    x.force = force;
    x.max_size = max_size;
    x.bundle = npos ? pos[0] : NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_open_bundle(&x.r, pos[0], &keys);
    int dfd = -1;
    if (rc == CLI_EXIT_OK) {
        dfd = open_dir(dir);
        if (dfd < 0)
            rc = CLI_EXIT_FAILURE;
    }
    if (rc == CLI_EXIT_OK) {
        struct stat st;
        cli_dirchain_init(&x.chain, dfd);
        x.dfd = dfd;
        cli_progress_start("extracting", stat(pos[0], &st) == 0 ? (uint64_t)st.st_size : 0);
        if (posts || npos > 1)
            rc = extract_posts(&x, pos + 1, npos - 1);
        else
            rc = extract_files(&x);
        /* The files the archiver withheld are not there to write: said, and
         * a status of their own once the rest is written. */
        const afmt_checkpoint_info *ci = afmt_reader_checkpoint(x.r);
        if (!(posts || npos > 1) && ci->withheld_files > 0) {
            cli_err(pos[0], "%" PRIu64 " file%s withheld by the archiver (holding withheld "
                    "posts) not written; --posts writes the posts that remain",
                    ci->withheld_files, ci->withheld_files == 1 ? "" : "s");
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_WITHHELD;
        }
        cli_progress_stop();
        cli_dirchain_free(&x.chain);
    }
    if (dfd >= 0)
        close(dfd);
    free(x.written.slots);
    afmt_reader_free(x.r);
    cli_keys_free(&keys);
    free(pos);
    return rc;
}
