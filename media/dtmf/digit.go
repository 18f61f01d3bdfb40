package dtmf

import "time"

// Packet is one received RTP packet of the telephone-event payload type,
// reduced to what the Detector needs. RTP sequence numbers are not needed:
// the timestamp names the event and the growing duration orders its
// updates (RFC 4733 §2.5.1.2).
type Packet struct {
	// SSRC identifies the stream (RFC 3550 §5.1). A change flushes the
	// event in progress and starts a new timeline.
	SSRC uint32
	// Timestamp is the RTP timestamp: the start of the event or of its
	// current segment (RFC 4733 §2.3, §2.5.1.3).
	Timestamp uint32
	// Marker is the RTP marker bit, set on an event's first packet (RFC
	// 4733 §2.5.1.2). It is only counted (Stats.LostStarts): the first
	// packet may be lost, so events are keyed on the timestamp.
	Marker bool
	// Payload is the RTP payload: one or more 4-octet events (RFC 4733
	// §2.3, §2.5.1.5). It is not retained.
	Payload []byte
}

// Digit is one key press (or other event) reported by the Detector.
type Digit struct {
	// Code is the event; Code.Digit gives the key.
	Code Code
	// Duration is the whole length of the press, all segments included
	// (RFC 4733 §2.5.2.3), converted with the Detector's clock rate. For a
	// press whose end packets were lost it is the last duration received.
	Duration time.Duration
	// Volume is the last reported power level in -dBm0 (RFC 4733 §2.3.4).
	Volume uint8
	// SSRC and Timestamp identify the event: its stream and the RTP
	// timestamp of its first segment.
	SSRC      uint32
	Timestamp uint32
	// Ended is true when a packet with the E bit closed the event (RFC 4733
	// §2.3.2); false when a timeout, a following event or Flush did.
	Ended bool
}

// DetectorStats counts what a Detector has seen.
type DetectorStats struct {
	Packets    uint64 // well-formed packets fed
	Malformed  uint64 // packets rejected with an error
	Digits     uint64 // digits reported
	Ignored    uint64 // events ignored: duplicates, retransmitted ends, late and stale updates
	TimedOut   uint64 // digits closed by the timeout because their end was lost
	LostStarts uint64 // events first seen on a packet without the marker bit
}
