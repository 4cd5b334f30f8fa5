#!/usr/bin/env bash
# hostile_ids.sh - hostile ids and paths (issue 5, item 1): post ids such as
# ../x, a/../../x, /x, ..\x, ., empty, with NUL, with ANSI escapes, that
# collide after case folding; file paths that are invalid (refused) or
# awkward (a 300-byte component, 2048 levels); symbolic links planted in the
# extraction folder where the bundle has a file or a folder.  Nothing may be
# written outside the folder, and the canary must stay as it is.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen ids,paths
rob_manifest
# An id with terminal escapes, listed on a terminal: nothing raw may reach it.
if command -v script >/dev/null; then
    rob_sandbox
    B=$ROB_H/cases/ids.id_ansi_title.afmt
    script -qec "$AFMT list -p $ROB_PUB -- $B" /dev/null >"$S/log/tty" 2>&1 </dev/null
    rc=$?
    ROB_CASE_OK=1
    if [ "$rc" != 0 ]; then
        rob_fail "ids.tty: list on a terminal exited $rc"
    elif LC_ALL=C grep -q $'\x1b\\]0;owned' "$S/log/tty"; then
        rob_fail "ids.tty: an escape sequence from a post id reached the terminal raw"
    fi
    rob_count ids "$ROB_CASE_OK" 1
fi
rob_finish hostile
