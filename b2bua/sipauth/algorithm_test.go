package sipauth

import "testing"

// RFC 2617 §3.5: the classic MD5 example.
func TestRFC2617Example(t *testing.T) {
	ha1 := computeHA1(MD5, "Mufasa", "testrealm@host.com", "Circle Of Life")
	if want := testHA1(MD5, "Mufasa", "testrealm@host.com", "Circle Of Life"); ha1 != want {
		t.Fatalf("HA1 = %s, want %s", ha1, want)
	}
	got := computeResponse(MD5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth", "GET", "/dir/index.html")
	if want := "6629fae49393a05397450978507c4ef1"; got != want {
		t.Fatalf("response = %s, want %s", got, want)
	}
}

// RFC 7616 §3.9.1: the SHA-256 example (and its MD5 twin).
func TestRFC7616Example(t *testing.T) {
	const (
		user   = "Mufasa"
		realm  = "http-auth@example.org"
		pass   = "Circle of Life"
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	)
	for _, tc := range []struct {
		alg  Algorithm
		want string
	}{
		{SHA256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{MD5, "8ca523f5e9506fed4657c9700eebdbec"},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			ha1 := computeHA1(tc.alg, user, realm, pass)
			got := computeResponse(tc.alg, ha1, nonce, "00000001", cnonce, "auth", "GET", "/dir/index.html")
			if got != tc.want {
				t.Fatalf("response = %s, want %s", got, tc.want)
			}
			// The same through the parser, using the header of the RFC.
			h := `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=` +
				string(tc.alg) + `, nonce="` + nonce + `", nc=00000001, cnonce="` + cnonce +
				`", qop=auth, response="` + tc.want + `", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
			c, err := parseCredentials(h)
			if err != nil {
				t.Fatal(err)
			}
			alg, ok := parseAlgorithm(c.algorithm, c.has(fAlgorithm))
			if !ok || alg != tc.alg {
				t.Fatalf("algorithm %q -> %q, %v", c.algorithm, alg, ok)
			}
			got = computeResponse(alg, computeHA1(alg, c.username, c.realm, pass), c.nonce, c.nc, c.cnonce, c.qop, "GET", c.uri)
			if got != c.response {
				t.Fatalf("parsed response = %s, want %s", got, c.response)
			}
		})
	}
}

// RFC 2069 form (no qop) against the independent helper.
func TestResponseWithoutQOP(t *testing.T) {
	for _, alg := range []Algorithm{MD5, SHA256} {
		ha1 := computeHA1(alg, "alice", "r", "pw")
		got := computeResponse(alg, ha1, "n", "", "", "", "INVITE", "sip:bob@r")
		if want := testResponse(alg, ha1, "INVITE", "sip:bob@r", "n", "", "", ""); got != want {
			t.Errorf("%s: got %s want %s", alg, got, want)
		}
	}
}

// Inputs longer than the stack buffer must give the same digest.
func TestLongDigestInput(t *testing.T) {
	long := string(make([]byte, 3*maxDigestInput))
	got := string(appendDigest(nil, SHA256, "a", long, "b"))
	if want := testH(SHA256, "a:"+long+":b"); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, tc := range []struct {
		in      string
		present bool
		want    Algorithm
		ok      bool
	}{
		{"", false, MD5, true},
		{"MD5", true, MD5, true},
		{"md5", true, MD5, true},
		{"SHA-256", true, SHA256, true},
		{"sha-256", true, SHA256, true},
		{"", true, "", false},
		{"MD5-sess", true, "", false},
		{"SHA-256-sess", true, "", false},
		{"SHA-512-256", true, "", false},
		{"AKAv1-MD5", true, "", false},
	} {
		got, ok := parseAlgorithm(tc.in, tc.present)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseAlgorithm(%q, %v) = %q, %v; want %q, %v", tc.in, tc.present, got, ok, tc.want, tc.ok)
		}
	}
}
