package b2bua_test

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/webrtc/v4"
)

// Transfers whose parties include browsers: every mix of transferee and
// target (browser or phone) ends with the two talking, tones checked by
// frequency, and the transferor released.

// connected waits until each browser's media is up.
func connected(t *testing.T, bs ...*jsBrowser) {
	t.Helper()
	for _, b := range bs {
		eventually(t, 5*time.Second, b.user+" ICE and DTLS", func() bool {
			return b.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
		})
	}
}

// phoneRefers has the phone's dialog dss REFER its party to target and
// checks the 202.
func phoneRefers(t *testing.T, dss *sipgo.DialogServerSession, target string) {
	t.Helper()
	refer := sip.NewRequest(sip.REFER, dss.InviteRequest.Contact().Address)
	refer.AppendHeader(sip.NewHeader("Refer-To", "<sip:"+target+"@localhost>"))
	if r, err := dss.Do(ctx10(t), refer); err != nil || r.StatusCode != 202 {
		t.Fatalf("REFER from the phone: %v %v", r, err)
	}
}

// phoneHearsOutcome reads the phone's NOTIFYs up to the final one and
// waits for the BYE releasing it.
func phoneHearsOutcome(t *testing.T, p *deskPhone) {
	t.Helper()
	var last string
	for !strings.HasPrefix(last, "SIP/2.0 200") {
		last = strings.TrimSpace(string(wait(t, p.notifies, 5*time.Second, "NOTIFY at the transferor").Body()))
		if !strings.HasPrefix(last, "SIP/2.0 1") && !strings.HasPrefix(last, "SIP/2.0 200") {
			t.Fatalf("transfer failed: %s", last)
		}
	}
	wait(t, p.byes, 3*time.Second, "BYE releasing the transferor")
}

// g722ToneToBrowser is phoneToneToBrowser for a phone that agreed on
// G.722 (payload type 9): the payload stays the µ-law tone, which passes
// untouched and is checked by frequency.
func g722ToneToBrowser(t *testing.T, phone *deskPhone, b *jsBrowser, dst *net.UDPAddr, ssrc uint32) {
	t.Helper()
	before, _ := b.receivedAudio()
	for i := 0; i < 100; i++ {
		pkt := rtpPacket(uint16(i), ssrc, ulawTone(1000, 160, i*160))
		pkt[1] = 9
		_, _ = phone.rtp.WriteToUDP(pkt, dst)
		time.Sleep(5 * time.Millisecond)
	}
	eventually(t, 3*time.Second, "browser to receive the phone's audio", func() bool {
		n, _ := b.receivedAudio()
		return n-before >= 99
	})
	_, pcm := b.receivedAudio()
	if f := dominantHz(pcm[len(pcm)-99*160:], 440, 1000); f != 1000 {
		t.Fatalf("browser hears %v Hz, want 1000", f)
	}
}

// answeredBrowserToPhone is browserCallToPhoneWith once the phone has
// its ACK and the browser's media is up; it also returns the phone's
// INVITE.
func answeredBrowserToPhone(t *testing.T, mod func(*b2bua.Config)) (*gateway, *deskPhone, *jsBrowser, *sip.Response, *sip.Request) {
	t.Helper()
	g, bob, alice, res := browserCallToPhoneWith(t, mod)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	connected(t, alice)
	return g, bob, alice, res, inv
}

// expectBye reads the browser's next request, checks it is a BYE and
// answers it.
func expectBye(t *testing.T, b *jsBrowser, what string) {
	t.Helper()
	bye := wait(t, b.reqs, 3*time.Second, what)
	if bye.Method != sip.BYE {
		t.Fatalf("%s got %s, want BYE", b.user, bye.Method)
	}
	b.reply(bye, 200, "", "")
}

// expectAck reads the browser's next request and checks it is an ACK.
func expectAck(t *testing.T, b *jsBrowser) {
	t.Helper()
	if r := wait(t, b.reqs, 3*time.Second, "ACK at "+b.user); r.Method != sip.ACK {
		t.Fatalf("%s got %s, want ACK", b.user, r.Method)
	}
}

// TestPhoneBlindTransfersHeldBrowserToBrowser: phone B, called by browser
// A, holds A and transfers it to browser C. A's WebRTC leg is joined to
// C's new one, A is taken off hold by a re-offer keeping its DTLS and ICE
// identity, and A and C hear each other.
func TestPhoneBlindTransfersHeldBrowserToBrowser(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	connected(t, alice)
	carol := newJSBrowser(t, g, "1002")
	carol.register()

	// Bob holds alice.
	answered := make(chan *sip.Response, 1)
	go func() {
		req := sip.NewRequest(sip.INVITE, dss.InviteRequest.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(bob.sdp("sendonly"))
		r, _ := dss.Do(ctx10(t), req)
		answered <- r
	}()
	hold := wait(t, alice.reqs, 3*time.Second, "hold re-offer at alice")
	if sdpDirection(hold.Body()) != "sendonly" {
		t.Fatalf("alice's hold offer says %s", sdpDirection(hold.Body()))
	}
	alice.answerOffer(hold, "")
	if r := wait(t, answered, 3*time.Second, "answer to bob's hold"); r == nil || r.StatusCode != 200 {
		t.Fatalf("hold: %v", r)
	}
	expectAck(t, alice)

	phoneRefers(t, dss, "1002")
	cinv := carol.answerIncoming()
	if cinv.From().Address.User != "1000" {
		t.Errorf("carol is called by %s, want the transferee alice", cinv.From().Value())
	}
	expectAck(t, carol)
	phoneHearsOutcome(t, bob)

	// Alice comes off hold with the same DTLS and ICE identity.
	resume := wait(t, alice.reqs, 3*time.Second, "resume re-offer at alice")
	if resume.Method != sip.INVITE || sdpDirection(resume.Body()) != "sendrecv" {
		t.Fatalf("alice got %s %s, want a sendrecv re-INVITE", resume.Method, sdpDirection(resume.Body()))
	}
	sameDTLSAndICE(t, string(res.Body()), string(resume.Body()))
	alice.answerOffer(resume, "")
	expectAck(t, alice)

	connected(t, carol)
	browsersHearEachOther(t, alice, carol)
	if n := g.srv.ActiveCalls(); n != 1 {
		t.Fatalf("%d calls, want the transferred one", n)
	}
	alice.bye(res)
	expectBye(t, carol, "BYE at carol")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestBrowserBlindTransfersPhoneToBrowser: browser A transfers phone B to
// browser C; B keeps its ports and now talks to C.
func TestBrowserBlindTransfersPhoneToBrowser(t *testing.T) {
	g, bob, alice, res, inv := answeredBrowserToPhone(t, nil)
	carol := newJSBrowser(t, g, "1002")
	carol.register()

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	cinv := carol.answerIncoming()
	if cinv.From().Address.User != "1001" {
		t.Errorf("carol is called by %s, want the transferee bob", cinv.From().Value())
	}
	if frags := transferSucceeded(t, alice); frags[0] != "SIP/2.0 100 Trying" {
		t.Fatalf("NOTIFY progress %v", frags)
	}
	expectAck(t, carol)
	connected(t, carol)
	phoneToneToBrowser(t, bob, carol, sdpTarget(t, inv.Body()), 0x7101)
	browserToneToPhone(t, carol, bob)
	if n := g.srv.ActiveCalls(); n != 1 {
		t.Fatalf("%d calls, want the transferred one", n)
	}
	select {
	case <-bob.byes:
		t.Fatal("bob was hung up")
	default:
	}
	_ = drainBye(t, bob)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestBrowserBlindTransfersBrowserToPhone: in a browser-to-browser call,
// A transfers B to phone C: B's WebRTC leg is bridged to new ports for C.
func TestBrowserBlindTransfersBrowserToPhone(t *testing.T) {
	g, alice, bob, res, _ := browserPairCall(t)
	carol := newDeskPhone(t, g, "1002")
	carol.audio = "9 G722" // the browsers' format: bob's stream passes untouched
	carol.register()

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	cinv := wait(t, carol.invites, 3*time.Second, "INVITE at carol")
	if cinv.From().Address.User != "1001" {
		t.Errorf("carol is called by %s, want the transferee bob", cinv.From().Value())
	}
	transferSucceeded(t, alice)
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	browserToneToPhone(t, bob, carol)
	g722ToneToBrowser(t, carol, bob, sdpTarget(t, cinv.Body()), 0x7202)
	if n := g.srv.ActiveCalls(); n != 1 {
		t.Fatalf("%d calls, want the transferred one", n)
	}
	_ = drainBye(t, carol)
	expectBye(t, bob, "BYE at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestBrowserBlindTransfersBrowserToBrowser: in a browser-to-browser call,
// A transfers B to browser C: B's and C's WebRTC legs are joined.
func TestBrowserBlindTransfersBrowserToBrowser(t *testing.T) {
	g, alice, bob, res, _ := browserPairCall(t)
	carol := newJSBrowserTrack(t, g, "1002", webrtc.MimeTypeG722)
	carol.register()

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	carol.answerIncoming()
	transferSucceeded(t, alice)
	expectAck(t, carol)
	connected(t, carol)
	browsersHearEachOther(t, bob, carol)
	if n := g.srv.ActiveCalls(); n != 1 {
		t.Fatalf("%d calls, want the transferred one", n)
	}
}

// secondLine has a new browser line of user from call a browser to, which
// answers; both legs' media connect. It returns the caller's 2xx.
func secondLine(t *testing.T, line, callee *jsBrowser) *sip.Response {
	t.Helper()
	done := make(chan *sip.Response, 1)
	go func() {
		res, _, _ := line.invite(callee.user)
		done <- res
	}()
	callee.answerIncoming()
	res := wait(t, done, 5*time.Second, "answer on the second line")
	if res.StatusCode != 200 {
		t.Fatalf("second call: %s", res.StartLine())
	}
	line.ack(res)
	expectAck(t, callee)
	connected(t, line, callee)
	return res
}

// replacesFor is the escaped Replaces naming the dialog of a 2xx.
func replacesFor(res *sip.Response) string {
	toTag, _ := res.To().Params.Get("tag")
	fromTag, _ := res.From().Params.Get("tag")
	return url.QueryEscape(res.CallID().Value() + ";to-tag=" + toTag + ";from-tag=" + fromTag)
}

// TestAttendedTransferMovesBrowserParty: browser A talks to phone B and,
// on a second line, to browser C, then transfers with Replaces. C's WebRTC
// leg moves to B's call (C sees no re-INVITE at all), B and C talk, and A
// has no call left.
func TestAttendedTransferMovesBrowserParty(t *testing.T) {
	g, bob, alice, res, inv := answeredBrowserToPhone(t, nil)
	// C's leg speaks PCMU, as bob does, so the moved leg needs no
	// transcoding.
	pcmu := []webrtc.RTPCodecParameters{chromeAudio[2], chromeAudio[4]}
	carol := newJSBrowserCodecs(t, g, "1002", webrtc.MimeTypePCMU, pcmu)
	carol.register()
	line2 := newJSBrowserCodecs(t, g, "1000", webrtc.MimeTypePCMU, pcmu)
	res2 := secondLine(t, line2, carol)

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002?Replaces="+replacesFor(res2))
	transferSucceeded(t, alice)
	expectBye(t, line2, "BYE on A's second line")
	phoneToneToBrowser(t, bob, carol, sdpTarget(t, inv.Body()), 0x7303)
	browserToneToPhone(t, carol, bob)
	select {
	case r := <-carol.reqs:
		t.Fatalf("carol got %s; her media should have moved without signalling", r.Method)
	default:
	}
	eventually(t, 3*time.Second, "one call left", func() bool { return g.srv.ActiveCalls() == 1 })
	_ = drainBye(t, bob)
	expectBye(t, carol, "BYE at carol")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestAttendedTransferJoinsTwoBrowsers: browser A talks to browsers B and
// (second line) C and joins them: both legs end up in one call.
func TestAttendedTransferJoinsTwoBrowsers(t *testing.T) {
	g, alice, bob, res, _ := browserPairCall(t)
	carol := newJSBrowserTrack(t, g, "1002", webrtc.MimeTypeG722)
	carol.register()
	line2 := newJSBrowserTrack(t, g, "1000", webrtc.MimeTypeG722)
	res2 := secondLine(t, line2, carol)

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002?Replaces="+replacesFor(res2))
	transferSucceeded(t, alice)
	expectBye(t, line2, "BYE on A's second line")
	browsersHearEachOther(t, bob, carol)
	eventually(t, 3*time.Second, "one call left", func() bool { return g.srv.ActiveCalls() == 1 })
}

// TestInviteWithReplacesTakesBrowsersPlace: phone D's INVITE with
// Replaces naming callgate's dialog with browser A (in a call with phone
// B) puts D in A's place: A's WebRTC leg and bridge go, B and D are
// relayed, and A gets BYE.
func TestInviteWithReplacesTakesBrowsersPlace(t *testing.T) {
	g, bob, alice, res, inv := answeredBrowserToPhone(t, nil)
	dave := newDeskPhone(t, g, "1002")
	ourTag, _ := res.To().Params.Get("tag")
	aliceTag, _ := res.From().Params.Get("tag")
	replaces := sip.NewHeader("Replaces", res.CallID().Value()+";to-tag="+ourTag+";from-tag="+aliceTag)
	sess, code, err := dave.callWith(ctx10(t), "1001", dave.sdp(""), replaces)
	if err != nil || code != 200 {
		t.Fatalf("INVITE with Replaces: %d %v", code, err)
	}
	_ = sess.Ack(ctx10(t))
	expectBye(t, alice, "BYE at the replaced browser")
	toneBetweenPhones(t, bob, dave, sdpTarget(t, inv.Body()), 1000, 0x7404)
	toneBetweenPhones(t, dave, bob, sdpTarget(t, sess.InviteResponse.Body()), 440, 0x7405)
	if n := g.srv.ActiveCalls(); n != 1 {
		t.Fatalf("%d calls, want the one with dave in it", n)
	}
	_ = sess.Bye(ctx10(t))
	wait(t, bob.byes, 3*time.Second, "BYE at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestInviteWithReplacesTakesBrowserPeersPlace: in a browser-to-browser
// call, phone D replaces browser A: B's WebRTC leg is bridged to D's new
// ports in the format B already speaks; an offer without that format gets
// 488 and changes nothing.
func TestInviteWithReplacesTakesBrowserPeersPlace(t *testing.T) {
	g, alice, bob, res, _ := browserPairCall(t)
	ourTag, _ := res.To().Params.Get("tag")
	aliceTag, _ := res.From().Params.Get("tag")
	replaces := func() sip.Header {
		return sip.NewHeader("Replaces", res.CallID().Value()+";to-tag="+ourTag+";from-tag="+aliceTag)
	}
	pcmuOnly := newDeskPhone(t, g, "1002")
	if _, code, _ := pcmuOnly.callWith(ctx10(t), "1001", pcmuOnly.sdp(""), replaces()); code != 488 {
		t.Fatalf("Replaces offering only PCMU to a G.722 call: %d, want 488", code)
	}
	dave := newDeskPhone(t, g, "1002")
	dave.audio = "9 G722"
	sess, code, err := dave.callWith(ctx10(t), "1001", dave.sdp(""), replaces())
	if err != nil || code != 200 {
		t.Fatalf("INVITE with Replaces: %d %v", code, err)
	}
	_ = sess.Ack(ctx10(t))
	expectBye(t, alice, "BYE at the replaced browser")
	browserToneToPhone(t, bob, dave)
	g722ToneToBrowser(t, dave, bob, sdpTarget(t, sess.InviteResponse.Body()), 0x7506)
	_ = sess.Bye(ctx10(t))
	expectBye(t, bob, "BYE at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestRecordingFollowsTransfer: a recorded browser-to-phone call whose
// browser transfers the phone to another phone becomes a relayed call;
// the recording goes on with the new party's audio in the transferor's
// channel.
func TestRecordingFollowsTransfer(t *testing.T) {
	dir := t.TempDir()
	g, bob, alice, res, inv := answeredBrowserToPhone(t, func(c *b2bua.Config) {
		c.Recording = b2bua.RecordingConfig{Dir: dir, All: true}
	})
	carol := newDeskPhone(t, g, "1002")
	carol.register()

	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	cinv := wait(t, carol.invites, 3*time.Second, "INVITE at carol")
	transferSucceeded(t, alice)
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	toCarol, toBob := sdpTarget(t, inv.Body()), sdpTarget(t, cinv.Body())
	for i := 0; i < 100; i++ {
		_, _ = carol.rtp.WriteToUDP(rtpPacket(uint16(i), 0xca401, ulawTone(440, 160, i*160)), toBob)
		_, _ = bob.rtp.WriteToUDP(rtpPacket(uint16(i), 0xb0b01, ulawTone(1000, 160, i*160)), toCarol)
		time.Sleep(20 * time.Millisecond)
	}
	_ = drainBye(t, bob)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	left, right, rate := readStereoWAV(t, recordingIn(t, dir, ""))
	last := int(1.5 * float64(rate))
	if len(left) < last {
		t.Fatalf("recording holds %d samples", len(left))
	}
	left, right = left[len(left)-last:len(left)-rate/4], right[len(right)-last:len(right)-rate/4]
	for _, ch := range []struct {
		name string
		pcm  []int16
		want float64
	}{{"caller (left, now carol)", left, 440}, {"callee (right, bob)", right, 1000}} {
		var energy float64
		for _, s := range ch.pcm {
			energy += float64(s) * float64(s)
		}
		if rms := energy / float64(len(ch.pcm)); rms < 1e5 {
			t.Fatalf("%s channel is silent after the transfer (mean square %.0f)", ch.name, rms)
		}
		if f := dominantPCM(ch.pcm, float64(rate), 440, 1000); f != ch.want {
			t.Errorf("%s channel holds %v Hz, want %v", ch.name, f, ch.want)
		}
	}
}
