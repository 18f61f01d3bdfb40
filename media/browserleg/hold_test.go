package browserleg

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/callgate/callgate/media"
)

// stable is what must not change across a leg's descriptions.
type stable struct{ fingerprint, ufrag, pwd, mid string }

func stableOf(t *testing.T, desc string) (stable, sdpInfo) {
	t.Helper()
	info, err := parseSDP(desc)
	if err != nil {
		t.Fatal(err)
	}
	return stable{info.fingerprint, info.ufrag, info.pwd, info.mid}, info
}

// stripSSRC removes a=ssrc and a=msid lines, as Chrome does in a re-offer
// in which it no longer sends.
func stripSSRC(s string) string {
	var out []string
	for _, l := range sdpLines(s) {
		if strings.HasPrefix(l, "a=ssrc:") || strings.HasPrefix(l, "a=msid:") {
			continue
		}
		out = append(out, l)
	}
	return joinSDP(out)
}

// TestHoldResume runs hold and resume twice each way on an answered leg:
// the browser re-offers (Renegotiate), then we re-offer (CreateReoffer).
// Fingerprint, ICE credentials, mid and DTLS role stay those of the first
// answer in every description, and media flows again after each resume.
func TestHoldResume(t *testing.T) {
	e := newTestEngine(t, Config{})
	br := newTestBrowser(t)
	leg, answer, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	br.applyAnswer(answer)
	br.waitConnected(leg)
	first, info := stableOf(t, answer)
	role := info.setup // our DTLS role, "active" or "passive"
	peerRole := map[string]string{"active": "passive", "passive": "active"}[role]

	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	bridge := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}})
	defer bridge.Close()
	ps := &phoneStream{seq: 65530} // wraps during the test
	bs := &browserStream{seq: 1}
	dst := pairAddr(pair)
	got := phoneToBrowser(t, ph, ps, dst, br, 20)
	last := got[len(got)-1].SequenceNumber
	browserToPhone(t, br, bs, ph, 20, 0)

	check := func(what, desc, wantSetup string, wantDir direction) {
		t.Helper()
		s, info := stableOf(t, desc)
		if s != first {
			t.Errorf("%s: stable attributes changed: %+v, first %+v", what, s, first)
		}
		if info.setup != wantSetup {
			t.Errorf("%s: a=setup:%s, want %s", what, info.setup, wantSetup)
		}
		if info.dir != wantDir {
			t.Errorf("%s: direction %v, want %v", what, info.dir, wantDir)
		}
		checkDescription(t, e, desc)
	}

	for round := 1; round <= 2; round++ {
		// The browser holds: sendonly, answered recvonly (RFC 3264 §6.1).
		ans, err := leg.Renegotiate(br.offer("sendonly", nil))
		if err != nil {
			t.Fatalf("round %d: browser hold: %v", round, err)
		}
		check("answer to browser hold", ans, role, dirRecvonly)
		br.applyAnswer(ans)
		// We may not send: nothing reaches the browser (JsSIP keeps sending
		// silence while held, which still reaches the phone).
		browserToPhone(t, br, bs, ph, 5, 0)
		assertNoMedia(t, ph, ps, dst, br)

		// The browser resumes.
		ans, err = leg.Renegotiate(br.offer("sendrecv", nil))
		if err != nil {
			t.Fatalf("round %d: browser resume: %v", round, err)
		}
		check("answer to browser resume", ans, role, dirSendrecv)
		br.applyAnswer(ans)
		got := phoneToBrowser(t, ph, ps, dst, br, 20)
		assertContinuous(t, &last, got)
		browserToPhone(t, br, bs, ph, 20, 0)

		// We hold the browser: sendonly offer, actpass, browser keeps its
		// role in its answer (RFC 8842 §5.3).
		off, err := leg.CreateReoffer("sendonly")
		if err != nil {
			t.Fatalf("round %d: our hold: %v", round, err)
		}
		check("our hold offer", off, "actpass", dirSendonly)
		bans := br.answer(off)
		if _, binfo := stableOf(t, bans); binfo.setup != peerRole {
			t.Errorf("browser answered a=setup:%s, want %s", binfo.setup, peerRole)
		}
		if err := leg.SetAnswer(bans); err != nil {
			t.Fatal(err)
		}
		// While we hold, a browser re-offer is still answered sendonly.
		ans, err = leg.Renegotiate(br.offer("sendrecv", nil))
		if err != nil {
			t.Fatal(err)
		}
		check("answer while holding", ans, role, dirSendonly)
		br.applyAnswer(ans)

		// The browser goes inactive the way Chrome does (no a=ssrc), which
		// replaces our receiver, then comes back.
		ans, err = leg.Renegotiate(br.offer("inactive", stripSSRC))
		if err != nil {
			t.Fatal(err)
		}
		check("answer to inactive", ans, role, dirInactive)
		br.applyAnswer(ans)

		// We resume.
		off, err = leg.CreateReoffer("sendrecv")
		if err != nil {
			t.Fatalf("round %d: our resume: %v", round, err)
		}
		check("our resume offer", off, "actpass", dirSendrecv)
		if err := leg.SetAnswer(br.answer(off)); err != nil {
			t.Fatal(err)
		}
		got = phoneToBrowser(t, ph, ps, dst, br, 20)
		assertContinuous(t, &last, got)
		browserToPhone(t, br, bs, ph, 20, 0)
	}
	if leg.Err() != nil || bridge.Err() != nil {
		t.Fatalf("leg %v, bridge %v", leg.Err(), bridge.Err())
	}
}

// assertNoMedia sends phone packets for a while and checks none reach the
// browser.
func assertNoMedia(t *testing.T, ph *phone, ps *phoneStream, dst *net.UDPAddr, br *testBrowser) {
	t.Helper()
	br.reset()
	for i := 0; i < 10; i++ {
		ps.mu.Lock()
		pkt := rtpPacket(0, ps.seq, uint32(phoneTS0+160*ps.idx), phoneSSRC, tone(phoneFreq, 160*ps.idx, 160))
		ps.seq++
		ps.idx++
		ps.mu.Unlock()
		if _, err := ph.conn.WriteToUDP(pkt, dst); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // absence can only be checked over time
	if n := len(br.packets()); n != 0 {
		t.Fatalf("browser on hold received %d packets", n)
	}
}

// assertContinuous checks the browser saw consecutive sequence numbers
// (modulo loss of none on loopback): after a gap we created, the stream
// continues at the next number.
func assertContinuous(t *testing.T, last *uint16, got []rtp.Packet) {
	t.Helper()
	if len(got) > 0 && got[0].SequenceNumber != *last+1 {
		t.Errorf("after resume the browser's sequence goes from %d to %d", *last, got[0].SequenceNumber)
	}
	for i := 1; i < len(got); i++ {
		if got[i].SequenceNumber != got[i-1].SequenceNumber+1 {
			t.Fatalf("sequence jumps from %d to %d", got[i-1].SequenceNumber, got[i].SequenceNumber)
		}
	}
	if len(got) > 0 {
		*last = got[len(got)-1].SequenceNumber
	}
}

// TestCancelReoffer: the browser rejects our re-offer (a 488 or 491 to the
// re-INVITE); the call goes on as before and can be re-offered again.
func TestCancelReoffer(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)
	first, _ := stableOf(t, leg.pc.LocalDescription().SDP)

	if _, err := leg.CreateReoffer("sendonly"); err != nil {
		t.Fatal(err)
	}
	// The browser never answers: its re-offer crosses ours (glare) and
	// the re-INVITE fails.
	if err := leg.CancelReoffer(); err != nil {
		t.Fatal(err)
	}
	if err := leg.CancelReoffer(); err != nil {
		t.Fatalf("second CancelReoffer: %v", err)
	}
	// The previous direction is back: a browser re-offer is answered
	// sendrecv, not sendonly.
	ans, err := leg.Renegotiate(br.offer("sendrecv", nil))
	if err != nil {
		t.Fatal(err)
	}
	s, info := stableOf(t, ans)
	if s != first || info.dir != dirSendrecv {
		t.Fatalf("after cancel: %+v dir %v, first %+v", s, info.dir, first)
	}
	br.applyAnswer(ans)

	// Media still flows both ways.
	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}})
	defer b.Close()
	phoneToBrowser(t, ph, &phoneStream{}, pairAddr(pair), br, 20)
	browserToPhone(t, br, &browserStream{}, ph, 20, 0)

	// Cancel in the other signalling state: after our own re-offer was
	// answered once.
	off, err := leg.CreateReoffer("sendrecv")
	if err != nil {
		t.Fatal(err)
	}
	if err := leg.SetAnswer(br.answer(off)); err != nil {
		t.Fatal(err)
	}
	if _, err := leg.CreateReoffer("recvonly"); err != nil {
		t.Fatal(err)
	}
	if err := leg.CancelReoffer(); err != nil {
		t.Fatal(err)
	}
	// The browser's pending state must be unwound too in real life (its
	// own rejection); here its PeerConnection never saw our offer.
	phoneToBrowser(t, ph, &phoneStream{seq: 9000, idx: 500}, pairAddr(pair), br, 20)
	off, err = leg.CreateReoffer("inactive")
	if err != nil {
		t.Fatal(err)
	}
	if err := leg.SetAnswer(br.answer(off)); err != nil {
		t.Fatal(err)
	}
	if n := leg.neg.Load(); n.dir != dirInactive || leg.sendOK.Load() {
		t.Fatalf("after inactive re-offer: dir %v sendOK %v", n.dir, leg.sendOK.Load())
	}
}
