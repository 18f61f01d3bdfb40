package main

import (
	"sync/atomic"
	"time"
)

// flow collects the counters of one media direction over the window.
type flow struct {
	sent      atomic.Uint64 // packets sent inside the window
	skipped   atomic.Uint64 // window packets the late pacer did not send
	recv      atomic.Uint64 // window packets received (by their flag)
	sendErrs  atomic.Uint64 // writes that failed
	crosstalk atomic.Uint64 // packets carrying another call's index
	foreign   atomic.Uint64 // packets without our marker
	hist      histogram     // latency of window packets
	// byPT, when set, counts packets by payload type instead of markers
	// (-opus: transcoded media carries no markers).
	byPT *ptCount
}

// receiver is one stream's receiving end: it latches the call index of
// the first marked packet and accounts each packet to its flow. One
// goroutine feeds a receiver.
type receiver struct {
	flow    *flow
	latched bool
	call    uint32
	got     atomic.Uint64 // all marked (or counted) packets, warm-up included
	inWin   atomic.Uint64 // counted packets received in the window (-opus)
	sample  *toneSample   // payloads kept for the tone check, or nil
}

// onPacket handles one received RTP packet. RTCP is ignored: callgate
// sends a phone's RTCP to its RTP port + 1 (RFC 3550 §11), which may be
// another call's RTP socket; its packet types 200–204 are told apart
// from RTP payload types as RFC 5761 §4 does.
func (r *receiver) onPacket(pkt []byte) {
	if len(pkt) >= 2 && pkt[1] >= 200 && pkt[1] <= 204 {
		return
	}
	pl, ok := rtpPayload(pkt)
	if !ok {
		return
	}
	if c := r.flow.byPT; c != nil {
		r.onCounted(pkt[1]&0x7f, pl, c)
		return
	}
	r.onPayload(pl)
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
	skipped                                  uint64
	p50, p99, max                            time.Duration
	counted                                  bool // by payload type, without latency
}

// result reads the flow's counters.
func (f *flow) result() flowResult {
	return flowResult{
		sent: f.sent.Load(), recv: f.recv.Load(), sendErrs: f.sendErrs.Load(),
		crosstalk: f.crosstalk.Load(), foreign: f.foreign.Load(),
		skipped: f.skipped.Load(), counted: f.byPT != nil,
		p50: f.hist.quantile(0.50), p99: f.hist.quantile(0.99), max: f.hist.maximum(),
	}
}

// expected is how many window packets should have arrived: those sent
// or, for transcoded media, one per 20 ms slot of the senders, since the
// transcoder plays out a packet every 20 ms and conceals what the late
// pacer skipped.
func (r flowResult) expected() uint64 {
	if r.counted {
		return r.sent + r.skipped
	}
	return r.sent
}

// lossPct is the share of expected window packets that never arrived, in
// percent.
func (r flowResult) lossPct() float64 {
	e := r.expected()
	if e == 0 {
		return 0
	}
	return (float64(e) - float64(r.recv)) / float64(e) * 100
}
