package trunk

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/emiago/sipgo/sip"
)

func authTrunk(t testing.TB, mod func(*Config)) *Trunk {
	t.Helper()
	c := Config{Name: "carrier", Addresses: []string{"192.0.2.1"}, Domain: "carrier.example", Username: "acct", Password: "s3cret\"pw"}
	if mod != nil {
		mod(&c)
	}
	s, err := NewSet([]Config{c}, Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return s.Get("carrier")
}

func challengeResponse(code int, name string, values ...string) *sip.Response {
	res := sip.NewResponse(code, "Challenge")
	for _, v := range values {
		res.AppendHeader(sip.NewHeader(name, v))
	}
	return res
}

func testRequest(method sip.RequestMethod) *sip.Request {
	return sip.NewRequest(method, sip.Uri{Scheme: "sip", User: "+4930123", Host: "carrier.example", UriParams: sip.HeaderParams{{K: "transport", V: "tcp"}}})
}

// TestAuthorizeAcceptedBySipauth: the credentials verify with the
// project's server-side digest implementation, for both algorithms, 401
// and 407, repeated answers to one nonce included (nc grows).
func TestAuthorizeAcceptedBySipauth(t *testing.T) {
	tr := authTrunk(t, nil)
	lookup := func(u string) (sipauth.Secret, bool) {
		if u == "acct" {
			return sipauth.Secret{Password: "s3cret\"pw"}, true
		}
		return sipauth.Secret{}, false
	}
	for _, algs := range [][]sipauth.Algorithm{{sipauth.SHA256, sipauth.MD5}, {sipauth.MD5, sipauth.SHA256}, {sipauth.MD5}} {
		a := sipauth.New(sipauth.Config{Realm: "carrier", Algorithms: algs, Logger: testLogger()})
		for _, tc := range []struct {
			code         int
			chName, cred string
		}{{401, "WWW-Authenticate", "Authorization"}, {407, "Proxy-Authenticate", "Proxy-Authorization"}} {
			res := challengeResponse(tc.code, tc.chName, a.Challenge(false)...)
			for i := range 3 {
				req := testRequest(sip.INVITE)
				req.AppendHeader(sip.NewHeader(tc.cred, "Digest stale-from-before"))
				if err := tr.Authorize(req, res); err != nil {
					t.Fatal(err)
				}
				hs := req.GetHeaders(tc.cred)
				if len(hs) != 1 {
					t.Fatalf("%d %s headers", len(hs), tc.cred)
				}
				r, err := a.Verify("INVITE", hs[0].Value(), lookup)
				if err != nil {
					t.Fatalf("algs %v code %d try %d: %v\n%s", algs, tc.code, i, err, hs[0].Value())
				}
				if r.User != "acct" || r.Algorithm != algs[0] || r.URI != "sip:+4930123@carrier.example;transport=tcp" {
					t.Fatalf("result %+v", r)
				}
				if strings.Contains(hs[0].Value(), "s3cret") {
					t.Fatal("password in header")
				}
				// Signed for INVITE, so another method fails.
				if _, err := a.Verify("BYE", hs[0].Value(), lookup); err == nil {
					t.Fatal("verified for the wrong method")
				}
			}
		}
	}
}

func TestAuthorizeAuthUsernameAndRealm(t *testing.T) {
	tr := authTrunk(t, func(c *Config) { c.AuthUsername = "auth-id"; c.Realm = "carrier" })
	a := sipauth.New(sipauth.Config{Realm: "carrier", Logger: testLogger()})
	other := sipauth.New(sipauth.Config{Realm: "elsewhere", Logger: testLogger()})
	// The other realm's challenge comes first and is skipped.
	res := challengeResponse(401, "WWW-Authenticate", append(other.Challenge(false), a.Challenge(false)...)...)
	req := testRequest(sip.REGISTER)
	if err := tr.Authorize(req, res); err != nil {
		t.Fatal(err)
	}
	r, err := a.Verify("REGISTER", req.GetHeader("Authorization").Value(), func(u string) (sipauth.Secret, bool) {
		return sipauth.Secret{Password: "s3cret\"pw"}, u == "auth-id"
	})
	if err != nil || r.User != "auth-id" {
		t.Fatalf("%+v %v", r, err)
	}
	if n := len(req.GetHeaders("Authorization")); n != 1 {
		t.Fatalf("%d Authorization headers", n)
	}
	if err := tr.Authorize(testRequest(sip.REGISTER), challengeResponse(401, "WWW-Authenticate", other.Challenge(false)...)); !errors.Is(err, ErrRealmMismatch) {
		t.Fatalf("realm mismatch: %v", err)
	}
}

// TestAuthorizeEachRealm: without a configured Realm every realm
// challenged gets credentials (RFC 3261 §22.3), the topmost per realm.
func TestAuthorizeEachRealm(t *testing.T) {
	tr := authTrunk(t, nil)
	res := challengeResponse(407, "Proxy-Authenticate",
		`Digest realm="one", nonce="n1", algorithm=SHA-256, qop="auth"`,
		`Digest realm="one", nonce="n1", algorithm=MD5, qop="auth"`,
		`Digest realm="two", nonce="n2", algorithm=md5`)
	req := testRequest(sip.INVITE)
	if err := tr.Authorize(req, res); err != nil {
		t.Fatal(err)
	}
	hs := req.GetHeaders("Proxy-Authorization")
	if len(hs) != 2 || !strings.Contains(hs[0].Value(), `realm="one"`) || !strings.Contains(hs[0].Value(), "algorithm=SHA-256") ||
		!strings.Contains(hs[1].Value(), `realm="two"`) || !strings.Contains(hs[1].Value(), "algorithm=MD5") {
		t.Fatalf("%v", hs)
	}
}

// TestAuthorizeRFC2069: a challenge without qop gets the
// H(HA1:nonce:HA2) response and no cnonce, nc or qop.
func TestAuthorizeRFC2069(t *testing.T) {
	tr := authTrunk(t, nil)
	req := testRequest(sip.REGISTER)
	res := challengeResponse(401, "WWW-Authenticate", `Digest realm="r", nonce="abc", opaque="op\"q"`)
	if err := tr.Authorize(req, res); err != nil {
		t.Fatal(err)
	}
	md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	uri := "sip:+4930123@carrier.example;transport=tcp"
	want := md(md("acct:r:s3cret\"pw") + ":abc:" + md("REGISTER:"+uri))
	got := req.GetHeader("Authorization").Value()
	wantHdr := `Digest username="acct", realm="r", nonce="abc", uri="` + uri + `", response="` + want + `", opaque="op\"q"`
	if got != wantHdr {
		t.Fatalf("got  %s\nwant %s", got, wantHdr)
	}
}

// TestAuthorizeSess checks MD5-sess and userhash against RFC 7616
// formulas computed here.
func TestAuthorizeSess(t *testing.T) {
	tr := authTrunk(t, nil)
	req := testRequest(sip.INVITE)
	res := challengeResponse(401, "WWW-Authenticate", `Digest realm="r", nonce="abc", algorithm=MD5-sess, qop="auth,auth-int", userhash=true`)
	if err := tr.Authorize(req, res); err != nil {
		t.Fatal(err)
	}
	v := req.GetHeader("Authorization").Value()
	p := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(v, "Digest "), ", ") {
		k, val, _ := strings.Cut(kv, "=")
		p[k] = strings.Trim(val, `"`)
	}
	md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	ha1 := md(md("acct:r:s3cret\"pw") + ":abc:" + p["cnonce"])
	uri := "sip:+4930123@carrier.example;transport=tcp"
	want := md(ha1 + ":abc:" + p["nc"] + ":" + p["cnonce"] + ":auth:" + md("INVITE:"+uri))
	if p["response"] != want || p["username"] != md("acct:r") || p["userhash"] != "true" || p["algorithm"] != "MD5-sess" || p["nc"] != "00000001" || p["qop"] != "auth" {
		t.Fatalf("%s\n%v", v, p)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	tr := authTrunk(t, nil)
	noCreds := authTrunk(t, func(c *Config) { c.Username, c.Password = "", "" })
	ok := challengeResponse(401, "WWW-Authenticate", `Digest realm="r", nonce="n", qop="auth"`)
	for name, tc := range map[string]struct {
		tr   *Trunk
		res  *sip.Response
		want error
	}{
		"no credentials":  {noCreds, ok, ErrNoCredentials},
		"not a challenge": {tr, sip.NewResponse(403, "Forbidden"), ErrBadChallenge},
		"nil response":    {tr, nil, ErrBadChallenge},
		"no header":       {tr, challengeResponse(401, "WWW-Authenticate"), ErrBadChallenge},
		"wrong header":    {tr, challengeResponse(407, "WWW-Authenticate", `Digest realm="r", nonce="n"`), ErrBadChallenge},
		"basic":           {tr, challengeResponse(401, "WWW-Authenticate", `Basic realm="r"`), ErrBadChallenge},
		"auth-int only":   {tr, challengeResponse(401, "WWW-Authenticate", `Digest realm="r", nonce="n", qop="auth-int"`), ErrBadChallenge},
		"unknown alg":     {tr, challengeResponse(401, "WWW-Authenticate", `Digest realm="r", nonce="n", algorithm=SHA-1`), ErrBadChallenge},
		"malformed":       {tr, challengeResponse(401, "WWW-Authenticate", `Digest realm="r, nonce="n"`), ErrBadChallenge},
	} {
		if err := tc.tr.Authorize(testRequest(sip.INVITE), tc.res); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseChallenge(t *testing.T) {
	c, err := parseChallenge(`DIGEST  realm = "a \"q\" realm" ,nonce="n,1", opaque=tok, algorithm=sha-256, qop="auth-int, AUTH", stale=TRUE, domain="sip:a sip:b"`)
	if err != nil {
		t.Fatal(err)
	}
	if c.realm != `a "q" realm` || c.nonce != "n,1" || c.opaque != "tok" || c.algorithm != "sha-256" || !c.hasAlg ||
		strings.Join(c.qop, "|") != "auth-int|auth" || !c.stale || c.userhash {
		t.Fatalf("%+v", c)
	}
	if alg, ok := c.usable(); !ok || alg.name != "SHA-256" {
		t.Fatalf("usable: %v %v", alg.name, ok)
	}
	for _, bad := range []string{"", "Digest", "Digestrealm=x", `Digest realm="x"`, `Digest nonce="x`, `Digest nonce=`, `Digest nonce="x" realm="y"`,
		`Digest =x, nonce=y`, `Digest nonce="a\`, "Digest nonce=\"a\x01\"", `Digest nonce x`, `Digest nonce=x,, realm=y`, `Digest nonce=x realm=y`} {
		if c, err := parseChallenge(bad); err == nil {
			t.Errorf("parseChallenge(%q) = %+v", bad, c)
		}
	}
}

func TestNonceCountsBounded(t *testing.T) {
	var n nonceCounts
	if n.next("r", "a") != 1 || n.next("r", "a") != 2 || n.next("r", "b") != 1 || n.next("ra", "") != 1 {
		t.Fatal("counting")
	}
	for i := range 3 * maxNonces {
		n.next("r", strings.Repeat("x", i))
	}
	if len(n.count) > maxNonces || len(n.order) > maxNonces {
		t.Fatalf("%d nonces kept", len(n.count))
	}
}

func BenchmarkAuthorize(b *testing.B) {
	tr := authTrunk(b, nil)
	a := sipauth.New(sipauth.Config{Realm: "carrier", Algorithms: []sipauth.Algorithm{sipauth.SHA256}, Logger: testLogger()})
	res := challengeResponse(407, "Proxy-Authenticate", a.Challenge(false)...)
	req := testRequest(sip.INVITE)
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Authorize(req, res); err != nil {
			b.Fatal(err)
		}
	}
}
