package recording

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is), ErrUnknownFormat together with ErrInvalidConfig, and
// add detail in the message.
var (
	// ErrInvalidConfig is returned by Create for a configuration that
	// cannot work, such as an unsupported sample rate.
	ErrInvalidConfig = errors.New("recording: invalid configuration")

	// ErrUnknownFormat is returned by ParseFormat, and by Create (along
	// with ErrInvalidConfig), for a format name other than wav, opus and
	// ogg.
	ErrUnknownFormat = errors.New("recording: unknown format")

	// ErrInvalidChannel is returned for a Channel other than Caller and
	// Callee.
	ErrInvalidChannel = errors.New("recording: invalid channel")

	// ErrInvalidCodec is returned by SetCodec for a payload type outside
	// 0–127 or a clock rate the codec does not use.
	ErrInvalidCodec = errors.New("recording: invalid codec mapping")

	// ErrClosed is returned by SetCodec after Close.
	ErrClosed = errors.New("recording: closed")

	// ErrFile is returned when the recording file cannot be created or
	// written.
	ErrFile = errors.New("recording: file error")
)
