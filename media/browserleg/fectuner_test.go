package browserleg

import "testing"

// lossHint records what a fecTuner sets.
type lossHint struct{ set []int }

func (h *lossHint) SetPacketLossPercent(p int) error { h.set = append(h.set, p); return nil }

// TestFECTunerFollowsReports: nothing is set before the browser's first
// report nor twice for one report; loss raises the expectation at once,
// and it decays to no FEC at all once the path is clean.
func TestFECTunerFollowsReports(t *testing.T) {
	var f fecTuner
	h := &lossHint{}
	steps := []struct {
		reports uint64
		lost    float64
		want    []int
	}{
		{0, 0, nil},            // no report yet: the configured default stands
		{1, 0, []int{0}},       // a clean path: no FEC
		{1, 0.5, []int{0}},     // the same report again: nothing new
		{2, 0.04, []int{0, 4}}, // 4 % lost
		{3, 0, []int{0, 4, 3}}, // decays by a quarter
		{4, 0.10, []int{0, 4, 3, 10}},
		{5, 0, []int{0, 4, 3, 10, 8}},
	}
	for i, s := range steps {
		f.tune(Quality{ReportsReceived: s.reports, FractionLost: s.lost}, h)
		if len(h.set) != len(s.want) {
			t.Fatalf("step %d: set %v, want %v", i, h.set, s.want)
		}
		for j := range s.want {
			if h.set[j] != s.want[j] {
				t.Fatalf("step %d: set %v, want %v", i, h.set, s.want)
			}
		}
	}
	for r := uint64(6); r < 30; r++ {
		f.tune(Quality{ReportsReceived: r}, h)
	}
	if last := h.set[len(h.set)-1]; last != 0 {
		t.Fatalf("after many clean reports the expected loss is %d%%, want 0", last)
	}
}
