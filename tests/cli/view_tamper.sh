#!/usr/bin/env bash
# A page of `afmt view` that was edited says so, and says where: headless
# Chromium loads copies of a page of examples/thread.ndjson with one
# character of a post changed (INVALID, naming that post, the post marked
# ALTERED and the nine others still matching), one bit of an entry record
# (the root fails), one character of the signed title (the signature
# fails); a withheld entry (spec 12.1: only its leaf kept) still verifies
# and shows as [withheld], and one whose leaf was changed does not; and a
# script added to the page does not run (its Content-Security-Policy).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/view_lib.bash"
EDIT="$SRC/tests/view/edit_page.py"

"$AFMT" keygen -W -s k.key -p k.pub
SOURCE_DATE_EPOCH=1767225600 "$AFMT" pack -s k.key -o th.afmt --title 'Sourdough' \
    "$SRC/examples/thread.ndjson"
expect 0 "$AFMT" view -p k.pub -o th.html th.afmt
page_valid th.html 10

# one character of post p07's text
[ "$(grep -c 'neighbour got a loaf' th.html)" = 1 ] || fail "the text to change is not once in the page"
sed 's/neighbour got a loaf/neighbour got a lobf/' th.html > text.html
cmp -s th.html text.html && fail "sed changed nothing"
page text.html
[ "$(q .state)" = invalid ] || fail "a changed post: badge '$(q .state)': $(q .text)"
has .text -qF 'INVALID: Post “p07” (entry 6): its bytes do not match the SHA-256 its signed entry gives' ||
    fail "the badge does not name the changed post: $(q .text)"
has .text -qF '9 of 10 posts match their signed hashes; signature valid; root matches' ||
    fail "the badge does not count the others: $(q .text)"
[ "$(q .marks.bad)" = 1 ] && [ "$(q .marks.ok)" = 9 ] || fail "marks: $(q -c .marks)"
[ "$(q '.marks.bad_ids[0]')" = "id p07" ] || fail "the post marked altered is $(q '.marks.bad_ids[0]')"
[ "$(q '.problems | length')" = 1 ] || fail "problems: $(q -c .problems)"

# one bit of an entry record (its salt): only the root can tell
python3 "$EDIT" th.html entry.html entry 3
page entry.html
[ "$(q .state)" = invalid ] || fail "a changed record: badge '$(q .state)'"
has .text -qF 'The entries do not give the signed Merkle root' || fail "changed record: $(q .text)"
has .text -qF '10 of 10 posts match their signed hashes; signature valid; root does NOT match' ||
    fail "changed record: $(q .text)"

# one character of the signed title
python3 "$EDIT" th.html note.html note
page note.html
[ "$(q .state)" = invalid ] || fail "a changed checkpoint: badge '$(q .state)'"
has .text -qF 'The checkpoint signature does not verify' || fail "changed checkpoint: $(q .text)"

# withheld (spec 12.1): entry 4 (p05) keeps only its leaf; its reply p06
# now answers a post that is not in the page
python3 "$EDIT" th.html withheld.html withhold 4
grep -q 'Whatever they wrote' withheld.html || fail "p06 is gone too"
page_valid withheld.html 9 --eval 'document.querySelector("main").innerText'
[ "$(q .marks.withheld)" = 1 ] || fail "no withheld mark: $(q -c .marks)"
has .eval -qF '[withheld] entry 4 (a post)' || fail "the withheld entry is not shown"
has .eval -qF 'reply to p05, not in this bundle' || fail "p06 does not say its parent is missing"
python3 "$EDIT" th.html badleaf.html badleaf 4
page badleaf.html
[ "$(q .state)" = invalid ] || fail "a withheld entry with a changed leaf: '$(q .state)'"
has .text -qF 'root does NOT match' || fail "changed withheld leaf: $(q .text)"

# a script added to the page (after the CSP meta tag, as a post's bytes
# would be if they ever reached the markup) is refused by the CSP, which
# allows only the page's own script, by its hash
sed 's|<main id="thread">|<script>window.__afmt_canary="injected"</script><main id="thread">|' \
    th.html > inject.html
grep -q '__afmt_canary="injected"' inject.html || fail "sed injected nothing"
page_valid inject.html 10
[ "$(q .canary)" = null ] || fail "an injected script ran: $(q .canary)"
has '.blocked[]' -q 'Content Security Policy' || fail "no CSP report for the injected script"
echo "view_tamper: ok"
