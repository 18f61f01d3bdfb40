package metrics_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callgate/callgate/b2bua/metrics"
)

func TestCallLifecycleScrape(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	bt := l("kind", "browser_to_trunk")

	f := e.scrape()
	absent(t, f, "callgate_calls_active", bt)
	absent(t, f, "callgate_calls_started_total", bt)

	m.CallStarted(metrics.LegBrowser, metrics.LegTrunk)
	f = e.scrape()
	want(t, f, "callgate_calls_active", bt, 1)
	want(t, f, "callgate_calls_started_total", bt, 1)

	kind := metrics.Kind(metrics.LegBrowser, metrics.LegTrunk)
	m.CallAnswered(kind, 1500*time.Millisecond)
	f = e.scrape()
	want(t, f, "callgate_calls_answered_total", bt, 1)
	if n, sum := hist(t, f, "callgate_call_setup_seconds", bt); n != 1 || sum != 1.5 {
		t.Errorf("setup histogram count=%d sum=%v, want 1, 1.5", n, sum)
	}
	if got := bucket(t, f, "callgate_call_setup_seconds", bt, 1); got != 0 {
		t.Errorf("setup le=1: %d, want 0", got)
	}
	if got := bucket(t, f, "callgate_call_setup_seconds", bt, 2); got != 1 {
		t.Errorf("setup le=2: %d, want 1", got)
	}
	if got := bucket(t, f, "callgate_call_setup_seconds", bt, 0.05); got != 0 {
		t.Errorf("setup le=0.05: %d, want 0", got)
	}
	if got := bucket(t, f, "callgate_call_setup_seconds", bt, 30); got != 1 {
		t.Errorf("setup le=30: %d, want 1", got)
	}

	m.CallEnded(kind, 200, true)
	f = e.scrape()
	want(t, f, "callgate_calls_active", bt, 0)
	want(t, f, "callgate_calls_ended_total", l("kind", "browser_to_trunk", "outcome", "answered"), 1)
	absent(t, f, "callgate_calls_ended_total", l("kind", "browser_to_trunk", "outcome", "unanswered"))
	if n := f.series("callgate_calls_failed_total"); n != 0 {
		t.Errorf("answered call created %d failed series", n)
	}
}

func TestFailedCallsByCode(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	pb := "phone_to_browser"
	for _, code := range []int{486, 486, 499, 503, 580, 302, 699, 0, 180} {
		m.CallStarted("phone", "browser")
		m.CallEnded(pb, code, false)
	}
	f := e.scrape()
	want(t, f, "callgate_calls_active", l("kind", pb), 0)
	want(t, f, "callgate_calls_started_total", l("kind", pb), 9)
	want(t, f, "callgate_calls_ended_total", l("kind", pb, "outcome", "unanswered"), 9)
	for code, v := range map[string]float64{"486": 2, "4xx": 1, "503": 1, "5xx": 1, "3xx": 1, "6xx": 1} {
		want(t, f, "callgate_calls_failed_total", l("kind", pb, "code", code), v)
	}
	// Codes 0 and 180 are not failure responses.
	absent(t, f, "callgate_calls_failed_total", l("kind", pb, "code", "other"))
	if n := f.series("callgate_calls_failed_total"); n != 6 {
		t.Errorf("failed series = %d, want 6", n)
	}
}

// TestExactLines checks the raw exposition text an operator would see.
func TestExactLines(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	m.CallStarted("trunk", "phone")
	m.CallStarted("trunk", "phone")
	m.CallEnded("trunk_to_phone", 487, false)
	m.Registered("UDP", 3)
	m.WSConnections(2)
	m.DTLSFailure()
	m.TrunkState("carrier-a", true, "registered")
	text := e.text()
	for _, line := range []string{
		`callgate_calls_active{kind="trunk_to_phone"} 1`,
		`callgate_calls_started_total{kind="trunk_to_phone"} 2`,
		`callgate_calls_failed_total{code="487",kind="trunk_to_phone"} 1`,
		`callgate_calls_ended_total{kind="trunk_to_phone",outcome="unanswered"} 1`,
		`callgate_registrations{transport="udp"} 3`,
		`callgate_ws_connections 2`,
		`callgate_dtls_handshake_failures_total 1`,
		`callgate_transcoding_sessions 0`,
		`callgate_trunk_up{trunk="carrier-a"} 1`,
		`callgate_trunk_registered{trunk="carrier-a"} 1`,
		`callgate_trunk_registration_state{state="registered",trunk="carrier-a"} 1`,
		`callgate_trunk_registration_state{state="failing",trunk="carrier-a"} 0`,
		`# TYPE callgate_calls_failed_total counter`,
		`# TYPE callgate_ws_connections gauge`,
	} {
		if !containsLine(text, line) {
			t.Errorf("exposition lacks line %q", line)
		}
	}
}

func containsLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func TestAccessMetrics(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	m.Registered("UDP", 1)
	m.Registered("udp", 1)
	m.Registered("wss", 2)
	m.Registered("udp", -1)
	m.Registered("sctp", 1)
	m.WSConnections(1)
	m.WSConnections(1)
	m.WSConnections(-1)
	m.AuthFailure(metrics.AuthBadCredentials)
	m.AuthFailure(metrics.AuthBadCredentials)
	m.AuthFailure("banned")
	m.AuthFailure("nonsense")
	f := e.scrape()
	want(t, f, "callgate_registrations", l("transport", "udp"), 1)
	want(t, f, "callgate_registrations", l("transport", "wss"), 2)
	want(t, f, "callgate_registrations", l("transport", "other"), 1)
	absent(t, f, "callgate_registrations", l("transport", "tcp"))
	want(t, f, "callgate_ws_connections", nil, 1)
	want(t, f, "callgate_auth_failures_total", l("reason", "bad_credentials"), 2)
	want(t, f, "callgate_auth_failures_total", l("reason", "banned"), 1)
	want(t, f, "callgate_auth_failures_total", l("reason", "other"), 1)
}

func TestMediaMetrics(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	m.RTP("browser", 1000, 160000, 3)
	m.RTP("browser", 500, 80000, 0)
	m.RTP("trunk", 10, 1600, 1)
	m.Jitter("browser", 20)
	m.Jitter("browser", 4)
	m.Jitter("trunk", -1) // ignored
	m.MOS(4.3)
	m.MOS(0.5) // ignored
	m.MOS(7)   // ignored
	m.Transcoding(1)
	m.Transcoding(1)
	m.Transcoding(-1)
	m.DTLSFailure()
	f := e.scrape()
	want(t, f, "callgate_rtp_packets_total", l("leg", "browser"), 1500)
	want(t, f, "callgate_rtp_bytes_total", l("leg", "browser"), 240000)
	want(t, f, "callgate_rtp_lost_packets_total", l("leg", "browser"), 3)
	want(t, f, "callgate_rtp_packets_total", l("leg", "trunk"), 10)
	want(t, f, "callgate_rtp_lost_packets_total", l("leg", "trunk"), 1)
	absent(t, f, "callgate_rtp_packets_total", l("leg", "phone"))
	n, sum := hist(t, f, "callgate_rtp_jitter_seconds", l("leg", "browser"))
	if n != 2 || sum < 0.0239 || sum > 0.0241 {
		t.Errorf("jitter count=%d sum=%v, want 2, 0.024", n, sum)
	}
	if got := bucket(t, f, "callgate_rtp_jitter_seconds", l("leg", "browser"), 0.005); got != 1 {
		t.Errorf("jitter le=5ms: %d, want 1", got)
	}
	absent(t, f, "callgate_rtp_jitter_seconds", l("leg", "trunk"))
	if n, sum := hist(t, f, "callgate_call_mos", nil); n != 1 || sum != 4.3 {
		t.Errorf("mos count=%d sum=%v, want 1, 4.3", n, sum)
	}
	want(t, f, "callgate_transcoding_sessions", nil, 1)
	want(t, f, "callgate_dtls_handshake_failures_total", nil, 1)
}

func TestTrunkState(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	oneHot := func(f families, trunk, state string) {
		t.Helper()
		for _, s := range []string{"off", "registering", "registered", "failing", "unknown"} {
			v := 0.0
			if s == state {
				v = 1
			}
			want(t, f, "callgate_trunk_registration_state", l("trunk", trunk, "state", s), v)
		}
	}
	m.TrunkState("a", true, metrics.RegStateRegistering)
	m.TrunkState("b", false, metrics.RegStateOff)
	f := e.scrape()
	want(t, f, "callgate_trunk_up", l("trunk", "a"), 1)
	want(t, f, "callgate_trunk_registered", l("trunk", "a"), 0)
	oneHot(f, "a", "registering")
	want(t, f, "callgate_trunk_up", l("trunk", "b"), 0)
	oneHot(f, "b", "off")

	m.TrunkState("a", true, "Registered")
	m.TrunkState("b", false, "gibberish")
	f = e.scrape()
	want(t, f, "callgate_trunk_registered", l("trunk", "a"), 1)
	oneHot(f, "a", "registered")
	oneHot(f, "b", "unknown")

	m.TrunkState("a", false, metrics.RegStateFailing)
	m.TrunkState("", true, "registered") // ignored
	m.ForgetTrunk("b")
	m.ForgetTrunk("never-seen")
	f = e.scrape()
	want(t, f, "callgate_trunk_up", l("trunk", "a"), 0)
	want(t, f, "callgate_trunk_registered", l("trunk", "a"), 0)
	oneHot(f, "a", "failing")
	absent(t, f, "callgate_trunk_up", l("trunk", "b"))
	absent(t, f, "callgate_trunk_registered", l("trunk", "b"))
	if n := f.series("callgate_trunk_registration_state"); n != 5 {
		t.Errorf("state series after forgetting b = %d, want 5", n)
	}
	if n := f.series("callgate_trunk_up"); n != 1 {
		t.Errorf("trunk_up series = %d, want 1", n)
	}
}

func TestOnScrapeRunsBeforeCollection(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	scrapes := 0
	m.OnScrape(func() {
		scrapes++
		m.TrunkState("lazy", scrapes%2 == 1, metrics.RegStateRegistered)
	})
	m.OnScrape(nil) // ignored
	f := e.scrape()
	want(t, f, "callgate_trunk_up", l("trunk", "lazy"), 1)
	f = e.scrape()
	want(t, f, "callgate_trunk_up", l("trunk", "lazy"), 0)
	if _, err := m.Registry().Gather(); err != nil {
		t.Fatalf("Gather: %v", err)
	}
	if scrapes != 3 {
		t.Errorf("hook ran %d times, want 3", scrapes)
	}
}

func TestOnScrapePanicKeepsMetrics(t *testing.T) {
	m := metrics.NewWithConfig(metrics.Config{Logger: slog.New(slog.DiscardHandler)})
	e := serve(t, m)
	m.OnScrape(func() { panic("boom") })
	ran := false
	m.OnScrape(func() { ran = true })
	m.DTLSFailure()

	f := e.scrape() // ContinueOnError: still 200 with every other metric
	want(t, f, "callgate_dtls_handshake_failures_total", nil, 1)
	if !ran {
		t.Error("hook after the panicking one did not run")
	}
	if _, ok := f["go_goroutines"]; !ok {
		t.Error("go_goroutines missing after hook panic")
	}
	_, err := m.Registry().Gather()
	if !errors.Is(err, metrics.ErrHookPanic) {
		t.Errorf("Gather error = %v, want ErrHookPanic", err)
	}
}

func TestRuntimeCollectors(t *testing.T) {
	e := serve(t, metrics.New())
	f := e.scrape()
	for _, name := range []string{"go_goroutines", "go_gc_duration_seconds", "go_memstats_alloc_bytes"} {
		if _, ok := f[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	if runtime.GOOS == "linux" {
		if _, ok := f["process_resident_memory_bytes"]; !ok {
			t.Error("process_resident_memory_bytes missing")
		}
	}
	for name := range f {
		if !strings.HasPrefix(name, "callgate_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("unexpected metric family %q", name)
		}
	}
}

func TestIndependentRegistries(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	if a.Registry() == b.Registry() {
		t.Fatal("two gateways share a registry")
	}
	a.CallStarted("browser", "phone")
	fb := serve(t, b).scrape()
	absent(t, fb, "callgate_calls_started_total", l("kind", "browser_to_phone"))
	fa := serve(t, a).scrape()
	want(t, fa, "callgate_calls_started_total", l("kind", "browser_to_phone"), 1)

	def, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range def {
		if strings.HasPrefix(mf.GetName(), "callgate_") {
			t.Errorf("default registry holds %s", mf.GetName())
		}
	}
}

func TestNilMetricsIsNoop(t *testing.T) {
	var m *metrics.Metrics
	m.CallStarted("browser", "trunk")
	m.CallAnswered("browser_to_trunk", time.Second)
	m.CallEnded("browser_to_trunk", 486, false)
	m.Registered("udp", 1)
	m.WSConnections(1)
	m.RTP("browser", 1, 2, 3)
	m.Jitter("browser", 1)
	m.MOS(4)
	m.Transcoding(1)
	m.DTLSFailure()
	m.AuthFailure("banned")
	m.TrunkState("t", true, "registered")
	m.ForgetTrunk("t")
	m.OnScrape(func() { t.Error("hook on nil Metrics ran") })
	if m.Registry() != nil {
		t.Error("nil Metrics has a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil handler status %d, want 404", rec.Code)
	}
	_, _ = io.Copy(io.Discard, rec.Body)
}
