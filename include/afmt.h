/*
 * afmt.h - libarchive_fmt: signed, content-addressed bundles of posts.
 *
 * A bundle holds entries (posts, and the source files they came from),
 * compresses their bytes with zstd, names every content by its SHA-256
 * hash, builds a Merkle tree over the entries and signs a small checkpoint
 * with a minisign-compatible Ed25519 key.  The byte layout is in
 * spec/FORMAT.md; this header is the C interface.
 *
 * Conventions (they hold for every function below unless it says otherwise):
 *  - Functions return AFMT_OK (0) or a negative afmt_error.  The values of
 *    afmt_error are pinned: they never change meaning and are never reused.
 *  - Output parameters come first.  An object returned through `out` belongs
 *    to the caller and is released with the matching _free function, which
 *    accepts NULL.  Pointers returned by getters are borrowed: they stay
 *    valid until the owning handle is freed.
 *  - One error channel: every failure records a human-readable message for
 *    the calling thread, read with afmt_error_last() (libgit2's
 *    git_error_last).  Handles also keep a copy of their own last failure
 *    (afmt_writer_errmsg, afmt_reader_errmsg).  afmt_strerror() names a code.
 *  - Callbacks return 0 to go on; any other value stops the call, which then
 *    returns AFMT_E_USER (the callback keeps its own reason in its context).
 *  - A caller's mistake (NULL handle, entry number out of range, bad option)
 *    is AFMT_E_INVALID_ARGUMENT or AFMT_E_STATE, never an integrity error.
 *  - Functions whose success means "this is authentic, trust it" are marked
 *    AFMT_WARN_UNUSED: ignoring their result is a bug.
 *  - Strings taken from a bundle are byte strings with an explicit length;
 *    they are NOT NUL-terminated and may contain any byte.
 *  - Nothing read from a bundle is handed to the caller before the checkpoint
 *    signature, the Merkle root, the index hash and (for content) the content
 *    hash have been checked.
 */
#ifndef AFMT_H
#define AFMT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(AFMT_BUILDING_LIBRARY)
#define AFMT_API __attribute__((visibility("default")))
#else
#define AFMT_API
#endif

#if defined(__GNUC__)
#define AFMT_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define AFMT_WARN_UNUSED
#endif

#define AFMT_LIBRARY_VERSION "0.2.0"
#define AFMT_FORMAT_VERSION 2

#define AFMT_HASH_BYTES 32      /* SHA-256 */
#define AFMT_SALT_BYTES 16      /* per-entry salt */
#define AFMT_KEYID_BYTES 8      /* minisign key id */
#define AFMT_PUBLICKEY_BYTES 32 /* Ed25519 public key */

/* Limits a reader enforces and a writer refuses to exceed (spec/FORMAT.md,
 * "Limits").  Changing one is a format change. */
#define AFMT_MAX_ID_BYTES 4096
#define AFMT_MAX_AUTHOR_BYTES 4096
#define AFMT_MAX_TITLE_BYTES 65535
#define AFMT_MAX_MEDIA_TYPE_BYTES 255
#define AFMT_MAX_PATH_BYTES 4096
#define AFMT_MAX_CONTENT_BYTES (256u * 1024 * 1024)   /* one post or blob */
#define AFMT_MAX_BLOCK_BYTES (256u * 1024 * 1024)     /* decompressed block */
#define AFMT_MAX_ENTRIES (1u << 26)
#define AFMT_MAX_INDEX_BYTES ((uint64_t)4 << 30)
#define AFMT_MAX_BUNDLE_TITLE_BYTES 1024
#define AFMT_MAX_TRUSTED_COMMENT_BYTES 1024
#define AFMT_MAX_INLINE_BYTES 4096
#define AFMT_MAX_FILE_PARTS (1u << 26)
#define AFMT_ZSTD_WINDOW_LOG_MAX 28

/* ------------------------------------------------------------------ errors */

typedef enum afmt_error {
    AFMT_OK = 0,
    AFMT_E_NOMEM = -1,          /* an allocation failed */
    AFMT_E_IO = -2,             /* a read, write, fsync, rename... failed */
    AFMT_E_INVALID_ARGUMENT = -3, /* the caller passed something invalid */
    AFMT_E_STATE = -4,          /* call out of order (e.g. add after finish) */
    AFMT_E_TRUNCATED = -5,      /* the bundle ends too early */
    AFMT_E_FORMAT = -6,         /* malformed structure */
    AFMT_E_UNSUPPORTED = -7,    /* unknown version, flag or algorithm id */
    AFMT_E_LIMIT = -8,          /* a size or count exceeds a reader limit */
    AFMT_E_BAD_SIGNATURE = -9,  /* the checkpoint signature does not verify */
    AFMT_E_WRONG_KEY = -10,     /* signed by a key other than the trusted ones */
    AFMT_E_INDEX_MISMATCH = -11, /* index bytes do not match the checkpoint */
    AFMT_E_ROOT_MISMATCH = -12, /* Merkle root does not match the checkpoint */
    AFMT_E_HASH_MISMATCH = -13, /* a block or content hash does not match */
    AFMT_E_COMPRESSION = -14,   /* zstd failed or a frame is not as declared */
    AFMT_E_DUPLICATE = -15,     /* duplicate id, path or blob */
    AFMT_E_NOT_FOUND = -16,     /* no entry with that id */
    AFMT_E_KEY_FORMAT = -17,    /* a key or signature file is malformed */
    AFMT_E_PASSPHRASE = -18,    /* wrong passphrase (secret key checksum) */
    AFMT_E_CRYPTO = -19,        /* libsodium could not be initialised */
    AFMT_E_EXISTS = -20,        /* output file exists and overwrite not asked */
    AFMT_E_USER = -21,          /* a callback returned nonzero: stopped on request */
    AFMT_E_WITHHELD = -22       /* not in this bundle, whose archiver withheld entries
                                   from it: it may be one of them (spec 12.1; 0.3.0) */
} afmt_error;

/* Returns a static, human-readable name for an error code. Never NULL. */
AFMT_API const char *afmt_strerror(int err);

/* The message of the calling thread's last failure inside the library, for
 * instance "cannot create a file in /no/such/dir: No such file or
 * directory" after afmt_writer_open (borrowed, NUL-terminated, never NULL; "" when none was
 * recorded).  Valid right after a function of this library returned a
 * negative afmt_error on this thread, and until the next call into the
 * library on this thread (a later failure replaces it; a success does not
 * clear it, so read it only after a failure).  Each thread has its own.
 * Some failures (most allocation failures) record no message: compare
 * afmt_error_last_code() with the code you got, and fall back to
 * afmt_strerror() when they differ or the message is empty. */
AFMT_API const char *afmt_error_last(void);

/* The code recorded with afmt_error_last()'s message; AFMT_OK when none. */
AFMT_API int afmt_error_last_code(void);

/* Forgets the calling thread's last failure. */
AFMT_API void afmt_error_clear(void);

/* Records `err` and `msg` (NULL: afmt_strerror(err)) as the calling
 * thread's last failure, as the library does for its own: for callbacks
 * that want their reason read with afmt_error_last(), and for libraries
 * built on this one (the importers record theirs so). */
AFMT_API void afmt_error_set_str(int err, const char *msg);

/* Nonzero when `err` means "the bundle is not authentic or not intact"
 * (truncated, malformed, unsupported, over a limit, bad signature, wrong key,
 * a mismatch, a duplicate).  The command maps these to exit status 1. */
AFMT_API int afmt_error_is_integrity(int err);

/* Initialises libsodium.  Every other function calls it as needed; calling
 * it first is optional.  Thread-safe.  Returns AFMT_OK or AFMT_E_CRYPTO. */
AFMT_API int afmt_init(void);

/* SHA-256 of `len` bytes: the content address of those bytes,
 * identical to `sha256sum`. */
AFMT_API void afmt_content_hash(uint8_t out[AFMT_HASH_BYTES], const void *data,
                                size_t len);

/* Writes the 64 lowercase hex digits of `hash` and a NUL into `out`. */
AFMT_API void afmt_hash_to_hex(char out[2 * AFMT_HASH_BYTES + 1],
                               const uint8_t hash[AFMT_HASH_BYTES]);

/* -------------------------------------------------------------------- keys */

/* A minisign Ed25519 public key: the signature algorithm is always "Ed". */
typedef struct afmt_public_key {
    uint8_t key_id[AFMT_KEYID_BYTES];  /* as stored: little-endian u64 */
    uint8_t key[AFMT_PUBLICKEY_BYTES];
} afmt_public_key;

/* An Ed25519 secret key with its key id, held in sodium_malloc'd memory and
 * wiped on free.  Opaque. */
typedef struct afmt_secret_key afmt_secret_key;

/* Generates a new key pair with a random key id.
 * On success *out_sk belongs to the caller (afmt_secret_key_free). */
AFMT_API int afmt_key_generate(afmt_secret_key **out_sk, afmt_public_key *out_pk);

/* The public half of a secret key. */
AFMT_API void afmt_secret_key_public(afmt_public_key *out, const afmt_secret_key *sk);

/* Wipes and frees. Accepts NULL. */
AFMT_API void afmt_secret_key_free(afmt_secret_key *sk);

/* Parses a public key given as the text of a minisign .pub file
 * ("untrusted comment: ..." line then the base64 line) or as the bare base64
 * line alone (minisign -P).  Surrounding whitespace and a final newline are
 * accepted; anything else (short, long, bad base64, wrong "Ed" tag, trailing
 * bytes) gives AFMT_E_KEY_FORMAT. */
AFMT_API int afmt_public_key_parse(afmt_public_key *out, const char *text, size_t len)
    AFMT_WARN_UNUSED;

/* Reads and parses a minisign public key file (at most 4 KiB). */
AFMT_API int afmt_public_key_load(afmt_public_key *out, const char *path) AFMT_WARN_UNUSED;

/* Writes a minisign public key file: "untrusted comment: <comment>\n" and the
 * base64 line.  comment NULL gives "minisign public key <KEYID hex>".  Fails
 * with AFMT_E_EXISTS if the file exists and !overwrite.  Written through a
 * temporary file and renamed. */
AFMT_API int afmt_public_key_save(const char *path, const afmt_public_key *pk,
                                  const char *comment, int overwrite);

/* Writes the base64 line of a public key (56 characters) and a NUL. */
AFMT_API void afmt_public_key_to_base64(char out[57], const afmt_public_key *pk);

/* Writes the key id as minisign prints it: 16 uppercase hex digits of the
 * little-endian u64, and a NUL. */
AFMT_API void afmt_key_id_to_hex(char out[17], const uint8_t key_id[AFMT_KEYID_BYTES]);

/* What identifies a public key, computed from its 32 key bytes alone (the
 * key id is only a number the key file, or a bundle, claims): "SHA256:" and
 * the unpadded base64 of SHA-256(key), as OpenSSH prints fingerprints, and a
 * NUL.  Show this, never the key id alone, to name who signed a bundle. */
#define AFMT_FINGERPRINT_CHARS 51
AFMT_API void afmt_public_key_fingerprint(char out[AFMT_FINGERPRINT_CHARS],
                                          const afmt_public_key *pk);

/* The C2SP verifier key of a signer (spec 6.2), into a malloc'd
 * NUL-terminated *out (caller frees):
 *   afmt/<key id as minisign prints it>+<hex C2SP key id>+<base64(0x01 || key)>
 * where the C2SP key id is SHA-256(name || 0x0A || 0x01 || key)[0..4). */
AFMT_API int afmt_public_key_vkey(char **out, const afmt_public_key *pk);

/* Nonzero when a secret key file is encrypted (kdf "Sc"), zero when it is
 * stored without a passphrase; negative afmt_error when it is unreadable or
 * malformed. */
AFMT_API int afmt_secret_key_file_is_encrypted(const char *path);

/* Loads a minisign secret key file.  For an encrypted key `passphrase`
 * (`passphrase_len` bytes) decrypts it with scrypt exactly as minisign does;
 * a wrong passphrase gives AFMT_E_PASSPHRASE.  For an unencrypted key the
 * passphrase is ignored.  *out belongs to the caller. */
AFMT_API int afmt_secret_key_load(afmt_secret_key **out, const char *path,
                                  const char *passphrase, size_t passphrase_len);

/* Saves a minisign secret key file with mode 0600, created with O_EXCL
 * (AFMT_E_EXISTS unless overwrite, in which case it is replaced atomically).
 * passphrase NULL stores the key unencrypted (minisign -W); otherwise it is
 * encrypted with scrypt using minisign's default cost. */
AFMT_API int afmt_secret_key_save(const char *path, const afmt_secret_key *sk,
                                  const char *passphrase, size_t passphrase_len,
                                  const char *comment, int overwrite);

/* Saves a key pair as afmt_secret_key_save and afmt_public_key_save would
 * (comment NULL gives each file its default), all or nothing: when any
 * step fails, both files are left exactly as they were (absent, or the
 * old pair when overwrite).  AFMT_E_EXISTS when either exists and
 * !overwrite. */
AFMT_API int afmt_key_pair_save(const char *sk_path, const char *pk_path,
                                const afmt_secret_key *sk, const afmt_public_key *pk,
                                const char *passphrase, size_t passphrase_len,
                                const char *comment, int overwrite);

/* --------------------------------------------------- detached signatures */

/* Signs `msg` as `minisign -S` does (the prehashed "ED" algorithm) and writes
 * the text of a .minisig file into a malloc'd, NUL-terminated *out_text
 * (caller frees with free()).  trusted_comment: UTF-8 without CR, LF or NUL,
 * at most AFMT_MAX_TRUSTED_COMMENT_BYTES. */
AFMT_API int afmt_sign_detached(char **out_text, const afmt_secret_key *sk,
                                const void *msg, size_t len,
                                const char *trusted_comment);

/* Verifies the text of a .minisig file over `msg` with `pk` (both the
 * signature and the global signature over the trusted comment).
 * AFMT_E_WRONG_KEY when the key ids differ; AFMT_E_BAD_SIGNATURE when a
 * signature fails; AFMT_E_UNSUPPORTED for a legacy "Ed" signature.
 * On success and when out_comment is not NULL, the trusted comment is
 * copied into a malloc'd NUL-terminated string. */
AFMT_API int afmt_verify_detached(char **out_comment, const afmt_public_key *pk,
                                  const void *msg, size_t len,
                                  const char *sig_text, size_t sig_len)
    AFMT_WARN_UNUSED;

/* ------------------------------------------------------------------ writer */

typedef struct afmt_writer afmt_writer;

typedef struct afmt_writer_options {
    unsigned version;          /* AFMT_WRITER_OPTIONS_VERSION */
    int level;                 /* zstd level, 1..19; default 3 */
    size_t block_size;         /* target decompressed block size */
    const char *title;         /* bundle title (UTF-8, no control chars); NULL = "" */
    int64_t created;           /* Unix seconds; -1 = now.  The library reads no
                                  environment variable: a program that honours
                                  SOURCE_DATE_EPOCH (as `afmt pack` does) reads
                                  it and passes it here. */
    const char *trusted_comment; /* NULL = "afmt bundle timestamp:<created>
                                    entries:<n> root:<root hex>" (one line) */
    unsigned threads;          /* compression threads, and the most an importer
                                  feeding this writer uses (afmt_writer_threads);
                                  0 = the library's default, one per online CPU
                                  (at most 8).  The output does not depend on it. */
    int overwrite;             /* 0: AFMT_E_EXISTS when `path` exists, at open or
                                  when the bundle is put in place; 1: replace it */
} afmt_writer_options;

#define AFMT_WRITER_OPTIONS_VERSION 2
#define AFMT_DEFAULT_BLOCK_SIZE (1024u * 1024) /* bench/: smaller bundles, reads < 1 ms */
#define AFMT_WRITER_OPTIONS_INIT \
    { AFMT_WRITER_OPTIONS_VERSION, 3, AFMT_DEFAULT_BLOCK_SIZE, NULL, -1, NULL, 0, 0 }

/* Post flags (spec: post entry flags). */
#define AFMT_POST_DELETED 0x1u    /* deleted or removed at the source */
#define AFMT_POST_INCOMPLETE 0x2u /* the source did not load all its replies */

/* One post.  Strings are byte strings with explicit lengths; a NULL pointer
 * means "absent" (an empty, non-NULL string is present and empty). */
typedef struct afmt_post {
    const char *id;          size_t id_len;      /* required, 1..4096 bytes */
    const char *parent;      size_t parent_len;  /* optional */
    const char *author;      size_t author_len;  /* optional */
    const char *title;       size_t title_len;   /* optional */
    const char *media_type;                      /* required, NUL-terminated */
    int has_created;         int64_t created;    /* Unix seconds UTC */
    unsigned flags;                              /* AFMT_POST_* */
    uint64_t missing_replies;  /* with AFMT_POST_INCOMPLETE: replies the source
                                  said exist but did not send (0 = unknown) */
    const void *content;     size_t content_len; /* the original bytes */
} afmt_post;

/* One piece of a source file's bytes (see afmt_writer_add_file). */
typedef enum afmt_part_kind {
    AFMT_PART_ENTRY = 1, /* the content of an earlier post entry */
    AFMT_PART_DATA = 2   /* literal bytes (stored inline or as a blob) */
} afmt_part_kind;

typedef struct afmt_file_part {
    afmt_part_kind kind;
    uint64_t entry;          /* AFMT_PART_ENTRY: entry number */
    const void *data;        /* AFMT_PART_DATA */
    size_t len;
} afmt_file_part;

/* Opens a writer that will create the bundle at `path`.  The bytes go to a
 * temporary file beside `path`, which afmt_writer_finish fsyncs and renames
 * into place; until then `path` is untouched.  `sk` is used for the entry
 * salts and the signature; it must outlive the writer.  opts NULL = defaults.
 * *out belongs to the caller (afmt_writer_free). */
AFMT_API int afmt_writer_open(afmt_writer **out, const char *path,
                              const afmt_secret_key *sk,
                              const afmt_writer_options *opts);

/* Checks `opts` by the rules afmt_writer_open applies (level, block size,
 * title, trusted comment, version), without opening anything: AFMT_OK, or
 * AFMT_E_INVALID_ARGUMENT with the reason in afmt_error_last().  For a
 * program that refuses bad options before any work; afmt_writer_open
 * checks them again.  NULL = the defaults (valid). */
AFMT_API int afmt_writer_options_check(const afmt_writer_options *opts);

/* Adds a post.  Its content is copied; identical contents are stored once.
 * Fails with AFMT_E_DUPLICATE when the id was used before, with
 * AFMT_E_INVALID_ARGUMENT when a field breaks the limits above (the
 * caller's mistake; nothing is changed, the writer goes on), and with
 * AFMT_E_LIMIT only when the bundle is full (entries, blobs, blocks).  When
 * out_entry is not NULL it receives the entry number (0-based).
 * (Changed in 0.2.0: out_entry was the last parameter.) */
AFMT_API int afmt_writer_add_post(uint64_t *out_entry, afmt_writer *w,
                                  const afmt_post *post);

/* Adds a source file entry: `path` (relative, '/'-separated, no empty, "."
 * or ".." component, no NUL or backslash) whose bytes are the concatenation
 * of `parts`.  Extraction writes it back byte for byte. */
AFMT_API int afmt_writer_add_file(uint64_t *out_entry, afmt_writer *w, const char *path,
                                  size_t path_len, const afmt_file_part *parts,
                                  size_t nparts);

/* The same, streamed, for source files too large to hold in memory: begin,
 * then any number of add_entry/add_data calls in file order (posts may be
 * added with afmt_writer_add_post in between, and then referenced), then
 * end.  Data is stored as it arrives (pieces of at most AFMT_MAX_INLINE_BYTES
 * inline, larger ones as blobs); the file's entry number is assigned at end,
 * so it follows every post it references.  One file may be open at a time;
 * afmt_writer_add_file and afmt_writer_finish fail with AFMT_E_STATE while
 * one is.  add_data splits nothing: callers pass pieces of at most
 * AFMT_MAX_CONTENT_BYTES. */
AFMT_API int afmt_writer_file_begin(afmt_writer *w, const char *path, size_t path_len);
AFMT_API int afmt_writer_file_add_entry(afmt_writer *w, uint64_t entry);
AFMT_API int afmt_writer_file_add_data(afmt_writer *w, const void *data, size_t len);
AFMT_API int afmt_writer_file_end(uint64_t *out_entry, afmt_writer *w);

/* Flushes the last block, writes index, checkpoint and signature, fsyncs
 * and renames the temporary file onto `path`.  After it (success or not)
 * only afmt_writer_free and afmt_writer_errmsg may be called. */
AFMT_API int afmt_writer_finish(afmt_writer *w) AFMT_WARN_UNUSED;

/* Frees the writer; an unfinished bundle's temporary file is removed.
 * Accepts NULL. */
AFMT_API void afmt_writer_free(afmt_writer *w);

/* The message of the writer's last failure, or "" (borrowed).  The same
 * message is afmt_error_last() right after the failing call. */
AFMT_API const char *afmt_writer_errmsg(const afmt_writer *w);

/* The threads the writer works with: afmt_writer_options.threads, or the
 * default it chose for 0.  Helpers that feed the writer (the importers)
 * use no more than this, so a caller's choice holds for the whole pack. */
AFMT_API unsigned afmt_writer_threads(const afmt_writer *w);

/* ------------------------------------------------------------------ reader */

typedef struct afmt_reader afmt_reader;

typedef enum afmt_entry_type {
    AFMT_ENTRY_POST = 1,
    AFMT_ENTRY_FILE = 2,
    AFMT_ENTRY_WITHHELD = 3  /* withheld by the archiver (spec 12.1): no id, no
                                content; `hash` is its leaf, `withheld_type`
                                what it was (since 0.3.0) */
} afmt_entry_type;

/* A borrowed view of one entry.  String pointers point into the reader and
 * are NULL when the field is absent. */
typedef struct afmt_entry {
    afmt_entry_type type;
    uint64_t number;
    const char *id;          size_t id_len;     /* post id, or file path */
    const char *parent;      size_t parent_len;
    const char *author;      size_t author_len;
    const char *title;       size_t title_len;
    const char *media_type;  size_t media_type_len;
    int has_created;         int64_t created;
    unsigned flags;                             /* AFMT_POST_* */
    uint64_t missing_replies;                   /* see afmt_post */
    uint64_t size;                              /* bytes of content */
    uint8_t hash[AFMT_HASH_BYTES];              /* posts: SHA-256 of content */
    uint64_t block;  /* the block holding a post's content, or the lowest block a
                        file's parts use (UINT64_MAX: none, e.g. an empty post).
                        Reading entries in increasing block order decodes each
                        block about once. */
    afmt_entry_type withheld_type; /* AFMT_ENTRY_WITHHELD: post or file; else 0 */
} afmt_entry;

/* Summary of what the checkpoint says (borrowed strings). */
typedef struct afmt_checkpoint_info {
    uint64_t entries;
    uint64_t posts;
    uint64_t files;
    uint64_t deleted;         /* posts marked deleted at the source */
    uint64_t incomplete;      /* posts whose source did not send all replies */
    uint64_t missing_replies; /* sum of their missing_replies (a lower bound:
                                 0 means "unknown" for one post) */
    int64_t created;
    const char *title;            size_t title_len;
    const char *trusted_comment;  size_t trusted_comment_len;
    uint8_t root[AFMT_HASH_BYTES];
    afmt_public_key signer;
    const char *origin;           size_t origin_len; /* the log (spec 6.1) */
    /* Withholding (spec 12.1): entries the archiver withheld, posts and files
     * apart (not counted in `posts` nor `files`, nor in `deleted`, which the
     * source did); `withheld` is 1 when the bundle carries a withholding
     * statement, verified, by `withholder`.  Since 0.3.0. */
    uint64_t withheld_posts;
    uint64_t withheld_files;
    int withheld;
    afmt_public_key withholder;
} afmt_checkpoint_info;

/* Options of afmt_reader_open_ext and afmt_lookup_post.  Start from
 * AFMT_READER_OPTIONS_INIT and set what you need: a later version may add
 * fields at the end. */
typedef struct afmt_reader_options {
    unsigned version;          /* AFMT_READER_OPTIONS_VERSION */
    unsigned threads;          /* threads for decoding the index, computing the
                                  Merkle root and checking blocks (verify):
                                  1 = none besides the caller's; 0 = one per
                                  online CPU (at most 8).  Results do not
                                  depend on it. */
    const afmt_public_key *trusted_keys; /* when ntrusted_keys > 0, the signer
                                  must be one of these (key id and key both
                                  equal), checked right after the signatures and
                                  before the index is read, so that a bundle
                                  from anyone else costs almost nothing to
                                  refuse: AFMT_E_WRONG_KEY */
    size_t ntrusted_keys;      /* 0: any signer (check it afterwards with
                                  afmt_reader_check_signer) */
} afmt_reader_options;

#define AFMT_READER_OPTIONS_VERSION 1
#define AFMT_READER_OPTIONS_INIT { AFMT_READER_OPTIONS_VERSION, 0, NULL, 0 }

/* Opens a bundle and checks everything that does not need content: layout,
 * limits, the checkpoint signature against the key embedded in the bundle
 * (and the trusted keys of `opts`, if any), the index hash, every entry
 * record and the Merkle root.  Reads the trailer, checkpoint, signature and
 * index, but no block.  opts NULL = defaults.
 * Returns AFMT_OK with *out set, or an error with *out NULL (the detail is
 * then in afmt_error_last()). */
AFMT_API int afmt_reader_open_ext(afmt_reader **out, const char *path,
                                  const afmt_reader_options *opts) AFMT_WARN_UNUSED;

/* afmt_reader_open_ext with default options; the detail of a failure is
 * also copied into `errbuf` when errbuf is not NULL (NUL-terminated). */
AFMT_API int afmt_reader_open(afmt_reader **out, const char *path,
                              char *errbuf, size_t errbuf_size) AFMT_WARN_UNUSED;

/* afmt_reader_open_ext with `keys` as the trusted keys (nkeys 0: any
 * signer), and the detail copied into `errbuf` as afmt_reader_open does. */
AFMT_API int afmt_reader_open_trusted(afmt_reader **out, const char *path,
                                      const afmt_public_key *keys, size_t nkeys,
                                      char *errbuf, size_t errbuf_size) AFMT_WARN_UNUSED;

/* Checks that the bundle's signer is one of `keys` (key id and key must both
 * match).  AFMT_E_WRONG_KEY otherwise. */
AFMT_API int afmt_reader_check_signer(afmt_reader *r, const afmt_public_key *keys,
                                      size_t nkeys) AFMT_WARN_UNUSED;

AFMT_API const afmt_checkpoint_info *afmt_reader_checkpoint(const afmt_reader *r);

/* Number of entries (posts and files). */
AFMT_API uint64_t afmt_reader_entry_count(const afmt_reader *r);

/* Fills `out` with entry `number`; AFMT_E_INVALID_ARGUMENT when it is not
 * below the entry count. */
AFMT_API int afmt_reader_entry(afmt_entry *out, const afmt_reader *r, uint64_t number)
    AFMT_WARN_UNUSED;

/* The Merkle leaf hash of entry `number` (spec section 9), for inclusion
 * proofs; computed on request, since listing does not need it. */
AFMT_API int afmt_reader_entry_leaf(uint8_t out[AFMT_HASH_BYTES], const afmt_reader *r,
                                    uint64_t number) AFMT_WARN_UNUSED;

/* The canonical encoding of entry `number` (spec/FORMAT.md section 8), the
 * bytes its Merkle leaf hashes: leaf = SHA-256(0x00 || encoding).  Borrowed
 * (*out stays valid until the reader is freed).  For a program that checks
 * the tree without this library (`afmt view` hands them to a web page that
 * recomputes every leaf and the root).  A later version that reads withheld
 * entries (spec 12.1) gives theirs as stored: type 0x03, the old type, and
 * the leaf itself.  Since 0.2.0 (issue 17). */
AFMT_API int afmt_reader_entry_encoding(const uint8_t **out, size_t *out_len,
                                        const afmt_reader *r, uint64_t number)
    AFMT_WARN_UNUSED;

/* Finds the post with this id; AFMT_E_NOT_FOUND when there is none. */
AFMT_API int afmt_reader_find_post(uint64_t *out_number, const afmt_reader *r,
                                   const char *id, size_t id_len) AFMT_WARN_UNUSED;

/* Called with consecutive pieces of an entry's content.  Return 0 to go on,
 * nonzero to stop: the read then returns AFMT_E_USER (changed in 0.2.0: it
 * returned the sink's value, which could not be told from a library error). */
typedef int (*afmt_sink)(void *ctx, const void *data, size_t len);

/* Reads the content of entry `number` (a post's bytes, or a file's bytes
 * assembled from its parts) and passes it to `sink` in order, only after
 * every piece has been decompressed and checked against its signed hash.
 * A post is delivered in one call; a file in one call per part.  The reader
 * keeps one decoded block: a file whose parts jump back and forth between
 * blocks would decode them again and again, so such a file is refused
 * with AFMT_E_LIMIT (use afmt_reader_read_at, which has no such case). */
AFMT_API int afmt_reader_read(afmt_reader *r, uint64_t number, afmt_sink sink,
                              void *ctx) AFMT_WARN_UNUSED;

/* Called with a piece of an entry's content and its offset in that content. */
typedef int (*afmt_sink_at)(void *ctx, uint64_t offset, const void *data, size_t len);

/* Reads entry `number` like afmt_reader_read, but hands the pieces over in
 * storage order, each with its offset, decoding each block once whatever
 * the order of the file's parts: for a seekable output (pwrite).  Every
 * piece is checked before it is handed over.  Needs memory for a list of
 * the file's blob parts (16 bytes each).  Many files that share blocks:
 * afmt_reader_read_many reads them all with each block decoded once. */
AFMT_API int afmt_reader_read_at(afmt_reader *r, uint64_t number, afmt_sink_at sink, void *ctx)
    AFMT_WARN_UNUSED;

/* Called with a piece of the content of numbers[which] (see
 * afmt_reader_read_many) and its offset in that content. */
typedef int (*afmt_sink_many)(void *ctx, size_t which, uint64_t offset, const void *data,
                              size_t len);

/* Called once for an entry of afmt_reader_read_many that cannot be read in
 * full: `err` and `msg` say why (a block or content that does not match its
 * signed hash, a frame that does not decode).  No more of that entry is
 * handed over; what was is not to be used.  Return nonzero to stop. */
typedef int (*afmt_fail_fn)(void *ctx, size_t which, int err, const char *msg);

/* Reads the `count` entries numbers[0..count) at once, as afmt_reader_read_at
 * reads one: every inline part first, in entry order; then every piece from
 * a blob, in storage order, so that each block is decoded once (the one
 * decoded last, if the entries use it, first) and each blob hashed once,
 * however many entries use them and however their parts are ordered: a
 * bundle of many files made of pieces of the same blocks costs no more than
 * its blocks.  Every piece is checked before it is handed over.  When an
 * entry cannot be read, `fail` hears it and the others are read all the same
 * (with `fail` NULL, the first failure stops the read and is returned, its
 * message in afmt_reader_errmsg).  Returns AFMT_OK when every entry was read
 * in full or told to `fail`; AFMT_E_USER when `sink` or `fail` returned
 * nonzero (it stops at once); out of memory and I/O errors stop at once.
 * Needs memory for a list of the entries' blob pieces (16 bytes each: at
 * most a few times the size of the decoded index).  Since 0.2.0 (issue 12). */
AFMT_API int afmt_reader_read_many(afmt_reader *r, const uint64_t *numbers, size_t count,
                                   afmt_sink_many sink, afmt_fail_fn fail, void *ctx)
    AFMT_WARN_UNUSED;

/* Reads a post's content into a malloc'd buffer (*out, caller frees). */
AFMT_API int afmt_reader_read_post(void **out, size_t *out_len, afmt_reader *r,
                                   uint64_t number) AFMT_WARN_UNUSED;

/* Finds the post `id` in the bundle at `path` and passes its content to
 * `sink`, checking only what it reads (spec section 10.1): both signatures
 * (and the signer, when opts has trusted keys, as afmt_reader_open_ext), the index
 * head, one id page, the post's record page (whose entry must have this
 * id), the block table, the post's block, and last the content's hash,
 * before any byte reaches the sink.  It touches a few pages of the index
 * instead of all of it, so it is much faster than opening the bundle
 * on a large bundle; it does not check the rest of the bundle nor the
 * Merkle root (afmt_reader_verify does).  AFMT_E_NOT_FOUND when no post has
 * this id; AFMT_E_USER when the sink returned nonzero.  `signer`,
 * when not NULL, gets the key the signature verified under once the
 * signature, the trusted keys (if any) and the index head have passed; it
 * is left as it was when one of them fails.  opts NULL = defaults.  The
 * detail of a failure is in afmt_error_last().  (Changed in 0.2.0: `signer`
 * first, keys in `opts`, no errbuf.) */
AFMT_API int afmt_lookup_post(afmt_public_key *signer, const char *path, const char *id,
                              size_t id_len, afmt_sink sink, void *ctx,
                              const afmt_reader_options *opts) AFMT_WARN_UNUSED;

/* Called by afmt_reader_verify for each problem found: the entry number (or
 * UINT64_MAX for a problem not tied to one entry), an error code and a
 * message.  Return nonzero to stop early (the verification then still
 * returns the first problem's error, never AFMT_OK nor AFMT_E_USER). */
typedef int (*afmt_problem_fn)(void *ctx, uint64_t entry, int err, const char *msg);

/* Full verification: every block's hash, every frame, every content hash,
 * every file's parts.  Reports every problem through `problem` (may be NULL)
 * and returns AFMT_OK when there is none, else the first error. */
AFMT_API int afmt_reader_verify(afmt_reader *r, afmt_problem_fn problem, void *ctx)
    AFMT_WARN_UNUSED;

/* The message of the reader's last failure, or "" (borrowed).  The same
 * message is afmt_error_last() right after the failing call. */
AFMT_API const char *afmt_reader_errmsg(const afmt_reader *r);

/* Returns the raw checkpoint bytes (borrowed) and writes its signature in
 * minisign .minisig form into a malloc'd *out_minisig (caller frees), so the
 * pair verifies with `minisign -Vm`. */
AFMT_API int afmt_reader_checkpoint_export(const uint8_t **out_bytes, size_t *out_len,
                                           char **out_minisig, const afmt_reader *r);

/* The checkpoint as a C2SP signed note (spec 6.2): its text, an empty line,
 * the signer's note signature line and one line per cosignature (spec
 * 12.2, c2sp.org/tlog-cosignature), into a malloc'd NUL-terminated
 * *out_note (caller frees) of *out_len bytes.  Go's
 * golang.org/x/mod/sumdb/note Open accepts it with the verifier key of
 * afmt_public_key_vkey. */
AFMT_API int afmt_reader_checkpoint_note(char **out_note, size_t *out_len,
                                         const afmt_reader *r);

/* A cosignature the bundle carries (spec 12.2), verified when the bundle was
 * opened: the cosigner vouches for this checkpoint as of `timestamp`.
 * Whether the cosigner is trusted is the caller's policy: compare `key`. */
typedef struct afmt_cosignature_info {
    const char *name;   size_t name_len; /* its C2SP key name (borrowed) */
    uint8_t key[AFMT_PUBLICKEY_BYTES];   /* its Ed25519 public key */
    uint8_t key_hash[4];                 /* C2SP key id (signature type 0x04) */
    uint64_t timestamp;                  /* POSIX seconds */
} afmt_cosignature_info;

/* The number of cosignatures, and cosignature i (AFMT_E_INVALID_ARGUMENT
 * when i is not below the count). */
AFMT_API size_t afmt_reader_cosignature_count(const afmt_reader *r);
AFMT_API int afmt_reader_cosignature(afmt_cosignature_info *out, const afmt_reader *r,
                                     size_t i) AFMT_WARN_UNUSED;

/* An RFC 3161 timestamp the bundle carries (spec 12.2), verified when the
 * bundle was opened: its token's CMS signature with the certificate it
 * carries, and its imprint, SHA-256 of this checkpoint.  Whether the
 * authority is trusted is a separate question: afmt_reader_timestamp_trusted.
 * Since 0.2.0 (issue 15). */
typedef struct afmt_timestamp_info {
    int64_t time;              /* the token's genTime, POSIX seconds */
    const char *authority;     /* the signing certificate's subject, RFC 2253
                                  (borrowed, NUL-terminated, from the token:
                                  escape it before display) */
    const char *serial;        /* the token's serial number, lowercase hex */
    const uint8_t *token;      /* the DER TimeStampToken (borrowed), as
                                  `openssl ts -verify -token_in -in` reads it */
    size_t token_len;
} afmt_timestamp_info;

AFMT_API size_t afmt_reader_timestamp_count(const afmt_reader *r);
AFMT_API int afmt_reader_timestamp(afmt_timestamp_info *out, const afmt_reader *r, size_t i)
    AFMT_WARN_UNUSED;

/* AFMT_OK when timestamp i chains to a CA certificate of the PEM file
 * `ca_file` (the token's own certificates may be intermediates), at the
 * current time, as `openssl ts -verify -CAfile` decides: an expired TSA
 * certificate does not.  AFMT_E_WRONG_KEY (with the reason in
 * afmt_error_last) when it does not; AFMT_E_IO when the file cannot be read. */
AFMT_API int afmt_reader_timestamp_trusted(const afmt_reader *r, size_t i, const char *ca_file)
    AFMT_WARN_UNUSED;

/* An RFC 3161 request for this bundle's checkpoint, DER, into a malloc'd
 * *out (caller frees): SHA-256 imprint of the checkpoint bytes, a random
 * nonce, certReq true (as `openssl ts -query -data CP -sha256 -cert`). */
AFMT_API int afmt_reader_timestamp_request(uint8_t **out, size_t *out_len,
                                           const afmt_reader *r);

/* Closes the bundle. Accepts NULL. */
AFMT_API void afmt_reader_free(afmt_reader *r);

/* --------------------------------------------------------------- withhold */

/* Chooses the posts to withhold: called once for every post of the bundle,
 * in entry order, with the post (borrowed, as afmt_reader_entry gives it);
 * returns 1 to withhold it, 0 to keep it, or a negative value to stop.
 * Then called once more with post NULL: the choice is complete (the caller
 * may check, say, that every id it named was found); nonzero stops.  No
 * byte of the output exists before that last call returns 0. */
typedef int (*afmt_withhold_fn)(void *ctx, const afmt_entry *post);

/* What afmt_withhold did. */
typedef struct afmt_withhold_stats {
    uint64_t posts;          /* posts withheld now */
    uint64_t files;          /* files withheld now because a withheld post is part of
                                them (their other bytes could name it) */
    uint64_t earlier;        /* entries withheld before (a withheld input) */
    uint64_t blobs_dropped;  /* contents no longer stored */
} afmt_withhold_stats;

/* Writes to `out_path` the bundle at `in_path` with the posts `choose`
 * picks withheld (spec 12.1): each replaced by its leaf, its content and
 * metadata gone from the file (a content another kept entry also names
 * stays), every file that holds one of them withheld too, the index
 * rewritten, and a withholding statement (spec 12.2 kind 0x03) naming the
 * new index, signed by `withholder` (any minisign key: the withholder is
 * trusted for nothing a reader releases).  The archiver's checkpoint,
 * signature, cosignatures and timestamps are kept as they are, so the
 * output verifies with the archiver's key, and proofs made before
 * withholding still hold.  A withheld input may be withheld again: its
 * statement is replaced.  The input is opened as afmt_reader_open_ext with
 * `ropts` (NULL: defaults; trusted keys check the archiver), and every
 * content copied is checked against its hash.  `wopts` (NULL: defaults)
 * gives the zstd level, threads and overwrite; its title, created and
 * trusted comment are not used.  AFMT_E_INVALID_ARGUMENT when nothing new
 * is withheld, AFMT_E_USER when `choose` stopped.  `stats` may be NULL.
 * Since 0.3.0. */
AFMT_API int afmt_withhold(afmt_withhold_stats *stats, const char *in_path,
                           const char *out_path, afmt_withhold_fn choose, void *ctx,
                           const afmt_secret_key *withholder,
                           const afmt_reader_options *ropts,
                           const afmt_writer_options *wopts) AFMT_WARN_UNUSED;

/* ------------------------------------------------------------------ proofs */

/* One post proven alone (spec section 16): a c2sp.org/tlog-proof@v1 text
 * holding the post's entry encoding (the `extra` line, from which anyone
 * recomputes its Merkle leaf, spec 9), its entry number, its RFC 9162 audit
 * path and the bundle's checkpoint note, verbatim, with the signer's line
 * and every cosignature line (afmt_reader_checkpoint_note).  The post's
 * bytes travel beside it: the entry commits to their SHA-256.  A proof is
 * at most AFMT_PROOF_MAX_BYTES; checkers refuse a longer one unread. */
#define AFMT_PROOF_MAX_BYTES (128u * 1024)

/* Makes the proof of post `number` of an open reader into a malloc'd,
 * NUL-terminated *out_proof (caller frees) of *out_len bytes.  The first
 * call hashes every leaf and keeps the tree's levels in the reader (64
 * bytes per entry), so that each proof after it costs O(log n): proving
 * every post of a bundle costs one pass over its index.  Read the post's
 * bytes with afmt_reader_read_post.  AFMT_E_INVALID_ARGUMENT when `number`
 * is not a post.  Since 0.2.0 (issue 13). */
AFMT_API int afmt_reader_prove(char **out_proof, size_t *out_len, afmt_reader *r,
                               uint64_t number) AFMT_WARN_UNUSED;

/* What a proof proves about its entry. */
typedef enum afmt_proof_kind {
    AFMT_PROOF_POST = 1,    /* the entry is this post (afmt_proof_info.post) */
    AFMT_PROOF_WITHHELD = 2 /* the entry was withheld (spec 12.1): only its
                               leaf and former type are known (issue 14) */
} afmt_proof_kind;

/* A checked proof, as afmt_proof_get_info gives it.  Strings borrow from
 * the afmt_proof handle and are not NUL-terminated. */
typedef struct afmt_proof_info {
    afmt_proof_kind kind;
    afmt_entry post;          /* kind POST: the post; post.number is the entry
                                 number, post.block UINT64_MAX */
    int content_checked;      /* 1: the post's bytes were given and their
                                 SHA-256 and size are the entry's; 0: not given */
    uint64_t index;           /* the entry number */
    uint64_t entries;         /* the tree size: the bundle's entry count */
    uint8_t leaf[AFMT_HASH_BYTES];
    uint8_t root[AFMT_HASH_BYTES];
    afmt_public_key signer;   /* the trusted key whose note signature verified */
    const char *origin;       size_t origin_len; /* the log (spec 6.1) */
    const char *title;        size_t title_len;  /* the bundle's title */
    int64_t created;          /* the bundle's creation time */
    size_t other_signatures;  /* signature lines of keys not given (cosigners,
                                 other signers): present, not checked */
    unsigned withheld_type;   /* kind WITHHELD: the type the entry had */
} afmt_proof_info;

typedef struct afmt_proof afmt_proof;

/* Checks a proof (its text: proof_len bytes, at most AFMT_PROOF_MAX_BYTES)
 * as c2sp.org/tlog-proof says, with nothing but the proof, the post's bytes
 * and the trusted keys (nkeys >= 1): the proof's layout; the checkpoint
 * note's signature by one of `keys` (a line of a trusted key that fails is
 * AFMT_E_BAD_SIGNATURE, no trusted key's line AFMT_E_WRONG_KEY, other
 * lines are ignored and counted); the checkpoint text (spec 6) and its
 * origin (6.1); the entry encoding of the `extra` line (spec 8: a post);
 * its leaf through the audit path to the checkpoint's root
 * (AFMT_E_ROOT_MISMATCH); and, when `post` is not NULL, that the post's
 * post_len bytes have the entry's size and SHA-256 (AFMT_E_HASH_MISMATCH;
 * pass a non-NULL pointer for an empty post).  Any other flaw is
 * AFMT_E_FORMAT (AFMT_E_LIMIT over a bound, AFMT_E_UNSUPPORTED for what a
 * later version writes).  On success *out belongs to the caller
 * (afmt_proof_free); on failure it is NULL and the detail is in
 * afmt_error_last().  Since 0.2.0 (issue 13). */
AFMT_API int afmt_proof_check(afmt_proof **out, const void *proof, size_t proof_len,
                              const void *post, size_t post_len, const afmt_public_key *keys,
                              size_t nkeys) AFMT_WARN_UNUSED;

/* What a checked proof proved (borrowed: valid until afmt_proof_free). */
AFMT_API const afmt_proof_info *afmt_proof_get_info(const afmt_proof *p);

/* Frees a checked proof.  Accepts NULL. */
AFMT_API void afmt_proof_free(afmt_proof *p);
/* ------------------------------------------------------------ attestations */

/* Attestation kinds (spec 12.2). */
#define AFMT_ATTESTATION_COSIGNATURE 0x01
#define AFMT_ATTESTATION_TIMESTAMP 0x02

/* Adds one attestation record (kind, body) to the bundle at `path`: the
 * bundle is checked up to its index head with its attestations (spec 10,
 * steps 1 to 5: signatures, checkpoint, index head), the record is put in
 * kind order after those of its kind, and only the signature section and
 * the trailer are rewritten: every byte before the signature section is
 * copied unchanged, so the signatures and any proof made earlier still
 * hold.  The result is checked as a reader checks it (the new record
 * verified over the checkpoint, the framing's limits and its rules) before
 * it is put in place.  out_path NULL: `path` is replaced (a temporary file
 * beside it, renamed); else out_path is created, never overwritten
 * (AFMT_E_EXISTS).  It does not check the blocks: verify the bundle first
 * (afmt_reader_verify) when that matters.  Since 0.2.0 (issue 15). */
AFMT_API int afmt_bundle_add_attestation(const char *path, const char *out_path,
                                         unsigned kind, const void *body, size_t len);

/* Cosigns the bundle's checkpoint (c2sp.org/tlog-cosignature, Ed25519) with
 * `sk` under the C2SP key name name[0..name_len) (1 to 255 bytes; NULL: the
 * note key name of spec 6.2, "afmt/KEYID") as of `timestamp` (POSIX
 * seconds), and adds the record as afmt_bundle_add_attestation does.
 * AFMT_E_DUPLICATE when the key has cosigned the bundle already. */
AFMT_API int afmt_bundle_cosign(const char *path, const char *out_path,
                                const afmt_secret_key *sk, const char *name, size_t name_len,
                                uint64_t timestamp);

/* Adds the token of an RFC 3161 reply (a DER TimeStampResp, as a TSA sends
 * it) after checking that it answers a request for this bundle: status
 * granted, SHA-256 imprint of the checkpoint, the token's signature with
 * the certificate it carries; with `request` (the DER request that was
 * sent; NULL: none) also its nonce and policy.  A reply for another request
 * is AFMT_E_BAD_SIGNATURE; one the authority refused,
 * AFMT_E_INVALID_ARGUMENT.  Then as afmt_bundle_add_attestation. */
AFMT_API int afmt_bundle_timestamp(const char *path, const char *out_path, const void *reply,
                                   size_t reply_len, const void *request, size_t request_len);

#ifdef __cplusplus
}
#endif
#endif /* AFMT_H */
