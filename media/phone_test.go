package media

import (
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

// phone is a fake SIP phone's media side: an RTP and an RTCP socket.
type phone struct {
	rtp, rtcp *net.UDPConn
}

func newPhone(t testing.TB, ip string) *phone {
	t.Helper()
	return &phone{rtp: listenUDP(t, ip), rtcp: listenUDP(t, ip)}
}

func listenUDP(t testing.TB, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (p *phone) rtpAddr() netip.AddrPort  { return addrOf(p.rtp) }
func (p *phone) rtcpAddr() netip.AddrPort { return addrOf(p.rtcp) }

func addrOf(c *net.UDPConn) netip.AddrPort {
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// rtpPacket builds a minimal RTP packet (RFC 3550 §5.1): PCMU, given
// sequence number, timestamp and SSRC, followed by payload.
func rtpPacket(seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = 0 // PT 0 = PCMU
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	copy(b[12:], payload)
	return b
}

// rtcpRR builds an empty receiver report (RFC 3550 §6.4.2).
func rtcpRR(ssrc uint32) []byte {
	b := make([]byte, 8)
	b[0] = 0x80
	b[1] = 201
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint32(b[4:], ssrc)
	return b
}

func send(t testing.TB, c *net.UDPConn, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// recv reads one datagram within a generous deadline.
func recv(t testing.TB, c *net.UDPConn) ([]byte, netip.AddrPort) {
	t.Helper()
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("recv on %v: %v", c.LocalAddr(), err)
	}
	return buf[:n], from
}

// expectNothing asserts that nothing is queued on c. Callers first wait
// (through Stats) until the relay has dealt with every packet sent, so a
// short read deadline is enough.
func expectNothing(t testing.TB, c *net.UDPConn) {
	t.Helper()
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err == nil {
		t.Fatalf("%v received %d bytes from %v, want nothing", c.LocalAddr(), n, from)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
}

// pcmuTone returns n samples of a sine tone at freq Hz sampled at 8 kHz,
// G.711 µ-law encoded (ITU-T G.711).
func pcmuTone(freq float64, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		s := 0.5 * math.Sin(2*math.Pi*freq*float64(i)/8000)
		out[i] = linearToULaw(int16(s * 32767))
	}
	return out
}

// linearToULaw encodes one 16-bit sample to µ-law (G.711 §A.2 style
// segment search with the 0x84 bias).
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x = -x
		sign = 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}
