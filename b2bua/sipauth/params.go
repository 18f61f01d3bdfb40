package sipauth

import (
	"fmt"
	"strings"
)

// maxHeaderLen bounds the work done on a single header value.
const maxHeaderLen = 8192

// Field bits of credentials.seen.
const (
	fUsername uint16 = 1 << iota
	fRealm
	fNonce
	fURI
	fResponse
	fAlgorithm
	fCnonce
	fOpaque
	fQOP
	fNC
	fUserhash
)

// knownParams maps the dig-resp parameter names of RFC 3261 §25.1 (plus
// userhash from RFC 7616 §3.4.4) to their field bits.
var knownParams = [...]struct {
	name string
	bit  uint16
}{
	{"username", fUsername},
	{"realm", fRealm},
	{"nonce", fNonce},
	{"uri", fURI},
	{"response", fResponse},
	{"algorithm", fAlgorithm},
	{"cnonce", fCnonce},
	{"opaque", fOpaque},
	{"qop", fQOP},
	{"nc", fNC},
	{"userhash", fUserhash},
}

// credentials is a parsed Authorization / Proxy-Authorization value. Values
// are unquoted and unescaped; seen records which parameters were present.
type credentials struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, opaque, qop, nc    string
	userhash                              string
	seen                                  uint16
}

// has reports whether the parameter with bit f was present.
func (c *credentials) has(f uint16) bool { return c.seen&f != 0 }

// set stores a parameter. RFC 3261 §25.1 / RFC 7616 §3.4: parameter names
// are case-insensitive; unknown auth-params are extensions and ignored. A
// known parameter given twice is ambiguous and rejected.
func (c *credentials) set(name, val string) error {
	for _, p := range knownParams {
		if len(name) != len(p.name) || !strings.EqualFold(name, p.name) {
			continue
		}
		if c.seen&p.bit != 0 {
			return fmt.Errorf("%w: duplicate parameter %q", ErrMalformed, p.name)
		}
		c.seen |= p.bit
		switch p.bit {
		case fUsername:
			c.username = val
		case fRealm:
			c.realm = val
		case fNonce:
			c.nonce = val
		case fURI:
			c.uri = val
		case fResponse:
			c.response = val
		case fAlgorithm:
			c.algorithm = val
		case fCnonce:
			c.cnonce = val
		case fOpaque:
			c.opaque = val
		case fQOP:
			c.qop = val
		case fNC:
			c.nc = val
		case fUserhash:
			c.userhash = val
		}
		return nil
	}
	return nil
}

// parseCredentials parses a header value of the form
//
//	credentials     = "Digest" LWS digest-response       ; RFC 3261 §25.1
//	digest-response = dig-resp *(COMMA dig-resp)
//	dig-resp        = token EQUAL ( token / quoted-string )
//
// It checks syntax only, plus the presence of the fields RFC 3261 §22.4
// requires (username, realm, nonce, uri, response). Values are accepted
// quoted or unquoted, as real clients differ on e.g. qop and algorithm.
func parseCredentials(h string) (credentials, error) {
	var c credentials
	if len(h) > maxHeaderLen {
		return c, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderLen)
	}
	s := skipLWS(h)
	// RFC 3261 §25.1 / RFC 7235 §2.1: the auth-scheme is case-insensitive
	// and separated from its parameters by LWS.
	const scheme = "Digest"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return c, fmt.Errorf("%w: not the Digest scheme", ErrMalformed)
	}
	s = s[len(scheme):]
	rest := skipLWS(s)
	if len(rest) == len(s) {
		return c, fmt.Errorf("%w: not the Digest scheme", ErrMalformed)
	}
	s = rest
	if s == "" {
		return c, fmt.Errorf("%w: no parameters", ErrMalformed)
	}
	for {
		n := tokenLen(s)
		if n == 0 {
			return c, fmt.Errorf("%w: expected parameter name", ErrMalformed)
		}
		name := s[:n]
		// RFC 3261 §25.1: EQUAL = SWS "=" SWS.
		s = skipLWS(s[n:])
		if s == "" || s[0] != '=' {
			return c, fmt.Errorf("%w: expected '=' after %q", ErrMalformed, clip(name))
		}
		s = skipLWS(s[1:])
		var val string
		if s != "" && s[0] == '"' {
			var err error
			if val, s, err = parseQuoted(s); err != nil {
				return c, err
			}
		} else {
			n = tokenLen(s)
			if n == 0 {
				return c, fmt.Errorf("%w: expected value for %q", ErrMalformed, clip(name))
			}
			val, s = s[:n], s[n:]
		}
		if err := c.set(name, val); err != nil {
			return c, err
		}
		// RFC 3261 §25.1: COMMA = SWS "," SWS.
		s = skipLWS(s)
		if s == "" {
			break
		}
		if s[0] != ',' {
			return c, fmt.Errorf("%w: expected ',' after %q", ErrMalformed, clip(name))
		}
		s = skipLWS(s[1:])
		if s == "" {
			return c, fmt.Errorf("%w: trailing comma", ErrMalformed)
		}
	}
	// RFC 3261 §22.4 / §25.1: username, realm, nonce, digest-uri and
	// response are mandatory in a digest-response.
	for _, p := range knownParams[:5] {
		if !c.has(p.bit) {
			return c, fmt.Errorf("%w: missing %s", ErrMalformed, p.name)
		}
	}
	if c.username == "" {
		return c, fmt.Errorf("%w: empty username", ErrMalformed)
	}
	if c.uri == "" {
		return c, fmt.Errorf("%w: empty uri", ErrMalformed)
	}
	return c, nil
}

// parseQuoted parses a quoted-string at the start of s (s[0] == '"') and
// returns its unescaped content and the remainder after the closing quote.
//
// RFC 3261 §25.1:
//
//	quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
//	qdtext        = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
//	quoted-pair   = "\" (%x00-09 / %x0B-0C / %x0E-7F)
//
// Control characters other than the LWS characters are rejected, also when
// escaped, so that values are safe to log and to hand to a lookup.
func parseQuoted(s string) (val, rest string, err error) {
	var b []byte // nil until the first quoted-pair
	start := 1
	for i := 1; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			if b == nil {
				return s[start:i], s[i+1:], nil
			}
			b = append(b, s[start:i]...)
			return string(b), s[i+1:], nil
		case ch == '\\':
			if i+1 >= len(s) {
				return "", "", fmt.Errorf("%w: unterminated quoted-string", ErrMalformed)
			}
			e := s[i+1]
			if e == '\r' || e == '\n' || (isCTL(e) && e != '\t') {
				return "", "", fmt.Errorf("%w: invalid escape in quoted-string", ErrMalformed)
			}
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[start:i]...)
			b = append(b, e)
			i++
			start = i + 1
		case isCTL(ch) && !isLWS(ch):
			return "", "", fmt.Errorf("%w: control character in quoted-string", ErrMalformed)
		}
	}
	return "", "", fmt.Errorf("%w: unterminated quoted-string", ErrMalformed)
}

// skipLWS drops leading linear white space. RFC 3261 §25.1 LWS is
// [*WSP CRLF] 1*WSP; a lone CR or LF is tolerated too, as values may come
// from stacks that already unfolded (or mis-folded) the header.
func skipLWS(s string) string {
	i := 0
	for i < len(s) && isLWS(s[i]) {
		i++
	}
	return s[i:]
}

// isLWS reports whether c is a white space byte of LWS.
func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isCTL reports whether c is an ASCII control character.
func isCTL(c byte) bool { return c < 0x20 || c == 0x7f }

// tokenLen returns the length of the RFC 3261 §25.1 token at the start of s:
//
//	token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
func tokenLen(s string) int {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in an RFC 3261 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", c) >= 0
}

// clip shortens client-supplied text before it is put into an error, so that
// errors stay small; %q quoting at the call sites keeps them printable.
func clip(s string) string {
	const limit = 32
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

// Username returns the username parameter of a Digest credentials header
// value (RFC 3261 §22.4), without verifying anything else. It lets a
// caller explain a failed verification, e.g. name the token that was
// refused.
func Username(header string) (string, error) {
	c, err := parseCredentials(header)
	if err != nil {
		return "", err
	}
	return c.username, nil
}
