package cdr

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// sampleRecord returns a fully populated, already normalized record of an
// answered call ending at end.
func sampleRecord(id string, end time.Time) Record {
	answer := end.Add(-90 * time.Second)
	return Record{
		CallID:        id,
		CallerCallID:  id + "-a@callgate",
		CalleeCallID:  id + "-b@callgate",
		Caller:        "alice",
		Callee:        "+4930123456",
		CallerLeg:     LegBrowser,
		CalleeLeg:     LegTrunk,
		Trunk:         "carrier-1",
		Direction:     DirectionOutbound,
		Start:         answer.Add(-4 * time.Second),
		Answer:        &answer,
		End:           end,
		DurationMs:    90_000,
		SetupMs:       4_000,
		EndReason:     "caller_bye",
		SIPCode:       200,
		CallerCodec:   "opus",
		CalleeCodec:   "PCMA",
		Transcoded:    true,
		CallerQuality: &Quality{PacketsReceived: 4500, PacketsLost: 45, LossPercent: 0.99, JitterMs: 3.5, RTTMs: 42, MOS: 4.31},
		CalleeQuality: &Quality{PacketsReceived: 4500, JitterMs: 1.25, RTTMs: 18, MOS: 4.39},
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
