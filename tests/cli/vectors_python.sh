#!/usr/bin/env bash
# The test vectors (spec/vectors/) read by check_vectors.py, an independent
# Python reading of spec/FORMAT.md (standard library, `zstd -d` and stock
# `minisign -V`): every valid vector must pass every check of the spec and
# match its .json; every invalid one must be rejected with the error its name
# gives, which is the error the spec names for the failing rule.  A
# disagreement between the spec and the reference reader would have to be
# listed (and is printed) in KNOWN_DISAGREEMENTS in the script; the list is
# empty, and an unlisted one fails.
set -euo pipefail
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in python3 zstd minisign; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed" >&2; exit 1; }
done
exec python3 "$SRC/spec/vectors/check_vectors.py" "$SRC/spec/vectors"
