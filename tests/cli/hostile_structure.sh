#!/usr/bin/env bash
# hostile_structure.sh - hostile bundles, structure (issue 5, item 1): empty
# and tiny files, wrong magic, version, flags and algorithm ids, appended
# bytes, a second index or checkpoint, absurd counts (ten million entries
# in a tiny file; index header counts that would make a reader size a huge
# page directory or huge pages, against an index of a few hundred bytes),
# overlapping and out-of-range table rows, references to content that is
# not stored and the reverse, duplicate ids and paths.
# Each case goes through verify, list, cat and extract (tests/hostile/lib.bash
# says what is checked); the expectations are in tests/hostile/gen_hostile.c.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen valid,empty,header,append,second,counts,tables,refs,duplicates
rob_manifest
rob_finish hostile
