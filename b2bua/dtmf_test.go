package b2bua_test

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/media/dtmf"
	"github.com/emiago/sipgo/sip"

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

// sendInfo sends an INFO with a body in the browser's dialog of res and
// returns the final response.
func (b *jsBrowser) sendInfo(res *sip.Response, seq uint32, ctype, body string) *sip.Response {
	b.t.Helper()
	var s strings.Builder
	fmt.Fprintf(&s, "INFO %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bKinfo%d\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d INFO\r\n",
		res.Contact().Address.String(), b.host, callCounter.Add(1), res.To().Value(), res.From().Value(), res.CallID().Value(), seq)
	fmt.Fprintf(&s, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ctype, len(body), body)
	b.send(s.String())
	return b.nextResponse(200)
}

// phoneEvents reads the phone's RTP socket for d and decodes the
// telephone-events (payload type pt) it received.
func phoneEvents(t *testing.T, phone *deskPhone, pt uint8, d time.Duration) []dtmf.Digit {
	t.Helper()
	var got []dtmf.Digit
	det, _ := dtmf.NewDetector(dtmf.DetectorConfig{ClockRate: 8000}, func(x dtmf.Digit) { got = append(got, x) })
	buf := make([]byte, 1500)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		_ = phone.rtp.SetReadDeadline(deadline)
		n, _, err := phone.rtp.ReadFromUDP(buf)
		if err != nil {
			break
		}
		if n > 12 && buf[1]&0x7f == pt {
			_ = det.FeedRTP(time.Now(), buf[:n])
		}
	}
	det.Flush()
	return got
}

func TestBrowserInfoDigitsReachPhoneAsRFC4733(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	seq := res.CSeq().SeqNo
	for i, digit := range "19#" {
		seq++
		r := alice.sendInfo(res, seq, dtmf.ContentTypeRelay, fmt.Sprintf("Signal=%c\r\nDuration=160\r\n", digit))
		if r.StatusCode != 200 {
			t.Fatalf("INFO %c: %s", digit, r.StartLine())
		}
		got := phoneEvents(t, bob, 101, 400*time.Millisecond)
		if len(got) != 1 {
			t.Fatalf("digit %d (%c): phone decoded %+v, want one press", i, digit, got)
		}
		if c, _ := got[0].Code.Digit(); rune(c) != digit || got[0].Duration < 140*time.Millisecond || got[0].Duration > 180*time.Millisecond {
			t.Fatalf("phone decoded %c for %v, want %c for 160 ms", c, got[0].Duration, digit)
		}
	}
	select {
	case info := <-bob.infos:
		t.Fatalf("the INFO reached the phone as well: %s", info.Body())
	default:
	}
	if r := alice.inDialog(res, "BYE", seq+1, ""); r.StatusCode != 200 {
		t.Fatalf("BYE: %s", r.StartLine())
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestPhoneRFC4733DigitsReachBrowserAsInfo(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	dst := sdpTarget(t, inv.Body())
	phonePress(bob, dst, 5, 300, 16000)
	var info *sip.Request
	for info == nil {
		select {
		case r := <-alice.reqs:
			if r.Method == sip.INFO {
				info = r
			}
		case <-time.After(3 * time.Second):
			t.Fatal("no INFO at the browser for the phone's press")
		}
	}
	alice.reply(info, 200, "", "")
	code, dur, err := dtmf.ParseInfo(info.ContentType().Value(), info.Body())
	if err != nil || code != 5 || dur != 100*time.Millisecond {
		t.Fatalf("browser got %q (%v): code %v duration %v", info.Body(), err, code, dur)
	}
	select {
	case r := <-alice.reqs:
		if r.Method == sip.INFO {
			t.Fatalf("a second INFO for one press: %s", r.Body())
		}
	case <-time.After(300 * time.Millisecond):
	}
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// phonePress has the phone press code for 100 ms as RFC 4733 events on
// payload type 101: a start, updates and the triple end, from sequence
// number seq at RTP time ts.
func phonePress(p *deskPhone, dst *net.UDPAddr, code dtmf.Code, seq uint16, ts uint32) {
	for i := 0; i < 8; i++ {
		ev := dtmf.Event{Code: code, Volume: 10, Duration: uint16(160 * min(i+1, 5)), End: i >= 5}
		payload, _ := ev.MarshalBinary()
		pkt := rtpPacket(seq+uint16(i), 0x4321, payload)
		pkt[1] = 101
		binary.BigEndian.PutUint32(pkt[4:], ts)
		if i == 0 {
			pkt[1] |= 0x80
		}
		_, _ = p.rtp.WriteToUDP(pkt, dst)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPhoneDigitsReachBrowserInOrder: the phone presses 5 and then 7
// while the browser has not yet answered the first INFO. callgate holds
// the second INFO back until that answer, so the digits cannot swap on
// the wire, nor the browser reject the first one's lower CSeq with 500
// (RFC 3261 §12.2.2).
func TestPhoneDigitsReachBrowserInOrder(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	dst := sdpTarget(t, inv.Body())
	phonePress(bob, dst, 5, 300, 16000)
	phonePress(bob, dst, 7, 308, 17600)
	infos := func(timeout time.Duration) *sip.Request {
		for {
			select {
			case r := <-alice.reqs:
				if r.Method == sip.INFO {
					return r
				}
			case <-time.After(timeout):
				return nil
			}
		}
	}
	first := infos(3 * time.Second)
	if first == nil {
		t.Fatal("no INFO at the browser for the phone's first press")
	}
	if second := infos(500 * time.Millisecond); second != nil {
		t.Fatalf("INFO %q (CSeq %d) reached the browser before it answered the first (CSeq %d)",
			second.Body(), second.CSeq().SeqNo, first.CSeq().SeqNo)
	}
	alice.reply(first, 200, "", "")
	second := infos(3 * time.Second)
	if second == nil {
		t.Fatal("no INFO for the second press")
	}
	alice.reply(second, 200, "", "")
	for i, want := range []struct {
		r    *sip.Request
		code dtmf.Code
	}{{first, 5}, {second, 7}} {
		code, _, err := dtmf.ParseInfo(want.r.ContentType().Value(), want.r.Body())
		if err != nil || code != want.code {
			t.Fatalf("INFO %d: %q (%v), want digit %v", i+1, want.r.Body(), err, want.code)
		}
	}
	if second.CSeq().SeqNo <= first.CSeq().SeqNo {
		t.Fatalf("CSeq %d after %d", second.CSeq().SeqNo, first.CSeq().SeqNo)
	}
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestQueuedInfoIsNumberedWhenSent: while the browser has not answered
// the INFO for the phone's first digit, the INFO for the second waits, and
// meanwhile callgate relays an INFO of the phone's own to the browser at
// once. The waiting INFO takes its CSeq when it leaves, so the browser
// sees CSeq grow in the order requests arrive (RFC 3261 §12.2.2).
func TestQueuedInfoIsNumberedWhenSent(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	dst := sdpTarget(t, inv.Body())
	phonePress(bob, dst, 5, 300, 16000)
	first := wait(t, alice.reqs, 3*time.Second, "INFO for the first digit")
	phonePress(bob, dst, 7, 308, 17600)
	go func() {
		req := sip.NewRequest(sip.INFO, inv.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/x-phone-test"))
		req.SetBody([]byte("hello"))
		_, _ = dss.Do(ctx10(t), req)
	}()
	relayed := wait(t, alice.reqs, 3*time.Second, "the phone's INFO, relayed")
	if ct := contentTypeOf(relayed); ct != "application/x-phone-test" {
		t.Fatalf("second request at the browser has %q, want the phone's relayed INFO", ct)
	}
	alice.reply(relayed, 200, "", "")
	alice.reply(first, 200, "", "")
	second := wait(t, alice.reqs, 3*time.Second, "INFO for the second digit")
	alice.reply(second, 200, "", "")
	if code, _, err := dtmf.ParseInfo(second.ContentType().Value(), second.Body()); err != nil || code != 7 {
		t.Fatalf("third request %q (%v), want the INFO for 7", second.Body(), err)
	}
	seqs := []uint32{first.CSeq().SeqNo, relayed.CSeq().SeqNo, second.CSeq().SeqNo}
	if seqs[0] >= seqs[1] || seqs[1] >= seqs[2] {
		t.Fatalf("CSeq in order of arrival %v, want increasing", seqs)
	}
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestPhoneInfoModeGetsBrowserDigitsAsInfo(t *testing.T) {
	g := webrtcGatewayWith(t, func(c *b2bua.Config) { c.Media.PhoneDTMF = dtmf.ModeInfo })
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	alice := newJSBrowserTrack(t, g, "1000", "audio/telephone-event")
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("call: %s", res.StartLine())
	}
	alice.ack(res)
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	// The browser presses * as RFC 4733: the phone gets INFO, no events.
	for i := 0; i < 7; i++ {
		ev := dtmf.Event{Code: dtmf.CodeStar, Volume: 10, Duration: uint16(160 * min(i+1, 4)), End: i >= 4}
		payload, _ := ev.MarshalBinary()
		if err := alice.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 126, SequenceNumber: uint16(i), Timestamp: 8000, Marker: i == 0}, Payload: payload}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	info := wait(t, bob.infos, 3*time.Second, "INFO at the phone")
	code, dur, err := dtmf.ParseInfo(info.ContentType().Value(), info.Body())
	if err != nil || code != dtmf.CodeStar || dur != 80*time.Millisecond {
		t.Fatalf("phone got %q: %v %v %v", info.Body(), code, dur, err)
	}
	if ev := phoneEvents(t, bob, 101, 200*time.Millisecond); len(ev) != 0 {
		t.Fatalf("the phone got RFC 4733 events in INFO mode: %+v", ev)
	}
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}
