package dtmf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SIP INFO content types carrying DTMF. Neither has an RFC: dtmf-relay is
// the de facto format of phones, PBXes and the browser SIP libraries;
// application/dtmf carries the bare key.
const (
	// ContentTypeRelay is the body "Signal=5\r\nDuration=160\r\n".
	ContentTypeRelay = "application/dtmf-relay"
	// ContentTypeDTMF is a body of just the key ("5") or event number.
	ContentTypeDTMF = "application/dtmf"
)

// DefaultDuration is the press length assumed for an INFO body that gives
// none (application/dtmf, or dtmf-relay without Duration or with 0). It is
// what the browser SIP libraries send by default.
const DefaultDuration = 100 * time.Millisecond

// maxInfoBody bounds an INFO body; real ones are a few dozen octets.
const maxInfoBody = 1024

// ParseRelay reads an application/dtmf-relay body: lines "Key=Value",
// keys case-insensitive, whitespace around keys and values ignored, lines
// ended by CRLF, LF or CR, unknown keys ignored. Signal is a key as
// ParseCode reads it, or "!" for flash; Duration is in milliseconds. A
// missing or zero Duration gives DefaultDuration. Errors wrap ErrBadBody,
// ErrBadSignal or ErrBadDuration.
func ParseRelay(body []byte) (Code, time.Duration, error) {
	if len(body) > maxInfoBody {
		return 0, 0, fmt.Errorf("%w: %d octets", ErrBadBody, len(body))
	}
	var (
		code             Code
		dur              time.Duration
		haveSig, haveDur bool
	)
	for rest := body; len(rest) > 0; {
		var line []byte
		if i := bytes.IndexAny(rest, "\r\n"); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			return 0, 0, fmt.Errorf("%w: line %q has no '='", ErrBadBody, clip(line))
		}
		key, val := bytes.TrimSpace(line[:eq]), bytes.TrimSpace(line[eq+1:])
		switch {
		case bytes.EqualFold(key, []byte("signal")):
			if haveSig {
				return 0, 0, fmt.Errorf("%w: Signal given twice", ErrBadBody)
			}
			c, err := parseSignal(val)
			if err != nil {
				return 0, 0, err
			}
			code, haveSig = c, true
		case bytes.EqualFold(key, []byte("duration")):
			if haveDur {
				return 0, 0, fmt.Errorf("%w: Duration given twice", ErrBadBody)
			}
			d, err := parseMillis(val)
			if err != nil {
				return 0, 0, err
			}
			dur, haveDur = d, true
		}
	}
	if !haveSig {
		return 0, 0, fmt.Errorf("%w: no Signal", ErrBadBody)
	}
	if dur == 0 {
		dur = DefaultDuration
	}
	return code, dur, nil
}

// ParseDTMF reads an application/dtmf body: one key or event number as
// ParseCode reads it (or "!" for flash), surrounded by optional
// whitespace. Errors wrap ErrBadBody or ErrBadSignal.
func ParseDTMF(body []byte) (Code, error) {
	if len(body) > maxInfoBody {
		return 0, fmt.Errorf("%w: %d octets", ErrBadBody, len(body))
	}
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrBadBody)
	}
	return parseSignal(b)
}

// ParseInfo reads a SIP INFO body by its Content-Type header value
// (parameters and case ignored): application/dtmf-relay or
// application/dtmf, the latter with DefaultDuration. Any other type yields
// an error wrapping ErrUnsupportedContentType.
func ParseInfo(contentType string, body []byte) (Code, time.Duration, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	switch {
	case strings.EqualFold(mt, ContentTypeRelay):
		return ParseRelay(body)
	case strings.EqualFold(mt, ContentTypeDTMF):
		c, err := ParseDTMF(body)
		return c, DefaultDuration, err
	}
	return 0, 0, fmt.Errorf("%w: %q", ErrUnsupportedContentType, clip([]byte(mt)))
}

// AppendRelay appends an application/dtmf-relay body for a press of code
// lasting d: "Signal=5\r\nDuration=160\r\n". Keys 0-15 are written as
// "0"-"9", "*", "#", "A"-"D", other codes as numbers ("16" for flash). The
// duration is rounded to whole milliseconds and kept within 1 ms and
// MaxDuration, so ParseRelay reads back what was written.
func AppendRelay(dst []byte, code Code, d time.Duration) []byte {
	ms := d.Round(time.Millisecond) / time.Millisecond
	ms = min(max(ms, 1), MaxDuration/time.Millisecond)
	dst = append(dst, "Signal="...)
	dst = appendCode(dst, code)
	dst = append(dst, "\r\nDuration="...)
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, "\r\n"...)
}

// AppendDTMF appends an application/dtmf body for code: the key, or the
// event number for codes above 15.
func AppendDTMF(dst []byte, code Code) []byte {
	return appendCode(dst, code)
}

// parseSignal reads a signal value: "!" (flash, as some PBXes send) or
// what parseCode reads.
func parseSignal(b []byte) (Code, error) {
	if len(b) == 1 && b[0] == '!' {
		return CodeFlash, nil
	}
	return parseCode(b)
}

// parseMillis reads a Duration value: decimal milliseconds up to
// MaxDuration.
func parseMillis(b []byte) (time.Duration, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrBadDuration)
	}
	const limit = int64(MaxDuration / time.Millisecond)
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, fmt.Errorf("%w: %q is not whole milliseconds", ErrBadDuration, clip(b))
		}
		n = n*10 + int64(ch-'0')
		if n > limit {
			return 0, fmt.Errorf("%w: %q ms is above %v", ErrBadDuration, clip(b), MaxDuration)
		}
	}
	return time.Duration(n) * time.Millisecond, nil
}

// errSignal reports a bad signal value.
func errSignal(b []byte, why string) error {
	return fmt.Errorf("%w: %q: %s", ErrBadSignal, clip(b), why)
}

// clip shortens network input quoted in an error message.
func clip(b []byte) []byte {
	const n = 32
	if len(b) > n {
		return b[:n]
	}
	return b
}
