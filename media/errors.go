package media

import "errors"

// Sentinel errors. Errors returned by this package wrap exactly one of them
// (test with errors.Is) and add detail in the message.
var (
	// ErrInvalidConfig is returned by constructors given a configuration
	// that cannot work (for example a port range without a single even/odd
	// port pair).
	ErrInvalidConfig = errors.New("media: invalid configuration")

	// ErrNoPorts is returned by PortPool.Allocate when every port pair is
	// allocated, quarantined or busy.
	ErrNoPorts = errors.New("media: no free RTP ports")

	// ErrClosed is returned by Relay.Err after Relay.Close (or after one of
	// its sockets was closed from outside).
	ErrClosed = errors.New("media: closed")
	// ErrDetached is a relay's Err after Detach handed its sockets on.
	ErrDetached = errors.New("media: relay detached")

	// ErrInactive is returned by Relay.Err when the relay stopped because
	// no packet arrived from either leg for RelayConfig.InactivityTimeout.
	ErrInactive = errors.New("media: relay inactive")

	// ErrBadSDP is returned by AnchorSDP for a body that is not a usable
	// session description (syntax, size, limits, addresses).
	ErrBadSDP = errors.New("media: bad SDP")

	// ErrNoAudio is returned by AnchorSDP when the body has no audio m-line.
	ErrNoAudio = errors.New("media: no audio stream in SDP")

	// ErrUnsupportedTransport is returned by AnchorSDP when the audio
	// stream uses a transport that cannot be relayed packet by packet (for
	// example DTLS-SRTP, whose keys are bound to the endpoints).
	ErrUnsupportedTransport = errors.New("media: unsupported media transport")
)
