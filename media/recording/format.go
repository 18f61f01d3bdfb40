package recording

import (
	"fmt"
	"strings"
)

// Format is the file format of a recording.
type Format string

// The formats. Both hold the same two channels: the caller on the left,
// the callee on the right.
const (
	// FormatWAV is 16-bit PCM in a RIFF/WAVE file, extension .wav: large
	// (128 kbit/s at 8 kHz), exact, readable by anything.
	FormatWAV Format = "wav"
	// FormatOpus is Opus in an Ogg file (RFC 7845), extension .opus: about
	// a sixth of the WAV size at 8 kHz and a tenth at 16 kHz. It needs
	// libopus (cgo).
	FormatOpus Format = "opus"
)

// ParseFormat returns the format named s, ignoring case: "wav", or "opus"
// or "ogg" for FormatOpus; "" means FormatWAV. Any other name is an error
// wrapping ErrUnknownFormat.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "wav":
		return FormatWAV, nil
	case "opus", "ogg":
		return FormatOpus, nil
	}
	return "", fmt.Errorf("%w %q (wav or opus)", ErrUnknownFormat, s)
}

// extension is the file name extension of the format, dot included.
// RFC 7845 §9 recommends .opus for audio-only Ogg Opus files.
func (f Format) extension() string {
	if f == FormatOpus {
		return ".opus"
	}
	return ".wav"
}
