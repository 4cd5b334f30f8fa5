#!/usr/bin/env python3
"""cdp.py - open a page of `afmt view` in headless Chromium and report what it did.

Usage: cdp.py PAGE.html [--timeout S] [--width W --height H] [--screenshot PNG]
              [--click-more N] [--eval EXPR] [--media print]

Starts Debian's chromium headless on about:blank with a fresh profile, talks
to it over the DevTools protocol (a WebSocket, written here with the standard
library: RFC 6455 client frames, masked), turns on network, log and runtime
events, then navigates to the page and waits until its badge is final
(data-state is no longer "pending").  Prints one JSON object:

  state, text        the badge's data-state and text
  ms                 the badge's data-ms: performance.now() when it became
                     final, i.e. milliseconds from navigation to verified
  wall_ms            the same measured here, from Page.navigate to the answer
  requests           every URL the page asked for (the page itself included)
  blocked            every CSP violation and blocked load the log reported
  exceptions         uncaught script errors
  title, problems    document.title and the page's list of problems
  dom                counts of what must not be in the page: script elements,
                     elements with an on* or style attribute, img, iframe,
                     object, embed, link, style elements, javascript: links
  marks              posts marked ok / bad, and the ids of the bad ones
"""
import argparse
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
                  "--remote-debugging-port=0"]


class WebSocket:
    def __init__(self, url):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("DevTools closed the connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("DevTools refused the WebSocket: " + head.decode(errors="replace"))
        self.buf = b""

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="afmt-view-chromium-")
        self.proc = subprocess.Popen(
            ["chromium"] + CHROMIUM_FLAGS + [f"--user-data-dir={self.profile}",
                                             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                url = m.group(1)
                break
        if url is None:
            self.close()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        port = re.match(r"ws://[^:]+:(\d+)/", url).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: " + json.dumps(r["exceptionDetails"]))
        return r["result"].get("value")

    def close(self):
        try:
            self.proc.kill()
            self.proc.wait(timeout=30)
        except Exception:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)


INSPECT = r"""(() => {
  const q = (s) => document.querySelectorAll(s).length;
  let onattr = 0, styleattr = 0;
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.getAttributeNames()) {
      if (/^on/i.test(a)) onattr++;
      if (a.toLowerCase() === 'style') styleattr++;
    }
  }
  const b = document.getElementById('badge');
  return {
    state: b.dataset.state, text: b.textContent, ms: Number(b.dataset.ms),
    title: document.title,
    problems: Array.from(document.querySelectorAll('#problems li')).map((l) => l.textContent),
    dom: { script: q('script'), onattr: onattr, styleattr: styleattr, img: q('img'),
           iframe: q('iframe'), object: q('object'), embed: q('embed'), link: q('link'),
           style: q('style'), form: q('form'), svg: q('svg'), meta_refresh: q('meta[http-equiv=refresh i]'),
           jslinks: Array.from(document.querySelectorAll('a[href]')).filter(
             (a) => !/^https?:\/\//i.test(a.getAttribute('href'))).length,
           links: q('a[href]') },
    marks: { ok: q('article.post.ok'), bad: q('article.post.bad'),
             bad_ids: Array.from(document.querySelectorAll('article.post.bad .ph .note')).map((n) => n.textContent),
             posts: q('article.post'), withheld: q('article.post.withheld') },
    marks_ms: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
    dom_content_loaded_ms: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventStart),
    overflow: document.documentElement.scrollWidth > window.innerWidth,
    canary: window.__afmt_canary === undefined ? null : String(window.__afmt_canary)
  };
})()"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=1400)
    ap.add_argument("--screenshot")
    ap.add_argument("--click-more", type=int, default=0, help="press 'show more' N times first")
    ap.add_argument("--eval", help="a JavaScript expression whose value goes to 'eval'")
    ap.add_argument("--media", help="emulate this CSS media type (print) before the page loads")
    a = ap.parse_args()
    url = "file://" + os.path.abspath(a.page)
    b = Browser(a.width, a.height)
    try:
        for domain in ("Network", "Log", "Runtime", "Page"):
            b.call(domain + ".enable")
        if a.media:
            b.call("Emulation.setEmulatedMedia", media=a.media)
        t0 = time.time()
        b.call("Page.navigate", url=url)
        state = None
        while time.time() - t0 < a.timeout:
            state = b.evaluate("(() => { const e = document.getElementById('badge'); "
                               "return e && document.readyState !== 'loading' ? e.dataset.state : null; })()")
            if state not in (None, "pending"):
                break
            time.sleep(0.02)
        wall = (time.time() - t0) * 1000
        for _ in range(a.click_more):
            b.evaluate("document.querySelector('button.more') && document.querySelector('button.more').click()")
        out = b.evaluate(INSPECT)
        out["wall_ms"] = round(wall)
        if a.eval:
            out["eval"] = b.evaluate(a.eval)
        if a.screenshot:
            shot = b.call("Page.captureScreenshot", format="png")
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        time.sleep(0.3)  # let late events (a fetch started by a post) arrive
        b.call("Runtime.evaluate", expression="1")
        out["requests"] = [e["params"]["request"]["url"] for e in b.events
                           if e["method"] == "Network.requestWillBeSent"]
        out["blocked"] = [e["params"]["entry"]["text"] for e in b.events
                          if e["method"] == "Log.entryAdded"
                          and re.search(r"Content Security Policy|blocked|Refused|ERR_", e["params"]["entry"]["text"])]
        out["blocked"] += [e["params"]["args"][0].get("value", "") for e in b.events
                           if e["method"] == "Runtime.consoleAPICalled" and e["params"].get("args")
                           and "Content Security Policy" in str(e["params"]["args"][0].get("value", ""))]
        out["exceptions"] = [e["params"]["exceptionDetails"].get("text", "") + " " +
                             json.dumps(e["params"]["exceptionDetails"].get("exception", {}).get("description", ""))
                             for e in b.events if e["method"] == "Runtime.exceptionThrown"]
        if state in (None, "pending"):
            out["state"] = "timeout"
        print(json.dumps(out, ensure_ascii=False))
    finally:
        b.close()


if __name__ == "__main__":
    sys.exit(main())
