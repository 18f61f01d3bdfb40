package browserleg

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/callgate/callgate/media"
)

// unconnectedLeg is a leg that offered and never got an answer: enough to
// exercise a bridge's phone side.
func unconnectedLeg(t *testing.T, e *Engine) *Leg {
	t.Helper()
	leg, _, err := e.Offer(testCtx(t), []media.Codec{pcmu}, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leg.Close() })
	return leg
}

func TestBridgeStrangersAndLatch(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	ph := newPhone(t, "127.0.0.1")
	otherIP := newPhone(t, "127.0.0.2")
	samePort := newPhone(t, "127.0.0.1")
	dst := pairAddr(pair)

	// The phone signals port 9 but sends from its real port (NAT).
	signalled := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 9)
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: signalled, InactivityTimeout: -1, Logger: quietLog})
	defer b.Close()
	pkt := rtpPacket(0, 1, 160, 42, make([]byte, 160))

	// A stranger on another IP sends first: dropped, and no latch.
	for i := 0; i < 3; i++ {
		otherIP.conn.WriteToUDP(pkt, dst)
	}
	waitFor(t, "3 strangers", 5*time.Second, func() bool { return b.Stats().DroppedStrangers == 3 })

	// The phone's first packet from the signalled IP latches its source.
	ph.conn.WriteToUDP(pkt, dst)
	waitFor(t, "phone packet", 5*time.Second, func() bool { return b.Stats().PhoneToBrowser == 1 })

	// Once latched, even the same IP from another port is a stranger.
	samePort.conn.WriteToUDP(pkt, dst)
	samePort.conn.WriteToUDP(pkt, dst)
	waitFor(t, "5 strangers", 5*time.Second, func() bool { return b.Stats().DroppedStrangers == 5 })
	if st := b.Stats(); st.PhoneToBrowser != 1 {
		t.Errorf("stats %+v", st)
	}

	// Browser media goes to the latched source, not the signalled port.
	b.fromBrowser(rtpPacket(0, 7, 1120, 99, []byte("hello")))
	raw, err := ph.read(5 * time.Second)
	if err != nil {
		t.Fatalf("phone did not get browser media at its latched address: %v", err)
	}
	if string(raw[12:]) != "hello" {
		t.Errorf("payload %q", raw[12:])
	}

	// RTCP from the phone, on the RTCP port and multiplexed on the RTP
	// port, is taken in, malformed RTCP dropped; unknown payload types
	// too.
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	ph.conn.WriteToUDP(rtcp, pair.RTCP.LocalAddr().(*net.UDPAddr))
	ph.conn.WriteToUDP(rtcp, dst)
	ph.conn.WriteToUDP(rtcp[:20], dst)
	ph.conn.WriteToUDP(rtpPacket(18, 2, 320, 42, make([]byte, 20)), dst)
	waitFor(t, "RTCP taken, bad RTCP and bad PT dropped", 5*time.Second, func() bool {
		st := b.Stats()
		return st.PhoneRTCPReceived == 2 && st.DroppedRTCP == 1 && st.DroppedPayloadType == 1
	})

	// Hold with an unspecified address: nothing goes out or comes in.
	b.SetPhoneRemote(netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	b.fromBrowser(rtpPacket(0, 8, 1280, 99, []byte("held")))
	if b.Stats().DroppedNoRemote != 1 {
		t.Errorf("stats %+v", b.Stats())
	}
	ph.conn.WriteToUDP(pkt, dst)
	waitFor(t, "held phone packet dropped", 5*time.Second, func() bool { return b.Stats().DroppedStrangers == 6 })

	// Resume at the phone's real address: latches again.
	b.SetPhoneRemote(ph.addr())
	ph.conn.WriteToUDP(pkt, dst)
	waitFor(t, "phone packet after resume", 5*time.Second, func() bool { return b.Stats().PhoneToBrowser == 2 })
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	b.Close()
	b.Close()
	if !errors.Is(b.Err(), ErrClosed) {
		t.Errorf("Err after Close = %v", b.Err())
	}
	// The pair is left usable for its owner.
	ph.conn.WriteToUDP(pkt, dst)
	pair.RTP.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := pair.RTP.ReadFromUDPAddrPort(make([]byte, 1500)); err != nil {
		t.Errorf("pair unusable after Close: %v", err)
	}
}

func TestBridgePayloadTypeMapping(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)

	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	// The phone numbers telephone-event 101, the browser 126.
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}, Logger: quietLog})
	defer b.Close()

	// Phone DTMF 101 reaches the browser as 126.
	event := []byte{5, 0x0a, 0, 160} // digit 5, volume 10, duration 160 (RFC 4733 §2.3)
	waitFor(t, "DTMF at the browser", 10*time.Second, func() bool {
		ph.conn.WriteToUDP(rtpPacket(101, 1, 0, 7, event), pairAddr(pair))
		for _, p := range br.packets() {
			if p.PayloadType == 126 && string(p.Payload) == string(event) {
				return true
			}
		}
		return false
	})
	// Browser DTMF 126 reaches the phone as 101.
	b.fromBrowser(rtpPacket(126, 9, 0, 8, event))
	raw, err := ph.read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if raw[1]&0x7f != 101 {
		t.Errorf("phone got PT %d, want 101", raw[1]&0x7f)
	}
}

func TestBridgeInactivity(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	ph := newPhone(t, "127.0.0.1")

	b := Bridge(leg, newPair(t), BridgeConfig{PhoneRemote: ph.addr(), InactivityTimeout: 100 * time.Millisecond, Logger: quietLog})
	defer b.Close()
	select {
	case <-b.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("inactive bridge did not stop")
	}
	if !errors.Is(b.Err(), ErrInactive) {
		t.Errorf("Err = %v, want ErrInactive", b.Err())
	}

	// On hold (no phone address) the clock stops.
	held := Bridge(leg, newPair(t), BridgeConfig{InactivityTimeout: 50 * time.Millisecond, Logger: quietLog})
	defer held.Close()
	select {
	case <-held.Done():
		t.Fatalf("held bridge stopped: %v", held.Err())
	case <-time.After(300 * time.Millisecond):
	}
}

func TestBridgeEndsWithLeg(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	b := Bridge(leg, newPair(t), BridgeConfig{Logger: quietLog})
	defer b.Close()
	leg.Close()
	select {
	case <-b.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("bridge outlived its leg")
	}
	if !errors.Is(b.Err(), ErrClosed) {
		t.Errorf("Err = %v, want the leg's ErrClosed", b.Err())
	}
}
