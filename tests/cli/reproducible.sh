#!/usr/bin/env bash
# Packing is reproducible: the same inputs, key, options and
# SOURCE_DATE_EPOCH give the same bytes (directory and NDJSON inputs);
# another time or level gives other bytes; the checkpoint carries the time.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$AFMT" keygen -W -s k.key -p k.pub
mkdir -p tree/b tree/a
printf 'one\n' > tree/b/1
printf 'two\n' > tree/a/2
printf 'three\n' > tree/3
export SOURCE_DATE_EPOCH=1700000000
pack() { "$AFMT" pack -s k.key "$@"; }

pack -o t1.afmt --title T tree "$SRC/examples/thread.ndjson"
sleep 1
touch tree/3 tree/a/2
pack -o t2.afmt --title T tree "$SRC/examples/thread.ndjson"
cmp t1.afmt t2.afmt || fail "same inputs, key and SOURCE_DATE_EPOCH: different bundles"

# the same tree made in another order: names are taken in byte order
mkdir -p other/a other/b
printf 'three\n' > other/3
printf 'two\n' > other/a/2
printf 'one\n' > other/b/1
pack -o o1.afmt --title T other "$SRC/examples/thread.ndjson"
cmp t1.afmt o1.afmt || fail "creation order of the files changed the bundle"

# from standard input too
pack -o s1.afmt - < "$SRC/examples/thread.ndjson"
cat "$SRC/examples/thread.ndjson" | pack -o s2.afmt -
cmp s1.afmt s2.afmt || fail "stdin from a file and from a pipe differ"

"$AFMT" checkpoint t1.afmt -o cp 2> /dev/null
grep -qx 'created 1700000000' cp || fail "SOURCE_DATE_EPOCH not in the checkpoint"
"$AFMT" list --json t1.afmt > l1 2> /dev/null
"$AFMT" list --json t2.afmt > l2 2> /dev/null
cmp -s l1 l2 || fail "listings differ"

SOURCE_DATE_EPOCH=1700000001 "$AFMT" pack -s k.key -o t3.afmt --title T tree "$SRC/examples/thread.ndjson"
cmp -s t1.afmt t3.afmt && fail "another SOURCE_DATE_EPOCH gave the same bytes"
pack -o t4.afmt -l 19 --title T tree "$SRC/examples/thread.ndjson"
pack -o t5.afmt -l 19 --title T tree "$SRC/examples/thread.ndjson"
cmp t4.afmt t5.afmt || fail "level 19 is not reproducible"
"$AFMT" verify -p k.pub t4.afmt > /dev/null || fail "level 19 bundle does not verify"
echo "reproducible: OK"
