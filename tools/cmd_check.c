/*
 * cmd_check.c - `afmt check`: a proof of one post (spec 16) checked with
 * the trusted keys alone, and what it proves printed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "common/fileio.h"

static const char check_help[] =
    "Usage: afmt check (-p PUBKEY | -P KEY)... [--json] PROOF [POST]\n"
    "\n"
    "Checks a proof that one post is in a bundle (a C2SP tlog-proof written by\n"
    "`afmt prove`) with nothing but the proof, the post's bytes and the keys: the\n"
    "checkpoint note's signature by one of the trusted keys, the post's entry\n"
    "through its Merkle audit path to the signed root, and the post's bytes (POST,\n"
    "by default PROOF.post) against the entry's SHA-256.  Prints what was proven:\n"
    "the post's id, author, time, parent and title, the bundle's title and origin,\n"
    "the signer, and 'proven: post ID is entry N of M in a bundle signed by ...'.\n"
    "Signature lines of keys not given (cosigners) are counted, not checked.\n"
    "\n"
    "  -p PUBKEY  a trusted public key file (repeatable; at least one -p or -P)\n"
    "  -P KEY     a trusted public key, as its base64 line (repeatable)\n"
    "  --json     one JSON object instead\n";

static void text_field(const char *label, const char *s, size_t len)
{
    printf("  %-9s", label);
    if (s == NULL)
        fputs("(none)", stdout);
    else
        cli_escape_write(stdout, s, len);
    putchar('\n');
}

static void json_opt(const char *key, const char *s, size_t len)
{
    printf(",\"%s\":", key);
    if (s == NULL)
        fputs("null", stdout);
    else
        cli_json_string(stdout, s, len);
}

static void print_human(const char *proof, const char *post, const afmt_proof_info *in)
{
    const afmt_entry *e = &in->post;
    char fp[AFMT_FINGERPRINT_CHARS], kid[17], hex[65], t[32];
    afmt_public_key_fingerprint(fp, &in->signer);
    afmt_key_id_to_hex(kid, in->signer.key_id);
    cli_escape_write(stdout, proof, strlen(proof));
    fputs(": proven: post '", stdout);
    cli_escape_write(stdout, e->id, e->id_len);
    printf("' is entry %" PRIu64 " of %" PRIu64 " in a bundle signed by %s (key id %s)\n",
           in->index, in->entries, fp, kid);
    text_field("author:", e->author, e->author_len);
    if (e->has_created && cli_format_rfc3339(t, e->created) == 0)
        printf("  %-9s%s\n", "created:", t);
    else
        printf("  %-9s(none)\n", "created:");
    text_field("parent:", e->parent, e->parent_len);
    text_field("title:", e->title, e->title_len);
    afmt_hash_to_hex(hex, e->hash);
    printf("  %-9s%" PRIu64 " bytes of ", "content:", e->size);
    cli_escape_write(stdout, e->media_type, e->media_type_len);
    printf(", sha256 %s, %s", hex, in->content_checked ? "the bytes of " : "not checked\n");
    if (in->content_checked) {
        cli_escape_write(stdout, post, strlen(post));
        putchar('\n');
    }
    if (e->flags & AFMT_POST_DELETED)
        printf("  %-9sdeleted at the source\n", "note:");
    printf("  %-9s\"", "bundle:");
    cli_escape_write(stdout, in->title, in->title_len);
    printf("\", created %s, origin ",
           cli_format_rfc3339(t, in->created) == 0 ? t : "?");
    cli_escape_write(stdout, in->origin, in->origin_len);
    putchar('\n');
    if (in->other_signatures > 0)
        printf("  %zu other signature%s in the note (cosigners): not checked, no key given\n",
               in->other_signatures, in->other_signatures == 1 ? "" : "s");
}

static void print_json(const char *proof, const afmt_proof_info *in)
{
    const afmt_entry *e = &in->post;
    char fp[AFMT_FINGERPRINT_CHARS], kid[17], hex[65], t[32];
    fputs("{\"proof\":", stdout);
    cli_json_string(stdout, proof, strlen(proof));
    printf(",\"ok\":true,\"kind\":\"%s\",\"entry\":%" PRIu64 ",\"entries\":%" PRIu64,
           in->kind == AFMT_PROOF_WITHHELD ? "withheld" : "post", in->index, in->entries);
    json_opt("id", e->id, e->id_len);
    json_opt("parent", e->parent, e->parent_len);
    json_opt("author", e->author, e->author_len);
    if (e->has_created && cli_format_rfc3339(t, e->created) == 0)
        printf(",\"created\":\"%s\"", t);
    else
        fputs(",\"created\":null", stdout);
    json_opt("title", e->title, e->title_len);
    json_opt("type", e->media_type, e->media_type_len);
    afmt_hash_to_hex(hex, e->hash);
    printf(",\"size\":%" PRIu64 ",\"hash\":\"%s\",\"deleted\":%s,\"content_checked\":%s", e->size,
           hex, (e->flags & AFMT_POST_DELETED) ? "true" : "false",
           in->content_checked ? "true" : "false");
    afmt_hash_to_hex(hex, in->leaf);
    printf(",\"leaf\":\"%s\"", hex);
    afmt_hash_to_hex(hex, in->root);
    afmt_public_key_fingerprint(fp, &in->signer);
    afmt_key_id_to_hex(kid, in->signer.key_id);
    printf(",\"root\":\"%s\",\"signer\":\"%s\",\"key_id\":\"%s\"", hex, fp, kid);
    json_opt("bundle_title", in->title, in->title_len);
    printf(",\"bundle_created\":\"%s\"", cli_format_rfc3339(t, in->created) == 0 ? t : "?");
    json_opt("origin", in->origin, in->origin_len);
    printf(",\"other_signatures\":%zu}\n", in->other_signatures);
}

static int fail(const char *where, int json, const char *proof, int err, const char *msg)
{
    if (json) {
        fputs("{\"proof\":", stdout);
        cli_json_string(stdout, proof, strlen(proof));
        printf(",\"ok\":false,\"error\":\"%s\",\"message\":", cli_error_slug(err));
        cli_json_string(stdout, msg, strlen(msg));
        fputs("}\n", stdout);
    }
    cli_err(where, "%s", msg);
    return cli_exit_for(err);
}

static int run_check(const char *proof_path, const char *post_path, const cli_keys *keys, int json)
{
    char err[AFMT_ERRMSG_BYTES];
    uint8_t *proof = NULL, *post = NULL;
    size_t proof_len, post_len;
    afmt_proof *pf = NULL;
    int rc = afmt_file_read_small(&proof, &proof_len, proof_path, AFMT_PROOF_MAX_BYTES, err);
    if (rc != AFMT_OK)
        return fail(proof_path, json, proof_path, rc, err);
    /* The proof alone first: it says how many bytes the post may have, so a
     * POST file is never read past the size its signed entry gives. */
    rc = afmt_proof_check(&pf, proof, proof_len, NULL, 0, keys->keys, keys->n);
    if (rc != AFMT_OK) {
        int r = fail(proof_path, json, proof_path, rc, cli_lib_msg(rc));
        free(proof);
        return r;
    }
    uint64_t size = afmt_proof_get_info(pf)->post.size;
    afmt_proof_free(pf);
    pf = NULL;
    /* One byte more than the entry's size: a longer file is refused
     * as a mismatch, not read whole. */
    rc = afmt_file_read_small(&post, &post_len, post_path, (size_t)size + 1, err);
    if (rc == AFMT_E_LIMIT) {
        rc = fail(post_path, json, proof_path, AFMT_E_HASH_MISMATCH,
                  "the post is longer than the proven entry says");
        free(proof);
        return rc;
    }
    if (rc != AFMT_OK) {
        rc = fail(post_path, json, proof_path, rc, err);
        free(proof);
        return rc;
    }
    rc = afmt_proof_check(&pf, proof, proof_len, post, post_len, keys->keys, keys->n);
    if (rc != AFMT_OK) {
        int r = fail(rc == AFMT_E_HASH_MISMATCH ? post_path : proof_path, json, proof_path, rc,
                     cli_lib_msg(rc));
        free(proof);
        free(post);
        return r;
    }
    if (json)
        print_json(proof_path, afmt_proof_get_info(pf));
    else
        print_human(proof_path, post_path, afmt_proof_get_info(pf));
    afmt_proof_free(pf);
    free(proof);
    free(post);
    if (fflush(stdout) != 0) {
        cli_err(NULL, "standard output: write error");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "check";
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    int json = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            cli_keys_free(&keys);
            fputs(check_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?')
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
        else if (c == 1 && npos == 2)
            rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
        else if (c == 1)
            pos[npos++] = optarg;
        else if (c == 'p' || c == 'P')
            rc = cli_keys_defer(&keys, c, optarg);
        else if (cli_once(&seen, c) != 0)
            rc = cli_repeated(cmd, c, longopts);
        else if (c == OPT_JSON)
            json = 1;
        else
            rc = cli_usage(cmd, "unknown option");
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (npos == 2)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        else
            pos[npos++] = argv[optind];
    }
    if (rc == CLI_EXIT_OK && npos < 1)
        rc = cli_usage(cmd, "PROOF is required");
    if (rc == CLI_EXIT_OK && keys.nargs == 0)
        rc = cli_usage(cmd, "a proof is checked against trusted keys: give -p or -P");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    char *def = NULL;
    if (rc == CLI_EXIT_OK && pos[1] == NULL) {
        size_t n = strlen(pos[0]);
        if ((def = malloc(n + 6)) == NULL) {
            cli_err(NULL, "out of memory");
            rc = CLI_EXIT_FAILURE;
        } else {
            memcpy(def, pos[0], n);
            memcpy(def + n, ".post", 6);
            pos[1] = def;
        }
    }
    if (rc == CLI_EXIT_OK)
        rc = run_check(pos[0], pos[1], &keys, json);
    free(def);
    cli_keys_free(&keys);
    return rc;
}
