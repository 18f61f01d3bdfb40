package media

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// maxPacket is the largest datagram relayed. RTP over UDP stays below the
// path MTU; a datagram that fills the whole buffer may have been truncated
// and is dropped.
const maxPacket = 4096

// packetBufs recycles the forwarders' read buffers. A call's relay reads
// four sockets; allocating (and zeroing) a fresh buffer for each made a
// short call cost 16 KiB of garbage before any media flowed.
var packetBufs = sync.Pool{New: func() any { return new([maxPacket]byte) }}

// maxReadErrors is how many consecutive read errors (other than a closed
// socket) a reader tolerates before it stops the relay instead of spinning.
const maxReadErrors = 64

// validRTP applies the cheap checks of RFC 3550 §A.1: version 2 and at least
// the 12-byte fixed header.
func validRTP(b []byte) bool {
	return len(b) >= 12 && b[0]>>6 == 2
}

// validRTCP applies the cheap checks of RFC 3550 §A.2: version 2, at least a
// header plus SSRC (8 bytes), and a packet type in the RTCP range 192..223
// (RFC 5761 §4).
func validRTCP(b []byte) bool {
	return len(b) >= 8 && b[0]>>6 == 2 && b[1] >= 192 && b[1] <= 223
}

// forward reads component comp of in's socket pair and sends what in's peer
// sent out of out's socket of the same component. It returns when the
// socket is closed. Nothing on this path allocates once a stream is latched.
// RTCP reports are read on the way (see quality); RTP goes to the tap, if
// one is set, after it was sent on.
func (r *Relay) forward(in, out *endpoint, comp int) {
	defer r.wg.Done()
	conn, outConn := in.conns[comp], out.conns[comp]
	c := &in.stats[comp]
	valid := validRTP
	if comp == compRTCP {
		valid = validRTCP
	}
	bp := packetBufs.Get().(*[maxPacket]byte)
	defer packetBufs.Put(bp)
	buf := bp[:]
	errRun := 0
	for {
		n, src, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if r.stopping() {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				r.stop(fmt.Errorf("%w: leg %s %s socket closed outside the relay", ErrClosed, in.leg, compName(comp)))
				return
			}
			c.readErr.Add(1)
			if errRun++; errRun >= maxReadErrors {
				r.stop(fmt.Errorf("media: relay leg %s %s read: %w", in.leg, compName(comp), err))
				return
			}
			continue
		}
		errRun = 0
		pkt := buf[:n]
		if n == len(buf) || !valid(pkt) {
			c.malformed.Add(1)
			continue
		}
		src = unmapAddrPort(src)
		st := in.state.Load()
		ok, latchedNow := st.admit(comp, src)
		if !ok {
			c.stranger.Add(1)
			if st.strangerLogged.CompareAndSwap(false, true) {
				r.log.Warn("media: dropping packets from unexpected source",
					"leg", in.leg.String(), "component", compName(comp), "source", src.String(), "mode", st.mode.String())
			}
			continue
		}
		if latchedNow {
			r.log.Debug("media: latched peer", "leg", in.leg.String(), "component", compName(comp), "source", src.String())
		}
		c.received.Add(1)
		if comp == compRTCP {
			// RFC 3550 §6.4: read the reception reports on the way
			// through, timed on arrival.
			r.quality.observe(in.leg, pkt, time.Now())
			if obs := r.rtcpObs.Load(); obs != nil {
				(*obs)(in.leg, src, in.local[comp], pkt)
			}
		}
		sendOn(out, outConn, comp, pkt, c)
		if comp == compRTP && r.tapOn.Load() {
			in.tapRTP(pkt)
		}
	}
}

// sendOn sends pkt, admitted on component comp, to out's peer through
// outConn and counts the outcome in c.
func sendOn(out *endpoint, outConn *net.UDPConn, comp int, pkt []byte, c *counters) {
	dst, ok := out.state.Load().dest(comp)
	if !ok {
		c.noDest.Add(1)
		return
	}
	if _, err := outConn.WriteToUDPAddrPort(pkt, dst); err != nil {
		c.writeErr.Add(1)
		return
	}
	c.forwarded.Add(1)
	c.bytes.Add(uint64(len(pkt)))
}
