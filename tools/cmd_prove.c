/*
 * cmd_prove.c - `afmt prove`: for each post named, a c2sp.org/tlog-proof
 * file (spec 16) that proves it alone, and the post's bytes beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "safe_fs.h"

static const char prove_help[] =
    "Usage: afmt prove [-p PUBKEY | -P KEY]... BUNDLE ID... [-o FILE | -C DIR]\n"
    "       afmt prove [-p PUBKEY | -P KEY]... --all BUNDLE [-C DIR]\n"
    "\n"
    "Writes, for each post ID, a proof that it is in the bundle: a C2SP tlog-proof\n"
    "(c2sp.org/tlog-proof@v1) holding the post's entry (its metadata and content\n"
    "hash), its entry number, its Merkle audit path and the bundle's signed\n"
    "checkpoint note with every cosignature; and the post's bytes beside it, in\n"
    "FILE.post.  `afmt check -p PUBKEY FILE` checks the pair with nothing else;\n"
    "spec/FORMAT.md section 16 says how to check it without afmt.  The bundle's\n"
    "index is checked against its signed root first; only the posts' blocks are\n"
    "read.  Files are written through temporary names; existing ones are refused.\n"
    "Prints each proof file's name.\n"
    "\n"
    "  -o FILE    write the proof of the one ID to FILE (and FILE.post)\n"
    "  -C DIR     write DIR/NAME.tlog-proof and DIR/NAME.tlog-proof.post, NAME the\n"
    "             post's file name as `afmt extract --posts` writes it (default: .)\n"
    "  --all      every post of the bundle\n"
    "  -p PUBKEY  a trusted public key file (repeatable)\n"
    "  -P KEY     a trusted public key, as its base64 line (repeatable)\n";

enum { OPT_ALL = 300 };

typedef struct prover {
    afmt_reader *r;
    const char *bundle;
    const char *out;   /* -o FILE, or NULL */
    const char *dir;   /* -C DIR */
    int dirfd;
    cli_dirchain chain;
    int status;        /* the worst exit status so far */
} prover;

static void note(prover *p, int status)
{
    if (status > p->status)
        p->status = status;
}

/* Writes FILE.post then FILE: the proof appears only once its post has. */
static int write_pair(const char *path, const void *proof, size_t proof_len, const void *post,
                      size_t post_len)
{
    size_t n = strlen(path);
    char *post_path = malloc(n + 6);
    if (post_path == NULL) {
        cli_err(path, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    memcpy(post_path, path, n);
    memcpy(post_path + n, ".post", 6);
    int rc = cli_write_file_atomic(post_path, post, post_len, 0);
    if (rc == CLI_EXIT_OK)
        rc = cli_write_file_atomic(path, proof, proof_len, 0);
    free(post_path);
    return rc;
}

/* DIR/NAME.tlog-proof for a post id: the folders of a long name are made
 * below DIR without following any link (safe_fs.c). */
static char *proof_path(prover *p, const char *id, size_t id_len)
{
    char *name = cli_post_file_name(id, id_len);
    if (name == NULL)
        return NULL;
    const char *slash = strrchr(name, '/');
    if (slash != NULL) {
        char err[512];
        if (cli_dirchain_enter(&p->chain, name, (size_t)(slash - name), 1, err, sizeof err) < 0) {
            cli_err(p->dir, "%s", err);
            free(name);
            return NULL;
        }
    }
    size_t dl = strlen(p->dir), nl = strlen(name);
    char *path = malloc(dl + 1 + nl + sizeof ".tlog-proof");
    if (path != NULL)
        snprintf(path, dl + 1 + nl + sizeof ".tlog-proof", "%s/%s.tlog-proof", p->dir, name);
    free(name);
    return path;
}

static void prove_one(prover *p, uint64_t number)
{
    afmt_entry e;
    if (afmt_reader_entry(&e, p->r, number) != AFMT_OK) {
        cli_err(p->bundle, "entry %" PRIu64 ": %s", number, cli_lib_msg(AFMT_E_INVALID_ARGUMENT));
        note(p, CLI_EXIT_FAILURE);
        return;
    }
    char *proof = NULL, *path = NULL;
    void *post = NULL;
    size_t proof_len, post_len;
    int lrc = afmt_reader_prove(&proof, &proof_len, p->r, number);
    if (lrc == AFMT_OK)
        lrc = afmt_reader_read_post(&post, &post_len, p->r, number);
    if (lrc != AFMT_OK) {
        cli_err_n(e.id, e.id_len, "%s", cli_lib_msg(lrc));
        note(p, cli_exit_for(lrc));
    } else if ((path = p->out != NULL ? strdup(p->out) : proof_path(p, e.id, e.id_len)) == NULL) {
        note(p, CLI_EXIT_FAILURE);
    } else {
        int rc = write_pair(path, proof, proof_len, post, post_len);
        if (rc == CLI_EXIT_OK)
            printf("%s\n", path);
        note(p, rc);
    }
    free(path);
    free(post);
    free(proof);
}

int cmd_prove(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {"all", no_argument, NULL, OPT_ALL},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "prove";
    prover p;
    memset(&p, 0, sizeof p);
    p.dirfd = -1;
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    size_t npos = 0;
    int all = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    int rc = pos == NULL ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:o:C:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            cli_keys_free(&keys);
            free(pos);
            fputs(prove_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
        } else if (c == 1) {
            pos[npos++] = optarg;
        } else if (c == 'p' || c == 'P') {
            rc = cli_keys_defer(&keys, c, optarg);
        } else if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
        } else if (c == 'o') {
            p.out = optarg;
        } else if (c == 'C') {
            p.dir = optarg;
        } else if (c == OPT_ALL) {
            all = 1;
        } else {
            rc = cli_usage(cmd, "unknown option");
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++)
        pos[npos++] = argv[optind];
    if (rc == CLI_EXIT_OK && npos < 1)
        rc = cli_usage(cmd, "BUNDLE is required");
    else if (rc == CLI_EXIT_OK && !all && npos < 2)
        rc = cli_usage(cmd, "name at least one post ID (or --all)");
    else if (rc == CLI_EXIT_OK && all && npos > 1)
        rc = cli_usage(cmd, "--all takes no ID");
    else if (rc == CLI_EXIT_OK && p.out != NULL && p.dir != NULL)
        rc = cli_usage(cmd, "-o and -C cannot be used together");
    else if (rc == CLI_EXIT_OK && p.out != NULL && (all || npos != 2))
        rc = cli_usage(cmd, "-o writes the proof of one post: use -C DIR for several");
    for (size_t i = 1; rc == CLI_EXIT_OK && i < npos; i++)
        if (pos[i][0] == '\0')
            rc = cli_usage(cmd, "an id is never empty");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    if (rc == CLI_EXIT_OK && p.out == NULL) {
        if (p.dir == NULL)
            p.dir = ".";
        if ((p.dirfd = open(p.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            cli_err(p.dir, "cannot open the folder: %s", strerror(errno));
            rc = CLI_EXIT_FAILURE;
        } else {
            cli_dirchain_init(&p.chain, p.dirfd);
        }
    }
    if (rc == CLI_EXIT_OK) {
        p.bundle = pos[0];
        rc = cli_open_bundle(&p.r, p.bundle, &keys);
    }
    if (rc == CLI_EXIT_OK) {
        if (all) {
            uint64_t n = afmt_reader_entry_count(p.r);
            for (uint64_t i = 0; i < n; i++) {
                afmt_entry e;
                if (afmt_reader_entry(&e, p.r, i) == AFMT_OK && e.type == AFMT_ENTRY_POST)
                    prove_one(&p, i);
            }
        }
        for (size_t i = 1; i < npos; i++) {
            uint64_t number;
            int lrc = afmt_reader_find_post(&number, p.r, pos[i], strlen(pos[i]));
            if (lrc == AFMT_E_NOT_FOUND && afmt_reader_checkpoint(p.r)->withheld_posts > 0) {
                cli_err(p.bundle, "post '%s': %s", pos[i], cli_lib_msg(AFMT_E_WITHHELD));
                note(&p, CLI_EXIT_WITHHELD); /* as `afmt cat` */
            } else if (lrc == AFMT_E_NOT_FOUND) {
                cli_err(p.bundle, "no post with id '%s'", pos[i]);
                note(&p, CLI_EXIT_FAILURE); /* as `afmt cat` */
            } else if (lrc != AFMT_OK) {
                cli_err(p.bundle, "post '%s': %s", pos[i], cli_lib_msg(lrc));
                note(&p, cli_exit_for(lrc));
            } else {
                prove_one(&p, number);
            }
        }
        if (fflush(stdout) != 0) {
            cli_err(NULL, "standard output: write error");
            note(&p, CLI_EXIT_FAILURE);
        }
        rc = p.status;
    }
    afmt_reader_free(p.r);
    if (p.dirfd >= 0) {
        cli_dirchain_free(&p.chain);
        close(p.dirfd);
    }
    cli_keys_free(&keys);
    free(pos);
    return rc;
}
