package sipauth

import (
	"errors"
	"strings"
	"testing"
)

const minimal = `username="alice", realm="r", nonce="n", uri="sip:r", response="x"`

func TestParseCredentials(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want credentials // only compared when err is nil; seen ignored
		err  bool
	}{
		{name: "minimal", in: "Digest " + minimal,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "scheme case-insensitive", in: "dIgEsT " + minimal,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "leading space and tabs", in: " \tDigest\t\t" + minimal,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "folded LWS",
			in:   "Digest username=\"alice\",\r\n realm=\"r\" ,\r\n\tnonce = \"n\" , uri=\"sip:r\",response=\"x\"",
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "param names case-insensitive",
			in:   `Digest UserName="alice", REALM="r", Nonce="n", URI="sip:r", Response="x", QOP=auth, NC=00000001, CNonce="c", Algorithm=MD5, Opaque="o"`,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x", qop: "auth", nc: "00000001", cnonce: "c", algorithm: "MD5", opaque: "o"}},
		{name: "escapes",
			in:   `Digest username="al\"ice\\bob\x", realm="r", nonce="n", uri="sip:r", response="x"`,
			want: credentials{username: `al"ice\bobx`, realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "empty quoted value", in: `Digest username="a", realm="", nonce="n", uri="u", response=""`,
			want: credentials{username: "a", nonce: "n", uri: "u"}},
		{name: "utf-8 username", in: `Digest username="jürgen", realm="r", nonce="n", uri="u", response="x"`,
			want: credentials{username: "jürgen", realm: "r", nonce: "n", uri: "u", response: "x"}},
		{name: "quoted qop and algorithm", in: "Digest " + minimal + `, qop="auth", algorithm="SHA-256"`,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x", qop: "auth", algorithm: "SHA-256"}},
		{name: "token chars", in: "Digest " + minimal + ", foo=a-.!%*_+`'~z",
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "unknown params ignored, even twice", in: "Digest " + minimal + `, foo="1", foo=2`,
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},
		{name: "quoted comma inside value", in: `Digest username="a,b=c", realm="r", nonce="n", uri="u", response="x"`,
			want: credentials{username: "a,b=c", realm: "r", nonce: "n", uri: "u", response: "x"}},
		{name: "trailing LWS", in: "Digest " + minimal + " \r\n",
			want: credentials{username: "alice", realm: "r", nonce: "n", uri: "sip:r", response: "x"}},

		{name: "empty", in: "", err: true},
		{name: "scheme only", in: "Digest", err: true},
		{name: "scheme and space", in: "Digest  ", err: true},
		{name: "no space after scheme", in: "Digestusername=\"a\"", err: true},
		{name: "basic", in: "Basic YWxhZGRpbjpvcGVuc2VzYW1l", err: true},
		{name: "missing username", in: `Digest realm="r", nonce="n", uri="u", response="x"`, err: true},
		{name: "missing realm", in: `Digest username="a", nonce="n", uri="u", response="x"`, err: true},
		{name: "missing nonce", in: `Digest username="a", realm="r", uri="u", response="x"`, err: true},
		{name: "missing uri", in: `Digest username="a", realm="r", nonce="n", response="x"`, err: true},
		{name: "missing response", in: `Digest username="a", realm="r", nonce="n", uri="u"`, err: true},
		{name: "empty username", in: `Digest username="", realm="r", nonce="n", uri="u", response="x"`, err: true},
		{name: "empty uri", in: `Digest username="a", realm="r", nonce="n", uri="", response="x"`, err: true},
		{name: "duplicate", in: "Digest " + minimal + `, username="mallory"`, err: true},
		{name: "duplicate other case", in: "Digest " + minimal + `, Realm="x"`, err: true},
		{name: "unterminated", in: `Digest username="alice, realm="r`, err: true},
		{name: "unterminated after escape", in: `Digest username="alice\`, err: true},
		{name: "escaped CR", in: "Digest username=\"a\\\rb\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", err: true},
		{name: "NUL in value", in: "Digest username=\"a\x00b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", err: true},
		{name: "escaped NUL", in: "Digest username=\"a\\\x00b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", err: true},
		{name: "DEL in value", in: "Digest username=\"a\x7fb\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"", err: true},
		{name: "missing equals", in: `Digest username "a"`, err: true},
		{name: "missing value", in: `Digest username=, realm="r"`, err: true},
		{name: "missing comma", in: `Digest username="a" realm="r", nonce="n", uri="u", response="x"`, err: true},
		{name: "trailing comma", in: "Digest " + minimal + ",", err: true},
		{name: "empty element", in: `Digest username="a",, realm="r", nonce="n", uri="u", response="x"`, err: true},
		{name: "unquoted uri with colon", in: `Digest username="a", realm="r", nonce="n", uri=sip:r, response="x"`, err: true},
		{name: "garbage after quote", in: `Digest username="a"x, realm="r", nonce="n", uri="u", response="x"`, err: true},
		{name: "too long", in: "Digest " + minimal + `, foo="` + strings.Repeat("a", maxHeaderLen) + `"`, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCredentials(tc.in)
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got.seen = 0
			if got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseCredentialsSeen(t *testing.T) {
	c, err := parseCredentials("Digest " + minimal + `, userhash=false`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.has(fUserhash) || c.has(fQOP) || c.has(fAlgorithm) || c.has(fOpaque) {
		t.Fatalf("seen = %b", c.seen)
	}
}

func TestParseCredentialsNoAllocsWithoutEscapes(t *testing.T) {
	h := "Digest " + minimal + `, qop=auth, nc=00000001, cnonce="abc", algorithm=MD5`
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := parseCredentials(h); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v, want 0", allocs)
	}
}
