package dtmf

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte{5, 0x0a, 0x03, 0x20})
	f.Add([]byte{11, 0xca, 0xff, 0xff, 1})
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseEvent(b)
		if (err != nil) != (len(b) < EventSize) {
			t.Fatalf("%x: err %v", b, err)
		}
		if err != nil {
			return
		}
		w, err := ev.AppendBinary(nil)
		if err != nil || !bytes.Equal(w, b[:EventSize]) {
			t.Fatalf("%x read as %+v writes %x %v", b, ev, w, err)
		}
	})
}

// maxFuzzPackets bounds the packets of one FuzzDetector input.
const maxFuzzPackets = 64

// fuzzKey is an event identity: stream and timestamp.
type fuzzKey struct{ ssrc, ts uint32 }

// FuzzDetector feeds arbitrary packet sequences. Each record is a flags
// octet (bit 0 marker, bit 1 second SSRC, bits 2-3 events in the packet
// minus one, bit 4 Tick, bit 5 Flush, bit 6 drop the last payload octet,
// bit 7 jump the timestamp by one segment), a time step in 4 ms units, a
// signed 16-bit timestamp step, then the payload.
func FuzzDetector(f *testing.F) {
	rec := func(flags, step byte, tsStep int16, evs ...[]byte) []byte {
		b := []byte{flags, step, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(tsStep))
		for _, e := range evs {
			b = append(b, e...)
		}
		return b
	}
	var press []byte
	press = append(press, rec(1, 0, 0, payload(5, false, 400))...)
	press = append(press, rec(0, 12, 0, payload(5, false, 800))...)
	press = append(press, rec(0, 12, 0, payload(5, true, 1200))...)
	press = append(press, rec(0, 0, 0, payload(5, true, 1200))...)
	press = append(press, rec(1, 20, 2000, payload(6, true, 400))...)
	f.Add(press)
	f.Add(append(rec(1, 0, 0, payload(9, false, 0xFFFF)), rec(0x80, 12, 0, payload(9, true, 400))...))
	f.Add(rec(1|4<<2, 0, 0, payload(1, true, 800), payload(2, true, 800), payload(3, false, 400), payload(4, false, 0)))
	f.Add(append(rec(0x12, 100, -3, payload(0, false, 1)), rec(0x61, 1, 0, payload(1, true, 9))...))
	f.Add(bytes.Repeat(rec(0x10, 1, 2, payload(7, false, 1)), maxFuzzPackets+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxPackets = maxFuzzPackets
		var got []Digit
		d, err := newDetector(DetectorConfig{}, func(dg Digit) { got = append(got, dg) }, maxPackets*4)
		if err != nil {
			t.Fatal(err)
		}
		fed := map[fuzzKey]bool{}
		now, ts := t0, uint32(1000)
		for n := 0; len(data) >= 4 && n < maxPackets; n++ {
			flags, step := data[0], data[1]
			if flags&0x80 != 0 {
				ts += segmentSpan
			} else {
				ts += uint32(int32(int16(binary.BigEndian.Uint16(data[2:4]))))
			}
			data = data[4:]
			size := EventSize * int(1+flags>>2&3)
			if len(data) < size {
				return
			}
			pl := data[:size]
			data = data[size:]
			if flags&0x40 != 0 {
				pl = pl[:size-1]
			}
			now = now.Add(time.Duration(step) * 4 * time.Millisecond)
			ssrc := uint32(1 + flags>>1&1)
			err := d.Feed(now, Packet{SSRC: ssrc, Timestamp: ts, Marker: flags&1 != 0, Payload: pl})
			if (err != nil) != (len(pl)%EventSize != 0) {
				t.Fatalf("payload %x: err %v", pl, err)
			}
			if err == nil {
				bt := ts
				for off := 0; off < len(pl); off += EventSize {
					fed[fuzzKey{ssrc, bt}] = true
					bt += uint32(binary.BigEndian.Uint16(pl[off+2:]))
				}
			}
			if flags&0x10 != 0 {
				d.Tick(now)
			}
			if flags&0x20 != 0 {
				d.Flush()
			}
		}
		d.Flush()
		if len(got) > len(fed) {
			t.Fatalf("%d digits from %d distinct event timestamps", len(got), len(fed))
		}
		seen := map[fuzzKey]bool{}
		for _, g := range got {
			k := fuzzKey{g.SSRC, g.Timestamp}
			if !fed[k] || seen[k] {
				t.Fatalf("digit %+v: fed %v, reported before %v", g, fed[k], seen[k])
			}
			seen[k] = true
			if g.Duration < 0 {
				t.Fatalf("digit %+v", g)
			}
		}
		if st := d.Stats(); st.Digits != uint64(len(got)) {
			t.Fatalf("stats %+v, %d digits", st, len(got))
		}
	})
}

func FuzzFeedRTP(f *testing.F) {
	f.Add([]byte{0x80, 0xe5, 0, 1, 0, 0, 0, 160, 0, 0, 0, 1, 5, 0x8a, 3, 0x20})
	f.Add([]byte{0xb1, 0x65, 0, 1, 0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 0, 5, 0x8a, 3, 0x20, 0, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseRTP(b)
		if err == nil && len(p.Payload) > len(b)-rtpHeaderSize {
			t.Fatalf("payload %d octets from %d", len(p.Payload), len(b))
		}
		d, err := NewDetector(DetectorConfig{}, func(Digit) {})
		if err != nil {
			t.Fatal(err)
		}
		_ = d.FeedRTP(t0, b)
		d.Flush()
		if d.Stats().Digits > MaxPackedEvents {
			t.Fatalf("%d digits from one packet", d.Stats().Digits)
		}
	})
}

func FuzzParseRelay(f *testing.F) {
	for _, s := range []string{
		"Signal=5\r\nDuration=160\r\n", "signal= # \nduration=100", "Signal=16\r\n", "Signal=!\r\nDuration=0",
		"Duration=1\r\nSignal=d", "Signal=5\r\nSignal=5", "=\r\n=", "Signal=5\r\nDuration=60001",
	} {
		f.Add([]byte(s))
	}
	// Seeds past the size limit and the packet cap keep the fuzzer from
	// taking every longer input as new and minimizing it byte by byte.
	f.Add(bytes.Repeat([]byte("Signal=5\r\n"), maxInfoBody))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, d, err := ParseRelay(b)
		if err != nil {
			return
		}
		if d < time.Millisecond || d > MaxDuration || d%time.Millisecond != 0 {
			t.Fatalf("%q: duration %v", b, d)
		}
		c2, d2, err := ParseRelay(AppendRelay(nil, code, d))
		if err != nil || c2 != code || d2 != d {
			t.Fatalf("%q: %v %v formats back as %v %v %v", b, code, d, c2, d2, err)
		}
	})
}

func FuzzParseDTMF(f *testing.F) {
	for _, s := range []string{"5", "*", "#\r\n", " 11 ", "16", "!", "", "255", "256", "a"} {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("5"), 2*maxInfoBody))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, err := ParseDTMF(b)
		if err != nil {
			return
		}
		c2, err := ParseDTMF(AppendDTMF(nil, code))
		if err != nil || c2 != code {
			t.Fatalf("%q: %v formats back as %v %v", b, code, c2, err)
		}
		if _, _, err := ParseInfo(ContentTypeDTMF, b); err != nil {
			t.Fatalf("%q: ParseInfo %v", b, err)
		}
	})
}
