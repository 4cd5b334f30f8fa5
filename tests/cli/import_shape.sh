#!/usr/bin/env bash
# --format X on input that is not X (issue 19, item 2): refused with exit 3,
# a message that names the file and what is wrong, and no bundle, instead
# of an empty or wrong bundle and exit 0.  Also: every corpus file given
# every other format either is refused or packs (never exit 0 with no post
# from a file that has some under its own format).  Skipped when the corpus
# is not there.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
C=${AFMT_CORPUS:-}
if [ -z "$C" ] || [ ! -d "$C/reddit_json" ] || [ ! -d "$C/discourse" ]; then
    echo "import_shape: skipped: no corpus at ${C:-(AFMT_CORPUS unset)}"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
"$AFMT" keygen -W -s k.key -p k.pub > /dev/null

# refuse FORMAT FILE PATTERN: exit 3, PATTERN in the message, no bundle
refuse() {
    rm -f out.afmt
    set +e
    "$AFMT" pack -s k.key -o out.afmt --format "$1" "$2" 2> err
    local rc=$?
    set -e
    [ "$rc" -eq 3 ] || fail "--format $1 $(basename "$2"): exit $rc, want 3 ($(cat err))"
    grep -q -- "$3" err || fail "--format $1 $(basename "$2"): message: $(cat err)"
    grep -q -- "$(basename "$2")" err || fail "--format $1: the message does not name the file"
    [ ! -e out.afmt ] || fail "--format $1 $(basename "$2"): a bundle was written"
}

REDDIT=$C/reddit_json/rtv_Python_2xmo63.json
TOPIC=$C/discourse/perceval_discourse_topic_1148.json
# a Reddit page (a JSON array of Listings) as mbox and as mastodon: were exit 0
refuse mbox "$REDDIT" "not an mbox: no message"
refuse mastodon "$REDDIT" "no Mastodon status"
# the same compressed, as mbox: "after decompression"
gzip -c "$REDDIT" > page.gz
refuse mbox page.gz "after decompression"
# a Discourse topic as hn: was one "item" (its id and title), the posts lost
refuse hn "$TOPIC" "holds no Hacker News item"
# an Algolia-style item tree as hn: was one item without author, time or replies
cat > algolia.json <<'EOF'
{"id":1,"created_at":"2006-10-09T18:21:51.000Z","created_at_i":1160418111,"type":"story",
 "author":"pg","title":"Y","url":"http://x","text":null,"points":57,"parent_id":null,
 "story_id":1,"children":[{"id":15,"created_at_i":1160423461,"type":"comment",
 "author":"sama","text":"hi","parent_id":1,"story_id":1,"children":[]}]}
EOF
refuse hn algolia.json "an Algolia Hacker News item"
# an Algolia search answer (hits with string objectIDs): no item at all
printf '{"hits":[{"objectID":"15","author":"sama","created_at_i":1160423461}]}\n' > hits.json
refuse hn hits.json "Hacker News item"

# every corpus file under every format: refused, or packed with posts
for f in "$C"/*/*; do
    [ -f "$f" ] || continue
    for fmt in ndjson reddit pushshift hn mbox mastodon discourse stackexchange nntp; do
        if "$AFMT" pack -f -s k.key -o any.afmt --format "$fmt" "$f" 2> /dev/null; then
            n=$("$AFMT" list --json -p k.pub any.afmt | grep -c '"id"' || true)
            [ "$n" -gt 0 ] || fail "--format $fmt $(basename "$f"): exit 0 with no post"
        fi
    done
done
echo "import_shape: OK"
