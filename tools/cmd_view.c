/*
 * cmd_view.c - `afmt view`: one self-contained HTML file that shows a
 * bundle's thread and checks it in the browser (tools/view/view.js): the
 * note signature, every post's SHA-256, every leaf and the Merkle root.
 * The command opens and checks the bundle first (and the signer, with
 * -p/-P), and puts only verified bytes in the page (view_page.c).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "view_page.h"

/* What a page may hold by default: the posts' bytes together.  The page
 * keeps all of them in the browser's memory and checks each one; 10,000
 * posts (about 13 MB of page) verify in about a second (README). */
#define VIEW_MAX_SIZE_DEFAULT ((uint64_t)64 << 20)

static const char view_help[] =
    "Usage: afmt view [-p PUBKEY | -P KEY]... [-o FILE.html] [-f] [--max-size SIZE] BUNDLE\n"
    "\n"
    "Writes one self-contained HTML file that shows the bundle's thread (title,\n"
    "signer, cosigners, each post with its author, time, deleted or withheld\n"
    "marks and replies not loaded; its raw bytes one click away) and checks\n"
    "itself in the browser, offline, with WebCrypto only: the Ed25519 note\n"
    "signature of the checkpoint, each cosignature, the SHA-256 of every post\n"
    "against its entry, every entry's leaf and the RFC 9162 Merkle root.  A\n"
    "badge at the top says what was checked, or which post failed.\n"
    "The page loads nothing from anywhere (its Content-Security-Policy allows\n"
    "only its own script and style, by hash) and never reads a post as HTML:\n"
    "HTML bodies are shown through a small allow-list of plain elements.\n"
    "The bundle is checked before anything is written.\n"
    "\n"
    "  -o FILE       the page (default: BUNDLE without .afmt, plus .html)\n"
    "  -f            replace FILE when it exists\n"
    "  -p PUBKEY     a trusted public key file (repeatable); the bundle must be\n"
    "                signed by one of them, and the page names it as trusted\n"
    "  -P KEY        a trusted public key, as its base64 line (repeatable)\n"
    "  --max-size SIZE  refuse a bundle whose posts add up to more than SIZE\n"
    "                bytes (default 64M; K, M, G suffixes)\n";

typedef struct view_read {
    uint8_t **content;
    size_t *content_len;
    const uint64_t *numbers;
    int failed;
} view_read;

static int on_piece(void *ctx, size_t which, uint64_t offset, const void *data, size_t len)
{
    view_read *v = ctx;
    uint64_t n = v->numbers[which];
    if (offset > v->content_len[n] || len > v->content_len[n] - offset)
        return 1; /* cannot happen: the library checked the sizes */
    memcpy(v->content[n] + offset, data, len);
    return 0;
}

/* Reads every post, each block decoded once, each content checked. */
static int read_posts(afmt_reader *r, const char *bundle, view_read *v, size_t nposts)
{
    int lrc = afmt_reader_read_many(r, v->numbers, nposts, on_piece, NULL, v);
    if (lrc != AFMT_OK) {
        cli_err(bundle, "%s", lrc == AFMT_E_USER ? "a post is not the size its entry gives"
                                                 : cli_lib_msg(lrc));
        return lrc == AFMT_E_USER ? CLI_EXIT_INTEGRITY : cli_exit_for(lrc);
    }
    return CLI_EXIT_OK;
}

static char *default_output(const char *bundle)
{
    size_t n = strlen(bundle);
    if (n > 5 && strcmp(bundle + n - 5, ".afmt") == 0)
        n -= 5;
    char *out = malloc(n + sizeof ".html");
    if (out != NULL) {
        memcpy(out, bundle, n);
        memcpy(out + n, ".html", sizeof ".html");
    }
    return out;
}

static int make_page(afmt_reader *r, const char *bundle, const char *out, const cli_keys *keys,
                     uint64_t max_size, int force)
{
    uint64_t n = afmt_reader_entry_count(r);
    const uint8_t **enc = calloc(n ? n : 1, sizeof *enc);
    size_t *enc_len = calloc(n ? n : 1, sizeof *enc_len);
    uint8_t **content = calloc(n ? n : 1, sizeof *content);
    size_t *content_len = calloc(n ? n : 1, sizeof *content_len);
    uint64_t *numbers = calloc(n ? n : 1, sizeof *numbers);
    afmt_cosignature_info *cosigs = NULL;
    char *note = NULL;
    size_t note_len = 0, nposts = 0;
    int rc = CLI_EXIT_OK;
    if (enc == NULL || enc_len == NULL || content == NULL || content_len == NULL || numbers == NULL) {
        cli_err(NULL, "out of memory");
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        afmt_entry e;
        int lrc = afmt_reader_entry_encoding(&enc[i], &enc_len[i], r, i);
        if (lrc == AFMT_OK)
            lrc = afmt_reader_entry(&e, r, i);
        if (lrc != AFMT_OK) {
            cli_err(bundle, "entry %" PRIu64 ": %s", i, cli_lib_msg(lrc));
            rc = cli_exit_for(lrc);
            break;
        }
        if (e.type != AFMT_ENTRY_POST || e.size == 0)
            continue;
        total += e.size;
        if (total > max_size) {
            char a[32];
            cli_size_text(a, sizeof a, max_size);
            cli_err(bundle, "the posts add up to more than %s, the most a page holds (a browser "
                    "keeps them all in memory and checks each one); raise it with --max-size", a);
            rc = CLI_EXIT_FAILURE;
            break;
        }
        content_len[i] = (size_t)e.size;
        content[i] = malloc((size_t)e.size);
        if (content[i] == NULL) {
            cli_err(NULL, "out of memory");
            rc = CLI_EXIT_FAILURE;
            break;
        }
        numbers[nposts++] = i;
    }
    if (rc != CLI_EXIT_OK)
        goto done;
    view_read v = {content, content_len, numbers, 0};
    rc = read_posts(r, bundle, &v, nposts);
    if (rc != CLI_EXIT_OK)
        goto done;

    int lrc = afmt_reader_checkpoint_note(&note, &note_len, r);
    size_t ncos = afmt_reader_cosignature_count(r);
    cosigs = calloc(ncos ? ncos : 1, sizeof *cosigs);
    if (lrc == AFMT_OK && cosigs == NULL)
        lrc = AFMT_E_NOMEM;
    for (size_t i = 0; lrc == AFMT_OK && i < ncos; i++)
        lrc = afmt_reader_cosignature(&cosigs[i], r, i);
    if (lrc != AFMT_OK) {
        cli_err(bundle, "%s", cli_lib_msg(lrc));
        rc = cli_exit_for(lrc);
        goto done;
    }
    view_data d;
    memset(&d, 0, sizeof d);
    d.note = note;
    d.note_len = note_len;
    d.signer = afmt_reader_checkpoint(r)->signer;
    d.trusted = keys->keys;
    d.ntrusted = keys->n;
    d.cosigs = cosigs;
    d.ncosigs = ncos;
    d.entries = n;
    d.enc = enc;
    d.enc_len = enc_len;
    d.content = content;
    d.content_len = content_len;
    rc = view_page_write(out, &d, force);
done:
    for (uint64_t i = 0; content != NULL && i < n; i++)
        free(content[i]);
    free(content);
    free(content_len);
    free(enc);
    free(enc_len);
    free(numbers);
    free(cosigs);
    free(note);
    return rc;
}

int cmd_view(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {"max-size", required_argument, NULL, OPT_MAX_SIZE},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "view";
    const char *bundle = NULL, *out = NULL;
    uint64_t max_size = VIEW_MAX_SIZE_DEFAULT;
    int force = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:o:fp:P:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            cli_keys_free(&keys);
            fputs(view_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
            break;
        }
        if (c == 1) {
            if (bundle != NULL)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            bundle = optarg;
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
        if (c == 'o')
            out = optarg;
        else if (c == 'f')
            force = 1;
        else if (c == OPT_MAX_SIZE) {
            if (cli_parse_size(optarg, &max_size) != 0)
                rc = cli_usage(cmd, "--max-size: not a size: '%s'", optarg);
        } else
            rc = cli_usage(cmd, "unknown option");
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (bundle != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        bundle = argv[optind];
    }
    if (rc == CLI_EXIT_OK && bundle == NULL)
        rc = cli_usage(cmd, "BUNDLE is required");
    if (rc == CLI_EXIT_OK && out != NULL && out[0] == '\0')
        rc = cli_usage(cmd, "-o: empty file name");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    char *def = NULL;
    if (rc == CLI_EXIT_OK && out == NULL) {
        out = def = default_output(bundle);
        if (def == NULL) {
            cli_err(NULL, "out of memory");
            rc = CLI_EXIT_FAILURE;
        }
    }
    afmt_reader *r = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_open_bundle(&r, bundle, &keys);
    if (rc == CLI_EXIT_OK)
        rc = make_page(r, bundle, out, &keys, max_size, force);
    afmt_reader_free(r);
    free(def);
    cli_keys_free(&keys);
    return rc;
}
