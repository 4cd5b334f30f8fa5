#!/usr/bin/env bash
# Proofs of one post (issue 13, spec 16) on real data: every post of several
# corpus bundles (Reddit, Hacker News, mbox, Discourse, NNTP) and of the
# cosigned test vector is proven with `afmt prove --all`, and every proof
# checks with `afmt check`, with Go's sumdb/note + sumdb/tlog
# (tests/go/afmtproof.go) and with Python's hashlib + cryptography
# (spec/vectors/check_proof.py); the cosignature lines travel in the proof.
# Also: -o, a missing id, another key, usage errors, --json.
. "$(dirname "$0")/lib.bash"

C=${AFMT_CORPUS:-}
[ -n "$C" ] && [ -d "$C" ] || { echo "prove_check: skipped: no corpus"; exit 0; }
GOSRC=/usr/share/gocode
have_go=0
if command -v go > /dev/null && [ -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ]; then
    export GOPATH=$GOSRC GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        GOCACHE=$T/gocache GOTMPDIR=$T
    go build -o afmtproof "$SRC/tests/go/afmtproof.go" || fail "cannot build afmtproof.go"
    have_go=1
fi
python3 -c 'import cryptography' || fail "python3-cryptography is missing (make deps)"

"$AFMT" keygen -W -s k.key -p k.pub > /dev/null
"$AFMT" keygen -W -s o.key -p o.pub > /dev/null
VKEY=$("$AFMT" key vkey -p k.pub)

# check_all KEY.pub VKEY DIR: every proof of DIR, by all three.
check_all() {
    local pub=$1 vkey=$2 dir=$3 n=0 pairs=() p
    while IFS= read -r -d '' p; do
        expect 0 "$AFMT" check -p "$pub" "$p"
        grep -q "^$p: proven: post '.*' is entry [0-9]* of [0-9]* in a bundle signed by SHA256:" out ||
            fail "check output: $(head -1 out)"
        pairs+=("$p" "$p.post")
        n=$((n + 1))
    done < <(find "$dir" -name '*.tlog-proof' -print0)
    [ "$n" -gt 0 ] || fail "$dir: no proof"
    python3 "$SRC/spec/vectors/check_proof.py" "$pub" "${pairs[@]}" > py.out ||
        fail "$dir: Python refused: $(grep -m3 refused py.out)"
    [ "$(grep -c '^ok$' py.out)" = "$n" ] || fail "$dir: Python checked $(grep -c '^ok$' py.out) of $n"
    if [ $have_go = 1 ]; then
        ./afmtproof "$vkey" "${pairs[@]}" > go.out ||
            fail "$dir: Go refused: $(grep -m3 refused go.out)"
        [ "$(grep -c '^ok$' go.out)" = "$n" ] || fail "$dir: Go checked $(grep -c '^ok$' go.out) of $n"
    fi
    echo "$dir: $n proofs checked by afmt, Python$([ $have_go = 1 ] && echo ', Go')"
}

for src in reddit_json/rtv_IAmA_z1c9z.json mbox/perceval/pipermail_2016_march.mbox \
    hackernews/hn_whoishiring_40846428_2024-07_firebase-items.json \
    discourse/perceval_discourse_topic_1148.json nntp/perceval_nntp_1.txt; do
    b=$(basename "$src" | tr -c 'A-Za-z0-9_\n' _)
    "$AFMT" pack -s k.key -o "$b.afmt" "$C/$src"
    mkdir "$b.proofs"
    expect 0 "$AFMT" prove -p k.pub --all "$b.afmt" -C "$b.proofs"
    [ "$(wc -l < out)" = "$(find "$b.proofs" -name '*.tlog-proof' | wc -l)" ] ||
        fail "$b: printed names and written proofs differ"
    # one proof per post
    [ "$(wc -l < out)" = "$("$AFMT" verify --json -p k.pub "$b.afmt" | jq .posts)" ] ||
        fail "$b: $(wc -l < out) proofs"
    check_all k.pub "$VKEY" "$b.proofs"
done

# One post by id, -o: the .post is `afmt cat`'s bytes.
b=rtv_IAmA_z1c9z_json
id=$("$AFMT" list --json -p k.pub $b.afmt | jq -r .id | sed -n 5p)
expect 0 "$AFMT" prove -p k.pub $b.afmt "$id" -o one.tlog-proof
"$AFMT" cat -p k.pub $b.afmt "$id" > one.bytes
cmp one.bytes one.tlog-proof.post || fail "the .post is not the post's bytes"
expect 0 "$AFMT" check -p k.pub --json one.tlog-proof
[ "$(jq -r .id out)" = "$id" ] && [ "$(jq -r .ok out)" = true ] &&
    [ "$(jq -r .content_checked out)" = true ] || fail "check --json: $(cat out)"
[ "$(jq -r .root out)" = "$("$AFMT" verify --json -p k.pub $b.afmt | jq -r .root)" ] ||
    fail "check --json root"
cp one.tlog-proof.post elsewhere.bytes
expect 0 "$AFMT" check -P "$(tail -1 k.pub)" one.tlog-proof elsewhere.bytes
# existing files are never overwritten
expect 3 "$AFMT" prove -p k.pub $b.afmt "$id" -o one.tlog-proof
grep -q 'exists' err || fail "overwrite message: $(cat err)"
# another key: refused (1), as --json too
expect 1 "$AFMT" check -p o.pub one.tlog-proof
grep -q 'none of the trusted keys' err || fail "wrong key message: $(cat err)"
expect 1 "$AFMT" check -p o.pub --json one.tlog-proof
[ "$(jq -r .error out)" = wrong-key ] || fail "wrong key json: $(cat out)"
expect 1 "$AFMT" prove -p o.pub $b.afmt "$id" -o two.tlog-proof
[ ! -e two.tlog-proof ] || fail "a proof was written for an untrusted bundle"
# another post's bytes: refused
other=$("$AFMT" list --json -p k.pub $b.afmt | jq -r .id | sed -n 6p)
"$AFMT" cat -p k.pub $b.afmt "$other" > other.bytes
expect 1 "$AFMT" check -p k.pub one.tlog-proof other.bytes
grep -q 'post' err || fail "other post message: $(cat err)"
# a missing post file: exit 3
expect 3 "$AFMT" check -p k.pub one.tlog-proof no-such-file
# a missing id: exit 3, as `afmt cat`
expect 3 "$AFMT" prove -p k.pub $b.afmt no-such-id -o three.tlog-proof
# usage
expect 2 "$AFMT" check one.tlog-proof
expect 2 "$AFMT" prove $b.afmt
expect 2 "$AFMT" prove $b.afmt a b -o x
expect 2 "$AFMT" prove $b.afmt a -o x -C y
expect 2 "$AFMT" prove --all $b.afmt a
expect 2 "$AFMT" check -p k.pub --json --json one.tlog-proof
# a file that is not a proof, a huge one
printf 'hello\n' > notaproof
expect 1 "$AFMT" check -p k.pub notaproof one.bytes
head -c 200000 /dev/zero > huge
expect 1 "$AFMT" check -p k.pub huge one.bytes
grep -q 'larger than' err || fail "huge proof message: $(cat err)"

# The cosigned vector: its proofs carry every cosignature line verbatim.
V=$SRC/spec/vectors/valid/cosigned.afmt
if [ -f "$V" ]; then
    mkdir cos
    expect 0 "$AFMT" prove -p "$SRC/spec/vectors/test.pub" --all "$V" -C cos
    "$AFMT" checkpoint "$V" -o cos.cp > /dev/null 2>&1
    p=$(find cos -name '*.tlog-proof' | head -1)
    sigs=$(grep -c '^— ' cos.cp.note)
    [ "$sigs" -ge 3 ] || fail "the cosigned vector's note has $sigs signature lines"
    [ "$(grep -c '^— ' "$p")" = "$sigs" ] || fail "the proof does not carry every cosignature"
    tail -n "$((sigs + 1))" "$p" | cmp - <(tail -n "$((sigs + 1))" cos.cp.note) ||
        fail "the proof's signature lines differ from the note's"
    check_all "$SRC/spec/vectors/test.pub" "$("$AFMT" key vkey -p "$SRC/spec/vectors/test.pub")" cos
    expect 0 "$AFMT" check -p "$SRC/spec/vectors/test.pub" --json "$p"
    [ "$(jq -r .other_signatures out)" = $((sigs - 1)) ] || fail "other_signatures: $(cat out)"
fi
# The proof vectors (spec/vectors/proofs): made again byte for byte, checked by all three.
P=$SRC/spec/vectors/proofs
for v in thread:t1_c3:thread-t1_c3 cosigned:post-1:cosigned; do
    IFS=: read -r bundle id name <<< "$v"
    expect 0 "$AFMT" prove -p "$SRC/spec/vectors/test.pub" "$SRC/spec/vectors/valid/$bundle.afmt" \
        "$id" -o "$name.tlog-proof"
    cmp "$name.tlog-proof" "$P/$name.tlog-proof" || fail "$name: the proof vector changed"
    cmp "$name.tlog-proof.post" "$P/$name.tlog-proof.post" || fail "$name: the post changed"
    mkdir "vec-$name" && cp "$P/$name.tlog-proof" "$P/$name.tlog-proof.post" "vec-$name/"
    check_all "$SRC/spec/vectors/test.pub" "$("$AFMT" key vkey -p "$SRC/spec/vectors/test.pub")" \
        "vec-$name"
done
echo "prove_check: OK"
