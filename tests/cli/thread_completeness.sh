#!/usr/bin/env bash
# list and verify say when the source did not send a whole thread (Reddit
# "more" stubs), and how many posts it marked deleted; the counts agree
# with Python's reading of the same page.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
page="${AFMT_CORPUS:-}/reddit_json/rtv_IAmA_z1c9z.json"
if [ ! -f "$page" ]; then
    echo "thread_completeness: skipped: no $page (the corpus is absent)"
    exit 77
fi
"$AFMT" keygen -W -s k.key -p k.pub >/dev/null
"$AFMT" pack -s k.key -o r.afmt "$page"
json=$("$AFMT" verify --json -p k.pub r.afmt)
[ "$(jq -r .complete <<<"$json")" = false ]
# Independent count: the "count" of every `more` stub (this page lists no
# child of a stub elsewhere, so every announced reply is missing).
want=$(python3 - "$page" <<'PY'
import json, sys
missing = 0
def walk(node):
    global missing
    if isinstance(node, dict):
        if node.get("kind") == "more":
            missing += node["data"].get("count", 0)
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(json.load(open(sys.argv[1], "rb")))
print(missing)
PY
)
got=$(jq -r .missing_replies <<<"$json")
[ "$got" = "$want" ] || { echo "missing replies: got $got, python says $want"; exit 1; }
line=$("$AFMT" verify -p k.pub r.afmt)
grep -q "thread incomplete: $want replies not loaded" <<<"$line"
"$AFMT" list -p k.pub r.afmt | grep -q "^Thread incomplete: the source did not send $want replies"
# A complete thread says nothing of the kind.
"$AFMT" pack -s k.key -o t.afmt "$AFMT_SOURCE_ROOT/examples/thread.ndjson"
[ "$("$AFMT" verify --json -p k.pub t.afmt | jq -r '.complete, .deleted' | paste -sd' ')" = "true 1" ]
! "$AFMT" verify -p k.pub t.afmt | grep -q incomplete
echo "thread completeness reported: $want replies not loaded"
