#!/usr/bin/env bash
# afmt cosign and verify's cosigner policy (issue 15, spec 12.2): a corpus
# bundle signed by A, cosigned by B (in place) and C (to a new file), keeps
# every byte its signatures cover; verify trusts exactly the --cosigner keys
# and takes --require N of them (C2SP tlog-policy's k of n); any changed
# attestation byte fails the bundle; Go's note.Open, with a note.Verifier
# for c2sp tlog-cosignature (tests/go/cosig), accepts B's and C's lines of
# the exported note and refuses a changed byte; tlog still proves every leaf
# of a cosigned test vector against its note.
. "$(dirname "$0")/lib.bash"
CORPUS=${AFMT_CORPUS:-$SRC/../shared/corpus}
IN=$CORPUS/reddit_json/praw_IAmA_57dw9a_context-d8r4im1.json
[ -f "$IN" ] || { echo "cosign: skipped (no corpus at $CORPUS)"; exit 77; }
BYTES="python3 $SRC/tests/cli/attest_bytes.py"

for k in a b c d; do "$AFMT" keygen -W -s $k.key -p $k.pub > /dev/null; done
expect 0 "$AFMT" pack -s a.key -o s.afmt "$IN"
cp s.afmt orig.afmt

# B in place, C to a new file; the signer's bytes stay as they were.
expect 0 "$AFMT" cosign -s b.key -p a.pub s.afmt
$BYTES same orig.afmt s.afmt || fail "cosigning changed a byte the signatures cover"
expect 0 "$AFMT" cosign -s c.key -o bc.afmt --no-verify s.afmt
$BYTES same orig.afmt bc.afmt || fail "cosigning to -o changed a signed byte"
[ "$($BYTES records bc.afmt | wc -l)" = 2 ] || fail "expected two records"
# every byte of the first cosigned bundle is still in the second
cut=$(($(stat -c %s s.afmt) - 32))
cmp -n "$cut" s.afmt bc.afmt || fail "the second cosignature moved the first"

# Refused: the same key twice (3), an existing -o (3, file untouched), a
# signer that is not -p (1), a bad name (2), a damaged bundle (1).
expect 3 "$AFMT" cosign -s b.key bc.afmt
grep -q 'cosigned the bundle already' err || fail "no message for a second cosignature"
cp bc.afmt keep.afmt
expect 3 "$AFMT" cosign -s d.key -o keep.afmt s.afmt
cmp -s keep.afmt bc.afmt || fail "an existing -o file was changed"
expect 1 "$AFMT" cosign -s d.key -p b.pub -o x.afmt s.afmt
[ ! -e x.afmt ] || fail "cosigned a bundle from an untrusted signer"
expect 2 "$AFMT" cosign -s d.key --name 'has space' -o x.afmt s.afmt
[ ! -e x.afmt ] || fail "cosigned under an invalid name"
cp orig.afmt dam.afmt
printf '\xff' | dd of=dam.afmt bs=1 seek=100 conv=notrunc status=none
cp dam.afmt dam0.afmt
expect 1 "$AFMT" cosign -s d.key dam.afmt
grep -q 'not cosigned' err || fail "no message for a damaged bundle"
cmp -s dam.afmt dam0.afmt || fail "a refused cosign changed the bundle"
# --no-verify: the blocks are the verifier's business (the head still checked)
expect 0 "$AFMT" cosign -s d.key --no-verify --name example.org/witness -o dam2.afmt dam.afmt

# verify: B and C cosigned; policy 2 of {B, C, D} holds, 3 does not.
expect 0 "$AFMT" verify -p a.pub --cosigner b.pub --cosigner c.pub --cosigner d.pub \
    --require 2 bc.afmt
[ "$(grep -c 'trusted cosigner' out)" = 2 ] || fail "both cosigners should be trusted"
expect 1 "$AFMT" verify -p a.pub --cosigner b.pub --cosigner c.pub --cosigner d.pub \
    --require 3 bc.afmt
grep -q '3 of the 3 given cosigners must have cosigned; 2 did' err ||
    fail "no message for a quorum not met"
expect 2 "$AFMT" verify -p a.pub --cosigner b.pub --require 2 bc.afmt
expect 2 "$AFMT" verify -p a.pub --require 1 bc.afmt
# unknown cosigners: present, never trusted
expect 0 "$AFMT" verify -p a.pub bc.afmt
[ "$(grep -c 'not a given cosigner (trust not checked)' out)" = 2 ] ||
    fail "unknown cosigners must be reported unchecked"
expect 1 "$AFMT" verify -p a.pub --cosigner d.pub --require 1 bc.afmt
# --json carries it all
expect 0 "$AFMT" verify --json -p a.pub --cosigner b.pub --cosigner d.pub --require 1 bc.afmt
[ "$(jq -r '[.cosignatures[].trusted] | map(tostring) | join(",")' out)" = "true,false" ] ||
    fail "json: trusted flags $(cat out)"
[ "$(jq -r .cosigners_trusted out)" = 1 ] && [ "$(jq -r .cosigners_required out)" = 1 ] ||
    fail "json: counts"
kid_b=$(sed -n 2p b.pub | base64 -d | od -An -tx1 -j2 -N8 | tr -d ' \n' |
    python3 -c 'import sys; print(bytes.fromhex(sys.stdin.read())[::-1].hex().upper())')
[ "$(jq -r '.cosignatures[0].name' out)" = "afmt/$kid_b" ] || fail "json: cosigner name"
expect 1 "$AFMT" verify --json -p a.pub --cosigner d.pub --require 1 bc.afmt
[ "$(jq -r .ok out)" = false ] && [ "$(jq '.cosignatures | length' out)" = 2 ] ||
    fail "json failure: $(cat out)"

# Every attestation byte changed, one at a time: the bundle fails, naming it.
# Except the cosigner's name: tlog-cosignature v1 (Ed25519) does not sign
# it (C2SP: "doesn't commit to the cosigner name"), so a changed name that
# is still a key name verifies; it is shown as what it is, a claim, and
# changes no trust decision (trust is the key bytes).
"$AFMT" verify --json -p a.pub bc.afmt | jq -r '.cosignatures[].name' > orig.names
$BYTES flip bc.afmt x.afmt "$AFMT" verify -p a.pub x.afmt > flips
flips=0
names=0
while read -r kind at rc named; do
    # record head (5), then m, then the name: bytes 6 to 5 + m
    if [ "$kind" = 1 ] && [ "$at" -ge 6 ] && [ "$at" -le $((5 + 21)) ] && [ "$rc" = 0 ]; then
        names=$((names + 1))
        continue
    fi
    [ "$rc" = 1 ] && [ "$named" = named ] ||
        fail "byte $at of a kind $kind attestation changed: exit $rc, $named"
    flips=$((flips + 1))
done < flips
[ "$flips" -ge 200 ] || fail "only $flips bytes refused"
# a changed name: shown, trust unchanged
read -r _ off _ < <($BYTES records bc.afmt)
cp bc.afmt x.afmt
printf 'X' | dd of=x.afmt bs=1 seek=$((off + 10)) conv=notrunc status=none
expect 0 "$AFMT" verify --json -p a.pub --cosigner b.pub --cosigner c.pub --require 2 x.afmt
jq -r '.cosignatures[].name' out > x.names
! cmp -s x.names orig.names || fail "a changed name is not shown"
[ "$(jq -r .cosigners_trusted out)" = 2 ] || fail "a changed name changed trust"

# Go: note.Open with A's verifier key and B's and C's cosigner keys
# (type 0x04 vkeys, made here from the minisign key files).
GOSRC=/usr/share/gocode
if command -v go > /dev/null && [ -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ]; then
    export GOPATH=$GOSRC GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        GOCACHE=$T/gocache GOTMPDIR=$T
    go build -o cosigcheck "$SRC/tests/go/cosig/cosigcheck.go" || fail "cannot build cosigcheck"
    go build -o afmtcheck "$SRC/tests/go/afmtcheck.go" || fail "cannot build afmtcheck"
    vkey4() { # minisign public key file -> C2SP cosigner vkey (type 0x04)
        python3 - "$1" <<'PY'
import base64, hashlib, sys
raw = base64.b64decode(open(sys.argv[1]).read().splitlines()[1])
name = "afmt/" + raw[2:10][::-1].hex().upper()
key = b"\x04" + raw[10:42]
h = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
print(f"{name}+{h.hex()}+{base64.b64encode(key).decode()}")
PY
    }
    VA=$("$AFMT" key vkey -p a.pub)
    VB=$(vkey4 b.pub)
    VC=$(vkey4 c.pub)
    VD=$(vkey4 d.pub)
    expect 0 "$AFMT" checkpoint bc.afmt -o cp
    [ "$(grep -c '^— ' cp.note)" = 3 ] || fail "the note should carry three signature lines"
    expect 0 ./cosigcheck cp.note "$VA" "$VB" "$VC"
    [ "$(wc -l < out)" = 3 ] || fail "Go verified $(wc -l < out) signatures, not 3"
    [ "$(jq -r '.cosignatures[0].key_hash' <("$AFMT" verify --json -p a.pub bc.afmt))" = \
      "$(grep "^afmt/$kid_b " out | cut -d' ' -f2)" ] || fail "key hash differs from Go's"
    expect 0 ./cosigcheck cp.note "$VB"
    expect 1 ./cosigcheck cp.note "$VA" "$VD"
    # a changed byte in a cosignature line (its timestamp, its signature)
    lines=$(grep -n '^— ' cp.note | tail -2 | cut -d: -f1)
    for ln in $lines; do
        for col in 40 60 100; do
            awk -v l="$ln" -v c="$col" 'NR == l { ch = substr($0, c, 1);
                $0 = substr($0, 1, c - 1) (ch == "A" ? "B" : "A") substr($0, c + 1) } 1' \
                cp.note > x.note
            expect 1 ./cosigcheck x.note "$VA" "$VB" "$VC"
        done
    done
    # Proofs made before cosigning still check: the cosigned test vector's
    # note proves every leaf of its JSON (tlog.ProveRecord/CheckRecord).
    VEC=$SRC/spec/vectors
    cp "$VEC/valid/thread.afmt" v.afmt
    expect 0 "$AFMT" cosign -s b.key v.afmt
    $BYTES same "$VEC/valid/thread.afmt" v.afmt || fail "cosigning the vector changed signed bytes"
    expect 0 "$AFMT" checkpoint v.afmt -o vcp
    # shellcheck disable=SC2046
    expect 0 ./afmtcheck tree "$("$AFMT" key vkey -p "$VEC/test.pub")" vcp.note \
        $(jq -r '.entry_list[].leaf' "$VEC/valid/thread.json")
    go_checked="Go note.Open accepts A, B and C and refuses changed cosignature bytes"
else
    go_checked="Go checks skipped (needs golang-go and golang-golang-x-mod-dev)"
fi
echo "cosign: OK ($flips changed attestation bytes refused, $names changed name bytes" \
     "shown as a claim with trust unchanged; $go_checked)"
