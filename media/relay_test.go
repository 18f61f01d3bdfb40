package media

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// rig is a relay between two fake phones, all on loopback.
type rig struct {
	pool   *PortPool
	relay  *Relay
	a, b   *SocketPair
	pa, pb *phone
}

func newRig(t testing.TB, cfg RelayConfig) *rig {
	t.Helper()
	r := &rig{pool: newTestPool(t, 2, PortPoolConfig{})}
	var err error
	if r.a, err = r.pool.Allocate(); err != nil {
		t.Fatal(err)
	}
	if r.b, err = r.pool.Allocate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	r.relay = NewRelay(r.a, r.b, cfg)
	r.pa, r.pb = newPhone(t, "127.0.0.1"), newPhone(t, "127.0.0.1")
	r.relay.SetRemote(LegA, r.pa.rtpAddr(), r.pa.rtcpAddr())
	r.relay.SetRemote(LegB, r.pb.rtpAddr(), r.pb.rtcpAddr())
	t.Cleanup(func() {
		r.relay.Close()
		if n := r.pool.InUse(); n != 0 {
			t.Errorf("pool InUse after Close = %d, want 0", n)
		}
	})
	return r
}

// Relay-side addresses each phone sends to.
func (r *rig) aRTP() netip.AddrPort  { return netip.AddrPortFrom(loopback, uint16(r.a.Port)) }
func (r *rig) aRTCP() netip.AddrPort { return netip.AddrPortFrom(loopback, uint16(r.a.Port+1)) }
func (r *rig) bRTP() netip.AddrPort  { return netip.AddrPortFrom(loopback, uint16(r.b.Port)) }
func (r *rig) bRTCP() netip.AddrPort { return netip.AddrPortFrom(loopback, uint16(r.b.Port+1)) }

func TestRelayBothWays(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()

	pktA := rtpPacket(1, 160, 0xA, pcmuTone(1000, 160))
	send(t, r.pa.rtp, r.aRTP(), pktA)
	got, from := recv(t, r.pb.rtp)
	if !bytes.Equal(got, pktA) {
		t.Fatalf("B got %x, want %x", got, pktA)
	}
	if from != r.bRTP() {
		t.Errorf("B got it from %v, want the relay's B RTP socket %v", from, r.bRTP())
	}

	pktB := rtpPacket(7, 320, 0xB, pcmuTone(440, 160))
	send(t, r.pb.rtp, r.bRTP(), pktB)
	got, from = recv(t, r.pa.rtp)
	if !bytes.Equal(got, pktB) || from != r.aRTP() {
		t.Fatalf("A got %x from %v", got, from)
	}

	// RTCP: A's control socket to B's and back.
	rr := rtcpRR(0xA)
	send(t, r.pa.rtcp, r.aRTCP(), rr)
	got, from = recv(t, r.pb.rtcp)
	if !bytes.Equal(got, rr) || from != r.bRTCP() {
		t.Fatalf("B RTCP got %x from %v", got, from)
	}
	rr = rtcpRR(0xB)
	send(t, r.pb.rtcp, r.bRTCP(), rr)
	got, _ = recv(t, r.pa.rtcp)
	if !bytes.Equal(got, rr) {
		t.Fatalf("A RTCP got %x", got)
	}

	// A packet is counted as forwarded just after it was sent, so the
	// phone may get it before the count moves.
	want := FlowStats{RTPPackets: 1, RTPBytes: uint64(len(pktA)), RTCPPackets: 1, RTCPBytes: 8}
	waitFor(t, "forwarding counted", func() bool {
		st := r.relay.Stats()
		return st.AtoB.RTPPackets+st.AtoB.RTCPPackets+st.BtoA.RTPPackets+st.BtoA.RTCPPackets == 4
	})
	st := r.relay.Stats()
	if st.AtoB != want {
		t.Errorf("AtoB = %+v, want %+v", st.AtoB, want)
	}
	if st.BtoA.RTPPackets != 1 || st.BtoA.RTCPPackets != 1 {
		t.Errorf("BtoA = %+v", st.BtoA)
	}
	if st.A.Received != 2 || st.B.Received != 2 {
		t.Errorf("received A=%d B=%d, want 2 each", st.A.Received, st.B.Received)
	}
	if st.A.LatchedRTP != r.pa.rtpAddr() || st.A.LatchedRTCP != r.pa.rtcpAddr() {
		t.Errorf("A latched %v/%v", st.A.LatchedRTP, st.A.LatchedRTCP)
	}
}

// TestRelayPCMUContent sends a 1 kHz PCMU tone, 20 ms per packet, and checks
// the far end gets exactly the same payload bytes, headers and order.
func TestRelayPCMUContent(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	const packets = 100
	tone := pcmuTone(1000, 160*packets)
	for i := range packets {
		p := rtp.Packet{
			Header: rtp.Header{
				Version: 2, PayloadType: 0, SequenceNumber: uint16(65500 + i),
				Timestamp: uint32(160 * i), SSRC: 0x1234abcd, Marker: i == 0,
			},
			Payload: tone[160*i : 160*(i+1)],
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		send(t, r.pa.rtp, r.aRTP(), b)
		got, _ := recv(t, r.pb.rtp)
		var q rtp.Packet
		if err := q.Unmarshal(got); err != nil {
			t.Fatalf("packet %d does not parse: %v", i, err)
		}
		if q.SequenceNumber != p.SequenceNumber || q.Timestamp != p.Timestamp || q.SSRC != p.SSRC || q.Marker != p.Marker {
			t.Fatalf("packet %d header %v, want %v", i, q.Header, p.Header)
		}
		if !bytes.Equal(q.Payload, p.Payload) {
			t.Fatalf("packet %d payload differs", i)
		}
	}
	waitFor(t, "forwarding counted", func() bool { return r.relay.Stats().AtoB.RTPPackets == packets })
	if st := r.relay.Stats(); st.AtoB.RTPPackets != packets || st.AtoB.RTPBytes != packets*172 {
		t.Errorf("AtoB = %+v", st.AtoB)
	}
}

// TestRelaySymmetricLatch: a phone behind a port-rewriting NAT sends from
// another port than it signalled; the relay sends back to where the packets
// come from (RFC 4961).
func TestRelaySymmetricLatch(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	natted := listenUDP(t, "127.0.0.1")
	send(t, natted, r.aRTP(), rtpPacket(1, 0, 1, []byte("hello")))
	recv(t, r.pb.rtp)
	if got := r.relay.Stats().A.LatchedRTP; got != addrOf(natted) {
		t.Fatalf("latched %v, want %v", got, addrOf(natted))
	}
	send(t, r.pb.rtp, r.bRTP(), rtpPacket(1, 0, 2, []byte("back")))
	if got, _ := recv(t, natted); !bytes.Contains(got, []byte("back")) {
		t.Fatalf("natted got %q", got)
	}
	waitFor(t, "B→A forwarded", func() bool { return r.relay.Stats().BtoA.RTPPackets == 1 })
	expectNothing(t, r.pa.rtp) // the signalled port gets nothing once latched
}

// TestRelayStranger: packets from another IP are dropped and counted before
// latching, and anything but the latched source is dropped after, without a
// re-latch (CVE-2025-53399).
func TestRelayStranger(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	stranger := listenUDP(t, "127.0.0.2")

	send(t, stranger, r.aRTP(), rtpPacket(1, 0, 66, []byte("evil")))
	send(t, stranger, r.aRTCP(), rtcpRR(66))
	waitFor(t, "stranger counted", func() bool { return r.relay.Stats().A.DroppedStranger == 2 })
	if got := r.relay.Stats().A.LatchedRTP; got.IsValid() {
		t.Fatalf("latched %v from a stranger", got)
	}

	send(t, r.pa.rtp, r.aRTP(), rtpPacket(2, 0, 1, []byte("good")))
	if got, _ := recv(t, r.pb.rtp); !bytes.Contains(got, []byte("good")) {
		t.Fatalf("B got %q", got)
	}

	// After latching: the stranger and a second port on the right IP are
	// both refused.
	sameIP := listenUDP(t, "127.0.0.1")
	send(t, stranger, r.aRTP(), rtpPacket(3, 0, 66, []byte("evil")))
	send(t, sameIP, r.aRTP(), rtpPacket(4, 0, 66, []byte("evil")))
	waitFor(t, "strangers counted", func() bool { return r.relay.Stats().A.DroppedStranger == 4 })
	expectNothing(t, r.pb.rtp)
	if got := r.relay.Stats().A.LatchedRTP; got != r.pa.rtpAddr() {
		t.Fatalf("latch moved to %v", got)
	}

	// B's media still goes to the genuine phone only.
	send(t, r.pb.rtp, r.bRTP(), rtpPacket(1, 0, 2, []byte("to-a")))
	if got, _ := recv(t, r.pa.rtp); !bytes.Contains(got, []byte("to-a")) {
		t.Fatalf("A got %q", got)
	}
	expectNothing(t, stranger)
	expectNothing(t, sameIP)
}

// TestRelayLatchAny: with LatchAny a phone whose address is rewritten by a
// NAT is learned from its first packet, then locked.
func TestRelayLatchAny(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.SetLatchMode(LegA, LatchAny)
	r.relay.Start()
	behindNAT := newPhone(t, "127.0.0.3")
	send(t, behindNAT.rtp, r.aRTP(), rtpPacket(1, 0, 1, []byte("nat")))
	recv(t, r.pb.rtp)
	send(t, behindNAT.rtcp, r.aRTCP(), rtcpRR(1))
	recv(t, r.pb.rtcp)
	// RTCP from another IP than the latched RTP source is refused.
	send(t, r.pa.rtcp, r.aRTCP(), rtcpRR(9))
	send(t, r.pa.rtp, r.aRTP(), rtpPacket(2, 0, 9, []byte("late")))
	waitFor(t, "late packets refused", func() bool { return r.relay.Stats().A.DroppedStranger == 2 })
	send(t, r.pb.rtp, r.bRTP(), rtpPacket(1, 0, 2, []byte("reply")))
	if got, _ := recv(t, behindNAT.rtp); !bytes.Contains(got, []byte("reply")) {
		t.Fatalf("got %q", got)
	}
}

// TestRelayResetRemoteRearms: a re-INVITE (new SetRemote) lets the leg latch
// again, still only from the signalled IP.
func TestRelayResetRemoteRearms(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	first := listenUDP(t, "127.0.0.1")
	send(t, first, r.aRTP(), rtpPacket(1, 0, 1, []byte("one")))
	recv(t, r.pb.rtp)

	moved := newPhone(t, "127.0.0.4")
	r.relay.SetRemote(LegA, moved.rtpAddr(), moved.rtcpAddr())
	if got := r.relay.Stats().A.LatchedRTP; got.IsValid() {
		t.Fatalf("still latched to %v after SetRemote", got)
	}
	// Before the phone's first packet, B's media goes to the new signalled
	// address.
	send(t, r.pb.rtp, r.bRTP(), rtpPacket(1, 0, 2, []byte("early")))
	if got, _ := recv(t, moved.rtp); !bytes.Contains(got, []byte("early")) {
		t.Fatalf("got %q", got)
	}
	// The old source is now a stranger; the new one latches.
	send(t, first, r.aRTP(), rtpPacket(2, 0, 1, []byte("old")))
	waitFor(t, "old source refused", func() bool { return r.relay.Stats().A.DroppedStranger == 1 })
	send(t, moved.rtp, r.aRTP(), rtpPacket(3, 0, 1, []byte("new")))
	if got, _ := recv(t, r.pb.rtp); !bytes.Contains(got, []byte("new")) {
		t.Fatalf("got %q", got)
	}
	if got := r.relay.Stats().A.LatchedRTP; got != moved.rtpAddr() {
		t.Fatalf("latched %v, want %v", got, moved.rtpAddr())
	}
}

// TestRelayHold: a leg on hold with c=0.0.0.0 gets nothing; its own media
// (music on hold) still flows to the other leg; resuming restores both ways.
func TestRelayHold(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	send(t, r.pb.rtp, r.bRTP(), rtpPacket(1, 0, 2, []byte("b1")))
	recv(t, r.pa.rtp)

	for _, hold := range []netip.AddrPort{
		netip.AddrPortFrom(netip.IPv4Unspecified(), 4000), // c=0.0.0.0
		{},                              // nothing signalled
		netip.AddrPortFrom(loopback, 0), // port 0
	} {
		before := r.relay.Stats().A.DroppedNoDestination
		r.relay.SetRemote(LegB, hold, netip.AddrPort{})
		send(t, r.pa.rtp, r.aRTP(), rtpPacket(2, 0, 1, []byte("a-held")))
		send(t, r.pa.rtcp, r.aRTCP(), rtcpRR(1))
		waitFor(t, "A's packets dropped", func() bool { return r.relay.Stats().A.DroppedNoDestination == before+2 })
		expectNothing(t, r.pb.rtp)
		expectNothing(t, r.pb.rtcp)
		// The held phone may keep sending from its known address.
		send(t, r.pb.rtp, r.bRTP(), rtpPacket(3, 0, 2, []byte("moh")))
		if got, _ := recv(t, r.pa.rtp); !bytes.Contains(got, []byte("moh")) {
			t.Fatalf("A got %q", got)
		}
	}

	r.relay.SetRemote(LegB, r.pb.rtpAddr(), r.pb.rtcpAddr())
	send(t, r.pa.rtp, r.aRTP(), rtpPacket(4, 0, 1, []byte("resumed")))
	if got, _ := recv(t, r.pb.rtp); !bytes.Contains(got, []byte("resumed")) {
		t.Fatalf("B got %q", got)
	}
}

func TestRelayInactivity(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{InactivityTimeout: 150 * time.Millisecond})
	started := time.Now()
	r.relay.Start()
	select {
	case <-r.relay.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop")
	}
	err := r.relay.Err()
	if !errors.Is(err, ErrInactive) {
		t.Fatalf("Err = %v, want ErrInactive", err)
	}
	if !strings.Contains(err.Error(), "leg A") || !strings.Contains(err.Error(), "leg B") {
		t.Errorf("error %q does not name the silent legs", err)
	}
	if elapsed := time.Since(started); elapsed < 150*time.Millisecond {
		t.Errorf("stopped after %v, before the timeout", elapsed)
	}
	if r.pool.InUse() != 0 {
		t.Errorf("ports not returned: InUse = %d", r.pool.InUse())
	}
	if err := r.relay.Close(); err != nil {
		t.Errorf("Close after inactivity: %v", err)
	}
	if !errors.Is(r.relay.Err(), ErrInactive) {
		t.Errorf("Close changed Err to %v", r.relay.Err())
	}
}

// TestRelayActivityKeepsAlive: RTCP alone from one leg (a call on hold)
// keeps the relay up.
func TestRelayActivityKeepsAlive(t *testing.T) {
	leakCheck(t)
	const timeout = 400 * time.Millisecond
	r := newRig(t, RelayConfig{InactivityTimeout: timeout})
	r.relay.Start()
	end := time.Now().Add(3 * timeout)
	for time.Now().Before(end) {
		send(t, r.pb.rtcp, r.bRTCP(), rtcpRR(2))
		select {
		case <-r.relay.Done():
			t.Fatalf("relay stopped while RTCP flowed: %v", r.relay.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case <-r.relay.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop after the traffic ended")
	}
	if !errors.Is(r.relay.Err(), ErrInactive) {
		t.Fatalf("Err = %v", r.relay.Err())
	}
}

// TestRelayInactivityWaitsForBothLegs: while one leg has no SDP yet (the
// callee is still ringing), silence does not end the relay.
func TestRelayInactivityWaitsForBothLegs(t *testing.T) {
	leakCheck(t)
	pool := newTestPool(t, 2, PortPoolConfig{})
	a, err := pool.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 100 * time.Millisecond
	rl := NewRelay(a, b, RelayConfig{InactivityTimeout: timeout, Logger: quietLogger()})
	defer rl.Close()
	rl.SetRemote(LegA, netip.MustParseAddrPort("127.0.0.1:9"), netip.AddrPort{})
	rl.Start()
	select {
	case <-rl.Done():
		t.Fatalf("relay stopped before leg B was signalled: %v", rl.Err())
	case <-time.After(4 * timeout):
	}
	// A hold without address still counts as signalled.
	rl.SetRemote(LegB, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), netip.AddrPort{})
	select {
	case <-rl.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop")
	}
	if !errors.Is(rl.Err(), ErrInactive) {
		t.Fatalf("Err = %v", rl.Err())
	}
}

func TestRelayNoInactivityTimeout(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{InactivityTimeout: -1})
	r.relay.Start()
	select {
	case <-r.relay.Done():
		t.Fatal("relay stopped")
	case <-time.After(50 * time.Millisecond):
	}
	r.relay.Close()
}

func TestRelayClose(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	if r.relay.Err() != nil {
		t.Fatalf("Err before start = %v", r.relay.Err())
	}
	r.relay.Start()
	r.relay.Start() // no-op
	if err := r.relay.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.relay.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-r.relay.Done():
	default:
		t.Fatal("Done not closed")
	}
	if !errors.Is(r.relay.Err(), ErrClosed) {
		t.Fatalf("Err = %v", r.relay.Err())
	}
	if r.pool.InUse() != 0 {
		t.Fatalf("InUse = %d", r.pool.InUse())
	}
	r.relay.Start() // after Close: no-op, no goroutines
	r.relay.SetRemote(LegA, netip.AddrPort{}, netip.AddrPort{})
	r.relay.SetRemote(Leg(7), netip.AddrPort{}, netip.AddrPort{})
}

func TestRelayCloseWithoutStart(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	if err := r.relay.Close(); err != nil {
		t.Fatal(err)
	}
	<-r.relay.Done()
	if r.pool.InUse() != 0 {
		t.Fatalf("InUse = %d", r.pool.InUse())
	}
}

// TestRelaySocketClosedOutside: if someone closes a leg's sockets, the relay
// stops instead of leaking goroutines.
func TestRelaySocketClosedOutside(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	r.a.Close()
	select {
	case <-r.relay.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop")
	}
	if !errors.Is(r.relay.Err(), ErrClosed) {
		t.Fatalf("Err = %v", r.relay.Err())
	}
}

func TestRelayMalformed(t *testing.T) {
	leakCheck(t)
	r := newRig(t, RelayConfig{})
	r.relay.Start()
	valid := rtpPacket(1, 0, 1, []byte("ok"))
	v0 := append([]byte{}, valid...)
	v0[0] = 0x00
	stun := make([]byte, 20) // STUN binding request starts 0x00 0x01
	stun[1] = 1
	bad := [][]byte{
		{},                          // empty datagram
		{0x80},                      // one byte
		valid[:11],                  // shorter than the fixed header
		v0,                          // version 0
		stun,                        // not RTP at all
		make([]byte, maxPacket+100), // oversized (possibly truncated)
	}
	bad[len(bad)-1][0] = 0x80
	for _, b := range bad {
		send(t, r.pa.rtp, r.aRTP(), b)
	}
	badRTCP := [][]byte{
		rtcpRR(1)[:7],                 // too short
		rtpPacket(1, 0, 1, []byte{1}), // an RTP packet type on the RTCP port
		{0x40, 201, 0, 1, 0, 0, 0, 1}, // version 1
	}
	for _, b := range badRTCP {
		send(t, r.pa.rtcp, r.aRTCP(), b)
	}
	want := uint64(len(bad) + len(badRTCP))
	waitFor(t, "malformed counted", func() bool { return r.relay.Stats().A.DroppedMalformed == want })
	// Garbage did not latch anything nor disturb the stream.
	if r.relay.Stats().A.Received != 0 {
		t.Fatalf("received = %d", r.relay.Stats().A.Received)
	}
	send(t, r.pa.rtp, r.aRTP(), valid)
	if got, _ := recv(t, r.pb.rtp); !bytes.Equal(got, valid) {
		t.Fatalf("B got %x", got)
	}
	expectNothing(t, r.pb.rtp)
	expectNothing(t, r.pb.rtcp)
}

// TestRelaySequential2000 sets up and tears down 2000 relays one after the
// other, with quarantine on a fake clock, and checks nothing leaks.
func TestRelaySequential2000(t *testing.T) {
	leakCheck(t)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	pool, err := NewPortPool(PortPoolConfig{
		BindIP: loopback, Min: testPortLo, Max: testPortHi,
		Quarantine: 10 * time.Second, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := newPhone(t, "127.0.0.1"), newPhone(t, "127.0.0.1")
	for i := range 2000 {
		a, err := pool.Allocate()
		if err != nil {
			t.Fatalf("relay %d: %v", i, err)
		}
		b, err := pool.Allocate()
		if err != nil {
			t.Fatalf("relay %d: %v", i, err)
		}
		rl := NewRelay(a, b, RelayConfig{Logger: quietLogger()})
		rl.SetRemote(LegA, pa.rtpAddr(), pa.rtcpAddr())
		rl.SetRemote(LegB, pb.rtpAddr(), pb.rtcpAddr())
		rl.Start()
		if i%100 == 0 {
			msg := rtpPacket(uint16(i), 0, 1, []byte("probe"))
			send(t, pa.rtp, netip.AddrPortFrom(loopback, uint16(a.Port)), msg)
			if got, _ := recv(t, pb.rtp); !bytes.Equal(got, msg) {
				t.Fatalf("relay %d: got %x", i, got)
			}
		}
		if err := rl.Close(); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("InUse = %d after 2000 relays", n)
	}
}

func TestRelayLegNames(t *testing.T) {
	if LegA.String() != "A" || LegB.String() != "B" || Leg(5).String() != "?" {
		t.Error("Leg.String")
	}
	if LatchSignalled.String() != "signalled" || LatchAny.String() != "any" || LatchMode(9).String() != "unknown" {
		t.Error("LatchMode.String")
	}
}

// TestRelayDualStack: a pool bound on "::" relays between an IPv4 and an
// IPv6 peer; IPv4 sources seen as ::ffff:a.b.c.d still match their
// signalled IPv4 address.
func TestRelayDualStack(t *testing.T) {
	leakCheck(t)
	lo, hi := freeRange(t, 2)
	pool, err := NewPortPool(PortPoolConfig{BindIP: netip.IPv6Unspecified(), Min: lo, Max: hi, Quarantine: -1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := pool.Allocate()
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	b, err := pool.Allocate()
	if err != nil {
		a.Close()
		t.Skipf("no IPv6 here: %v", err)
	}
	rl := NewRelay(a, b, RelayConfig{Logger: quietLogger()})
	defer rl.Close()
	p4 := newPhone(t, "127.0.0.1")
	c6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer c6.Close()
	rl.SetRemote(LegA, p4.rtpAddr(), netip.AddrPort{})
	rl.SetRemote(LegB, addrOf(c6), netip.AddrPort{})
	rl.Start()

	send(t, p4.rtp, netip.AddrPortFrom(loopback, uint16(a.Port)), rtpPacket(1, 0, 1, []byte("v4")))
	if got, _ := recv(t, c6); !bytes.Contains(got, []byte("v4")) {
		t.Fatalf("v6 peer got %q", got)
	}
	send(t, c6, netip.AddrPortFrom(netip.IPv6Loopback(), uint16(b.Port)), rtpPacket(1, 0, 2, []byte("v6")))
	if got, _ := recv(t, p4.rtp); !bytes.Contains(got, []byte("v6")) {
		t.Fatalf("v4 peer got %q", got)
	}
	if st := rl.Stats(); st.A.LatchedRTP != p4.rtpAddr() || st.A.DroppedStranger != 0 {
		t.Fatalf("A stats %+v", st.A)
	}
}
