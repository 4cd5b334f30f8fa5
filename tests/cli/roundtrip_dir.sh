#!/usr/bin/env bash
# A directory packs, verifies, lists and extracts byte for byte: nested
# folders, empty, binary, CRLF, hidden, large (several blocks) and
# non-UTF-8 names; symbolic links are skipped with a warning.  list --json
# is parsed back (jq and python3) and every hash equals sha256sum of the
# file; cat gives each file's bytes.  Also examples/notes.
. "$(dirname "$0")/lib.bash"

# same_tree A B: the same regular files with the same bytes, nothing else
same_tree() {
    (cd "$1" && find . -type f | LC_ALL=C sort) > tree.a
    (cd "$2" && find . -type f | LC_ALL=C sort) > tree.b
    cmp -s tree.a tree.b || { diff tree.a tree.b >&2 || true; fail "$1 and $2 differ in files"; }
    while IFS= read -r f; do
        cmp -s "$1/$f" "$2/$f" || fail "$f differs"
    done < tree.a
    [ -z "$(cd "$2" && find . -type l)" ] || fail "$2 holds a symbolic link"
}

"$AFMT" keygen -W -s k.key -p k.pub

mkdir -p src/sub/deeper src/'with space' src/.dot
printf 'hello\n' > src/a.txt
: > src/empty
head -c 100000 /dev/urandom > src/binary.dat
printf 'line one\r\nline two\r\n' > src/crlf.txt
printf 'no newline at the end' > src/sub/deeper/x.md
printf '{"k": 1}\n' > src/sub/data.json
printf 'hidden\n' > src/.dot/.hidden
printf 'spaces\n' > 'src/with space/file name.txt'
printf 'latin-1 name\n' > "src/caf$(printf '\351').txt"
printf 'percent\n' > 'src/100%.txt'
python3 -c 'import sys; sys.stdout.write("".join("line %07d of a larger file\n" % i for i in range(40000)))' \
    > src/sub/large.txt
ln -s a.txt src/link-to-a
ln -s /etc/passwd src/sub/link-out
NFILES=$(find src -type f | wc -l)

expect 0 "$AFMT" pack -s k.key -o d.afmt --title 'a directory' src
[ ! -s out ] || fail "pack wrote to stdout"
grep -q 'link-to-a: warning: skipped symbolic link' err || fail "no warning for a symlink: $(cat err)"
grep -q 'link-out: warning: skipped symbolic link' err || fail "no warning for a symlink"

expect 0 "$AFMT" verify -p k.pub d.afmt
grep -q "^d.afmt: OK, $NFILES posts, $NFILES files, signed by " out || fail "verify line: $(cat out)"
[ "$(wc -l < out)" = 1 ] || fail "verify printed more than one line"

# extract: the tree again, byte for byte
expect 0 "$AFMT" extract -C x -p k.pub d.afmt
[ ! -s out ] || fail "extract wrote to stdout"
same_tree src x

# list --json: one object per post, exactly the keys, hashes as sha256sum
expect 0 "$AFMT" list --json -p k.pub d.afmt
[ ! -s err ] || fail "list with -p wrote to stderr: $(cat err)"
cp out list.json
[ "$(wc -l < list.json)" = "$NFILES" ] || fail "list --json: $(wc -l < list.json) lines for $NFILES files"
jq -e -s 'all(.[]; keys_unsorted == ["id","parent","author","created","title","type","size","hash"])' \
    list.json > /dev/null || fail "list --json keys"
jq -e -s 'all(.[]; .parent == null and .author == null and .created == null and .title == null)' \
    list.json > /dev/null || fail "directory posts have metadata"
[ "$(jq -r 'select(.id == "a.txt") | .hash' list.json)" = "$(sha256sum src/a.txt | cut -d' ' -f1)" ] ||
    fail "hash of a.txt is not sha256sum"
[ "$(jq -r 'select(.id == "a.txt") | .type' list.json)" = "text/plain; charset=utf-8" ] || fail "type of a.txt"
[ "$(jq -r 'select(.id == "binary.dat") | .type' list.json)" = "application/octet-stream" ] || fail "binary type"
[ "$(jq -r 'select(.id == "empty") | .size' list.json)" = 0 ] || fail "empty size"
python3 - list.json src <<'EOF'
import hashlib, json, os, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").splitlines()
root = sys.argv[2].encode()
ids = []
for line in lines:
    o = json.loads(line)
    # ids that are not UTF-8 come back through surrogateescape
    rel = o["id"].encode("utf-8", "surrogateescape")
    ids.append(rel)
    data = open(os.path.join(root, rel), "rb").read()
    assert o["size"] == len(data), (rel, o["size"], len(data))
    assert o["hash"] == hashlib.sha256(data).hexdigest(), rel
files = []
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        if not os.path.islink(p):
            files.append(os.path.relpath(p, root))
assert sorted(ids) == sorted(files), (sorted(ids), sorted(files))
assert ids == sorted(ids), "posts are not in byte order"
EOF

# cat: each file's bytes
for f in a.txt empty binary.dat crlf.txt sub/deeper/x.md 'with space/file name.txt' sub/large.txt; do
    "$AFMT" cat -p k.pub d.afmt "$f" > got 2> /dev/null
    cmp -s got "src/$f" || fail "cat $f"
done
"$AFMT" cat -p k.pub d.afmt "caf$(printf '\351').txt" > got
cmp -s got "src/caf$(printf '\351').txt" || fail "cat of a non-UTF-8 id"

# the text listing: posts, then the files
expect 0 "$AFMT" list d.afmt
grep -q 'not checked against a trusted key' err || fail "no warning about an unchecked signer"
grep -q '^Files:$' out || fail "list shows no Files section"
grep -q '^  sub/large.txt  ' out || fail "list does not show file sub/large.txt"
grep -qF 'caf\xE9.txt' out || fail "list does not escape an invalid byte: $(grep caf out)"

# extract --posts of a directory bundle: one file per post, names mapped
expect 0 "$AFMT" extract --posts -C p -p k.pub d.afmt
cmp -s p/a.txt src/a.txt || fail "--posts a.txt"
cmp -s p/sub%2Fdeeper%2Fx.md src/sub/deeper/x.md || fail "--posts sub/deeper/x.md"
cmp -s p/%2Edot%2F.hidden src/.dot/.hidden || fail "--posts .dot/.hidden"
cmp -s p/100%25.txt src/100%.txt || fail "--posts 100%.txt"
cmp -s "p/caf%E9.txt" "src/caf$(printf '\351').txt" || fail "--posts non-UTF-8 name"

# the project's example folder
expect 0 "$AFMT" pack -s k.key -o notes.afmt "$SRC/examples/notes"
expect 0 "$AFMT" extract -C notes -p k.pub notes.afmt
same_tree "$SRC/examples/notes" notes

# an output bundle inside a packed folder is refused, even with -f, however
# the folder is spelled (issue 12, item 1): nothing is written there
cp -r src self
mkdir -p self/deeper
for o in self/self.afmt self/deeper/x.afmt ./self/../self/y.afmt; do
    expect 3 "$AFMT" pack -f -s k.key -o "$o" self
    grep -q 'lies inside the input folder' err || fail "$o: $(cat err)"
done
ln -s self alias
expect 3 "$AFMT" pack -s k.key -o alias/z.afmt self
[ -z "$(find self -name '*.afmt*')" ] || fail "something was written inside the input folder"
echo "roundtrip_dir: OK"
