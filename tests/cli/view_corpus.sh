#!/usr/bin/env bash
# afmt view on real threads of every source format of ../shared/corpus:
# headless Chromium loads each page, and the page itself reports VALID (its
# script checked the note signature, every post's SHA-256, every leaf and
# the Merkle root with WebCrypto), marks every shown post as matching, asks
# for nothing but itself, and shows bodies readably (HTML entities decoded,
# a Latin-1 mail decoded, cosigners named).  Also the command's own rules:
# -p with another key (exit 1), an existing output (3), --max-size (3),
# the default output name, usage errors (2).  And every valid test vector.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/view_lib.bash"
C=${AFMT_CORPUS:?}
[ -d "$C" ] || fail "no corpus at $C"

"$AFMT" keygen -W -s k.key -p k.pub
"$AFMT" keygen -W -s o.key -p o.pub
i=0
while read -r posts rel; do
    i=$((i + 1))
    expect 0 "$AFMT" pack -s k.key -o t$i.afmt "$C/$rel"
    expect 0 "$AFMT" view -p k.pub -o t$i.html t$i.afmt
    page_valid t$i.html "$posts" --eval 'document.querySelector("main").innerText'
    cp page.json t$i.json
    has .text -q '(the trusted key)' || fail "$rel: the page does not name the trusted key"
    echo "view_corpus: $rel: $(q .text | cut -c1-60)... in $(q .ms) ms"
done << 'LIST'
46 reddit_json/rtv_Python_2xmo63.json
408 hackernews/hn_whoishiring_40846428_2024-07_firebase-items.json
2171 hackernews/hn_thread_25015967_hnpwa-nested.json
1425 mastodon/purplerain@o3o.ca_outbox.json
20 discourse/perceval_discourse_topic_1148.json
552 stackexchange/coffee.stackexchange_Posts_2015-03.xml
1 mbox/perceval/mbox_iso8859_encoding.mbox
2 mbox/perceval/mbox_complex.mbox
1 nntp/perceval_nntp_1.txt
1075 pushshift_ndjson/RC_2005-12.ndjson
LIST

# readable bodies: HN's HTML with entities, SE's escaped HTML, a Latin-1 mail
cp t2.json page.json
has .eval -qF 'Make Waves | https://makewaves.fm | Lead developer & Marketing Manager' ||
    fail "the HN body is not shown decoded"
cp t6.json page.json
has .eval -qF 'I manually grind coffee beans for drip coffee' || fail "the SE body is not shown"
has .eval -qF '&lt;p&gt;' && fail "the SE body is shown escaped"
cp t7.json page.json
has .eval -qF 'lucíacharlie at wellsfargo.com (Lucía Charlie)' || fail "raw Latin-1 mail header not decoded"
cp t8.json page.json
has .eval -qF 'Danilo Šegan' || fail "an RFC 2047 name is not decoded"
cp t1.json page.json
has .eval -qF 'text and q&a based subreddits' || fail "Reddit's legacy &amp; is not decoded"

# every valid test vector (empty, fields of any bytes, files, 4,097 posts over pages)
for v in "$SRC"/spec/vectors/valid/*.afmt; do
    b=$(basename "$v" .afmt)
    expect 0 "$AFMT" view -o "vec-$b.html" "$v"
    page_valid "vec-$b.html" "$(jq .posts "${v%.afmt}.json")"
done

# cosigners: the vector signed by two witnesses
cp vec-cosigned.html cos.html
page_valid cos.html 1
has .text -q '2 of 2 cosignatures valid' || fail "cosignatures not checked: $(q .text)"
page cos.html --eval 'document.getElementById("meta").innerText'
has .eval -q 'witness.example/w1 at 2026-11-25 01:00:00 UTC.*: valid' || fail "cosigner not shown"

# the command: signer not trusted, existing output, size limit, default name
expect 1 "$AFMT" view -p o.pub -o x.html t1.afmt
grep -q 'not one of the trusted keys' err || fail "wrong key: $(cat err)"
[ ! -e x.html ] || fail "a page was written for a bundle signed by another key"
expect 3 "$AFMT" view -p k.pub -o t1.html t1.afmt
grep -q 'exists' err || fail "existing output: $(cat err)"
expect 0 "$AFMT" view -p k.pub -f -o t1.html t1.afmt
expect 3 "$AFMT" view -p k.pub --max-size 10K -o big.html t4.afmt
grep -q 'raise it with --max-size' err || fail "size limit: $(cat err)"
[ ! -e big.html ] || fail "a page was written over the limit"
cp t2.afmt d.afmt
expect 0 "$AFMT" view -p k.pub d.afmt
[ -s d.html ] || fail "no default output d.html"
expect 2 "$AFMT" view
expect 2 "$AFMT" view -o a.html -o b.html t1.afmt
expect 2 "$AFMT" view --max-size lots t1.afmt
expect 0 "$AFMT" view --help
grep -q 'WebCrypto' out || fail "view --help"
echo "view_corpus: ok"
