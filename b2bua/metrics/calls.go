package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of an ended call, the "outcome" label of callgate_calls_ended_total.
const (
	OutcomeAnswered   = "answered"   // the call reached a 2xx and was later hung up
	OutcomeUnanswered = "unanswered" // the call ended before any 2xx
)

// outcomeNames is indexed 0 = answered, 1 = unanswered.
var outcomeNames = [2]string{OutcomeAnswered, OutcomeUnanswered}

// setupBuckets spans a fast local answer (50 ms) to a long ring (30 s).
var setupBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 30}

// initCalls creates the call metrics and returns their collectors.
func (m *Metrics) initCalls() []prometheus.Collector {
	active := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "calls_active",
		Help: "Calls in progress (admitted and not yet ended), by caller_to_callee leg types.",
	}, []string{"kind"})
	started := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "calls_started_total",
		Help: "Calls admitted by the B2BUA, by caller_to_callee leg types.",
	}, []string{"kind"})
	answered := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "calls_answered_total",
		Help: "Calls that reached a 2xx final response, by caller_to_callee leg types.",
	}, []string{"kind"})
	ended := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "calls_ended_total",
		Help: "Calls that ended, by caller_to_callee leg types and whether they had been answered.",
	}, []string{"kind", "outcome"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "calls_failed_total",
		Help: "Unanswered calls that ended with a final response >= 300, by kind and bucketed SIP status code.",
	}, []string{"kind", "code"})
	setup := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "call_setup_seconds",
		Help:    "Time from admitting a call to its 2xx answer, by caller_to_callee leg types.",
		Buckets: setupBuckets,
	}, []string{"kind"})

	m.callsActive = newChildren(numKinds, func(i int) prometheus.Gauge {
		return active.WithLabelValues(kindNames[i])
	})
	m.callsStarted = newChildren(numKinds, func(i int) prometheus.Counter {
		return started.WithLabelValues(kindNames[i])
	})
	m.callsAnswered = newChildren(numKinds, func(i int) prometheus.Counter {
		return answered.WithLabelValues(kindNames[i])
	})
	m.callsEnded = newChildren(numKinds*2, func(i int) prometheus.Counter {
		return ended.WithLabelValues(kindNames[i/2], outcomeNames[i%2])
	})
	m.callsFailed = newChildren(numKinds*numCodes, func(i int) prometheus.Counter {
		return failed.WithLabelValues(kindNames[i/numCodes], codeNames[i%numCodes])
	})
	m.callSetup = newChildren(numKinds, func(i int) prometheus.Observer {
		return setup.WithLabelValues(kindNames[i])
	})
	return []prometheus.Collector{active, started, answered, ended, failed, setup}
}

// CallStarted records that a call from a leg of type caller to a leg of
// type callee (LegBrowser, LegPhone, LegTrunk) was admitted: it counts the
// call in callgate_calls_started_total and raises callgate_calls_active for
// kind Kind(caller, callee). Every CallStarted must be paired with one
// CallEnded for the same kind.
func (m *Metrics) CallStarted(caller, callee string) {
	if m == nil {
		return
	}
	k := legIndex(caller)*numLegs + legIndex(callee)
	m.callsStarted.get(k).Inc()
	m.callsActive.get(k).Inc()
}

// CallAnswered records that a call of the given kind (see Kind) received
// its 2xx final response setup after it was admitted.
func (m *Metrics) CallAnswered(kind string, setup time.Duration) {
	if m == nil {
		return
	}
	k := kindIndex(kind)
	m.callsAnswered.get(k).Inc()
	if setup >= 0 {
		m.callSetup.get(k).Observe(setup.Seconds())
	}
}

// CallEnded records the end of a call of the given kind (see Kind). It
// lowers callgate_calls_active and counts callgate_calls_ended_total. When
// the call was never answered and code is a final failure response
// (>= 300, RFC 3261 §21.3–§21.6) it also counts callgate_calls_failed_total
// under CodeLabel(code); an unanswered call with code < 300 (for example
// one abandoned locally before any response) is counted as ended only.
func (m *Metrics) CallEnded(kind string, code int, answered bool) {
	if m == nil {
		return
	}
	k := kindIndex(kind)
	m.callsActive.get(k).Dec()
	if answered {
		m.callsEnded.get(k * 2).Inc()
		return
	}
	m.callsEnded.get(k*2 + 1).Inc()
	if code >= 300 {
		m.callsFailed.get(k*numCodes + codeIndex(code)).Inc()
	}
}
