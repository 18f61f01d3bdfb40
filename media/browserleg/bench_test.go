package browserleg

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"

	"github.com/callgate/callgate/media"
)

// benchLeg is a connected leg whose browser then went silent: its socket
// is closed so nothing is received (the browser side allocates nothing in
// the measurement) while our side keeps sending into the void.
// With the fast path on (the default), the leg is on it before this
// returns.
func benchLeg(b *testing.B, cfg ...Config) *Leg {
	b.Helper()
	c := Config{ICEDisconnectedTimeout: time.Minute, ICEFailedTimeout: time.Minute}
	if len(cfg) > 0 {
		c.DisableFastPath = cfg[0].DisableFastPath
	}
	e := newTestEngine(b, c)
	br := newTestBrowser(b)
	leg, answer, err := e.Answer(testCtx(b), br.offer("", nil), pcmu, &dtmf8k)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { leg.Close() })
	br.applyAnswer(answer)
	br.waitConnected(leg)
	if !c.DisableFastPath {
		waitFor(b, "the SRTP fast path", 5*time.Second, func() bool { _, ok := leg.fastCounters(); return ok })
	}
	br.sock.Close()
	return leg
}

// BenchmarkWriteRTP: one 160-byte G.711 packet through WriteRTP on the
// fast path (header parse, continuity, SRTP, UDP send).
func BenchmarkWriteRTP(b *testing.B) {
	benchWriteRTP(b, benchLeg(b))
}

// BenchmarkWriteRTPPion: the same through pion (SR interceptor, pion's
// SRTP session, ICE conn, UDP mux).
func BenchmarkWriteRTPPion(b *testing.B) {
	benchWriteRTP(b, benchLeg(b, Config{DisableFastPath: true}))
}

func benchWriteRTP(b *testing.B, leg *Leg) {
	pkt := rtpPacket(0, 0, 0, 1234, tone(phoneFreq, 0, 160))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		if err := leg.WriteRTP(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBridgePhoneToBrowser: one phone packet through the bridge's
// forwarding (source check, PT mapping, WriteRTP), without the socket read.
func BenchmarkBridgePhoneToBrowser(b *testing.B) {
	leg := benchLeg(b)
	ph := newPhone(b, "127.0.0.1")
	br := Bridge(leg, newPair(b), BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}, InactivityTimeout: -1, Logger: quietLog})
	defer br.Close()
	pkt := rtpPacket(0, 0, 0, 1234, tone(phoneFreq, 0, 160))
	src := ph.addr()
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		br.fromPhone(pkt, src)
	}
	b.StopTimer()
	if st := br.Stats(); st.PhoneToBrowser != uint64(b.N) {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkBridgeBrowserToPhone: one browser packet through the bridge's
// sink (PT mapping, UDP send to the phone).
func BenchmarkBridgeBrowserToPhone(b *testing.B) {
	e := newTestEngine(b, Config{})
	leg := unconnectedLegB(b, e)
	ph := newPhone(b, "127.0.0.1")
	br := Bridge(leg, newPair(b), BridgeConfig{PhoneRemote: ph.addr(), InactivityTimeout: -1, Logger: quietLog})
	defer br.Close()
	pkt := rtpPacket(0, 0, 0, 1234, tone(browserFreq, 0, 160))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		br.fromBrowser(pkt)
	}
	b.StopTimer()
	if st := br.Stats(); st.BrowserToPhone != uint64(b.N) {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkBridgeSocketToBrowser: the whole phone-to-browser path through
// real sockets: the phone's send, the bridge's read, forwarding, SRTP and
// the send toward the browser, up to 32 packets in flight.
func BenchmarkBridgeSocketToBrowser(b *testing.B) {
	leg := benchLeg(b)
	ph := newPhone(b, "127.0.0.1")
	pair := newPair(b)
	br := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), InactivityTimeout: -1, Logger: quietLog})
	defer br.Close()
	dst := pairAddr(pair)
	pkt := rtpPacket(0, 0, 0, 1234, tone(phoneFreq, 0, 160))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		if _, err := ph.conn.WriteToUDP(pkt, dst); err != nil {
			b.Fatal(err)
		}
		if i%32 == 31 || i == b.N-1 {
			for br.Stats().PhoneToBrowser+br.Stats().SendErrors < uint64(i+1) {
				runtime.Gosched()
			}
		}
	}
}

func unconnectedLegB(b *testing.B, e *Engine) *Leg {
	b.Helper()
	leg, _, err := e.Offer(testCtx(b), []media.Codec{pcmu}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { leg.Close() })
	return leg
}
