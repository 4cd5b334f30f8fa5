#!/usr/bin/env bash
# afmt checkpoint BUNDLE -o FILE writes FILE, FILE.minisig and FILE.note:
# FILE is a C2SP tlog-checkpoint with afmt's extension lines, which stock
# `minisign -Vm FILE -p PUBKEY` (with and without -H) accepts and rejects
# once FILE is altered or with another key; FILE.note is FILE, an empty line
# and the signer's note signature line (Go's note.Open: tests/cli/go_note.sh);
# `afmt key vkey` prints the verifier key; existing files are kept unless -f.
. "$(dirname "$0")/lib.bash"

"$AFMT" keygen -W -s k.key -p k.pub
"$AFMT" keygen -W -s other.key -p other.pub
SOURCE_DATE_EPOCH=1767225600 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' \
    "$SRC/examples/thread.ndjson"

expect 0 "$AFMT" checkpoint th.afmt -o cp
[ ! -s out ] || fail "checkpoint wrote to stdout"
[ -f cp ] && [ -f cp.minisig ] && [ -f cp.note ] || fail "cp, cp.minisig or cp.note missing"
[ "$(wc -l < cp)" = 7 ] || fail "a checkpoint is seven lines: $(cat cp)"
KEYID=$("$AFMT" verify --json -p k.pub th.afmt | jq -r .signer)
sed -n 1p cp | grep -Eqx "afmt/$KEYID/[0-9a-f]{32}" || fail "origin line: $(head -1 cp)"
[ "$(sed -n 2p cp)" = 11 ] || fail "tree size line"
sed -n 3p cp | grep -Eqx '[A-Za-z0-9+/]{43}=' || fail "root line"
[ "$(sed -n 4p cp)" = 'afmt-bundle 2' ] || fail "line 4: $(sed -n 4p cp)"
[ "$(sed -n 5p cp)" = 'title Sourdough' ] || fail "title line"
[ "$(sed -n 6p cp)" = 'created 1767225600' ] || fail "created line"
sed -n 7p cp | grep -Eqx 'index [0-9a-f]{64}' || fail "index line"
ROOT=$(sed -n 3p cp | base64 -d | od -An -tx1 -v | tr -d ' \n')
"$AFMT" verify --json -p k.pub th.afmt > v.json
[ "$(jq -r .root v.json)" = "$ROOT" ] || fail "checkpoint root differs from verify's"
[ "$(jq -r .origin v.json)" = "$(head -1 cp)" ] || fail "verify --json origin differs"
# the note: the checkpoint, an empty line, one signature line by afmt/KEYID
head -c "$(wc -c < cp)" cp.note | cmp -s - cp || fail "cp.note does not start with cp"
[ "$(sed -n 8p cp.note)" = '' ] || fail "no empty line after the note text"
sed -n 9p cp.note | grep -Eqx "— afmt/$KEYID [A-Za-z0-9+/]{91}=" || fail "signature line: $(sed -n 9p cp.note)"
[ "$(wc -l < cp.note)" = 9 ] || fail "cp.note has $(wc -l < cp.note) lines"
# the verifier key: name, C2SP key id, base64(0x01 || key); the key id is
# SHA-256(name || LF || 0x01 || key)[:4]
expect 0 "$AFMT" key vkey -p k.pub
VKEY=$(cat out)
printf '%s\n' "$VKEY" | grep -Eqx "afmt/$KEYID\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}" || fail "vkey: $VKEY"
keyb=$(printf '%s' "$(printf %s "$VKEY" | cut -d+ -f3-)" | base64 -d | od -An -tx1 -v | tr -d ' \n')
[ "${keyb:0:2}" = 01 ] || fail "vkey key type is not 0x01"
khash=$( { printf 'afmt/%s\n' "$KEYID"; printf '%s' "$(printf %s "$VKEY" | cut -d+ -f3-)" | base64 -d; } | sha256sum | cut -c1-8)
[ "$(printf '%s' "$VKEY" | cut -d+ -f2)" = "$khash" ] || fail "vkey key id is not SHA-256(name, LF, 0x01, key)[:4]"
expect 0 "$AFMT" key vkey -P "$(tail -1 k.pub)"
[ "$(cat out)" = "$VKEY" ] || fail "key vkey -P differs from -p"
expect 2 "$AFMT" key vkey
expect 2 "$AFMT" key nothing -p k.pub
expect 2 "$AFMT" key vkey -p k.pub -p k.pub

# stock minisign accepts the pair, with the key file or the base64 key
minisign -Vm cp -p k.pub > mout || fail "minisign rejects the checkpoint"
grep -q 'Signature and comment signature verified' mout || fail "minisign: $(cat mout)"
grep -q "Trusted comment: $(jq -r .trusted_comment v.json)" mout || fail "trusted comment differs"
minisign -Vm cp -P "$(tail -1 k.pub)" > /dev/null || fail "minisign -P rejects the checkpoint"
minisign -H -Vm cp -p k.pub > /dev/null || fail "minisign -H rejects the checkpoint"
# ... and rejects it with another key, or once altered
if minisign -Vm cp -p other.pub > /dev/null 2>&1; then fail "minisign accepts another key"; fi
sed 's/^title .*/title Something else/' cp > cp2
cp cp.minisig cp2.minisig
if minisign -Vm cp2 -p k.pub > /dev/null 2>&1; then fail "minisign accepts an altered checkpoint"; fi
# every single changed byte of the checkpoint makes stock minisign refuse it
size=$(wc -c < cp)
for ((i = 0; i < size; i++)); do
    cp cp cpx
    printf "$(printf '\\%03o' $(( ($(od -An -tu1 -j$i -N1 cp) ^ 1) )))" |
        dd of=cpx bs=1 seek=$i conv=notrunc status=none
    cp cp.minisig cpx.minisig
    if minisign -Vm cpx -p k.pub > /dev/null 2>&1; then fail "minisign accepts byte $i changed"; fi
done

# existing files are kept without -f
cp cp cp.orig
expect 3 "$AFMT" checkpoint th.afmt -o cp
grep -q 'exists' err || fail "no 'exists' message"
rm cp
expect 3 "$AFMT" checkpoint th.afmt -o cp
[ ! -e cp ] || fail "cp written although cp.minisig exists"
mv cp.minisig keep.minisig
expect 3 "$AFMT" checkpoint th.afmt -o cp
[ ! -e cp ] || fail "cp written although cp.note exists"
mv keep.minisig cp.minisig
expect 0 "$AFMT" checkpoint -f th.afmt -o cp
cmp -s cp cp.orig || fail "the checkpoint of one bundle changed"
minisign -Vm cp -p k.pub > /dev/null || fail "minisign after -f"
# options before the bundle, a directory bundle, a key made by minisign
expect 0 "$AFMT" checkpoint -o cp3 th.afmt
mkdir d && printf 'x\n' > d/f
minisign -G -W -s m.key -p m.pub > /dev/null
"$AFMT" pack -s m.key -o d.afmt d
expect 0 "$AFMT" checkpoint d.afmt -o dcp
minisign -Vm dcp -p m.pub > /dev/null || fail "minisign: checkpoint of a bundle signed with a minisign key"
[ -z "$(ls -a | grep afmt-tmp || true)" ] || fail "temporary file left behind"
echo "checkpoint: OK"
