#!/usr/bin/env bash
# fault_pack.sh - `afmt pack` with every injectable call failing in turn
# (issue 5, item 4): allocations (ENOMEM), opens for writing, writes, fsync,
# rename/link and close (EIO); then writes, opens and syncs failing for
# good with ENOSPC (a full disk); then every write cut short (must be
# retried: the bundle comes out the same).  Each failing run must exit 3
# with a message, leave the previous bundle at -o as it was and no
# temporary file; a run that succeeds must write the same bytes as a run
# without faults.  Under the ASan build, LeakSanitizer checks every run.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_fault_shim
rob_sandbox
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$S/in/notes/sub" "$S/out"
cp "$ROB_H/inputs/thread.ndjson" "$S/in/"
printf 'a short note\n' >"$S/in/notes/a.txt"
head -c 6000 /dev/zero | tr '\0' 'n' >"$S/in/notes/sub/long.txt"
printf '' >"$S/in/notes/empty.txt"
cp "$ROB_KEY" "$S/in/test.key"
OUTB=$S/out/out.afmt
PREV=$S/in/previous.afmt
cp "$ROB_H/base.afmt" "$PREV"
# the reference: the same pack without faults
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$S/in/reference.afmt" -- \
    "$S/in/thread.ndjson" "$S/in/notes"
[ "$RC" = 0 ] || { echo "reference pack failed: $(cat "$ERR")"; exit 1; }

prepare() {
    rm -rf "$S/out"
    mkdir -p "$S/out"
    cp "$PREV" "$OUTB"
}
verify_out() { # LABEL RC HIT
    if [ "$2" = 0 ]; then
        cmp -s "$OUTB" "$S/in/reference.afmt" ||
            rob_fail "$1: exit 0 but the bundle differs from the one written without faults"
    elif ! cmp -s "$OUTB" "$PREV"; then
        rob_fail "$1: exit $2 and the previous bundle at -o was changed or removed"
    fi
    local extra
    extra=$(find "$S/out" -mindepth 1 ! -name out.afmt | head -3)
    [ -z "$extra" ] || rob_fail "$1: left in the output folder: $extra"
}
verify_short() { # LABEL RC HIT: short writes must be retried
    [ "$2" = 0 ] || rob_fail "$1: a short write made pack fail (exit $2)"
    verify_out "$@"
}
cmd=("$AFMT" pack -f -s "$S/in/test.key" -o "$OUTB" -- "$S/in/thread.ndjson" "$S/in/notes")
rob_walk pack_eio prepare verify_out FAULT_ERRNO=EIO -- "${cmd[@]}"
rob_walk pack_enospc prepare verify_out FAULT_CALLS=open,write,fsync,rename,close \
    FAULT_ERRNO=ENOSPC FAULT_STICKY=1 -- "${cmd[@]}"
rob_walk pack_short_write prepare verify_short FAULT_CALLS=write FAULT_SHORT=1 -- "${cmd[@]}"
rob_finish fault
