package metrics

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"
)

// jitterBuckets spans 1 ms (a LAN) to 200 ms (badly broken), in seconds.
var jitterBuckets = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2}

// mosBuckets follow the usual MOS quality bands (ITU-T P.800 scale 1..5).
var mosBuckets = []float64{1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4}

// initMedia creates the media metrics and returns their collectors.
func (m *Metrics) initMedia() []prometheus.Collector {
	packets := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "rtp_packets_total",
		Help: "RTP packets received from legs, by leg type, added when a call ends.",
	}, []string{"leg"})
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "rtp_bytes_total",
		Help: "RTP payload bytes received from legs, by leg type, added when a call ends.",
	}, []string{"leg"})
	lost := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "rtp_lost_packets_total",
		Help: "RTP packets lost on legs (RFC 3550 §6.4.1 cumulative lost), by leg type, added when a call ends.",
	}, []string{"leg"})
	jitter := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "rtp_jitter_seconds",
		Help:    "Interarrival jitter per call leg at call end (RFC 3550 §6.4.1), by leg type.",
		Buckets: jitterBuckets,
	}, []string{"leg"})
	mos := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: "call_mos",
		Help:    "Estimated mean opinion score (1..5) per call at call end.",
		Buckets: mosBuckets,
	})
	transcoding := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "transcoding_sessions",
		Help: "Calls whose media is currently being transcoded.",
	})
	dtls := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "dtls_handshake_failures_total",
		Help: "DTLS-SRTP handshakes that failed (RFC 5763, RFC 5764).",
	})

	legCounter := func(v *prometheus.CounterVec) *children[prometheus.Counter] {
		return newChildren(numLegs, func(i int) prometheus.Counter {
			return v.WithLabelValues(legNames[i])
		})
	}
	m.rtpPackets = legCounter(packets)
	m.rtpBytes = legCounter(bytes)
	m.rtpLost = legCounter(lost)
	m.rtpJitter = newChildren(numLegs, func(i int) prometheus.Observer {
		return jitter.WithLabelValues(legNames[i])
	})
	m.mos = mos
	m.transcoding = transcoding
	m.dtlsFail = dtls
	return []prometheus.Collector{packets, bytes, lost, jitter, mos, transcoding, dtls}
}

// RTP adds one leg's RTP totals to callgate_rtp_packets_total,
// callgate_rtp_bytes_total and callgate_rtp_lost_packets_total under its
// leg type (LegBrowser, LegPhone, LegTrunk). Call it once per leg when the
// call ends.
func (m *Metrics) RTP(leg string, packets, bytes, lost uint64) {
	if m == nil {
		return
	}
	l := legIndex(leg)
	if packets > 0 {
		m.rtpPackets.get(l).Add(float64(packets))
	}
	if bytes > 0 {
		m.rtpBytes.get(l).Add(float64(bytes))
	}
	if lost > 0 {
		m.rtpLost.get(l).Add(float64(lost))
	}
}

// Jitter observes one leg's interarrival jitter, in milliseconds, in
// callgate_rtp_jitter_seconds under its leg type. Negative or non-finite
// values are ignored.
func (m *Metrics) Jitter(leg string, ms float64) {
	if m == nil || !(ms >= 0) || math.IsInf(ms, 1) {
		return
	}
	m.rtpJitter.get(legIndex(leg)).Observe(ms / 1000)
}

// MOS observes a call's estimated mean opinion score in callgate_call_mos.
// Scores outside 1..5 or non-finite are ignored.
func (m *Metrics) MOS(score float64) {
	if m == nil || !(score >= 1 && score <= 5) {
		return
	}
	m.mos.Observe(score)
}

// Transcoding adjusts callgate_transcoding_sessions by delta: +1 when a
// call starts transcoding, -1 when it stops.
func (m *Metrics) Transcoding(delta int) {
	if m == nil {
		return
	}
	m.transcoding.Add(float64(delta))
}

// DTLSFailure counts a failed DTLS handshake in
// callgate_dtls_handshake_failures_total.
func (m *Metrics) DTLSFailure() {
	if m == nil {
		return
	}
	m.dtlsFail.Inc()
}
