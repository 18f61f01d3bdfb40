package codec

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Format is one side of a transcoding direction: the codec and the RTP
// payload type it travels under, as negotiated in SDP.
type Format struct {
	Codec       Codec // the codec
	PayloadType uint8 // its RTP payload type, 0–127
}

// TranscoderConfig tunes a Transcoder. The zero value works.
type TranscoderConfig struct {
	// SSRC of the output stream; 0 picks a random one (RFC 3550 §8.1).
	SSRC uint32
	// Jitter sizes the input jitter buffer. ClockRate and MaxPayload are
	// taken from the input codec when zero.
	Jitter JitterConfig
	// Encoder tunes the output encoder (Opus bitrate, FEC, loss hint). Its
	// SampleRate is chosen by the Transcoder.
	Encoder EncoderConfig
	// ComfortNoisePT is the payload type of the input's comfort noise
	// (RFC 3389); 0 means the static 13 (RFC 3551). Its packets set the
	// level of the noise played until speech resumes.
	ComfortNoisePT uint8
	// OpusAt48k makes libopus decode and encode at 48 kHz, with this
	// package's resampler converting to and from the other leg's rate. By
	// default libopus works at the other leg's rate (8 or 16 kHz) itself,
	// which saves the resampling and a good part of the Opus work.
	OpusAt48k bool
	// Now reads the clock for packet arrival times; nil means time.Now.
	Now func() time.Time
	// Logger receives debug events; nil means slog.Default().
	Logger *slog.Logger
}

// TranscoderStats counts what a Transcoder did.
type TranscoderStats struct {
	Jitter       JitterStats // the input jitter buffer's counters
	Decoded      uint64      // packets decoded
	DecodeErrors uint64      // packets that failed to decode (concealed)
	Concealed    uint64      // frames concealed for lost or missing packets
	Recovered    uint64      // lost frames rebuilt from FEC
	Sent         uint64      // packets written by Tick
	BadPackets   uint64      // pushed bytes that were not RTP
	OtherPT      uint64      // packets with a payload type other than the input's or comfort noise
	ComfortNoise uint64      // comfort noise packets taken (RFC 3389)
	SSRCChanges  uint64      // times the input SSRC changed (the jitter buffer restarts)
}

// Transcoder converts one direction of a call from one codec to another:
// RTP packets in → jitter buffer → decode or conceal → resample → encode →
// RTP packets out. Between Opus and a G.711 or G.722 leg, libopus itself
// works at that leg's rate and the resampler passes audio through
// (see TranscoderConfig.OpusAt48k). The output is a stream of its own: its SSRC,
// sequence numbers and timestamps at the output codec's clock run on
// continuously, also through concealed and silent stretches, so the far
// end and the encoder see unbroken time.
//
// Feed it with Push from the goroutine that reads the socket and call Tick
// every FrameDuration (20 ms) from a playout ticker; the two may run in
// different goroutines. Close releases the codecs (libopus memory).
type Transcoder struct {
	mu     sync.Mutex
	in     Format
	out    Format
	now    func() time.Time
	log    *slog.Logger
	jb     *JitterBuffer
	dec    Decoder
	fec    FECDecoder // dec when it can rebuild from FEC, else nil
	enc    Encoder
	rs     *Resampler
	closed bool

	haveSSRC bool
	inSSRC   uint32

	decBuf   []int16 // one decoded packet, at the input rate
	rsBuf    []int16 // the same, resampled
	fifo     []int16 // resampled audio not yet encoded, at the output rate
	fifoLen  int
	inRate   int // PCM rate of the decoder
	frameIn  int // samples of 20 ms at the input rate
	frameOut int // samples of 20 ms at the output rate

	cnPT    uint8        // payload type of comfort noise
	cn      comfortNoise // noise played after a CN packet, until speech
	sending bool         // the first packet went out
	waited  int          // samples concealed while waiting for the packet due
	ssrc    uint32       // output SSRC, fixed at construction
	hdr     RTPHeader    // header of the next output packet
	stats   TranscoderStats
}

// NewTranscoder returns a Transcoder from in to out. Both codecs may be the
// same (the audio is then decoded and encoded again, which still evens out
// jitter and losses).
func NewTranscoder(in, out Format, cfg TranscoderConfig) (*Transcoder, error) {
	if !in.Codec.Valid() || !out.Codec.Valid() {
		return nil, fmt.Errorf("%w: transcoding %v to %v", ErrUnknownCodec, in.Codec, out.Codec)
	}
	if in.PayloadType > 127 || out.PayloadType > 127 {
		return nil, fmt.Errorf("%w: payload type above 127", ErrInvalidConfig)
	}
	inRate, outRate := in.Codec.SampleRate(), out.Codec.SampleRate()
	if !cfg.OpusAt48k {
		if in.Codec == Opus && out.Codec != Opus {
			inRate = outRate
		}
		if out.Codec == Opus && in.Codec != Opus {
			outRate = inRate
		}
	}
	t := &Transcoder{
		in:       in,
		out:      out,
		now:      cfg.Now,
		log:      cfg.Logger,
		inRate:   inRate,
		frameIn:  inRate / framesPerSecond,
		frameOut: outRate / framesPerSecond,
		cnPT:     cfg.ComfortNoisePT,
	}
	if t.cnPT == 0 {
		t.cnPT = StaticComfortNoisePT
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	jc := cfg.Jitter
	if jc.ClockRate == 0 {
		jc.ClockRate = in.Codec.ClockRate()
	}
	if jc.MaxPayload == 0 {
		jc.MaxPayload = maxPayload(in.Codec)
	}
	var err error
	if t.jb, err = NewJitterBuffer(jc); err != nil {
		return nil, err
	}
	if t.rs, err = NewResampler(inRate, outRate); err != nil {
		return nil, err
	}
	if t.dec, err = NewDecoder(in.Codec, DecoderConfig{SampleRate: inRate}); err != nil {
		return nil, err
	}
	t.fec, _ = t.dec.(FECDecoder)
	encCfg := cfg.Encoder
	encCfg.SampleRate = outRate
	if t.enc, err = NewEncoder(out.Codec, encCfg); err != nil {
		t.dec.Close()
		return nil, err
	}

	// One packet decodes to at most 120 ms (Opus), or MaxPayload bytes of
	// G.711 (one sample each) or G.722 (two samples each).
	t.decBuf = make([]int16, max(inRate*opusMaxMillis/1000, 2*jc.MaxPayload))
	t.rsBuf = make([]int16, t.rs.MaxOut(len(t.decBuf)))
	t.fifo = make([]int16, len(t.rsBuf)+t.frameOut)

	var seed [10]byte
	_, _ = rand.Read(seed[:])
	t.hdr = RTPHeader{
		PayloadType: out.PayloadType,
		SSRC:        cfg.SSRC,
		// RFC 3550 §5.1: sequence number and timestamp start at random
		// values.
		Seq:       binary.BigEndian.Uint16(seed[0:]),
		Timestamp: binary.BigEndian.Uint32(seed[2:]),
	}
	if t.hdr.SSRC == 0 {
		t.hdr.SSRC = binary.BigEndian.Uint32(seed[6:]) | 1
	}
	t.ssrc = t.hdr.SSRC
	return t, nil
}

// maxPayload is the jitter buffer slot size for a codec: 120 ms of G.711
// or G.722, or an MTU-sized Opus packet.
func maxPayload(c Codec) int {
	switch c {
	case PCMU, PCMA, G722:
		return 960
	}
	return DefaultJitterMaxPayload
}

// SSRC is the output stream's synchronization source.
func (t *Transcoder) SSRC() uint32 { return t.ssrc }

// ReserveHeader hands out the next sequence number of the output stream
// for a packet the caller sends in it, such as an RFC 4733 telephone-event,
// which shares the audio stream's SSRC and sequence numbers and uses its
// clock (RFC 4733 §2.1, §2.3). The timestamp is that of the next audio
// packet. The marker bit is left to the caller (RFC 4733 §2.5.1.1 sets it
// on an event's first packet).
func (t *Transcoder) ReserveHeader(payloadType uint8) RTPHeader {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := RTPHeader{PayloadType: payloadType & 0x7F, Seq: t.hdr.Seq, Timestamp: t.hdr.Timestamp, SSRC: t.ssrc}
	t.hdr.Seq++
	return h
}

// Push takes one RTP packet as read from the socket. Comfort noise
// packets set the noise played until speech resumes; packets of another
// payload type (telephone-event) are counted and ignored;
// bytes that are not RTP return an error wrapping ErrBadRTP. The packet is
// copied; buf may be reused at once.
func (t *Transcoder) Push(pkt []byte) error {
	h, payload, err := ParseRTP(pkt)
	if err != nil {
		t.mu.Lock()
		t.stats.BadPackets++
		t.mu.Unlock()
		return err
	}
	return t.PushPayload(h, payload)
}

// PushPayload is Push for a packet whose header is already parsed (for
// example by pion/rtp).
func (t *Transcoder) PushPayload(h RTPHeader, payload []byte) error {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if h.PayloadType == t.cnPT && h.PayloadType != t.in.PayloadType {
		// RFC 3389 §4: the sender stopped sending speech; its silence is
		// filled with noise at the level it gave.
		t.stats.ComfortNoise++
		t.cn.setLevel(payload)
		return nil
	}
	if h.PayloadType != t.in.PayloadType {
		t.stats.OtherPT++
		return nil
	}
	// RFC 3550 §8.2: a new SSRC is a new source with its own numbering.
	if t.haveSSRC && h.SSRC != t.inSSRC {
		t.stats.SSRCChanges++
		t.jb.Reset()
		t.log.Debug("codec: input SSRC changed", "old", t.inSSRC, "new", h.SSRC)
	}
	t.inSSRC, t.haveSSRC = h.SSRC, true
	t.jb.Push(h.Seq, h.Timestamp, payload, now)
	return nil
}

// Tick produces the output packet for the current 20 ms and writes it,
// header included, to buf, which should hold 1500 bytes. It returns 0
// while no input has arrived yet (nothing to send). Call it every
// FrameDuration.
func (t *Transcoder) Tick(buf []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, ErrClosed
	}
	if len(buf) <= RTPHeaderSize {
		return 0, fmt.Errorf("%w: %d bytes for an RTP packet", ErrBufferTooSmall, len(buf))
	}
	for t.fifoLen < t.frameOut {
		n, ok := t.pull()
		if !ok {
			return 0, nil
		}
		m, err := t.rs.Process(t.decBuf[:n], t.rsBuf)
		if err != nil {
			return 0, err
		}
		t.fifoLen += copy(t.fifo[t.fifoLen:], t.rsBuf[:m])
	}
	t.sending = true

	n, err := t.enc.Encode(t.fifo[:t.frameOut], buf[RTPHeaderSize:])
	if err != nil {
		return 0, err
	}
	t.fifoLen = copy(t.fifo, t.fifo[t.frameOut:t.fifoLen])

	// RFC 3551 §4.1: the marker bit flags the first packet of the stream.
	t.hdr.Marker = t.stats.Sent == 0
	if _, err := t.hdr.MarshalTo(buf); err != nil {
		return 0, err
	}
	t.stats.Sent++
	t.hdr.Seq++
	t.hdr.Timestamp += t.out.Codec.FrameTicks()
	return RTPHeaderSize + n, nil
}

// pull fills decBuf with the audio of the next playout slot: a decoded
// packet, or concealment. It reports false when there is nothing to play
// yet and nothing has been sent.
//
// A lost packet is replaced for its duration, less the time already
// bridged while waiting for it beyond one tick: a loss then stretches the
// playout by at most one tick (20 ms), however long the packets are.
func (t *Transcoder) pull() (int, bool) {
	pkt, res := t.jb.Pop()
	switch res {
	case Idle:
		if !t.sending {
			return 0, false
		}
	case Play:
		t.waited = 0
		t.cn.active = false // speech again
		n, err := t.dec.Decode(pkt.Payload, t.decBuf)
		if err == nil {
			t.stats.Decoded++
			return n, true
		}
		if t.stats.DecodeErrors == 0 {
			t.log.Debug("codec: undecodable packet concealed", "codec", t.in.Codec, "err", err)
		}
		t.stats.DecodeErrors++
		return t.conceal(t.frameIn), true
	case Lost:
		lost := t.lostLen()
		want := clamp(lost+t.frameIn-t.waited, 0, lost)
		t.waited = 0
		if want == 0 {
			return 0, true
		}
		if t.fec != nil {
			if next, ok := t.jb.Peek(); ok {
				if n, err := t.fec.DecodeFEC(next.Payload, t.decBuf[:lost]); err == nil && n > 0 {
					t.stats.Recovered++
					// The time already bridged covered the beginning.
					if want < n {
						copy(t.decBuf, t.decBuf[n-want:n])
						n = want
					}
					return n, true
				}
			}
		}
		return t.conceal(want), true
	}
	// Nothing to play: bridge one tick while the buffer waits.
	n := t.conceal(t.frameIn)
	t.waited += n
	return n, true
}

// conceal writes want samples of concealment to decBuf: comfort noise
// after a CN packet, else the decoder's concealment, and silence where the
// decoder has none, so playout always moves on.
func (t *Transcoder) conceal(want int) int {
	if t.cn.active {
		t.cn.fill(t.decBuf[:want])
		return want
	}
	t.stats.Concealed++
	n := 0
	for n < want {
		m := t.dec.Conceal(t.decBuf[n:want])
		if m <= 0 {
			clear(t.decBuf[n:want])
			break
		}
		n += m
	}
	return want
}

// lostLen is how many input samples stand for one missing packet: the
// packet duration seen on the wire (20 ms until packets tell otherwise).
func (t *Transcoder) lostLen() int {
	n := int(t.jb.ticks) * t.inRate / t.in.Codec.ClockRate()
	return max(1, min(n, len(t.decBuf)))
}

// SetPacketLossPercent tells the output encoder the loss the far end
// reports (RTCP receiver reports, RFC 3550 §6.4.1) so Opus sizes its FEC.
// Other codecs ignore it.
func (t *Transcoder) SetPacketLossPercent(percent int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if lh, ok := t.enc.(LossHinter); ok {
		return lh.SetPacketLossPercent(percent)
	}
	return nil
}

// Stats returns the counters.
func (t *Transcoder) Stats() TranscoderStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.stats
	st.Jitter = t.jb.Stats()
	return st
}

// Close releases the decoder and encoder. It is idempotent; Push and Tick
// return ErrClosed afterwards.
func (t *Transcoder) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	t.dec.Close()
	t.enc.Close()
	return nil
}
