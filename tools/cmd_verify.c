/*
 * cmd_verify.c - `afmt verify`: structure, every content hash, the Merkle
 * root, the checkpoint signature, and a trusted signer.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"
#include "common/fileio.h"

enum { OPT_COSIGNER = 500, OPT_REQUIRE, OPT_TSA_CA };

static const char verify_help[] =
    "Usage: afmt verify (-p PUBKEY | -P KEY)... [--cosigner PUBKEY]... [--require N]\n"
    "                   [--tsa-ca CA.pem] [--json] BUNDLE\n"
    "\n"
    "Checks everything: the layout, every block and content hash, every file's\n"
    "parts, the index and the Merkle root against the signed checkpoint, the\n"
    "signature, and that the signer is one of the given keys (any one may match).\n"
    "\n"
    "On success it prints one line on standard output:\n"
    "  BUNDLE: OK, N posts, M files, signed by KEYID, trusted comment: COMMENT\n"
    "with '(D deleted at the source)' after the posts when some are, and ', thread\n"
    "incomplete: R replies not loaded under K posts' when the source left replies out\n"
    "(R counts only what the source announced), and ', W posts withheld by the\n"
    "archiver (statement by FINGERPRINT)' when posts were withheld from the bundle\n"
    "after it was signed (afmt withhold; not the source's deletions).  --json adds\n"
    "the keys deleted, complete, incomplete_posts, missing_replies, withheld_posts,\n"
    "withheld_files and withholder_fingerprint (null when none).\n"
    "and exits 0.  On failure it names on standard error every post (by id) and file\n"
    "(by path) whose content or record does not match, and why, and exits 1.  A\n"
    "block that does not match its signed hash is never decoded, so every post in\n"
    "it is named, as 'in an altered block': which of them changed cannot be told\n"
    "without decoding unauthenticated bytes.\n"
    "\n"
    "With --json it prints one JSON object instead:\n"
    "  {\"bundle\", \"ok\": true, \"posts\", \"files\", \"signer\" (key id),\n"
    "   \"signer_fingerprint\" (SHA256:base64 of SHA-256 of the key bytes),\n"
    "   \"trusted_comment\", \"title\", \"created\" (RFC 3339), \"origin\" (the log's\n"
    "   name in the checkpoint), \"root\"}\n"
    "or on failure\n"
    "  {\"bundle\", \"ok\": false, \"error\", \"problems\": [{\"entry\" (number or null),\n"
    "   \"type\" (\"post\", \"file\" or null), \"id\" (or null), \"error\", \"message\"}]}\n"
    "(strings as in 'afmt list --json').\n"
    "\n"
    "Attestations (cosignatures, RFC 3161 timestamps: 'afmt cosign', 'afmt\n"
    "timestamp') are each verified over the checkpoint; one that does not verify\n"
    "fails the bundle, naming it.  After the OK line, one line each:\n"
    "  cosigned by NAME (KEY FINGERPRINT, C2SP key id HASH) at TIME: trusted\n"
    "      cosigner | not a given cosigner (trust not checked)\n"
    "  timestamped at TIME by AUTHORITY (serial S): chains to CA.pem |\n"
    "      does NOT chain to CA.pem (why) | trust not checked (no --tsa-ca)\n"
    "A cosigner is trusted only when its key is one of --cosigner; --require N\n"
    "(a k-of-n quorum, as C2SP tlog-policy's 'group' of the --cosigner keys, 1 <=\n"
    "N <= their number) fails the bundle (exit 1) unless N of them cosigned.  With\n"
    "--tsa-ca, a timestamp's authority is trusted when its certificate chains to a\n"
    "CA certificate of that PEM file now, as 'openssl ts -verify -CAfile' decides\n"
    "(an expired TSA certificate does not), and the bundle fails unless at least\n"
    "one timestamp does.  --json adds \"cosignatures\": [{\"name\", \"key\" (base64),\n"
    "\"fingerprint\", \"key_hash\", \"time\", \"trusted\"}], \"timestamps\":\n"
    "[{\"time\", \"authority\", \"serial\", \"trusted\" (true, false or null when not\n"
    "checked), \"trust_error\"}], \"cosigners_required\" and \"cosigners_trusted\".\n"
    "\n"
    "  -p PUBKEY          a trusted public key file (repeatable)\n"
    "  -P KEY             a trusted public key, as its base64 line (repeatable)\n"
    "  --cosigner PUBKEY  a trusted cosigner's minisign public key file\n"
    "                     (repeatable)\n"
    "  --require N        at least N of the --cosigner keys must have cosigned\n"
    "  --tsa-ca CA.pem    CA certificates (PEM) a timestamp authority must chain to\n"
    "  --json             machine-readable output\n";

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

static int null_sink_at(void *ctx, uint64_t offset, const void *data, size_t len)
{
    (void)ctx;
    (void)offset;
    (void)data;
    (void)len;
    return 0;
}

/* An entry to read again: by the block holding its content (posts; files
 * give UINT64_MAX unless the library names one), ties in entry order. */
typedef struct reread {
    uint64_t block;
    uint64_t number;
} reread;

static int reread_cmp(const void *a, const void *b)
{
    const reread *p = a, *q = b;
    if (p->block != q->block)
        return p->block < q->block ? -1 : 1;
    return p->number < q->number ? -1 : p->number > q->number;
}

/* Names every entry whose content does not check out that the library has
 * not named already, whatever granularity it reported at (a damaged block,
 * say).  Posts are read in block order, so each block is decoded once
 * whatever order a hostile bundle puts them in.  Files are read with
 * afmt_reader_read_at (each block once per file, however its parts jump),
 * and only when `files` is set: afmt_reader_verify checks and names every
 * file when it runs to the end, and reading many files, each touching the
 * same big blocks, would decode those blocks once per file. */
static void reread_unnamed(afmt_reader *r, problems *p, int files)
{
    uint64_t total = afmt_reader_entry_count(r);
    uint8_t *seen = calloc((size_t)(total / 8 + 1), 1);
    if (seen == NULL) {
        p->oom = 1;
        return;
    }
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].entry < total)
            seen[p->v[i].entry / 8] |= (uint8_t)(1u << (p->v[i].entry % 8));
    reread *list = NULL;
    size_t n = 0, cap = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (seen[i / 8] & (1u << (i % 8)))
            continue;
        afmt_entry e;
        int rc = afmt_reader_entry(&e, r, i);
        if (rc != AFMT_OK) {
            add_problem(p, i, rc, afmt_reader_errmsg(r));
            continue;
        }
        if (e.type != AFMT_ENTRY_POST && !files)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            reread *v = realloc(list, ncap * sizeof *v);
            if (v == NULL) {
                p->oom = 1;
                break;
            }
            list = v;
            cap = ncap;
        }
        list[n].block = e.block;
        list[n++].number = i;
    }
    free(seen);
    if (!p->oom) {
        if (n > 1)
            qsort(list, n, sizeof *list, reread_cmp);
        for (size_t i = 0; i < n; i++) {
            int rc = afmt_reader_read_at(r, list[i].number, null_sink_at, NULL);
            if (rc != AFMT_OK)
                add_problem(p, list[i].number, rc, afmt_reader_errmsg(r));
        }
    }
    free(list);
}

/* The block number a problem not tied to an entry is about ("block N
 * ..."), or UINT64_MAX. */
static uint64_t problem_block(const problem *q)
{
    uint64_t b;
    int end = 0;
    if (q->entry != UINT64_MAX || sscanf(q->msg, "block %" SCNu64 "%n", &b, &end) != 1 ||
        end == 0 || (q->msg[end] != ' ' && q->msg[end] != ':'))
        return UINT64_MAX;
    return b;
}

typedef struct bad_block {
    uint64_t block;
    size_t problem; /* index in problems */
} bad_block;

static int bad_block_cmp(const void *a, const void *b)
{
    const bad_block *p = a, *q = b;
    if (p->block != q->block)
        return p->block < q->block ? -1 : 1;
    return p->problem < q->problem ? -1 : p->problem > q->problem;
}

/* A block that does not match its signed hash is never decoded, so every
 * post in it is named, and which of them changed cannot be told: their
 * messages say so.  (Sorted look-up: a hostile bundle may hold millions of
 * posts in an altered block.) */
static void name_altered_blocks(afmt_reader *r, problems *p)
{
    size_t nb = 0;
    for (size_t i = 0; i < p->n; i++)
        if (problem_block(&p->v[i]) != UINT64_MAX)
            nb++;
    if (nb == 0)
        return;
    bad_block *bad = malloc(nb * sizeof *bad);
    if (bad == NULL) {
        p->oom = 1;
        return;
    }
    nb = 0;
    for (size_t i = 0; i < p->n; i++) {
        uint64_t b = problem_block(&p->v[i]);
        if (b != UINT64_MAX) {
            bad[nb].block = b;
            bad[nb++].problem = i;
        }
    }
    qsort(bad, nb, sizeof *bad, bad_block_cmp);
    for (size_t i = 0; i < p->n; i++) {
        problem *q = &p->v[i];
        afmt_entry e;
        if (q->entry == UINT64_MAX || afmt_reader_entry(&e, r, q->entry) != AFMT_OK ||
            e.type != AFMT_ENTRY_POST || e.block == UINT64_MAX)
            continue;
        size_t lo = 0, hi = nb; /* first bad[k].block >= e.block */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (bad[mid].block < e.block)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == nb || bad[lo].block != e.block)
            continue;
        const problem *bq = &p->v[bad[lo].problem];
        if (q->err != bq->err && q->err != AFMT_E_HASH_MISMATCH)
            continue; /* not about its content */
        char m[1024];
        if (bq->err == AFMT_E_HASH_MISMATCH)
            snprintf(m, sizeof m,
                     "in an altered block (%s): the block is not decoded, so whether this "
                     "post changed cannot be told",
                     bq->msg);
        else
            snprintf(m, sizeof m, "in a block that does not decode (%s)", bq->msg);
        char *dup = strdup(m);
        if (dup == NULL) {
            p->oom = 1;
            break;
        }
        free(q->msg);
        q->msg = dup;
        q->err = bq->err;
    }
    free(bad);
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
    fputs("]", stdout);
}

/* ------------------------------------------------------------ attestations */

/* What the user trusts besides the signer. */
typedef struct trust_policy {
    cli_keys cosigners;   /* --cosigner */
    unsigned long require; /* --require: 0 = nothing required */
    const char *tsa_ca;   /* --tsa-ca */
} trust_policy;

/* Each attestation of an open, verified bundle against the policy. */
typedef struct trust_view {
    size_t ncos, trusted;   /* cosignatures, and those by a --cosigner key */
    int *cos_trusted;
    size_t nts, chains;     /* timestamps, and those that chain to --tsa-ca */
    int *ts_state;          /* 1 chains, 0 does not, -1 not checked */
    char (*ts_err)[512];
} trust_view;

static void trust_view_free(trust_view *v)
{
    free(v->cos_trusted);
    free(v->ts_state);
    free(v->ts_err);
    memset(v, 0, sizeof *v);
}

static int trust_view_make(trust_view *v, const afmt_reader *r, const trust_policy *pol)
{
    memset(v, 0, sizeof *v);
    v->ncos = afmt_reader_cosignature_count(r);
    v->nts = afmt_reader_timestamp_count(r);
    v->cos_trusted = calloc(v->ncos + 1, sizeof *v->cos_trusted);
    v->ts_state = calloc(v->nts + 1, sizeof *v->ts_state);
    v->ts_err = calloc(v->nts + 1, sizeof *v->ts_err);
    if (v->cos_trusted == NULL || v->ts_state == NULL || v->ts_err == NULL) {
        trust_view_free(v); /* the caller frees only a view that was made */
        return -1;
    }
    for (size_t i = 0; i < v->ncos; i++) {
        afmt_cosignature_info ci;
        if (afmt_reader_cosignature(&ci, r, i) != AFMT_OK)
            continue;
        /* Trust is the key bytes: the name and the key id are claims. */
        for (size_t k = 0; k < pol->cosigners.n && !v->cos_trusted[i]; k++)
            if (memcmp(pol->cosigners.keys[k].key, ci.key, AFMT_PUBLICKEY_BYTES) == 0)
                v->cos_trusted[i] = 1;
        v->trusted += (size_t)v->cos_trusted[i];
    }
    for (size_t i = 0; i < v->nts; i++) {
        v->ts_state[i] = -1;
        if (pol->tsa_ca == NULL)
            continue;
        int lrc = afmt_reader_timestamp_trusted(r, i, pol->tsa_ca);
        v->ts_state[i] = lrc == AFMT_OK;
        if (lrc != AFMT_OK)
            snprintf(v->ts_err[i], sizeof v->ts_err[i], "%s", cli_lib_msg(lrc));
        v->chains += (size_t)(lrc == AFMT_OK);
    }
    return 0;
}

static void print_attestations(const afmt_reader *r, const trust_view *v,
                               const trust_policy *pol)
{
    for (size_t i = 0; i < v->ncos; i++) {
        afmt_cosignature_info ci;
        if (afmt_reader_cosignature(&ci, r, i) != AFMT_OK)
            continue;
        afmt_public_key pk;
        memset(&pk, 0, sizeof pk);
        memcpy(pk.key, ci.key, AFMT_PUBLICKEY_BYTES);
        char fp[AFMT_FINGERPRINT_CHARS], t[32];
        afmt_public_key_fingerprint(fp, &pk);
        cli_format_rfc3339(t, ci.timestamp > INT64_MAX ? -1 : (int64_t)ci.timestamp);
        fputs("  cosigned by ", stdout);
        cli_escape_write(stdout, ci.name, ci.name_len);
        printf(" (key %s, C2SP key id %02x%02x%02x%02x) at %s: %s\n", fp, ci.key_hash[0],
               ci.key_hash[1], ci.key_hash[2], ci.key_hash[3], t,
               v->cos_trusted[i] ? "trusted cosigner"
                                 : "not a given cosigner (trust not checked)");
    }
    for (size_t i = 0; i < v->nts; i++) {
        afmt_timestamp_info ti;
        if (afmt_reader_timestamp(&ti, r, i) != AFMT_OK)
            continue;
        char t[32];
        cli_format_rfc3339(t, ti.time);
        printf("  timestamped at %s by ", t);
        cli_escape_write(stdout, ti.authority, strlen(ti.authority));
        printf(" (serial %s): ", ti.serial);
        if (v->ts_state[i] < 0) {
            fputs("trust not checked (no --tsa-ca)\n", stdout);
        } else if (v->ts_state[i]) {
            fputs("chains to ", stdout);
            cli_escape_write(stdout, pol->tsa_ca, strlen(pol->tsa_ca));
            fputc('\n', stdout);
        } else {
            fputs("NOT trusted: ", stdout);
            cli_escape_write(stdout, v->ts_err[i], strlen(v->ts_err[i]));
            fputc('\n', stdout);
        }
    }
}

static void print_attestations_json(const afmt_reader *r, const trust_view *v,
                                    const trust_policy *pol)
{
    fputs(",\"cosignatures\":[", stdout);
    for (size_t i = 0; i < v->ncos; i++) {
        afmt_cosignature_info ci;
        if (afmt_reader_cosignature(&ci, r, i) != AFMT_OK)
            continue;
        afmt_public_key pk;
        memset(&pk, 0, sizeof pk);
        memcpy(pk.key, ci.key, AFMT_PUBLICKEY_BYTES);
        char fp[AFMT_FINGERPRINT_CHARS], t[32];
        afmt_public_key_fingerprint(fp, &pk);
        cli_format_rfc3339(t, ci.timestamp > INT64_MAX ? -1 : (int64_t)ci.timestamp);
        printf("%s{\"name\":", i ? "," : "");
        cli_json_string(stdout, ci.name, ci.name_len);
        printf(",\"fingerprint\":\"%s\",\"key_hash\":\"%02x%02x%02x%02x\",\"time\":\"%s\","
               "\"timestamp\":%" PRIu64 ",\"trusted\":%s}",
               fp, ci.key_hash[0], ci.key_hash[1], ci.key_hash[2], ci.key_hash[3], t,
               ci.timestamp, v->cos_trusted[i] ? "true" : "false");
    }
    fputs("],\"timestamps\":[", stdout);
    for (size_t i = 0; i < v->nts; i++) {
        afmt_timestamp_info ti;
        if (afmt_reader_timestamp(&ti, r, i) != AFMT_OK)
            continue;
        char t[32];
        cli_format_rfc3339(t, ti.time);
        printf("%s{\"time\":\"%s\",\"authority\":", i ? "," : "", t);
        cli_json_string(stdout, ti.authority, strlen(ti.authority));
        printf(",\"serial\":\"%s\",\"trusted\":%s,\"trust_error\":", ti.serial,
               v->ts_state[i] < 0 ? "null" : v->ts_state[i] ? "true" : "false");
        if (v->ts_state[i] == 0)
            cli_json_string(stdout, v->ts_err[i], strlen(v->ts_err[i]));
        else
            fputs("null", stdout);
        fputs("}", stdout);
    }
    printf("],\"cosigners_required\":%lu,\"cosigners_trusted\":%zu", pol->require,
           v->trusted);
    if (pol->tsa_ca != NULL)
        printf(",\"timestamps_trusted\":%zu", v->chains);
}

/* The policy's verdict: problems for what it requires and did not get. */
static void check_policy(problems *p, const trust_view *v, const trust_policy *pol)
{
    char m[512];
    if (v->trusted < pol->require) {
        snprintf(m, sizeof m,
                 "%lu of the %zu given cosigners must have cosigned; %zu did (the bundle "
                 "holds %zu cosignature%s)",
                 pol->require, pol->cosigners.n, v->trusted, v->ncos, v->ncos == 1 ? "" : "s");
        add_problem(p, UINT64_MAX, AFMT_E_WRONG_KEY, m);
    }
    if (pol->tsa_ca != NULL && v->chains == 0) {
        snprintf(m, sizeof m, "%s",
                 v->nts == 0 ? "no timestamp, and --tsa-ca asks for one"
                             : "no timestamp chains to the CA certificates of --tsa-ca");
        add_problem(p, UINT64_MAX, AFMT_E_WRONG_KEY, m);
    }
}

static int run_verify(const char *bundle, const cli_keys *keys, int json,
                      const trust_policy *pol)
{
    problems p;
    memset(&p, 0, sizeof p);
    afmt_reader *r = NULL;
    if (keys->n == 0) /* cannot happen: usage needs -p or -P; never trust any signer */
        return CLI_EXIT_USAGE;
    /* The signer is checked right after the signature, before the index is
     * read: a bundle from anyone else costs nothing to refuse. */
    afmt_reader_options opts = AFMT_READER_OPTIONS_INIT;
    opts.threads = cli_threads();
    opts.trusted_keys = keys->keys;
    opts.ntrusted_keys = keys->n;
    int first = afmt_reader_open_ext(&r, bundle, &opts);
    if (first != AFMT_OK) {
        r = NULL;
        if (first == AFMT_E_WRONG_KEY) {
            char m[640];
            cli_wrong_key_message(m, sizeof m, cli_lib_msg(first));
            add_problem(&p, UINT64_MAX, first, m);
        } else {
            add_problem(&p, UINT64_MAX, first, cli_lib_msg(first));
        }
    }
    /* Verify succeeds only with a trusted key: key id and key bytes both
     * matched one, so the id names that key; the fingerprint is computed. */
    char kid[17] = "", fp[AFMT_FINGERPRINT_CHARS] = "";
    if (r != NULL) {
        const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
        afmt_key_id_to_hex(kid, ci->signer.key_id);
        afmt_public_key_fingerprint(fp, &ci->signer);
    }
    if (r != NULL && first == AFMT_OK) {
        first = afmt_reader_verify(r, on_problem, &p);
        if (first != AFMT_OK) {
            if (p.n == 0)
                add_problem(&p, UINT64_MAX, first, afmt_reader_errmsg(r));
            /* An integrity error means the library went through every
             * block and entry (it stops early only on I/O or memory
             * failures): it has named every file already. */
            reread_unnamed(r, &p, !afmt_error_is_integrity(first));
            if (!p.oom)
                name_altered_blocks(r, &p);
        }
    }
    /* Every attestation verified when the bundle was opened; which of them
     * the user trusts, and whether that is enough, is decided here. */
    trust_view view;
    int have_view = 0;
    if (r != NULL && first == AFMT_OK) {
        if (trust_view_make(&view, r, pol) != 0) {
            p.oom = 1;
        } else {
            have_view = 1;
            check_policy(&p, &view, pol);
            if (p.n > 0)
                first = p.v[0].err;
            if (p.n > 0 && !json)
                print_attestations(r, &view, pol);
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
        if (json && have_view)
            print_attestations_json(r, &view, pol);
        if (json)
            fputs("}\n", stdout);
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
                   ",\"signer_fingerprint\":\"%s\",\"trusted_comment\":",
                   ci->posts, ci->files, kid, fp);
            cli_json_string(stdout, ci->trusted_comment, ci->trusted_comment_len);
            fputs(",\"title\":", stdout);
            cli_json_string(stdout, ci->title, ci->title_len);
            fputs(",\"created\":", stdout);
            if (cli_format_rfc3339(t, ci->created) == 0)
                printf("\"%s\"", t);
            else
                fputs("null", stdout);
            fputs(",\"origin\":", stdout);
            cli_json_string(stdout, ci->origin, ci->origin_len);
            printf(",\"root\":\"%s\",\"deleted\":%" PRIu64 ",\"complete\":%s"
                   ",\"incomplete_posts\":%" PRIu64 ",\"missing_replies\":%" PRIu64,
                   root, ci->deleted, ci->incomplete ? "false" : "true", ci->incomplete,
                   ci->missing_replies);
            printf(",\"withheld_posts\":%" PRIu64 ",\"withheld_files\":%" PRIu64
                   ",\"withholder_fingerprint\":",
                   ci->withheld_posts, ci->withheld_files);
            if (ci->withheld) {
                char wfp[AFMT_FINGERPRINT_CHARS];
                afmt_public_key_fingerprint(wfp, &ci->withholder);
                printf("\"%s\"", wfp);
            } else {
                fputs("null", stdout);
            }
            print_attestations_json(r, &view, pol);
            fputs("}\n", stdout);
        } else {
            cli_escape_write(stdout, bundle, strlen(bundle));
            printf(": OK, %" PRIu64 " post%s", ci->posts, ci->posts == 1 ? "" : "s");
            if (ci->deleted > 0)
                printf(" (%" PRIu64 " deleted at the source)", ci->deleted);
            if (ci->withheld) {
                /* not the source's deletions: the archiver's choice, after */
                char wfp[AFMT_FINGERPRINT_CHARS];
                afmt_public_key_fingerprint(wfp, &ci->withholder);
                printf(", %" PRIu64 " post%s withheld by the archiver", ci->withheld_posts,
                       ci->withheld_posts == 1 ? "" : "s");
                if (ci->withheld_files > 0)
                    printf(" (and %" PRIu64 " file%s holding them)", ci->withheld_files,
                           ci->withheld_files == 1 ? "" : "s");
                printf(" (statement by %s)", wfp);
            }
            if (ci->incomplete > 0)
                printf(", thread incomplete: %" PRIu64 " repl%s not loaded under %" PRIu64
                       " post%s", ci->missing_replies, ci->missing_replies == 1 ? "y" : "ies",
                       ci->incomplete, ci->incomplete == 1 ? "" : "s");
            printf(", %" PRIu64 " file%s, signed by %s (key id %s), trusted comment: ",
                   ci->files, ci->files == 1 ? "" : "s", fp, kid);
            cli_escape_write(stdout, ci->trusted_comment, ci->trusted_comment_len);
            fputc('\n', stdout);
            print_attestations(r, &view, pol);
        }
        status = CLI_EXIT_OK;
    }
    if (have_view)
        trust_view_free(&view);
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i].msg);
    free(p.v);
    afmt_reader_free(r);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, OPT_HELP},
                                              {"json", no_argument, NULL, OPT_JSON},
                                              {"cosigner", required_argument, NULL, OPT_COSIGNER},
                                              {"require", required_argument, NULL, OPT_REQUIRE},
                                              {"tsa-ca", required_argument, NULL, OPT_TSA_CA},
                                              {NULL, 0, NULL, 0}};
    const char *cmd = "verify";
    const char *bundle = NULL, *require = NULL;
    int json = 0;
    cli_keys keys;
    trust_policy pol;
    memset(&keys, 0, sizeof keys);
    memset(&pol, 0, sizeof pol);
    cli_seen seen = {{0}};
    int rc = CLI_EXIT_OK, c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:p:P:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            cli_keys_free(&keys);
            cli_keys_free(&pol.cosigners);
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
        case OPT_COSIGNER: rc = cli_keys_defer(&pol.cosigners, 'p', optarg); break;
        case OPT_JSON:
        case OPT_REQUIRE:
        case OPT_TSA_CA:
            if (cli_once(&seen, c) != 0) {
                rc = cli_repeated(cmd, c, longopts);
                break;
            }
            if (c == OPT_JSON)
                json = 1;
            else if (c == OPT_REQUIRE)
                require = optarg;
            else
                pol.tsa_ca = optarg;
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
    if (rc == CLI_EXIT_OK && require != NULL) {
        /* C2SP tlog-policy: a group's k is 1 <= k <= n. */
        char *end;
        pol.require = strtoul(require, &end, 10);
        if (require[0] < '0' || require[0] > '9' || *end != '\0' || pol.require < 1 ||
            pol.require > pol.cosigners.nargs)
            rc = cli_usage(cmd, "--require N: N from 1 to the number of --cosigner keys (%zu)",
                           pol.cosigners.nargs);
    }
    if (rc == CLI_EXIT_OK && pol.tsa_ca != NULL && pol.tsa_ca[0] == '\0')
        rc = cli_usage(cmd, "--tsa-ca: empty file name");
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&pol.cosigners, cmd);
    if (rc == CLI_EXIT_OK && pol.tsa_ca != NULL) {
        /* A CA file that cannot be read is the user's problem (3), told
         * before the bundle is read, not a timestamp that fails to chain. */
        uint8_t *pem;
        size_t pem_len;
        char err[AFMT_ERRMSG_BYTES];
        if (afmt_file_read_small(&pem, &pem_len, pol.tsa_ca, 16u << 20, err) != AFMT_OK) {
            cli_err(pol.tsa_ca, "%s", err);
            rc = CLI_EXIT_FAILURE;
        } else {
            free(pem);
        }
    }
    if (rc == CLI_EXIT_OK) {
        struct stat st;
        cli_progress_start("verifying", stat(bundle, &st) == 0 ? (uint64_t)st.st_size : 0);
        rc = run_verify(bundle, &keys, json, &pol);
        cli_progress_stop();
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_err(NULL, "standard output: write error");
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAILURE;
        }
    }
    cli_keys_free(&keys);
    cli_keys_free(&pol.cosigners);
    return rc;
}
