package metrics

import "github.com/prometheus/client_golang/prometheus"

// initAccess creates the registration, WebSocket and authentication
// metrics and returns their collectors.
func (m *Metrics) initAccess() []prometheus.Collector {
	regs := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "registrations",
		Help: "Current registrar contact bindings, by transport.",
	}, []string{"transport"})
	ws := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "ws_connections",
		Help: "Open WebSocket connections.",
	})
	auth := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "auth_failures_total",
		Help: "Rejected authentication attempts, by reason.",
	}, []string{"reason"})

	m.registrations = newChildren(len(transportNames), func(i int) prometheus.Gauge {
		return regs.WithLabelValues(transportNames[i])
	})
	m.wsConns = ws
	m.authFailures = newChildren(len(authReasons), func(i int) prometheus.Counter {
		return auth.WithLabelValues(authReasons[i])
	})
	return []prometheus.Collector{regs, ws, auth}
}

// Registered adjusts callgate_registrations for transport (TransportUDP,
// TransportTCP, TransportTLS, TransportWS, TransportWSS; any case) by
// delta: +1 when a binding is added, -1 when one is removed or expires
// (RFC 3261 §10.3).
func (m *Metrics) Registered(transport string, delta int) {
	if m == nil {
		return
	}
	m.registrations.get(transportIndex(transport)).Add(float64(delta))
}

// WSConnections adjusts callgate_ws_connections by delta: +1 when a
// WebSocket connection opens, -1 when it closes.
func (m *Metrics) WSConnections(delta int) {
	if m == nil {
		return
	}
	m.wsConns.Add(float64(delta))
}

// AuthFailure counts a rejected authentication attempt in
// callgate_auth_failures_total. reason is one of AuthBadCredentials,
// AuthBanned, AuthStale or AuthToken; anything else counts as AuthOther.
func (m *Metrics) AuthFailure(reason string) {
	if m == nil {
		return
	}
	m.authFailures.get(authIndex(reason)).Inc()
}

// SetRegistrations sets callgate_registrations to the current count of
// bindings for each transport in counts (any case); transports absent from
// counts are set to zero. Gateways that read the count from their location
// store at scrape time (see OnScrape) use this instead of Registered.
func (m *Metrics) SetRegistrations(counts map[string]int) {
	if m == nil {
		return
	}
	var sum [len(transportNames)]float64
	for tr, n := range counts {
		sum[transportIndex(tr)] += float64(n)
	}
	for i, v := range sum {
		m.registrations.get(i).Set(v)
	}
}
