package browserleg

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

// browserRTCP records the RTCP a test browser receives from the leg: the
// SSRCs of the SRs and of the report blocks.
type browserRTCP struct {
	mu     sync.Mutex
	srFrom map[uint32]int // SR count by sender SSRC
	blocks map[uint32]int // report blocks by the SSRC they are about
}

// watchBrowserRTCP reads the RTCP of every sender and receiver of the
// browser (which also lets its report interceptors see our SRs) until the
// browser closes.
func watchBrowserRTCP(br *testBrowser) *browserRTCP {
	w := &browserRTCP{srFrom: map[uint32]int{}, blocks: map[uint32]int{}}
	read := func(readRTCP func() ([]rtcp.Packet, error)) {
		for {
			pkts, err := readRTCP()
			if err != nil {
				return
			}
			w.mu.Lock()
			for _, p := range pkts {
				var blocks []rtcp.ReceptionReport
				switch p := p.(type) {
				case *rtcp.SenderReport:
					w.srFrom[p.SSRC]++
					blocks = p.Reports
				case *rtcp.ReceiverReport:
					blocks = p.Reports
				}
				for _, b := range blocks {
					w.blocks[b.SSRC]++
				}
			}
			w.mu.Unlock()
		}
	}
	for _, r := range br.pc.GetReceivers() {
		go read(func() ([]rtcp.Packet, error) { p, _, err := r.ReadRTCP(); return p, err })
	}
	for _, s := range br.pc.GetSenders() {
		go read(func() ([]rtcp.Packet, error) { p, _, err := s.ReadRTCP(); return p, err })
	}
	return w
}

func (w *browserRTCP) counts(sr, block uint32) (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.srFrom[sr], w.blocks[block]
}

// browserSSRC is the SSRC the test browser sends on.
func browserSSRC(t *testing.T, br *testBrowser) uint32 {
	t.Helper()
	enc := br.pc.GetSenders()[0].GetParameters().Encodings
	if len(enc) == 0 {
		t.Fatal("browser sender has no encoding")
	}
	return uint32(enc[0].SSRC)
}

// connectLeg connects a test browser and a leg: we answer the browser's
// offer (pion makes us the DTLS client, as connectedLeg does) or the
// browser answers ours (it takes the client role, we serve).
func connectLeg(t *testing.T, e *Engine, br *testBrowser, weOffer bool) *Leg {
	t.Helper()
	if !weOffer {
		return answeredLeg(t, e, br)
	}
	leg, offer, err := e.Offer(testCtx(t), []media.Codec{pcmu}, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leg.Close() })
	if err := leg.SetAnswer(br.answer(offer)); err != nil {
		t.Fatal(err)
	}
	br.waitConnected(leg)
	return leg
}

// bridgedPhone bridges leg to a new phone on loopback through a new
// socket pair; the bridge closes with the test.
func bridgedPhone(t *testing.T, leg *Leg) (*phone, *media.SocketPair) {
	t.Helper()
	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	bridge := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), Logger: quietLog})
	t.Cleanup(func() { bridge.Close() })
	return ph, pair
}

// waitFast waits until the fast path owns the leg.
func waitFast(t *testing.T, leg *Leg) {
	t.Helper()
	waitFor(t, "the SRTP fast path", 5*time.Second, func() bool { _, ok := leg.fastCounters(); return ok })
}

// bothWays sends 20 ms packets from the phone to the bridge and from the
// browser until the returned stop is called.
func bothWays(ph *phone, dst *net.UDPAddr, br *testBrowser) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			ph.conn.WriteToUDP(rtpPacket(0, uint16(5000+i), uint32(160*i), phoneSSRC+1, tone(phoneFreq, 160*i, 160)), dst)
			br.track.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(9000 + i), Timestamp: uint32(160 * i)},
				Payload: tone(browserFreq, 160*i, 160),
			})
		}
	}()
	return func() { close(done); wg.Wait() }
}

// TestFastPathCarriesCall: with a real pion PeerConnection as the browser,
// in both DTLS roles, the fast path takes the leg over once DTLS is up;
// tones pass both ways through a bridge on it alone; the browser gets our
// SRs and report blocks about its stream on the leg's SSRC, and Quality
// shows the browser's reports with a round trip.
func TestFastPathCarriesCall(t *testing.T) {
	for _, weOffer := range []bool{false, true} {
		name := map[bool]string{false: "we are DTLS client", true: "we are DTLS server"}[weOffer]
		t.Run(name, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			e.browserRTCP = 200 * time.Millisecond
			br := newTestBrowser(t)
			leg := connectLeg(t, e, br, weOffer)
			waitFast(t, leg)
			rtcpSeen := watchBrowserRTCP(br)

			ph := newPhone(t, "127.0.0.1")
			pair := newPair(t)
			bridge := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}, Logger: quietLog})
			defer bridge.Close()
			browserToPhone(t, br, &browserStream{}, ph, 40, 0)
			got := phoneToBrowser(t, ph, &phoneStream{seq: 65500}, pairAddr(pair), br, 60)
			ours := leg.track.bound.Load().ssrc
			for _, p := range got {
				if p.SSRC != ours {
					t.Fatalf("browser got SSRC %#x, the leg signalled %#x", p.SSRC, ours)
				}
			}
			c, ok := leg.fastCounters()
			st := bridge.Stats()
			if !ok || c.rtpIn < st.BrowserToPhone || c.rtpOut < st.PhoneToBrowser || st.BrowserToPhone < 40 || st.PhoneToBrowser < 60 {
				t.Fatalf("fast path counters %+v (on %v), bridge %+v", c, ok, st)
			}

			stop := bothWays(ph, pairAddr(pair), br)
			defer stop()
			theirs := browserSSRC(t, br)
			waitFor(t, "RTCP both ways", 10*time.Second, func() bool {
				srs, blocks := rtcpSeen.counts(ours, theirs)
				q := leg.Quality()
				return srs > 0 && blocks > 0 && q.ReportsReceived > 0 && q.RTT > 0
			})
			q := leg.Quality()
			if q.RTT > time.Second || q.FractionLost < 0 || q.FractionLost > 1 {
				t.Fatalf("implausible quality on loopback: %+v", q)
			}
			c, _ = leg.fastCounters()
			if c.rtcpOut == 0 || c.rtcpIn == 0 || c.rejected != 0 {
				t.Fatalf("fast path counters %+v", c)
			}
		})
	}
}

// TestFastPathOff: with DisableFastPath, pion carries the media as before.
func TestFastPathOff(t *testing.T) {
	e := newTestEngine(t, Config{DisableFastPath: true})
	if e.media != nil {
		t.Fatal("socket wrapped with the fast path off")
	}
	leg, br := connectedLeg(t, e)
	ph, pair := bridgedPhone(t, leg)
	browserToPhone(t, br, &browserStream{}, ph, 20, 0)
	phoneToBrowser(t, ph, &phoneStream{}, pairAddr(pair), br, 20)
	if _, ok := leg.fastCounters(); ok {
		t.Fatal("fast path on")
	}
}

// TestFastPathPortRange: a leg on a port of its own gets the fast path
// too.
func TestFastPathPortRange(t *testing.T) {
	base := freeRange(t, 2)
	e, err := NewEngine(Config{PortMin: base, PortMax: base + 1, BindIP: netip.MustParseAddr("127.0.0.1"), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	leg, br := connectedLeg(t, e)
	waitFast(t, leg)
	ph, pair := bridgedPhone(t, leg)
	browserToPhone(t, br, &browserStream{}, ph, 20, 0)
	phoneToBrowser(t, ph, &phoneStream{}, pairAddr(pair), br, 20)
	if c, ok := leg.fastCounters(); !ok || c.rtpIn < 20 || c.rtpOut < 20 {
		t.Fatalf("fast path counters %+v (on %v)", c, ok)
	}
}

// TestFastPathContinuesRollover: pion sends across a sequence number wrap
// before the fast path takes over; the fast path's rollover counter
// continues pion's, so the browser keeps authenticating our packets.
func TestFastPathContinuesRollover(t *testing.T) {
	release := make(chan struct{})
	hook := func() { <-release }
	fastStartHook.Store(&hook)
	t.Cleanup(func() { fastStartHook.Store(nil) })
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)
	send := func(from, n int) {
		for i := from; i < from+n; i++ {
			seq := uint16(65520 + i) // wraps after 16 packets
			if err := leg.WriteRTP(rtpPacket(0, seq, uint32(160*i), 77, tone(phoneFreq, 160*i, 160))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	send(0, 30)
	waitFor(t, "browser to hear pion's packets", 5*time.Second, func() bool { return len(br.packets()) >= 28 })
	if _, ok := leg.fastCounters(); ok {
		t.Fatal("fast path on before the hook released it")
	}
	close(release)
	waitFast(t, leg)
	br.reset()
	send(30, 30)
	waitFor(t, "browser to hear the fast path's packets", 5*time.Second, func() bool { return len(br.packets()) >= 28 })
	if c, _ := leg.fastCounters(); c.rtpOut < 30 {
		t.Fatalf("fast path sent %d packets", c.rtpOut)
	}
}

// TestFastPathGivesBack: keys that do not authenticate the browser's
// packets make the fast path hand the leg back to pion, and media goes on.
func TestFastPathGivesBack(t *testing.T) {
	hook := func(k *srtp.SessionKeys) { k.RemoteMasterKey[0] ^= 0xff }
	fastKeysHook.Store(&hook)
	t.Cleanup(func() { fastKeysHook.Store(nil) })
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)
	waitFast(t, leg)
	ph, pair := bridgedPhone(t, leg)
	stop := bothWays(ph, pairAddr(pair), br)
	waitFor(t, "the fast path to give the leg back", 5*time.Second, func() bool { _, ok := leg.fastCounters(); return !ok })
	stop()
	browserToPhone(t, br, &browserStream{}, ph, 20, 0)
	phoneToBrowser(t, ph, &phoneStream{}, pairAddr(pair), br, 20)
}

func TestRocTrack(t *testing.T) {
	var r rocTrack
	steps := []struct {
		ssrc uint32
		seq  uint16
		roc  uint32
	}{
		{1, 65534, 0}, {1, 65535, 0}, {1, 0, 1}, {1, 65535, 1}, // a late packet does not unwind
		{1, 1, 1}, {1, 40000, 1}, {1, 30000, 1}, {1, 60000, 1}, {1, 100, 2},
		{2, 65535, 0}, {2, 3, 1}, // a new SSRC starts over
	}
	for i, s := range steps {
		r.note(s.ssrc, s.seq)
		if r.roc != s.roc {
			t.Fatalf("step %d (%d/%d): roc %d, want %d", i, s.ssrc, s.seq, r.roc, s.roc)
		}
	}
}

func TestRTCPWatchMuteAndCount(t *testing.T) {
	w := &rtcpWatch{clock: 8000}
	var wrote int
	next := interceptorWriter(func(pkts []rtcp.Packet) { wrote++ })
	wr := w.BindRTCPWriter(next)
	sr := &rtcp.SenderReport{SSRC: 5, NTPTime: 1 << 40}
	rr := &rtcp.ReceiverReport{SSRC: 6}
	for range 3 {
		wr.Write([]rtcp.Packet{sr}, nil)
	}
	wr.Write([]rtcp.Packet{rr, rtcp.NewCNAMESourceDescription(6, "x")}, nil)
	wr.Write([]rtcp.Packet{&rtcp.PictureLossIndication{SenderSSRC: 7, MediaSSRC: 8}}, nil)
	if w.pionSent(5) != 3 || w.pionSent(6) != 1 || w.pionSent(7) != 1 || wrote != 5 {
		t.Fatalf("counts %d %d %d, wrote %d", w.pionSent(5), w.pionSent(6), w.pionSent(7), wrote)
	}
	w.mute(true)
	wr.Write([]rtcp.Packet{sr}, nil)
	if w.pionSent(5) != 3 || wrote != 5 {
		t.Fatal("muted watch let RTCP through")
	}
	w.mute(false)
	wr.Write([]rtcp.Packet{sr}, nil)
	if w.pionSent(5) != 4 || wrote != 6 {
		t.Fatal("unmuted watch dropped RTCP")
	}
}

// interceptorWriter is an RTCP writer calling f.
func interceptorWriter(f func([]rtcp.Packet)) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		f(pkts)
		return 1, nil
	})
}

// TestCandidateAddr covers the candidate address parsing.
func TestCandidateAddr(t *testing.T) {
	if ap, ok := candidateAddr(&webrtc.ICECandidate{Address: "192.0.2.7", Port: 5004}); !ok || ap != netip.MustParseAddrPort("192.0.2.7:5004") {
		t.Fatalf("got %v %v", ap, ok)
	}
	if _, ok := candidateAddr(&webrtc.ICECandidate{Address: "x.local", Port: 1}); ok {
		t.Fatal("mDNS name parsed")
	}
}
