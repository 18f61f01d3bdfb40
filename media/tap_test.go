package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// recordingTap keeps the sequence numbers of what it is given, per leg.
type recordingTap struct {
	mu   sync.Mutex
	seqs [2][]uint16
}

func (r *recordingTap) RTP(from Leg, pkt []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs[from] = append(r.seqs[from], binary.BigEndian.Uint16(pkt[2:]))
}

func (r *recordingTap) got(leg Leg) []uint16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint16(nil), r.seqs[leg]...)
}

// countingTap counts packets without allocating.
type countingTap struct{ n atomic.Uint64 }

func (c *countingTap) RTP(Leg, []byte) { c.n.Add(1) }

// TestRelayTap: the tap sees every RTP packet from both legs, in order
// per leg, and no RTCP; once removed it sees nothing.
func TestRelayTap(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	tap := &recordingTap{}
	r.relay.SetTap(tap)

	const n = 50
	var want []uint16
	for i := range n {
		seq := uint16(65530 + i)
		want = append(want, seq)
		send(t, r.pa.rtp, r.aRTP(), rtpPacket(seq, 0, 0xA, []byte("from a")))
		send(t, r.pb.rtp, r.bRTP(), rtpPacket(seq, 0, 0xB, []byte("from b")))
		recv(t, r.pb.rtp)
		recv(t, r.pa.rtp)
	}
	send(t, r.pa.rtcp, r.aRTCP(), rtcpRR(0xA))
	recv(t, r.pb.rtcp)
	waitFor(t, "tap fed", func() bool { return len(tap.got(LegA)) == n && len(tap.got(LegB)) == n })
	for _, leg := range []Leg{LegA, LegB} {
		got := tap.got(leg)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("leg %v: tap got %v, want %v", leg, got, want)
			}
		}
	}

	// A leg on hold still sends; the tap records it though nothing is
	// forwarded.
	r.relay.SetRemote(LegB, netip.AddrPort{}, netip.AddrPort{})
	send(t, r.pa.rtp, r.aRTP(), rtpPacket(1, 0, 0xA, []byte("held")))
	waitFor(t, "held packet tapped", func() bool { return len(tap.got(LegA)) == n+1 })
	r.relay.SetRemote(LegB, r.pb.rtpAddr(), r.pb.rtcpAddr())

	r.relay.SetTap(nil)
	before := r.relay.Stats()
	for i := range 10 {
		send(t, r.pa.rtp, r.aRTP(), rtpPacket(uint16(i), 0, 0xA, []byte("untapped")))
		send(t, r.pb.rtp, r.bRTP(), rtpPacket(uint16(i), 0, 0xB, []byte("untapped")))
	}
	waitFor(t, "forwarded", func() bool {
		st := r.relay.Stats()
		return st.A.Received == before.A.Received+10 && st.B.Received == before.B.Received+10
	})
	if a, b := len(tap.got(LegA)), len(tap.got(LegB)); a != n+1 || b != n {
		t.Fatalf("tap got %d and %d packets after removal, want %d and %d", a, b, n+1, n)
	}
}

// blockingTap parks in RTP until released.
type blockingTap struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingTap) RTP(Leg, []byte) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
}

// TestRelaySetTapWaits: SetTap(nil) returns only once a call of the old
// tap in progress has finished, so a recorder may close its file right
// after.
func TestRelaySetTapWaits(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	tap := &blockingTap{entered: make(chan struct{}), release: make(chan struct{})}
	r.relay.SetTap(tap)
	send(t, r.pa.rtp, r.aRTP(), rtpPacket(1, 0, 0xA, []byte("x")))
	select {
	case <-tap.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("tap not called")
	}
	removed := make(chan struct{})
	go func() {
		r.relay.SetTap(nil)
		close(removed)
	}()
	select {
	case <-removed:
		t.Fatal("SetTap(nil) returned while the old tap was running")
	case <-time.After(50 * time.Millisecond):
	}
	close(tap.release)
	select {
	case <-removed:
	case <-time.After(10 * time.Second):
		t.Fatal("SetTap(nil) did not return")
	}
}

// TestRelayTapToggle switches the tap on and off while both legs stream,
// for the race detector; each tap sees a contiguous run of each leg's
// packets.
func TestRelayTapToggle(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var taps []*recordingTap
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				r.relay.SetTap(nil)
				return
			default:
			}
			tap := &recordingTap{}
			taps = append(taps, tap)
			r.relay.SetTap(tap)
			runtime.Gosched()
			r.relay.SetTap(nil)
		}
	}()
	const n = 300
	for i := range n {
		send(t, r.pa.rtp, r.aRTP(), rtpPacket(uint16(i), 0, 0xA, []byte("a")))
		send(t, r.pb.rtp, r.bRTP(), rtpPacket(uint16(i), 0, 0xB, []byte("b")))
		recv(t, r.pb.rtp)
		recv(t, r.pa.rtp)
	}
	close(stop)
	wg.Wait()
	total := 0
	for _, tap := range taps {
		for _, leg := range []Leg{LegA, LegB} {
			got := tap.got(leg)
			total += len(got)
			for i := 1; i < len(got); i++ {
				if got[i] != got[i-1]+1 {
					t.Fatalf("leg %v: tap saw %v, not a contiguous run", leg, got)
				}
			}
		}
	}
	t.Logf("%d taps saw %d of %d packets", len(taps), total, 2*n)
	if total > 2*n {
		t.Fatalf("taps saw %d packets in all, more than the %d sent", total, 2*n)
	}
}

// TestRelayTapAllocFree: forwarding with a tap set allocates nothing
// beyond what the tap does.
func TestRelayTapAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	tap := &countingTap{}
	r.relay.SetTap(tap)
	pkt := rtpPacket(1, 0, 1, pcmuTone(1000, 160))
	buf := make([]byte, 2048)
	if _, err := pump(r.pa.rtp, r.pb.rtp, r.aRTP(), pkt, buf, 64, 8); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := pump(r.pa.rtp, r.pb.rtp, r.aRTP(), pkt, buf, 8, 8); err != nil {
			panic(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per 8 forwarded packets, want 0", allocs)
	}
	waitFor(t, "tap count", func() bool { return tap.n.Load() == 64+201*8 })
}

// TestRelayRTCPObserver: an observer sees each admitted RTCP packet with
// its leg, source and the relay socket it reached, and nothing once
// removed.
func TestRelayRTCPObserver(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	type seen struct {
		from       Leg
		src, local netip.AddrPort
		pkt        []byte
	}
	got := make(chan seen, 4)
	r.relay.SetRTCPObserver(func(from Leg, src, local netip.AddrPort, pkt []byte) {
		got <- seen{from, src, local, append([]byte(nil), pkt...)}
	})
	sr := mustRTCP(t, &rtcp.SenderReport{SSRC: 0xA, NTPTime: toNTP(time.Now())}, cname(0xA))
	send(t, r.pa.rtcp, r.aRTCP(), sr)
	recv(t, r.pb.rtcp)
	select {
	case s := <-got:
		if s.from != LegA || !bytes.Equal(s.pkt, sr) || s.local.Port() != r.aRTCP().Port() || !s.src.IsValid() {
			t.Fatalf("observer saw %+v", s)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("observer saw nothing")
	}
	r.relay.SetRTCPObserver(nil)
	send(t, r.pa.rtcp, r.aRTCP(), sr)
	recv(t, r.pb.rtcp)
	select {
	case s := <-got:
		t.Fatalf("removed observer saw %+v", s)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestRelayDetachKeepsSockets: after Detach the relay forwards nothing,
// its sockets stay open for the new owner, and Close no longer closes them.
func TestRelayDetachKeepsSockets(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	send(t, r.pa.rtp, r.aRTP(), pkt)
	recv(t, r.pb.rtp)

	a, b := r.relay.Detach()
	if a != r.a || b != r.b {
		t.Fatal("Detach did not hand over the relay's pairs")
	}
	if !errors.Is(r.relay.Err(), ErrDetached) {
		t.Fatalf("Err after Detach = %v", r.relay.Err())
	}
	_ = r.relay.Close()
	// The phone's packet now reaches leg A's socket itself.
	send(t, r.pa.rtp, r.aRTP(), pkt)
	_ = a.RTP.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := a.RTP.ReadFromUDPAddrPort(make([]byte, 1500)); err != nil {
		t.Fatalf("leg A's socket after Detach: %v", err)
	}
	if a2, b2 := r.relay.Detach(); a2 != nil || b2 != nil {
		t.Fatal("a second Detach handed out the pairs again")
	}
	_ = a.Close()
	_ = b.Close()
}
