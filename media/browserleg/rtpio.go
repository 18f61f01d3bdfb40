package browserleg

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// rtpMTU bounds one received packet; pion's receive MTU is 1460.
const rtpMTU = 1500

// epoch anchors the monotonic clock used for timestamp continuity.
var epoch = time.Now()

// monoNow returns monotonic nanoseconds since epoch.
func monoNow() int64 { return int64(time.Since(epoch)) }

// WriteRTP sends one RTP packet (RFC 3550 §5.1 header, then payload) to
// the browser. The payload type must already be the browser's (Codec,
// DTMF). The SSRC becomes the one signalled for the leg; sequence numbers
// and timestamps pass unchanged until the source's SSRC changes or sending
// was suspended, then they are offset so the browser sees one continuous
// stream. Header extensions are dropped (their ids were never negotiated
// with the browser, RFC 8285 §6) and padding is removed. Packets are
// dropped silently (nil error) until DTLS is up and while the negotiated
// direction does not let us send (RFC 3264 §5.1). Once the SRTP fast path
// owns the leg, the packet is encrypted and sent here, without pion. It
// allocates nothing.
func (l *Leg) WriteRTP(pkt []byte) error { return l.writeRTP(pkt, nil) }

// writeRTP is WriteRTP; on the fast path the encrypted packet joins q
// (nil: sent at once) when q sends on the leg's socket.
func (l *Leg) writeRTP(pkt []byte, q *sendBatch) error {
	if l.isDone() {
		return ErrClosed
	}
	b := l.track.bound.Load()
	if b == nil {
		return nil
	}
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return fmt.Errorf("%w: %d bytes", ErrBadRTP, len(pkt))
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if !l.sendOK.Load() {
		l.cont.suspend()
		return nil
	}
	h := &l.hdr
	n, err := h.Unmarshal(pkt)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRTP, err)
	}
	payload := pkt[n:]
	if h.Padding {
		// RFC 3550 §5.1: the last octet counts the padding octets.
		if len(payload) == 0 || int(payload[len(payload)-1]) > len(payload) {
			return fmt.Errorf("%w: bad padding", ErrBadRTP)
		}
		payload = payload[:len(payload)-int(payload[len(payload)-1])]
		h.Padding, h.PaddingSize = false, 0
	}
	now := monoNow()
	seq, ts, marker := l.cont.next(h.SSRC, h.SequenceNumber, h.Timestamp, now)
	h.SequenceNumber, h.Timestamp = seq, ts
	h.Marker = h.Marker || marker
	h.SSRC = b.ssrc
	h.Extension = false
	if f := l.fast; f != nil {
		// The fast path's own SRTP context carries the rollover counter
		// on from here.
		err = f.send(h, payload, q)
	} else {
		// Followed while pion sends, for the fast path to take over
		// with pion's rollover counter.
		l.roc.note(b.ssrc, seq)
		_, err = b.w.WriteRTP(h, payload)
	}
	if err != nil {
		return fmt.Errorf("browserleg: write RTP: %w", err)
	}
	l.sent.add(len(payload), ts, l.cont.clock, now)
	return nil
}

// readRTP delivers the browser's packets on one remote track to the sink
// until the track ends (renegotiation replaces the receiver, or Close).
func (l *Leg) readRTP(t *webrtc.TrackRemote) {
	l.log.Debug("browserleg: receiving", "ssrc", uint32(t.SSRC()), "codec", t.Codec().MimeType)
	buf := make([]byte, rtpMTU)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if n < 12 {
			continue
		}
		if f := l.sink.Load(); f != nil {
			(*f)(buf[:n])
		}
	}
}

// drainRTCP reads the RTCP addressed to our stream so pion's interceptors
// see the browser's receiver reports (RFC 3550 §6.4.2); the packets are
// then dropped.
func (l *Leg) drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, rtpMTU)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// drainReceiverRTCP reads the browser's sender reports so our receiver
// reports carry LSR/DLSR (RFC 3550 §6.4.1).
func (l *Leg) drainReceiverRTCP(r *webrtc.RTPReceiver) {
	buf := make([]byte, rtpMTU)
	for {
		if _, _, err := r.Read(buf); err != nil {
			return
		}
	}
}
