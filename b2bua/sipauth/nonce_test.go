package sipauth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var reChallenge = regexp.MustCompile(`^Digest realm="callgate", nonce="[A-Za-z0-9_-]{54}", opaque="[A-Za-z0-9_-]{16}", algorithm=(SHA-256|MD5), qop="auth"(, stale=true)?$`)

func TestChallengeFormat(t *testing.T) {
	a := New(Config{})
	for _, stale := range []bool{false, true} {
		ch := a.Challenge(stale)
		if len(ch) != 2 {
			t.Fatalf("got %d challenges, want 2", len(ch))
		}
		for i, alg := range []string{"SHA-256", "MD5"} {
			m := reChallenge.FindStringSubmatch(ch[i])
			if m == nil {
				t.Fatalf("challenge %d malformed: %s", i, ch[i])
			}
			if m[1] != alg {
				t.Errorf("challenge %d algorithm %s, want %s", i, m[1], alg)
			}
			if (m[2] != "") != stale {
				t.Errorf("challenge %d stale marker %q, want stale=%v", i, m[2], stale)
			}
		}
		// One fresh nonce per call, shared by its values (RFC 7616 §3.9.1).
		n0, _ := challengeParams(t, ch[0])
		n1, _ := challengeParams(t, ch[1])
		if n0 != n1 {
			t.Errorf("nonces differ within one call")
		}
	}
}

func TestChallengeAlgorithmsConfig(t *testing.T) {
	a := New(Config{Algorithms: []Algorithm{MD5, "SHA-512", MD5}, Logger: quiet})
	ch := a.Challenge(false)
	if len(ch) != 1 || !strings.Contains(ch[0], "algorithm=MD5,") {
		t.Fatalf("challenges %q", ch)
	}
	if got := a.Algorithms(); len(got) != 1 || got[0] != MD5 {
		t.Fatalf("Algorithms() = %v", got)
	}
}

func TestChallengeRealmQuoting(t *testing.T) {
	a := New(Config{Realm: "we \"quote\" \\ and\r\n strip", Logger: quiet})
	if got, want := a.Realm(), `we "quote" \ and strip`; got != want {
		t.Fatalf("realm %q, want %q", got, want)
	}
	ch := a.Challenge(false)[0]
	if !strings.HasPrefix(ch, `Digest realm="we \"quote\" \\ and strip", nonce=`) {
		t.Fatalf("challenge %s", ch)
	}
	// The challenge parses back to the same realm with our own parser,
	// once turned into credentials-like syntax.
	c, err := parseCredentials(ch + `, username="u", uri="u", response="x"`)
	if err != nil {
		t.Fatal(err)
	}
	if c.realm != a.Realm() {
		t.Fatalf("round trip realm %q", c.realm)
	}
}

func TestFreshNonces(t *testing.T) {
	clk := newFakeClock() // a frozen clock: uniqueness must not rely on time
	a := New(Config{Now: clk.Now})
	seen := make(map[string]bool)
	for range 1000 {
		n, _ := challengeParams(t, a.Challenge(false)[0])
		if seen[n] {
			t.Fatalf("nonce repeated: %s", n)
		}
		seen[n] = true
	}
}

func TestNonceOpen(t *testing.T) {
	c := newNonceCodec([]byte("key-one-0123456789"), "r")
	now := time.Now().UnixNano()
	n := c.issue(now)
	issued, id, ok := c.open(n)
	if !ok || issued != now || id == (nonceID{}) {
		t.Fatalf("open = %d, %x, %v", issued, id, ok)
	}
	other := newNonceCodec([]byte("key-two-0123456789"), "r")
	otherRealm := newNonceCodec([]byte("key-one-0123456789"), "r2")
	for name, s := range map[string]string{
		"other key":   other.issue(now),
		"other realm": otherRealm.issue(now),
		"empty":       "",
		"short":       n[:len(n)-1],
		"long":        n + "A",
		"bad base64":  "*" + n[1:],
		"std base64":  strings.NewReplacer("-", "+", "_", "/").Replace(n) + "+/",
	} {
		if _, _, ok := c.open(s); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	// Flip every character in turn: no tampered nonce may pass.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(n) {
		b := []byte(n)
		j := strings.IndexByte(alphabet, b[i])
		b[i] = alphabet[(j+1)%len(alphabet)]
		if _, _, ok := c.open(string(b)); ok {
			t.Errorf("tampered nonce at %d accepted", i)
		}
	}
}

func TestVerifyNonceErrors(t *testing.T) {
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{Key: []byte("0123456789abcdef0123456789abcdef")})
	b := New(Config{Key: []byte("fedcba9876543210fedcba9876543210")})

	foreign := newCred(t, b, SHA256, "alice", "pw", "REGISTER")
	if _, err := a.Verify("REGISTER", foreign.header(), lookup); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("foreign nonce: err = %v", err)
	}
	good := newCred(t, a, SHA256, "alice", "pw", "REGISTER")
	tampered := good
	tampered.Nonce = good.Nonce[:10] + string(good.Nonce[10]^1) + good.Nonce[11:]
	tampered = tampered.sign(SHA256, "pw", "REGISTER")
	if _, err := a.Verify("REGISTER", tampered.header(), lookup); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("tampered nonce: err = %v", err)
	}
	badOpaque := good
	badOpaque.Opaque = "AAAAAAAAAAAAAAAA"
	if _, err := a.Verify("REGISTER", badOpaque.header(), lookup); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("bad opaque: err = %v", err)
	}
	noOpaque := good
	noOpaque.Opaque = ""
	if _, err := a.Verify("REGISTER", noOpaque.header(), lookup); err != nil {
		t.Fatalf("missing opaque should be tolerated: %v", err)
	}
}

func TestStaleNonce(t *testing.T) {
	clk := newFakeClock()
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{Now: clk.Now, NonceTTL: time.Minute})
	c := newCred(t, a, MD5, "alice", "pw", "INVITE")

	clk.Advance(59 * time.Second)
	if _, err := a.Verify("INVITE", c.header(), lookup); err != nil {
		t.Fatalf("fresh nonce: %v", err)
	}
	clk.Advance(2 * time.Second)
	c2 := c
	c2.NC = "00000002"
	c2 = c2.sign(MD5, "pw", "INVITE")
	_, err := a.Verify("INVITE", c2.header(), lookup)
	if !errors.Is(err, ErrStaleNonce) || !IsStale(err) {
		t.Fatalf("expired nonce: err = %v", err)
	}
	// RFC 2617 §3.2.1: stale only for a correct digest.
	wrong := c2.sign(MD5, "nope", "INVITE")
	if _, err := a.Verify("INVITE", wrong.header(), lookup); !errors.Is(err, ErrWrongCredentials) || IsStale(err) {
		t.Fatalf("expired nonce, wrong password: err = %v", err)
	}
	// A nonce from the future beyond the TTL (clock stepped back) is stale too.
	clk.Advance(-10 * time.Minute)
	if _, err := a.Verify("INVITE", c2.header(), lookup); !IsStale(err) {
		t.Fatalf("future nonce: err = %v", err)
	}
	if IsStale(nil) || IsStale(ErrBadNonce) {
		t.Fatal("IsStale true for non-stale errors")
	}
}
