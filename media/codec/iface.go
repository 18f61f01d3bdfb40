package codec

// Encoder turns mono PCM at SampleRate() into RTP payloads of one codec.
// An Encoder keeps state between frames and is not safe for concurrent use.
type Encoder interface {
	// Codec is the codec this encoder produces.
	Codec() Codec
	// SampleRate is the rate of the PCM it takes: Codec().SampleRate(),
	// or for Opus the rate it was created for.
	SampleRate() int
	// Encode encodes one frame of PCM (normally 20 ms: SampleRate()/50
	// samples) into out and returns the payload length.
	Encode(pcm []int16, out []byte) (int, error)
	// Close releases the encoder's resources. It is idempotent.
	Close() error
}

// Decoder turns RTP payloads of one codec into mono PCM at SampleRate().
// A Decoder keeps state between frames and is not safe for concurrent use.
type Decoder interface {
	// Codec is the codec this decoder reads.
	Codec() Codec
	// SampleRate is the rate of the PCM it produces: Codec().SampleRate(),
	// or for Opus the rate it was created for.
	SampleRate() int
	// Decode decodes one RTP payload into pcm and returns the number of
	// samples written. Arbitrary bytes never make it panic: it returns an
	// error or noise.
	Decode(payload []byte, pcm []int16) (int, error)
	// Conceal writes one 20 ms frame (SampleRate()/50 samples, or len(pcm)
	// when shorter) replacing a lost packet and returns the samples
	// written. Repeated calls continue the concealment, fading to silence.
	Conceal(pcm []int16) int
	// Close releases the decoder's resources. It is idempotent.
	Close() error
}

// FECDecoder is a Decoder that can rebuild a lost frame from the redundant
// copy carried in the packet that follows it (Opus in-band FEC,
// RFC 6716 §2.1.7).
type FECDecoder interface {
	Decoder
	// DecodeFEC fills pcm with the audio of the packet lost just before
	// next, using next's redundant data, or ordinary concealment when next
	// carries none. len(pcm) is the lost packet's duration (a multiple of
	// 2.5 ms, at most 120 ms). It does not consume next: decode it with
	// Decode afterwards.
	DecodeFEC(next []byte, pcm []int16) (int, error)
}

// LossHinter is an Encoder that adapts its redundancy to the packet loss
// the receiver reports (for example RTCP receiver reports, RFC 3550 §6.4.1).
type LossHinter interface {
	// SetPacketLossPercent sets the expected loss, 0 to 100.
	SetPacketLossPercent(percent int) error
}
