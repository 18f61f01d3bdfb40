package metrics_test

import (
	"testing"

	"github.com/callgate/callgate/b2bua/metrics"
)

func TestSetRegistrationsReplacesCounts(t *testing.T) {
	m := metrics.New()
	e := serve(t, m)
	m.SetRegistrations(map[string]int{"UDP": 3, "ws": 2, "WSS": 1, "carrier-pigeon": 4})
	f := e.scrape()
	want(t, f, "callgate_registrations", l("transport", "udp"), 3)
	want(t, f, "callgate_registrations", l("transport", "ws"), 2)
	want(t, f, "callgate_registrations", l("transport", "wss"), 1)
	want(t, f, "callgate_registrations", l("transport", "other"), 4)
	m.SetRegistrations(map[string]int{"udp": 1})
	f = e.scrape()
	want(t, f, "callgate_registrations", l("transport", "udp"), 1)
	want(t, f, "callgate_registrations", l("transport", "ws"), 0)
	var nilMetrics *metrics.Metrics
	nilMetrics.SetRegistrations(map[string]int{"udp": 1})
}
