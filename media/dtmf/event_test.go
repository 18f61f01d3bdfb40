package dtmf

import (
	"bytes"
	"errors"
	"testing"
)

func TestEventWireForm(t *testing.T) {
	tests := []struct {
		wire []byte
		ev   Event
	}{
		{[]byte{5, 0x0a, 0x03, 0x20}, Event{Code: 5, Volume: 10, Duration: 800}},
		{[]byte{11, 0x8a, 0x06, 0x40}, Event{Code: CodePound, End: true, Volume: 10, Duration: 1600}},
		{[]byte{16, 0x3f, 0xff, 0xff}, Event{Code: CodeFlash, Volume: 63, Duration: 0xFFFF}},
		{[]byte{255, 0xc0, 0, 0}, Event{Code: 255, End: true, Reserved: true}},
		{[]byte{0, 0x40, 0, 1}, Event{Reserved: true, Duration: 1}},
	}
	for _, tc := range tests {
		got, err := ParseEvent(tc.wire)
		if err != nil || got != tc.ev {
			t.Errorf("ParseEvent(%x) = %+v, %v; want %+v", tc.wire, got, err, tc.ev)
		}
		// Trailing octets are the caller's (packed events).
		if got, err := ParseEvent(append(bytes.Clone(tc.wire), 9, 9, 9, 9)); err != nil || got != tc.ev {
			t.Errorf("ParseEvent with trailing octets = %+v, %v", got, err)
		}
		b, err := tc.ev.AppendBinary([]byte{0xee})
		if err != nil || !bytes.Equal(b, append([]byte{0xee}, tc.wire...)) {
			t.Errorf("AppendBinary(%+v) = %x, %v; want ee%x", tc.ev, b, err, tc.wire)
		}
		m, err := tc.ev.MarshalBinary()
		if err != nil || !bytes.Equal(m, tc.wire) {
			t.Errorf("MarshalBinary(%+v) = %x, %v", tc.ev, m, err)
		}
	}
}

func TestEventErrors(t *testing.T) {
	for n := range EventSize {
		_, err := ParseEvent(make([]byte, n))
		if !errors.Is(err, ErrShortPayload) {
			t.Errorf("%d octets: %v", n, err)
		}
	}
	b, err := Event{Volume: 64}.AppendBinary([]byte{1})
	if !errors.Is(err, ErrVolume) || len(b) != 1 {
		t.Errorf("volume 64: %x %v", b, err)
	}
}

func TestEventAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	ev := Event{Code: 3, End: true, Volume: 10, Duration: 400}
	if n := testing.AllocsPerRun(100, func() { _, _ = ev.AppendBinary(buf[:0]) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
