//go:build cgo

package codec

/*
#cgo pkg-config: opus
#include <opus.h>

static int cg_opus_stereo_lookahead(OpusEncoder *e, opus_int32 *v) {
	return opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(v));
}
*/
import "C"

import "fmt"

// OpusVersion is the version string of the libopus linked in, such as
// "libopus 1.3.1"; empty without cgo.
func OpusVersion() string { return C.GoString(C.opus_get_version_string()) }

// OpusStereoEncoder encodes interleaved two-channel PCM (left sample
// first) into Opus packets with libopus and the VoIP application profile,
// for files such as call recordings; the gateway's RTP legs use the mono
// Encoder. The packets are ordinary Opus packets whose TOC byte has the
// stereo bit set (RFC 6716 §3.1); decoded, they give 48 kHz audio
// whatever the input rate. It is not safe for concurrent use.
type OpusStereoEncoder struct {
	e *opusEncoder
}

// NewOpusStereoEncoder returns a stereo encoder taking PCM at rate (8000,
// 16000 or 48000 Hz; libopus codes at most the bandwidth the rate holds).
// cfg is applied as for the mono encoder. Close it when done: it holds C
// memory.
func NewOpusStereoEncoder(cfg OpusConfig, rate int) (*OpusStereoEncoder, error) {
	if !rateOK(rate) {
		return nil, fmt.Errorf("%w: Opus stereo input at %d Hz (8000, 16000 or 48000)", ErrInvalidConfig, rate)
	}
	e, err := newOpusEncoderChannels(cfg, rate, 2)
	if err != nil {
		return nil, err
	}
	return &OpusStereoEncoder{e: e}, nil
}

// SampleRate is the rate of the PCM given to Encode, per channel.
func (s *OpusStereoEncoder) SampleRate() int { return s.e.rate }

// Encode encodes one frame of interleaved stereo PCM into out and returns
// the packet's length. len(pcm) must be twice an Opus frame duration at
// SampleRate (640 samples for 20 ms at 16 kHz). out should hold 1275
// bytes, the longest frame (RFC 6716 §3.2.1). It does not allocate.
func (s *OpusStereoEncoder) Encode(pcm []int16, out []byte) (int, error) {
	return s.e.Encode(pcm, out)
}

// Lookahead is the encoder's delay in samples per channel at SampleRate:
// the decoded audio lags the input by this much. An Ogg Opus file states
// it, converted to 48 kHz, as its pre-skip (RFC 7845 §4.2).
func (s *OpusStereoEncoder) Lookahead() (int, error) {
	if s.e.st == nil {
		return 0, ErrClosed
	}
	var v C.opus_int32
	if r := C.cg_opus_stereo_lookahead(s.e.st, &v); r != C.OPUS_OK {
		return 0, opusError("get lookahead", r)
	}
	return int(v), nil
}

// SetPacketLossPercent tells the encoder the loss to expect, 0–100; 0
// suits a file, where nothing is lost and every bit may go to quality.
func (s *OpusStereoEncoder) SetPacketLossPercent(percent int) error {
	return s.e.SetPacketLossPercent(percent)
}

// Close frees the libopus state. It is idempotent.
func (s *OpusStereoEncoder) Close() error { return s.e.Close() }

// OpusStereoDecoder decodes Opus packets into interleaved two-channel PCM;
// a mono packet comes out on both channels. It is not safe for concurrent
// use.
type OpusStereoDecoder struct {
	d *opusDecoder
}

// NewOpusStereoDecoder returns a stereo decoder producing PCM at rate
// (8000, 16000 or 48000 Hz). Close it when done: it holds C memory.
func NewOpusStereoDecoder(rate int) (*OpusStereoDecoder, error) {
	if !rateOK(rate) {
		return nil, fmt.Errorf("%w: Opus stereo output at %d Hz (8000, 16000 or 48000)", ErrInvalidConfig, rate)
	}
	d, err := newOpusDecoderChannels(rate, 2)
	if err != nil {
		return nil, err
	}
	return &OpusStereoDecoder{d: d}, nil
}

// SampleRate is the rate of the PCM Decode returns, per channel.
func (s *OpusStereoDecoder) SampleRate() int { return s.d.rate }

// Decode decodes one packet into pcm as interleaved stereo and returns the
// number of samples per channel. pcm should hold 120 ms of stereo audio
// (11520 samples at 48 kHz), the longest packet (RFC 6716 §3.2.5).
func (s *OpusStereoDecoder) Decode(payload []byte, pcm []int16) (int, error) {
	return s.d.Decode(payload, pcm)
}

// Close frees the libopus state. It is idempotent.
func (s *OpusStereoDecoder) Close() error { return s.d.Close() }
