package codec

import "fmt"

// EncoderConfig holds encoder settings. The zero value works for every
// codec.
type EncoderConfig struct {
	// SampleRate of the PCM given to Encode; 0 means the codec's own
	// (Codec.SampleRate). Only Opus accepts another: 8000 or 16000, which
	// spares resampling when the audio comes from a narrowband or wideband
	// leg (libopus then codes at most that bandwidth).
	SampleRate int
	// Opus tunes the Opus encoder; other codecs ignore it.
	Opus OpusConfig
}

// DecoderConfig holds decoder settings. The zero value works for every
// codec.
type DecoderConfig struct {
	// SampleRate of the PCM Decode returns; 0 means the codec's own. Only
	// Opus accepts another: 8000 or 16000 (libopus then band-limits and
	// decimates internally, RFC 6716 §4.3).
	SampleRate int
}

// rateFor checks a requested PCM rate against what codec c supports.
func rateFor(c Codec, rate int) (int, error) {
	if rate == 0 || rate == c.SampleRate() {
		return c.SampleRate(), nil
	}
	if c == Opus && (rate == 8000 || rate == 16000) {
		return rate, nil
	}
	return 0, fmt.Errorf("%w: %v cannot work at %d Hz", ErrInvalidConfig, c, rate)
}

// NewEncoder returns an encoder for c. Close it when done: the Opus
// encoder holds C memory.
func NewEncoder(c Codec, cfg EncoderConfig) (Encoder, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownCodec, c)
	}
	rate, err := rateFor(c, cfg.SampleRate)
	if err != nil {
		return nil, err
	}
	switch c {
	case PCMU, PCMA:
		return newG711Encoder(c), nil
	case G722:
		return newG722Encoder(), nil
	}
	return newOpusEncoder(cfg.Opus, rate)
}

// NewDecoder returns a decoder for c. Close it when done: the Opus decoder
// holds C memory. The Opus decoder also implements FECDecoder.
func NewDecoder(c Codec, cfg DecoderConfig) (Decoder, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownCodec, c)
	}
	rate, err := rateFor(c, cfg.SampleRate)
	if err != nil {
		return nil, err
	}
	switch c {
	case PCMU, PCMA:
		return newG711Decoder(c), nil
	case G722:
		return newG722Decoder(), nil
	}
	return newOpusDecoder(rate)
}
