package wsgw

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// origin is a parsed, normalised web origin (RFC 6454 §4): lower-case scheme
// and host, port always explicit when the scheme has a default port.
type origin struct {
	scheme string
	host   string // without brackets for IPv6
	port   string // decimal without leading zeros, or "" if unknown
}

// String renders o in serialised origin form, e.g. "https://example.com:443".
func (o origin) String() string {
	if o.port == "" {
		return o.scheme + "://" + bracketHost(o.host)
	}
	return o.scheme + "://" + net.JoinHostPort(o.host, o.port)
}

// defaultPort returns the well-known port of a scheme, or "" if it has none.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// bracketHost adds IPv6 brackets where needed.
func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// normPort validates a decimal port and strips leading zeros.
func normPort(p string) (string, bool) {
	if p == "" {
		return "", true
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return "", false
		}
	}
	n, err := strconv.Atoi(p)
	if err != nil || n > 65535 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// parseOrigin parses the value of an Origin header (RFC 6454 §7) or an
// AllowedOrigins entry. Only "scheme://host[:port]" (optionally with a
// trailing "/") is accepted; "null" and anything with user info, path, query
// or fragment is rejected.
func parseOrigin(s string) (origin, bool) {
	if s == "" || len(s) > 2048 {
		return origin{}, false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || u.RawFragment != "" {
		return origin{}, false
	}
	host := u.Hostname()
	if !validHost(host) {
		return origin{}, false
	}
	host = strings.ToLower(host)
	// An IPv6 literal must be bracketed and valid; any other colon in the
	// host (e.g. "a://::") is malformed.
	if strings.Contains(host, ":") && (!strings.HasPrefix(u.Host, "[") || net.ParseIP(host) == nil) {
		return origin{}, false
	}
	port, ok := normPort(u.Port())
	if !ok {
		return origin{}, false
	}
	o := origin{scheme: strings.ToLower(u.Scheme), host: host, port: port}
	if o.port == "" {
		o.port = defaultPort(o.scheme)
	}
	return o, true
}

// validHost accepts a non-empty host of printable ASCII without delimiters.
// Browsers serialise origins in ASCII (IDNs as punycode, RFC 6454 §6.1), so
// anything else cannot match and is refused outright. Checking before
// lower-casing also stops Unicode case folding (e.g. U+212A KELVIN SIGN to
// "k") from turning a foreign name into an ASCII one.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		b := h[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte("[]/\\@?#", b) >= 0 {
			return false
		}
	}
	return true
}

// splitRequestHost splits a Host header value into lower-case host and port
// ("" when absent). IPv6 brackets are removed.
func splitRequestHost(h string) (host, port string, ok bool) {
	if h == "" {
		return "", "", false
	}
	if hh, pp, err := net.SplitHostPort(h); err == nil {
		p, ok := normPort(pp)
		if !ok || p == "" {
			return "", "", false
		}
		return strings.ToLower(hh), p, validHost(hh)
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if !validHost(h) {
		return "", "", false
	}
	return strings.ToLower(h), "", true
}

// originPolicy decides which Origin header values may open a WebSocket.
type originPolicy struct {
	any     bool                // "*" listed
	allowed map[string]struct{} // normalised origins; empty means same host
}

// newOriginPolicy builds a policy from Config.AllowedOrigins. Entries that do
// not parse are returned in bad so the caller can log them.
func newOriginPolicy(list []string) (p originPolicy, bad []string) {
	p.allowed = make(map[string]struct{}, len(list))
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "*" {
			p.any = true
			continue
		}
		o, ok := parseOrigin(e)
		if !ok {
			bad = append(bad, e)
			continue
		}
		p.allowed[o.String()] = struct{}{}
	}
	return p, bad
}

// allow reports whether a request with Origin header value originHdr and
// Host header reqHost may be upgraded. An empty originHdr means the header
// was absent (a non-browser client) and is always allowed: RFC 6455 §10.2
// makes the Origin check a protection for browser clients only.
func (p originPolicy) allow(originHdr, reqHost string) bool {
	if originHdr == "" {
		return true
	}
	if p.any {
		return true
	}
	o, ok := parseOrigin(originHdr)
	if !ok {
		return false
	}
	if _, ok := p.allowed[o.String()]; ok {
		return true
	}
	// The gateway's own pages are always allowed: listing embedding sites
	// must not lock out the dialer callgate serves itself.
	host, port, ok := splitRequestHost(reqHost)
	if !ok {
		return false
	}
	if port == "" {
		// The Host header omits the port when it is the default of the
		// scheme the browser used, which is the page's scheme unless a
		// proxy changed it; use the origin's scheme.
		port = defaultPort(o.scheme)
	}
	return host == o.host && port == o.port
}
