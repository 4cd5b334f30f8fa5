#!/usr/bin/env python3
"""attest_bytes.py - the byte ranges of a bundle that attestation tests
compare and damage, read from the trailer and signature section as spec
sections 4, 5 and 12.2 lay them out (independent of afmt's code).

  attest_bytes.py prefix BUNDLE     bytes before the signature section,
                                    then the fixed signature fields (246 + T)
  attest_bytes.py records BUNDLE    one line per attestation: kind, offset of
                                    its first byte in the file, total length
  attest_bytes.py same OLD NEW      exit 0 when NEW keeps every byte of OLD
                                    before its attestations (the checkpoint,
                                    the signatures, all before them)
  attest_bytes.py flip BUNDLE COPY CMD...
                                    for every byte of every attestation: writes
                                    BUNDLE with that byte's lowest bit flipped
                                    to COPY and runs CMD; prints "KIND
                                    OFFSET-IN-RECORD STATUS" and, when CMD
                                    exited 1, whether its stderr names an
                                    attestation ("named" or "unnamed")
"""
import struct
import subprocess
import sys


def layout(path):
    b = open(path, "rb").read()
    io, isz, cs, ss = struct.unpack("<QQII", b[-32:-8])
    so = io + isz + cs
    t = struct.unpack("<H", b[so + 74:so + 76])[0]
    return b, so, 246 + t, ss


def records(path):
    b, so, fixed, ss = layout(path)
    pos, end, out = so + fixed, so + ss, []
    while pos < end:
        kind, n = b[pos], struct.unpack("<I", b[pos + 1:pos + 5])[0]
        out.append((kind, pos, 5 + n))
        pos += 5 + n
    return out


def main():
    if sys.argv[1] == "prefix":
        _, so, fixed, _ = layout(sys.argv[2])
        print(so, so + fixed)
    elif sys.argv[1] == "records":
        for kind, pos, n in records(sys.argv[2]):
            print(kind, pos, n)
    elif sys.argv[1] == "same":
        old, so, fixed, _ = layout(sys.argv[2])
        new, so2, fixed2, _ = layout(sys.argv[3])
        ok = so == so2 and fixed == fixed2 and old[:so + fixed] == new[:so + fixed]
        sys.exit(0 if ok else 1)
    elif sys.argv[1] == "flip":
        src, copy, cmd = sys.argv[2], sys.argv[3], sys.argv[4:]
        data = open(src, "rb").read()
        for kind, pos, n in records(src):
            for i in range(pos, pos + n):
                m = bytearray(data)
                m[i] ^= 1
                with open(copy, "wb") as f:
                    f.write(m)
                r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                named = "named" if b"attestation" in r.stderr else "unnamed"
                print(kind, i - pos, r.returncode, named, flush=True)


main()
