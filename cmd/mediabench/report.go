package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// ms formats a latency in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// printStep writes one count's result line and its detail lines.
func printStep(w io.Writer, r stepResult) {
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
	for _, e := range r.firstErrs {
		fmt.Fprintf(w, "  setup error: %s\n", e)
	}
}

// printTable writes the summary table and the machine line.
func printTable(w io.Writer, rs []stepResult) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%7s  %7s  %13s  %12s  %8s  %8s  %13s  %13s  %13s  %9s\n",
		"calls", "gw_cpu%", "cpu%/100calls", "rss_KiB/call", "loss_b2p", "loss_p2b", "p50/p99_b2p", "p50/p99_p2b", "added_p99", "load_cpu%")
	for _, r := range rs {
		calls := fmt.Sprint(r.up)
		if r.up != r.calls {
			calls = fmt.Sprintf("%d/%d", r.up, r.calls) // calls up / asked for
		}
		fmt.Fprintf(w, "%7s  %7.1f  %13.1f  %12.0f  %7.3f%%  %7.3f%%  %13s  %13s  %13s  %9.1f\n",
			calls, r.gwCPU, r.cpuPer100(), r.rssPerCall(), r.b2p.lossPct(), r.p2b.lossPct(),
			ms(r.b2p.p50)+"/"+ms(r.b2p.p99), ms(r.p2b.p50)+"/"+ms(r.p2b.p99),
			ms(r.b2p.p99-r.base.p99)+"/"+ms(r.p2b.p99-r.base.p99), r.loadCPU)
	}
	fmt.Fprintln(w, "calls = calls up (of asked); latencies in ms; added_p99 = p99 through callgate minus the loopback baseline's p99, b2p/p2b")
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s %s/%s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
