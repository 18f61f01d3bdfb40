package codec

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// rtpSeed builds a small valid RTP packet for the fuzz corpora.
func rtpSeed(pt uint8, seq uint16, payload []byte) []byte {
	b := make([]byte, RTPHeaderSize+len(payload))
	RTPHeader{PayloadType: pt, Seq: seq, Timestamp: uint32(seq) * 160, SSRC: 7}.MarshalTo(b)
	copy(b[RTPHeaderSize:], payload)
	return b
}

func FuzzParseRTP(f *testing.F) {
	f.Add(rtpSeed(0, 1, bytes.Repeat([]byte{0xFF}, 160)))
	// CSRC count 2, extension of one word, 3 bytes of padding.
	f.Add([]byte{0xB2, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2,
		0xBE, 0xDE, 0, 1, 9, 9, 9, 9, 0xAA, 0xBB, 0, 0, 3})
	f.Add([]byte{0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		h, payload, err := ParseRTP(pkt)
		if err != nil {
			if !errors.Is(err, ErrBadRTP) {
				t.Fatalf("error %v does not wrap ErrBadRTP", err)
			}
			return
		}
		if len(payload) > len(pkt)-RTPHeaderSize {
			t.Fatalf("payload of %d bytes from a %d-byte packet", len(payload), len(pkt))
		}
		// Writing the header back and parsing it again keeps the fields.
		b := make([]byte, RTPHeaderSize)
		h.MarshalTo(b)
		h2, _, err := ParseRTP(b)
		if err != nil || h2 != h {
			t.Fatalf("round trip: %+v vs %+v, %v", h2, h, err)
		}
	})
}

// FuzzDecoders feeds arbitrary payloads to every decoder: each returns an
// error or samples within the buffer, never panics, and conceals after.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte{0xFF, 0x7F, 0x00, 0x80})
	f.Add(bytes.Repeat([]byte{0x55}, 160))
	// Opus TOC bytes: SILK 20 ms mono, CELT stereo, code 3 with padding.
	f.Add([]byte{0x48, 0x01, 0x02})
	f.Add([]byte{0xFC, 0xFF, 0xFE})
	f.Add([]byte{0x4B, 0x41, 0xFF, 0xFF, 0x00})
	codecs := []Codec{PCMU, PCMA, G722}
	if OpusAvailable {
		codecs = append(codecs, Opus)
	}
	decs := make([]Decoder, len(codecs))
	for i, c := range codecs {
		d, err := NewDecoder(c, DecoderConfig{})
		if err != nil {
			f.Fatal(err)
		}
		decs[i] = d
	}
	f.Cleanup(func() {
		for _, d := range decs {
			d.Close()
		}
	})
	pcm := make([]int16, 2*65536)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range decs {
			n, err := d.Decode(payload, pcm)
			if err == nil && (n < 0 || n > len(pcm)) {
				t.Fatalf("%v: %d samples", d.Codec(), n)
			}
			if fd, ok := d.(FECDecoder); ok {
				if n, err := fd.DecodeFEC(payload, pcm[:960]); err == nil && n > 960 {
					t.Fatalf("FEC wrote %d samples", n)
				}
			}
			if n := d.Conceal(pcm[:7]); n > 7 {
				t.Fatalf("%v: Conceal wrote %d samples into 7", d.Codec(), n)
			}
			// A short buffer must fail cleanly, not overrun.
			if n, err := d.Decode(payload, pcm[:3]); err == nil && n > 3 {
				t.Fatalf("%v: %d samples into 3", d.Codec(), n)
			}
		}
	})
}

// FuzzTranscoder pushes arbitrary packets (length-prefixed in the input)
// and ticks between them.
func FuzzTranscoder(f *testing.F) {
	seed := func(pkts ...[]byte) []byte {
		var b []byte
		for _, p := range pkts {
			b = append(b, byte(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f.Add(byte(0), seed(rtpSeed(0, 1, bytes.Repeat([]byte{0xFF}, 160)), rtpSeed(0, 3, []byte{1, 2})))
	f.Add(byte(1), seed(rtpSeed(9, 65535, bytes.Repeat([]byte{0x12}, 160)), rtpSeed(9, 0, []byte{0})))
	f.Add(byte(2), seed(rtpSeed(111, 5, []byte{0x48, 0x01}), rtpSeed(111, 7, []byte{0xFC})))
	formats := []Format{{PCMU, 0}, {G722, 9}, {Opus, 111}}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		in := formats[int(which)%len(formats)]
		if in.Codec == Opus && !OpusAvailable {
			return
		}
		out := Format{PCMA, 8}
		if in.Codec != Opus && OpusAvailable {
			out = Format{Opus, 111}
		}
		clock := &fakeClock{t: time.Unix(0, 0)}
		tr, err := NewTranscoder(in, out, TranscoderConfig{Now: clock.now})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		buf := make([]byte, 1500)
		for len(data) > 0 {
			n := min(int(data[0]), len(data)-1)
			tr.Push(data[1 : 1+n])
			data = data[1+n:]
			clock.t = clock.t.Add(time.Duration(n%40) * time.Millisecond)
			if n, err := tr.Tick(buf); err != nil || (n > 0 && n < RTPHeaderSize) {
				t.Fatalf("Tick: %d, %v", n, err)
			}
		}
	})
}

// FuzzJitterBuffer drives a jitter buffer with arbitrary pushes and pops
// and checks its invariants: it never holds more than its capacity, and
// the packets it plays come out in strictly increasing sequence order.
func FuzzJitterBuffer(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 2, 0, 3, 1, 1, 0, 0, 1})
	f.Add([]byte{0, 255, 255, 0, 0, 0, 1, 1, 1, 0, 40, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		j, _ := NewJitterBuffer(JitterConfig{Capacity: 8, MaxPayload: 4})
		now := time.Unix(0, 0)
		var last int64 = -1
		restarts := uint64(0)
		for len(ops) >= 4 {
			op, seq, dt := ops[0], uint16(ops[1])<<8|uint16(ops[2]), ops[3]
			ops = ops[4:]
			now = now.Add(time.Duration(dt) * time.Millisecond)
			if op%3 != 0 {
				j.Push(seq, uint32(seq)*160, []byte{op, ops0(ops)}, now)
			} else {
				p, res := j.Pop()
				if st := j.Stats(); st.Restarts != restarts {
					restarts, last = st.Restarts, -1
				}
				if res == Play {
					ext := j.next - 1
					if last >= 0 && ext <= last {
						t.Fatalf("played %d after %d", ext, last)
					}
					last = ext
					if len(p.Payload) != 2 {
						t.Fatalf("payload %v", p.Payload)
					}
				}
			}
			if j.Len() > 8 {
				t.Fatalf("holds %d packets", j.Len())
			}
		}
	})
}

func ops0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
