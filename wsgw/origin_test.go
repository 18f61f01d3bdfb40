package wsgw

import (
	"net"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means invalid
	}{
		{"https://example.com", "https://example.com:443"},
		{"HTTPS://EXAMPLE.com:443", "https://example.com:443"},
		{"http://example.com", "http://example.com:80"},
		{"http://example.com:8080/", "http://example.com:8080"},
		{"http://example.com:08080", "http://example.com:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[::1]", "http://[::1]:80"},
		{"chrome-extension://abcdef", "chrome-extension://abcdef"},
		{"null", ""},
		{"", ""},
		{"example.com", ""},
		{"https://example.com/path", ""},
		{"https://user@example.com", ""},
		{"https://example.com?x=1", ""},
		{"https://example.com#f", ""},
		{"https://example.com:99999", ""},
		{"https://example.com:-1", ""},
		{"https://", ""},
		{"a://::", ""},
		{"a://\x94", ""},
		{"http://EXAMPLE.\u212a", ""},
		{"http://[fe80::1%25eth0]", ""},
		{"http://[::1", ""},
	}
	for _, tt := range tests {
		o, ok := parseOrigin(tt.in)
		got := ""
		if ok {
			got = o.String()
		}
		if got != tt.want {
			t.Errorf("parseOrigin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOriginPolicyAllow(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		host    string
		want    bool
	}{
		{"absent", nil, "", "x", true},
		{"same host explicit port", nil, "http://127.0.0.1:5060", "127.0.0.1:5060", true},
		{"same host default https", nil, "https://sip.example.com", "sip.example.com", true},
		{"same host default https with port in host", nil, "https://sip.example.com", "sip.example.com:443", true},
		{"same host case", nil, "https://SIP.example.COM", "sip.EXAMPLE.com", true},
		{"same host ipv6", nil, "http://[::1]:8080", "[::1]:8080", true},
		{"same host ipv6 default", nil, "https://[::1]", "[::1]", true},
		{"port differs", nil, "https://sip.example.com:8443", "sip.example.com", false},
		{"http origin vs 443 host", nil, "http://sip.example.com", "sip.example.com:443", false},
		{"host differs", nil, "https://evil.example.com", "sip.example.com", false},
		{"suffix trick", nil, "https://sip.example.com.evil.net", "sip.example.com", false},
		{"empty host", nil, "https://a", "", false},
		{"null", nil, "null", "a", false},
		{"list match", []string{"https://a.example"}, "https://a.example:443", "other", true},
		{"list trailing slash", []string{"https://a.example/"}, "https://a.example", "other", true},
		{"list port mismatch", []string{"https://a.example"}, "https://a.example:8443", "other:443", false},
		{"list keeps same host", []string{"https://a.example"}, "http://h:1", "h:1", true},
		{"list refuses others", []string{"https://a.example"}, "http://evil.example", "h:1", false},
		{"list bad entries ignored", []string{"not an origin", "https://a.example"}, "https://a.example", "", true},
		{"star", []string{"*"}, "https://whatever", "x", true},
		{"star with others", []string{"https://a.example", " * "}, "null", "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newOriginPolicy(tt.allowed)
			if got := p.allow(tt.origin, tt.host); got != tt.want {
				t.Fatalf("allow(%q, %q) = %v, want %v", tt.origin, tt.host, got, tt.want)
			}
		})
	}
}

func TestNewOriginPolicyReportsBadEntries(t *testing.T) {
	_, bad := newOriginPolicy([]string{"https://ok.example", "ftp//x", "https://x/path"})
	if len(bad) != 2 {
		t.Fatalf("bad = %q", bad)
	}
}

func FuzzOriginAllow(f *testing.F) {
	seeds := [][2]string{
		{"https://example.com", "example.com"},
		{"http://127.0.0.1:8080", "127.0.0.1:8080"},
		{"http://[::1]:80", "[::1]"},
		{"null", "x"},
		{"HTTPS://A.B:0443/", "a.b"},
		{"https://a@b", "b"},
		{"", ""},
		{"http://%41:80", "A"},
		{"A://::", "::"},
		{"A://\x94\x94", "x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	sameHost, _ := newOriginPolicy(nil)
	star, _ := newOriginPolicy([]string{"*"})
	f.Fuzz(func(t *testing.T, originHdr, host string) {
		allowed := sameHost.allow(originHdr, host)
		if !star.allow(originHdr, host) {
			t.Fatal(`"*" refused an origin`)
		}
		o, ok := parseOrigin(originHdr)
		if !ok {
			if allowed && originHdr != "" {
				t.Fatalf("unparsable origin %q allowed", originHdr)
			}
			return
		}
		// Normalisation is idempotent.
		o2, ok := parseOrigin(o.String())
		if !ok || o2 != o {
			t.Fatalf("parseOrigin(%q) = %+v, reparse of %q = %+v %v", originHdr, o, o.String(), o2, ok)
		}
		// An explicit list containing the origin allows it.
		listed, bad := newOriginPolicy([]string{originHdr})
		if len(bad) != 0 || !listed.allow(originHdr, host) {
			t.Fatalf("origin %q not allowed by its own list entry", originHdr)
		}
		// Same-host allows only a matching host.
		if allowed {
			h, _, okh := splitRequestHost(host)
			if !okh || h != o.host {
				t.Fatalf("origin %q allowed for host %q", originHdr, host)
			}
		}
		if o.port != "" && sameHost.allow(originHdr, net.JoinHostPort(o.host, o.port)) != true {
			t.Fatalf("origin %q refused for its own host:port", originHdr)
		}
	})
}
