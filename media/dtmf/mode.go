package dtmf

import (
	"fmt"
	"strings"
)

// Mode is how a leg is sent DTMF, as configured per leg or trunk. Every
// leg is always listened to both ways: RFC 4733 events on its
// telephone-event payload type and SIP INFO bodies.
type Mode uint8

// Modes. The zero value is ModeAuto.
const (
	// ModeAuto sends RFC 4733 events when the leg negotiated
	// telephone-event in SDP, and SIP INFO when it did not. Toward a
	// browser it sends SIP INFO: browsers cannot receive RFC 4733 digits
	// through WebRTC in any useful way (no API hands them to the page),
	// while JsSIP and SIP.js report INFO digits to the application.
	ModeAuto Mode = iota
	// ModeRFC4733 sends RFC 4733 events. A leg that did not negotiate
	// telephone-event cannot carry them and is sent SIP INFO instead.
	ModeRFC4733
	// ModeInfo sends SIP INFO (application/dtmf-relay) only.
	ModeInfo
)

// ParseMode reads a mode name: "auto", "rfc4733" (or "rfc2833"), "info"
// (or "sip-info", "sipinfo"), in any case, surrounding spaces ignored. An
// empty string is ModeAuto. Other names yield an error wrapping
// ErrBadMode.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return ModeAuto, nil
	case "rfc4733", "rfc2833":
		return ModeRFC4733, nil
	case "info", "sip-info", "sipinfo":
		return ModeInfo, nil
	}
	return 0, fmt.Errorf("%w: %q (want auto, rfc4733 or info)", ErrBadMode, s)
}

// String returns the mode's canonical name: "auto", "rfc4733" or "info".
func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeRFC4733:
		return "rfc4733"
	case ModeInfo:
		return "info"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler (for YAML and JSON
// config).
func (m Mode) MarshalText() ([]byte, error) {
	if m > ModeInfo {
		return nil, fmt.Errorf("%w: %d", ErrBadMode, uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseMode.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Peer describes the leg digits are sent to.
type Peer struct {
	// TelephoneEvent is true when the leg's SDP negotiated a
	// telephone-event payload type (RFC 4733 §2.5.1.1).
	TelephoneEvent bool
	// Browser is true for a WebRTC leg.
	Browser bool
}

// Resolve returns how to send digits to p under mode m: ModeRFC4733 or
// ModeInfo, never ModeAuto.
//   - ModeInfo: INFO.
//   - ModeRFC4733: RFC 4733 if p negotiated telephone-event, else INFO.
//   - ModeAuto: INFO toward a browser; otherwise RFC 4733 if p negotiated
//     telephone-event, else INFO.
func (m Mode) Resolve(p Peer) Mode {
	switch {
	case m == ModeInfo || !p.TelephoneEvent:
		return ModeInfo
	case m == ModeRFC4733:
		return ModeRFC4733
	case p.Browser:
		return ModeInfo
	}
	return ModeRFC4733
}
