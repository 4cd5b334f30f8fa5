/*
 * view.js - the script of a page written by `afmt view` (its SHA-256 is the
 * only script the page's Content-Security-Policy allows).
 *
 * It checks the page's own data with WebCrypto alone, then shows the thread:
 *  - the Ed25519 note signature (spec/FORMAT.md 5, 6.2) over the checkpoint,
 *    with the key in the data, and each cosignature (12.2) with its key;
 *  - each post's SHA-256 and size against the content hash in its entry
 *    encoding (8.1);
 *  - each entry's leaf, SHA-256(0x00 || encoding) (or the leaf a withheld
 *    entry carries, 12.1), and the RFC 9162 root over all leaves (9),
 *    against the signed checkpoint.
 * Everything shown about a post is decoded from its verified encoding.
 * Post bytes are attacker-controlled: they become text nodes only
 * (textContent), or, for HTML bodies, elements of a small allow-list built
 * with createElement from a DOMParser document, which is inert (no script,
 * no fetch).  Nothing here uses innerHTML, eval or inline handlers.
 */
'use strict';
(function () {
  const PAGE = 500;           /* posts rendered at once; the rest on request */
  const FIRST = 40;           /* of which drawn before the check */
  const RAW_SHOWN = 262144;   /* bytes of a post shown in its raw view */
  const $ = (id) => document.getElementById(id);
  const te = new TextEncoder();
  const utf8 = new TextDecoder('utf-8');
  const subtle = window.crypto && window.crypto.subtle;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function fromB64(s) {
    const bin = atob(s);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function toB64(u) {
    let s = '';
    for (let i = 0; i < u.length; i += 0x8000)
      s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function hex(u) {
    let s = '';
    for (let i = 0; i < u.length; i++) s += (u[i] < 16 ? '0' : '') + u[i].toString(16);
    return s;
  }
  function same(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function cat(parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  async function sha256(u) {
    return new Uint8Array(await subtle.digest('SHA-256', u));
  }
  function num(n) { return n.toLocaleString('en-US'); }
  function isoTime(sec) {
    const d = new Date(sec * 1000);
    return isNaN(d.getTime()) ? String(sec) : d.toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  }

  /* Characters that reorder or hide text: shown as visible marks.  In
   * names and ids every invisible one; in bodies the direction controls
   * (zero-width joiners stay: emoji and Persian need them). */
  const HIDDEN_ALL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb]/g;
  const HIDDEN_BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function markedText(parent, s, re) {
    re.lastIndex = 0;
    let last = 0, m;
    while ((m = re.exec(s)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(s.slice(last, m.index)));
      const cp = m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
      parent.appendChild(el('span', 'ctl', 'U+' + cp));
      last = m.index + m[0].length;
    }
    if (last < s.length) parent.appendChild(document.createTextNode(s.slice(last)));
    return parent;
  }
  function bytesText(u) { return utf8.decode(u); }

  /* ------------------------------------------------- entry encodings (8) */

  function Cursor(u) { this.u = u; this.o = 0; this.dv = new DataView(u.buffer, u.byteOffset, u.byteLength); }
  Cursor.prototype.need = function (n) {
    if (n < 0 || this.o + n > this.u.length) throw new Error('the encoding ends early');
  };
  Cursor.prototype.bytes = function (n) { this.need(n); const b = this.u.subarray(this.o, this.o + n); this.o += n; return b; };
  Cursor.prototype.u8 = function () { this.need(1); return this.u[this.o++]; };
  Cursor.prototype.u16 = function () { this.need(2); const v = this.dv.getUint16(this.o, true); this.o += 2; return v; };
  Cursor.prototype.u32 = function () { this.need(4); const v = this.dv.getUint32(this.o, true); this.o += 4; return v; };
  Cursor.prototype.u64 = function () { this.need(8); const v = this.dv.getBigUint64(this.o, true); this.o += 8; return v; };
  Cursor.prototype.i64 = function () { this.need(8); const v = this.dv.getBigInt64(this.o, true); this.o += 8; return v; };
  Cursor.prototype.str = function () { return this.bytes(this.u16()); };

  /* Decodes one entry; throws on a malformed one (its leaf then still
   * decides the root, so a page cannot hide an entry by breaking it). */
  function decodeEntry(enc) {
    const c = new Cursor(enc);
    const type = c.u8();
    if (type === 3) {
      const was = c.u8();
      const leaf = c.bytes(32);
      if (c.o !== enc.length) throw new Error('bytes after a withheld entry');
      return { type: 'withheld', was: was === 1 ? 'post' : was === 2 ? 'file' : 'entry', leaf: leaf };
    }
    if (type === 2) {
      c.u8(); c.bytes(16);
      const size = c.u64();
      const path = c.str();
      return { type: 'file', path: path, size: size };
    }
    if (type !== 1) throw new Error('unknown entry type ' + type);
    const flags = c.u8();
    c.bytes(16);
    const p = { type: 'post', flags: flags };
    p.hash = c.bytes(32);
    p.size = c.u64();
    p.created = c.i64();
    p.id = c.str();
    p.media = c.str();
    if (flags & 1) p.parent = c.str();
    if (flags & 2) p.author = c.str();
    if (flags & 8) p.title = c.str();
    if (flags & 32) p.missing = c.u64();
    if (c.o !== enc.length) throw new Error('bytes after the last field');
    p.hasCreated = (flags & 4) !== 0;
    p.deleted = (flags & 16) !== 0;
    p.incomplete = (flags & 32) !== 0;
    p.laterVersion = (flags & 64) !== 0;
    p.idText = bytesText(p.id);
    return p;
  }

  /* ------------------------------------------------------- verification */

  function parseNote(note) {
    const cut = note.indexOf('\n\n');
    if (cut < 0) throw new Error('the note has no signature lines');
    const checkpoint = note.slice(0, cut + 1);
    const lines = checkpoint.slice(0, -1).split('\n');
    if (lines.length !== 7 || lines[3] !== 'afmt-bundle 2' || !lines[4].startsWith('title ') ||
        !lines[5].startsWith('created ') || !lines[6].startsWith('index '))
      throw new Error('the checkpoint is not an afmt-bundle 2 checkpoint');
    const sigs = [];
    for (const line of note.slice(cut + 2).split('\n')) {
      if (line === '') continue;
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) throw new Error('a malformed note signature line');
      sigs.push({ name: m[1], blob: fromB64(m[2]) });
    }
    return {
      text: checkpoint, bytes: te.encode(checkpoint), origin: lines[0], count: lines[1],
      root: lines[2], title: lines[4].slice(6), created: lines[5].slice(8), index: lines[6].slice(6),
      sigs: sigs
    };
  }

  async function keyHash(name, type, key) {
    return (await sha256(cat([te.encode(name), new Uint8Array([0x0a, type]), key]))).subarray(0, 4);
  }
  async function ed25519(key, sig, msg) {
    const k = await subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    return subtle.verify({ name: 'Ed25519' }, k, sig, msg);
  }
  async function fingerprint(key) {
    return 'SHA256:' + toB64(await sha256(key)).replace(/=+$/, '');
  }

  /* RFC 9162 2.1.1, level by level: pairs hashed as H(0x01||l||r), an
   * unpaired last node carried up unchanged. */
  async function merkleRoot(leaves) {
    if (leaves.length === 0) return sha256(new Uint8Array(0));
    let level = leaves;
    while (level.length > 1) {
      const next = [];
      for (let i = 0; i + 1 < level.length; i += 2)
        next.push(sha256(cat([new Uint8Array([1]), level[i], level[i + 1]])));
      const hashed = await Promise.all(next);
      if (level.length % 2) hashed.push(level[level.length - 1]);
      level = hashed;
    }
    return level[0];
  }

  async function verify(data, model) {
    const r = { problems: [], sig: false, trusted: false, cosigs: [], postsOk: 0, posts: 0 };
    const key = fromB64(data.key);
    const cp = model.cp;
    r.fingerprint = await fingerprint(key);
    /* the signer's line: its C2SP key hash, then note_sig over the text */
    const signer = cp.sigs[0];
    const wantName = 'afmt/' + data.keyid;
    if (!signer || signer.name !== wantName || signer.blob.length !== 68 ||
        !same(signer.blob.subarray(0, 4), await keyHash(wantName, 1, key))) {
      r.problems.push('The note has no signature line for ' + wantName + ' with this key.');
    } else {
      try {
        r.sig = await ed25519(key, signer.blob.subarray(4), cp.bytes);
      } catch (e) {
        r.unsupported = 'This browser cannot check Ed25519 signatures (' + e.message +
          '); Chromium 137+, Firefox 129+ and Safari 17+ can.';
        return r;
      }
      if (!r.sig) r.problems.push('The checkpoint signature does not verify: the checkpoint or the key was changed.');
    }
    for (const t of data.trusted || []) if (same(fromB64(t), key)) r.trusted = true;
    /* cosignatures: "cosignature/v1\ntime T\n" || checkpoint */
    for (const line of cp.sigs.slice(1)) {
      const co = { name: line.name, ok: false };
      r.cosigs.push(co);
      if (line.blob.length !== 76) { r.problems.push('Cosignature line of ' + line.name + ' is malformed.'); continue; }
      const t = new DataView(line.blob.buffer, line.blob.byteOffset + 4, 8).getBigUint64(0, false);
      co.time = Number(t);
      for (const c of data.cosigners || []) {
        if (c.name !== line.name) continue;
        const ck = fromB64(c.key);
        if (!same(line.blob.subarray(0, 4), await keyHash(c.name, 4, ck))) continue;
        co.fingerprint = await fingerprint(ck);
        co.ok = await ed25519(ck, line.blob.subarray(12), cat([te.encode('cosignature/v1\ntime ' + t + '\n'), cp.bytes]));
      }
      if (!co.ok) r.problems.push('The cosignature of ' + line.name + ' does not verify.');
    }
    /* every entry's leaf; every post's bytes against its signed hash */
    const leafJobs = model.entries.map((e) => e.leaf ? Promise.resolve(e.leaf)
      : sha256(cat([new Uint8Array([0]), e.enc])));
    const postJobs = model.entries.map((e) => e.type === 'post' && e.content ? sha256(e.content) : null);
    const leaves = await Promise.all(leafJobs);
    for (let i = 0; i < model.entries.length; i++) {
      const e = model.entries[i];
      if (e.type !== 'post') continue;
      r.posts++;
      if (!e.content) { e.problem = 'its bytes are not in this page'; }
      else if (BigInt(e.content.length) !== e.size) { e.problem = 'its bytes are not the size its signed entry gives'; }
      else if (!same(await postJobs[i], e.hash)) { e.problem = 'its bytes do not match the SHA-256 its signed entry gives'; }
      if (e.problem) r.problems.push('Post \u201c' + e.idText + '\u201d (entry ' + i + '): ' + e.problem + '.');
      else { e.ok = true; r.postsOk++; }
    }
    for (const e of model.entries)
      if (e.type === 'broken') r.problems.push('Entry ' + e.number + ' is malformed: ' + e.error + '.');
    if (String(model.entries.length) !== cp.count)
      r.problems.push('The page holds ' + num(model.entries.length) + ' entries; the checkpoint signs ' + cp.count + '.');
    const root = await merkleRoot(leaves);
    r.rootOk = toB64(root) === cp.root;
    if (!r.rootOk)
      r.problems.push('The entries do not give the signed Merkle root: an entry was changed, added or removed.');
    return r;
  }

  /* ------------------------------------------------------- readable text */

  const KEEP = new Set(['p', 'br', 'em', 'i', 'strong', 'b', 'code', 'pre', 'blockquote', 'ul', 'ol',
    'li', 'del', 's', 'sup', 'sub', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a']);
  const DROP = new Set(['script', 'style', 'template', 'iframe', 'object', 'embed', 'noscript', 'svg',
    'math', 'head', 'title', 'textarea', 'select', 'button', 'form', 'link', 'meta', 'base', 'video',
    'audio', 'canvas', 'frame', 'frameset', 'noembed', 'noframes', 'xmp', 'plaintext']);

  /* Copies the text and the allow-listed elements of an inert document
   * into `out`; no attribute is copied but a checked http(s) link. */
  function sanitise(html, out) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    /* No element of the parsed document keeps an attribute but a link's
     * href and an image's alt, so the copy below cannot take one by
     * mistake.  (Parsing alone may try an inline handler, an <img
     * onerror>: the document is inert and the CSP refuses it; Chromium
     * logs the refusal.) */
    for (const e of doc.querySelectorAll('*')) {
      for (const a of e.getAttributeNames()) {
        if (!(a === 'href' && e.localName === 'a') && !(a === 'alt' && e.localName === 'img')) e.removeAttribute(a);
      }
    }
    const copy = (src, dst, depth) => {
      for (const n of Array.from(src.childNodes)) {
        if (n.nodeType === 3) { markedText(dst, n.nodeValue, HIDDEN_BIDI); continue; }
        if (n.nodeType !== 1) continue;
        const name = n.localName;
        if (DROP.has(name)) continue;
        if (name === 'img') {
          const alt = n.getAttribute('alt');
          markedText(dst.appendChild(el('span', 'note')), '[image' + (alt ? ': ' + alt : '') + ']', HIDDEN_ALL);
          continue;
        }
        let into = dst;
        if (KEEP.has(name) && depth < 40) {
          const href = name === 'a' ? (n.getAttribute('href') || '').trim() : '';
          if (name !== 'a') into = document.createElement(name);
          else if (/^https?:\/\/[^\s]*$/i.test(href)) {
            into = document.createElement('a');
            into.setAttribute('href', href);
            into.setAttribute('rel', 'noopener noreferrer nofollow');
            into.setAttribute('title', href);
          } else into = document.createElement('span');
          dst.appendChild(into);
        }
        copy(n, into, depth + 1);
      }
    };
    copy(doc.body, out, 0);
    return out;
  }

  function decodeEntities(s) { /* Reddit's legacy API escaped &, < and > in plain text */
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function jsonBody(obj) {
    let o = obj;
    if (o && typeof o === 'object' && typeof o.kind === 'string' && o.data && typeof o.data === 'object') o = o.data;
    if (!o || typeof o !== 'object') return null;
    if (o.type === 'Create' && o.object && typeof o.object === 'object') o = o.object;
    const cw = typeof o.summary === 'string' && o.summary ? o.summary
      : typeof o.spoiler_text === 'string' && o.spoiler_text ? o.spoiler_text : null;
    const legacy = 'subreddit' in o || 'subreddit_id' in o;
    for (const [k, html] of [['body', false], ['selftext', false], ['cooked', true], ['content', true],
      ['text', true], ['raw', false]]) {
      if (typeof o[k] === 'string' && (o[k] !== '' || k === 'body')) {
        return { text: legacy && !html ? decodeEntities(o[k]) : o[k], html: html, cw: cw,
                 link: typeof o.url === 'string' && k === 'selftext' ? o.url : null };
      }
    }
    return { text: '', html: false, cw: cw, link: typeof o.url === 'string' ? o.url : null };
  }

  function latin1(u) { let s = ''; for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return s; }
  /* Text in its declared charset; undeclared or declared UTF-8 but not
   * valid UTF-8 (raw 8-bit mail headers and bodies), as windows-1252. */
  function decodeCharset(u, charset) {
    const cs = (charset || '').trim().toLowerCase();
    if (cs && cs !== 'utf-8' && cs !== 'utf8') {
      try { return new TextDecoder(cs).decode(u); } catch (e) { /* unknown label */ }
    }
    try { return new TextDecoder('utf-8', { fatal: true }).decode(u); } catch (e) { return new TextDecoder('windows-1252').decode(u); }
  }
  function qpDecode(u) {
    const out = [];
    for (let i = 0; i < u.length; i++) {
      if (u[i] === 0x3d) {
        if (u[i + 1] === 0x0a) { i += 1; continue; }
        if (u[i + 1] === 0x0d && u[i + 2] === 0x0a) { i += 2; continue; }
        const h = latin1(u.subarray(i + 1, i + 3));
        if (/^[0-9A-Fa-f]{2}$/.test(h)) { out.push(parseInt(h, 16)); i += 2; continue; }
      }
      out.push(u[i]);
    }
    return new Uint8Array(out);
  }
  /* RFC 2047 encoded words, for names and subjects of mail */
  function decodeWords(s) {
    return s.replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=(\s+(?==\?))?/g, (all, cs, how, t) => {
      try {
        const u = how.toUpperCase() === 'B' ? fromB64(t) : qpDecode(te.encode(t.replace(/_/g, ' ')));
        return decodeCharset(u, cs.replace(/\*.*$/, ''));
      } catch (e) { return all; }
    });
  }
  function headerParam(v, name) {
    const m = new RegExp(';\\s*' + name + '\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))', 'i').exec(v || '');
    return m ? (m[1] !== undefined ? m[1] : m[2]) : null;
  }
  function indexOfBytes(u, pat, from) {
    outer: for (let i = from; i + pat.length <= u.length; i++) {
      for (let j = 0; j < pat.length; j++) if (u[i + j] !== pat[j]) continue outer;
      return i;
    }
    return -1;
  }
  /* One RFC 5322 message or MIME part: its headers and decoded text. */
  function mailPart(u, depth) {
    let cut = indexOfBytes(u, te.encode('\r\n\r\n'), 0), skip = 4;
    const lf = indexOfBytes(u, te.encode('\n\n'), 0);
    if (cut < 0 || (lf >= 0 && lf < cut)) { cut = lf; skip = 2; }
    const head = cut < 0 ? u : u.subarray(0, cut);
    const body = cut < 0 ? new Uint8Array(0) : u.subarray(cut + skip);
    const headers = {};
    for (const line of latin1(head).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
      if (m && !(m[1].toLowerCase() in headers)) headers[m[1].toLowerCase()] = m[2];
    }
    const ct = headers['content-type'] || 'text/plain';
    const type = ct.split(';')[0].trim().toLowerCase();
    if (type.startsWith('multipart/') && depth < 8) {
      const b = headerParam(ct, 'boundary');
      if (b) {
        const parts = [];
        const delim = te.encode('--' + b);
        let at = indexOfBytes(body, delim, 0);
        while (at >= 0 && parts.length < 64) {
          const next = indexOfBytes(body, delim, at + delim.length);
          if (next < 0) break;
          let start = at + delim.length;
          if (body[start] === 0x0d) start++;
          if (body[start] === 0x0a) start++;
          parts.push(mailPart(body.subarray(start, next), depth + 1));
          at = next;
        }
        return parts.find((p) => p.type === 'text/plain' && p.text !== null) ||
          parts.find((p) => p.type === 'text/html' && p.text !== null) ||
          parts.find((p) => p.text !== null) || { type: type, text: null };
      }
    }
    if (!type.startsWith('text/')) return { type: type, text: null };
    const cte = (headers['content-transfer-encoding'] || '').trim().toLowerCase();
    let raw = body;
    if (cte === 'quoted-printable') raw = qpDecode(body);
    else if (cte === 'base64') { try { raw = fromB64(latin1(body).replace(/[^A-Za-z0-9+/=]/g, '')); } catch (e) { raw = body; } }
    return { type: type, text: decodeCharset(raw, headerParam(ct, 'charset')) };
  }

  /* The readable form of a post's bytes, by media type. */
  function renderBody(p, box) {
    const media = bytesText(p.media).split(';')[0].trim().toLowerCase();
    const u = p.content || new Uint8Array(0);
    const plain = (s) => { const d = el('div', 'body plain'); d.dir = 'auto'; markedText(d, s, HIDDEN_BIDI); box.appendChild(d); };
    const html = (s) => { const d = el('div', 'body'); d.dir = 'auto'; sanitise(s, d); box.appendChild(d); };
    try {
      if (media === 'application/json' || media.endsWith('+json')) {
        const b = jsonBody(JSON.parse(bytesText(u)));
        if (b) {
          if (b.cw !== null) box.appendChild(markedText(el('div', 'cw', 'Content warning: '), b.cw, HIDDEN_BIDI));
          if (b.link) box.appendChild(markedText(el('div', 'note', 'Link: '), b.link, HIDDEN_ALL));
          if (b.text === '') box.appendChild(el('div', 'note', '(no text)'));
          else if (b.html) html(b.text); else plain(b.text);
          return;
        }
      } else if (media === 'application/xml' || media === 'text/xml') {
        const x = new DOMParser().parseFromString(bytesText(u), 'application/xml');
        const row = x.documentElement;
        if (row && !x.getElementsByTagName('parsererror').length && row.hasAttribute('Body')) {
          html(row.getAttribute('Body'));
          return;
        }
      } else if (media === 'message/rfc822' || media === 'message/news') {
        const m = mailPart(u, 0);
        if (m.text !== null) { if (m.type === 'text/html') html(m.text); else plain(m.text); return; }
        box.appendChild(el('div', 'note', '(no text part: ' + m.type + ')'));
        return;
      } else if (media === 'text/html') {
        html(bytesText(u)); return;
      } else if (media.startsWith('text/')) {
        plain(decodeCharset(u, headerParam(bytesText(p.media), 'charset'))); return;
      }
    } catch (e) { /* not what its media type says: shown as text below */ }
    if (u.length) plain(bytesText(u));
  }

  /* The raw bytes, exactly: valid UTF-8 as text, other bytes as \xHH,
   * invisible characters as marks. */
  function rawView(p, pre) {
    const u = p.content || new Uint8Array(0);
    const shown = u.subarray(0, RAW_SHOWN);
    let s;
    try { s = new TextDecoder('utf-8', { fatal: true }).decode(shown); } catch (e) {
      s = '';
      for (let i = 0; i < shown.length; i++) {
        const b = shown[i];
        s += b < 0x80 && (b >= 0x20 || b === 10 || b === 9) && b !== 0x5c ? String.fromCharCode(b)
          : '\\x' + (b < 16 ? '0' : '') + b.toString(16);
      }
    }
    markedText(pre, s.replace(/\r/g, '\\r\r'), /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f\ufeff]/g);
    if (u.length > RAW_SHOWN) pre.appendChild(el('div', 'note', '(first ' + num(RAW_SHOWN) + ' of ' + num(u.length) + ' bytes shown)'));
  }

  /* ------------------------------------------------------------- thread */

  function named(s, isMail) { return isMail ? decodeWords(decodeCharset(s, null)) : bytesText(s); }

  function postCard(p, depth, versions) {
    const isMail = /^message\//i.test(bytesText(p.media));
    const card = el('article', 'post d' + Math.min(depth, 8));
    card.id = 'e' + p.number;
    p.card = card;
    const ph = el('div', 'ph');
    const a = el('bdi', 'author');
    markedText(a, p.author !== undefined ? named(p.author, isMail) : '(no author)', HIDDEN_ALL);
    ph.appendChild(a);
    if (p.hasCreated) ph.appendChild(el('time', null, isoTime(Number(p.created))));
    const idl = el('span', 'note');
    markedText(idl, 'id ' + p.idText, HIDDEN_ALL);
    ph.appendChild(idl);
    if (depth > 8) ph.appendChild(el('span', 'note', 'depth ' + depth));
    if (p.orphan) {
      const o = el('span', 'note', 'reply to ');
      markedText(o, bytesText(p.parent), HIDDEN_ALL);
      o.appendChild(document.createTextNode(', not in this bundle'));
      ph.appendChild(o);
    }
    if (p.deleted) ph.appendChild(el('span', 'tag del', 'deleted at the source'));
    if (versions && versions.length > 1) ph.appendChild(el('span', 'tag', 'edited: ' + versions.length + ' versions'));
    p.status = el('span', 'tag', 'checking');
    ph.appendChild(p.status);
    card.appendChild(ph);
    if (p.title !== undefined && p.title.length) {
      const h = el('h2', 'ptitle');
      h.dir = 'auto';
      markedText(h, named(p.title, isMail), HIDDEN_ALL);
      card.appendChild(h);
    }
    renderBody(p, card);
    if (p.incomplete) {
      const n = Number(p.missing || 0n);
      card.appendChild(el('div', 'tag inc', n ? num(n) + (n === 1 ? ' reply' : ' replies') + ' not loaded'
        : 'more replies not loaded (the source did not say how many)'));
    }
    if (versions && versions.length > 1) {
      const d = el('details', 'versions');
      d.appendChild(el('summary', null, 'Earlier versions (' + (versions.length - 1) + ')'));
      for (const v of versions.slice(0, -1)) {
        const vb = el('div', 'post');
        vb.appendChild(el('div', 'ph', 'entry ' + v.number + (v.hasCreated ? ', ' + isoTime(Number(v.created)) : '')));
        renderBody(v, vb);
        d.appendChild(vb);
      }
      card.appendChild(d);
    }
    const raw = el('details', 'raw');
    raw.appendChild(el('summary', null, 'Raw bytes (' + num(p.content ? p.content.length : 0) + ' bytes, ' +
      bytesText(p.media) + ')'));
    raw.addEventListener('toggle', () => {
      if (!raw.open || raw.dataset.filled) return;
      raw.dataset.filled = '1';
      raw.appendChild(el('div', 'note', 'Entry ' + p.number + '; SHA-256 ' + hex(p.hash) +
        ' (sha256sum of these bytes); marks like U+202E stand for invisible characters, \\xHH for bytes that are not UTF-8.'));
      rawView(p, raw.appendChild(el('pre')));
    });
    card.appendChild(raw);
    return card;
  }

  function withheldCard(e) {
    const card = el('article', 'post withheld d0');
    card.id = 'e' + e.number;
    card.appendChild(el('div', 'ph', '[withheld] entry ' + e.number + ' (a ' + e.was +
      '): its bytes were taken out of this bundle; its leaf still counts in the signed root'));
    return card;
  }

  /* The order to show: each thread depth first, replies in entry order;
   * the latest version of a post stands for all of them. */
  function threadOrder(model) {
    const byId = new Map();
    for (const e of model.entries) {
      if (e.type !== 'post') continue;
      const list = byId.get(e.idText);
      if (list) list.push(e); else byId.set(e.idText, [e]);
    }
    const kids = new Map();
    const tops = [];
    for (const e of model.entries) {
      if (e.type === 'withheld') { tops.push(e); continue; }
      if (e.type !== 'post') continue;
      const vs = byId.get(e.idText);
      if (vs[vs.length - 1] !== e) continue;
      const parent = e.parent !== undefined ? bytesText(e.parent) : null;
      if (parent !== null && byId.has(parent) && parent !== e.idText) {
        if (!kids.has(parent)) kids.set(parent, []);
        kids.get(parent).push(e);
      } else {
        e.orphan = parent !== null;
        tops.push(e);
      }
    }
    const order = [];
    const seen = new Set();
    const stack = tops.slice().reverse().map((e) => [e, 0]);
    while (stack.length) {
      const [e, d] = stack.pop();
      if (e.type === 'withheld') { order.push([e, 0, null]); continue; }
      if (seen.has(e.idText)) continue;
      seen.add(e.idText);
      order.push([e, d, byId.get(e.idText)]);
      const ks = kids.get(e.idText) || [];
      for (let i = ks.length - 1; i >= 0; i--) stack.push([ks[i], d + 1]);
    }
    /* posts in a parent cycle are reachable from no top: shown last */
    for (const [id, vs] of byId) if (!seen.has(id)) order.push([vs[vs.length - 1], 0, vs]);
    return order;
  }

  let okLabel = 'matches the signed root';
  function markCard(p) {
    if (!p.status || p.verdict === undefined) return;
    if (p.verdict) { p.card.classList.add('ok'); p.status.className = 'tag ok'; p.status.textContent = okLabel; }
    else { p.card.classList.add('bad'); p.status.className = 'tag bad'; p.status.textContent = 'ALTERED: ' + p.problem; }
  }

  function showMeta(data, model, res) {
    const dl = $('meta');
    const row = (k, v) => { dl.appendChild(el('dt', null, k)); dl.appendChild(markedText(el('dd'), v, HIDDEN_ALL)); };
    const cp = model.cp;
    row('origin', cp.origin);
    row('signer', (res && res.fingerprint ? res.fingerprint : '') + ' (key id ' + data.keyid + ')' +
      (res && res.trusted ? ', the trusted key given to afmt view' : ', the key inside the bundle: compare it with one you know'));
    row('captured', /^-?\d+$/.test(cp.created) ? isoTime(Number(cp.created)) : cp.created);
    const posts = model.entries.filter((e) => e.type === 'post').length;
    const files = model.entries.filter((e) => e.type === 'file').length;
    const withheld = model.entries.filter((e) => e.type === 'withheld').length;
    const n = (k, one, many) => num(k) + ' ' + (k === 1 ? one : many);
    row('entries', num(model.entries.length) + ': ' + n(posts, 'post', 'posts') + ', ' + n(files, 'source file', 'source files') +
      (withheld ? ', ' + num(withheld) + ' withheld' : ''));
    const del = model.entries.filter((e) => e.type === 'post' && e.deleted).length;
    const inc = model.entries.filter((e) => e.type === 'post' && e.incomplete);
    const miss = inc.reduce((n, e) => n + Number(e.missing || 0n), 0);
    row('thread', num(del) + ' deleted at the source; ' + (inc.length ? num(inc.length) + ' posts with replies not loaded (' +
      num(miss) + ' named)' : 'complete: no post has replies missing'));
    if (res) for (const c of res.cosigs)
      row('cosigner', c.name + (c.time !== undefined ? ' at ' + isoTime(c.time) : '') +
        (c.fingerprint ? ' (' + c.fingerprint + ')' : '') + (c.ok ? ': valid' : ': NOT VALID'));
    if (res && !res.cosigs.length) row('cosigners', 'none');
    row('root', cp.root);
    for (const f of model.entries.filter((e) => e.type === 'file').slice(0, 20))
      row('source file', bytesText(f.path) + ' (' + num(Number(f.size)) + ' bytes; its record is in the root, its bytes are not in this page)');
  }

  function finish(state, text, problems) {
    performance.mark('afmt-verified');
    const b = $('badge');
    b.className = 'badge ' + state;
    b.textContent = text;
    b.dataset.state = state;
    b.dataset.ms = performance.now().toFixed(0);
    const ul = $('problems');
    for (const p of problems.slice(0, 50)) ul.appendChild(el('li', null, p));
    if (problems.length > 50) ul.appendChild(el('li', null, '\u2026 and ' + num(problems.length - 50) + ' more'));
  }

  async function main() {
    performance.mark('afmt-script-start');
    let data, model;
    try {
      data = JSON.parse($('afmt-data').textContent);
      model = { cp: parseNote(data.note), entries: [] };
      data.entries.forEach((b, i) => {
        const enc = fromB64(b);
        let e;
        try { e = decodeEntry(enc); } catch (err) { e = { type: 'broken', error: err.message }; }
        e.number = i;
        e.enc = enc;
        if (e.type === 'post') {
          const c = data.content[i];
          e.content = typeof c === 'string' ? te.encode(c) : c && typeof c.b64 === 'string' ? fromB64(c.b64)
            : e.size === 0n ? new Uint8Array(0) : null;
        }
        model.entries.push(e);
      });
    } catch (err) {
      finish('invalid', 'INVALID: this page\u2019s data cannot be read (' + err.message + ').', []);
      return;
    }
    performance.mark('afmt-data-read');
    const t = $('title');
    t.textContent = '';
    markedText(t, model.cp.title || '(untitled bundle)', HIDDEN_ALL);
    document.title = (model.cp.title || 'afmt thread') + ' \u2014 afmt';

    const order = threadOrder(model);
    const main_ = $('thread');
    let shown = 0;
    let res = null;
    const more = el('button', 'more');
    const page = (count) => {
      const end = Math.min(order.length, shown + count);
      const frag = document.createDocumentFragment();
      for (; shown < end; shown++) {
        const [e, d, vs] = order[shown];
        if (e.type === 'withheld') { frag.appendChild(withheldCard(e)); continue; }
        frag.appendChild(postCard(e, d, vs));
        if (res) markCard(e);
      }
      main_.appendChild(frag);
      if (shown < order.length) {
        more.textContent = 'Show the next ' + num(Math.min(PAGE, order.length - shown)) + ' posts (' +
          num(shown) + ' of ' + num(order.length) + ' shown; all are checked)';
        main_.appendChild(more);
      } else more.remove();
    };
    more.addEventListener('click', () => page(PAGE));

    if (!subtle) {
      showMeta(data, model, null);
      page(PAGE);
      finish('unchecked', 'NOT CHECKED: this browser gives no WebCrypto here (it needs a secure context such as a file:// or https:// page).', []);
      return;
    }
    /* A screenful first; the rest of the first page once the check is
     * done, so that drawing does not hold up the hashing. */
    const job = verify(data, model);
    page(FIRST);
    performance.mark('afmt-first-posts-shown');
    try { res = await job; } catch (err) {
      showMeta(data, model, null);
      page(PAGE - FIRST);
      finish('invalid', 'INVALID: the check failed (' + err.message + ').', []);
      return;
    }
    showMeta(data, model, res);
    if (res.unsupported) {
      finish('unchecked', 'NOT CHECKED: ' + res.unsupported, []);
    } else {
      const proven = res.sig && res.rootOk;
      okLabel = proven ? 'matches the signed root' : 'matches its entry, but the root or signature failed';
      for (const e of model.entries) if (e.type === 'post') { e.verdict = !!e.ok; if (e.card) markCard(e); }
      const who = res.fingerprint + (res.trusted ? ' (the trusted key)' : ' (the key inside the bundle)');
      const cos = res.cosigs.length ? '; ' + res.cosigs.filter((c) => c.ok).length + ' of ' + res.cosigs.length + ' cosignatures valid' : '';
      if (res.problems.length === 0 && proven) {
        finish('valid', 'VALID: signature by ' + who + ' checked; ' + num(res.postsOk) + ' of ' + num(res.posts) +
          ' posts match the signed root' + cos + '.', []);
      } else {
        finish('invalid', 'INVALID: ' + res.problems[0] + ' (' + num(res.postsOk) + ' of ' + num(res.posts) +
          ' posts match their signed hashes; signature ' + (res.sig ? 'valid' : 'NOT valid') + '; root ' +
          (res.rootOk ? 'matches' : 'does NOT match') + cos + '.)', res.problems);
      }
    }
    page(PAGE - FIRST);
  }
  main();
})();
