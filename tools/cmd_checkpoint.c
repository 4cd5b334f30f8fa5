/*
 * cmd_checkpoint.c - `afmt checkpoint`: the signed checkpoint of a bundle,
 * its signature as a file pair that stock minisign verifies, and the same
 * text as the C2SP signed note that Go's sumdb/note verifies.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"

static const char checkpoint_help[] =
    "Usage: afmt checkpoint [-f] BUNDLE -o FILE\n"
    "\n"
    "Writes the bundle's signed checkpoint to FILE, byte for byte: a C2SP\n"
    "tlog-checkpoint (origin, entry count, base64 Merkle root) with the lines\n"
    "afmt-bundle 2, title, created and index.  Writes its minisign signature to\n"
    "FILE.minisig and the same text as a C2SP signed note to FILE.note, so that\n"
    "tools afmt did not write check the bundle's signature:\n"
    "  minisign -Vm FILE -p PUBKEY          (also with -H)\n"
    "  Go: note.Open(FILE.note, verifier of `afmt key vkey -p PUBKEY`)\n"
    "The bundle is checked first (layout, index, root, signatures with the key\n"
    "inside it).  The files are written through temporary files and renamed.\n"
    "\n"
    "  -o FILE  where to write (FILE, FILE.minisig and FILE.note)\n"
    "  -f       replace existing files\n";

int cmd_checkpoint(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "checkpoint";
    const char *bundle = NULL, *out = NULL;
    int force = 0;
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:o:f", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(checkpoint_help, stdout);
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
        if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
            break;
        }
        if (c == 'o')
            out = optarg;
        else if (c == 'f')
            force = 1;
        else
            rc = cli_usage(cmd, "unknown option");
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (bundle != NULL)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        bundle = argv[optind];
    }
    if (rc == CLI_EXIT_OK && (bundle == NULL || out == NULL))
        rc = cli_usage(cmd, "BUNDLE and -o FILE are required");
    if (rc == CLI_EXIT_OK && out[0] == '\0')
        rc = cli_usage(cmd, "-o: empty file name");
    if (rc != CLI_EXIT_OK)
        return rc;

    size_t olen = strlen(out);
    char *sig_path = malloc(olen + sizeof ".minisig");
    char *note_path = malloc(olen + sizeof ".note");
    if (sig_path == NULL || note_path == NULL) {
        cli_err(NULL, "out of memory");
        free(sig_path);
        free(note_path);
        return CLI_EXIT_FAILURE;
    }
    memcpy(sig_path, out, olen);
    memcpy(sig_path + olen, ".minisig", sizeof ".minisig");
    memcpy(note_path, out, olen);
    memcpy(note_path + olen, ".note", sizeof ".note");
    struct stat st;
    if (!force) {
        const char *paths[3] = {out, sig_path, note_path};
        for (int i = 0; i < 3; i++) {
            if (lstat(paths[i], &st) == 0) {
                cli_err(paths[i], "file exists (use -f to overwrite)");
                free(sig_path);
                free(note_path);
                return CLI_EXIT_FAILURE;
            }
        }
    }

    afmt_reader *r = NULL;
    rc = cli_open_bundle(&r, bundle, NULL);
    if (rc == CLI_EXIT_OK) {
        const uint8_t *bytes = NULL;
        size_t len = 0;
        char *minisig = NULL, *note = NULL;
        size_t note_len = 0;
        int lrc = afmt_reader_checkpoint_export(&bytes, &len, &minisig, r);
        if (lrc == AFMT_OK)
            lrc = afmt_reader_checkpoint_note(&note, &note_len, r);
        if (lrc != AFMT_OK) {
            cli_err(bundle, "%s", afmt_strerror(lrc));
            rc = cli_exit_for(lrc);
        } else if (cli_write_file_atomic(note_path, note, note_len, force) != CLI_EXIT_OK ||
                   cli_write_file_atomic(sig_path, minisig, strlen(minisig), force) !=
                       CLI_EXIT_OK ||
                   cli_write_file_atomic(out, bytes, len, force) != CLI_EXIT_OK) {
            rc = CLI_EXIT_FAILURE;
        }
        free(minisig);
        free(note);
    }
    afmt_reader_free(r);
    free(sig_path);
    free(note_path);
    return rc;
}
