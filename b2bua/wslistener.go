package b2bua

import (
	"net"
	"sync"
)

// connListener is a net.Listener whose connections are pushed in by the
// WebSocket bridge instead of being accepted from a socket. sipgo's WS
// transport serves it, so messages from browsers enter the same transaction
// layer as UDP and TCP traffic.
type connListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closer sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the next pushed connection, or net.ErrClosed after Close.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// push hands c to the accepting goroutine; it fails once the listener is closed.
func (l *connListener) push(c net.Conn) error {
	select {
	case l.conns <- c:
		return nil
	case <-l.done:
		return net.ErrClosed
	}
}

// Close stops Accept; idempotent.
func (l *connListener) Close() error {
	l.closer.Do(func() { close(l.done) })
	return nil
}

// Addr returns the address reported to sipgo for listen-port bookkeeping.
func (l *connListener) Addr() net.Addr { return l.addr }

// addrConn overrides the addresses of a pipe end so that sipgo keys the
// connection by the browser's real TCP address.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *addrConn) LocalAddr() net.Addr  { return c.local }
func (c *addrConn) RemoteAddr() net.Addr { return c.remote }
