package codec

import "fmt"

// Defaults of OpusConfig.
const (
	// DefaultOpusBitrate is the bitrate for audio of more than 16 kHz: a
	// fullband speech rate with room for in-band FEC (RFC 7587 §3.1.1
	// recommends 28–40 kbit/s for fullband speech). Narrower input gets
	// less (OpusBitrateFor).
	DefaultOpusBitrate = 32000
	// DefaultOpusComplexity trades CPU for quality (libopus scale 0–10).
	// What a gateway encodes into Opus comes from G.711 or G.722 phones:
	// audio of 8 or 16 kHz that a lossy codec already shaped, where the
	// SILK analysis of the higher settings finds little to gain. At 1 a
	// frame costs about 30 % less than at 2 and a tone from a G.711 leg
	// keeps an SNR of about 30 dB; calls per core matter more.
	DefaultOpusComplexity = 1
	// DefaultOpusLossPercent is the packet loss the encoder expects until
	// told otherwise; it makes libopus spend bits on in-band FEC.
	DefaultOpusLossPercent = 10
)

// OpusBitrateFor is the default bitrate for PCM at rate: 20 kbit/s for
// narrowband (8 kHz) input, 24 kbit/s for wideband (16 kHz), else
// DefaultOpusBitrate. RFC 7587 §3.1.1 recommends 8–12 kbit/s for
// narrowband and 16–20 kbit/s for wideband speech; the rest is headroom
// for the in-band FEC copy. Fewer bits also cost libopus less work.
func OpusBitrateFor(rate int) int {
	switch {
	case rate <= 8000:
		return 20000
	case rate <= 16000:
		return 24000
	}
	return DefaultOpusBitrate
}

// OpusConfig tunes the Opus encoder. The zero value gives VoIP settings:
// the bitrate of OpusBitrateFor the input rate, complexity 1, in-band FEC
// on for 10 % expected loss, no DTX.
type OpusConfig struct {
	// Bitrate in bit/s, 6000–510000; 0 means OpusBitrateFor the
	// encoder's input rate.
	Bitrate int
	// Complexity 1–10; 0 means DefaultOpusComplexity.
	Complexity int
	// PacketLossPercent is the expected loss, 1–100, that sizes the FEC;
	// 0 means DefaultOpusLossPercent. Change it during a call with
	// SetPacketLossPercent.
	PacketLossPercent int
	// DisableFEC turns in-band forward error correction off
	// (RFC 6716 §2.1.7, RFC 7587 §3.3).
	DisableFEC bool
	// DTX enables discontinuous transmission: during silence the encoder
	// sends a packet only every 400 ms (RFC 7587 §3.1.3).
	DTX bool
}

// Validate reports a field outside its range, wrapping ErrInvalidConfig.
func (c OpusConfig) Validate() error {
	_, err := c.withDefaults(48000)
	return err
}

// withDefaults fills zero fields for an encoder taking PCM at rate and
// checks the ranges.
func (c OpusConfig) withDefaults(rate int) (OpusConfig, error) {
	if c.Bitrate == 0 {
		c.Bitrate = OpusBitrateFor(rate)
	}
	if c.Complexity == 0 {
		c.Complexity = DefaultOpusComplexity
	}
	if c.PacketLossPercent == 0 {
		c.PacketLossPercent = DefaultOpusLossPercent
	}
	switch {
	case c.Bitrate < 6000 || c.Bitrate > 510000:
		return c, fmt.Errorf("%w: Opus bitrate %d outside 6000–510000", ErrInvalidConfig, c.Bitrate)
	case c.Complexity < 1 || c.Complexity > 10:
		return c, fmt.Errorf("%w: Opus complexity %d outside 1–10", ErrInvalidConfig, c.Complexity)
	case c.PacketLossPercent < 1 || c.PacketLossPercent > 100:
		return c, fmt.Errorf("%w: Opus loss %d%% outside 1–100", ErrInvalidConfig, c.PacketLossPercent)
	}
	return c, nil
}

// opusFrameOK reports whether n samples at 48 kHz make an Opus frame
// duration: 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms (RFC 6716 §2.1.4).
func opusFrameOK(n int) bool {
	switch n {
	case 120, 240, 480, 960, 1920, 2880, 3840, 4800, 5760:
		return true
	}
	return false
}

// opusMaxMillis is the longest Opus packet: 120 ms (RFC 6716 §3.2.5);
// opusMaxFrame is that in samples at 48 kHz.
const (
	opusMaxMillis = 120
	opusMaxFrame  = 48 * opusMaxMillis
)
