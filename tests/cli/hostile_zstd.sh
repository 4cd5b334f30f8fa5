#!/usr/bin/env bash
# hostile_zstd.sh - hostile bundles, compression (issue 5, item 1): block and
# index frames with a flipped bit, a missing or lying content size, a window
# above 2^28, a dictionary id, skippable or concatenated frames, and
# decompression bombs (a 256 MiB block that is allowed, and tiny frames that
# would decode to far more than they declare).  Run under the memory limit.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen zstd,indexframe,bomb
rob_manifest
rob_finish hostile
