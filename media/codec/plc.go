package codec

// plc conceals lost frames for codecs without their own concealment (G.711
// and G.722). It follows the idea of ITU-T G.711 Appendix I in a simpler
// form: on the first lost frame it finds the pitch period of the last
// audio played and repeats that period, at full level for the first 10 ms,
// then fading by a fifth every 10 ms until it is silent 60 ms into the
// loss. When audio resumes, the first few milliseconds of the real signal
// are cross-faded with the continued concealment so the splice makes no
// click.
type plc struct {
	hist    []int16 // the most recent output, newest sample last
	period  []int16 // the pitch period being repeated; len(period) is the pitch
	pos     int     // next sample of period to play
	lost    int     // samples concealed in the current loss; 0 when none
	frame   int     // samples per 20 ms
	hold    int     // samples concealed at full level
	fade    int     // samples over which the level falls to silence
	overlap int     // cross-fade length when audio resumes
	minLag  int     // shortest pitch period searched
	maxLag  int     // longest pitch period searched
	window  int     // correlation window of the pitch search
	primed  int     // samples of real audio in hist (it starts silent)
}

// newPLC sizes a concealer for the given sample rate.
func newPLC(rate int) *plc {
	ms := rate / 1000
	p := &plc{
		frame:   rate / framesPerSecond,
		hold:    10 * ms,
		fade:    50 * ms,
		overlap: 4 * ms,
		minLag:  ms * 5 / 2, // 2.5 ms: 400 Hz
		maxLag:  15 * ms,    // 15 ms: 66 Hz
		window:  20 * ms,
	}
	p.hist = make([]int16, p.window+p.maxLag)
	p.period = make([]int16, 0, p.maxLag)
	return p
}

// record takes a frame of real decoded audio. After a loss it first blends
// the frame's beginning with the continued concealment.
func (p *plc) record(pcm []int16) {
	if p.lost > 0 {
		n := min(p.overlap, len(pcm))
		for i := range n {
			s := p.next()
			w := float32(i+1) / float32(n+1)
			pcm[i] = sat16(float32(pcm[i])*w + float32(s)*(1-w))
		}
		p.lost = 0
	}
	p.push(pcm)
}

// push appends samples to the history.
func (p *plc) push(pcm []int16) {
	h := len(p.hist)
	if len(pcm) >= h {
		copy(p.hist, pcm[len(pcm)-h:])
	} else {
		copy(p.hist, p.hist[len(pcm):])
		copy(p.hist[h-len(pcm):], pcm)
	}
	p.primed = min(p.primed+len(pcm), h)
}

// conceal fills one frame (or len(out) when shorter) and returns its length.
func (p *plc) conceal(out []int16) int {
	n := min(p.frame, len(out))
	if p.lost == 0 {
		p.start()
	}
	for i := range n {
		out[i] = p.next()
	}
	return n
}

// start picks the period to repeat for a new loss.
func (p *plc) start() {
	lag := p.pitch()
	h := len(p.hist)
	p.period = append(p.period[:0], p.hist[h-lag:]...)
	p.pos = 0
}

// next returns the following concealment sample and advances the loss.
func (p *plc) next() int16 {
	t := p.lost
	p.lost++
	if t >= p.hold+p.fade || len(p.period) == 0 {
		return 0
	}
	s := float32(p.period[p.pos])
	p.pos++
	if p.pos == len(p.period) {
		p.pos = 0
	}
	if t > p.hold {
		s *= 1 - float32(t-p.hold)/float32(p.fade)
	}
	return sat16(s)
}

// pitch returns the lag in [minLag, maxLag] at which the last window of
// history best matches itself (largest normalized cross-correlation). A
// coarse search on every step-th sample and lag finds the neighbourhood, a
// full-resolution search around it the lag. For history that is too short
// or silent it returns maxLag.
func (p *plc) pitch() int {
	if p.primed < len(p.hist) {
		return p.maxLag
	}
	step := max(1, p.minLag/10) // 2 at 8 kHz, 4 at 16 kHz
	lag, ok := p.search(p.minLag, p.maxLag, step, step)
	if !ok {
		return p.maxLag
	}
	if step > 1 {
		lag, _ = p.search(max(p.minLag, lag-step), min(p.maxLag, lag+step), 1, 1)
	}
	return lag
}

// search scans lags lo..hi in steps of lagStep, correlating every
// sampleStep-th sample of the window, and returns the best lag and whether
// any lag correlated positively.
func (p *plc) search(lo, hi, lagStep, sampleStep int) (int, bool) {
	h := len(p.hist)
	x := p.hist[h-p.window:]
	best, bestLag := float32(0), 0
	for lag := lo; lag <= hi; lag += lagStep {
		y := p.hist[h-p.window-lag : h-lag]
		var xy, yy float32
		for i := 0; i < len(x); i += sampleStep {
			w := float32(y[i])
			xy += float32(x[i]) * w
			yy += w * w
		}
		if xy <= 0 || yy == 0 {
			continue
		}
		// Compare xy/sqrt(yy) without the root: xy²/yy.
		if c := xy * xy / yy; c > best {
			best, bestLag = c, lag
		}
	}
	return bestLag, bestLag != 0
}

// sat16 rounds to the nearest int16, saturating.
func sat16(v float32) int16 {
	if v >= 32767 {
		return 32767
	}
	if v <= -32768 {
		return -32768
	}
	if v < 0 {
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}
