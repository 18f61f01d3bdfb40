package dtmf

import (
	"fmt"
	"testing"
	"time"
)

// transmit sends one press through a Generator at genRate into a Detector
// at the same rate, as a leg would, and returns the digit detected.
func transmit(t *testing.T, rate int, ivl time.Duration, code Code, d time.Duration, ts uint32) Digit {
	t.Helper()
	g, err := NewGenerator(GeneratorConfig{ClockRate: rate, Interval: ivl})
	if err != nil {
		t.Fatal(err)
	}
	det, r := newTestDetector(t, DetectorConfig{ClockRate: rate})
	if err := g.Start(code, d); err != nil {
		t.Fatal(err)
	}
	for p, ok := g.Next(); ok; p, ok = g.Next() {
		err := det.Feed(t0.Add(p.SendAt), Packet{SSRC: 7, Timestamp: ts + p.TimestampOffset, Marker: p.Marker, Payload: p.Payload[:]})
		if err != nil {
			t.Fatal(err)
		}
	}
	det.Tick(t0.Add(d + time.Hour))
	if len(r.got) != 1 {
		t.Fatalf("%d digits %+v for one press", len(r.got), r.got)
	}
	return r.got[0]
}

func TestRoundTripAcrossRates(t *testing.T) {
	// A press detected on one leg is regenerated on the other at that
	// leg's rate (and the reverse); its length survives within one packet
	// interval.
	pairs := [][2]int{{8000, 48000}, {48000, 8000}, {8000, 8000}, {48000, 48000}, {16000, 48000}}
	durations := []time.Duration{40 * ms, 100 * ms, 160 * ms, 250 * ms, 1234 * ms, 3 * time.Second, 12 * time.Second}
	for _, ivl := range []time.Duration{20 * ms, 50 * ms} {
		for _, pr := range pairs {
			for _, d := range durations {
				for _, code := range []Code{0, CodeStar, CodeD, CodeFlash} {
					name := fmt.Sprintf("%d-%d/%v/%v/%v", pr[0], pr[1], ivl, d, code)
					t.Run(name, func(t *testing.T) {
						a := transmit(t, pr[0], ivl, code, d, 0xFFFFF000)
						b := transmit(t, pr[1], ivl, a.Code, a.Duration, 12345)
						if a.Code != code || b.Code != code || !a.Ended || !b.Ended {
							t.Fatalf("codes %v %v ended %v %v", a.Code, b.Code, a.Ended, b.Ended)
						}
						// Within one packet interval is the promise; the clocks lose
						// less than a unit each way, so hold it to a millisecond.
						if diff := (b.Duration - d).Abs(); diff > ms {
							t.Fatalf("%v became %v then %v", d, a.Duration, b.Duration)
						}
					})
				}
			}
		}
	}
}

func TestRoundTripThroughInfo(t *testing.T) {
	// RFC 4733 at 48000 from a browser → SIP INFO → RFC 4733 at 8000.
	a := transmit(t, 48000, 20*ms, CodePound, 180*ms, 99)
	code, d, err := ParseRelay(AppendRelay(nil, a.Code, a.Duration))
	if err != nil {
		t.Fatal(err)
	}
	b := transmit(t, 8000, 50*ms, code, d, 5)
	if b.Code != CodePound || (b.Duration-180*ms).Abs() > ms {
		t.Fatalf("got %v %v", b.Code, b.Duration)
	}
}
