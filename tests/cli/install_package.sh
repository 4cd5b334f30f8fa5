#!/usr/bin/env bash
# The installed libraries are usable as documented in the README: through
# pkg-config (archive_fmt, archive_fmt_import; shared and static), through the
# CMake package archive_fmt, and through the CMake package afmt (its 0.1 name,
# kept for one release).  A program of the core alone links no jansson.
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
cat >"$tmp/imp.c" <<'C'
#include <afmt_import.h>
#include <stdio.h>
int main(void)
{
    afmt_source_format f;
    if (afmt_source_format_from_name(&f, "mbox") != AFMT_OK)
        return 1;
    puts(afmt_source_format_name(f));
    return 0;
}
C
want=$(printf abc | sha256sum | cut -d' ' -f1)
# A sanitized library needs its runtime in the program that links it.
san=""
if grep -q '^AFMT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    san="-fsanitize=address,undefined"
fi
export PKG_CONFIG_PATH="$tmp/inst/lib/pkgconfig:$tmp/inst/lib/$(gcc -print-multiarch)/pkgconfig"
libdir=$(pkg-config --variable=libdir archive_fmt)
no_jansson() { # FILE: neither it nor what it loads needs jansson or libxml2
    if ldd "$1" | grep 'jansson\|libxml2' || readelf -d "$1" | grep -i 'NEEDED.*\(jansson\|libxml2\)'; then
        echo "$1 needs jansson or libxml2"; exit 1
    fi
}
# the core: shared and static, without jansson on the link line or at run time
if pkg-config --libs --static archive_fmt | grep -q 'jansson\|xml2'; then
    echo "pkg-config archive_fmt names jansson or libxml2"; exit 1
fi
cc $san "$tmp/app.c" -o "$tmp/shared" $(pkg-config --cflags --libs archive_fmt) -Wl,-rpath,"$libdir"
[ "$("$tmp/shared")" = "$want" ] || { echo "shared: wrong hash"; exit 1; }
no_jansson "$tmp/shared"
no_jansson "$libdir/libarchive_fmt.so"
cc $san "$tmp/app.c" -o "$tmp/static" $(pkg-config --cflags archive_fmt) "$libdir/libarchive_fmt.a" \
   $(pkg-config --static --libs archive_fmt | sed 's/-larchive_fmt//')
[ "$("$tmp/static")" = "$want" ] || { echo "static: wrong hash"; exit 1; }
ldd "$tmp/static" > "$tmp/static.ldd" || true
if grep -q archive_fmt "$tmp/static.ldd"; then echo "static build links the .so"; exit 1; fi
no_jansson "$tmp/static"
# the importers: shared and static
cc $san "$tmp/imp.c" -o "$tmp/imp_shared" $(pkg-config --cflags --libs archive_fmt_import) \
   -Wl,-rpath,"$libdir"
[ "$("$tmp/imp_shared")" = mbox ] || { echo "importers, shared: wrong answer"; exit 1; }
# (ldd's output kept first: with pipefail, grep -q quitting early would fail ldd by SIGPIPE)
ldd "$tmp/imp_shared" > "$tmp/imp_shared.ldd"
grep -q jansson "$tmp/imp_shared.ldd" || { echo "importers without jansson?"; exit 1; }
cc $san "$tmp/imp.c" -o "$tmp/imp_static" $(pkg-config --cflags archive_fmt_import) \
   "$libdir/libarchive_fmt_import.a" "$libdir/libarchive_fmt.a" \
   $(pkg-config --static --libs archive_fmt_import | sed 's/-larchive_fmt_import//; s/-larchive_fmt//')
[ "$("$tmp/imp_static")" = mbox ] || { echo "importers, static: wrong answer"; exit 1; }
ldd "$tmp/imp_static" > "$tmp/imp_static.ldd" || true
if grep -q archive_fmt "$tmp/imp_static.ldd"; then echo "static build links the .so"; exit 1; fi
# CMake: the package archive_fmt, and the package afmt of 0.1
for pkg in archive_fmt afmt; do
    d=$tmp/cm-$pkg
    mkdir "$d"
    cp "$tmp/app.c" "$tmp/imp.c" "$d/"
    cat >"$d/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package($pkg 0.2 REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE $pkg::archive_fmt_static)
add_executable(app_shared app.c)
target_link_libraries(app_shared PRIVATE $pkg::archive_fmt)
add_executable(imp imp.c)
CM
    if [ $pkg = archive_fmt ]; then
        echo 'target_link_libraries(imp PRIVATE archive_fmt::archive_fmt_import_static)' >>"$d/CMakeLists.txt"
    else
        echo 'target_link_libraries(imp PRIVATE afmt::archive_fmt)' >>"$d/CMakeLists.txt"
    fi
    cmake -S "$d" -B "$d/b" -DCMAKE_PREFIX_PATH="$tmp/inst" -DCMAKE_C_FLAGS="$san" \
          -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
    cmake --build "$d/b" >/dev/null
    [ "$("$d/b/app")" = "$want" ] || { echo "cmake package $pkg: wrong hash"; exit 1; }
    [ "$("$d/b/app_shared")" = "$want" ] || { echo "cmake package $pkg, shared: wrong hash"; exit 1; }
    [ "$("$d/b/imp")" = mbox ] || { echo "cmake package $pkg, importers: wrong answer"; exit 1; }
    if [ $pkg = archive_fmt ]; then no_jansson "$d/b/app"; no_jansson "$d/b/app_shared"; fi
done
echo "install: pkg-config archive_fmt and archive_fmt_import (shared, static),"
echo "find_package(archive_fmt) and find_package(afmt) all work; the core needs no jansson"
