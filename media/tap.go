package media

import (
	"net/netip"
	"time"
)

// Tap receives a copy of the RTP a Relay passes, for example to record a
// call.
type Tap interface {
	// RTP is called with each RTP packet admitted from leg from's peer,
	// synchronously on that leg's reader, after the packet was sent on
	// (or dropped for lack of a destination). pkt is only valid during the
	// call: copy what must be kept. Calls for one leg come in arrival
	// order and never overlap; calls for the two legs may run
	// concurrently. RTP must return quickly, as the leg's media waits for
	// it, and must not call SetTap.
	RTP(from Leg, pkt []byte)
}

// SetTap starts passing RTP to t, replacing any previous tap; nil removes
// it. It is safe to call while the relay runs. When SetTap returns, the
// previous tap is not running and will not be called again. While no tap is
// set, forwarding pays only for one atomic load per packet.
func (r *Relay) SetTap(t Tap) {
	r.tapSet.Lock()
	defer r.tapSet.Unlock()
	if t == nil {
		r.tapOn.Store(false)
	}
	// Each reader calls its leg's tap under the leg's lock, so taking the
	// lock waits for a call in progress.
	for _, e := range r.ends {
		e.tapMu.Lock()
		e.tap = t
		e.tapMu.Unlock()
	}
	if t != nil {
		r.tapOn.Store(true)
	}
}

// tapRTP passes pkt, admitted from in's peer, to the tap if one is set.
// Readers call it only after seeing tapOn set.
func (in *endpoint) tapRTP(pkt []byte) {
	in.tapMu.Lock()
	defer in.tapMu.Unlock()
	if in.tap != nil {
		in.tap.RTP(in.leg, pkt)
	}
}

// RTCPObserver sees each RTCP packet admitted from leg from's peer on the
// RTCP port: its source, the relay socket it arrived on, and the packet
// (valid only during the call). It runs on the leg's RTCP reader, so it
// must return quickly.
type RTCPObserver func(from Leg, src, local netip.AddrPort, pkt []byte)

// SetRTCPObserver starts passing RTCP to fn (for example to a SIP capture
// collector); nil stops it. RTCP is rare (a few packets per call every
// 5 s), so the observer costs RTP nothing.
func (r *Relay) SetRTCPObserver(fn RTCPObserver) {
	if fn == nil {
		r.rtcpObs.Store(nil)
		return
	}
	r.rtcpObs.Store(&fn)
}

// Detach stops the relay without closing its sockets and hands both
// socket pairs (leg A's, leg B's) to the caller, who then owns them: for
// moving a call's media from the relay to another forwarder, such as a
// bridge to a browser, with the phones' ports unchanged. It returns nils
// when the relay had already stopped. Done is closed when it returns.
func (r *Relay) Detach() (a, b *SocketPair) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return nil, nil
	}
	r.stopped = true
	r.err = ErrDetached
	started := r.started
	close(r.quit)
	r.mu.Unlock()
	// A read deadline in the past wakes the readers, which see quit.
	past := time.Unix(1, 0)
	for _, e := range r.ends {
		_ = e.pair.RTP.SetReadDeadline(past)
		_ = e.pair.RTCP.SetReadDeadline(past)
	}
	if !started {
		close(r.done)
	}
	<-r.done
	for _, e := range r.ends {
		_ = e.pair.RTP.SetReadDeadline(time.Time{})
		_ = e.pair.RTCP.SetReadDeadline(time.Time{})
	}
	r.log.Debug("media: relay detached")
	return r.ends[LegA].pair, r.ends[LegB].pair
}
