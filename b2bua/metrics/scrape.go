package metrics

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeCollector wraps every callgate_ metric in one collector that runs
// the OnScrape hooks before collecting them, so values a hook refreshes
// are the ones exported by the same scrape.
type scrapeCollector struct {
	log   *slog.Logger
	inner []prometheus.Collector

	hooksMu sync.Mutex
	hooks   []func()
	runMu   sync.Mutex // serialises hook runs of concurrent scrapes
}

// hookPanicDesc describes the invalid metric sent when a hook panics.
var hookPanicDesc = prometheus.NewDesc(namespace+"_scrape_hook_error", "A scrape hook panicked.", nil, nil)

// Describe sends the descriptors of every wrapped metric.
func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, in := range c.inner {
		in.Describe(ch)
	}
}

// Collect runs the hooks, then collects every wrapped metric.
func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	c.hooksMu.Lock()
	hooks := c.hooks
	c.hooksMu.Unlock()
	if len(hooks) > 0 {
		c.runMu.Lock()
		for _, fn := range hooks {
			if err := runHook(fn); err != nil {
				c.log.Error("metrics: scrape hook", "err", err)
				ch <- prometheus.NewInvalidMetric(hookPanicDesc, err)
			}
		}
		c.runMu.Unlock()
	}
	for _, in := range c.inner {
		in.Collect(ch)
	}
}

// runHook calls fn, turning a panic into an error wrapping ErrHookPanic.
func runHook(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrHookPanic, r)
		}
	}()
	fn()
	return nil
}

// OnScrape registers fn to run at the start of every collection of this
// registry, before the callgate_ metrics are read; it lets the gateway
// refresh gauges such as TrunkState lazily instead of on every change.
// Hooks run in registration order and never concurrently with each other.
// A hook should be quick, since the scrape waits for it, and must not call
// OnScrape or gather the registry itself. A panicking hook is recovered,
// logged, and reported as a scrape error; the other metrics are still
// exported. A nil fn is ignored.
func (m *Metrics) OnScrape(fn func()) {
	if m == nil || fn == nil {
		return
	}
	c := m.scrape
	c.hooksMu.Lock()
	defer c.hooksMu.Unlock()
	// Copy on write: Collect reads the slice without holding hooksMu.
	hooks := make([]func(), len(c.hooks), len(c.hooks)+1)
	copy(hooks, c.hooks)
	c.hooks = append(hooks, fn)
}
