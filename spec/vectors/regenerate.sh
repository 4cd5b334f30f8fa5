#!/usr/bin/env bash
# spec/vectors/regenerate.sh - rebuilds the test vectors of spec/FORMAT.md
# section 14 and checks them.
#
#   spec/vectors/regenerate.sh           regenerate valid/ and invalid/ in place
#   spec/vectors/regenerate.sh --check   regenerate into a temporary folder and
#                                        require the same bytes as the ones here
#                                        (determinism), then run the checker
#   spec/vectors/regenerate.sh --new-key make test.key / test.pub (only when
#                                        neither exists: every vector is signed
#                                        with that one key)
#
# Steps: build the static library (CMake, into $AFMT_BUILD_DIR, default
# build-vectors/; or take the one named by $AFMT_LIB, as tests/cli does),
# compile tests/vectors_gen.c against it and the library's internal headers,
# run it (it writes every .afmt and reads each one back with the library),
# then run check_vectors.py --write, the independent Python reading of the
# spec, which writes the .json files of the valid vectors and checks every
# vector.  Needs gcc, cmake, pkg-config, libsodium, libzstd, jansson,
# python3, zstd and minisign.  The compressed bytes depend on the libzstd
# version (1.5.4 made these).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:-}
tmpgen=$(mktemp -d)
trap 'rm -rf "$tmpgen"' EXIT

if [ -n "${AFMT_LIB:-}" ]; then
    lib=$AFMT_LIB
else
    build=${AFMT_BUILD_DIR:-$root/build-vectors}
    cmake -S "$root" -B "$build" -DAFMT_WERROR=OFF >/dev/null
    cmake --build "$build" --target archive_fmt_static -j2 >/dev/null
    lib=$build/libarchive_fmt.a
fi
gen=$tmpgen/vectors_gen
# shellcheck disable=SC2046,SC2086
gcc -std=c11 -O1 -g -Wall -Wextra -Wshadow -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
    ${AFMT_GEN_CFLAGS:-} -I "$root/include" -I "$root/libarchive_fmt" -I "$root/tests/hostile" \
    -o "$gen" "$root/tests/vectors_gen.c" "$root/tests/hostile/forge.c" "$lib" \
    $(pkg-config --libs libsodium libzstd libcrypto) -lpthread

unset SOURCE_DATE_EPOCH

case "$mode" in
--new-key)
    if [ -e "$here/test.key" ] || [ -e "$here/test.pub" ]; then
        echo "regenerate.sh: test.key or test.pub exists already; remove both first" >&2
        exit 1
    fi
    "$gen" --new-key "$here"
    ;;
--check)
    tmp=$tmpgen/out
    mkdir "$tmp"
    cp "$here/test.key" "$here/test.pub" "$tmp/"
    cp -r "$here/tsa" "$tmp/" # the RFC 3161 tokens, made once (tsa/make_tokens.sh)
    "$gen" --key "$tmp/test.key" --out "$tmp" >/dev/null
    python3 "$here/check_vectors.py" --write "$tmp" >/dev/null
    status=0
    for d in valid invalid; do
        if ! diff -r "$here/$d" "$tmp/$d"; then
            status=1
        fi
    done
    if [ "$status" != 0 ]; then
        echo "regenerate.sh: the vectors differ from a fresh regeneration" >&2
        exit 1
    fi
    echo "regenerate.sh: a fresh regeneration gives the same bytes"
    python3 "$here/check_vectors.py" "$here"
    ;;
"")
    rm -f "$here"/valid/*.afmt "$here"/valid/*.json "$here"/invalid/*.afmt
    "$gen" --key "$here/test.key" --out "$here"
    python3 "$here/check_vectors.py" --write "$here"
    ;;
*)
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
