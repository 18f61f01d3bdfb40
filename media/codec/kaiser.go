package codec

import "math"

// lowpass designs a linear-phase windowed-sinc low-pass FIR filter with a
// Kaiser window. cutoff is the -6 dB frequency and transition the width of
// the band between passband edge and stopband edge, both as fractions of
// the sampling rate; atten is the stopband attenuation in dB. The length
// follows Kaiser's estimate, rounded up to a multiple of multiple. The taps
// sum to 1 (unit gain at DC).
func lowpass(cutoff, transition, atten float64, multiple int) []float64 {
	// Kaiser's formulas for the window shape and the length needed.
	beta := 0.0
	switch {
	case atten > 50:
		beta = 0.1102 * (atten - 8.7)
	case atten >= 21:
		beta = 0.5842*math.Pow(atten-21, 0.4) + 0.07886*(atten-21)
	}
	n := int(math.Ceil((atten-7.95)/(2.285*2*math.Pi*transition))) + 1
	if r := n % multiple; r != 0 {
		n += multiple - r
	}
	h := make([]float64, n)
	mid := float64(n-1) / 2
	i0b := besselI0(beta)
	sum := 0.0
	for i := range h {
		x := float64(i) - mid
		sinc := 2 * cutoff
		if x != 0 {
			sinc = math.Sin(2*math.Pi*cutoff*x) / (math.Pi * x)
		}
		r := 2*float64(i)/float64(n-1) - 1
		w := besselI0(beta*math.Sqrt(max(0, 1-r*r))) / i0b
		h[i] = sinc * w
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed from its power series until the terms no longer matter.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
