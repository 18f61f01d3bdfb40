package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// ms formats a latency in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// na stands for a latency that transcoded media cannot carry.
const na = "n/a"

// printStep writes one count's result line and its detail lines.
func printStep(w io.Writer, r stepResult) {
	if r.transcoded {
		printTranscodedStep(w, r)
		return
	}
	fmt.Fprintf(w, "calls=%d up=%d setup=%s window=%s gw_cpu=%.1f%% (%.1f%%/100 calls) gw_rss=%d→%d KiB (%.0f KiB/call) load_cpu=%.1f%% loss b2p=%.3f%% p2b=%.3f%% p50/p99 b2p=%s/%s p2b=%s/%s baseline=%s/%s ms\n",
		r.calls, r.up, r.setup.Round(100*time.Millisecond), r.window.Round(100*time.Millisecond),
		r.gwCPU, r.cpuPer100(), r.rssIdle, r.rssLoaded, r.rssPerCall(), r.loadCPU,
		r.b2p.lossPct(), r.p2b.lossPct(), ms(r.b2p.p50), ms(r.b2p.p99), ms(r.p2b.p50), ms(r.p2b.p99), ms(r.base.p50), ms(r.base.p99))
	for _, f := range []struct {
		name string
		r    flowResult
	}{{"b2p", r.b2p}, {"p2b", r.p2b}, {"baseline", r.base}} {
		fmt.Fprintf(w, "  %-8s sent=%d recv=%d loss=%.3f%% p50/p99/max=%s/%s/%s ms send_errs=%d crosstalk=%d foreign=%d\n",
			f.name, f.r.sent, f.r.recv, f.r.lossPct(), ms(f.r.p50), ms(f.r.p99), ms(f.r.max), f.r.sendErrs, f.r.crosstalk, f.r.foreign)
	}
	fmt.Fprintf(w, "  added_p99 b2p=%s p2b=%s ms; pacer_lag_max b2p=%s p2b=%s ms (skipped %d/%d packets); udp_rcvbuf_drops=%d (callgate webrtc socket %d); silent_streams=%d; setup_failures=%d; bye_200=%d/%d phone_byes=%d\n",
		ms(r.b2p.p99-r.base.p99), ms(r.p2b.p99-r.base.p99), ms(r.lagB2P), ms(r.lagP2B), r.skipB2P, r.skipP2B, r.rcvbufErrs, r.rtcDrops, r.silent, r.setupFails, r.hungUp, r.up, r.phoneByes)
	printSetupErrors(w, r)
}

// printTranscodedStep is printStep for -opus: packet counts instead of
// markers, no latency, the tone check.
func printTranscodedStep(w io.Writer, r stepResult) {
	fmt.Fprintf(w, "calls=%d up=%d transcoding Opus⇄PCMU setup=%s window=%s gw_cpu=%.1f%% (%.1f%%/100 calls, %.0f calls/core) gw_rss=%d→%d KiB (%.0f KiB/call) load_cpu=%.1f%% loss b2p=%.3f%% p2b=%.3f%% latency %s\n",
		r.calls, r.up, r.setup.Round(100*time.Millisecond), r.window.Round(100*time.Millisecond),
		r.gwCPU, r.cpuPer100(), r.callsPerCore(), r.rssIdle, r.rssLoaded, r.rssPerCall(), r.loadCPU,
		r.b2p.lossPct(), r.p2b.lossPct(), na)
	for _, f := range []struct {
		name  string
		r     flowResult
		worst float64
	}{{"b2p", r.b2p, r.worstB2P}, {"p2b", r.p2b, r.worstP2B}} {
		fmt.Fprintf(w, "  %-8s sent=%d skipped=%d recv=%d loss=%.3f%% worst_stream=%.1f%% of ticks send_errs=%d other_pt=%d\n",
			f.name, f.r.sent, f.r.skipped, f.r.recv, f.r.lossPct(), f.worst*100, f.r.sendErrs, f.r.foreign)
	}
	fmt.Fprintf(w, "  %-8s sent=%d recv=%d loss=%.3f%% p50/p99/max=%s/%s/%s ms send_errs=%d\n",
		"baseline", r.base.sent, r.base.recv, r.base.lossPct(), ms(r.base.p50), ms(r.base.p99), ms(r.base.max), r.base.sendErrs)
	fmt.Fprintf(w, "  tone_check b2p (phones, PCMU): %s\n", r.toneB2P)
	fmt.Fprintf(w, "  tone_check p2b (browsers, Opus): %s\n", r.toneP2B)
	fmt.Fprintf(w, "  pacer_lag_max b2p=%s p2b=%s ms (skipped %d/%d packets); udp_rcvbuf_drops=%d (callgate webrtc socket %d); silent_streams=%d; setup_failures=%d; bye_200=%d/%d phone_byes=%d\n",
		ms(r.lagB2P), ms(r.lagP2B), r.skipB2P, r.skipP2B, r.rcvbufErrs, r.rtcDrops, r.silent, r.setupFails, r.hungUp, r.up, r.phoneByes)
	printSetupErrors(w, r)
}

// printSetupErrors lists the first setup errors of a step.
func printSetupErrors(w io.Writer, r stepResult) {
	for _, e := range r.firstErrs {
		fmt.Fprintf(w, "  setup error: %s\n", e)
	}
}

// callsCell is "up" or "up/asked" when some calls did not come up.
func callsCell(r stepResult) string {
	if r.up != r.calls {
		return fmt.Sprintf("%d/%d", r.up, r.calls)
	}
	return fmt.Sprint(r.up)
}

// printTable writes the summary table and the machine line; transcoded
// selects the -opus table.
func printTable(w io.Writer, rs []stepResult, transcoded bool) {
	fmt.Fprintln(w)
	if transcoded {
		printTranscodedTable(w, rs)
	} else {
		fmt.Fprintf(w, "%7s  %7s  %13s  %12s  %8s  %8s  %13s  %13s  %13s  %9s\n",
			"calls", "gw_cpu%", "cpu%/100calls", "rss_KiB/call", "loss_b2p", "loss_p2b", "p50/p99_b2p", "p50/p99_p2b", "added_p99", "load_cpu%")
		for _, r := range rs {
			fmt.Fprintf(w, "%7s  %7.1f  %13.1f  %12.0f  %7.3f%%  %7.3f%%  %13s  %13s  %13s  %9.1f\n",
				callsCell(r), r.gwCPU, r.cpuPer100(), r.rssPerCall(), r.b2p.lossPct(), r.p2b.lossPct(),
				ms(r.b2p.p50)+"/"+ms(r.b2p.p99), ms(r.p2b.p50)+"/"+ms(r.p2b.p99),
				ms(r.b2p.p99-r.base.p99)+"/"+ms(r.p2b.p99-r.base.p99), r.loadCPU)
		}
		fmt.Fprintln(w, "calls = calls up (of asked); latencies in ms; added_p99 = p99 through callgate minus the loopback baseline's p99, b2p/p2b")
	}
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s %s/%s, load average %s (this program and callgate included)\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, loadAverage())
}

// keptUpLossPct is the loss beyond which a transcoded step's CPU figures
// are marked as not describing a working gateway.
const keptUpLossPct = 1.0

// keptUp reports whether a transcoded step delivered its media: loss
// within keptUpLossPct both ways and the tone check passed.
func keptUp(r stepResult) bool {
	return r.b2p.lossPct() <= keptUpLossPct && r.p2b.lossPct() <= keptUpLossPct && r.toneB2P.ok() && r.toneP2B.ok()
}

// printTranscodedTable is the -opus table: the same columns, latencies
// n/a, plus calls/core and the tone check.
func printTranscodedTable(w io.Writer, rs []stepResult) {
	fmt.Fprintln(w, "transcoding Opus⇄PCMU: browsers send Opus/48000/2 (PT 111), the phone PCMU (PT 0); callgate transcodes every packet both ways")
	fmt.Fprintf(w, "%7s  %7s  %13s  %10s  %12s  %8s  %8s  %13s  %13s  %13s  %9s  %5s\n",
		"calls", "gw_cpu%", "cpu%/100calls", "calls/core", "rss_KiB/call", "loss_b2p", "loss_p2b", "p50/p99_b2p", "p50/p99_p2b", "added_p99", "load_cpu%", "tone")
	for _, r := range rs {
		tone := "ok"
		if !r.toneB2P.ok() || !r.toneP2B.ok() {
			tone = "FAIL"
		}
		perCore := fmt.Sprintf("%.0f", r.callsPerCore())
		if !keptUp(r) {
			perCore += "!"
		}
		fmt.Fprintf(w, "%7s  %7.1f  %13.1f  %10s  %12.0f  %7.3f%%  %7.3f%%  %13s  %13s  %13s  %9.1f  %5s\n",
			callsCell(r), r.gwCPU, r.cpuPer100(), perCore, r.rssPerCall(), r.b2p.lossPct(), r.p2b.lossPct(),
			na, na, na, r.loadCPU, tone)
	}
	fmt.Fprintln(w, "calls = calls up (of asked); calls/core = 100 / (cpu%/100calls) × 100, the calls one core of callgate would carry at this CPU per call;")
	fmt.Fprintf(w, "  ! = loss over %.0f%% or a failed tone check: callgate or the machine did not keep up, its CPU per call is understated and calls/core overstated;\n", keptUpLossPct)
	fmt.Fprintln(w, "loss = 1 - received/expected per direction, packets of the expected payload type counted per call in the window, expected = the senders' 20 ms slots;")
	fmt.Fprintln(w, "latency n/a: payload markers do not survive transcoding; tone = the far end's tone dominates the decoded audio of the sampled calls, both directions")
}
