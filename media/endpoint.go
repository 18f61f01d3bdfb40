package media

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// endpoint is one leg of a relay: our socket pair facing that leg's peer
// and what we know about the peer.
type endpoint struct {
	leg   Leg
	pair  *SocketPair
	conns [2]*net.UDPConn

	// mu serialises SetRemote/SetLatchMode; the packet path only loads
	// state.
	mu    sync.Mutex
	mode  LatchMode
	state atomic.Pointer[remoteState]
	// signalled is set by the first setRemote; the inactivity clock waits
	// for both legs.
	signalled atomic.Bool

	// stats per component, each written by that component's reader.
	stats [2]counters

	// tapMu is held by the RTP reader while it calls tap, and by SetTap
	// while it replaces tap.
	tapMu sync.Mutex
	tap   Tap

	// local are the sockets' own addresses, for RTCP observers.
	local [2]netip.AddrPort
}

func newEndpoint(leg Leg, pair *SocketPair) *endpoint {
	e := &endpoint{leg: leg, pair: pair, conns: [2]*net.UDPConn{pair.RTP, pair.RTCP}}
	for i, c := range e.conns {
		if ap, err := netip.ParseAddrPort(c.LocalAddr().String()); err == nil {
			e.local[i] = unmapAddrPort(ap)
		}
	}
	e.state.Store(newRemoteState(LatchSignalled, netip.AddrPort{}, netip.AddrPort{}, nil))
	return e
}

// setRemote starts a new signalling generation with the peer's addresses
// from SDP.
func (e *endpoint) setRemote(rtp, rtcp netip.AddrPort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state.Store(newRemoteState(e.mode, rtp, rtcp, e.state.Load()))
	e.signalled.Store(true)
}

// setMode changes the latch mode and re-arms latching, keeping the signalled
// addresses.
func (e *endpoint) setMode(m LatchMode) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mode = m
	old := e.state.Load()
	st := &remoteState{mode: m, send: old.send, dst: old.dst, accept: old.accept}
	e.state.Store(st)
}
