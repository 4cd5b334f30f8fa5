/*
 * cmd_withhold.c - `afmt withhold`: a copy of a bundle with posts withheld
 * (spec 12.1), which still verifies under the archiver's signature.  The
 * choice (ids, authors) is made here; the rewrite is afmt_withhold's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"

static const char withhold_help[] =
    "Usage: afmt withhold -s SECKEY -o OUT [-f] [--author NAME]... [--ids-from FILE]\n"
    "                     [--passphrase-file FILE] [-p PUBKEY | -P KEY]... BUNDLE [ID...]\n"
    "\n"
    "Writes OUT: BUNDLE with the posts ID..., every post of each --author NAME and\n"
    "the ids listed in --ids-from FILE withheld.  A withheld post's content and\n"
    "metadata (id, author, title, times) are not in OUT; its leaf hash is, so OUT\n"
    "still verifies with the archiver's key (`afmt verify -p`), keeps the\n"
    "archiver's checkpoint, signature and cosignatures, and proofs made before\n"
    "still check.  A source file that holds a withheld post is withheld too (its\n"
    "other bytes would name the post).  The salts of the format keep a withheld\n"
    "post from being confirmed by guessing it; OUT shows how many entries were\n"
    "withheld and where, nothing else of them, except what kept posts say (a\n"
    "reply's parent id names the post it answers).\n"
    "\n"
    "The index is rewritten, so OUT carries a withholding statement signed with\n"
    "SECKEY, the withholder's minisign key (any key: the archiver's own or\n"
    "another).  Readers trust it for nothing they release: every post is still\n"
    "checked against the archiver's signed root.  A withheld bundle can be\n"
    "withheld again; its statement is replaced by the new withholder's.\n"
    "\n"
    "Every ID and author must name at least one post still in BUNDLE (exit 3\n"
    "otherwise, and nothing is written).  OUT is written through a temporary\n"
    "file, never over BUNDLE, and not over an existing file unless -f.\n"
    "\n"
    "  -s SECKEY             the withholder's minisign secret key\n"
    "  -o OUT                the bundle to write\n"
    "  -f                    replace OUT if it exists\n"
    "  --author NAME         withhold every post by NAME (repeatable)\n"
    "  --ids-from FILE       withhold the ids in FILE, one per line (LF or CR LF)\n"
    "  --passphrase-file FILE  read SECKEY's passphrase from the first line of FILE\n"
    "  -p PUBKEY             require BUNDLE to be signed by this key (repeatable)\n"
    "  -P KEY                the same, the key as its base64 line\n";

/* Byte strings to match, sorted for binary search, each with a flag set
 * when it matched a post. */
typedef struct name_set {
    const char **s;
    size_t *len;
    unsigned char *hit;
    size_t n, cap;
} name_set;

static int name_add(name_set *ns, const char *s, size_t len)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 16;
        const char **a = realloc(ns->s, cap * sizeof *a);
        if (a != NULL)
            ns->s = a;
        size_t *l = realloc(ns->len, cap * sizeof *l);
        if (l != NULL)
            ns->len = l;
        if (a == NULL || l == NULL)
            return -1;
        ns->cap = cap;
    }
    ns->s[ns->n] = s;
    ns->len[ns->n++] = len;
    return 0;
}

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c != 0 ? c : (al > bl) - (al < bl);
}

static const name_set *sort_set; /* for qsort's comparator */

static int idx_cmp(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    return cmp_bytes(sort_set->s[i], sort_set->len[i], sort_set->s[j], sort_set->len[j]);
}

/* Sorts the set (duplicates kept: each is marked when any matches). */
static int name_sort(name_set *ns)
{
    size_t n = ns->n;
    ns->hit = calloc(n ? n : 1, 1);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    const char **s = malloc((n ? n : 1) * sizeof *s);
    size_t *len = malloc((n ? n : 1) * sizeof *len);
    if (ns->hit == NULL || order == NULL || s == NULL || len == NULL) {
        free(order);
        free(s);
        free(len);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_set = ns;
    qsort(order, n, sizeof *order, idx_cmp);
    for (size_t i = 0; i < n; i++) {
        s[i] = ns->s[order[i]];
        len[i] = ns->len[order[i]];
    }
    free(order);
    free(ns->s);
    free(ns->len);
    ns->s = s;
    ns->len = len;
    return 0;
}

/* Marks every entry equal to (p, len); 1 when there is one. */
static int name_match(name_set *ns, const char *p, size_t len)
{
    size_t lo = 0, hi = ns->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_bytes(ns->s[mid], ns->len[mid], p, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int found = 0;
    for (; lo < ns->n && cmp_bytes(ns->s[lo], ns->len[lo], p, len) == 0; lo++)
        ns->hit[lo] = found = 1;
    return found;
}

static void name_free(name_set *ns)
{
    free(ns->s);
    free(ns->len);
    free(ns->hit);
}

typedef struct choice {
    name_set ids, authors;
    const char *bundle;
    int missing;
} choice;

/* afmt_withhold's chooser: a post named by id or author; at the end, every
 * name must have matched. */
static int choose(void *ctx, const afmt_entry *post)
{
    choice *c = ctx;
    if (post != NULL) {
        int by_id = name_match(&c->ids, post->id, post->id_len);
        int by_author = post->author != NULL &&
                        name_match(&c->authors, post->author, post->author_len);
        return by_id || by_author;
    }
    for (size_t i = 0; i < c->ids.n; i++)
        if (!c->ids.hit[i] && (i == 0 || cmp_bytes(c->ids.s[i - 1], c->ids.len[i - 1],
                                                    c->ids.s[i], c->ids.len[i]) != 0)) {
            cli_err_n(c->bundle, strlen(c->bundle), "no post with id '%.*s' (already "
                      "withheld, or never in the bundle)", (int)c->ids.len[i], c->ids.s[i]);
            c->missing = 1;
        }
    for (size_t i = 0; i < c->authors.n; i++)
        if (!c->authors.hit[i]) {
            cli_err_n(c->bundle, strlen(c->bundle), "no post by author '%.*s'",
                      (int)c->authors.len[i], c->authors.s[i]);
            c->missing = 1;
        }
    return c->missing;
}

/* Reads FILE's lines as ids into `ids` (borrowing from *buf, which the
 * caller frees).  At most 256 MiB. */
static int read_ids(name_set *ids, char **buf, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_err(path, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    size_t got;
    while (b != NULL && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= ((size_t)256 << 20)) {
                fclose(f);
                free(b);
                cli_err(path, "over 256 MiB of ids");
                return CLI_EXIT_FAILURE;
            }
            char *nb = realloc(b, cap * 2);
            if (nb == NULL)
                free(b);
            b = nb;
            cap *= 2;
        }
    }
    int bad = b == NULL || ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        cli_err(path, "cannot read: %s", b == NULL ? "out of memory" : strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    *buf = b;
    for (size_t at = 0; at < len;) {
        char *nl = memchr(b + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - b) : len, n = end - at;
        if (n > 0 && b[at + n - 1] == '\r')
            n--;
        if (n > 0 && name_add(ids, b + at, n) != 0) {
            cli_err(NULL, "out of memory");
            return CLI_EXIT_FAILURE;
        }
        at = end + 1;
    }
    return CLI_EXIT_OK;
}

static void report(const char *out, const afmt_withhold_stats *st, const afmt_secret_key *sk)
{
    afmt_public_key pk;
    char fp[AFMT_FINGERPRINT_CHARS];
    afmt_secret_key_public(&pk, sk);
    afmt_public_key_fingerprint(fp, &pk);
    fprintf(stderr,
            CLI_PROG ": %s: withheld %" PRIu64 " posts and %" PRIu64
            " files holding them (%" PRIu64 " entries withheld before); %" PRIu64
            " contents no longer stored; statement signed by %s\n",
            out, st->posts, st->files, st->earlier, st->blobs_dropped, fp);
}

int cmd_withhold(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"author", required_argument, NULL, OPT_AUTHOR},
        {"ids-from", required_argument, NULL, OPT_IDS_FROM},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {NULL, 0, NULL, 0}};
    const char *cmd = "withhold";
    const char *sk_path = NULL, *out = NULL, *pass_file = NULL, *ids_from = NULL,
               *bundle = NULL;
    int overwrite = 0;
    cli_seen seen = {{0}};
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    choice ch;
    memset(&ch, 0, sizeof ch);
    char *ids_buf = NULL;
    afmt_secret_key *sk = NULL;
    int rc = CLI_EXIT_OK, c;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK &&
           (c = getopt_long(argc, argv, "-:s:o:fp:P:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            cli_keys_free(&keys);
            name_free(&ch.ids);
            name_free(&ch.authors);
            fputs(withhold_help, stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        case ':':
        case '?': rc = cli_getopt_error(cmd, c, optopt, argv[optind - 1]); break;
        case 1:
            if (bundle == NULL)
                bundle = optarg;
            else if (optarg[0] == '\0')
                rc = cli_usage(cmd, "an id is never empty");
            else if (name_add(&ch.ids, optarg, strlen(optarg)) != 0)
                rc = CLI_EXIT_FAILURE;
            break;
        case 'p':
        case 'P': rc = cli_keys_defer(&keys, c, optarg); break;
        case OPT_AUTHOR:
            if (name_add(&ch.authors, optarg, strlen(optarg)) != 0)
                rc = CLI_EXIT_FAILURE;
            break;
        default:
            if (cli_once(&seen, c) != 0) {
                rc = cli_repeated(cmd, c, longopts);
                break;
            }
            if (c == 's')
                sk_path = optarg;
            else if (c == 'o')
                out = optarg;
            else if (c == 'f')
                overwrite = 1;
            else if (c == OPT_IDS_FROM)
                ids_from = optarg;
            else if (c == OPT_PASSPHRASE_FILE)
                pass_file = optarg;
            else
                rc = cli_usage(cmd, "unknown option");
            break;
        }
    }
    for (; rc == CLI_EXIT_OK && optind < argc; optind++) {
        if (bundle == NULL)
            bundle = argv[optind];
        else if (argv[optind][0] == '\0')
            rc = cli_usage(cmd, "an id is never empty");
        else if (name_add(&ch.ids, argv[optind], strlen(argv[optind])) != 0)
            rc = CLI_EXIT_FAILURE;
    }
    if (rc == CLI_EXIT_OK && (sk_path == NULL || out == NULL || bundle == NULL))
        rc = cli_usage(cmd, "-s SECKEY, -o OUT and BUNDLE are required");
    if (rc == CLI_EXIT_OK && out[0] == '\0')
        rc = cli_usage(cmd, "-o: empty file name");
    if (rc == CLI_EXIT_OK && ids_from != NULL)
        rc = read_ids(&ch.ids, &ids_buf, ids_from);
    if (rc == CLI_EXIT_OK && ch.ids.n == 0 && ch.authors.n == 0)
        rc = cli_usage(cmd, "nothing to withhold: name IDs, --author or --ids-from");
    if (rc == CLI_EXIT_OK && (name_sort(&ch.ids) != 0 || name_sort(&ch.authors) != 0)) {
        cli_err(NULL, "out of memory");
        rc = CLI_EXIT_FAILURE;
    }
    /* Never over the input, whatever its name, even with -f. */
    struct stat a, b;
    if (rc == CLI_EXIT_OK && stat(bundle, &a) == 0 && stat(out, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        cli_err(out, "is the input bundle: write the withheld copy elsewhere");
        rc = CLI_EXIT_FAILURE;
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    if (rc == CLI_EXIT_OK)
        rc = cli_load_secret_key(&sk, sk_path, pass_file);
    if (rc == CLI_EXIT_OK) {
        afmt_reader_options ropts = AFMT_READER_OPTIONS_INIT;
        ropts.threads = cli_threads();
        ropts.trusted_keys = keys.n ? keys.keys : NULL;
        ropts.ntrusted_keys = keys.n;
        afmt_writer_options wopts = AFMT_WRITER_OPTIONS_INIT;
        wopts.threads = cli_threads();
        wopts.overwrite = overwrite;
        afmt_withhold_stats st;
        ch.bundle = bundle;
        int wrc = afmt_withhold(&st, bundle, out, choose, &ch, sk, &ropts, &wopts);
        if (wrc == AFMT_OK) {
            report(out, &st, sk);
        } else if (wrc == AFMT_E_USER && ch.missing) {
            rc = CLI_EXIT_FAILURE; /* named above */
        } else if (wrc == AFMT_E_WRONG_KEY) {
            char m[640];
            cli_wrong_key_message(m, sizeof m, cli_lib_msg(wrc));
            cli_err(bundle, "%s", m);
            rc = CLI_EXIT_INTEGRITY;
        } else if (wrc == AFMT_E_EXISTS) {
            cli_err(out, "exists (use -f to replace it)");
            rc = CLI_EXIT_FAILURE;
        } else {
            cli_err(afmt_error_is_integrity(wrc) ? bundle : out, "%s", cli_lib_msg(wrc));
            rc = cli_exit_for(wrc);
        }
    }
    afmt_secret_key_free(sk);
    cli_keys_free(&keys);
    name_free(&ch.ids);
    name_free(&ch.authors);
    free(ids_buf);
    return rc;
}
