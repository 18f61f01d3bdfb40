package e2e

import (
	"math"
	"path/filepath"
	"testing"
)

func TestToneWAVRoundTripAndDominant(t *testing.T) {
	for _, tc := range []struct {
		freq float64
		rate int
	}{{440, 48000}, {1000, 8000}, {1000, 48000}} {
		path := filepath.Join(t.TempDir(), "tone.wav")
		if err := writeToneWAV(path, tc.freq, tc.rate, 1); err != nil {
			t.Fatal(err)
		}
		s, rate, err := readWAV(path)
		if err != nil {
			t.Fatal(err)
		}
		if rate != tc.rate || len(s) != tc.rate {
			t.Fatalf("rate %d samples %d, want %d", rate, len(s), tc.rate)
		}
		sp := dominant(s, rate)
		if err := heard(sp, tc.freq); err != nil {
			t.Errorf("%v Hz at %d: %v", tc.freq, tc.rate, err)
		}
		if err := heard(sp, 700); err == nil {
			t.Errorf("%v Hz taken for 700 Hz: %v", tc.freq, sp)
		}
	}
}

func TestHeardRejectsSilenceAndNoise(t *testing.T) {
	if err := heard(dominant(make([]float64, 8000), 8000), 440); err == nil {
		t.Error("silence accepted")
	}
	// White noise has energy everywhere and no clear peak.
	noise := make([]float64, 8000)
	x := uint32(1)
	for i := range noise {
		x = x*1664525 + 1013904223
		noise[i] = float64(int32(x)) / math.MaxInt32 * 0.3
	}
	if err := heard(dominant(noise, 8000), 440); err == nil {
		t.Error("white noise accepted as 440 Hz")
	}
}

func TestG711Decoders(t *testing.T) {
	// µ-law 0xff and A-law 0xd5 are the codes nearest zero.
	if v := ulaw(0xff); v != 0 {
		t.Errorf("ulaw(0xff) = %v", v)
	}
	if v := math.Abs(alaw(0xd5)); v > 0.001 {
		t.Errorf("alaw(0xd5) = %v", v)
	}
	// The loudest codes are close to full scale with opposite signs.
	if v := ulaw(0x00); v > -0.9 {
		t.Errorf("ulaw(0x00) = %v", v)
	}
	if v := ulaw(0x80); v < 0.9 {
		t.Errorf("ulaw(0x80) = %v", v)
	}
	if v := alaw(0xaa); v < 0.9 {
		t.Errorf("alaw(0xaa) = %v", v)
	}
	if v := alaw(0x2a); v > -0.9 {
		t.Errorf("alaw(0x2a) = %v", v)
	}
}
