package sipauth

import (
	"testing"
)

func BenchmarkChallenge(b *testing.B) {
	a := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Challenge(false)
	}
}

func BenchmarkParseCredentials(b *testing.B) {
	a := New(Config{})
	h := newCred(b, a, SHA256, "alice", "pw", "INVITE").header()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCredentials(h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures the RFC 2069 form, which has no replay state, so
// the same header can be verified repeatedly.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []Algorithm{MD5, SHA256} {
		b.Run(string(alg), func(b *testing.B) {
			a := New(Config{})
			lookup := users(map[string]Secret{"alice": {Password: "pw"}})
			c := newCred(b, a, alg, "alice", "pw", "REGISTER")
			c.QOP = ""
			h := c.sign(alg, "pw", "REGISTER").header()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify("REGISTER", h, lookup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyQOP measures qop=auth verification including the replay
// table; headers are prepared in batches outside the timer.
func BenchmarkVerifyQOP(b *testing.B) {
	for _, alg := range []Algorithm{MD5, SHA256} {
		b.Run(string(alg), func(b *testing.B) {
			a := New(Config{})
			lookup := users(map[string]Secret{"alice": {Password: "pw"}})
			const batch = 1024
			var hs []string
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if len(hs) == 0 {
					b.StopTimer()
					for range batch {
						hs = append(hs, newCred(b, a, alg, "alice", "pw", "INVITE").header())
					}
					b.StartTimer()
				}
				h := hs[len(hs)-1]
				hs = hs[:len(hs)-1]
				if _, err := a.Verify("INVITE", h, lookup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyFailure compares an unknown user with a wrong password;
// the two should cost about the same.
func BenchmarkVerifyFailure(b *testing.B) {
	a := New(Config{})
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	c := newCred(b, a, SHA256, "alice", "pw", "REGISTER")
	c.QOP = ""
	for name, h := range map[string]string{
		"wrong-password": c.sign(SHA256, "bad", "REGISTER").header(),
		"unknown-user":   func() cred { c.User = "mallory"; return c.sign(SHA256, "pw", "REGISTER") }().header(),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify("REGISTER", h, lookup); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
