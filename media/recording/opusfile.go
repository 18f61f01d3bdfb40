package recording

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// Ogg Opus encoding of the recording.
const (
	// opusRate is the rate of granule positions and pre-skip, whatever
	// the input rate (RFC 7845 §4).
	opusRate = 48000
	// opusFrame is the duration of each packet: one 20 ms frame.
	opusFrame = 20 * time.Millisecond
	// opusFrame48 is a packet's samples per channel at opusRate.
	opusFrame48 = int64(opusRate * opusFrame / time.Second)
	// opusMaxPacket is the longest packet of one frame (RFC 6716 §3.2.1).
	opusMaxPacket = 1275
	// opusPagePackets is the audio on a page: headerEvery, so a file cut
	// short by a crash keeps about as much as a WAV file would.
	opusPagePackets = int(headerEvery / opusFrame)
)

// opusBitrate is the stereo bitrate for input at rate: 20 kbit/s a
// channel for narrowband and 24 kbit/s for wideband speech, where libopus
// (SILK) codes speech well. The two channels carry unrelated voices, so
// stereo prediction saves little; below these rates each voice starts to
// leak into the other channel (pure tones 440 Hz / 1 kHz at 32 kbit/s
// narrowband: -24 dB).
func opusBitrate(rate int) int {
	if rate >= 16000 {
		return 48000
	}
	return 40000
}

// opusWriter encodes the recording with libopus as a stereo stream
// (caller left, callee right) in 20 ms packets and stores it in Ogg pages
// as RFC 7845 describes. libopus takes the recorder's rate as it is; the
// stream it makes is 48 kHz all the same, the rate every Opus decoder
// outputs by default and the unit of granule positions.
type opusWriter struct {
	ogg     *oggStream
	enc     *codec.OpusStereoEncoder
	step    int64   // opusRate samples per input sample
	pcm     []int16 // the 20 ms frame being filled, interleaved
	fill    int     // samples in pcm
	packet  []byte
	preSkip int64 // at opusRate
	in      int64 // input samples per channel
	packets int64 // packets encoded
	head    []byte
	tags    []byte
}

// newOpusFile returns the Ogg Opus encoder for cfg writing to s.
func newOpusFile(cfg Config, s sink) (*opusWriter, error) {
	rate := cfg.SampleRate
	bitrate := opusBitrate(rate)
	// A file loses nothing: no bits for in-band FEC or for robustness to
	// loss.
	enc, err := codec.NewOpusStereoEncoder(codec.OpusConfig{Bitrate: bitrate, DisableFEC: true}, rate)
	if err != nil {
		return nil, err
	}
	look, err := enc.Lookahead()
	if err == nil {
		err = enc.SetPacketLossPercent(0)
	}
	if err != nil {
		_ = enc.Close()
		return nil, err
	}
	step := int64(opusRate / rate)
	w := &opusWriter{
		enc:  enc,
		step: step,
		pcm:  make([]int16, numChannels*rate/int(time.Second/opusFrame)),
		// RFC 7845 §4.2: pre-skip is the encoder's delay, at 48 kHz.
		preSkip: int64(look) * step,
		packet:  make([]byte, opusMaxPacket),
	}
	// RFC 3533 §6: the serial number tells the pages of this logical
	// bitstream from those of any other it is ever chained or multiplexed
	// with, so it is random. The page buffer starts at twice a second's
	// share of the bitrate, for the peaks of VBR.
	w.ogg = newOggStream(s, rand.Uint32(), 2*bitrate/8*int(headerEvery/time.Second))
	w.head = opusHead(int(w.preSkip), rate)
	w.tags = opusTags(cfg.CallID, cfg.Start)
	return w, nil
}

// begin implements audioFile: the two header pages.
func (w *opusWriter) begin() error {
	// RFC 7845 §3: the identification header alone on the first page
	// (beginning of stream), the comment header on the next pages, the
	// audio from a fresh page on; RFC 7845 §4: header pages have granule
	// position 0.
	if err := w.ogg.add(w.head, 0); err != nil {
		return err
	}
	if err := w.ogg.flush(false); err != nil {
		return err
	}
	if err := w.ogg.add(w.tags, 0); err != nil {
		return err
	}
	return w.ogg.flush(false)
}

// write implements audioFile: it encodes every whole 20 ms frame.
func (w *opusWriter) write(pcm []int16) error {
	for len(pcm) > 0 {
		n := copy(w.pcm[w.fill:], pcm)
		pcm = pcm[n:]
		w.fill += n
		w.in += int64(n / numChannels)
		if w.fill == len(w.pcm) {
			if err := w.encode(); err != nil {
				return err
			}
		}
	}
	return nil
}

// encode encodes the full frame in w.pcm and adds the packet to the page,
// first writing out a page that holds opusPagePackets. A full page waits
// for the next packet so that the last page is never empty.
func (w *opusWriter) encode() error {
	n, err := w.enc.Encode(w.pcm, w.packet)
	if err != nil {
		return fmt.Errorf("encoding Opus: %w", err)
	}
	w.fill = 0
	w.packets++
	if w.ogg.packets >= opusPagePackets {
		if err := w.ogg.flush(false); err != nil {
			return fmt.Errorf("writing Ogg page: %w", err)
		}
	}
	// RFC 7845 §4: a packet's granule position is the number of samples
	// at 48 kHz decoded up to its end, pre-skip included.
	if err := w.ogg.add(w.packet[:n], w.packets*opusFrame48); err != nil {
		return fmt.Errorf("writing Ogg page: %w", err)
	}
	return nil
}

// finish implements audioFile: it pads the last frame with silence,
// encodes silence until the encoder's delay is flushed out, and writes
// the last page with the end-of-stream flag.
func (w *opusWriter) finish() error {
	// The decoder drops preSkip samples, so the last input sample comes
	// out at preSkip + in samples: the packets must reach that far.
	end := w.preSkip + w.in*w.step
	for w.packets*opusFrame48 < end {
		clear(w.pcm[w.fill:])
		w.fill = len(w.pcm)
		if err := w.encode(); err != nil {
			return err
		}
	}
	// RFC 7845 §4.4: the last page's granule position tells the decoder to
	// discard the padding after end. It trims less than one packet, and a
	// call shorter than a packet makes a first page that is also the last,
	// where RFC 7845 §4.5 allows it.
	w.ogg.granule = end
	if err := w.ogg.flush(true); err != nil {
		return fmt.Errorf("writing Ogg page: %w", err)
	}
	return nil
}

// frames implements audioFile.
func (w *opusWriter) frames() int64 { return w.in }

// release implements audioFile: it frees the encoder.
func (w *opusWriter) release() { _ = w.enc.Close() }
