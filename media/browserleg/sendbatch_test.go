package browserleg

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// batchReceivers opens n loopback sockets playing browsers.
func batchReceivers(t testing.TB, n int) []*net.UDPConn {
	t.Helper()
	socks := make([]*net.UDPConn, n)
	for i := range socks {
		socks[i] = loopbackConn(t)
		_ = socks[i].SetReadBuffer(1 << 20)
	}
	return socks
}

// apOf is a socket's loopback address.
func apOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// queue adds a packet reading body to q for to, as the fast path does.
func queue(q *sendBatch, body string, to netip.AddrPort) {
	s := q.slot()
	q.add(append(s, body...), to)
}

// recvAll reads what each socket got until want packets arrived in all.
func recvAll(t *testing.T, socks []*net.UDPConn, want int) map[int][]string {
	t.Helper()
	got := make(map[int][]string)
	buf := make([]byte, 2048)
	for i, s := range socks {
		_ = s.SetReadDeadline(time.Now().Add(2 * time.Second))
		for len(got[i]) < want {
			n, _, err := s.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatalf("socket %d: %d of %d packets: %v", i, len(got[i]), want, err)
			}
			got[i] = append(got[i], string(buf[:n]))
		}
	}
	return got
}

// TestSendBatchDeliversInOrder queues packets for several browsers, more
// than a batch holds, and checks each browser gets its own, in order.
func TestSendBatchDeliversInOrder(t *testing.T) {
	mc := newMediaConn(loopbackConn(t))
	defer mc.Close()
	q := newSendBatch(mc)
	socks := batchReceivers(t, 5)
	const each = 30 // 150 packets: two automatic flushes and one by hand
	for k := range each {
		for i, s := range socks {
			queue(q, fmt.Sprintf("to %d #%d", i, k), apOf(s))
		}
	}
	q.flush()
	got := recvAll(t, socks, each)
	for i := range socks {
		for k, body := range got[i] {
			if want := fmt.Sprintf("to %d #%d", i, k); body != want {
				t.Fatalf("socket %d packet %d = %q, want %q", i, k, body, want)
			}
		}
	}
	if s, f := q.sent, q.failed; s != 5*each || f != 0 {
		t.Errorf("sent %d failed %d", s, f)
	}
	// An empty flush sends nothing.
	q.flush()
	if q.sent != 5*each {
		t.Errorf("empty flush sent %d", q.sent-5*each)
	}
}

// TestSendBatchSkipsRefusedDestination puts an address the IPv4 socket
// cannot reach amid good ones: it is counted as failed and the others
// still arrive, the one after it included.
func TestSendBatchSkipsRefusedDestination(t *testing.T) {
	mc := newMediaConn(loopbackConn(t))
	defer mc.Close()
	q := newSendBatch(mc)
	socks := batchReceivers(t, 2)
	queue(q, "first", apOf(socks[0]))
	queue(q, "lost", netip.MustParseAddrPort("[2001:db8::1]:5004"))
	queue(q, "port zero", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 0))
	queue(q, "second", apOf(socks[1]))
	q.flush()
	got := recvAll(t, socks, 1)
	if got[0][0] != "first" || got[1][0] != "second" {
		t.Errorf("got %v", got)
	}
	if s, f := q.sent, q.failed; s != 2 || f != 2 {
		t.Errorf("sent %d failed %d, want 2 and 2", s, f)
	}
}

// TestSendBatchAfterClose counts every packet of a flush on a closed
// socket as failed, without blocking.
func TestSendBatchAfterClose(t *testing.T) {
	mc := newMediaConn(loopbackConn(t))
	q := newSendBatch(mc)
	socks := batchReceivers(t, 1)
	mc.Close()
	queue(q, "a", apOf(socks[0]))
	queue(q, "b", apOf(socks[0]))
	q.flush()
	if s, f := q.sent, q.failed; s != 0 || f != 2 {
		t.Errorf("sent %d failed %d, want 0 and 2", s, f)
	}
}

// TestSendBatchAllocFree: filling and flushing a batch allocates nothing.
func TestSendBatchAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; make test runs this without -race")
	}
	mc := newMediaConn(loopbackConn(t))
	defer mc.Close()
	q := newSendBatch(mc)
	socks := batchReceivers(t, 4)
	dst := make([]netip.AddrPort, len(socks))
	for i, s := range socks {
		dst[i] = apOf(s)
	}
	body := bytes.Repeat([]byte{0xa5}, 172)
	allocs := testing.AllocsPerRun(200, func() {
		for _, d := range dst {
			s := q.slot()
			q.add(append(s, body...), d)
		}
		q.flush()
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per batch", allocs)
	}
}

// BenchmarkSendBatch compares one sendmmsg for a tick's packets toward 50
// browsers with one sendto each, per packet.
func BenchmarkSendBatch(b *testing.B) {
	const browsers = 50
	body := bytes.Repeat([]byte{0xa5}, 172) // a PCMU frame with SRTP
	for _, batched := range []bool{false, true} {
		name := "sendto"
		if batched {
			name = "sendmmsg"
		}
		b.Run(name, func(b *testing.B) {
			mc := newMediaConn(loopbackConn(b))
			defer mc.Close()
			q := newSendBatch(mc)
			socks := batchReceivers(b, browsers)
			stop := make(chan struct{})
			defer close(stop)
			for _, s := range socks {
				go drain(s, stop)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				to := apOf(socks[i%browsers])
				if !batched {
					_ = mc.send(body, to)
					continue
				}
				s := q.slot()
				q.add(append(s, body...), to)
				if i%browsers == browsers-1 {
					q.flush()
				}
			}
			q.flush()
		})
	}
}

// drain reads s until stop is closed, so its buffer never fills.
func drain(s *net.UDPConn, stop chan struct{}) {
	buf := make([]byte, 2048)
	for {
		select {
		case <-stop:
			return
		default:
		}
		_ = s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, _, _ = s.ReadFromUDPAddrPort(buf)
	}
}
