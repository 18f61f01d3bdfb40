package browserleg

import (
	"fmt"

	"github.com/pion/rtp"
)

// rocTrack follows the SRTP rollover counter of the stream the leg sends
// (RFC 3711 §3.3.1: it counts wraps of the 16-bit sequence number since
// the SSRC's first packet), so the fast path's context continues pion's
// exactly. The caller holds l.wmu.
type rocTrack struct {
	started bool
	ssrc    uint32
	last    uint16 // highest sequence number sent
	roc     uint32
}

// note accounts one packet sent on ssrc with sequence number seq.
func (r *rocTrack) note(ssrc uint32, seq uint16) {
	if !r.started || ssrc != r.ssrc {
		*r = rocTrack{started: true, ssrc: ssrc, last: seq}
		return
	}
	// A forward step of less than half the space (RFC 3711 §3.3.1); one
	// that crosses zero wrapped the counter.
	if d := seq - r.last; d != 0 && d < 0x8000 {
		if seq < r.last {
			r.roc++
		}
		r.last = seq
	}
}

// send encrypts the RTP packet made of h and payload and sends it to the
// browser, or queues it in q when q batches for this leg's socket. The
// caller holds l.wmu. It allocates nothing.
func (f *fastLeg) send(h *rtp.Header, payload []byte, q *sendBatch) error {
	n, err := h.MarshalTo(f.txBuf)
	if err != nil {
		return err
	}
	if n+len(payload)+srtpOverhead > len(f.txBuf) {
		return fmt.Errorf("%w: %d bytes", ErrBadRTP, n+len(payload))
	}
	n += copy(f.txBuf[n:], payload)
	batched := q != nil && q.conn == f.conn
	dst := f.txBuf[:0] // encrypted in place unless batched
	if batched {
		dst = q.slot()
	}
	out, err := f.tx.EncryptRTP(dst, f.txBuf[:n], &f.txHdr)
	if err != nil {
		return err
	}
	if batched {
		q.add(out, f.peer)
	} else if err := f.conn.send(out, f.peer); err != nil {
		return err
	}
	f.rtpOut.Add(1)
	return nil
}
