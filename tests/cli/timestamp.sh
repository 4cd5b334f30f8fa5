#!/usr/bin/env bash
# RFC 3161 timestamps (issue 15, spec 12.2) with a throwaway CA and
# time-stamping authorities made by the stock openssl command (tsa.bash; no
# network): afmt's request is what `openssl ts -query` makes; a good reply
# is attached and verified, chains with --tsa-ca, and stock
# `openssl ts -verify` accepts the exported token; a reply for another
# request, a refused reply, an untrusted TSA and an expired TSA
# certificate are each told apart, and afmt and openssl agree on trust;
# attaching changes no byte the signatures cover; every byte of a stored
# token changed fails the bundle.  Then the issue's whole case: a corpus
# bundle signed by A, cosigned by B and C, timestamped, verified with
# --require 2 of {B, C, D} and --tsa-ca.
. "$(dirname "$0")/lib.bash"
. "$SRC/tests/cli/tsa.bash"
CORPUS=${AFMT_CORPUS:-$SRC/../shared/corpus}
IN=$CORPUS/reddit_json/praw_IAmA_57dw9a_context-d8r4im1.json
[ -f "$IN" ] || { echo "timestamp: skipped (no corpus at $CORPUS)"; exit 77; }
command -v openssl > /dev/null || { echo "timestamp: skipped (no openssl)"; exit 77; }
BYTES="python3 $SRC/tests/cli/attest_bytes.py"

make_ca ca
make_ca otherca
make_tsa tsa ca 365
make_tsa stranger otherca 365
make_tsa old ca 0 # notAfter = notBefore: expired a second later
sleep 1
for k in a b c d; do "$AFMT" keygen -W -s $k.key -p $k.pub > /dev/null; done
expect 0 "$AFMT" pack -s a.key -o s.afmt "$IN"
mkdir other && printf 'another capture\n' > other/p
expect 0 "$AFMT" pack -s a.key -o o.afmt other
cp s.afmt orig.afmt

# The request: SHA-256 of the checkpoint, a nonce, the certificate asked for.
expect 0 "$AFMT" checkpoint s.afmt -o cp
expect 0 "$AFMT" timestamp request s.afmt -o req.tsq
openssl ts -query -in req.tsq -text > req.txt 2> /dev/null || fail "openssl cannot read the request"
grep -q 'Hash Algorithm: sha256' req.txt || fail "request: not SHA-256"
grep -q 'Certificate required: yes' req.txt || fail "request: no certReq"
grep -q 'Nonce: 0x' req.txt || fail "request: no nonce"
openssl ts -query -data cp -sha256 -cert -no_nonce -out ref.tsq 2> /dev/null
want=$(openssl ts -query -in ref.tsq -text | sed -n '/Message data:/,/Policy OID/p' | grep -v Policy)
got=$(sed -n '/Message data:/,/Policy OID/p' req.txt | grep -v Policy)
[ "$want" = "$got" ] || fail "request imprint differs from openssl ts -query -data CP"
sha256sum cp | cut -c1-16 | grep -qi "$(sed -n '/0000 - /{s/.*0000 - //;s/-/ /;s/ //g;p}' req.txt |
    cut -c1-16)" || fail "imprint is not sha256sum of CP"
expect 3 "$AFMT" timestamp request s.afmt -o req.tsq
expect 0 "$AFMT" timestamp request s.afmt -o req.tsq -f

# A good reply: attached; the signed bytes unchanged; verified; trusted
# with the CA; exported token accepted by stock openssl.
tsa_reply tsa req.tsq good.tsr
expect 0 "$AFMT" timestamp attach -q req.tsq s.afmt good.tsr
$BYTES same orig.afmt s.afmt || fail "attaching changed a byte the signatures cover"
expect 0 "$AFMT" verify -p a.pub s.afmt
grep -q 'timestamped at .* by O=afmt tests,CN=tsa\|timestamped at .* by CN=tsa,O=afmt tests' out ||
    fail "no timestamp line: $(cat out)"
grep -q 'trust not checked (no --tsa-ca)' out || fail "trust should be unchecked"
expect 0 "$AFMT" verify -p a.pub --tsa-ca ca.pem s.afmt
grep -q 'chains to ca.pem' out || fail "should chain to ca.pem"
expect 0 "$AFMT" timestamp export s.afmt -o tok.tst
openssl ts -verify -data cp -in tok.tst -token_in -CAfile ca.pem > ossl.out 2>&1 ||
    fail "openssl ts -verify refuses the exported token: $(cat ossl.out)"
grep -q 'Verification: OK' ossl.out || fail "openssl: $(cat ossl.out)"
# its time is the token's, as openssl prints it
ts_text=$(openssl ts -reply -in tok.tst -token_in -text -token_out | sed -n 's/^Time stamp: //p')
[ "$(date -u -d "$ts_text" +%Y-%m-%dT%H:%M:%SZ)" = \
  "$(jq -r '.timestamps[0].time' <("$AFMT" verify --json -p a.pub s.afmt))" ] ||
    fail "time differs from openssl's ($ts_text)"
expect 3 "$AFMT" timestamp export s.afmt -n 2 -o tok2.tst
expect 3 "$AFMT" timestamp attach s.afmt good.tsr
grep -q 'holds this timestamp already' err || fail "a second copy of one token"

# A reply for another request (another bundle's checkpoint): refused, the
# bundle untouched.  A reply to an earlier request of this bundle with -q
# of a later one: refused by its nonce.
expect 0 "$AFMT" timestamp request o.afmt -o oreq.tsq
tsa_reply tsa oreq.tsq other.tsr
cp s.afmt before.afmt
expect 1 "$AFMT" timestamp attach s.afmt other.tsr
grep -q 'answers another request' err || fail "no message for another request's reply"
cmp -s s.afmt before.afmt || fail "a refused reply changed the bundle"
expect 0 "$AFMT" timestamp request s.afmt -o req2.tsq
tsa_reply tsa req2.tsq second.tsr
expect 1 "$AFMT" timestamp attach -q req.tsq -o x.afmt s.afmt second.tsr
grep -q 'nonce differs' err || fail "no message for another nonce"
[ ! -e x.afmt ] || fail "a refused reply was written"
# not a reply at all; a refused request (a digest the TSA does not take)
expect 1 "$AFMT" timestamp attach -o x.afmt s.afmt cp
openssl ts -query -data cp -sha1 -cert -out sha1.tsq 2> /dev/null
tsa_reply tsa sha1.tsq refused.tsr
expect 3 "$AFMT" timestamp attach -o x.afmt s.afmt refused.tsr
grep -q 'did not grant' err || fail "no message for a refused request"

# An untrusted TSA (another CA) and an expired TSA certificate: attached
# (the token verifies), not trusted; openssl agrees.
for who in stranger old; do
    cp orig.afmt "$who.afmt"
    expect 0 "$AFMT" timestamp request "$who.afmt" -o "$who.tsq"
    tsa_reply "$who" "$who.tsq" "$who.tsr"
    expect 0 "$AFMT" timestamp attach -q "$who.tsq" "$who.afmt" "$who.tsr"
    expect 0 "$AFMT" verify -p a.pub "$who.afmt"
    expect 1 "$AFMT" verify -p a.pub --tsa-ca ca.pem "$who.afmt"
    grep -q 'NOT trusted' out || fail "$who: should not be trusted: $(cat out)"
    grep -q 'no timestamp chains' err || fail "$who: no message"
    expect 0 "$AFMT" timestamp export "$who.afmt" -o "$who.tst"
    if openssl ts -verify -data cp -in "$who.tst" -token_in -CAfile ca.pem > /dev/null 2>&1; then
        fail "$who: openssl ts -verify accepts what afmt does not trust"
    fi
done
grep -q 'certificate has expired' <("$AFMT" verify -p a.pub --tsa-ca ca.pem old.afmt 2>&1) ||
    fail "expired: no reason given"
expect 0 "$AFMT" verify -p a.pub --tsa-ca otherca.pem stranger.afmt
expect 1 "$AFMT" verify -p a.pub --tsa-ca ca.pem orig.afmt
grep -q 'no timestamp, and --tsa-ca asks for one' err || fail "no message without timestamp"
expect 3 "$AFMT" verify -p a.pub --tsa-ca no-such.pem s.afmt

# Every byte of the stored token changed: the bundle fails, naming it.
$BYTES flip s.afmt x.afmt "$AFMT" verify -p a.pub x.afmt > flips
[ "$(cut -d' ' -f1 flips | sort -u)" = 2 ] || fail "expected one timestamp record"
flips=$(wc -l < flips)
[ "$flips" -gt 200 ] || fail "only $flips token bytes"
awk '$3 != 1 || $4 != "named" { print "token byte " $2 ": exit " $3 ", " $4; bad = 1 }
     END { exit bad }' flips || fail "a changed token byte was not refused"

# At most 4 timestamps (spec 12.2).
cp s.afmt four.afmt
for n in 2 3 4 5; do
    expect 0 "$AFMT" timestamp request four.afmt -o "q$n.tsq"
    tsa_reply tsa "q$n.tsq" "r$n.tsr"
    if [ "$n" -le 4 ]; then
        expect 0 "$AFMT" timestamp attach -q "q$n.tsq" four.afmt "r$n.tsr"
    else
        expect 1 "$AFMT" timestamp attach -q "q$n.tsq" four.afmt "r$n.tsr"
        grep -q 'too many timestamps' err || fail "no message for a fifth timestamp"
    fi
done
[ "$($BYTES records four.afmt | wc -l)" = 4 ] || fail "four timestamps expected"

# The issue's case: signed by A, cosigned by B and C, timestamped by the
# test TSA; --require 2 of {B, C, D} passes, 3 fails; the kinds in order
# whatever the order of adding them.
expect 0 "$AFMT" cosign -s b.key s.afmt
expect 0 "$AFMT" cosign -s c.key s.afmt
[ "$($BYTES records s.afmt | cut -d' ' -f1 | tr -d '\n')" = 112 ] ||
    fail "records not in kind order"
$BYTES same orig.afmt s.afmt || fail "signed bytes changed"
expect 0 "$AFMT" verify --json -p a.pub --cosigner b.pub --cosigner c.pub --cosigner d.pub \
    --require 2 --tsa-ca ca.pem s.afmt
[ "$(jq -r '.cosigners_trusted, .timestamps_trusted, .timestamps[0].trusted' out |
    tr '\n' ' ')" = "2 1 true " ] || fail "json: $(cat out)"
expect 1 "$AFMT" verify -p a.pub --cosigner b.pub --cosigner c.pub --cosigner d.pub \
    --require 3 --tsa-ca ca.pem s.afmt
expect 0 "$AFMT" checkpoint s.afmt -o cp2 -f
cmp -s cp cp2 || fail "the checkpoint changed"
expect 0 "$AFMT" timestamp export s.afmt -o tok3.tst
openssl ts -verify -data cp2 -in tok3.tst -token_in -CAfile ca.pem > /dev/null 2>&1 ||
    fail "openssl refuses the token of the cosigned bundle"
echo "timestamp: OK ($flips changed token bytes all refused; openssl ts -verify agrees" \
     "on the good, untrusted and expired TSA)"
