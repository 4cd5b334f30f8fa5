#!/usr/bin/env bash
# A bundle written by draft 1.1 of format version 1 (index in one frame,
# the whole index signed; tests/data/draft-1.1-thread.afmt, the test
# vector `thread` of that draft, signed with spec/vectors/test.key) is
# refused as written by an earlier draft, not as altered: verify, list and
# cat say so, and cat releases nothing.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OLD=$SRC/tests/data/draft-1.1-thread.afmt
PUB=$SRC/spec/vectors/test.pub
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
for cmd in "verify -p $PUB" "list -p $PUB" "cat -p $PUB"; do
    rc=0
    # shellcheck disable=SC2086
    if [ "${cmd%% *}" = cat ]; then
        "$AFMT" $cmd "$OLD" p01 > "$T/out" 2> "$T/err" || rc=$?
    else
        "$AFMT" $cmd "$OLD" > "$T/out" 2> "$T/err" || rc=$?
    fi
    [ "$rc" != 0 ] || fail "$cmd accepted a draft 1.1 bundle"
    grep -q 'earlier draft of format version 1' "$T/err" || fail "$cmd: $(cat "$T/err")"
    grep -q 'does not match the signed checkpoint' "$T/err" && fail "$cmd: called it altered"
    if [ "${cmd%% *}" = cat ]; then
        [ ! -s "$T/out" ] || fail "cat released bytes of a bundle it refused"
    fi
done
echo "earlier_draft: OK"
