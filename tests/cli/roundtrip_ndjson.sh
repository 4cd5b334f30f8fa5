#!/usr/bin/env bash
# NDJSON: the example thread and a file of edge cases (CRLF, blank lines,
# a last line without newline, integer ids, NUL and escapes in ids, RFC 3339
# times with offsets) pack and extract byte for byte; list --json matches
# the input field by field (python3); cat gives each line; standard input
# is stored as stdin.ndjson; bad input fails naming the line, and a failed
# pack leaves no bundle (or the previous one intact).
. "$(dirname "$0")/lib.bash"

"$AFMT" keygen -W -s k.key -p k.pub

# check_list NDJSON LISTJSON: every non-blank line is a post, in order,
# with the fields the importer promises
check_list() {
    python3 - "$1" "$2" <<'EOF'
import datetime, hashlib, json, sys
src = open(sys.argv[1], "rb").read()
lines = src.split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
posts = [l for l in lines if l.strip(b" \t\r") != b""]
got = [json.loads(l) for l in open(sys.argv[2], "rb").read().decode().splitlines()]
assert len(got) == len(posts), (len(got), len(posts))
def rfc3339(v):
    if v is None:
        return None
    if isinstance(v, int):
        t = datetime.datetime.fromtimestamp(v, datetime.timezone.utc)
    else:
        t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
def text(v):
    return None if v is None else str(v)
for line, o in zip(posts, got):
    src_o = json.loads(line)
    assert list(o) == ["id", "parent", "author", "created", "title", "type", "size", "hash"], list(o)
    assert o["id"] == text(src_o["id"]), (o["id"], src_o["id"])
    parent = text(src_o.get("parent"))
    assert o["parent"] == (parent or None), (o["parent"], parent)
    assert o["author"] == src_o.get("author"), o
    assert o["created"] == rfc3339(src_o.get("created")), (o["created"], src_o.get("created"))
    assert o["title"] == src_o.get("title"), o
    assert o["type"] == "application/json", o
    assert o["size"] == len(line), (o["size"], len(line))
    assert o["hash"] == hashlib.sha256(line).hexdigest(), o
EOF
}

# --- the example thread
TH="$SRC/examples/thread.ndjson"
expect 0 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' "$TH"
expect 0 "$AFMT" verify -p k.pub th.afmt
grep -q '^th.afmt: OK, 10 posts (1 deleted at the source), 1 file, signed by ' out || fail "verify: $(cat out)"
expect 0 "$AFMT" extract -C x -p k.pub th.afmt
cmp "$TH" x/thread.ndjson || fail "example thread does not round-trip"
[ "$(ls x)" = thread.ndjson ] || fail "extract wrote more than the file: $(ls x)"
expect 0 "$AFMT" list --json -p k.pub th.afmt
cp out th.json
check_list "$TH" th.json
# sha256sum of an extracted post equals its hash
expect 0 "$AFMT" extract --posts -C posts -p k.pub th.afmt
for id in p01 p07 p09; do
    [ "$(sha256sum "posts/$id" | cut -d' ' -f1)" = "$(jq -r "select(.id == \"$id\") | .hash" th.json)" ] ||
        fail "sha256sum of post $id"
done
# cat: the line without its newline
for n in 1 5 7 10; do
    "$AFMT" cat -p k.pub th.afmt "$(printf 'p%02d' "$n")" > got
    sed -n "${n}p" "$TH" | head -c -1 > want
    cmp -s got want || fail "cat p$n"
done
# the tree: replies indented under their parents, the deleted post marked
expect 0 "$AFMT" list -p k.pub th.afmt
grep -q '^p01  by miriam_bakes  2025-06-14T08:40:00Z  "Keeping a sourdough' out || fail "root line: $(head -1 out)"
grep -q '^  p02  by jörg_k  2025-06-14T09:12:00Z' out || fail "reply line"
grep -q '^      p04  by jörg_k  2025-06-14T10:40:00Z' out || fail "offset time or depth"
grep -q '^  p05  by \[deleted\] .*\[deleted\]$' out || fail "deleted marker"

# --- edge cases
{
    printf '{"id":"a","created":0,"title":"first"}\r\n'
    printf '\n'
    printf '   \t\n'
    printf '{"id":2,"parent":"a","author":"bob","created":"1970-01-01T01:00:00+01:00"}\n'
    printf '{"id":"n\\u0000ul","parent":2,"created":"2000-02-29T12:00:00.75Z","body":"\\ud83d\\ude04"}\n'
    printf '{"id":"esc\\"q","parent":"","author":"","title":"","deleted":false}\n'
    printf '\r\n'
    printf '{"id":"neg","created":-86400,"author":"été"}\n'
    printf '{"id":"last","parent":null,"created":null,"deleted":true}'
} > edge.ndjson
expect 0 "$AFMT" pack -s k.key -o edge.afmt edge.ndjson
expect 0 "$AFMT" extract -C e -p k.pub edge.afmt
cmp edge.ndjson e/edge.ndjson || fail "edge cases do not round-trip"
expect 0 "$AFMT" list --json -p k.pub edge.afmt
cp out edge.json
python3 - edge.json <<'EOF'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
ids = [o["id"] for o in got]
assert ids == ["a", "2", "n\0ul", 'esc"q', "neg", "last"], ids
assert got[0]["created"] == "1970-01-01T00:00:00Z"
assert got[1]["created"] == "1970-01-01T00:00:00Z" and got[1]["parent"] == "a"
assert got[2]["parent"] == "2" and got[2]["created"] == "2000-02-29T12:00:00Z"
assert got[3]["parent"] is None and got[3]["author"] == "" and got[3]["title"] == ""
assert got[4]["created"] == "1969-12-31T00:00:00Z" and got[4]["author"] == "été"
EOF
# the CRLF line's post keeps its CR
"$AFMT" cat edge.afmt a 2> /dev/null | od -An -c | grep -q '\\r' || fail "CR dropped from the content"
expect 0 "$AFMT" list -p k.pub edge.afmt
grep -qF 'n\x00ul' out || fail "NUL in an id not escaped in the tree"
grep -q '^    last  (.*\[deleted\]' out && fail "last has no parent"
grep -q '^last  (.*  \[deleted\]$' out || fail "deleted flag from \"deleted\": true"

# --- many lines: the importer's batches of 1024 lines go round their ring
# several times, the bundle has two id pages and many record pages; cat
# finds posts on both id pages; an error late in the file names its line
python3 - <<'EOF2' > many.ndjson
for i in range(5000):
    if i % 997 == 0:
        print("")
    print('{"id":"m%05d","parent":%s,"body":"post number %d"}'
          % (i, '"m%05d"' % (i // 2) if i else "null", i))
EOF2
expect 0 "$AFMT" pack -s k.key -o many.afmt many.ndjson
expect 0 "$AFMT" verify -p k.pub many.afmt
grep -q 'OK, 5000 posts' out || fail "many: $(cat out)"
expect 0 "$AFMT" extract -C m -p k.pub many.afmt
cmp many.ndjson m/many.ndjson || fail "many lines do not round-trip"
for n in 0 1 1023 1024 3071 3072 4095 4096 4999; do
    id=$(printf 'm%05d' "$n")
    "$AFMT" cat -p k.pub many.afmt "$id" > got
    grep -F "\"id\":\"$id\"" many.ndjson | head -c -1 > want
    cmp -s got want || fail "cat $id"
done
expect 3 "$AFMT" cat -p k.pub many.afmt m05000
grep -q "no post with id .m05000." err || fail "cat of a missing id: $(cat err)"
{ head -n 4500 many.ndjson; printf '{"id":"m04000"}\n'; tail -n +4501 many.ndjson; } > late.ndjson
expect 3 "$AFMT" pack -s k.key -o late.afmt late.ndjson
grep -q 'line 4501: duplicate id "m04000"' err || fail "late error: $(cat err)"

# --- standard input: stored as stdin.ndjson, from a pipe and from a file
cat "$TH" | "$AFMT" pack -s k.key -o in.afmt - 2> err || fail "pack from a pipe: $(cat err)"
expect 0 "$AFMT" extract -C s -p k.pub in.afmt
cmp "$TH" s/stdin.ndjson || fail "stdin (pipe) round trip"
"$AFMT" pack -s k.key -o in2.afmt - < "$TH"
expect 0 "$AFMT" extract -C s2 -p k.pub in2.afmt
cmp "$TH" s2/stdin.ndjson || fail "stdin (file) round trip"
cat "$TH" | "$AFMT" pack --format ndjson -s k.key -o in3.afmt -
expect 0 "$AFMT" extract -C s3 -p k.pub in3.afmt
cmp "$TH" s3/stdin.ndjson || fail "stdin --format ndjson round trip"
# several inputs in one bundle
cp "$TH" copy.ndjson
sed 's/"id":"p/"id":"q/; s/"parent":"p/"parent":"q/' "$TH" > other.ndjson
expect 0 "$AFMT" pack -s k.key -o two.afmt "$TH" other.ndjson
expect 0 "$AFMT" extract -C two -p k.pub two.afmt
cmp "$TH" two/thread.ndjson && cmp other.ndjson two/other.ndjson || fail "two inputs"

# --- bad input: exit 3, the line named, no bundle left
bad() {  # bad NAME 'printf text' 'message regex'
    printf "$2" > "$1.ndjson"
    expect 3 "$AFMT" pack -s k.key --format ndjson -o "$1.afmt" "$1.ndjson"
    grep -Eq "$3" err || fail "$1: message $(cat err)"
    [ ! -e "$1.afmt" ] || fail "$1: a failed pack left a bundle"
}
bad utf8  '{"id":"1"}\n{"id":"2"}\n{"id":"\377"}\n' 'line 3.*UTF-8'
bad dup   '{"id":"1"}\n{"id":1}\n' 'line 2.*duplicate id'
bad json  '{"id":"1"\n' 'line 1'
bad dupkey '{"id":"1","id":"2"}\n' 'line 1'
bad array '[1,2]\n' 'line 1.*object'
bad noid  '{"body":"x"}\n' 'line 1.*"id"'
bad emptyid '{"id":""}\n' 'line 1.*"id"'
bad floatid '{"id":1.5}\n' 'line 1.*"id"'
bad time  '{"id":"1","created":"yesterday"}\n' 'line 1.*created'
bad time2 '{"id":"1","created":"2025-02-29T00:00:00Z"}\n' 'line 1.*created'
bad author '{"id":"1","author":5}\n' 'line 1.*author'
bad deleted '{"id":"1","deleted":"yes"}\n' 'line 1.*deleted'
# detection: a file that is not a known format
printf 'just some text\n' > plain.txt
expect 3 "$AFMT" pack -s k.key -o plain.afmt plain.txt
grep -q 'format' err || fail "undetectable input: $(cat err)"
# a failed pack leaves the previous bundle intact
cp th.afmt keep.afmt
expect 3 "$AFMT" pack -s k.key -o th.afmt --format ndjson utf8.ndjson
cmp -s th.afmt keep.afmt || fail "a failed pack changed the previous bundle"
ls -a | grep -q 'afmt-tmp' && fail "a temporary file was left behind"
echo "roundtrip_ndjson: OK"
