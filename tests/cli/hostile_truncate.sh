#!/usr/bin/env bash
# hostile_truncate.sh - a small valid bundle cut at every offset, from 0
# bytes to one byte short (issue 5, item 1): verify, list, cat and
# extract --posts must each exit 1 with a message
# naming the bundle, without crash, sanitizer report, write outside the
# extraction folder or temporary file.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_sandbox
full=$ROB_H/base.afmt
size=$(stat -c %s "$full")
P=$ROB_H/keys/test.pub
mkdir -p "$S/log/in"
B=$S/log/in/cut.afmt # changes at every step: outside the snapshot
before=$(rob_snapshot)
mkdir -p "$S/x/t"
tried=0
for ((len = 0; len < size; len++)); do
    head -c "$len" "$full" >"$B"
    ROB_CASE_OK=1
    rob_exec verify "$AFMT" verify -p "$P" -- "$B"
    rob_check "truncate.$len: verify" 1 "$B"
    runs=2
    # under ASan (about ten times slower) list and cat see every 4th offset;
    # verify and extract, which read the most, see every one in both builds
    if [ "$ROB_ASAN" = 0 ] || [ $((len % 4)) = 0 ]; then
        rob_exec list "$AFMT" list -- "$B"
        rob_check "truncate.$len: list" 1 "$B"
        rob_exec cat "$AFMT" cat -p "$P" -- "$B" 1
        rob_check "truncate.$len: cat" 1 "$B"
        [ -s "$S/log/cat.out" ] && rob_fail "truncate.$len: cat printed bytes from a truncated bundle"
        runs=4
    fi
    rob_exec extract "$AFMT" extract --posts -p "$P" -C "$S/x/t" -- "$B"
    rob_check "truncate.$len: extract --posts" 1 "$B"
    left=("$S"/x/t/*)
    if [ "${#left[@]}" != 0 ]; then
        rob_fail "truncate.$len: extract wrote files from a truncated bundle"
        rm -rf "${S:?}/x/t" && mkdir -p "$S/x/t"
    fi
    rob_count truncate "$ROB_CASE_OK" "$runs"
    tried=$((tried + 1))
done
rob_same_snapshot "$before" truncate
rob_no_temp truncate "$S" "$ROB_H"
echo "truncations tried: $tried (bundle of $size bytes)"
rob_finish hostile
