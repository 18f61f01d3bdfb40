package dtmf

import (
	"encoding/binary"
	"fmt"
)

// EventSize is the size in octets of one telephone event (RFC 4733 §2.3).
const EventSize = 4

// MaxVolume is the largest value of the 6-bit volume field (RFC 4733
// §2.3.4).
const MaxVolume = 63

// Event is one RFC 4733 §2.3 telephone event:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Event struct {
	// Code is the event (RFC 4733 §2.3.1).
	Code Code
	// End is the E bit: this packet reports the end of the event
	// (RFC 4733 §2.3.2).
	End bool
	// Reserved is the R bit. Senders must leave it false; receivers
	// ignore it (RFC 4733 §2.3.3).
	Reserved bool
	// Volume is the power level of the tone in -dBm0, 0-63 (RFC 4733
	// §2.3.4).
	Volume uint8
	// Duration is the time since the event (or its segment) began, in
	// units of the RTP clock (RFC 4733 §2.3.5).
	Duration uint16
}

// ParseEvent reads the event in the first 4 octets of a telephone-event
// payload (RFC 4733 §2.3). Further octets are left for the caller (packed
// events, RFC 4733 §2.5.1.5). A shorter payload yields an error wrapping
// ErrShortPayload.
func ParseEvent(b []byte) (Event, error) {
	if len(b) < EventSize {
		return Event{}, fmt.Errorf("%w: %d octets", ErrShortPayload, len(b))
	}
	return decodeEvent(b), nil
}

// decodeEvent reads an event from b, which holds at least 4 octets.
func decodeEvent(b []byte) Event {
	return Event{
		Code:     Code(b[0]),
		End:      b[1]&0x80 != 0,
		Reserved: b[1]&0x40 != 0,
		Volume:   b[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}
}

// AppendBinary appends the 4-octet wire form of e to b (RFC 4733 §2.3). A
// volume above MaxVolume yields an error wrapping ErrVolume and b
// unchanged. It allocates only when b lacks capacity.
func (e Event) AppendBinary(b []byte) ([]byte, error) {
	if e.Volume > MaxVolume {
		return b, fmt.Errorf("%w: %d", ErrVolume, e.Volume)
	}
	var w [EventSize]byte
	e.put(&w)
	return append(b, w[:]...), nil
}

// MarshalBinary returns the 4-octet wire form of e (RFC 4733 §2.3).
func (e Event) MarshalBinary() ([]byte, error) {
	return e.AppendBinary(make([]byte, 0, EventSize))
}

// put writes e into w; the volume is masked to 6 bits.
func (e Event) put(w *[EventSize]byte) {
	w[0] = byte(e.Code)
	w[1] = e.Volume & 0x3f
	if e.End {
		w[1] |= 0x80
	}
	if e.Reserved {
		w[1] |= 0x40
	}
	binary.BigEndian.PutUint16(w[2:], e.Duration)
}
