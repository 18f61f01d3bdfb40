package sipauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
)

// Nonce layout, before base64url encoding (RFC 7616 §3.3 leaves the nonce
// format to the server; it must be unpredictable and may embed a timestamp):
//
//	issue time (8 bytes, Unix nanoseconds, big endian)
//	random id  (16 bytes from crypto/rand)
//	tag        (16 bytes, truncated HMAC-SHA256 over domain, realm, time, id)
const (
	nonceTimeLen = 8
	nonceIDLen   = 16
	nonceTagLen  = 16
	nonceRawLen  = nonceTimeLen + nonceIDLen + nonceTagLen
	opaqueRawLen = 12
)

// nonceEncoding encodes nonces and opaque values; Strict rejects
// non-canonical encodings so each nonce has exactly one textual form.
var nonceEncoding = base64.RawURLEncoding.Strict()

// nonceEncLen is the length of an encoded nonce.
var nonceEncLen = nonceEncoding.EncodedLen(nonceRawLen)

// Domain separation labels so a nonce tag can never be confused with an
// opaque value or a tag of a future format.
const (
	nonceLabel  = "sipauth nonce v1\x00"
	opaqueLabel = "sipauth opaque v1\x00"
)

// nonceID identifies a nonce in the replay table.
type nonceID [nonceIDLen]byte

// nonceCodec mints and checks stateless nonces.
type nonceCodec struct {
	noncePrefix  []byte    // nonceLabel || realm || 0
	opaquePrefix []byte    // opaqueLabel || realm || 0
	macs         sync.Pool // of hash.Hash (keyed HMAC-SHA256)
}

func newNonceCodec(key []byte, realm string) *nonceCodec {
	k := append([]byte(nil), key...)
	c := &nonceCodec{
		noncePrefix:  append([]byte(nonceLabel+realm), 0),
		opaquePrefix: append([]byte(opaqueLabel+realm), 0),
	}
	c.macs.New = func() any { return hmac.New(sha256.New, k) }
	return c
}

// tag appends the first n bytes of HMAC(key, prefix || msg) to dst.
func (c *nonceCodec) tag(dst, prefix, msg []byte, n int) []byte {
	m := c.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(prefix)
	m.Write(msg)
	var sum [sha256.Size]byte
	out := m.Sum(sum[:0])
	c.macs.Put(m)
	return append(dst, out[:n]...)
}

// issue returns a fresh nonce stamped with now (Unix nanoseconds).
func (c *nonceCodec) issue(now int64) string {
	var raw [nonceRawLen]byte
	binary.BigEndian.PutUint64(raw[:nonceTimeLen], uint64(now))
	// crypto/rand.Read never fails (it aborts the program instead).
	_, _ = rand.Read(raw[nonceTimeLen : nonceTimeLen+nonceIDLen])
	c.tag(raw[:nonceTimeLen+nonceIDLen], c.noncePrefix, raw[:nonceTimeLen+nonceIDLen], nonceTagLen)
	return nonceEncoding.EncodeToString(raw[:])
}

// open authenticates s and returns its issue time and id. ok is false for
// anything this codec did not mint.
func (c *nonceCodec) open(s string) (issued int64, id nonceID, ok bool) {
	if len(s) != nonceEncLen {
		return 0, id, false
	}
	var raw [nonceRawLen]byte
	n, err := nonceEncoding.Decode(raw[:], []byte(s))
	if err != nil || n != nonceRawLen {
		return 0, id, false
	}
	var want [nonceTagLen]byte
	c.tag(want[:0], c.noncePrefix, raw[:nonceTimeLen+nonceIDLen], nonceTagLen)
	if !hmac.Equal(want[:], raw[nonceTimeLen+nonceIDLen:]) {
		return 0, id, false
	}
	copy(id[:], raw[nonceTimeLen:nonceTimeLen+nonceIDLen])
	return int64(binary.BigEndian.Uint64(raw[:nonceTimeLen])), id, true
}

// opaque returns the authenticator's opaque value, derived from key and
// realm. RFC 7616 §3.3: the client returns it unchanged.
func (c *nonceCodec) opaque() string {
	b := c.tag(nil, c.opaquePrefix, nil, opaqueRawLen)
	return nonceEncoding.EncodeToString(b)
}
