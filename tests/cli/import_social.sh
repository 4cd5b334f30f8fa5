#!/usr/bin/env bash
# Mastodon, Discourse, Stack Exchange and Usenet files through the command
# (AFMT_CORPUS): every corpus file of the four kinds packed with its format
# detected and with --format, verified, listed and extracted byte for byte;
# the ids and parents `list --json` shows are checked against
# tests/import_expect.py (Python's json, xml.etree and email packages).  The
# nntp folder is also packed as a spool (--format nntp DIRECTORY).  Skipped
# when the corpus is not there.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
C=${AFMT_CORPUS:-}
if [ -z "$C" ] || [ ! -d "$C/mastodon" ] || [ ! -d "$C/discourse" ] ||
   [ ! -d "$C/stackexchange" ] || [ ! -d "$C/nntp" ]; then
    echo "import_social: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$AFMT" keygen -W -s k.key -p k.pub > /dev/null

n=0
for fmt in mastodon discourse stackexchange nntp; do
    for f in "$C/$fmt"/*; do
        b=$(basename "$f")
        "$AFMT" pack -f -s k.key -o auto.afmt "$f" || fail "$b: pack (detected)"
        "$AFMT" pack -f --format "$fmt" -s k.key -o forced.afmt "$f" ||
            fail "$b: pack --format $fmt"
        for x in auto forced; do
            "$AFMT" verify -p k.pub "$x.afmt" > /dev/null || fail "$b: $x bundle does not verify"
        done
        "$AFMT" list --json -p k.pub auto.afmt > auto.json
        "$AFMT" list --json -p k.pub forced.afmt > forced.json
        cmp -s auto.json forced.json || fail "$b: detection and --format $fmt differ"
        rm -rf x
        "$AFMT" extract -C x -p k.pub auto.afmt
        cmp "$f" "x/$b" || fail "$b: does not round-trip"
        python3 "$HERE/import_expect.py" parents "$fmt" "$f" > want.tsv
        python3 - auto.json want.tsv <<'EOF' || fail "$b: ids or parents differ from Python's parse"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
assert len(got) == len(want), (len(got), len(want))
for o, (pid, parent) in zip(got, want):
    assert o["id"] == pid, (o["id"], pid)
    assert (o["parent"] or "-") == parent, (pid, o["parent"], parent)
EOF
        n=$((n + 1))
    done
done

# a spool: every file below the directory is an article
"$AFMT" pack -s k.key -o spool.afmt --format nntp "$C/nntp"
"$AFMT" verify -p k.pub spool.afmt > /dev/null || fail "spool does not verify"
"$AFMT" extract -C spool -p k.pub spool.afmt
diff -r "$C/nntp" spool > /dev/null || fail "the spool does not round-trip"
[ "$("$AFMT" list --json -p k.pub spool.afmt | wc -l)" = "$(ls "$C/nntp" | wc -l)" ] ||
    fail "spool post count"
echo "import_social: $n files and a spool packed, verified, listed and extracted"
