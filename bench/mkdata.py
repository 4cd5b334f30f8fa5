#!/usr/bin/env python3
"""mkdata.py - builds the benchmark's workloads from ../shared/corpus.

    mkdata.py corpus CORPUS OUT             OUT/corpus/: one file per post, plus
                                            the corpus files
    mkdata.py scaled-ndjson CORPUS OUT N [any]
                                            OUT/scaled/posts.ndjson: N scaled posts
                                            (any: keep one of another size)
    mkdata.py scaled-dir CORPUS OUT N       OUT/scaled/dir/: the first N of the
                                            same posts, one file each

Only the standard library.  Every output is written beside its final name,
renamed into place, then stamped (NAME.complete beside it), so an interrupted
build is redone and a finished one is reused: the benchmark must not recreate
large trees back to back (shared/BENCHMARKING.md, the ext4 trap).

The "corpus" workload (OUT/corpus/) is a realistic tree of small posts:
  posts/reddit/<page>/<id>.json     each Reddit comment (and the link post) of a
                                    comments page or a morechildren answer, as
                                    JSON, without its nested "replies"
  posts/pushshift/<dump>/<id>.json  each line of the Pushshift dump, byte for byte
  posts/hn/<file>/<id>.json         each Hacker News item, without nested comments
  posts/mbox/<file>/<n>.eml         each message of each mbox, byte for byte
  files/...                         the corpus files themselves, byte for byte

The "scaled" posts repeat the corpus posts with distinct ids (round r gives
post p the id "RRRR.<p's id>", its parent the same prefix) as NDJSON lines
{"id","parent","author","created","title","body", then the source's other
fields; for mail the body only, no headers}; the tree holds them one file per
post (dir/dNNN/<id>.json, 1000 files a folder).
"""
import email.utils
import json
import os
import re
import shutil
import sys

def safe_name(s):
    """A file name for an id: keeps [A-Za-z0-9._-], %XX for the rest."""
    out = []
    for ch in s.encode("utf-8", "surrogateescape"):
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in "._-"):
            out.append(c)
        else:
            out.append("%%%02X" % ch)
    name = "".join(out)[:200]
    return name if name not in ("", ".", "..") else "_" + name


class Post:
    """One post: its own bytes for the per-post tree and its fields."""

    __slots__ = ("id", "parent", "author", "created", "title", "body", "raw", "ext", "extra")

    def __init__(self, pid, parent, author, created, title, body, raw, ext, extra):
        self.id, self.parent, self.author = pid, parent, author
        self.created, self.title, self.body = created, title, body
        self.raw, self.ext, self.extra = raw, ext, extra


def as_int(v):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def reddit_post(data):
    raw = json.dumps(data).encode()  # the comment as its page served it, minus replies
    parent = data.get("parent_id")
    if isinstance(parent, str) and "_" in parent:
        parent = parent.split("_", 1)[1]
    extra = {k: v for k, v in data.items() if k not in ("replies", "id", "body", "title")}
    return Post(str(data.get("id") or data.get("name")), parent, data.get("author"),
                as_int(data.get("created_utc")), data.get("title"),
                data.get("body") if "body" in data else data.get("selftext"), raw, "json", extra)


def walk_reddit(node, out):
    if isinstance(node, list):
        for n in node:
            walk_reddit(n, out)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("kind")
    data = node.get("data")
    if kind == "Listing" and isinstance(data, dict):
        walk_reddit(data.get("children", []), out)
    elif kind in ("t1", "t3") and isinstance(data, dict):
        replies = data.get("replies")
        d = {k: v for k, v in data.items() if k != "replies"}
        out.append(reddit_post(d))
        if isinstance(replies, dict):
            walk_reddit(replies, out)
    elif "json" in node:  # a morechildren answer
        things = node.get("json", {}).get("data", {}).get("things", [])
        walk_reddit(things, out)


def hn_post(item, nested):
    d = {k: v for k, v in item.items() if k not in ("comments", "kids")} if nested else \
        dict(item)
    raw = json.dumps(d).encode()
    if nested:
        return Post(str(item.get("id")), None, item.get("user"), as_int(item.get("time")),
                    item.get("title"), item.get("content"), raw, "json",
                    {k: v for k, v in d.items() if k not in ("id", "content", "title")})
    parent = item.get("parent")
    return Post(str(item.get("id")), None if parent is None else str(parent), item.get("by"),
                as_int(item.get("time")), item.get("title"), item.get("text"), raw, "json",
                {k: v for k, v in d.items() if k not in ("id", "text", "title", "parent")})


def walk_hn_nested(item, parent, out):
    p = hn_post(item, True)
    p.parent = parent
    out.append(p)
    for c in item.get("comments") or []:
        if isinstance(c, dict):
            walk_hn_nested(c, p.id, out)


FROM_LINE = re.compile(rb"(?m)^From ")


def mbox_posts(data, stem):
    out = []
    starts = [m.start() for m in FROM_LINE.finditer(data)]
    for i, s in enumerate(starts):
        msg = data[s: starts[i + 1] if i + 1 < len(starts) else len(data)]
        head, _, body = msg.partition(b"\n\n")
        fields = {}
        for line in re.split(rb"\n(?![ \t])", head)[1:]:
            k, _, v = line.partition(b":")
            fields.setdefault(k.strip().lower(), v.strip().decode("latin-1"))
        mid = fields.get(b"message-id") or "%s-%d" % (stem, i)
        created = None
        if b"date" in fields:
            try:
                created = int(email.utils.parsedate_to_datetime(fields[b"date"]).timestamp())
            except (TypeError, ValueError, IndexError, OverflowError):
                created = None
        parent = fields.get(b"in-reply-to")
        out.append(Post(mid.strip("<>"), parent.strip("<>") if parent else None,
                        fields.get(b"from"), created, fields.get(b"subject"),
                        body.decode("utf-8", "replace"), msg, "eml", {}))
    return out


def load_posts(corpus):
    """[(group, thread, [Post])] in a fixed order."""
    groups = []
    rdir = os.path.join(corpus, "reddit_json")
    for name in sorted(os.listdir(rdir)):
        path = os.path.join(rdir, name)
        posts = []
        with open(path, "rb") as f:
            if name.endswith(".ndjson"):
                for line in f:
                    if line.strip():
                        walk_reddit(json.loads(line), posts)
            else:
                walk_reddit(json.load(f), posts)
        groups.append(("reddit", os.path.splitext(name)[0], posts))
    pdir = os.path.join(corpus, "pushshift_ndjson")
    for name in sorted(os.listdir(pdir)):
        if not name.endswith(".ndjson"):
            continue
        posts = []
        with open(os.path.join(pdir, name), "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                if not line.strip():
                    continue
                d = json.loads(line)
                parent = d.get("parent_id")
                if isinstance(parent, str) and "_" in parent:
                    parent = parent.split("_", 1)[1]
                posts.append(Post(str(d.get("id")), parent, d.get("author"),
                                  as_int(d.get("created_utc")), None, d.get("body"), line,
                                  "json", {k: v for k, v in d.items()
                                           if k not in ("id", "body", "title")}))
        groups.append(("pushshift", os.path.splitext(name)[0], posts))
    hdir = os.path.join(corpus, "hackernews")
    for name in sorted(os.listdir(hdir)):
        with open(os.path.join(hdir, name), "rb") as f:
            d = json.load(f)
        posts = []
        if "post" in d:
            posts.append(hn_post(d["post"], False))
            posts.extend(hn_post(c, False) for c in d.get("comments", []) if c)
        else:
            walk_hn_nested(d, None, posts)
        groups.append(("hn", os.path.splitext(name)[0], posts))
    mdir = os.path.join(corpus, "mbox")
    for root, dirs, files in os.walk(mdir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".mbox"):
                continue
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            rel = os.path.relpath(os.path.join(root, name), mdir)
            stem = os.path.splitext(rel.replace("/", "_"))[0]
            groups.append(("mbox", stem, mbox_posts(data, stem)))
    return groups


def stamp_of(final):
    return final + ".complete"


def stamped(final, what=None):
    """Whether final is complete (and, when `what` is given, was built as
    `what`)."""
    try:
        with open(stamp_of(final)) as f:
            return what is None or f.read().strip() == str(what)
    except OSError:
        return False


def finish(tmp, final, what="ok"):
    """Renames tmp to final, then writes the stamp beside it (not inside:
    everything inside a workload is packed)."""
    if os.path.exists(stamp_of(final)):
        os.unlink(stamp_of(final))
    if os.path.exists(final):
        shutil.rmtree(final) if os.path.isdir(final) else os.unlink(final)
    os.rename(tmp, final)
    with open(stamp_of(final), "w") as f:
        f.write("%s\n" % what)


def fresh_tmp(final):
    tmp = final + ".tmp"
    if os.path.isdir(tmp):
        shutil.rmtree(tmp)
    elif os.path.exists(tmp):
        os.unlink(tmp)
    return tmp


def build_corpus(corpus, out):
    final = os.path.join(out, "corpus")
    if stamped(final):
        return
    tmp = fresh_tmp(final)
    count = 0
    for group, thread, posts in load_posts(corpus):
        d = os.path.join(tmp, "posts", group, safe_name(thread))
        os.makedirs(d)
        used = set()
        for n, p in enumerate(posts):
            name = safe_name(p.id) if group != "mbox" else "%05d" % n
            base, k = name, 1
            while name in used:
                k += 1
                name = "%s~%d" % (base, k)
            used.add(name)
            with open(os.path.join(d, name + "." + p.ext), "wb") as f:
                f.write(p.raw)
            count += 1
    shutil.copytree(corpus, os.path.join(tmp, "files"))
    for root, dirs, files in os.walk(os.path.join(tmp, "files")):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    finish(tmp, final)
    print("mkdata: corpus: %d posts written one file each, plus the corpus files" % count,
          file=sys.stderr)


def scaled_lines(corpus):
    """The scaled posts, endlessly: (id, NDJSON line with its newline)."""
    posts = [p for _, _, ps in load_posts(corpus) for p in ps]
    # Source ids are not unique across files (cross-posted mail, repeated
    # morechildren answers): make them so within one round.
    seen = {}
    ids = []
    for p in posts:
        k = seen.get(p.id, 0)
        seen[p.id] = k + 1
        ids.append(p.id if k == 0 else "%s~%d" % (p.id, k + 1))
    r = 0
    while True:
        for p, pid in zip(posts, ids):
            rec = {"id": "%04d.%s" % (r, pid),
                   "parent": None if p.parent is None else "%04d.%s" % (r, p.parent),
                   "author": p.author, "created": p.created, "title": p.title,
                   "body": p.body}
            for k, v in p.extra.items():
                if k not in rec:
                    rec[k] = v
            yield rec["id"], json.dumps(rec, separators=(",", ":")).encode() + b"\n"
        r += 1


def build_scaled_ndjson(corpus, out, nposts, exact):
    final = os.path.join(out, "scaled", "posts.ndjson")
    if stamped(final, nposts if exact else None):
        return
    os.makedirs(os.path.dirname(final), exist_ok=True)
    tmp = fresh_tmp(final)
    size = 0
    with open(tmp, "wb") as f:
        for n, (_, line) in enumerate(scaled_lines(corpus)):
            if n == nposts:
                break
            f.write(line)
            size += len(line)
    finish(tmp, final, nposts)
    print("mkdata: scaled NDJSON: %d posts, %d bytes" % (nposts, size), file=sys.stderr)


def build_scaled_dir(corpus, out, nposts):
    final = os.path.join(out, "scaled", "dir")
    if stamped(final, nposts):
        return
    tmp = fresh_tmp(final)
    os.makedirs(tmp)
    size = 0
    for n, (pid, line) in enumerate(scaled_lines(corpus)):
        if n == nposts:
            break
        d = os.path.join(tmp, "d%03d" % (n // 1000))
        if n % 1000 == 0:
            os.makedirs(d)
        with open(os.path.join(d, safe_name(pid) + ".json"), "wb") as g:
            g.write(line[:-1])
        size += len(line) - 1
    finish(tmp, final, nposts)
    print("mkdata: scaled tree: %d posts one file each, %d bytes" % (nposts, size),
          file=sys.stderr)


def main(argv):
    if len(argv) == 4 and argv[1] == "corpus":
        build_corpus(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "scaled-dir":
        build_scaled_dir(argv[2], argv[3], int(argv[4]))
    elif len(argv) in (5, 6) and argv[1] == "scaled-ndjson":
        # "any": keep whatever size is there (enough for a sample)
        build_scaled_ndjson(argv[2], argv[3], int(argv[4]), argv[5:] != ["any"])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
