package recording

import (
	"encoding/binary"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/callgate/callgate/media/codec"
)

// maxTagValue bounds a comment's value, such as a long call ID.
const maxTagValue = 256

// opusHead is the identification header (RFC 7845 §5.1) of a stereo
// stream with channel mapping family 0, preSkip samples at 48 kHz to drop
// at the start and an input of rate Hz.
func opusHead(preSkip, rate int) []byte {
	h := make([]byte, 19)
	le := binary.LittleEndian
	copy(h, "OpusHead")                   // magic signature
	h[8] = 1                              // version: 1 (RFC 7845 §5.1: major version 0, minor 1)
	h[9] = numChannels                    // output channel count
	le.PutUint16(h[10:], uint16(preSkip)) // pre-skip, RFC 7845 §4.2
	le.PutUint32(h[12:], uint32(rate))    // input sample rate, informational
	le.PutUint16(h[16:], 0)               // output gain: none
	// RFC 7845 §5.1.1.1: family 0 is mono or stereo (left, right) with no
	// channel mapping table; the left channel is the caller.
	h[18] = 0
	return h
}

// opusTags is the comment header (RFC 7845 §5.2) naming the encoder and
// describing the call: its ID, its start and which party is on which
// channel.
func opusTags(callID string, start time.Time) []byte {
	vendor := codec.OpusVersion()
	if vendor == "" {
		vendor = "callgate"
	}
	comments := []string{
		"ENCODER=callgate",
		// RFC 7845 §5.2: user comments are "NAME=value" in UTF-8, names
		// compared case-insensitively; DATE is the Vorbis comment field
		// for the recording's date.
		"DATE=" + start.UTC().Format(time.RFC3339),
		"CALL_START=" + start.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"COMMENT=left channel: caller, right channel: callee",
	}
	if callID != "" {
		comments = append(comments, "CALL_ID="+tagValue(callID))
	}
	le := binary.LittleEndian
	b := append([]byte(nil), "OpusTags"...)
	b = le.AppendUint32(b, uint32(len(vendor)))
	b = append(b, vendor...)
	b = le.AppendUint32(b, uint32(len(comments)))
	for _, c := range comments {
		b = le.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return b
}

// tagValue makes s a comment value that shows well: valid UTF-8 (RFC 7845
// §5.2), no control characters, at most maxTagValue bytes.
func tagValue(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		if unicode.IsControl(r) {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxTagValue {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
