package media

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInactivityTimeout is RelayConfig.InactivityTimeout's default.
const DefaultInactivityTimeout = 30 * time.Second

// RelayConfig configures a Relay. The zero value works.
type RelayConfig struct {
	// InactivityTimeout stops the relay with ErrInactive when no RTP or
	// RTCP packet was admitted from either leg for this long. The clock
	// starts once both legs have had SetRemote (so a call still ringing,
	// whose callee has not answered with SDP, is not cut). Zero means
	// 30 s; a negative value disables the check.
	InactivityTimeout time.Duration
	// Logger receives latching and shutdown events; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Relay anchors one media stream between two legs A and B. Each leg has a
// socket pair of ours facing that leg's peer: RTP arriving on A's RTP socket
// leaves through B's RTP socket towards B's peer and vice versa, and the
// same for RTCP. Payloads pass through untouched. A Relay is safe for
// concurrent use.
type Relay struct {
	ends    [2]*endpoint
	timeout time.Duration
	log     *slog.Logger

	// tapOn is set while a Tap is set (see SetTap); tapSet serialises
	// SetTap.
	tapOn  atomic.Bool
	tapSet sync.Mutex
	// quality is what the peers' RTCP reports say.
	quality quality
	// rtcpObs sees every admitted RTCP packet (SetRTCPObserver).
	rtcpObs atomic.Pointer[RTCPObserver]

	mu      sync.Mutex
	started bool
	stopped bool
	err     error

	quit chan struct{} // closed when stopping begins
	done chan struct{} // closed when every goroutine has returned
	wg   sync.WaitGroup
}

// NewRelay returns a relay between the peers of socket pairs a (leg A) and b
// (leg B), both non-nil. The relay owns the pairs from now on: Close closes them. Call
// SetRemote for each leg and Start.
func NewRelay(a, b *SocketPair, cfg RelayConfig) *Relay {
	timeout := cfg.InactivityTimeout
	if timeout == 0 {
		timeout = DefaultInactivityTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Relay{
		ends:    [2]*endpoint{newEndpoint(LegA, a), newEndpoint(LegB, b)},
		timeout: timeout,
		log:     log.With("a_port", a.Port, "b_port", b.Port),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// SetRemote sets where leg's media goes, from its SDP (signalled address,
// c= plus m= port, and the RTCP address; a zero rtcp means RTP port + 1,
// RFC 3550 §11). A zero or unspecified address (c=0.0.0.0 hold, RFC 3264
// §8.4) or port 0 (rejected stream, RFC 3264 §6) means "do not send to this
// leg". Each call starts a new signalling generation (a re-INVITE) and
// re-arms latching for that leg.
func (r *Relay) SetRemote(leg Leg, rtp, rtcp netip.AddrPort) {
	if e := r.end(leg); e != nil {
		e.setRemote(rtp, rtcp)
	}
}

// SetLatchMode sets how leg learns its peer's source (LatchSignalled by
// default) and re-arms latching for that leg. Call it before Start or along
// with SetRemote.
func (r *Relay) SetLatchMode(leg Leg, m LatchMode) {
	if e := r.end(leg); e != nil {
		e.setMode(m)
	}
}

// Start starts forwarding: one goroutine per socket and one supervisor.
// Calling Start again, or after Close, does nothing.
func (r *Relay) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.stopped {
		return
	}
	r.started = true
	for i := range r.ends {
		in, out := r.ends[i], r.ends[1-i]
		for comp := range in.conns {
			r.wg.Add(1)
			go r.forward(in, out, comp)
		}
	}
	go r.supervise()
}

// Done returns a channel closed when the relay has stopped (Close,
// inactivity, or a socket failure) and all its goroutines have returned.
func (r *Relay) Done() <-chan struct{} { return r.done }

// Err returns nil while the relay runs, then why it stopped: an error
// wrapping ErrInactive (naming how long each leg was silent) after the
// inactivity timeout, ErrClosed after Close or when a socket was closed
// from outside, or a read error if a socket kept failing.
func (r *Relay) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stats returns a snapshot of the relay's counters and of the quality the
// peers report.
func (r *Relay) Stats() RelayStats {
	a, b := r.ends[LegA], r.ends[LegB]
	return RelayStats{
		AtoB: a.flow(), BtoA: b.flow(), A: a.legStats(), B: b.legStats(),
		AQuality: r.quality.snapshot(LegA), BQuality: r.quality.snapshot(LegB),
	}
}

// Close stops the relay, closes both socket pairs (returning their ports to
// the pool) and waits for the relay's goroutines. It is idempotent; the
// first call returns any error from closing the sockets.
func (r *Relay) Close() error {
	err := r.stop(ErrClosed)
	<-r.done
	return err
}

// end returns the endpoint of leg, or nil for an unknown leg.
func (r *Relay) end(leg Leg) *endpoint {
	if leg != LegA && leg != LegB {
		return nil
	}
	return r.ends[leg]
}

// stop records cause (first caller wins) and closes the sockets, which
// unblocks the readers. It returns the socket close error to the first
// caller only.
func (r *Relay) stop(cause error) error {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return nil
	}
	r.stopped = true
	r.err = cause
	started := r.started
	close(r.quit)
	r.mu.Unlock()

	err := errors.Join(r.ends[LegA].pair.Close(), r.ends[LegB].pair.Close())
	if err != nil {
		err = fmt.Errorf("media: close relay sockets: %w", err)
	}
	if !started {
		close(r.done)
	}
	if cause == ErrClosed {
		r.log.Debug("media: relay closed")
	} else {
		r.log.Info("media: relay stopped", "cause", cause)
	}
	return err
}

// stopping reports whether stop has begun.
func (r *Relay) stopping() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}
