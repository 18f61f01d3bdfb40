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
// seconds, so it costs the RTP path nothing.
type rtcpWatch struct {
	interceptor.NoOp
	clock uint32

	mu  sync.Mutex
	q   Quality
	srs [8]srSent
	pos int
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

// BindRTCPWriter notes our sender reports for the round trip.
func (w *rtcpWatch) BindRTCPWriter(wr interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		now := time.Now()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				w.mu.Lock()
				w.srs[w.pos%len(w.srs)] = srSent{mid: uint32(sr.NTPTime >> 16), at: now}
				w.pos++
				w.mu.Unlock()
			}
		}
		return wr.Write(pkts, a)
	})
}

// observe takes the first report block of each SR or RR.
func (w *rtcpWatch) observe(b []byte, now time.Time) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
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
