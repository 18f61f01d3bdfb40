package main

import "errors"

// Sentinel errors; callers wrap them with %w and test with errors.Is.
var (
	// errGatewayStart means callgate exited or printed no addresses.
	errGatewayStart = errors.New("mediabench: callgate did not start")
	// errProcFormat means a /proc file did not have the expected shape.
	errProcFormat = errors.New("mediabench: unexpected /proc format")
	// errSIP means a SIP exchange ended with an unexpected answer.
	errSIP = errors.New("mediabench: unexpected SIP answer")
	// errSDP means an SDP body lacked an audio address.
	errSDP = errors.New("mediabench: no audio address in SDP")
	// errMedia means a PeerConnection did not connect.
	errMedia = errors.New("mediabench: media did not connect")
	// errNoOpus means -opus was asked of a binary built without libopus.
	errNoOpus = errors.New("mediabench: -opus needs libopus: build with cgo (CGO_ENABLED=1) and libopus-dev installed")
	// errUsage means a bad flag value.
	errUsage = errors.New("mediabench: bad usage")
)
