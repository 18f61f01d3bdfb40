package dtmf

import "strconv"

// Code is a telephone-event code (RFC 4733 §2.3.1). Codes 0-15 are the
// sixteen DTMF digits (RFC 4733 §3.2); other codes (16 is flash) pass
// through as numbers.
type Code uint8

// Named event codes (RFC 4733 §3.2, Table 7).
const (
	CodeStar  Code = 10 // the * key
	CodePound Code = 11 // the # key
	CodeA     Code = 12 // the A key
	CodeB     Code = 13 // the B key
	CodeC     Code = 14 // the C key
	CodeD     Code = 15 // the D key
	CodeFlash Code = 16 // hook flash
)

// digits maps codes 0-15 to their keys (RFC 4733 §3.2).
const digits = "0123456789*#ABCD"

// CodeFromDigit returns the event code of a DTMF key: '0'-'9', '*', '#',
// and 'A'-'D' in either case (RFC 4733 §3.2). It reports false for any
// other byte.
func CodeFromDigit(b byte) (Code, bool) {
	switch {
	case b >= '0' && b <= '9':
		return Code(b - '0'), true
	case b == '*':
		return CodeStar, true
	case b == '#':
		return CodePound, true
	case b >= 'A' && b <= 'D':
		return CodeA + Code(b-'A'), true
	case b >= 'a' && b <= 'd':
		return CodeA + Code(b-'a'), true
	}
	return 0, false
}

// Digit returns the key of a DTMF code: one of "0123456789*#ABCD" for codes
// 0-15 (RFC 4733 §3.2). It reports false for the other codes.
func (c Code) Digit() (byte, bool) {
	if c < 16 {
		return digits[c], true
	}
	return 0, false
}

// IsDigit reports whether c is one of the sixteen DTMF digits (0-15).
func (c Code) IsDigit() bool { return c < 16 }

// String returns the key for a DTMF digit ("5", "*", "#", "A") and the
// decimal code for any other event ("16" for flash).
func (c Code) String() string {
	if c < 16 {
		return digits[c : c+1]
	}
	return strconv.Itoa(int(c))
}

// appendCode appends c as String would, without allocating.
func appendCode(dst []byte, c Code) []byte {
	if c < 16 {
		return append(dst, digits[c])
	}
	return strconv.AppendUint(dst, uint64(c), 10)
}

// ParseCode reads a signal as SIP INFO bodies carry it: a single key
// '0'-'9', '*', '#', 'A'-'D' (either case), or a decimal event code 0-255
// (so "10" is *, "11" is #, "16" is flash, as some phones send). The input
// must not contain spaces. Errors wrap ErrBadSignal.
func ParseCode(s string) (Code, error) {
	return parseCode([]byte(s))
}

// parseCode is ParseCode on bytes.
func parseCode(b []byte) (Code, error) {
	if len(b) == 0 {
		return 0, errSignal(b, "empty")
	}
	if len(b) == 1 {
		if c, ok := CodeFromDigit(b[0]); ok {
			return c, nil
		}
		return 0, errSignal(b, "not a DTMF key")
	}
	if len(b) > 3 {
		return 0, errSignal(b, "too long")
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, errSignal(b, "not a DTMF key or event number")
		}
		n = n*10 + int(ch-'0')
	}
	if n > 255 {
		return 0, errSignal(b, "event number above 255")
	}
	return Code(n), nil
}
