/*
 * cmd_key.c - `afmt key`: what else a minisign public key is known as.
 * `afmt key vkey` prints its C2SP verifier key, with which Go's
 * golang.org/x/mod/sumdb/note checks the checkpoint notes of the bundles it
 * signed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"

static const char key_help[] =
    "Usage: afmt key vkey (-p PUBKEY | -P KEY)\n"
    "\n"
    "Prints the C2SP verifier key (c2sp.org/signed-note) of a minisign public key,\n"
    "one line on standard output:\n"
    "  afmt/<KEYID>+<c2sp key id, 8 hex digits>+<base64(0x01 || Ed25519 key)>\n"
    "KEYID is the minisign key id as minisign prints it.  Go's\n"
    "golang.org/x/mod/sumdb/note verifies the note that `afmt checkpoint -o FILE`\n"
    "writes to FILE.note with this key (note.NewVerifier, note.Open).\n"
    "\n"
    "  -p PUBKEY  a minisign public key file\n"
    "  -P KEY     a minisign public key as its base64 line\n";

int cmd_key(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "key";
    const char *action = NULL;
    cli_keys keys = {0};
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            cli_keys_free(&keys);
            fputs(key_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
            break;
        }
        if (c == 1) {
            if (action != NULL)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            action = optarg;
            continue;
        }
        if (c == 'p' || c == 'P') {
            if (keys.nargs > 0)
                rc = cli_usage(cmd, "one key: -p or -P, once");
            else
                rc = cli_keys_defer(&keys, c, optarg);
            continue;
        }
        if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
            break;
        }
        rc = cli_usage(cmd, "unknown option");
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (action != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        action = argv[optind];
    }
    if (rc == CLI_EXIT_OK && action == NULL)
        rc = cli_usage(cmd, "what to print is required: vkey");
    if (rc == CLI_EXIT_OK && strcmp(action, "vkey") != 0)
        rc = cli_usage(cmd, "unknown action '%s' (only vkey)", action);
    if (rc == CLI_EXIT_OK && keys.nargs == 0)
        rc = cli_usage(cmd, "a key is required: -p PUBKEY or -P KEY");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    if (rc == CLI_EXIT_OK) {
        char *vkey = NULL;
        int lrc = afmt_public_key_vkey(&vkey, &keys.keys[0]);
        if (lrc != AFMT_OK) {
            cli_err(NULL, "%s", afmt_strerror(lrc));
            rc = CLI_EXIT_FAILURE;
        } else if (printf("%s\n", vkey) < 0 || fflush(stdout) != 0) {
            rc = CLI_EXIT_FAILURE;
        }
        free(vkey);
    }
    cli_keys_free(&keys);
    return rc;
}
