package b2bua_test

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/webrtc/v4"
)

// TestBrowserReferToNonUserIsRelayed: a REFER whose target callgate does
// not carry out itself (here a user with no phone binding yet) is relayed
// to the transferee, who calls the target through callgate.
func TestBrowserReferToNonUserIsRelayed(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol := newDeskPhone(t, g, "1002")

	// Alice (JsSIP) transfers bob to 1002, naming a host of her own.
	seq := res.CSeq().SeqNo + 1
	var s strings.Builder
	fmt.Fprintf(&s, "REFER %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bKrefer%d\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d REFER\r\n",
		res.Contact().Address.String(), alice.host, callCounter.Add(1), res.To().Value(), res.From().Value(), res.CallID().Value(), seq)
	fmt.Fprintf(&s, "Contact: <sip:jc@%s;transport=ws;ob>\r\nRefer-To: <sip:1002@elsewhere.invalid>\r\nReferred-By: <sip:1000@localhost>\r\nContent-Length: 0\r\n\r\n", alice.host)
	alice.send(s.String())
	if r := alice.nextResponse(200); r.StatusCode != 202 {
		t.Fatalf("REFER: %s", r.StartLine())
	}
	refer := wait(t, bob.refers, 2*time.Second, "REFER at bob")
	carol.register()
	if to := refer.GetHeader("Refer-To").Value(); to != "<sip:1002@localhost>" {
		t.Fatalf("bob was referred to %q, want 1002 in our domain", to)
	}
	if by := refer.GetHeader("Referred-By"); by == nil || !strings.Contains(by.Value(), "1000@") {
		t.Fatalf("Referred-By %v", by)
	}

	// Bob calls carol as told and reports progress with NOTIFYs.
	notify := func(frag string) {
		req := sip.NewRequest(sip.NOTIFY, dss.InviteRequest.Contact().Address)
		req.AppendHeader(sip.NewHeader("Event", "refer"))
		req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
		req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
		req.SetBody([]byte(frag))
		go func() { _, _ = dss.Do(ctx10(t), req) }()
		n := wait(t, alice.reqs, 3*time.Second, "NOTIFY at alice")
		if n.Method != sip.NOTIFY || !strings.HasPrefix(string(n.Body()), frag) || n.GetHeader("Event").Value() != "refer" {
			t.Fatalf("alice got %s %q", n.Method, n.Body())
		}
		alice.reply(n, 200, "", "")
	}
	sess, code, err := bob.call(ctx10(t), "1002", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("bob calling carol after the REFER: %d %v", code, err)
	}
	_ = sess.Ack(ctx10(t))
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	notify("SIP/2.0 200 OK")

	// Alice leaves; bob and carol stay connected.
	if r := alice.inDialog(res, "BYE", seq+1, ""); r.StatusCode != 200 {
		t.Fatalf("alice's BYE: %s", r.StartLine())
	}
	wait(t, bob.byes, 2*time.Second, "BYE for bob's old dialog")
	eventually(t, 3*time.Second, "only the new call left", func() bool { return g.srv.ActiveCalls() == 1 })
	_ = sess.Bye(ctx10(t))
	eventually(t, 3*time.Second, "no calls left", func() bool { return g.srv.ActiveCalls() == 0 })
}

// referFromBrowser sends a REFER in the browser's dialog of res.
func referFromBrowser(t *testing.T, b *jsBrowser, res *sip.Response, seq uint32, target string) {
	t.Helper()
	var s strings.Builder
	fmt.Fprintf(&s, "REFER %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bKrefer%d\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d REFER\r\n",
		res.Contact().Address.String(), b.host, callCounter.Add(1), res.To().Value(), res.From().Value(), res.CallID().Value(), seq)
	fmt.Fprintf(&s, "Contact: <sip:jc@%s;transport=ws;ob>\r\nRefer-To: <sip:%s@localhost>\r\nReferred-By: <sip:%s@localhost>\r\nContent-Length: 0\r\n\r\n", b.host, target, b.user)
	b.send(s.String())
	if r := b.nextResponse(200); r.StatusCode != 202 {
		t.Fatalf("REFER: %s", r.StartLine())
	}
}

// browserNotifies reads the browser's NOTIFYs until a final sipfrag and
// transferSucceeded reads the transferor's NOTIFYs (browserNotifies) and
// fails unless the last one reports 200 OK; it returns the sipfrag lines.
func transferSucceeded(t *testing.T, b *jsBrowser) []string {
	t.Helper()
	frags := browserNotifies(t, b)
	if frags[len(frags)-1] != "SIP/2.0 200 OK" {
		t.Fatalf("NOTIFY progress %v", frags)
	}
	return frags
}

// returns their status lines.
func browserNotifies(t *testing.T, b *jsBrowser) []string {
	t.Helper()
	var frags []string
	for {
		n := wait(t, b.reqs, 5*time.Second, "NOTIFY at the transferor")
		if n.Method != sip.NOTIFY {
			if n.Method == sip.BYE {
				b.reply(n, 200, "", "")
				continue
			}
			t.Fatalf("transferor got %s", n.Method)
		}
		if ev := n.GetHeader("Event"); ev == nil || ev.Value() != "refer" || !strings.HasPrefix(contentTypeOf(n), "message/sipfrag") {
			t.Fatalf("NOTIFY without Event: refer and sipfrag: %v %q", ev, contentTypeOf(n))
		}
		b.reply(n, 200, "", "")
		frags = append(frags, strings.TrimSpace(string(n.Body())))
		if strings.HasPrefix(n.GetHeader("Subscription-State").Value(), "terminated") {
			return frags
		}
	}
}

// toneBetweenPhones sends 100 frames of freq from a to dst and checks b
// hears freq.
func toneBetweenPhones(t *testing.T, a, b *deskPhone, dst *net.UDPAddr, freq float64, ssrc uint32) {
	t.Helper()
	go func() {
		for i := 0; i < 100; i++ {
			_, _ = a.rtp.WriteToUDP(rtpPacket(uint16(i), ssrc, ulawTone(freq, 160, i*160)), dst)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var pcm []byte
	buf := make([]byte, 1500)
	_ = b.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer func() { _ = b.rtp.SetReadDeadline(time.Time{}) }()
	for got := 0; got < 95; got++ {
		n, _, err := b.rtp.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("%s got %d of 100 packets from %s: %v", b.user, got, a.user, err)
		}
		pcm = append(pcm, buf[12:n]...)
	}
	if f := dominantHz(pcm, 440, 1000); f != freq {
		t.Fatalf("%s hears %v Hz from %s, want %v", b.user, f, a.user, freq)
	}
}

// browserReferToPhone sets up browser A (alice) in a call with phone B
// (bob, whose INVITE it returns), registers phone C (carol, 1002), which
// rings at once and answers after answerAfter, and has alice REFER bob to
// carol.
func browserReferToPhone(t *testing.T, answerAfter time.Duration) (g *gateway, bob *deskPhone, alice *jsBrowser, inv *sip.Request, carol *deskPhone) {
	t.Helper()
	var res *sip.Response
	g, bob, alice, res = browserCallToPhone(t)
	inv = wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol = newDeskPhone(t, g, "1002")
	carol.setPlan(answerPlan{ring: true, code: 200, delay: answerAfter})
	carol.register()
	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	return g, bob, alice, inv, carol
}

// TestBrowserBlindTransfersPhoneToPhone: browser A talks to phone B and
// transfers B to phone C; callgate calls C itself, B and C talk, A sees
// the progress in NOTIFYs and is released.
func TestBrowserBlindTransfersPhoneToPhone(t *testing.T) {
	g, bob, alice, inv, carol := browserReferToPhone(t, 100*time.Millisecond)
	cinv := wait(t, carol.invites, 3*time.Second, "INVITE at carol")
	if cinv.From().Address.User != "1001" || cinv.GetHeader("Referred-By") == nil {
		t.Errorf("carol is called by %s (Referred-By %v), want bob's identity", cinv.From().Value(), cinv.GetHeader("Referred-By"))
	}
	if frags := transferSucceeded(t, alice); frags[0] != "SIP/2.0 100 Trying" {
		t.Fatalf("NOTIFY progress %v", frags)
	}
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	// Bob keeps sending where he did; carol sends where her INVITE says.
	toneBetweenPhones(t, bob, carol, sdpTarget(t, inv.Body()), 1000, 0x1001)
	toneBetweenPhones(t, carol, bob, sdpTarget(t, cinv.Body()), 440, 0x1002)
	if g.srv.ActiveCalls() != 1 {
		t.Fatalf("%d calls, want the transferred one", g.srv.ActiveCalls())
	}
	select {
	case <-bob.byes:
		t.Fatal("bob was hung up")
	default:
	}
	_ = drainBye(t, bob)
	eventually(t, 3*time.Second, "calls end", func() bool { return g.srv.ActiveCalls() == 0 })
	wait(t, carol.byes, 2*time.Second, "BYE at carol")
}

// TestTransferNotifiesGoOutOneAtATime: the target rings at once, while
// the transferor has not yet answered the first NOTIFY (100 Trying).
// callgate holds the 180's NOTIFY back until that answer, so it cannot
// overtake the first one: arriving with a higher CSeq, it would make the
// transferor reject the 100 Trying with 500 (RFC 3261 §12.2.2).
func TestTransferNotifiesGoOutOneAtATime(t *testing.T) {
	g, bob, alice, _, carol := browserReferToPhone(t, 300*time.Millisecond)
	first := wait(t, alice.reqs, 3*time.Second, "first NOTIFY at the transferor")
	if first.Method != sip.NOTIFY || strings.TrimSpace(string(first.Body())) != "SIP/2.0 100 Trying" {
		t.Fatalf("first request %s %q, want NOTIFY with 100 Trying", first.Method, first.Body())
	}
	wait(t, carol.invites, 3*time.Second, "INVITE at carol")
	select {
	case n := <-alice.reqs:
		t.Fatalf("%s %q (CSeq %d) reached the transferor before it answered the first NOTIFY (CSeq %d)",
			n.Method, strings.TrimSpace(string(n.Body())), n.CSeq().SeqNo, first.CSeq().SeqNo)
	case <-time.After(600 * time.Millisecond):
	}
	alice.reply(first, 200, "", "")
	if frags := transferSucceeded(t, alice); !slices.Equal(frags, []string{"SIP/2.0 180 Ringing", "SIP/2.0 200 OK"}) {
		t.Fatalf("NOTIFY progress after the first %v, want 180 then 200", frags)
	}
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	_ = drainBye(t, bob)
	eventually(t, 3*time.Second, "calls end", func() bool { return g.srv.ActiveCalls() == 0 })
	wait(t, carol.byes, 2*time.Second, "BYE at carol")
}

// drainBye hangs up bob's side by BYE from the phone.
func drainBye(t *testing.T, p *deskPhone) error {
	t.Helper()
	dss := wait(t, p.sessions, 2*time.Second, "phone's session")
	return dss.Bye(ctx10(t))
}

// TestPhoneBlindTransfersBrowserToPhone: phone B transfers the calling
// browser A to phone C; the browser then talks to C.
func TestPhoneBlindTransfersBrowserToPhone(t *testing.T) {
	g, bob, alice, _ := browserCallToPhone(t)
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol := newDeskPhone(t, g, "1002")
	carol.register()
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})

	refer := sip.NewRequest(sip.REFER, dss.InviteRequest.Contact().Address)
	refer.AppendHeader(sip.NewHeader("Refer-To", "<sip:1002@localhost>"))
	refer.AppendHeader(sip.NewHeader("Referred-By", "<sip:1001@localhost>"))
	r, err := dss.Do(ctx10(t), refer)
	if err != nil || r.StatusCode != 202 {
		t.Fatalf("REFER from the phone: %v %v", r, err)
	}
	cinv := wait(t, carol.invites, 3*time.Second, "INVITE at carol")
	if cinv.From().Address.User != "1000" {
		t.Errorf("carol is called by %s, want the browser's identity", cinv.From().Value())
	}
	var last string
	for !strings.HasPrefix(last, "SIP/2.0 200") {
		n := wait(t, bob.notifies, 3*time.Second, "NOTIFY at bob")
		last = strings.TrimSpace(string(n.Body()))
	}
	wait(t, bob.byes, 2*time.Second, "BYE releasing bob")
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	browserToneToPhone(t, alice, carol)
	phoneToneToBrowser(t, carol, alice, sdpTarget(t, cinv.Body()), 0x2002)
	eventually(t, 3*time.Second, "one call left", func() bool { return g.srv.ActiveCalls() == 1 })
}

// TestBlindTransferToBusyTargetKeepsCall: the target answers 486; the
// transferor hears so and the original call carries on.
func TestBlindTransferToBusyTargetKeepsCall(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol := newDeskPhone(t, g, "1002")
	carol.setPlan(answerPlan{code: 486})
	carol.register()
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	referFromBrowser(t, alice, res, res.CSeq().SeqNo+1, "1002")
	frags := browserNotifies(t, alice)
	if last := frags[len(frags)-1]; !strings.HasPrefix(last, "SIP/2.0 486") {
		t.Fatalf("NOTIFY progress %v, want it to end with 486", frags)
	}
	// Still talking.
	browserToneToPhone(t, alice, bob)
	phoneToneToBrowser(t, bob, alice, sdpTarget(t, inv.Body()), 0x3003)
	if r := alice.inDialog(res, "BYE", res.CSeq().SeqNo+2, ""); r.StatusCode != 200 {
		t.Fatalf("BYE: %s", r.StartLine())
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestAttendedTransferJoinsBothParties: browser A calls phone B, then (on
// a second line) phone C, and transfers B to C with Replaces: callgate
// re-INVITEs C onto B's call, B and C talk, and A has no call left.
func TestAttendedTransferJoinsBothParties(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol := newDeskPhone(t, g, "1002")
	carol.register()
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	// A holds B first, as a dialer does before its second call.
	seq := res.CSeq().SeqNo + 1
	hold := strings.Replace(alice.pc.LocalDescription().SDP, "a=sendrecv", "a=sendonly", 1)
	if r := alice.inDialog(res, "INVITE", seq, hold); r.StatusCode != 200 {
		t.Fatalf("hold: %s", r.StartLine())
	}
	alice.send(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bKha%d\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n",
		res.Contact().Address.String(), alice.host, callCounter.Add(1), res.To().Value(), res.From().Value(), res.CallID().Value(), seq))
	if re := wait(t, bob.reinvites, 2*time.Second, "hold at bob"); sdpDirection(re.Body()) != "sendonly" {
		t.Fatalf("bob's hold offer is %s", sdpDirection(re.Body()))
	}
	line2 := newJSBrowser(t, g, "1000")
	res2, _, _ := line2.invite("1002")
	if res2.StatusCode != 200 {
		t.Fatalf("second call: %s", res2.StartLine())
	}
	line2.ack(res2)
	wait(t, carol.invites, 2*time.Second, "INVITE at carol")
	wait(t, carol.acks, 2*time.Second, "ACK at carol")

	toTag, _ := res2.To().Params.Get("tag")
	fromTag, _ := res2.From().Params.Get("tag")
	replaces := url.QueryEscape(res2.CallID().Value() + ";to-tag=" + toTag + ";from-tag=" + fromTag)
	referFromBrowser(t, alice, res, seq+1, "1002?Replaces="+replaces)
	reinv := wait(t, carol.reinvites, 3*time.Second, "re-INVITE at carol")
	transferSucceeded(t, alice)
	// A's second line is released too.
	bye := wait(t, line2.reqs, 3*time.Second, "BYE on A's second line")
	if bye.Method != sip.BYE {
		t.Fatalf("second line got %s, want BYE", bye.Method)
	}
	line2.reply(bye, 200, "", "")
	// B, held by A, is taken off hold once joined to C.
	if re := wait(t, bob.reinvites, 3*time.Second, "resume at bob"); sdpDirection(re.Body()) != "sendrecv" {
		t.Fatalf("bob's offer after the transfer is %s, want sendrecv", sdpDirection(re.Body()))
	}
	toneBetweenPhones(t, bob, carol, sdpTarget(t, inv.Body()), 1000, 0x4001)
	toneBetweenPhones(t, carol, bob, sdpTarget(t, reinv.Body()), 440, 0x4002)
	eventually(t, 3*time.Second, "one call left", func() bool { return g.srv.ActiveCalls() == 1 })
	select {
	case <-bob.byes:
		t.Fatal("bob was hung up")
	case <-carol.byes:
		t.Fatal("carol was hung up")
	default:
	}
}

// TestInviteWithReplacesTakesPartysPlace: phone D's INVITE with Replaces
// naming callgate's dialog with phone B puts D in B's place: the browser
// now talks to D, and B gets BYE (RFC 3891 §3).
func TestInviteWithReplacesTakesPartysPlace(t *testing.T) {
	g, bob, alice, _ := browserCallToPhone(t)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool {
		return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	dave := newDeskPhone(t, g, "1002")
	dave.register()
	// Bob's dialog with callgate: callgate's tag is bob's remote (From) tag.
	ourTag, _ := inv.From().Params.Get("tag")
	bobTag, _ := dss.InviteResponse.To().Params.Get("tag")
	replaces := sip.NewHeader("Replaces", inv.CallID().Value()+";to-tag="+bobTag+";from-tag="+ourTag)
	sess, code, err := dave.callWith(ctx10(t), "1001", dave.sdp(""), replaces, sip.NewHeader("Require", "replaces"))
	if err != nil || code != 200 {
		t.Fatalf("INVITE with Replaces: %d %v", code, err)
	}
	_ = sess.Ack(ctx10(t))
	wait(t, bob.byes, 2*time.Second, "BYE for the replaced party")
	browserToneToPhone(t, alice, dave)
	phoneToneToBrowser(t, dave, alice, sdpTarget(t, sess.InviteResponse.Body()), 0x5005)
	if g.srv.ActiveCalls() != 1 {
		t.Fatalf("%d calls, want the one with dave in it", g.srv.ActiveCalls())
	}
	_ = sess.Bye(ctx10(t))
	wait(t, alice.reqs, 2*time.Second, "BYE at the browser")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// A Replaces naming no dialog is refused with 481.
	if _, code, _ := dave.callWith(ctx10(t), "1001", dave.sdp(""), sip.NewHeader("Replaces", "nope;to-tag=a;from-tag=b")); code != 481 {
		t.Fatalf("Replaces for an unknown dialog: %d, want 481", code)
	}
}

// TestPhoneTransfersCallerToBrowser: phone B, called by phone A,
// transfers A to a browser user C; callgate rings the browser, hands A's
// media to a WebRTC bridge on A's own port, and releases B.
func TestPhoneTransfersCallerToBrowser(t *testing.T) {
	g := webrtcGateway(t)
	carol := newJSBrowser(t, g, "1002")
	carol.register()
	alice, bob, sess, dss := phonesInCall(t, g)

	phoneRefers(t, dss, "1002")
	carol.answerIncoming()
	var last string
	for !strings.HasPrefix(last, "SIP/2.0 200") {
		last = strings.TrimSpace(string(wait(t, bob.notifies, 5*time.Second, "NOTIFY at bob").Body()))
	}
	wait(t, bob.byes, 3*time.Second, "BYE releasing bob")
	eventually(t, 5*time.Second, "ICE and DTLS at the browser", func() bool {
		return carol.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	// Alice keeps sending to the port she always used.
	phoneToneToBrowser(t, alice, carol, sdpTarget(t, sess.InviteResponse.Body()), 0x6006)
	browserToneToPhone(t, carol, alice)
	if g.srv.ActiveCalls() != 1 {
		t.Fatalf("%d calls", g.srv.ActiveCalls())
	}
	_ = sess.Bye(ctx10(t))
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestPhoneTransfersCallToNumberThroughTrunk: phone B transfers phone A
// to a number; callgate routes it with B's dialplan through a carrier that
// challenges, A hears the carrier's echo, and B is released.
func TestPhoneTransfersCallToNumberThroughTrunk(t *testing.T) {
	carrier := newCarrier(t, "127.0.0.2", 200)
	carrier.mu.Lock()
	carrier.challenge = true
	carrier.mu.Unlock()
	g := trunkGateway(t, []trunk.Config{carrierTrunk("carrier", carrier.addr)}, nil)
	alice, bob, sess, dss := phonesInCall(t, g)

	phoneRefers(t, dss, "030123456")
	inv := wait(t, carrier.invites, 3*time.Second, "authorised INVITE at the carrier")
	checkTrunkInvite(t, inv)
	var last string
	for !strings.HasPrefix(last, "SIP/2.0 200") {
		last = strings.TrimSpace(string(wait(t, bob.notifies, 5*time.Second, "NOTIFY at bob").Body()))
	}
	wait(t, bob.byes, 3*time.Second, "BYE releasing bob")
	phoneEchoCheck(t, alice, sess.InviteResponse.Body())
	if st := trunkStatus(g, "carrier"); st.ActiveCalls != 1 {
		t.Errorf("carrier trunk counts %d calls, want 1", st.ActiveCalls)
	}
	_ = sess.Bye(ctx10(t))
	wait(t, carrier.byes, 2*time.Second, "BYE at the carrier")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	if st := trunkStatus(g, "carrier"); st.ActiveCalls != 0 {
		t.Errorf("carrier trunk still counts %d calls", st.ActiveCalls)
	}
}

// TestTransferToNumberFailsOver: the first trunk answers 503; the
// transfer goes out through the second.
func TestTransferToNumberFailsOver(t *testing.T) {
	first := newCarrier(t, "127.0.0.2", 503)
	second := newCarrier(t, "127.0.0.3", 200)
	g := trunkGateway(t, []trunk.Config{carrierTrunk("first", first.addr), carrierTrunk("second", second.addr)}, nil)
	alice, bob, sess, dss := phonesInCall(t, g)
	phoneRefers(t, dss, "030123456")
	wait(t, first.invites, 3*time.Second, "INVITE at the first carrier")
	wait(t, second.invites, 3*time.Second, "INVITE at the second carrier")
	wait(t, bob.byes, 3*time.Second, "BYE releasing bob")
	phoneEchoCheck(t, alice, sess.InviteResponse.Body())
	_ = sess.Bye(ctx10(t))
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	for _, st := range g.srv.TrunkStatus() {
		if st.ActiveCalls != 0 {
			t.Errorf("trunk %s still counts %d calls", st.Name, st.ActiveCalls)
		}
	}
}

// phonesInCall registers phone 1001 (bob) and has phone 1000 (alice)
// call it; it returns both, alice's acknowledged dialog and bob's.
func phonesInCall(t *testing.T, g *gateway) (alice, bob *deskPhone, sess *sipgo.DialogClientSession, dss *sipgo.DialogServerSession) {
	t.Helper()
	alice = newDeskPhone(t, g, "1000")
	bob = newDeskPhone(t, g, "1001")
	bob.register()
	s, code, err := alice.call(ctx10(t), "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = s.Ack(ctx10(t))
	d := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	return alice, bob, s, d
}
