package cdr

import (
	"math"
	"testing"
)

func TestMOSTable(t *testing.T) {
	tests := []struct {
		name              string
		codec             string
		loss, jitter, rtt float64
		wantMin, wantMax  float64
	}{
		{"PCMU clean LAN", "PCMU", 0, 1, 2, 4.38, 4.42},
		{"PCMU clean WAN", "PCMU", 0, 5, 40, 4.33, 4.40},
		{"PCMA equals PCMU", "PCMA", 0, 5, 40, 4.33, 4.40},
		{"PCMU 1% loss", "PCMU", 1, 5, 40, 4.2, 4.35},
		{"PCMU 5% loss", "PCMU", 5, 5, 40, 3.7, 3.95},
		{"PCMU 20% loss", "PCMU", 20, 5, 40, 1.5, 2.6},
		{"G729 clean", "G729", 0, 5, 40, 3.9, 4.2},
		{"PCMU satellite delay", "PCMU", 0, 10, 600, 3.0, 3.9},
		{"everything lost", "PCMU", 100, 0, 0, 1, 1.6},
		{"rate suffix and case", "opus/48000/2", 0, 5, 40, 4.3, 4.4},
		{"unknown codec as G.711", "L16", 0, 5, 40, 4.33, 4.40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MOS(tc.codec, tc.loss, tc.jitter, tc.rtt)
			if got < tc.wantMin || got > tc.wantMax {
				t.Errorf("MOS(%q, %v, %v, %v) = %.2f, want %.2f..%.2f", tc.codec, tc.loss, tc.jitter, tc.rtt, got, tc.wantMin, tc.wantMax)
			}
		})
	}
}

func TestMOSBounds(t *testing.T) {
	for _, in := range [][3]float64{
		{0, 0, 0}, {-5, -1, -1}, {math.NaN(), math.NaN(), math.NaN()},
		{math.Inf(1), math.Inf(1), math.Inf(1)}, {1000, 1e6, 1e6},
	} {
		got := MOS("PCMU", in[0], in[1], in[2])
		if got < 1 || got > 4.5 || math.IsNaN(got) {
			t.Errorf("MOS(%v) = %v, outside 1..4.5", in, got)
		}
	}
	// Negative and NaN inputs count as zero.
	if a, b := MOS("PCMU", -1, math.NaN(), -3), MOS("PCMU", 0, 0, 0); a != b {
		t.Errorf("sanitised inputs: %v != %v", a, b)
	}
}

func TestMOSOpusBetterUnderLoss(t *testing.T) {
	for _, loss := range []float64{1, 2, 5, 10} {
		o, p := MOS("opus", loss, 5, 40), MOS("PCMU", loss, 5, 40)
		if o <= p {
			t.Errorf("loss %v%%: opus %.2f not better than PCMU %.2f", loss, o, p)
		}
	}
	// Without loss the larger Opus algorithmic delay costs almost nothing.
	if o, p := MOS("opus", 0, 5, 40), MOS("PCMU", 0, 5, 40); math.Abs(o-p) > 0.05 {
		t.Errorf("clean: opus %.2f vs PCMU %.2f", o, p)
	}
}

func TestMOSMonotonic(t *testing.T) {
	for _, codec := range []string{"PCMU", "opus", "G729", "G722"} {
		prev := 5.0
		for loss := 0.0; loss <= 100; loss += 0.5 {
			m := MOS(codec, loss, 5, 40)
			if m > prev {
				t.Fatalf("%s: MOS rises from %.2f to %.2f at %v%% loss", codec, prev, m, loss)
			}
			prev = m
		}
		prev = 5.0
		for rtt := 0.0; rtt <= 2000; rtt += 10 {
			m := MOS(codec, 1, 5, rtt)
			if m > prev {
				t.Fatalf("%s: MOS rises from %.2f to %.2f at %v ms RTT", codec, prev, m, rtt)
			}
			prev = m
		}
		prev = 5.0
		for jitter := 0.0; jitter <= 500; jitter += 2 {
			m := MOS(codec, 1, jitter, 40)
			if m > prev {
				t.Fatalf("%s: MOS rises from %.2f to %.2f at %v ms jitter", codec, prev, m, jitter)
			}
			prev = m
		}
	}
	// Strictly lower across meaningful steps.
	if !(MOS("PCMU", 0, 5, 40) > MOS("PCMU", 5, 5, 40)) || !(MOS("PCMU", 0, 5, 40) > MOS("PCMU", 0, 5, 500)) {
		t.Error("loss or delay does not lower MOS")
	}
}

func TestRToMOS(t *testing.T) {
	// Reference points of the G.107 Annex B mapping.
	tests := []struct{ r, want float64 }{
		{-10, 1}, {0, 1}, {3, 1}, {50, 2.58}, {70, 3.60}, {80, 4.02}, {93.2, 4.41}, {100, 4.5}, {120, 4.5},
	}
	for _, tc := range tests {
		if got := rToMOS(tc.r); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("rToMOS(%v) = %.3f, want %.2f", tc.r, got, tc.want)
		}
	}
}

func BenchmarkMOS(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MOS("opus/48000/2", 1.5, 12, 80)
	}
}
