//go:build cgo

package codec

import (
	"errors"
	"strings"
	"testing"
)

// TestOpusStereoRoundTrip encodes different tones on the two channels, at
// each input rate, and finds each tone again on its own channel after
// decoding at 48 kHz, delayed by the lookahead.
func TestOpusStereoRoundTrip(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		enc, err := NewOpusStereoEncoder(OpusConfig{Bitrate: 64000, DisableFEC: true}, rate)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.SetPacketLossPercent(0); err != nil {
			t.Fatal(err)
		}
		look, err := enc.Lookahead()
		if err != nil || look <= 0 || look > rate/100 {
			t.Errorf("%d Hz: lookahead %d, %v", rate, look, err)
		}
		dec, err := NewOpusStereoDecoder(48000)
		if err != nil {
			t.Fatal(err)
		}
		left, right := tone(rate, 440, 8000, 0, rate), tone(rate, 1000, 8000, 0, rate)
		frame := rate / 50
		in := make([]int16, 2*frame)
		payload := make([]byte, 1275)
		pcm := make([]int16, 2*opusMaxFrame)
		var outL, outR []int16
		for i := 0; i+frame <= rate; i += frame {
			for k := range frame {
				in[2*k], in[2*k+1] = left[i+k], right[i+k]
			}
			n, err := enc.Encode(in, payload)
			if err != nil {
				t.Fatal(err)
			}
			if payload[0]&0x04 == 0 { // RFC 6716 §3.1: the TOC's s bit
				t.Fatal("mono packet")
			}
			m, err := dec.Decode(payload[:n], pcm)
			if err != nil || m != 960 {
				t.Fatalf("decode: %d, %v", m, err)
			}
			for k := range m {
				outL, outR = append(outL, pcm[2*k]), append(outR, pcm[2*k+1])
			}
		}
		fl, snrL := toneQuality(outL[9600:], 48000)
		fr, snrR := toneQuality(outR[9600:], 48000)
		t.Logf("%d Hz in: left %.1f Hz %.1f dB, right %.1f Hz %.1f dB, lookahead %d", rate, fl, snrL, fr, snrR, look)
		if fl < 435 || fl > 445 || fr < 990 || fr > 1010 || snrL < 15 || snrR < 15 {
			t.Errorf("%d Hz: left %.1f Hz %.1f dB, right %.1f Hz %.1f dB", rate, fl, snrL, fr, snrR)
		}
		enc.Close()
		enc.Close()
		dec.Close()
		dec.Close()
		if _, err := enc.Encode(in, payload); !errors.Is(err, ErrClosed) {
			t.Errorf("Encode after Close: %v", err)
		}
		if _, err := enc.Lookahead(); !errors.Is(err, ErrClosed) {
			t.Errorf("Lookahead after Close: %v", err)
		}
		if _, err := dec.Decode(payload[:1], pcm); !errors.Is(err, ErrClosed) {
			t.Errorf("Decode after Close: %v", err)
		}
	}
}

func TestOpusStereoErrors(t *testing.T) {
	if _, err := NewOpusStereoEncoder(OpusConfig{}, 44100); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("encoder at 44.1 kHz: %v", err)
	}
	if _, err := NewOpusStereoEncoder(OpusConfig{Bitrate: 1}, 8000); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bitrate 1: %v", err)
	}
	if _, err := NewOpusStereoDecoder(12345); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("decoder at 12345 Hz: %v", err)
	}
	enc, _ := NewOpusStereoEncoder(OpusConfig{}, 16000)
	defer enc.Close()
	if enc.SampleRate() != 16000 {
		t.Errorf("rate %d", enc.SampleRate())
	}
	if _, err := enc.Encode(make([]int16, 100), make([]byte, 1275)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("odd frame: %v", err)
	}
	if err := enc.SetPacketLossPercent(101); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("loss 101: %v", err)
	}
	dec, _ := NewOpusStereoDecoder(8000)
	defer dec.Close()
	if dec.SampleRate() != 8000 {
		t.Errorf("rate %d", dec.SampleRate())
	}
	if _, err := dec.Decode(nil, make([]int16, 320)); !errors.Is(err, ErrEmptyPayload) {
		t.Errorf("empty: %v", err)
	}
	if _, err := dec.Decode([]byte{1}, make([]int16, 1)); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("no room: %v", err)
	}
	if v := OpusVersion(); !strings.Contains(v, "opus") {
		t.Errorf("version %q", v)
	}
}
