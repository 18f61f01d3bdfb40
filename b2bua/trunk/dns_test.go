package trunk

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is a tiny authoritative DNS server on loopback UDP answering
// SRV, A and AAAA questions from maps keyed by lower-case FQDN.
type dnsServer struct {
	pc   net.PacketConn
	done chan struct{}

	mu      sync.Mutex
	srv     map[string][]dnsmessage.SRVResource
	addrs   map[string][]netip.Addr
	queries []string // "TYPE name"
	broken  bool     // answer SERVFAIL to everything
}

func newDNSServer(t testing.TB) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{pc: pc, done: make(chan struct{}), srv: map[string][]dnsmessage.SRVResource{}, addrs: map[string][]netip.Addr{}}
	go s.serve()
	t.Cleanup(func() {
		_ = pc.Close()
		<-s.done
	})
	return s
}

// resolver returns a Go resolver that sends every query to s.
func (s *dnsServer) resolver() *net.Resolver {
	addr := s.pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func (s *dnsServer) addSRV(name string, prio, weight, port uint16, target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv[fqdn(name)] = append(s.srv[fqdn(name)], dnsmessage.SRVResource{
		Priority: prio, Weight: weight, Port: port, Target: dnsmessage.MustNewName(fqdn(target)),
	})
}

func (s *dnsServer) addHost(name string, ips ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ip := range ips {
		s.addrs[fqdn(name)] = append(s.addrs[fqdn(name)], netip.MustParseAddr(ip))
	}
}

func (s *dnsServer) setBroken(b bool) {
	s.mu.Lock()
	s.broken = b
	s.mu.Unlock()
}

// takeQueries returns and clears the query log.
func (s *dnsServer) takeQueries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries
	s.queries = nil
	return q
}

func fqdn(n string) string {
	n = strings.ToLower(n)
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

func (s *dnsServer) serve() {
	defer close(s.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := s.answer(buf[:n]); out != nil {
			_, _ = s.pc.WriteTo(out, from)
		}
	}
}

func (s *dnsServer) answer(msg []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(q.Name.String())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, strings.TrimPrefix(q.Type.String(), "Type")+" "+name)
	srvs, hasSRV := s.srv[name]
	addrs, hasAddr := s.addrs[name]
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	switch {
	case s.broken:
		rh.RCode = dnsmessage.RCodeServerFailure
	case !hasSRV && !hasAddr:
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	hdr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	if rh.RCode == dnsmessage.RCodeSuccess {
		switch q.Type {
		case dnsmessage.TypeSRV:
			for _, r := range srvs {
				_ = b.SRVResource(hdr, r)
			}
		case dnsmessage.TypeA:
			for _, ip := range addrs {
				if ip.Is4() {
					_ = b.AResource(hdr, dnsmessage.AResource{A: ip.As4()})
				}
			}
		case dnsmessage.TypeAAAA:
			for _, ip := range addrs {
				if ip.Is6() {
					_ = b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: ip.As16()})
				}
			}
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}
