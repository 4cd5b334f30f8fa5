#!/usr/bin/env bash
# A bundle's key id is a claim, not an identity (issue 12, item 6): Mallory
# signs with her own key under Alice's key id.  Commands name the signer by
# the fingerprint of the key bytes, never by the id the bundle claims.
. "$(dirname "$0")/lib.bash"

expect 0 "$AFMT" keygen -W -s alice.key -p alice.pub
expect 0 "$AFMT" keygen -W -s mallory.key -p mallory.pub
# Mallory's secret key file with Alice's key id (unencrypted: the checksum
# may be all zero, as minisign -G -W writes it)
python3 - alice.pub mallory.key forged.key <<'PY'
import base64, sys
alice = base64.b64decode(open(sys.argv[1]).read().splitlines()[1])
kid = alice[2:10]
lines = open(sys.argv[2]).read().splitlines()
blob = bytearray(base64.b64decode(lines[1]))
assert blob[:2] == b"Ed" and blob[2:4] == b"\0\0"
blob[54:62] = kid        # key id (offsets: spec/FORMAT.md section 5)
blob[126:158] = bytes(32)  # checksum: all zero
open(sys.argv[3], "w").write(lines[0] + "\n" + base64.b64encode(bytes(blob)).decode() + "\n")
PY
fp() { # PUBFILE -> SHA256:... of its 32 key bytes
    python3 -c 'import base64,hashlib,sys; k=base64.b64decode(open(sys.argv[1]).read().splitlines()[1])[10:42]; print("SHA256:"+base64.b64encode(hashlib.sha256(k).digest()).decode().rstrip("="))' "$1"
}
alice_id=$(python3 -c 'import base64,sys; print(base64.b64decode(open(sys.argv[1]).read().splitlines()[1])[2:10][::-1].hex().upper())' alice.pub)
expect 0 "$AFMT" pack -s forged.key -o m.afmt "$SRC/examples/thread.ndjson"

# without a trusted key: the warning names Mallory's key by its fingerprint
for cmd in "list m.afmt" "cat m.afmt p01" "extract -C x m.afmt"; do
    mkdir -p x
    # shellcheck disable=SC2086
    expect 0 "$AFMT" $cmd
    grep -qF "$(fp mallory.pub)" err || fail "$cmd: Mallory's fingerprint not shown: $(cat err)"
    grep -q "$alice_id" err && fail "$cmd: the claimed key id $alice_id was shown: $(cat err)"
    rm -rf x
done

# verify against Alice: refused, and the message says the id is only claimed
expect 1 "$AFMT" verify -p alice.pub m.afmt
grep -qF "$(fp mallory.pub)" err || fail "verify: Mallory's fingerprint not named: $(cat err)"
grep -q "claims the key id $alice_id of a trusted key, but the key differs" err ||
    fail "verify: the claimed id is not called a claim: $(cat err)"
# nor does Mallory's own public key file vouch for it: its id differs
expect 1 "$AFMT" verify -p mallory.pub m.afmt
grep -qF "$(fp mallory.pub)" err || fail "verify -p mallory.pub: $(cat err)"
echo "hostile_key_id: OK"
