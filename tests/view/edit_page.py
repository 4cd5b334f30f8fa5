#!/usr/bin/env python3
"""edit_page.py IN.html OUT.html OP [ARG] - a changed copy of a page of
`afmt view`, as someone editing the file could make it, for the tests:

  withhold N     entry N becomes a withheld entry (spec 12.1: 0x03, its old
                 type, its leaf SHA-256(0x00 || encoding)) and its content
                 goes: what a withheld bundle's page holds; still valid
  badleaf N      the same with one bit of the leaf flipped: the root fails
  entry N        one bit flipped in entry N's encoding (its salt)
  note           one character of the checkpoint's title changed
The data is the JSON in <script type="application/json" id="afmt-data">,
written back with '<', '>' and '&' escaped as the command writes them."""
import base64
import hashlib
import json
import sys

src, dst, op = sys.argv[1], sys.argv[2], sys.argv[3]
arg = int(sys.argv[4]) if len(sys.argv) > 4 else None
page = open(src, encoding="utf-8").read()
start_tag = '<script type="application/json" id="afmt-data">'
a = page.index(start_tag) + len(start_tag)
b = page.index("</script>", a)
data = json.loads(page[a:b])

if op in ("withhold", "badleaf"):
    enc = base64.b64decode(data["entries"][arg])
    leaf = bytearray(hashlib.sha256(b"\x00" + enc).digest())
    if op == "badleaf":
        leaf[0] ^= 1
    data["entries"][arg] = base64.b64encode(bytes([3, enc[0]]) + bytes(leaf)).decode()
    data["content"][arg] = None
elif op == "entry":
    enc = bytearray(base64.b64decode(data["entries"][arg]))
    enc[2] ^= 1
    data["entries"][arg] = base64.b64encode(bytes(enc)).decode()
elif op == "note":
    i = data["note"].index("\ntitle ") + len("\ntitle ")
    data["note"] = data["note"][:i] + "X" + data["note"][i + 1:]
else:
    sys.exit("edit_page.py: unknown operation " + op)

text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
open(dst, "w", encoding="utf-8").write(page[:a] + text + page[b:])
