package codec

import "errors"

// Sentinel errors. Errors returned by this package wrap exactly one of them
// (test with errors.Is) and add detail in the message.
var (
	// ErrUnknownCodec is returned for a codec this package cannot handle.
	ErrUnknownCodec = errors.New("codec: unknown codec")

	// ErrInvalidConfig is returned by constructors given a configuration
	// that cannot work.
	ErrInvalidConfig = errors.New("codec: invalid configuration")

	// ErrFrameSize is returned by an encoder given a PCM frame whose length
	// the codec cannot encode.
	ErrFrameSize = errors.New("codec: unsupported frame size")

	// ErrBufferTooSmall is returned when the caller's output buffer cannot
	// hold the result.
	ErrBufferTooSmall = errors.New("codec: buffer too small")

	// ErrEmptyPayload is returned by a decoder given a payload of zero
	// bytes: no codec handled here has a valid empty frame.
	ErrEmptyPayload = errors.New("codec: empty payload")

	// ErrCorrupt is returned by a decoder for a payload it cannot decode.
	ErrCorrupt = errors.New("codec: corrupt payload")

	// ErrOpus is returned for a failure reported by libopus; the message
	// carries libopus's own explanation.
	ErrOpus = errors.New("codec: libopus error")

	// ErrOpusUnavailable is returned when the binary was built without cgo
	// and therefore without libopus.
	ErrOpusUnavailable = errors.New("codec: Opus support not built in (needs cgo and libopus)")

	// ErrClosed is returned by an encoder, decoder or Transcoder used after
	// Close.
	ErrClosed = errors.New("codec: closed")

	// ErrBadRTP is returned for bytes that are not an RTP version 2 packet
	// (RFC 3550 §5.1).
	ErrBadRTP = errors.New("codec: not an RTP packet")
)
