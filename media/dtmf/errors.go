package dtmf

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (test with errors.Is) and adds detail in its message.
var (
	// ErrShortPayload is returned for a telephone-event payload shorter than
	// the 4 octets of one event (RFC 4733 §2.3).
	ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 octets")

	// ErrPayloadLength is returned by the Detector for a payload that is not
	// a whole number of 4-octet events, or packs more than MaxPackedEvents
	// (RFC 4733 §2.5.1.5).
	ErrPayloadLength = errors.New("dtmf: telephone-event payload length")

	// ErrVolume is returned when encoding an Event whose volume does not fit
	// the 6-bit field (0-63, RFC 4733 §2.3.4).
	ErrVolume = errors.New("dtmf: volume out of range 0-63")

	// ErrBadRTP is returned by Detector.FeedRTP for bytes that are not an
	// RTP version 2 packet (RFC 3550 §5.1).
	ErrBadRTP = errors.New("dtmf: malformed RTP packet")

	// ErrInvalidConfig is returned by constructors given a configuration
	// that cannot work (a negative clock rate, an interval out of range, a
	// nil callback).
	ErrInvalidConfig = errors.New("dtmf: invalid configuration")

	// ErrInvalidDuration is returned by Generator.Start for a press that is
	// not longer than zero or longer than MaxDuration.
	ErrInvalidDuration = errors.New("dtmf: invalid press duration")

	// ErrBusy is returned by Generator.Start while the previous press still
	// has packets to send.
	ErrBusy = errors.New("dtmf: generator busy with a press")

	// ErrBadSignal is returned for a SIP INFO signal that is neither a DTMF
	// digit nor an event number 0-255.
	ErrBadSignal = errors.New("dtmf: bad signal")

	// ErrBadDuration is returned for an application/dtmf-relay Duration
	// that is not a whole number of milliseconds up to MaxDuration.
	ErrBadDuration = errors.New("dtmf: bad duration")

	// ErrBadBody is returned for a SIP INFO body whose structure is wrong:
	// too large, a line without "=", a repeated key, no Signal.
	ErrBadBody = errors.New("dtmf: bad INFO body")

	// ErrUnsupportedContentType is returned by ParseInfo for a Content-Type
	// other than application/dtmf-relay and application/dtmf.
	ErrUnsupportedContentType = errors.New("dtmf: unsupported content type")

	// ErrBadMode is returned by ParseMode for an unknown mode name.
	ErrBadMode = errors.New("dtmf: unknown DTMF mode")
)
