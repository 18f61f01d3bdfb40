package b2bua_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/sipauth"
	"github.com/icholy/digest"
)

func TestRegisterOverUDPAndTCP(t *testing.T) {
	g := startGateway(t, nil)
	for _, tc := range []struct{ transport, target, alg string }{
		{"UDP", g.udp, "SHA-256"},
		{"UDP", g.udp, "MD5"},
		{"TCP", g.tcp, "SHA-256"},
		{"TCP", g.tcp, "MD5"},
	} {
		t.Run(tc.transport+"/"+tc.alg, func(t *testing.T) {
			p := newPhone(t, tc.transport, tc.target)
			contact := "sip:1000@127.0.0.1:5999;transport=" + strings.ToLower(tc.transport)
			res := p.register(t, regReq{user: "1000", pass: testUsers["1000"], alg: tc.alg, expires: 600,
				contacts: []string{"<" + contact + ">"}})
			if res.StatusCode != 200 {
				t.Fatalf("want 200, got %s", res.StartLine())
			}
			if e := contactExpires(res, contact); e < 598 || e > 600 {
				t.Fatalf("Contact expires=%d in %v, want ~600", e, res.GetHeaders("Contact"))
			}
			if res.GetHeader("Date") == nil || res.GetHeader("Server") == nil {
				t.Fatal("200 lacks Date or Server header")
			}
			bs, err := g.srv.Bindings(context.Background(), "1000@localhost")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, b := range bs {
				if b.Contact == contact {
					found = true
					if b.Transport != tc.transport || b.Source == "" {
						t.Fatalf("binding transport/source = %q/%q", b.Transport, b.Source)
					}
				}
			}
			if !found {
				t.Fatalf("binding %s not stored: %+v", contact, bs)
			}
			// Unregister the contact again.
			res = p.register(t, regReq{user: "1000", pass: testUsers["1000"], alg: tc.alg, expires: 0,
				contacts: []string{"<" + contact + ">"}})
			if res.StatusCode != 200 || contactExpires(res, contact) != -1 {
				t.Fatalf("unregister: %s contacts %v", res.StartLine(), contactURIs(res))
			}
		})
	}
}

func TestRegisterWrongPasswordThenBan(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.Auth.MaxFailures = 3; c.Auth.BanTime = time.Minute })
	for _, tc := range []struct{ transport, target string }{{"UDP", g.udp}, {"TCP", g.tcp}} {
		t.Run(tc.transport, func(t *testing.T) {
			p := newPhone(t, tc.transport, tc.target)
			user := map[string]string{"UDP": "1001", "TCP": "1002"}[tc.transport]
			for i := 1; i <= 2; i++ {
				res := p.register(t, regReq{user: user, pass: "wrong", expires: 600})
				if res.StatusCode != 401 || len(res.GetHeaders("WWW-Authenticate")) != 2 {
					t.Fatalf("attempt %d: want 401 with two challenges, got %s", i, res.StartLine())
				}
			}
			res := p.register(t, regReq{user: user, pass: "wrong", expires: 600})
			if res.StatusCode != 403 {
				t.Fatalf("third failure: want 403, got %s", res.StartLine())
			}
			// Even the right password is refused while the source is banned.
			res = p.register(t, regReq{user: user, pass: testUsers[user], expires: 600})
			if res.StatusCode != 403 {
				t.Fatalf("banned source: want 403, got %s", res.StartLine())
			}
			// Other users from the same source are unaffected.
			res = p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600})
			if res.StatusCode != 200 {
				t.Fatalf("other user: want 200, got %s", res.StartLine())
			}
		})
	}
}

func TestRegisterLifecycle(t *testing.T) {
	g := startGateway(t, nil)
	p := newPhone(t, "UDP", g.udp)
	pw := testUsers["1000"]
	c1, c2 := "sip:1000@127.0.0.1:6001", "sip:1000@127.0.0.1:6002"

	// Two contacts with q-values in one request.
	res := p.register(t, regReq{user: "1000", pass: pw, expires: 300, callID: "life@test",
		contacts: []string{"<" + c1 + ">;q=0.5", "<" + c2 + ">;expires=120;q=1.0"}})
	if res.StatusCode != 200 {
		t.Fatalf("register: %s", res.StartLine())
	}
	if e1, e2 := contactExpires(res, c1), contactExpires(res, c2); e1 < 298 || e2 < 118 || e2 > 120 {
		t.Fatalf("expires %d/%d, want ~300/~120", e1, e2)
	}
	if got := contactURIs(res); len(got) != 2 || got[0] != c2 {
		t.Fatalf("contacts %v: want both, q=1.0 first", got)
	}

	// Re-register (refresh) with the same Call-ID and a higher CSeq.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: 900, callID: "life@test", contacts: []string{"<" + c1 + ">"}})
	if res.StatusCode != 200 || contactExpires(res, c1) < 898 {
		t.Fatalf("refresh: %s expires=%d", res.StartLine(), contactExpires(res, c1))
	}

	// Fetch: no Contact lists the bindings without changing them.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: -1, contacts: []string{}})
	if res.StatusCode != 200 || len(contactURIs(res)) != 2 {
		t.Fatalf("fetch: %s %v", res.StartLine(), contactURIs(res))
	}

	// Too brief: 423 with Min-Expires, nothing changed.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: 10, contacts: []string{"<sip:1000@127.0.0.1:6003>"}})
	if res.StatusCode != 423 || res.GetHeader("Min-Expires") == nil || res.GetHeader("Min-Expires").Value() != "60" {
		t.Fatalf("brief: want 423 with Min-Expires: 60, got %s", res.StartLine())
	}

	// Above the maximum: shortened to 3600.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: 999999, contacts: []string{"<" + c2 + ">"}})
	if res.StatusCode != 200 || contactExpires(res, c2) > 3600 || contactExpires(res, c2) < 3598 {
		t.Fatalf("max: %s expires=%d", res.StartLine(), contactExpires(res, c2))
	}

	// Wildcard without Expires: 0 is malformed.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: 60, contacts: []string{"*"}})
	if res.StatusCode != 400 {
		t.Fatalf("wildcard with expires 60: want 400, got %s", res.StartLine())
	}
	// Contact: * with Expires: 0 removes everything.
	res = p.register(t, regReq{user: "1000", pass: pw, expires: 0, contacts: []string{"*"}})
	if res.StatusCode != 200 || len(contactURIs(res)) != 0 {
		t.Fatalf("wildcard: %s %v", res.StartLine(), contactURIs(res))
	}
	bs, _ := g.srv.Bindings(context.Background(), "1000@localhost")
	if len(bs) != 0 {
		t.Fatalf("bindings left after Contact: *: %+v", bs)
	}
}

func TestRegisterRefusals(t *testing.T) {
	g := startGateway(t, nil)
	p := newPhone(t, "TCP", g.tcp)

	// Authenticated as 1000 but registering 1001's AOR.
	r := regReq{user: "1001", pass: testUsers["1000"], expires: 600, callID: "other@test", contacts: []string{"<sip:x@127.0.0.1:7000>"}}
	res := p.do(t, p.buildRegister(r, ""))
	if res.StatusCode != 401 {
		t.Fatalf("want 401, got %s", res.StartLine())
	}
	auth, err := answerChallenge(res, "REGISTER", "sip:"+g.tcp, "1000", testUsers["1000"], "")
	if err != nil {
		t.Fatal(err)
	}
	res = p.do(t, p.buildRegister(r, auth))
	if res.StatusCode != 403 {
		t.Fatalf("foreign AOR: want 403, got %s", res.StartLine())
	}

	// An option tag we do not support.
	res = p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600, extra: []string{"Require: foo"}})
	if res.StatusCode != 420 || res.GetHeader("Unsupported") == nil {
		t.Fatalf("Require foo: want 420 with Unsupported, got %s", res.StartLine())
	}

	// Bad Expires value.
	res = p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: -1, extra: []string{"Expires: soon"}})
	if res.StatusCode != 400 {
		t.Fatalf("Expires soon: want 400, got %s", res.StartLine())
	}
}

func TestStaleNonce(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.Auth.NonceTTL = 200 * time.Millisecond })
	p := newPhone(t, "UDP", g.udp)
	r := regReq{user: "1000", pass: testUsers["1000"], expires: 600, callID: "stale@test", contacts: []string{"<sip:1000@127.0.0.1:5999>"}}
	res := p.do(t, p.buildRegister(r, ""))
	if res.StatusCode != 401 {
		t.Fatalf("want 401, got %s", res.StartLine())
	}
	time.Sleep(300 * time.Millisecond)
	auth, _ := answerChallenge(res, "REGISTER", "sip:"+g.udp, "1000", testUsers["1000"], "")
	res = p.do(t, p.buildRegister(r, auth))
	if res.StatusCode != 401 {
		t.Fatalf("stale: want 401, got %s", res.StartLine())
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil || !chal.Stale {
		t.Fatalf("want stale=true challenge, got %v (%v)", res.GetHeader("WWW-Authenticate"), err)
	}
	auth, _ = answerChallenge(res, "REGISTER", "sip:"+g.udp, "1000", testUsers["1000"], "")
	if res = p.do(t, p.buildRegister(r, auth)); res.StatusCode != 200 {
		t.Fatalf("after stale: want 200, got %s", res.StartLine())
	}
}

func TestConcurrentRegistrationsChallengeIndependently(t *testing.T) {
	const n = 40
	users := map[string]sipauth.Secret{}
	for i := 0; i < n; i++ {
		users[fmt.Sprintf("2%03d", i)] = sipauth.Secret{Password: fmt.Sprintf("pw%d", i)}
	}
	g := startGateway(t, func(c *b2bua.Config) { c.Users = users })
	var mu sync.Mutex
	nonces := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			user := fmt.Sprintf("2%03d", i)
			transport, target := "UDP", g.udp
			if i%2 == 1 {
				transport, target = "TCP", g.tcp
			}
			p := newPhone(t, transport, target)
			r := regReq{user: user, pass: fmt.Sprintf("pw%d", i), expires: 600, callID: "c-" + user,
				contacts: []string{fmt.Sprintf("<sip:%s@127.0.0.1:%d>", user, 7000+i)}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := p.client.Do(ctx, p.buildRegister(r, ""))
			if err != nil || res.StatusCode != 401 {
				errs <- fmt.Errorf("%s: challenge: %v %v", user, err, res)
				return
			}
			chal, _ := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
			mu.Lock()
			dup := nonces[chal.Nonce]
			nonces[chal.Nonce] = true
			mu.Unlock()
			if dup {
				errs <- fmt.Errorf("%s: nonce reused", user)
				return
			}
			auth, _ := answerChallenge(res, "REGISTER", "sip:"+target, user, fmt.Sprintf("pw%d", i), "")
			res, err = p.client.Do(ctx, p.buildRegister(r, auth))
			if err != nil || res.StatusCode != 200 {
				errs <- fmt.Errorf("%s: register: %v %v", user, err, res)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
