package browserleg

import (
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// Quality is what a browser's RTCP reports say about the stream it
// receives from callgate (RFC 3550 §6.4.1 report blocks), and the round
// trip between callgate and the browser.
type Quality struct {
	// ReportsReceived counts the browser's SR and RR packets.
	ReportsReceived uint64
	// FractionLost is the loss in the last reported interval, 0 to 1.
	FractionLost float64
	// CumulativeLost is the number of packets lost since the start.
	CumulativeLost int64
	// Jitter is the interarrival jitter, converted with the codec clock.
	Jitter time.Duration
	// RTT is the round trip from our last sender report the browser
	// answered (RFC 3550 §6.4.1: arrival − LSR − DLSR); 0 until known.
	RTT time.Duration
}

// rtcpWatch is a pion interceptor that reads the RTCP of one leg on its way
// in and notes the sender reports on their way out; RTCP comes every few
// seconds, so it costs the RTP path nothing. Once the SRTP fast path owns
// the leg it is muted: pion's reports are dropped (the fast path sends its
// own, on the same SSRC, with SRTCP indexes after pion's), and the fast
// path feeds it the browser's reports and notes its own sender reports.
type rtcpWatch struct {
	interceptor.NoOp
	clock uint32

	mu  sync.Mutex
	q   Quality
	srs [8]srSent
	pos int

	muted bool              // drop pion's outgoing RTCP
	sent  map[uint32]uint32 // compound packets pion sent, by first SSRC
}

// srSent is one of our sender reports: its NTP middle 32 bits and when it
// left.
type srSent struct {
	mid uint32
	at  time.Time
}

// NewInterceptor returns the watch itself: one leg, one PeerConnection.
func (w *rtcpWatch) NewInterceptor(string) (interceptor.Interceptor, error) { return w, nil }

// BindRTCPReader reads the browser's reports as they arrive.
func (w *rtcpWatch) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := r.Read(b, a)
		if err == nil && n > 0 {
			w.observe(b[:n], time.Now())
		}
		return n, attr, err
	})
}

// BindRTCPWriter notes our sender reports for the round trip and counts
// the compound packets pion encrypts per sender SSRC (pion/srtp numbers
// SRTCP packets per the SSRC of the first one, RFC 3711 §3.4); once muted
// it drops them.
func (w *rtcpWatch) BindRTCPWriter(wr interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		now := time.Now()
		w.mu.Lock()
		if w.muted {
			w.mu.Unlock()
			return 0, nil
		}
		if len(pkts) > 0 {
			if w.sent == nil {
				w.sent = make(map[uint32]uint32)
			}
			// Counted before the write: an index pion uses is never reused.
			w.sent[senderSSRC(pkts[0])]++
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				w.noteSRLocked(sr.NTPTime, now)
			}
		}
		w.mu.Unlock()
		return wr.Write(pkts, a)
	})
}

// senderSSRC is the SSRC in the header of RTCP packet p (RFC 3550 §6.4.1:
// the SSRC of the packet's originator for SR and RR), which pion/srtp
// keys SRTCP indexes by.
func senderSSRC(p rtcp.Packet) uint32 {
	switch p := p.(type) {
	case *rtcp.SenderReport:
		return p.SSRC
	case *rtcp.ReceiverReport:
		return p.SSRC
	}
	b, err := p.Marshal()
	if err != nil || len(b) < 8 {
		return 0
	}
	return uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
}

// mute drops pion's outgoing RTCP from now on (true) or lets it pass again.
func (w *rtcpWatch) mute(on bool) {
	w.mu.Lock()
	w.muted = on
	w.mu.Unlock()
}

// pionSent returns how many compound packets pion sent with ssrc first.
func (w *rtcpWatch) pionSent(ssrc uint32) uint32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent[ssrc]
}

// noteSR remembers a sender report we sent at now with NTP time ntp.
func (w *rtcpWatch) noteSR(ntp uint64, now time.Time) {
	w.mu.Lock()
	w.noteSRLocked(ntp, now)
	w.mu.Unlock()
}

func (w *rtcpWatch) noteSRLocked(ntp uint64, now time.Time) {
	w.srs[w.pos%len(w.srs)] = srSent{mid: uint32(ntp >> 16), at: now}
	w.pos++
}

// observe takes the first report block of each SR or RR.
func (w *rtcpWatch) observe(b []byte, now time.Time) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	w.observePackets(pkts, now)
}

// observePackets is observe on a decoded compound packet.
func (w *rtcpWatch) observePackets(pkts []rtcp.Packet, now time.Time) {
	for _, p := range pkts {
		var blocks []rtcp.ReceptionReport
		switch r := p.(type) {
		case *rtcp.ReceiverReport:
			blocks = r.Reports
		case *rtcp.SenderReport:
			blocks = r.Reports
		default:
			continue
		}
		w.mu.Lock()
		w.q.ReportsReceived++
		if len(blocks) > 0 {
			rb := blocks[0]
			w.q.FractionLost = float64(rb.FractionLost) / 256
			w.q.CumulativeLost = int64(rb.TotalLost)
			if w.clock > 0 {
				w.q.Jitter = time.Duration(uint64(rb.Jitter) * uint64(time.Second) / uint64(w.clock))
			}
			if rb.LastSenderReport != 0 {
				for _, s := range w.srs {
					if s.mid == rb.LastSenderReport && !s.at.IsZero() {
						dlsr := time.Duration(uint64(rb.Delay) * uint64(time.Second) / 65536)
						if rtt := now.Sub(s.at) - dlsr; rtt >= 0 {
							w.q.RTT = rtt
						}
						break
					}
				}
			}
		}
		w.mu.Unlock()
	}
}

// snapshot returns the figures so far.
func (w *rtcpWatch) snapshot() Quality {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.q
}

// Quality returns what the browser has reported about the stream it
// receives; zero until its first report, and for a nil Leg.
func (l *Leg) Quality() Quality {
	if l == nil || l.reports == nil {
		return Quality{}
	}
	return l.reports.snapshot()
}
