# lib.bash - shared by tests/cli/hostile_*.sh, fault_*.sh and kill_*.sh
# (issue 5).  Sourced, never run.  Needs AFMT (the command) and
# AFMT_SOURCE_ROOT (the project root) in the environment, as ctest sets them.
#
# What a hostile run checks, for every case and every command:
#   - the exit status is the documented one (the manifest's expectation);
#   - a failure says so on stderr as "afmt: ..." (exit 1, not intact: as
#     "afmt: FILE: ..."; when no line names the bundle itself, as extract's
#     "afmt: PATH: ... not written", it is counted as a note);
#   - no signal (crash), no timeout, no sanitizer report;
#   - stderr carries no raw control character (ids are escaped);
#   - nothing outside the extraction folder changed: the canary file, the
#     planted links, the bundle, the working directory (a snapshot of names,
#     types, sizes, modes, link counts and contents, before and after);
#   - no temporary file (*afmt-tmp*) is left anywhere;
#   - what succeeded is right: `cat` output hashes to the post's listed hash
#     and to the content hash the generator forged for that id (the
#     manifest's last column: `cat` checks only its way to the post, spec
#     10.1, so it may succeed on a bundle damaged elsewhere, counted as a
#     note), `extract --posts` writes one file per post whose bytes are a
#     post's, nothing extracted is anything but a regular file or a folder.
#
# Counters are printed at the end as one line per group:
#   ROBUSTNESS hostile GROUP cases=N survived=N runs=N
# which tests/ROBUSTNESS.md collects.

set -u
set -o pipefail
export LC_ALL=C # byte semantics for the pattern matching below
shopt -s nullglob dotglob

: "${AFMT:?AFMT must name the afmt binary}"
: "${AFMT_SOURCE_ROOT:?AFMT_SOURCE_ROOT must name the project root}"
AFMT=$(readlink -f "$AFMT")
ROB_TIMEOUT=${ROB_TIMEOUT:-30}        # seconds per command
ROB_VMEM_KB=${ROB_VMEM_KB:-1572864}   # ulimit -v per command (under ASan: hard_rss_limit_mb)

rob_is_asan() {
    # not `ldd | grep -q`: with pipefail, grep quitting early fails the pipe
    local libs
    libs=$(ldd "$AFMT" 2>/dev/null)
    [[ $libs == *libasan* || $libs == *libclang_rt.asan* ]]
}

if rob_is_asan; then
    ROB_ASAN=1
    # Keep the caller's options (make sanitize sets them); make leaks and
    # UB fatal and reports recognisable.
    # hard_rss_limit_mb stands in for ulimit -v, which ASan's shadow cannot live under
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0:exitcode=99:hard_rss_limit_mb=2048"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1:exitcode=99"
else
    ROB_ASAN=0
fi

# In memory when possible: extraction and pack fsync every file they write.
if [ -z "${ROB_TMP:-}" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then ROB_TMP=/dev/shm; else ROB_TMP=${TMPDIR:-/tmp}; fi
fi
ROB_WORK=$(mktemp -d "$ROB_TMP/afmt-rob.XXXXXX")
rob_cleanup() {
    if [ "${ROB_KEEP:-0}" = 1 ]; then
        echo "kept $ROB_WORK" >&2
    else
        chmod -R u+rwx "$ROB_WORK" 2>/dev/null
        rm -rf "$ROB_WORK"
    fi
}
trap rob_cleanup EXIT

ROB_FAILS=0
ROB_NOTES=0 # exit 1 whose messages name the files not written, not the bundle
ROB_CAT_PARTIAL=0 # cat printed a post (checked) of a bundle that fails verify
ROB_H=$ROB_WORK/h
declare -A ROB_CASES ROB_SURVIVED ROB_RUNS
ROB_GROUPS=()

rob_fail() { # MESSAGE...
    ROB_FAILS=$((ROB_FAILS + 1))
    printf 'FAIL: %s\n' "$*"
    ROB_CASE_OK=0
}

# ---------------------------------------------------------------- building

# rob_cc OUT SOURCES... : compiles a helper with the system compiler
rob_cc() {
    local out=$1
    shift
    cc -std=c11 -D_GNU_SOURCE -O1 -g -w -o "$out" "$@"
}

# rob_gen [GROUPS]: builds the generator and writes the cases to $ROB_H
rob_gen() {
    ROB_H=$ROB_WORK/h
    rob_cc "$ROB_WORK/gen_hostile" -I"$AFMT_SOURCE_ROOT/tests/hostile" \
        "$AFMT_SOURCE_ROOT/tests/hostile/gen_hostile.c" \
        "$AFMT_SOURCE_ROOT/tests/hostile/forge.c" -lsodium -lzstd -lcrypto || {
        echo "cannot build gen_hostile" >&2
        exit 1
    }
    if [ $# -gt 0 ]; then
        "$ROB_WORK/gen_hostile" --groups "$1" "$ROB_H" >/dev/null
    else
        "$ROB_WORK/gen_hostile" "$ROB_H" >/dev/null
    fi || {
        echo "gen_hostile failed" >&2
        exit 1
    }
    ROB_PUB=$ROB_H/keys/test.pub
    ROB_KEY=$ROB_H/keys/test.key
}

# rob_fault_shim: builds the LD_PRELOAD shim into $ROB_SHIM, and sets
# ROB_PRELOAD, the environment that loads it (for `env`): under ASan the
# shim comes before the ASan runtime, which must be told it may
rob_fault_shim() {
    ROB_SHIM=$ROB_WORK/fault_inject.so
    cc -shared -fPIC -O1 -g -w -o "$ROB_SHIM" \
        "$AFMT_SOURCE_ROOT/tests/fault/fault_inject.c" -ldl || {
        echo "cannot build the fault shim" >&2
        exit 1
    }
    ROB_PRELOAD=("LD_PRELOAD=$ROB_SHIM")
    # (no RSS-limit thread: its start-up allocations, through the shim,
    # would look like a leak to LeakSanitizer)
    [ "$ROB_ASAN" = 1 ] &&
        ROB_PRELOAD+=("ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0:hard_rss_limit_mb=0")
}

# rob_count_calls CLASSES CMD...: how many calls of CLASSES CMD makes (one
# thread); sets ROB_CALLS, fails the test when it cannot tell
rob_count_calls() {
    local classes=$1 rep=$S/log/count.rep
    shift
    rm -f "$rep"
    rob_exec count env "${ROB_PRELOAD[@]}" FAULT_CALLS="$classes" FAULT_ONE_CPU=1 \
        FAULT_REPORT="$rep" "$@"
    ROB_CALLS=$(sed -n 's/^count //p' "$rep" 2>/dev/null | tail -1)
    if [ "$RC" != 0 ] || [ -z "$ROB_CALLS" ]; then
        echo "cannot count the calls of $*: exit $RC: $(head -c 500 "$ERR")" >&2
        exit 1
    fi
}

# ---------------------------------------------------------------- sandbox

# rob_sandbox: a fresh folder for one case:
#   $S/in/       the bundle (read-only folder)
#   $S/outside/  the canary file and a folder, outside every target
#   $S/cwd/      the working directory of every command
#   $S/home/     HOME;  $S/tmp/  TMPDIR
#   $S/log/      captured output (not part of the snapshot)
#   $S/x/        extraction targets are made below it, one per run
rob_sandbox() {
    S=$(mktemp -d "$ROB_WORK/case.XXXXXX")
    mkdir -p "$S/in" "$S/outside/folder" "$S/cwd" "$S/home" "$S/tmp" "$S/log" "$S/x"
    printf 'canary %s %s\n' "$RANDOM" "$RANDOM" >"$S/outside/canary"
    printf 'inner canary\n' >"$S/outside/folder/inner"
    chmod 0444 "$S/outside/canary"
}

# rob_snapshot: one line per path outside $S/x and $S/log
rob_snapshot() {
    (
        cd "$S" || exit 1
        find . \( -path ./x -o -path ./log \) -prune -o \
            -printf '%p %y %s %m %n %l\n' | LC_ALL=C sort
        find . \( -path ./x -o -path ./log \) -prune -o -type f -print0 |
            LC_ALL=C sort -z | xargs -0 -r md5sum
    )
}

# rob_plant DIR SPEC: plants symbolic links "name:target,..." in DIR, where
# target is canary (the canary file), outside (the outside folder) or
# missing (a dangling link into outside)
rob_plant() {
    local dir=$1 spec=$2 item name target
    # always: two links whose names no bundle uses
    ln -s "$S/outside" "$dir/zz-planted-folder"
    ln -s "$S/outside/canary" "$dir/zz-planted-file"
    [ "$spec" = - ] && return 0
    IFS=, read -r -a items <<<"$spec"
    for item in "${items[@]}"; do
        name=${item%%:*}
        target=${item#*:}
        case $target in
        canary) ln -s "$S/outside/canary" "$dir/$name" ;;
        outside) ln -s "$S/outside" "$dir/$name" ;;
        missing) ln -s "$S/outside/missing" "$dir/$name" ;;
        esac
    done
}

# ---------------------------------------------------------------- running

# rob_exec NAME CMD...: runs CMD in the sandbox under the limits; sets RC,
# OUT (stdout file), ERR (stderr file)
rob_exec() {
    local name=$1
    shift
    OUT=$S/log/$name.out
    ERR=$S/log/$name.err
    local vm=""
    [ "$ROB_ASAN" = 0 ] && vm="ulimit -v $ROB_VMEM_KB;"
    # timeout is not exec'd: when the command dies of a signal the subshell
    # still exits normally (128 + signal), and bash prints no notice
    (
        cd "$S/cwd" || exit 97
        export HOME=$S/home TMPDIR=$S/tmp LC_ALL=C.UTF-8
        eval "$vm"
        timeout -k 5 "$ROB_TIMEOUT" "$@"
        exit $?
    ) >"$OUT" 2>"$ERR" </dev/null
    RC=$?
}

# rob_status_ok CLASS RC: 0 1 3 exact; E = 1 or 3; A = 0, 1 or 3
rob_status_ok() {
    case $1 in
    0 | 1 | 2 | 3) [ "$2" = "$1" ] ;;
    E) [ "$2" = 1 ] || [ "$2" = 3 ] ;;
    A) [ "$2" = 0 ] || [ "$2" = 1 ] || [ "$2" = 3 ] ;;
    *) return 1 ;;
    esac
}

# rob_check LABEL CLASS [BUNDLE]: the checks common to every run (bash
# builtins only: this runs thousands of times)
rob_check() {
    local label=$1 class=$2 bundle=${3:-} err=""
    IFS= read -r -d '' err <"$ERR"
    if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
        rob_fail "$label: timed out after ${ROB_TIMEOUT}s (status $RC)"
    elif [ "$RC" = 99 ] || [[ $err == *"ERROR: AddressSanitizer"* || $err == *"ERROR: LeakSanitizer"* ||
        $err == *"runtime error:"* || $err == *"SUMMARY: "*"Sanitizer"* ]]; then
        # the report from its first line naming the error
        local rep=$err
        [[ $rep == *"ERROR: "* ]] && rep="ERROR: ${rep#*ERROR: }"
        [[ $rep == *"runtime error:"* ]] && rep="runtime error: ${rep#*runtime error: }"
        rob_fail "$label: sanitizer report (status $RC): ${rep:0:900}"
        return
    elif [ "$RC" -gt 128 ]; then
        rob_fail "$label: killed by signal $((RC - 128))"
    elif ! rob_status_ok "$class" "$RC"; then
        rob_fail "$label: exit status $RC, expected $class; stderr: ${err:0:300}"
    fi
    if [ "$RC" != 0 ] && [ "$RC" -lt 128 ]; then
        if [[ $'\n'$err != *$'\nafmt: '* ]]; then
            rob_fail "$label: exit $RC without an 'afmt: ...' message"
        elif [ "$RC" = 1 ] && [[ $'\n'$err != *$'\nafmt: '*': '* ]]; then
            rob_fail "$label: exit 1 without an 'afmt: FILE: ...' message"
        elif [ "$RC" = 1 ] && [ -n "$bundle" ] && [[ $err != *"afmt: $bundle: "* ]]; then
            # the message names what was not written rather than the bundle
            ROB_NOTES=$((ROB_NOTES + 1))
        fi
    fi
    if [[ $err == *[$'\x01'-$'\x08'$'\x0b'-$'\x1f'$'\x7f']* ]]; then
        rob_fail "$label: raw control character on stderr: $(printf '%q' "${err:0:200}")"
    fi
}

# rob_no_temp LABEL DIR...: no temporary file (*afmt-tmp*) left below DIRs
rob_no_temp() {
    local label=$1 tmps
    shift
    tmps=$(find "$@" -name '*afmt-tmp*' 2>/dev/null | head -3)
    if [ -n "$tmps" ]; then
        rob_fail "$label: temporary file left behind: $tmps"
        find "$@" -name '*afmt-tmp*' -exec rm -f {} + 2>/dev/null
    fi
}

# rob_same_snapshot LABEL BEFORE: nothing outside the target changed
rob_same_snapshot() {
    local after
    after=$(rob_snapshot)
    if [ "$after" != "$1" ]; then
        rob_fail "$2: something outside the extraction folder changed: $(diff <(echo "$1") <(echo "$after") | head -6 | tr '\n' '|')"
    fi
}

# rob_extracted_sane DIR LABEL: below DIR only regular files, folders and
# the links the test planted (they point into $S/outside)
rob_extracted_sane() {
    local f odd=""
    while IFS= read -r -d '' f; do
        if [ -L "$f" ]; then
            case $(readlink "$f") in "$S"/outside*) continue ;; esac
        fi
        odd="$odd ${f#"$S"/}"
    done < <(find "$1" -mindepth 1 ! -type f ! -type d -print0)
    if [ -n "$odd" ]; then
        rob_fail "$2: extraction made something that is not a file or folder:$odd"
    fi
}

# rob_hex2bytes HEX: prints the bytes
rob_hex2bytes() {
    printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"
}

# ---------------------------------------------------------------- one case

# rob_case GROUP NAME FILE EXPECT CATHEX POSTS PLANT [CATHASH]: runs every
# command; CATHASH lists (comma-separated) the BLAKE2b-256 hashes `cat` may
# print, or '-'
rob_case() {
    local group=$1 name=$2 file=$3 expect=$4 cathex=$5 posts=$6 plant=$7 cathash=${8:--}
    local label="$group.$name"
    ROB_CASE_OK=1
    if [ -z "${ROB_CASES[$group]+x}" ]; then
        ROB_GROUPS+=("$group")
        ROB_CASES[$group]=0
        ROB_SURVIVED[$group]=0
        ROB_RUNS[$group]=0
    fi
    rob_sandbox
    local B=$S/in/$file
    cp "$ROB_H/cases/$file" "$B"
    cp "$ROB_PUB" "$S/in/test.pub"
    chmod 0555 "$S/in"
    local P=$S/in/test.pub
    local id=1
    if [ "$cathex" != - ]; then
        id=$(rob_hex2bytes "$cathex"; printf x)
        id=${id%x}
    fi
    local before runs=0
    before=$(rob_snapshot)

    rob_exec verify "$AFMT" verify -p "$P" -- "$B"
    rob_check "$label: verify" "${expect:0:1}" "$B"
    runs=$((runs + 1))
    rob_exec list "$AFMT" list -- "$B"
    rob_check "$label: list" "${expect:1:1}" "$B"
    runs=$((runs + 1))
    rob_exec listp "$AFMT" list --json -p "$P" -- "$B"
    rob_check "$label: list --json -p" "${expect:2:1}" "$B"
    runs=$((runs + 1))
    local json=$S/log/listp.out hashes=""
    if [ "$RC" = 0 ] && [ -s "$json" ] && command -v jq >/dev/null; then
        # one line per post: its hash, a tab, its id (as JSON)
        if ! hashes=$(jq -r '.hash + "\t" + (.id | tojson)' "$json" 2>/dev/null); then
            rob_fail "$label: list --json printed something that is not JSON lines"
            hashes=""
        fi
    fi
    rob_exec cat "$AFMT" cat -p "$P" -- "$B" "$id"
    rob_check "$label: cat" "${expect:3:1}" "$B"
    runs=$((runs + 1))
    if [ "$RC" = 0 ] && [ -n "$hashes" ]; then
        local want got jid
        jid=$(printf '%s' "$id" | jq -Rs . 2>/dev/null)
        want=$(awk -F'\t' -v id="$jid" '$2 == id { print $1; exit }' <<<"$hashes")
        got=$(sha256sum <"$S/log/cat.out" | cut -d' ' -f1)
        if [ -n "$want" ] && [ "$want" != "$got" ]; then
            rob_fail "$label: cat printed bytes whose hash is not the post's ($got, listed $want)"
        fi
    fi
    if [ "$RC" = 0 ] && [ "$cathash" != - ]; then
        local printed
        printed=$(sha256sum <"$S/log/cat.out" | cut -d' ' -f1)
        [[ ,$cathash, == *",$printed,"* ]] ||
            rob_fail "$label: cat printed bytes ($printed) that are not the post's signed content"
    fi
    if [ "$RC" = 0 ] && [ "${expect:0:1}" != 0 ]; then
        # spec 10.1: cat checks only its way to the post
        ROB_CAT_PARTIAL=$((ROB_CAT_PARTIAL + 1))
    fi
    rm -f "$S/log/cat.out"

    mkdir "$S/x/files"
    rob_plant "$S/x/files" "$plant"
    rob_exec extract "$AFMT" extract -p "$P" -C "$S/x/files" -- "$B"
    rob_check "$label: extract" "${expect:4:1}" "$B"
    runs=$((runs + 1))
    rob_extracted_sane "$S/x/files" "$label: extract"

    mkdir "$S/x/posts"
    rob_plant "$S/x/posts" "$plant"
    rob_exec posts "$AFMT" extract --posts -p "$P" -C "$S/x/posts" -- "$B"
    rob_check "$label: extract --posts" "${expect:5:1}" "$B"
    runs=$((runs + 1))
    rob_extracted_sane "$S/x/posts" "$label: extract --posts"
    if [ "$RC" = 0 ] && [ "$posts" != - ]; then
        local n
        n=$(find "$S/x/posts" -type f | wc -l)
        if [ "$n" != "$posts" ]; then
            rob_fail "$label: extract --posts wrote $n files for $posts posts"
        elif [ -n "$hashes" ] && [ "$posts" -le 100 ]; then
            # -execdir: the names may be longer than PATH_MAX in all
            local h f
            while read -r h f; do
                [[ $'\n'$hashes == *$'\n'"$h"$'\t'* ]] ||
                    rob_fail "$label: extract --posts wrote $f whose bytes are no post's"
            done < <(find "$S/x/posts" -type f -execdir sha256sum {} + 2>&1)
        fi
    fi
    if [ "$plant" != - ]; then
        # -f replaces what is in the way, but never through a link
        mkdir "$S/x/force"
        rob_plant "$S/x/force" "$plant"
        rob_exec force "$AFMT" extract -f -p "$P" -C "$S/x/force" -- "$B"
        rob_check "$label: extract -f" A "$B"
        runs=$((runs + 1))
        rob_extracted_sane "$S/x/force" "$label: extract -f"
    fi
    rob_same_snapshot "$before" "$label"
    rob_no_temp "$label" "$S" "$ROB_H"

    ROB_CASES[$group]=$((ROB_CASES[$group] + 1))
    ROB_RUNS[$group]=$((ROB_RUNS[$group] + runs))
    if [ "$ROB_CASE_OK" = 1 ]; then
        ROB_SURVIVED[$group]=$((ROB_SURVIVED[$group] + 1))
        chmod -R u+rwx "$S" 2>/dev/null
        rm -rf "$S"
    fi
}

# rob_manifest [GROUP-REGEX]: runs every case of the manifest (or those
# whose group matches)
rob_manifest() {
    local re=${1:-.}
    local group name file expect cathex posts plant cathash
    while IFS=$'\t' read -r group name file expect cathex posts plant cathash; do
        [[ $group =~ $re ]] || continue
        rob_case "$group" "$name" "$file" "$expect" "$cathex" "$posts" "$plant" "$cathash"
    done <"$ROB_H/manifest.tsv"
}

# rob_count GROUP OK RUNS: counts a case run by a script's own loop
rob_count() {
    local group=$1 ok=$2 runs=$3
    if [ -z "${ROB_CASES[$group]+x}" ]; then
        ROB_GROUPS+=("$group")
        ROB_CASES[$group]=0
        ROB_SURVIVED[$group]=0
        ROB_RUNS[$group]=0
    fi
    ROB_CASES[$group]=$((ROB_CASES[$group] + 1))
    ROB_RUNS[$group]=$((ROB_RUNS[$group] + runs))
    [ "$ok" = 1 ] && ROB_SURVIVED[$group]=$((ROB_SURVIVED[$group] + 1))
    return 0
}

# rob_finish KIND: prints the counters and exits 0 when nothing failed
rob_finish() {
    local kind=${1:-hostile} g
    local build=release
    [ "$ROB_ASAN" = 1 ] && build=asan
    for g in "${ROB_GROUPS[@]}"; do
        printf 'ROBUSTNESS %s %s build=%s cases=%s survived=%s runs=%s\n' "$kind" "$g" \
            "$build" "${ROB_CASES[$g]}" "${ROB_SURVIVED[$g]}" "${ROB_RUNS[$g]}"
    done
    [ "$ROB_NOTES" = 0 ] ||
        echo "note: $ROB_NOTES run(s) exited 1 with messages naming files, not the bundle"
    [ "$ROB_CAT_PARTIAL" = 0 ] ||
        echo "note: $ROB_CAT_PARTIAL cat run(s) printed a post (its signed bytes) of a bundle that fails verify (spec 10.1)"
    if [ "$ROB_FAILS" != 0 ]; then
        echo "$ROB_FAILS check(s) failed"
        exit 1
    fi
    echo "all checks passed"
    exit 0
}

# ---------------------------------------------------------------- fault walks

# rob_walk LABEL PREPARE VERIFY ENV... -- CMD...
# Runs CMD with the fault shim failing call N = 1, 2, 3, ... (the classes,
# errno and mode given by the FAULT_* assignments in ENV) until a run ends
# without reaching N.  Before each run the function PREPARE resets the
# output; after each run the function VERIFY gets the exit status and
# whether the fault fired ("hit" or "miss") and checks the output.  Counts
# the points in ROB_WALK_POINTS and their failures in ROB_FAILS.
rob_walk() {
    local label=$1 prepare=$2 verify=$3
    shift 3
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    local n=1 rep hit
    ROB_WALK_POINTS=0
    while :; do
        rep=$S/log/fault.rep
        rm -f "$rep"
        "$prepare"
        ROB_CASE_OK=1
        rob_exec walk env "${ROB_PRELOAD[@]}" "${envs[@]}" FAULT_N=$n FAULT_ONE_CPU=1 \
            FAULT_REPORT="$rep" "$@"
        hit=miss
        grep -q '^hit ' "$rep" 2>/dev/null && hit=hit
        local what
        what=$(sed -n 's/^hit [0-9]* //p' "$rep" 2>/dev/null | head -1)
        if [ "$hit" = miss ]; then
            rob_check "$label: N=$n (no fault: the run completed)" 0
        else
            rob_check "$label: N=$n ($what failed)" A
            if [ "$RC" = 1 ] || [ "$RC" = 2 ]; then
                rob_fail "$label: N=$n ($what failed): exit $RC, but a failed $what is not an integrity or usage error (3 expected)"
            fi
        fi
        "$verify" "$label: N=$n ($what)" "$RC" "$hit"
        rob_no_temp "$label: N=$n ($what)" "$S"
        rob_count "$label" "$ROB_CASE_OK" 1
        [ "$hit" = miss ] && break
        ROB_WALK_POINTS=$((ROB_WALK_POINTS + 1))
        n=$((n + 1))
        if [ $n -gt "${ROB_WALK_MAX:-20000}" ]; then
            rob_fail "$label: more than ${ROB_WALK_MAX:-20000} injectable calls"
            break
        fi
    done
    echo "$label: $ROB_WALK_POINTS fault points walked"
}
