package browserleg

import (
	"time"

	"github.com/pion/rtcp"
)

// Sequence number validation constants of RFC 3550 Appendix A.1.
const (
	maxDropout    = 3000    // largest forward jump still in sequence
	maxMisorder   = 100     // largest backward jump taken as reordering
	minSequential = 2       // in-sequence packets before a source is valid
	seqMod        = 1 << 16 // sequence number space
)

// recvStats keeps the reception statistics of the phone's RTP stream for
// our report blocks: sequence validation and loss (RFC 3550 Appendix A.1
// and A.3), interarrival jitter (Appendix A.8) and the last sender report
// heard (LSR/DLSR, RFC 3550 §6.4.1). It follows one source, the phone's
// current SSRC. update allocates nothing; the caller serialises access.
type recvStats struct {
	started   bool
	ssrc      uint32
	clock     uint32 // RTP clock rate of the phone's stream
	probation int    // in-sequence packets still needed to validate
	maxSeq    uint16 // highest sequence number seen
	cycles    uint32 // sequence number wraps, shifted left by 16
	baseSeq   uint32 // first sequence number once validated
	badSeq    uint32 // last "bad" sequence number + 1, A.1
	received  uint32 // packets counted since validation

	expectedPrior uint32 // expected at the last report (A.3)
	receivedPrior uint32 // received at the last report (A.3)
	heard         bool   // an RTP packet arrived since the last report
	fraction      uint8  // fraction lost in the last report (A.3)

	haveTransit bool
	transit     uint32 // relative transit time of the last packet (A.8)
	jitter      uint32 // interarrival jitter ×16 in timestamp units (A.8)

	srSSRC uint32    // sender of the last SR
	lsr    uint32    // middle 32 bits of its NTP timestamp
	srAt   time.Time // when it arrived
}

// initSeq starts counting at seq (RFC 3550 Appendix A.1 init_seq).
func (s *recvStats) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1 // so seq == badSeq is false
	s.cycles = 0
	s.received = 0
	s.receivedPrior = 0
	s.expectedPrior = 0
	s.haveTransit = false
	s.jitter = 0
}

// update accounts one RTP packet from the phone: its SSRC, sequence
// number and timestamp, the arrival time now (monotonic nanoseconds) and
// the stream's clock rate. A new SSRC restarts the statistics with a new
// probation (RFC 3550 §8.2: a new SSRC is a new source).
func (s *recvStats) update(ssrc uint32, seq uint16, ts uint32, now int64, clock uint32) {
	if clock == 0 {
		clock = 8000
	}
	s.heard = true
	if !s.started || ssrc != s.ssrc {
		// RFC 3550 Appendix A.1: a source is declared valid only after
		// minSequential packets in sequence.
		lsr, srSSRC, srAt := s.lsr, s.srSSRC, s.srAt
		*s = recvStats{started: true, ssrc: ssrc, clock: clock, heard: true,
			lsr: lsr, srSSRC: srSSRC, srAt: srAt}
		s.initSeq(seq)
		s.maxSeq = seq - 1
		s.probation = minSequential
	}
	s.clock = clock
	if !s.updateSeq(seq) {
		return
	}
	s.updateJitter(ts, now)
}

// updateSeq is RFC 3550 Appendix A.1 update_seq: false while the source
// is on probation and for a packet after a large jump that is not yet
// confirmed by its successor.
func (s *recvStats) updateSeq(seq uint16) bool {
	udelta := seq - s.maxSeq
	switch {
	case s.probation > 0:
		// Packets must arrive in sequence to validate the source.
		if seq != s.maxSeq+1 {
			s.probation = minSequential - 1
			s.maxSeq = seq
			return false
		}
		s.probation--
		s.maxSeq = seq
		if s.probation > 0 {
			return false
		}
		s.initSeq(seq)
	case udelta < maxDropout:
		// In order, with a permissible gap.
		if seq < s.maxSeq {
			s.cycles += seqMod // wrapped
		}
		s.maxSeq = seq
	case uint32(udelta) <= seqMod-maxMisorder:
		// A very large jump: the source restarted if the next packet
		// follows this one, otherwise the packet is dropped.
		if uint32(seq) != s.badSeq {
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
		s.initSeq(seq)
	default:
		// Duplicate or reordered packet: counted, max unchanged.
	}
	s.received++
	return true
}

// updateJitter is RFC 3550 Appendix A.8: D is the difference of relative
// transit times of two packets, J += (|D| - J)/16, kept scaled by 16 in
// integers so no rounding accumulates.
func (s *recvStats) updateJitter(ts uint32, now int64) {
	transit := arrivalUnits(now, s.clock) - ts
	if !s.haveTransit {
		s.transit, s.haveTransit = transit, true
		return
	}
	d := int32(transit - s.transit)
	s.transit = transit
	if d < 0 {
		d = -d
	}
	s.jitter += uint32(d) - ((s.jitter + 8) >> 4)
}

// arrivalUnits converts monotonic nanoseconds to timestamp units of clock
// (RFC 3550 §6.4.1 "the arrival time in RTP timestamp units"), modulo
// 2^32 like RTP timestamps; split so it cannot overflow.
func arrivalUnits(now int64, clock uint32) uint32 {
	sec, ns := uint64(now)/1e9, uint64(now)%1e9
	return uint32(sec*uint64(clock) + ns*uint64(clock)/1e9)
}

// valid reports whether the source passed probation.
func (s *recvStats) valid() bool { return s.started && s.probation == 0 }

// extMax is the extended highest sequence number received (A.1).
func (s *recvStats) extMax() uint32 { return s.cycles + uint32(s.maxSeq) }

// lost is the cumulative number of packets lost, expected minus received
// (RFC 3550 Appendix A.3); negative when duplicates arrived.
func (s *recvStats) lost() int64 {
	if !s.valid() {
		return 0
	}
	expected := s.extMax() - s.baseSeq + 1
	return int64(expected) - int64(s.received)
}

// jitterDuration is the interarrival jitter as a duration.
func (s *recvStats) jitterDuration() time.Duration {
	if s.clock == 0 {
		return 0
	}
	return time.Duration(uint64(s.jitter>>4) * uint64(time.Second) / uint64(s.clock))
}

// sawSR records the middle 32 bits of the NTP timestamp of an SR from
// ssrc and its arrival time, for the LSR and DLSR fields of our next
// report block (RFC 3550 §6.4.1).
func (s *recvStats) sawSR(ssrc uint32, ntp uint64, at time.Time) {
	s.srSSRC, s.lsr, s.srAt = ssrc, uint32(ntp>>16), at
}

// report returns the report block about the phone's source for a report
// sent at now and starts a new interval; false when nothing arrived from
// a valid source since the last report (RFC 3550 §6.4: blocks cover the
// sources heard since the last report).
func (s *recvStats) report(now time.Time) (rtcp.ReceptionReport, bool) {
	heard := s.heard
	s.heard = false
	if !heard || !s.valid() {
		return rtcp.ReceptionReport{}, false
	}
	// RFC 3550 Appendix A.3: loss over the interval since the last report.
	expected := s.extMax() - s.baseSeq + 1
	expectedInterval := expected - s.expectedPrior
	receivedInterval := s.received - s.receivedPrior
	s.expectedPrior, s.receivedPrior = expected, s.received
	lostInterval := int64(expectedInterval) - int64(receivedInterval)
	s.fraction = 0
	if expectedInterval != 0 && lostInterval > 0 {
		s.fraction = uint8(min(lostInterval<<8/int64(expectedInterval), 255))
	}
	rr := rtcp.ReceptionReport{
		SSRC:               s.ssrc,
		FractionLost:       s.fraction,
		TotalLost:          encodeLost(s.lost()),
		LastSequenceNumber: s.extMax(),
		Jitter:             s.jitter >> 4,
	}
	// RFC 3550 §6.4.1: LSR and DLSR are zero until an SR from the source
	// arrived; DLSR is in units of 1/65536 seconds.
	if s.lsr != 0 && s.srSSRC == s.ssrc && !s.srAt.IsZero() {
		rr.LastSenderReport = s.lsr
		if d := now.Sub(s.srAt); d > 0 {
			rr.Delay = uint32(uint64(d) * 65536 / uint64(time.Second))
		}
	}
	return rr, true
}

// encodeLost clamps the cumulative loss to the signed 24-bit field of a
// report block (RFC 3550 §6.4.1) and returns its two's complement bits.
func encodeLost(lost int64) uint32 {
	lost = min(max(lost, -0x800000), 0x7fffff)
	return uint32(lost) & 0xffffff
}
