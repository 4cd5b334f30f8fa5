#!/usr/bin/env bash
# Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
# golang-golang-x-mod-dev), code afmt did not write, accept what afmt
# writes: `afmt checkpoint -o CP` gives CP.note, which note.Open accepts with
# the verifier key of `afmt key vkey`, on several bundles; every changed
# byte of the note, or another key, makes it refuse.  On the test vectors
# the tree over the leaves of valid/*.json has the note's root by
# tlog.TreeHash, every leaf checks by tlog.ProveRecord/CheckRecord and every
# prefix by tlog.ProveTree/CheckTree, and the proofs afmt itself makes
# (tests/go/proofs.c) pass tlog.CheckRecord/CheckTree.  The Go program is tests/go/afmtcheck.go,
# built offline against /usr/share/gocode (GOPATH mode, no module download).
. "$(dirname "$0")/lib.bash"

GOSRC=/usr/share/gocode
if ! command -v go > /dev/null || [ ! -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ]; then
    echo "go_note: skipped (needs golang-go and golang-golang-x-mod-dev)"
    exit 0
fi
export GOPATH=$GOSRC GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
    GOCACHE=$T/gocache GOTMPDIR=$T
go build -o afmtcheck "$SRC/tests/go/afmtcheck.go" || fail "cannot build tests/go/afmtcheck.go"

"$AFMT" keygen -W -s k.key -p k.pub
"$AFMT" keygen -W -s o.key -p o.pub
VKEY=$("$AFMT" key vkey -p k.pub)
OVKEY=$("$AFMT" key vkey -p o.pub)
mkdir d e && printf 'x\n' > d/f && printf 'y\n' > d/g
SOURCE_DATE_EPOCH=1767225600 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' \
    "$SRC/examples/thread.ndjson"
"$AFMT" pack -s k.key -o notes.afmt "$SRC/examples/notes"
"$AFMT" pack -s k.key -o d.afmt d
"$AFMT" pack -s k.key -o e.afmt --title 'nothing at all' e

n=0
padding=0
for b in th notes d e; do
    expect 0 "$AFMT" checkpoint "$b.afmt" -o "$b.cp"
    expect 0 ./afmtcheck note "$VKEY" "$b.cp.note"
    read -r origin size root < out
    [ "$origin" = "$(head -1 "$b.cp")" ] || fail "$b: Go read origin $origin"
    [ "$root" = "$("$AFMT" verify --json -p k.pub "$b.afmt" | jq -r .root)" ] ||
        fail "$b: Go read root $root"
    [ "$size" = "$(sed -n 2p "$b.cp")" ] || fail "$b: Go read size $size"
    # another key: refused
    expect 1 ./afmtcheck note "$OVKEY" "$b.cp.note"
    # every byte changed (one bit), one at a time: refused
    len=$(wc -c < "$b.cp.note")
    for ((i = 0; i < len; i++)); do
        cp "$b.cp.note" x.note
        printf "$(printf '\\%03o' $(( $(od -An -tu1 -j$i -N1 "$b.cp.note") ^ 1 )))" |
            dd of=x.note bs=1 seek=$i conv=notrunc status=none
        rc=0
        ./afmtcheck note "$VKEY" x.note > /dev/null 2>&1 || rc=$?
        if [ "$rc" = 0 ]; then
            # Go's base64 ignores the unused bits of the last character, so
            # that character has two spellings of one signature: accepted
            # only when the signature bytes are the same.
            sig() { tail -1 "$1" | cut -d' ' -f3 | base64 -d 2>/dev/null | od -An -tx1 -v; }
            [ "$(sig x.note)" = "$(sig "$b.cp.note")" ] ||
                fail "$b: note.Open accepts byte $i changed"
            padding=$((padding + 1))
            continue
        fi
        [ "$rc" = 1 ] || fail "$b: note.Open: exit $rc with byte $i changed"
    done
    # cut short, or a byte more: refused
    head -c $((len - 1)) "$b.cp.note" > x.note
    expect 1 ./afmtcheck note "$VKEY" x.note
    { cat "$b.cp.note"; printf 'x'; } > x.note
    expect 1 ./afmtcheck note "$VKEY" x.note
    n=$((n + 1))
done

# The test vectors: the note, the tree and every proof, by tlog.
VEC=$SRC/spec/vectors
TVKEY=$("$AFMT" key vkey -p "$VEC/test.pub")
for j in "$VEC"/valid/*.json; do
    b=${j%.json}.afmt
    name=$(basename "$b" .afmt)
    expect 0 "$AFMT" checkpoint "$b" -o "v-$name.cp"
    [ "$(jq -r .signer_vkey "$j")" = "$TVKEY" ] || fail "$name: the JSON's vkey differs"
    # shellcheck disable=SC2046
    expect 0 ./afmtcheck tree "$TVKEY" "v-$name.cp.note" $(jq -r '.entry_list[].leaf' "$j")
    [ "$(cut -d' ' -f3 out)" = "$(jq -r .root "$j")" ] || fail "$name: root differs"
    n=$((n + 1))
done
# afmt's own proofs (format/merkle.c, through tests/go/proofs.c) checked by
# tlog.CheckRecord and tlog.CheckTree: every entry of `thread` and `files`,
# every prefix (the old root by RFC 9162 2.1.1 in Python); a changed proof
# hash is refused.
build=$(dirname "$AFMT")
san=""
if grep -q '^AFMT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    san="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046,SC2086
cc -std=c11 -D_GNU_SOURCE $san -I"$SRC/include" -I"$SRC/libarchive_fmt" -o proofs \
    "$SRC/tests/go/proofs.c" "$build/libarchive_fmt.a" \
    $(pkg-config --libs libsodium libzstd libcrypto) -lpthread -lm || fail "cannot build proofs.c"
proofs_checked=0
for name in thread files; do
    j=$VEC/valid/$name.json
    mapfile -t L < <(jq -r '.entry_list[].leaf' "$j")
    nl=${#L[@]}
    for ((i = 0; i < nl; i++)); do
        mapfile -t P < <(./proofs inclusion "$i" "${L[@]}")
        expect 0 ./afmtcheck record "$TVKEY" "v-$name.cp.note" "$i" "${L[$i]}" "${P[@]}"
        proofs_checked=$((proofs_checked + 1))
        if [ "${#P[@]}" -gt 0 ]; then
            Q=("${P[@]}")
            Q[0]=$(printf '%s' "${Q[0]}" | awk '{ c = substr($0, 64, 1); print substr($0, 1, 63) (c == "0" ? "1" : "0") }')
            expect 1 ./afmtcheck record "$TVKEY" "v-$name.cp.note" "$i" "${L[$i]}" "${Q[@]}"
        fi
    done
    for ((m = 1; m < nl; m++)); do
        mapfile -t P < <(./proofs consistency "$m" "${L[@]}")
        old=$(./afmtcheck tree "$TVKEY" "v-$name.cp.note" "${L[@]}" > /dev/null && \
              python3 -c 'import hashlib,sys
def mth(l):
    if len(l) == 1: return l[0]
    k = 1
    while k * 2 < len(l): k *= 2
    return hashlib.sha256(b"\x01" + mth(l[:k]) + mth(l[k:])).digest()
print(mth([bytes.fromhex(x) for x in sys.argv[2:2 + int(sys.argv[1])]]).hex())' "$m" "${L[@]}")
        expect 0 ./afmtcheck tree-proof "$TVKEY" "v-$name.cp.note" "$m" "$old" "${P[@]}"
        proofs_checked=$((proofs_checked + 1))
    done
done

# A changed leaf: the tree's root is no longer the note's.
leaves=$(jq -r '.entry_list[].leaf' "$VEC/valid/thread.json" |
    awk 'NR == 3 { c = substr($0, 1, 1); $0 = (c == "0" ? "1" : "0") substr($0, 2) } 1')
# shellcheck disable=SC2086
expect 1 ./afmtcheck tree "$TVKEY" v-thread.cp.note $leaves
echo "go_note: OK ($n bundles: note.Open, tlog.TreeHash, CheckRecord, CheckTree;" \
     "$proofs_checked proofs made by afmt accepted by tlog;" \
     "$padding changed bytes gave the same signature in another base64 spelling)"
