#!/usr/bin/env bash
# Nothing from a bundle drives the terminal: ids, authors and titles with
# ANSI escapes, C1 controls, bidi overrides and newlines are escaped in the
# tree, in messages and by cat on a terminal; list --json stays valid JSON
# (jq and python3) and gives back the exact bytes, ids that are not UTF-8
# included (\udcXX, PEP 383 surrogateescape); cat into a pipe gives the raw
# bytes.
set -euo pipefail
: "${AFMT:?AFMT must name the afmt binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
# no_raw FILE: no ESC, no C1 CSI (U+009B), no bidi override or isolate, no
# other C0 control than LF
no_raw() {
    python3 - "$1" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
assert b"\x1b" not in b, "raw ESC"
for bad in ["\u009b", "\u202e", "\u2066", "\u200f", "\u2028", "\u200d", "\u200c",
            "\U000e0041", "\ufe0f", "\U000e0100", "\u3164", "\u115f"]:
    assert bad.encode() not in b, "raw U+%04X" % ord(bad)
assert not any(c < 0x20 and c not in (0x0a,) for c in b), "raw control byte"
EOF
}

"$AFMT" keygen -W -s k.key -p k.pub
python3 - <<'EOF'
import json
rows = [
    {"id": "\x1b[2J\x1b[31mred", "author": "\x1b]0;title\x07", "title": "t\u202eevil\u202c"},
    {"id": "c1\u009b31m", "parent": "\x1b[2J\x1b[31mred", "author": "bidi\u2066x\u2069",
     "title": "line\nbreak\r"},
    {"id": "rlm\u200f", "author": "ls\u2028ps\u2029", "title": "tab\there"},
    {"id": "plain", "author": "Zoë", "title": "日本語 and emoji 🍞"},
    # ids that look alike: joiners, tag characters, variation selectors, fillers
    {"id": "ab"}, {"id": "a\u200db"}, {"id": "a\u200cb"}, {"id": "a\U000e0041b"},
    {"id": "a\ufe0fb"}, {"id": "a\U000e0100b"}, {"id": "a\u3164b"}, {"id": "a\u115fb"},
]
with open("esc.ndjson", "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
EOF
"$AFMT" pack -s k.key -o esc.afmt esc.ndjson

# the tree: escaped, still readable
"$AFMT" list -p k.pub esc.afmt > tree 2> err
no_raw tree
no_raw err
grep -qF '\x1B[2J\x1B[31mred' tree || fail "ESC not shown as \\x1B: $(cat tree)"
grep -qF '\u{202E}' tree || fail "bidi override not shown as \\u{202E}"
grep -qF 'line\nbreak\r' tree || fail "newline in a title not escaped"
for e in 200D 200C E0041 FE0F E0100 3164 115F; do
    grep -qF "a\\u{$e}b" tree || fail "U+$e in an id not escaped in the tree: $(cat tree)"
done
grep -q 'Zoë' tree && grep -q '日本語 and emoji 🍞' tree || fail "printable UTF-8 was escaped"

# JSON: valid, escaped, and exact
"$AFMT" list --json -p k.pub esc.afmt > list.json
no_raw list.json
jq -e . list.json > /dev/null || fail "jq rejects list --json"
python3 - esc.ndjson list.json <<'EOF'
import json, sys
src = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
for s, g in zip(src, got):
    for k in ("id", "author", "title"):
        assert s.get(k) == g[k], (k, s.get(k), g[k])
EOF

# cat: raw bytes into a pipe, escaped on a terminal
"$AFMT" cat -p k.pub esc.afmt plain > raw
cmp -s raw <(sed -n 4p esc.ndjson | head -c -1) || fail "cat into a pipe changed the bytes"
mkdir body
printf '\033[31mred\033[0m \342\200\256 tab\tnl\n' > body/x
"$AFMT" pack -s k.key -o body.afmt body
"$AFMT" cat -p k.pub body.afmt x > raw
cmp -s raw body/x || fail "cat into a pipe changed the bytes"
script -qec "'$AFMT' cat -p k.pub body.afmt x" /dev/null > tty.out < /dev/null
grep -qF '\x1B[31mred\x1B[0m \u{202E} tab' tty.out || fail "cat on a terminal: $(cat -v tty.out)"
python3 - tty.out <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
assert b"\x1b" not in b and "\u202e".encode() not in b, b
EOF

# messages: an id given on the command line is escaped too
"$AFMT" cat -p k.pub esc.afmt $'\e[31mnot-there' > /dev/null 2> err && fail "cat of a missing id"
no_raw err
grep -qF '\x1B[31mnot-there' err || fail "message: $(cat -v err)"

# ids that are not UTF-8 (from file names): \udcXX, reversible
mkdir d
printf 'a\n' > "d/$(printf 'caf\351')"
printf 'b\n' > "d/$(printf '\377\376')"
printf 'c\n' > "d/$(printf 'ok\342\202')"
printf 'd\n' > "d/$(printf 'real-\355\262\200')"
"$AFMT" pack -s k.key -o d.afmt d
"$AFMT" list --json -p k.pub d.afmt > d.json
grep -qF '"id":"caf\udce9"' d.json || fail "invalid byte not written as \\udcXX: $(cat d.json)"
jq -e . d.json > /dev/null || fail "jq rejects \\udcXX"
python3 - d d.json <<'EOF'
import json, os, sys
names = sorted(os.listdir(sys.argv[1].encode()))
ids = sorted(json.loads(l)["id"].encode("utf-8", "surrogateescape")
             for l in open(sys.argv[2], encoding="utf-8"))
assert names == ids, (names, ids)
EOF
echo "escaping: OK"
