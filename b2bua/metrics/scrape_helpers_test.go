package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/callgate/callgate/b2bua/metrics"
)

// endpoint serves a Metrics over loopback HTTP for the duration of a test.
type endpoint struct {
	t   testing.TB
	srv *httptest.Server
}

// serve starts an HTTP server on 127.0.0.1 serving m.Handler().
func serve(t testing.TB, m *metrics.Metrics) *endpoint {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return &endpoint{t: t, srv: srv}
}

// text fetches the exposition in the plain text format.
func (e *endpoint) text() string {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/metrics", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("scrape body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("scrape status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

// scrape fetches and parses the exposition.
func (e *endpoint) scrape() families {
	e.t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(e.text()))
	if err != nil {
		e.t.Fatalf("parse exposition: %v", err)
	}
	return families(fams)
}

// families is a parsed exposition keyed by metric name.
type families map[string]*dto.MetricFamily

// find returns the series of name whose labels are exactly labels.
func (f families) find(name string, labels map[string]string) *dto.Metric {
	mf := f[name]
	if mf == nil {
		return nil
	}
outer:
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
				continue outer
			}
		}
		return m
	}
	return nil
}

// value returns the value of a counter or gauge series, and whether the
// series exists.
func (f families) value(name string, labels map[string]string) (float64, bool) {
	m := f.find(name, labels)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.GetCounter().GetValue(), true
	case m.Gauge != nil:
		return m.GetGauge().GetValue(), true
	case m.Untyped != nil:
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

// series counts the series of name (a histogram counts once per label set).
func (f families) series(name string) int {
	return len(f[name].GetMetric())
}

// want asserts a counter or gauge series has value v.
func want(t *testing.T, f families, name string, labels map[string]string, v float64) {
	t.Helper()
	got, ok := f.value(name, labels)
	if !ok {
		t.Errorf("%s%v: series missing", name, labels)
		return
	}
	if got != v {
		t.Errorf("%s%v = %v, want %v", name, labels, got, v)
	}
}

// absent asserts a series does not exist.
func absent(t *testing.T, f families, name string, labels map[string]string) {
	t.Helper()
	if m := f.find(name, labels); m != nil {
		t.Errorf("%s%v: unexpected series %v", name, labels, m)
	}
}

// hist returns count and sum of a histogram series.
func hist(t *testing.T, f families, name string, labels map[string]string) (count uint64, sum float64) {
	t.Helper()
	m := f.find(name, labels)
	if m == nil || m.Histogram == nil {
		t.Fatalf("%s%v: histogram missing", name, labels)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// bucket returns the cumulative count of the histogram bucket with upper
// bound le.
func bucket(t *testing.T, f families, name string, labels map[string]string, le float64) uint64 {
	t.Helper()
	m := f.find(name, labels)
	if m == nil || m.Histogram == nil {
		t.Fatalf("%s%v: histogram missing", name, labels)
	}
	for _, b := range m.GetHistogram().GetBucket() {
		if b.GetUpperBound() == le {
			return b.GetCumulativeCount()
		}
	}
	t.Fatalf("%s%v: no bucket le=%v", name, labels, le)
	return 0
}

// l builds a label map from name/value pairs.
func l(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
