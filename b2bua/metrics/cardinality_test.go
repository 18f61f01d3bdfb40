package metrics_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/metrics"
)

// TestCardinalityBounded feeds 1000 distinct values into every labelled
// metric and checks the number of series stays within the fixed sets.
func TestCardinalityBounded(t *testing.T) {
	m := metrics.New()
	for i := range 1000 {
		junk := fmt.Sprintf("junk%d", i)
		m.CallStarted(junk, "leg"+strconv.Itoa(i))
		kind := junk + "_to_" + junk
		m.CallAnswered(kind, time.Duration(i)*time.Millisecond)
		m.CallEnded(kind, i, false)
		m.CallEnded("trunk_to_phone", i, false) // every code, one kind
		m.Registered("transport"+strconv.Itoa(i), 1)
		m.AuthFailure(junk)
		m.RTP(junk, 1, 1, 1)
		m.Jitter(junk, float64(i))
		m.TrunkState("trunk"+strconv.Itoa(i), true, junk)
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	bounds := map[string]int{
		"callgate_calls_active":                  1 + 1, // other_to_other, trunk_to_phone
		"callgate_calls_started_total":           1,
		"callgate_calls_answered_total":          1,
		"callgate_call_setup_seconds":            1,
		"callgate_calls_ended_total":             2,
		"callgate_calls_failed_total":            23 + 23,
		"callgate_registrations":                 1,
		"callgate_auth_failures_total":           1,
		"callgate_rtp_packets_total":             1,
		"callgate_rtp_bytes_total":               1,
		"callgate_rtp_lost_packets_total":        1,
		"callgate_rtp_jitter_seconds":            1,
		"callgate_trunk_up":                      metrics.MaxTrunks,
		"callgate_trunk_registered":              metrics.MaxTrunks,
		"callgate_trunk_registration_state":      5 * metrics.MaxTrunks,
		"callgate_call_mos":                      1, // unlabelled
		"callgate_ws_connections":                1,
		"callgate_transcoding_sessions":          1,
		"callgate_dtls_handshake_failures_total": 1,
	}
	for _, mf := range fams {
		name := mf.GetName()
		if !strings.HasPrefix(name, "callgate_") {
			continue
		}
		n := len(mf.GetMetric())
		want, ok := bounds[name]
		if !ok {
			t.Errorf("%s: %d series, no bound listed", name, n)
			continue
		}
		if n != want {
			t.Errorf("%s: %d series, want %d", name, n, want)
		}
	}
}
