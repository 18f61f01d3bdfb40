package recording

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// BenchmarkRTP records one 20 ms packet per operation on one channel, in
// steady state: decoding, resampling where needed and placing the audio;
// the writer goroutine writes to nowhere.
func BenchmarkRTP(b *testing.B) {
	for _, c := range []struct {
		c    codec.Codec
		pt   uint8
		rate int
	}{
		{codec.PCMU, 0, 8000},
		{codec.PCMA, 8, 8000},
		{codec.PCMU, 0, 16000},
		{codec.G722, 9, 8000},
		{codec.G722, 9, 16000},
		{codec.Opus, 111, 8000},
		{codec.Opus, 111, 16000},
	} {
		b.Run(c.c.String()+"@"+map[int]string{8000: "8k", 16000: "16k"}[c.rate], func(b *testing.B) {
			r := newTestRecorder(b, Config{SampleRate: c.rate, Logger: quietLogger}, discardSink{})
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
