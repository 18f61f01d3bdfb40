package trunk

import (
	"fmt"
	"strings"
)

// maxE164Digits is the longest international number: ITU-T E.164 §6
// allows at most 15 digits including the country code.
const maxE164Digits = 15

// minE164Digits is the shortest number accepted: a country code and at
// least two further digits.
const minE164Digits = 3

// maxNumberInput bounds the input examined, so that hostile input cannot
// make normalisation expensive.
const maxNumberInput = 64

// NormalizeE164 returns number in E.164 form "+<country code><national
// number>". Visual separators (space and RFC 3966 §5.1.1 "-", ".", "(",
// ")") are removed first. Then:
//
//   - "+..." is kept as it is;
//   - "00..." (the ITU-T E.164 Annex A international prefix) becomes "+...";
//   - "0..." (a national number with its trunk prefix) becomes
//     "+" + countryCode + the number without the "0";
//   - anything else is refused: without a prefix it is unknown whether the
//     digits include a country code. Rules should rewrite such numbers with
//     Prepend first.
//
// Errors wrap ErrBadNumber: empty input, characters other than digits and
// separators, a country code starting with 0, a missing or bad countryCode
// for a national number, or more than 15 digits (E.164 §6).
func NormalizeE164(number, countryCode string) (string, error) {
	if len(number) > maxNumberInput {
		return "", fmt.Errorf("%w: longer than %d characters", ErrBadNumber, maxNumberInput)
	}
	var buf [maxNumberInput]byte
	digits := buf[:0]
	plus := false
	for i := 0; i < len(number); i++ {
		c := number[i]
		switch {
		case '0' <= c && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		case c == '+' && !plus && len(digits) == 0:
			plus = true
		default:
			return "", fmt.Errorf("%w: unexpected character %q", ErrBadNumber, c)
		}
	}
	if len(digits) == 0 {
		return "", fmt.Errorf("%w: no digits", ErrBadNumber)
	}
	switch {
	case plus:
	case len(digits) >= 2 && digits[0] == '0' && digits[1] == '0':
		digits = digits[2:]
	case digits[0] == '0':
		if !validCountryCode(countryCode) {
			return "", fmt.Errorf("%w: national number needs a country code", ErrBadNumber)
		}
		digits = append([]byte(countryCode), digits[1:]...)
	default:
		return "", fmt.Errorf("%w: neither international nor national prefix", ErrBadNumber)
	}
	switch {
	case len(digits) < minE164Digits:
		return "", fmt.Errorf("%w: too short", ErrBadNumber)
	case len(digits) > maxE164Digits:
		return "", fmt.Errorf("%w: more than %d digits (E.164 §6)", ErrBadNumber, maxE164Digits)
	case digits[0] == '0':
		// E.164 §6: country codes do not start with 0.
		return "", fmt.Errorf("%w: country code starts with 0", ErrBadNumber)
	}
	var b strings.Builder
	b.Grow(len(digits) + 1)
	b.WriteByte('+')
	b.Write(digits)
	return b.String(), nil
}

// validCountryCode reports whether cc is an E.164 country code: one to
// three digits, not starting with 0.
func validCountryCode(cc string) bool {
	if len(cc) == 0 || len(cc) > 3 || cc[0] == '0' {
		return false
	}
	for i := 0; i < len(cc); i++ {
		if cc[i] < '0' || cc[i] > '9' {
			return false
		}
	}
	return true
}
