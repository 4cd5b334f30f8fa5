#!/usr/bin/env bash
# hostile_index.sh - hostile bundles, the paged index of draft 1.2 (issue 5,
# item 1): page directories whose rows lie (`first` of record and id pages,
# sizes, csizes, hashes), pages that do not tile the index (a byte between
# them, after them, a frame too many, boundaries moved), records cut across
# pages or moved to the wrong page, empty record pages; id tables whose rows
# are out of range, repeated, name files, are out of order or missing, runs
# of posts with one id (one id key) and a duplicate straddling two id pages;
# posts whose record names the wrong place (block, offset) for their
# content.  Each case goes through verify, list, cat and extract
# (tests/hostile/lib.bash); `cat` reads only its way to the post (spec
# 10.1): whatever it prints must be the post's signed bytes.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen directory,idtable,places
rob_manifest
rob_finish hostile
