/*
 * cmd_timestamp.c - `afmt timestamp`: RFC 3161 timestamps of the bundle's
 * checkpoint (spec 12.2).  `request` writes what to send to a time-stamping
 * authority, `attach` stores its reply in the bundle after checking that it
 * answers that request, `export` writes a stored token for stock
 * `openssl ts -verify`.  The network is the user's: any HTTP client sends
 * the request (README).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "common/fileio.h"

static const char timestamp_help[] =
    "Usage: afmt timestamp request BUNDLE -o REQ.tsq [-f]\n"
    "       afmt timestamp attach [-o OUT] [-q REQ.tsq] BUNDLE RESP.tsr\n"
    "       afmt timestamp export [-n N] [-f] BUNDLE -o TOKEN.tst\n"
    "\n"
    "RFC 3161 timestamps of the bundle's signed checkpoint: a time-stamping\n"
    "authority (TSA) signs the SHA-256 of the checkpoint text ('afmt checkpoint -o\n"
    "CP' writes it as CP) with the time, so the capture is shown to exist by then.\n"
    "\n"
    "request  writes an RFC 3161 request for BUNDLE to REQ.tsq: SHA-256 imprint of\n"
    "         the checkpoint, a random nonce, the TSA's certificate asked for (what\n"
    "         'openssl ts -query -data CP -sha256 -cert' makes).  Send it with any\n"
    "         HTTP client, for instance\n"
    "           curl -sS -H 'Content-Type: application/timestamp-query' \\\n"
    "                --data-binary @REQ.tsq https://TSA/ -o RESP.tsr\n"
    "attach   stores the token of the reply RESP.tsr in BUNDLE, after checking that\n"
    "         the TSA granted it, that it is a timestamp of this checkpoint (a reply\n"
    "         to another request is refused, exit 1) and that its signature\n"
    "         verifies with the certificate it carries.  With -q REQ.tsq the reply\n"
    "         must answer that request (its nonce, and its policy if one was asked).\n"
    "         BUNDLE is replaced through a temporary file and a rename, or OUT is\n"
    "         written (it must not exist); only the signature section and the\n"
    "         trailer change.  Whether the TSA is trusted is decided by\n"
    "         'afmt verify --tsa-ca CA.pem'.\n"
    "export   writes timestamp N (from 1; default 1) of BUNDLE, the DER\n"
    "         TimeStampToken, to TOKEN.tst; stock openssl checks it:\n"
    "           afmt checkpoint BUNDLE -o CP\n"
    "           openssl ts -verify -data CP -in TOKEN.tst -token_in -CAfile CA.pem\n"
    "\n"
    "  -o FILE  where to write\n"
    "  -f       replace an existing FILE (request, export)\n"
    "  -q REQ   the request the reply must answer (attach)\n"
    "  -n N     which timestamp (export)\n";

/* Opens BUNDLE up to what a timestamp needs (the reader's open: layout,
 * signatures, index, attestations).  Prints; returns an exit status. */
static int open_quiet(afmt_reader **r, const char *bundle)
{
    afmt_reader_options opts = AFMT_READER_OPTIONS_INIT;
    opts.threads = cli_threads();
    int lrc = afmt_reader_open_ext(r, bundle, &opts);
    if (lrc != AFMT_OK) {
        *r = NULL;
        cli_err(bundle, "%s", cli_lib_msg(lrc));
        return cli_exit_for(lrc);
    }
    return CLI_EXIT_OK;
}

static int read_small(uint8_t **out, size_t *len, const char *path)
{
    char err[AFMT_ERRMSG_BYTES];
    /* A reply is a few kilobytes; far more is not one. */
    if (afmt_file_read_small(out, len, path, 1u << 20, err) != AFMT_OK) {
        cli_err(path, "%s", err);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int do_request(const char *bundle, const char *out, int force)
{
    afmt_reader *r;
    int rc = open_quiet(&r, bundle);
    if (rc != CLI_EXIT_OK)
        return rc;
    uint8_t *req = NULL;
    size_t len = 0;
    int lrc = afmt_reader_timestamp_request(&req, &len, r);
    if (lrc != AFMT_OK) {
        cli_err(bundle, "%s", cli_lib_msg(lrc));
        rc = CLI_EXIT_FAILURE;
    } else {
        rc = cli_write_file_atomic(out, req, len, force);
    }
    free(req);
    afmt_reader_free(r);
    return rc;
}

static int do_attach(const char *bundle, const char *reply_path, const char *req_path,
                     const char *out)
{
    uint8_t *reply = NULL, *req = NULL;
    size_t reply_len = 0, req_len = 0;
    int rc = read_small(&reply, &reply_len, reply_path);
    if (rc == CLI_EXIT_OK && req_path != NULL)
        rc = read_small(&req, &req_len, req_path);
    if (rc == CLI_EXIT_OK) {
        int lrc = afmt_bundle_timestamp(bundle, out, reply, reply_len, req, req_len);
        if (lrc != AFMT_OK) {
            /* The reply's faults are named by the reply's file. */
            int about_reply = lrc == AFMT_E_BAD_SIGNATURE || lrc == AFMT_E_INVALID_ARGUMENT ||
                              (lrc == AFMT_E_FORMAT &&
                               strstr(cli_lib_msg(lrc), "attestation") == NULL);
            const char *where = lrc == AFMT_E_EXISTS && out != NULL ? out
                                : about_reply                      ? reply_path
                                                                   : bundle;
            cli_err(where, "%s%s", cli_lib_msg(lrc),
                    about_reply ? "; not attached" : "");
            rc = lrc == AFMT_E_EXISTS || lrc == AFMT_E_DUPLICATE || lrc == AFMT_E_INVALID_ARGUMENT
                     ? CLI_EXIT_FAILURE
                     : cli_exit_for(lrc);
        }
    }
    free(reply);
    free(req);
    return rc;
}

static int do_export(const char *bundle, const char *out, const char *which, int force)
{
    unsigned long n = 1;
    if (which != NULL) {
        char *end;
        n = strtoul(which, &end, 10);
        if (which[0] < '1' || which[0] > '9' || *end != '\0' || n > 64)
            return cli_usage("timestamp", "-n: a number from 1");
    }
    afmt_reader *r;
    int rc = open_quiet(&r, bundle);
    if (rc != CLI_EXIT_OK)
        return rc;
    size_t count = afmt_reader_timestamp_count(r);
    afmt_timestamp_info ti;
    if (n > count || afmt_reader_timestamp(&ti, r, n - 1) != AFMT_OK) {
        if (count == 0)
            cli_err(bundle, "holds no timestamp");
        else
            cli_err(bundle, "holds %zu timestamp%s, not %lu", count, count == 1 ? "" : "s", n);
        rc = CLI_EXIT_FAILURE;
    } else {
        rc = cli_write_file_atomic(out, ti.token, ti.token_len, force);
    }
    afmt_reader_free(r);
    return rc;
}

int cmd_timestamp(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "timestamp";
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        fputs(timestamp_help, stdout);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    if (argc < 2)
        return cli_usage(cmd, "request, attach or export?");
    const char *sub = argv[1];
    if (strcmp(sub, "request") != 0 && strcmp(sub, "attach") != 0 &&
        strcmp(sub, "export") != 0)
        return cli_usage(cmd, "unknown subcommand '%s' (request, attach or export)", sub);
    const char *out = NULL, *req = NULL, *which = NULL, *args[2] = {NULL, NULL};
    int force = 0, nargs = 0;
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK, c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK &&
           (c = getopt_long(argc - 1, argv + 1, "-:o:q:n:f", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(timestamp_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        }
        if (c == ':' || c == '?') {
            rc = cli_getopt_error(cmd, c, optopt, argv[optind]);
            break;
        }
        if (c == 1) {
            if (nargs == 2)
                rc = cli_usage(cmd, "unexpected argument '%s'", optarg);
            else
                args[nargs++] = optarg;
            continue;
        }
        if (cli_once(&seen, c) != 0) {
            rc = cli_repeated(cmd, c, longopts);
            break;
        }
        int allowed = c == 'o' || (c == 'f' && strcmp(sub, "attach") != 0) ||
                      (c == 'q' && strcmp(sub, "attach") == 0) ||
                      (c == 'n' && strcmp(sub, "export") == 0);
        if (!allowed) {
            rc = cli_usage(cmd, "%s does not take -%c", sub, c);
            break;
        }
        if (c == 'o')
            out = optarg;
        else if (c == 'q')
            req = optarg;
        else if (c == 'n')
            which = optarg;
        else
            force = 1;
    }
    for (; rc == CLI_EXIT_OK && optind < argc - 1; optind++) {
        if (nargs == 2)
            rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
        else
            args[nargs++] = argv[optind + 1];
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    if (out != NULL && out[0] == '\0')
        return cli_usage(cmd, "-o: empty file name");
    if (strcmp(sub, "attach") == 0) {
        if (nargs != 2)
            return cli_usage(cmd, "attach needs BUNDLE and RESP.tsr");
        return do_attach(args[0], args[1], req, out);
    }
    if (nargs != 1 || out == NULL)
        return cli_usage(cmd, "%s needs BUNDLE and -o FILE", sub);
    if (strcmp(sub, "request") == 0)
        return do_request(args[0], out, force);
    return do_export(args[0], out, which, force);
}
