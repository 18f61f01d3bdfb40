package b2bua

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestGuardedResolverNeverQueriesInvalid(t *testing.T) {
	var dials atomic.Int64
	errDial := errors.New("dial refused")
	r := newGuardedResolver(func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errDial
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, host := range []string{"abc123.invalid", "ABC.INVALID.", "x.y.invalid"} {
		_, err := r.LookupIPAddr(ctx, host)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Fatalf("%s: want not-found, got %v", host, err)
		}
	}
	if n := dials.Load(); n != 0 {
		t.Fatalf(".invalid lookups dialled DNS %d times", n)
	}
	// Other names go to the real server (here: a refusing dialer).
	if _, err := r.LookupIPAddr(ctx, "example.org"); err == nil {
		t.Fatal("lookup through a refusing dialer succeeded")
	}
	if dials.Load() == 0 {
		t.Fatal("ordinary name never reached the dialer")
	}
}

func TestIsInvalidHost(t *testing.T) {
	for host, want := range map[string]bool{
		"a.invalid": true, "A.Invalid.": true, "invalid": true,
		"invalid.example.com": false, "notinvalid": false, "127.0.0.1": false, "": false,
	} {
		if got := isInvalidHost(host); got != want {
			t.Errorf("isInvalidHost(%q) = %v", host, got)
		}
	}
}

func FuzzNXDomainFor(f *testing.F) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, RecursionDesired: true})
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("x.invalid."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	q, _ := b.Finish()
	f.Add(q)
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, query []byte) {
		out, ok := nxdomainFor(query)
		if !ok {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(out)
		if err != nil || h.RCode != dnsmessage.RCodeNameError || !h.Response {
			t.Fatalf("bad answer %v %v", h, err)
		}
	})
}

func TestHasInvalidLabel(t *testing.T) {
	for name, want := range map[string]bool{
		"x.invalid.": true, "x.invalid.corp.example.": true, "X.INVALID": true,
		"invalidx.example.": false, "example.org.": false,
	} {
		if got := hasInvalidLabel(name); got != want {
			t.Errorf("hasInvalidLabel(%q) = %v", name, got)
		}
	}
}

// serveDNS answers A queries for phone.example. with 192.0.2.7 on a loopback
// UDP socket until the test ends.
func serveDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if q.Type == dnsmessage.TypeA && q.Name.String() == "phone.example." {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60},
					dnsmessage.AResource{A: [4]byte{192, 0, 2, 7}})
			}
			out, _ := b.Finish()
			_, _ = pc.WriteTo(out, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestGuardedResolverForwardsOrdinaryNames(t *testing.T) {
	server := serveDNS(t)
	var d net.Dialer
	r := newGuardedResolver(func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, server)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ips, err := r.LookupIP(ctx, "ip4", "phone.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != 1 || !ips[0].Equal(net.IPv4(192, 0, 2, 7)) {
		t.Fatalf("got %v", ips)
	}
}
