package browserleg

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and add detail in the message.
var (
	// ErrInvalidConfig is returned by NewEngine for a configuration that
	// cannot work (for example an IPv6 public address: legs are UDP4 only).
	ErrInvalidConfig = errors.New("browserleg: invalid configuration")

	// ErrCertificate is returned by NewEngine when the certificate file
	// cannot be read, parsed or written, or holds a key that is not ECDSA
	// P-256.
	ErrCertificate = errors.New("browserleg: DTLS certificate")

	// ErrBadSDP is returned for a browser description that pion rejects or
	// that has no usable audio stream.
	ErrBadSDP = errors.New("browserleg: bad SDP")

	// ErrNoCommonCodec is returned by Engine.Answer and Leg.SetAnswer when
	// the browser's description shares no audio codec with ours.
	ErrNoCommonCodec = errors.New("browserleg: no common audio codec")

	// ErrBadDirection is returned by Leg.CreateReoffer for a direction
	// other than sendrecv, sendonly, recvonly or inactive.
	ErrBadDirection = errors.New("browserleg: bad media direction")

	// ErrGatherTimeout is returned when ICE gathering did not complete in
	// time to return a complete description.
	ErrGatherTimeout = errors.New("browserleg: ICE gathering timed out")

	// ErrBadRTP is returned by Leg.WriteRTP for a packet that is not RTP
	// version 2 with a complete header.
	ErrBadRTP = errors.New("browserleg: bad RTP packet")

	// ErrICEFailed ends a Leg whose ICE connectivity failed: no check or
	// media from the browser within the ICE failed timeout.
	ErrICEFailed = errors.New("browserleg: ICE failed")

	// ErrDTLSFailed ends a Leg whose DTLS handshake failed (wrong
	// fingerprint, timeout, alert).
	ErrDTLSFailed = errors.New("browserleg: DTLS failed")

	// ErrPeerClosed ends a Leg whose browser closed the DTLS association
	// (close_notify, RFC 5246 §7.2.1).
	ErrPeerClosed = errors.New("browserleg: closed by the browser")

	// ErrClosed is returned after Close: by Leg.Err, Bridger.Err and calls
	// on a closed Leg or Engine.
	ErrClosed = errors.New("browserleg: closed")

	// ErrInactive ends a Bridger when no RTP arrived from either side for
	// its inactivity timeout.
	ErrInactive = errors.New("browserleg: media inactive")
	// ErrNoPort means every port of the configured range is in use.
	ErrNoPort = errors.New("browserleg: no free port in the range")
	// ErrRTCPNotCompound rejects a datagram that does not start with an SR
	// or an RR (RFC 3550 §6.1 and the validity checks of Appendix A.2).
	ErrRTCPNotCompound = errors.New("browserleg: RTCP not a compound packet")
	// ErrNoTelephoneEvent means a digit was to be sent as RFC 4733 to a
	// side that negotiated no telephone-event format.
	ErrNoTelephoneEvent = errors.New("browserleg: no telephone-event negotiated")
	// ErrDigitBusy means too many digits are waiting to be played.
	ErrDigitBusy = errors.New("browserleg: too many digits waiting")
)

// Internal sentinels of the SRTP fast path (fastpath.go); they name why a
// leg stayed on pion's path in Debug logs and never reach callers.
var (
	// errDTLSHello: a DTLS ClientHello or ServerHello could not be read.
	errDTLSHello = errors.New("browserleg: unreadable DTLS hello")
	// errKeyLog: a key log line that is not "CLIENT_RANDOM <random>
	// <master secret>".
	errKeyLog = errors.New("browserleg: bad DTLS key log line")
	// errNoFastPath: the fast path cannot take a leg over.
	errNoFastPath = errors.New("browserleg: no SRTP fast path")
)
