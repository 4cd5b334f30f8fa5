#!/usr/bin/env bash
# hostile_zstd.sh - hostile bundles, compression (issue 5, item 1): block
# frames and index page frames (a record page, the block and blob tables, an
# id page) with a flipped bit, a missing or lying content size, a window
# above 2^28, a dictionary id, skippable or concatenated frames, and
# decompression bombs: a 256 MiB block within the ratio bound (allowed) and
# one of zeros over it (refused: spec 7.3), tiny frames that
# would decode to far more than they declare, index pages that do, a 1 MiB
# page frame declaring 1 GiB, a thousand record pages of 1 MiB of zeros
# each (within the per-page bound of spec 7.2).  Run under the memory limit.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen zstd,pageframe,bomb
rob_manifest
rob_finish hostile
