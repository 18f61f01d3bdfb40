//go:build cgo

package codec

import (
	"errors"
	"testing"
)

// opusRoundTrip encodes in (48 kHz mono) in 20 ms frames and decodes it.
func opusRoundTrip(t *testing.T, enc Encoder, dec Decoder, in []int16) []int16 {
	t.Helper()
	var out []int16
	payload := make([]byte, 1500)
	pcm := make([]int16, opusMaxFrame)
	for i := 0; i+960 <= len(in); i += 960 {
		n, err := enc.Encode(in[i:i+960], payload)
		if err != nil {
			t.Fatal(err)
		}
		m, err := dec.Decode(payload[:n], pcm)
		if err != nil || m != 960 {
			t.Fatalf("decode: %d, %v", m, err)
		}
		out = append(out, pcm[:m]...)
	}
	return out
}

func TestOpusRoundTrip(t *testing.T) {
	enc, err := NewEncoder(Opus, EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := NewDecoder(Opus, DecoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out := opusRoundTrip(t, enc, dec, tone(48000, 1000, 10000, 0, 48000))
	f, snr := toneQuality(out[9600:], 48000)
	if f < 990 || f > 1010 || snr < 20 {
		t.Errorf("%.2f Hz, SNR %.1f dB", f, snr)
	}
	t.Logf("Opus 1 kHz: %.3f Hz, SNR %.1f dB", f, snr)
}

// TestOpusStereoToMono feeds a stereo stream (as a browser may send with
// stereo=1) to the mono decoder: libopus mixes it down.
func TestOpusStereoToMono(t *testing.T) {
	enc, err := newOpusEncoderChannels(OpusConfig{Bitrate: 64000}, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, _ := NewDecoder(Opus, DecoderConfig{})
	defer dec.Close()
	mono := tone(48000, 1000, 10000, 0, 48000)
	stereo := make([]int16, 2*len(mono))
	for i, s := range mono {
		stereo[2*i], stereo[2*i+1] = s, s
	}
	var out []int16
	payload := make([]byte, 1500)
	pcm := make([]int16, opusMaxFrame)
	for i := 0; i+1920 <= len(stereo); i += 1920 {
		n, err := enc.Encode(stereo[i:i+1920], payload)
		if err != nil {
			t.Fatal(err)
		}
		// RFC 6716 §3.1: the TOC byte's s bit marks a stereo packet.
		if payload[0]&0x04 == 0 {
			t.Fatal("encoder did not produce a stereo packet")
		}
		m, err := dec.Decode(payload[:n], pcm)
		if err != nil || m != 960 {
			t.Fatalf("decode: %d, %v", m, err)
		}
		out = append(out, pcm[:m]...)
	}
	f, snr := toneQuality(out[9600:], 48000)
	if f < 990 || f > 1010 || snr < 20 {
		t.Errorf("%.2f Hz, SNR %.1f dB", f, snr)
	}
}

// TestOpusConcealAndFEC loses each packet in turn and rebuilds it from the
// FEC data of the packet after it, and by plain concealment; the reference
// decoder received it. FEC must be present in many packets and come closer
// to the reference than concealment.
func TestOpusConcealAndFEC(t *testing.T) {
	enc, _ := NewEncoder(Opus, EncoderConfig{Opus: OpusConfig{PacketLossPercent: 20}})
	defer enc.Close()
	in := voiceLike(48000 * 2)
	var packets [][]byte
	for i := 0; i+960 <= len(in); i += 960 {
		b := make([]byte, 1500)
		n, err := enc.Encode(in[i:i+960], b)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, b[:n])
	}
	decode := func(lost int, mode string) []int16 {
		dec, _ := NewDecoder(Opus, DecoderConfig{})
		defer dec.Close()
		pcm := make([]int16, opusMaxFrame)
		for i, p := range packets[:lost] {
			if _, err := dec.Decode(p, pcm); err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
		}
		var n int
		var err error
		switch mode {
		case "fec":
			n, err = dec.(FECDecoder).DecodeFEC(packets[lost+1], pcm[:960])
		case "plc":
			n = dec.Conceal(pcm)
		default:
			n, err = dec.Decode(packets[lost], pcm)
		}
		if err != nil || n != 960 {
			t.Fatalf("%s: %d samples, %v", mode, n, err)
		}
		return pcm[:n]
	}
	diff := func(a, b []int16) float64 {
		var e float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			e += d * d
		}
		return e
	}
	var errFEC, errPLC float64
	withFEC := 0
	for lost := 20; lost < 60; lost++ {
		ref, fec, plc := decode(lost, "ref"), decode(lost, "fec"), decode(lost, "plc")
		if diff(fec, plc) != 0 {
			withFEC++
		}
		errFEC += diff(ref, fec)
		errPLC += diff(ref, plc)
	}
	t.Logf("FEC in %d of 40 packets; error energy FEC %.3g, concealment %.3g", withFEC, errFEC, errPLC)
	if withFEC < 10 || errFEC >= errPLC {
		t.Errorf("FEC in %d packets, error %.3g vs concealment %.3g", withFEC, errFEC, errPLC)
	}
	dec, _ := NewDecoder(Opus, DecoderConfig{})
	defer dec.Close()
	if _, err := dec.Decode(nil, make([]int16, 960)); !errors.Is(err, ErrEmptyPayload) {
		t.Errorf("empty payload: %v", err)
	}
	if n := dec.Conceal(make([]int16, 960)); n != 960 {
		t.Errorf("Conceal before any packet: %d samples", n)
	}
}

func TestOpusConfigAndClose(t *testing.T) {
	for _, cfg := range []OpusConfig{{Bitrate: 100}, {Complexity: 11}, {PacketLossPercent: 101}} {
		if _, err := NewEncoder(Opus, EncoderConfig{Opus: cfg}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	enc, _ := NewEncoder(Opus, EncoderConfig{})
	if _, err := enc.Encode(make([]int16, 100), make([]byte, 100)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("odd frame: %v", err)
	}
	if err := enc.(LossHinter).SetPacketLossPercent(3); err != nil {
		t.Error(err)
	}
	enc.Close()
	enc.Close()
	if _, err := enc.Encode(make([]int16, 960), make([]byte, 100)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	dec, _ := NewDecoder(Opus, DecoderConfig{})
	dec.Close()
	dec.Close()
	if _, err := dec.Decode([]byte{1}, make([]int16, 960)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if dec.Conceal(make([]int16, 960)) != 0 {
		t.Error("Conceal after Close wrote samples")
	}
}

// TestOpusDefaultBitrateFollowsInputBand: with no bitrate set, speech from
// a narrowband leg comes out near 20 kbit/s, from a wideband leg near
// 24 kbit/s, and at 48 kHz near DefaultOpusBitrate; a configured bitrate
// wins. The Validate method checks the same ranges as the encoder.
func TestOpusDefaultBitrateFollowsInputBand(t *testing.T) {
	cases := []struct {
		rate, bitrate, want int
	}{
		{8000, 0, 20000}, {16000, 0, 24000}, {48000, 0, DefaultOpusBitrate}, {8000, 12000, 12000},
	}
	for _, c := range cases {
		enc, err := NewEncoder(Opus, EncoderConfig{SampleRate: c.rate, Opus: OpusConfig{Bitrate: c.bitrate}})
		if err != nil {
			t.Fatal(err)
		}
		pcm := voiceLikeAt(c.rate, 3*c.rate)
		frame := c.rate / 50
		out := make([]byte, 1500)
		bytes := 0
		for i := 0; i+frame <= len(pcm); i += frame {
			n, err := enc.Encode(pcm[i:i+frame], out)
			if err != nil {
				t.Fatal(err)
			}
			bytes += n
		}
		enc.Close()
		got := bytes * 8 / 3
		t.Logf("%d Hz, bitrate %d: %d bit/s", c.rate, c.bitrate, got)
		if got < c.want*7/10 || got > c.want*12/10 {
			t.Errorf("%d Hz, bitrate %d: %d bit/s, want about %d", c.rate, c.bitrate, got, c.want)
		}
	}
	if err := (OpusConfig{Complexity: 11}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Validate: %v", err)
	}
	if err := (OpusConfig{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
}
