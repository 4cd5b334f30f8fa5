#!/usr/bin/env bash
# Exit status 1 for a bundle that is not authentic or not intact: one
# post's block altered (verify names that post, by id, and only the posts
# in that block; cat/extract refuse its bytes and still give the others),
# a block of several posts altered (verify names every post in it, "in an
# altered block", since an altered block is never decoded, and no other),
# index, signature and trailer altered, truncated, not a bundle, signed by
# another key.  Exit 3 for a missing file.  -p/-P repeatable: any key may
# match.
. "$(dirname "$0")/lib.bash"

# flip OFFSET FILE: xor one byte
flip() {
    python3 - "$1" "$2" <<'EOF'
import sys
off, path = int(sys.argv[1]), sys.argv[2]
b = bytearray(open(path, "rb").read())
b[off] ^= 0x55
open(path, "wb").write(bytes(b))
EOF
}
# field NAME FILE: an offset in the bundle, from its trailer (FORMAT.md
# section 4); blocks are the zstd frames that tile [16, index_offset)
field() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
name, path = sys.argv[1], sys.argv[2]
b = open(path, "rb").read()
index_offset, index_size, cp_size, sig_size = struct.unpack_from("<QQII", b, len(b) - 32)
starts = []
p = 16
while True:
    p = b.find(b"\x28\xb5\x2f\xfd", p, index_offset)
    if p < 0:
        break
    starts.append(p)
    p += 4
assert starts and starts[0] == 16, starts[:3]
ends = starts[1:] + [index_offset]
if name == "blocks":
    print(len(starts))
elif name.startswith("block"):           # middle of block i
    i = int(name[5:])
    print((starts[i] + ends[i]) // 2)
elif name == "index":
    print(index_offset + index_size - 3)
elif name == "checkpoint":
    print(index_offset + index_size + 40)
elif name == "signature":
    print(index_offset + index_size + cp_size + 20)
elif name == "trailer":
    print(len(b) - 20)
EOF
}

"$AFMT" keygen -W -s k.key -p k.pub
"$AFMT" keygen -W -s other.key -p other.pub

# Three posts of about 1.2 MiB of incompressible text each: each fills a
# block of its own (the writer's target is 1 MiB), so damage to block 1
# touches post "b" only.
python3 - <<'EOF'
import base64, json, os
with open("big.ndjson", "w") as f:
    for i, name in enumerate(["a", "b", "c"]):
        body = base64.b64encode(os.urandom(920000)).decode()
        f.write(json.dumps({"id": name, "author": "x", "body": body}) + "\n")
EOF
"$AFMT" pack -s k.key -o good.afmt big.ndjson
expect 0 "$AFMT" verify -p k.pub good.afmt
[ "$(field blocks good.afmt)" -ge 3 ] || fail "expected one block per post, got $(field blocks good.afmt)"

# --- one block altered
cp good.afmt bad.afmt
flip "$(field block1 bad.afmt)" bad.afmt
expect 1 "$AFMT" verify -p k.pub bad.afmt
[ ! -s out ] || fail "failed verify wrote to stdout"
grep -q "^afmt: bad.afmt: post 'b': in an altered block" err ||
    fail "verify does not name post b: $(cat err)"
grep -q "post 'a'" err && fail "verify names intact post a"
grep -q "post 'c'" err && fail "verify names intact post c"
expect 1 "$AFMT" verify --json -p k.pub bad.afmt
jq -e '.ok == false and (.problems | map(select(.type == "post") | .id) | index("b") != null)' out \
    > /dev/null || fail "verify --json: $(cat out)"
jq -e '.problems | map(select(.type == "post") | .id) | (index("a") == null and index("c") == null)' \
    out > /dev/null || fail "verify --json names intact posts"
# list reads no content: the index is intact, so it lists
expect 0 "$AFMT" list --json -p k.pub bad.afmt
# cat: the damaged post is refused, nothing on stdout; the others are fine
expect 1 "$AFMT" cat -p k.pub bad.afmt b
[ ! -s out ] || fail "cat released bytes of a damaged post"
expect 0 "$AFMT" cat -p k.pub bad.afmt a
cmp -s out <(sed -n 1p big.ndjson | head -c -1) || fail "cat a from the damaged bundle"
# extract: the file needs post b: refused, nothing left behind
expect 1 "$AFMT" extract -C x -p k.pub bad.afmt
[ -z "$(ls -A x)" ] || fail "extract of a damaged file left: $(ls -A x)"
expect 1 "$AFMT" extract --posts -C y -p k.pub bad.afmt
[ -f y/a ] && [ -f y/c ] || fail "extract --posts did not write the intact posts"
[ ! -e y/b ] || fail "extract --posts wrote the damaged post"
[ -z "$(find y -name '.afmt-tmp-*')" ] || fail "temporary file left behind"

# --- one block holding several posts altered.  A block that does not match
# its signed hash is never decoded, so verify cannot tell which of its posts
# changed: it names every post of that block, saying "in an altered block",
# and no post of another block.
python3 - <<'EOF'
import base64, json, os
with open("shared.ndjson", "w") as f:
    def post(id_, body):
        f.write(json.dumps({"id": id_, "author": "x", "body": body}) + "\n")
    for name in ["s1", "s2", "s3"]:
        post(name, "small post %s %s" % (name, os.urandom(8).hex()))
    post("big1", base64.b64encode(os.urandom(920000)).decode())
    for name in ["t1", "t2"]:
        post(name, "small post %s %s" % (name, os.urandom(8).hex()))
    post("big2", base64.b64encode(os.urandom(920000)).decode())
    post("u1", "small post u1 %s" % os.urandom(8).hex())
EOF
"$AFMT" pack -s k.key -o shared.afmt shared.ndjson
# which block holds which post: decompress every block, look for each line
python3 - shared.afmt shared.ndjson > members <<'EOF'
import json, struct, subprocess, sys
b = open(sys.argv[1], "rb").read()
index_offset = struct.unpack_from("<Q", b, len(b) - 32)[0]
starts, p = [], 16
while (p := b.find(b"\x28\xb5\x2f\xfd", p, index_offset)) >= 0:
    starts.append(p)
    p += 4
ends = starts[1:] + [index_offset]
blocks = [subprocess.run(["zstd", "-dcq"], input=b[s:e], capture_output=True, check=True).stdout
          for s, e in zip(starts, ends)]
for line in open(sys.argv[2], "rb").read().split(b"\n")[:-1]:
    where = [i for i, d in enumerate(blocks) if line in d]
    assert len(where) == 1, where
    print(where[0], json.loads(line)["id"], (starts[where[0]] + ends[where[0]]) // 2)
EOF
# the block of s1 must hold other posts too, and some posts must be elsewhere
blk=$(awk '$2 == "s1" {print $1}' members)
off=$(awk '$2 == "s1" {print $3}' members)
inside=$(awk -v b="$blk" '$1 == b {print $2}' members)
outside=$(awk -v b="$blk" '$1 != b {print $2}' members)
[ "$(echo "$inside" | wc -l)" -ge 3 ] && [ -n "$outside" ] ||
    fail "expected s1 to share its block and other blocks to exist: $(cat members)"
cp shared.afmt shared-bad.afmt
flip "$off" shared-bad.afmt
expect 1 "$AFMT" verify -p k.pub shared-bad.afmt
[ ! -s out ] || fail "failed verify wrote to stdout"
for id in $inside; do
    grep -q "^afmt: shared-bad.afmt: post '$id': in an altered block" err ||
        fail "verify does not name post $id of the altered block: $(cat err)"
done
for id in $outside; do
    if grep -q "post '$id'" err; then fail "verify names post $id of an intact block: $(cat err)"; fi
done
expect 1 "$AFMT" verify --json -p k.pub shared-bad.afmt
for id in $inside; do
    jq -e --arg id "$id" '.problems | map(select(.type == "post" and .id == $id and
        (.message | test("in an altered block")))) | length == 1' out > /dev/null ||
        fail "verify --json does not name $id: $(cat out)"
done
for id in $outside; do
    jq -e --arg id "$id" '.problems | map(select(.type == "post" and .id == $id)) | length == 0' \
        out > /dev/null || fail "verify --json names intact post $id"
done
# extract --posts: every post of the altered block is refused (after the
# first, without reading the block again), the others are written
expect 1 "$AFMT" extract --posts -C shared-x -p k.pub shared-bad.afmt
for id in $inside; do
    [ ! -e "shared-x/$id" ] || fail "extract --posts wrote $id of the altered block"
    grep -q "^afmt: $id: block $blk does not match its signed hash; not written" err ||
        fail "extract --posts does not refuse $id: $(cat err)"
done
for id in $outside; do
    grep -qF "\"id\": \"$id\"" "shared-x/$id" || fail "extract --posts did not write $id"
done
# the posts of other blocks still come out intact
for id in $outside; do
    expect 0 "$AFMT" cat -p k.pub shared-bad.afmt "$id"
    grep -qF "\"id\": \"$id\"" out || fail "cat $id from the damaged bundle"
done

# --- every other section altered: exit 1 from every reader
for what in index checkpoint signature trailer; do
    cp good.afmt "$what.afmt"
    flip "$(field "$what" "$what.afmt")" "$what.afmt"
    expect 1 "$AFMT" verify -p k.pub "$what.afmt"
    expect 1 "$AFMT" list -p k.pub "$what.afmt"
    expect 1 "$AFMT" cat -p k.pub "$what.afmt" a
    [ ! -s out ] || fail "cat released bytes of a bundle with a damaged $what"
    expect 1 "$AFMT" extract -C "x-$what" "$what.afmt"
    expect 1 "$AFMT" checkpoint "$what.afmt" -o "cp-$what"
    [ ! -e "cp-$what" ] || fail "checkpoint written from a damaged bundle"
done
# trust before work: with -p/-P the signer is checked right after the
# signature, before the index is read, so a bundle signed by someone else is
# refused as such even when its index is damaged too
for cmd in verify list cat extract; do
    args=(-p other.pub index.afmt)
    [ $cmd = cat ] && args+=(a)
    [ $cmd = extract ] && args=(-C x-trust "${args[@]}")
    expect 1 "$AFMT" $cmd "${args[@]}"
    grep -q "^afmt: index.afmt: signed with another key, SHA256:[A-Za-z0-9+/]\{43\} (claimed key id [0-9A-F]\{16\}); not one of the trusted keys" err ||
        fail "$cmd: the signer is not checked before the index: $(cat err)"
    if grep -q 'index' <(sed 's/^afmt: index.afmt: //' err); then fail "$cmd read the index: $(cat err)"; fi
done
[ -z "$(ls -A x-trust 2> /dev/null)" ] || fail "extract wrote files signed by another key"
expect 1 "$AFMT" verify --json -p other.pub index.afmt
jq -e '.ok == false and .error == "wrong-key" and (.problems | length == 1)' out > /dev/null ||
    fail "verify --json of a damaged bundle signed by another key: $(cat out)"
head -c -100 good.afmt > truncated.afmt
expect 1 "$AFMT" verify -p k.pub truncated.afmt
expect 1 "$AFMT" list truncated.afmt
printf 'not a bundle at all, just text that is long enough to have a trailer\n' > text.afmt
expect 1 "$AFMT" verify -p k.pub text.afmt
expect 1 "$AFMT" list text.afmt
: > empty.afmt
expect 1 "$AFMT" list empty.afmt

# --- the wrong key
expect 1 "$AFMT" verify -p other.pub good.afmt
kid=$(python3 -c 'import base64, sys; print(base64.b64decode(open(sys.argv[1]).read().split()[-1])[2:10][::-1].hex().upper())' k.pub)
kfp=$(python3 -c 'import base64,hashlib,sys; k=base64.b64decode(open(sys.argv[1]).read().split()[-1])[10:42]; print("SHA256:"+base64.b64encode(hashlib.sha256(k).digest()).decode().rstrip("="))' k.pub)
grep -qF "signed with another key, $kfp (claimed key id $kid); not one of the trusted keys" err ||
    fail "wrong key message (want key id $kid): $(cat err)"
for cmd in list cat extract; do
    args=(-p other.pub good.afmt)
    [ $cmd = cat ] && args+=(a)
    [ $cmd = extract ] && args=(-C z "${args[@]}")
    expect 1 "$AFMT" $cmd "${args[@]}"
    grep -qF "afmt: good.afmt: signed with another key, $kfp (claimed key id $kid); not one of the trusted keys" err ||
        fail "$cmd: wrong key message (want key id $kid): $(cat err)"
done
expect 1 "$AFMT" verify --json -p other.pub good.afmt
jq -e '.ok == false and .error == "wrong-key"' out > /dev/null || fail "verify --json wrong key"
expect 1 "$AFMT" list -p other.pub good.afmt
[ ! -s out ] || fail "list printed a bundle signed by another key"
expect 1 "$AFMT" cat -p other.pub good.afmt a
[ ! -s out ] || fail "cat printed a post signed by another key"
expect 1 "$AFMT" extract -C z -p other.pub good.afmt
[ -z "$(ls -A z 2> /dev/null)" ] || fail "extract wrote files signed by another key"
expect 1 "$AFMT" verify -P "$(tail -1 other.pub)" good.afmt
# any one of several keys may match, -p and -P mixed
expect 0 "$AFMT" verify -p other.pub -p k.pub good.afmt
expect 0 "$AFMT" verify -P "$(tail -1 other.pub)" -P "$(tail -1 k.pub)" good.afmt
expect 0 "$AFMT" list -p other.pub -P "$(tail -1 k.pub)" good.afmt
expect 0 "$AFMT" verify --json -p k.pub good.afmt
jq -e '.ok == true and .posts == 3 and .files == 1 and (.signer | test("^[0-9A-F]{16}$"))' out \
    > /dev/null || fail "verify --json success: $(cat out)"
# without a key: checked against the embedded key, with a warning
expect 0 "$AFMT" list good.afmt
grep -q 'not checked against a trusted key' err || fail "no warning without -p"
expect 0 "$AFMT" cat good.afmt a
grep -q 'not checked against a trusted key' err || fail "no warning for cat without -p"

# --- missing files: exit 3
expect 3 "$AFMT" verify -p k.pub nowhere.afmt
expect 3 "$AFMT" list nowhere.afmt
expect 3 "$AFMT" cat nowhere.afmt a
expect 3 "$AFMT" extract -C w nowhere.afmt
expect 3 "$AFMT" checkpoint nowhere.afmt -o cp
expect 3 "$AFMT" verify -p nowhere.pub good.afmt
expect 3 "$AFMT" cat -p k.pub good.afmt nosuchpost
echo "integrity: OK"
