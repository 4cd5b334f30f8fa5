#!/usr/bin/env python3
"""Independent expectations for the Reddit, Hacker News, Mastodon,
Discourse, Stack Exchange and Usenet importers.

Used by tests/test_import_reddit.c, tests/test_import_hn.c and
tests/test_import_social.c through popen (and tests/cli/import_social.sh).
It reads the same source file with Python's standard json module (not the
library's code) and computes, from the rules of spec/IMPORTERS.md, which
posts a bundle must hold, with which fields, then compares them with a dump
of what the library packed.

  import_expect.py check reddit|hn|mastodon|discourse|stackexchange|nntp INPUT DUMP
      DUMP has one line per post entry, in entry order, tab-separated:
      id parent flags missing author created title content, every string
      in hex ("-" when absent).  Prints "OK <posts>" or "FAIL ..." lines.
  import_expect.py generate reddit|hn SEED OUT
      writes a random input (for a differential test)
  import_expect.py edited INPUT          id<TAB>raw token of each float "edited"
  import_expect.py bodies INPUT          id<TAB>kind of body (rr/emoji/deleted/removed)
  import_expect.py stubs INPUT           parent<TAB>count<TAB>nkids per more stub
  import_expect.py derive-context INPUT OUT
      writes a page whose comment Listing starts below the top level
  import_expect.py parents mastodon|discourse|stackexchange|nntp INPUT...
      id<TAB>parent ("-": none) of every post, in order
  import_expect.py hn-forms INPUT OUTDIR
      writes the items of a {"post","comments"} file as array.json and
      items.ndjson
"""
import json
import math
import random
import sys

TIME_MIN, TIME_MAX = -62135596800, 253402300799


def docs_of(raw):
    """The top-level JSON values of a file, in order."""
    text = raw.decode("utf-8")
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def hx(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        v = v.encode("utf-8", "surrogatepass")
    return v.hex()


def created_of(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        v = math.floor(v)
    if v < TIME_MIN or v > TIME_MAX:
        return None
    return int(v)


def unique_ids(posts):
    """A repeated id becomes the first of id#2, id#3, ... not taken yet, in
    order; returns the posts by their final ids."""
    byid = {}
    for p in posts:
        pid, k = p.id, 2
        while pid in byid:
            pid = "%s#%d" % (p.id, k)
            k += 1
        p.id = pid
        byid[pid] = p
    return byid


class Post:
    def __init__(self, pid, obj, cut_key):
        self.id = pid
        self.obj = obj          # the source object (thing or item)
        self.cut_key = cut_key  # (container dict, key) removed from its bytes, or None
        self.parent = None
        self.author = None
        self.title = None
        self.created = None
        self.flags = 0
        self.missing = 0


# ------------------------------------------------------------------ reddit

def reddit_posts(raw):
    posts, stubs = [], []

    def thing(t):
        kind, d = t["kind"], t["data"]
        if kind == "more":
            stubs.append(d)
            return
        name = d.get("name")
        pid = name if isinstance(name, str) and name else kind + "_" + d["id"]
        replies = d.get("replies")
        p = Post(pid, t, (d, "replies") if isinstance(replies, dict) else None)
        pp = d.get("parent_id")
        p.parent = pp if isinstance(pp, str) and pp else None
        a = d.get("author")
        p.author = a if isinstance(a, str) else None
        ti = d.get("title")
        p.title = ti if isinstance(ti, str) else None
        p.created = created_of(d.get("created_utc"))
        if d.get("body") in ("[deleted]", "[removed]") or \
           d.get("selftext") in ("[deleted]", "[removed]") or \
           isinstance(d.get("removed_by_category"), str):
            p.flags |= 1
        posts.append(p)
        if isinstance(replies, dict):
            listing(replies)

    def listing(l):
        for c in l["data"]["children"]:
            thing(c)

    def value(v):
        if "json" in v:
            data = v["json"].get("data")
            if isinstance(data, dict):
                for t in data["things"]:
                    thing(t)
        elif v.get("kind") == "Listing":
            listing(v)
        else:
            thing(v)

    for v in docs_of(raw):
        for e in (v if isinstance(v, list) else [v]):
            value(e)

    byid = unique_ids(posts)
    for s in stubs:
        kids = [k for k in s.get("children", []) if isinstance(k, str) and k]
        present = sum(1 for k in kids if ("t1_" + k) in byid)
        if kids and present == len(kids):
            continue  # resolved within the input
        parent = byid.get(s.get("parent_id"))
        if parent is None:
            continue
        count = s.get("count") if isinstance(s.get("count"), int) and s.get("count") > 0 else 0
        parent.flags |= 2
        parent.missing += max(count, len(kids)) - present
    return posts


# ---------------------------------------------------------------------- hn

HN_KEYS = ("type", "by", "time", "kids", "parent", "text", "deleted", "dead",
           "user", "content", "comments")  # not "title" alone (issue 19)


def hn_id(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and v:
        return v
    return None


def hn_is_item(o):
    i = o.get("id") if isinstance(o, dict) else None
    return isinstance(i, int) and not isinstance(i, bool) and any(k in o for k in HN_KEYS)


def hn_posts(raw):
    posts, kids = [], []

    def item(o, inherited):
        comments = o.get("comments")
        cut = isinstance(comments, list) and len(comments) > 0
        p = Post(hn_id(o["id"]), o, (o, "comments") if cut else None)
        par = o.get("parent")
        if par is None:
            par = o.get("poll")
        par = hn_id(par) if par is not None else None
        p.parent = par if par is not None else inherited
        a = o.get("by") if isinstance(o.get("by"), str) else o.get("user")
        p.author = a if isinstance(a, str) else None
        ti = o.get("title")
        p.title = ti if isinstance(ti, str) else None
        p.created = created_of(o.get("time"))
        if o.get("deleted") is True or o.get("dead") is True:
            p.flags |= 1
        posts.append(p)
        for k in o.get("kids", []) if isinstance(o.get("kids"), list) else []:
            if hn_id(k) is not None:
                kids.append((p, hn_id(k)))
        below = 0
        if isinstance(comments, list):
            for c in comments:
                if hn_is_item(c):
                    below += 1 + item(c, p.id)
                elif isinstance(c, (dict, list)):
                    value(c)
            cc = o.get("commentscount")
            if not (isinstance(cc, int) and not isinstance(cc, bool) and cc > 0):
                cc = o.get("comments_count")  # HNPWA's name (issue 19)
            if isinstance(cc, int) and not isinstance(cc, bool) and cc > below:
                p.flags |= 2
                p.missing += cc - below
        return below

    def value(v):
        if isinstance(v, list):
            for e in v:
                if isinstance(e, (dict, list)):
                    value(e)
        elif isinstance(v, dict):
            if hn_is_item(v):
                item(v, None)
            else:
                for mv in v.values():
                    if isinstance(mv, (dict, list)):
                        value(mv)

    for v in docs_of(raw):
        value(v)
    byid = unique_ids(posts)
    for p, k in kids:
        if k not in byid:
            p.flags |= 2
            p.missing += 1
    return posts


# ---------------------------------------------------------------- generate
# Random inputs for a differential test: Reddit pages and morechildren
# answers, HN items in every form, written with random whitespace, key
# order, escaped keys ("repl\u0069es"), repeated ids, stubs of every kind.

rnd = random.Random(0)


def ws(): return rnd.choice(["", "", " ", "\n  ", "\t", "\r\n"])
def jstr(s):
    t = json.dumps(s, ensure_ascii=rnd.random() < 0.5)
    return t
def key(k):
    if k == "replies" and rnd.random() < 0.2: return '"repl\\u0069es"'
    if k == "comments" and rnd.random() < 0.2: return '"comm\\u0065nts"'
    return jstr(k)
def obj(members):
    rnd.shuffle(members)
    parts = [ws() + key(k) + ws() + ":" + ws() + v + ws() for k, v in members]
    return "{" + ",".join(parts) + "}"
def arr(items): return "[" + ",".join(ws() + i + ws() for i in items) + "]"
n = [0]
def text():
    return rnd.choice(["hello", "[deleted]", "[removed]", "x\r\ry", "emoji \U0001F600", "a&gt;b", "nul\u0000here", "é"])
def rthing(parent, depth, ids):
    r = rnd.random()
    if r < 0.15:
        kids = [rnd.choice(ids) if ids and rnd.random() < 0.3 else "z%d" % rnd.randint(0, 99) for _ in range(rnd.randint(0, 3))]
        return obj([("kind", '"more"'), ("data", obj([("count", str(rnd.randint(0, 9))), ("parent_id", jstr(parent)), ("children", arr([jstr(k) for k in kids])), ("name", '"t1__"'), ("id", '"_"')]))])
    n[0] += 1
    sid = "%x" % rnd.randint(0, 40 if rnd.random() < 0.2 else 10**6)
    ids.append(sid)
    name = "t1_" + sid
    mem = [("parent_id", jstr(parent)), ("body", jstr(text())), ("score", str(rnd.randint(-5, 5))),
           ("created_utc", rnd.choice(["1500000000.0", "1500000000", "1.5e9", "-3.5", "null", '"x"'])),
           ("edited", rnd.choice(["false", "1504012603.0"]))]
    if rnd.random() < 0.9: mem.append(("name", jstr(name)))
    else: mem.append(("id", jstr(sid)))
    if rnd.random() < 0.8: mem.append(("author", jstr(rnd.choice(["u1", "[deleted]", "", "ü"]))))
    if depth < 4 and rnd.random() < 0.6:
        kids = [rthing(name, depth + 1, ids) for _ in range(rnd.randint(0, 3))]
        mem.append(("replies", obj([("kind", '"Listing"'), ("data", obj([("children", arr(kids)), ("after", "null")]))])))
    else:
        mem.append(("replies", '""'))
    return obj([("kind", '"t1"'), ("data", obj(mem))])
def reddit():
    ids = []
    t3 = obj([("kind", '"t3"'), ("data", obj([("name", '"t3_s"'), ("title", jstr("T " + text())), ("selftext", jstr(text())), ("created_utc", "1600000000.5")]))])
    l1 = obj([("kind", '"Listing"'), ("data", obj([("children", arr([t3]))]))])
    kids = [rthing("t3_s", 0, ids) for _ in range(rnd.randint(0, 6))]
    l2 = obj([("kind", '"Listing"'), ("data", obj([("children", arr(kids))]))])
    docs = [arr([l1, l2])]
    if rnd.random() < 0.5:
        for _ in range(rnd.randint(1, 3)):
            things = [rthing("t1_" + rnd.choice(ids) if ids else "t3_s", 3, ids) for _ in range(rnd.randint(0, 4))]
            docs.append(obj([("json", obj([("errors", "[]"), ("data", obj([("things", arr(things))]))]))]))
    return "\n".join(docs) + rnd.choice(["", "\n"])
def hnitem(parent, depth, nested):
    i = rnd.randint(1, 60 if rnd.random() < 0.3 else 10**6)
    mem = [("id", str(i)), ("time", str(rnd.randint(0, 2 * 10**9)))]
    if rnd.random() < 0.8: mem.append(("by" if not nested else "user", jstr(rnd.choice(["pg", "dang", "é"]))))
    if rnd.random() < 0.1: mem.append(("deleted", "true"))
    if rnd.random() < 0.1: mem.append(("dead", rnd.choice(["true", "false"])))
    mem.append(("text" if not nested else "content", jstr(text())))
    if nested:
        kids = [hnitem(i, depth + 1, True) for _ in range(rnd.randint(0, 3))] if depth < 4 else []
        mem.append(("comments", arr(kids)))
        if rnd.random() < 0.2: mem.append(("commentscount", str(rnd.randint(0, 9))))
        return obj(mem)
    mem.append(("type", '"comment"'))
    if parent is not None: mem.append(("parent", str(parent)))
    if rnd.random() < 0.5: mem.append(("kids", arr([str(rnd.randint(1, 60)) for _ in range(rnd.randint(0, 4))])))
    return obj(mem)
def hn():
    form = rnd.randint(0, 3)
    if form == 0:
        return obj([("post", hnitem(None, 0, False)), ("comments", arr([hnitem(rnd.randint(1, 60), 0, False) for _ in range(rnd.randint(0, 8))]))])
    if form == 1:
        return arr([hnitem(rnd.randint(1, 60), 0, False) if rnd.random() < 0.9 or _ == 0 else "null" for _ in range(rnd.randint(1, 8))])
    if form == 2:
        return "\n".join(hnitem(rnd.randint(1, 60), 0, False) for _ in range(rnd.randint(1, 8))) + "\n"
    return hnitem(None, 0, True)


# --------------------------------------------- mastodon, discourse (JSON)

def iso_time(v, zone_required=True):
    """RFC 3339 as Unix seconds (fraction dropped), or None."""
    import datetime
    if not isinstance(v, str) or len(v) < 19:
        return None
    try:
        d = datetime.datetime.fromisoformat(v.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        if zone_required:
            return None
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() // 1)


def mastodon_posts(raw):
    posts, counts = [], []

    def ref(v):
        return v.get("id") if isinstance(v, dict) else v

    def ap(o, actor):
        p = Post(o["id"], o, None)
        parent = ref(o.get("inReplyTo"))
        if isinstance(parent, str) and parent:
            p.parent = parent
        a = ref(o.get("attributedTo"))
        if not isinstance(a, str):
            a = ref(actor)
        p.author = a if isinstance(a, str) else None
        if isinstance(o.get("summary"), str) and o["summary"]:
            p.title = o["summary"]
        p.created = iso_time(o.get("published"))
        if o.get("type") == "Tombstone":
            p.flags |= 1
        posts.append(p)
        counts.append(None)

    def is_status(o):
        return (isinstance(o, dict) and isinstance(o.get("id"), str) and "created_at" in o
                and ("account" in o or "in_reply_to_id" in o))

    def is_ap(o):
        return (isinstance(o, dict) and isinstance(o.get("id"), str)
                and isinstance(o.get("type"), str) and o["type"] != "Create"
                and ("content" in o or "inReplyTo" in o or o["type"] == "Tombstone"))

    def item(v):
        if not isinstance(v, dict):
            return
        if v.get("type") == "Create":
            o = v.get("object")
            if isinstance(o, dict) and isinstance(o.get("id"), str):
                ap(o, v.get("actor"))
        elif is_status(v):
            if isinstance(v.get("reblog"), dict):
                return
            p = Post(v["id"], v, None)
            if isinstance(v.get("in_reply_to_id"), str) and v["in_reply_to_id"]:
                p.parent = v["in_reply_to_id"]
            acct = v.get("account", {}).get("acct") if isinstance(v.get("account"), dict) else None
            p.author = acct if isinstance(acct, str) else None
            if isinstance(v.get("spoiler_text"), str) and v["spoiler_text"]:
                p.title = v["spoiler_text"]
            p.created = iso_time(v.get("created_at"))
            posts.append(p)
            rc = v.get("replies_count")
            counts.append(rc if isinstance(rc, int) and not isinstance(rc, bool) else None)
        elif is_ap(v):
            ap(v, None)

    for d in docs_of(raw):
        if isinstance(d, list):
            for v in d:
                item(v)
        elif isinstance(d.get("orderedItems"), list) or isinstance(d.get("items"), list):
            for k in ("orderedItems", "items"):
                for v in d.get(k) if isinstance(d.get(k), list) else []:
                    item(v)
        elif isinstance(d.get("ancestors"), list) or isinstance(d.get("descendants"), list):
            for k in ("ancestors", "descendants"):
                for v in d.get(k) if isinstance(d.get(k), list) else []:
                    item(v)
        else:
            item(d)
    byid = unique_ids(posts)
    replies = {}
    for p in posts:
        if p.parent is not None and p.parent in byid:
            replies[p.parent] = replies.get(p.parent, 0) + 1
    for p, rc in zip(posts, counts):
        if rc is not None and rc > replies.get(p.id, 0):
            p.flags |= 2
            p.missing = rc - replies.get(p.id, 0)
    return posts


def discourse_posts(raw):
    posts, meta, streams = [], [], []

    def post(o, topic, title):
        t = o.get("topic_id", topic) if isinstance(o.get("topic_id"), int) else topic
        n = o.get("post_number")
        pid = o.get("id") if isinstance(o.get("id"), int) else -1
        p = Post("%d/%d" % (t, n) if t is not None and t >= 0 and n >= 1 else "post:%d" % pid,
                 o, None)
        to = o.get("reply_to_post_number")
        to = to if isinstance(to, int) and not isinstance(to, bool) else -1
        if t is not None and t >= 0 and n > 1:
            p.parent = "%d/%d" % (t, to if to >= 1 and to != n else 1)
        p.author = o.get("username") if isinstance(o.get("username"), str) else None
        if not isinstance(title, str):
            title = o.get("topic_title")
        if n == 1 and isinstance(title, str):
            p.title = title
        p.created = iso_time(o.get("created_at"))
        if (isinstance(o.get("deleted_at"), str) and o["deleted_at"]) or o.get("user_deleted") is True:
            p.flags |= 1
        posts.append(p)
        meta.append((t, n, pid))

    for d in docs_of(raw):
        if isinstance(d, list):
            for o in d:
                post(o, None, None)
        elif "post_stream" in d:
            tid = d.get("id") if isinstance(d.get("id"), int) else -1
            first = len(posts)
            for o in d["post_stream"].get("posts", []):
                post(o, tid, d.get("title"))
            st = d["post_stream"].get("stream")
            if isinstance(st, list):
                streams.append((tid, first if first < len(posts) else None,
                                [x for x in st if isinstance(x, int) and not isinstance(x, bool)]))
        elif isinstance(d.get("latest_posts"), list):
            for o in d["latest_posts"]:
                post(o, None, None)
        else:
            post(d, None, None)
    unique_ids(posts)
    for tid, first, ids in streams:
        nposts = len({m[2] for m in meta if m[0] == tid})
        nstream = len(set(ids))
        if nstream <= nposts:
            continue
        target = first
        for i, m in enumerate(meta):
            if m[0] == tid and m[1] == 1:
                target = i
                break
        if target is None or posts[target].flags & 2:
            continue
        posts[target].flags |= 2
        posts[target].missing += nstream - nposts
    return posts


# --------------------------------------------- stackexchange (XML), nntp

def stackexchange_posts(raw):
    """Rows of a Posts.xml / Comments.xml, by xml.etree (not the library's
    libxml2); each post's content is checked as the row's own bytes."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(raw)
    comments = root.tag == "comments"
    posts = []
    for row in root:
        if row.tag != "row":
            continue
        a = row.attrib
        if not comments and a.get("PostTypeId") not in ("1", "2"):
            continue
        p = Post(("c" if comments else "") + a["Id"], dict(a), None)
        par = a.get("PostId") if comments else a.get("ParentId") if a.get("PostTypeId") == "2" else None
        if par:
            p.parent = par
        name = a.get("UserDisplayName" if comments else "OwnerDisplayName")
        uid = a.get("UserId" if comments else "OwnerUserId")
        p.author = name if name else ("user:" + uid if uid else None)
        if not comments and a.get("Title"):
            p.title = a["Title"]
        p.created = iso_time(a.get("CreationDate"), zone_required=False)
        p.answers = int(a["AnswerCount"]) if not comments and a.get("PostTypeId") == "1" and a.get("AnswerCount", "").isdigit() else None
        posts.append(p)
    byid = unique_ids(posts)
    present = {}
    for p in posts:
        if p.parent in byid and not p.id.startswith("c") and getattr(p, "answers", None) is None:
            present[p.parent] = present.get(p.parent, 0) + 1
    for p in posts:
        n = getattr(p, "answers", None)
        if n and n > present.get(p.id, 0):
            p.flags |= 2
            p.missing = n - present.get(p.id, 0)
    return posts


def nntp_posts(raw):
    """One article, read with Python's email package."""
    import email
    import email.header
    import email.policy
    import email.utils
    import re
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)

    def ids(v):
        v = str(v or "")
        got = re.findall(r"<\s*([^<>]*?)\s*>", v)
        return [g for g in got if g] or [t for t in re.split(r"[ \t,]+", v) if "@" in t]

    mid = ids(msg.get("Message-ID"))
    p = Post(mid[0] if mid else None, None, None)
    par = ids(msg.get("In-Reply-To"))[:1] or ids(msg.get("References"))[-1:]
    if par and par[0] != p.id:
        p.parent = par[0]

    def dec(v):
        if v is None:
            return None
        out = []
        for part, cs in email.header.decode_header(str(v).replace("\n", "")):
            out.append(part.decode(cs or "ascii") if isinstance(part, bytes) else part)
        return "".join(out).strip()
    p.author = dec(msg.get("From"))
    p.title = dec(msg.get("Subject"))
    try:
        dv = str(msg.get("Date", ""))
        t = email.utils.parsedate_tz(dv)
        zone_ok = re.search(r"([+-]\d{4}|\b(UT|GMT|Z|[ECMP][SD]T))\s*(\(.*\))?\s*$", dv)
        p.created = email.utils.mktime_tz(t) if t and zone_ok else None
    except (TypeError, ValueError, AttributeError):
        p.created = None
    p.exact = raw
    return [p]


# ------------------------------------------------------------------- check

def two_slices(content, raw):
    """True when content is raw[a:b] + raw[c:d] with b <= c (or one slice)."""
    if content in raw:
        return True
    lo, hi = 0, len(content)  # largest k with content[:k] in raw
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if content[:mid] in raw:
            lo = mid
        else:
            hi = mid - 1
    for k in range(lo, 0, -1):  # a split point, and an occurrence of the head
        head, tail = content[:k], content[k:]
        a = raw.find(head)
        while a >= 0:
            if raw.find(tail, a + k) >= 0:
                return True
            a = raw.find(head, a + 1)
    return False


PARSERS = {"reddit": None, "hn": None, "mastodon": mastodon_posts,
           "discourse": discourse_posts, "stackexchange": stackexchange_posts,
           "nntp": nntp_posts}


def check(fmt, path, dump):
    raw = open(path, "rb").read()
    if fmt == "reddit":
        posts = reddit_posts(raw)
    elif fmt == "hn":
        posts = hn_posts(raw)
    else:
        posts = PARSERS[fmt](raw)
    lines = [l.rstrip("\n").split("\t") for l in open(dump, encoding="ascii") if l.strip()]
    bad = []
    if len(lines) != len(posts):
        bad.append("FAIL post count: bundle %d, expected %d" % (len(lines), len(posts)))
    for i, (p, l) in enumerate(zip(posts, lines)):
        want = [hx(p.id), hx(p.parent), str(p.flags), str(p.missing), hx(p.author),
                "-" if p.created is None else str(p.created), hx(p.title)]
        if fmt == "nntp" and p.id is None:
            want[0] = l[0]  # "nntp:" and the path the bundle gave it
        if l[:7] != want:
            bad.append("FAIL post %d (%s): bundle %s expected %s" % (i, p.id, l[:7], want))
            continue
        content = bytes.fromhex(l[7])
        if fmt == "nntp":
            if content != p.exact:
                bad.append("FAIL post %s: content is not the whole article" % p.id)
            continue
        if fmt == "stackexchange":
            import xml.etree.ElementTree as ET
            if content not in raw or not content.startswith(b"<row"):
                bad.append("FAIL post %s: content is not a row of the input" % p.id)
            elif ET.fromstring(content).attrib != p.obj:
                bad.append("FAIL post %s: content is not the row's" % p.id)
            continue
        expected = p.obj
        if p.cut_key is not None:
            container, key = p.cut_key
            expected = json.loads(json.dumps(p.obj))  # a copy
            target = expected["data"] if fmt == "reddit" else expected
            del target[key]
            if content in raw:
                bad.append("FAIL post %s: its children were not cut out" % p.id)
        elif content not in raw:
            bad.append("FAIL post %s: content is not a slice of the input" % p.id)
        if not two_slices(content, raw):
            bad.append("FAIL post %s: content is not made of slices of the input" % p.id)
        if json.loads(content.decode("utf-8")) != expected:
            bad.append("FAIL post %s: content is not the record without its children" % p.id)
        if len(bad) > 20:
            break
    if bad:
        print("\n".join(bad[:20]))
    else:
        print("OK %d" % len(posts))


def parents(fmt, paths):
    """id<TAB>parent of every post of the files, for the command test."""
    for path in paths:
        for p in PARSERS[fmt](open(path, "rb").read()):
            print("%s\t%s" % (p.id, p.parent or "-"))


def main():
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "generate":
        global rnd
        rnd = random.Random(int(sys.argv[3]))
        text_out = reddit() if sys.argv[2] == "reddit" else hn()
        with open(sys.argv[4], "w", encoding="utf-8") as f:
            f.write(text_out)
    elif cmd == "edited":
        raw = open(sys.argv[2], "rb").read()
        for v in json.loads(raw, parse_float=lambda s: ("FLOAT", s)):
            def walk(t):
                d = t["data"]
                if t["kind"] == "more":
                    return
                e = d.get("edited")
                if isinstance(e, tuple):
                    print("%s\t%s" % (d["name"], e[1]))
                if isinstance(d.get("replies"), dict):
                    for c in d["replies"]["data"]["children"]:
                        walk(c)
            for c in v["data"]["children"]:
                walk(c)
    elif cmd == "bodies":
        for p in reddit_posts(open(sys.argv[2], "rb").read()):
            d = p.obj["data"]
            b = d.get("body", d.get("selftext"))
            if not isinstance(b, str):
                continue
            kinds = []
            if "\r\r" in b:
                kinds.append("rr")
            if any(ord(ch) > 0xFFFF for ch in b):
                kinds.append("emoji")
            if b == "[deleted]":
                kinds.append("deleted")
            if b == "[removed]":
                kinds.append("removed")
            if d.get("author") == "[deleted]" and b not in ("[deleted]", "[removed]"):
                kinds.append("author-deleted")
            if kinds:
                print("%s\t%s" % (p.id, ",".join(kinds)))
    elif cmd == "stubs":
        for v in docs_of(open(sys.argv[2], "rb").read()):
            def walk(t):
                d = t["data"]
                if t["kind"] == "more":
                    print("%s\t%d\t%d" % (d["parent_id"], d["count"], len(d["children"])))
                    return
                if isinstance(d.get("replies"), dict):
                    for c in d["replies"]["data"]["children"]:
                        walk(c)
            for l in (v if isinstance(v, list) else [v]):
                things = l["json"]["data"]["things"] if "json" in l else l["data"]["children"]
                for c in things:
                    walk(c)
    elif cmd == "parents":
        parents(sys.argv[2], sys.argv[3:])
    elif cmd == "derive-context":
        page = json.loads(open(sys.argv[2], "rb").read())
        for c in page[1]["data"]["children"]:
            r = c["data"].get("replies") if c["kind"] == "t1" else None
            if isinstance(r, dict) and r["data"]["children"]:
                page[1]["data"]["children"] = r["data"]["children"]
                break
        with open(sys.argv[3], "w") as f:
            json.dump(page, f)
    elif cmd == "hn-forms":
        o = json.loads(open(sys.argv[2], "rb").read())
        items = [o["post"]] + o["comments"]
        with open(sys.argv[3] + "/array.json", "w") as f:
            json.dump(items, f, indent=1)
        with open(sys.argv[3] + "/items.ndjson", "w") as f:
            for it in items:
                f.write(json.dumps(it) + "\n")
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
