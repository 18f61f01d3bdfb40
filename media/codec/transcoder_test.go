package codec

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// payloadType gives each codec a payload type for the tests: the static
// one, or 111 for Opus as browsers use.
func payloadType(c Codec) uint8 {
	if pt, ok := c.StaticPayloadType(); ok {
		return pt
	}
	return 111
}

// fakeClock is a settable clock for TranscoderConfig.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// phone plays a far end: it encodes a tone in 20 ms RTP packets, starting
// near the wrap of both sequence number and timestamp.
type phone struct {
	codec Codec
	enc   Encoder
	seq   uint16
	ts    uint32
	pos   int
	freq  float64
	buf   []byte
	ms    int // packet duration; 20 unless set
}

func newPhone(t testing.TB, c Codec, freq float64) *phone {
	enc, err := NewEncoder(c, EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close() })
	return &phone{codec: c, enc: enc, seq: 65500, ts: 1<<32 - 5000, freq: freq, buf: make([]byte, 1500)}
}

// next returns the next packet; it stays valid until the following call.
func (p *phone) next(t testing.TB) []byte {
	ms := p.ms
	if ms == 0 {
		ms = 20
	}
	frame := p.codec.SampleRate() * ms / 1000
	pcm := tone(p.codec.SampleRate(), p.freq, 10000, p.pos, frame)
	p.pos += frame
	n, err := p.enc.Encode(pcm, p.buf[RTPHeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	h := RTPHeader{PayloadType: payloadType(p.codec), Seq: p.seq, Timestamp: p.ts, SSRC: 0x1234}
	h.MarshalTo(p.buf)
	p.seq++
	p.ts += uint32(p.codec.ClockRate() * ms / 1000)
	return p.buf[:RTPHeaderSize+n]
}

// listener decodes a Transcoder's output and checks its RTP header
// sequence: one SSRC, consecutive sequence numbers, timestamps one frame
// apart at the output clock, marker on the first packet only.
type listener struct {
	codec Codec
	dec   Decoder
	pcm   []int16
	heard []int16
	have  bool
	last  RTPHeader
}

func newListener(t testing.TB, c Codec) *listener {
	dec, err := NewDecoder(c, DecoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dec.Close() })
	return &listener{codec: c, dec: dec, pcm: make([]int16, opusMaxFrame)}
}

func (l *listener) hear(pkt []byte) error {
	h, payload, err := ParseRTP(pkt)
	if err != nil {
		return err
	}
	if h.PayloadType != payloadType(l.codec) {
		return fmt.Errorf("output payload type %d", h.PayloadType)
	}
	if l.have {
		if h.SSRC != l.last.SSRC || h.Seq != l.last.Seq+1 || h.Timestamp != l.last.Timestamp+l.codec.FrameTicks() || h.Marker {
			return fmt.Errorf("output header %+v after %+v", h, l.last)
		}
	} else if !h.Marker {
		return errors.New("first output packet without marker")
	}
	l.last, l.have = h, true
	n, err := l.dec.Decode(payload, l.pcm)
	if err != nil {
		return err
	}
	if n != l.codec.FrameSamples() {
		return fmt.Errorf("output packet of %d samples", n)
	}
	l.heard = append(l.heard, l.pcm[:n]...)
	return nil
}

// tickInto plays one tick of tr into buf and gives the packet, if any, to
// sink; it returns the packet's length.
func tickInto(t *testing.T, tr *Transcoder, buf []byte, sink *listener) int {
	t.Helper()
	n, err := tr.Tick(buf)
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if err := sink.hear(buf[:n]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// transcodeTone sends a 1 kHz tone for 2 s from in to out through a
// Transcoder, dropping the given share of packets, and returns what the
// far end hears and the transcoder's counters.
func transcodeTone(t *testing.T, in, out Codec, loss float64, at48k bool) ([]int16, TranscoderStats) {
	if (in == Opus || out == Opus) && !OpusAvailable {
		t.Fatal("built without libopus (cgo): install libopus-dev and pkg-config")
	}
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	tr, err := NewTranscoder(Format{in, payloadType(in)}, Format{out, payloadType(out)}, TranscoderConfig{Now: clock.now, OpusAt48k: at48k})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	src, sink := newPhone(t, in, 1000), newListener(t, out)
	r := rand.New(rand.NewPCG(uint64(in)*10+uint64(out), 5))
	buf := make([]byte, 1500)
	const frames = 100
	for range frames {
		pkt := src.next(t)
		if r.Float64() >= loss {
			if err := tr.Push(pkt); err != nil {
				t.Fatal(err)
			}
		}
		clock.t = clock.t.Add(10 * time.Millisecond)
		tickInto(t, tr, buf, sink)
		clock.t = clock.t.Add(10 * time.Millisecond)
	}
	return sink.heard, tr.Stats()
}

var tonePairs = [][2]Codec{
	{Opus, PCMU}, {PCMU, Opus},
	{Opus, PCMA}, {PCMA, Opus},
	{Opus, G722}, {G722, Opus},
	{G722, PCMU}, {PCMU, G722},
}

// eachPair runs f for every pair of tonePairs, and for pairs with Opus
// both with libopus at the other leg's rate and at 48 kHz with this
// package's resampler.
func eachPair(t *testing.T, f func(t *testing.T, in, out Codec, at48k bool)) {
	for _, p := range tonePairs {
		for _, at48k := range []bool{false, true} {
			if at48k && p[0] != Opus && p[1] != Opus {
				continue
			}
			name := fmt.Sprintf("%v→%v", p[0], p[1])
			if at48k {
				name += "/opus48k"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f(t, p[0], p[1], at48k)
			})
		}
	}
}

// TestTranscodeTone sends a 1 kHz tone through each pair: it must arrive
// at 1 kHz ± 1 % with an SNR of at least 20 dB, measured after skipping
// the codec and resampler delay.
func TestTranscodeTone(t *testing.T) {
	eachPair(t, func(t *testing.T, in, out Codec, at48k bool) {
		{
			heard, st := transcodeTone(t, in, out, 0, at48k)
			rate := out.SampleRate()
			if len(heard) < 2*rate {
				t.Fatalf("heard only %d samples", len(heard))
			}
			// One second after the codec and resampler delays.
			f, snr := toneQuality(heard[rate/5:rate/5+rate], rate)
			t.Logf("%s: %.3f Hz, SNR %.1f dB", t.Name(), f, snr)
			if f < 990 || f > 1010 || snr < 20 {
				t.Errorf("%.3f Hz, SNR %.1f dB", f, snr)
			}
			if st.Concealed != 0 || st.Decoded != 100 || st.Sent != 100 {
				t.Errorf("lossless run concealed %d, decoded %d", st.Concealed, st.Decoded)
			}
		}
	})
}

// TestTranscodeToneWithLoss drops 5 % of the packets (seeded): the far end
// must never hear a silent gap longer than 60 ms, and the tone stays.
func TestTranscodeToneWithLoss(t *testing.T) {
	eachPair(t, func(t *testing.T, in, out Codec, at48k bool) {
		{
			heard, st := transcodeTone(t, in, out, 0.05, at48k)
			rate := out.SampleRate()
			if st.Jitter.Received == 100 {
				t.Fatal("no packet was lost")
			}
			f, _ := toneQuality(heard[rate/5:rate/5+rate], rate)
			gap := longestSilence(heard[rate/5:], rate, 100)
			t.Logf("%s: received %d of 100, concealed %d, FEC %d; %.3f Hz, longest silence %d ms", t.Name(),
				st.Jitter.Received, st.Concealed, st.Recovered, f, gap)
			if gap > 60 {
				t.Errorf("silent gap of %d ms", gap)
			}
			if f < 990 || f > 1010 {
				t.Errorf("tone at %.3f Hz", f)
			}
			if st.Concealed+st.Recovered == 0 {
				t.Error("losses were neither concealed nor recovered")
			}
		}
	})
}

// TestTranscoderPacketDurations feeds packets of 10, 40 and 60 ms, losing
// the 20th and the 50th: the output stays one 20 ms packet per tick, the tone
// survives and each loss is bridged without a long silence.
func TestTranscoderPacketDurations(t *testing.T) {
	cases := []struct {
		in, out Codec
		ms      int
	}{
		{PCMU, Opus, 40},
		{Opus, PCMU, 60},
		{Opus, G722, 10},
		{G722, PCMA, 40},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v%dms→%v", c.in, c.ms, c.out), func(t *testing.T) {
			if (c.in == Opus || c.out == Opus) && !OpusAvailable {
				t.Fatal("built without libopus (cgo): install libopus-dev and pkg-config")
			}
			clock := &fakeClock{t: time.Unix(0, 0)}
			tr, err := NewTranscoder(Format{c.in, payloadType(c.in)}, Format{c.out, payloadType(c.out)}, TranscoderConfig{Now: clock.now})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			src, sink := newPhone(t, c.in, 1000), newListener(t, c.out)
			src.ms = c.ms
			buf := make([]byte, 1500)
			const ticks = 120
			sent, packets := 0, 0
			for tick := range ticks {
				// A packet goes out as soon as its audio is complete.
				for (packets+1)*c.ms <= (tick+1)*20 {
					pkt := src.next(t)
					packets++
					if packets != 20 && packets != 50 {
						tr.Push(pkt)
					}
				}
				clock.t = clock.t.Add(20 * time.Millisecond)
				if tickInto(t, tr, buf, sink) > 0 {
					sent++
				}
			}
			st := tr.Stats()
			rate := c.out.SampleRate()
			f, _ := toneQuality(sink.heard[rate/5:], rate)
			gap := longestSilence(sink.heard[rate/5:], rate, 100)
			t.Logf("sent %d of %d ticks, %.2f Hz, longest silence %d ms, %+v", sent, ticks, f, gap, st)
			if sent < ticks-3 || f < 990 || f > 1010 || gap > 60 || st.Jitter.Lost+st.Jitter.Underruns == 0 {
				t.Errorf("sent %d, %.2f Hz, gap %d ms", sent, f, gap)
			}
		})
	}
}

func TestTranscoderFiltersAndErrors(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	tr, err := NewTranscoder(Format{PCMU, 0}, Format{PCMA, 8}, TranscoderConfig{Now: clock.now, SSRC: 42})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	if n, err := tr.Tick(buf); n != 0 || err != nil {
		t.Fatalf("Tick before input: %d, %v", n, err)
	}
	if err := tr.Push([]byte{0x80, 0}); !errors.Is(err, ErrBadRTP) {
		t.Errorf("short packet: %v", err)
	}
	// A telephone-event packet (RFC 4733) is not audio for this stream.
	dtmf := make([]byte, 16)
	RTPHeader{PayloadType: 101, Seq: 1, SSRC: 9}.MarshalTo(dtmf)
	if err := tr.Push(dtmf); err != nil {
		t.Fatal(err)
	}
	src := newPhone(t, PCMU, 440)
	tr.Push(src.next(t))
	n, err := tr.Tick(buf)
	if err != nil || n != RTPHeaderSize+160 {
		t.Fatalf("Tick: %d, %v", n, err)
	}
	h0, _, _ := ParseRTP(buf[:n])
	if h0.SSRC != 42 || h0.PayloadType != 8 || !h0.Marker || tr.SSRC() != 42 {
		t.Errorf("output header %+v", h0)
	}
	// A new SSRC restarts the jitter buffer (RFC 3550 §8.2).
	pkt := src.next(t)
	pkt[11] ^= 0xFF
	tr.Push(pkt)
	if _, err := tr.Tick(make([]byte, 5)); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("small buffer: %v", err)
	}
	st := tr.Stats()
	if st.OtherPT != 1 || st.BadPackets != 1 || st.SSRCChanges != 1 || st.Sent != 1 {
		t.Errorf("stats %+v", st)
	}
	// An RFC 4733 event slots into the output stream between two audio
	// packets.
	ev := tr.ReserveHeader(101)
	if ev.SSRC != 42 || ev.Seq != h0.Seq+1 || ev.Timestamp != h0.Timestamp+160 || ev.PayloadType != 101 {
		t.Errorf("reserved header %+v after %+v", ev, h0)
	}
	tr.Push(newPhone(t, PCMU, 440).next(t))
	if n, err := tr.Tick(buf); err != nil || n == 0 {
		t.Fatalf("Tick: %d, %v", n, err)
	}
	if h, _, _ := ParseRTP(buf[:RTPHeaderSize]); h.Seq != ev.Seq+1 || h.Timestamp != ev.Timestamp {
		t.Errorf("audio after the event: %+v", h)
	}
	if err := tr.SetPacketLossPercent(5); err != nil {
		t.Error(err)
	}
	tr.Close()
	tr.Close()
	if _, err := tr.Tick(buf); !errors.Is(err, ErrClosed) {
		t.Errorf("Tick after Close: %v", err)
	}
	if err := tr.Push(src.next(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close: %v", err)
	}
	if _, err := NewTranscoder(Format{Codec: 0}, Format{PCMU, 0}, TranscoderConfig{}); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("invalid codec: %v", err)
	}
	if _, err := NewTranscoder(Format{PCMU, 200}, Format{PCMU, 0}, TranscoderConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("payload type 200: %v", err)
	}
}

// TestTranscoderConcurrent pushes from one goroutine while another ticks,
// as a socket reader and a playout ticker do; run with -race.
func TestTranscoderConcurrent(t *testing.T) {
	tr, err := NewTranscoder(Format{G722, 9}, Format{PCMU, 0}, TranscoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	src := newPhone(t, G722, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			tr.Push(src.next(t))
		}
	}()
	buf := make([]byte, 1500)
	for range 200 {
		if _, err := tr.Tick(buf); err != nil {
			t.Error(err)
			break
		}
		_ = tr.Stats()
	}
	<-done
}
