package codec

import "fmt"

// g711Encoder encodes PCMU or PCMA: one byte per 8 kHz sample
// (RFC 3551 §4.5.14), any number of samples per packet.
type g711Encoder struct {
	codec Codec
	table *[65536]byte
}

// newG711Encoder returns an encoder for PCMU or PCMA.
func newG711Encoder(c Codec) *g711Encoder {
	t := tables711()
	e := &g711Encoder{codec: c, table: &t.ulawEnc}
	if c == PCMA {
		e.table = &t.alawEnc
	}
	return e
}

// Codec implements Encoder.
func (e *g711Encoder) Codec() Codec { return e.codec }

// SampleRate implements Encoder.
func (e *g711Encoder) SampleRate() int { return 8000 }

// Encode implements Encoder.
func (e *g711Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if len(pcm) == 0 {
		return 0, fmt.Errorf("%w: empty frame", ErrFrameSize)
	}
	if len(out) < len(pcm) {
		return 0, fmt.Errorf("%w: %s needs %d bytes, have %d", ErrBufferTooSmall, e.codec, len(pcm), len(out))
	}
	out = out[:len(pcm)]
	for i, s := range pcm {
		out[i] = e.table[uint16(s)]
	}
	return len(pcm), nil
}

// Close implements Encoder.
func (e *g711Encoder) Close() error { return nil }

// g711Decoder decodes PCMU or PCMA and conceals lost packets with plc.
type g711Decoder struct {
	codec Codec
	table *[256]int16
	plc   *plc
}

// newG711Decoder returns a decoder for PCMU or PCMA.
func newG711Decoder(c Codec) *g711Decoder {
	t := tables711()
	d := &g711Decoder{codec: c, table: &t.ulawDec, plc: newPLC(c.SampleRate())}
	if c == PCMA {
		d.table = &t.alawDec
	}
	return d
}

// Codec implements Decoder.
func (d *g711Decoder) Codec() Codec { return d.codec }

// SampleRate implements Decoder.
func (d *g711Decoder) SampleRate() int { return 8000 }

// Decode implements Decoder. Every byte is a valid G.711 code.
func (d *g711Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(payload) == 0 {
		return 0, ErrEmptyPayload
	}
	if len(pcm) < len(payload) {
		return 0, fmt.Errorf("%w: %d samples for %d bytes", ErrBufferTooSmall, len(pcm), len(payload))
	}
	pcm = pcm[:len(payload)]
	for i, b := range payload {
		pcm[i] = d.table[b]
	}
	d.plc.record(pcm)
	return len(pcm), nil
}

// Conceal implements Decoder.
func (d *g711Decoder) Conceal(pcm []int16) int { return d.plc.conceal(pcm) }

// Close implements Decoder.
func (d *g711Decoder) Close() error { return nil }
