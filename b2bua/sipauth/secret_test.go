package sipauth

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretHA1(t *testing.T) {
	md5HA1 := testHA1(MD5, "alice", "r", "pw")
	shaHA1 := testHA1(SHA256, "alice", "r", "pw")
	for _, tc := range []struct {
		name string
		s    Secret
		alg  Algorithm
		want string
		ok   bool
	}{
		{"password md5", Secret{Password: "pw"}, MD5, md5HA1, true},
		{"password sha256", Secret{Password: "pw"}, SHA256, shaHA1, true},
		{"password wins over HA1", Secret{Password: "pw", HA1MD5: strings.Repeat("0", 32)}, MD5, md5HA1, true},
		{"HA1 md5", Secret{HA1MD5: md5HA1}, MD5, md5HA1, true},
		{"HA1 md5 upper case", Secret{HA1MD5: strings.ToUpper(md5HA1)}, MD5, md5HA1, true},
		{"HA1 sha256", Secret{HA1SHA256: shaHA1}, SHA256, shaHA1, true},
		{"HA1 md5 only, sha256 asked", Secret{HA1MD5: md5HA1}, SHA256, "", false},
		{"HA1 sha256 only, md5 asked", Secret{HA1SHA256: shaHA1}, MD5, "", false},
		{"HA1 wrong length", Secret{HA1MD5: md5HA1[:31]}, MD5, "", false},
		{"HA1 not hex", Secret{HA1MD5: "z" + md5HA1[1:]}, MD5, "", false},
		{"sha256 HA1 in md5 slot", Secret{HA1MD5: shaHA1}, MD5, "", false},
		{"empty", Secret{}, MD5, "", false},
		{"unsupported algorithm", Secret{Password: "pw"}, "MD5-sess", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.HA1(tc.alg, "alice", "r")
			if got != tc.want || ok != tc.ok {
				t.Fatalf("HA1 = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSecretRedacted(t *testing.T) {
	const pw = "hunter2-very-secret"
	ha1 := testHA1(MD5, "alice", "r", pw)
	s := Secret{Password: pw, HA1MD5: ha1, HA1SHA256: "abcdef"}
	check := func(name, out string) {
		t.Helper()
		if strings.Contains(out, pw) || strings.Contains(out, ha1) || strings.Contains(out, "abcdef") {
			t.Errorf("%s leaks: %s", name, out)
		}
		if !strings.Contains(out, "Secret{redacted}") {
			t.Errorf("%s: %q lacks redaction marker", name, out)
		}
	}
	check("String", s.String())
	check("GoString", s.GoString())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		check(verb, fmt.Sprintf(verb, s))
		check(verb+" ptr", fmt.Sprintf(verb, &s))
	}
	check("in struct", fmt.Sprintf("%+v", struct{ S Secret }{s}))
	check("in map", fmt.Sprint(map[string]Secret{"alice": s}))
	if v := s.LogValue(); v.Kind() != slog.KindString || v.String() != "Secret{redacted}" {
		t.Errorf("LogValue = %v", v)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s)
	check("slog json", buf.String())
	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s)
	check("slog text", buf.String())
	var _ slog.LogValuer = s
	var _ fmt.Stringer = s
}
