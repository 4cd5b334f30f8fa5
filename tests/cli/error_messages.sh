#!/usr/bin/env bash
# One error channel (issue 10, item 3): what the library says on a failure
# reaches the user, path and system reason included, and the command no
# longer re-checks what the library checks (its words are shown instead).
. "$(dirname "$0")/lib.bash"

expect 0 "$AFMT" keygen -W -s k.key -p k.pub
IN="$SRC/examples/thread.ndjson"

# the writer fails to create its file: the path and the system's reason,
# not a bare "input/output error"
expect 3 "$AFMT" pack -s k.key -o /no/such/dir/x.afmt "$IN"
grep -q '^afmt: /no/such/dir/x.afmt: .*/no/such/dir.*: No such file or directory$' err ||
    fail "message: $(cat err)"
grep -q 'input/output error' err && fail "the reason was lost: $(cat err)"

# options are the library's to check, in its words, as usage errors (2),
# before any work (no bundle, no temporary file)
expect 2 "$AFMT" pack -s k.key -o x.afmt -l 0 "$IN"
grep -q 'zstd level must be 1 to 19' err || fail "message: $(cat err)"
expect 2 "$AFMT" pack -s k.key -o x.afmt -l 20 "$IN"
grep -q 'zstd level must be 1 to 19' err || fail "message: $(cat err)"
expect 2 "$AFMT" pack -s k.key -o x.afmt --title "$(printf 'a\tb')" "$IN"
grep -q 'bundle title must be at most 1024 bytes of UTF-8 without control characters' err ||
    fail "message: $(cat err)"
expect 2 "$AFMT" pack -s k.key -o x.afmt --title "$(head -c 1025 /dev/zero | tr '\0' t)" "$IN"
grep -q 'bundle title must be' err || fail "message: $(cat err)"
[ -z "$(ls -A | grep -v -e '^k\.' -e '^err$' -e '^out$' || true)" ] || fail "files left: $(ls -A)"

# SOURCE_DATE_EPOCH is read by the command and passed in
SOURCE_DATE_EPOCH=5 expect 0 "$AFMT" pack -s k.key -o t.afmt "$IN"
expect 0 "$AFMT" verify -p k.pub t.afmt
grep -q 'timestamp:5 ' out || fail "creation time: $(cat out)"

# the reader's message: a post that is not there, a missing bundle
expect 3 "$AFMT" cat -p k.pub t.afmt nosuch
grep -q "no post with id 'nosuch'" err || fail "message: $(cat err)"
expect 3 "$AFMT" list no-such.afmt
grep -q '^afmt: no-such.afmt: .*No such file or directory' err || fail "message: $(cat err)"
# a sink that stops (extract's write fails) is the command's write error,
# with the system's reason, not "stopped by a callback"
cc -shared -fPIC -O1 -w -o shim.so "$SRC/tests/fault/fault_inject.c" -ldl ||
    fail "cannot build the fault shim"
mkdir outx
case $(ldd "$AFMT" 2>/dev/null) in # under ASan the shim is not first: tell it that is fine
*asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" ;;
esac
LD_PRELOAD=$T/shim.so FAULT_CALLS=write FAULT_STICKY=1 FAULT_N=1 FAULT_ERRNO=ENOSPC \
    expect 3 "$AFMT" extract -p k.pub -C outx t.afmt
grep -q '^afmt: thread.ndjson: write error: No space left on device$' err ||
    fail "message: $(cat err)"
[ -z "$(ls -A outx)" ] || fail "extract left: $(ls -A outx)"
echo "error_messages: OK"
