#!/usr/bin/env bash
# The order a hostile bundle gives its posts or a file's parts does not
# multiply the work of extract and verify.  Two 8 MiB blocks,
# each holding a big post and a 1-byte post ("X" in block 0, "Y" in block
# 1); 20000 posts whose contents alternate X, Y, X... (stored once, so in
# entry order they jump between the two blocks), and a file of 20000
# 1-byte parts alternating the same way.  Read in entry or part order,
# every post or part would decode 8 MiB: minutes.  extract (the file is
# written piece by piece at its offsets, in storage order), extract
# --posts and extract with IDs (posts in block order), and verify of the
# bundle with another block altered (it re-reads the other posts in block
# order) decode each block about once, and finish in seconds.  So does
# verify of a bundle of 8000 one-part files alternating between the two
# blocks, with another block altered: it does not read the files again.
. "$(dirname "$0")/lib.bash"
build=$(dirname "$AFMT")
# far below what decoding a block per post or part would take
EXPECT_TIMEOUT=60

N=20000
BLOCK=$((8 * 1024 * 1024))

# The generator uses the library's writer, which can make blocks larger
# than `afmt pack` does.
cat > gen.c <<'C'
#include <afmt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, int rc, afmt_writer *w)
{
    fprintf(stderr, "gen: %s: %s %s\n", what, afmt_strerror(rc), w ? afmt_writer_errmsg(w) : "");
    exit(1);
}

static void fill(unsigned char *p, size_t n, unsigned long long s)
{
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        p[i] = (unsigned char)(s >> 24);
    }
}

static uint64_t post(afmt_writer *w, const char *id, const void *data, size_t len)
{
    afmt_post p;
    memset(&p, 0, sizeof p);
    p.id = id;
    p.id_len = strlen(id);
    p.media_type = "application/octet-stream";
    p.content = data;
    p.content_len = len;
    uint64_t n;
    int rc = afmt_writer_add_post(&n, w, &p);
    if (rc != AFMT_OK)
        die(id, rc, w);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    size_t n = strtoul(argv[3], NULL, 10), block = strtoul(argv[4], NULL, 10);
    size_t nfiles = strtoul(argv[5], NULL, 10);
    afmt_secret_key *sk;
    int rc = afmt_secret_key_load(&sk, argv[1], NULL, 0);
    if (rc != AFMT_OK)
        die("key", rc, NULL);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.block_size = block;
    o.level = 1;
    o.created = 1767225600;
    afmt_writer *w;
    if ((rc = afmt_writer_open(&w, argv[2], sk, &o)) != AFMT_OK)
        die("open", rc, NULL);
    unsigned char *big = malloc(block);
    if (big == NULL)
        return 1;
    /* block 0: a big post and "X" (the block is flushed when full) */
    fill(big, block - 1, 0x9E3779B97F4A7C15ull);
    post(w, "fill-a", big, block - 1);
    uint64_t x = post(w, "x", "X", 1);
    /* block 1: another big post and "Y" */
    fill(big, block - 1, 0xC2B2AE3D27D4EB4Full);
    post(w, "fill-b", big, block - 1);
    uint64_t y = post(w, "y", "Y", 1);
    /* posts stored once already, alternating between the two blocks */
    afmt_file_part *parts = calloc(n + nfiles + 1, sizeof *parts);
    if (parts == NULL)
        return 1;
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%05zu", i);
        post(w, id, i % 2 ? "Y" : "X", 1);
        parts[i].kind = AFMT_PART_ENTRY;
        parts[i].entry = i % 2 ? y : x;
    }
    if (n > 0 && (rc = afmt_writer_add_file(NULL, w, "alt.bin", 7, parts, n)) != AFMT_OK)
        die("file", rc, w);
    /* files of one part each, alternating between the two blocks */
    for (size_t i = 0; i < nfiles; i++) {
        char path[32];
        afmt_file_part part = {AFMT_PART_ENTRY, i % 2 ? y : x, NULL, 0};
        snprintf(path, sizeof path, "f%05zu", i);
        if ((rc = afmt_writer_add_file(NULL, w, path, strlen(path), &part, 1)) != AFMT_OK)
            die(path, rc, w);
    }
    /* block 2: one small post, the block the test alters */
    post(w, "z", "Z", 1);
    if ((rc = afmt_writer_finish(w)) != AFMT_OK)
        die("finish", rc, w);
    afmt_writer_free(w);
    afmt_secret_key_free(sk);
    free(big);
    free(parts);
    return 0;
}
C
san=()
# (grep without -q reads all of ldd's output: with pipefail, -q could
# make ldd die of SIGPIPE and the test fail to notice the sanitizer)
if ldd "$AFMT" 2> /dev/null | grep 'libasan\|libclang_rt.asan' > /dev/null; then
    san=("-fsanitize=address,undefined")
fi
cc -std=c11 "${san[@]}" -I"$SRC/include" gen.c -o gen -L"$build" -larchive_fmt \
    -Wl,-rpath,"$build"

"$AFMT" keygen -W -s k.key -p k.pub
./gen k.key hostile.afmt "$N" "$BLOCK" 0
expect 0 "$AFMT" verify -p k.pub hostile.afmt

# --- extract: the file, its 20000 parts written at their offsets
python3 -c "import sys; sys.stdout.write('XY' * ($N // 2))" > alt.want
expect 0 "$AFMT" extract -C files -p k.pub hostile.afmt
cmp -s files/alt.bin alt.want || fail "alt.bin is not XYXY...: $(head -c 64 files/alt.bin)"

# --- extract --posts: every post, in block order
expect 0 "$AFMT" extract --posts -C posts -p k.pub hostile.afmt
[ "$(find posts -type f | wc -l)" = $((N + 5)) ] || fail "extract --posts wrote $(find posts -type f | wc -l) files"
for i in 0 1 2 19998 19999; do
    want=X
    [ $((i % 2)) = 1 ] && want=Y
    [ "$(cat "posts/$(printf 'p%05d' "$i")")" = $want ] || fail "post p$i"
done
cmp -s posts/fill-a <("$AFMT" cat -p k.pub hostile.afmt fill-a 2> /dev/null) || fail "fill-a"

# --- extract with IDs: the named posts, in block order
seq -f 'p%05g' 0 $((N - 1)) > ids
mapfile -t idv < ids
expect 0 "$AFMT" extract -C named -p k.pub hostile.afmt "${idv[@]}"
[ "$(find named -type f | wc -l)" = "$N" ] || fail "extract IDs wrote $(find named -type f | wc -l) files"
[ "$(cat named/p00000)$(cat named/p00001)$(cat named/p19999)" = XYY ] || fail "extract IDs contents"

# --- verify of the bundle with block 2 altered: post z is named, and the
# posts re-read after the failure (every other post) are read in block order
cp hostile.afmt bad.afmt
python3 - bad.afmt <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
index_offset = struct.unpack_from("<Q", b, len(b) - 32)[0]
b[index_offset - 1] ^= 0x55   # the last byte of the last block (post z's)
open(sys.argv[1], "wb").write(bytes(b))
EOF
expect 1 "$AFMT" verify -p k.pub bad.afmt
grep -q "post 'z': in an altered block" err || fail "verify does not name post z: $(head -c 2000 err)"
if grep -q "post 'p" err; then fail "verify names posts of intact blocks: $(head -c 2000 err)"; fi

# --- verify of a bundle of 8000 one-part files alternating between the two
# blocks, with block 2 altered: the library has checked every file, so
# verify does not read them again (it would decode a block per file)
./gen k.key files.afmt 0 "$BLOCK" 8000
cp files.afmt files-bad.afmt
python3 - files-bad.afmt <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
index_offset = struct.unpack_from("<Q", b, len(b) - 32)[0]
b[index_offset - 1] ^= 0x55
open(sys.argv[1], "wb").write(bytes(b))
EOF
expect 1 "$AFMT" verify -p k.pub files-bad.afmt
grep -q "post 'z': in an altered block" err || fail "verify does not name post z: $(head -c 2000 err)"
if grep -q "file 'f" err; then fail "verify names intact files: $(head -c 2000 err)"; fi
echo "block_order: OK"
