package browserleg

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// fuzzFastLeg is a fast-path leg on a bare Leg, with fixed keys, whose
// sink counts packets and checks they are RTP; enc encrypts as the
// browser would.
func fuzzFastLeg(t testing.TB) (f *fastLeg, enc *srtp.Context, delivered *atomic.Int64) {
	t.Helper()
	key, salt := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 12)
	profile := srtp.ProtectionProfileAeadAes128Gcm
	rx, err := srtp.CreateContext(key, salt, profile, srtp.SRTPReplayProtection(srtpReplayWindow), srtp.SRTCPReplayProtection(srtpReplayWindow))
	if err != nil {
		t.Fatal(err)
	}
	enc, err = srtp.CreateContext(key, salt, profile)
	if err != nil {
		t.Fatal(err)
	}
	l := &Leg{log: quietLog, reports: &rtcpWatch{clock: 8000}, done: make(chan struct{}), torn: make(chan struct{})}
	delivered = &atomic.Int64{}
	sink := func(pkt []byte) {
		if len(pkt) < 12 || pkt[0]>>6 != 2 {
			t.Errorf("sink got %x", pkt)
		}
		delivered.Add(1)
	}
	l.sink.Store(&sink)
	f = &fastLeg{l: l, conn: newMediaConn(nil), rx: rx}
	l.fast = f
	return f, enc, delivered
}

// TestFastReceive: authentic RTP reaches the sink, RTCP feeds the
// statistics and Quality, forgeries and replays are rejected.
func TestFastReceive(t *testing.T) {
	f, enc, delivered := fuzzFastLeg(t)
	var h rtp.Header
	plain := rtpPacket(0, 10, 1600, 0xabc, make([]byte, 160))
	pkt, err := enc.EncryptRTP(nil, plain, &h)
	if err != nil {
		t.Fatal(err)
	}
	replay := bytes.Clone(pkt)
	forged := bytes.Clone(pkt)
	forged[20] ^= 1
	if !f.receive(pkt) || delivered.Load() != 1 {
		t.Fatal("authentic packet not delivered")
	}
	if !f.receive(replay) || !f.receive(forged) || delivered.Load() != 1 || f.rejected.Load() != 2 {
		t.Fatalf("replay or forgery delivered: %d delivered, %d rejected", delivered.Load(), f.rejected.Load())
	}
	sr, err := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 0xabc, NTPTime: 0x1234567800000000,
		Reports: []rtcp.ReceptionReport{{SSRC: 1, FractionLost: 64, TotalLost: 3, Jitter: 80}}}})
	if err != nil {
		t.Fatal(err)
	}
	enc2, err := enc.EncryptRTCP(nil, sr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.receive(enc2) || f.rtcpIn.Load() != 1 {
		t.Fatal("RTCP not taken")
	}
	if q := f.l.Quality(); q.ReportsReceived != 1 || q.FractionLost != 0.25 || q.CumulativeLost != 3 || q.Jitter != 10e6 {
		t.Fatalf("quality %+v", q)
	}
	if f.stats.lsr != 0x56780000 || f.stats.srSSRC != 0xabc {
		t.Fatalf("SR not noted: lsr %#x ssrc %#x", f.stats.lsr, f.stats.srSSRC)
	}
	f.off.Store(true)
	if f.receive(pkt) {
		t.Fatal("a fast path given back kept a packet")
	}
}

// FuzzFastReceive: whatever arrives from the browser's address, the inline
// receive path neither panics nor hands the sink anything that did not
// authenticate.
func FuzzFastReceive(f *testing.F) {
	_, enc, _ := fuzzFastLeg(f)
	var h rtp.Header
	for i, n := range []int{0, 1, 160} {
		p, _ := enc.EncryptRTP(nil, rtpPacket(0, uint16(i), 0, 7, make([]byte, n)), &h)
		f.Add(p)
	}
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 7}})
	p, _ := enc.EncryptRTCP(nil, rr, nil)
	f.Add(p)
	f.Add([]byte{0x80, 200, 0, 1})
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0xbe, 0xde, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, _, delivered := fuzzFastLeg(t)
		fl.authOK = true // no give-back goroutine
		fl.receive(bytes.Clone(b))
		if delivered.Load() != 0 {
			// Only the seeds' keys could authenticate, and a fuzzed
			// input that still does must be one of them.
			var hh rtp.Header
			if _, err := hh.Unmarshal(b); err != nil {
				t.Fatal("delivered a packet that is not RTP")
			}
		}
	})
}
