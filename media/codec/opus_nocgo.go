//go:build !cgo

package codec

// OpusAvailable reports whether this binary was built with libopus (it
// needs cgo).
const OpusAvailable = false

// newOpusEncoder reports that Opus is not built in.
func newOpusEncoder(OpusConfig, int) (Encoder, error) { return nil, ErrOpusUnavailable }

// newOpusDecoder reports that Opus is not built in.
func newOpusDecoder(int) (Decoder, error) { return nil, ErrOpusUnavailable }
