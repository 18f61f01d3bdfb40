package media

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

// pump sends n copies of pkt from src to the relay address dst in batches
// and reads them back on sink, never letting more than batch packets be in
// flight so that socket buffers do not overflow. It returns how many
// packets were lost (a read timed out). It does not allocate.
func pump(src, sink *net.UDPConn, dst netip.AddrPort, pkt, buf []byte, n, batch int) (lost int, err error) {
	for n > 0 {
		k := min(batch, n)
		n -= k
		for range k {
			if _, err := src.WriteToUDPAddrPort(pkt, dst); err != nil {
				return lost, err
			}
		}
		if err := sink.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
			return lost, err
		}
		for got := 0; got < k; got++ {
			if _, _, err := sink.ReadFromUDPAddrPort(buf); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					lost += k - got
					break
				}
				return lost, err
			}
		}
	}
	return lost, nil
}

// TestRelayHotPathAllocFree checks that forwarding a packet, once latched,
// allocates nothing anywhere in the process (relay goroutines included).
func TestRelayHotPathAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	pkt := rtpPacket(1, 0, 1, pcmuTone(1000, 160))
	buf := make([]byte, 2048)
	dst := r.aRTP()
	// Latch and warm up.
	if _, err := pump(r.pa.rtp, r.pb.rtp, dst, pkt, buf, 64, 8); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := pump(r.pa.rtp, r.pb.rtp, dst, pkt, buf, 8, 8); err != nil {
			panic(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per 8 forwarded packets, want 0", allocs)
	}
}

// BenchmarkRelayForward measures one stream of 172-byte PCMU packets through
// the relay on loopback: each op is one packet sent by phone A, forwarded,
// and received by phone B.
func BenchmarkRelayForward(b *testing.B) { benchRelayForward(b, nil) }

// BenchmarkRelayForwardTap is BenchmarkRelayForward with a tap set that
// counts packets: the cost of passing each packet to a recorder.
func BenchmarkRelayForwardTap(b *testing.B) {
	tap := &countingTap{}
	benchRelayForward(b, tap)
	if got := tap.n.Load(); got < uint64(b.N) {
		b.Fatalf("tap saw %d packets, want at least %d", got, b.N)
	}
}

// benchRelayForward runs the forwarding benchmark, with tap set if not nil.
func benchRelayForward(b *testing.B, tap Tap) {
	r := newRig(b, RelayConfig{})
	if tap != nil {
		r.relay.SetTap(tap)
	}
	r.relay.Start()
	pkt := rtpPacket(1, 0, 1, pcmuTone(1000, 160))
	buf := make([]byte, 2048)
	if _, err := pump(r.pa.rtp, r.pb.rtp, r.aRTP(), pkt, buf, 64, 8); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	b.ResetTimer()
	start := time.Now()
	lost, err := pump(r.pa.rtp, r.pb.rtp, r.aRTP(), pkt, buf, b.N, 32)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pkts/s")
	b.ReportMetric(float64(lost), "lost")
}

func BenchmarkAnchorSDP(b *testing.B) {
	body, err := os.ReadFile("testdata/deskphone_offer.sdp")
	if err != nil {
		b.Fatal(err)
	}
	o := &Origin{}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := AnchorSDP(body, testAdv, testPort, o); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPool is a pool with no quarantine for a benchmark, checked to
// hold no pair once the benchmark is done.
func benchPool(b *testing.B) *PortPool {
	p, err := NewPortPool(PortPoolConfig{BindIP: loopback, Min: testPortLo, Max: testPortHi, Quarantine: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if p.InUse() != 0 {
			b.Errorf("InUse = %d", p.InUse())
		}
	})
	b.ReportAllocs()
	return p
}

func BenchmarkPortPoolAllocateClose(b *testing.B) {
	p := benchPool(b)
	for b.Loop() {
		sp, err := p.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		if err := sp.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelayLifecycle is the media side of a short call: two socket
// pairs from the pool, a relay started on them and closed with no packet
// seen. Its bytes per op are what every call costs the collector before
// any media flows.
func BenchmarkRelayLifecycle(b *testing.B) {
	p := benchPool(b)
	for b.Loop() {
		a, err := p.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		c, err := p.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		r := NewRelay(a, c, RelayConfig{})
		r.Start()
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
