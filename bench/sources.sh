#!/usr/bin/env bash
# Per source of ../shared/corpus: posts packed, input bytes, `zstd -3` of the
# input, bundle bytes (each corpus file packed alone, then summed), and pack
# throughput (input bytes / summed wall time of `afmt pack`).  Usage:
#   bench/sources.sh [BUILD_DIR]      (default build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
afmt="$root/${1:-build}/afmt"
corpus="$root/../shared/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$afmt" keygen -W -s "$tmp/k.key" -p "$tmp/k.pub" >/dev/null
printf '%-10s %6s %7s %12s %12s %12s %8s %8s %10s\n' source files posts input zstd-3 bundle b/in b/zstd 'pack MB/s'
for src in reddit_json pushshift_ndjson hackernews mbox mastodon discourse stackexchange nntp; do
    files=0 posts=0 input=0 z=0 bundle=0 ns=0
    while IFS= read -r -d '' f; do
        files=$((files + 1))
        input=$((input + $(stat -c %s "$f")))
        z=$((z + $(zstd -3 -c -q "$f" | wc -c)))
        t0=$(date +%s%N)
        "$afmt" pack -f -s "$tmp/k.key" -o "$tmp/b.afmt" "$f"
        ns=$((ns + $(date +%s%N) - t0))
        bundle=$((bundle + $(stat -c %s "$tmp/b.afmt")))
        p=$("$afmt" verify --json -p "$tmp/k.pub" "$tmp/b.afmt" | jq .posts)
        posts=$((posts + p))
        rm -f "$tmp/b.afmt"
    done < <(find "$corpus/$src" -type f ! -name '*.md' -print0 | sort -z)
    awk -v s="$src" -v f="$files" -v p="$posts" -v i="$input" -v z="$z" -v b="$bundle" -v ns="$ns" \
        'BEGIN { printf "%-10s %6d %7d %12d %12d %12d %8.3f %8.2f %10.1f\n", s, f, p, i, z, b, b / i, b / z, i / (ns / 1e9) / 1e6 }'
done
