/*
 * cmd_cosign.c - `afmt cosign`: a cosignature of the bundle's checkpoint
 * (c2sp.org/tlog-cosignature, spec 12.2) with the cosigner's minisign key,
 * after checking the bundle.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"

static const char cosign_help[] =
    "Usage: afmt cosign -s SECKEY [-o OUT] [--name NAME] [-p PUBKEY | -P KEY]...\n"
    "                   [--no-verify] [--passphrase-file FILE] BUNDLE\n"
    "\n"
    "Adds a cosignature by SECKEY to the bundle: a C2SP tlog-cosignature (Ed25519,\n"
    "timestamped now) over its signed checkpoint, saying that the cosigner vouches\n"
    "for it too.  Only the signature section and the trailer change: every byte\n"
    "the signer's signature or any inclusion proof covers stays as it is.\n"
    "\n"
    "The bundle is verified first, as 'afmt verify' does (every block and content\n"
    "hash, the root, the signatures, every attestation already there), and refused\n"
    "(exit 1) when it does not verify; with -p/-P its signer must be one of those\n"
    "keys, without them the signer is not checked against a trusted key (a warning\n"
    "says so).  --no-verify skips the blocks and contents (the signatures,\n"
    "checkpoint, index head and attestations are still checked), for a cosigner\n"
    "who verified the bundle already.\n"
    "\n"
    "BUNDLE is replaced through a temporary file and a rename, or, with -o, OUT is\n"
    "written and BUNDLE left alone (OUT must not exist).  A key that has cosigned\n"
    "the bundle already is refused (exit 3).  The cosignatures appear in\n"
    "'afmt verify' and, one signature line each, in the note of 'afmt checkpoint'.\n"
    "\n"
    "  -s SECKEY               the cosigner's minisign secret key\n"
    "  -o OUT                  write the cosigned bundle to OUT (created, never\n"
    "                          overwritten)\n"
    "  --name NAME             the cosigner's C2SP key name (default afmt/KEYID, the\n"
    "                          key id as minisign prints it); 1 to 255 bytes, no\n"
    "                          space, control character or '+'\n"
    "  -p PUBKEY, -P KEY       the signer must be one of these keys (repeatable)\n"
    "  --no-verify             do not read the blocks first\n"
    "  --passphrase-file FILE  read the key's passphrase from the first line of FILE\n";

enum { OPT_NAME = 400, OPT_NO_VERIFY };

/* The full check of `afmt verify`, in short: any problem refuses. */
static int check_bundle(const char *bundle, const cli_keys *keys, int full)
{
    afmt_reader *r = NULL;
    int rc = cli_open_bundle(&r, bundle, keys);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (full) {
        int lrc = afmt_reader_verify(r, NULL, NULL);
        if (lrc != AFMT_OK) {
            cli_err(bundle, "does not verify: %s (see 'afmt verify'); not cosigned",
                    afmt_reader_errmsg(r)[0] ? afmt_reader_errmsg(r) : afmt_strerror(lrc));
            rc = cli_exit_for(lrc);
        }
    }
    afmt_reader_free(r);
    return rc;
}

int cmd_cosign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"name", required_argument, NULL, OPT_NAME},
        {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {NULL, 0, NULL, 0}};
    const char *cmd = "cosign";
    const char *bundle = NULL, *out = NULL, *seckey = NULL, *name = NULL, *pass_file = NULL;
    int verify = 1;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK, c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK &&
           (c = getopt_long(argc, argv, "-:s:o:p:P:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            cli_keys_free(&keys);
            fputs(cosign_help, stdout);
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
        switch (c) {
        case 's': seckey = optarg; break;
        case 'o': out = optarg; break;
        case OPT_NAME: name = optarg; break;
        case OPT_NO_VERIFY: verify = 0; break;
        case OPT_PASSPHRASE_FILE: pass_file = optarg; break;
        default: rc = cli_usage(cmd, "unknown option"); break;
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (bundle != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        bundle = argv[optind];
    }
    if (rc == CLI_EXIT_OK && (bundle == NULL || seckey == NULL))
        rc = cli_usage(cmd, "-s SECKEY and BUNDLE are required");
    if (rc == CLI_EXIT_OK && out != NULL && out[0] == '\0')
        rc = cli_usage(cmd, "-o: empty file name");
    if (rc == CLI_EXIT_OK && name != NULL && (name[0] == '\0' || strlen(name) > 255))
        rc = cli_usage(cmd, "--name: 1 to 255 bytes");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    afmt_secret_key *sk = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_load_secret_key(&sk, seckey, pass_file);
    if (rc == CLI_EXIT_OK)
        rc = check_bundle(bundle, &keys, verify);
    if (rc == CLI_EXIT_OK) {
        time_t now = time(NULL);
        int lrc = afmt_bundle_cosign(bundle, out, sk, name, name ? strlen(name) : 0,
                                     now < 0 ? 0 : (uint64_t)now);
        if (lrc != AFMT_OK) {
            const char *where = lrc == AFMT_E_EXISTS && out != NULL ? out : bundle;
            cli_err(where, "%s", cli_lib_msg(lrc));
            /* Cosigning twice, or an unusable name, is the user's mistake,
             * not a fault of the bundle. */
            rc = lrc == AFMT_E_DUPLICATE || lrc == AFMT_E_EXISTS ? CLI_EXIT_FAILURE
                 : lrc == AFMT_E_INVALID_ARGUMENT                ? CLI_EXIT_USAGE
                                                                 : cli_exit_for(lrc);
        }
    }
    afmt_secret_key_free(sk);
    cli_keys_free(&keys);
    return rc;
}
