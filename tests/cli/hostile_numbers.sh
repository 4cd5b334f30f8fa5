#!/usr/bin/env bash
# hostile_numbers.sh - hostile bundles, numbers (issue 5, item 1): every
# count, size and offset of the trailer, index header, tables and entries
# set to 0, 1, 2^32-1, 2^32, 2^63 and 2^64-1 (each re-signed so that it
# reaches the parser behind the signature), and sums that wrap around 2^64
# to the value a careless reader expects.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen numbers,overflow
rob_manifest
rob_finish hostile
