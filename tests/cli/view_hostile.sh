#!/usr/bin/env bash
# Hostile posts stay inert in a page of `afmt view`.  tests/view/hostile.py
# writes Hacker News items whose HTML bodies try <script>, <img onerror>,
# javascript: and data: links, iframes, SVG, <style>, style attributes,
# <link>, <meta refresh>, <base>, forms, mutation-XSS nesting, a </script>
# breakout and remote loads from a listener on 127.0.0.1 (tests/view/
# listener.py); NDJSON posts with the same as plain text, NUL, CR and bidi
# and zero-width characters in bodies and names; and a mail whose HTML part
# does the same (and two replies in Latin-1 and GB2312, quoted-printable
# and base64, which must show decoded).  In headless Chromium each page verifies, no payload runs
# (window.__afmt_canary stays unset, the title unchanged), the page makes
# no request but for itself (DevTools network events) and the listener
# sees none, and the DOM holds no script but the page's own two, no
# element with an on* or style attribute, no img, iframe, object, embed,
# link, form, svg, extra style, and no link that is not http(s).  The
# plain-text payloads appear as text, and bidi controls as visible marks.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/view_lib.bash"

python3 "$SRC/tests/view/listener.py" port requests.log &
LISTENER=$!
trap 'kill $LISTENER 2> /dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "the listener did not start"
PORT=$(cat port)
python3 "$SRC/tests/view/hostile.py" "$PORT" .
"$AFMT" keygen -W -s k.key -p k.pub

inert() { # PAGE POSTS
    page_valid "$1" "$2" --eval 'document.querySelector("main").innerText'
    [ "$(q .canary)" = null ] || fail "$1: a payload ran: $(q .canary)"
    [ "$(q .title)" = "$3" ] || fail "$1: the title became $(q .title)"
    local k
    for k in onattr styleattr img iframe object embed link form svg meta_refresh jslinks; do
        [ "$(q .dom.$k)" = 0 ] || fail "$1: $k in the page: $(q -c .dom)"
    done
    [ "$(q .dom.script)" = 2 ] && [ "$(q .dom.style)" = 1 ] || fail "$1: $(q -c .dom)"
}

expect 0 "$AFMT" pack -s k.key -o hn.afmt --format hn hostile_hn.json
expect 0 "$AFMT" view -p k.pub -o hn.html hn.afmt
inert hn.html 25 'afmt thread — afmt'
has .eval -qF 'javascript link' || fail "the text of a link is lost"
has .eval -qF 'mxss' || fail "the text after a math element is lost"
[ "$(q .dom.links)" = 1 ] || fail "expected only the one http link: $(q -c .dom)"
page hn.html --eval '[...document.querySelectorAll("main a")].map(a => a.getAttribute("href") + " " + a.rel).join("|")'
[ "$(q .eval)" = "http://127.0.0.1:$PORT/ok noopener noreferrer nofollow" ] || fail "links: $(q .eval)"
has .eval -q 'ping' && fail "a ping attribute was kept"
page hn.html --eval 'document.querySelector("main .author").innerText + "|" + document.querySelector("main .ptitle").innerText'
[ "$(q .eval)" = 'attackerU+202Egnp.exe|Hostile U+200BthreadU+202E <script>' ] ||
    fail "a bidi override or zero-width space in a name or title is not shown as a mark: $(q .eval)"

expect 0 "$AFMT" pack -s k.key -o nd.afmt hostile.ndjson
expect 0 "$AFMT" view -p k.pub -o nd.html nd.afmt
inert nd.html 5 'afmt thread — afmt'
has .eval -qF "</script><script>window.__afmt_canary='plain breakout'</script>" ||
    fail "a plain-text payload is not shown as text"
has .eval -qF "abcU+202Edcba" || fail "a bidi override in a body is not shown as a mark"
has .eval -qF "zero width: a" || fail "zero-width text lost"
# the raw bytes, one click away: the line as packed, exactly
page nd.html --eval '(async () => { for (const d of document.querySelectorAll("details.raw")) d.open = true;
    await new Promise((r) => setTimeout(r, 200));
    return [...document.querySelectorAll("details.raw pre")].map((p) => p.innerText).join("\n"); })()'
has .eval -qF "{\"id\": \"n0\", \"parent\": null, \"author\": \"mallory\\u202e\\u200b\"" ||
    fail "raw view: $(q .eval | head -c 300)"
has .eval -qF "\"body\": \"</script><script>window.__afmt_canary='plain breakout'</script>\"}" ||
    fail "raw view of the breakout line"
[ "$(q .canary)" = null ] && [ "$(q .dom.script)" = 2 ] || fail "opening the raw views ran something"

expect 0 "$AFMT" pack -s k.key -o mail.afmt --format mbox hostile.mbox
expect 0 "$AFMT" view -p k.pub -o mail.html mail.afmt
inert mail.html 3 'afmt thread — afmt'
has .eval -qF 'mail html body' || fail "the mail's HTML part is not shown"
has .eval -qF 'Café crème, naïve soft break' || fail "a quoted-printable Latin-1 body is not decoded"
has .eval -qF '中文邮件' || fail "a base64 GB2312 body is not decoded"
has .eval -qF 'Mallory U+202E' || fail "an RFC 2047 name with a bidi override: $(q .eval | head -3)"

sleep 0.5
[ ! -s requests.log ] || fail "the listener was asked: $(cat requests.log)"
echo "view_hostile: ok (no request, no script, $(q '.blocked | length') attempts blocked by the CSP in the mail page)"
