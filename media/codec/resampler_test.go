package codec

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"testing"
)

var ratePairs = [][2]int{
	{8000, 16000}, {16000, 8000},
	{8000, 48000}, {48000, 8000},
	{16000, 48000}, {48000, 16000},
}

// resampleAll runs x through a new resampler in 20 ms frames.
func resampleAll(t testing.TB, from, to int, x []int16) []int16 {
	r, err := NewResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	frame := from / 50
	out := make([]int16, 0, len(x)*to/from+8)
	buf := make([]int16, r.MaxOut(frame))
	for i := 0; i+frame <= len(x); i += frame {
		n, err := r.Process(x[i:i+frame], buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != to/50 {
			t.Fatalf("%d→%d: frame gave %d samples, want %d", from, to, n, to/50)
		}
		out = append(out, buf[:n]...)
	}
	return out
}

// TestResamplerFilterDesign checks the prototype filters themselves: at
// most 0.1 dB ripple up to the passband edge, at least 60 dB attenuation
// from the lower Nyquist frequency up.
func TestResamplerFilterDesign(t *testing.T) {
	for _, p := range ratePairs {
		r, _ := NewResampler(p[0], p[1])
		fs := float64(r.up * r.from)
		nyq := float64(min(p[0], p[1])) / 2
		// Reassemble the prototype from the polyphase bank.
		h := make([]float64, r.taps*r.up)
		for ph := range r.up {
			for k := range r.taps {
				h[ph+k*r.up] = float64(r.bank[ph*r.taps+r.taps-1-k]) / float64(r.up)
			}
		}
		gain := func(f float64) float64 {
			var s complex128
			for i, c := range h {
				s += complex(c, 0) * cmplx.Exp(complex(0, -2*math.Pi*f/fs*float64(i)))
			}
			return 20 * math.Log10(cmplx.Abs(s))
		}
		worstPass, worstStop := 0.0, -1000.0
		for f := 0.0; f <= resamplerPass*nyq; f += 25 {
			worstPass = math.Max(worstPass, math.Abs(gain(f)))
		}
		for f := nyq; f <= fs/2; f += 25 {
			worstStop = math.Max(worstStop, gain(f))
		}
		t.Logf("%d→%d: %d taps, passband ripple %.4f dB, stopband %.1f dB", p[0], p[1], len(h), worstPass, worstStop)
		if worstPass > 0.1 || worstStop > -60 {
			t.Errorf("%d→%d: ripple %.3f dB, stopband %.1f dB", p[0], p[1], worstPass, worstStop)
		}
	}
}

// TestResamplerPassband sends tones inside the passband: each keeps its
// frequency and its level within 0.5 dB, with no other content (images or
// aliases) above -50 dB.
func TestResamplerPassband(t *testing.T) {
	for _, p := range ratePairs {
		for _, f := range []float64{300, 1000, 3000} {
			t.Run(fmt.Sprintf("%d→%d/%v", p[0], p[1], f), func(t *testing.T) {
				in := tone(p[0], f, 10000, 0, p[0]/2)
				out := resampleAll(t, p[0], p[1], in)
				steady := out[len(out)/4:]
				freq := peakFrequency(steady, p[1])
				sig, res := fitSine(steady, p[1], f)
				snr := 10 * math.Log10(sig/res)
				level := 10 * math.Log10(sig*2/(10000*10000))
				if math.Abs(freq-f) > f*0.001 || math.Abs(level) > 0.5 || snr < 50 {
					t.Errorf("%.2f Hz, level %.3f dB, SNR %.1f dB", freq, level, snr)
				}
			})
		}
	}
}

// TestResamplerStopband sends tones above the output's Nyquist frequency
// through each downsampler: they must come out at least 50 dB weaker.
func TestResamplerStopband(t *testing.T) {
	cases := []struct {
		from, to int
		freqs    []float64
	}{
		{16000, 8000, []float64{4100, 5000, 7500}},
		{48000, 8000, []float64{4100, 6000, 10000, 23000}},
		{48000, 16000, []float64{8200, 12000, 20000}},
	}
	for _, c := range cases {
		for _, f := range c.freqs {
			in := tone(c.from, f, 20000, 0, c.from/2)
			out := resampleAll(t, c.from, c.to, in)
			att := 20 * math.Log10(rms(out[len(out)/4:])*math.Sqrt2/20000)
			if att > -50 {
				t.Errorf("%d→%d: %v Hz only %.1f dB down", c.from, c.to, f, att)
			}
		}
	}
}

// TestResamplerContinuity splits one signal into frames of varying sizes:
// the output must equal the one-piece result sample for sample, so frame
// boundaries leave no trace.
func TestResamplerContinuity(t *testing.T) {
	for _, p := range ratePairs {
		in := tone(p[0], 997, 12000, 0, p[0]/5)
		whole, err := NewResampler(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int16, whole.MaxOut(len(in)))
		n, _ := whole.Process(in, want)
		want = want[:n]

		pieces, _ := NewResampler(p[0], p[1])
		var got []int16
		buf := make([]int16, pieces.MaxOut(len(in)))
		sizes := []int{1, 7, 160, 3, 961, 320, 13, 2000}
		for i, k := 0, 0; i < len(in); k++ {
			end := min(len(in), i+sizes[k%len(sizes)])
			m, err := pieces.Process(in[i:end], buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:m]...)
			i = end
		}
		if len(got) != len(want) {
			t.Fatalf("%d→%d: %d samples in pieces, %d whole", p[0], p[1], len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%d→%d: sample %d differs: %d vs %d", p[0], p[1], i, got[i], want[i])
			}
		}
		// Past the onset transient, no jump between consecutive samples
		// beyond the tone's own steepest slope.
		maxStep := 2 * math.Pi * 997 / float64(p[1]) * 12000 * 1.05
		settle := int(2 * whole.Delay().Seconds() * float64(p[1]))
		for i := settle; i < len(got); i++ {
			if math.Abs(float64(got[i])-float64(got[i-1])) > maxStep {
				t.Fatalf("%d→%d: jump at %d", p[0], p[1], i)
			}
		}
	}
}

// TestResamplerDelay compares Delay with the measured shift of a tone.
func TestResamplerDelay(t *testing.T) {
	for _, p := range ratePairs {
		r, _ := NewResampler(p[0], p[1])
		// A click at input sample 0 peaks in the output after Delay.
		in := make([]int16, p[0]/10)
		in[0] = 30000
		out := resampleAll(t, p[0], p[1], in)
		peak := 0
		for i := range out {
			if math.Abs(float64(out[i])) > math.Abs(float64(out[peak])) {
				peak = i
			}
		}
		got := float64(peak) / float64(p[1])
		if math.Abs(got-r.Delay().Seconds()) > 1.5/float64(p[1]) {
			t.Errorf("%d→%d: peak after %.6f s, Delay %v", p[0], p[1], got, r.Delay())
		}
	}
}

func TestResamplerErrors(t *testing.T) {
	if _, err := NewResampler(8000, 44100); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("44.1 kHz: %v", err)
	}
	r, _ := NewResampler(8000, 48000)
	if _, err := r.Process(make([]int16, 160), make([]int16, 100)); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("short output: %v", err)
	}
	same, _ := NewResampler(16000, 16000)
	out := make([]int16, same.MaxOut(4))
	if n, _ := same.Process([]int16{1, 2, 3, 4}, out); n != 4 || out[3] != 4 || same.Delay() != 0 {
		t.Errorf("pass-through gave %d samples", n)
	}
}
