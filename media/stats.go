package media

import (
	"net/netip"
	"sync/atomic"
)

// counters are the packet counts of one socket's reader. Each reader owns
// its counters (single writer), padded so two readers never share a cache
// line.
type counters struct {
	received  atomic.Uint64 // packets admitted from the leg's peer
	forwarded atomic.Uint64 // packets sent on to the other leg
	bytes     atomic.Uint64 // bytes sent on to the other leg
	stranger  atomic.Uint64 // dropped: source is not the leg's peer
	malformed atomic.Uint64 // dropped: not RTP/RTCP version 2, too short or too long
	noDest    atomic.Uint64 // dropped: the other leg has no destination (hold, not signalled)
	writeErr  atomic.Uint64 // dropped: sending to the other leg failed
	readErr   atomic.Uint64 // socket read errors
	_         [64]byte
}

// FlowStats counts what was forwarded in one direction.
type FlowStats struct {
	RTPPackets, RTPBytes   uint64
	RTCPPackets, RTCPBytes uint64
}

// LegStats counts what arrived from one leg's side and what was dropped.
type LegStats struct {
	// Received counts RTP and RTCP packets admitted from the leg's peer.
	Received uint64
	// DroppedStranger counts packets from a source other than the
	// leg's peer (wrong IP before latching, any other source after).
	DroppedStranger uint64
	// DroppedMalformed counts packets that are not RTP/RTCP version 2 or
	// have an impossible length.
	DroppedMalformed uint64
	// DroppedNoDestination counts admitted packets not forwarded because
	// the other leg had no destination (on hold, rejected, not signalled).
	DroppedNoDestination uint64
	// WriteErrors counts packets whose forwarding failed in the kernel.
	WriteErrors uint64
	// ReadErrors counts socket read errors.
	ReadErrors uint64
	// LatchedRTP and LatchedRTCP are the peer sources learned in the
	// current signalling generation (zero until latched).
	LatchedRTP, LatchedRTCP netip.AddrPort
}

// RelayStats is a snapshot of a Relay's counters.
type RelayStats struct {
	// AtoB counts packets received from leg A's peer and sent to leg B's.
	AtoB FlowStats
	// BtoA counts packets received from leg B's peer and sent to leg A's.
	BtoA FlowStats
	// A and B count what arrived from each leg's side.
	A, B LegStats
	// AQuality and BQuality are the reception quality each leg's peer
	// reports in its RTCP about the media it receives from us.
	AQuality, BQuality LegQuality
}

// flow returns the forwarding counts of packets that arrived on e.
func (e *endpoint) flow() FlowStats {
	return FlowStats{
		RTPPackets:  e.stats[compRTP].forwarded.Load(),
		RTPBytes:    e.stats[compRTP].bytes.Load(),
		RTCPPackets: e.stats[compRTCP].forwarded.Load(),
		RTCPBytes:   e.stats[compRTCP].bytes.Load(),
	}
}

// legStats returns the arrival and drop counts of e.
func (e *endpoint) legStats() LegStats {
	var s LegStats
	for i := range e.stats {
		c := &e.stats[i]
		s.Received += c.received.Load()
		s.DroppedStranger += c.stranger.Load()
		s.DroppedMalformed += c.malformed.Load()
		s.DroppedNoDestination += c.noDest.Load()
		s.WriteErrors += c.writeErr.Load()
		s.ReadErrors += c.readErr.Load()
	}
	st := e.state.Load()
	s.LatchedRTP = st.latchedAddr(compRTP)
	s.LatchedRTCP = st.latchedAddr(compRTCP)
	return s
}

// activity returns the number of packets admitted from e's peer, RTP and
// RTCP together.
func (e *endpoint) activity() uint64 {
	return e.stats[compRTP].received.Load() + e.stats[compRTCP].received.Load()
}
