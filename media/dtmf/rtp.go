package dtmf

import (
	"encoding/binary"
	"fmt"
	"time"
)

// rtpHeaderSize is the fixed part of an RTP header (RFC 3550 §5.1).
const rtpHeaderSize = 12

// FeedRTP is Feed for a whole RTP packet as received (after SRTP
// decryption). The caller passes only packets of the leg's telephone-event
// payload type. Bytes that are not an RTP version 2 packet yield an error
// wrapping ErrBadRTP. It allocates nothing.
func (d *Detector) FeedRTP(now time.Time, pkt []byte) error {
	p, err := parseRTP(pkt)
	if err != nil {
		d.Tick(now)
		d.stats.Malformed++
		return err
	}
	return d.Feed(now, p)
}

// parseRTP reads the fields the Detector needs from an RTP packet (RFC
// 3550 §5.1), skipping CSRCs and a header extension (RFC 3550 §5.3.1) and
// removing padding.
func parseRTP(b []byte) (Packet, error) {
	if len(b) < rtpHeaderSize {
		return Packet{}, fmt.Errorf("%w: %d octets", ErrBadRTP, len(b))
	}
	if v := b[0] >> 6; v != 2 {
		return Packet{}, fmt.Errorf("%w: version %d", ErrBadRTP, v)
	}
	off := rtpHeaderSize + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		// RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words.
		if len(b) < off+4 {
			return Packet{}, fmt.Errorf("%w: truncated header extension", ErrBadRTP)
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	if len(b) < off {
		return Packet{}, fmt.Errorf("%w: header longer than packet", ErrBadRTP)
	}
	end := len(b)
	if b[0]&0x20 != 0 {
		// RFC 3550 §5.1: the last octet counts the padding, itself included.
		pad := int(b[end-1])
		if pad == 0 || pad > end-off {
			return Packet{}, fmt.Errorf("%w: bad padding", ErrBadRTP)
		}
		end -= pad
	}
	return Packet{
		SSRC:      binary.BigEndian.Uint32(b[8:]),
		Timestamp: binary.BigEndian.Uint32(b[4:]),
		Marker:    b[1]&0x80 != 0,
		Payload:   b[off:end],
	}, nil
}
