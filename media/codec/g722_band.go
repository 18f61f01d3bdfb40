package codec

// g722Band is the adaptive state of one G.722 sub-band: the pole-zero
// predictor (two poles, six zeros) and the quantizer scale factor. The
// encoder and the decoder run identical copies, which is what keeps them
// in step without side information.
type g722Band struct {
	s   int    // predictor output: sp + sz (PREDIC)
	sp  int    // pole section output (FILTEP)
	sz  int    // zero section output (FILTEZ)
	r   [3]int // reconstructed signal, r[0] newest (RECONS)
	p   [3]int // partially reconstructed signal (PARREC)
	a   [3]int // pole coefficients a1, a2 (index 0 unused)
	d   [7]int // quantized difference signal, d[0] newest
	b   [7]int // zero coefficients b1…b6 (index 0 unused)
	nb  int    // logarithmic scale factor
	det int    // linear scale factor
}

// reset puts the band in its initial state; minDet is the scale factor for
// nb = 0 (32 for the lower band, 8 for the higher one).
func (b *g722Band) reset(minDet int) {
	*b = g722Band{det: minDet}
}

// adaptLow updates the lower band's scale factor from a 4-bit code
// (LOGSCL and SCALEL).
func (b *g722Band) adaptLow(code4 int) {
	b.nb = clamp(b.nb*127>>7+g722WL[g722RL42[code4]], 0, 18432)
	b.det = g722Scale(b.nb, 8)
}

// adaptHigh updates the higher band's scale factor from a 2-bit code
// (LOGSCH and SCALEH).
func (b *g722Band) adaptHigh(code2 int) {
	b.nb = clamp(b.nb*127>>7+g722WH[g722RH2[code2]], 0, 22528)
	b.det = g722Scale(b.nb, 10)
}

// g722Scale converts a log scale factor to the linear one (SCALEL/SCALEH).
func g722Scale(nb, shift int) int {
	m := g722ILB[(nb>>6)&31]
	if e := shift - nb>>11; e < 0 {
		m <<= -e
	} else {
		m >>= e
	}
	return m << 2
}

// update runs the predictor adaptation for a new quantized difference d
// (G.722 block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP,
// FILTEZ, PREDIC).
func (b *g722Band) update(d int) {
	b.d[0] = d
	b.r[0] = sat16i(b.s + d)
	b.p[0] = sat16i(b.sz + d)

	// UPPOL2: second pole coefficient.
	sg0, sg1, sg2 := b.p[0]>>15, b.p[1]>>15, b.p[2]>>15
	wd1 := sat16i(b.a[1] << 2)
	wd2 := wd1
	if sg0 == sg1 {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := -128
	if sg0 == sg2 {
		wd3 = 128
	}
	a2 := clamp(wd3+wd2>>7+b.a[2]*32512>>15, -12288, 12288)

	// UPPOL1: first pole coefficient, limited by the second.
	wd1 = -192
	if sg0 == sg1 {
		wd1 = 192
	}
	a1 := sat16i(wd1 + b.a[1]*32640>>15)
	lim := sat16i(15360 - a2)
	a1 = clamp(a1, -lim, lim)

	// UPZERO: zero coefficients by sign-sign adaptation.
	step := 128
	if d == 0 {
		step = 0
	}
	sgd := d >> 15
	var bp [7]int
	for i := 1; i < 7; i++ {
		s := step
		if b.d[i]>>15 != sgd {
			s = -step
		}
		bp[i] = sat16i(s + b.b[i]*32640>>15)
	}

	// DELAYA: age the histories.
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = bp[i]
	}
	b.r[2], b.r[1] = b.r[1], b.r[0]
	b.p[2], b.p[1] = b.p[1], b.p[0]
	b.a[1], b.a[2] = a1, a2

	// FILTEP, FILTEZ, PREDIC: the next prediction.
	sp := b.a[1]*sat16i(b.r[1]+b.r[1])>>15 + b.a[2]*sat16i(b.r[2]+b.r[2])>>15
	b.sp = sat16i(sp)
	sz := 0
	for i := 6; i > 0; i-- {
		sz += b.b[i] * sat16i(b.d[i]+b.d[i]) >> 15
	}
	b.sz = sat16i(sz)
	b.s = sat16i(b.sp + b.sz)
}

// sat16i saturates to the int16 range.
func sat16i(v int) int { return clamp(v, -32768, 32767) }

// clamp limits v to [lo, hi].
func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
