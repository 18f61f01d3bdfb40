package dtmf

import (
	"errors"
	"testing"
)

func TestCodeDigits(t *testing.T) {
	const keys = "0123456789*#ABCD"
	for i := range 16 {
		c := Code(i)
		k, ok := c.Digit()
		if !ok || k != keys[i] || !c.IsDigit() || c.String() != keys[i:i+1] {
			t.Errorf("code %d: %q %v %q", i, k, ok, c.String())
		}
		back, ok := CodeFromDigit(keys[i])
		if !ok || back != c {
			t.Errorf("key %q: %d %v", keys[i], back, ok)
		}
	}
	for _, k := range "abcd" {
		c, ok := CodeFromDigit(byte(k))
		if !ok || c != CodeA+Code(k-'a') {
			t.Errorf("lower-case %q: %d %v", k, c, ok)
		}
	}
	for _, k := range []byte("EeFf!+ \x00/:") {
		if c, ok := CodeFromDigit(k); ok {
			t.Errorf("%q is key %d", k, c)
		}
	}
	for _, c := range []Code{16, 17, 100, 255} {
		if _, ok := c.Digit(); ok || c.IsDigit() {
			t.Errorf("code %d is a key", c)
		}
	}
	if CodeFlash.String() != "16" || Code(255).String() != "255" {
		t.Errorf("String: %q %q", CodeFlash.String(), Code(255).String())
	}
}

func TestParseCode(t *testing.T) {
	good := map[string]Code{
		"0": 0, "9": 9, "*": CodeStar, "#": CodePound, "A": CodeA, "d": CodeD,
		"10": CodeStar, "11": CodePound, "12": CodeA, "15": CodeD, "16": CodeFlash,
		"05": 5, "255": 255, "000": 0,
	}
	for s, want := range good {
		if got, err := ParseCode(s); err != nil || got != want {
			t.Errorf("ParseCode(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "E", "256", "999", "1000", "-1", "1a", " 5", "5 ", "**", "0x1", "!"} {
		if c, err := ParseCode(s); !errors.Is(err, ErrBadSignal) {
			t.Errorf("ParseCode(%q) = %d, %v", s, c, err)
		}
	}
}
