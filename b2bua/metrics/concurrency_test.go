package metrics_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/metrics"
)

// TestConcurrentUse drives every method from many goroutines while the
// endpoint is scraped, then checks the totals are exact.
func TestConcurrentUse(t *testing.T) {
	const workers, calls = 8, 300
	m := metrics.New()
	e := serve(t, m)
	var hookRuns atomic.Int64
	m.OnScrape(func() {
		hookRuns.Add(1)
		m.TrunkState("hooked", true, metrics.RegStateRegistered)
	})

	legs := []string{metrics.LegBrowser, metrics.LegPhone, metrics.LegTrunk}
	stop := make(chan struct{})
	var scrapers sync.WaitGroup
	scrapers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			e.scrape()
		}
	})

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			caller, callee := legs[w%3], legs[(w+1)%3]
			kind := metrics.Kind(caller, callee)
			trunk := "t" + strconv.Itoa(w%3)
			for i := range calls {
				m.CallStarted(caller, callee)
				m.WSConnections(1)
				m.Registered("udp", 1)
				if i%2 == 0 {
					m.CallAnswered(kind, time.Duration(i)*time.Millisecond)
					m.RTP(caller, 10, 1000, 1)
					m.Jitter(caller, 5)
					m.MOS(4.1)
					m.CallEnded(kind, 200, true)
				} else {
					m.CallEnded(kind, 486, false)
					m.AuthFailure(metrics.AuthStale)
				}
				m.Transcoding(1)
				m.Transcoding(-1)
				m.DTLSFailure()
				m.TrunkState(trunk, i%3 == 0, metrics.RegStateRegistering)
				if i%50 == 0 {
					m.ForgetTrunk(trunk)
				}
				m.Registered("udp", -1)
				m.WSConnections(-1)
			}
		})
	}
	wg.Wait()
	close(stop)
	scrapers.Wait()

	f := e.scrape()
	total := float64(workers * calls)
	var started, active float64
	for _, mf := range f["callgate_calls_started_total"].GetMetric() {
		started += mf.GetCounter().GetValue()
	}
	for _, mf := range f["callgate_calls_active"].GetMetric() {
		active += mf.GetGauge().GetValue()
	}
	if started != total || active != 0 {
		t.Errorf("started=%v active=%v, want %v and 0", started, active, total)
	}
	want(t, f, "callgate_dtls_handshake_failures_total", nil, total)
	want(t, f, "callgate_auth_failures_total", l("reason", "stale"), total/2)
	want(t, f, "callgate_ws_connections", nil, 0)
	want(t, f, "callgate_registrations", l("transport", "udp"), 0)
	want(t, f, "callgate_transcoding_sessions", nil, 0)
	if n, _ := hist(t, f, "callgate_call_mos", nil); n != uint64(total/2) {
		t.Errorf("mos observations = %d, want %v", n, total/2)
	}
	want(t, f, "callgate_trunk_up", l("trunk", "hooked"), 1)
	if hookRuns.Load() < 1 {
		t.Error("scrape hook never ran")
	}
}
