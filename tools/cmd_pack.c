/*
 * cmd_pack.c - `afmt pack`: directories and source files into one signed
 * bundle, written atomically by the library's writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afmt_import.h"
#include "cli_util.h"
#include "commands.h"
#include "import_dir.h"

static const char pack_help[] =
    "Usage: afmt pack -s SECKEY -o OUT.afmt [-f] [--title TITLE] [-l LEVEL]\n"
    "                 [--format FORMAT] [--passphrase-file FILE] INPUT...\n"
    "\n"
    "Packs the inputs into one bundle signed with SECKEY.  OUT is written through a\n"
    "temporary file beside it, fsynced and renamed: a failure leaves no OUT, or the\n"
    "previous OUT intact.  An existing OUT is refused unless -f; an OUT that is\n"
    "one of the inputs, or lies inside an input directory, is refused even with -f.\n"
    "The creation time is SOURCE_DATE_EPOCH when it is set, so\n"
    "the same inputs, key and options give the same bytes.\n"
    "\n"
    "  -s SECKEY               minisign secret key (its passphrase is asked when it\n"
    "                          is encrypted)\n"
    "  -o OUT                  the bundle to write\n"
    "  -f                      replace OUT if it exists\n"
    "  --title TITLE           the bundle's title (UTF-8, no control characters,\n"
    "                          at most 1024 bytes)\n"
    "  -l LEVEL                zstd level, 1 to 19 (default 3)\n"
    "  --format FORMAT         dir, ndjson, reddit, pushshift, hn, mbox, mastodon,\n"
    "                          discourse, stackexchange or nntp, for every input;\n"
    "                          otherwise a directory is 'dir' and a file's format\n"
    "                          is detected from its first bytes and name\n"
    "  --passphrase-file FILE  read the key's passphrase from the first line of FILE\n"
    "\n"
    "Inputs:\n"
    "  DIRECTORY  every regular file below it is a post whose id is its path relative\n"
    "             to the directory ('/'-separated); extract writes the same tree back.\n"
    "             The walk never follows symbolic links: symbolic links and special\n"
    "             files are skipped with a warning, empty directories are not kept.\n"
    "             Names are taken in byte order.  Media type: text/plain (text/markdown,\n"
    "             text/html, text/csv, application/json by extension) with\n"
    "             charset=utf-8 when the bytes are valid UTF-8 without NUL, else\n"
    "             application/octet-stream.  A file over 256 MiB is refused.\n"
    "             With --format nntp, a spool: every file below it is a Usenet\n"
    "             article, stored under its relative path.\n"
    "  FILE       a source file, stored under its own name (its last path component);\n"
    "             each post's bytes are stored once and the file is rebuilt from them.\n"
    "  -          standard input, stored under the name 'stdin.FORMAT' (for example\n"
    "             stdin.ndjson).\n"
    "\n"
    "NDJSON: one JSON object per line (UTF-8) with 'id' (string or integer), and\n"
    "optionally 'parent' (string, integer or null; \"\" is no parent), 'author',\n"
    "'created' (Unix seconds, or an RFC 3339 string), 'title', 'deleted' (boolean)\n"
    "and 'body'; other keys are ignored.  A post is marked deleted when 'deleted' is\n"
    "true or 'body' is \"[deleted]\" or \"[removed]\".  Each line without its final\n"
    "\"\\n\" is its post's content (a CR before it stays in the content), media type\n"
    "application/json.  A line that is empty or only spaces, tabs and CRs is kept in\n"
    "the file but is not a post.  Ids are 1 to 4096 bytes and must be unique.  A line\n"
    "that is not valid UTF-8 or not a JSON object is an error naming the line.\n";

typedef enum { IN_DIR, IN_FILE, IN_STDIN } input_kind;

typedef struct input {
    const char *arg;
    input_kind kind;
    cli_dir_list dir;
} input;

static int parse_level(int *out, const char *s)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10); /* its range is the library's to check */
    if (errno != 0 || *end != '\0' || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

#define DETECT_HEAD (64 * 1024)
/* A bzip2 input gives nothing until its first block (up to 900 kB of text)
 * is whole, so detection reads this much of one. */
#define DETECT_HEAD_BZIP2 (1024 * 1024)

/* Reads up to DETECT_HEAD bytes from fd at its current position (up to
 * DETECT_HEAD_BZIP2 of a bzip2 stream; buf holds that many). */
static ssize_t read_head(int fd, uint8_t *buf)
{
    size_t len = 0, want = DETECT_HEAD;
    while (len < want) {
        ssize_t n = read(fd, buf + len, want - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
        if (len >= 3 && memcmp(buf, "BZh", 3) == 0)
            want = DETECT_HEAD_BZIP2;
    }
    return (ssize_t)len;
}

static int import_one(afmt_writer *w, afmt_source_format fmt, int fd, const char *where,
                      const char *path)
{
    afmt_import_stats stats;
    memset(&stats, 0, sizeof stats);
    int rc = afmt_import(&stats, w, fmt, fd, path, strlen(path));
    if (rc != AFMT_OK) {
        cli_err(where, "%s", cli_lib_msg(rc));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* Runs the importer on what a child process copies into a pipe: `head`
 * (already read from fd) and then the rest of fd.  For inputs that cannot
 * be rewound after their head was read for detection (pipes). */
static int import_through_pipe(afmt_writer *w, afmt_source_format fmt, int fd,
                               const uint8_t *head, size_t hl, const char *where,
                               const char *name)
{
    int p[2];
    if (pipe(p) != 0) {
        cli_err(where, "pipe: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cli_err(where, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return CLI_EXIT_FAILURE;
    }
    if (pid == 0) {
        /* child: copy the head and the rest of the input into the pipe */
        signal(SIGPIPE, SIG_IGN);
        close(p[0]);
        if (cli_write_all(p[1], head, hl) != 0)
            _exit(1);
        static uint8_t buf[64 * 1024];
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                _exit(2);
            if (n == 0)
                break;
            if (cli_write_all(p[1], buf, (size_t)n) != 0)
                _exit(1);
        }
        _exit(0);
    }
    close(p[1]);
    int rc = import_one(w, fmt, p[0], where, name);
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == CLI_EXIT_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        cli_err(where, "read error");
        rc = CLI_EXIT_FAILURE;
    }
    return rc;
}

/* Imports one source read from fd: a file (base = its last path
 * component, also the name it is stored under) or standard input (base
 * NULL: stored as "stdin.FORMAT").  Without a forced format, the format
 * is detected from the first 64 KiB; an input that cannot be rewound
 * (a pipe) is then fed to the importer through import_through_pipe. */
static int import_fd(afmt_writer *w, afmt_source_format fmt, int forced, int fd,
                     const char *where, const char *base)
{
    char stdin_name[32];
    if (forced) {
        if (base == NULL) {
            snprintf(stdin_name, sizeof stdin_name, "stdin.%s", afmt_source_format_name(fmt));
            base = stdin_name;
        }
        return import_one(w, fmt, fd, where, base);
    }
    uint8_t *head = malloc(DETECT_HEAD_BZIP2);
    if (head == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    off_t start = lseek(fd, 0, SEEK_CUR);
    ssize_t hl = read_head(fd, head);
    if (hl < 0) {
        cli_err(where, "%s", strerror(errno));
        free(head);
        return CLI_EXIT_FAILURE;
    }
    fmt = afmt_source_detect(base, head, (size_t)hl);
    /* The library looks at the first line only when it fits in the head;
     * a long first line in a file named as NDJSON is NDJSON. */
    size_t bl = base ? strlen(base) : 0;
    if (fmt == AFMT_SOURCE_UNKNOWN && base != NULL &&
        ((bl > 7 && strcmp(base + bl - 7, ".ndjson") == 0) ||
         (bl > 6 && strcmp(base + bl - 6, ".jsonl") == 0)))
        fmt = AFMT_SOURCE_NDJSON;
    if (fmt == AFMT_SOURCE_UNKNOWN) {
        free(head);
        cli_err(where, "cannot tell its format (name it with --format)");
        return CLI_EXIT_FAILURE;
    }
    if (base == NULL) {
        snprintf(stdin_name, sizeof stdin_name, "stdin.%s", afmt_source_format_name(fmt));
        base = stdin_name;
    }
    int rc;
    if (start >= 0 && lseek(fd, start, SEEK_SET) == start)
        rc = import_one(w, fmt, fd, where, base);
    else
        rc = import_through_pipe(w, fmt, fd, head, (size_t)hl, where, base);
    free(head);
    return rc;
}

static int import_file(afmt_writer *w, afmt_source_format fmt, int forced, const char *arg)
{
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_err(arg, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    const char *slash = strrchr(arg, '/');
    int rc = import_fd(w, fmt, forced, fd, arg, slash ? slash + 1 : arg);
    close(fd);
    return rc;
}

/* A Usenet spool (`--format nntp DIRECTORY`): every regular file the walk
 * of import_dir.c lists (the same order, the same refusals of links and
 * special files) is one article, imported as nntp and stored under its
 * path relative to the directory, so that extraction rebuilds the tree. */
static int import_spool(afmt_writer *w, afmt_source_format fmt, const char *dir,
                        const cli_dir_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        const cli_dir_file *f = &list->files[i];
        size_t dl = strlen(dir);
        char *full = malloc(dl + 1 + f->len + 1);
        if (full == NULL) {
            cli_err(NULL, "out of memory");
            return CLI_EXIT_FAILURE;
        }
        memcpy(full, dir, dl);
        full[dl] = '/';
        memcpy(full + dl + 1, f->path, f->len + 1);
        int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int rc;
        if (fd < 0) {
            cli_err(full, "%s", strerror(errno));
            rc = CLI_EXIT_FAILURE;
        } else {
            rc = import_one(w, fmt, fd, full, f->path);
            close(fd);
        }
        free(full);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}

/* Refuses, before any work, an OUT that is a directory, or that exists
 * when -f was not given.  *exists and *st describe OUT when it exists. */
static int check_output(int *exists, struct stat *st, const char *out, int overwrite)
{
    *exists = 0;
    if (stat(out, st) == 0) {
        if (S_ISDIR(st->st_mode)) {
            cli_err(out, "is a directory (-o names the bundle file to write)");
            return CLI_EXIT_FAILURE;
        }
        if (!overwrite) {
            cli_err(out, "file exists (use -f to overwrite)");
            return CLI_EXIT_FAILURE;
        }
        *exists = 1;
    } else if (errno != ENOENT) {
        cli_err(out, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* 1 when directory `dir` (dev, ino) is the folder that will hold `out` or
 * one of that folder's ancestors.  The ancestors are found through "..",
 * so that no spelling of either path (symbolic links, "./", "../") hides
 * that the bundle would be written inside an input folder. */
static int holds_output(dev_t dev, ino_t ino, const char *out)
{
    char *copy = strdup(out);
    if (copy == NULL)
        return 0;
    char *slash = strrchr(copy, '/');
    const char *parent = slash == NULL ? "." : slash == copy ? "/" : (*slash = '\0', copy);
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    int found = 0;
    for (int depth = 0; fd >= 0 && depth < 4096; depth++) {
        struct stat st;
        if (fstat(fd, &st) != 0)
            break;
        if (st.st_dev == dev && st.st_ino == ino) {
            found = 1;
            break;
        }
        int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat ust;
        int at_root = up < 0 || (fstat(up, &ust) == 0 && ust.st_dev == st.st_dev &&
                                 ust.st_ino == st.st_ino);
        close(fd);
        fd = at_root ? -1 : up;
        if (at_root && up >= 0)
            close(up);
    }
    if (fd >= 0)
        close(fd);
    return found;
}

/* Refuses, even with -f, an output that is this input (same device and
 * inode, whatever the names) or that lies inside this input folder. */
static int check_not_output(const input *in, const char *out, int out_exists,
                            const struct stat *out_st)
{
    struct stat st;
    if (in->kind == IN_STDIN) {
        if (out_exists && fstat(STDIN_FILENO, &st) == 0 && st.st_dev == out_st->st_dev &&
            st.st_ino == out_st->st_ino) {
            cli_err(out, "is the standard input being packed: refusing to overwrite it");
            return CLI_EXIT_FAILURE;
        }
        return CLI_EXIT_OK;
    }
    if (stat(in->arg, &st) != 0)
        return CLI_EXIT_OK; /* reported when the input is read */
    if (in->kind == IN_FILE && out_exists && st.st_dev == out_st->st_dev &&
        st.st_ino == out_st->st_ino) {
        cli_err(out, "is the input %s: refusing to overwrite it, even with -f", in->arg);
        return CLI_EXIT_FAILURE;
    }
    if (in->kind == IN_DIR && holds_output(st.st_dev, st.st_ino, out)) {
        cli_err(out, "lies inside the input folder %s: write the bundle elsewhere", in->arg);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int cmd_pack(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"title", required_argument, NULL, OPT_TITLE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {NULL, 0, NULL, 0}};
    const char *cmd = "pack";
    const char *sk_path = NULL, *out = NULL, *title = NULL, *format = NULL,
               *pass_file = NULL;
    int level = 3, overwrite = 0;
    cli_seen seen = {{0}};
    input *inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    if (inputs == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:s:o:l:f", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            free(inputs);
            fputs(pack_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
            break;
        }
        if (c == 1) {
            inputs[ninputs++].arg = optarg;
            continue;
        }
        if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
            break;
        }
        switch (c) {
        case 's': sk_path = optarg; break;
        case 'o': out = optarg; break;
        case 'f': overwrite = 1; break;
        case 'l':
            if (parse_level(&level, optarg) != 0)
                rc = cli_usage(cmd, "-l %s: not a number", optarg);
            break;
        case OPT_TITLE: title = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_PASSPHRASE_FILE: pass_file = optarg; break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    while (rc == CLI_EXIT_OK && optind < argc)
        inputs[ninputs++].arg = argv[optind++];
    if (rc != CLI_EXIT_OK) {
        free(inputs);
        return rc;
    }
    if (sk_path == NULL || out == NULL)
        rc = cli_usage(cmd, "-s SECKEY and -o OUT are required");
    else if (ninputs == 0)
        rc = cli_usage(cmd, "no input given");
    else if (out[0] == '\0')
        rc = cli_usage(cmd, "-o: empty file name");
    /* Policy is the command's: the library reads no environment.  A
     * reproducible build's time comes from SOURCE_DATE_EPOCH, passed in. */
    afmt_writer_options opts = AFMT_WRITER_OPTIONS_INIT;
    opts.level = level;
    opts.title = title;
    opts.created = -1; /* now */
    opts.overwrite = overwrite;
    opts.threads = cli_threads();
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (rc == CLI_EXIT_OK && sde != NULL) {
        size_t n = strspn(sde, "0123456789");
        if (n == 0 || n > 19 || sde[n] != '\0' ||
            (n == 19 && strcmp(sde, "9223372036854775807") > 0))
            rc = cli_usage(cmd, "SOURCE_DATE_EPOCH=%s: not a number of seconds since 1970", sde);
        else
            opts.created = (int64_t)strtoll(sde, NULL, 10);
    }
    /* The library's rules for level and title, and its words, before any
     * work is done. */
    if (rc == CLI_EXIT_OK && afmt_writer_options_check(&opts) != AFMT_OK)
        rc = cli_usage(cmd, "%s", afmt_error_last());
    afmt_source_format fmt = AFMT_SOURCE_UNKNOWN;
    int forced = 0, force_dir = 0;
    if (rc == CLI_EXIT_OK && format != NULL) {
        if (strcmp(format, "dir") == 0)
            force_dir = 1;
        else if (afmt_source_format_from_name(&fmt, format) != AFMT_OK ||
                 fmt == AFMT_SOURCE_UNKNOWN)
            rc = cli_usage(cmd, "--format %s: unknown format (dir, ndjson, reddit, pushshift, "
                                "hn, mbox, mastodon, discourse, stackexchange, nntp)",
                           format);
        else
            forced = 1;
    }
    if (rc != CLI_EXIT_OK) {
        free(inputs);
        return rc;
    }

    /* Classify the inputs before anything is written. */
    int have_stdin = 0;
    for (size_t i = 0; i < ninputs && rc == CLI_EXIT_OK; i++) {
        input *in = &inputs[i];
        if (strcmp(in->arg, "-") == 0) {
            if (have_stdin++)
                rc = cli_usage(cmd, "standard input ('-') given more than once");
            else if (force_dir)
                rc = cli_usage(cmd, "standard input cannot be a directory (--format dir)");
            in->kind = IN_STDIN;
            continue;
        }
        struct stat st;
        if (stat(in->arg, &st) != 0) {
            cli_err(in->arg, "%s", strerror(errno));
            rc = CLI_EXIT_FAILURE;
        } else if (S_ISDIR(st.st_mode)) {
            if (forced && fmt != AFMT_SOURCE_NNTP)
                rc = cli_usage(cmd, "%s is a directory, but --format %s names a file format "
                                    "(only nntp reads a directory: a spool of articles)",
                               in->arg, format);
            in->kind = IN_DIR;
        } else {
            if (force_dir)
                rc = cli_usage(cmd, "%s is not a directory (--format dir)", in->arg);
            in->kind = IN_FILE;
        }
    }
    struct stat out_st;
    int out_exists = 0;
    if (rc == CLI_EXIT_OK)
        rc = check_output(&out_exists, &out_st, out, overwrite);
    for (size_t i = 0; i < ninputs && rc == CLI_EXIT_OK; i++)
        rc = check_not_output(&inputs[i], out, out_exists, &out_st);
    uint64_t total = 0;
    for (size_t i = 0; i < ninputs && rc == CLI_EXIT_OK; i++) {
        input *in = &inputs[i];
        struct stat st;
        if (in->kind == IN_DIR) {
            rc = cli_dir_scan(&in->dir, in->arg);
            total += in->dir.total_bytes;
        } else if (in->kind == IN_FILE && stat(in->arg, &st) == 0) {
            total += (uint64_t)st.st_size;
        }
    }

    afmt_secret_key *sk = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_load_secret_key(&sk, sk_path, pass_file);
    afmt_writer *w = NULL;
    if (rc == CLI_EXIT_OK) {
        int lrc = afmt_writer_open(&w, out, sk, &opts);
        if (lrc != AFMT_OK) {
            cli_err(out, "cannot create the bundle: %s", cli_lib_msg(lrc));
            rc = CLI_EXIT_FAILURE;
            w = NULL;
        }
    }
    if (rc == CLI_EXIT_OK)
        cli_progress_start("packing", total);
    for (size_t i = 0; i < ninputs && rc == CLI_EXIT_OK; i++) {
        input *in = &inputs[i];
        switch (in->kind) {
        case IN_DIR: {
            uint64_t posts = 0;
            if (forced && fmt == AFMT_SOURCE_NNTP)
                rc = import_spool(w, fmt, in->arg, &in->dir);
            else
                rc = cli_dir_import(w, in->arg, &in->dir, &posts);
            break;
        }
        case IN_FILE: rc = import_file(w, fmt, forced, in->arg); break;
        case IN_STDIN: rc = import_fd(w, fmt, forced, STDIN_FILENO, "standard input", NULL); break;
        }
    }
    if (rc == CLI_EXIT_OK) {
        int lrc = afmt_writer_finish(w);
        if (lrc != AFMT_OK) {
            cli_err(out, "%s", cli_lib_msg(lrc));
            rc = CLI_EXIT_FAILURE;
        }
    }
    cli_progress_stop();
    afmt_writer_free(w);
    afmt_secret_key_free(sk);
    for (size_t i = 0; i < ninputs; i++)
        cli_dir_list_free(&inputs[i].dir);
    free(inputs);
    return rc;
}
