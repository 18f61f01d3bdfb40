package codec

import (
	"fmt"
	"time"
)

// Resampler design: the passband reaches 85 % of the lower rate's Nyquist
// frequency (3.4 kHz at 8 kHz, 6.8 kHz at 16 kHz, the telephone and G.722
// bands) and the stopband starts at that Nyquist frequency with at least
// resamplerAtten dB of attenuation, so nothing above the new Nyquist
// frequency folds back into the band.
const (
	resamplerPass  = 0.85 // passband edge, fraction of the lower Nyquist frequency
	resamplerAtten = 75.0 // stopband attenuation, dB
)

// resamplerChunk is how many input samples Process handles at a time; it
// bounds the work buffer whatever the caller passes.
const resamplerChunk = 960

// Resampler converts mono 16-bit PCM between 8000, 16000 and 48000 Hz with
// a polyphase windowed-sinc (Kaiser) FIR filter: upsampling by L, low-pass
// filtering and downsampling by M in one step, computing only the outputs
// kept. It carries its filter history from one call to the next, so a
// stream split into frames comes out as if processed in one piece. After
// construction it allocates nothing. It is not safe for concurrent use.
type Resampler struct {
	from, to int
	up, down int       // L and M: to/from = L/M in lowest terms
	taps     int       // taps per polyphase branch (K)
	bank     []float32 // L branches of K taps, each reversed for a forward dot product
	buf      []float32 // input history (K-1 samples) followed by new input
	filled   int       // valid samples in buf
	t        int       // next output's position, in 1/L input samples from buf[0]
}

// NewResampler returns a resampler from one rate to another; both must be
// 8000, 16000 or 48000. Equal rates give a pass-through.
func NewResampler(from, to int) (*Resampler, error) {
	if !rateOK(from) || !rateOK(to) {
		return nil, fmt.Errorf("%w: resampling %d Hz to %d Hz (supported: 8000, 16000, 48000)", ErrInvalidConfig, from, to)
	}
	g := gcd(from, to)
	r := &Resampler{from: from, to: to, up: to / g, down: from / g}
	if from == to {
		return r, nil
	}
	// The filter runs at the upsampled rate L·from.
	fs := float64(r.up * from)
	nyq := float64(min(from, to)) / 2
	pass := resamplerPass * nyq
	h := lowpass((pass+nyq)/2/fs, (nyq-pass)/fs, resamplerAtten, r.up)
	r.taps = len(h) / r.up
	r.bank = make([]float32, len(h))
	for p := range r.up {
		branch := r.bank[p*r.taps : (p+1)*r.taps]
		for k := range r.taps {
			// Branch p weights input i_max-k with h[p+kL]; the factor L
			// restores the level lost to zero-stuffing.
			branch[r.taps-1-k] = float32(h[p+k*r.up] * float64(r.up))
		}
	}
	r.buf = make([]float32, r.taps-1+resamplerChunk)
	r.Reset()
	return r, nil
}

// rateOK reports whether the resampler handles rate.
func rateOK(rate int) bool { return rate == 8000 || rate == 16000 || rate == 48000 }

// gcd is Euclid's greatest common divisor.
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Reset forgets the history, as for a new stream.
func (r *Resampler) Reset() {
	if r.from == r.to {
		return
	}
	clear(r.buf)
	r.filled = r.taps - 1
	r.t = (r.taps - 1) * r.up
}

// From is the input rate in Hz.
func (r *Resampler) From() int { return r.from }

// To is the output rate in Hz.
func (r *Resampler) To() int { return r.to }

// Delay is the filter's group delay: how much later a feature of the input
// appears in the output.
func (r *Resampler) Delay() time.Duration {
	if r.from == r.to {
		return 0
	}
	n := r.taps * r.up // filter length at the upsampled rate
	return time.Duration(float64(n-1) / 2 / float64(r.up*r.from) * float64(time.Second))
}

// MaxOut is the most samples Process can write for n input samples.
func (r *Resampler) MaxOut(n int) int {
	return (n*r.up+r.down-1)/r.down + 1
}

// Process resamples in and writes the result to out, returning the number
// of samples written. Whole frames of 20 ms give exactly 20 ms of output;
// other lengths carry the remainder to the next call. out must hold
// MaxOut(len(in)) samples.
func (r *Resampler) Process(in []int16, out []int16) (int, error) {
	if len(out) < r.MaxOut(len(in)) {
		return 0, fmt.Errorf("%w: resampler output needs %d samples, have %d", ErrBufferTooSmall, r.MaxOut(len(in)), len(out))
	}
	if r.from == r.to {
		return copy(out, in), nil
	}
	n := 0
	for len(in) > 0 {
		c := min(len(in), len(r.buf)-r.filled)
		for i, s := range in[:c] {
			r.buf[r.filled+i] = float32(s)
		}
		r.filled += c
		in = in[c:]
		n += r.run(out[n:])
	}
	return n, nil
}

// run computes every output whose input is buffered, then drops the input
// no later output needs.
func (r *Resampler) run(out []int16) int {
	n := 0
	k := r.taps
	for {
		last := r.t / r.up // newest input sample the output needs
		if last >= r.filled {
			break
		}
		p := r.t - last*r.up
		out[n] = sat16(dot(r.bank[p*k:(p+1)*k], r.buf[last-k+1:last+1]))
		n++
		r.t += r.down
	}
	drop := r.t/r.up - (k - 1)
	if drop > 0 {
		drop = min(drop, r.filled)
		copy(r.buf, r.buf[drop:r.filled])
		r.filled -= drop
		r.t -= drop * r.up
	}
	return n
}

// dot returns the inner product of two equally long vectors. Four
// independent sums keep the floating-point adder busy; reslicing instead
// of indexing lets the compiler drop the bounds checks.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	for len(a) >= 8 && len(b) >= 8 {
		s0 += a[0]*b[0] + a[4]*b[4]
		s1 += a[1]*b[1] + a[5]*b[5]
		s2 += a[2]*b[2] + a[6]*b[6]
		s3 += a[3]*b[3] + a[7]*b[7]
		a, b = a[8:], b[8:]
	}
	for i := range a {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
