#!/usr/bin/env bash
# Real data (AFMT_CORPUS, ../shared/corpus): the whole corpus packed as a
# directory and extracted byte for byte, and the Pushshift dump read as
# generic NDJSON (--format ndjson): every line a post, ids and authors as
# in the file, the file rebuilt byte for byte.  Skipped when the corpus is
# not there.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
C=${AFMT_CORPUS:-}
if [ -z "$C" ] || [ ! -d "$C" ]; then
    echo "corpus: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$AFMT" keygen -W -s k.key -p k.pub

"$AFMT" pack -s k.key -o corpus.afmt -l 1 "$C"
"$AFMT" verify -p k.pub corpus.afmt > /dev/null || fail "corpus bundle does not verify"
"$AFMT" extract -C x -p k.pub corpus.afmt
diff -r "$C" x > /dev/null || fail "the corpus does not round-trip"
N=$(find "$C" -type f | wc -l)
[ "$("$AFMT" list --json -p k.pub corpus.afmt | wc -l)" = "$N" ] || fail "post count"

PS="$C/pushshift_ndjson/RC_2005-12.ndjson"
if [ -f "$PS" ]; then
    "$AFMT" pack --format ndjson -s k.key -o ps.afmt "$PS"
    "$AFMT" extract -C ps -p k.pub ps.afmt
    cmp "$PS" ps/RC_2005-12.ndjson || fail "Pushshift NDJSON does not round-trip"
    "$AFMT" list --json -p k.pub ps.afmt > ps.json
    python3 - "$PS" ps.json <<'EOF'
import hashlib, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
if lines[-1] == b"":
    lines.pop()
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(got) == len(lines), (len(got), len(lines))
for line, o in zip(lines, got):
    s = json.loads(line)
    assert o["id"] == str(s["id"]) and o["author"] == s.get("author"), o
    assert o["hash"] == hashlib.sha256(line).hexdigest()
EOF
fi
echo "corpus: OK"
