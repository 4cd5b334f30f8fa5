#!/usr/bin/env python3
"""Checks proofs of one post (c2sp.org/tlog-proof@v1, spec/FORMAT.md section
16) with Python's hashlib and the `cryptography` package's Ed25519, written
from the spec alone (no afmt code):

    check_proof.py KEY.pub PROOF POST [PROOF POST]...

KEY.pub is the signer's minisign public key file.  For each pair: the proof's
lines, base64 in its one canonical spelling; the note's signature line of the
key (name afmt/KEYID, key hash SHA-256(name || 0x0A || 0x01 || key)[0:4])
verified as Ed25519 over the note text; the checkpoint's origin, size and
root; the leaf SHA-256(0x00 || extra); the audit path to the root (RFC 9162
2.1.3.2); the entry is a post whose content hash and size are the POST file's
SHA-256 and length.  Prints "ok" or "refused: why" per pair; exit 0 when all
verified, 1 otherwise, 2 on usage.
"""
import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MAX_PROOF = 128 * 1024


class Refused(Exception):
    pass


def b64(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception as e:
        raise Refused("bad base64 %r: %s" % (s[:60], e))
    if base64.b64encode(raw).decode() != s:
        raise Refused("base64 not in its canonical spelling: %r" % s[:60])
    return raw


def load_key(path):
    lines = open(path, "rb").read().decode().splitlines()
    blob = base64.b64decode(lines[1].strip())
    if len(blob) != 42 or blob[:2] != b"Ed":
        raise SystemExit("check_proof: %s is not a minisign public key" % path)
    key_id, pk = blob[2:10], blob[10:]
    name = "afmt/" + key_id[::-1].hex().upper()  # minisign prints the LE u64
    key_hash = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
    return name, key_hash, Ed25519PublicKey.from_public_bytes(pk)


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise Refused("index %d not below the tree size %d" % (index, size))
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Refused("audit path too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Refused("the audit path does not lead to the signed root")


def check(key, proof_path, post_path):
    name, key_hash, pk = key
    data = open(proof_path, "rb").read()
    if len(data) > MAX_PROOF:
        raise Refused("proof over 128 KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("not UTF-8")
    lines = text.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise Refused("not a c2sp.org/tlog-proof@v1")
    if not lines[1].startswith("extra "):
        raise Refused("no extra line")
    extra = b64(lines[1][len("extra "):])
    if not lines[2].startswith("index "):
        raise Refused("no index line")
    idx = lines[2][len("index "):]
    if not idx.isdigit() or not idx.isascii() or str(int(idx)) != idx:
        raise Refused("bad index %r" % idx)
    index = int(idx)
    path, i = [], 3
    while i < len(lines) and lines[i] != "":
        h = b64(lines[i])
        if len(h) != 32 or len(path) == 63:
            raise Refused("bad audit path line %d" % i)
        path.append(h)
        i += 1
    if i >= len(lines):
        raise Refused("no note")
    note = "\n".join(lines[i + 1:]).encode()
    # The signed note: text up to the last empty line, then signature lines.
    if not note.endswith(b"\n") or any(c < 0x20 and c != 0x0A for c in note):
        raise Refused("the note is not a signed note")
    cut = note.rfind(b"\n\n")
    if cut < 0:
        raise Refused("the note has no signatures")
    body, sigs = note[:cut + 1], note[cut + 2:-1].decode().split("\n")
    verified = False
    for s in sigs:
        f = s.split(" ")
        if len(f) != 3 or f[0] != "\u2014":
            raise Refused("bad signature line %r" % s)
        raw = b64(f[2])
        if f[1] == name and raw[:4] == key_hash:
            try:
                pk.verify(raw[4:], body)
            except InvalidSignature:
                raise Refused("the signature by %s does not verify" % name)
            verified = True
    if not verified:
        raise Refused("not signed by %s" % name)
    cp = body.decode().split("\n")
    if len(cp) < 4 or not cp[1].isdigit() or str(int(cp[1])) != cp[1]:
        raise Refused("not a checkpoint")
    size, root = int(cp[1]), b64(cp[2])
    leaf = hashlib.sha256(b"\x00" + extra).digest()
    verify_inclusion(index, size, leaf, path, root)
    if len(extra) < 58 or extra[0] != 0x01:
        raise Refused("the entry is not a post")
    post = open(post_path, "rb").read()
    if hashlib.sha256(post).digest() != extra[18:50] or \
            len(post) != struct.unpack("<Q", extra[50:58])[0]:
        raise Refused("the post's bytes are not the proven content")


def main(argv):
    if len(argv) < 4 or len(argv) % 2 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    key = load_key(argv[1])
    status = 0
    for proof, post in zip(argv[2::2], argv[3::2]):
        try:
            check(key, proof, post)
            print("ok")
        except Refused as e:
            print("refused: %s: %s" % (proof, e))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
