package b2bua_test

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// dtmfEvent is an RFC 4733 §2.3 event payload: digit 5, end bit clear,
// volume 10, duration 800.
var dtmfEvent = []byte{5, 10, 0x03, 0x20}

func TestTelephoneEventCrossesWithMappedPayloadTypes(t *testing.T) {
	// The browser numbers telephone-event 126 (Chrome does), the phone
	// answers with 101: each side must see its own number.
	g := webrtcGateway(t)
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	alice := newJSBrowserTrack(t, g, "1000", "audio/telephone-event")
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("browser call: %s", res.StartLine())
	}
	alice.ack(res)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at the phone")
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })

	// Browser → phone: 126 becomes 101, payload untouched.
	for i := 0; i < 5; i++ {
		p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 126, SequenceNumber: uint16(i), Timestamp: 8000, Marker: i == 0, SSRC: 0x1234}, Payload: dtmfEvent}
		if err := alice.track.WriteRTP(p); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1500)
	_ = bob.rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := bob.rtp.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("phone received no event: %v", err)
	}
	var got rtp.Packet
	if err := got.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if got.PayloadType != 101 || string(got.Payload) != string(dtmfEvent) {
		t.Fatalf("phone got PT %d payload %x, want PT 101 payload %x", got.PayloadType, got.Payload, dtmfEvent)
	}

	// Phone → browser: 101 becomes 126.
	dst := sdpTarget(t, inv.Body())
	for i := 0; i < 5; i++ {
		pkt := rtpPacket(uint16(100+i), 0x4321, dtmfEvent)
		pkt[1] = 101
		if _, err := bob.rtp.WriteToUDP(pkt, dst); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	eventually(t, 3*time.Second, "the event at the browser", func() bool {
		alice.mu.Lock()
		defer alice.mu.Unlock()
		for _, p := range alice.received {
			if p.PayloadType == 126 && string(p.Payload) == string(dtmfEvent) {
				return true
			}
		}
		return false
	})
	alice.mu.Lock()
	for _, p := range alice.received {
		if p.PayloadType != 126 {
			t.Errorf("browser got PT %d, it only knows telephone-event as 126 here", p.PayloadType)
		}
	}
	alice.mu.Unlock()
	alice.bye(res)
}
