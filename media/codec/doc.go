// Package codec is callgate's transcoding core: it turns the audio of one
// call leg into the codec of the other when the two share none, typically
// a browser on Opus and a phone on G.711 or G.722.
//
// # Codecs
//
// NewEncoder and NewDecoder return an Encoder or Decoder for PCMU and PCMA
// (G.711, pure Go, tables computed from the ITU-T G.711 rules), G722
// (ITU-T G.722 at 64 kbit/s, pure Go) and Opus (the reference libopus
// through cgo). All work on mono 16-bit PCM in 20 ms frames. Codec tells
// each codec's audio rate, RTP clock and frame size; note the G.722 quirk
// of RFC 3551 §4.5.2: 16 kHz audio, 8 kHz RTP clock.
//
// Decoders conceal lost packets (Decoder.Conceal): libopus's own
// concealment for Opus, which also rebuilds a lost frame from the in-band
// FEC of the next packet (FECDecoder); for G.711 and G.722 a pitch-
// repeating concealment that fades out and is silent after 60 ms.
//
// Opus needs cgo and libopus (Debian: libopus-dev and pkg-config to build,
// libopus0 to run); nothing else, no build tag. Built without cgo, the
// package still compiles, OpusAvailable is false and the Opus constructors
// return ErrOpusUnavailable.
//
// # Resampling and jitter
//
// Resampler converts between 8, 16 and 48 kHz with a polyphase Kaiser-
// windowed FIR filter (75 dB stopband from the lower Nyquist frequency),
// keeping its state across frames. JitterBuffer reorders one RTP stream,
// drops duplicates and late packets, and adapts its playout delay between
// 20 and 100 ms to the RFC 3550 jitter estimate; it tells the caller what
// to conceal.
//
// # Transcoder
//
// A Transcoder handles one direction of a call. Push the packets read from
// one leg's socket; every 20 ms, Tick writes the next packet for the other
// leg: its own SSRC, continuous sequence numbers and timestamps at the
// output codec's clock, also through losses and silence. A call needs two:
//
//	toPhone, _ := codec.NewTranscoder(
//		codec.Format{Codec: codec.Opus, PayloadType: 111},
//		codec.Format{Codec: codec.PCMU, PayloadType: 0},
//		codec.TranscoderConfig{})
//	defer toPhone.Close()
//
//	// Reader goroutine, for each packet from the browser leg:
//	_ = toPhone.Push(pkt) // wrong payload types and non-RTP are skipped
//
//	// Playout goroutine:
//	buf := make([]byte, 1500)
//	for range time.Tick(codec.FrameDuration) {
//		n, err := toPhone.Tick(buf)
//		if err != nil {
//			break
//		}
//		if n > 0 {
//			phoneConn.WriteTo(buf[:n], phoneAddr)
//		}
//	}
//
// Push and Tick may run in different goroutines. After construction
// nothing on the packet path allocates.
package codec
