package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParseCounts(t *testing.T) {
	got, err := parseCounts("100, 250,500")
	if err != nil || len(got) != 3 || got[1] != 250 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "0", "10,x", "-5"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	o := options{cpuProfile: "/tmp/cpu.out", counts: []int{1, 2}}
	if got := o.profileFor(2); got != "/tmp/cpu-2.out" {
		t.Fatalf("profile %q", got)
	}
}

// TestSmoke builds callgate and runs the whole benchmark with two calls
// for two seconds: every packet must arrive, quickly, and every call must
// end cleanly.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs callgate")
	}
	r, out := smokeRun(t, false)
	for _, f := range []struct {
		name string
		r    flowResult
	}{{"b2p", r.b2p}, {"p2b", r.p2b}, {"baseline", r.base}} {
		// 2 streams at 50 packets/s for 2 s make 200 packets, but a pacer
		// on a heavily loaded machine skips what it could not send in time
		// (TestWheelSkipsBacklog); what was sent must all arrive.
		if f.r.sent < 20 || f.r.recv != f.r.sent || f.r.crosstalk != 0 || f.r.sendErrs != 0 {
			t.Errorf("%s: sent %d recv %d crosstalk %d send errors %d", f.name, f.r.sent, f.r.recv, f.r.crosstalk, f.r.sendErrs)
		}
		if f.r.p50 <= 0 || f.r.p99 > time.Second {
			t.Errorf("%s: implausible latency p50 %v p99 %v", f.name, f.r.p50, f.r.p99)
		}
	}
	if r.gwCPU <= 0 || r.rssIdle <= 0 || r.rssLoaded <= 0 {
		t.Errorf("gateway figures missing: cpu %.1f rss %d→%d", r.gwCPU, r.rssIdle, r.rssLoaded)
	}
	if r.hungUp != 2 || r.phoneByes != 2 {
		t.Errorf("BYE answered %d, reached the phone %d, want 2 and 2", r.hungUp, r.phoneByes)
	}
	if !strings.Contains(out, "cpu%/100calls") || !strings.Contains(out, "machine:") {
		t.Errorf("table missing from output")
	}
}

// smokeRun builds callgate and runs the benchmark with two calls for two
// seconds, in the transcoding mode when opus is set; the step must have
// brought both calls up with media both ways.
func smokeRun(t *testing.T, opus bool) (stepResult, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin, err := buildCallgate(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MEDIABENCH_TEST_LOG") != "" {
		quiet = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	o := options{counts: []int{2}, duration: 2 * time.Second, warmup: 500 * time.Millisecond, setupRate: 20,
		callgate: bin, baselinePairs: 2, opus: opus, log: quiet, sipLog: quiet}
	var out bytes.Buffer
	rs, err := run(ctx, o, &out)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	r := rs[0]
	if r.up != 2 || r.setupFails != 0 || r.silent != 0 {
		t.Fatalf("up %d, setup failures %d, silent %d", r.up, r.setupFails, r.silent)
	}
	return r, out.String()
}

// TestSmokeOpus runs the transcoding mode with two calls for two seconds:
// callgate must transcode both ways, one packet per 20 ms, and each side
// must hear the other's tone.
func TestSmokeOpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs callgate")
	}
	needOpus(t)
	r, out := smokeRun(t, true)
	if !r.transcoded {
		t.Fatal("step not in transcoding mode")
	}
	for _, f := range []struct {
		name  string
		r     flowResult
		worst float64
		tone  toneCheck
	}{{"b2p", r.b2p, r.worstB2P, r.toneB2P}, {"p2b", r.p2b, r.worstP2B, r.toneP2B}} {
		// The transcoder plays one packet per 20 ms: what arrives in the
		// window matches the senders' slots, give or take the jitter
		// buffer adapting and a loaded machine's late ticks.
		if e := f.r.expected(); e < 20 || f.r.recv < e*8/10 || f.r.recv > e*12/10 || f.r.sendErrs != 0 || f.r.foreign != 0 {
			t.Errorf("%s: expected %d recv %d send errors %d other payload types %d", f.name, e, f.r.recv, f.r.sendErrs, f.r.foreign)
		}
		if f.worst < 0.5 {
			t.Errorf("%s: a stream got %.0f%% of the window's ticks", f.name, f.worst*100)
		}
		if !f.tone.ok() || f.tone.streams != 2 {
			t.Errorf("%s: tone check %s", f.name, f.tone)
		}
		if f.r.p50 != 0 || f.r.p99 != 0 {
			t.Errorf("%s: latency measured on transcoded media", f.name)
		}
	}
	if r.gwCPU <= 0 || r.callsPerCore() <= 0 {
		t.Errorf("gateway figures missing: cpu %.1f", r.gwCPU)
	}
	if r.hungUp != 2 || r.phoneByes != 2 {
		t.Errorf("BYE answered %d, reached the phone %d, want 2 and 2", r.hungUp, r.phoneByes)
	}
	for _, want := range []string{"transcoding Opus⇄PCMU", "calls/core", "n/a", "machine:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
