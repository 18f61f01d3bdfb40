package media

import "encoding/binary"

// RTCP packet types carrying reception reports (RFC 3550 §12.1).
const (
	rtcpTypeSR = 200
	rtcpTypeRR = 201
)

// Fixed part sizes (RFC 3550 §6.4.1, §6.4.2).
const (
	rtcpHeaderLen   = 4  // V/P/RC, PT, length
	srFixedLen      = 28 // header, SSRC of sender, sender info
	rrFixedLen      = 8  // header, SSRC of packet sender
	reportBlockLen  = 24 // one reception report block
	maxReportBlocks = 8  // blocks kept from one compound packet
)

// reportBlock is one reception report block (RFC 3550 §6.4.1): what the
// sender of the report says about one source it receives.
type reportBlock struct {
	ssrc           uint32 // SSRC of the source reported on
	fractionLost   uint8  // fraction lost since the previous report, /256
	cumulativeLost int32  // packets lost since the beginning (24-bit signed)
	highestSeq     uint32 // extended highest sequence number received
	jitter         uint32 // interarrival jitter, timestamp units
	lsr            uint32 // middle 32 bits of the NTP time of the last SR (0: none)
	dlsr           uint32 // delay since that SR, 1/65536 s
}

// rtcpInfo is what a compound RTCP packet says about reception quality. It
// is filled in place so that parsing allocates nothing.
type rtcpInfo struct {
	// reports counts the SR and RR packets in the compound.
	reports int
	// sender is the SSRC of the first SR or RR (hasSender), which is the
	// reporting endpoint's own SSRC.
	sender    uint32
	hasSender bool
	// hasSR is set when the compound holds a sender report: srSSRC sent
	// it and srNTPMid is the middle 32 bits of its NTP timestamp, the
	// value receivers echo as LSR (RFC 3550 §6.4.1).
	hasSR    bool
	srSSRC   uint32
	srNTPMid uint32
	// blocks[:nblocks] are the first report blocks of the compound, in
	// order, across all its SR and RR packets.
	nblocks int
	blocks  [maxReportBlocks]reportBlock
}

// parseRTCP reads the sender and receiver reports of the compound RTCP
// packet b into info and reports whether b is a well-formed compound. It
// never allocates.
//
// RFC 3550 §A.2: every packet must be version 2, only the last one may
// carry padding, and the packets' length fields must add up to exactly the
// datagram's length. This also rejects SRTCP (RFC 3711 §3.4), whose
// encrypted body and trailing index and tag cannot be read here. The first
// packet is not required to be an SR or RR, so reduced-size RTCP (RFC 5506
// §3.1) is read too.
func parseRTCP(b []byte, info *rtcpInfo) bool {
	*info = rtcpInfo{}
	if len(b) == 0 {
		return false
	}
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < rtcpHeaderLen || rest[0]>>6 != 2 {
			return false
		}
		// RFC 3550 §6.4.1: length is in 32-bit words minus one.
		n := (int(binary.BigEndian.Uint16(rest[2:])) + 1) * 4
		if n > len(rest) {
			return false
		}
		p := rest[:n]
		off += n
		if p[0]&0x20 != 0 {
			// RFC 3550 §6.4.1: the last octet of a padded packet counts the
			// padding octets, itself included; §A.2: only the last packet
			// of a compound may be padded.
			pad := int(p[n-1])
			if off != len(b) || pad == 0 || pad > n-rtcpHeaderLen {
				return false
			}
			p = p[:n-pad]
		}
		count := int(p[0] & 0x1f)
		var ok bool
		switch p[1] {
		case rtcpTypeSR:
			ok = info.addSR(p, count)
		case rtcpTypeRR:
			ok = info.addRR(p, count)
		default:
			ok = true // SDES, BYE, APP, feedback: not about reception quality
		}
		if !ok {
			return false
		}
	}
	return true
}

// addSR records the sender report p (padding removed) with count report
// blocks (RFC 3550 §6.4.1); it reports whether they fit in p. Anything
// after the blocks is a profile-specific extension and is skipped.
func (info *rtcpInfo) addSR(p []byte, count int) bool {
	if len(p) < srFixedLen+count*reportBlockLen {
		return false
	}
	ssrc := binary.BigEndian.Uint32(p[4:])
	info.noteReport(ssrc)
	if !info.hasSR {
		info.hasSR = true
		info.srSSRC = ssrc
		// RFC 3550 §6.4.1 (LSR): the middle 32 bits of the 64-bit NTP
		// timestamp at bytes 8..15.
		info.srNTPMid = binary.BigEndian.Uint32(p[10:])
	}
	info.addBlocks(p[srFixedLen:], count)
	return true
}

// addRR records the receiver report p (padding removed) with count report
// blocks (RFC 3550 §6.4.2); it reports whether they fit in p.
func (info *rtcpInfo) addRR(p []byte, count int) bool {
	if len(p) < rrFixedLen+count*reportBlockLen {
		return false
	}
	info.noteReport(binary.BigEndian.Uint32(p[4:]))
	info.addBlocks(p[rrFixedLen:], count)
	return true
}

// noteReport counts one SR or RR sent by ssrc.
func (info *rtcpInfo) noteReport(ssrc uint32) {
	info.reports++
	if !info.hasSender {
		info.hasSender = true
		info.sender = ssrc
	}
}

// addBlocks appends the count report blocks at the start of b, as far as
// there is room in info.
func (info *rtcpInfo) addBlocks(b []byte, count int) {
	for i := 0; i < count && info.nblocks < maxReportBlocks; i++ {
		info.blocks[info.nblocks] = readReportBlock(b[i*reportBlockLen:])
		info.nblocks++
	}
}

// readReportBlock decodes the 24-byte report block at the start of b
// (RFC 3550 §6.4.1).
func readReportBlock(b []byte) reportBlock {
	_ = b[reportBlockLen-1]
	lost := uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
	return reportBlock{
		ssrc:         binary.BigEndian.Uint32(b[0:]),
		fractionLost: b[4],
		// RFC 3550 §6.4.1: cumulative number of packets lost is a 24-bit
		// signed integer (negative when duplicates outnumber losses).
		cumulativeLost: int32(lost<<8) >> 8,
		highestSeq:     binary.BigEndian.Uint32(b[8:]),
		jitter:         binary.BigEndian.Uint32(b[12:]),
		lsr:            binary.BigEndian.Uint32(b[16:]),
		dlsr:           binary.BigEndian.Uint32(b[20:]),
	}
}
