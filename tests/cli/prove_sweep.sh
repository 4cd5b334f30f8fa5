#!/usr/bin/env bash
# Every single changed byte of a proof of one post (spec 16), or of the
# post's bytes beside it, is refused by `afmt check` (exit 1), by Go's
# sumdb/note + sumdb/tlog (tests/go/afmtproof.go) and by Python's hashlib +
# cryptography (spec/vectors/check_proof.py): each byte in turn gets its
# lowest bit flipped, as the bundle sweep (test_sweep.c) does.
. "$(dirname "$0")/lib.bash"

python3 -c 'import cryptography' || fail "python3-cryptography is missing (make deps)"
have_go=0
if command -v go > /dev/null && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/note ]; then
    export GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        GOCACHE=$T/gocache GOTMPDIR=$T
    go build -o afmtproof "$SRC/tests/go/afmtproof.go" || fail "cannot build afmtproof.go"
    have_go=1
fi

"$AFMT" keygen -W -s k.key -p k.pub > /dev/null
SOURCE_DATE_EPOCH=1767225600 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' \
    "$SRC/examples/thread.ndjson"
expect 0 "$AFMT" prove -p k.pub th.afmt p03 -o p.tlog-proof
expect 0 "$AFMT" check -p k.pub p.tlog-proof
python3 "$SRC/spec/vectors/check_proof.py" k.pub p.tlog-proof p.tlog-proof.post > /dev/null ||
    fail "Python refuses the proof itself"
VKEY=$("$AFMT" key vkey -p k.pub)
[ $have_go = 0 ] || ./afmtproof "$VKEY" p.tlog-proof p.tlog-proof.post > /dev/null ||
    fail "Go refuses the proof itself"

# Every flipped copy: proof i with the true post, the true proof with post i.
mkdir f
python3 - p.tlog-proof p.tlog-proof.post f <<'PY'
import os, sys
proof, post, out = sys.argv[1:]
with open(proof, "rb") as f: P = f.read()
with open(post, "rb") as f: Q = f.read()
pairs = []
for name, data, other, which in (("proof", P, post, 0), ("post", Q, proof, 1)):
    for i in range(len(data)):
        b = bytearray(data); b[i] ^= 1
        path = os.path.join(out, "%s.%d" % (name, i))
        with open(path, "wb") as f: f.write(b)
        pairs.append((path, other) if which == 0 else (other, path))
with open(os.path.join(out, "pairs"), "w") as f:
    for a, b in pairs: f.write("%s %s\n" % (a, b))
PY
n=$(wc -l < f/pairs)
[ "$n" = $(( $(wc -c < p.tlog-proof) + $(wc -c < p.tlog-proof.post) )) ] || fail "pairs: $n"
args=()
while read -r proof post; do
    rc=0
    "$AFMT" check -p k.pub "$proof" "$post" > /dev/null 2>&1 || rc=$?
    [ "$rc" = 1 ] || fail "afmt check exits $rc for $proof $post"
    args+=("$proof" "$post")
done < f/pairs
python3 "$SRC/spec/vectors/check_proof.py" k.pub "${args[@]}" > py.out || true
[ "$(grep -c '^refused: ' py.out)" = "$n" ] ||
    fail "Python accepts: $(paste -d' ' f/pairs py.out | grep -m3 ' ok$')"
if [ $have_go = 1 ]; then
    ./afmtproof "$VKEY" "${args[@]}" > go.out || true
    [ "$(grep -c '^refused: ' go.out)" = "$n" ] ||
        fail "Go accepts: $(paste -d' ' f/pairs go.out | grep -m3 ' ok$')"
fi
echo "prove_sweep: $n changed bytes refused by afmt, Python$([ $have_go = 1 ] && echo ', Go')"
