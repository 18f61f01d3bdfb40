package sipauth

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Algorithm names a digest algorithm as it appears in the algorithm
// parameter of a challenge or credentials.
type Algorithm string

// Supported algorithms. The "-sess" variants are not supported: RFC 3261
// §22.4 does not use them and SIP phones rarely implement them.
const (
	// MD5 is the RFC 2617 default algorithm.
	MD5 Algorithm = "MD5"
	// SHA256 is SHA-256 as registered for HTTP by RFC 7616 §3.2 and adopted
	// for SIP by RFC 8760 §2.1.
	SHA256 Algorithm = "SHA-256"
)

// Supported reports whether the package can compute digests with a.
func (a Algorithm) Supported() bool { return a == MD5 || a == SHA256 }

// hexLen is the length of a lowercase hex digest for a.
func (a Algorithm) hexLen() int {
	if a == SHA256 {
		return 2 * sha256.Size
	}
	return 2 * md5.Size
}

// parseAlgorithm maps a client's algorithm parameter to an Algorithm.
// RFC 7616 §3.4 / RFC 2617 §3.2.2: an absent algorithm means MD5.
// Algorithm tokens are matched case-insensitively (RFC 3261 §25.1 tokens,
// RFC 7616 §3.3 "case-insensitive").
func parseAlgorithm(s string, present bool) (Algorithm, bool) {
	switch {
	case !present:
		return MD5, true
	case strings.EqualFold(s, string(MD5)):
		return MD5, true
	case strings.EqualFold(s, string(SHA256)):
		return SHA256, true
	}
	return "", false
}

// maxDigestInput is the size of the stack buffer used for hash inputs; longer
// inputs still work but allocate.
const maxDigestInput = 512

// appendDigest appends the lowercase hex of H(p0 ":" p1 ":" ...) to dst.
// RFC 7616 §3.4.1 / RFC 2617 §3.2.2.1: KD and H join their inputs with ':'
// and render digests as lowercase hex.
func appendDigest(dst []byte, alg Algorithm, parts ...string) []byte {
	var stack [maxDigestInput]byte
	b := stack[:0]
	for i, p := range parts {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, p...)
	}
	if alg == SHA256 {
		sum := sha256.Sum256(b)
		return hex.AppendEncode(dst, sum[:])
	}
	sum := md5.Sum(b)
	return hex.AppendEncode(dst, sum[:])
}

// computeHA1 returns H(username ":" realm ":" password), RFC 2617 §3.2.2.2
// and RFC 7616 §3.4.2 for the non-session algorithms.
func computeHA1(alg Algorithm, user, realm, password string) string {
	var buf [2 * sha256.Size]byte
	return string(appendDigest(buf[:0], alg, user, realm, password))
}

// appendResponse appends the request-digest to dst.
//
// RFC 3261 §22.4 / RFC 2617 §3.2.2.3: A2 = Method ":" digest-uri-value.
// RFC 2617 §3.2.2.1: with qop, response = KD(HA1, nonce ":" nc ":" cnonce
// ":" qop ":" H(A2)); without qop (the RFC 2069 compatible form),
// response = KD(HA1, nonce ":" H(A2)).
func appendResponse(dst []byte, alg Algorithm, ha1, nonce, nc, cnonce, qop, method, uri string) []byte {
	var buf [2 * sha256.Size]byte
	ha2 := string(appendDigest(buf[:0], alg, method, uri))
	if qop == "" {
		return appendDigest(dst, alg, ha1, nonce, ha2)
	}
	return appendDigest(dst, alg, ha1, nonce, nc, cnonce, qop, ha2)
}

// computeResponse is appendResponse returning a string.
func computeResponse(alg Algorithm, ha1, nonce, nc, cnonce, qop, method, uri string) string {
	var buf [2 * sha256.Size]byte
	return string(appendResponse(buf[:0], alg, ha1, nonce, nc, cnonce, qop, method, uri))
}

// isHex reports whether s consists of hex digits only (either case).
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if fromHex(s[i]) < 0 {
			return false
		}
	}
	return true
}

// fromHex returns the value of hex digit c, or -1.
func fromHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
