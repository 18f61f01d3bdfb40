package browserleg

import (
	"time"

	"github.com/pion/rtcp"
)

// receive handles one SRTP or SRTCP datagram from the leg's browser in the
// mux's reader goroutine: it decrypts it in place and hands RTP to the
// leg's sink, RTCP to the report handling. false gives the datagram to
// pion (the fast path was given back). It allocates nothing for RTP.
func (f *fastLeg) receive(pkt []byte) bool {
	if f.off.Load() {
		return false
	}
	if len(pkt) < 8 {
		f.rejected.Add(1)
		return true
	}
	if isRTCP(pkt) {
		// RFC 5761 §4: RTCP multiplexed on the RTP port.
		f.receiveRTCP(pkt)
		return true
	}
	plain, err := f.rx.DecryptRTP(pkt, pkt, &f.rxHdr)
	if err != nil {
		f.reject()
		return true
	}
	f.authOK = true
	f.rtpIn.Add(1)
	h := &f.rxHdr
	clock := uint32(8000)
	if n := f.l.neg.Load(); n != nil && n.codec.Clock > 0 {
		clock = uint32(n.codec.Clock)
	}
	f.statsMu.Lock()
	f.stats.update(h.SSRC, h.SequenceNumber, h.Timestamp, monoNow(), clock)
	f.statsMu.Unlock()
	if s := f.l.sink.Load(); s != nil {
		(*s)(plain)
	}
	return true
}

// reject counts a packet that failed to decrypt, authenticate or pass the
// replay check, and gives the leg back to pion when none ever passed.
func (f *fastLeg) reject() {
	f.rejected.Add(1)
	if f.authOK {
		return
	}
	f.authBad++
	if f.authBad == fastAuthLimit {
		f.giveBack()
	}
}

// receiveRTCP takes one SRTCP packet from the browser: its report blocks
// about our stream go to Quality, its SR to the LSR/DLSR of our next
// report block (RFC 3550 §6.4.1).
func (f *fastLeg) receiveRTCP(pkt []byte) {
	plain, err := f.rx.DecryptRTCP(pkt, pkt, &f.rtcpHdr)
	if err != nil {
		f.reject()
		return
	}
	f.authOK = true
	f.rtcpIn.Add(1)
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		return
	}
	now := time.Now()
	f.l.reports.observePackets(pkts, now)
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok {
			f.statsMu.Lock()
			f.stats.sawSR(sr.SSRC, sr.NTPTime, now)
			f.statsMu.Unlock()
			break
		}
	}
}
