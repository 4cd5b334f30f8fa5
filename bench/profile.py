#!/usr/bin/env python3
"""profile.py - where afmt's pack, verify, cat and list spend their time.
Called by `bench/run profile` after `bench/run` has built the workloads and
bundles (it packs what is missing).

Two tools, both on the afmt command:
  callgrind  instructions executed, exact and unaffected by other load: the
             inclusive share of the functions that matter (content hash, salt
             and leaf hashes, sets, entry coding, media type, JSON, zstd...),
             on inputs small enough for valgrind (the corpus, 20k NDJSON lines,
             the 100k-post bundle);
  perf       (`perf record -e cpu-clock`, a software clock: hardware counters
             such as `perf stat -e instructions` are not available in these
             VMs) on the full-size runs: CPU time per thread, per library, and
             the main thread's top symbols, kernel included.
Environment as for bench.py (bench/run sets it).
"""
import json
import os
import re
import shutil
import subprocess
import sys

ENV = os.environ
AFMT = ENV["AFMT"]
DATA = ENV["BENCH_DATA"]
WORK = ENV["BENCH_WORK"]
PROF = os.path.join(WORK, "profile")
SK, PK = os.path.join(WORK, "bench.key"), os.path.join(WORK, "bench.pub")

# Functions whose inclusive cost is reported (substring of callgrind's name).
FOCUS = [
    ("afmt_content_hash", "BLAKE2b-256 of contents, blocks, index"),
    ("afmt_hash_salt", "salt: keyed BLAKE2b per entry"),
    ("afmt_hash_leaf", "Merkle leaf BLAKE2b per entry"),
    ("afmt_merkle_stream_push", "Merkle nodes"),
    ("crypto_shorthash", "SipHash of the hash sets"),
    ("afmt_set_insert", "hash sets: insert"),
    ("afmt_set_find", "hash sets: find"),
    ("afmt_entry_encode_post", "entry encoding"),
    ("afmt_entry_decode", "entry decoding"),
    ("afmt_block_compress", "zstd compress (blocks)"),
    ("afmt_block_decompress", "zstd decompress (blocks)"),
    ("ZSTD_compress", "zstd compress (all)"),
    ("ZSTD_decompress", "zstd decompress (all)"),
    ("afmt_writer_finish", "writer finish (index, sign)"),
    ("cli_guess_media_type", "media type guess (UTF-8 scan)"),
    ("afmt_utf8_valid", "UTF-8 validation"),
    ("json_loadb", "jansson parse"),
    ("afmt_import", "importer"),
    ("cli_dir_scan", "directory scan"),
    ("cli_dir_import", "directory import"),
    ("afmt_reader_open", "reader open"),
    ("afmt_reader_open_trusted", "reader open (with trusted keys)"),
    ("afmt_reader_verify", "full verification"),
    ("afmt_lookup_post", "lookup of one post (afmt cat, spec 10.1)"),
    ("afmt_rd_open_head", "open up to the index head (signature, directory)"),
    ("afmt_reader_read", "read one content"),
    ("afmt_reader_entry", "entry view"),
    ("fwrite", "stdio output"),
    ("printf", "printf family"),
    ("malloc", "malloc"),
    ("free", "free"),
    ("memcpy", "memcpy/memmove"),
]


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def ensure(bundle, argv):
    if not os.path.exists(bundle):
        say("profile: packing %s" % bundle)
        subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)


def callgrind(name, argv):
    out = os.path.join(PROF, "callgrind.%s" % name)
    say("profile: callgrind %s" % name)
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    def annotate(inclusive):
        r = subprocess.run(["callgrind_annotate", "--inclusive=" + inclusive, "--auto=no",
                            "--threshold=100", out], capture_output=True, text=True,
                           check=True).stdout
        # Only the function table: from its header to the next rule.
        head = r.index("file:function")
        table = r[head:].split("\n", 2)[2]
        table = table.split("\n-----", 1)[0]
        total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", r).group(1)
                    .replace(",", ""))
        rows = []
        for line in table.splitlines():
            m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+.*)$", line)
            if m and "PROGRAM TOTALS" not in line:
                rows.append((int(m.group(1).replace(",", "")), m.group(3)))
        return total, rows
    total, incl = annotate("yes")
    _, excl = annotate("no")
    lines = ["callgrind: %s\n  %s\n  %.0f M instructions in all" % (
        name, " ".join(argv), total / 1e6)]
    lines.append("  inclusive (the function and what it calls):")
    for key, what in FOCUS:
        best = 0
        for ir, fn in incl:
            f = fn.split(":", 1)[-1].split(" ")[0]
            if f == key or f.startswith(key + "'") or (key in ("malloc", "free", "memcpy")
                                                         and f.startswith(key)):
                best = max(best, ir)
            elif key in ("ZSTD_compress", "ZSTD_decompress", "crypto_generichash",
                         "crypto_shorthash", "printf") and f.startswith(key):
                best = max(best, ir)
        if best * 1000 >= total:
            lines.append("    %5.1f%%  %8.0f M  %-26s %s" % (100 * best / total, best / 1e6,
                                                            key, what))
    dso = {}
    for ir, fn in excl:
        m = re.search(r"\[(.*?)\]\s*$", fn)
        d = os.path.basename(m.group(1)) if m else "?"
        if "siphash" in fn:
            d = "SipHash (libsodium, hash sets)"
        elif d.startswith("libsodium"):
            d = "BLAKE2b & Ed25519 (libsodium)"
        dso[d] = dso.get(d, 0) + ir
    lines.append("  self, by library: " + ", ".join(
        "%s %.1f%%" % (d, 100 * v / total) for d, v in sorted(dso.items(), key=lambda x: -x[1])
        if v * 200 >= total))
    lines.append("  self (top 12):")
    for ir, fn in excl[:12]:
        lines.append("    %5.1f%%  %8.0f M  %s" % (100 * ir / total, ir / 1e6, fn[:90]))
    return "\n".join(lines)


def perf_ok():
    if shutil.which("perf") is None:
        return False
    r = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", "/dev/null", "true"],
                       capture_output=True)
    return r.returncode == 0


def perf(name, argv):
    out = os.path.join(PROF, "perf.%s" % name)
    say("profile: perf %s" % name)
    for f in (out, out + ".old"):
        if os.path.exists(f):
            os.unlink(f)
    subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1000", "-o", out] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    s = subprocess.run(["perf", "script", "-i", out, "-F", "pid,tid,ip,sym,dso"],
                       capture_output=True, text=True, errors="replace").stdout
    rows = []
    for line in s.splitlines():
        m = re.match(r"\s*(\d+)/(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
    if not rows:
        return "perf: %s: no samples" % name
    per_tid = {}
    for pid, tid, _, _ in rows:
        per_tid[tid] = per_tid.get(tid, 0) + 1
    main = rows[0][0]
    busy = max(per_tid, key=per_tid.get)
    busy_dso, busy_sym = {}, {}
    for _, tid, sym, dso in rows:
        if tid != busy:
            continue
        dso = os.path.basename(dso)
        if not sym or sym.startswith("[unknown]") or re.match(r"^[0-9a-f]+$", sym):
            sym = "(%s)" % dso
        busy_dso[dso] = busy_dso.get(dso, 0) + 1
        busy_sym[sym] = busy_sym.get(sym, 0) + 1
    total = sum(per_tid.values())
    lines = ["perf: %s\n  %s\n  %.2f s of CPU in all (1 kHz cpu-clock samples)" % (
        name, " ".join(argv), total / 1000)]
    lines.append("  threads: " + ", ".join(
        "%s%s %.2f s" % ("main" if t == main else "thread", "*" if t == busy else "", n / 1000)
        for t, n in sorted(per_tid.items())))
    mt = per_tid[busy]
    lines.append("  busiest thread (*) by library: " + ", ".join(
        "%s %.0f%%" % (d, 100 * n / mt) for d, n in sorted(busy_dso.items(),
                                                          key=lambda x: -x[1])[:7]))
    lines.append("  busiest thread, top symbols:")
    for sym, n in sorted(busy_sym.items(), key=lambda x: -x[1])[:14]:
        lines.append("    %5.1f%%  %6.2f s  %s" % (100 * n / mt, n / 1000, sym[:80]))
    return "\n".join(lines)


def main():
    os.makedirs(PROF, exist_ok=True)
    corpus = os.path.join(DATA, "corpus")
    sdir = os.path.join(DATA, "scaled", "dir")
    nd = os.path.join(DATA, "scaled", "posts.ndjson")
    small = os.path.join(PROF, "posts-20k.ndjson")
    with open(nd, "rb") as f, open(small, "wb") as g:
        for i, line in enumerate(f):
            if i == 20000:
                break
            g.write(line)
    b_corpus = os.path.join(WORK, "corpus.afmt")
    b_dir = os.path.join(WORK, "scaled-100k-files.afmt")
    b_1m = os.path.join(WORK, "scaled-1M-ndjson.afmt")
    ensure(b_corpus, [AFMT, "pack", "-s", SK, "-o", b_corpus, corpus])
    ensure(b_dir, [AFMT, "pack", "-s", SK, "-o", b_dir, sdir])
    have_1m = os.path.exists(b_1m)
    # An id in the middle of each bundle.
    ids = {}
    for b in (b_dir, b_1m) if have_1m else (b_dir,):
        r = subprocess.run([AFMT, "list", "--json", b], capture_output=True, text=True,
                           check=True).stdout.splitlines()
        posts = [json.loads(x)["id"] for x in r]
        ids[b] = posts[len(posts) // 2]
    out = []
    tmp = os.path.join(PROF, "out.afmt")
    out.append(callgrind("pack corpus", [AFMT, "pack", "-f", "-s", SK, "-o", tmp, corpus]))
    out.append(callgrind("pack 20k NDJSON lines", [AFMT, "pack", "-f", "-s", SK, "-o", tmp,
                                                   "--format", "ndjson", small]))
    out.append(callgrind("verify corpus", [AFMT, "verify", "-p", PK, b_corpus]))
    out.append(callgrind("cat one post of the 100k-file bundle",
                         [AFMT, "cat", b_dir, ids[b_dir]]))
    out.append(callgrind("list --json the 100k-file bundle", [AFMT, "list", "--json", b_dir]))
    if perf_ok():
        out.append(perf("pack 100k files", [AFMT, "pack", "-f", "-s", SK, "-o", tmp, sdir]))
        out.append(perf("verify 100k files", [AFMT, "verify", "-p", PK, b_dir]))
        if have_1m:
            out.append(perf("pack 1M NDJSON", [AFMT, "pack", "-f", "-s", SK, "-o", tmp, "--format",
                                                "ndjson", nd]))
            out.append(perf("verify 1M NDJSON", [AFMT, "verify", "-p", PK, b_1m]))
            out.append(perf("cat one post of 1M", [AFMT, "cat", b_1m, ids[b_1m]]))
            out.append(perf("list --json 1M", [AFMT, "list", "--json", b_1m]))
    else:
        out.append("perf: not usable here (perf record -e cpu-clock failed): callgrind only")
    if os.path.exists(tmp):
        os.unlink(tmp)
    print("\n\n".join(out))


if __name__ == "__main__":
    main()
