package media

import (
	"sync"
	"time"
)

// DefaultClockRate is the RTP clock rate, in Hz, used to convert a leg's
// reported jitter until SetClockRate says otherwise: the 8000 Hz of G.711
// and the other narrowband audio formats (RFC 3551 §4.5).
const DefaultClockRate = 8000

// srHistory is how many sender reports per leg are remembered for matching
// the LSR of later reports (RFC 3550 §6.4.1). Reports come about every 5 s,
// so this covers the last half minute or so.
const srHistory = 8

// dlsrUnit is the unit of DLSR: 1/65536 s (RFC 3550 §6.4.1).
const dlsrUnit = time.Second / 65536

// LegQuality is the reception quality one leg's peer reports in its RTCP
// (RFC 3550 §6.4), about the media it receives from us: the other leg's
// stream as relayed. Encrypted SRTCP (RFC 3711) cannot be read, so calls
// with SDES-SRTP keep it zero.
type LegQuality struct {
	// ReportsReceived counts the RTCP sender and receiver reports (SR and
	// RR packets) received from this leg's peer.
	ReportsReceived uint64
	// FractionLost is the fraction of packets lost between the peer's
	// last two reports, 0 to 1 (RFC 3550 §6.4.1, fraction lost / 256),
	// from the latest report block about the stream the peer receives.
	FractionLost float64
	// CumulativeLost is the number of packets the peer lost since the
	// start of the stream (negative when it received duplicates).
	CumulativeLost int64
	// Jitter is the peer's interarrival jitter estimate (RFC 3550
	// §6.4.1, §A.8), converted from timestamp units with the clock rate
	// given by SetClockRate for this leg.
	Jitter time.Duration
	// RTT is the round-trip time between the relay and this leg's peer:
	// from the arrival at the relay of a sender report from the other
	// leg's peer (sent on at once) to the arrival of this peer's report
	// that echoes it, minus the time the peer says it held it (RFC 3550
	// §6.4.1: A - LSR - DLSR, on our clock). Zero until the peer has
	// echoed a sender report; a report whose DLSR exceeds the time
	// elapsed is ignored for RTT.
	RTT time.Duration
}

// SetClockRate sets the RTP clock rate, in Hz, of the payload format
// negotiated on leg, which converts the jitter that leg's peer reports.
// A value of zero or less restores DefaultClockRate. It is safe to call at
// any time, for example after a re-INVITE changed the codec.
func (r *Relay) SetClockRate(leg Leg, hz int) {
	if r.end(leg) == nil {
		return
	}
	if hz <= 0 {
		hz = DefaultClockRate
	}
	r.quality.mu.Lock()
	r.quality.legs[leg].clockRate = hz
	r.quality.mu.Unlock()
}

// sentSR is a sender report seen coming from a leg's peer.
type sentSR struct {
	ssrc   uint32
	ntpMid uint32    // middle 32 bits of its NTP timestamp
	at     time.Time // when it arrived at the relay, to be sent on
	valid  bool
}

// legQuality is the RTCP-derived state of one leg.
type legQuality struct {
	clockRate int // zero means DefaultClockRate
	reports   uint64
	// peerSSRC is the SSRC the leg's peer reports under, which is the
	// SSRC of the stream it sends.
	peerSSRC  uint32
	peerKnown bool
	// block is the latest report block from the peer about the stream
	// it receives.
	block     reportBlock
	haveBlock bool
	rtt       time.Duration
	// srs are the latest sender reports from the peer, which the other
	// leg's peer will echo.
	srs    [srHistory]sentSR
	srNext int
}

// quality watches the RTCP of both legs. Only the RTCP readers, Stats and
// SetClockRate take its lock; the RTP path never does.
type quality struct {
	mu   sync.Mutex
	legs [2]legQuality
}

// observe takes in the compound RTCP packet pkt admitted from leg's peer at
// time now. Malformed packets are ignored here (they are still forwarded).
// It allocates nothing.
func (q *quality) observe(leg Leg, pkt []byte, now time.Time) {
	var info rtcpInfo
	if !parseRTCP(pkt, &info) || info.reports == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	me, other := &q.legs[leg], &q.legs[1-leg]
	me.reports += uint64(info.reports)
	if info.hasSender {
		me.peerSSRC, me.peerKnown = info.sender, true
	}
	if info.hasSR {
		me.srs[me.srNext] = sentSR{ssrc: info.srSSRC, ntpMid: info.srNTPMid, at: now, valid: true}
		me.srNext = (me.srNext + 1) % srHistory
	}
	blocks := info.blocks[:info.nblocks]
	if len(blocks) == 0 {
		return
	}
	// The block about the stream this peer receives is the one about the
	// other peer's SSRC; without a match (the other peer has not sent
	// RTCP yet) take the first.
	chosen := 0
	if other.peerKnown {
		for i := range blocks {
			if blocks[i].ssrc == other.peerSSRC {
				chosen = i
				break
			}
		}
	}
	me.block, me.haveBlock = blocks[chosen], true
	for i := range blocks {
		if rtt, ok := other.roundTrip(&blocks[i], now); ok {
			me.rtt = rtt
		}
	}
}

// roundTrip computes the round-trip time to the peer that sent block at
// time arrived, if block echoes one of the sender reports recorded in l
// (which came from the other peer and were sent on to the block's sender).
//
// RFC 3550 §6.4.1: RTT = A - LSR - DLSR. The relay sits between the two
// peers, so it measures its own segment: A is the report's arrival and LSR
// is replaced by the arrival, on the same clock, of the sender report whose
// NTP middle 32 bits and SSRC the block echoes.
func (l *legQuality) roundTrip(block *reportBlock, arrived time.Time) (time.Duration, bool) {
	// RFC 3550 §6.4.1: LSR is zero when no SR has been received yet.
	if block.lsr == 0 {
		return 0, false
	}
	// Newest first: srNext is the slot after the latest.
	for k := 1; k <= srHistory; k++ {
		sr := &l.srs[(l.srNext-k+srHistory)%srHistory]
		if !sr.valid || sr.ssrc != block.ssrc || sr.ntpMid != block.lsr {
			continue
		}
		rtt := arrived.Sub(sr.at) - time.Duration(block.dlsr)*dlsrUnit
		// A peer rounding DLSR up may overshoot by one unit; a larger
		// negative value means a DLSR that cannot be true, so the sample
		// is discarded.
		if rtt < -dlsrUnit {
			return 0, false
		}
		return max(rtt, 0), true
	}
	return 0, false
}

// snapshot returns leg's quality as exported in RelayStats.
func (q *quality) snapshot(leg Leg) LegQuality {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := &q.legs[leg]
	s := LegQuality{ReportsReceived: l.reports, RTT: l.rtt}
	if l.haveBlock {
		hz := l.clockRate
		if hz <= 0 {
			hz = DefaultClockRate
		}
		s.FractionLost = float64(l.block.fractionLost) / 256
		s.CumulativeLost = int64(l.block.cumulativeLost)
		s.Jitter = time.Duration(uint64(l.block.jitter) * uint64(time.Second) / uint64(hz))
	}
	return s
}
