package trunk

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"

	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo/sip"
)

// digestAlgorithm describes one supported digest algorithm (RFC 8760 §2.1,
// RFC 7616 §3.3).
type digestAlgorithm struct {
	name string // canonical spelling for the credentials
	hash func() hash.Hash
	sess bool
}

// lookupAlgorithm maps a challenge's algorithm value (case-insensitive;
// absent means MD5, RFC 7616 §3.3) to its implementation.
func lookupAlgorithm(v string) (digestAlgorithm, bool) {
	switch strings.ToUpper(v) {
	case "", "MD5":
		return digestAlgorithm{"MD5", md5.New, false}, true
	case "MD5-SESS":
		return digestAlgorithm{"MD5-sess", md5.New, true}, true
	case "SHA-256":
		return digestAlgorithm{"SHA-256", sha256.New, false}, true
	case "SHA-256-SESS":
		return digestAlgorithm{"SHA-256-sess", sha256.New, true}, true
	case "SHA-512-256":
		return digestAlgorithm{"SHA-512-256", sha512.New512_256, false}, true
	case "SHA-512-256-SESS":
		return digestAlgorithm{"SHA-512-256-sess", sha512.New512_256, true}, true
	}
	return digestAlgorithm{}, false
}

// h returns the hex digest of parts joined by ":".
func (a digestAlgorithm) h(parts ...string) string {
	d := a.hash()
	for i, p := range parts {
		if i > 0 {
			d.Write([]byte{':'})
		}
		d.Write([]byte(p))
	}
	return hex.EncodeToString(d.Sum(nil))
}

// usable reports whether the challenge can be answered: a known algorithm
// and either no qop (RFC 2069 compatibility) or "auth" among its options.
// auth-int is not offered because bodies are not known here.
func (c *challenge) usable() (digestAlgorithm, bool) {
	alg, ok := lookupAlgorithm(c.algorithm)
	if !ok {
		return alg, false
	}
	if c.hasQOP && !c.offersAuth() {
		return alg, false
	}
	return alg, true
}

func (c *challenge) offersAuth() bool {
	for _, q := range c.qop {
		if q == "auth" {
			return true
		}
	}
	return false
}

// Authorize answers the digest challenge of res, a 401 or 407 response to
// req, by adding credentials to req: Authorization for a 401's
// WWW-Authenticate (RFC 3261 §22.2) or Proxy-Authorization for a 407's
// Proxy-Authenticate (§22.3), computed over req's method and Request-URI
// (RFC 2617 §3.2.2, RFC 7616 §3.4). Existing headers of that name are
// replaced.
//
// MD5, SHA-256 and SHA-512-256 (RFC 8760 §2.1) and their -sess variants are
// supported, with qop=auth (a fresh cnonce on every call and a nonce count
// that grows per nonce) or, when the challenge offers no qop, the RFC 2069
// form. When several challenges share a realm the topmost supported one is
// answered (RFC 8760 §2.4); each distinct realm gets its own credentials
// (RFC 3261 §22.3).
//
// Errors: ErrNoCredentials when the trunk has no username and password,
// ErrRealmMismatch when Realm is set and no challenge names it,
// ErrBadChallenge when res is not a 401/407 or carries nothing answerable.
// Authorize does not change CSeq or Via; the caller sends req as a new
// transaction (RFC 3261 §8.1.3.5).
func (t *Trunk) Authorize(req *sip.Request, res *sip.Response) error {
	if req == nil || res == nil {
		return fmt.Errorf("%w: nil request or response", ErrBadChallenge)
	}
	var chName, credName string
	switch res.StatusCode {
	case sip.StatusUnauthorized:
		chName, credName = "WWW-Authenticate", "Authorization"
	case sip.StatusProxyAuthRequired:
		chName, credName = "Proxy-Authenticate", "Proxy-Authorization"
	default:
		return fmt.Errorf("%w: status %d is not a challenge", ErrBadChallenge, res.StatusCode)
	}
	user := t.cfg.AuthUsername
	if user == "" {
		user = t.cfg.Username
	}
	if user == "" || t.cfg.Password == "" {
		return fmt.Errorf("%w: trunk %q", ErrNoCredentials, t.cfg.Name)
	}
	type pick struct {
		c   challenge
		alg digestAlgorithm
	}
	var picks []pick
	parsed, otherRealm := 0, false
	for _, h := range res.GetHeaders(chName) {
		c, err := parseChallenge(h.Value())
		if err != nil {
			continue
		}
		parsed++
		if t.cfg.Realm != "" && c.realm != t.cfg.Realm {
			otherRealm = true
			continue
		}
		alg, ok := c.usable()
		if !ok {
			continue
		}
		dup := false
		for _, p := range picks {
			dup = dup || p.c.realm == c.realm
		}
		if !dup {
			picks = append(picks, pick{c, alg})
		}
	}
	if len(picks) == 0 {
		if otherRealm {
			return fmt.Errorf("%w: trunk %q expects realm %q", ErrRealmMismatch, t.cfg.Name, t.cfg.Realm)
		}
		return fmt.Errorf("%w: %d digest challenges, none usable", ErrBadChallenge, parsed)
	}
	req.RemoveHeader(credName)
	uri := req.Recipient.String()
	method := string(req.Method)
	for _, p := range picks {
		req.AppendHeader(sip.NewHeader(credName, t.credentials(p.c, p.alg, user, method, uri)))
	}
	return nil
}

// credentials computes one digest-response (RFC 3261 §25.1).
func (t *Trunk) credentials(c challenge, alg digestAlgorithm, user, method, uri string) string {
	var cnonce, nc, qop string
	if c.hasQOP {
		qop = "auth"
		cnonce = newCnonce()
		nc = fmt.Sprintf("%08x", t.nonces.next(c.realm, c.nonce))
	}
	// RFC 7616 §3.4.2: A1 = user:realm:password; for -sess,
	// H(user:realm:password):nonce:cnonce.
	ha1 := alg.h(user, c.realm, t.cfg.Password)
	if alg.sess {
		if cnonce == "" {
			cnonce = newCnonce()
		}
		ha1 = alg.h(ha1, c.nonce, cnonce)
	}
	ha2 := alg.h(method, uri)
	var response string
	if c.hasQOP {
		response = alg.h(ha1, c.nonce, nc, cnonce, qop, ha2)
	} else {
		// RFC 2069 form kept by RFC 2617 §3.2.2.1 for challenges without qop.
		response = alg.h(ha1, c.nonce, ha2)
	}
	name := user
	if c.userhash {
		// RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)).
		name = alg.h(user, c.realm)
	}
	var b strings.Builder
	b.WriteString("Digest username=")
	sipauth.WriteQuoted(&b, name)
	b.WriteString(", realm=")
	sipauth.WriteQuoted(&b, c.realm)
	b.WriteString(", nonce=")
	sipauth.WriteQuoted(&b, c.nonce)
	b.WriteString(", uri=")
	sipauth.WriteQuoted(&b, uri)
	b.WriteString(", response=")
	sipauth.WriteQuoted(&b, response)
	if c.hasAlg {
		b.WriteString(", algorithm=")
		b.WriteString(alg.name)
	}
	if cnonce != "" {
		b.WriteString(", cnonce=")
		sipauth.WriteQuoted(&b, cnonce)
	}
	if c.hasQOP {
		// RFC 3261 §25.1: message-qop and nonce-count are unquoted.
		b.WriteString(", qop=auth, nc=")
		b.WriteString(nc)
	}
	if c.opaque != "" {
		b.WriteString(", opaque=")
		sipauth.WriteQuoted(&b, c.opaque)
	}
	if c.userhash {
		b.WriteString(", userhash=true")
	}
	return b.String()
}

// newCnonce returns 16 random hex characters.
func newCnonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

// maxNonces bounds the nonces whose counts are remembered.
const maxNonces = 32

// nonceCounts hands out increasing nonce counts per (realm, nonce): a
// server rejects a count it has seen for a nonce (RFC 7616 §3.4, §5.5).
type nonceCounts struct {
	mu    sync.Mutex
	count map[string]uint32
	order []string
}

func (n *nonceCounts) next(realm, nonce string) uint32 {
	key := strconv.Itoa(len(realm)) + ":" + realm + nonce
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.count == nil {
		n.count = make(map[string]uint32)
	}
	c, ok := n.count[key]
	if !ok {
		if len(n.order) >= maxNonces {
			delete(n.count, n.order[0])
			n.order = n.order[1:]
		}
		n.order = append(n.order, key)
	}
	c++
	n.count[key] = c
	return c
}
