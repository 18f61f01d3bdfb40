package sipauth

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// quiet discards the warnings that some tests provoke on purpose.
var quiet = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testH is an independent H() for the tests: lowercase hex of the digest.
func testH(alg Algorithm, s string) string {
	if alg == SHA256 {
		x := sha256.Sum256([]byte(s))
		return hex.EncodeToString(x[:])
	}
	x := md5.Sum([]byte(s))
	return hex.EncodeToString(x[:])
}

// testResponse computes a client's request-digest independently of the
// package code (RFC 2617 §3.2.2.1, RFC 3261 §22.4).
func testResponse(alg Algorithm, ha1, method, uri, nonce, nc, cnonce, qop string) string {
	ha2 := testH(alg, method+":"+uri)
	if qop == "" {
		return testH(alg, ha1+":"+nonce+":"+ha2)
	}
	return testH(alg, ha1+":"+nonce+":"+nc+":"+cnonce+":"+qop+":"+ha2)
}

// testHA1 computes HA1 independently.
func testHA1(alg Algorithm, user, realm, password string) string {
	return testH(alg, user+":"+realm+":"+password)
}

// testQuote renders a quoted-string with quoted-pairs for '"' and '\'.
func testQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// cred is a client's digest-response, rendered by header.
type cred struct {
	User, Realm, Nonce, URI, Response string
	Algorithm, Cnonce, NC, QOP        string
	Opaque                            string
	Extra                             string // appended verbatim after ", "
}

func (c cred) header() string {
	var b strings.Builder
	b.WriteString("Digest username=" + testQuote(c.User))
	b.WriteString(", realm=" + testQuote(c.Realm))
	b.WriteString(", nonce=" + testQuote(c.Nonce))
	b.WriteString(", uri=" + testQuote(c.URI))
	if c.Algorithm != "" {
		b.WriteString(", algorithm=" + c.Algorithm)
	}
	if c.QOP != "" {
		b.WriteString(", qop=" + c.QOP + ", nc=" + c.NC + ", cnonce=" + testQuote(c.Cnonce))
	}
	if c.Opaque != "" {
		b.WriteString(", opaque=" + testQuote(c.Opaque))
	}
	if c.Extra != "" {
		b.WriteString(", " + c.Extra)
	}
	b.WriteString(", response=" + testQuote(c.Response))
	return b.String()
}

// sign fills in Response for the given password and method.
func (c cred) sign(alg Algorithm, password, method string) cred {
	c.Response = testResponse(alg, testHA1(alg, c.User, c.Realm, password), method, c.URI, c.Nonce, c.NC, c.Cnonce, c.QOP)
	return c
}

var (
	reNonce  = regexp.MustCompile(`nonce="([^"]*)"`)
	reOpaque = regexp.MustCompile(`opaque="([^"]*)"`)
)

// challengeParams extracts nonce and opaque from a challenge value.
func challengeParams(t testing.TB, ch string) (nonce, opaque string) {
	t.Helper()
	n := reNonce.FindStringSubmatch(ch)
	o := reOpaque.FindStringSubmatch(ch)
	if n == nil || o == nil {
		t.Fatalf("challenge without nonce/opaque: %s", ch)
	}
	return n[1], o[1]
}

// newCred returns a signed qop=auth credential answering a fresh challenge.
func newCred(t testing.TB, a *Authenticator, alg Algorithm, user, password, method string) cred {
	t.Helper()
	c, err := newCredE(a, alg, user, password, method)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newCredE is newCred for goroutines that must not call t.Fatal.
func newCredE(a *Authenticator, alg Algorithm, user, password, method string) (cred, error) {
	ch := a.Challenge(false)[0]
	n := reNonce.FindStringSubmatch(ch)
	o := reOpaque.FindStringSubmatch(ch)
	if n == nil || o == nil {
		return cred{}, fmt.Errorf("challenge without nonce/opaque: %s", ch)
	}
	c := cred{
		User: user, Realm: a.Realm(), Nonce: n[1], URI: "sip:example.org",
		Algorithm: string(alg), QOP: "auth", NC: "00000001", Cnonce: "0a4f113b", Opaque: o[1],
	}
	return c.sign(alg, password, method), nil
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// users is a Lookup over a fixed map.
func users(m map[string]Secret) Lookup {
	return func(u string) (Secret, bool) {
		s, ok := m[u]
		return s, ok
	}
}
