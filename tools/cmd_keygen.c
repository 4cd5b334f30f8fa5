/*
 * cmd_keygen.c - `afmt keygen`: make a minisign-compatible key pair.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"

static const char keygen_help[] =
    "Usage: afmt keygen -s SECKEY -p PUBKEY [-W] [-f] [-c COMMENT] [--passphrase-file FILE]\n"
    "\n"
    "Makes an Ed25519 key pair in minisign's format: the secret key in SECKEY (mode\n"
    "0600, created exclusively) and the public key in PUBKEY.  The keys work with\n"
    "stock minisign, and minisign's keys work with afmt.\n"
    "\n"
    "  -s SECKEY               where to write the secret key\n"
    "  -p PUBKEY               where to write the public key\n"
    "  -W                      store the secret key without a passphrase\n"
    "  -f                      replace existing key files\n"
    "  -c COMMENT              the untrusted comment line of both files\n"
    "  --passphrase-file FILE  read the passphrase from the first line of FILE instead\n"
    "                          of asking twice on the terminal\n";

int cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {NULL, 0, NULL, 0}};
    const char *cmd = "keygen";
    const char *sk_path = NULL, *pk_path = NULL, *comment = NULL, *pass_file = NULL;
    int no_pass = 0, force = 0;
    cli_seen seen = {{0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:s:p:Wfc:", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(keygen_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?')
            return cli_getopt_error(cmd, c, optopt, argv[optind - 1]);
        if (c == 1)
            return cli_usage(cmd, "unexpected argument '%s'", optarg);
        if (cli_once(&seen, c) != 0)
            return cli_repeated(cmd, c, longopts);
        switch (c) {
        case 's': sk_path = optarg; break;
        case 'p': pk_path = optarg; break;
        case 'W': no_pass = 1; break;
        case 'f': force = 1; break;
        case 'c': comment = optarg; break;
        case OPT_PASSPHRASE_FILE: pass_file = optarg; break;
        default: return cli_usage(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (sk_path == NULL || pk_path == NULL)
        return cli_usage(cmd, "both -s SECKEY and -p PUBKEY are required");
    if (no_pass && pass_file != NULL)
        return cli_usage(cmd, "-W and --passphrase-file conflict");
    if (strcmp(sk_path, pk_path) == 0)
        return cli_usage(cmd, "-s and -p name the same file");
    if (comment != NULL && strpbrk(comment, "\r\n") != NULL)
        return cli_usage(cmd, "the comment must be one line");

    struct stat st;
    if (!force) {
        if (lstat(sk_path, &st) == 0) {
            cli_err(sk_path, "file exists (use -f to overwrite)");
            return CLI_EXIT_FAILURE;
        }
        if (lstat(pk_path, &st) == 0) {
            cli_err(pk_path, "file exists (use -f to overwrite)");
            return CLI_EXIT_FAILURE;
        }
    }

    char *pass = NULL;
    size_t pass_len = 0;
    if (!no_pass) {
        int rc = cli_passphrase_read(&pass, &pass_len, pass_file, sk_path, 1);
        if (rc != CLI_EXIT_OK)
            return rc;
        if (pass_len == 0) {
            cli_passphrase_free(pass);
            cli_err(sk_path, "empty passphrase (use -W for a key without one)");
            return CLI_EXIT_FAILURE;
        }
    }

    afmt_secret_key *sk = NULL;
    afmt_public_key pk;
    int rc = afmt_key_generate(&sk, &pk);
    if (rc != AFMT_OK) {
        cli_passphrase_free(pass);
        cli_err(NULL, "cannot generate a key: %s", afmt_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    rc = afmt_key_pair_save(sk_path, pk_path, sk, &pk, pass, pass_len, comment, force);
    cli_passphrase_free(pass);
    afmt_secret_key_free(sk);
    if (rc != AFMT_OK) {
        /* Name the file that stands in the way; the old pair is untouched. */
        struct stat dst;
        const char *which = stat(pk_path, &dst) == 0 && S_ISDIR(dst.st_mode) ? pk_path : sk_path;
        if (rc == AFMT_E_EXISTS)
            which = lstat(sk_path, &dst) == 0 ? sk_path : pk_path;
        cli_err(which, "%s; the key files were left as they were",
                rc == AFMT_E_EXISTS ? "file exists (use -f to overwrite)"
                : stat(which, &dst) == 0 && S_ISDIR(dst.st_mode) ? "is a directory"
                                                                 : afmt_strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
