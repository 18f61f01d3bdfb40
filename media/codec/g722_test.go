package codec

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// The golden files were produced by an independent G.722 implementation
// (the one in Debian's libspandsp, g722_encode_init(NULL, 64000, 0) and
// g722_decode_init likewise) from g722GoldenInput: its encoded bytes, and
// its decoding of those bytes, as raw little-endian 16-bit samples. That implementation lets the QMF output wrap
// around on overflow where G.722 limits it; at those samples ours must
// sit at the limit instead.

func TestG722MatchesReferenceEncoder(t *testing.T) {
	want, err := os.ReadFile("testdata/g722_enc.golden")
	if err != nil {
		t.Fatal(err)
	}
	in := g722GoldenInput()
	got := make([]byte, len(in)/2)
	enc := newG722Encoder()
	// Encode in 20 ms frames to cover state carried across calls.
	for i := 0; i < len(in); i += 320 {
		if _, err := enc.Encode(in[i:i+320], got[i/2:]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("byte %d: got %#02x, want %#02x", i, got[i], want[i])
		}
	}
}

func TestG722MatchesReferenceDecoder(t *testing.T) {
	codes, err := os.ReadFile("testdata/g722_enc.golden")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile("testdata/g722_dec.golden")
	if err != nil {
		t.Fatal(err)
	}
	dec := newG722Decoder()
	got := make([]int16, 2*len(codes))
	for i := 0; i < len(codes); i += 160 {
		if _, err := dec.Decode(codes[i:i+160], got[2*i:]); err != nil {
			t.Fatal(err)
		}
	}
	saturated := 0
	for i, g := range got {
		w := int16(binary.LittleEndian.Uint16(ref[2*i:]))
		if g == w {
			continue
		}
		if (g == 32767 && w < 0) || (g == -32768 && w > 0) {
			saturated++
			continue
		}
		t.Fatalf("sample %d: got %d, want %d", i, g, w)
	}
	if saturated > 100 {
		t.Errorf("%d saturated samples, expected only a few in the clipping section", saturated)
	}
}

func TestG722RoundTrip(t *testing.T) {
	enc, _ := NewEncoder(G722, EncoderConfig{})
	dec, _ := NewDecoder(G722, DecoderConfig{})
	for _, freq := range []float64{1000, 6000} {
		in := tone(16000, freq, 12000, 0, 16000)
		var out []int16
		payload := make([]byte, 160)
		pcm := make([]int16, 320)
		for i := 0; i < len(in); i += 320 {
			n, err := enc.Encode(in[i:i+320], payload)
			if err != nil || n != 160 {
				t.Fatalf("encode: %d, %v", n, err)
			}
			m, err := dec.Decode(payload, pcm)
			if err != nil || m != 320 {
				t.Fatalf("decode: %d, %v", m, err)
			}
			out = append(out, pcm...)
		}
		f, snr := toneQuality(out[1600:], 16000)
		if f < freq*0.999 || f > freq*1.001 || snr < 25 {
			t.Errorf("%v Hz tone: %.2f Hz, SNR %.1f dB", freq, f, snr)
		}
	}
	if _, err := enc.Encode(make([]int16, 3), make([]byte, 10)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("odd frame: %v", err)
	}
	if _, err := dec.Decode(nil, make([]int16, 10)); !errors.Is(err, ErrEmptyPayload) {
		t.Errorf("empty payload: %v", err)
	}
	if _, err := dec.Decode(make([]byte, 10), make([]int16, 10)); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("short buffer: %v", err)
	}
	if G722.ClockRate() != 8000 || G722.SampleRate() != 16000 || G722.FrameTicks() != 160 || G722.FrameSamples() != 320 {
		t.Error("G.722 rates: RFC 3551 §4.5.2 clock 8000, audio 16000")
	}
}
