/*
 * cmd_cat.c - `afmt cat`: one post's bytes on standard output, released
 * only after they matched their signed hash.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"

static const char cat_help[] =
    "Usage: afmt cat [-p PUBKEY | -P KEY]... BUNDLE ID\n"
    "\n"
    "Writes the bytes of the post ID to standard output, exactly as they were packed,\n"
    "and nothing else, once they have matched their hash in the signed index.  On a\n"
    "terminal, control characters other than newline and tab, invalid UTF-8 and bidi\n"
    "marks are shown escaped instead (redirect the output to get the bytes).  An ID\n"
    "that starts with '-' can follow '--'.  Only the signature, the index pages on the\n"
    "way to the post and its block are read and checked; `afmt verify` checks the rest.\n"
    "On a bundle with withheld posts (afmt withhold) the whole index is checked against\n"
    "the archiver's root first, and an ID that is not there exits 4: it may be one of\n"
    "the withheld posts.\n"
    "\n"
    "  -p PUBKEY  a trusted public key file (repeatable)\n"
    "  -P KEY     a trusted public key, as its base64 line (repeatable)\n";

static int sink_raw(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    return cli_write_all(STDOUT_FILENO, data, len) == 0 ? 0 : 1;
}

static int sink_tty(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    cli_escape_write_text(stdout, data, len);
    return ferror(stdout) ? 1 : 0;
}

int cmd_cat(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "cat";
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            cli_keys_free(&keys);
            fputs(cat_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        case ':':
        case '?': rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]); break;
        case 1:
            if (npos == 2)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            else
                pos[npos++] = optarg;
            break;
        case 'p':
        case 'P': rc = cli_keys_defer(&keys, c, optarg); break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (npos == 2)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        else
            pos[npos++] = argv[optind];
    }
    if (rc == CLI_EXIT_OK && npos < 2)
        rc = cli_usage(cmd, "BUNDLE and ID are required");
    if (rc == CLI_EXIT_OK && pos[1][0] == '\0')
        rc = cli_usage(cmd, "an id is never empty");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    const char *bundle = pos[0], *id = pos[1];
    if (rc == CLI_EXIT_OK) {
        /* Only the pages on the way to the post are read and checked
         * (spec 10.1): a few milliseconds on a bundle of a million posts. */
        afmt_public_key signer;
        memset(&signer, 0, sizeof signer);
        int tty = isatty(STDOUT_FILENO);
        afmt_reader_options opts = AFMT_READER_OPTIONS_INIT;
        opts.trusted_keys = keys.n ? keys.keys : NULL;
        opts.ntrusted_keys = keys.n;
        int lrc = afmt_lookup_post(&signer, bundle, id, strlen(id), tty ? sink_tty : sink_raw,
                                   NULL, &opts);
        if (tty && fflush(stdout) != 0 && lrc == AFMT_OK)
            lrc = AFMT_E_USER; /* as when a sink fails: the write */
        if (keys.n == 0 && (lrc == AFMT_OK || lrc == AFMT_E_NOT_FOUND || lrc == AFMT_E_USER ||
                            lrc == AFMT_E_WITHHELD))
            cli_warn_untrusted_signer(bundle, &signer);
        if (lrc == AFMT_E_USER) {
            cli_err(NULL, "standard output: write error");
            rc = CLI_EXIT_FAILURE;
        } else if (lrc == AFMT_E_WITHHELD) {
            cli_err(bundle, "post '%s': %s", id, cli_lib_msg(lrc));
            rc = CLI_EXIT_WITHHELD;
        } else if (lrc == AFMT_E_NOT_FOUND) {
            cli_err(bundle, "no post with id '%s'", id);
            rc = CLI_EXIT_FAILURE;
        } else if (lrc == AFMT_E_WRONG_KEY) {
            char m[640];
            cli_wrong_key_message(m, sizeof m, cli_lib_msg(lrc));
            cli_err(bundle, "%s", m);
            rc = CLI_EXIT_INTEGRITY;
        } else if (lrc != AFMT_OK) {
            cli_err(bundle, "post '%s': %s", id, cli_lib_msg(lrc));
            rc = cli_exit_for(lrc);
        }
    }
    cli_keys_free(&keys);
    return rc;
}
