//go:build cgo

package codec

/*
#cgo pkg-config: opus
#include <opus.h>

static int cg_opus_enc_setup(OpusEncoder *e, opus_int32 bitrate, int complexity, int fec, int loss, int dtx) {
	int r;
	if ((r = opus_encoder_ctl(e, OPUS_SET_BITRATE(bitrate))) != OPUS_OK) return r;
	if ((r = opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(complexity))) != OPUS_OK) return r;
	if ((r = opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(fec))) != OPUS_OK) return r;
	if ((r = opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(loss))) != OPUS_OK) return r;
	if ((r = opus_encoder_ctl(e, OPUS_SET_DTX(dtx))) != OPUS_OK) return r;
	return opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}

static int cg_opus_enc_set_loss(OpusEncoder *e, int loss) {
	return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(loss));
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// OpusAvailable reports whether this binary was built with libopus (it
// needs cgo).
const OpusAvailable = true

// opusError wraps a negative libopus return code.
func opusError(op string, code C.int) error {
	return fmt.Errorf("%w: %s: %s", ErrOpus, op, C.GoString(C.opus_strerror(code)))
}

// opusEncoder implements Encoder and LossHinter on a libopus encoder with
// the VoIP application profile. Whatever its input rate, the packets it
// makes are ordinary Opus packets; RTP timestamps still count 48 kHz
// (RFC 7587 §4.1).
type opusEncoder struct {
	st       *C.OpusEncoder
	rate     int
	channels int
	cleanup  runtime.Cleanup
}

// newOpusEncoder creates and configures a mono libopus encoder taking PCM
// at rate.
func newOpusEncoder(cfg OpusConfig, rate int) (Encoder, error) {
	e, err := newOpusEncoderChannels(cfg, rate, 1)
	if err != nil {
		return nil, err // not a nil *opusEncoder in a non-nil Encoder
	}
	return e, nil
}

// newOpusEncoderChannels creates an encoder for interleaved PCM of one or
// two channels; the gateway only sends mono, tests also stereo.
func newOpusEncoderChannels(cfg OpusConfig, rate, channels int) (*opusEncoder, error) {
	cfg, err := cfg.withDefaults(rate)
	if err != nil {
		return nil, err
	}
	var code C.int
	st := C.opus_encoder_create(C.opus_int32(rate), C.int(channels), C.OPUS_APPLICATION_VOIP, &code)
	if code != C.OPUS_OK || st == nil {
		return nil, opusError("create encoder", code)
	}
	fec, dtx := 1, 0
	if cfg.DisableFEC {
		fec = 0
	}
	if cfg.DTX {
		dtx = 1
	}
	if r := C.cg_opus_enc_setup(st, C.opus_int32(cfg.Bitrate), C.int(cfg.Complexity),
		C.int(fec), C.int(cfg.PacketLossPercent), C.int(dtx)); r != C.OPUS_OK {
		C.opus_encoder_destroy(st)
		return nil, opusError("configure encoder", r)
	}
	e := &opusEncoder{st: st, rate: rate, channels: channels}
	// A forgotten Close must not leak the C state.
	e.cleanup = runtime.AddCleanup(e, func(st *C.OpusEncoder) { C.opus_encoder_destroy(st) }, st)
	return e, nil
}

// Codec implements Encoder.
func (e *opusEncoder) Codec() Codec { return Opus }

// SampleRate implements Encoder.
func (e *opusEncoder) SampleRate() int { return e.rate }

// Encode implements Encoder. len(pcm) must be an Opus frame duration
// (SampleRate()/50 samples for 20 ms).
func (e *opusEncoder) Encode(pcm []int16, out []byte) (int, error) {
	if e.st == nil {
		return 0, ErrClosed
	}
	frame := len(pcm) / e.channels
	if !opusFrameOK(frame*48000/e.rate) || len(pcm)%e.channels != 0 {
		return 0, fmt.Errorf("%w: %d samples is no Opus frame duration", ErrFrameSize, len(pcm))
	}
	if len(out) == 0 {
		return 0, fmt.Errorf("%w: no room for an Opus packet", ErrBufferTooSmall)
	}
	n := C.opus_encode(e.st, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(frame),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	if n < 0 {
		return 0, opusError("encode", n)
	}
	return int(n), nil
}

// SetPacketLossPercent implements LossHinter.
func (e *opusEncoder) SetPacketLossPercent(percent int) error {
	if e.st == nil {
		return ErrClosed
	}
	if percent < 0 || percent > 100 {
		return fmt.Errorf("%w: loss %d%% outside 0–100", ErrInvalidConfig, percent)
	}
	if r := C.cg_opus_enc_set_loss(e.st, C.int(percent)); r != C.OPUS_OK {
		return opusError("set packet loss", r)
	}
	return nil
}

// Close implements Encoder: it frees the libopus state.
func (e *opusEncoder) Close() error {
	if e.st != nil {
		e.cleanup.Stop()
		C.opus_encoder_destroy(e.st)
		e.st = nil
	}
	return nil
}

// opusDecoder implements FECDecoder on a libopus decoder producing mono
// (libopus mixes a stereo stream down itself); with two channels it
// produces interleaved stereo for OpusStereoDecoder.
type opusDecoder struct {
	st       *C.OpusDecoder
	rate     int
	channels int
	cleanup  runtime.Cleanup
}

// newOpusDecoder creates a mono libopus decoder producing PCM at rate.
func newOpusDecoder(rate int) (Decoder, error) {
	d, err := newOpusDecoderChannels(rate, 1)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// newOpusDecoderChannels creates a decoder of one or two channels.
func newOpusDecoderChannels(rate, channels int) (*opusDecoder, error) {
	var code C.int
	st := C.opus_decoder_create(C.opus_int32(rate), C.int(channels), &code)
	if code != C.OPUS_OK || st == nil {
		return nil, opusError("create decoder", code)
	}
	d := &opusDecoder{st: st, rate: rate, channels: channels}
	d.cleanup = runtime.AddCleanup(d, func(st *C.OpusDecoder) { C.opus_decoder_destroy(st) }, st)
	return d, nil
}

// Codec implements Decoder.
func (d *opusDecoder) Codec() Codec { return Opus }

// SampleRate implements Decoder.
func (d *opusDecoder) SampleRate() int { return d.rate }

// Decode implements Decoder. pcm should hold 120 ms (the longest Opus
// packet, 5760 samples at 48 kHz); a shorter buffer fails for longer
// packets.
func (d *opusDecoder) Decode(payload []byte, pcm []int16) (int, error) {
	if d.st == nil {
		return 0, ErrClosed
	}
	// RFC 6716 §3.4 [R1]: a packet holds at least one byte; libopus would
	// take an empty one for a loss.
	if len(payload) == 0 {
		return 0, ErrEmptyPayload
	}
	return d.decode(payload, pcm, min(len(pcm)/d.channels, d.rate*opusMaxMillis/1000), 0)
}

// Conceal implements Decoder with libopus's packet loss concealment.
func (d *opusDecoder) Conceal(pcm []int16) int {
	if d.st == nil {
		return 0
	}
	n, err := d.decode(nil, pcm, d.frame(len(pcm)), 0)
	if err != nil {
		return 0
	}
	return n
}

// DecodeFEC implements FECDecoder.
func (d *opusDecoder) DecodeFEC(next []byte, pcm []int16) (int, error) {
	if d.st == nil {
		return 0, ErrClosed
	}
	if len(next) == 0 {
		return 0, ErrEmptyPayload
	}
	return d.decode(next, pcm, d.fecFrame(len(pcm)), 1)
}

// frame is the length of a concealed frame: 20 ms, or less when the
// buffer is shorter, as libopus needs it: a multiple of 2.5 ms.
func (d *opusDecoder) frame(room int) int {
	n := min(room, d.rate/framesPerSecond)
	return n - n%(d.rate/400)
}

// fecFrame is the length of a frame rebuilt from FEC: the whole buffer up
// to 120 ms, as a multiple of 2.5 ms.
func (d *opusDecoder) fecFrame(room int) int {
	n := min(room, d.rate*opusMaxMillis/1000)
	return n - n%(d.rate/400)
}

// decode calls opus_decode; payload nil asks for concealment.
func (d *opusDecoder) decode(payload []byte, pcm []int16, frame int, fec C.int) (int, error) {
	if frame <= 0 {
		return 0, fmt.Errorf("%w: no room for decoded Opus audio", ErrBufferTooSmall)
	}
	var data *C.uchar
	if len(payload) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&payload[0]))
	}
	n := C.opus_decode(d.st, data, C.opus_int32(len(payload)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(frame), fec)
	if n < 0 {
		if n == C.OPUS_INVALID_PACKET {
			return 0, fmt.Errorf("%w: Opus: %s", ErrCorrupt, C.GoString(C.opus_strerror(n)))
		}
		return 0, opusError("decode", n)
	}
	return int(n), nil
}

// Close implements Decoder: it frees the libopus state.
func (d *opusDecoder) Close() error {
	if d.st != nil {
		d.cleanup.Stop()
		C.opus_decoder_destroy(d.st)
		d.st = nil
	}
	return nil
}
