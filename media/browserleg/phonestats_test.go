package browserleg

import (
	"testing"
	"time"
)

// feed gives s packets of ssrc with the sequence numbers seqs, timestamps
// 160 apart and arrivals 20 ms apart (a steady 8 kHz G.711 stream).
func feed(s *recvStats, ssrc uint32, seqs ...int) {
	for _, q := range seqs {
		s.update(ssrc, uint16(q), uint32(q*160), int64(q)*20e6, 8000)
	}
}

func seqRange(from, to int, skip ...int) []int {
	var out []int
outer:
	for q := from; q <= to; q++ {
		for _, s := range skip {
			if q == s {
				continue outer
			}
		}
		out = append(out, q)
	}
	return out
}

func TestRecvStatsLoss(t *testing.T) {
	var s recvStats
	now := time.Now()
	if _, ok := s.report(now); ok {
		t.Fatal("report block before any packet")
	}
	feed(&s, 7, 1)
	if s.valid() {
		t.Fatal("valid after one packet: RFC 3550 A.1 probation is two")
	}
	feed(&s, 7, seqRange(2, 100, 10)...)
	// Validated at 2 (A.1): expected 2..100 = 99, received 98.
	if !s.valid() || s.received != 98 || s.extMax() != 100 || s.lost() != 1 {
		t.Fatalf("received %d extMax %d lost %d", s.received, s.extMax(), s.lost())
	}
	rr, ok := s.report(now)
	if !ok {
		t.Fatal("no report block")
	}
	if rr.SSRC != 7 || rr.TotalLost != 1 || rr.LastSequenceNumber != 100 || rr.FractionLost != 256/99 {
		t.Fatalf("block %+v", rr)
	}
	if rr.Jitter != 0 {
		t.Errorf("jitter %d on a steady stream", rr.Jitter)
	}
	if rr.LastSenderReport != 0 || rr.Delay != 0 {
		t.Errorf("LSR/DLSR %d/%d before any SR", rr.LastSenderReport, rr.Delay)
	}
	// RFC 3550 §6.4: no block when nothing arrived since the last report.
	if _, ok := s.report(now); ok {
		t.Fatal("block for a silent interval")
	}
	// A lossless interval: fraction 0, cumulative loss unchanged.
	feed(&s, 7, seqRange(101, 110)...)
	rr, _ = s.report(now)
	if rr.FractionLost != 0 || rr.TotalLost != 1 || rr.LastSequenceNumber != 110 {
		t.Fatalf("second block %+v", rr)
	}
	// A duplicate makes the loss 0; another makes it negative.
	feed(&s, 7, 110, 110)
	if s.lost() != -1 {
		t.Fatalf("lost %d after duplicates", s.lost())
	}
	rr, _ = s.report(now)
	if rr.TotalLost != 0xffffff {
		t.Errorf("negative loss encoded %#x", rr.TotalLost)
	}
}

func TestRecvStatsSequence(t *testing.T) {
	// Wrap around: cycles count.
	var s recvStats
	feed(&s, 1, seqRange(65530, 65535)...)
	for q := 0; q <= 5; q++ {
		s.update(1, uint16(q), uint32(65536+q)*160, int64(65536+q)*20e6, 8000)
	}
	if s.extMax() != 65536+5 || s.lost() != 0 || s.cycles != 65536 {
		t.Fatalf("wrap: extMax %d lost %d cycles %d", s.extMax(), s.lost(), s.cycles)
	}

	// Probation restarts on a packet out of sequence.
	s = recvStats{}
	feed(&s, 1, 1, 5)
	if s.valid() {
		t.Fatal("valid after out-of-sequence probation")
	}
	feed(&s, 1, 6)
	if !s.valid() || s.baseSeq != 6 || s.received != 1 {
		t.Fatalf("probation: valid %v base %d received %d", s.valid(), s.baseSeq, s.received)
	}

	// A large jump is dropped unless the next packet confirms it: then
	// the source restarted (A.1).
	s = recvStats{}
	feed(&s, 1, seqRange(1, 100)...)
	feed(&s, 1, 20000)
	if s.received != 99 || s.maxSeq != 100 {
		t.Fatalf("jump counted: received %d max %d", s.received, s.maxSeq)
	}
	feed(&s, 1, 20001)
	if s.baseSeq != 20001 || s.received != 1 || s.lost() != 0 {
		t.Fatalf("restart: base %d received %d lost %d", s.baseSeq, s.received, s.lost())
	}

	// Reordering within maxMisorder is counted without moving the max.
	feed(&s, 1, 20002, 20004, 20003)
	if s.maxSeq != 20004 || s.lost() != 0 {
		t.Fatalf("reorder: max %d lost %d", s.maxSeq, s.lost())
	}

	// A new SSRC is a new source on probation (RFC 3550 §8.2).
	feed(&s, 2, 9)
	if s.valid() || s.ssrc != 2 {
		t.Fatalf("new SSRC: valid %v ssrc %d", s.valid(), s.ssrc)
	}
}

func TestRecvStatsJitter(t *testing.T) {
	var s recvStats
	feed(&s, 1, seqRange(1, 10)...)
	if s.jitter != 0 {
		t.Fatalf("jitter %d", s.jitter)
	}
	// Packet 11 arrives 10 ms (80 units) late: J = 80/16.
	s.update(1, 11, 11*160, 11*20e6+10e6, 8000)
	if got := s.jitter >> 4; got != 5 {
		t.Fatalf("jitter %d, want 5", got)
	}
	if d := s.jitterDuration(); d != 625*time.Microsecond {
		t.Errorf("jitter duration %v", d)
	}
	// Back on time: D = 80 again, J16 = 80 + 80 - 5.
	s.update(1, 12, 12*160, 12*20e6, 8000)
	if s.jitter != 155 {
		t.Fatalf("jitter×16 %d, want 155", s.jitter)
	}
}

func TestRecvStatsLSR(t *testing.T) {
	var s recvStats
	at := time.Now()
	s.sawSR(7, 0x0123456789abcdef, at)
	feed(&s, 7, 1, 2, 3)
	rr, ok := s.report(at.Add(500 * time.Millisecond))
	if !ok || rr.LastSenderReport != 0x456789ab || rr.Delay != 32768 {
		t.Fatalf("block %+v", rr)
	}
	// An SR from another source does not apply.
	s.sawSR(8, 0x0123456789abcdef, at)
	feed(&s, 7, 4)
	if rr, _ := s.report(at); rr.LastSenderReport != 0 || rr.Delay != 0 {
		t.Fatalf("another source's SR used: %+v", rr)
	}
}

func TestEncodeLost(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want uint32
	}{{0, 0}, {1, 1}, {-1, 0xffffff}, {1 << 30, 0x7fffff}, {-1 << 30, 0x800000}} {
		if got := encodeLost(c.in); got != c.want {
			t.Errorf("encodeLost(%d) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestPayloadOctets(t *testing.T) {
	plain := rtpPacket(0, 1, 0, 1, make([]byte, 160))
	csrc := rtpPacket(0, 1, 0, 1, make([]byte, 168))
	csrc[0] |= 2 // two CSRCs
	ext := rtpPacket(0, 1, 0, 1, make([]byte, 168))
	ext[0] |= 0x10
	ext[14], ext[15] = 0, 1 // one extension word after its 4-byte header
	pad := rtpPacket(0, 1, 0, 1, make([]byte, 164))
	pad[0] |= 0x20
	pad[len(pad)-1] = 4
	badExt := rtpPacket(0, 1, 0, 1, make([]byte, 8))
	badExt[0] |= 0x10
	badExt[14], badExt[15] = 0xff, 0xff
	for _, c := range []struct {
		name string
		pkt  []byte
		want int
	}{
		{"plain", plain, 160}, {"csrc", csrc, 160}, {"extension", ext, 160},
		{"padding", pad, 160}, {"short", plain[:8], 0}, {"bad extension", badExt, 0},
		{"truncated extension", ext[:14], 0},
	} {
		if got := payloadOctets(c.pkt); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestPhoneSenderContinuity(t *testing.T) {
	s := newPhoneSender()
	if s.ssrc == 0 || newPhoneSender().ssrc == s.ssrc {
		t.Fatalf("SSRC %#x not random", s.ssrc)
	}
	const ms = int64(1e6)
	send := func(ssrc uint32, seq uint16, ts uint32, at int64) []byte {
		pkt := rtpPacket(0, seq, ts, ssrc, make([]byte, 160))
		s.mu.Lock()
		s.stamp(pkt, 8000, at)
		s.sent(pkt, 8000, at)
		s.mu.Unlock()
		if got := be32(pkt[8:]); got != s.ssrc {
			t.Fatalf("SSRC %#x, want ours %#x", got, s.ssrc)
		}
		return pkt
	}
	for i := 0; i < 3; i++ {
		p := send(0xb0b, uint16(100+i), uint32(5000+160*i), int64(i)*20*ms)
		if be16(p[2:]) != uint16(100+i) || p[1]&0x80 != 0 {
			t.Fatalf("first source changed: seq %d marker %v", be16(p[2:]), p[1]&0x80 != 0)
		}
	}
	// The browser's SSRC changes (a new track): numbering continues and
	// the first packet is marked.
	p := send(0xc0c, 7, 90000, 60*ms)
	if be16(p[2:]) != 103 || be32(p[4:]) != 5000+320+160 || p[1]&0x80 == 0 {
		t.Fatalf("new source: seq %d ts %d marker %v", be16(p[2:]), be32(p[4:]), p[1]&0x80 != 0)
	}
	// A suspension (no phone address) closes the sequence gap.
	s.mu.Lock()
	s.suspend()
	s.mu.Unlock()
	p = send(0xc0c, 60, 90000+160*53, 1100*ms)
	if be16(p[2:]) != 104 {
		t.Fatalf("after suspension: seq %d", be16(p[2:]))
	}
	// Sender info: 5 packets, 800 octets, timestamp extrapolated.
	si, ok := s.report(1100*ms + 500*ms)
	if !ok || si.packets != 5 || si.octets != 800 || si.rtpTime != be32(p[4:])+4000 {
		t.Fatalf("sender info %+v %v", si, ok)
	}
	// RFC 3550 §6.4: still an SR one report later, then an RR.
	if _, ok := s.report(2000 * ms); !ok {
		t.Fatal("RR one interval after sending")
	}
	if _, ok := s.report(3000 * ms); ok {
		t.Fatal("SR two intervals after sending")
	}
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be32(b []byte) uint32 { return uint32(be16(b))<<16 | uint32(be16(b[2:])) }

// BenchmarkBridgePhoneStats: the per-packet reception statistics of the
// phone's stream (A.1 sequence validation, A.8 jitter), without I/O.
func BenchmarkBridgePhoneStats(b *testing.B) {
	var s recvStats
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.update(7, uint16(i), uint32(i*160), monoNow(), 8000)
	}
}

// BenchmarkBridgePhoneStamp: the per-packet rewrite of a browser packet to
// our SSRC with continuous numbering, and the sender counts, without I/O.
func BenchmarkBridgePhoneStamp(b *testing.B) {
	s := newPhoneSender()
	pkt := rtpPacket(0, 0, 0, 1234, make([]byte, 160))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		now := monoNow()
		s.mu.Lock()
		s.stamp(pkt, 8000, now)
		s.sent(pkt, 8000, now)
		s.mu.Unlock()
	}
}
