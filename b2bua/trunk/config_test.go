package trunk

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestParseAddress(t *testing.T) {
	for in, want := range map[string]address{
		"sip.example.com":      {host: "sip.example.com"},
		"SIP.Example.com.":     {host: "sip.example.com"},
		"sip.example.com:5080": {host: "sip.example.com", port: 5080},
		"192.0.2.1":            {host: "192.0.2.1", ip: netip.MustParseAddr("192.0.2.1")},
		"192.0.2.1:5070":       {host: "192.0.2.1", ip: netip.MustParseAddr("192.0.2.1"), port: 5070},
		"2001:db8::1":          {host: "2001:db8::1", ip: netip.MustParseAddr("2001:db8::1")},
		"[2001:db8::1]":        {host: "2001:db8::1", ip: netip.MustParseAddr("2001:db8::1")},
		"[2001:db8::1]:5062":   {host: "2001:db8::1", ip: netip.MustParseAddr("2001:db8::1"), port: 5062},
		"[::ffff:192.0.2.9]:1": {host: "192.0.2.9", ip: netip.MustParseAddr("192.0.2.9"), port: 1},
		"carrier_internal":     {host: "carrier_internal"},
	} {
		got, err := parseAddress(in)
		if err != nil || got != want {
			t.Errorf("parseAddress(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "host:", "host:0", "host:65536", "host:+5", "host:x", "[2001:db8::1", "[2001:db8::1]x",
		"[192.0.2.1]:5060", "[2001:db8::1]:", "-bad.example", "a..b", "fe80::1%eth0", "[fe80::1%eth0]:5060", "ex ample.com", "h/st"} {
		if a, err := parseAddress(bad); err == nil {
			t.Errorf("parseAddress(%q) = %+v, want error", bad, a)
		}
	}
}

func validConfig() Config {
	return Config{Name: "carrier", Addresses: []string{"192.0.2.10"}}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	inboundOnly := Config{Name: "in", Inbound: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	if err := inboundOnly.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config){
		"no name":          func(c *Config) { c.Name = "" },
		"space in name":    func(c *Config) { c.Name = "a b" },
		"nothing":          func(c *Config) { c.Addresses = nil },
		"bad address":      func(c *Config) { c.Addresses = []string{"x:y"} },
		"transport":        func(c *Config) { c.Transport = "SCTP" },
		"domain":           func(c *Config) { c.Domain = "a b" },
		"password only":    func(c *Config) { c.Password = "p" },
		"ctl in user":      func(c *Config) { c.Username = "a\nb" },
		"bad prefix":       func(c *Config) { c.Inbound = []netip.Prefix{{}} },
		"empty codec":      func(c *Config) { c.Codecs = []string{""} },
		"negative timeout": func(c *Config) { c.OptionsTimeout = -1 },
		"negative calls":   func(c *Config) { c.MaxCalls = -1 },
		"negative fails":   func(c *Config) { c.OptionsFailures = -1 },
		"ping no address": func(c *Config) {
			c.Addresses = nil
			c.Inbound = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
			c.OptionsInterval = time.Second
		},
		"register no user": func(c *Config) { c.Register.Enabled = true },
		"register short": func(c *Config) {
			c.Register = RegisterConfig{Enabled: true, Expiry: time.Millisecond}
			c.Username, c.Password = "u", "p"
		},
		"register retry": func(c *Config) {
			c.Register = RegisterConfig{Enabled: true, RetryMin: 2, RetryMax: 1}
			c.Username, c.Password = "u", "p"
		},
		"register negative": func(c *Config) {
			c.Register = RegisterConfig{Enabled: true, Timeout: -1}
			c.Username, c.Password = "u", "p"
		},
		"bad from user":     func(c *Config) { c.CallerID.FromUser = "a b" },
		"bad asserted user": func(c *Config) { c.CallerID.AssertedUser = "<x>" },
		"ctl display":       func(c *Config) { c.CallerID.FromDisplay = "a\x00" },
		"bad privacy":       func(c *Config) { c.CallerID.Privacy = "id;bogus" },
		"register no address": func(c *Config) {
			c.Addresses = nil
			c.Inbound = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
			c.Register.Enabled = true
			c.Username, c.Password = "u", "p"
		},
	} {
		c := validConfig()
		mod(&c)
		err := c.Validate()
		if !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := NewSet([]Config{
		{Name: "a", Addresses: []string{"[2001:db8::5]:5070", "192.0.2.1"}, Transport: "tcp"},
		{Name: "b", Addresses: []string{"sip.example.net"}, Domain: "example.net", InviteTimeout: time.Second,
			Register: RegisterConfig{RetryMax: time.Second}},
	}, Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Get("a").Config()
	if a.Transport != "TCP" || a.Domain != "2001:db8::5" || a.InviteTimeout != DefaultInviteTimeout ||
		a.OptionsTimeout != DefaultOptionsTimeout || a.OptionsFailures != DefaultOptionsFailures ||
		a.Register.Expiry != DefaultRegisterExpiry || a.Register.RetryMin != DefaultRetryMin ||
		a.Register.RetryMax != DefaultRetryMax || a.Register.Timeout != DefaultRegisterTimeout {
		t.Fatalf("defaults: %+v", a)
	}
	b := s.Get("b").Config()
	if b.Transport != "UDP" || b.Domain != "example.net" || b.InviteTimeout != time.Second ||
		b.Register.RetryMax != time.Second || b.Register.RetryMin != time.Second {
		t.Fatalf("b: %+v", b)
	}
	if s.Get("zzz") != nil {
		t.Fatal("Get unknown")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewSetErrors(t *testing.T) {
	opts := Options{Logger: testLogger()}
	for name, cfgs := range map[string][]Config{
		"invalid":             {{Name: ""}},
		"duplicate":           {validConfig(), validConfig()},
		"ping without client": {{Name: "p", Addresses: []string{"192.0.2.1"}, OptionsInterval: time.Second}},
		"same contact user": {
			{Name: "x", Addresses: []string{"192.0.2.1"}, Username: "u", Password: "p", Register: RegisterConfig{Enabled: true}},
			{Name: "y", Addresses: []string{"192.0.2.2"}, Username: "v", Password: "p", Register: RegisterConfig{Enabled: true, ContactUser: "u"}},
		},
	} {
		o := opts
		if name == "same contact user" {
			o.Client = newNopClient(t)
		}
		if _, err := NewSet(cfgs, o); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestMatchSourceAndContactUser(t *testing.T) {
	s, err := NewSet([]Config{
		{Name: "a", Addresses: []string{"192.0.2.1:5070", "[2001:db8::1]"}},
		{Name: "b", Inbound: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("192.0.2.0/24")}},
		{Name: "c", Addresses: []string{"203.0.113.5"}, Username: "acct", Password: "pw",
			Register: RegisterConfig{Enabled: true, ContactUser: "inbound-c"}},
	}, Options{Logger: testLogger(), Client: newNopClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for ip, want := range map[string]string{
		"192.0.2.1":        "a", // first trunk in order wins over b's prefix
		"::ffff:192.0.2.1": "a",
		"2001:db8::1":      "a",
		"192.0.2.2":        "b",
		"198.51.100.77":    "b",
		"203.0.113.5":      "c",
		"203.0.113.6":      "",
		"fe80::1%eth0":     "",
		"2001:db8::2":      "",
		"0.0.0.0":          "",
	} {
		got := s.MatchSource(netip.MustParseAddr(ip))
		if (got == nil && want != "") || (got != nil && got.Name() != want) {
			t.Errorf("MatchSource(%s) = %v, want %q", ip, got, want)
		}
	}
	if s.MatchSource(netip.Addr{}) != nil {
		t.Error("invalid address matched")
	}
	if tr := s.MatchContactUser("inbound-c"); tr == nil || tr.Name() != "c" {
		t.Errorf("MatchContactUser: %v", tr)
	}
	for _, u := range []string{"", "acct", "Inbound-C"} {
		if tr := s.MatchContactUser(u); tr != nil {
			t.Errorf("MatchContactUser(%q) = %s", u, tr.Name())
		}
	}
	st := s.Status()
	if len(st) != 3 || st[2].Registration.State != RegOff || !st[2].Registration.Enabled || st[0].Registration.Enabled {
		t.Errorf("status: %+v", st)
	}
	if len(s.Trunks()) != 3 {
		t.Error("Trunks")
	}
}

func TestAcquireRelease(t *testing.T) {
	s, err := NewSet([]Config{{Name: "a", Addresses: []string{"192.0.2.1"}, MaxCalls: 5}, {Name: "u", Addresses: []string{"192.0.2.2"}}},
		Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Get("a")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a.Acquire() {
				mu.Lock()
				got++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if got != 5 || a.ActiveCalls() != 5 || a.Status().ActiveCalls != 5 {
		t.Fatalf("acquired %d, active %d", got, a.ActiveCalls())
	}
	a.Release()
	if !a.Acquire() || a.Acquire() {
		t.Fatal("slot not freed exactly once")
	}
	for range 5 {
		a.Release()
	}
	a.Release() // extra: logged, no underflow
	if a.ActiveCalls() != 0 {
		t.Fatalf("active %d", a.ActiveCalls())
	}
	u := s.Get("u")
	for range 1000 {
		if !u.Acquire() {
			t.Fatal("unlimited trunk refused")
		}
	}
	if u.ActiveCalls() != 1000 {
		t.Fatal("count")
	}
}

func TestAllowsCodec(t *testing.T) {
	s, _ := NewSet([]Config{{Name: "a", Addresses: []string{"192.0.2.1"}, Codecs: []string{"PCMA", "telephone-event"}},
		{Name: "all", Addresses: []string{"192.0.2.1"}}}, Options{Logger: testLogger()})
	a := s.Get("a")
	for c, want := range map[string]bool{"PCMA": true, "pcma": true, "Telephone-Event": true, "PCMU": false, "opus": false} {
		if a.AllowsCodec(c) != want {
			t.Errorf("AllowsCodec(%q) = %v", c, !want)
		}
	}
	if !s.Get("all").AllowsCodec("anything") {
		t.Error("empty list must allow all")
	}
}

func TestCallerID(t *testing.T) {
	mk := func(p CallerIDPolicy) *Trunk {
		s, err := NewSet([]Config{{Name: "a", Addresses: []string{"192.0.2.1"}, Domain: "carrier.example", CallerID: p}}, Options{Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return s.Get("a")
	}
	hdrs := func(hs []sip.Header) string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Name()+": "+h.Value())
		}
		return strings.Join(out, "\n")
	}
	for _, tc := range []struct {
		name                string
		p                   CallerIDPolicy
		user, display       string
		wu, wd, wh, wextras string
	}{
		{"passthrough", CallerIDPolicy{}, "1000", `Al "the" Ice`, "1000", "Al the Ice", "carrier.example", ""},
		{"fixed", CallerIDPolicy{FromUser: "+4930123456", FromDisplay: "ACME"}, "1000", "Alice", "+4930123456", "ACME", "carrier.example", ""},
		{"pai", CallerIDPolicy{FromUser: "+4930123456", AssertedIdentity: true}, "1000", "", "+4930123456", "", "carrier.example",
			"P-Asserted-Identity: <sip:+4930123456@carrier.example>"},
		{"pai user", CallerIDPolicy{AssertedIdentity: true, AssertedUser: "4930999"}, "1000", "Alice", "1000", "Alice", "carrier.example",
			`P-Asserted-Identity: "Alice" <sip:4930999@carrier.example>`},
		{"pai escaped", CallerIDPolicy{AssertedIdentity: true}, "al ice", "", "al ice", "", "carrier.example",
			"P-Asserted-Identity: <sip:al%20ice@carrier.example>"},
		{"privacy id", CallerIDPolicy{FromUser: "+4930123456", AssertedIdentity: true, Privacy: "id"}, "1000", "Alice",
			"anonymous", "Anonymous", "anonymous.invalid",
			"P-Asserted-Identity: \"Alice\" <sip:+4930123456@carrier.example>\nPrivacy: id"},
		{"privacy user;critical", CallerIDPolicy{Privacy: "user;critical"}, "1000", "Alice", "anonymous", "Anonymous", "anonymous.invalid", "Privacy: user;critical"},
		{"privacy header", CallerIDPolicy{Privacy: "header"}, "1000", "Alice", "1000", "Alice", "carrier.example", "Privacy: header"},
	} {
		u, d, h, extra := mk(tc.p).CallerID(tc.user, tc.display)
		if u != tc.wu || d != tc.wd || h != tc.wh || hdrs(extra) != tc.wextras {
			t.Errorf("%s: got %q %q %q %q", tc.name, u, d, h, hdrs(extra))
		}
	}
}

func BenchmarkMatchSource(b *testing.B) {
	var cfgs []Config
	for i := range 20 {
		cfgs = append(cfgs, Config{Name: "t" + strings.Repeat("x", i), Addresses: []string{netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String()},
			Inbound: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16)}})
	}
	s, err := NewSet(cfgs, Options{Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ip := netip.MustParseAddr("192.0.2.19")
	b.ReportAllocs()
	for b.Loop() {
		if s.MatchSource(ip) == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkAcquireRelease(b *testing.B) {
	s, _ := NewSet([]Config{{Name: "a", Addresses: []string{"192.0.2.1"}, MaxCalls: 1 << 30}}, Options{Logger: testLogger()})
	tr := s.Get("a")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if tr.Acquire() {
				tr.Release()
			}
		}
	})
}
