package browserleg

import (
	"testing"
	"time"
)

// TestLegQualityFromBrowserReports: the browser's receiver reports about
// our stream reach Quality, with a round trip once it answered one of our
// sender reports.
func TestLegQualityFromBrowserReports(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)
	if q := leg.Quality(); q.ReportsReceived != 0 {
		t.Fatalf("quality before any report: %+v", q)
	}
	// The browser reads our sender reports, as browsers do, so its
	// reports carry LSR and DLSR.
	for _, r := range br.pc.GetReceivers() {
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := r.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for seq := uint16(1); ; seq++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			_ = leg.WriteRTP(rtpPacket(0, seq, uint32(seq)*160, 0x1234, make([]byte, 160)))
		}
	}()
	waitFor(t, "the browser's reports with a round trip", 15*time.Second, func() bool {
		q := leg.Quality()
		return q.ReportsReceived > 0 && q.RTT > 0
	})
	q := leg.Quality()
	if q.RTT > time.Second || q.FractionLost < 0 || q.FractionLost > 1 || q.Jitter < 0 {
		t.Fatalf("implausible quality on loopback: %+v", q)
	}
	t.Logf("browser reports: %+v", q)
}
