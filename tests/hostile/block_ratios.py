#!/usr/bin/env python3
"""Prints each block's decompressed size, compressed size and ratio of afmt bundles (format
draft 1.2): trailer -> index header -> page directory -> block table page (zstd -d)."""
import struct, subprocess, sys
rows = []
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    index_offset, index_size = struct.unpack_from("<QQ", d, len(d) - 32)
    ix = d[index_offset:index_offset + index_size]
    n, nposts, nblocks, nblobs, nrec, rsize = struct.unpack_from("<6Q", ix, 8)
    nid = (nposts + 4095) // 4096
    head = 56 + 48 * (2 + nrec + nid)
    csize, psize, _ = struct.unpack_from("<IIQ", ix, 56)
    table = subprocess.run(["zstd", "-dc"], input=ix[head:head + csize], capture_output=True,
                           check=True).stdout
    for b in range(nblocks):
        off, cs, size = struct.unpack_from("<QQQ", table, 56 * b)
        rows.append((size / cs, size, cs, path, b))
rows.sort()
for r in rows:
    print("%9.2f %10d %9d %s block %d" % r)
tot_s = sum(r[1] for r in rows); tot_c = sum(r[2] for r in rows)
print("blocks %d, all together %d / %d = %.2f" % (len(rows), tot_s, tot_c, tot_s / tot_c))
