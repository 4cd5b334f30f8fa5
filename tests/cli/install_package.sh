#!/usr/bin/env bash
# The installed library is usable as documented in the README: through
# pkg-config (shared and static) and through the CMake package afmt.
set -euo pipefail
build=$(dirname "$AFMT")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/inst" >/dev/null
cat >"$tmp/app.c" <<'C'
#include <afmt.h>
#include <stdio.h>
int main(void)
{
    uint8_t h[AFMT_HASH_BYTES];
    char hex[2 * AFMT_HASH_BYTES + 1];
    afmt_content_hash(h, "abc", 3);
    afmt_hash_to_hex(hex, h);
    puts(hex);
    return 0;
}
C
want=$(printf abc | b2sum -l 256 | cut -d' ' -f1)
# A sanitized library needs its runtime in the program that links it.
san=""
if grep -q '^AFMT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    san="-fsanitize=address,undefined"
fi
export PKG_CONFIG_PATH="$tmp/inst/lib/pkgconfig:$tmp/inst/lib/$(gcc -print-multiarch)/pkgconfig"
libdir=$(pkg-config --variable=libdir archive_fmt)
cc $san "$tmp/app.c" -o "$tmp/shared" $(pkg-config --cflags --libs archive_fmt) -Wl,-rpath,"$libdir"
[ "$("$tmp/shared")" = "$want" ] || { echo "shared: wrong hash"; exit 1; }
cc $san "$tmp/app.c" -o "$tmp/static" $(pkg-config --cflags archive_fmt) "$libdir/libarchive_fmt.a" \
   $(pkg-config --static --libs archive_fmt | sed 's/-larchive_fmt//')
[ "$("$tmp/static")" = "$want" ] || { echo "static: wrong hash"; exit 1; }
if ldd "$tmp/static" | grep -q archive_fmt; then echo "static build links the .so"; exit 1; fi
mkdir "$tmp/cm"
cp "$tmp/app.c" "$tmp/cm/"
cat >"$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package(afmt 0.1 REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE afmt::archive_fmt_static)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$tmp/inst" -DCMAKE_C_FLAGS="$san" \
      -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/cm/b" >/dev/null
[ "$("$tmp/cm/b/app")" = "$want" ] || { echo "cmake package: wrong hash"; exit 1; }
echo "install: pkg-config (shared, static) and find_package(afmt) all work"
