package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric this package defines.
const namespace = "callgate"

// Config tunes a Metrics. The zero value is ready to use.
type Config struct {
	// Logger receives errors from scrapes (for example a panicking
	// OnScrape hook). Nil means slog.Default().
	Logger *slog.Logger
}

// Metrics holds the Prometheus metrics of one gateway in a registry of its
// own, so several gateways in one process never collide. A nil *Metrics is
// valid: every method on it does nothing, so code can record metrics
// unconditionally whether or not they are enabled.
type Metrics struct {
	log     *slog.Logger
	reg     *prometheus.Registry
	handler http.Handler
	scrape  *scrapeCollector

	// Calls, keyed by kind (caller and callee leg types).
	callsActive   *children[prometheus.Gauge]
	callsStarted  *children[prometheus.Counter]
	callsAnswered *children[prometheus.Counter]
	callsEnded    *children[prometheus.Counter]  // kind*2 + outcome
	callsFailed   *children[prometheus.Counter]  // kind*numCodes + code
	callSetup     *children[prometheus.Observer] // kind

	// Registrations and access.
	registrations *children[prometheus.Gauge] // transport
	wsConns       prometheus.Gauge
	authFailures  *children[prometheus.Counter] // reason

	// Media, keyed by leg type.
	rtpPackets  *children[prometheus.Counter]
	rtpBytes    *children[prometheus.Counter]
	rtpLost     *children[prometheus.Counter]
	rtpJitter   *children[prometheus.Observer]
	mos         prometheus.Histogram
	transcoding prometheus.Gauge
	dtlsFail    prometheus.Counter

	// Trunks, keyed by configured trunk name.
	trunkUpVec    *prometheus.GaugeVec
	trunkRegVec   *prometheus.GaugeVec
	trunkStateVec *prometheus.GaugeVec
	trunkMu       sync.Mutex
	trunks        map[string]*trunkSeries
}

// New returns a Metrics with default configuration. It is shorthand for
// NewWithConfig(Config{}).
func New() *Metrics {
	return NewWithConfig(Config{})
}

// NewWithConfig returns a Metrics whose registry holds every callgate_
// metric plus the standard Go runtime (go_*) and process (process_*)
// collectors.
func NewWithConfig(cfg Config) *Metrics {
	m := &Metrics{
		log:    cfg.Logger,
		reg:    prometheus.NewRegistry(),
		trunks: make(map[string]*trunkSeries),
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	own := append(m.initCalls(), m.initAccess()...)
	own = append(own, m.initMedia()...)
	own = append(own, m.initTrunks()...)
	m.scrape = &scrapeCollector{log: m.log, inner: own}
	m.reg.MustRegister(
		m.scrape,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: scrapeErrorLog{m.log},
		// A failing collector must not hide the others from the scrape.
		ErrorHandling: promhttp.ContinueOnError,
	})
	return m
}

// Handler returns the HTTP handler serving this registry in the Prometheus
// exposition format, to be mounted at /metrics. On a nil *Metrics it
// returns a handler that answers 404 Not Found.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return m.handler
}

// Registry returns the registry holding this gateway's metrics, for
// registering further collectors or gathering directly. It returns nil on a
// nil *Metrics.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// scrapeErrorLog adapts a slog.Logger to promhttp.Logger.
type scrapeErrorLog struct{ log *slog.Logger }

// Println logs a scrape error at warning level.
func (l scrapeErrorLog) Println(v ...any) {
	l.log.Warn("metrics: scrape error", "err", fmt.Sprint(v...))
}
