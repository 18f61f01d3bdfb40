package dtmf

import (
	"errors"
	"testing"
	"time"
)

// drain collects every packet of the press in progress.
func drain(t testing.TB, g *Generator) []Outgoing {
	t.Helper()
	var out []Outgoing
	for p, ok := g.Next(); ok; p, ok = g.Next() {
		out = append(out, p)
		if len(out) > 100000 {
			t.Fatal("press never ends")
		}
	}
	return out
}

// gp is the part of an Outgoing a table test checks.
type gp struct {
	m   bool
	off uint32
	end bool
	dur uint16
	at  time.Duration
}

func TestGenerator(t *testing.T) {
	tests := []struct {
		name string
		cfg  GeneratorConfig
		code Code
		d    time.Duration
		want []gp
	}{
		{
			name: "200 ms at 8000 Hz, 50 ms updates",
			code: 5, d: 200 * ms,
			want: []gp{
				{true, 0, false, 400, 50 * ms},
				{false, 0, false, 800, 100 * ms},
				{false, 0, false, 1200, 150 * ms},
				{false, 0, true, 1600, 200 * ms},
				{false, 0, true, 1600, 250 * ms},
				{false, 0, true, 1600, 300 * ms},
			},
		},
		{
			name: "press shorter than one interval",
			code: CodeStar, d: 30 * ms,
			want: []gp{
				{true, 0, true, 240, 30 * ms},
				{false, 0, true, 240, 80 * ms},
				{false, 0, true, 240, 130 * ms},
			},
		},
		{
			name: "not a whole number of intervals",
			code: 1, d: 120 * ms,
			want: []gp{
				{true, 0, false, 400, 50 * ms},
				{false, 0, false, 800, 100 * ms},
				{false, 0, true, 960, 120 * ms},
				{false, 0, true, 960, 170 * ms},
				{false, 0, true, 960, 220 * ms},
			},
		},
		{
			name: "48000 Hz, 20 ms updates, one end packet",
			cfg:  GeneratorConfig{ClockRate: 48000, Interval: 20 * ms, EndRepeats: 1},
			code: CodePound, d: 60 * ms,
			want: []gp{
				{true, 0, false, 960, 20 * ms},
				{false, 0, false, 1920, 40 * ms},
				{false, 0, true, 2880, 60 * ms},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGenerator(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Start(tc.code, tc.d); err != nil {
				t.Fatal(err)
			}
			got := drain(t, g)
			if len(got) != len(tc.want) {
				t.Fatalf("%d packets %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				p := got[i]
				g := gp{p.Marker, p.TimestampOffset, p.Event.End, p.Event.Duration, p.SendAt}
				if g != w {
					t.Errorf("packet %d: %+v, want %+v", i, g, w)
				}
				if p.Event.Code != tc.code || p.Event.Volume != DefaultVolume {
					t.Errorf("packet %d: event %+v", i, p.Event)
				}
				ev, err := ParseEvent(p.Payload[:])
				if err != nil || ev != p.Event {
					t.Errorf("packet %d: payload %x reads %+v %v, want %+v", i, p.Payload, ev, err, p.Event)
				}
			}
		})
	}
}

func TestGeneratorLongPress(t *testing.T) {
	// 10 s at 8000 Hz = 80000 units: one full segment of 0xFFFF, then one
	// of 14465 (RFC 4733 §2.5.1.3).
	g, err := NewGenerator(GeneratorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(0, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	pk := drain(t, g)
	if g.Length() != 80000 {
		t.Fatalf("Length %d", g.Length())
	}
	var full, markers, ends int
	last := pk[0].SendAt
	for i, p := range pk {
		if p.Marker {
			markers++
		}
		if p.Event.End {
			ends++
			if p.TimestampOffset != segmentSpan || p.Event.Duration != 80000-segmentSpan {
				t.Errorf("end packet %+v", p)
			}
		}
		if p.Event.Duration == segmentSpan && !p.Event.End {
			full++
			if p.TimestampOffset != 0 || p.SendAt != segmentSpan*time.Second/8000 {
				t.Errorf("full-segment packet %+v", p)
			}
			if next := pk[i+1]; next.TimestampOffset != segmentSpan || next.Marker {
				t.Errorf("packet after the full segment %+v", next)
			}
		}
		if p.SendAt < last {
			t.Errorf("packet %d sent at %v before %v", i, p.SendAt, last)
		}
		last = p.SendAt
	}
	if full != 1 || markers != 1 || ends != 3 {
		t.Fatalf("full %d markers %d ends %d", full, markers, ends)
	}
}

func TestGeneratorSegmentBoundaryExact(t *testing.T) {
	// A press of exactly 0xFFFF units ends in its only segment.
	g, _ := NewGenerator(GeneratorConfig{ClockRate: 48000})
	if err := g.Start(1, segmentSpan*time.Second/48000+time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	pk := drain(t, g)
	for _, p := range pk {
		if p.TimestampOffset != 0 {
			t.Fatalf("second segment %+v", p)
		}
	}
	if e := pk[len(pk)-1].Event; !e.End || e.Duration != segmentSpan {
		t.Fatalf("last %+v", e)
	}
}

func TestGeneratorErrors(t *testing.T) {
	for _, cfg := range []GeneratorConfig{
		{ClockRate: -8000},
		{Interval: -ms},
		{Interval: 2 * time.Second},
		{Volume: 64},
		{EndRepeats: -1},
		{EndRepeats: 11},
	} {
		if _, err := NewGenerator(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	g, _ := NewGenerator(GeneratorConfig{})
	for _, d := range []time.Duration{0, -ms, MaxDuration + 1} {
		if err := g.Start(1, d); !errors.Is(err, ErrInvalidDuration) {
			t.Errorf("%v: %v", d, err)
		}
	}
	if err := g.Start(1, 100*ms); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(2, 100*ms); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Start: %v", err)
	}
	drain(t, g)
	if g.Active() {
		t.Fatal("active after the last packet")
	}
	if _, ok := g.Next(); ok {
		t.Fatal("packet after the press")
	}
	if err := g.Start(2, 100*ms); err != nil {
		t.Fatalf("Start after the press: %v", err)
	}
	if p, _ := g.Next(); !p.Marker || p.Event.Code != 2 {
		t.Fatalf("first packet of the next press %+v", p)
	}
	if g.ClockRate() != DefaultClockRate {
		t.Fatalf("ClockRate %d", g.ClockRate())
	}
}
