package codec

import (
	"fmt"
	"strings"
	"time"
)

// FrameDuration is the audio duration every encoder and decoder of this
// package works on by default, and the playout tick of a Transcoder. It is
// the default packetization time for all four codecs (RFC 3551 §4.5,
// RFC 7587 §4.2 for Opus).
const FrameDuration = 20 * time.Millisecond

// framesPerSecond is the number of FrameDuration frames in one second.
const framesPerSecond = int(time.Second / FrameDuration)

// Codec names one of the audio codecs the transcoding core handles.
type Codec uint8

// The codecs. The zero Codec is invalid.
const (
	// PCMU is G.711 µ-law, 8 kHz (RFC 3551 §4.5.14).
	PCMU Codec = iota + 1
	// PCMA is G.711 A-law, 8 kHz (RFC 3551 §4.5.14).
	PCMA
	// G722 is ITU-T G.722 at 64 kbit/s. It samples audio at 16 kHz but its
	// RTP clock runs at 8 kHz (RFC 3551 §4.5.2), so a 20 ms packet carries
	// 320 samples in 160 bytes and advances the RTP timestamp by 160.
	G722
	// Opus is RFC 6716 Opus at 48 kHz (RFC 7587). This package decodes to
	// and encodes from mono; a stereo stream from the peer is mixed down.
	Opus
)

// String returns the encoding name as written in SDP a=rtpmap
// (RFC 3551 §6, RFC 7587 §7).
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	case G722:
		return "G722"
	case Opus:
		return "opus"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// Valid reports whether c is one of the codecs of this package.
func (c Codec) Valid() bool { return c >= PCMU && c <= Opus }

// SampleRate is the rate in Hz of the PCM that the codec's encoder takes
// and its decoder produces.
func (c Codec) SampleRate() int {
	switch c {
	case PCMU, PCMA:
		return 8000
	case G722:
		return 16000
	case Opus:
		return 48000
	}
	return 0
}

// ClockRate is the RTP timestamp rate in Hz. It differs from SampleRate
// for G.722: RFC 3551 §4.5.2 fixes its clock at 8000 Hz although the codec
// samples at 16 kHz. Opus always uses 48000 (RFC 7587 §4.1).
func (c Codec) ClockRate() int {
	switch c {
	case PCMU, PCMA, G722:
		return 8000
	case Opus:
		return 48000
	}
	return 0
}

// FrameSamples is the number of PCM samples in one FrameDuration frame at
// SampleRate.
func (c Codec) FrameSamples() int { return c.SampleRate() / framesPerSecond }

// FrameTicks is the RTP timestamp increment of one FrameDuration frame.
func (c Codec) FrameTicks() uint32 { return uint32(c.ClockRate() / framesPerSecond) }

// StaticPayloadType returns the static RTP payload type of RFC 3551 §6
// (Table 4), and false for Opus, which only has dynamic ones.
func (c Codec) StaticPayloadType() (uint8, bool) {
	switch c {
	case PCMU:
		return 0, true
	case PCMA:
		return 8, true
	case G722:
		return 9, true
	}
	return 0, false
}

// ParseCodec maps an SDP encoding name to a Codec. Encoding names are
// case-insensitive (RFC 4855 §3).
func ParseCodec(name string) (Codec, error) {
	switch strings.ToLower(name) {
	case "pcmu":
		return PCMU, nil
	case "pcma":
		return PCMA, nil
	case "g722":
		return G722, nil
	case "opus":
		return Opus, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownCodec, name)
}
