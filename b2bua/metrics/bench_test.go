package metrics_test

import (
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/metrics"
)

// lifecycle records one complete answered call with media statistics.
func lifecycle(m *metrics.Metrics, kind string) {
	m.CallStarted(metrics.LegBrowser, metrics.LegTrunk)
	m.CallAnswered(kind, 850*time.Millisecond)
	m.RTP(metrics.LegBrowser, 1500, 240000, 2)
	m.RTP(metrics.LegTrunk, 1490, 238400, 0)
	m.Jitter(metrics.LegBrowser, 4.5)
	m.Jitter(metrics.LegTrunk, 1.2)
	m.MOS(4.3)
	m.CallEnded(kind, 200, true)
}

func BenchmarkCallLifecycle(b *testing.B) {
	m := metrics.New()
	kind := metrics.Kind(metrics.LegBrowser, metrics.LegTrunk)
	b.ReportAllocs()
	for b.Loop() {
		lifecycle(m, kind)
	}
}

func BenchmarkCallLifecycleParallel(b *testing.B) {
	m := metrics.New()
	kind := metrics.Kind(metrics.LegBrowser, metrics.LegTrunk)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lifecycle(m, kind)
		}
	})
}

func BenchmarkCallLifecycleNil(b *testing.B) {
	var m *metrics.Metrics
	b.ReportAllocs()
	for b.Loop() {
		lifecycle(m, "browser_to_trunk")
	}
}

func BenchmarkFailedCall(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		m.CallStarted("phone", "trunk")
		m.CallEnded("phone_to_trunk", 503, false)
	}
}
