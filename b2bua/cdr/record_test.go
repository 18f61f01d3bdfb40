package cdr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRecordJSONNames(t *testing.T) {
	rec := sampleRecord("c1", t0)
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"call_id", "caller_call_id", "callee_call_id", "caller", "callee", "caller_leg", "callee_leg",
		"trunk", "direction", "start", "answer", "end", "duration_ms", "setup_ms", "end_reason", "sip_code",
		"caller_codec", "callee_codec", "transcoded", "caller_quality", "callee_quality"}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing in %s", k, b)
		}
	}
	if len(m) != len(want) {
		t.Errorf("got %d keys, want %d: %s", len(m), len(want), b)
	}
	q := m["caller_quality"].(map[string]any)
	for _, k := range []string{"packets_received", "packets_lost", "loss_percent", "jitter_ms", "rtt_ms", "mos"} {
		if _, ok := q[k]; !ok {
			t.Errorf("quality key %q missing", k)
		}
	}

	// Unanswered call without trunk or quality: those keys are omitted.
	rec = Record{CallID: "c2", Start: t0, End: t0}
	b, _ = json.Marshal(rec)
	for _, k := range []string{"answer", "trunk", "caller_quality", "callee_quality"} {
		if strings.Contains(string(b), `"`+k+`"`) {
			t.Errorf("%q not omitted: %s", k, b)
		}
	}
}

func TestNormalize(t *testing.T) {
	start := time.Date(2025, 6, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	answer := start.Add(3500 * time.Millisecond)
	end := answer.Add(61 * time.Second)
	q := &Quality{PacketsReceived: 990, PacketsLost: 10, JitterMs: 4, RTTMs: 30}
	in := Record{CallID: "n1", Start: start, Answer: &answer, End: end, CallerCodec: "PCMU", CallerQuality: q}
	got := in.normalize(t0)

	if got.DurationMs != 61_000 || got.SetupMs != 3_500 {
		t.Errorf("duration %d setup %d", got.DurationMs, got.SetupMs)
	}
	if got.Start.Location() != time.UTC || got.Answer.Location() != time.UTC || got.End.Location() != time.UTC {
		t.Error("times not in UTC")
	}
	if !got.Start.Equal(start) {
		t.Error("start changed instant")
	}
	if got.CallerQuality.LossPercent != 1 {
		t.Errorf("loss %v, want 1", got.CallerQuality.LossPercent)
	}
	if want := MOS("PCMU", 1, 4, 30); got.CallerQuality.MOS != want {
		t.Errorf("mos %v, want %v", got.CallerQuality.MOS, want)
	}
	// The input is untouched.
	if q.MOS != 0 || q.LossPercent != 0 || in.Answer != &answer || answer.Location() == time.UTC {
		t.Error("normalize modified its input")
	}

	// Unanswered: setup runs to the end, no duration; zero End is now.
	got = Record{CallID: "n2", Start: t0.Add(-5 * time.Second), Answer: &time.Time{}}.normalize(t0)
	if got.Answer != nil || got.DurationMs != 0 || got.SetupMs != 5_000 || !got.End.Equal(t0) {
		t.Errorf("unanswered: %+v", got)
	}

	// Explicit values are kept; a normalized record normalizes to itself.
	rec := sampleRecord("n3", t0)
	if again := rec.normalize(t0.Add(time.Hour)); !reflect.DeepEqual(again, rec) {
		t.Errorf("normalize changed a complete record:\n%+v\n%+v", again, rec)
	}
}
