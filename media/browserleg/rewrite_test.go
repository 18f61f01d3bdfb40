package browserleg

import (
	"testing"

	"github.com/callgate/callgate/media"
)

func TestContinuity(t *testing.T) {
	c := continuity{clock: 8000}
	ms := int64(1e6)
	// The first source passes unchanged.
	for i := 0; i < 3; i++ {
		seq, ts, m := c.next(1, uint16(65534+i), uint32(1000+160*i), int64(i)*20*ms)
		if seq != uint16(65534+i) || ts != uint32(1000+160*i) || m {
			t.Fatalf("packet %d: %d %d %v", i, seq, ts, m)
		}
	}
	// last: seq 0 (wrapped), ts 1320, at 40 ms.
	// A new source 20 ms later continues at seq 1, ts 1320+160, marked.
	seq, ts, m := c.next(2, 500, 90000, 60*ms)
	if seq != 1 || ts != 1480 || !m {
		t.Fatalf("new source: %d %d %v", seq, ts, m)
	}
	seq, ts, m = c.next(2, 501, 90160, 80*ms)
	if seq != 2 || ts != 1640 || m {
		t.Fatalf("new source, second packet: %d %d %v", seq, ts, m)
	}
	// Reordering and loss inside a source are preserved.
	if seq, _, _ = c.next(2, 503, 90480, 120*ms); seq != 4 {
		t.Fatalf("gap not preserved: %d", seq)
	}
	if seq, _, _ = c.next(2, 502, 90320, 121*ms); seq != 3 {
		t.Fatalf("reordering not preserved: %d", seq)
	}
	// A suspension (hold) closes the sequence gap but keeps timestamps.
	c.suspend()
	seq, ts, m = c.next(2, 600, 110000, 2000*ms)
	if seq != 4 || ts != 110000+(1640-90160) || m {
		t.Fatalf("after suspend: %d %d %v", seq, ts, m)
	}
	// Back to the first source: still continuous.
	seq, _, m = c.next(1, 7, 5, 2020*ms)
	if seq != 5 || !m {
		t.Fatalf("switch back: %d %v", seq, m)
	}
	// Same instant: timestamps still advance.
	_, ts1, _ := c.next(3, 0, 0, 2020*ms)
	_, ts2, _ := c.next(4, 0, 0, 2020*ms)
	if ts2 == ts1 {
		t.Fatal("timestamp repeated across a source change")
	}
}

func TestPTMaps(t *testing.T) {
	m := buildPTMaps(
		[]media.Codec{pcmu, {PT: 126, Name: "telephone-event", Clock: 8000}, {PT: 111, Name: "opus", Clock: 48000, Channels: 2}},
		[]media.Codec{{PT: 0, Name: "pcmu", Clock: 8000}, {PT: 101, Name: "telephone-event", Clock: 8000}, {PT: 8, Name: "PCMA", Clock: 8000}},
	)
	pkt := []byte{0x80, 0x80 | 101}
	if !m.toBrowser.rewrite(pkt) || pkt[1] != 0x80|126 {
		t.Errorf("101 with marker -> %#x", pkt[1])
	}
	pkt = []byte{0x80, 126}
	if !m.toPhone.rewrite(pkt) || pkt[1] != 101 {
		t.Errorf("126 -> %d", pkt[1])
	}
	for _, pt := range []byte{8, 111} {
		if m.toBrowser.rewrite([]byte{0x80, pt}) {
			t.Errorf("phone PT %d mapped without a browser counterpart", pt)
		}
	}
	if m.toPhone.rewrite([]byte{0x80, 111}) {
		t.Error("opus mapped to the phone")
	}
	// No phone formats: same numbers.
	id := buildPTMaps([]media.Codec{pcmu}, nil)
	if pkt := []byte{0x80, 0}; !id.toPhone.rewrite(pkt) || pkt[1] != 0 {
		t.Error("identity mapping")
	}
	if !isRTCP([]byte{0x80, 200}) || isRTCP([]byte{0x80, 0x80}) || !isRTCP([]byte{0x81, 201}) {
		t.Error("isRTCP")
	}
}
