package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxTrunks bounds the number of distinct trunk names tracked. Trunk names
// come from configuration, so the bound is never reached in practice; state
// reported for further names is dropped rather than growing the exposition.
const MaxTrunks = 256

// trunkSeries holds the gauges of one trunk.
type trunkSeries struct {
	up, registered prometheus.Gauge
	states         [len(regStates)]prometheus.Gauge
}

// initTrunks creates the trunk metrics and returns their collectors.
func (m *Metrics) initTrunks() []prometheus.Collector {
	m.trunkUpVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "trunk_up",
		Help: "1 if the trunk is usable for calls (e.g. its OPTIONS keepalive is answered), else 0.",
	}, []string{"trunk"})
	m.trunkRegVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "trunk_registered",
		Help: "1 if the trunk's outbound registration is in state registered, else 0.",
	}, []string{"trunk"})
	m.trunkStateVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "trunk_registration_state",
		Help: "Outbound registration state of the trunk, one-hot: 1 for the current state, 0 for the others.",
	}, []string{"trunk", "state"})
	return []prometheus.Collector{m.trunkUpVec, m.trunkRegVec, m.trunkStateVec}
}

// trunkLabel turns a configured trunk name into a label value; label values
// must be valid UTF-8.
func trunkLabel(name string) string {
	return strings.ToValidUTF8(name, "\uFFFD")
}

// TrunkState sets the gauges of the named trunk: callgate_trunk_up to 1 or
// 0 from up, callgate_trunk_registered to 1 iff regState is
// RegStateRegistered, and callgate_trunk_registration_state one-hot on
// regState (RegStateOff, RegStateRegistering, RegStateRegistered,
// RegStateFailing; anything else is RegStateUnknown). An empty name is
// ignored, as are new names once MaxTrunks trunks are tracked.
func (m *Metrics) TrunkState(name string, up bool, regState string) {
	if m == nil || name == "" {
		return
	}
	m.trunkMu.Lock()
	defer m.trunkMu.Unlock()
	ts, ok := m.trunks[name]
	if !ok {
		if len(m.trunks) >= MaxTrunks {
			return
		}
		label := trunkLabel(name)
		ts = &trunkSeries{
			up:         m.trunkUpVec.WithLabelValues(label),
			registered: m.trunkRegVec.WithLabelValues(label),
		}
		for i, s := range regStates {
			ts.states[i] = m.trunkStateVec.WithLabelValues(label, s)
		}
		m.trunks[name] = ts
	}
	ts.up.Set(boolGauge(up))
	st := regStateIndex(regState)
	ts.registered.Set(boolGauge(regStates[st] == RegStateRegistered))
	for i, g := range ts.states {
		g.Set(boolGauge(i == st))
	}
}

// ForgetTrunk removes every series of the named trunk, for a trunk that
// was removed from the configuration.
func (m *Metrics) ForgetTrunk(name string) {
	if m == nil {
		return
	}
	m.trunkMu.Lock()
	defer m.trunkMu.Unlock()
	if _, ok := m.trunks[name]; !ok {
		return
	}
	delete(m.trunks, name)
	label := trunkLabel(name)
	m.trunkUpVec.DeleteLabelValues(label)
	m.trunkRegVec.DeleteLabelValues(label)
	m.trunkStateVec.DeletePartialMatch(prometheus.Labels{"trunk": label})
}

// boolGauge is 1 for true and 0 for false.
func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
