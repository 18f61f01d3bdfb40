package sipauth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/icholy/digest"
)

var methods = []string{"REGISTER", "INVITE"}

// Round trip with the independent helper of this package's tests.
func TestVerifyRoundTrip(t *testing.T) {
	lookup := users(map[string]Secret{"alice": {Password: "s3cret"}, `we"ird\user`: {Password: "x"}})
	a := New(Config{Realm: "example.org"})
	for _, alg := range []Algorithm{SHA256, MD5} {
		for _, method := range methods {
			for _, user := range []string{"alice", `we"ird\user`} {
				t.Run(fmt.Sprintf("%s/%s/%s", alg, method, user), func(t *testing.T) {
					pw := "s3cret"
					if user != "alice" {
						pw = "x"
					}
					c := newCred(t, a, alg, user, pw, method)
					res, err := a.Verify(method, c.header(), lookup)
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					want := Result{User: user, Algorithm: alg, Realm: "example.org", URI: "sip:example.org"}
					if res != want {
						t.Fatalf("result %+v, want %+v", res, want)
					}
					// The same credentials for another method must fail:
					// the method is part of A2 (RFC 3261 §22.4).
					c.NC = "00000002"
					if _, err := a.Verify("BYE", c.header(), lookup); !errors.Is(err, ErrWrongCredentials) {
						t.Fatalf("other method: err = %v", err)
					}
				})
			}
		}
	}
}

// Round trip with github.com/icholy/digest as an independent client.
func TestVerifyWithDigestClient(t *testing.T) {
	lookup := users(map[string]Secret{"bob": {Password: "Circle of Life"}})
	a := New(Config{Realm: "sip.example.com"})
	nc := 0 // the values of one Challenge call share a nonce, hence one counter
	for i, ch := range a.Challenge(false) {
		chal, err := digest.ParseChallenge(ch)
		if err != nil {
			t.Fatalf("ParseChallenge(%s): %v", ch, err)
		}
		if !digest.CanDigest(chal) {
			t.Fatalf("client cannot answer %s", ch)
		}
		for _, method := range methods {
			for count := 1; count <= 3; count++ {
				nc++
				cr, err := digest.Digest(chal, digest.Options{
					Method: method, URI: "sip:bob@sip.example.com;transport=ws",
					Username: "bob", Password: "Circle of Life", Count: nc,
				})
				if err != nil {
					t.Fatal(err)
				}
				res, err := a.Verify(method, cr.String(), lookup)
				if err != nil {
					t.Fatalf("challenge %d %s count %d: %v", i, method, count, err)
				}
				if res.User != "bob" || string(res.Algorithm) != chal.Algorithm || res.URI != "sip:bob@sip.example.com;transport=ws" {
					t.Fatalf("result %+v", res)
				}
			}
		}
		// Wrong password through the same client.
		cr, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:x", Username: "bob", Password: "circle of life", Count: 100})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Verify("INVITE", cr.String(), lookup); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("wrong password: err = %v", err)
		}
	}
}

// RFC 2069 compatible responses (no qop) from old phones.
func TestVerifyWithoutQOP(t *testing.T) {
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{})
	for _, alg := range []Algorithm{MD5, SHA256} {
		c := newCred(t, a, alg, "alice", "pw", "REGISTER")
		c.QOP, c.NC, c.Cnonce = "", "", ""
		c = c.sign(alg, "pw", "REGISTER")
		for range 2 { // no nc, so no replay state: accepted repeatedly within the TTL
			if _, err := a.Verify("REGISTER", c.header(), lookup); err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
		}
	}
	// And via the independent client, which omits qop when none is offered.
	ch := strings.Replace(a.Challenge(false)[1], `, qop="auth"`, "", 1)
	chal, err := digest.ParseChallenge(ch)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:r", Username: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify("REGISTER", cr.String(), lookup); err != nil {
		t.Fatalf("digest client without qop: %v", err)
	}
	if a.replay.len() != 0 {
		t.Fatalf("qop-less requests created replay state")
	}
}

func TestVerifyHA1Secrets(t *testing.T) {
	const realm = "callgate"
	md5HA1 := testHA1(MD5, "alice", realm, "pw")
	shaHA1 := testHA1(SHA256, "alice", realm, "pw")
	a := New(Config{})
	for _, tc := range []struct {
		name   string
		secret Secret
		alg    Algorithm
		err    error
	}{
		{"md5 HA1 / MD5", Secret{HA1MD5: md5HA1}, MD5, nil},
		{"sha HA1 / SHA-256", Secret{HA1SHA256: shaHA1}, SHA256, nil},
		{"both / MD5", Secret{HA1MD5: md5HA1, HA1SHA256: shaHA1}, MD5, nil},
		{"both / SHA-256", Secret{HA1MD5: md5HA1, HA1SHA256: shaHA1}, SHA256, nil},
		{"upper-case HA1", Secret{HA1SHA256: strings.ToUpper(shaHA1)}, SHA256, nil},
		{"md5 HA1 only / SHA-256", Secret{HA1MD5: md5HA1}, SHA256, ErrNoSecret},
		{"sha HA1 only / MD5", Secret{HA1SHA256: shaHA1}, MD5, ErrNoSecret},
		{"empty secret", Secret{}, MD5, ErrNoSecret},
		{"HA1 of another password", Secret{HA1MD5: testHA1(MD5, "alice", realm, "other")}, MD5, ErrWrongCredentials},
		{"HA1 of another realm", Secret{HA1MD5: testHA1(MD5, "alice", "other", "pw")}, MD5, ErrWrongCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := users(map[string]Secret{"alice": tc.secret})
			c := newCred(t, a, tc.alg, "alice", "pw", "REGISTER")
			_, err := a.Verify("REGISTER", c.header(), lookup)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			// ErrNoSecret always comes with ErrWrongCredentials.
			if errors.Is(err, ErrNoSecret) && !errors.Is(err, ErrWrongCredentials) {
				t.Fatalf("ErrNoSecret without ErrWrongCredentials: %v", err)
			}
		})
	}
}

func TestVerifyErrors(t *testing.T) {
	const pw = "correct horse"
	lookup := users(map[string]Secret{"alice": {Password: pw}})
	a := New(Config{})
	md5Only := New(Config{Algorithms: []Algorithm{MD5}})
	shaOnly := New(Config{Algorithms: []Algorithm{SHA256}})

	for _, tc := range []struct {
		name string
		a    *Authenticator // nil means a
		alg  Algorithm
		edit func(c cred) cred // applied to a signed credential; re-sign if needed
		hdr  func(h string) string
		err  error
	}{
		{name: "ok", alg: SHA256, err: nil},
		{name: "upper-case response hex", alg: SHA256, hdr: func(h string) string {
			i := strings.LastIndex(h, `response="`) + len(`response="`)
			return h[:i] + strings.ToUpper(h[i:])
		}},
		{name: "lower-case algorithm", alg: SHA256, edit: func(c cred) cred { c.Algorithm = "sha-256"; return c }},
		{name: "wrong password", alg: SHA256, edit: func(c cred) cred { return c.sign(SHA256, "wrong", "REGISTER") }, err: ErrWrongCredentials},
		{name: "wrong uri signed", alg: MD5, edit: func(c cred) cred { c.URI = "sip:other"; return c }, err: ErrWrongCredentials},
		{name: "wrong cnonce signed", alg: MD5, edit: func(c cred) cred { c.Cnonce = "other"; return c }, err: ErrWrongCredentials},
		{name: "unknown user", alg: SHA256, edit: func(c cred) cred { c.User = "mallory"; return c.sign(SHA256, pw, "REGISTER") }, err: ErrUnknownUser},
		{name: "wrong realm", alg: SHA256, edit: func(c cred) cred { c.Realm = "evil"; return c.sign(SHA256, pw, "REGISTER") }, err: ErrRealm},
		{name: "realm differs in case", alg: SHA256, edit: func(c cred) cred { c.Realm = "CallGate"; return c }, err: ErrRealm},
		{name: "unknown algorithm", alg: SHA256, edit: func(c cred) cred { c.Algorithm = "SHA-512"; return c }, err: ErrAlgorithm},
		{name: "sess algorithm", alg: MD5, edit: func(c cred) cred { c.Algorithm = "MD5-sess"; return c }, err: ErrAlgorithm},
		{name: "empty algorithm", alg: MD5, edit: func(c cred) cred { c.Algorithm = `""`; return c }, err: ErrAlgorithm},
		{name: "SHA-256 not offered", a: md5Only, alg: SHA256, err: ErrAlgorithm},
		{name: "MD5 not offered", a: shaOnly, alg: MD5, err: ErrAlgorithm},
		{name: "absent algorithm means MD5", alg: MD5, edit: func(c cred) cred { c.Algorithm = ""; return c }},
		{name: "absent algorithm, MD5 not offered", a: shaOnly, alg: SHA256, edit: func(c cred) cred { c.Algorithm = ""; return c }, err: ErrAlgorithm},
		{name: "qop auth-int", alg: MD5, edit: func(c cred) cred { c.QOP = "auth-int"; return c.sign(MD5, pw, "REGISTER") }, err: ErrQOP},
		{name: "qop list", alg: MD5, edit: func(c cred) cred { c.QOP = `"auth,auth-int"`; return c }, err: ErrQOP},
		{name: "qop empty", alg: MD5, edit: func(c cred) cred { c.QOP = `""`; return c }, err: ErrQOP},
		{name: "qop upper case", alg: MD5, edit: func(c cred) cred { c.QOP = "AUTH"; return c.sign(MD5, pw, "REGISTER") }},
		{name: "qop quoted", alg: MD5, edit: func(c cred) cred {
			c = c.sign(MD5, pw, "REGISTER")
			c.QOP = `"auth"`
			return c
		}},
		{name: "qop without cnonce", alg: MD5, edit: func(c cred) cred { c.Cnonce = ""; return c.sign(MD5, pw, "REGISTER") }, err: ErrMalformed},
		{name: "nc short", alg: MD5, edit: func(c cred) cred { c.NC = "0001"; return c.sign(MD5, pw, "REGISTER") }, err: ErrMalformed},
		{name: "nc not hex", alg: MD5, edit: func(c cred) cred { c.NC = "0000000g"; return c.sign(MD5, pw, "REGISTER") }, err: ErrMalformed},
		{name: "nc zero", alg: MD5, edit: func(c cred) cred { c.NC = "00000000"; return c.sign(MD5, pw, "REGISTER") }, err: ErrReplay},
		{name: "nc upper-case hex", alg: MD5, edit: func(c cred) cred { c.NC = "0000000A"; return c.sign(MD5, pw, "REGISTER") }},
		{name: "nc max", alg: MD5, edit: func(c cred) cred { c.NC = "ffffffff"; return c.sign(MD5, pw, "REGISTER") }},
		{name: "userhash true", alg: SHA256, edit: func(c cred) cred { c.Extra = "userhash=true"; return c }, err: ErrMalformed},
		{name: "userhash TRUE quoted", alg: SHA256, edit: func(c cred) cred { c.Extra = `userhash="TRUE"`; return c }, err: ErrMalformed},
		{name: "userhash junk", alg: SHA256, edit: func(c cred) cred { c.Extra = "userhash=maybe"; return c }, err: ErrMalformed},
		{name: "userhash false", alg: SHA256, edit: func(c cred) cred { c.Extra = "userhash=false"; return c }},
		{name: "response too short", alg: SHA256, edit: func(c cred) cred { c.Response = c.Response[:32]; return c }, err: ErrMalformed},
		{name: "response not hex", alg: MD5, edit: func(c cred) cred { c.Response = "x" + c.Response[1:]; return c }, err: ErrMalformed},
		{name: "garbage nonce", alg: MD5, edit: func(c cred) cred { c.Nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"; return c.sign(MD5, pw, "REGISTER") }, err: ErrBadNonce},
		{name: "basic scheme", alg: MD5, hdr: func(string) string { return "Basic YWxpY2U6cHc=" }, err: ErrMalformed},
		{name: "no uri", alg: MD5, hdr: func(h string) string {
			return strings.Replace(h, `uri="sip:example.org", `, "", 1)
		}, err: ErrMalformed},
		{name: "extension params ignored", alg: MD5, edit: func(c cred) cred { c.Extra = `foo=bar, baz="q\"x"`; return c }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := tc.a
			if auth == nil {
				auth = a
			}
			c := newCred(t, auth, tc.alg, "alice", pw, "REGISTER")
			if tc.edit != nil {
				c = tc.edit(c)
			}
			h := c.header()
			if tc.hdr != nil {
				h = tc.hdr(h)
			}
			res, err := auth.Verify("REGISTER", h, lookup)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if res.User != "alice" {
					t.Fatalf("result %+v", res)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if res != (Result{}) {
				t.Fatalf("non-zero result on error: %+v", res)
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestVerifyNilLookup(t *testing.T) {
	a := New(Config{})
	c := newCred(t, a, MD5, "alice", "pw", "REGISTER")
	if _, err := a.Verify("REGISTER", c.header(), nil); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("err = %v", err)
	}
}

func TestReplay(t *testing.T) {
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{})
	c := newCred(t, a, SHA256, "alice", "pw", "INVITE")
	verify := func(nc string, password string) error {
		c.NC = nc
		_, err := a.Verify("INVITE", c.sign(SHA256, password, "INVITE").header(), lookup)
		return err
	}
	steps := []struct {
		nc, pw string
		err    error
	}{
		{"00000001", "pw", nil},
		{"00000001", "pw", ErrReplay}, // replayed
		{"00000005", "bad", ErrWrongCredentials},
		{"00000002", "pw", nil}, // the wrong password above did not advance nc
		{"00000002", "pw", ErrReplay},
		{"00000001", "pw", ErrReplay}, // going back
		{"00000010", "pw", nil},       // gaps are fine
		{"0000000f", "pw", ErrReplay},
	}
	for i, s := range steps {
		if err := verify(s.nc, s.pw); !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
			t.Fatalf("step %d (nc %s): err = %v, want %v", i, s.nc, err, s.err)
		}
	}
	// Another nonce has its own counter.
	d := newCred(t, a, SHA256, "alice", "pw", "INVITE")
	if _, err := a.Verify("INVITE", d.header(), lookup); err != nil {
		t.Fatalf("second nonce: %v", err)
	}
}

// Errors never carry secrets, whatever the path.
func TestErrorsDoNotLeak(t *testing.T) {
	const pw = "Tr0ub4dor&3"
	ha1 := testHA1(SHA256, "alice", "callgate", pw)
	lookup := users(map[string]Secret{"alice": {Password: pw, HA1SHA256: ha1}})
	a := New(Config{})
	c := newCred(t, a, SHA256, "alice", "wrong", "REGISTER")
	_, err := a.Verify("REGISTER", c.header(), lookup)
	if err == nil {
		t.Fatal("expected error")
	}
	good := newCred(t, a, SHA256, "alice", pw, "REGISTER")
	for _, s := range []string{pw, ha1, good.Response, c.Response} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains secret material", err)
		}
	}
}
