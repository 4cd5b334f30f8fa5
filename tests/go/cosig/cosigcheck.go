// cosigcheck opens a C2SP signed note with Go's golang.org/x/mod/sumdb/note
// (Debian's golang-golang-x-mod-dev), whose note.NewVerifier knows only
// signature type 0x01 (Ed25519 note signatures), and a note.Verifier
// written here for type 0x04, the Ed25519 cosignature of
// c2sp.org/tlog-cosignature: its signature is an 8-byte big-endian
// timestamp and an Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || the note's text.
//
//	cosigcheck NOTE VKEY...
//	    note.Open(NOTE) with the verifiers of every VKEY (type 0x01 through
//	    note.NewVerifier, type 0x04 through cosigVerifier); every VKEY must
//	    have a verified signature.  Prints one line per verified signature:
//	    "NAME KEYHASH-HEX [TIME]".
//
// Exit status 0: verified; 1: refused (the reason on stderr); 2: usage.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

const algCosignatureV1 = 0x04

// cosigVerifier is a note.Verifier for an Ed25519 cosigner.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }

// Verify checks a timestamped_signature: u64 time (big-endian, at most
// 2^63 - 1) then the Ed25519 signature over the cosigned message.
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > math.MaxInt64 {
		return false
	}
	m := []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n")
	m = append(m, msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

// newCosigVerifier reads a vkey "name+hash+base64(0x04 || key)" and checks
// that its hash is SHA-256(name || "\n" || 0x04 || key)[:4].
func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return nil, errors.New("malformed verifier key")
	}
	h, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return nil, errors.New("malformed key hash")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algCosignatureV1 {
		return nil, errors.New("not an Ed25519 cosigner key (type 0x04)")
	}
	sum := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	if binary.BigEndian.Uint32(sum[:4]) != uint32(h) {
		return nil, errors.New("key hash does not match the key")
	}
	return &cosigVerifier{name: parts[0], hash: uint32(h), key: ed25519.PublicKey(raw[1:])}, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: cosigcheck NOTE VKEY...")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "cosigcheck: %v\n", err)
		os.Exit(2)
	}
	var vs []note.Verifier
	for _, vkey := range os.Args[2:] {
		var v note.Verifier
		parts := strings.SplitN(vkey, "+", 3)
		raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
		if len(raw) > 0 && raw[0] == algCosignatureV1 {
			v, err = newCosigVerifier(vkey)
		} else {
			v, err = note.NewVerifier(vkey)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "cosigcheck: %s: %v\n", vkey, err)
			os.Exit(2)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cosigcheck: note.Open: %v\n", err)
		os.Exit(1)
	}
	for _, v := range vs {
		found := false
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				found = true
			}
		}
		if !found {
			fmt.Fprintf(os.Stderr, "cosigcheck: no verified signature by %s\n", v.Name())
			os.Exit(1)
		}
	}
	for _, s := range n.Sigs {
		line := fmt.Sprintf("%s %08x", s.Name, s.Hash)
		if raw, err := base64.StdEncoding.DecodeString(s.Base64); err == nil && len(raw) == 4+8+64 {
			line += fmt.Sprintf(" %d", binary.BigEndian.Uint64(raw[4:12]))
		}
		fmt.Println(line)
	}
}
