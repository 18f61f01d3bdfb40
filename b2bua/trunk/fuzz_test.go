package trunk

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
)

func FuzzNormalizeE164(f *testing.F) {
	for _, s := range []string{"+442071234567", "0044 20 7123", "(030) 123-4567", "0", "00", "+", "", "12345", "0" + strings.Repeat("9", 20)} {
		f.Add(s, "49")
	}
	f.Add("0301234", "")
	f.Fuzz(func(t *testing.T, number, cc string) {
		got, err := NormalizeE164(number, cc)
		if err != nil {
			if !errors.Is(err, ErrBadNumber) {
				t.Fatalf("error %v does not wrap ErrBadNumber", err)
			}
			return
		}
		if len(got) < 1+minE164Digits || len(got) > 1+maxE164Digits || got[0] != '+' || got[1] == '0' {
			t.Fatalf("NormalizeE164(%q, %q) = %q", number, cc, got)
		}
		for i := 1; i < len(got); i++ {
			if got[i] < '0' || got[i] > '9' {
				t.Fatalf("NormalizeE164(%q, %q) = %q", number, cc, got)
			}
		}
		// Normalised numbers are a fixed point.
		if again, err := NormalizeE164(got, ""); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}

func FuzzDialplanRoute(f *testing.F) {
	d, err := NewDialplan(testRules)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"112", "0033123456789", "+442071234567", "12125550100", "90301234567", "234", "", "+", "9", "00"} {
		f.Add("1000", "sales", s)
	}
	f.Fuzz(func(t *testing.T, caller, group, number string) {
		r, ok := d.Route(caller, []string{group}, number)
		if !ok {
			return
		}
		if r.Number == "" || len(r.Trunks) == 0 || r.Rule == "" {
			t.Fatalf("Route(%q, %q, %q) = %+v", caller, group, number, r)
		}
		for _, rule := range testRules {
			if rule.Name == r.Rule && rule.E164 && !strings.HasPrefix(r.Number, "+") {
				t.Fatalf("E.164 rule %s produced %q", r.Rule, r.Number)
			}
		}
	})
}

// FuzzParseChallenge feeds carrier-supplied challenge headers to the
// parser and to Authorize.
func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{
		`Digest realm="carrier", nonce="abc", opaque="x", algorithm=SHA-256, qop="auth"`,
		`Digest realm="a \"b\"", nonce=n, qop="auth-int,auth", stale=true, userhash=true`,
		`Digest nonce="", algorithm=MD5-sess`,
		`Basic realm="x"`,
		`Digest realm="unterminated`,
	} {
		f.Add(s)
	}
	tr := authTrunk(f, nil)
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseChallenge(v)
		if err != nil {
			return
		}
		if !utf8.ValidString(v) {
			return
		}
		res := sip.NewResponse(401, "Unauthorized")
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", v))
		req := testRequest(sip.INVITE)
		err = tr.Authorize(req, res)
		if _, ok := c.usable(); ok != (err == nil) {
			t.Fatalf("usable=%v but Authorize: %v", ok, err)
		}
		if err == nil {
			// What we send must parse back as a digest credential list.
			h := req.GetHeader("Authorization").Value()
			if _, err := parseChallenge(strings.Replace(h, "Digest ", "Digest nonce=\"\", ", 1)); err != nil {
				t.Fatalf("unparseable credentials %q: %v", h, err)
			}
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"sip.example.com", "host:5060", "[::1]:5060", "192.0.2.1", "::1", "[::1", "a..b", "h:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAddress(s)
		if err != nil {
			return
		}
		if a.host == "" || a.port < 0 || a.port > 65535 || (a.ip.IsValid() && a.ip.String() != a.host) {
			t.Fatalf("parseAddress(%q) = %+v", s, a)
		}
	})
}
