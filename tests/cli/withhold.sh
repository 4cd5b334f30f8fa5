#!/usr/bin/env bash
# afmt withhold (issue 14, spec 12.1) on a real Reddit thread of the corpus:
# 10 posts withheld (by id, by --ids-from, by --author) give a bundle that
# verifies with the archiver's key and has its checkpoint byte for byte;
# verify, list, cat and extract say what was withheld (exit 4 where asked
# for); no byte of a withheld post's id, author or text is in the file, nor
# in any of its zstd frames decoded (each needle is found in the original's,
# so the search is real); withholding again works; a changed byte of the
# withholding statement is refused.
. "$(dirname "$0")/lib.bash"

C=${AFMT_CORPUS:-}
THREAD=$C/reddit_json/rtv_Python_6302cj.json
if [ -z "$C" ] || [ ! -f "$THREAD" ]; then
    echo "withhold: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi

"$AFMT" keygen -W -s ar.key -p ar.pub
"$AFMT" keygen -W -s wh.key -p wh.pub
expect 0 "$AFMT" pack -s ar.key -o t.afmt "$THREAD"
expect 0 "$AFMT" list --json t.afmt
cp out t.json
expect 0 "$AFMT" extract --posts -C posts t.afmt

# Every zstd frame of a bundle decoded (blocks, then index pages), with the
# sections between: what a reader of the file could see.
decoded() {
    python3 - "$1" > "$1.frames" <<'PY'
import struct, subprocess, sys
data = open(sys.argv[1], "rb").read()
io, isz, cs, ss = struct.unpack_from("<QQII", data, len(data) - 32)
rp, pc = struct.unpack_from("<QQ", data, io + 40)[0], struct.unpack_from("<Q", data, io + 16)[0]
pages = 2 + rp + (pc + 4095) // 4096
head = io + 56 + 48 * pages
out = sys.stdout.buffer
for a, b in ((16, io), (head, io + isz)):
    if b > a:
        out.write(subprocess.run(["zstd", "-dcq"], input=data[a:b], check=True,
                                 stdout=subprocess.PIPE).stdout)
out.write(data)
PY
}

# Ten leaf posts (no reply names them) whose author wrote nothing else, and
# for each its id, author and a piece of its text that no other post holds.
python3 - t.json posts > pick <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def body(r):
    name = "".join(c if c.isalnum() or c in "._-" else "%%%02X" % ord(c) for c in r["id"])
    return open(os.path.join(sys.argv[2], name), "rb").read()
parents = {r["parent"] for r in rows}
authors = [r["author"] for r in rows]
texts = {r["id"]: body(r) for r in rows}
picked = []
for r in rows:
    a = r["author"]
    if r["id"] in parents or a is None or a == "[deleted]" or authors.count(a) != 1:
        continue
    text = json.loads(texts[r["id"]])["data"]["body"].encode()
    piece = next((text[i:i + 24] for i in range(0, max(1, len(text) - 24))
                  if all(0x20 <= c < 0x7F and c not in b'\\"' for c in text[i:i + 24])
                  and text[i:i + 24] in texts[r["id"]]), None)
    others = [t for k, t in texts.items() if k != r["id"]]
    if piece is None or len(piece) < 12 or any(
            n.encode() in t or piece in t for t in others for n in (r["id"], a)):
        continue
    if any(piece in t for t in others):
        continue
    picked.append((r["id"], a, piece.decode()))
    if len(picked) == 10:
        break
assert len(picked) == 10, picked
for p in picked:
    print("\t".join(p))
PY
mapfile -t IDS < <(cut -f1 pick)
AUTHOR=$(sed -n 10p pick | cut -f2)
printf '%s\r\n' "${IDS[8]}" > ids.txt

expect 0 "$AFMT" withhold -s wh.key -o w.afmt --ids-from ids.txt --author "$AUTHOR" \
    -p ar.pub t.afmt "${IDS[@]:0:8}"
grep -q 'withheld 10 posts and 1 files' err || fail "withhold said: $(cat err)"

expect 0 "$AFMT" verify -p ar.pub w.afmt
grep -q ', 10 posts withheld by the archiver (and 1 file holding them) (statement by SHA256:' out ||
    fail "verify said: $(cat out)"
grep -q '(2 deleted at the source)' out || fail "deleted posts not told apart: $(cat out)"
expect 1 "$AFMT" verify -p wh.pub w.afmt
expect 0 "$AFMT" verify --json -p ar.pub w.afmt
grep -q '"withheld_posts":10,"withheld_files":1,"withholder_fingerprint":"SHA256:' out ||
    fail "verify --json: $(cat out)"

# The archiver's checkpoint and signature, unchanged.
expect 0 "$AFMT" checkpoint t.afmt -o t.cp
expect 0 "$AFMT" checkpoint w.afmt -o w.cp
cmp t.cp w.cp && cmp t.cp.minisig w.cp.minisig && cmp t.cp.note w.cp.note ||
    fail "the checkpoint changed"
minisign -Vm w.cp -p ar.pub > /dev/null || fail "minisign refuses the checkpoint"

expect 0 "$AFMT" list -p ar.pub w.afmt
grep -q '^\[withheld\] 10 posts and 1 file withheld by the archiver, entries' out ||
    fail "list: $(tail -3 out)"
expect 0 "$AFMT" list --json -p ar.pub w.afmt
[ "$(grep -c '"withheld":true' out)" = 10 ] || fail "list --json: withheld lines"
[ "$(grep -vc '"withheld":true' out)" = $(($(wc -l < t.json) - 10)) ] || fail "list --json: posts"

for i in "${!IDS[@]}"; do
    expect 4 "$AFMT" cat -p ar.pub w.afmt "${IDS[$i]}"
    grep -q 'withheld 10 posts from this bundle, and it may be one of them' err ||
        fail "cat: $(cat err)"
done
KEPT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' t.json)
expect 0 "$AFMT" cat -p ar.pub w.afmt "$KEPT"
cmp out "posts/$KEPT" || fail "cat of a kept post differs"
expect 4 "$AFMT" extract -C x -p ar.pub w.afmt
grep -q '1 file withheld by the archiver' err || fail "extract: $(cat err)"
expect 4 "$AFMT" extract -C y -p ar.pub w.afmt "$KEPT" "${IDS[0]}"
expect 0 "$AFMT" extract --posts -C z -p ar.pub w.afmt
[ "$(find z -type f | wc -l)" = $(($(find posts -type f | wc -l) - 10)) ] ||
    fail "extract --posts wrote the wrong number of posts"

# No byte of them: each needle is in the original, decoded, and nowhere in
# the withheld bundle, raw or decoded.
decoded t.afmt
decoded w.afmt
needles=0
while IFS=$'\t' read -r id author piece; do
    for n in "$id" "$author" "$piece"; do
        grep -qaF -- "$n" t.afmt.frames || fail "needle '$n' not in the original"
        ! grep -qaF -- "$n" w.afmt.frames || fail "'$n' of a withheld post is in the output"
        ! grep -qaF -- "$n" w.afmt || fail "'$n' of a withheld post is in the file"
        needles=$((needles + 1))
    done
done < pick
[ "$needles" = 30 ] || fail "checked $needles needles"

# Again: one more post withheld from the withheld bundle, by the archiver.
expect 0 "$AFMT" withhold -s ar.key -o w2.afmt w.afmt "$KEPT"
expect 0 "$AFMT" verify -p ar.pub w2.afmt
grep -q ', 11 posts withheld by the archiver' out || fail "again: $(cat out)"
expect 3 "$AFMT" withhold -s ar.key -o w3.afmt w.afmt "${IDS[0]}"
grep -q 'already withheld, or never in the bundle' err || fail "again: $(cat err)"
[ ! -e w3.afmt ] || fail "w3.afmt written"
expect 3 "$AFMT" withhold -s ar.key -f -o w.afmt w.afmt "$KEPT"
expect 2 "$AFMT" withhold -s ar.key -o w4.afmt w.afmt

# A changed byte of the statement's signature (in its base64, 40 bytes
# before the withholder's key at the end of the signature section).
size=$(stat -c %s w.afmt)
cp w.afmt bad.afmt
printf 'A' | dd of=bad.afmt bs=1 seek=$((size - 32 - 32 - 40)) conv=notrunc status=none
cmp -s w.afmt bad.afmt && printf 'B' | dd of=bad.afmt bs=1 seek=$((size - 32 - 32 - 40)) \
    conv=notrunc status=none
expect 1 "$AFMT" verify -p ar.pub bad.afmt

# Go's golang.org/x/mod/sumdb/note (code afmt did not write) opens the
# archiver's checkpoint of the withheld bundle with the archiver's verifier
# key, and the withholding statement (its record's body less the key at its
# end, spec 13) with the withholder's; a changed byte of it is refused.
GOSRC=/usr/share/gocode
if command -v go > /dev/null && [ -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ]; then
    export GOPATH=$GOSRC GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        GOCACHE=$T/gocache GOTMPDIR=$T
    go build -o afmtcheck "$SRC/tests/go/afmtcheck.go" || fail "cannot build afmtcheck.go"
    expect 0 ./afmtcheck note "$("$AFMT" key vkey -p ar.pub)" w.cp.note
    python3 - w.afmt > stmt.note <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
io, isz, cs, ss = struct.unpack_from("<QQII", data, len(data) - 32)
sec = data[io + isz + cs:io + isz + cs + ss]
att = sec[246 + struct.unpack_from("<H", sec, 74)[0]:]
while att:
    kind, n = att[0], struct.unpack_from("<I", att, 1)[0]
    if kind == 3:
        sys.stdout.buffer.write(att[5:5 + n - 32])
    att = att[5 + n:]
PY
    [ -s stmt.note ] || fail "no withholding statement found"
    expect 0 ./afmtcheck note "$("$AFMT" key vkey -p wh.pub)" stmt.note
    [ "$(head -3 stmt.note)" = "$(head -3 w.cp)" ] || fail "the statement's head differs"
    head=$(python3 -c '
import hashlib, struct, sys
d = open(sys.argv[1], "rb").read()
io, isz = struct.unpack_from("<QQ", d, len(d) - 32)
rp, pc = struct.unpack_from("<Q", d, io + 40)[0], struct.unpack_from("<Q", d, io + 16)[0]
print(hashlib.sha256(d[io:io + 56 + 48 * (2 + rp + (pc + 4095) // 4096)]).hexdigest())' w.afmt)
    [ "$(sed -n 5p stmt.note)" = "index $head" ] || fail "statement index is not the index head"
    expect 1 ./afmtcheck note "$("$AFMT" key vkey -p ar.pub)" stmt.note
    sed 's/^index ./index x/' stmt.note > stmt.bad
    expect 1 ./afmtcheck note "$("$AFMT" key vkey -p wh.pub)" stmt.bad
else
    echo "withhold: Go checks skipped (needs golang-go and golang-golang-x-mod-dev)"
fi

# Proofs (issue 14 item 3): a kept post proven from the original and from
# the withheld bundle gives the same proof, and both check against the
# archiver's key; a proof made before withholding still checks.
KEPT=$("$AFMT" list --json w.afmt | python3 -c '
import json, sys
withheld = set(open("pick").read().split())
for line in sys.stdin:
    o = json.loads(line)
    if o.get("id") and not o.get("withheld") and o["id"] not in withheld:
        print(o["id"]); break')
[ -n "$KEPT" ] || fail "no kept post to prove"
expect 0 "$AFMT" prove -p ar.pub t.afmt "$KEPT" -o before.proof
expect 0 "$AFMT" prove -p ar.pub w.afmt "$KEPT" -o after.proof
cmp before.proof after.proof || fail "a kept post's proof differs after withholding"
cmp before.proof.post after.proof.post || fail "a kept post's bytes differ after withholding"
expect 0 "$AFMT" check -p ar.pub before.proof before.proof.post
grep -q "proven: post" out || fail "check said: $(cat out)"
# A withheld post cannot be proven from the withheld bundle.
expect 4 "$AFMT" prove -p ar.pub w.afmt "${IDS[0]}" -o gone.proof
[ ! -e gone.proof ] || fail "a proof of a withheld post was written"

echo "withhold: $(stat -c %s t.afmt) bytes, withheld $(stat -c %s w.afmt) bytes; $needles needles absent"
