package b2bua

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// invalidSuffix is the special-use top-level domain that browsers put in Via
// and Contact (RFC 7118 §5). RFC 6761 §6.4: resolvers must answer such names
// with NXDOMAIN and never send them to a DNS server.
const invalidSuffix = ".invalid"

// isInvalidHost reports whether host is in the .invalid domain.
func isInvalidHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "invalid" || strings.HasSuffix(h, invalidSuffix)
}

// hasInvalidLabel reports whether any label of name is "invalid". Go's
// resolver appends the search domains of resolv.conf to a name like
// "x.invalid" after the first NXDOMAIN, so "x.invalid.corp.example." must be
// refused as well.
func hasInvalidLabel(name string) bool {
	for _, label := range strings.Split(strings.ToLower(name), ".") {
		if label == "invalid" {
			return true
		}
	}
	return false
}

// newGuardedResolver returns a resolver that answers every query for a
// .invalid name with NXDOMAIN locally and passes all other queries to the
// system's DNS servers. sipgo falls back to DNS when a response's flow is
// gone; with this resolver such a lookup fails at once, without a packet.
// dial reaches the real DNS server; nil means a plain net.Dialer.
func newGuardedResolver(dial func(ctx context.Context, network, address string) (net.Conn, error)) *net.Resolver {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			return &guardConn{ctx: ctx, network: network, address: address, dial: dial}, nil
		},
	}
}

// guardConn inspects the first DNS query written to it. A .invalid question
// is answered locally; anything else is sent over a real connection. Since a
// guardConn is not a net.PacketConn, Go's resolver frames messages as on TCP
// with a two-byte length prefix (RFC 1035 §4.2.2); for a real UDP server the
// prefix is removed on the way out and added to the answer on the way in.
type guardConn struct {
	ctx     context.Context
	network string
	address string
	dial    func(ctx context.Context, network, address string) (net.Conn, error)

	mu       sync.Mutex
	real     net.Conn
	pending  []byte // framed answer bytes waiting to be read
	deadline time.Time
	closed   bool
}

func (g *guardConn) datagram() bool { return strings.HasPrefix(g.network, "udp") }

// Write intercepts a length-prefixed query.
func (g *guardConn) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, net.ErrClosed
	}
	if len(b) < 2 {
		return 0, errors.New("dns guard: short query")
	}
	msg := b[2:]
	if g.real == nil {
		if nx, ok := nxdomainFor(msg); ok {
			g.pending = append([]byte{byte(len(nx) >> 8), byte(len(nx))}, nx...)
			return len(b), nil
		}
		c, err := g.dial(g.ctx, g.network, g.address)
		if err != nil {
			return 0, err
		}
		if !g.deadline.IsZero() {
			_ = c.SetDeadline(g.deadline)
		}
		g.real = c
	}
	if g.datagram() {
		if _, err := g.real.Write(msg); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return g.real.Write(b)
}

// Read returns the local answer or reads from the real connection.
func (g *guardConn) Read(b []byte) (int, error) {
	g.mu.Lock()
	if len(g.pending) > 0 {
		n := copy(b, g.pending)
		g.pending = g.pending[n:]
		g.mu.Unlock()
		return n, nil
	}
	real := g.real
	g.mu.Unlock()
	if real == nil {
		return 0, errors.New("dns guard: read before query")
	}
	if !g.datagram() {
		return real.Read(b)
	}
	buf := make([]byte, 65535)
	n, err := real.Read(buf)
	if err != nil {
		return 0, err
	}
	g.mu.Lock()
	g.pending = append([]byte{byte(n >> 8), byte(n)}, buf[:n]...)
	k := copy(b, g.pending)
	g.pending = g.pending[k:]
	g.mu.Unlock()
	return k, nil
}

// Close closes the real connection if one was made.
func (g *guardConn) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.real != nil {
		return g.real.Close()
	}
	return nil
}

func (g *guardConn) LocalAddr() net.Addr  { return guardAddr(g.network) }
func (g *guardConn) RemoteAddr() net.Addr { return guardAddr(g.network) }

// SetDeadline applies to the real connection, now or once it exists.
func (g *guardConn) SetDeadline(t time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deadline = t
	if g.real != nil {
		return g.real.SetDeadline(t)
	}
	return nil
}

// SetReadDeadline sets both deadlines; the resolver uses one for both.
func (g *guardConn) SetReadDeadline(t time.Time) error { return g.SetDeadline(t) }

// SetWriteDeadline sets both deadlines; the resolver uses one for both.
func (g *guardConn) SetWriteDeadline(t time.Time) error { return g.SetDeadline(t) }

// guardAddr is the placeholder address of a guardConn.
type guardAddr string

func (a guardAddr) Network() string { return string(a) }
func (a guardAddr) String() string  { return "dns-guard" }

// nxdomainFor builds an NXDOMAIN answer when query asks about a .invalid name.
func nxdomainFor(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil || !hasInvalidLabel(q.Name.String()) {
		return nil, false
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: h.ID, Response: true, RecursionDesired: h.RecursionDesired,
		RecursionAvailable: true, RCode: dnsmessage.RCodeNameError,
	})
	if err := b.StartQuestions(); err != nil {
		return nil, false
	}
	if err := b.Question(q); err != nil {
		return nil, false
	}
	out, err := b.Finish()
	if err != nil {
		return nil, false
	}
	return out, true
}
