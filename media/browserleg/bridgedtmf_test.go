package browserleg

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/dtmf"
)

// phoneTE is the phone's telephone-event format in these tests: 96, while
// the browser leg numbers it 101.
var phoneTE = media.Codec{PT: 96, Name: "telephone-event", Clock: 8000, Channels: 1, Fmtp: "0-16"}

// digitLog collects reported presses.
type digitLog struct {
	mu     sync.Mutex
	digits []dtmf.Digit
}

func (l *digitLog) add(d dtmf.Digit) {
	l.mu.Lock()
	l.digits = append(l.digits, d)
	l.mu.Unlock()
}

func (l *digitLog) get() []dtmf.Digit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]dtmf.Digit(nil), l.digits...)
}

// eventPackets renders one press as RFC 4733 packets of payload type pt:
// start with marker, updates every 20 ms, the end three times.
func eventPackets(pt uint8, seq0 uint16, ts, ssrc uint32, code dtmf.Code, updates int) [][]byte {
	var out [][]byte
	for i := 0; i <= updates+2; i++ {
		ev := dtmf.Event{Code: code, Volume: 10, Duration: uint16(160 * min(i+1, updates+1)), End: i >= updates}
		payload, _ := ev.MarshalBinary()
		p := rtpPacket(pt, seq0+uint16(i), ts, ssrc, payload)
		if i == 0 {
			p[1] |= 0x80
		}
		out = append(out, p)
	}
	return out
}

func TestBridgeReportsPhoneDigitsOnce(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	ph := newPhone(t, "127.0.0.1")
	var got digitLog
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, phoneTE},
		OnPhoneDigit: got.add, InactivityTimeout: -1, RTCPInterval: -1, Logger: quietLog})
	defer b.Close()
	for _, p := range eventPackets(96, 10, 8000, 0xabc, 5, 4) {
		ph.conn.WriteToUDP(p, pairAddr(pair))
	}
	waitFor(t, "the press reported", 5*time.Second, func() bool { return len(got.get()) == 1 })
	time.Sleep(50 * time.Millisecond)
	d := got.get()
	if len(d) != 1 || d[0].Code != 5 || d[0].Duration != 100*time.Millisecond || !d[0].Ended {
		t.Fatalf("reported %+v, want one '5' of 100 ms", d)
	}
}

func TestBridgeSendDigitToPhone(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	ph := newPhone(t, "127.0.0.1")
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, phoneTE},
		InactivityTimeout: -1, RTCPInterval: -1, Logger: quietLog})
	defer b.Close()
	// Some audio first, so the events must continue its numbering.
	for i := 0; i < 3; i++ {
		b.fromBrowser(rtpPacket(0, uint16(500+i), uint32(160*i), 0x55, make([]byte, 160)))
	}
	var lastSeq uint16
	var ssrc uint32
	for i := 0; i < 3; i++ {
		raw, err := ph.read(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		lastSeq, ssrc = binary.BigEndian.Uint16(raw[2:]), binary.BigEndian.Uint32(raw[8:])
	}
	if err := b.SendDigit(7, 120*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A second press waits for the first.
	if err := b.SendDigit(8, 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var det []dtmf.Digit
	d, _ := dtmf.NewDetector(dtmf.DetectorConfig{ClockRate: 8000}, func(x dtmf.Digit) { det = append(det, x) })
	var ts uint32
	for n := 0; ; n++ {
		raw, err := ph.read(2 * time.Second)
		if err != nil {
			break
		}
		if raw[1]&0x7f != 96 {
			t.Fatalf("packet %d has payload type %d, want the phone's 96", n, raw[1]&0x7f)
		}
		seq := binary.BigEndian.Uint16(raw[2:])
		if seq != lastSeq+1 || binary.BigEndian.Uint32(raw[8:]) != ssrc {
			t.Fatalf("packet %d: seq %d ssrc %x after seq %d ssrc %x", n, seq, binary.BigEndian.Uint32(raw[8:]), lastSeq, ssrc)
		}
		lastSeq = seq
		if n == 0 && raw[1]&0x80 == 0 {
			t.Fatal("first event packet without the marker bit")
		}
		if raw[1]&0x80 != 0 {
			ts = binary.BigEndian.Uint32(raw[4:]) // a press starts
		} else if binary.BigEndian.Uint32(raw[4:]) != ts {
			t.Fatal("event timestamp changed within one press")
		}
		_ = d.FeedRTP(time.Now(), raw)
		if ev, _ := dtmf.ParseEvent(raw[12:]); ev.End && ev.Code == 8 {
			n2 := 0
			for n2 < 2 { // the two repeats of the end
				if raw, err = ph.read(time.Second); err != nil {
					break
				}
				lastSeq = binary.BigEndian.Uint16(raw[2:])
				n2++
			}
			break
		}
	}
	d.Flush()
	if len(det) != 2 || det[0].Code != 7 || det[0].Duration < 100*time.Millisecond || det[0].Duration > 140*time.Millisecond || det[1].Code != 8 {
		t.Fatalf("phone decoded %+v, want a 7 of about 120 ms then an 8", det)
	}
	// Audio after the press continues the numbering.
	waitFor(t, "digit finished", 2*time.Second, func() bool { return !b.playing.Load() })
	_ = drainPhone(ph)
	b.fromBrowser(rtpPacket(0, 503, 480, 0x55, make([]byte, 160)))
	raw, err := ph.read(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if seq := binary.BigEndian.Uint16(raw[2:]); seq != lastSeq+1 && seq <= lastSeq {
		t.Fatalf("audio after the press has seq %d, last event %d", seq, lastSeq)
	}
}

// drainPhone reads what is still queued at the phone.
func drainPhone(ph *phone) int {
	n := 0
	for {
		if _, err := ph.read(100 * time.Millisecond); err != nil {
			return n
		}
		n++
	}
}

func TestBridgeBrowserDigitsReportedNotSent(t *testing.T) {
	// The phone wants INFO: the browser's events are reported, not sent.
	e := newTestEngine(t, Config{})
	leg := unconnectedLeg(t, e)
	pair := newPair(t)
	ph := newPhone(t, "127.0.0.1")
	var got digitLog
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, phoneTE},
		OnBrowserDigit: got.add, BrowserEvents: EventsReport, InactivityTimeout: -1, RTCPInterval: -1, Logger: quietLog})
	defer b.Close()
	for _, p := range eventPackets(101, 1, 1600, 0x77, dtmf.CodeStar, 3) {
		b.fromBrowser(p)
	}
	if d := got.get(); len(d) != 1 || d[0].Code != dtmf.CodeStar {
		t.Fatalf("reported %+v, want one *", d)
	}
	if _, err := ph.read(200 * time.Millisecond); err == nil {
		t.Fatal("the phone received the browser's events although it wants INFO")
	}
	// With the default mode they are forwarded with the phone's number.
	b2 := Bridge(leg, newPair(t), BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, phoneTE},
		InactivityTimeout: -1, RTCPInterval: -1, Logger: quietLog})
	defer b2.Close()
	b.Close()
	for _, p := range eventPackets(101, 20, 3200, 0x77, 1, 3) {
		b2.fromBrowser(p)
	}
	raw, err := ph.read(2 * time.Second)
	if err != nil || raw[1]&0x7f != 96 {
		t.Fatalf("forwarded event: %v %x", err, raw)
	}
}
