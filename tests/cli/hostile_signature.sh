#!/usr/bin/env bash
# hostile_signature.sh - hostile bundles, authenticity (issue 5, item 1):
# stripped and zeroed signatures, a valid signature of the same key over a
# different checkpoint, another key, a key with the trusted key id and other
# key bytes, a legacy "Ed" signature, unknown algorithm tags, trusted
# comments with control characters, malformed checkpoints, content whose
# hash does not match.
source "$AFMT_SOURCE_ROOT/tests/hostile/lib.bash"
rob_gen checkpoint,signature,hash
rob_manifest
rob_finish hostile
