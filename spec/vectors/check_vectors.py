#!/usr/bin/env python3
"""check_vectors.py - an independent reading of spec/FORMAT.md, run on the test vectors.

    check_vectors.py [DIR]           check every vector in DIR (default: this folder)
    check_vectors.py --write [DIR]   the same, and (re)write valid/*.json from what it reads

This is a second implementation of the reader, written from the spec alone with the Python
standard library: hashlib.sha256 is H (SHA-256), hmac the salts' HMAC-SHA-256, struct reads the
little-endian fields, the `zstd` command decodes frames (`zstd -d -c`) and stock `minisign -V`
checks the Ed25519 signatures (Python has no Ed25519).  It does not use the C library.

For each valid/*.afmt it checks everything the spec says a reader checks (section 10 in order,
then full verification), plus what only a holder of test.key can check (the entry salts of 8.3,
the key files of section 5), and compares what it reads with valid/<name>.json (or writes it).

For each invalid/<case>.<error>.afmt it requires a rejection.  When the spec names the error of
the rule that fails (e.g. "rejected (`unsupported`)", section 11 "(`limit`)"), the name must be
<error>: the error this reading returns is the spec's, never adjusted to the reference reader.
A disagreement between the spec and the reference reader would be listed in
KNOWN_DISAGREEMENTS below (empty today) and printed on every run; any other difference fails.
When the spec names no error for the rule, the reference reader's choice is taken and the rule
is printed.

Exit status: 0 when every check passed, 1 otherwise.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
import tempfile

ERRORS = ("truncated", "format", "unsupported", "limit", "bad-signature", "index-mismatch",
          "root-mismatch", "hash-mismatch", "compression", "duplicate")

# Where the spec names one error and the reference reader (libarchive_fmt) gives another: file
# name -> the finding (spec section and rule, library file and function).  Each entry is a bug
# in the spec or in the library; the vector stays named after the reference reader's error
# (section 14: "the error is the one the reference reader gives") and the disagreement is
# printed on every run.  An entry that no longer disagrees, or names no vector, fails the run,
# so the list cannot go stale.  Empty since the reader reports every value over a limit of
# section 11 as `limit` and every value under a minimum as `format`, as section 11 says.
KNOWN_DISAGREEMENTS = {}

MAGIC = b"\x8aAFMT\r\n\x1a"
END_MAGIC = b"\x1a\n\rTMFA\x8a"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
EMPTY_HASH = hashlib.sha256(b"").digest()
FORMAT_VERSION = 2
SIG_FIXED = 246  # the signature section without its trusted comment (5)
MAX_ATTESTATIONS = 1 << 20  # spec 12.2
MIB = 1 << 20
MAX_CONTENT = 256 * MIB
MAX_BLOCK = 256 * MIB
MAX_ENTRIES = 1 << 26
MAX_BLOCKS = 1 << 26
MAX_BLOBS = 1 << 28
ID_PAGE_ROWS = 4096
MAX_INDEX = 4 << 30
MAX_CHECKPOINT = 4096
MAX_COMMENT = 1024
MAX_TITLE = 1024
MAX_ID = 4096
MAX_MEDIA = 255
MAX_PATH = 4096
MAX_PARTS = 1 << 26
MAX_INLINE = 4096
MAX_WINDOW = 1 << 28
MAX_FILE = 1 << 62
MIN_CREATED = -62135596800
MAX_CREATED = 253402300799


def H(data):
    return hashlib.sha256(data).digest()


def id_key(post_id):
    """Spec 7.6: the first 8 bytes of H(id) as a little-endian u64."""
    return struct.unpack_from("<Q", H(post_id), 0)[0]


class Reject(Exception):
    """A bundle rejected: the error name, why, the spec rule, and whether the spec names the
    error for that rule."""

    def __init__(self, error, why, rule, named):
        super().__init__(why)
        assert error in ERRORS
        self.error, self.why, self.rule, self.named = error, why, rule, named


def reject(error, why, rule, named=False):
    raise Reject(error, why, rule, named)


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def i64(b, o):
    return struct.unpack_from("<q", b, o)[0]


def utf8(b):
    try:
        return b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


def clean_text(b):
    """UTF-8 without C0 controls, DEL or C1 controls (spec 5, 6)."""
    s = utf8(b)
    if s is None:
        return False
    return not any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) <= 0x9F for c in s)


def key_id_text(kid):
    """A key id as minisign prints it: the little-endian u64 in 16 upper-case hex digits."""
    return "%016X" % struct.unpack("<Q", kid)[0]


# ------------------------------------------------------------------------------- key files

def load_public_key(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if len(lines) != 3 or lines[2] != b"" or not lines[0].startswith(b"untrusted comment: "):
        raise ValueError("%s: not two lines, 'untrusted comment: ...' then the key" % path)
    blob = base64.b64decode(lines[1], validate=True)
    if len(blob) != 42 or blob[:2] != b"Ed":
        raise ValueError("%s: not base64('Ed' || key id || key)" % path)
    return blob[2:10], blob[10:42], lines[0].decode()


def load_secret_key(path):
    """Spec 5, secret key file, unencrypted (kdf 00 00)."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if len(lines) != 3 or lines[2] != b"" or not lines[0].startswith(b"untrusted comment: "):
        raise ValueError("%s: not two lines" % path)
    blob = base64.b64decode(lines[1], validate=True)
    if len(blob) != 158 or blob[:2] != b"Ed" or blob[4:6] != b"B2":
        raise ValueError("%s: not a minisign secret key" % path)
    if blob[2:4] != b"\0\0":
        raise ValueError("%s: encrypted; the test key must not be" % path)
    kid, sk, chk = blob[54:62], blob[62:126], blob[126:158]
    if chk != hashlib.blake2b(b"Ed" + kid + sk, digest_size=32).digest():  # minisign's checksum
        raise ValueError("%s: checksum is not BLAKE2b-256('Ed' || key id || secret key)" % path)
    return kid, sk, lines[0].decode()


# ---------------------------------------------------------------------------- Ed25519

# RFC 8032 section 5.1.7 verification, after its section 6 reference code: Python has no
# Ed25519, and the C2SP note signature (spec 6.2) is plain Ed25519 over the checkpoint text.
ED_P = 2 ** 255 - 19
ED_L = 2 ** 252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)


def _ed_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % ED_P
    bb = (y1 + x1) * (y2 + x2) % ED_P
    cc = t1 * 2 * ED_D * t2 % ED_P
    dd = z1 * 2 * z2 % ED_P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % ED_P, g * h % ED_P, f * g % ED_P, e * h % ED_P)


def _ed_mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _ed_add(q, pt)
        pt = _ed_add(pt, pt)
        s >>= 1
    return q


def _ed_equal(a, b):
    return ((a[0] * b[2] - b[0] * a[2]) % ED_P == 0 and
            (a[1] * b[2] - b[1] * a[2]) % ED_P == 0)


def _ed_recover_x(y, sign):
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * ED_SQRT_M1 % ED_P
    if (x * x - x2) % ED_P != 0:
        return None
    if (x & 1) != sign:
        x = ED_P - x
    return x


def _ed_decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _ed_recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % ED_P)


_ED_GY = 4 * pow(5, ED_P - 2, ED_P) % ED_P
ED_G = (_ed_recover_x(_ED_GY, 0), _ED_GY, 1, _ed_recover_x(_ED_GY, 0) * _ED_GY % ED_P)


def ed25519_verify(pk, msg, sig):
    a = _ed_decompress(pk)
    r = _ed_decompress(sig[:32])
    if a is None or r is None or len(sig) != 64:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= ED_L:
        return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % ED_L
    return _ed_equal(_ed_mul(s, ED_G), _ed_add(r, _ed_mul(h, a)))


def note_key_name(kid):
    """Spec 6.2: the signer's C2SP key name."""
    return "afmt/" + key_id_text(kid)


def vkey_of(kid, pk):
    """Spec 6.2: the C2SP verifier key, key id SHA-256(name || 0x0A || 0x01 || pk)[:4]."""
    name = note_key_name(kid)
    khash = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
    return "%s+%s+%s" % (name, khash.hex(), base64.b64encode(b"\x01" + pk).decode())


UNICODE_SPACES = {0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000} | set(
    range(0x2000, 0x200B))


def key_name_ok(name):
    """signed-note: a key name is non-empty UTF-8 without spaces or '+'; afmt: 1 to 255 bytes,
    no control character (spec 12.2)."""
    if not 1 <= len(name) <= 255 or not clean_text(name):
        return False
    text = name.decode()
    return not any(ch in " +" or ord(ch) in UNICODE_SPACES for ch in text)


def der_whole(body):
    """The length of the DER value at the start of body (tag, definite length, value), or
    None when it is not one."""
    if len(body) < 2 or body[0] != 0x30:
        return None
    n, pos = body[1], 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or len(body) < 2 + k or body[2] == 0:
            return None
        n, pos = int.from_bytes(body[2:2 + k], "big"), 2 + k
        if n < 0x80:
            return None
    return pos + n


def openssl(args, tmp, what):
    r = subprocess.run(["openssl"] + args, cwd=tmp, capture_output=True)
    return r.returncode == 0, r.stdout.decode("utf-8", "replace")


def check_timestamp(number, body, cp, tmp, rule):
    """A kind 0x02 record: a DER TimeStampToken (RFC 3161) of SHA-256(checkpoint) carrying the
    TSA's certificate; its CMS signature checked by the stock openssl command with that
    certificate as the only anchor and no look at the clock (integrity, not trust).  Returns
    (time text, imprint hex)."""
    rule = rule + ", RFC 3161 timestamp"
    if len(body) > 64 * 1024:
        reject("limit", "attestation %d: a token over 64 KiB" % number, rule, named=True)
    if der_whole(body) != len(body):
        reject("format", "attestation %d: not one DER value" % number, rule)
    with open(os.path.join(tmp, "token.der"), "wb") as f:
        f.write(body)
    with open(os.path.join(tmp, "cp"), "wb") as f:
        f.write(cp)
    ok, _ = openssl(["pkcs7", "-inform", "DER", "-in", "token.der", "-outform", "DER",
                     "-out", "token.re"], tmp, "token")
    if not ok or open(os.path.join(tmp, "token.re"), "rb").read() != body:
        reject("format", "attestation %d: not a DER TimeStampToken" % number, rule)
    ok, text = openssl(["ts", "-reply", "-in", "token.der", "-token_in", "-token_out", "-text"],
                       tmp, "token")
    if not ok:
        reject("format", "attestation %d: no TSTInfo" % number, rule)
    if "Hash Algorithm: sha256\n" not in text:
        reject("format", "attestation %d: the imprint is not SHA-256" % number, rule)
    hexdump = text.split("Message data:\n", 1)[1].split("Serial number:", 1)[0]
    imprint = "".join(line.split(" - ", 1)[1][:47].replace("-", " ").replace(" ", "")
                      for line in hexdump.splitlines() if " - " in line)
    if imprint != hashlib.sha256(cp).hexdigest():
        reject("bad-signature", "attestation %d: a timestamp of another text" % number, rule,
               named=True)
    ok, _ = openssl(["pkcs7", "-inform", "DER", "-in", "token.der", "-print_certs", "-out",
                     "certs.pem"], tmp, "certificates")
    certs = open(os.path.join(tmp, "certs.pem")).read() if ok else ""
    if "BEGIN CERTIFICATE" not in certs:
        reject("format", "attestation %d: the token carries no certificate" % number, rule)
    ok, _ = openssl(["ts", "-verify", "-data", "cp", "-in", "token.der", "-token_in",
                     "-CAfile", "certs.pem", "-partial_chain", "-no_check_time"], tmp, "verify")
    if not ok:
        reject("bad-signature", "attestation %d: the timestamp does not verify" % number, rule,
               named=True)
    when = text.split("Time stamp: ", 1)[1].split("\n", 1)[0]
    return when, imprint


def timestamp_trusted(body, cp, ca, tmp):
    """`openssl ts -verify -CAfile ca`: does the token chain to the vectors' test CA?"""
    with open(os.path.join(tmp, "token.der"), "wb") as f:
        f.write(body)
    with open(os.path.join(tmp, "cp"), "wb") as f:
        f.write(cp)
    return openssl(["ts", "-verify", "-data", "cp", "-in", "token.der", "-token_in", "-CAfile",
                    ca], tmp, "trust")[0]


def check_attestations(att, cp, tmp=None):
    """Spec 12.2: the records after note_sig.  Framing first (whole records, known kinds in
    order, counts, no two equal), then each record: a cosignature (c2sp.org/tlog-cosignature)
    must verify over this checkpoint, a timestamp (RFC 3161) too (check_timestamp); the other
    kinds are refused (`unsupported`).  Returns the cosignatures as (name, key, timestamp) and
    the timestamps as (time text, imprint hex, token)."""
    rule = "12.2 (attestations)"
    recs, pos = [], 0
    while pos < len(att):
        if len(att) - pos < 5:
            reject("format", "attestation %d is cut short" % (len(recs) + 1), rule)
        kind, n = att[pos], u32(att, pos + 1)
        if kind < 1 or kind > 4:
            reject("unsupported", "attestation %d of unknown kind %d" % (len(recs) + 1, kind),
                   rule, named=True)
        if n == 0 or n > len(att) - pos - 5:
            reject("format", "attestation %d: length %d does not fit" % (len(recs) + 1, n), rule)
        if recs and kind < recs[-1][0]:
            reject("format", "attestation %d out of kind order" % (len(recs) + 1), rule)
        same = sum(1 for k, _ in recs if k == kind)
        if (kind, same) in ((1, 16), (2, 4), (3, 1)):
            reject("limit", "too many attestations of kind %d" % kind,
                   rule + " (16 cosignatures, 4 timestamps, 1 withholding statement)",
                   named=True)
        body = att[pos + 5:pos + 5 + n]
        if (kind, body) in recs:
            reject("format", "two equal attestations", rule)
        recs.append((kind, body))
        pos += 5 + n
    cosigs, stamps, withheld_index = [], [], None
    for number, (kind, body) in enumerate(recs, 1):
        if kind == 3:
            withheld_index = check_withholding(body, cp, number)
            continue
        if kind == 2:
            when, imprint = check_timestamp(number, body, cp, tmp, rule)
            stamps.append((when, imprint, body))
            continue
        if kind != 1:
            reject("unsupported", "attestation %d is a history record" % number,
                   rule + " (cosignatures, timestamps and withholding statements are read by "
                   "this version)", named=True)
        m = body[0]
        if len(body) != 1 + m + 32 + 8 + 64:
            reject("format", "attestation %d: a cosignature's length" % number, rule)
        name, pk = body[1:1 + m], body[1 + m:33 + m]
        ts, sig = int.from_bytes(body[33 + m:41 + m], "big"), body[41 + m:]
        if not key_name_ok(name):
            reject("format", "attestation %d: cosigner name %r" % (number, name), rule)
        if ts >= 1 << 63:
            reject("format", "attestation %d: time above 2^63 - 1" % number, rule)
        if any(pk == k for _, k, _ in cosigs):
            reject("format", "attestation %d: a second cosignature by one key" % number, rule)
        if not ed25519_verify(pk, b"cosignature/v1\ntime %d\n" % ts + cp, sig):
            reject("bad-signature", "attestation %d: the cosignature does not verify" % number,
                   rule + ", c2sp.org/tlog-cosignature", named=True)
        cosigs.append((name, pk, ts))
    return cosigs, stamps, withheld_index


def check_withholding(body, cp, number):
    """Spec 12.2 kind 0x03: a C2SP signed note by the withholder, exactly
    '<origin>\\n<entries>\\n<root>\\nafmt-withheld 2\\nindex <hex>\\n', an empty line, the
    signature line '— afmt/KEYID base64(key hash || sig)', then the withholder's key (32
    bytes); origin, entries and root the checkpoint's.  Returns the new index head."""
    rule = "12.2 (withholding statement)"
    head = b"".join(cp.split(b"\n")[i] + b"\n" for i in range(3))
    line = b"afmt-withheld 2\nindex "
    text_len = len(head) + len(line) + 64 + 1
    if len(body) != text_len + 1 + 3 + 1 + 21 + 1 + 92 + 1 + 32:
        reject("format", "attestation %d: a withholding statement's length" % number, rule)
    if body[:len(head)] != head:
        reject("format", "attestation %d: origin, entries or root not the checkpoint's"
               % number, rule)
    if body[len(head):len(head) + len(line)] != line:
        reject("format", "attestation %d: no 'afmt-withheld 2' and index lines" % number, rule)
    hexi = body[len(head) + len(line):text_len - 1]
    if not all(c in b"0123456789abcdef" for c in hexi) or body[text_len - 1:text_len] != b"\n":
        reject("format", "attestation %d: the index is not 64 lowercase hex digits" % number,
               rule)
    sigline, pk = body[text_len:-32], body[-32:]
    name = sigline[5:26]
    if (sigline[:5] != "\n\u2014 ".encode() or name[:5] != b"afmt/"
            or not all(c in b"0123456789ABCDEF" for c in name[5:]) or sigline[26:27] != b" "
            or sigline[-1:] != b"\n"):
        reject("format", "attestation %d: the signature line is not '— afmt/KEYID ...'"
               % number, rule + ", 6.2 (key name)")
    try:
        blob = base64.b64decode(sigline[27:-1], validate=True)
    except ValueError:
        blob = b""
    khash = hashlib.sha256(name + b"\n\x01" + pk).digest()[:4]
    if len(blob) != 68 or base64.b64encode(blob) != sigline[27:-1] or blob[:4] != khash:
        reject("format", "attestation %d: the signature line's key hash or base64" % number,
               rule + ", c2sp.org/signed-note")
    if not ed25519_verify(pk, body[:text_len], blob[4:]):
        reject("bad-signature", "attestation %d: the withholding statement does not verify"
               % number, rule, named=True)
    return bytes.fromhex(hexi.decode())


# ----------------------------------------------------------------------------- zstd frames

def zstd_frame(frame, size, what):
    """Spec 7.3: exactly one zstd frame (RFC 8878) with its content size equal to `size`, no
    dictionary, window at most 2^28; returns the decoded bytes (by the `zstd` command)."""
    rule = "7.3 (frame rules)"
    if len(frame) < 4:
        reject("compression", "%s: shorter than a frame magic" % what, rule)
    magic = u32(frame, 0)
    if 0x184D2A50 <= magic <= 0x184D2A5F:
        reject("compression", "%s: a skippable frame" % what, rule)
    if frame[:4] != ZSTD_MAGIC:
        reject("compression", "%s: no zstd frame magic" % what, rule)
    if len(frame) < 5:
        reject("compression", "%s: frame header cut short" % what, rule)
    fhd = frame[4]
    fcs_flag, single, reserved = fhd >> 6, (fhd >> 5) & 1, (fhd >> 3) & 1
    checksum, did_flag = (fhd >> 2) & 1, fhd & 3
    if reserved:
        reject("compression", "%s: reserved frame header bit set" % what, rule)
    if (fhd >> 4) & 1:
        reject("compression", "%s: the frame header's unused bit is set" % what,
               "7.3 (the Unused_bit is 0)")
    pos = 5
    window = None
    if not single:
        if pos >= len(frame):
            reject("compression", "%s: frame header cut short" % what, rule)
        wd = frame[pos]
        pos += 1
        base = 1 << (10 + (wd >> 3))
        window = base + (base >> 3) * (wd & 7)
    did_len = (0, 1, 2, 4)[did_flag]
    fcs_len = ((1 if single else 0), 2, 4, 8)[fcs_flag]
    if pos + did_len + fcs_len > len(frame):
        reject("compression", "%s: frame header cut short" % what, rule)
    did = int.from_bytes(frame[pos:pos + did_len], "little")
    pos += did_len
    if fcs_len == 0:
        reject("compression", "%s: the frame header has no Frame_Content_Size" % what, rule)
    fcs = int.from_bytes(frame[pos:pos + fcs_len], "little") + (256 if fcs_len == 2 else 0)
    pos += fcs_len
    if single:
        window = fcs
    if did != 0:
        reject("compression", "%s: the frame names dictionary %d" % (what, did), rule)
    if fcs != size:
        reject("compression", "%s: Frame_Content_Size %d, declared size %d" % (what, fcs, size),
               rule)
    if window > MAX_WINDOW:
        reject("limit", "%s: window of %d bytes" % (what, window), "11 (zstd window 2^28)",
               named=True)
    block_max = min(window, 128 * 1024)  # RFC 8878 Block_Maximum_Size
    while True:  # the blocks of the frame, to find where it ends
        if pos + 3 > len(frame):
            reject("compression", "%s: frame cut short" % what, rule)
        bh = int.from_bytes(frame[pos:pos + 3], "little")
        pos += 3
        btype = (bh >> 1) & 3
        if btype == 3:
            reject("compression", "%s: reserved block type" % what, rule)
        if bh >> 3 > block_max:
            reject("compression", "%s: a block of %d bytes, over min(window, 128 KiB) = %d"
                   % (what, bh >> 3, block_max), "7.3 (RFC 8878 Block_Maximum_Size)")
        pos += 1 if btype == 1 else bh >> 3
        if pos > len(frame):
            reject("compression", "%s: frame cut short" % what, rule)
        if bh & 1:
            break
    pos += 4 if checksum else 0
    if pos != len(frame):
        reject("compression", "%s: not exactly one frame (%d bytes after it)"
               % (what, len(frame) - pos), rule)
    p = subprocess.run(["zstd", "-d", "-c", "-q", "--memory=256MB"], input=frame,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        reject("compression", "%s: zstd -d: %s" % (what, p.stderr.decode(errors="replace").strip()),
               rule)
    if len(p.stdout) != size:
        reject("compression", "%s: decodes to %d bytes, not %d" % (what, len(p.stdout), size), rule)
    return p.stdout


# ----------------------------------------------------------------------------- entries (8)

class Cursor:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, what):
        if self.pos + n > len(self.data):
            reject("format", "%s cut short" % what, "8 (exact length)")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def string(self, lo, hi, what, limit_rule=None):
        """A u16-length-prefixed string of lo..hi bytes.  Over a limit of section 11 is
        `limit`; under the minimum is malformed, `format` (section 11 names both)."""
        n = u16(self.take(2, what), 0)
        if n > hi and limit_rule:
            reject("limit", "%s of %d bytes" % (what, n), limit_rule, named=True)
        if n > hi:
            reject("format", "%s of %d bytes" % (what, n), "8.1/8.2 field ranges")
        if n < lo:
            reject("format", "%s of %d bytes, under the minimum of %d" % (what, n, lo),
                   "8.1/8.2, 11 (under a minimum: `format`)", named=True)
        return self.take(n, what)


def path_ok(p):
    """Spec 8.2: relative, '/'-separated, no empty, '.' or '..' component, no NUL or
    backslash."""
    if not p or p[:1] == b"/" or b"\0" in p or b"\\" in p:
        return False
    return all(c not in (b"", b".", b"..") for c in p.split(b"/"))


def decode_entry(enc, number):
    where = "entry %d" % number
    if len(enc) < 2:
        reject("format", "%s: shorter than type and flags" % where, "8")
    etype, flags = enc[0], enc[1]
    c = Cursor(enc)
    c.pos = 2
    e = {"number": number, "type": etype, "flags": flags, "encoding": enc}
    if etype == 3:
        # 12.1: a withheld entry, exactly its former type (post or file) and its leaf.
        if len(enc) != 34 or flags not in (1, 2):
            reject("format", "%s: a withheld entry of %d bytes, former type %d"
                   % (where, len(enc), flags), "12.1 (withheld entry)")
        e.update({"withheld": flags, "leaf": enc[2:], "id": None, "salt": None, "size": 0,
                  "hash": None, "parts": []})
        return e
    if etype == 1:
        if flags & 0xC0:
            reject("unsupported", "%s: post flag bits 0x%02x" % (where, flags & 0xC0),
                   "1 (unknown flag bit), 8.1")
        fixed = c.take(16 + 32 + 8 + 8, where)
        e["salt"], e["hash"] = fixed[:16], fixed[16:48]
        e["size"], e["created"] = u64(fixed, 48), i64(fixed, 56)
        if e["size"] > MAX_CONTENT:
            reject("limit", "%s: content of %d bytes" % (where, e["size"]),
                   "11 (one content 256 MiB)", named=True)
        if flags & 0x04:
            if not MIN_CREATED <= e["created"] <= MAX_CREATED:
                reject("format", "%s: created %d out of range" % (where, e["created"]), "8.1")
        elif e["created"] != 0:
            reject("format", "%s: created set while 'has created' is clear" % where, "8.1")
        e["id"] = c.string(1, MAX_ID, where + " id", "11 (id 4096 bytes)")
        e["media_type"] = c.string(1, MAX_MEDIA, where + " media type", "11 (media type 255)")
        if not all(0x20 <= b <= 0x7E for b in e["media_type"]):
            reject("format", "%s: media type not printable ASCII" % where, "8.1")
        e["parent"] = e["author"] = e["title"] = e["missing"] = None
        if flags & 0x01:
            e["parent"] = c.string(1, MAX_ID, where + " parent", "11 (parent id 4096 bytes)")
        if flags & 0x02:
            e["author"] = c.string(0, MAX_ID, where + " author", "11 (author 4096 bytes)")
        if flags & 0x08:
            e["title"] = c.string(0, 65535, where + " title")
        if flags & 0x20:
            e["missing"] = u64(c.take(8, where + " missing replies"), 0)
    elif etype == 2:
        if flags != 0:
            reject("unsupported", "%s: file flags 0x%02x" % (where, flags), "1 (flag bit), 8.2")
        fixed = c.take(16 + 8, where)
        e["salt"], e["size"] = fixed[:16], u64(fixed, 16)
        if e["size"] > MAX_FILE:
            reject("limit", "%s: total size of %d bytes" % (where, e["size"]),
                   "8.2, 11 (one file 2^62 bytes)", named=True)
        e["id"] = c.string(1, MAX_PATH, where + " path", "11 (path 4096 bytes)")
        if not path_ok(e["id"]):
            reject("format", "%s: path %r" % (where, e["id"]), "8.2 (paths)")
        count = u32(c.take(4, where), 0)
        if count > MAX_PARTS:
            reject("limit", "%s: %d parts" % (where, count), "11 (parts of one file)", named=True)
        parts = []
        for k in range(count):
            kind = c.take(1, where + " part")[0]
            if kind == 1:
                parts.append({"kind": "entry", "entry": u64(c.take(8, where + " part"), 0)})
            elif kind == 2:
                data = c.string(1, MAX_INLINE, where + " inline part", "11 (inline part 4096)")
                parts.append({"kind": "inline", "data": data, "size": len(data)})
            elif kind == 3:
                b = c.take(40, where + " blob part")
                size = u64(b, 32)
                if size > MAX_CONTENT:
                    reject("limit", "%s: blob part of %d bytes" % (where, size),
                           "11 (one content 256 MiB)", named=True)
                if size == 0:
                    reject("format", "%s: blob part of size 0" % where,
                           "7.4, 11 (a blob of size 0 is under a minimum: `format`)", named=True)
                parts.append({"kind": "blob", "hash": b[:32], "size": size})
            else:
                reject("unsupported", "%s: part kind 0x%02x" % (where, kind), "1 (part kind), 8.2")
        e["parts"] = parts
    else:
        reject("unsupported", "%s: entry type 0x%02x" % (where, etype), "1 (entry type), 8")
    if c.pos != len(enc):
        reject("format", "%s: %d bytes after the last field" % (where, len(enc) - c.pos),
               "8 (exact length)")
    return e


# ------------------------------------------------------------------------- Merkle tree (9)

def mth(leaves):
    """RFC 9162 2.1.1, recursively: split at the largest power of two smaller than n."""
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


# ------------------------------------------------------------------------------ the reader

def parse_decimal(v, what):
    if not v or len(v) > 19 or not v.isdigit() or (len(v) > 1 and v[:1] == b"0"):
        reject("format", "checkpoint %s %r is not canonical decimal" % (what, v), "6")
    n = int(v)
    if n > (1 << 63) - 1:
        reject("format", "checkpoint %s out of range" % what, "6")
    return n


def parse_hex(v, what):
    if len(v) != 64 or any(ch not in b"0123456789abcdef" for ch in v):
        reject("format", "checkpoint %s %r is not 64 lowercase hex digits" % (what, v), "6")
    return bytes.fromhex(v.decode())


def origin_of(kid, pk, created, entries, root):
    """Spec 6.1: the origin of the log a capture starts."""
    h = H(b"afmt origin v2\0" + pk + struct.pack("<qQ", created, entries) + root)
    return ("afmt/%s/%s" % (key_id_text(kid), h[:16].hex())).encode()


def parse_b64_root(v):
    try:
        raw = base64.b64decode(v, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32 or base64.b64encode(raw) != v:
        reject("format", "checkpoint root %r is not the base64 of 32 bytes, spelled canonically"
               % v, "6")
    return raw


def parse_checkpoint(cp):
    rule = "6"
    lines = cp.split(b"\n")
    if len(lines) < 8:
        reject("format", "checkpoint has %d lines, not 7" % (len(lines) - 1), rule)
    origin = lines[0]
    if (len(origin) != 54 or origin[:5] != b"afmt/" or origin[21:22] != b"/" or
            any(ch not in b"0123456789ABCDEF" for ch in origin[5:21]) or
            any(ch not in b"0123456789abcdef" for ch in origin[22:])):
        reject("format", "origin %r is not afmt/KEYID/32 hex digits" % origin, rule)
    entries = parse_decimal(lines[1], "tree size")
    root = parse_b64_root(lines[2])
    if lines[3] != b"afmt-bundle 2":
        reject("format", "checkpoint line 4 is %r, not 'afmt-bundle 2'" % lines[3], rule)
    vals = []
    for line, key in zip(lines[4:7], (b"title", b"created", b"index")):
        if not line.startswith(key + b" "):
            reject("format", "checkpoint line %r is not '%s ...'" % (line, key.decode()), rule)
        vals.append(line[len(key) + 1:])
    title = vals[0]
    if len(title) > MAX_TITLE:
        reject("limit", "bundle title of %d bytes" % len(title), "11 (bundle title 1024)",
               named=True)
    if not clean_text(title):
        reject("format", "bundle title is not clean UTF-8", rule)
    created = parse_decimal(vals[1], "created")
    index = parse_hex(vals[2], "index")
    rest = lines[7:]
    if rest != [b""]:
        if rest[-1] == b"" and all(rest[:-1]):
            reject("unsupported", "extension lines this version does not know: %r" % rest[:-1],
                   "6, 12 (unknown extension lines: `unsupported`)", named=True)
        reject("format", "bytes after the checkpoint's last line", rule)
    return {"origin": origin, "title": title, "created": created, "entries": entries,
            "root": root, "index": index}


def minisign_verify(cp, kid, sig, comment, gsig, pk, tmp):
    """Spec 5: the checkpoint with a .minisig built from the signature section must verify
    with stock minisign and the embedded key.  Returns the trusted comment minisign prints."""
    f = os.path.join(tmp, "checkpoint")
    with open(f, "wb") as fh:
        fh.write(cp)
    with open(f + ".minisig", "wb") as fh:
        fh.write(b"untrusted comment: from an afmt bundle (check_vectors.py)\n")
        fh.write(base64.b64encode(b"ED" + kid + sig) + b"\n")
        fh.write(b"trusted comment: " + comment + b"\n")
        fh.write(base64.b64encode(gsig) + b"\n")
    pub = base64.b64encode(b"Ed" + kid + pk).decode()
    p = subprocess.run(["minisign", "-V", "-H", "-Q", "-P", pub, "-m", f, "-x", f + ".minisig"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        reject("bad-signature", "minisign -V: %s" % (p.stdout + p.stderr).decode().strip(),
               "10 step 3 (`bad signature`)", named=True)
    return p.stdout.rstrip(b"\n")


def read_bundle(data, tmp):
    """Opens and fully verifies a bundle as spec 10 says; returns what it read, or raises
    Reject."""
    size = len(data)
    # Step 1: size, header, trailer (3, 4).
    # Step 1 in the order 10 gives: the header, then the size, then the trailer.
    if size == 0:
        reject("truncated", "empty file", "10 step 1", named=True)
    if data[:8] != MAGIC[:min(size, 8)]:
        reject("format", "bad magic", "3, 10 step 1", named=True)
    if size < 16:
        reject("truncated", "%d bytes: shorter than the header" % size, "10 step 1", named=True)
    if u32(data, 8) == 1:
        reject("unsupported", "written by format draft 1.x, not readable by this version",
               "3 (version 1: an earlier draft, `unsupported`)", named=True)
    if u32(data, 8) != FORMAT_VERSION:
        reject("unsupported", "version %d" % u32(data, 8), "3 (`unsupported`)", named=True)
    if u32(data, 12) != 0:
        reject("unsupported", "header flags 0x%x" % u32(data, 12), "3 (`unsupported`)",
               named=True)
    if size < 48:
        reject("truncated", "%d bytes: shorter than header and trailer" % size,
               "4 (size >= 48), 10 step 1", named=True)
    t = data[-32:]
    if t[24:] != END_MAGIC:
        reject("truncated", "no end magic: cut short, or bytes after the trailer", "4")
    index_offset, index_size = u64(t, 0), u64(t, 8)
    checkpoint_size, signature_size = u32(t, 16), u32(t, 20)
    if checkpoint_size > MAX_CHECKPOINT:
        reject("limit", "checkpoint of %d bytes" % checkpoint_size, "4, 11 (checkpoint 4096)",
               named=True)
    if signature_size > SIG_FIXED + MAX_COMMENT + MAX_ATTESTATIONS:
        reject("limit", "signature section of %d bytes" % signature_size,
               "4, 5, 11 (trusted comment 1024, attestations 1 MiB)", named=True)
    if index_size > MAX_INDEX:
        reject("limit", "index of %d bytes" % index_size, "4, 11 (index section)", named=True)
    if index_offset < 16 or index_offset + index_size + checkpoint_size + signature_size + 32 != size:
        reject("format", "trailer sizes do not add up to the file size", "4")
    if signature_size < SIG_FIXED:
        reject("format", "signature section shorter than %d bytes" % SIG_FIXED, "5")
    if index_size < 56:
        reject("format", "index shorter than its header", "7.1")
    cp_off = index_offset + index_size
    sig_off = cp_off + checkpoint_size
    cp = data[cp_off:sig_off]
    sec = data[sig_off:sig_off + signature_size]

    # Step 2: the signature section's layout (5).
    if sec[:2] == b"Ed":
        reject("unsupported", "legacy 'Ed' signature", "5 (`unsupported`)", named=True)
    if sec[:2] != b"ED":
        reject("unsupported", "signature algorithm %r" % sec[:2], "5 (`unsupported`)", named=True)
    kid, sig, tlen = sec[2:10], sec[10:74], u16(sec, 74)
    if tlen > MAX_COMMENT:
        reject("limit", "trusted comment of %d bytes" % tlen, "5, 11 (trusted comment 1024)",
               named=True)
    if signature_size < SIG_FIXED + tlen:
        reject("format", "signature_size %d is under %d + %d" % (signature_size, SIG_FIXED, tlen),
               "5")
    attestations = sec[SIG_FIXED + tlen:]
    if len(attestations) > MIB:
        reject("limit", "%d bytes of attestations" % len(attestations), "5, 11, 12.2", named=True)
    comment = sec[76:76 + tlen]
    if not clean_text(comment):
        reject("format", "trusted comment is not UTF-8 free of control characters", "5")
    gsig = sec[76 + tlen:140 + tlen]
    if sec[140 + tlen:142 + tlen] != b"Ed":
        reject("unsupported", "public key algorithm %r" % sec[140 + tlen:142 + tlen],
               "5 (`unsupported`)", named=True)
    if sec[142 + tlen:150 + tlen] != kid:
        reject("format", "the two key ids differ", "5, 10 step 2")
    pk = sec[150 + tlen:182 + tlen]
    note_sig = sec[182 + tlen:246 + tlen]

    # Step 3: the signatures, with the embedded key, by stock minisign.
    minisign_comment = minisign_verify(cp, kid, sig, comment, gsig, pk, tmp)
    if minisign_comment != comment:
        raise AssertionError("minisign printed trusted comment %r, the section holds %r"
                             % (minisign_comment, comment))

    # ... and the C2SP note's plain Ed25519 signature over the same text (6.2), here by
    # RFC 8032's own verification, in Python.
    if not ed25519_verify(pk, cp, note_sig):
        reject("bad-signature", "the note signature does not verify",
               "10 step 3 (`bad signature`)", named=True)

    # Step 4: the checkpoint (6), its origin (6.1).
    c = parse_checkpoint(cp)
    want_origin = origin_of(kid, pk, c["created"], c["entries"], c["root"])
    if c["origin"] != want_origin:
        reject("format", "origin %r, not %r: the log this capture starts" % (c["origin"],
                                                                            want_origin),
               "6.1 (the origin)")

    # Before step 5, the attestations (12.2): a withholding statement names the index head in
    # place of the checkpoint (12.1).
    cosigs, stamps, withheld_index = check_attestations(attestations, cp, tmp)

    # Step 5: the index header (7.1), checked before anything is allocated.
    index = data[index_offset:index_offset + index_size]
    if u32(index, 0) != 1:
        reject("unsupported", "compression id %d" % u32(index, 0), "1, 7.1, 12 (compression)")
    if u32(index, 4) != 0:
        reject("unsupported", "index flags 0x%x" % u32(index, 4), "1 (flag bit), 7.1")
    n, nposts, nblocks, nblobs, nrec, records_size = struct.unpack_from("<6Q", index, 8)
    for value, limit, what in ((n, MAX_ENTRIES, "entries"), (nblocks, MAX_BLOCKS, "blocks"),
                               (nblobs, MAX_BLOBS, "blobs"),
                               (records_size, MAX_INDEX, "records_size"),
                               (nposts, MAX_ENTRIES, "posts")):
        if value > limit:
            reject("limit", "%s %d, over %d" % (what, value, limit), "7.1 `limit`, 11",
                   named=True)
    body_size = 56 * nblocks + 8 * nblobs + records_size + 12 * nposts  # Python: no overflow
    if body_size > MAX_INDEX:
        reject("limit", "all pages decompressed: %d bytes" % body_size,
               "7.1 `limit` (body_size 4 GiB), 11", named=True)
    if nposts > n:
        reject("format", "post_count %d over entry_count %d" % (nposts, n), "7.1 `format`",
               named=True)
    if n > records_size // 45:
        reject("format", "%d entries cannot fit %d bytes of records" % (n, records_size),
               "7.1 `format` (entry_count <= records_size / 45)", named=True)
    if nrec > n or (nrec == 0) != (n == 0):
        reject("format", "%d record pages for %d entries" % (nrec, n),
               "7.1 `format` (record_pages)", named=True)
    nid = (nposts + ID_PAGE_ROWS - 1) // ID_PAGE_ROWS
    page_count = 2 + nrec + nid
    head_size = 56 + 48 * page_count
    if head_size > index_size:
        reject("format", "index of %d bytes, its head %d" % (index_size, head_size),
               "7.1 `format` (56 + 48 * page_count <= index_size)", named=True)
    head = index[:head_size]
    head_hash = H(head)
    if head_hash != (withheld_index or c["index"]):
        reject("index-mismatch", "H(index head) differs from the %s"
               % ("withholding statement" if withheld_index else "checkpoint"),
               "6, 12.1, 10 step 5 (`index mismatch`)", named=True)

    # The page directory (7.2): pages tile the rest of the index; each page's size is the one
    # its kind requires and within the bomb bound; the `first` values.
    kinds = ["blocks", "blobs"] + ["records"] * nrec + ["ids"] * nid
    pages, at = [], head_size
    for p in range(page_count):
        row = head[56 + 48 * p:56 + 48 * (p + 1)]
        csize, psize, first = struct.unpack_from("<IIQ", row, 0)
        kind = kinds[p]
        if csize == 0 or at + csize > index_size:
            reject("format", "index page %d: a %d-byte frame at %d of a %d-byte index"
                   % (p, csize, at, index_size), "7.2 (pages tile the index)")
        if psize > 1024 * csize + MIB:
            reject("limit", "index page %d: %d bytes from a %d-byte frame" % (p, psize, csize),
                   "7.2, 11 (each page at most 1024 x its frame + 1 MiB)", named=True)
        if kind == "blocks":
            want, ok = 56 * nblocks, first == 0
        elif kind == "blobs":
            want, ok = 8 * nblobs, first == 0
        elif kind == "records":
            if psize == 0:
                reject("format", "index page %d (records): empty" % p,
                       "7.2 (a record page's size is at least 1)")
            want = psize
            ok = first < n and (first == 0 if p == 2 else first > pages[-1]["first"])
        else:
            k = p - 2 - nrec
            want = 12 * min(ID_PAGE_ROWS, nposts - k * ID_PAGE_ROWS)
            ok = k == 0 or first >= pages[-1]["first"]
        if psize != want:
            reject("format", "index page %d (%s): %d bytes, not %d" % (p, kind, psize, want),
                   "7.2 (page sizes)")
        if not ok:
            reject("format", "index page %d (%s): first %d" % (p, kind, first),
                   "7.2 (`first`: tables 0; record pages from 0 strictly up, below "
                   "entry_count; id pages never down)")
        pages.append({"kind": kind, "offset": index_offset + at, "csize": csize, "size": psize,
                      "first": first, "hash": row[16:48]})
        at += csize
    if at != index_size:
        reject("format", "the pages end at %d of a %d-byte index" % (at, index_size),
               "7.2 (pages tile the index)")
    if sum(pg["size"] for pg in pages) > 1024 * (index_size - head_size) + MIB:
        reject("limit", "the pages declare %d bytes from %d bytes of frames"
               % (sum(pg["size"] for pg in pages), index_size - head_size),
               "7.2, 11 (all pages together at most 1024 x their frames + 1 MiB)", named=True)
    if sum(pg["size"] for pg in pages if pg["kind"] == "records") != records_size:
        reject("format", "record pages do not add up to records_size %d" % records_size,
               "7.2 (record pages add up to records_size)")
    if n != c["entries"]:
        reject("format", "entry_count %d, checkpoint says %d" % (n, c["entries"]), "6 (entries)")


    # Step 6: each page against its hash, then decoded (7.2, the frame rules of 7.3).
    for p, pg in enumerate(pages):
        frame = data[pg["offset"]:pg["offset"] + pg["csize"]]
        if H(frame) != pg["hash"]:
            reject("index-mismatch", "index page %d does not match its hash" % p,
                   "7.2 (`index-mismatch`), 10 step 6", named=True)
        pg["data"] = zstd_frame(frame, pg["size"], "index page %d" % p)
    block_tab, blob_tab = pages[0]["data"], pages[1]["data"]
    rec_pages, id_pages = pages[2:2 + nrec], pages[2 + nrec:]

    # Blocks tile the file from 16 to index_offset (7.3).
    blocks, nxt = [], 16
    for b in range(nblocks):
        off, cs, bsize = u64(block_tab, 56 * b), u64(block_tab, 56 * b + 8), u64(block_tab, 56 * b + 16)
        if off != nxt or cs == 0 or off + cs > index_offset:
            reject("format", "block %d out of place" % b, "7.3 (tiling)")
        if bsize > MAX_BLOCK:
            reject("limit", "block %d of %d bytes" % (b, bsize), "11 (one block 256 MiB)",
                   named=True)
        if bsize == 0:
            reject("format", "block %d of size 0" % b,
                   "7.3, 11 (a block of size 0 is under a minimum: `format`)", named=True)
        if bsize > 1024 * cs + MIB:
            reject("limit", "block %d: %d bytes from a %d-byte frame" % (b, bsize, cs),
                   "7.3, 11 (each block at most 1024 x its frame + 1 MiB)", named=True)
        blocks.append({"offset": off, "compressed_size": cs, "size": bsize,
                       "hash": block_tab[56 * b + 24:56 * b + 56]})
        nxt = off + cs
    if nxt != index_offset:
        reject("format", "blocks end at %d, the index starts at %d" % (nxt, index_offset), "7.3")
    if sum(bl["size"] for bl in blocks) > 1024 * (nxt - 16) + MIB:
        reject("limit", "blocks declare %d bytes from %d bytes of frames"
               % (sum(bl["size"] for bl in blocks), nxt - 16),
               "7.3, 11 (all blocks together at most 1024 x their frames + 1 MiB)", named=True)

    # Record pages (7.5): page j holds entries first_j .. first_{j+1} - 1, c_j of them: their
    # records back to back, then their places (8 bytes each), nothing else; entries (8); entry
    # parts name earlier posts.
    entries = []
    for j, pg in enumerate(rec_pages):
        rdata = pg["data"]
        first = pg["first"]
        nxt = rec_pages[j + 1]["first"] if j + 1 < nrec else n
        c_j = nxt - first  # the directory check made it at least 1
        if len(rdata) < 8 * c_j:
            reject("format", "record page %d: %d bytes, too few for %d places"
                   % (j, len(rdata), c_j), "7.5 (the places take the last 8 * c_j bytes)")
        records_end = len(rdata) - 8 * c_j
        pos = 0
        for i in range(first, nxt):
            if pos + 4 > records_end:
                reject("format", "record page %d: entry %d cut short" % (j, i),
                       "7.5 (c_j records, then the places)")
            ln = u32(rdata, pos)
            if pos + 4 + ln > records_end:
                reject("format", "entry %d runs past the records of page %d" % (i, j),
                       "7.5 (pages cut at record boundaries, records before the places)")
            enc = rdata[pos + 4:pos + 4 + ln]
            pos += 4 + ln
            if i == nxt - 1 and pos != records_end:
                reject("format", "record page %d: %d bytes between its last record and its "
                       "places" % (j, records_end - pos), "7.5 (the records fill the rest exactly)")
            e = decode_entry(enc, i)
            at = records_end + 8 * (i - first)
            e["place"] = (u32(rdata, at), u32(rdata, at + 4))
            entries.append(e)
            if e["type"] == 2:
                total = 0
                for part in e["parts"]:
                    if part["kind"] == "entry":
                        if part["entry"] >= i:
                            reject("format", "entry %d: part names entry %d" % (i, part["entry"]),
                                   "8.2 (entry part: smaller number)")
                        if entries[part["entry"]]["type"] != 1:
                            reject("format", "entry %d: part names a file" % i, "8.2 (entry part)")
                        part["size"] = entries[part["entry"]]["size"]
                        part["hash"] = entries[part["entry"]]["hash"]
                    elif part["kind"] == "inline":
                        part["hash"] = H(part["data"])
                    total += part["size"]
                if total != e["size"]:
                    reject("format", "entry %d: parts add up to %d, not %d" % (i, total, e["size"]),
                           "8.2 (total size)")
    withheld = sum(1 for e in entries if e["type"] == 3)
    if withheld and withheld_index is None:
        reject("format", "%d withheld entries but no withholding statement" % withheld,
               "12.1 (a bundle with a withheld entry carries exactly one statement)")
    if withheld_index is not None and not withheld:
        reject("format", "a withholding statement, but no entry is withheld",
               "12.1 (a statement only with withheld entries)")
    posts = sum(1 for e in entries if e["type"] == 1)
    if posts != nposts:
        reject("format", "%d posts, post_count %d" % (posts, nposts), "7.1 (post_count), 10 step 6")

    # File paths: no two equal, none the folder of another (8.2).
    seen_paths = set()
    for e in entries:
        if e["type"] == 2:
            if e["id"] in seen_paths:
                reject("duplicate", "entry %d: file path used before" % e["number"],
                       "8.2 (paths unique)")
            seen_paths.add(e["id"])
    for e in entries:
        if e["type"] == 2:
            comps = e["id"].split(b"/")
            for k in range(1, len(comps)):
                if b"/".join(comps[:k]) in seen_paths:
                    reject("duplicate", "entry %d: %r is also a file" % (e["number"],
                           b"/".join(comps[:k])), "8.2 (a file's path is no folder of another)")

    # The id table (7.6): rows of (u64 id key, u32 entry number); every post once and nothing
    # else, each row with its post's id key, by (id key, entry number); each id page's `first`
    # is its first row's key; no two posts with one id.
    rows = b"".join(pg["data"] for pg in id_pages)
    id_table, named_rows, prev, run = [], set(), None, []
    for k in range(nposts):
        row_key, e = struct.unpack_from("<QI", rows, 12 * k)
        if e >= n or entries[e]["type"] != 1 or e in named_rows:
            reject("format", "id table row %d names entry %d: no post, or one named before"
                   % (k, e), "7.6 (every post once, nothing else)")
        named_rows.add(e)
        key = id_key(entries[e]["id"])
        if row_key != key:
            reject("format", "id table row %d: key %016x, its post's id key %016x"
                   % (k, row_key, key), "7.6 (each row carries its post's id key)")
        if k % ID_PAGE_ROWS == 0 and id_pages[k // ID_PAGE_ROWS]["first"] != key:
            reject("format", "id page %d: first %016x, its first row's key %016x"
                   % (k // ID_PAGE_ROWS, id_pages[k // ID_PAGE_ROWS]["first"], key),
                   "7.6 (an id page's first is the key of its first row)")
        if prev is not None and (key, e) <= prev:
            reject("format", "id table row %d out of order" % k, "7.6 (order by (id key, entry))")
        if prev is None or key != prev[0]:
            run = []
        for other in run:
            if entries[other]["id"] == entries[e]["id"]:
                reject("duplicate", "entries %d and %d: one post id" % (other, e),
                       "7.6, 8.1 (no two posts with one id)")
        run.append(e)
        prev = (key, e)
        id_table.append(e)

    # Blob rows (7.4): the reference gives hash and size; blobs tile the blocks.
    blobs, by_hash, block, bpos = [], {}, 0, 0
    if nblocks > 0 and nblobs == 0:
        reject("format", "blocks without blobs", "7.4 (every block holds a blob)")
    for r in range(nblobs):
        entry, part = u32(blob_tab, 8 * r), u32(blob_tab, 8 * r + 4)
        if entry >= n:
            reject("format", "blob %d names entry %d of %d" % (r, entry, n), "7.4")
        e = entries[entry]
        if e["type"] == 3:
            reject("format", "blob %d names withheld entry %d" % (r, entry),
                   "7.4, 12.1 (a withheld entry names no content)")
        if e["type"] == 1:
            if part != 0 or e["size"] == 0:
                reject("format", "blob %d names no content" % r, "7.4 (post reference)")
            h, bsize = e["hash"], e["size"]
        else:
            if part >= len(e["parts"]) or e["parts"][part]["kind"] != "blob":
                reject("format", "blob %d names part %d, not a blob part" % (r, part),
                       "7.4 (file reference)")
            h, bsize = e["parts"][part]["hash"], e["parts"][part]["size"]
        if block < nblocks and r > 0 and bpos == blocks[block]["size"]:
            block, bpos = block + 1, 0
        if block >= nblocks or bpos + bsize > blocks[block]["size"]:
            reject("format", "blob %d does not fit its block" % r, "7.4 (tiling)")
        if h in by_hash:
            reject("duplicate", "blob %d has the hash of blob %d" % (r, by_hash[h]),
                   "7.4 (no two blobs with one hash)")
        by_hash[h] = r
        blobs.append({"entry": entry, "part": part, "block": block, "offset": bpos,
                      "size": bsize, "hash": h})
        bpos += bsize
    if nblocks > 0 and (block != nblocks - 1 or bpos != blocks[block]["size"]):
        reject("format", "blobs do not fill the blocks exactly", "7.4 (tiling)")

    # Every content reference names a blob (7.4); empty contents hash to H("").
    def ref(h, rsize, where):
        if rsize == 0:
            if h != EMPTY_HASH:
                reject("format", "%s: empty content, hash not H('')" % where, "7.4")
        elif h not in by_hash or blobs[by_hash[h]]["size"] != rsize:
            reject("format", "%s: content not stored" % where, "7.4 (references)")
    for e in entries:
        if e["type"] == 1:
            ref(e["hash"], e["size"], "entry %d" % e["number"])
        else:
            for part in e["parts"]:
                if part["kind"] == "blob":
                    ref(part["hash"], part["size"], "entry %d" % e["number"])

    # Places (7.5): a post with content names its blob's (block, offset); any other entry 0, 0.
    for e in entries:
        want = (0, 0)
        if e["type"] == 1 and e["size"]:
            bl = blobs[by_hash[e["hash"]]]
            want = (bl["block"], bl["offset"])
        if e["place"] != want:
            reject("format", "entry %d: place %r, not %r" % (e["number"], e["place"], want),
                   "7.5 (places)")

    # Leaves and root (9).
    for e in entries:
        if e["type"] != 3:  # 12.1: a withheld entry's leaf is the one it holds
            e["leaf"] = H(b"\x00" + e["encoding"])
    root = mth([e["leaf"] for e in entries])
    if root != c["root"]:
        reject("root-mismatch", "the Merkle root differs from the checkpoint",
               "10 step 6 (`root mismatch`)", named=True)

    # Full verification: blocks, frames, contents (7.3, 10).
    for b, blk in enumerate(blocks):
        frame = data[blk["offset"]:blk["offset"] + blk["compressed_size"]]
        if H(frame) != blk["hash"]:
            reject("hash-mismatch", "block %d does not match its hash" % b, "7.3, 10")
        blk["data"] = zstd_frame(frame, blk["size"], "block %d" % b)
    for r, bl in enumerate(blobs):
        bl["data"] = blocks[bl["block"]]["data"][bl["offset"]:bl["offset"] + bl["size"]]
        if H(bl["data"]) != bl["hash"]:
            reject("hash-mismatch", "blob %d does not match its hash" % r, "10")
    for e in entries:
        if e["type"] == 3:
            e["content"] = b""
            continue
        if e["type"] == 1:
            e["content"] = blobs[by_hash[e["hash"]]]["data"] if e["size"] else b""
        else:
            out = []
            for part in e["parts"]:
                if part["kind"] == "entry":
                    out.append(entries[part["entry"]]["content"])
                elif part["kind"] == "inline":
                    out.append(part["data"])
                else:
                    out.append(blobs[by_hash[part["hash"]]]["data"])
            e["content"] = b"".join(out)
        assert len(e["content"]) == e["size"]
        if e["type"] == 1:
            assert H(e["content"]) == e["hash"]

    return {"checkpoint": c, "checkpoint_bytes": cp, "index_hash": head_hash, "root": root,
            "comment": comment, "key_id": kid, "public_key": pk, "note_sig": note_sig,
            "trailer": (index_offset, index_size, checkpoint_size, signature_size),
            "head_size": head_size, "body_size": body_size, "records_size": records_size,
            "record_pages": nrec, "id_pages": nid, "pages": pages, "id_table": id_table,
            "blocks": blocks, "blobs": blobs, "entries": entries, "cosignatures": cosigs,
            "withheld_index": withheld_index, "timestamps": stamps}


# ------------------------------------------------------------------------------- the JSON
def cosig_json(name, pk, ts):
    """A cosignature and its note line's key (signature type 0x04, c2sp tlog-cosignature)."""
    khash = hashlib.sha256(name + b"\n\x04" + pk).digest()[:4]
    return {"name": name.decode(), "public_key": pk.hex(), "key_hash": khash.hex(),
            "timestamp": ts}



def byte_field(obj, name, value):
    """A byte string as hex, and as text when it is UTF-8 (both null when absent)."""
    obj[name + "_hex"] = None if value is None else value.hex()
    obj[name] = None if value is None else utf8(value)


def page_json(pg):
    """A directory row and where its frame is.  An id page's `first` is an id key, a u64 that
    JSON integers do not always hold: it is `first_key`, 16 hex digits (most significant
    first), instead."""
    j = {"kind": pg["kind"], "offset": pg["offset"], "csize": pg["csize"], "size": pg["size"]}
    if pg["kind"] == "ids":
        j["first_key"] = "%016x" % pg["first"]
    else:
        j["first"] = pg["first"]
    j["hash"] = pg["hash"].hex()
    return j


def to_json(name, data, b):
    c = b["checkpoint"]
    posts = sum(1 for e in b["entries"] if e["type"] == 1)
    held = sum(1 for e in b["entries"] if e["type"] == 3)
    out = {
        "file": name,
        "file_size": len(data),
        "title": c["title"].decode(),
        "created": c["created"],
        "entries": len(b["entries"]),
        "posts": posts,
        "files": len(b["entries"]) - posts - held,
        "withheld": held,
        "origin": c["origin"].decode(),
        "root": b["root"].hex(),
        "root_base64": base64.b64encode(b["root"]).decode(),
        "index_hash": b["index_hash"].hex(),
        "trusted_comment": b["comment"].decode(),
        "signer_key_id": key_id_text(b["key_id"]),
        "signer_public_key": b["public_key"].hex(),
        "signer_vkey": vkey_of(b["key_id"], b["public_key"]),
        "note_signature": base64.b64encode(b["note_sig"]).decode(),
        "cosignatures": [cosig_json(nm, pk, ts) for nm, pk, ts in b["cosignatures"]],
        "withholding_index": None if b["withheld_index"] is None else b["withheld_index"].hex(),
        **({"timestamps": [{"time": when, "sha256_imprint": imprint,
                            "token_sha256": hashlib.sha256(tok).hexdigest()}
                           for when, imprint, tok in b["timestamps"]]}
           if b["timestamps"] else {}),
        "layout": {
            "index_offset": b["trailer"][0],
            "index_size": b["trailer"][1],
            "checkpoint_size": b["trailer"][2],
            "signature_size": b["trailer"][3],
            "head_size": b["head_size"],
            "body_size": b["body_size"],
            "records_size": b["records_size"],
            "record_pages": b["record_pages"],
            "id_pages": b["id_pages"],
            "pages": [page_json(x) for x in b["pages"]],
            "blocks": [{"offset": x["offset"], "compressed_size": x["compressed_size"],
                        "size": x["size"], "hash": x["hash"].hex()} for x in b["blocks"]],
            "blobs": [{"entry": x["entry"], "part": x["part"], "block": x["block"],
                       "offset": x["offset"], "size": x["size"], "hash": x["hash"].hex()}
                      for x in b["blobs"]],
            "id_table": b["id_table"],
        },
        "entry_list": [],
    }
    for e in b["entries"]:
        if e["type"] == 3:
            out["entry_list"].append({"number": e["number"], "type": "withheld",
                                      "former_type": "post" if e["withheld"] == 1 else "file",
                                      "leaf": e["leaf"].hex(),
                                      "place": {"block": e["place"][0],
                                                "offset": e["place"][1]}})
            continue
        j = {"number": e["number"], "type": "post" if e["type"] == 1 else "file"}
        byte_field(j, "id", e["id"])
        j["salt"] = e["salt"].hex()
        j["size"] = e["size"]
        j["content_hash"] = H(e["content"]).hex()
        j["leaf"] = e["leaf"].hex()
        j["place"] = {"block": e["place"][0], "offset": e["place"][1]}
        if e["type"] == 1:
            j["id_key"] = "%016x" % id_key(e["id"])
            byte_field(j, "parent", e["parent"])
            byte_field(j, "author", e["author"])
            byte_field(j, "title", e["title"])
            j["media_type"] = e["media_type"].decode("ascii")
            j["created"] = e["created"] if e["flags"] & 0x04 else None
            j["deleted"] = bool(e["flags"] & 0x10)
            j["incomplete"] = bool(e["flags"] & 0x20)
            j["missing_replies"] = e["missing"]
        else:
            j["parts"] = []
            for p in e["parts"]:
                q = {"kind": p["kind"]}
                if p["kind"] == "entry":
                    q["entry"] = p["entry"]
                q["size"] = p["size"]
                q["hash"] = p["hash"].hex()
                j["parts"].append(q)
        out["entry_list"].append(j)
    return out


# ----------------------------------------------------------------------------------- main

class Run:
    def __init__(self):
        self.failures, self.notes = [], []

    def fail(self, msg):
        self.failures.append(msg)
        print("FAIL  " + msg)

    def note(self, msg):
        self.notes.append(msg)


def salt_check(entries, sk, created, title):
    """Spec 8.3: salt_key = HMAC(sk, 'afmt salt key v2'); log_seed = HMAC(salt_key,
    'afmt log seed v2' 0x00 || u64(created) || title); salt = HMAC(log_seed, u64(number) ||
    E0)[:16], HMAC being HMAC-SHA-256 and sk the 64-byte secret key.  Readers cannot check
    this; the holder of test.key can."""
    def mac(k, m):
        return hmac.new(k, m, hashlib.sha256).digest()
    salt_key = mac(sk, b"afmt salt key v2")
    seed = mac(salt_key, b"afmt log seed v2\0" + struct.pack("<q", created) + title)
    bad = []
    for e in entries:
        if e["type"] == 3:
            continue  # withheld: no salt shown
        enc = e["encoding"]
        e0 = enc[:2] + bytes(16) + enc[18:]
        want = mac(seed, struct.pack("<Q", e["number"]) + e0)[:16]
        if want != e["salt"]:
            bad.append(e["number"])
    return bad


def check_key_pair(d, tmp, run):
    kid, pk, pcomment = load_public_key(os.path.join(d, "test.pub"))
    skid, sk, scomment = load_secret_key(os.path.join(d, "test.key"))
    if kid != skid or sk[32:] != pk:
        run.fail("test.key and test.pub are not one key pair")
    for cmt, f in ((pcomment, "test.pub"), (scomment, "test.key")):
        if "TEST-ONLY" not in cmt:
            run.fail("%s: the untrusted comment does not say TEST-ONLY" % f)
    # Stock minisign signs with test.key and verifies with test.pub: the key files are
    # minisign's.
    m = os.path.join(tmp, "keycheck")
    with open(m, "wb") as fh:
        fh.write(b"key check\n")
    s = subprocess.run(["minisign", "-S", "-s", os.path.join(d, "test.key"), "-m", m,
                        "-t", "check_vectors"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    v = subprocess.run(["minisign", "-V", "-H", "-q", "-p", os.path.join(d, "test.pub"),
                        "-m", m], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if s.returncode != 0 or v.returncode != 0:
        run.fail("minisign cannot sign with test.key and verify with test.pub: %s %s"
                 % (s.stderr.decode().strip(), v.stderr.decode().strip()))
    return kid, pk, sk


def check_valid(d, name, kid, pk, sk, write, tmp, run):
    path = os.path.join(d, "valid", name)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        b = read_bundle(data, tmp)
    except Reject as r:
        run.fail("valid/%s rejected: %s: %s (spec %s)" % (name, r.error, r.why, r.rule))
        return
    if b["key_id"] != kid or b["public_key"] != pk:
        run.fail("valid/%s is not signed by test.key" % name)
    bad = salt_check(b["entries"], sk, b["checkpoint"]["created"], b["checkpoint"]["title"])
    if bad:
        run.fail("valid/%s: entries %s have salts not derived as spec 8.3 says" % (name, bad))
    # Writer behaviour: every stored content is stored once (7.4), and blob rows name a
    # reference with that content.  Which reference "introduces" a blob is the writer's storage
    # order, not entry order: in files.afmt the row of the streamed file's data names the file
    # (entry 8) although post 7 has the same content and a smaller number.
    refs = set()
    for e in b["entries"]:
        if e["type"] == 1 and e["size"]:
            refs.add(e["hash"])
        elif e["type"] == 2:
            refs.update(p["hash"] for p in e["parts"] if p["kind"] == "blob")
    if refs != {x["hash"] for x in b["blobs"]}:
        run.fail("valid/%s: the blobs are not exactly the referenced contents" % name)
    # Trust in a timestamp's authority is the user's policy (12.2): the vectors' tokens come
    # from the test TSA of tsa/make_tokens.sh, whose CA is tsa/ca.pem.
    for i, (_, _, tok) in enumerate(b["timestamps"], 1):
        if not timestamp_trusted(tok, b["checkpoint_bytes"], os.path.join(d, "tsa", "ca.pem"),
                                 tmp):
            run.fail("valid/%s: timestamp %d does not chain to tsa/ca.pem" % (name, i))
    obj = to_json(name, data, b)
    jpath = os.path.join(d, "valid", name[:-5] + ".json")
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    if write:
        with open(jpath, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        try:
            with open(jpath, encoding="utf-8") as fh:
                stored = json.load(fh)
        except (OSError, ValueError) as err:
            run.fail("valid/%s: %s" % (name[:-5] + ".json", err))
            return
        if stored != obj:
            diffs = [k for k in obj if stored.get(k) != obj[k]]
            run.fail("valid/%s: the .json differs from the bundle in %s" % (name, diffs))
            return
    print("ok    valid/%s: %d entries, root %s" % (name, len(b["entries"]), b["root"].hex()))


def check_invalid(d, name, tmp, run):
    parts = name.split(".")
    if len(parts) != 3 or parts[2] != "afmt" or parts[1] not in ERRORS:
        run.fail("invalid/%s: not named <case>.<error>.afmt with a known error" % name)
        return
    want = parts[1]
    with open(os.path.join(d, "invalid", name), "rb") as fh:
        data = fh.read()
    try:
        read_bundle(data, tmp)
    except Reject as r:
        known = KNOWN_DISAGREEMENTS.get(name)
        if r.error == want:
            if known:
                run.fail("invalid/%s: listed as a disagreement but the spec now agrees: remove "
                         "it from KNOWN_DISAGREEMENTS" % name)
            else:
                print("ok    invalid/%s: %s (spec %s)" % (name, r.why, r.rule))
        elif not r.named:
            run.note("invalid/%s: the spec names no error for rule %s (%s); this reading says "
                     "'%s', the reference reader '%s'" % (name, r.rule, r.why, r.error, want))
            print("ok    invalid/%s: %s (spec %s names no error: taking '%s')"
                  % (name, r.why, r.rule, want))
        elif known:
            print("DISAGREEMENT invalid/%s: the spec says '%s' (%s, rule %s), the reference "
                  "reader '%s': %s" % (name, r.error, r.why, r.rule, want, known))
            run.note("disagreement: " + name)
        else:
            run.fail("invalid/%s: the spec says '%s' (%s, rule %s), the file name '%s'"
                     % (name, r.error, r.why, r.rule, want))
        return
    run.fail("invalid/%s: accepted by this reading of the spec" % name)


def main(argv):
    write = "--write" in argv
    args = [a for a in argv if a != "--write"]
    d = os.path.abspath(args[0] if args else os.path.dirname(os.path.abspath(__file__)))
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        kid, pk, sk = check_key_pair(d, tmp, run)
        valid = sorted(f for f in os.listdir(os.path.join(d, "valid")) if f.endswith(".afmt"))
        jsons = sorted(f for f in os.listdir(os.path.join(d, "valid")) if f.endswith(".json"))
        if not write and sorted(v[:-5] + ".json" for v in valid) != jsons:
            run.fail("valid/: .afmt and .json files do not pair up")
        if len(valid) < 3:
            run.fail("valid/: fewer than 3 vectors")
        for name in valid:
            check_valid(d, name, kid, pk, sk, write, tmp, run)
        invalid = sorted(os.listdir(os.path.join(d, "invalid")))
        seen = set()
        for name in invalid:
            check_invalid(d, name, tmp, run)
            seen.add(name)
        for name in KNOWN_DISAGREEMENTS:
            if name not in seen:
                run.fail("KNOWN_DISAGREEMENTS names %s, which does not exist" % name)
    disagreements = [n for n in run.notes if n.startswith("disagreement: ")]
    unnamed = [n for n in run.notes if not n.startswith("disagreement: ")]
    print("\n%d valid, %d invalid vectors; %d failure(s)" % (len(valid), len(invalid),
                                                             len(run.failures)))
    if unnamed:
        print("\nRules for which the spec names no error (the reference reader's choice is "
              "taken):")
        for n in unnamed:
            print("  " + n)
    if disagreements:
        print("\nKnown disagreements between the spec and the reference reader:")
        for n in disagreements:
            name = n[len("disagreement: "):]
            print("  %s: %s" % (name, KNOWN_DISAGREEMENTS[name]))
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
