/*
 * cmd_verify.c - `afmt verify`: structure, every content hash, the Merkle
 * root, the checkpoint signature, and a trusted signer.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"

static const char verify_help[] =
    "Usage: afmt verify (-p PUBKEY | -P KEY)... [--json] BUNDLE\n"
    "\n"
    "Checks everything: the layout, every block and content hash, every file's\n"
    "parts, the index and the Merkle root against the signed checkpoint, the\n"
    "signature, and that the signer is one of the given keys (any one may match).\n"
    "\n"
    "On success it prints one line on standard output:\n"
    "  BUNDLE: OK, N posts, M files, signed by KEYID, trusted comment: COMMENT\n"
    "with '(D deleted at the source)' after the posts when some are, and ', thread\n"
    "incomplete: R replies not loaded under K posts' when the source left replies out\n"
    "(R counts only what the source announced).  --json adds the keys deleted,\n"
    "complete, incomplete_posts and missing_replies.\n"
    "and exits 0.  On failure it names on standard error every post (by id) and file\n"
    "(by path) whose content or record does not match, and why, and exits 1.\n"
    "\n"
    "With --json it prints one JSON object instead:\n"
    "  {\"bundle\", \"ok\": true, \"posts\", \"files\", \"signer\" (key id),\n"
    "   \"trusted_comment\", \"title\", \"created\" (RFC 3339), \"root\"}\n"
    "or on failure\n"
    "  {\"bundle\", \"ok\": false, \"error\", \"problems\": [{\"entry\" (number or null),\n"
    "   \"type\" (\"post\", \"file\" or null), \"id\" (or null), \"error\", \"message\"}]}\n"
    "(strings as in 'afmt list --json').\n"
    "\n"
    "  -p PUBKEY  a trusted public key file (repeatable)\n"
    "  -P KEY     a trusted public key, as its base64 line (repeatable)\n"
    "  --json     machine-readable output\n";

typedef struct problem {
    uint64_t entry; /* UINT64_MAX: not tied to one entry */
    int err;
    char *msg;
} problem;

typedef struct problems {
    problem *v;
    size_t n, cap;
    int oom;
} problems;

static void add_problem(problems *p, uint64_t entry, int err, const char *msg)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        problem *v = realloc(p->v, cap * sizeof *v);
        if (v == NULL) {
            p->oom = 1;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].entry = entry;
    p->v[p->n].err = err;
    p->v[p->n].msg = strdup(msg && *msg ? msg : afmt_strerror(err));
    if (p->v[p->n].msg == NULL) {
        p->oom = 1;
        return;
    }
    p->n++;
}

static int on_problem(void *ctx, uint64_t entry, int err, const char *msg)
{
    add_problem(ctx, entry, err, msg);
    return 0;
}

static int null_sink(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}


static void report(const char *bundle, afmt_reader *r, const problems *p, int json, int first)
{
    for (size_t i = 0; i < p->n; i++) {
        const problem *q = &p->v[i];
        afmt_entry e;
        if (r != NULL && q->entry != UINT64_MAX && afmt_reader_entry(&e, r, q->entry) == AFMT_OK) {
            /* the id may hold NUL: write its escaped bytes directly */
            fflush(stdout);
            fprintf(stderr, CLI_PROG ": ");
            cli_escape_write(stderr, bundle, strlen(bundle));
            fprintf(stderr, ": %s '", e.type == AFMT_ENTRY_POST ? "post" : "file");
            cli_escape_write(stderr, e.id, e.id_len);
            fputs("': ", stderr);
            cli_escape_write(stderr, q->msg, strlen(q->msg));
            fprintf(stderr, " (%s)\n", cli_error_slug(q->err));
        } else {
            cli_err(bundle, "%s (%s)", q->msg, cli_error_slug(q->err));
        }
    }
    if (!json)
        return;
    printf("{\"bundle\":");
    cli_json_string(stdout, bundle, strlen(bundle));
    printf(",\"ok\":false,\"error\":\"%s\",\"problems\":[", cli_error_slug(first));
    for (size_t i = 0; i < p->n; i++) {
        const problem *q = &p->v[i];
        afmt_entry e;
        int have = r != NULL && q->entry != UINT64_MAX &&
                   afmt_reader_entry(&e, r, q->entry) == AFMT_OK;
        printf("%s{\"entry\":", i ? "," : "");
        if (q->entry != UINT64_MAX)
            printf("%" PRIu64, q->entry);
        else
            fputs("null", stdout);
        fputs(",\"type\":", stdout);
        fputs(!have ? "null" : e.type == AFMT_ENTRY_POST ? "\"post\"" : "\"file\"", stdout);
        fputs(",\"id\":", stdout);
        if (have)
            cli_json_string(stdout, e.id, e.id_len);
        else
            fputs("null", stdout);
        printf(",\"error\":\"%s\",\"message\":", cli_error_slug(q->err));
        cli_json_string(stdout, q->msg, strlen(q->msg));
        fputs("}", stdout);
    }
    fputs("]}\n", stdout);
}

static int run_verify(const char *bundle, const cli_keys *keys, int json)
{
    problems p;
    memset(&p, 0, sizeof p);
    char errbuf[512] = "";
    afmt_reader *r = NULL;
    int first = afmt_reader_open(&r, bundle, errbuf, sizeof errbuf);
    if (first != AFMT_OK) {
        r = NULL;
        add_problem(&p, UINT64_MAX, first, errbuf);
    }
    char kid[17] = "";
    if (r != NULL) {
        const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
        afmt_key_id_to_hex(kid, ci->signer.key_id);
        int rc = afmt_reader_check_signer(r, keys->keys, keys->n);
        if (rc != AFMT_OK) {
            char m[128];
            snprintf(m, sizeof m, "signed with another key (%s), not one of the trusted keys",
                     kid);
            add_problem(&p, UINT64_MAX, rc, rc == AFMT_E_WRONG_KEY ? m : afmt_strerror(rc));
            first = rc;
        }
    }
    if (r != NULL && first == AFMT_OK) {
        first = afmt_reader_verify(r, on_problem, &p);
        if (first != AFMT_OK) {
            if (p.n == 0)
                add_problem(&p, UINT64_MAX, first, afmt_reader_errmsg(r));
            /* Name every entry whose content does not check out, whatever
             * granularity the library reported at (a damaged block, say). */
            uint64_t total = afmt_reader_entry_count(r);
            uint8_t *seen = calloc((size_t)(total / 8 + 1), 1);
            if (seen == NULL) {
                p.oom = 1;
            } else {
                for (size_t i = 0; i < p.n; i++)
                    if (p.v[i].entry < total)
                        seen[p.v[i].entry / 8] |= (uint8_t)(1u << (p.v[i].entry % 8));
                for (uint64_t i = 0; i < total; i++) {
                    if (seen[i / 8] & (1u << (i % 8)))
                        continue;
                    int rc = afmt_reader_read(r, i, null_sink, NULL);
                    if (rc != AFMT_OK)
                        add_problem(&p, i, rc, afmt_reader_errmsg(r));
                }
                free(seen);
            }
        }
    }
    int status;
    if (p.oom) {
        cli_err(NULL, "out of memory");
        status = CLI_EXIT_FAILURE;
    } else if (first != AFMT_OK) {
        status = cli_exit_for(first);
        for (size_t i = 0; i < p.n; i++)
            if (afmt_error_is_integrity(p.v[i].err))
                status = CLI_EXIT_INTEGRITY;
        report(bundle, r, &p, json, first);
        if (status == CLI_EXIT_INTEGRITY)
            cli_err(bundle, "NOT intact or not authentic: %zu problem%s", p.n,
                    p.n == 1 ? "" : "s");
    } else {
        const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
        if (json) {
            char root[2 * AFMT_HASH_BYTES + 1], t[32];
            afmt_hash_to_hex(root, ci->root);
            fputs("{\"bundle\":", stdout);
            cli_json_string(stdout, bundle, strlen(bundle));
            printf(",\"ok\":true,\"posts\":%" PRIu64 ",\"files\":%" PRIu64 ",\"signer\":\"%s\""
                   ",\"trusted_comment\":",
                   ci->posts, ci->files, kid);
            cli_json_string(stdout, ci->trusted_comment, ci->trusted_comment_len);
            fputs(",\"title\":", stdout);
            cli_json_string(stdout, ci->title, ci->title_len);
            fputs(",\"created\":", stdout);
            if (cli_format_rfc3339(t, ci->created) == 0)
                printf("\"%s\"", t);
            else
                fputs("null", stdout);
            printf(",\"root\":\"%s\",\"deleted\":%" PRIu64 ",\"complete\":%s"
                   ",\"incomplete_posts\":%" PRIu64 ",\"missing_replies\":%" PRIu64 "}\n",
                   root, ci->deleted, ci->incomplete ? "false" : "true", ci->incomplete,
                   ci->missing_replies);
        } else {
            cli_escape_write(stdout, bundle, strlen(bundle));
            printf(": OK, %" PRIu64 " post%s", ci->posts, ci->posts == 1 ? "" : "s");
            if (ci->deleted > 0)
                printf(" (%" PRIu64 " deleted at the source)", ci->deleted);
            if (ci->incomplete > 0)
                printf(", thread incomplete: %" PRIu64 " repl%s not loaded under %" PRIu64
                       " post%s", ci->missing_replies, ci->missing_replies == 1 ? "y" : "ies",
                       ci->incomplete, ci->incomplete == 1 ? "" : "s");
            printf(", %" PRIu64 " file%s, signed by %s, trusted comment: ", ci->files,
                   ci->files == 1 ? "" : "s", kid);
            cli_escape_write(stdout, ci->trusted_comment, ci->trusted_comment_len);
            fputc('\n', stdout);
        }
        status = CLI_EXIT_OK;
    }
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i].msg);
    free(p.v);
    afmt_reader_free(r);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0}};
    const char *cmd = "verify";
    const char *bundle = NULL;
    int json = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            cli_keys_free(&keys);
            fputs(verify_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        case ':':
        case '?': rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]); break;
        case 1:
            if (bundle != NULL)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            bundle = optarg;
            break;
        case 'p':
        case 'P': rc = cli_keys_defer(&keys, c, optarg); break;
        case OPT_JSON:
            if (cli_once(&seen, c) != 0)
                rc = cli_repeated(cmd, c, longopts);
            json = 1;
            break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (bundle != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        bundle = argv[optind];
    }
    if (rc == CLI_EXIT_OK && bundle == NULL)
        rc = cli_usage(cmd, "no bundle given");
    if (rc == CLI_EXIT_OK && keys.nargs == 0)
        rc = cli_usage(cmd, "verify needs the trusted key(s): -p PUBKEY or -P KEY");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    if (rc == CLI_EXIT_OK) {
        struct stat st;
        cli_progress_start("verifying", stat(bundle, &st) == 0 ? (uint64_t)st.st_size : 0);
        rc = run_verify(bundle, &keys, json);
        cli_progress_stop();
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_err(NULL, "standard output: write error");
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAILURE;
        }
    }
    cli_keys_free(&keys);
    return rc;
}
