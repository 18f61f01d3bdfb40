package trunk

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func dnsSet(t *testing.T, d *dnsServer, ttl time.Duration, cfgs ...Config) *Set {
	t.Helper()
	s, err := NewSet(cfgs, Options{Logger: testLogger(), Resolver: d.resolver(), ResolveTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestDestinationsSRV: RFC 3263 §4.2 SRV lookup by transport, targets in
// priority order, each target's addresses, unresolvable targets skipped.
func TestDestinationsSRV(t *testing.T) {
	d := newDNSServer(t)
	// Priorities out of order on the wire.
	d.addSRV("_sip._udp.carrier.test", 20, 10, 5080, "b.carrier.test")
	d.addSRV("_sip._udp.carrier.test", 10, 10, 5070, "a.carrier.test")
	d.addSRV("_sip._udp.carrier.test", 15, 10, 5090, "gone.carrier.test")
	d.addSRV("_sip._udp.carrier.test", 30, 10, 5060, "c.carrier.test")
	d.addSRV("_sip._tcp.carrier.test", 10, 0, 5065, "b.carrier.test")
	d.addSRV("_sips._tcp.carrier.test", 10, 0, 5066, "a.carrier.test")
	d.addHost("a.carrier.test", "127.0.0.11")
	d.addHost("b.carrier.test", "127.0.0.12")
	d.addHost("c.carrier.test", "127.0.0.13", "::1")
	d.addHost("carrier.test", "127.0.0.99")
	ctx := testCtx(t, 10*time.Second)

	s := dnsSet(t, d, time.Minute,
		Config{Name: "udp", Addresses: []string{"carrier.test"}},
		Config{Name: "tcp", Addresses: []string{"carrier.test"}, Transport: "TCP"},
		Config{Name: "tls", Addresses: []string{"carrier.test"}, Transport: "TLS"},
	)
	got, err := s.Get("udp").Destinations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// c's two addresses come in the resolver's (RFC 6724) order.
	want := []string{"127.0.0.11:5070", "127.0.0.12:5080", "127.0.0.13:5060", "[::1]:5060"}
	if len(got) != 4 || !slices.Equal(got[:2], want[:2]) || !slices.Contains(got[2:], want[2]) || !slices.Contains(got[2:], want[3]) {
		t.Fatalf("udp: %v, want %v", got, want)
	}
	qs := d.takeQueries()
	if !slices.Contains(qs, "SRV _sip._udp.carrier.test.") || slices.Contains(qs, "A carrier.test.") {
		t.Fatalf("queries %v", qs)
	}
	if got, err := s.Get("tcp").Destinations(ctx); err != nil || !slices.Equal(got, []string{"127.0.0.12:5065"}) {
		t.Fatalf("tcp: %v %v", got, err)
	}
	if got, err := s.Get("tls").Destinations(ctx); err != nil || !slices.Equal(got, []string{"127.0.0.11:5066"}) {
		t.Fatalf("tls: %v %v", got, err)
	}
	if !slices.Contains(d.takeQueries(), "SRV _sips._tcp.carrier.test.") {
		t.Fatal("no _sips._tcp query")
	}
	// The resolved addresses identify the trunk's requests.
	if tr := s.MatchSource(netip.MustParseAddr("::1")); tr == nil || tr.Name() != "udp" {
		t.Fatalf("MatchSource: %v", tr)
	}
	if tr := s.MatchSource(netip.MustParseAddr("127.0.0.12")); tr == nil || tr.Name() != "udp" {
		t.Fatalf("MatchSource: %v", tr)
	}
}

// TestDestinationsFallbacks: no SRV records → A/AAAA on the default port;
// a name with a port → A/AAAA only; IP literals; order and de-duplication
// across addresses; a "." SRV target.
func TestDestinationsFallbacks(t *testing.T) {
	d := newDNSServer(t)
	d.addHost("plain.test", "127.0.0.21", "127.0.0.22")
	d.addHost("ported.test", "127.0.0.23")
	d.addSRV("_sip._udp.ported.test", 10, 0, 9999, "plain.test") // must not be used
	d.addSRV("_sip._udp.closed.test", 0, 0, 0, ".")
	d.addHost("closed.test", "127.0.0.24")
	ctx := testCtx(t, 10*time.Second)
	s := dnsSet(t, d, time.Minute,
		Config{Name: "plain", Addresses: []string{"plain.test"}},
		Config{Name: "tls", Addresses: []string{"plain.test"}, Transport: "TLS"},
		Config{Name: "mixed", Addresses: []string{"127.0.0.22", "ported.test:5099", "plain.test", "[::1]:5070", "nxdomain.test"}},
		Config{Name: "closed", Addresses: []string{"closed.test"}},
		Config{Name: "nothing", Addresses: []string{"nxdomain.test"}},
	)
	for name, want := range map[string][]string{
		"plain": {"127.0.0.21:5060", "127.0.0.22:5060"},
		"tls":   {"127.0.0.21:5061", "127.0.0.22:5061"},
		"mixed": {"127.0.0.22:5060", "127.0.0.23:5099", "127.0.0.21:5060", "[::1]:5070"},
	} {
		got, err := s.Get(name).Destinations(ctx)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v %v, want %v", name, got, err, want)
		}
	}
	for _, q := range d.takeQueries() {
		if strings.Contains(q, "ported.test") && strings.HasPrefix(q, "SRV") {
			t.Errorf("SRV query for a name with port: %s", q)
		}
	}
	for _, name := range []string{"closed", "nothing"} {
		if got, err := s.Get(name).Destinations(ctx); !errors.Is(err, ErrResolve) {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
	if qs := d.takeQueries(); slices.Contains(qs, "A closed.test.") {
		t.Errorf(`"." SRV target must not fall back to A: %v`, qs)
	}
}

// TestDestinationsCache: results are reused for ResolveTTL; after a failed
// resolution the previous result is kept.
func TestDestinationsCache(t *testing.T) {
	d := newDNSServer(t)
	d.addHost("cached.test", "127.0.0.31")
	ctx := testCtx(t, 10*time.Second)
	s := dnsSet(t, d, 100*time.Millisecond, Config{Name: "c", Addresses: []string{"cached.test:5060"}})
	tr := s.Get("c")
	for range 5 {
		if got, err := tr.Destinations(ctx); err != nil || got[0] != "127.0.0.31:5060" {
			t.Fatal(got, err)
		}
	}
	if n := len(d.takeQueries()); n == 0 || n > 2 { // A and AAAA once
		t.Fatalf("%d queries for cached lookups", n)
	}
	d.setBroken(true)
	time.Sleep(150 * time.Millisecond) // let the cache entry expire
	got, err := tr.Destinations(ctx)
	if err != nil || !slices.Equal(got, []string{"127.0.0.31:5060"}) {
		t.Fatalf("stale result not used: %v %v", got, err)
	}
	if len(d.takeQueries()) == 0 {
		t.Fatal("expired entry not re-resolved")
	}
}

// TestStartResolvesNames: a started Set resolves host names of trunks that
// are not pinged, so MatchSource recognises them.
func TestStartResolvesNames(t *testing.T) {
	d := newDNSServer(t)
	d.addHost("inbound.test", "127.0.0.41")
	s := dnsSet(t, d, time.Minute, Config{Name: "n", Addresses: []string{"inbound.test"}})
	if s.MatchSource(netip.MustParseAddr("127.0.0.41")) != nil {
		t.Fatal("matched before resolution")
	}
	s.Start(testCtx(t, 10*time.Second))
	eventually(t, 5*time.Second, "resolution", func() bool { return s.MatchSource(netip.MustParseAddr("127.0.0.41")) != nil })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
