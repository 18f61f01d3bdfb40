package recording

import (
	"encoding/binary"
	"io"
	"log/slog"
	"math"
	"os"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// quietLogger drops everything below errors.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// toneAmp is the amplitude of the test tones, about -12 dBFS.
const toneAmp = 8000

// tone returns n samples of a sine at freq Hz starting at sample start.
func tone(rate int, freq float64, start, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(toneAmp * math.Sin(2*math.Pi*freq*float64(start+i)/float64(rate))))
	}
	return out
}

// rtpPacket builds an RTP packet.
func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, codec.RTPHeaderSize+len(payload))
	_, _ = codec.RTPHeader{PayloadType: pt, Seq: seq, Timestamp: ts, SSRC: ssrc}.MarshalTo(b)
	copy(b[codec.RTPHeaderSize:], payload)
	return b
}

// sender makes the 20 ms RTP packets of a tone in one codec.
type sender struct {
	tb    testing.TB
	enc   codec.Encoder
	pt    uint8
	ssrc  uint32
	seq   uint16
	ts    uint32
	freq  float64
	n     int // samples encoded so far
	frame int // samples per packet at the encoder's rate
	ticks uint32
}

// newSender returns a sender of a freq Hz tone in codec c on payload type
// pt, its first timestamp ts0.
func newSender(tb testing.TB, c codec.Codec, pt uint8, freq float64, ssrc, ts0 uint32) *sender {
	tb.Helper()
	enc, err := codec.NewEncoder(c, codec.EncoderConfig{})
	if err != nil {
		tb.Fatalf("encoder %v: %v (Opus needs cgo and libopus-dev)", c, err)
	}
	tb.Cleanup(func() { _ = enc.Close() })
	return &sender{tb: tb, enc: enc, pt: pt, ssrc: ssrc, seq: uint16(ssrc), ts: ts0, freq: freq,
		frame: enc.SampleRate() / 50, ticks: c.FrameTicks()}
}

// next returns the next packet.
func (s *sender) next() []byte {
	pcm := tone(s.enc.SampleRate(), s.freq, s.n, s.frame)
	payload := make([]byte, 1500)
	m, err := s.enc.Encode(pcm, payload)
	if err != nil {
		s.tb.Fatalf("encode: %v", err)
	}
	p := rtpPacket(s.pt, s.seq, s.ts, s.ssrc, payload[:m])
	s.skip(1)
	return p
}

// skip advances by k packets without sending them.
func (s *sender) skip(k int) {
	s.n += k * s.frame
	s.seq += uint16(k)
	s.ts += uint32(k) * s.ticks
}

// arrival is one packet to feed at a time.
type arrival struct {
	ch  Channel
	at  time.Time
	pkt []byte
}

// mergeArrivals orders the packets of both channels by arrival time, the
// caller's first on ties.
func mergeArrivals(a, b []arrival) []arrival {
	out := make([]arrival, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && !b[0].at.Before(a[0].at)) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// feed gives the arrivals to r.
func feed(tb testing.TB, r *Recorder, as []arrival) {
	for _, a := range as {
		put(tb, r, a.ch, a.pkt, a.at)
	}
}

// put gives r one packet, then lets the writer catch up as it would in
// real time: tests feed packets far faster than they would arrive, which
// could otherwise outrun the writer and overrun the rings.
func put(tb testing.TB, r *Recorder, ch Channel, pkt []byte, at time.Time) {
	r.RTPAt(ch, pkt, at)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		pending := r.maxArrival - r.lag - r.written.Load()
		r.mu.Unlock()
		if pending < r.chunk {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("writer stuck with %d samples pending", pending)
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// wavFile is a parsed WAV file.
type wavFile struct {
	format, channels, bits int
	rate                   int
	byteRate, blockAlign   int
	riffSize, dataSize     uint32
	left, right            []int16
}

// frames is the number of sample frames.
func (w wavFile) frames() int { return len(w.left) }

// duration is the length of the audio.
func (w wavFile) duration() time.Duration {
	return time.Duration(w.frames()) * time.Second / time.Duration(w.rate)
}

// readWAV parses a RIFF/WAVE file of 16-bit stereo PCM, walking its chunks.
func readWAV(tb testing.TB, path string) wavFile {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return parseWAV(tb, b)
}

// parseWAV parses the bytes of a WAV file.
func parseWAV(tb testing.TB, b []byte) wavFile {
	tb.Helper()
	le := binary.LittleEndian
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		tb.Fatalf("not a RIFF/WAVE file: % x", b[:min(len(b), 12)])
	}
	var w wavFile
	w.riffSize = le.Uint32(b[4:])
	if int(w.riffSize) != len(b)-8 {
		tb.Errorf("RIFF size %d, file has %d bytes after it", w.riffSize, len(b)-8)
	}
	var data []byte
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(le.Uint32(b[p+4:]))
		body := b[p+8 : min(len(b), p+8+size)]
		switch id {
		case "fmt ":
			w.format = int(le.Uint16(body[0:]))
			w.channels = int(le.Uint16(body[2:]))
			w.rate = int(le.Uint32(body[4:]))
			w.byteRate = int(le.Uint32(body[8:]))
			w.blockAlign = int(le.Uint16(body[12:]))
			w.bits = int(le.Uint16(body[14:]))
		case "data":
			w.dataSize = uint32(size)
			if len(body) != size {
				tb.Errorf("data chunk says %d bytes, file holds %d", size, len(body))
			}
			data = body
		}
		p += 8 + size + size&1
	}
	if w.format != 1 || w.channels != 2 || w.bits != 16 {
		tb.Fatalf("format %d, %d channels, %d bits; want PCM, 2, 16", w.format, w.channels, w.bits)
	}
	if w.blockAlign != 4 || w.byteRate != 4*w.rate {
		tb.Errorf("block align %d, byte rate %d at %d Hz", w.blockAlign, w.byteRate, w.rate)
	}
	for i := 0; i+4 <= len(data); i += 4 {
		w.left = append(w.left, int16(le.Uint16(data[i:])))
		w.right = append(w.right, int16(le.Uint16(data[i+2:])))
	}
	return w
}

// goertzel returns the power of x at freq Hz.
func goertzel(x []int16, rate int, freq float64) float64 {
	c := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// dominant returns the frequency, on a 10 Hz grid from 100 Hz to near
// Nyquist, where x has the most power.
func dominant(x []int16, rate int) float64 {
	best, bestP := 0.0, -1.0
	for f := 100.0; f < float64(rate)/2-100; f += 10 {
		if p := goertzel(x, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// rms is the root mean square of x.
func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// span returns x between two times.
func span(x []int16, rate int, from, to time.Duration) []int16 {
	a := int(samples(from, rate))
	b := min(int(samples(to, rate)), len(x))
	if a >= b {
		return nil
	}
	return x[a:b]
}

// discardSink is a sink that keeps nothing.
type discardSink struct{}

func (discardSink) Write(b []byte) (int, error)            { return len(b), nil }
func (discardSink) WriteAt(b []byte, _ int64) (int, error) { return len(b), nil }
func (discardSink) Close() error                           { return nil }

// newTestRecorder returns a recorder writing to s instead of a file.
func newTestRecorder(tb testing.TB, cfg Config, s sink) *Recorder {
	tb.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := newRecorder(cfg, "test.wav", s)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// g711Expected is what the recorder should write for a tone sent in
// G.711 codec c: the tone through the encoder and decoder.
func g711Expected(tb testing.TB, c codec.Codec, freq float64, start, n int) []int16 {
	tb.Helper()
	enc, _ := codec.NewEncoder(c, codec.EncoderConfig{})
	dec, _ := codec.NewDecoder(c, codec.DecoderConfig{})
	pcm := tone(8000, freq, start, n)
	b := make([]byte, n)
	if _, err := enc.Encode(pcm, b); err != nil {
		tb.Fatal(err)
	}
	out := make([]int16, n)
	if _, err := dec.Decode(b, out); err != nil {
		tb.Fatal(err)
	}
	return out
}
