package recording

import (
	"bytes"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// fuzzRecorder returns a recorder with decoders for every codec on both
// channels, writing format to s.
func fuzzRecorder(tb testing.TB, rate int, format Format, s sink) *Recorder {
	r := newTestRecorder(tb, Config{SampleRate: rate, Format: format, Logger: quietLogger}, s)
	for _, ch := range []Channel{Caller, Callee} {
		for _, m := range []struct {
			pt   uint8
			name string
		}{{0, "PCMU"}, {8, "PCMA"}, {9, "G722"}, {111, "opus"}, {101, "telephone-event"}} {
			if m.name == "opus" && !codec.OpusAvailable {
				continue
			}
			if err := r.SetCodec(ch, m.pt, m.name, 0); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return r
}

// fuzzRecord appends one record of the fuzz input format: control byte,
// length byte, packet.
func fuzzRecord(b []byte, ctrl byte, pkt []byte) []byte {
	return append(append(b, ctrl, byte(len(pkt))), pkt...)
}

// FuzzRTP feeds arbitrary packets to both channels at arbitrary arrival
// times. The input is a sequence of records: a control byte (bit 0 the
// channel, bit 1 the output rate of the whole run when set in the first
// record, bit 2 there an Ogg Opus file instead of WAV, the byte as int8
// the arrival step in milliseconds, backwards too), a length byte and
// that many bytes of packet. Nothing may panic, Close must succeed and the
// duration must stay within what the arrival times and timestamps allow;
// an Opus file must be valid and decode to that duration.
func FuzzRTP(f *testing.F) {
	var seed []byte
	for i := range 10 {
		seed = fuzzRecord(seed, 40, rtpPacket(0, uint16(i), uint32(i)*160, 1, bytes.Repeat([]byte{0x55}, 160)))
		seed = fuzzRecord(seed, 1, rtpPacket(9, uint16(i), uint32(i)*160, 2, bytes.Repeat([]byte{0x3C}, 160)))
	}
	f.Add(seed)
	f.Add(fuzzRecord(nil, 0, rtpPacket(111, 1, 0, 3, []byte{0x48, 0x01, 0x02})))
	f.Add(fuzzRecord(fuzzRecord(nil, 3, rtpPacket(8, 1, 0xFFFFFFF0, 4, []byte{1, 2, 3})), 0x81, rtpPacket(8, 2, 0x10, 4, []byte{4})))
	f.Add([]byte{0, 3, 0x80, 0, 0})
	opusSeed := fuzzRecord(nil, 4, rtpPacket(0, 1, 0, 1, bytes.Repeat([]byte{0x55}, 160)))
	opusSeed = fuzzRecord(opusSeed, 40, rtpPacket(0, 2, 160, 1, bytes.Repeat([]byte{0x55}, 40)))
	f.Add(fuzzRecord(opusSeed, 7, rtpPacket(111, 1, 0, 3, []byte{0x48, 0x01, 0x02})))
	f.Fuzz(func(t *testing.T, data []byte) {
		rate := 8000
		if len(data) > 0 && data[0]&2 != 0 {
			rate = 16000
		}
		format := FormatWAV
		var s sink = discardSink{}
		m := &memSink{}
		if len(data) > 0 && data[0]&4 != 0 && codec.OpusAvailable {
			format, s = FormatOpus, m
		}
		r := fuzzRecorder(t, rate, format, s)
		when := t0
		var span time.Duration // arrival times covered, forward
		for len(data) >= 2 {
			ctrl, n := data[0], int(data[1])
			data = data[2:]
			n = min(n, len(data))
			pkt := data[:n]
			data = data[n:]
			step := time.Duration(int8(ctrl)) * time.Millisecond
			when = when.Add(step)
			span += max(step, 0)
			r.RTPAt(Channel(ctrl&1), pkt, when)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		// Audio ends at most a second of skew plus a long packet past the
		// latest arrival.
		if d := r.Duration(); d < 0 || d > span+maxSkew+200*time.Millisecond {
			t.Fatalf("duration %v for %v of arrivals", d, span)
		}
		if format == FormatOpus {
			if f := parseOpus(t, m.b); f.duration() != r.Duration() {
				t.Fatalf("Opus file lasts %v, recorder says %v", f.duration(), r.Duration())
			}
		}
	})
}
