/*
 * cmd_list.c - `afmt list`: the posts of a bundle as a thread tree, or one
 * JSON object per post per line.  Reads no content (no block).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli_util.h"
#include "commands.h"

static const char list_help[] =
    "Usage: afmt list [--json] [-p PUBKEY | -P KEY]... BUNDLE\n"
    "\n"
    "Lists the posts of BUNDLE.  It checks the layout, the index, the Merkle root and\n"
    "the signature, but reads no content (use verify for that).  With -p/-P (each\n"
    "may be repeated) it refuses a bundle not signed by one of those keys.\n"
    "\n"
    "Without --json: a thread tree, one line per post, indented under its parent:\n"
    "id, author, creation time, title, size, and the markers [deleted] (deleted at\n"
    "the source) and 'N more replies not loaded' (the source did not send them).\n"
    "A post whose parent is not in the bundle starts a tree of its own.  Then, under\n"
    "'Files:', the source files the bundle rebuilds (what plain extract writes).\n"
    "Everything from the bundle is escaped: \\\\, \\t, \\n, \\r, \\xHH for other control\n"
    "characters and invalid UTF-8, \\u{XXXX} for C1 controls, bidi marks and\n"
    "invisible characters (zero-width spaces and joiners, tag characters, variation\n"
    "selectors, Hangul fillers), so that two ids that differ never look alike.\n"
    "\n"
    "With --json: one JSON object per post per line, in bundle order, with exactly\n"
    "the keys id, parent (or null), author (or null), created (RFC 3339 UTC string,\n"
    "or null), title (or null), type (media type), size (bytes of content) and hash\n"
    "(SHA-256 of the content, 64 lowercase hex digits, as sha256sum).  File\n"
    "entries are not posts and are not listed.  A post withheld by the archiver\n"
    "(afmt withhold) is a line in its place with every key above null and the keys\n"
    "withheld (true), entry (its number) and leaf (its leaf hash, hex).  In the\n"
    "tree, replies to a post that is not in a bundle with withheld posts hang under\n"
    "a '[withheld] PARENT-ID' line, and the withheld entries are listed by number\n"
    "at the end.  Strings are UTF-8; control\n"
    "characters, C1 controls, bidi marks and the invisible characters above are\n"
    "written as \\uXXXX escapes (a surrogate pair above U+FFFF); a byte\n"
    "that is not part of valid UTF-8 is written as \\udcXX, U+DC00 plus the byte\n"
    "(0x80-0xFF): Python's 'surrogateescape' (PEP 383).  Valid UTF-8 never encodes a\n"
    "surrogate, so this is reversible: s.encode('utf-8', 'surrogateescape') in Python\n"
    "gives back the exact bytes.\n"
    "\n"
    "  --json     machine-readable output\n"
    "  -p PUBKEY  a trusted public key file (minisign format)\n"
    "  -P KEY     a trusted public key, as its base64 line\n";

/* ---- id -> post index, keyed SipHash so ids cannot force collisions ---- */

typedef struct idmap {
    size_t *slots; /* index + 1, 0 = empty */
    size_t mask;
    uint8_t key[crypto_shorthash_KEYBYTES];
} idmap;

static uint64_t idmap_hash(const idmap *m, const char *s, size_t len)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)s, len, m->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

typedef struct post {
    afmt_entry e;
    size_t parent;       /* index of the parent post, SIZE_MAX = none in bundle */
    size_t first_child;  /* SIZE_MAX = none */
    size_t next_sibling; /* SIZE_MAX = none */
    int visited;
} post;

static int idmap_init(idmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = cap - 1;
    randombytes_buf(m->key, sizeof m->key);
    return m->slots ? 0 : -1;
}

static void idmap_put(idmap *m, const post *posts, size_t idx)
{
    size_t i = (size_t)idmap_hash(m, posts[idx].e.id, posts[idx].e.id_len) & m->mask;
    while (m->slots[i] != 0)
        i = (i + 1) & m->mask;
    m->slots[i] = idx + 1;
}

static size_t idmap_get(const idmap *m, const post *posts, const char *id, size_t len)
{
    size_t i = (size_t)idmap_hash(m, id, len) & m->mask;
    while (m->slots[i] != 0) {
        const afmt_entry *e = &posts[m->slots[i] - 1].e;
        if (e->id_len == len && memcmp(e->id, id, len) == 0)
            return m->slots[i] - 1;
        i = (i + 1) & m->mask;
    }
    return SIZE_MAX;
}

/* ---- output ---- */

static void json_opt(const char *s, size_t len)
{
    if (s == NULL)
        fputs("null", stdout);
    else
        cli_json_string(stdout, s, len);
}

static void print_json(const afmt_entry *e)
{
    char hex[2 * AFMT_HASH_BYTES + 1];
    afmt_hash_to_hex(hex, e->hash);
    fputs("{\"id\":", stdout);
    cli_json_string(stdout, e->id, e->id_len);
    fputs(",\"parent\":", stdout);
    json_opt(e->parent, e->parent_len);
    fputs(",\"author\":", stdout);
    json_opt(e->author, e->author_len);
    fputs(",\"created\":", stdout);
    char t[32];
    if (e->has_created && cli_format_rfc3339(t, e->created) == 0)
        printf("\"%s\"", t);
    else
        fputs("null", stdout);
    fputs(",\"title\":", stdout);
    json_opt(e->title, e->title_len);
    fputs(",\"type\":", stdout);
    cli_json_string(stdout, e->media_type, e->media_type_len);
    printf(",\"size\":%" PRIu64 ",\"hash\":\"%s\"}\n", e->size, hex);
}

#define MAX_INDENT 40

static void indent(size_t depth)
{
    size_t d = depth > MAX_INDENT ? MAX_INDENT : depth;
    for (size_t i = 0; i < d; i++)
        fputs("  ", stdout);
    if (depth > MAX_INDENT)
        printf("[depth %zu] ", depth);
}

static void print_post_line(const post *p, size_t depth, int cycle)
{
    const afmt_entry *e = &p->e;
    indent(depth);
    cli_escape_write(stdout, e->id, e->id_len);
    if (e->author != NULL) {
        fputs("  by ", stdout);
        cli_escape_write(stdout, e->author, e->author_len);
    }
    char t[32];
    if (e->has_created && cli_format_rfc3339(t, e->created) == 0)
        printf("  %s", t);
    if (e->title != NULL) {
        fputs("  \"", stdout);
        cli_escape_write(stdout, e->title, e->title_len);
        fputs("\"", stdout);
    }
    printf("  (%" PRIu64 " bytes)", e->size);
    if (e->flags & AFMT_POST_DELETED)
        fputs("  [deleted]", stdout);
    if (e->parent != NULL && p->parent == SIZE_MAX && depth > 0) {
        /* under its "[withheld]" line: said there */
    } else if (e->parent != NULL && p->parent == SIZE_MAX) {
        fputs("  (reply to ", stdout);
        cli_escape_write(stdout, e->parent, e->parent_len);
        fputs(", not in the bundle)", stdout);
    }
    if (cycle)
        fputs("  (its parents form a cycle)", stdout);
    fputc('\n', stdout);
}

static void print_more_line(const post *p, size_t depth)
{
    indent(depth);
    if (p->e.missing_replies > 0)
        printf("[%" PRIu64 " more %s not loaded]\n", p->e.missing_replies,
               p->e.missing_replies == 1 ? "reply" : "replies");
    else
        fputs("[more replies not loaded]\n", stdout);
}

typedef struct frame {
    size_t idx;
    size_t depth;
    int closing; /* print the "more replies" line after the children */
} frame;

static int print_tree(post *posts, size_t n, size_t start, int cycle, size_t depth0)
{
    frame *stack = malloc((2 * n + 2) * sizeof *stack);
    if (stack == NULL)
        return -1;
    size_t sp = 0;
    stack[sp++] = (frame){start, depth0, 0};
    while (sp > 0) {
        frame f = stack[--sp];
        post *p = &posts[f.idx];
        if (f.closing) {
            print_more_line(p, f.depth + 1);
            continue;
        }
        if (p->visited)
            continue;
        p->visited = 1;
        print_post_line(p, f.depth, cycle && f.idx == start);
        if (p->e.flags & AFMT_POST_INCOMPLETE)
            stack[sp++] = (frame){f.idx, f.depth, 1};
        /* push children in reverse so the first child is printed first */
        size_t count = 0;
        for (size_t c = p->first_child; c != SIZE_MAX; c = posts[c].next_sibling)
            if (!posts[c].visited)
                count++;
        size_t base = sp;
        sp += count;
        size_t k = 0;
        for (size_t c = p->first_child; c != SIZE_MAX; c = posts[c].next_sibling)
            if (!posts[c].visited)
                stack[base + count - 1 - k++] = (frame){c, f.depth + 1, 0};
    }
    free(stack);
    return 0;
}

static void flag_posts_total(const char *path, uint64_t sum);

/* The withheld entries by number: where they were, all that is left. */
static void print_withheld(afmt_reader *r, const afmt_checkpoint_info *ci)
{
    printf("\n[withheld] %" PRIu64 " post%s", ci->withheld_posts,
           ci->withheld_posts == 1 ? "" : "s");
    if (ci->withheld_files > 0)
        printf(" and %" PRIu64 " file%s", ci->withheld_files,
               ci->withheld_files == 1 ? "" : "s");
    fputs(" withheld by the archiver, entries", stdout);
    uint64_t total = afmt_reader_entry_count(r);
    for (uint64_t i = 0; i < total; i++) {
        afmt_entry e;
        if (afmt_reader_entry(&e, r, i) == AFMT_OK && e.type == AFMT_ENTRY_WITHHELD)
            printf(" %" PRIu64 "%s", i, e.withheld_type == AFMT_ENTRY_FILE ? " (file)" : "");
    }
    fputc('\n', stdout);
}

static int list_tree(afmt_reader *r, const char *path)
{
    uint64_t total = afmt_reader_entry_count(r);
    const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
    post *posts = calloc(ci->posts ? (size_t)ci->posts : 1, sizeof *posts);
    if (posts == NULL) {
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    size_t n = 0;
    for (uint64_t i = 0; i < total; i++) {
        afmt_entry e;
        int rc = afmt_reader_entry(&e, r, i);
        if (rc != AFMT_OK) {
            free(posts);
            cli_err(path, "entry %" PRIu64 ": %s", i, afmt_strerror(rc));
            return cli_exit_for(rc);
        }
        if (e.type != AFMT_ENTRY_POST)
            continue;
        if (n >= ci->posts) {
            free(posts);
            cli_err(path, "more posts than the checkpoint says");
            return CLI_EXIT_INTEGRITY;
        }
        posts[n].e = e;
        posts[n].parent = posts[n].first_child = posts[n].next_sibling = SIZE_MAX;
        n++;
    }
    idmap m;
    if (idmap_init(&m, n) != 0) {
        free(posts);
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    for (size_t i = 0; i < n; i++)
        idmap_put(&m, posts, i);
    for (size_t i = 0; i < n; i++)
        if (posts[i].e.parent != NULL) {
            size_t pi = idmap_get(&m, posts, posts[i].e.parent, posts[i].e.parent_len);
            posts[i].parent = pi == i ? SIZE_MAX : pi;
        }
    for (size_t i = n; i-- > 0;) {
        size_t pi = posts[i].parent;
        if (pi != SIZE_MAX) {
            posts[i].next_sibling = posts[pi].first_child;
            posts[pi].first_child = i;
        }
    }
    int rc = CLI_EXIT_OK;
    /* In a bundle with withheld posts, a reply whose parent is not here
     * hangs under a "[withheld]" line naming that parent: the format keeps
     * the reply's parent id, not which withheld entry had it, so the line
     * says the parent may also never have been captured. */
    const afmt_entry *held_under = NULL;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        if (posts[i].parent != SIZE_MAX || posts[i].visited)
            continue;
        size_t base = 0;
        const afmt_entry *e = &posts[i].e;
        if (ci->withheld_posts > 0 && e->parent != NULL) {
            if (held_under == NULL || held_under->parent_len != e->parent_len ||
                memcmp(held_under->parent, e->parent, e->parent_len) != 0) {
                fputs("[withheld] ", stdout);
                cli_escape_write(stdout, e->parent, e->parent_len);
                fputs("  (withheld by the archiver, or not captured)\n", stdout);
            }
            held_under = e;
            base = 1;
        } else {
            held_under = NULL;
        }
        if (print_tree(posts, n, i, 0, base) != 0)
            rc = CLI_EXIT_FAILURE;
    }
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++)
        if (!posts[i].visited && print_tree(posts, n, i, 1, 0) != 0)
            rc = CLI_EXIT_FAILURE;
    if (rc == CLI_EXIT_OK && ci->withheld)
        print_withheld(r, ci);
    if (rc != CLI_EXIT_OK)
        cli_err(NULL, "out of memory");
    uint64_t psum = 0;
    for (size_t i = 0; i < n; i++)
        psum += posts[i].e.size; /* 2^26 posts of at most 2^28 bytes: no wrap */
    free(m.slots);
    free(posts);
    if (rc == CLI_EXIT_OK && ci->incomplete > 0)
        printf("\nThread incomplete: the source did not send %" PRIu64 " repl%s under %" PRIu64
               " post%s (shown as 'more replies not loaded' above).\n", ci->missing_replies,
               ci->missing_replies == 1 ? "y" : "ies", ci->incomplete,
               ci->incomplete == 1 ? "" : "s");
    if (rc == CLI_EXIT_OK)
        flag_posts_total(path, psum);
    if (rc == CLI_EXIT_OK && ci->files > 0) {
        printf("%sFiles:\n", n > 0 ? "\n" : "");
        uint64_t sum = 0;
        char big[32];
        cli_size_text(big, sizeof big, CLI_MAX_SIZE_DEFAULT);
        for (uint64_t i = 0; i < total; i++) {
            afmt_entry e;
            if (afmt_reader_entry(&e, r, i) != AFMT_OK || e.type != AFMT_ENTRY_FILE)
                continue;
            fputs("  ", stdout);
            cli_escape_write(stdout, e.id, e.id_len);
            printf("  (%" PRIu64 " bytes)", e.size);
            /* A file is its parts: a few kilobytes of index can name one
             * content a million times.  Say so rather than show it plainly. */
            if (e.size > CLI_MAX_SIZE_DEFAULT)
                printf("  [over extract's limit of %s]", big);
            putchar('\n');
            sum = e.size > UINT64_MAX - sum ? UINT64_MAX : sum + e.size;
        }
        if (sum > CLI_MAX_SIZE_DEFAULT) {
            char text[32];
            cli_size_text(text, sizeof text, sum);
            printf("  [the files add up to %s, over extract's limit of %s (--max-size)]\n",
                   text, big);
            cli_err(path, "warning: its files add up to %" PRIu64 " bytes (%s), over extract's "
                          "limit of %s", sum, text, big);
        }
    }
    return rc;
}

/* Posts share contents: a small bundle can hold thousands of posts of one
 * 256 MiB content.  Their sizes are true, but what `extract --posts` would
 * write is flagged on stderr when it is over extract's limit. */
static void flag_posts_total(const char *path, uint64_t sum)
{
    if (sum <= CLI_MAX_SIZE_DEFAULT)
        return;
    char text[32], big[32];
    cli_size_text(text, sizeof text, sum);
    cli_size_text(big, sizeof big, CLI_MAX_SIZE_DEFAULT);
    cli_err(path, "warning: its posts add up to %" PRIu64 " bytes (%s), over extract's limit "
                  "of %s", sum, text, big);
}

static int list_json(afmt_reader *r, const char *path)
{
    uint64_t total = afmt_reader_entry_count(r), sum = 0;
    for (uint64_t i = 0; i < total; i++) {
        afmt_entry e;
        int rc = afmt_reader_entry(&e, r, i);
        if (rc != AFMT_OK) {
            cli_err(path, "entry %" PRIu64 ": %s", i, afmt_strerror(rc));
            return cli_exit_for(rc);
        }
        if (e.type == AFMT_ENTRY_WITHHELD && e.withheld_type == AFMT_ENTRY_POST) {
            char leaf[2 * AFMT_HASH_BYTES + 1];
            afmt_hash_to_hex(leaf, e.hash);
            printf("{\"id\":null,\"parent\":null,\"author\":null,\"created\":null,"
                   "\"title\":null,\"type\":null,\"size\":null,\"hash\":null,"
                   "\"withheld\":true,\"entry\":%" PRIu64 ",\"leaf\":\"%s\"}\n", i, leaf);
        }
        if (e.type == AFMT_ENTRY_POST) {
            print_json(&e);
            sum += e.size; /* 2^26 posts of at most 2^28 bytes: no wrap */
        }
    }
    flag_posts_total(path, sum);
    return CLI_EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
    const char *cmd = "list";
    const char *bundle;
    int json, done;
    cli_keys keys;
    memset(&keys, 0, sizeof keys);
    int rc = cli_parse_bundle_opts(cmd, list_help, argc, argv, &bundle, &json, &keys, &done);
    if (done) {
        cli_keys_free(&keys);
        return rc;
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_keys_load(&keys, cmd);
    afmt_reader *r = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_open_bundle(&r, bundle, &keys);
    if (rc == CLI_EXIT_OK) {
        rc = json ? list_json(r, bundle) : list_tree(r, bundle);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_err(NULL, "standard output: write error");
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAILURE;
        }
    }
    afmt_reader_free(r);
    cli_keys_free(&keys);
    return rc;
}
