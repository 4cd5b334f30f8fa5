// afmtcheck checks afmt's outputs with Go's golang.org/x/mod/sumdb packages
// (Debian's golang-golang-x-mod-dev), code afmt did not write:
//
//	afmtcheck note VKEY NOTE
//	    note.Open(NOTE) with the verifier key VKEY (from `afmt key vkey`);
//	    then the text must be a C2SP tlog-checkpoint: origin, tree size,
//	    base64 root.  Prints "origin size root-hex" on success.
//	afmtcheck tree VKEY NOTE LEAF-HEX...
//	    as `note`, then: the tree over the given leaf hashes (in order; as
//	    many as the tree size) has the note's root (tlog.TreeHash), and
//	    every leaf is proven in it by tlog.ProveRecord / tlog.CheckRecord;
//	    every consistency proof from a prefix checks (tlog.ProveTree /
//	    tlog.CheckTree); a changed leaf does not.
//	afmtcheck record VKEY NOTE INDEX LEAF-HEX PROOF-HEX...
//	    as `note`, then tlog.CheckRecord of an inclusion proof made
//	    elsewhere (afmt's own proof code: tests/go/proofs.c).
//	afmtcheck tree-proof VKEY NOTE OLD-SIZE OLD-ROOT-HEX PROOF-HEX...
//	    as `note`, then tlog.CheckTree of a consistency proof made
//	    elsewhere, from the tree of OLD-SIZE leaves to the note's.
//
// Exit status 0: verified; 1: refused (the reason on stderr); 2: usage.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func refuse(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "afmtcheck: "+format+"\n", a...)
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: afmtcheck note VKEY NOTE | tree VKEY NOTE LEAF... | record VKEY NOTE INDEX LEAF PROOF...")
	os.Exit(2)
}

// openCheckpoint verifies the note and parses the checkpoint's first lines.
func openCheckpoint(vkey, path string) (string, int64, tlog.Hash) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fmt.Fprintf(os.Stderr, "afmtcheck: verifier key: %v\n", err)
		os.Exit(2)
	}
	msg, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "afmtcheck: %v\n", err)
		os.Exit(2)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		refuse("%s: note.Open: %v", path, err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() {
		refuse("%s: not signed by %s", path, v.Name())
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		refuse("%s: not a checkpoint: fewer than three lines", path)
	}
	origin := lines[0]
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		refuse("%s: tree size %q", path, lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		refuse("%s: root hash %q", path, lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return origin, size, root
}

func parseHash(s string) tlog.Hash {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		fmt.Fprintf(os.Stderr, "afmtcheck: not a hash: %q\n", s)
		os.Exit(2)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// memHashes is a tlog.HashReader over every stored hash of a tree.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// storeLeaves lays out the tree's stored hashes as tlog does.
func storeLeaves(leaves []tlog.Hash) memHashes {
	var stored memHashes
	for i, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leaf, stored)
		if err != nil {
			refuse("StoredHashesForRecordHash: %v", err)
		}
		stored = append(stored, hs...)
	}
	return stored
}

func main() {
	if len(os.Args) < 4 {
		usage()
	}
	origin, size, root := openCheckpoint(os.Args[2], os.Args[3])
	switch os.Args[1] {
	case "note":
		if len(os.Args) != 4 {
			usage()
		}
	case "tree":
		leaves := make([]tlog.Hash, 0, len(os.Args)-4)
		for _, s := range os.Args[4:] {
			leaves = append(leaves, parseHash(s))
		}
		if int64(len(leaves)) != size {
			refuse("%d leaves for a tree of %d", len(leaves), size)
		}
		if size == 0 {
			break // tlog has no tree of size 0; the root is SHA-256("")
		}
		stored := storeLeaves(leaves)
		th, err := tlog.TreeHash(size, stored)
		if err != nil || th != root {
			refuse("tlog.TreeHash %v differs from the note's root %v (%v)", th, root, err)
		}
		for i := int64(0); i < size; i++ {
			p, err := tlog.ProveRecord(size, i, stored)
			if err != nil {
				refuse("ProveRecord %d: %v", i, err)
			}
			if err := tlog.CheckRecord(p, size, root, i, leaves[i]); err != nil {
				refuse("CheckRecord %d: %v", i, err)
			}
			bad := leaves[i]
			bad[0] ^= 1
			if tlog.CheckRecord(p, size, root, i, bad) == nil {
				refuse("CheckRecord %d accepts a changed leaf", i)
			}
		}
		for m := int64(1); m < size; m++ {
			old, err := tlog.TreeHash(m, stored)
			if err != nil {
				refuse("TreeHash %d: %v", m, err)
			}
			p, err := tlog.ProveTree(size, m, stored)
			if err != nil {
				refuse("ProveTree %d: %v", m, err)
			}
			if err := tlog.CheckTree(p, size, root, m, old); err != nil {
				refuse("CheckTree %d: %v", m, err)
			}
		}
	case "record":
		if len(os.Args) < 6 {
			usage()
		}
		index, err := strconv.ParseInt(os.Args[4], 10, 64)
		if err != nil {
			usage()
		}
		leaf := parseHash(os.Args[5])
		var p tlog.RecordProof
		for _, s := range os.Args[6:] {
			p = append(p, parseHash(s))
		}
		if err := tlog.CheckRecord(p, size, root, index, leaf); err != nil {
			refuse("CheckRecord %d: %v", index, err)
		}
	case "tree-proof":
		if len(os.Args) < 6 {
			usage()
		}
		old, err := strconv.ParseInt(os.Args[4], 10, 64)
		if err != nil {
			usage()
		}
		oldRoot := parseHash(os.Args[5])
		var p tlog.TreeProof
		for _, s := range os.Args[6:] {
			p = append(p, parseHash(s))
		}
		if err := tlog.CheckTree(p, size, root, old, oldRoot); err != nil {
			refuse("CheckTree %d: %v", old, err)
		}
	default:
		usage()
	}
	fmt.Printf("%s %d %s\n", origin, size, hex.EncodeToString(root[:]))
}
