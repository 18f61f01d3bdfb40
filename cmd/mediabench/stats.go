package main

import (
	"sync/atomic"
	"time"
)

// flow collects the counters of one media direction over the window.
type flow struct {
	sent      atomic.Uint64 // packets sent inside the window
	recv      atomic.Uint64 // window packets received (by their flag)
	sendErrs  atomic.Uint64 // writes that failed
	crosstalk atomic.Uint64 // packets carrying another call's index
	foreign   atomic.Uint64 // packets without our marker
	hist      histogram     // latency of window packets
}

// receiver is one stream's receiving end: it latches the call index of
// the first marked packet and accounts each packet to its flow. One
// goroutine feeds a receiver.
type receiver struct {
	flow    *flow
	latched bool
	call    uint32
	got     atomic.Uint64 // all marked packets, warm-up included
}

// onPayload handles one received RTP payload.
func (r *receiver) onPayload(p []byte) {
	call, sent, inWin, ok := readStamp(p)
	if !ok {
		r.flow.foreign.Add(1)
		return
	}
	lat := monoNow() - sent
	if !r.latched {
		r.latched, r.call = true, call
	} else if call != r.call {
		r.flow.crosstalk.Add(1)
	}
	r.got.Add(1)
	if inWin {
		r.flow.recv.Add(1)
		r.flow.hist.record(lat)
	}
}

// flowResult is a flow's figures after the window.
type flowResult struct {
	sent, recv, sendErrs, crosstalk, foreign uint64
	p50, p99, max                            time.Duration
}

// result reads the flow's counters.
func (f *flow) result() flowResult {
	return flowResult{
		sent: f.sent.Load(), recv: f.recv.Load(), sendErrs: f.sendErrs.Load(),
		crosstalk: f.crosstalk.Load(), foreign: f.foreign.Load(),
		p50: f.hist.quantile(0.50), p99: f.hist.quantile(0.99), max: f.hist.maximum(),
	}
}

// lossPct is the share of window packets that never arrived, in percent.
func (r flowResult) lossPct() float64 {
	if r.sent == 0 {
		return 0
	}
	return (float64(r.sent) - float64(r.recv)) / float64(r.sent) * 100
}
