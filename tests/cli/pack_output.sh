#!/usr/bin/env bash
# afmt pack never destroys a file it was not asked to overwrite (issue 12,
# item 1): an existing OUT needs -f; an OUT that is one of the inputs (by
# device and inode, whatever its name) is refused even with -f; -o naming
# a directory fails before any work.
. "$(dirname "$0")/lib.bash"

expect 0 "$AFMT" keygen -W -s k.key -p k.pub
cp "$SRC/examples/thread.ndjson" victim.json
cp victim.json victim.orig

# the input as its own output: refused, with and without -f, untouched
for f in "" -f; do
    expect 3 "$AFMT" pack $f -s k.key -o victim.json victim.json
    cmp -s victim.json victim.orig || fail "pack $f replaced its own input"
done
grep -q 'is the input victim.json' err || fail "message: $(cat err)"

# the same file under another name (a hard link, a ./ spelling)
ln victim.json hard.json
expect 3 "$AFMT" pack -f -s k.key -o hard.json victim.json
expect 3 "$AFMT" pack -f -s k.key -o ./victim.json "$T/victim.json"
cmp -s victim.json victim.orig || fail "pack replaced its input through another name"

# the input on standard input
expect 3 "$AFMT" pack -f --format ndjson -s k.key -o victim.json - < victim.json
cmp -s victim.json victim.orig || fail "pack replaced its standard input"

# any existing file needs -f, and is left as it was without it
echo 'precious' > existing.afmt
expect 3 "$AFMT" pack -s k.key -o existing.afmt victim.json
grep -q 'existing.afmt: file exists (use -f to overwrite)' err || fail "message: $(cat err)"
[ "$(cat existing.afmt)" = precious ] || fail "an existing file was overwritten without -f"
expect 0 "$AFMT" pack -f -s k.key -o existing.afmt victim.json
expect 0 "$AFMT" verify -p k.pub existing.afmt

# -o a directory: refused before the key is even read (an encrypted key
# without a terminal or passphrase file would fail later, with another message)
mkdir somedir
expect 0 "$AFMT" keygen -s enc.key -p enc.pub --passphrase-file <(echo secret)
expect 3 "$AFMT" pack -s enc.key -o somedir victim.json < /dev/null
grep -q 'somedir: is a directory' err || fail "message: $(cat err)"
expect 3 "$AFMT" pack -f -s k.key -o somedir victim.json
[ -z "$(ls -A somedir)" ] || fail "something was written into somedir"
[ -z "$(find . -name '*afmt-tmp*')" ] || fail "a temporary file was left"
echo "pack_output: OK"
