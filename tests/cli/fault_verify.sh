#!/usr/bin/env bash
# fault_verify.sh - `afmt verify` (and `list --json`) of a sound bundle with
# every injectable call failing in turn (issue 5, item 4): an allocation
# or I/O failure must exit 3 with a message, never 1 ("not intact": the
# bundle is fine) nor 0 with a wrong report; a run that succeeds must print
# what a run without faults prints.  Under ASan, no leak on any path.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_fault_shim
rob_sandbox
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$S/in/notes"
cp "$ROB_H/inputs/thread.ndjson" "$S/in/"
printf 'a note\n' >"$S/in/notes/a.txt"
head -c 9000 /dev/urandom >"$S/in/notes/random.bin"
cp "$ROB_KEY" "$ROB_PUB" "$S/in/"
B=$S/in/bundle.afmt
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$B" -- "$S/in/thread.ndjson" "$S/in/notes"
[ "$RC" = 0 ] || { echo "pack failed: $(cat "$ERR")"; exit 1; }
rob_exec ref "$AFMT" verify -p "$S/in/test.pub" -- "$B"
cp "$S/log/ref.out" "$S/in/verify.ref"
rob_exec ref "$AFMT" list --json -p "$S/in/test.pub" -- "$B"
cp "$S/log/ref.out" "$S/in/list.ref"

prepare() { :; }
check_verify() { # LABEL RC HIT
    if [ "$2" = 0 ] && ! cmp -s "$S/log/walk.out" "$S/in/verify.ref"; then
        rob_fail "$1: exit 0 but the report differs from a run without faults"
    fi
}
check_list() {
    if [ "$2" = 0 ] && ! cmp -s "$S/log/walk.out" "$S/in/list.ref"; then
        rob_fail "$1: exit 0 but the listing differs from a run without faults"
    fi
}
rob_walk verify_eio prepare check_verify FAULT_ERRNO=EIO -- \
    "$AFMT" verify -p "$S/in/test.pub" -- "$B"
rob_walk list_eio prepare check_list FAULT_ERRNO=EIO -- \
    "$AFMT" list --json -p "$S/in/test.pub" -- "$B"
rob_finish fault
