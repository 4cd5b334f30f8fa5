#!/usr/bin/env bash
# afmt usage: --help/--version on stdout, exit status 2 for every kind of
# usage error (bad flag, unknown command, missing or repeated or conflicting
# options, bad values), 3 for a missing file, nothing on stdout on error.
. "$(dirname "$0")/lib.bash"

# a usage error: exit 2, nothing on stdout, "afmt: " on stderr
usage_error() {
    expect 2 "$@"
    [ ! -s out ] || fail "usage error wrote to stdout: $*"
    grep -q '^afmt: ' err || fail "no 'afmt: ' message: $*"
}

# --help and --version
expect 0 "$AFMT" --help
grep -q '^Usage:' out || fail "--help has no Usage"
grep -q '^Exit status:' out || fail "--help does not document exit statuses"
for s in '0  success' '1  the bundle is not authentic or not intact' '2  usage error' \
         '3  any other failure'; do
    grep -qF "$s" out || fail "--help lacks exit status line: $s"
done
[ ! -s err ] || fail "--help wrote to stderr"
expect 0 "$AFMT" -h
expect 0 "$AFMT" --version
grep -q '^afmt [0-9]' out || fail "--version output: $(cat out)"
for c in keygen pack list cat extract verify checkpoint; do
    expect 0 "$AFMT" "$c" --help
    grep -q "^Usage: afmt $c" out || fail "$c --help"
    [ ! -s err ] || fail "$c --help wrote to stderr"
    expect 0 "$AFMT" help "$c"
done

# no command, unknown command, unknown options
usage_error "$AFMT"
usage_error "$AFMT" frobnicate
usage_error "$AFMT" --frobnicate
usage_error "$AFMT" --help extra
for c in keygen pack list cat extract verify checkpoint; do
    usage_error "$AFMT" "$c" --no-such-option
    usage_error "$AFMT" "$c" -Z
done

"$AFMT" keygen -W -s k.key -p k.pub
printf '{"id":"1"}\n' > t.ndjson
"$AFMT" pack -s k.key -o b.afmt t.ndjson

# missing arguments and option values
usage_error "$AFMT" keygen -s only.key
usage_error "$AFMT" keygen -p only.pub
usage_error "$AFMT" keygen -W -s same -p same
usage_error "$AFMT" keygen -W -s a.key -p a.pub -c $'two\nlines'
usage_error "$AFMT" pack -o x.afmt t.ndjson
usage_error "$AFMT" pack -s k.key t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt
usage_error "$AFMT" pack -s k.key -o
usage_error "$AFMT" list
usage_error "$AFMT" list b.afmt b.afmt
usage_error "$AFMT" cat b.afmt
usage_error "$AFMT" cat b.afmt 1 2
usage_error "$AFMT" cat b.afmt ''
usage_error "$AFMT" extract
usage_error "$AFMT" extract -C
usage_error "$AFMT" verify b.afmt
usage_error "$AFMT" verify -p k.pub
usage_error "$AFMT" verify -p
usage_error "$AFMT" checkpoint b.afmt
usage_error "$AFMT" checkpoint -o cp
# repeated options (only -p/-P may repeat)
usage_error "$AFMT" keygen -W -W -s a.key -p a.pub
usage_error "$AFMT" keygen -W -s a.key -s b.key -p a.pub
usage_error "$AFMT" pack -s k.key -s k.key -o x.afmt t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt -o y.afmt t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt -l 3 -l 4 t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt --title a --title b t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt --format ndjson --format ndjson t.ndjson
usage_error "$AFMT" list --json --json b.afmt
usage_error "$AFMT" verify --json --json -p k.pub b.afmt
usage_error "$AFMT" extract -C a -C b b.afmt
usage_error "$AFMT" extract -f -f b.afmt
usage_error "$AFMT" extract --posts --posts b.afmt
usage_error "$AFMT" checkpoint -o a -o b b.afmt
# conflicting options
usage_error "$AFMT" keygen -W --passphrase-file k.pub -s a.key -p a.pub
usage_error "$AFMT" pack -s k.key -o x.afmt - -
usage_error "$AFMT" pack -s k.key -o x.afmt --format dir t.ndjson
mkdir d
usage_error "$AFMT" pack -s k.key -o x.afmt --format ndjson d
# bad values
usage_error "$AFMT" pack -s k.key -o x.afmt -l 0 t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt -l 20 t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt -l 3x t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt --format frob t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt --title $'bell\a' t.ndjson
usage_error "$AFMT" pack -s k.key -o x.afmt --title
usage_error env SOURCE_DATE_EPOCH=yesterday "$AFMT" pack -s k.key -o x.afmt t.ndjson
usage_error env SOURCE_DATE_EPOCH=-1 "$AFMT" pack -s k.key -o x.afmt t.ndjson
usage_error "$AFMT" list -P not-a-key b.afmt
usage_error "$AFMT" verify -P RWQ b.afmt
[ ! -e x.afmt ] || fail "a usage error left x.afmt behind"
[ ! -e a.key ] || fail "a usage error left a.key behind"

# -- ends options: an id that starts with '-'
printf '{"id":"-x"}\n' > dash.ndjson
"$AFMT" pack -s k.key -o dash.afmt dash.ndjson
expect 0 "$AFMT" cat -p k.pub dash.afmt -- -x
grep -q '"-x"' out || fail "cat -- -x"

# exit 3: missing files
expect 3 "$AFMT" list missing.afmt
grep -q '^afmt: missing.afmt: ' err || fail "message format: $(cat err)"
expect 3 "$AFMT" verify -p k.pub missing.afmt
expect 3 "$AFMT" verify -p missing.pub b.afmt
expect 3 "$AFMT" cat b.afmt missing-id
expect 3 "$AFMT" pack -s k.key -o x.afmt missing.ndjson
expect 3 "$AFMT" pack -s missing.key -o x.afmt t.ndjson
[ ! -e x.afmt ] || fail "a failed pack left x.afmt behind"
# options may follow operands
expect 0 "$AFMT" list b.afmt --json -p k.pub
echo "usage: OK"
