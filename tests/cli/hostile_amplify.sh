#!/usr/bin/env bash
# hostile_amplify.sh - nothing amplified (issue 12, items 3 and 4): valid,
# signed bundles of a few hundred kilobytes whose naive reading costs
# minutes of CPU or terabytes of disk, run through every command like the
# other hostile cases (under the memory limit and the 30 s timeout), then:
#   - files_x_blocks (item 3): 4000 files, each made of one tiny post of
#     each of 16 blocks of 16 MiB.  Extracted file by file, each file
#     decoded the 16 blocks again (938 GiB, about 95 s); extraction must
#     read each block once: what the process read (rchar of /proc/PID/io,
#     taken from the exited process before it is reaped) is at most twice
#     the bundle, and its CPU time at most twice verify's plus a second;
#   - file_of_one_content_65536_times (item 4): a 1 TiB file from a 43 KB
#     bundle; extract refuses it before writing (over --max-size), and with
#     --max-size 2P it refuses it for want of free space, writing nothing;
#     list flags it;
#   - posts_share_one_content_20000 (item 4): 312 GiB of posts; extract
#     --posts refuses before writing; list --json warns;
#   - blocks_2048_of_1MiB_zeros (item 4): 2 GiB of blocks from 263 KB: over
#     the bound of all blocks together (spec 7.3), refused when opened.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen amplify
rob_manifest

# rob_io_run NAME CMD...: runs CMD like rob_exec (no memory limit) and sets
# RC, ROB_RCHAR (bytes it read) and ROB_CPU (user + system seconds)
rob_io_run() {
    local name=$1
    shift
    OUT=$S/log/$name.out
    ERR=$S/log/$name.err
    local res
    res=$(cd "$S/cwd" && HOME=$S/home TMPDIR=$S/tmp python3 - "$ROB_TIMEOUT" "$@" \
        2>"$ERR" <<'EOF'
import os, subprocess, sys, time
timeout, cmd = float(sys.argv[1]), sys.argv[2:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sys.stderr)
end = time.monotonic() + timeout
while True:
    # leave the exited process unreaped, so that its /proc/PID/io stays
    r = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if r is not None:
        break
    if time.monotonic() > end:
        p.kill()
        p.wait()
        print("124 0 0")
        sys.exit(0)
    time.sleep(0.01)
io = dict(l.split(": ") for l in open("/proc/%d/io" % p.pid).read().split("\n") if l)
_, status, ru = os.wait4(p.pid, 0)
rc = os.waitstatus_to_exitcode(status)
print(rc if rc >= 0 else 128 - rc, io["rchar"], "%.3f" % (ru.ru_utime + ru.ru_stime))
EOF
    )
    read -r RC ROB_RCHAR ROB_CPU <<<"$res"
}

rob_sandbox
C=$ROB_H/cases
P=$ROB_PUB
ok=1 runs=0

# item 3: each block read once
B=$C/amplify.files_x_blocks.afmt
size=$(stat -c %s "$B")
rob_io_run verify "$AFMT" verify -p "$P" "$B"
vcpu=$ROB_CPU
runs=$((runs + 1))
rob_io_run extract "$AFMT" extract -p "$P" -C "$S/x/a" "$B"
runs=$((runs + 1))
echo "files_x_blocks: bundle $size bytes; extract read $ROB_RCHAR bytes in $ROB_CPU s of CPU (verify: $vcpu s); exit $RC"
if [ "$RC" != 0 ]; then
    rob_fail "files_x_blocks: extract exited $RC: $(head -c 300 "$ERR")"
    ok=0
elif [ "$ROB_RCHAR" -gt $((2 * size + 1048576)) ]; then
    rob_fail "files_x_blocks: extract read $ROB_RCHAR bytes of a $size-byte bundle: blocks decoded more than once"
    ok=0
elif ! awk -v e="$ROB_CPU" -v v="$vcpu" 'BEGIN { exit !(e <= 2 * v + 1) }'; then
    rob_fail "files_x_blocks: extract took $ROB_CPU s of CPU, verify $vcpu s"
    ok=0
fi
n=$(find "$S/x/a" -type f | wc -l)
[ "$n" = 4000 ] || { rob_fail "files_x_blocks: extract wrote $n files, not 4000"; ok=0; }
rm -rf "$S/x/a"
rob_count amplify-checks "$ok" 2

# item 4: refused before writing, whatever the limit
ok=1
B=$C/amplify.file_of_one_content_65536_times.afmt
rob_exec big "$AFMT" extract -p "$P" -C "$S/x/b" -- "$B"
if [ "$RC" != 3 ] || ! grep -q 'over the limit of 64.0 GiB (--max-size); nothing written' "$ERR"; then
    rob_fail "1 TiB file: extract exited $RC: $(head -c 300 "$ERR")"
    ok=0
fi
rob_exec big2 "$AFMT" extract --max-size 2P -p "$P" -C "$S/x/c" -- "$B"
if [ "$RC" != 3 ] || ! grep -q 'free where it goes; nothing written' "$ERR"; then
    rob_fail "1 TiB file, --max-size 2P: extract exited $RC: $(head -c 300 "$ERR")"
    ok=0
fi
for d in "$S/x/b" "$S/x/c"; do
    [ -z "$(find "$d" -type f 2>/dev/null)" ] || { rob_fail "1 TiB file: $d is not empty"; ok=0; }
done
rob_exec list "$AFMT" list -p "$P" -- "$B"
if [ "$RC" != 0 ] || ! grep -q "huge.bin  (1099511627776 bytes)  \[over extract's limit of 64.0 GiB\]" "$OUT"; then
    rob_fail "1 TiB file: list does not flag it: $(head -c 300 "$OUT")"
    ok=0
fi
B=$C/amplify.posts_share_one_content_20000.afmt
rob_exec posts "$AFMT" extract --posts -p "$P" -C "$S/x/d" -- "$B"
if [ "$RC" != 3 ] || [ -n "$(find "$S/x/d" -type f 2>/dev/null)" ]; then
    rob_fail "20000 posts of 16 MiB: extract --posts exited $RC: $(head -c 300 "$ERR")"
    ok=0
fi
rob_exec listj "$AFMT" list --json -p "$P" -- "$B"
if [ "$RC" != 0 ] || ! grep -q 'its posts add up to 335544320000 bytes' "$ERR"; then
    rob_fail "20000 posts of 16 MiB: list --json does not warn: $(head -c 300 "$ERR")"
    ok=0
fi
B=$C/amplify.blocks_2048_of_1MiB_zeros.afmt
rob_io_run verify2 "$AFMT" verify -p "$P" "$B"
if [ "$RC" != 1 ] || ! grep -q 'over 1024:1 + 1 MiB' "$ERR"; then
    rob_fail "2048 blocks of 1 MiB of zeros: verify exited $RC: $(head -c 300 "$ERR")"
    ok=0
fi
echo "blocks_2048_of_1MiB_zeros: verify read $ROB_RCHAR bytes in $ROB_CPU s of CPU; exit $RC"
rob_count amplify-checks "$ok" 6
rob_finish hostile
