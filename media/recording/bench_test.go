package recording

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// BenchmarkRTP records one 20 ms packet per operation on one channel, in
// steady state: decoding, resampling where needed and placing the audio;
// the writer goroutine encodes the file (WAV, or Ogg Opus for the cases
// named so) and writes it to nowhere.
func BenchmarkRTP(b *testing.B) {
	for _, c := range []struct {
		c      codec.Codec
		pt     uint8
		rate   int
		format Format
	}{
		{codec.PCMU, 0, 8000, FormatWAV},
		{codec.PCMA, 8, 8000, FormatWAV},
		{codec.PCMU, 0, 16000, FormatWAV},
		{codec.G722, 9, 8000, FormatWAV},
		{codec.G722, 9, 16000, FormatWAV},
		{codec.Opus, 111, 8000, FormatWAV},
		{codec.Opus, 111, 16000, FormatWAV},
		{codec.PCMU, 0, 8000, FormatOpus},
		{codec.G722, 9, 16000, FormatOpus},
	} {
		name := c.c.String() + "@" + map[int]string{8000: "8k", 16000: "16k"}[c.rate]
		if c.format == FormatOpus {
			name += "-opusfile"
		}
		b.Run(name, func(b *testing.B) {
			r := newTestRecorder(b, Config{SampleRate: c.rate, Format: c.format, Logger: quietLogger}, discardSink{})
			defer r.Close()
			if err := r.SetCodec(Caller, c.pt, c.c.String(), 0); err != nil {
				b.Fatal(err)
			}
			// A second of packets, replayed with fresh sequence numbers
			// and timestamps.
			s := newSender(b, c.c, c.pt, 440, 1, 0)
			pkts := make([][]byte, 50)
			for i := range pkts {
				pkts[i] = s.next()
			}
			ticks := c.c.FrameTicks()
			when := t0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p := pkts[i%len(pkts)]
				binary.BigEndian.PutUint16(p[2:], uint16(i))
				binary.BigEndian.PutUint32(p[4:], uint32(i)*ticks)
				r.RTPAt(Caller, p, when)
				when = when.Add(20 * time.Millisecond)
			}
			b.StopTimer()
			if st := r.Stats(Caller); st.Recorded == 0 || st.Resyncs != 0 {
				b.Errorf("stats %+v", st)
			}
		})
	}
}

// BenchmarkOpusFile encodes 20 ms of stereo audio per operation into Ogg
// Opus pages, as the writer goroutine does for an Opus recording.
func BenchmarkOpusFile(b *testing.B) {
	needOpus(b)
	for _, rate := range []int{8000, 16000} {
		b.Run(map[int]string{8000: "8k", 16000: "16k"}[rate], func(b *testing.B) {
			cfg, err := Config{SampleRate: rate, Format: FormatOpus, Logger: quietLogger}.withDefaults()
			if err != nil {
				b.Fatal(err)
			}
			w, err := newOpusFile(cfg, discardSink{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.release()
			if err := w.begin(); err != nil {
				b.Fatal(err)
			}
			// A second of two tones, replayed.
			n := rate
			left, right := tone(rate, 440, 0, n), tone(rate, 1000, 0, n)
			pcm := make([]int16, 2*n)
			for i := range n {
				pcm[2*i], pcm[2*i+1] = left[i], right[i]
			}
			frame := 2 * rate / 50
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				k := i % (n * 2 / frame) * frame
				if err := w.write(pcm[k : k+frame]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
