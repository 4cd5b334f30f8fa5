#!/usr/bin/env bash
# Bundles written by the drafts of format 1 (header version 1): draft 1.1
# (index in one frame, the whole index signed) and draft 1.2 (BLAKE2b, the
# "afmt checkpoint v1" text): tests/data/draft-1.{1,2}-thread.afmt, the test
# vector `thread` of each draft, signed with spec/vectors/test.key.  Each is
# refused as written by an earlier draft, not as altered: verify, list and
# cat say so, and cat releases nothing.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PUB=$SRC/spec/vectors/test.pub
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
for OLD in "$SRC/tests/data/draft-1.1-thread.afmt" "$SRC/tests/data/draft-1.2-thread.afmt"; do
for cmd in "verify -p $PUB" "list -p $PUB" "cat -p $PUB"; do
    rc=0
    # shellcheck disable=SC2086
    if [ "${cmd%% *}" = cat ]; then
        "$AFMT" $cmd "$OLD" p01 > "$T/out" 2> "$T/err" || rc=$?
    else
        "$AFMT" $cmd "$OLD" > "$T/out" 2> "$T/err" || rc=$?
    fi
    [ "$rc" != 0 ] || fail "$cmd accepted $OLD"
    grep -q 'written by format draft 1.x, not readable by this version' "$T/err" ||
        fail "$cmd: $(cat "$T/err")"
    grep -q 'does not match the signed checkpoint' "$T/err" && fail "$cmd: called it altered"
    if [ "${cmd%% *}" = cat ]; then
        [ ! -s "$T/out" ] || fail "cat released bytes of a bundle it refused"
    fi
done
done
echo "earlier_draft: OK"
