package codec

import (
	"encoding/binary"
	"fmt"
)

// RTPHeaderSize is the length of the fixed RTP header that the Transcoder
// writes: no CSRC list, no extension (RFC 3550 §5.1).
const RTPHeaderSize = 12

// RTPHeader holds the RTP header fields the transcoding path reads and
// writes (RFC 3550 §5.1).
type RTPHeader struct {
	Marker      bool   // M bit: first packet of a talkspurt (RFC 3551 §4.1)
	PayloadType uint8  // PT, 0–127
	Seq         uint16 // sequence number
	Timestamp   uint32 // sampling instant at the payload format's clock
	SSRC        uint32 // synchronization source
}

// ParseRTP reads an RTP packet and returns its header fields and payload.
// The payload aliases pkt. It skips the CSRC list and a header extension
// and removes padding.
func ParseRTP(pkt []byte) (RTPHeader, []byte, error) {
	var h RTPHeader
	if len(pkt) < RTPHeaderSize {
		return h, nil, fmt.Errorf("%w: %d bytes", ErrBadRTP, len(pkt))
	}
	// RFC 3550 §5.1: V is 2.
	if pkt[0]>>6 != 2 {
		return h, nil, fmt.Errorf("%w: version %d", ErrBadRTP, pkt[0]>>6)
	}
	h.Marker = pkt[1]&0x80 != 0
	h.PayloadType = pkt[1] & 0x7F
	h.Seq = binary.BigEndian.Uint16(pkt[2:])
	h.Timestamp = binary.BigEndian.Uint32(pkt[4:])
	h.SSRC = binary.BigEndian.Uint32(pkt[8:])
	// RFC 3550 §5.1: CC counts the 32-bit CSRC identifiers after the
	// fixed header.
	off := RTPHeaderSize + 4*int(pkt[0]&0x0F)
	// RFC 3550 §5.3.1: with X set, an extension follows: 16 bits
	// profile-defined, 16 bits length in 32-bit words, then the words.
	if pkt[0]&0x10 != 0 {
		if len(pkt) < off+4 {
			return h, nil, fmt.Errorf("%w: truncated header extension", ErrBadRTP)
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
	}
	if len(pkt) < off {
		return h, nil, fmt.Errorf("%w: header longer than packet", ErrBadRTP)
	}
	end := len(pkt)
	// RFC 3550 §5.1: with P set, the last octet counts the padding
	// octets, itself included.
	if pkt[0]&0x20 != 0 {
		pad := int(pkt[end-1])
		if pad == 0 || end-pad < off {
			return h, nil, fmt.Errorf("%w: bad padding", ErrBadRTP)
		}
		end -= pad
	}
	return h, pkt[off:end], nil
}

// MarshalTo writes the fixed 12-byte header (version 2, no padding,
// extension or CSRC) to b and returns RTPHeaderSize.
func (h RTPHeader) MarshalTo(b []byte) (int, error) {
	if len(b) < RTPHeaderSize {
		return 0, fmt.Errorf("%w: RTP header needs %d bytes", ErrBufferTooSmall, RTPHeaderSize)
	}
	b[0] = 2 << 6
	b[1] = h.PayloadType & 0x7F
	if h.Marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], h.Seq)
	binary.BigEndian.PutUint32(b[4:], h.Timestamp)
	binary.BigEndian.PutUint32(b[8:], h.SSRC)
	return RTPHeaderSize, nil
}
