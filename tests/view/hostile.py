#!/usr/bin/env python3
"""hostile.py PORT DIR - writes DIR/hostile_hn.json (Hacker News items, HTML
bodies), DIR/hostile.ndjson (plain bodies) and DIR/hostile.mbox (an HTML mail
part): posts that try to run script, load things from http://127.0.0.1:PORT/
(a listener the test counts requests on), restyle the page, and hide or
reorder text with bidi and zero-width characters.  Each payload that would
run sets window.__afmt_canary; none may."""
import json
import sys

port, out = sys.argv[1], sys.argv[2]
U = f"http://127.0.0.1:{port}"
C = "window.__afmt_canary"
HTML = [
    f"<script>{C}='script'</script>plain script",
    f"<img src=x onerror=\"{C}='img onerror'\">img onerror",
    f"<img src=\"{U}/img.png\">remote image",
    f"<a href=\"javascript:{C}='js link'\">javascript link</a>",
    f"<a href=\" JaVaScRiPt:{C}='js link 2'\">spaced javascript link</a>",
    f"<a href=\"data:text/html,<script>{C}=1</script>\">data link</a>",
    f"<iframe src=\"{U}/frame\" onload=\"{C}='iframe'\"></iframe>iframe",
    f"<svg onload=\"{C}='svg'\"><image href=\"{U}/svg.png\"/></svg>svg",
    f"<style>body{{display:none}} @import url({U}/import.css);</style>style element",
    f"<div style=\"position:fixed;top:0;left:0;width:100%;height:100%;background:url({U}/bg.png)\">fixed overlay</div>",
    f"<link rel=stylesheet href=\"{U}/x.css\"><link rel=prefetch href=\"{U}/prefetch\">links",
    f"<meta http-equiv=\"refresh\" content=\"0;url={U}/refresh\">meta refresh",
    f"<base href=\"{U}/\"><a href=\"relative\">relative link</a>",
    f"<object data=\"{U}/obj\"></object><embed src=\"{U}/embed\">object embed",
    f"<form action=\"{U}/form\"><button formaction=\"javascript:{C}=1\">go</button></form>form",
    f"<details open ontoggle=\"{C}='details'\">details ontoggle</details>",
    f"<video src=\"{U}/v.mp4\" onerror=\"{C}='video'\" autoplay></video>video",
    f"<p onmouseover=\"{C}='hover'\" onclick=\"{C}='click'\">handlers</p>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{C}='mxss'\">mutation</style></mglyph></table></mtext></math>mxss",
    f"<noscript><p title=\"</noscript><img src=x onerror={C}='noscript'>\">noscript</p></noscript>",
    f"<template><img src=x onerror=\"{C}='template'\"></template>template",
    f"<!-- <img src=x onerror=\"{C}='comment'\"> -->comment",
    f"</script><script>{C}='breakout'</script>script breakout",
    f"<a href=\"{U}/ok\" ping=\"{U}/ping\" target=_blank>http link with ping</a>",
]
items = [{"id": 1, "by": "attacker\u202egnp.exe", "time": 1700000000, "type": "story",
          "title": "Hostile \u200bthread\u202e <script>", "text": "<p>root</p>",
          "kids": list(range(2, 2 + len(HTML)))}]
for i, h in enumerate(HTML):
    items.append({"id": 2 + i, "by": f"user{i}\u200d", "time": 1700000100 + i, "type": "comment",
                  "parent": 1, "text": h})
with open(f"{out}/hostile_hn.json", "w") as f:
    json.dump({"post": items[0], "comments": items[1:]}, f)

with open(f"{out}/hostile.ndjson", "w") as f:
    for i, body in enumerate([
        f"</script><script>{C}='plain breakout'</script>",
        f"<img src={U}/plain.png onerror={C}=1> shown as text",
        "bidi: abc\u202edcba\u202c and isolate \u2067x\u2069 zero width: a\u200bb\u2060c\ufeffd",
        "<!-- comment start, never closed",
        "\u0000NUL \r\nCR LF \u2028 LS",
    ]):
        f.write(json.dumps({"id": f"n{i}", "parent": None if i == 0 else "n0",
                            "author": "mallory\u202e\u200b", "created": 1700000000 + i,
                            "title": None, "body": body}) + "\n")

with open(f"{out}/hostile.mbox", "wb") as f:
    f.write(b"From mallory@example.org Mon Jan  1 00:00:00 2024\n"
            b"From: =?UTF-8?B?TWFsbG9yeSDigK4=?= <mallory@example.org>\n"
            b"Subject: hostile html mail\nMessage-ID: <h1@example.org>\n"
            b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\n"
            b"Content-Type: text/html; charset=utf-8\n\n"
            + f"<html><head><meta http-equiv=refresh content=\"0;url={U}/mail\"></head>"
              f"<body onload=\"{C}='mail'\"><img src=\"{U}/mail.png\">mail html body</body></html>\n".encode()
            + b"--b--\n\n"
            # bodies in their charsets: quoted-printable Latin-1, base64 GB2312
            b"From a@example.org Mon Jan  1 00:01:00 2024\nFrom: a@example.org\n"
            b"Subject: latin-1\nMessage-ID: <h2@example.org>\nIn-Reply-To: <h1@example.org>\n"
            b"Date: Mon, 1 Jan 2024 00:01:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
            b"Caf=E9 cr=E8me, na=EFve =\nsoft break\n\n"
            b"From b@example.org Mon Jan  1 00:02:00 2024\nFrom: b@example.org\n"
            b"Subject: gb2312\nMessage-ID: <h3@example.org>\nIn-Reply-To: <h1@example.org>\n"
            b"Date: Mon, 1 Jan 2024 00:02:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=\"gb2312\"\nContent-Transfer-Encoding: base64\n\n"
            + __import__("base64").b64encode("中文邮件".encode("gb2312")) + b"\n")
