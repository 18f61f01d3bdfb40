package dtmf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRelay(t *testing.T) {
	good := []struct {
		body string
		code Code
		dur  time.Duration
	}{
		{"Signal=5\r\nDuration=160\r\n", 5, 160 * ms},
		{"Signal=5\nDuration=160\n", 5, 160 * ms},
		{"Signal=5\rDuration=160", 5, 160 * ms},
		{"signal=*\r\nduration=100", CodeStar, 100 * ms},
		{"SIGNAL = # \r\n DURATION = 250 \r\n\r\n", CodePound, 250 * ms},
		{"\r\n\tSignal=\tA\t\r\nDuration=90\r\n", CodeA, 90 * ms},
		{"Signal=d\r\nDuration=1", CodeD, ms},
		{"Signal=10\r\nDuration=200\r\n", CodeStar, 200 * ms},
		{"Signal=11\r\nDuration=200\r\n", CodePound, 200 * ms},
		{"Signal=16\r\nDuration=2000\r\n", CodeFlash, 2 * time.Second},
		{"Signal=!\r\nDuration=500\r\n", CodeFlash, 500 * ms},
		{"Duration=160\r\nSignal=9\r\n", 9, 160 * ms},
		{"Signal=1\r\n", 1, DefaultDuration},
		{"Signal=1\r\nDuration=0\r\n", 1, DefaultDuration},
		{"Signal=1\r\nDuration=60000\r\n", 1, time.Minute},
		{"Signal=1\r\nVolume=10\r\nX-Foo=bar=baz\r\n", 1, DefaultDuration},
	}
	for _, tc := range good {
		code, dur, err := ParseRelay([]byte(tc.body))
		if err != nil || code != tc.code || dur != tc.dur {
			t.Errorf("ParseRelay(%q) = %v %v %v; want %v %v", tc.body, code, dur, err, tc.code, tc.dur)
		}
	}
	bad := []struct {
		body string
		want error
	}{
		{"", ErrBadBody},
		{"\r\n \r\n", ErrBadBody},
		{"Duration=160\r\n", ErrBadBody},
		{"5\r\n", ErrBadBody},
		{"Signal 5\r\nDuration=160", ErrBadBody},
		{"Signal=5\r\nSignal=6\r\n", ErrBadBody},
		{"Signal=5\r\nDuration=1\r\nDuration=2\r\n", ErrBadBody},
		{"Signal=\r\n", ErrBadSignal},
		{"Signal=E\r\n", ErrBadSignal},
		{"Signal=256\r\n", ErrBadSignal},
		{"Signal=5 6\r\n", ErrBadSignal},
		{"Signal=\x00\r\n", ErrBadSignal},
		{"Signal=5\r\nDuration=\r\n", ErrBadDuration},
		{"Signal=5\r\nDuration=-1\r\n", ErrBadDuration},
		{"Signal=5\r\nDuration=1.5\r\n", ErrBadDuration},
		{"Signal=5\r\nDuration=100ms\r\n", ErrBadDuration},
		{"Signal=5\r\nDuration=60001\r\n", ErrBadDuration},
		{"Signal=5\r\nDuration=99999999999999999999999\r\n", ErrBadDuration},
		{"Signal=5\r\n" + strings.Repeat(" ", maxInfoBody), ErrBadBody},
	}
	for _, tc := range bad {
		code, dur, err := ParseRelay([]byte(tc.body))
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseRelay(%q) = %v %v %v; want %v", tc.body, code, dur, err, tc.want)
		}
	}
}

func TestParseDTMF(t *testing.T) {
	good := map[string]Code{
		"5": 5, "*": CodeStar, "#\r\n": CodePound, " b ": CodeB, "\n10\n": CodeStar, "16": CodeFlash, "!": CodeFlash,
	}
	for body, want := range good {
		if got, err := ParseDTMF([]byte(body)); err != nil || got != want {
			t.Errorf("ParseDTMF(%q) = %v %v; want %v", body, got, err, want)
		}
	}
	bad := map[string]error{
		"": ErrBadBody, " \r\n": ErrBadBody, "5 5": ErrBadSignal, "Signal=5": ErrBadSignal,
		"x": ErrBadSignal, "300": ErrBadSignal, strings.Repeat("5", maxInfoBody+1): ErrBadBody,
	}
	for body, want := range bad {
		if got, err := ParseDTMF([]byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseDTMF(%q) = %v %v; want %v", body, got, err, want)
		}
	}
}

func TestParseInfo(t *testing.T) {
	tests := []struct {
		ct, body string
		code     Code
		dur      time.Duration
		err      error
	}{
		{ContentTypeRelay, "Signal=3\r\nDuration=120\r\n", 3, 120 * ms, nil},
		{"Application/DTMF-Relay; charset=utf-8", "Signal=3\r\n", 3, DefaultDuration, nil},
		{ContentTypeDTMF, "7", 7, DefaultDuration, nil},
		{" application/dtmf ;x=y", "#", CodePound, DefaultDuration, nil},
		{"application/sdp", "v=0", 0, 0, ErrUnsupportedContentType},
		{"", "5", 0, 0, ErrUnsupportedContentType},
		{ContentTypeDTMF, "Signal=5", 0, 0, ErrBadSignal},
	}
	for _, tc := range tests {
		code, dur, err := ParseInfo(tc.ct, []byte(tc.body))
		if !errors.Is(err, tc.err) || (tc.err == nil && (code != tc.code || dur != tc.dur)) {
			t.Errorf("ParseInfo(%q, %q) = %v %v %v; want %v %v %v", tc.ct, tc.body, code, dur, err, tc.code, tc.dur, tc.err)
		}
	}
}

func TestFormatInfo(t *testing.T) {
	tests := []struct {
		code Code
		d    time.Duration
		want string
	}{
		{5, 160 * ms, "Signal=5\r\nDuration=160\r\n"},
		{CodeStar, 100 * ms, "Signal=*\r\nDuration=100\r\n"},
		{CodePound, 1500 * time.Microsecond, "Signal=#\r\nDuration=2\r\n"},
		{CodeA, 0, "Signal=A\r\nDuration=1\r\n"},
		{CodeFlash, -time.Second, "Signal=16\r\nDuration=1\r\n"},
		{200, time.Hour, "Signal=200\r\nDuration=60000\r\n"},
	}
	for _, tc := range tests {
		if got := string(AppendRelay([]byte("x"), tc.code, tc.d)); got != "x"+tc.want {
			t.Errorf("AppendRelay(%v, %v) = %q, want %q", tc.code, tc.d, got, "x"+tc.want)
		}
	}
	if got := string(AppendDTMF(nil, CodeD)); got != "D" {
		t.Errorf("AppendDTMF(D) = %q", got)
	}
	if got := string(AppendDTMF(nil, CodeFlash)); got != "16" {
		t.Errorf("AppendDTMF(flash) = %q", got)
	}
}

func TestInfoRoundTrip(t *testing.T) {
	for c := range 256 {
		code := Code(c)
		for _, d := range []time.Duration{ms, 40 * ms, 100 * ms, 160 * ms, 2500 * ms, MaxDuration} {
			gc, gd, err := ParseRelay(AppendRelay(nil, code, d))
			if err != nil || gc != code || gd != d {
				t.Fatalf("relay %v %v: got %v %v %v", code, d, gc, gd, err)
			}
			gc, gd, err = ParseInfo(ContentTypeRelay, AppendRelay(nil, code, d))
			if err != nil || gc != code || gd != d {
				t.Fatalf("info relay %v %v: got %v %v %v", code, d, gc, gd, err)
			}
		}
		if gc, err := ParseDTMF(AppendDTMF(nil, code)); err != nil || gc != code {
			t.Fatalf("dtmf %v: got %v %v", code, gc, err)
		}
	}
}
