package dtmf

import (
	"testing"
	"time"
)

// t0 is the arbitrary start of every test clock.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// payload encodes one event; volume 10.
func payload(code Code, end bool, dur uint16) []byte {
	b, err := Event{Code: code, End: end, Volume: 10, Duration: dur}.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// step is one action on a Detector at time at (from t0): a packet, or a
// Tick when tick is set, or a Flush when flush is set.
type step struct {
	at    time.Duration
	ssrc  uint32
	ts    uint32
	m     bool
	code  Code
	end   bool
	dur   uint16
	raw   []byte // payload override
	tick  bool
	flush bool
}

// pkt is a packet step on SSRC 1.
func pkt(at time.Duration, ts uint32, m bool, code Code, end bool, dur uint16) step {
	return step{at: at, ssrc: 1, ts: ts, m: m, code: code, end: end, dur: dur}
}

// tickAt is a Tick step.
func tickAt(at time.Duration) step { return step{at: at, tick: true} }

// want is the part of a Digit a table test checks.
type want struct {
	code  Code
	dur   time.Duration
	ended bool
}

// recorder collects digits.
type recorder struct{ got []Digit }

func (r *recorder) add(d Digit) { r.got = append(r.got, d) }

// newTestDetector returns a Detector that records into r.
func newTestDetector(t testing.TB, cfg DetectorConfig) (*Detector, *recorder) {
	t.Helper()
	r := &recorder{}
	d, err := NewDetector(cfg, r.add)
	if err != nil {
		t.Fatal(err)
	}
	return d, r
}

// run applies steps to d.
func run(t testing.TB, d *Detector, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := t0.Add(s.at)
		switch {
		case s.tick:
			d.Tick(now)
		case s.flush:
			d.Flush()
		default:
			p := s.raw
			if p == nil {
				p = payload(s.code, s.end, s.dur)
			}
			if err := d.Feed(now, Packet{SSRC: s.ssrc, Timestamp: s.ts, Marker: s.m, Payload: p}); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
	}
}

// press returns the packets of a well-behaved press at 8000 Hz: updates
// every 50 ms (400 units) from at, then the end packet three times.
func press(at time.Duration, ts uint32, code Code, dur uint16) []step {
	var s []step
	first := true
	for d := uint16(400); d < dur; d += 400 {
		s = append(s, pkt(at, ts, first, code, false, d))
		first = false
		at += 50 * time.Millisecond
	}
	for range 3 {
		s = append(s, pkt(at, ts, first, code, true, dur))
		first = false
		at += 50 * time.Millisecond
	}
	return s
}

// check compares recorded digits with the wanted ones.
func check(t testing.TB, got []Digit, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d digits %+v, want %d %+v", len(got), got, len(wants), wants)
	}
	for i, w := range wants {
		g := got[i]
		if g.Code != w.code || g.Duration != w.dur || g.Ended != w.ended {
			t.Errorf("digit %d: got %v %v ended=%v, want %v %v ended=%v",
				i, g.Code, g.Duration, g.Ended, w.code, w.dur, w.ended)
		}
	}
}

// concat joins step lists.
func concat(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
