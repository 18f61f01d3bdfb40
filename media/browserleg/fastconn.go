package browserleg

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// mediaConn is the UDP socket under an ICE UDP mux, wrapped for the SRTP
// fast path. Both ways it notes the DTLS hellos (handshakes.go); on the
// way in it hands the SRTP and SRTCP of a leg the fast path owns to that
// leg inline, in the mux's one reader goroutine, and passes everything
// else (STUN, DTLS, packets of other legs) to pion unchanged. It
// implements net.PacketConn and pion/ice's AddrPortReaderWriter, so the
// mux reads and writes it without allocating.
type mediaConn struct {
	conn *net.UDPConn
	hs   handshakes

	mu   sync.RWMutex
	legs map[netip.AddrPort]*fastLeg // by the browser's address
}

// newMediaConn wraps conn; the mediaConn owns it from now on.
func newMediaConn(conn *net.UDPConn) *mediaConn {
	return &mediaConn{conn: conn, legs: make(map[netip.AddrPort]*fastLeg)}
}

// ReadFromAddrPort reads the next datagram pion must see. SRTP and SRTCP
// (RFC 7983 §7) from the address of a leg on the fast path are that leg's
// and never returned; DTLS datagrams are sniffed for hellos on the way.
func (c *mediaConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		n, src, err := c.conn.ReadFromUDPAddrPort(b)
		if err != nil || n == 0 {
			return n, src, err
		}
		pkt := b[:n]
		switch {
		case isSRTP(pkt):
			if f := c.leg(unmapAP(src)); f != nil && f.receive(pkt) {
				continue
			}
		case isDTLS(pkt):
			c.hs.sniff(pkt, unmapAP(src), false, time.Now())
		}
		return n, src, nil
	}
}

// WriteToAddrPort writes b to addr, noting our own DTLS hellos.
func (c *mediaConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if isDTLS(b) {
		c.hs.sniff(b, unmapAP(addr), true, time.Now())
	}
	return c.conn.WriteToUDPAddrPort(b, addr)
}

// ReadFrom implements net.PacketConn.
func (c *mediaConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, ap, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// WriteTo implements net.PacketConn.
func (c *mediaConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok {
		return c.WriteToAddrPort(b, ua.AddrPort())
	}
	return c.conn.WriteTo(b, addr)
}

// Close implements net.PacketConn: it closes the socket.
func (c *mediaConn) Close() error { return c.conn.Close() }

// LocalAddr implements net.PacketConn.
func (c *mediaConn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// SetDeadline implements net.PacketConn.
func (c *mediaConn) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// SetReadDeadline implements net.PacketConn.
func (c *mediaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline implements net.PacketConn.
func (c *mediaConn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

// send writes a packet of the fast path to a browser.
func (c *mediaConn) send(b []byte, to netip.AddrPort) error {
	_, err := c.conn.WriteToUDPAddrPort(b, to)
	return err
}

// leg returns the fast-path leg whose browser is at src, if any.
func (c *mediaConn) leg(src netip.AddrPort) *fastLeg {
	c.mu.RLock()
	f := c.legs[src]
	c.mu.RUnlock()
	return f
}

// register routes the packets from peer to f.
func (c *mediaConn) register(peer netip.AddrPort, f *fastLeg) {
	c.mu.Lock()
	c.legs[peer] = f
	c.mu.Unlock()
}

// unregister stops routing peer to f; another leg's route is left alone.
func (c *mediaConn) unregister(peer netip.AddrPort, f *fastLeg) {
	c.mu.Lock()
	if c.legs[peer] == f {
		delete(c.legs, peer)
	}
	c.mu.Unlock()
}
