/*
 * afmt.c - the `afmt` command: dispatch table, --help, --version.
 * Each subcommand lives in its own file (cmd_<name>.c).
 */
#include <stdio.h>
#include <string.h>

#include "afmt.h"
#include "cli_util.h"
#include "commands.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"keygen", cmd_keygen, "make a minisign key pair"},
    {"pack", cmd_pack, "pack inputs into a signed bundle"},
    {"list", cmd_list, "list the posts of a bundle (thread tree, or --json)"},
    {"cat", cmd_cat, "write one post's bytes to standard output"},
    {"extract", cmd_extract, "write back the packed files, or one file per post"},
    {"verify", cmd_verify, "check everything, and that the signer is trusted"},
    {"checkpoint", cmd_checkpoint, "export the signed checkpoint (minisign pair, C2SP note)"},
    {"view", cmd_view, "write the thread as one HTML page that verifies itself"},
    {"prove", cmd_prove, "prove one post alone: a C2SP tlog-proof and the post's bytes"},
    {"check", cmd_check, "check a proof of one post against trusted keys"},
    {"key", cmd_key, "print a public key's C2SP verifier key (key vkey)"},
    {"withhold", cmd_withhold, "copy a bundle with posts withheld, still verifiable"},
    {"cosign", cmd_cosign, "add a cosignature (c2sp.org/tlog-cosignature) to a bundle"},
    {"timestamp", cmd_timestamp, "RFC 3161 timestamps: request, attach, export"},
};

static void usage(FILE *out)
{
    fputs("afmt - signed, compressed, content-addressed bundles of discussions\n"
          "\n"
          "Usage:\n"
          "  afmt keygen -s SECKEY -p PUBKEY [-W] [-f] [-c COMMENT] [--passphrase-file FILE]\n"
          "  afmt pack   -s SECKEY -o OUT.afmt [--title TITLE] [-l LEVEL] [--format FORMAT]\n"
          "              [--passphrase-file FILE] INPUT...\n"
          "  afmt list   [--json] [-p PUBKEY | -P KEY]... BUNDLE\n"
          "  afmt cat    [-p PUBKEY | -P KEY]... BUNDLE ID\n"
          "  afmt extract [-C DIR] [-f] [--posts] [-p PUBKEY | -P KEY]... BUNDLE [ID...]\n"
          "  afmt verify (-p PUBKEY | -P KEY)... [--cosigner PUBKEY]... [--require N]\n"
          "              [--tsa-ca CA.pem] [--json] BUNDLE\n"
          "  afmt checkpoint [-f] BUNDLE -o FILE\n"
          "  afmt view [-p PUBKEY | -P KEY]... [-o FILE.html] [-f] [--max-size SIZE] BUNDLE\n"
          "  afmt prove  [-p PUBKEY | -P KEY]... BUNDLE (ID... | --all) [-o FILE | -C DIR]\n"
          "  afmt check  (-p PUBKEY | -P KEY)... [--json] PROOF [POST]\n"
          "  afmt key vkey (-p PUBKEY | -P KEY)\n"
          "  afmt withhold -s SECKEY -o OUT [--author NAME]... [--ids-from FILE] BUNDLE [ID...]\n"
          "  afmt cosign -s SECKEY [-o OUT] [--name NAME] [-p PUBKEY | -P KEY]...\n"
          "              [--no-verify] [--passphrase-file FILE] BUNDLE\n"
          "  afmt timestamp request BUNDLE -o REQ.tsq [-f]\n"
          "  afmt timestamp attach [-o OUT] [-q REQ.tsq] BUNDLE RESP.tsr\n"
          "  afmt timestamp export [-n N] [-f] BUNDLE -o TOKEN.tst\n"
          "  afmt --help | --version | COMMAND --help\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Keys are minisign key files (-s secret key, -p public key file, -P public key as\n"
          "its base64 line).  -p/-P may be repeated: any one of the keys may have signed.\n"
          "Without -p/-P, list, cat and extract check the bundle against the key inside it\n"
          "and say on stderr that the signer was not checked against a trusted key.\n"
          "Passphrases are asked on the terminal, or read from --passphrase-file FILE\n"
          "(its first line); never from the command line.\n"
          "\n"
          "Output: standard output carries only what was asked for; messages go to\n"
          "standard error as 'afmt: FILE: message'.  Text from a bundle is escaped before\n"
          "it reaches a terminal (control characters, ANSI escapes, bidi marks).\n"
          "\n"
          "Exit status:\n"
          "  0  success\n"
          "  1  the bundle is not authentic or not intact (altered, corrupt, truncated,\n"
          "     signed by a key that is not trusted)\n"
          "  2  usage error\n"
          "  3  any other failure (I/O, missing file, wrong passphrase, out of memory)\n"
          "  4  what was asked for is not in the bundle because the archiver withheld\n"
          "     it, or may have (cat, extract; the bundle itself verified)\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(NULL, "no command given");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *sub[] = {(char *)commands[i].name, (char *)"--help", NULL};
                    return commands[i].run(2, sub);
                }
            }
            return cli_usage(NULL, "unknown command '%s'", argv[2]);
        }
        if (argc > 2)
            return cli_usage(NULL, "unexpected argument '%s'", argv[2]);
        usage(stdout);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        if (argc > 2)
            return cli_usage(NULL, "unexpected argument '%s'", argv[2]);
        printf("afmt %s (libarchive_fmt %s, bundle format %d)\n", AFMT_LIBRARY_VERSION,
               AFMT_LIBRARY_VERSION, AFMT_FORMAT_VERSION);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            if (afmt_init() != AFMT_OK) {
                cli_err(NULL, "cannot initialise libsodium");
                return CLI_EXIT_FAILURE;
            }
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    if (name[0] == '-')
        return cli_usage(NULL, "unknown option '%s'", name);
    return cli_usage(NULL, "unknown command '%s'", name);
}
