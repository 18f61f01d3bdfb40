package browserleg

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// DefaultRTCPInterval is the deterministic interval of our reports to the
// phone: RFC 3550 §6.2 recommends a 5 second minimum, and for a two-party
// voice call the bandwidth-based interval (5% of the session bandwidth
// shared by two members) is shorter, so the minimum governs.
const DefaultRTCPInterval = 5 * time.Second

// ntpEpochOffset is the number of seconds from the NTP epoch (1900) to the
// Unix epoch (1970); RFC 3550 §4 timestamps count from 1900.
const ntpEpochOffset = 2208988800

// rtcpLatch is the source address the phone's RTCP came from, valid for
// the signalled RTP address it was learnt under.
type rtcpLatch struct {
	signalled netip.AddrPort
	src       netip.AddrPort
}

// phoneReport is what one compound RTCP packet from the phone tells us.
type phoneReport struct {
	hasSR  bool
	srSSRC uint32
	srNTP  uint64
	// block is the phone's report block about our stream, if any.
	hasBlock bool
	block    rtcp.ReceptionReport
	bye      bool
}

// parsePhoneRTCP decodes a compound RTCP packet from the phone: its SR
// (sender SSRC, NTP time), the report block about our SSRC ours, and
// whether it says BYE. RFC 3550 §6.1 and Appendix A.2: the first packet
// must be an SR or an RR; pion checks versions and lengths.
func parsePhoneRTCP(pkt []byte, ours uint32) (phoneReport, error) {
	var r phoneReport
	pkts, err := rtcp.Unmarshal(pkt)
	if err != nil {
		return r, fmt.Errorf("browserleg: bad RTCP: %w", err)
	}
	switch pkts[0].(type) {
	case *rtcp.SenderReport, *rtcp.ReceiverReport:
	default:
		return r, ErrRTCPNotCompound
	}
	for _, p := range pkts {
		var blocks []rtcp.ReceptionReport
		switch p := p.(type) {
		case *rtcp.SenderReport:
			if !r.hasSR {
				r.hasSR, r.srSSRC, r.srNTP = true, p.SSRC, p.NTPTime
			}
			blocks = p.Reports
		case *rtcp.ReceiverReport:
			blocks = p.Reports
		case *rtcp.Goodbye:
			r.bye = true
		}
		for _, b := range blocks {
			if b.SSRC == ours && !r.hasBlock {
				r.hasBlock, r.block = true, b
			}
		}
	}
	return r, nil
}

// ntpTime converts t to a 64-bit NTP timestamp: seconds since 1900 in the
// upper half, the fraction of a second in the lower (RFC 3550 §4).
func ntpTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return sec<<32 | frac
}

// rtcpDelay returns the wait before our next report: RFC 3550 §6.3.1, a
// time uniformly distributed between 0.5 and 1.5 times the deterministic
// interval every, so reports do not synchronise; RFC 3550 §6.2 lets the
// first wait be half of it. The e-3/2 compensation of §6.3.1 goes with
// timer reconsideration, which a two-member session does not need.
func rtcpDelay(every time.Duration, first bool) time.Duration {
	if first {
		every /= 2
	}
	return time.Duration((0.5 + mrand.Float64()) * float64(every))
}

// newCNAME returns a CNAME for the phone leg: RFC 7022 §4.1 short-term
// persistent random identifier, 128 bits.
func newCNAME() string { return "callgate-" + rand.Text() }

// phoneRTCPDest is where reports to the phone go: the source of the
// phone's RTCP (symmetric RTCP, RFC 4961 §4, learnt like the RTP source
// under the current signalled address), else the configured RTCP address
// (SetPhoneRTCP, from a=rtcp, RFC 3605), else the RTP destination's port
// plus one (RFC 3550 §11). Invalid while the phone has no address.
func (b *Bridger) phoneRTCPDest() netip.AddrPort {
	r := b.remote.Load()
	rtp := r.dest()
	if !rtp.IsValid() {
		return netip.AddrPort{}
	}
	if l := b.rtcpSrc.Load(); l != nil && l.signalled == r.signalled {
		return l.src
	}
	if p := b.phoneRTCP.Load(); p != nil && p.IsValid() && !p.Addr().IsUnspecified() && p.Port() != 0 {
		return *p
	}
	if rtp.Port() == 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(rtp.Addr(), rtp.Port()+1)
}

// fromPhoneRTCP handles one datagram on the phone's RTCP socket: RTCP
// from the phone's IP is taken in and its source remembered for our
// reports; anything else is a stranger's.
func (b *Bridger) fromPhoneRTCP(pkt []byte, src netip.AddrPort) {
	src = unmapAP(src)
	r := b.remote.Load()
	if !r.phoneIP(src.Addr()) {
		b.strangers.Add(1)
		return
	}
	b.active.Store(1)
	if !b.takeRTCP(pkt, time.Now()) {
		return
	}
	if l := b.rtcpSrc.Load(); l == nil || l.signalled != r.signalled || l.src != src {
		b.rtcpSrc.Store(&rtcpLatch{signalled: r.signalled, src: src})
		b.log.Debug("browserleg: phone RTCP source", "src", src)
	}
}

// takeRTCP applies one compound RTCP packet from the phone, received at
// now: the SR's NTP time for our LSR/DLSR and the round-trip time from
// its report block about our stream. Malformed packets are counted and
// dropped. It reports whether the packet was valid.
func (b *Bridger) takeRTCP(pkt []byte, now time.Time) bool {
	rep, err := parsePhoneRTCP(pkt, b.out.ssrc)
	if err != nil {
		b.rtcp.Add(1)
		return false
	}
	b.rtcpIn.Add(1)
	if rep.hasSR {
		b.rxMu.Lock()
		b.rx.sawSR(rep.srSSRC, rep.srNTP, now)
		b.rxMu.Unlock()
	}
	// RFC 3550 §6.4.1: round trip = A - LSR - DLSR, with A the arrival
	// time as the middle 32 bits of NTP, all in 1/65536 seconds.
	if rep.hasBlock && rep.block.LastSenderReport != 0 {
		a := uint32(ntpTime(now) >> 16)
		if rtt := a - rep.block.LastSenderReport - rep.block.Delay; rtt < 1<<31 {
			b.rtt.Store(int64(uint64(rtt) * uint64(time.Second) / 65536))
		}
	}
	if rep.bye {
		b.log.Debug("browserleg: phone sent RTCP BYE")
	}
	return true
}

// rtcpLoop sends our compound reports to the phone every randomised
// interval and a BYE when the bridge stops (RFC 3550 §6.6).
func (b *Bridger) rtcpLoop() {
	defer b.wg.Done()
	t := time.NewTimer(rtcpDelay(b.rtcpEvery, true))
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			// RFC 3550 §6.3.7: only a participant that sent RTP or RTCP
			// sends a BYE.
			if b.rtcpOut.Load() > 0 || b.out.sentAny() {
				b.sendRTCP(true)
			}
			return
		case <-t.C:
			b.sendRTCP(false)
			t.Reset(rtcpDelay(b.rtcpEvery, false))
		}
	}
}

// sendRTCP sends one compound report to the phone, with a BYE at its end
// when bye; nothing while the phone has no address.
func (b *Bridger) sendRTCP(bye bool) {
	dst := b.phoneRTCPDest()
	if !dst.IsValid() {
		return
	}
	pkt, err := b.buildRTCP(time.Now(), bye)
	if err != nil {
		b.log.Debug("browserleg: build RTCP", "err", err)
		return
	}
	if _, err := b.pair.RTCP.WriteToUDPAddrPort(pkt, dst); err != nil {
		b.sendErr.Add(1)
		return
	}
	b.rtcpOut.Add(1)
}

// buildRTCP makes our compound RTCP packet at now (RFC 3550 §6.1): an SR
// when we sent RTP lately, else an RR, with a report block about the
// phone's stream when it sent since the last report; then SDES with our
// CNAME, which every compound packet carries (§6.5.1); then, when bye, a
// BYE for our SSRC, last (§6.6).
func (b *Bridger) buildRTCP(now time.Time, bye bool) ([]byte, error) {
	b.rxMu.Lock()
	block, hasBlock := b.rx.report(now)
	b.rxMu.Unlock()
	si, isSR := b.out.report(int64(now.Sub(epoch)))
	return compoundReport(b.out.ssrc, b.cname, ntpTime(now), si, isSR, block, hasBlock, bye)
}

// compoundReport marshals a compound RTCP packet from ssrc (RFC 3550
// §6.1): an SR with sender info si when isSR, else an RR, carrying block
// when hasBlock; then SDES with cname, which every compound packet carries
// (§6.5.1); then, when bye, a BYE for ssrc, last (§6.6).
func compoundReport(ssrc uint32, cname string, ntp uint64, si senderInfo, isSR bool, block rtcp.ReceptionReport, hasBlock, bye bool) ([]byte, error) {
	var blocks []rtcp.ReceptionReport
	if hasBlock {
		blocks = []rtcp.ReceptionReport{block}
	}
	pkts := make([]rtcp.Packet, 0, 3)
	if isSR {
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC:        ssrc,
			NTPTime:     ntp,
			RTPTime:     si.rtpTime,
			PacketCount: si.packets,
			OctetCount:  si.octets,
			Reports:     blocks,
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: ssrc, Reports: blocks})
	}
	pkts = append(pkts, rtcp.NewCNAMESourceDescription(ssrc, cname))
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{ssrc}})
	}
	return rtcp.Marshal(pkts)
}
