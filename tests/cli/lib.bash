# lib.bash - what the command tests share, sourced first by a script
# (named .bash so that ctest, which runs tests/cli/*.sh, does not take it
# for a test): strict mode, $AFMT checked, $SRC the source tree, a fresh
# temporary folder $T (removed at exit) as the current folder, fail, and
# expect STATUS CMD... (runs CMD with its output in ./out and ./err and
# fails, showing both, unless it exits with STATUS; under `timeout
# $EXPECT_TIMEOUT` when a script sets that, failing if the time runs out).
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {
    local want=$1 got=0
    shift
    # shellcheck disable=SC2086
    ${EXPECT_TIMEOUT:+timeout $EXPECT_TIMEOUT} "$@" >out 2>err || got=$?
    if [ -n "${EXPECT_TIMEOUT:-}" ] && [ "$got" = 124 ]; then
        fail "took more than $EXPECT_TIMEOUT s: $*"
    fi
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; head -c 2000 out >&2; echo "--- stderr" >&2; cat err >&2
        fail "expected exit $want, got $got: $*"
    fi
}
