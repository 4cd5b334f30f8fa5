#!/usr/bin/env bash
# fault_extract.sh - `afmt extract` (files, then --posts) with every
# injectable call failing in turn (issue 5, item 4), with EIO, then ENOSPC
# for good, then short writes: a failing run exits 3 with a message, leaves
# no temporary file, and every file it left under its final name is
# complete (the same bytes as an extraction without faults); a run that
# succeeds leaves the whole tree.  Under ASan, no leak on any path.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_fault_shim
rob_sandbox
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$S/in/notes/deep/er"
cp "$ROB_H/inputs/thread.ndjson" "$S/in/"
printf 'a note\n' >"$S/in/notes/a.txt"
printf 'another\n' >"$S/in/notes/deep/b.txt"
head -c 9000 /dev/urandom >"$S/in/notes/deep/er/random.bin"
cp "$ROB_KEY" "$ROB_PUB" "$S/in/"
B=$S/in/bundle.afmt
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$B" -- "$S/in/thread.ndjson" "$S/in/notes"
[ "$RC" = 0 ] || { echo "pack failed: $(cat "$ERR")"; exit 1; }
mkdir -p "$S/in/ref-files" "$S/in/ref-posts"
rob_exec ref "$AFMT" extract -p "$S/in/test.pub" -C "$S/in/ref-files" -- "$B"
[ "$RC" = 0 ] || { echo "extract failed: $(cat "$ERR")"; exit 1; }
rob_exec ref "$AFMT" extract --posts -p "$S/in/test.pub" -C "$S/in/ref-posts" -- "$B"
[ "$RC" = 0 ] || { echo "extract --posts failed: $(cat "$ERR")"; exit 1; }

T=$S/x/t
REF=
prepare() {
    rm -rf "$T"
    mkdir -p "$T"
}
check_tree() { # LABEL RC HIT
    local f rel
    if [ "$2" = 0 ]; then
        diff -r "$REF" "$T" >/dev/null 2>&1 ||
            rob_fail "$1: exit 0 but the extracted tree differs from one without faults"
        return
    fi
    while IFS= read -r -d '' f; do
        rel=${f#"$T"/}
        if [ -L "$f" ] || [ ! -f "$REF/$rel" ]; then
            rob_fail "$1: left $rel, which an extraction without faults does not make"
        elif ! cmp -s "$f" "$REF/$rel"; then
            rob_fail "$1: left $rel under its final name, incomplete or different"
        fi
    done < <(find "$T" -mindepth 1 ! -type d -print0)
}
check_short() {
    [ "$2" = 0 ] || rob_fail "$1: a short write made extract fail (exit $2)"
    check_tree "$@"
}
for mode in files posts; do
    REF=$S/in/ref-$mode
    args=(extract -p "$S/in/test.pub" -C "$T" -- "$B")
    [ "$mode" = posts ] && args=(extract --posts -p "$S/in/test.pub" -C "$T" -- "$B")
    rob_walk "extract_${mode}_eio" prepare check_tree FAULT_ERRNO=EIO -- "$AFMT" "${args[@]}"
    rob_walk "extract_${mode}_enospc" prepare check_tree FAULT_CALLS=open,write,fsync,rename,close \
        FAULT_ERRNO=ENOSPC FAULT_STICKY=1 -- "$AFMT" "${args[@]}"
    rob_walk "extract_${mode}_short_write" prepare check_short FAULT_CALLS=write FAULT_SHORT=1 -- \
        "$AFMT" "${args[@]}"
done
rob_finish fault
