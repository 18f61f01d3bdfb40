package codec

import "fmt"

// G.722 at 64 kbit/s (mode 1): a quadrature mirror filter splits 16 kHz
// audio into a lower and a higher 8 kHz sub-band, coded with 6-bit and
// 2-bit ADPCM. Each pair of input samples gives one byte, higher-band bits
// on top (G.722 §1.4). In RTP each byte is one tick of the 8 kHz clock
// although it stands for two 16 kHz samples (RFC 3551 §4.5.2).

// g722Encoder implements Encoder for G.722.
type g722Encoder struct {
	x    [24]int // QMF input history, newest last
	low  g722Band
	high g722Band
}

// newG722Encoder returns an encoder in the initial state of G.722 §6.
func newG722Encoder() *g722Encoder {
	e := &g722Encoder{}
	e.low.reset(32)
	e.high.reset(8)
	return e
}

// Codec implements Encoder.
func (e *g722Encoder) Codec() Codec { return G722 }

// SampleRate implements Encoder.
func (e *g722Encoder) SampleRate() int { return 16000 }

// Encode implements Encoder. len(pcm) must be even.
func (e *g722Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if len(pcm) == 0 || len(pcm)%2 != 0 {
		return 0, fmt.Errorf("%w: G.722 needs an even number of samples, got %d", ErrFrameSize, len(pcm))
	}
	n := len(pcm) / 2
	if len(out) < n {
		return 0, fmt.Errorf("%w: G.722 needs %d bytes, have %d", ErrBufferTooSmall, n, len(out))
	}
	for i := range n {
		out[i] = e.encodePair(int(pcm[2*i]), int(pcm[2*i+1]))
	}
	return n, nil
}

// encodePair codes two consecutive samples into one byte.
func (e *g722Encoder) encodePair(s0, s1 int) byte {
	// Transmit QMF: the sums of the even and odd polyphase branches give
	// the lower band (their sum) and the higher band (their difference).
	copy(e.x[:22], e.x[2:])
	e.x[22], e.x[23] = s0, s1
	var even, odd int
	for i := range 12 {
		odd += e.x[2*i] * g722QMF[i]
		even += e.x[2*i+1] * g722QMF[11-i]
	}
	xl := (even + odd) >> 14
	xh := (even - odd) >> 14

	// Lower band: SUBTRA, QUANTL, INVQAL, LOGSCL/SCALEL, block 4.
	el := sat16i(xl - e.low.s)
	mag := el
	if el < 0 {
		mag = -(el + 1)
	}
	k := 1
	for ; k < 30; k++ {
		if mag < g722Q6[k]*e.low.det>>12 {
			break
		}
	}
	il := g722ILP[k]
	if el < 0 {
		il = g722ILN[k]
	}
	c4 := il >> 2
	dl := e.low.det * g722QM4[c4] >> 15
	e.low.adaptLow(c4)
	e.low.update(dl)

	// Higher band: SUBTRA, QUANTH, INVQAH, LOGSCH/SCALEH, block 4.
	eh := sat16i(xh - e.high.s)
	mag = eh
	if eh < 0 {
		mag = -(eh + 1)
	}
	m := 1
	if mag >= 564*e.high.det>>12 {
		m = 2
	}
	ih := g722IHP[m]
	if eh < 0 {
		ih = g722IHN[m]
	}
	dh := e.high.det * g722QM2[ih] >> 15
	e.high.adaptHigh(ih)
	e.high.update(dh)

	return byte(ih<<6 | il)
}

// Close implements Encoder.
func (e *g722Encoder) Close() error { return nil }

// g722Decoder implements Decoder for G.722, concealing losses with plc.
type g722Decoder struct {
	x    [24]int // receive QMF history, newest last
	low  g722Band
	high g722Band
	plc  *plc
}

// newG722Decoder returns a decoder in the initial state of G.722 §6.
func newG722Decoder() *g722Decoder {
	d := &g722Decoder{plc: newPLC(16000)}
	d.low.reset(32)
	d.high.reset(8)
	return d
}

// Codec implements Decoder.
func (d *g722Decoder) Codec() Codec { return G722 }

// SampleRate implements Decoder.
func (d *g722Decoder) SampleRate() int { return 16000 }

// Decode implements Decoder. Every byte is a valid G.722 code word, so any
// payload decodes (garbage decodes to noise).
func (d *g722Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(payload) == 0 {
		return 0, ErrEmptyPayload
	}
	n := 2 * len(payload)
	if len(pcm) < n {
		return 0, fmt.Errorf("%w: %d samples for %d G.722 bytes", ErrBufferTooSmall, len(pcm), len(payload))
	}
	pcm = pcm[:n]
	for i, b := range payload {
		pcm[2*i], pcm[2*i+1] = d.decodeByte(b)
	}
	d.plc.record(pcm)
	return n, nil
}

// decodeByte decodes one code word into two samples.
func (d *g722Decoder) decodeByte(code byte) (int16, int16) {
	il := int(code & 0x3F)
	ih := int(code >> 6)

	// Lower band: INVQBL, RECONS, LIMIT, then the predictor path
	// (INVQAL, LOGSCL/SCALEL, block 4) on the code's 4 top bits.
	rl := clamp(d.low.s+d.low.det*g722QM6[il]>>15, -16384, 16383)
	c4 := il >> 2
	dl := d.low.det * g722QM4[c4] >> 15
	d.low.adaptLow(c4)
	d.low.update(dl)

	// Higher band: INVQAH, RECONS, LIMIT, LOGSCH/SCALEH, block 4.
	dh := d.high.det * g722QM2[ih] >> 15
	rh := clamp(d.high.s+dh, -16384, 16383)
	d.high.adaptHigh(ih)
	d.high.update(dh)

	// Receive QMF: rebuild the two 16 kHz samples.
	copy(d.x[:22], d.x[2:])
	d.x[22], d.x[23] = rl+rh, rl-rh
	var o1, o2 int
	for i := range 12 {
		o2 += d.x[2*i] * g722QMF[i]
		o1 += d.x[2*i+1] * g722QMF[11-i]
	}
	return int16(sat16i(o1 >> 11)), int16(sat16i(o2 >> 11))
}

// Conceal implements Decoder.
func (d *g722Decoder) Conceal(pcm []int16) int { return d.plc.conceal(pcm) }

// Close implements Decoder.
func (d *g722Decoder) Close() error { return nil }
