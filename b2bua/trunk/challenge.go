package trunk

import (
	"errors"
	"strings"
)

// maxChallengeLen bounds the challenge header value parsed.
const maxChallengeLen = 4096

// challenge is a parsed digest challenge (RFC 3261 §22.4 and §25.1
// digest-cln; RFC 7616 §3.3).
type challenge struct {
	realm     string
	nonce     string
	opaque    string
	algorithm string // as sent; empty means MD5
	hasAlg    bool
	qop       []string // lower-case options from the quoted list
	hasQOP    bool
	stale     bool
	userhash  bool
}

var errChallenge = errors.New("malformed digest challenge")

// parseChallenge parses one WWW-Authenticate or Proxy-Authenticate value
// of the Digest scheme: auth-params separated by commas, values tokens or
// quoted strings with quoted-pairs (RFC 3261 §25.1).
func parseChallenge(v string) (challenge, error) {
	var c challenge
	if len(v) > maxChallengeLen {
		return c, errChallenge
	}
	v = strings.TrimLeft(v, " \t")
	const scheme = "digest"
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) || !isLWS(v[len(scheme)]) {
		return c, errChallenge
	}
	rest := v[len(scheme):]
	seenNonce := false
	for {
		rest = trimLWS(rest)
		if rest == "" {
			break
		}
		n := tokenLen(rest)
		if n == 0 {
			return c, errChallenge
		}
		name := strings.ToLower(rest[:n])
		rest = trimLWS(rest[n:])
		if rest == "" || rest[0] != '=' {
			return c, errChallenge
		}
		rest = trimLWS(rest[1:])
		var val string
		if rest != "" && rest[0] == '"' {
			var ok bool
			val, rest, ok = cutQuoted(rest)
			if !ok {
				return c, errChallenge
			}
		} else {
			m := tokenLen(rest)
			if m == 0 {
				return c, errChallenge
			}
			val, rest = rest[:m], rest[m:]
		}
		switch name {
		case "realm":
			c.realm = val
		case "nonce":
			c.nonce, seenNonce = val, true
		case "opaque":
			c.opaque = val
		case "algorithm":
			c.algorithm, c.hasAlg = val, true
		case "qop":
			c.hasQOP = true
			for _, q := range strings.Split(val, ",") {
				if q = strings.ToLower(strings.Trim(q, " \t")); q != "" {
					c.qop = append(c.qop, q)
				}
			}
		case "stale":
			c.stale = strings.EqualFold(val, "true")
		case "userhash":
			c.userhash = strings.EqualFold(val, "true")
		}
		rest = trimLWS(rest)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return c, errChallenge
		}
		rest = rest[1:]
	}
	if !seenNonce {
		return c, errChallenge
	}
	return c, nil
}

// cutQuoted reads a quoted-string at the start of s and returns its
// unescaped content and the remainder.
func cutQuoted(s string) (val, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			i++
			if i >= len(s) {
				return "", "", false
			}
			b.WriteByte(s[i])
		default:
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", "", false
			}
			b.WriteByte(c)
		}
	}
	return "", "", false
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimLWS(s string) string {
	for s != "" && isLWS(s[0]) {
		s = s[1:]
	}
	return s
}

// tokenLen returns the length of the RFC 3261 §25.1 token at s's start.
func tokenLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-.!%*_+`'~", c) >= 0:
		default:
			return i
		}
	}
	return len(s)
}
