#!/usr/bin/env bash
# kill_pack.sh - `afmt pack` killed with SIGKILL (issue 5, item 5): before
# and after every injectable call of a small run (open, write, fsync,
# rename, close, and every allocation), with and without a previous bundle
# at -o, then at random write counts and random times of a larger run.
# After every kill the output path is absent or holds a complete bundle
# (the previous one, or the new one once the rename happened), which
# verifies; no torn output; a rerun succeeds and writes the same bytes as
# an uninterrupted run.  Temporary files a kill leaves are counted (nothing
# can remove them) and must not disturb the rerun.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_fault_shim
rob_sandbox
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$S/in/notes/sub" "$S/out"
cp "$ROB_H/inputs/thread.ndjson" "$ROB_KEY" "$ROB_PUB" "$S/in/"
printf 'a short note\n' >"$S/in/notes/a.txt"
head -c 6000 /dev/zero | tr '\0' 'n' >"$S/in/notes/sub/long.txt"
OUTB=$S/out/out.afmt
PREV=$S/in/previous.afmt
cp "$ROB_H/base.afmt" "$PREV"
KILLS=0 TORN=0 LEFT_TEMPS=0

# after_kill LABEL REF: the output is absent, the previous bundle or REF
after_kill() {
    local label=$1 ref=$2
    if [ -e "$OUTB" ]; then
        if cmp -s "$OUTB" "$PREV" || cmp -s "$OUTB" "$ref"; then
            rob_exec v "$AFMT" verify -p "$S/in/test.pub" -- "$OUTB"
            [ "$RC" = 0 ] || rob_fail "$label: the bundle left at -o does not verify"
        else
            TORN=$((TORN + 1))
            rob_fail "$label: torn output: -o holds neither the previous nor the new bundle"
        fi
    fi
    local t
    t=$(find "$S/out" -name '*afmt-tmp*' | wc -l)
    LEFT_TEMPS=$((LEFT_TEMPS + t))
}

# rerun LABEL REF ARGS...: an uninterrupted run over what the kill left
rerun() {
    local label=$1 ref=$2
    shift 2
    rob_exec rerun "$AFMT" pack "$@"
    rob_check "$label: rerun" 0
    cmp -s "$OUTB" "$ref" || rob_fail "$label: the rerun wrote other bytes than an uninterrupted run"
    find "$S/out" -name '*afmt-tmp*' -delete
}

# -------------------------------------------------- every call, small run
args=(-f -s "$S/in/test.key" -o "$OUTB" -- "$S/in/thread.ndjson" "$S/in/notes")
REF=$S/in/reference.afmt
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$REF" -- "$S/in/thread.ndjson" "$S/in/notes"
[ "$RC" = 0 ] || { echo "reference pack failed"; exit 1; }
# kill_walk CLASSES WHENS PREVIOUS...: a kill at every call of CLASSES
kill_walk() {
    local classes=$1 whens=$2 total previous when n
    shift 2
    rm -rf "$S/out" && mkdir -p "$S/out"
    rob_count_calls "$classes" "$AFMT" pack "${args[@]}"
    total=$ROB_CALLS
    echo "small pack: $total calls of $classes"
    for previous in "$@"; do
        for when in $whens; do
            for ((n = 1; n <= total; n++)); do
                rm -rf "$S/out" && mkdir -p "$S/out"
                [ "$previous" = yes ] && cp "$PREV" "$OUTB"
                ROB_CASE_OK=1
                rob_exec kill env "${ROB_PRELOAD[@]}" FAULT_CALLS="$classes" FAULT_ONE_CPU=1 \
                    FAULT_KILL=$when FAULT_N=$n "$AFMT" pack "${args[@]}"
                local label="kill pack (previous $previous) at $classes call $n ($when)"
                [ "$RC" = 137 ] || rob_check "$label: not reached" 0
                KILLS=$((KILLS + 1))
                after_kill "$label" "$REF"
                rerun "$label" "$REF" "${args[@]}"
                rob_count "pack_every_call" "$ROB_CASE_OK" 2
            done
        done
    done
}
# every write, open, fsync, rename and close: before it and after it, with
# and without a previous bundle; then every allocation
kill_walk open,write,fsync,rename,close "1 after" yes no
kill_walk malloc 1 yes

# -------------------------------------------------- random points, large run
big=$S/in/big.ndjson
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) {
    printf "{\"id\":\"%d\",\"parent\":%s,\"author\":\"u%d\",\"created\":%d,\"title\":null,\"body\":\"",
        i, (i ? "\"" int(rand() * i) "\"" : "null"), int(rand() * 500), 1700000000 + i;
    n = 20 + int(rand() * 60);
    for (k = 0; k < n; k++) printf "%s ", substr("loremipsumdolorsitametconsecteturadipiscing", 1 + int(rand() * 30), 3 + int(rand() * 8));
    printf "\"}\n" } }' >"$big"
BREF=$S/in/big-reference.afmt
bargs=(-f -s "$S/in/test.key" -o "$OUTB" -- "$big")
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$BREF" -- "$big"
[ "$RC" = 0 ] || { echo "large reference pack failed"; exit 1; }
rob_count_calls write "$AFMT" pack "${bargs[@]}"
writes=$ROB_CALLS
echo "large pack: $(stat -c %s "$big") bytes of input, $writes writes"
RANDOM=12345
for ((k = 0; k < ${KILL_RANDOM:-10}; k++)); do
    rm -rf "$S/out" && mkdir -p "$S/out"
    [ $((k % 2)) = 0 ] && cp "$PREV" "$OUTB"
    ROB_CASE_OK=1
    if [ $((k % 3)) = 2 ]; then
        # a random moment instead of a random write
        ms=$((RANDOM % 800 + 20))
        label="kill large pack after ${ms} ms"
        rob_exec kill timeout -s KILL "$(printf '0.%03d' "$ms")" "$AFMT" pack "${bargs[@]}"
    else
        n=$((RANDOM % writes + 1))
        label="kill large pack at write $n of $writes"
        rob_exec kill env "${ROB_PRELOAD[@]}" FAULT_CALLS=write FAULT_KILL=1 FAULT_N=$n \
            "$AFMT" pack "${bargs[@]}"
    fi
    KILLS=$((KILLS + 1))
    after_kill "$label" "$BREF"
    rerun "$label" "$BREF" "${bargs[@]}"
    rob_count "pack_random" "$ROB_CASE_OK" 2
done
echo "ROBUSTNESS kill pack build=$([ "$ROB_ASAN" = 1 ] && echo asan || echo release) kills=$KILLS torn=$TORN temporary_files_left=$LEFT_TEMPS"
rob_finish kill
