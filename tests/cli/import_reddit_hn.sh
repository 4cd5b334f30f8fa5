#!/usr/bin/env bash
# Reddit and Hacker News files through the command (AFMT_CORPUS): each one
# packed with its format detected and with --format, verified, listed and
# extracted byte for byte; the posts `list --json` shows (ids, parents,
# authors, content hashes) are checked against tests/import_expect.py,
# which reads the same file with Python's json module.  The library-level
# tests (tests/test_import_reddit.c, tests/test_import_hn.c) check every
# field and hard case; this one checks that the command wires them up.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
C=${AFMT_CORPUS:-}
if [ -z "$C" ] || [ ! -d "$C/reddit_json" ] || [ ! -d "$C/hackernews" ]; then
    echo "import_reddit_hn: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$AFMT" keygen -W -s k.key -p k.pub > /dev/null

n=0
for f in "$C"/reddit_json/* "$C"/hackernews/*; do
    case "$f" in
    */hackernews/*) fmt=hn ;;
    *) fmt=reddit ;;
    esac
    b=$(basename "$f")
    "$AFMT" pack -f -s k.key -o auto.afmt "$f" || fail "$b: pack (detected)"
    "$AFMT" pack -f --format "$fmt" -s k.key -o forced.afmt "$f" || fail "$b: pack --format $fmt"
    for x in auto forced; do
        "$AFMT" verify -p k.pub "$x.afmt" > /dev/null || fail "$b: $x bundle does not verify"
    done
    # the same posts either way
    "$AFMT" list --json -p k.pub auto.afmt > auto.json
    "$AFMT" list --json -p k.pub forced.afmt > forced.json
    cmp -s auto.json forced.json || fail "$b: detection and --format $fmt differ"
    rm -rf x
    "$AFMT" extract -C x -p k.pub auto.afmt
    cmp "$f" "x/$b" || fail "$b: does not round-trip"
    python3 - "$HERE/import_expect.py" "$fmt" "$f" auto.json "$AFMT" <<'EOF' || fail "$b: posts differ"
import copy, hashlib, importlib.util, json, subprocess, sys
spec = importlib.util.spec_from_file_location("ie", sys.argv[1])
ie = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ie)
raw = open(sys.argv[3], "rb").read()
posts = ie.reddit_posts(raw) if sys.argv[2] == "reddit" else ie.hn_posts(raw)
got = [json.loads(l) for l in open(sys.argv[4], encoding="utf-8")]
assert len(got) == len(posts), (len(got), len(posts))
byid = {o["id"]: o for o in got}
assert len(byid) == len(got)
for p in posts:
    o = byid[p.id]
    assert o["parent"] == p.parent, (p.id, o["parent"], p.parent)
    assert o["author"] == p.author, (p.id, o["author"], p.author)
    assert o["type"] == "application/json"
# a few posts through `afmt cat`: the bytes match the hash and the record
for p in posts[:3] + posts[-3:]:
    out = subprocess.run([sys.argv[5], "cat", "auto.afmt", p.id], check=True,
                         capture_output=True).stdout
    assert hashlib.sha256(out).hexdigest() == byid[p.id]["hash"]
    want = copy.deepcopy(p.obj)
    if p.cut_key is not None:
        del (want["data"] if sys.argv[2] == "reddit" else want)[p.cut_key[1]]
    else:
        assert out in raw
    assert json.loads(out) == want, p.id
EOF
    n=$((n + 1))
done
[ "$n" -ge 17 ] || fail "only $n files"

# a page and its morechildren answers in one bundle: both files come back
"$AFMT" pack -s k.key -o two.afmt "$C/reddit_json/praw_announcements_n49rw.json" \
    "$C/reddit_json/praw_announcements_n49rw_morechildren.ndjson"
"$AFMT" verify -p k.pub two.afmt > /dev/null || fail "two files: verify"
rm -rf x2
"$AFMT" extract -C x2 -p k.pub two.afmt
cmp "$C/reddit_json/praw_announcements_n49rw.json" x2/praw_announcements_n49rw.json || fail "page"
cmp "$C/reddit_json/praw_announcements_n49rw_morechildren.ndjson" \
    x2/praw_announcements_n49rw_morechildren.ndjson || fail "answers"
[ "$("$AFMT" list --json -p k.pub two.afmt | wc -l)" = $((486 + 940)) ] || fail "two files: posts"

echo "import_reddit_hn: OK ($n files)"
