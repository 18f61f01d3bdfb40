package codec

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// benchCodec is a codec at one PCM rate.
type benchCodec struct {
	c    Codec
	rate int
}

func (bc benchCodec) String() string {
	if bc.c == Opus {
		return fmt.Sprintf("opus@%dk", bc.rate/1000)
	}
	return bc.c.String()
}

var benchCodecs = []benchCodec{
	{PCMU, 8000}, {PCMA, 8000}, {G722, 16000},
	{Opus, 8000}, {Opus, 16000}, {Opus, 48000},
}

// BenchmarkEncode encodes one 20 ms frame per operation.
func BenchmarkEncode(b *testing.B) {
	for _, bc := range benchCodecs {
		b.Run(bc.String(), func(b *testing.B) {
			enc, err := NewEncoder(bc.c, EncoderConfig{SampleRate: bc.rate})
			if err != nil {
				b.Skip(err)
			}
			defer enc.Close()
			pcm := voiceLikeAt(bc.rate, bc.rate)
			frame := bc.rate / 50
			out := make([]byte, 1500)
			b.ReportAllocs()
			b.ResetTimer()
			defer startCPU().report(b)
			for i := 0; b.Loop(); i++ {
				off := (i * frame) % (len(pcm) - frame)
				if _, err := enc.Encode(pcm[off:off+frame], out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode decodes one 20 ms packet per operation.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range benchCodecs {
		b.Run(bc.String(), func(b *testing.B) {
			packets := encodedPackets(b, bc.c, 50)
			dec, err := NewDecoder(bc.c, DecoderConfig{SampleRate: bc.rate})
			if err != nil {
				b.Skip(err)
			}
			defer dec.Close()
			pcm := make([]int16, opusMaxFrame)
			b.ReportAllocs()
			b.ResetTimer()
			defer startCPU().report(b)
			for i := 0; b.Loop(); i++ {
				if _, err := dec.Decode(packets[i%len(packets)], pcm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkConceal alternates a decoded and a concealed 20 ms frame, so
// every concealment starts a new loss; one operation is the pair.
func BenchmarkConceal(b *testing.B) {
	for _, bc := range benchCodecs {
		b.Run(bc.String(), func(b *testing.B) {
			packets := encodedPackets(b, bc.c, 50)
			dec, err := NewDecoder(bc.c, DecoderConfig{SampleRate: bc.rate})
			if err != nil {
				b.Skip(err)
			}
			defer dec.Close()
			pcm := make([]int16, opusMaxFrame)
			b.ReportAllocs()
			b.ResetTimer()
			defer startCPU().report(b)
			for i := 0; b.Loop(); i++ {
				dec.Decode(packets[i%len(packets)], pcm)
				dec.Conceal(pcm)
			}
		})
	}
}

// BenchmarkResample converts one 20 ms frame per operation.
func BenchmarkResample(b *testing.B) {
	for _, p := range ratePairs {
		b.Run(fmt.Sprintf("%dto%d", p[0]/1000, p[1]/1000), func(b *testing.B) {
			r, _ := NewResampler(p[0], p[1])
			in := tone(p[0], 1000, 10000, 0, p[0]/50)
			out := make([]int16, r.MaxOut(len(in)))
			b.ReportAllocs()
			defer startCPU().report(b)
			for b.Loop() {
				if _, err := r.Process(in, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJitterBuffer pushes and pops one packet per operation.
func BenchmarkJitterBuffer(b *testing.B) {
	j, _ := NewJitterBuffer(JitterConfig{})
	payload := make([]byte, 160)
	now := time.Unix(0, 0)
	b.ReportAllocs()
	defer startCPU().report(b)
	for i := 0; b.Loop(); i++ {
		j.Push(uint16(i), uint32(i)*160, payload, now)
		j.Pop()
		now = now.Add(20 * time.Millisecond)
	}
}

// BenchmarkCallOpusPCMU is one 20 ms tick of a transcoded call between a
// browser (Opus) and a phone (PCMU): each direction takes one packet in
// and sends one out.
func BenchmarkCallOpusPCMU(b *testing.B) {
	for _, v := range []struct {
		at48k      bool
		complexity int
	}{{false, DefaultOpusComplexity}, {false, 10}, {true, DefaultOpusComplexity}, {true, 10}} {
		name := fmt.Sprintf("opus8k/complexity%d", v.complexity)
		if v.at48k {
			name = fmt.Sprintf("opus48k+resampler/complexity%d", v.complexity)
		}
		b.Run(name, func(b *testing.B) {
			if !OpusAvailable {
				b.Skip("built without libopus")
			}
			clock := &fakeClock{t: time.Unix(0, 0)}
			cfg := TranscoderConfig{
				Now:       clock.now,
				OpusAt48k: v.at48k,
				Encoder:   EncoderConfig{Opus: OpusConfig{Complexity: v.complexity}},
			}
			toPhone, err := NewTranscoder(Format{Opus, 111}, Format{PCMU, 0}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer toPhone.Close()
			toBrowser, err := NewTranscoder(Format{PCMU, 0}, Format{Opus, 111}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer toBrowser.Close()
			fromBrowser := rtpPackets(encodedPackets(b, Opus, 50), 111)
			fromPhone := rtpPackets(encodedPackets(b, PCMU, 50), 0)
			buf := make([]byte, 1500)
			b.ReportAllocs()
			b.ResetTimer()
			defer startCPU().report(b)
			for i := 0; b.Loop(); i++ {
				k := i % 50
				restamp(fromBrowser[k], uint16(i), uint32(i)*960)
				restamp(fromPhone[k], uint16(i), uint32(i)*160)
				if err := toPhone.Push(fromBrowser[k]); err != nil {
					b.Fatal(err)
				}
				if err := toBrowser.Push(fromPhone[k]); err != nil {
					b.Fatal(err)
				}
				clock.t = clock.t.Add(20 * time.Millisecond)
				if n, err := toPhone.Tick(buf); err != nil || n == 0 {
					b.Fatal(n, err)
				}
				if n, err := toBrowser.Tick(buf); err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
			b.StopTimer()
			if st := toPhone.Stats(); st.Concealed > 1 {
				b.Fatalf("browser→phone concealed %d frames", st.Concealed)
			}
		})
	}
}

// cpuTimer measures the CPU time the process spends, so benchmark figures
// stay meaningful on a machine busy with other work: wall-clock ns/op grows
// with the competition, CPU ns/op much less.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

// report adds a cpu-ns/op metric to b.
func (c cpuTimer) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// voiceLikeAt is voiceLike resampled by sample skipping to rate (rate must
// divide 48000); n is the length at rate.
func voiceLikeAt(rate, n int) []int16 {
	step := 48000 / rate
	src := voiceLike(n * step)
	out := make([]int16, n)
	for i := range out {
		out[i] = src[i*step]
	}
	return out
}

// encodedPackets encodes n 20 ms frames of a voice-like signal.
func encodedPackets(b testing.TB, c Codec, n int) [][]byte {
	enc, err := NewEncoder(c, EncoderConfig{})
	if err != nil {
		b.Skip(err)
	}
	defer enc.Close()
	frame := c.FrameSamples()
	pcm := voiceLikeAt(c.SampleRate(), n*frame)
	out := make([][]byte, n)
	for i := range out {
		buf := make([]byte, 1500)
		m, err := enc.Encode(pcm[i*frame:(i+1)*frame], buf)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = buf[:m]
	}
	return out
}

// rtpPackets wraps payloads in RTP headers.
func rtpPackets(payloads [][]byte, pt uint8) [][]byte {
	out := make([][]byte, len(payloads))
	for i, p := range payloads {
		out[i] = rtpSeed(pt, 0, p)
	}
	return out
}

// restamp rewrites a packet's sequence number and timestamp in place.
func restamp(pkt []byte, seq uint16, ts uint32) {
	binary.BigEndian.PutUint16(pkt[2:], seq)
	binary.BigEndian.PutUint32(pkt[4:], ts)
}
