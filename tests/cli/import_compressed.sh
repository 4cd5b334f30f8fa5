#!/usr/bin/env bash
# Compressed inputs and byte order marks (issue 19, item 2), through the
# command, on corpus files compressed here by the stock tools (gzip, bzip2,
# xz, zstd):
#  - an mbox (pipermail serves .txt.gz) and a Pushshift dump (older ones are
#    .bz2 and .xz), each compressed four ways, are detected from their magic
#    bytes whatever their name, pack to the same posts as the plain file
#    (ids, parents, content hashes), and extract as the compressed file,
#    byte for byte; the post count is checked against Python's gzip, bz2,
#    lzma and mailbox modules;
#  - gzip members and bzip2 streams written one after another are read on;
#  - a truncated or corrupt compressed file and a decompression bomb are
#    refused (exit 3) with a message naming the problem;
#  - a UTF-8 byte order mark before a Reddit page, a Hacker News file, a
#    Pushshift dump and an NDJSON file is accepted and kept.
# Skipped when the corpus is not there.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
C=${AFMT_CORPUS:-}
if [ -z "$C" ] || [ ! -d "$C/mbox" ] || [ ! -d "$C/pushshift_ndjson" ]; then
    echo "import_compressed: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$AFMT" keygen -W -s k.key -p k.pub > /dev/null

# the posts of a bundle, without the file entry: id, parent, content hash
posts() {
    "$AFMT" list --json -p k.pub "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if "hash" in o and o.get("type") != "file":
        print(o["id"], o["parent"], o["hash"], o.get("deleted"), sep="\t")
'
}

MBOX=$C/mbox/spamassassin_easy_ham_1.mbox
PS=$C/pushshift_ndjson/RC_2005-12.ndjson
for src in "$MBOX" "$PS"; do
    b=$(basename "$src")
    "$AFMT" pack -f -s k.key -o plain.afmt "$src" || fail "$b: pack"
    posts plain.afmt > plain.tsv
    [ -s plain.tsv ] || fail "$b: no posts"
    for z in gzip bzip2 xz zstd; do
        # a name that says nothing: detection is by magic bytes
        "$z" -c "$src" > "in-$z.data"
        "$AFMT" pack -f -s k.key -o z.afmt "in-$z.data" 2> err || fail "$b ($z): pack: $(cat err)"
        "$AFMT" verify -p k.pub z.afmt > /dev/null || fail "$b ($z): does not verify"
        posts z.afmt > z.tsv
        cmp -s plain.tsv z.tsv || fail "$b ($z): posts differ from the plain file's"
        rm -rf x
        "$AFMT" extract -C x -p k.pub z.afmt 2> /dev/null
        cmp "in-$z.data" "x/in-$z.data" || fail "$b ($z): the compressed file does not round-trip"
        want=$(python3 - "$z" "in-$z.data" <<'EOF'
import bz2, gzip, lzma, mailbox, subprocess, sys, tempfile
kind, path = sys.argv[1], sys.argv[2]
if kind == "zstd":
    data = subprocess.run(["zstd", "-dc", "--long=31", path], check=True,
                          stdout=subprocess.PIPE).stdout
else:
    data = {"gzip": gzip, "bzip2": bz2, "xz": lzma}[kind].open(path).read()
if data.startswith(b"From "):
    with tempfile.NamedTemporaryFile(suffix=".mbox") as f:
        f.write(data)
        f.flush()
        print(len(mailbox.mbox(f.name)))
else:
    print(sum(1 for l in data.split(b"\n") if l.strip()))
EOF
)
        got=$(wc -l < z.tsv)
        [ "$got" -eq "$want" ] || fail "$b ($z): $got posts, Python counts $want"
    done
    # and with --format, as the issue's pipermail .txt.gz would be packed
    fmt=mbox
    [ "$src" = "$PS" ] && fmt=pushshift
    "$AFMT" pack -f --format "$fmt" -s k.key -o z.afmt in-gzip.data || fail "$b: --format $fmt gzip"
done

# members one after another: gzip -c a >> b, bzip2 likewise
head -c 200000 "$MBOX" > part1
tail -c +200001 "$MBOX" > part2
grep -q '^From ' part2 || fail "test setup: no message in part2"
for z in gzip bzip2 xz; do
    { "$z" -c part1; "$z" -c part2; } > multi.data
    "$AFMT" pack -f -s k.key -o m.afmt multi.data 2> err || fail "$z members: $(cat err)"
    [ "$("$AFMT" list -p k.pub m.afmt | grep -c 'bytes)$')" -gt 0 ] || fail "$z members: no posts"
    rm -rf x
    "$AFMT" extract -C x -p k.pub m.afmt 2> /dev/null
    cmp multi.data x/multi.data || fail "$z members: does not round-trip"
done

# truncated and corrupt files: refused, exit 3, and said so
for z in gzip bzip2 xz; do
    "$z" -c "$MBOX" > whole.data
    head -c $(( $(stat -c %s whole.data) - 20 )) whole.data > cut.data
    set +e
    "$AFMT" pack -f -s k.key -o bad.afmt cut.data 2> err
    rc=$?
    set -e
    [ "$rc" -eq 3 ] || fail "$z truncated: exit $rc, want 3"
    grep -q "truncated\|corrupt\|unexpected end" err || fail "$z truncated: message: $(cat err)"
    [ ! -e bad.afmt ] || fail "$z truncated: a bundle was written"
    python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xFF; open(sys.argv[1], "wb").write(b)' whole.data
    set +e
    "$AFMT" pack -f -s k.key -o bad.afmt whole.data 2> err
    rc=$?
    set -e
    [ "$rc" -eq 3 ] || fail "$z corrupt: exit $rc, want 3"
    grep -q "$z" err || fail "$z corrupt: message does not name $z: $(cat err)"
done

# a bomb: 400 MiB of blank lines in about 400 KB of gzip is refused
# after 256 MiB + 250 times the compressed bytes, not decompressed whole
head -c $((400 * 1024 * 1024)) /dev/zero | tr '\0' '\n' | gzip -9 > bomb.data
set +e
"$AFMT" pack -f --format pushshift -s k.key -o bad.afmt bomb.data 2> err
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "bomb: exit $rc, want 3"
grep -q "decompression bomb" err || fail "bomb: message: $(cat err)"

# a UTF-8 byte order mark before JSON: detected, packed, kept
for f in "$C/reddit_json/rtv_Python_2xmo63.json" \
         "$C/hackernews/hn_whoishiring_40846428_2024-07_firebase-items.json" "$PS"; do
    b=$(basename "$f")
    "$AFMT" pack -f -s k.key -o plain.afmt "$f"
    posts plain.afmt > plain.tsv
    { printf '\357\273\277'; cat "$f"; } > "bom-$b"
    "$AFMT" pack -f -s k.key -o bom.afmt "bom-$b" 2> err || fail "$b with a BOM: $(cat err)"
    posts bom.afmt > bom.tsv
    cmp -s plain.tsv bom.tsv || fail "$b with a BOM: posts differ"
    rm -rf x
    "$AFMT" extract -C x -p k.pub bom.afmt 2> /dev/null
    cmp "bom-$b" "x/bom-$b" || fail "$b with a BOM: does not round-trip"
done
printf '\357\273\277{"id":"a","body":"x"}\n{"id":"b","parent":"a"}\n' > bom.ndjson
"$AFMT" pack -f -s k.key -o bom.afmt bom.ndjson 2> err || fail "NDJSON with a BOM: $(cat err)"
[ "$(posts bom.afmt | cut -f1,2 | tr '\t\n' ' ')" = "a None b a " ] ||
    fail "NDJSON with a BOM: $(posts bom.afmt)"
rm -rf x
"$AFMT" extract -C x -p k.pub bom.afmt 2> /dev/null
cmp bom.ndjson x/bom.ndjson || fail "NDJSON with a BOM: does not round-trip"

echo "import_compressed: OK"
