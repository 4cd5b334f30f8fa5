#!/usr/bin/env bash
# kill_extract.sh - `afmt extract` killed with SIGKILL (issue 5, item 5):
# before and after every injectable call of a small extraction (files, then
# --posts), then at random write counts and random times of a large one.
# After every kill each file under its final name is complete (the bytes an
# uninterrupted extraction writes), never torn; `extract -f` then succeeds
# and leaves the whole tree.  Temporary files a kill leaves are counted.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid
rob_fault_shim
rob_sandbox
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$S/in/notes/deep/er"
cp "$ROB_H/inputs/thread.ndjson" "$ROB_KEY" "$ROB_PUB" "$S/in/"
printf 'a note\n' >"$S/in/notes/a.txt"
printf 'another\n' >"$S/in/notes/deep/b.txt"
head -c 9000 /dev/urandom >"$S/in/notes/deep/er/random.bin"
B=$S/in/bundle.afmt
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$B" -- "$S/in/thread.ndjson" "$S/in/notes"
[ "$RC" = 0 ] || { echo "pack failed: $(cat "$ERR")"; exit 1; }
T=$S/x/t
KILLS=0 TORN=0 LEFT_TEMPS=0

# after_kill LABEL REF: every file under its final name is complete
after_kill() {
    local label=$1 ref=$2 f rel
    while IFS= read -r -d '' f; do
        rel=${f#"$T"/}
        case ${rel##*/} in *afmt-tmp*) LEFT_TEMPS=$((LEFT_TEMPS + 1)); continue ;; esac
        if [ -L "$f" ] || [ ! -f "$ref/$rel" ] || ! cmp -s "$f" "$ref/$rel"; then
            TORN=$((TORN + 1))
            rob_fail "$label: $rel is torn or unexpected after the kill"
        fi
    done < <(find "$T" -mindepth 1 ! -type d -print0)
}

# rerun LABEL REF ARGS...: extract -f over what the kill left
rerun() {
    local label=$1 ref=$2
    shift 2
    rob_exec rerun "$AFMT" extract -f "$@"
    rob_check "$label: rerun" 0
    find "$T" -name '*afmt-tmp*' -delete
    diff -r "$ref" "$T" >/dev/null || rob_fail "$label: the rerun did not leave the whole tree"
}

kill_every_call() { # NAME CLASSES WHENS REF ARGS...
    local name=$1 classes=$2 whens=$3 ref=$4
    shift 4
    local total n when
    rm -rf "$T" && mkdir -p "$T"
    rob_count_calls "$classes" "$AFMT" extract "$@"
    total=$ROB_CALLS
    echo "$name: $total calls of $classes"
    for when in $whens; do
        for ((n = 1; n <= total; n++)); do
            rm -rf "$T" && mkdir -p "$T"
            ROB_CASE_OK=1
            rob_exec kill env "${ROB_PRELOAD[@]}" FAULT_CALLS="$classes" FAULT_ONE_CPU=1 \
                FAULT_KILL=$when FAULT_N=$n "$AFMT" extract "$@"
            local label="kill $name at $classes call $n ($when)"
            [ "$RC" = 137 ] || rob_check "$label: not reached" 0
            KILLS=$((KILLS + 1))
            after_kill "$label" "$ref"
            rerun "$label" "$ref" "$@"
            rob_count "${name}_every_call" "$ROB_CASE_OK" 2
        done
    done
}

mkdir -p "$S/in/ref-files" "$S/in/ref-posts"
rob_exec ref "$AFMT" extract -p "$S/in/test.pub" -C "$S/in/ref-files" -- "$B"
rob_exec ref "$AFMT" extract --posts -p "$S/in/test.pub" -C "$S/in/ref-posts" -- "$B"
io=open,write,fsync,rename,close
kill_every_call extract $io "1 after" "$S/in/ref-files" -p "$S/in/test.pub" -C "$T" -- "$B"
kill_every_call extract malloc 1 "$S/in/ref-files" -p "$S/in/test.pub" -C "$T" -- "$B"
kill_every_call extract_posts $io "1 after" "$S/in/ref-posts" --posts -p "$S/in/test.pub" -C "$T" -- "$B"

# -------------------------------------------------- random points, large run
mkdir -p "$S/in/big"
for i in $(seq 1 40); do
    head -c $((i * 37000)) /dev/urandom | base64 >"$S/in/big/file$i.txt"
done
BB=$S/in/big.afmt
rob_exec ref "$AFMT" pack -s "$S/in/test.key" -o "$BB" -- "$S/in/big"
[ "$RC" = 0 ] || { echo "large pack failed: $(cat "$ERR")"; exit 1; }
mkdir -p "$S/in/ref-big"
rob_exec ref "$AFMT" extract -p "$S/in/test.pub" -C "$S/in/ref-big" -- "$BB"
rm -rf "$T" && mkdir -p "$T"
rob_count_calls write "$AFMT" extract -p "$S/in/test.pub" -C "$T" -- "$BB"
writes=$ROB_CALLS
echo "large extract: $(du -sb "$S/in/ref-big" | cut -f1) bytes in 40 files, $writes writes"
RANDOM=54321
for ((k = 0; k < ${KILL_RANDOM:-10}; k++)); do
    rm -rf "$T" && mkdir -p "$T"
    ROB_CASE_OK=1
    if [ $((k % 3)) = 2 ]; then
        ms=$((RANDOM % 400 + 10))
        label="kill large extract after ${ms} ms"
        rob_exec kill timeout -s KILL "$(printf '0.%03d' "$ms")" \
            "$AFMT" extract -p "$S/in/test.pub" -C "$T" -- "$BB"
    else
        n=$((RANDOM % writes + 1))
        label="kill large extract at write $n of $writes"
        rob_exec kill env "${ROB_PRELOAD[@]}" FAULT_CALLS=write FAULT_KILL=1 FAULT_N=$n \
            "$AFMT" extract -p "$S/in/test.pub" -C "$T" -- "$BB"
    fi
    KILLS=$((KILLS + 1))
    after_kill "$label" "$S/in/ref-big"
    rerun "$label" "$S/in/ref-big" -p "$S/in/test.pub" -C "$T" -- "$BB"
    rob_count "extract_random" "$ROB_CASE_OK" 2
done
echo "ROBUSTNESS kill extract build=$([ "$ROB_ASAN" = 1 ] && echo asan || echo release) kills=$KILLS torn=$TORN temporary_files_left=$LEFT_TEMPS"
rob_finish kill
