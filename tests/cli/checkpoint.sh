#!/usr/bin/env bash
# afmt checkpoint BUNDLE -o FILE writes FILE and FILE.minisig, which stock
# `minisign -Vm FILE -p PUBKEY` accepts (and rejects once FILE is altered or
# with another key); existing files are kept unless -f.
. "$(dirname "$0")/lib.bash"

"$AFMT" keygen -W -s k.key -p k.pub
"$AFMT" keygen -W -s other.key -p other.pub
SOURCE_DATE_EPOCH=1767225600 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' \
    "$SRC/examples/thread.ndjson"

expect 0 "$AFMT" checkpoint th.afmt -o cp
[ ! -s out ] || fail "checkpoint wrote to stdout"
[ -f cp ] && [ -f cp.minisig ] || fail "cp or cp.minisig missing"
[ "$(wc -l < cp)" = 6 ] || fail "a checkpoint is six lines: $(cat cp)"
[ "$(head -1 cp)" = 'afmt checkpoint v1' ] || fail "first line: $(head -1 cp)"
grep -qx 'title Sourdough' cp || fail "title line"
grep -qx 'created 1767225600' cp || fail "created line"
grep -qx 'entries 11' cp || fail "entries line"
grep -Eqx 'root [0-9a-f]{64}' cp || fail "root line"
ROOT=$(sed -n 's/^root //p' cp)
"$AFMT" verify --json -p k.pub th.afmt > v.json
[ "$(jq -r .root v.json)" = "$ROOT" ] || fail "checkpoint root differs from verify's"

# stock minisign accepts the pair, with the key file or the base64 key
minisign -Vm cp -p k.pub > mout || fail "minisign rejects the checkpoint"
grep -q 'Signature and comment signature verified' mout || fail "minisign: $(cat mout)"
grep -q "Trusted comment: $(jq -r .trusted_comment v.json)" mout || fail "trusted comment differs"
minisign -Vm cp -P "$(tail -1 k.pub)" > /dev/null || fail "minisign -P rejects the checkpoint"
# ... and rejects it with another key, or once altered
if minisign -Vm cp -p other.pub > /dev/null 2>&1; then fail "minisign accepts another key"; fi
sed 's/^title .*/title Something else/' cp > cp2
cp cp.minisig cp2.minisig
if minisign -Vm cp2 -p k.pub > /dev/null 2>&1; then fail "minisign accepts an altered checkpoint"; fi

# existing files are kept without -f
cp cp cp.orig
expect 3 "$AFMT" checkpoint th.afmt -o cp
grep -q 'exists' err || fail "no 'exists' message"
rm cp
expect 3 "$AFMT" checkpoint th.afmt -o cp
[ ! -e cp ] || fail "cp written although cp.minisig exists"
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
