#!/usr/bin/env bash
# hostile_keys.sh - malformed key files and passphrases (issue 5, item 1):
# public keys that are short, long, bad base64, wrong tag, with trailing
# bytes or lines (verify -p FILE: exit 3; the same as -P KEY: exit 2), valid
# keys that did not sign or share the signer's key id (exit 1), malformed
# secret keys (pack -s FILE: exit 3), wrong passphrases (exit 3).  A failed
# pack must leave the previous bundle at -o as it was, and no temporary file.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen keys
keys=$ROB_H/keys
input=$ROB_H/inputs/thread.ndjson
while IFS=$'\t' read -r name kind expect note; do
    rob_sandbox
    ROB_CASE_OK=1
    label="keys.$name ($note)"
    cp "$keys/$name" "$S/in/$name"
    K=$S/in/$name
    cp "$ROB_H/base.afmt" "$S/in/base.afmt"
    mkdir -p "$S/out"
    cp "$ROB_H/base.afmt" "$S/out/out.afmt" # the previous bundle
    cp "$keys/enc.key" "$S/in/enc.key"
    before=$(rob_snapshot)
    case $kind in
    pub)
        rob_exec run "$AFMT" verify -p "$K" -- "$S/in/base.afmt"
        rob_check "$label: verify -p" "$expect"
        rob_exec run2 "$AFMT" list -p "$K" -- "$S/in/base.afmt"
        rob_check "$label: list -p" "$expect"
        runs=2
        ;;
    pubarg)
        arg=$(cat "$K")
        rob_exec run "$AFMT" verify -P "$arg" -- "$S/in/base.afmt"
        rob_check "$label: verify -P" "$expect"
        runs=1
        ;;
    sec | pass)
        if [ "$kind" = sec ]; then
            rob_exec run "$AFMT" pack -f -s "$K" -o "$S/out/out.afmt" -- "$input"
        else
            rob_exec run "$AFMT" pack -f -s "$S/in/enc.key" --passphrase-file "$K" \
                -o "$S/out/out.afmt" -- "$input"
        fi
        rob_check "$label: pack" "$expect"
        runs=1
        if [ "$RC" = 0 ]; then
            rob_exec check "$AFMT" verify -p "$keys/test.pub" -- "$S/out/out.afmt"
            rob_check "$label: verify of the new bundle" 0
            runs=2
            cp "$ROB_H/base.afmt" "$S/out/out.afmt" # for the snapshot
        elif ! cmp -s "$ROB_H/base.afmt" "$S/out/out.afmt"; then
            rob_fail "$label: the failed pack changed the previous bundle"
        fi
        ;;
    esac
    rob_same_snapshot "$before" "$label"
    rob_no_temp "$label" "$S"
    rob_count "keys_$kind" "$ROB_CASE_OK" "$runs"
    [ "$ROB_CASE_OK" = 1 ] && rm -rf "$S"
done <"$ROB_H/keys.tsv"
rob_finish hostile
