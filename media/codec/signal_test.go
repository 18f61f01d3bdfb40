package codec

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// Signal helpers shared by the tests: tone generation and measurement of
// frequency, fit quality and silent gaps.

// tone returns n samples of a sine at freq Hz, amplitude amp, starting at
// sample offset start (so consecutive calls continue the wave).
func tone(rate int, freq, amp float64, start, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(start+i)/float64(rate))))
	}
	return out
}

// fft is an in-place radix-2 transform; len(x) must be a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*wk
				x[start+k], x[start+k+size/2] = a+b, a-b
				wk *= w
			}
		}
	}
}

// peakFrequency estimates the dominant frequency: FFT of a Hann-windowed
// power-of-two block, peak bin refined by Gaussian (log-parabolic)
// interpolation.
func peakFrequency(x []int16, rate int) float64 {
	n := 1
	for n*2 <= len(x) {
		n *= 2
	}
	buf := make([]complex128, n)
	for i := range buf {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		buf[i] = complex(float64(x[i])*w, 0)
	}
	fft(buf)
	k := 1
	for i := 1; i < n/2-1; i++ {
		if cmplx.Abs(buf[i]) > cmplx.Abs(buf[k]) {
			k = i
		}
	}
	a := math.Log(cmplx.Abs(buf[k-1]) + 1e-9)
	b := math.Log(cmplx.Abs(buf[k]) + 1e-9)
	c := math.Log(cmplx.Abs(buf[k+1]) + 1e-9)
	d := 0.0
	if den := a - 2*b + c; den != 0 {
		d = 0.5 * (a - c) / den
	}
	return (float64(k) + d) * float64(rate) / float64(n)
}

// fitSine fits a·cos + b·sin + c at freq to x by least squares and returns
// the power of the fitted sinusoid and of the residual.
func fitSine(x []int16, rate int, freq float64) (signal, residual float64) {
	w := 2 * math.Pi * freq / float64(rate)
	// Normal equations for the basis (cos, sin, 1).
	cs := make([][2]float64, len(x))
	sincos(cs, w)
	var m [3][3]float64
	var v [3]float64
	for i, s := range x {
		basis := [3]float64{cs[i][0], cs[i][1], 1}
		for r := range 3 {
			v[r] += basis[r] * float64(s)
			for c := range 3 {
				m[r][c] += basis[r] * basis[c]
			}
		}
	}
	coef := solve3(m, v)
	for i, s := range x {
		f := coef[0]*cs[i][0] + coef[1]*cs[i][1]
		e := float64(s) - f - coef[2]
		signal += f * f
		residual += e * e
	}
	return signal / float64(len(x)), residual / float64(len(x))
}

// sincos fills out with cos(w·i), sin(w·i): a rotation recurrence,
// restarted exactly every 256 samples to keep the error negligible.
func sincos(out [][2]float64, w float64) {
	sw, cw := math.Sincos(w)
	var c, s float64
	for i := range out {
		if i%256 == 0 {
			s, c = math.Sincos(w * float64(i))
		} else {
			c, s = c*cw-s*sw, s*cw+c*sw
		}
		out[i] = [2]float64{c, s}
	}
}

// solve3 solves a 3×3 linear system by Cramer's rule.
func solve3(m [3][3]float64, v [3]float64) [3]float64 {
	det := func(a [3][3]float64) float64 {
		return a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
			a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
			a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	}
	d := det(m)
	var out [3]float64
	for c := range 3 {
		mc := m
		for r := range 3 {
			mc[r][c] = v[r]
		}
		out[c] = det(mc) / d
	}
	return out
}

// toneQuality returns the frequency of the dominant tone in x and the SNR
// in dB of the best-fitting sinusoid: the FFT estimate is refined by a
// golden-section search for the frequency whose fit leaves the least
// residual.
func toneQuality(x []int16, rate int) (freq, snr float64) {
	f0 := peakFrequency(x, rate)
	bin := float64(rate) / float64(len(x))
	lo, hi := f0-2*bin, f0+2*bin
	res := func(f float64) float64 { _, r := fitSine(x, rate, f); return r }
	g := (math.Sqrt(5) - 1) / 2
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	ra, rb := res(a), res(b)
	for range 20 {
		if ra < rb {
			hi, b, rb = b, a, ra
			a = hi - g*(hi-lo)
			ra = res(a)
		} else {
			lo, a, ra = a, b, rb
			b = lo + g*(hi-lo)
			rb = res(b)
		}
	}
	freq = (lo + hi) / 2
	s, r := fitSine(x, rate, freq)
	return freq, 10 * math.Log10(s/math.Max(r, 1e-12))
}

// longestSilence returns the longest run of 5 ms windows whose RMS is
// below threshold, as a duration in milliseconds.
func longestSilence(x []int16, rate int, threshold float64) int {
	win := rate / 200
	run, longest := 0, 0
	for i := 0; i+win <= len(x); i += win {
		var e float64
		for _, s := range x[i : i+win] {
			e += float64(s) * float64(s)
		}
		if math.Sqrt(e/float64(win)) < threshold {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest * 5
}

// rms is the root mean square of x.
func rms(x []int16) float64 {
	var e float64
	for _, s := range x {
		e += float64(s) * float64(s)
	}
	return math.Sqrt(e / float64(max(1, len(x))))
}

// voiceLike returns n samples at 48 kHz of a harmonic-rich signal with a
// rising pitch, a 4 Hz syllable envelope and a little noise: enough like
// voiced speech for Opus's voice activity detector, which gates FEC.
func voiceLike(n int) []int16 {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]int16, n)
	phase := 0.0
	for i := range out {
		phase += 2 * math.Pi * (150 + 100*float64(i)/float64(n)) / 48000
		v := 0.0
		for h := 1; h < 20; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		env := 0.6 + 0.4*math.Sin(2*math.Pi*4*float64(i)/48000)
		out[i] = int16(4000*v*env + r.NormFloat64()*300)
	}
	return out
}
