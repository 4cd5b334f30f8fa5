#!/usr/bin/env bash
# tests/hostile/figures.sh [BUILD_DIR] [ASAN_DIR] [FUZZ_BUILD] - collects the
# figures of tests/ROBUSTNESS.md from a run of the robustness tests: runs
# them with ctest in the plain and the ASan build (both must be configured
# and built; `make build` and `make sanitize` do it), reads the summary of
# the last `make fuzz` and runs tests/valgrind/run, then prints the tables.
#   tests/hostile/figures.sh build build-asan build-fuzz
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-build}
ASAN=${2:-build-asan}
FUZZ=${3:-build-fuzz}
cd "$ROOT" || exit 1
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
R='cli_(hostile|fault|kill)_|hostile_library_check|fuzz_regressions'
ctest --test-dir "$BUILD" -V -j2 -R "$R" >"$LOG/release.txt" 2>&1
echo "release: $(grep -E 'tests passed|tests failed' "$LOG/release.txt")"
ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$ASAN" -V -j2 -R "$R" >"$LOG/asan.txt" 2>&1
echo "asan:    $(grep -E 'tests passed|tests failed' "$LOG/asan.txt")"
tests/valgrind/run "$BUILD" >"$LOG/valgrind.txt" 2>&1
echo "valgrind: $(grep '^ROBUSTNESS' "$LOG/valgrind.txt")"

lines() { sed -n 's/^[0-9]*: //; /^ROBUSTNESS /p' "$@"; }
echo
echo "| kind | group | build | cases | survived | command runs |"
echo "|---|---|---|---:|---:|---:|"
lines "$LOG/release.txt" "$LOG/asan.txt" | grep -E '^ROBUSTNESS (hostile|fault|kill) [a-z_]+ build=' |
    sed -E 's/^ROBUSTNESS ([a-z]+) ([a-z_0-9]+) build=([a-z]+) cases=([0-9]+) survived=([0-9]+) runs=([0-9]+)/| \1 | \2 | \3 | \4 | \5 | \6 |/' |
    sort -t'|' -k2,2 -k3,3 -k4,4
echo
lines "$LOG/release.txt" "$LOG/asan.txt" | grep -E '^ROBUSTNESS kill (pack|extract) build='
echo
echo "| fuzz harness | executions | seconds | crashes | corpus |"
echo "|---|---:|---:|---:|---:|"
if [ -f "$FUZZ/summary.txt" ]; then
    sed -E 's/^ROBUSTNESS fuzz ([a-z_]+) execs=([0-9]+) seconds=([0-9]+) crashes=([0-9]+) corpus=([0-9]+)/| \1 | \2 | \3 | \4 | \5 |/' "$FUZZ/summary.txt"
else
    echo "(no $FUZZ/summary.txt: run make fuzz)"
fi
echo
echo "failures and notes:"
cat "$LOG/release.txt" "$LOG/asan.txt" | sed -n 's/^[0-9]*: //; /^\(FAIL\|note\)/p' | cut -c1-220 | sort | uniq -c |
    sort -rn | head -40
