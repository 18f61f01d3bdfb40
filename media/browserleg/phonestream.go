package browserleg

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
)

// phoneSender is the RTP stream a Bridger sends to the phone: one SSRC of
// its own for the life of the bridge, with sequence numbers and timestamps
// kept continuous across changes of the browser's SSRC (a new track after
// renegotiation) and across gaps when forwarding was suspended (hold, no
// address), plus the sender statistics of our SRs. mu serialises the
// browser's sink, which may run on two goroutines briefly across a
// renegotiation, and the report builder.
type phoneSender struct {
	ssrc uint32 // ours toward the phone; fixed at creation

	mu   sync.Mutex
	cont continuity
	sendStats
}

// sendStats is the sender side of an RTP stream for our sender reports:
// counts, the last timestamp and when it left. The caller serialises
// access.
type sendStats struct {
	// RFC 3550 §6.4.1 sender info: counts since the stream started,
	// modulo 2^32 on the wire.
	packets uint64
	octets  uint64
	lastTS  uint32 // timestamp of the last packet sent
	lastAt  int64  // its monotonic send time in nanoseconds
	clock   uint32 // RTP clock rate of the stream

	// Packets sent at the last and the previous report (RFC 3550 §6.4).
	reported [2]uint64
}

// senderInfo is what an SR says about our stream (RFC 3550 §6.4.1).
type senderInfo struct {
	rtpTime uint32
	packets uint32
	octets  uint32
}

// newPhoneSender picks a random non-zero SSRC (RFC 3550 §8: chosen at
// random so that two sources are unlikely to collide).
func newPhoneSender() *phoneSender {
	var b [4]byte
	for {
		rand.Read(b[:])
		if v := binary.BigEndian.Uint32(b[:]); v != 0 {
			return &phoneSender{ssrc: v}
		}
	}
}

// suspend marks a gap in our output (the phone has no address): the next
// packet continues the sequence numbers. Caller holds mu.
func (s *phoneSender) suspend() { s.cont.suspend() }

// stamp rewrites RTP packet pkt (at least 12 bytes) for the phone, given
// the stream's clock rate and the monotonic time now: our SSRC, sequence
// number and timestamp continued from the last packet when the browser's
// source changed or after a gap (RFC 3550 §5.1, §8.2), and the marker bit
// on the first packet of a new source (RFC 3551 §4.1). Caller holds mu.
func (s *phoneSender) stamp(pkt []byte, clock uint32, now int64) {
	s.cont.clock = clock
	seq, ts, marker := s.cont.next(
		binary.BigEndian.Uint32(pkt[8:12]),
		binary.BigEndian.Uint16(pkt[2:4]),
		binary.BigEndian.Uint32(pkt[4:8]),
		now)
	binary.BigEndian.PutUint16(pkt[2:4], seq)
	binary.BigEndian.PutUint32(pkt[4:8], ts)
	binary.BigEndian.PutUint32(pkt[8:12], s.ssrc)
	if marker {
		pkt[1] |= 0x80
	}
}

// sent counts stamped packet pkt as sent at now. Caller holds mu, or
// serialises otherwise.
func (s *sendStats) sent(pkt []byte, clock uint32, now int64) {
	s.add(payloadOctets(pkt), binary.BigEndian.Uint32(pkt[4:8]), clock, now)
}

// add counts a packet of octets payload octets and timestamp ts sent at
// monotonic time now.
func (s *sendStats) add(octets int, ts uint32, clock uint32, now int64) {
	s.packets++
	s.octets += uint64(octets)
	s.lastTS = ts
	s.lastAt = now
	s.clock = clock
}

// report returns the sender info for a report at monotonic time now and
// whether it should be an SR (sendStats.info).
func (s *phoneSender) report(now int64) (senderInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info(now)
}

// info returns the sender info for a report at monotonic time now and
// whether it should be an SR: RFC 3550 §6.4, a participant that sent RTP
// since the report before the last one sends an SR, otherwise an RR. It
// starts a new report interval.
func (s *sendStats) info(now int64) (senderInfo, bool) {
	weSent := s.packets > s.reported[1]
	s.reported[1], s.reported[0] = s.reported[0], s.packets
	if !weSent {
		return senderInfo{}, false
	}
	// RFC 3550 §6.4.1: the RTP timestamp of the SR is that of the NTP
	// time, extrapolated from the last packet with the sampling clock.
	ts := advanceTS(s.lastTS, s.lastAt, now, s.clock)
	return senderInfo{rtpTime: ts, packets: uint32(s.packets), octets: uint32(s.octets)}, true
}

// advanceTS extrapolates RTP timestamp ts, taken at monotonic time then,
// to time now with the sampling clock (RFC 3550 §5.1).
func advanceTS(ts uint32, then, now int64, clock uint32) uint32 {
	if d := now - then; d > 0 && clock != 0 {
		ts += uint32(uint64(d) * uint64(clock) / 1e9)
	}
	return ts
}

// sentAny reports whether any RTP went to the phone.
func (s *phoneSender) sentAny() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.packets > 0
}

// payloadOctets is the payload size of RTP packet pkt, without header,
// CSRC list, header extension nor padding (RFC 3550 §5.1, §5.3.1), as the
// SR octet count wants (RFC 3550 §6.4.1); 0 for an inconsistent packet.
func payloadOctets(pkt []byte) int {
	if len(pkt) < 12 {
		return 0
	}
	n := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < n+4 {
			return 0
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(pkt[n+2:n+4]))
	}
	end := len(pkt)
	if pkt[0]&0x20 != 0 {
		end -= int(pkt[end-1])
	}
	return max(end-n, 0)
}
