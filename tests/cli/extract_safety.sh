#!/usr/bin/env bash
# extract never writes outside DIR: post ids '../x', '/etc/x', 'a/../../x',
# '..', '.', NUL, escapes and a 4000-byte id, extracted with --posts or by
# name, stay inside DIR under reversible names; long names are cut into
# folders that end with a bare '%', so ids of 240 and 241 'a's (one a
# prefix of the other) and of 600 bytes all extract; a symbolic link planted in
# DIR where the tree has a folder is refused, never followed; a symbolic
# link in a file's place is not followed (and replaced only with -f);
# existing files are kept unless -f; no temporary file is left behind.
. "$(dirname "$0")/lib.bash"

# snapshot: every path below the test folder except the extraction dirs,
# with type, size and content hash
snapshot() {
    find "$T" -path "$T/jail" -prune -o -path "$T/snap" -prune -o -path "$T/out" -prune \
        -o -path "$T/err" -prune -o -printf '%p %y %s\n' | LC_ALL=C sort
    find "$T" -path "$T/jail" -prune -o -path "$T/snap" -prune -o -type f ! -name out \
        ! -name err -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
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
        parts = rel.split("/")
        for part in parts:
            assert len(part.encode()) <= 240 and not part.startswith("."), part
        # folders made by cutting end with a bare '%', a file's name never does
        assert all(p.endswith("%") for p in parts[:-1]) and not parts[-1].endswith("%"), rel
        got.append(urllib.parse.unquote_to_bytes(rel.replace("%/", "")))
assert sorted(got) == want, (len(got), len(want))
EOF
# --- long ids: names are prefix-free.  An id of 240 'a's is one name; 241
# 'a's are cut into the folder 'a'x239 + '%' and the file 'aa': neither is
# in the way of the other, whatever the order.  481 'a's are cut twice, and
# a 600-byte id (1200 bytes once escaped) five times.
python3 - <<'EOF'
import json
ids = ["a" * 240, "a" * 241, "a" * 239, "a" * 480, "a" * 481,
       "x/" * 150 + "\u00e9" * 75 + "y" * 150]
assert len(ids[-1].encode()) == 600
for name, order in (("long", ids), ("long-rev", ids[::-1])):
    with open(name + ".ndjson", "w") as f:
        for id_ in order:
            f.write(json.dumps({"id": id_, "body": "post %d" % len(id_.encode())}) + "\n")
EOF
a239=$(printf 'a%.0s' $(seq 239))
for b in long long-rev; do
    "$AFMT" pack -s k.key -o $b.afmt $b.ndjson
    expect 0 "$AFMT" extract --posts -C jail/$b -p k.pub $b.afmt
    [ ! -s err ] || fail "extract --posts of long ids ($b): $(cat err)"
    # (an NDJSON post's content is its line)
    grep -q '"post 240"' "jail/$b/${a239}a" || fail "240 'a's not at its plain name ($b)"
    grep -q '"post 241"' "jail/$b/$a239%/aa" || fail "241 'a's not at $a239%/aa ($b)"
    grep -q '"post 239"' "jail/$b/$a239" || fail "239 'a's ($b)"
    "$AFMT" list --json -p k.pub $b.afmt > list.json
    # every name decodes to its id ("%/" dropped, then percent-decoded), and
    # each file holds that post
    python3 - jail/$b list.json <<'EOF'
import json, os, sys, urllib.parse
root = sys.argv[1]
want = {json.loads(l)["id"] for l in open(sys.argv[2], encoding="utf-8")}
got = {}
for d, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), root)
        parts = rel.split("/")
        assert all(0 < len(p.encode()) <= 240 for p in parts), rel
        assert all(p.endswith("%") for p in parts[:-1]) and not parts[-1].endswith("%"), rel
        id_ = urllib.parse.unquote_to_bytes(rel.replace("%/", "")).decode()
        got[id_] = open(os.path.join(d, f)).read()
assert set(got) == want, (sorted(map(len, got)), sorted(map(len, want)))
for id_, body in got.items():
    assert json.loads(body)["id"] == id_, (len(id_), body[:80])
assert any(rel.count("/") == 2 for rel in
           (os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs))
EOF
done
# by id, one at a time into the same folder: neither blocks the other
expect 0 "$AFMT" extract -C jail/long1 -p k.pub long.afmt "${a239}aa"
expect 0 "$AFMT" extract -C jail/long1 -p k.pub long.afmt "${a239}a"
expect 0 "$AFMT" extract -C jail/long1 -p k.pub long.afmt "$a239"
grep -q '"post 240"' "jail/long1/${a239}a" || fail "240 'a's by id"
grep -q '"post 241"' "jail/long1/$a239%/aa" || fail "241 'a's by id"
grep -q '"post 239"' "jail/long1/$a239" || fail "239 'a's by id"

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
