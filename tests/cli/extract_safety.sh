#!/usr/bin/env bash
# extract never writes outside DIR: post ids '../x', '/etc/x', 'a/../../x',
# '..', '.', NUL, escapes and a 4000-byte id, extracted with --posts or by
# name, stay inside DIR under reversible names; a symbolic link planted in
# DIR where the tree has a folder is refused, never followed; a symbolic
# link in a file's place is not followed (and replaced only with -f);
# existing files are kept unless -f; no temporary file is left behind.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {
    local want=$1 got=0
    shift
    "$@" >out 2>err || got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; head -c 2000 out >&2; echo "--- stderr" >&2; cat err >&2
        fail "expected exit $want, got $got: $*"
    fi
}
# snapshot: every path below the test folder except the extraction dirs,
# with type, size and content hash
snapshot() {
    find "$T" -path "$T/jail" -prune -o -path "$T/snap" -prune -o -path "$T/out" -prune \
        -o -path "$T/err" -prune -o -printf '%p %y %s\n' | LC_ALL=C sort
    find "$T" -path "$T/jail" -prune -o -path "$T/snap" -prune -o -type f ! -name out \
        ! -name err -print0 | LC_ALL=C sort -z | xargs -0 b2sum
}
mkdir snap

"$AFMT" keygen -W -s k.key -p k.pub

# --- hostile post ids
python3 - <<'EOF'
import json
ids = ["../x", "/etc/x", "a/../../x", "..", ".", "./x", ".hidden", "a/b", "%2E", "x%2Fy",
       "A", "a", "back\\slash", "nul\0byte", "\x1b[31mred", "sp ace", "~", "-dash", "é",
       "L" * 4000, ".." + "/.." * 1000]
with open("evil.ndjson", "w") as f:
    for i, id_ in enumerate(ids):
        f.write(json.dumps({"id": id_, "body": "post %d" % i}) + "\n")
EOF
"$AFMT" pack -s k.key -o evil.afmt evil.ndjson
mkdir jail
snapshot > snap/before
expect 0 "$AFMT" extract --posts -C jail/dir -p k.pub evil.afmt
snapshot > snap/after
cmp -s snap/before snap/after || { diff snap/before snap/after >&2 || true; fail "extract --posts changed something outside DIR"; }
[ ! -e "$T/x" ] && [ ! -e /etc/x ] && [ ! -e "$T/jail/x" ] || fail "a file escaped DIR"
[ -z "$(find jail -type l)" ] || fail "extract made a symbolic link"
# the documented names
for pair in '../x:%2E.%2Fx' '/etc/x:%2Fetc%2Fx' 'a/../../x:a%2F..%2F..%2Fx' '..:%2E.' '.:%2E' \
            '.hidden:%2Ehidden' '%2E:%252E' 'a/b:a%2Fb' 'sp ace:sp%20ace' 'é:%C3%A9'; do
    id=${pair%%:*} name=${pair#*:}
    [ -f "jail/dir/$name" ] || fail "id '$id' is not at '$name': $(ls jail/dir | head -30)"
    "$AFMT" cat -p k.pub evil.afmt "$id" | cmp -s - "jail/dir/$name" || fail "content of $name"
done
# every name decodes back to its id; every post was written once
"$AFMT" list --json -p k.pub evil.afmt > list.json
python3 - jail/dir list.json <<'EOF'
import json, os, sys, urllib.parse
root = sys.argv[1]
want = sorted(json.loads(l)["id"].encode("utf-8", "surrogateescape")
              for l in open(sys.argv[2], "rb").read().decode().splitlines())
got = []
# fwalk works through directory descriptors: the deepest name is longer
# than PATH_MAX, which extract handles one component at a time
for d, _, files, _ in os.fwalk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), root)
        for part in rel.split("/"):
            assert len(part.encode()) <= 255 and not part.startswith("."), part
        got.append(urllib.parse.unquote_to_bytes(rel.replace("/", "")))
assert sorted(got) == want, (len(got), len(want))
EOF
# by id: only the named posts (an id that is not there: nothing written)
expect 0 "$AFMT" extract -C jail/named -p k.pub evil.afmt ../x /etc/x
[ "$(ls -A jail/named | LC_ALL=C sort | tr '\n' ' ')" = '%2E.%2Fx %2Fetc%2Fx ' ] ||
    fail "extract by id wrote: $(ls -A jail/named)"
expect 3 "$AFMT" extract -C jail/none -p k.pub evil.afmt ../x no-such-id
grep -q "no post with id 'no-such-id'" err || fail "missing id message: $(cat err)"
[ -z "$(ls -A jail/none 2> /dev/null)" ] || fail "extract with a missing id wrote files"
# existing files: kept without -f, replaced with -f
echo mine > 'jail/named/%2E.%2Fx'
expect 3 "$AFMT" extract -C jail/named -p k.pub evil.afmt ../x
grep -q 'exists' err || fail "no 'exists' message"
[ "$(cat 'jail/named/%2E.%2Fx')" = mine ] || fail "existing file overwritten without -f"
expect 0 "$AFMT" extract -f -C jail/named -p k.pub evil.afmt ../x
[ "$(cat 'jail/named/%2E.%2Fx')" != mine ] || fail "-f did not replace the file"

# --- a symbolic link planted where the tree has a folder
mkdir -p tree/sub/deeper outside
printf 'top\n' > tree/top.txt
printf 'below\n' > tree/sub/file.txt
printf 'deep\n' > tree/sub/deeper/file.txt
"$AFMT" pack -s k.key -o tree.afmt tree
mkdir -p jail/t1
ln -s ../../outside jail/t1/sub
snapshot > snap/before
expect 3 "$AFMT" extract -C jail/t1 -p k.pub tree.afmt
snapshot > snap/after
cmp -s snap/before snap/after || { diff snap/before snap/after >&2 || true; fail "extract followed a planted symlink"; }
[ -z "$(ls -A outside)" ] || fail "a file was written through the symlink"
grep -q 'symbolic link' err || fail "no message about the symbolic link: $(cat err)"
[ "$(cat jail/t1/top.txt)" = top ] || fail "the file outside the link was not extracted"
[ -L jail/t1/sub ] || fail "the planted link was replaced"
expect 3 "$AFMT" extract -f -C jail/t1 -p k.pub tree.afmt
[ -z "$(ls -A outside)" ] || fail "-f wrote through the symlink"
# a link planted deeper, to an absolute path
mkdir -p jail/t2/sub
ln -s "$T/outside" jail/t2/sub/deeper
expect 3 "$AFMT" extract -C jail/t2 -p k.pub tree.afmt
[ -z "$(ls -A outside)" ] || fail "a file was written through the deeper symlink"
[ "$(cat jail/t2/sub/file.txt)" = below ] || fail "sub/file.txt not extracted"
# a symbolic link in a file's place: not followed; replaced (not followed) with -f
printf 'victim\n' > victim
mkdir -p jail/t3
ln -s ../../victim jail/t3/top.txt
expect 3 "$AFMT" extract -C jail/t3 -p k.pub tree.afmt
[ "$(cat victim)" = victim ] || fail "extract wrote through a symlink in a file's place"
expect 0 "$AFMT" extract -f -C jail/t3 -p k.pub tree.afmt
[ "$(cat victim)" = victim ] || fail "extract -f wrote through a symlink in a file's place"
[ ! -L jail/t3/top.txt ] && [ "$(cat jail/t3/top.txt)" = top ] || fail "-f did not replace the link"
# DIR itself may be given through a link (the user's choice), and is made if missing
ln -s jail/t4 t4link
mkdir jail/t4
expect 0 "$AFMT" extract -C t4link -p k.pub tree.afmt
[ "$(cat jail/t4/sub/deeper/file.txt)" = deep ] || fail "extract through -C link"
[ -z "$(find "$T" -name '.afmt-tmp-*')" ] || fail "temporary files left: $(find "$T" -name '.afmt-tmp-*')"
echo "extract_safety: OK"
