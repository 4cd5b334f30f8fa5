/*
 * fuzz_lookup.c - afmt_lookup_post (spec 10.1) on a hostile bundle.  The
 * lookup reads the signature, the index head, the pages on its way to one
 * post and that post's block; whatever the input, it must not crash, must
 * release nothing unless it returns AFMT_OK (the sink checks), must return
 * AFMT_E_USER when the sink says stop, and must agree with the full reader
 * whenever that one accepts the bundle: the same post found or not, the
 * same bytes, the same signer.
 *
 * Built two ways (tests/fuzz/run, tests/fuzz/CMakeLists.txt):
 *   lookup        the input is a whole file, as for fuzz_bundle.  Random
 *                 bytes rarely get past the signature; a change to a block
 *                 does, and so does each seed.  Seeds: spec/vectors, the
 *                 hostile cases.
 *   lookup_index  (-DFUZZ_LOOKUP_FORGE, with tests/hostile/forge.c) the
 *                 input is fuzz_index's (a block area, an index header and
 *                 the pages before compression), forged into a bundle signed
 *                 with a test key, so that every input reaches the page
 *                 directory, the id pages, the record pages and the block
 *                 that the lookup reads, none of which it checks beforehand.
 *                 Seeds: `gen_hostile --seeds` (the index cuts).
 *
 * Ids looked up: the last byte n of the input names the n bytes before it
 * (an id from the input's tail), fixed ids of the vectors and corpus
 * ("t1_000001", ...), the first posts' ids as the records hold them
 * (lookup_index, leniently), and, when the full reader opens the bundle,
 * the ids of its first posts and of its last.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "afmt.h"
#include "fuzz_common.h"

#ifdef FUZZ_LOOKUP_FORGE
#include "forge.h"
#endif

/* What the sink was given. */
typedef struct lk_sink {
    unsigned calls;
    uint64_t bytes;
    uint8_t hash[32];
    int ret; /* what the sink returns */
} lk_sink;

static int lk_sink_fn(void *ctx, const void *data, size_t len)
{
    lk_sink *s = ctx;
    s->calls++;
    s->bytes += len;
    /* reads every byte released: ASan sees a release past its buffer */
    afmt_content_hash(s->hash, data, len);
    return s->ret;
}

/* The result of one lookup. */
typedef struct lk_result {
    int rc;
    lk_sink sink;
    afmt_public_key signer;
    int signer_set;
} lk_result;

/* One lookup; checks what holds whatever the bundle: nothing is released
 * unless the result is AFMT_OK (or AFMT_E_USER when the sink stopped it), exactly once
 * when it is; errors are library errors with a message that ends. */
static void lookup(lk_result *out, const char *path, const afmt_public_key *keys, size_t nkeys,
                   const void *id, size_t id_len, int sink_ret, size_t errbuf_size)
{
    (void)errbuf_size; /* the message is in the error channel now */
    memset(out, 0, sizeof *out);
    memset(&out->signer, 0xA5, sizeof out->signer);
    out->sink.ret = sink_ret;
    afmt_public_key before = out->signer;
    int rc = afmt_lookup_post(&out->signer, path, id, id_len, lk_sink_fn, &out->sink, &(afmt_reader_options){AFMT_READER_OPTIONS_VERSION, 0, keys, nkeys});
    out->rc = rc;
    out->signer_set = memcmp(&before, &out->signer, sizeof before) != 0;
    if (sink_ret != 0 && rc == AFMT_E_USER) {
        /* the sink stopped it: AFMT_E_USER, and the sink ran, once */
        FUZZ_CHECK(out->sink.calls == 1);
    } else if (rc == AFMT_OK) {
        FUZZ_CHECK(sink_ret == 0);
        FUZZ_CHECK(out->sink.calls == 1);
        FUZZ_CHECK(out->signer_set);
    } else {
        /* an error: not one byte reached the sink */
        FUZZ_CHECK(rc < 0);
        FUZZ_CHECK(out->sink.calls == 0 && out->sink.bytes == 0);
        FUZZ_CHECK(afmt_strerror(rc) != NULL);
        FUZZ_CHECK(memchr(afmt_error_last(), 0, 512) != NULL);
    }
}

/* Says which lookup broke an invariant (asked again, with room for its
 * message), before FUZZ_CHECK stops. */
static void explain(const char *path, const char *what, const uint8_t *id, size_t id_len,
                    int other)
{
    lk_sink s;
    memset(&s, 0, sizeof s);
    int rc = afmt_lookup_post(NULL, path, (const char *)id, id_len, lk_sink_fn, &s, NULL);
    fprintf(stderr,
            "fuzz_lookup: %s: id \"%.*s\" (%zu bytes): lookup %d (%s: %s), %u release(s); "
            "full reader %d\n",
            what, (int)(id_len < 80 ? id_len : 80), (const char *)id, id_len, rc,
            afmt_strerror(rc), afmt_error_last(), s.calls, other);
}
#define LK_CHECK(cond, what, other)                                             \
    do {                                                                        \
        if (!(cond))                                                            \
            explain(path, (what), ids->id[k], ids->len[k], (other));            \
        FUZZ_CHECK(cond);                                                       \
    } while (0)

/* The ids to look up, copied (they may point into memory freed before
 * the lookups). */
#define LK_MAX_IDS 12
typedef struct lk_ids {
    size_t n;
    size_t len[LK_MAX_IDS];
    uint8_t id[LK_MAX_IDS][4097];
} lk_ids;

static void add_id(lk_ids *ids, const void *id, size_t len)
{
    if (ids->n == LK_MAX_IDS || len > sizeof ids->id[0])
        return;
    for (size_t i = 0; i < ids->n; i++)
        if (ids->len[i] == len && memcmp(ids->id[i], id, len) == 0)
            return;
    if (len > 0)
        memcpy(ids->id[ids->n], id, len);
    ids->len[ids->n++] = len;
}

static void add_str(lk_ids *ids, const char *s)
{
    add_id(ids, s, strlen(s));
}

/* Ids every input is asked for: the input's tail, then ids of the test
 * vectors and of the corpus's Reddit threads. */
static void base_ids(lk_ids *ids, const uint8_t *data, size_t size)
{
    if (size > 0) {
        size_t n = data[size - 1];
        if (n > size - 1)
            n = size - 1;
        add_id(ids, data + size - 1 - n, n);
    }
    add_str(ids, "t1_000001");
    add_str(ids, "post-1");
    add_str(ids, "t1_c1");
}

/* A key no bundle is signed with. */
static afmt_public_key stranger(void)
{
    afmt_public_key k;
    memset(&k, 0x5A, sizeof k);
    return k;
}

/* Whether content released for `id` (its size and hash in `s`) is the
 * content a record of a post with this id names: what the lookup promises
 * whether or not the rest of the bundle is sound.  Only lookup_index knows
 * the records without the full reader; lookup answers 1. */
static int released_is_signed(const uint8_t *id, size_t id_len, const lk_sink *s);

/* Every id of `ids`, then the full reader's opinion on each. */
static void exercise(const char *path, lk_ids *ids)
{
    /* The full reader, when it accepts the bundle: its first posts' ids
     * and its last post's too. */
    afmt_reader *r = NULL;
    char err[512];
    if (afmt_reader_open(&r, path, err, sizeof err) != AFMT_OK)
        r = NULL;
    if (r != NULL) {
        uint64_t n = afmt_reader_entry_count(r), posts = 0;
        afmt_entry e;
        for (uint64_t i = 0; i < n && i < 64 && posts < 3; i++) {
            FUZZ_CHECK(afmt_reader_entry(&e, r, i) == AFMT_OK);
            if (e.type == AFMT_ENTRY_POST) {
                add_id(ids, e.id, e.id_len);
                posts++;
            }
        }
        for (uint64_t i = n; i > 0 && n - i < 64; i--) {
            FUZZ_CHECK(afmt_reader_entry(&e, r, i - 1) == AFMT_OK);
            if (e.type == AFMT_ENTRY_POST) {
                add_id(ids, e.id, e.id_len);
                break;
            }
        }
    }
    const afmt_checkpoint_info *ci = r != NULL ? afmt_reader_checkpoint(r) : NULL;
    afmt_public_key wrong = stranger();
    for (size_t k = 0; k < ids->n; k++) {
        lk_result got;
        /* vary the error buffer: none, one byte, a few, enough */
        static const size_t errbuf_sizes[] = {512, 0, 1, 9};
        lookup(&got, path, NULL, 0, ids->id[k], ids->len[k], 0, errbuf_sizes[k % 4]);
        if (got.rc == AFMT_OK)
            LK_CHECK(released_is_signed(ids->id[k], ids->len[k], &got.sink),
                     "released bytes that no record of this id names", AFMT_OK);
        if (k == 0) {
            /* the same lookup with a sink that refuses: its value comes back */
            lk_result refused;
            lookup(&refused, path, NULL, 0, ids->id[k], ids->len[k], 7, 512);
            FUZZ_CHECK(refused.rc == (got.rc == AFMT_OK ? AFMT_E_USER : got.rc) ||
                       got.rc == AFMT_E_NOMEM || refused.rc == AFMT_E_NOMEM);
            /* a key that did not sign it: nothing released (checked by
             * lookup()), and never a success */
            lk_result untrusted;
            lookup(&untrusted, path, &wrong, 1, ids->id[k], ids->len[k], 0, 512);
            FUZZ_CHECK(untrusted.rc != AFMT_OK);
            if (r != NULL)
                FUZZ_CHECK(untrusted.rc == AFMT_E_WRONG_KEY || untrusted.rc == AFMT_E_NOMEM);
        }
        if (r == NULL)
            continue;
        /* The full reader accepted the whole index: the lookup, which
         * reads a part of it, must see the same. */
        const char *disagree = "the full reader accepts the bundle, the lookup does not";
        if (got.rc != AFMT_E_NOMEM) {
            /* what the block alone can still fail with (7.3: its hash, its
             * frame, its window) */
            LK_CHECK(got.rc == AFMT_OK || got.rc == AFMT_E_NOT_FOUND ||
                         got.rc == AFMT_E_HASH_MISMATCH || got.rc == AFMT_E_COMPRESSION ||
                         got.rc == AFMT_E_LIMIT || got.rc == AFMT_E_IO ||
                         got.rc == AFMT_E_TRUNCATED ||
                         got.rc == AFMT_E_WITHHELD, /* an id not there in a withheld bundle */
                     disagree, AFMT_OK);
            /* it got past the signature and the index head, as the reader did */
            LK_CHECK(got.signer_set && memcmp(&got.signer, &ci->signer, sizeof got.signer) == 0,
                     "signer not given or not the reader's", AFMT_OK);
        }
        uint64_t number;
        int frc = afmt_reader_find_post(&number, r, (const char *)ids->id[k], ids->len[k]);
        if (frc != AFMT_OK) {
            FUZZ_CHECK(frc == AFMT_E_NOT_FOUND);
            LK_CHECK(got.rc == AFMT_E_NOT_FOUND || got.rc == AFMT_E_NOMEM ||
                         got.rc == AFMT_E_WITHHELD, /* not there: maybe withheld */
                     "the full reader finds no such post, the lookup does", frc);
            continue;
        }
        LK_CHECK(got.rc != AFMT_E_NOT_FOUND, "the full reader finds the post, the lookup does not",
                 frc);
        afmt_entry e;
        FUZZ_CHECK(afmt_reader_entry(&e, r, number) == AFMT_OK);
        FUZZ_CHECK(e.type == AFMT_ENTRY_POST);
        lk_sink full;
        memset(&full, 0, sizeof full);
        int rrc = afmt_reader_read(r, number, lk_sink_fn, &full);
        if (rrc == AFMT_OK && got.rc == AFMT_OK) {
            /* the same bytes, and they are the post's signed content */
            LK_CHECK(got.sink.bytes == full.bytes && got.sink.bytes == e.size &&
                         memcmp(got.sink.hash, full.hash, 32) == 0 &&
                         memcmp(got.sink.hash, e.hash, 32) == 0,
                     "the lookup and the full reader release different bytes", rrc);
        } else if (rrc != AFMT_E_NOMEM && got.rc != AFMT_E_NOMEM) {
            /* one of them could not read the content: neither may */
            LK_CHECK(rrc != AFMT_OK && got.rc != AFMT_OK,
                     "one of the lookup and the full reader reads the post, the other not", rrc);
        }
        if (k == 0) {
            /* trusting the key that signed it changes nothing */
            lk_result trusted;
            lookup(&trusted, path, &ci->signer, 1, ids->id[k], ids->len[k], 0, 512);
            LK_CHECK(trusted.rc == got.rc || trusted.rc == AFMT_E_NOMEM || got.rc == AFMT_E_NOMEM,
                     "trusting the signer changes the result", trusted.rc);
        }
    }
    afmt_reader_free(r);
}

#ifdef FUZZ_LOOKUP_FORGE

static fkey key;
static int ready;
static fbundle forged; /* the bundle of the input being run */

static int released_is_signed(const uint8_t *id, size_t id_len, const lk_sink *s)
{
    /* Every record of every page after the tables, leniently (u32 L,
     * encoding), as the lookup walks them (a header whose counts disagree
     * with the pages given makes the library take an id page of the forger
     * for a record page): one is a post with this id, this content size
     * and this content hash. */
    for (size_t k = 2; k < forged.npages; k++) {
        const fbuf *pg = &forged.pages[k].data;
        size_t pos = 0;
        while (pos + 4 <= pg->n) {
            size_t len = ld32(pg->p + pos);
            if (len > pg->n - pos - 4)
                break;
            const uint8_t *enc = pg->p + pos + 4, *got;
            size_t got_len;
            if (fi_post_id(enc, len, &got, &got_len) && got_len == id_len &&
                memcmp(got, id, id_len) == 0 && ld64(enc + 50) == s->bytes &&
                memcmp(enc + 18, s->hash, 32) == 0)
                return 1;
            pos += 4 + len;
        }
    }
    return 0;
}

/* fuzz_index's input, forged into a signed bundle (the same code as
 * fuzz_index.c) kept in `forged` until fb_release; the first posts' ids in
 * the record pages go to `ids`. */
static int forge(fbuf *file, lk_ids *ids, const uint8_t *data, size_t size)
{
    if (!ready) {
        fk_make(&key, 1, 0x1122334455667788ull);
        ready = 1;
    }
    if (!fb_forge_fuzz_index(&forged, data, size, &key))
        return 0;
    fb_bytes(file, &forged);
    /* The posts the record pages hold, read leniently: two from the first
     * page, one from each other, up to eight. */
    size_t found = 0;
    for (size_t k = 0; k < forged.n_record_pages && found < 8; k++) {
        const fbuf *pg = &forged.pages[2 + k].data;
        size_t pos = 0, here = 0;
        while (pos + 4 <= pg->n && here < (k == 0 ? 2u : 1u)) {
            size_t len = ld32(pg->p + pos);
            if (len > pg->n - pos - 4)
                break;
            const uint8_t *id;
            size_t id_len;
            if (fi_post_id(pg->p + pos + 4, len, &id, &id_len)) {
                add_id(ids, id, id_len);
                here++;
                found++;
            }
            pos += 4 + len;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lk_ids ids;
    ids.n = 0;
    base_ids(&ids, data, size);
    fbuf file = {0};
    if (!forge(&file, &ids, data, size))
        return 0;
    char path[64];
    int fd = fuzz_memfd(file.p, file.n, path);
    fb_free(&file);
    if (fd >= 0) {
        exercise(path, &ids);
        close(fd);
    }
    fb_release(&forged);
    return 0;
}

#else

static int released_is_signed(const uint8_t *id, size_t id_len, const lk_sink *s)
{
    (void)id;
    (void)id_len;
    (void)s;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lk_ids ids;
    ids.n = 0;
    base_ids(&ids, data, size);
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    if (fd < 0)
        return 0;
    exercise(path, &ids);
    close(fd);
    return 0;
}

#endif
