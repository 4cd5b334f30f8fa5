#!/usr/bin/env python3
"""bench.py - afmt against `tar | zstd -3 -T0` + minisign, on the same input in
the same run (issue 6).  Called by bench/run; see bench/README.md.

Environment (bench/run sets the paths):
  AFMT          the afmt command (when it is missing or has no `verify`, the
                afmt side is driven by the library helper and the table says so)
  HELPER        bench/afmt_bench.c built (afmt-bench)
  BENCH_DATA    the workload cache (built once, reused)
  BENCH_WORK    bundles, archives and keys of this run
  BENCH_SCALE   full (default: corpus, 100k-file tree, 1M-post NDJSON) or
                quick (no 1M-post NDJSON)
  BENCH_RUNS    timed runs of each side per measurement (default 5)
  BENCH_SWEEP   1 (default) to run the block-size and dictionary study
  CORPUS        ../shared/corpus
"""
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = os.environ
AFMT = ENV.get("AFMT", "")
HELPER = ENV["HELPER"]
DATA = ENV["BENCH_DATA"]
WORK = ENV["BENCH_WORK"]
SCALE = ENV.get("BENCH_SCALE", "full")
RUNS = max(1, int(ENV.get("BENCH_RUNS", "5")))
SWEEP = ENV.get("BENCH_SWEEP", "1") == "1"
CORPUS = ENV["CORPUS"]

SCALED_POSTS = 1_000_000
SCALED_DIR_POSTS = 100_000

# Issue 6, item 3.
LIMIT_PACK_MBS = 460.0     # on two cores, level 3, as the issue states
LIMIT_VERIFY_MBS = 1100.0

LOG = []


def say(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ running

class Result:
    def __init__(self, wall, rss_kb, rc, err):
        self.wall, self.rss_kb, self.rc, self.err = wall, rss_kb, rc, err


def run(cmd, stdout=subprocess.DEVNULL, check=True):
    """Runs argv (a list) or a bash command line (a str) through the helper's
    `run`: wall seconds, and the peak RSS of the largest process of the tree
    (what /usr/bin/time -v reports)."""
    argv = ["bash", "-c", cmd] if isinstance(cmd, str) else cmd
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as res:
        p = subprocess.run([HELPER, "run", res.name] + argv, stdin=subprocess.DEVNULL,
                           stdout=stdout, stderr=err)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        fields = res.read().split()
    if p.returncode != 0 or len(fields) != 3:
        raise SystemExit("bench: the helper failed on: %s\n%s" % (show(cmd), text))
    wall, rss, rc = float(fields[0]), int(fields[1]), int(fields[2])
    if check and rc != 0:
        raise SystemExit("bench: failed (exit %d): %s\n%s" % (rc, show(cmd), text))
    return Result(wall, rss, rc, text)


def show(cmd):
    return cmd if isinstance(cmd, str) else " ".join(shlex.quote(c) for c in cmd)


def timed_group(label, cmds, runs=RUNS, log=True):
    """Runs each command `runs` times, rotating which goes first; returns one
    [Result] per command.  The first is afmt, the second the pipeline."""
    res = [[] for _ in cmds]
    if log:
        LOG.append((label, show(cmds[0]), show(cmds[1])))
    for i in range(runs):
        for k in range(len(cmds)):
            j = (i + k) % len(cmds)
            res[j].append(run(cmds[j]))
    return res


def timed_pair(label, a, b, runs=RUNS):
    return timed_group(label, [a, b], runs)


def med(rs, key=lambda r: r.wall):
    return statistics.median(key(r) for r in rs)


# ------------------------------------------------------------------ machine

def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    def ver(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    try:
        top = os.path.dirname(HERE)
        rev = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip() or "?"
        dirty = subprocess.run(["git", "-C", top, "status", "--porcelain", "--",
                                "libarchive_fmt", "include", "tools"],
                               capture_output=True, text=True).stdout.strip()
        source = rev + (" with uncommitted changes" if dirty else "")
    except OSError:
        source = "?"
    return {
        "source": source,
        "nproc": os.cpu_count(), "cpu": model, "mem_mb": mem,
        "zstd": "zstd " + (re.findall(r"v[\d.]+", ver(["zstd", "--version"])) or ["?"])[0],
        "tar": ver(["tar", "--version"]),
        "minisign": ver(["minisign", "-v"]),
    }


def primitives(sample):
    """This machine's single-core speeds: zstd -3 on 256 KiB blocks of a
    sample of posts, and libsodium BLAKE2b-256."""
    out = subprocess.run(["zstd", "-b3", "-T1", "-B262144", "-i2", sample],
                         capture_output=True, text=True)
    m = re.findall(r"\(x([\d.]+)\),\s+([\d.]+) MB/s,\s+([\d.]+) MB/s", out.stdout + out.stderr)
    ratio, comp, decomp = (float(x) for x in m[-1]) if m else (3.5, 330.0, 2000.0)
    h = subprocess.run([HELPER, "hash", "64"], capture_output=True, text=True).stdout
    hm = re.search(r"libsodium\s+([\d.]+) MB/s", h)
    blake = float(hm.group(1)) if hm else 760.0
    n = os.cpu_count() or 1
    # pack: compress + hash the content + hash the compressed block;
    # verify: hash the compressed block + decompress + hash the content.
    per_byte_pack = 1 / comp + (1 + 1 / ratio) / blake
    per_byte_verify = 1 / decomp + (1 + 1 / ratio) / blake
    return {"zstd_ratio": ratio, "zstd_c_mbs": comp, "zstd_d_mbs": decomp,
            "blake2b_mbs": blake, "cores": n,
            "limit_pack_mbs": n / per_byte_pack, "limit_verify_mbs": n / per_byte_verify}


# ---------------------------------------------------------------- workloads

def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path), 1
    total = files = 0
    for root, _, names in os.walk(path):
        for n in names:
            total += os.path.getsize(os.path.join(root, n))
            files += 1
    return total, files


def middle_file(top, sub):
    """The middle file (in byte order, depth first) below top/sub."""
    paths = []
    for root, dirs, names in os.walk(os.path.join(top, sub)):
        dirs.sort()
        for n in sorted(names):
            paths.append(os.path.relpath(os.path.join(root, n), top))
    paths.sort(key=lambda p: p.encode())
    return paths[len(paths) // 2]


def middle_line_id(path, nlines):
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i == nlines // 2:
                return json.loads(line)["id"], line.rstrip(b"\n")
    raise SystemExit("bench: %s is short" % path)


class Workload:
    def __init__(self, name, desc, parent, member, kind, posts, read_id, read_bytes,
                 tar_read):
        self.name, self.desc, self.parent, self.member = name, desc, parent, member
        self.kind, self.posts, self.read_id, self.read_bytes = kind, posts, read_id, read_bytes
        self.tar_read = tar_read  # the pipeline's command to read that post
        self.input = os.path.join(parent, member)
        self.bytes, self.files = du(self.input)


def workloads():
    py = sys.executable
    t = time.perf_counter()
    mk = [py, os.path.join(HERE, "mkdata.py")]
    subprocess.run(mk + ["corpus", CORPUS, DATA], check=True)
    subprocess.run(mk + ["scaled-dir", CORPUS, DATA, str(SCALED_DIR_POSTS)], check=True)
    # The sample for the machine's zstd speed comes from the NDJSON posts.
    subprocess.run(mk + ["scaled-ndjson", CORPUS, DATA] +
                   ([str(SCALED_POSTS)] if SCALE == "full" else ["20000", "any"]), check=True)
    say("bench: workloads ready in %s (%.1f s)" % (DATA, time.perf_counter() - t))
    out = []
    c = DATA
    rid = middle_file(os.path.join(c, "corpus"), "posts")
    with open(os.path.join(c, "corpus", rid), "rb") as f:
        rb = f.read()
    nposts = du(os.path.join(c, "corpus", "posts"))[1]
    out.append(Workload(
        "corpus", "every corpus post one file each (%d) plus the corpus files" % nposts,
        c, "corpus", "dir", nposts, rid, rb, None))
    sd = os.path.join(c, "scaled")
    rid = middle_file(os.path.join(sd, "dir"), "")
    with open(os.path.join(sd, "dir", rid), "rb") as f:
        rb = f.read()
    out.append(Workload(
        "scaled-100k-files", "the first %d scaled posts, one file each" % SCALED_DIR_POSTS,
        sd, "dir", "dir", SCALED_DIR_POSTS, rid, rb, None))
    if SCALE == "full":
        lid, line = middle_line_id(os.path.join(sd, "posts.ndjson"), SCALED_POSTS)
        out.append(Workload(
            "scaled-1M-ndjson",
            "corpus posts repeated with distinct ids: %d NDJSON lines in one file"
            % SCALED_POSTS, sd, "posts.ndjson", "ndjson", SCALED_POSTS, lid, line, None))
    for w in out:
        mt = "%s/%s" % (w.member, w.read_id) if w.kind == "dir" else w.member
        if w.kind == "dir":
            w.tar_read = "zstd -dc @ARCHIVE@ | tar -xOf - %s" % shlex.quote(mt)
        else:
            # The post is one line of the archived file: decompress and
            # extract until it comes by (grep stops there; tar gets SIGPIPE).
            pat = '"id":%s' % json.dumps(w.read_id)
            w.tar_read = "zstd -dc @ARCHIVE@ | tar -xOf - %s | grep -m1 -F %s" % (
                shlex.quote(mt), shlex.quote(pat))
    return out


# --------------------------------------------------------------------- afmt

class AfmtSide:
    """The afmt command, or the library helper standing in for it."""

    def __init__(self, sk, pk):
        self.sk, self.pk = sk, pk
        self.cmd = AFMT if AFMT and os.access(AFMT, os.X_OK) else ""
        if self.cmd:
            r = subprocess.run([self.cmd, "verify", "--help"], capture_output=True)
            if r.returncode != 0:
                say("bench: %s has no working `verify`: the afmt side uses the library helper"
                    % self.cmd)
                self.cmd = ""
        self.name = "afmt" if self.cmd else "afmt (library helper)"

    def keygen(self):
        if self.cmd:
            run([self.cmd, "keygen", "-W", "-f", "-s", self.sk, "-p", self.pk])
        else:
            run([HELPER, "keygen", self.sk, self.pk])

    def pack(self, w, out):
        if self.cmd:
            fmt = ["--format", "ndjson"] if w.kind == "ndjson" else []
            return [self.cmd, "pack", "-f", "-s", self.sk, "-o", out] + fmt + [w.input]
        return [HELPER, "pack", self.sk, out, "262144", "3", "0", w.kind, w.input]

    def verify(self, b):
        return [self.cmd, "verify", "-p", self.pk, b] if self.cmd else [HELPER, "verify", b]

    def list(self, b):
        return [self.cmd, "list", "--json", b] if self.cmd else [HELPER, "ids", b]

    def cat(self, b, pid):
        return [self.cmd, "cat", b, pid] if self.cmd else [HELPER, "cat", b, pid]


# -------------------------------------------------------------------- bench

def bench_workload(w, side, mk, mp):
    say("bench: %s: %d files, %.1f MB" % (w.name, w.files, w.bytes / 1e6))
    b = os.path.join(WORK, w.name + ".afmt")
    x = os.path.join(WORK, w.name + ".tar.zst")
    pipe_pack = "tar -C %s -cf - %s | zstd -3 -T0 -q -f -o %s && minisign -S -s %s -m %s" % (
        shlex.quote(w.parent), shlex.quote(w.member), shlex.quote(x), shlex.quote(mk),
        shlex.quote(x))
    pipe_pack_sync = pipe_pack + " && sync %s %s.minisig" % (shlex.quote(x), shlex.quote(x))
    pipe_verify = "minisign -V -q -p %s -m %s && zstd -t -q %s" % (
        shlex.quote(mp), shlex.quote(x), shlex.quote(x))
    pipe_list = "tar -tf %s" % shlex.quote(x)
    pipe_read = w.tar_read.replace("@ARCHIVE@", shlex.quote(x))
    r = {"workload": w.name, "desc": w.desc, "input_bytes": w.bytes, "files": w.files,
         "posts": w.posts, "read_id": w.read_id}

    # afmt fsyncs its output before the rename; the pipeline does not.  The
    # same pipeline made durable (coreutils `sync FILE` fsyncs it) runs in the
    # same rotation, for information.
    pa, pb, ps = timed_group("%s: pack" % w.name, [side.pack(w, b), pipe_pack, pipe_pack_sync])
    LOG.append(("%s: pack, pipeline made durable (information)" % w.name, "", pipe_pack_sync))
    # Correctness, once: both sides give back the post.
    got_a = subprocess.run(side.cat(b, w.read_id), capture_output=True).stdout
    got_b = subprocess.run(["bash", "-c", pipe_read], capture_output=True).stdout
    if w.kind == "ndjson":  # grep prints the line with its newline
        got_b = got_b[:-1] if got_b.endswith(b"\n") else got_b
    if got_a != w.read_bytes or got_b != w.read_bytes:
        raise SystemExit("bench: %s: the post read back differs (afmt %s, pipeline %s)" % (
            w.name, got_a == w.read_bytes, got_b == w.read_bytes))
    va, vb = timed_pair("%s: verify" % w.name, side.verify(b), pipe_verify)
    la, lb = timed_pair("%s: list" % w.name, side.list(b), pipe_list)
    ra, rb = timed_pair("%s: read one" % w.name, side.cat(b, w.read_id), pipe_read,
                        runs=max(RUNS, 5))
    # In one process: the open (which checks the whole index) and the read,
    # then afmt_lookup_post (what `afmt cat` does) from the path each time.
    rd = subprocess.run([HELPER, "reads", b, "9", w.read_id], capture_output=True, text=True)
    r["inproc"] = parse_reads(rd.stdout)
    if r["inproc"] is None:
        say("bench: %s: afmt-bench reads failed: %s" % (w.name, rd.stderr.strip()))
    size_a = os.path.getsize(b)
    r["afmt_parts"] = bundle_parts(b)
    size_b = os.path.getsize(x) + os.path.getsize(x + ".minisig")
    r.update({
        "pack_s": (med(pa), med(pb)), "pack_sync_s": med(ps), "verify_s": (med(va), med(vb)),
        "list_s": (med(la), med(lb)), "read_s": (med(ra), med(rb)),
        "size": (size_a, size_b),
        "pack_rss_kb": (max(x.rss_kb for x in pa), max(x.rss_kb for x in pb)),
        "verify_rss_kb": (max(x.rss_kb for x in va), max(x.rss_kb for x in vb)),
        "runs": {"pack": ([x.wall for x in pa], [x.wall for x in pb]),
                 "verify": ([x.wall for x in va], [x.wall for x in vb]),
                 "list": ([x.wall for x in la], [x.wall for x in lb]),
                 "read": ([x.wall for x in ra], [x.wall for x in rb])},
    })
    return r


def parse_reads(out):
    """`afmt-bench reads` output: {open_ms, read_us, lookup_us} (lookup_us
    None from a helper without it), or None."""
    m = re.search(r"open_ms ([\d.]+) read_us_median ([\d.]+)", out)
    if not m:
        return None
    lk = re.search(r"lookup_us_median ([\d.]+)", out)
    return {"open_ms": float(m.group(1)), "read_us": float(m.group(2)),
            "lookup_us": float(lk.group(1)) if lk else None}


def bundle_parts(path):
    """The bundle's bytes by part, or None when the file is not a bundle:
    blocks, index, rest (header, checkpoint, signature, trailer) from the
    trailer (spec/FORMAT.md section 4); and, from the index header and page
    directory of draft 1.2 (section 7), the index split into "records" (the
    record pages), "ids" (the id pages) and "head" (index header, directory,
    block table and blob table pages), with page counts; None for those
    when the index does not read as draft 1.2."""
    le = lambda b: int.from_bytes(b, "little")
    total = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(-32, os.SEEK_END)
        t = f.read(32)
        if t[24:] != bytes([0x1A, 0x0A, 0x0D, 0x54, 0x4D, 0x46, 0x41, 0x8A]):
            return None
        index_offset, index_size = le(t[0:8]), le(t[8:16])
        out = {"blocks": index_offset - 16, "index": index_size,
               "rest": total - (index_offset - 16) - index_size,
               "records": None, "ids": None, "head": None}
        if index_size < 56 or index_offset + index_size > total:
            return out
        f.seek(index_offset)
        h = f.read(56)
        compression, post_count, record_pages = le(h[0:4]), le(h[16:24]), le(h[40:48])
        id_pages = (post_count + 4095) // 4096
        page_count = 2 + record_pages + id_pages
        dir_end = 56 + 48 * page_count
        if compression != 1 or dir_end > index_size:
            return out
        d = f.read(48 * page_count)
    csize = [le(d[48 * i:48 * i + 4]) for i in range(page_count)]
    if dir_end + sum(csize) != index_size:
        return out
    out.update({"records": sum(csize[2:2 + record_pages]), "record_pages": record_pages,
                "ids": sum(csize[2 + record_pages:]), "id_pages": id_pages,
                "head": dir_end + csize[0] + csize[1]})
    return out


def fmt_table(r, prim, sidename):
    rows = []
    def row(what, a, b, unit, target=None, ok=None):
        ratio = a / b if b else float("nan")
        t = "" if target is None else target
        m = "" if ok is None else ("yes" if ok else "NO")
        rs = ("%7.4f" if ratio < 0.1 else "%7.2f") % ratio
        rows.append("  %-22s %12s %12s %sx  %-18s %s" % (what, unit(a), unit(b), rs, t, m))
    s = lambda v: "%.3f s" % v
    ms = lambda v: "%.1f ms" % (v * 1e3)
    mb = lambda v: "%.2f MB" % (v / 1e6)
    kb = lambda v: "%.1f MB" % (v / 1024)
    pa, pb = r["pack_s"]
    sa, sb = r["size"]
    va, vb = r["verify_s"]
    full = r["workload"] == "scaled-1M-ndjson"
    row("pack time", pa, pb, s, "<=0.80x, size<=1x", pa <= 0.8 * pb and sa <= sb)
    row("pack, pipeline+fsync", pa, r["pack_sync_s"], s, "(information)")
    row("bundle size", sa, sb, mb, "<=1.00x", sa <= sb)
    p = r.get("afmt_parts")
    if p:
        rows.append("    afmt: blocks %.2f MB, index %.2f MB (%.0f bytes a post), other %d bytes"
                    % (p["blocks"] / 1e6, p["index"] / 1e6, p["index"] / max(1, r["posts"]),
                       p["rest"]))
        if p["records"] is not None:
            rows.append("    afmt index: record pages %.2f MB (%d), id pages %.2f MB (%d), "
                        "header + directory + block and blob tables %.2f MB" % (
                            p["records"] / 1e6, p["record_pages"], p["ids"] / 1e6,
                            p["id_pages"], p["head"] / 1e6))
    row("verify time", va, vb, s, "<=1.00x (0.85x)", va <= vb)
    la, lb = r["list_s"]
    row("list all", la, lb, s, "<2 s" if full else None, (la < 2) if full else None)
    ra, rb = r["read_s"]
    row("read one post", ra, rb, ms, ">=100x faster, <10ms" if full else None,
        (rb / ra >= 100 and ra < 0.010) if full else None)
    ip = r.get("inproc")
    if ip:
        rows.append("    afmt, in one process: open %.1f ms (checks the whole index), then "
                    "find + read %.0f us; lookup %s (afmt_lookup_post from the path, "
                    "what `afmt cat` does)" % (
                        ip["open_ms"], ip["read_us"],
                        "%.0f us" % ip["lookup_us"] if ip["lookup_us"] is not None else "?"))
    a, b = r["pack_rss_kb"]
    row("peak RSS pack", a, b, kb, "<256 MB" if full else None, (a < 256 * 1024) if full else None)
    a, b = r["verify_rss_kb"]
    row("peak RSS verify", a, b, kb, "<64 MB" if full else None, (a < 64 * 1024) if full else None)
    tp = lambda v: "%.0f MB/s" % v
    n = r["input_bytes"] / 1e6
    row("pack throughput", n / pa, n / pb, tp, ">=%.0f (limit/2)" % (LIMIT_PACK_MBS / 2),
        n / pa >= LIMIT_PACK_MBS / 2)
    row("verify throughput", n / va, n / vb, tp, ">=%.0f (limit/2)" % (LIMIT_VERIFY_MBS / 2),
        n / va >= LIMIT_VERIFY_MBS / 2)
    head = ("%s: %s\n  input %.1f MB in %d files, %d posts; read-one id %s\n"
            "  %-22s %12s %12s %8s  %-18s %s" % (
                r["workload"], r["desc"], r["input_bytes"] / 1e6, r["files"], r["posts"],
                r["read_id"], "median of runs", sidename[:12], "pipeline", "ratio", "target",
                "met"))
    return head + "\n" + "\n".join(rows)


# -------------------------------------------------------------------- sweep

def sweep(sk, corpus_w):
    """Block sizes on the corpus, and what a trained dictionary would give."""
    out = {"blocks": []}
    ids = [corpus_w.read_id]
    posts = []
    top = corpus_w.input
    for root, dirs, names in os.walk(os.path.join(top, "posts")):
        dirs.sort()
        for n in sorted(names):
            posts.append(os.path.relpath(os.path.join(root, n), top))
    posts.sort(key=lambda p: p.encode())
    ids = [posts[i * len(posts) // 8 + len(posts) // 16] for i in range(8)]
    for bs in (64, 128, 256, 512, 1024):
        b = os.path.join(WORK, "sweep-%dk.afmt" % bs)
        cmd = [HELPER, "pack", sk, b, str(bs * 1024), "3", "0", "dir", top]
        times = [run(cmd).wall for _ in range(max(3, RUNS))]
        m = parse_reads(subprocess.run([HELPER, "reads", b, "20"] + ids, capture_output=True,
                                       text=True, check=True).stdout)
        # The helper's cat is the lookup, as `afmt cat`.
        cat_ms = statistics.median(run([HELPER, "cat", b, ids[0]]).wall for _ in range(9))
        out["blocks"].append({"kib": bs, "size": os.path.getsize(b),
                              "pack_s": statistics.median(times),
                              "open_ms": m["open_ms"], "read_us": m["read_us"],
                              "lookup_us": m["lookup_us"], "cat_ms": cat_ms * 1e3})
        os.unlink(b)
    # Dictionary: trained on every other post, measured on the others.
    lists = {}
    for part in ("train", "test"):
        sel = posts[0::2] if part == "train" else posts[1::2]
        p = os.path.join(WORK, "dict-%s.list" % part)
        with open(p, "w") as f:
            f.write("".join(os.path.join(top, x) + "\n" for x in sel))
        lists[part] = p
    out["dict"] = []
    for dsize in (16 * 1024, 112640):
        d = os.path.join(WORK, "dict-%d" % dsize)
        subprocess.run(["zstd", "--train", "-q", "-f", "-3", "--maxdict=%d" % dsize,
                        "--filelist", lists["train"], "-o", d], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for bs in (64, 256):
            res = subprocess.run([HELPER, "dict", d, "3", str(bs * 1024), lists["test"]],
                                 capture_output=True, text=True, check=True).stdout
            v = dict(zip(res.split()[0::2], (int(x) for x in res.split()[1::2])))
            v["block_kib"] = bs
            out["dict"].append(v)
    return out


def fmt_sweep(sw):
    lines = ["block size on the corpus workload (library helper, level 3, default threads; "
             "median of runs)",
             "  %-8s %12s %10s %10s %14s %10s %12s" % ("block", "bundle", "pack", "open",
                                                        "find + read", "lookup",
                                                        "cat (proc)")]
    for b in sw["blocks"]:
        lk = b.get("lookup_us")
        lines.append("  %-8s %9.2f MB %8.3f s %7.1f ms %11.0f us %10s %9.1f ms" % (
            "%d KiB" % b["kib"] if b["kib"] < 1024 else "1 MiB", b["size"] / 1e6, b["pack_s"],
            b["open_ms"], b["read_us"], "%.0f us" % lk if lk is not None else "?",
            b["cat_ms"]))
    lines.append("  (open, then find + read in that reader; lookup: afmt_lookup_post from the "
                 "path, in process; cat: the helper's cat, the same lookup in a process)")
    lines.append("trained zstd dictionary (zstd --train on every other corpus post, measured "
                 "on the others, level 3)")
    lines.append("  %-10s %-7s %10s %12s %12s %12s %12s" % (
        "dict", "block", "raw", "alone", "alone+dict", "blocks", "blocks+dict"))
    for d in sw["dict"]:
        r = d["raw"]
        lines.append("  %-10s %-7s %7.2f MB %6.2f MB x%.2f %6.2f MB x%.2f %6.2f MB x%.2f "
                     "%6.2f MB x%.2f" % (
                         "%d KiB" % (d["dict"] // 1024), "%d KiB" % d["block_kib"], r / 1e6,
                         d["alone"] / 1e6, r / d["alone"], d["alone_dict"] / 1e6,
                         r / d["alone_dict"], d["blocks"] / 1e6, r / d["blocks"],
                         d["blocks_dict"] / 1e6, r / d["blocks_dict"]))
    return "\n".join(lines)


def main():
    os.makedirs(WORK, exist_ok=True)
    t0 = time.perf_counter()
    m = machine()
    m["load_start"] = os.getloadavg()
    if m["load_start"][0] > 0.5:
        say("bench: warning: load average %.2f: other work is running, timings will be noisy"
            % m["load_start"][0])
    ws = workloads()
    sample = os.path.join(WORK, "sample.ndjson")
    with open(os.path.join(DATA, "scaled", "posts.ndjson"), "rb") as f, open(sample, "wb") as g:
        g.write(f.read(16 << 20))
    prim = primitives(sample)
    sk, pk = os.path.join(WORK, "bench.key"), os.path.join(WORK, "bench.pub")
    mk, mp = os.path.join(WORK, "minisign.key"), os.path.join(WORK, "minisign.pub")
    side = AfmtSide(sk, pk)
    side.keygen()
    if not os.path.exists(mk):
        run(["minisign", "-G", "-W", "-f", "-p", mp, "-s", mk])
    results = []
    for w in ws:
        results.append(bench_workload(w, side, mk, mp))
    sw = None
    if SWEEP:
        hk = os.path.join(WORK, "helper.key")
        run([HELPER, "keygen", hk, os.path.join(WORK, "helper.pub")])
        sw = sweep(hk, ws[0])
    elapsed = time.perf_counter() - t0
    m["load_end"] = os.getloadavg()

    print()
    print("afmt benchmark: %s vs `tar -cf - | zstd -3 -T0` + `minisign -S`" % side.name)
    built = os.path.dirname(AFMT)
    if built.startswith(os.path.dirname(HERE) + os.sep):
        built = os.path.relpath(built, os.path.dirname(HERE))
    print("afmt source: git %s, built in %s" % (m["source"], built))
    print("machine: %d cores, %s, %d MB RAM; %s; %s; %s" % (
        m["nproc"], m["cpu"], m["mem_mb"], m["zstd"], m["tar"], m["minisign"]))
    print("this machine, one core: zstd -3 %.0f MB/s compress, %.0f MB/s decompress "
          "(x%.2f, 256 KiB blocks); BLAKE2b-256 %.0f MB/s (libsodium)" % (
              prim["zstd_c_mbs"], prim["zstd_d_mbs"], prim["zstd_ratio"], prim["blake2b_mbs"]))
    print("limits on %d cores from those: pack %.0f MB/s, verify %.0f MB/s "
          "(issue 6 states 460 and 1100)" % (prim["cores"], prim["limit_pack_mbs"],
                                             prim["limit_verify_mbs"]))
    print("%d runs each, alternating afmt and pipeline; page cache warm; ratio = afmt / "
          "pipeline; load average %.2f at start, %.2f at end (1 min)" % (
              RUNS, m["load_start"][0], m["load_end"][0]))
    for r in results:
        print()
        print(fmt_table(r, prim, side.name))
    if sw:
        print()
        print(fmt_sweep(sw))
    print()
    print("commands (BENCH_DATA=%s, BENCH_WORK=%s):" % (DATA, WORK))
    def short(c):
        for path, name in ((WORK, "$BENCH_WORK"), (DATA, "$BENCH_DATA"), (HELPER, "afmt-bench"),
                           (AFMT, "afmt")):
            c = c.replace(path, name)
        return c
    for label, a, b in LOG:
        a, b = short(a), short(b)
        print("  %s" % label)
        if a:
            print("    afmt:     %s" % a)
        print("    pipeline: %s" % b)
    print("\nbench: done in %.0f s; results in %s" % (elapsed, os.path.join(WORK,
                                                                          "results.json")))
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({"machine": m, "primitives": prim, "runs": RUNS, "side": side.name,
                   "results": results, "sweep": sw, "commands": LOG}, f, indent=1)


if __name__ == "__main__":
    main()
