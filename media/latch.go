package media

import (
	"net/netip"
	"sync/atomic"
)

// Leg names one side of a Relay.
type Leg int

// The two legs of a Relay.
const (
	LegA Leg = iota
	LegB
)

// String returns "A" or "B".
func (l Leg) String() string {
	switch l {
	case LegA:
		return "A"
	case LegB:
		return "B"
	}
	return "?"
}

// LatchMode selects which packet sources a leg learns its peer from.
type LatchMode int32

const (
	// LatchSignalled (the default) accepts packets only from the IP
	// address signalled in SDP, from any port; the first accepted source
	// becomes the destination (symmetric RTP, RFC 4961), which copes with
	// port-rewriting NATs.
	LatchSignalled LatchMode = iota
	// LatchAny accepts the first packet from any address and then locks
	// onto its source, for phones behind NATs that rewrite the address
	// too. Opt-in: until the peer's first packet arrives, anyone who
	// guesses the port can take the stream.
	LatchAny
)

// String returns the mode's name.
func (m LatchMode) String() string {
	switch m {
	case LatchSignalled:
		return "signalled"
	case LatchAny:
		return "any"
	}
	return "unknown"
}

// Components of a stream: index into per-component arrays.
const (
	compRTP  = 0
	compRTCP = 1
)

func compName(comp int) string {
	if comp == compRTCP {
		return "rtcp"
	}
	return "rtp"
}

// remoteState is what one leg knows about its peer for one signalling
// generation (one SetRemote or SetLatchMode call). It is replaced as a whole,
// which re-arms latching; within a generation only the latch pointers change,
// each written once by the goroutine reading that component's socket.
type remoteState struct {
	mode LatchMode
	// send is false while the leg must receive nothing: on hold with an
	// unspecified address, stream rejected, or nothing signalled yet.
	send bool
	// signalled destinations from SDP.
	dst [2]netip.AddrPort
	// accept is the source IP allowed to latch in LatchSignalled mode
	// (invalid: none).
	accept [2]netip.Addr
	// latched is the peer's source learned from its first accepted
	// packet; never changed again in this generation (CVE-2025-53399: a
	// stream must not be re-latched by whoever sends next).
	latched [2]atomic.Pointer[netip.AddrPort]
	// strangerLogged limits logging of dropped strangers to one line per
	// generation.
	strangerLogged atomic.Bool
}

// admit reports whether a packet from src on component comp belongs to this
// leg's peer, latching src if nothing is latched yet. latchedNow is true when
// this packet set the latch.
func (st *remoteState) admit(comp int, src netip.AddrPort) (ok, latchedNow bool) {
	if p := st.latched[comp].Load(); p != nil {
		return *p == src, false
	}
	switch st.mode {
	case LatchAny:
		// RTCP follows the IP that RTP latched to, if any, so a stranger
		// cannot take the control stream of a latched call.
		if comp == compRTCP {
			if p := st.latched[compRTP].Load(); p != nil && p.Addr() != src.Addr() {
				return false, false
			}
		}
	default:
		if !st.accept[comp].IsValid() || st.accept[comp] != src.Addr() {
			return false, false
		}
	}
	v := src
	if !st.latched[comp].CompareAndSwap(nil, &v) {
		// Only the component's reader latches, so this is unreachable in
		// practice; honour whichever value won.
		return *st.latched[comp].Load() == src, false
	}
	return true, true
}

// dest returns where packets for component comp of this leg go: the latched
// source if any (symmetric RTP, RFC 4961), else the signalled address.
func (st *remoteState) dest(comp int) (netip.AddrPort, bool) {
	if !st.send {
		return netip.AddrPort{}, false
	}
	if p := st.latched[comp].Load(); p != nil {
		return *p, true
	}
	d := st.dst[comp]
	return d, d.IsValid()
}

// latchedAddr returns the latched source of comp, or the zero AddrPort.
func (st *remoteState) latchedAddr(comp int) netip.AddrPort {
	if p := st.latched[comp].Load(); p != nil {
		return *p
	}
	return netip.AddrPort{}
}

// usable reports whether ap is a real unicast destination.
func usable(ap netip.AddrPort) bool {
	return ap.IsValid() && ap.Port() != 0 && !ap.Addr().IsUnspecified()
}

// newRemoteState builds the state for a new signalling generation. prev
// (may be nil) provides the source IPs to keep checking while the leg is on
// hold with an unspecified address.
func newRemoteState(mode LatchMode, rtp, rtcp netip.AddrPort, prev *remoteState) *remoteState {
	st := &remoteState{mode: mode}
	rtp = netip.AddrPortFrom(rtp.Addr().Unmap(), rtp.Port())
	rtcp = netip.AddrPortFrom(rtcp.Addr().Unmap(), rtcp.Port())
	if usable(rtp) {
		st.send = true
		st.dst[compRTP] = rtp
		if !usable(rtcp) && rtp.Port() < 65535 {
			// RFC 3550 §11: RTCP on the next higher port.
			rtcp = netip.AddrPortFrom(rtp.Addr(), rtp.Port()+1)
		}
		if usable(rtcp) {
			st.dst[compRTCP] = rtcp
		}
		st.accept[compRTP] = rtp.Addr()
		st.accept[compRTCP] = rtp.Addr()
		if usable(rtcp) {
			st.accept[compRTCP] = rtcp.Addr()
		}
		return st
	}
	// RFC 3264 §8.4 (and RFC 2543 c=0.0.0.0): nothing is sent to a held
	// leg. A phone may still send (music on hold), so keep accepting the
	// addresses it was known by.
	if prev != nil {
		st.accept = prev.accept
	}
	return st
}
