package codec

import (
	"errors"
	"testing"
)

func TestG711KnownCodes(t *testing.T) {
	tests := []struct {
		x          int16
		ulaw, alaw byte
	}{
		// G.711: µ-law sends positive zero as 0xFF, A-law as 0xD5 (even
		// bits inverted); the extremes land in the last segment.
		{0, 0xFF, 0xD5},
		{-1, 0x7F, 0x55},
		{32767, 0x80, 0xAA},
		{-32768, 0x00, 0x2A},
	}
	for _, tt := range tests {
		if got := ulawEncode(tt.x); got != tt.ulaw {
			t.Errorf("µ-law(%d) = %#x, want %#x", tt.x, got, tt.ulaw)
		}
		if got := alawEncode(tt.x); got != tt.alaw {
			t.Errorf("A-law(%d) = %#x, want %#x", tt.x, got, tt.alaw)
		}
	}
	ulaw := map[byte]int16{0xFF: 0, 0x7F: 0, 0x80: 32124, 0x00: -32124}
	for code, want := range ulaw {
		if got := ulawDecode(code); got != want {
			t.Errorf("µ-law decode %#x = %d, want %d", code, got, want)
		}
	}
	// A-law has no zero level: the smallest codes decode to ±8.
	alaw := map[byte]int16{0xD5: 8, 0x55: -8, 0xAA: 32256, 0x2A: -32256}
	for code, want := range alaw {
		if got := alawDecode(code); got != want {
			t.Errorf("A-law decode %#x = %d, want %d", code, got, want)
		}
	}
}

// TestG711Quantization checks every 16-bit input: the code's reconstruction
// lies within half a step of the input (a step doubles per segment), the
// mapping is monotonic, and it is symmetric under one's complement as in
// the ITU-T G.191 reference (x and -x-1 differ only in the sign bit).
func TestG711Quantization(t *testing.T) {
	tab := tables711()
	for _, law := range []struct {
		name  string
		enc   *[65536]byte
		dec   *[256]int16
		sign  byte
		clipH int // magnitude where the top segment ends
	}{
		{"µ-law", &tab.ulawEnc, &tab.ulawDec, 0x80, 32124 + 512},
		{"A-law", &tab.alawEnc, &tab.alawDec, 0x80, 32256 + 512},
	} {
		prev := -1 << 20
		for x := -32768; x <= 32767; x++ {
			code := law.enc[uint16(int16(x))]
			y := int(law.dec[code])
			if y < prev {
				t.Fatalf("%s: not monotonic at %d", law.name, x)
			}
			prev = y
			step := 8 // A-law and µ-law finest steps are 16 and 8 (in 16-bit units)
			if m := abs(y); m >= 256 {
				step = 1 << (bitsLen(m) - 4)
			}
			if abs(x) < law.clipH && abs(x-y) > step {
				t.Fatalf("%s: %d decodes to %d (step %d)", law.name, x, y, step)
			}
			if c2 := law.enc[uint16(int16(-x-1))]; c2 != code^law.sign {
				t.Fatalf("%s: %d -> %#x but %d -> %#x", law.name, x, code, -x-1, c2)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func bitsLen(v int) int {
	n := 0
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}

func TestG711RoundTrip(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		enc, _ := NewEncoder(c, EncoderConfig{})
		dec, _ := NewDecoder(c, DecoderConfig{})
		in := tone(8000, 1000, 12000, 0, 8000)
		out := make([]int16, 0, len(in))
		payload := make([]byte, 160)
		pcm := make([]int16, 160)
		for i := 0; i < len(in); i += 160 {
			n, err := enc.Encode(in[i:i+160], payload)
			if err != nil || n != 160 {
				t.Fatalf("%v encode: %d, %v", c, n, err)
			}
			m, err := dec.Decode(payload[:n], pcm)
			if err != nil || m != 160 {
				t.Fatalf("%v decode: %d, %v", c, m, err)
			}
			out = append(out, pcm[:m]...)
		}
		f, snr := toneQuality(out, 8000)
		// G.711 gives about 38 dB SNR for a loud sine.
		if f < 999 || f > 1001 || snr < 33 {
			t.Errorf("%v: %.2f Hz, SNR %.1f dB", c, f, snr)
		}
		if _, err := dec.Decode(nil, pcm); !errors.Is(err, ErrEmptyPayload) {
			t.Errorf("%v empty payload: %v", c, err)
		}
		if _, err := dec.Decode(make([]byte, 161), pcm); !errors.Is(err, ErrBufferTooSmall) {
			t.Errorf("%v short buffer: %v", c, err)
		}
		if _, err := enc.Encode(in[:160], payload[:10]); !errors.Is(err, ErrBufferTooSmall) {
			t.Errorf("%v short output: %v", c, err)
		}
	}
}
