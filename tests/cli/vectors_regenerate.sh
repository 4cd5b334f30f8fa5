#!/usr/bin/env bash
# The test vectors are what the library writes today: tests/vectors_gen.c,
# compiled against the static library of this build ($AFMT's folder), must
# regenerate spec/vectors/valid and invalid byte for byte (and
# check_vectors.py must write the same .json).  When this fails the writer's
# output changed: if that is intended, run spec/vectors/regenerate.sh and
# review the diff of the vectors.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
SRC=${AFMT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=$(cd "$(dirname "$AFMT")" && pwd)
LIB=$BUILD/libarchive_fmt.a
[ -f "$LIB" ] || { echo "FAIL: no $LIB" >&2; exit 1; }
CFLAGS_EXTRA=
if grep -q '^AFMT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    CFLAGS_EXTRA="-fsanitize=address,undefined"
fi
AFMT_LIB=$LIB AFMT_GEN_CFLAGS=$CFLAGS_EXTRA exec "$SRC/spec/vectors/regenerate.sh" --check
