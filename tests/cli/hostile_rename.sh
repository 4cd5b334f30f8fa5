#!/usr/bin/env bash
# A hostile input cannot rewire a thread (issue 12, item 8): a repeated id is
# renamed to the first id#k that is no id anywhere in the input, so a crafted
# repeat of `t1_a` placed before the real `t1_a#2` cannot take its name: the
# reply to `t1_a#2` stays under Bob's post and `cat 't1_a#2'` prints Bob's.
# Inputs (tests/hostile/rename/): a Reddit page and a Pushshift dump with
# t1_a (alice), t1_a again (mallory), t1_a#2 (bob), t1_r replying to t1_a#2;
# an mbox file with the same thread as Message-IDs.
# Also: across inputs of one bundle, the retry skips the ids of the input.
. "$(dirname "$0")/lib.bash"
D=$SRC/tests/hostile/rename

expect 0 "$AFMT" keygen -W -s k.key -p k.pub
zstd -q -c "$D/pushshift.ndjson" > pushshift.zst
check() { # BUNDLE: alice keeps t1_a, bob t1_a#2, mallory gets t1_a#3
    expect 0 "$AFMT" list --json -p k.pub "$1"
    local got
    got=$(jq -r 'select(.id | startswith("t1_a")) | .id + "=" + .author' out | sort | tr '\n' ' ')
    [ "$got" = "t1_a#2=bob t1_a#3=mallory t1_a=alice " ] || fail "$1: ids $got"
    jq -s -e 'map(select(.id == "t1_r"))[0].parent == "t1_a#2"' out >/dev/null || fail "$1: reply moved"
    expect 0 "$AFMT" cat -p k.pub "$1" 't1_a#2'
    grep -q "bob's real post" out || fail "$1: cat t1_a#2 printed $(head -c 200 out)"
    expect 0 "$AFMT" extract -p k.pub -C "x-$1" "$1"
}
expect 0 "$AFMT" pack -s k.key -o reddit.afmt --format reddit "$D/reddit.json"
check reddit.afmt
cmp "x-reddit.afmt/reddit.json" "$D/reddit.json" || fail "reddit.json not rebuilt"
expect 0 "$AFMT" pack -s k.key -o ps.afmt --format pushshift "$D/pushshift.ndjson"
check ps.afmt
cmp "x-ps.afmt/pushshift.ndjson" "$D/pushshift.ndjson" || fail "pushshift.ndjson not rebuilt"
expect 0 "$AFMT" pack -s k.key -o psz.afmt --format pushshift pushshift.zst
check psz.afmt
cmp "x-psz.afmt/pushshift.zst" pushshift.zst || fail "pushshift.zst not rebuilt"

# mbox: the same with Message-IDs <a@x>, <a@x> again, <a@x#2>, a reply to it
expect 0 "$AFMT" pack -s k.key -o mb.afmt --format mbox "$D/mail.mbox"
expect 0 "$AFMT" list --json -p k.pub mb.afmt
got=$(jq -r 'select(.id | startswith("a@x")) | .id + "=" + .author' out | sort | tr '\n' ' ')
[ "$got" = "a@x#2=bob@x a@x#3=mallory@x a@x=alice@x " ] || fail "mbox: ids $got"
jq -s -e 'map(select(.id == "r@x"))[0].parent == "a@x#2"' out >/dev/null || fail "mbox: reply moved"
expect 0 "$AFMT" extract -p k.pub -C x-mb mb.afmt
cmp x-mb/mail.mbox "$D/mail.mbox" || fail "mail.mbox not rebuilt"

# Across inputs: the first input holds t1_a; in the second, t1_a is taken by
# the first input and t1_a#2 is the second's own: t1_a becomes t1_a#3.
printf '%s\n' '{"name": "t1_a", "parent_id": "t3_p", "author": "first", "body": "x"}' > one.ndjson
printf '%s\n' '{"name": "t1_a", "parent_id": "t3_p", "author": "second", "body": "y"}' \
    '{"name": "t1_a#2", "parent_id": "t3_p", "author": "bob", "body": "z"}' > two.ndjson
expect 0 "$AFMT" pack -s k.key -o two.afmt --format pushshift one.ndjson two.ndjson
expect 0 "$AFMT" list --json -p k.pub two.afmt
got=$(jq -r '.id + "=" + .author' out | sort | tr '\n' ' ')
[ "$got" = "t1_a#2=bob t1_a#3=second t1_a=first " ] || fail "two inputs: ids $got"
echo "ok"
