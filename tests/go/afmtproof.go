// afmtproof checks proofs of one post (c2sp.org/tlog-proof@v1, spec/FORMAT.md
// section 16) with Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
// golang-golang-x-mod-dev), code afmt did not write:
//
//	afmtproof VKEY PROOF POST [PROOF POST]...
//
// For each pair: the proof's lines (header, extra, index, audit path, empty
// line, note), base64 in its strict spelling; note.Open of the note with the
// verifier key VKEY (from `afmt key vkey`); the checkpoint's origin, size and
// root; the leaf tlog.RecordHash(extra) = SHA-256(0x00 || entry encoding);
// tlog.CheckRecord(path, size, root, index, leaf); then the post: the entry
// is a post (type 0x01) and the POST file's SHA-256 and size are the content
// hash and size it holds (bytes 18-50 and 50-58, spec 8.1).  Prints one line
// per pair, "ok" or "refused: why".  Exit status 0: every pair verified;
// 1: one or more refused; 2: usage.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var b64 = base64.StdEncoding.Strict()

// decode64 takes only the one spelling of the bytes (RFC 4648 canonical).
func decode64(s string) ([]byte, error) {
	raw, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64.EncodeToString(raw) != s {
		return nil, errors.New("not canonical base64")
	}
	return raw, nil
}

func check(v note.Verifier, proofPath, postPath string) error {
	proof, err := os.ReadFile(proofPath)
	if err != nil {
		return err
	}
	if len(proof) > 128*1024 {
		return errors.New("proof over 128 KiB")
	}
	text := string(proof)
	take := func() (string, error) {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return "", errors.New("proof ends without a newline")
		}
		line := text[:i]
		text = text[i+1:]
		return line, nil
	}
	line, err := take()
	if err != nil || line != "c2sp.org/tlog-proof@v1" {
		return errors.New("not a c2sp.org/tlog-proof@v1")
	}
	if line, err = take(); err != nil || !strings.HasPrefix(line, "extra ") {
		return errors.New("no extra line")
	}
	extra, err := decode64(line[len("extra "):])
	if err != nil || len(extra) < 58 {
		return fmt.Errorf("extra: %v", err)
	}
	if line, err = take(); err != nil || !strings.HasPrefix(line, "index ") {
		return errors.New("no index line")
	}
	index, err := strconv.ParseInt(line[len("index "):], 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != line[len("index "):] {
		return fmt.Errorf("index %q", line)
	}
	var path tlog.RecordProof
	for {
		if line, err = take(); err != nil {
			return err
		}
		if line == "" {
			break
		}
		raw, err := decode64(line)
		if err != nil || len(raw) != tlog.HashSize || len(path) == 63 {
			return fmt.Errorf("audit path line %q", line)
		}
		var h tlog.Hash
		copy(h[:], raw)
		path = append(path, h)
	}
	// note.Open reads signature base64 leniently: take the strict spelling
	// of every signature line first.
	sigs := text[strings.LastIndex(text, "\n\n")+2:]
	for _, s := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		f := strings.Split(s, " ")
		if len(f) != 3 || f[0] != "\u2014" {
			return fmt.Errorf("signature line %q", s)
		}
		if _, err := decode64(f[2]); err != nil {
			return fmt.Errorf("signature line %q: %v", s, err)
		}
	}
	n, err := note.Open([]byte(text), note.VerifierList(v))
	if err != nil {
		return fmt.Errorf("note.Open: %v", err)
	}
	cp := strings.Split(n.Text, "\n")
	if len(cp) < 4 {
		return errors.New("not a checkpoint")
	}
	size, err := strconv.ParseInt(cp[1], 10, 64)
	if err != nil || strconv.FormatInt(size, 10) != cp[1] {
		return fmt.Errorf("tree size %q", cp[1])
	}
	rootRaw, err := decode64(cp[2])
	if err != nil || len(rootRaw) != tlog.HashSize {
		return fmt.Errorf("root %q", cp[2])
	}
	var root tlog.Hash
	copy(root[:], rootRaw)
	leaf := tlog.RecordHash(extra)
	if err := tlog.CheckRecord(path, size, root, index, leaf); err != nil {
		return fmt.Errorf("tlog.CheckRecord: %v", err)
	}
	if extra[0] != 0x01 {
		return errors.New("the entry is not a post")
	}
	post, err := os.ReadFile(postPath)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(post)
	if !bytes.Equal(sum[:], extra[18:50]) || uint64(len(post)) != binary.LittleEndian.Uint64(extra[50:58]) {
		return errors.New("the post's bytes are not the proven content")
	}
	return nil
}

func main() {
	if len(os.Args) < 4 || len(os.Args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: afmtproof VKEY PROOF POST [PROOF POST]...")
		os.Exit(2)
	}
	v, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "afmtproof: verifier key: %v\n", err)
		os.Exit(2)
	}
	status := 0
	for i := 2; i < len(os.Args); i += 2 {
		if err := check(v, os.Args[i], os.Args[i+1]); err != nil {
			fmt.Printf("refused: %s: %v\n", os.Args[i], err)
			status = 1
		} else {
			fmt.Println("ok")
		}
	}
	os.Exit(status)
}
