#!/usr/bin/env bash
# afmt keygen: key files in minisign's format, secret key 0600 and never
# overwritten without -f, passphrases from --passphrase-file or not at all
# without a terminal; minisign signs with afmt's keys and afmt packs with
# minisign's keys.
. "$(dirname "$0")/lib.bash"

mode() { stat -c %a "$1"; }

# -W: no passphrase
expect 0 "$AFMT" keygen -W -s w.key -p w.pub
[ ! -s out ] || fail "keygen wrote to stdout"
[ "$(mode w.key)" = 600 ] || fail "secret key mode $(mode w.key)"
[ "$(wc -l < w.pub)" = 2 ] || fail "public key is not two lines"
head -1 w.pub | grep -q '^untrusted comment: ' || fail "public key comment"
head -1 w.key | grep -q '^untrusted comment: ' || fail "secret key comment"

# O_EXCL: never overwritten without -f, both files checked first
cp w.key w.key.orig
cp w.pub w.pub.orig
expect 3 "$AFMT" keygen -W -s w.key -p other.pub
grep -q 'exists' err || fail "no 'exists' message"
cmp -s w.key w.key.orig || fail "secret key overwritten without -f"
[ ! -e other.pub ] || fail "public key written although the secret key exists"
expect 3 "$AFMT" keygen -W -s other.key -p w.pub
[ ! -e other.key ] || fail "secret key written although the public key exists"
expect 0 "$AFMT" keygen -W -f -s w.key -p w.pub
cmp -s w.key w.key.orig && fail "-f did not replace the secret key"
[ "$(mode w.key)" = 600 ] || fail "secret key mode after -f $(mode w.key)"

# -c: the comment
expect 0 "$AFMT" keygen -W -c 'my laptop' -s c.key -p c.pub
head -1 c.pub | grep -q 'my laptop' || fail "-c not in the public key"

# passphrase from a file; wrong passphrase is exit 3
printf 'correct horse\n' > pass
printf 'wrong horse\n' > wrong
expect 0 "$AFMT" keygen --passphrase-file pass -s p.key -p p.pub
[ "$(mode p.key)" = 600 ] || fail "encrypted secret key mode"
printf '{"id":"1","body":"x"}\n' > t.ndjson
expect 0 "$AFMT" pack --passphrase-file pass -s p.key -o p.afmt t.ndjson
expect 0 "$AFMT" verify -p p.pub p.afmt
expect 3 "$AFMT" pack --passphrase-file wrong -s p.key -o q.afmt t.ndjson
grep -qi 'passphrase' err || fail "no passphrase message: $(cat err)"
[ ! -e q.afmt ] || fail "a wrong passphrase left a bundle"
# no terminal and no passphrase file: refused, never hangs
expect 3 setsid -w "$AFMT" pack -s p.key -o q.afmt t.ndjson < /dev/null
grep -q 'passphrase-file' err || fail "no hint at --passphrase-file: $(cat err)"
expect 3 setsid -w "$AFMT" keygen -s n.key -p n.pub < /dev/null
[ ! -e n.key ] || fail "keygen without a passphrase wrote a key"
# an empty passphrase is refused (use -W)
: > empty
expect 3 "$AFMT" keygen --passphrase-file empty -s e.key -p e.pub
[ ! -e e.key ] || fail "empty passphrase accepted"

# minisign accepts afmt's keys ...
printf 'some file\n' > msg
minisign -S -s w.key -m msg -t 'signed by minisign with an afmt key' < /dev/null > /dev/null
minisign -Vm msg -p w.pub > /dev/null || fail "minisign rejects its signature with an afmt key"
printf 'correct horse\n' | minisign -S -s p.key -m msg > /dev/null 2>&1 ||
    fail "minisign cannot use an encrypted afmt key"
minisign -Vm msg -p p.pub > /dev/null || fail "minisign: encrypted afmt key"

# ... and afmt packs with minisign's keys (made with -W: no passphrase)
minisign -G -W -s m.key -p m.pub > /dev/null
expect 0 "$AFMT" pack -s m.key -o m.afmt t.ndjson
expect 0 "$AFMT" verify -p m.pub m.afmt
expect 0 "$AFMT" verify -P "$(tail -1 m.pub)" m.afmt
expect 1 "$AFMT" verify -p w.pub m.afmt
# on a terminal: asked without echo, twice at keygen (a pty made by
# script(1); each answer is typed once its prompt shows)
if command -v script > /dev/null; then
    mkfifo tty.in
    # on_tty OUT CMD: run CMD on a pseudo-terminal, its input from tty.in
    on_tty() { local o=$1; shift; script -qec "$*" /dev/null < tty.in > "$o" 2>&1 & }
    # answer OUT N TEXT: wait for the Nth prompt in OUT, then type TEXT
    answer() {
        for _ in $(seq 1 300); do
            [ "$(grep -o 'Passphrase' "$1" 2> /dev/null | wc -l)" -ge "$2" ] && break
            sleep 0.1
        done
        printf '%s\n' "$3" >&3
    }
    on_tty tty1.out "'$AFMT' keygen -s t.key -p t.pub"
    exec 3> tty.in
    answer tty1.out 1 'typed secret'
    answer tty1.out 2 'typed secret'
    exec 3>&-
    wait
    grep -q 'Passphrase (again)' tty1.out || fail "keygen did not ask twice: $(cat -v tty1.out)"
    grep -q 'typed secret' tty1.out && fail "the passphrase was echoed"
    [ "$(mode t.key)" = 600 ] || fail "key from the terminal"
    on_tty tty2.out "'$AFMT' pack -s t.key -o t.afmt t.ndjson"
    exec 3> tty.in
    answer tty2.out 1 'typed secret'
    exec 3>&-
    wait
    grep -q 'typed secret' tty2.out && fail "the passphrase was echoed by pack"
    expect 0 "$AFMT" verify -p t.pub t.afmt
    # different answers at keygen: refused
    on_tty tty3.out "'$AFMT' keygen -s u.key -p u.pub"
    exec 3> tty.in
    answer tty3.out 1 'one'
    answer tty3.out 2 'two'
    exec 3>&-
    wait
    grep -q 'do not match' tty3.out || fail "mismatched passphrases: $(cat -v tty3.out)"
    [ ! -e u.key ] || fail "a key was written after mismatched passphrases"
fi

# -f replaces a pair all or nothing (issue 12, item 2): when the public key
# cannot be written, the old secret and public keys stay exactly as they were
expect 0 "$AFMT" keygen -W -s pair.key -p pair.pub
cp pair.key pair.key.orig
cp pair.pub pair.pub.orig
mkdir some-directory
expect 3 "$AFMT" keygen -W -f -s pair.key -p some-directory
grep -q 'some-directory: is a directory' err || fail "message: $(cat err)"
cmp -s pair.key pair.key.orig || fail "keygen -f lost the old secret key"
expect 3 "$AFMT" keygen -W -f -s some-directory -p pair.pub
cmp -s pair.pub pair.pub.orig || fail "keygen -f lost the old public key"
cmp -s pair.key pair.key.orig || fail "keygen -f changed the old secret key"
[ -z "$(find . -name '*afmt-tmp*')" ] || fail "a temporary file was left: $(find . -name '*afmt-tmp*')"
[ -z "$(ls -A some-directory)" ] || fail "something was written into some-directory"
# and the pair still signs and verifies as a pair
expect 0 "$AFMT" pack -s pair.key -o pair.afmt "$SRC/examples/thread.ndjson"
expect 0 "$AFMT" verify -p pair.pub pair.afmt
expect 0 "$AFMT" keygen -W -f -s pair.key -p pair.pub
cmp -s pair.key pair.key.orig && fail "-f did not replace the pair"
echo "keygen: OK"
