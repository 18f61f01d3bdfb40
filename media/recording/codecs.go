package recording

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/callgate/callgate/media/codec"
)

// payloadDecoder turns one payload type's packets into PCM at the output
// rate.
type payloadDecoder struct {
	codec codec.Codec
	clock int              // RTP clock rate in Hz
	dec   codec.Decoder    // produces PCM at dec.SampleRate()
	rs    *codec.Resampler // to the output rate; nil when equal
}

// newPayloadDecoder creates the decoder and, if needed, the resampler for
// codec c on an RTP clock, producing PCM at rate.
func newPayloadDecoder(c codec.Codec, clock, rate int) (*payloadDecoder, error) {
	cfg := codec.DecoderConfig{}
	if c == codec.Opus {
		// RFC 6716 §4.3: the decoder can produce any of the supported
		// rates itself, cheaper than decoding at 48 kHz and resampling.
		cfg.SampleRate = rate
	}
	dec, err := codec.NewDecoder(c, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %w", ErrInvalidCodec, c, err)
	}
	pd := &payloadDecoder{codec: c, clock: clock, dec: dec}
	if dec.SampleRate() != rate {
		pd.rs, err = codec.NewResampler(dec.SampleRate(), rate)
		if err != nil {
			_ = dec.Close()
			return nil, fmt.Errorf("%w: %v: %w", ErrInvalidCodec, c, err)
		}
	}
	return pd, nil
}

// close releases the decoder.
func (pd *payloadDecoder) close() {
	if pd != nil {
		_ = pd.dec.Close()
	}
}

// clockFor checks the RTP clock rate given for codec c; 0 means the
// codec's own.
func clockFor(c codec.Codec, clock int) (int, error) {
	switch {
	case clock == 0 || clock == c.ClockRate():
		return c.ClockRate(), nil
	case c == codec.G722 && clock == 16000:
		// RFC 3551 §4.5.2: the G.722 RTP clock is 8000 Hz although the
		// codec samples at 16 kHz; an SDP saying 16000 still means it.
		return c.ClockRate(), nil
	}
	return 0, fmt.Errorf("%w: %v with a %d Hz clock (RFC 3551 §6, RFC 7587 §4.1: %d Hz)",
		ErrInvalidCodec, c, clock, c.ClockRate())
}

// SetCodec tells the recorder that payload type pt on channel ch carries
// the codec with SDP encoding name name (RFC 4566 §6, a=rtpmap) and RTP
// clock rate clock (0 means the codec's own). Names are case-insensitive:
// PCMU, PCMA, G722 and opus are decoded; any other, such as
// telephone-event (RFC 4733) or CN (RFC 3389), makes the recorder ignore
// pt. A channel may have several payload types; a second call for the
// same pt replaces the first. It may be called at any time, for example
// after a re-INVITE.
func (r *Recorder) SetCodec(ch Channel, pt uint8, name string, clock int) error {
	if !ch.valid() {
		return fmt.Errorf("%w: %d", ErrInvalidChannel, int(ch))
	}
	// RFC 3550 §5.1: the payload type is 7 bits.
	if pt > 127 {
		return fmt.Errorf("%w: payload type %d", ErrInvalidCodec, pt)
	}
	var pd *payloadDecoder
	c, err := codec.ParseCodec(name)
	if err != nil {
		level := slog.LevelWarn
		if n := strings.ToLower(name); n == "telephone-event" || n == "cn" {
			level = slog.LevelDebug
		}
		r.log.Log(context.Background(), level, "recording ignores payload type", "channel", ch, "pt", pt, "encoding", name)
	} else {
		if clock, err = clockFor(c, clock); err != nil {
			return err
		}
		if pd, err = newPayloadDecoder(c, clock, r.rate); err != nil {
			return err
		}
	}
	return r.ch[ch].set(pt, pd)
}
