package sipauth

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Authenticator issues digest challenges and verifies the credentials sent
// in reply. It is safe for concurrent use; it starts no goroutines and needs
// no Close.
type Authenticator struct {
	realm      string
	ttl        time.Duration
	algorithms []Algorithm
	now        func() time.Time
	codec      *nonceCodec
	opaque     string
	replay     *replayTable
	dummy      Secret // used for unknown users so they cost the same work
}

// Result describes successfully verified credentials.
type Result struct {
	// User is the authenticated username (unescaped).
	User string
	// Algorithm is the algorithm the client used.
	Algorithm Algorithm
	// Realm is the authenticator's realm.
	Realm string
	// URI is the digest-uri the client signed. It is not required to equal
	// the Request-URI, since proxies may rewrite the latter.
	URI string
}

// New returns an Authenticator for cfg, applying defaults to zero fields.
func New(cfg Config) *Authenticator {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	realm := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, cfg.Realm)
	if realm != cfg.Realm {
		log.Warn("sipauth: control characters removed from realm")
	}
	if realm == "" {
		realm = DefaultRealm
	}
	ttl := cfg.NonceTTL
	if ttl <= 0 {
		ttl = DefaultNonceTTL
	}
	var algs []Algorithm
	for _, a := range cfg.Algorithms {
		if !a.Supported() || slices.Contains(algs, a) {
			log.Warn("sipauth: ignoring unsupported or duplicate algorithm", "algorithm", string(a))
			continue
		}
		algs = append(algs, a)
	}
	if len(algs) == 0 {
		// RFC 8760 §2.3 / RFC 7616 §3.7: offer the strongest algorithm first.
		algs = []Algorithm{SHA256, MD5}
	}
	key := cfg.Key
	if len(key) == 0 {
		key = randomBytes(32)
	} else if len(key) < 16 {
		log.Warn("sipauth: nonce key shorter than 16 bytes", "len", len(key))
	}
	capacity := cfg.ReplayCapacity
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	codec := newNonceCodec(key, realm)
	return &Authenticator{
		realm:      realm,
		ttl:        ttl,
		algorithms: algs,
		now:        now,
		codec:      codec,
		opaque:     codec.opaque(),
		replay:     newReplayTable(int64(ttl), capacity, log),
		dummy:      Secret{Password: hex.EncodeToString(randomBytes(16))},
	}
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails (it aborts the program instead).
	_, _ = rand.Read(b)
	return b
}

// Realm returns the realm used in challenges.
func (a *Authenticator) Realm() string { return a.realm }

// Algorithms returns the offered algorithms in preference order.
func (a *Authenticator) Algorithms() []Algorithm { return slices.Clone(a.algorithms) }

// Challenge returns the values for a 401 WWW-Authenticate or 407
// Proxy-Authenticate response, one per offered algorithm, most preferred
// first (RFC 8760 §2.3). Each has the form
//
//	Digest realm="...", nonce="...", opaque="...", algorithm=SHA-256, qop="auth"[, stale=true]
//
// Every call mints a fresh nonce, shared by the values of that call as in
// the example of RFC 7616 §3.9.1. stale should be true when re-challenging
// after ErrStaleNonce (RFC 7616 §3.3).
func (a *Authenticator) Challenge(stale bool) []string {
	nonce := a.codec.issue(a.now().UnixNano())
	out := make([]string, len(a.algorithms))
	var b strings.Builder
	for i, alg := range a.algorithms {
		b.Reset()
		b.Grow(len(a.realm) + len(nonce) + len(a.opaque) + 96)
		// RFC 3261 §22.4 / §25.1 digest-cln; RFC 8760 §2.1 algorithm values.
		b.WriteString(`Digest realm=`)
		WriteQuoted(&b, a.realm)
		b.WriteString(`, nonce="`)
		b.WriteString(nonce)
		b.WriteString(`", opaque="`)
		b.WriteString(a.opaque)
		b.WriteString(`", algorithm=`)
		b.WriteString(string(alg))
		b.WriteString(`, qop="auth"`)
		if stale {
			b.WriteString(`, stale=true`)
		}
		out[i] = b.String()
	}
	return out
}

// WriteQuoted writes s as an RFC 3261 §25.1 quoted-string, escaping '"'
// and '\' with quoted-pairs, as digest challenges and credentials carry
// their values.
func WriteQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
