package b2bua

import (
	"testing"
	"time"
)

func TestParseToken(t *testing.T) {
	for _, c := range []struct {
		in     string
		ok     bool
		user   string
		dests  []string
		target string
		may    bool
	}{
		{"1900000000:alice", true, "alice", nil, "9999", true},
		{"1900000000:alice:1001,20*", true, "alice", []string{"1001", "20*"}, "2042", true},
		{"1900000000:alice:1001,20*", true, "alice", []string{"1001", "20*"}, "1002", false},
		{"1900000000:alice:", true, "alice", []string{}, "1001", false},
		{"1900000000:alice:*", true, "alice", []string{"*"}, "anything", true},
		{"alice", false, "", nil, "", false},
		{":alice", false, "", nil, "", false},
		{"abc:alice", false, "", nil, "", false},
		{"-5:alice", false, "", nil, "", false},
		{"1900000000:", false, "", nil, "", false},
		{"1900000000:al@ce", false, "", nil, "", false},
		{"1234567890123:alice", false, "", nil, "", false},
	} {
		tok, ok := parseToken(c.in)
		if ok != c.ok {
			t.Errorf("%q: ok %v, want %v", c.in, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if tok.user != c.user || len(tok.destinations) != len(c.dests) || (tok.destinations == nil) != (c.dests == nil) {
			t.Errorf("%q: %+v", c.in, tok)
		}
		if got := tok.mayCall(c.target); got != c.may {
			t.Errorf("%q calling %q: %v, want %v", c.in, c.target, got, c.may)
		}
	}
}

func TestTokenCheck(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok := token{expiry: now.Add(time.Hour), user: "a"}
	if err := tok.check(now, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := tok.check(now.Add(time.Hour), 24*time.Hour); code(err) != 403 {
		t.Fatalf("expired at the expiry second: %v", err)
	}
	if err := tok.check(now, 30*time.Minute); code(err) != 403 {
		t.Fatalf("lifetime beyond the maximum: %v", err)
	}
}

func TestMintTokenRoundTrip(t *testing.T) {
	u, pw := MintToken("k", "bob", time.Unix(1_900_000_000, 0), "1001", "2*")
	if u != "1900000000:bob:1001,2*" || pw != TokenPassword("k", u) || pw == TokenPassword("k2", u) {
		t.Fatalf("%s %s", u, pw)
	}
}

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{"1900000000:alice", "1900000000:alice:1001,20*", "x:y:z", ":::"} {
		f.Add(s, "1001")
	}
	f.Fuzz(func(t *testing.T, s, target string) {
		tok, ok := parseToken(s)
		if !ok {
			return
		}
		if tok.user == "" {
			t.Fatal("token without a user")
		}
		_ = tok.mayCall(target)
	})
}

// code is the SIP status an error carries.
func code(err error) int {
	c, _, _ := statusOf(err)
	return c
}
