//go:build !cgo

package codec

// OpusVersion is the version string of the libopus linked in; empty
// without cgo.
func OpusVersion() string { return "" }

// OpusStereoEncoder encodes interleaved two-channel PCM into Opus packets.
// Without cgo it cannot be created.
type OpusStereoEncoder struct{}

// NewOpusStereoEncoder reports that Opus is not built in.
func NewOpusStereoEncoder(OpusConfig, int) (*OpusStereoEncoder, error) {
	return nil, ErrOpusUnavailable
}

// SampleRate is the rate of the PCM given to Encode, per channel.
func (*OpusStereoEncoder) SampleRate() int { return 0 }

// Encode reports that Opus is not built in.
func (*OpusStereoEncoder) Encode([]int16, []byte) (int, error) { return 0, ErrOpusUnavailable }

// Lookahead reports that Opus is not built in.
func (*OpusStereoEncoder) Lookahead() (int, error) { return 0, ErrOpusUnavailable }

// SetPacketLossPercent reports that Opus is not built in.
func (*OpusStereoEncoder) SetPacketLossPercent(int) error { return ErrOpusUnavailable }

// Close does nothing.
func (*OpusStereoEncoder) Close() error { return nil }

// OpusStereoDecoder decodes Opus packets into interleaved two-channel PCM.
// Without cgo it cannot be created.
type OpusStereoDecoder struct{}

// NewOpusStereoDecoder reports that Opus is not built in.
func NewOpusStereoDecoder(int) (*OpusStereoDecoder, error) { return nil, ErrOpusUnavailable }

// SampleRate is the rate of the PCM Decode returns, per channel.
func (*OpusStereoDecoder) SampleRate() int { return 0 }

// Decode reports that Opus is not built in.
func (*OpusStereoDecoder) Decode([]byte, []int16) (int, error) { return 0, ErrOpusUnavailable }

// Close does nothing.
func (*OpusStereoDecoder) Close() error { return nil }
