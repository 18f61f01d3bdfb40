package b2bua_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/emiago/sipgo/sip"
)

func TestCallLimits(t *testing.T) {
	g, alice, bob := twoPhones(t, func(c *b2bua.Config) { c.Calls.MaxCallsPerUser = 1 })
	bob.setPlan(answerPlan{ring: true, code: 200})
	ctx := ctx10(t)
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("first call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	if code, _ := callCode(t, alice, "1001"); code != 486 {
		t.Fatalf("second call of the same user: %d, want 486", code)
	}
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	g2, alice2, bob2 := twoPhones(t, func(c *b2bua.Config) { c.Calls.MaxCalls = 1 })
	bob2.setPlan(answerPlan{ring: true, code: 200})
	sess, code, err = alice2.call(ctx, "1001", alice2.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("first call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	carol := newDeskPhone(t, g2, "1002")
	busyRefusal(t, carol.refusal(t, "1001"), "call over the global limit")
	_ = sess.Bye(ctx)
}

// busyRefusal checks that res is a 503 telling the caller when to come
// back (RFC 3261 §21.5.4): a proxy in front then tries another gateway.
func busyRefusal(t *testing.T, res *sip.Response, what string) {
	t.Helper()
	if res.StatusCode != 503 {
		t.Fatalf("%s: %s, want 503", what, res.StartLine())
	}
	h := res.GetHeader("Retry-After")
	if want := strconv.Itoa(b2bua.RetryAfterBusy); h == nil || h.Value() != want {
		t.Fatalf("%s: Retry-After %v, want %s", what, h, want)
	}
}

// TestNoMediaPortsRefusedWithRetryAfter: with the RTP port range used
// up, a call is refused with 503 and Retry-After before anything reaches
// the callee, and no port is left allocated.
func TestNoMediaPortsRefusedWithRetryAfter(t *testing.T) {
	// One RTP/RTCP pair; a call between phones needs two.
	g, alice, bob := twoPhones(t, func(c *b2bua.Config) { c.Media.PortMin, c.Media.PortMax = 39990, 39991 })
	busyRefusal(t, alice.refusal(t, "1001"), "call with the port range used up")
	select {
	case inv := <-bob.invites:
		t.Fatalf("the callee got an INVITE for a call without media ports: %s", inv.StartLine())
	case <-time.After(200 * time.Millisecond):
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
	if n := g.srv.MediaPortsInUse(); n != 0 {
		t.Fatalf("%d port pairs still allocated after the refused call", n)
	}
}

func TestMaxForwardsZeroIsALoop(t *testing.T) {
	g, alice, _ := twoPhones(t, nil)
	ph := &sipPhone{ua: alice.ua, client: alice.client, transport: "UDP", target: g.udp}
	msg := "INVITE sip:1001@localhost SIP/2.0\r\nFrom: <sip:1000@localhost>;tag=mf\r\nTo: <sip:1001@localhost>\r\n" +
		"Call-ID: mf-zero\r\nCSeq: 1 INVITE\r\nMax-Forwards: 0\r\nContact: <sip:1000@" + alice.addr + ">\r\nContent-Length: 0\r\n\r\n"
	m, err := sip.ParseMessage([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	req := m.(*sip.Request)
	req.SetDestination(g.udp)
	req.SetTransport("UDP")
	if res := ph.do(t, req); res.StatusCode != 483 {
		t.Fatalf("Max-Forwards 0: %s, want 483", res.StartLine())
	}
}

func TestShutdownDrainsCalls(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	done := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
		defer cancel()
		done <- g.srv.Shutdown(sctx)
	}()
	// New calls are refused while the active one may finish.
	time.Sleep(100 * time.Millisecond)
	carol := newDeskPhone(t, g, "1002")
	busyRefusal(t, carol.refusal(t, "1001"), "call during shutdown")
	// Past the grace period the active call is hung up on both sides.
	wait(t, alice.byes, 3*time.Second, "BYE at alice on shutdown")
	wait(t, bob.byes, 3*time.Second, "BYE at bob on shutdown")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if n := g.srv.ActiveCalls(); n != 0 {
		t.Fatalf("%d calls left after shutdown", n)
	}
}

func TestCancelCrossesAnswer(t *testing.T) {
	// The callee answers at the very moment the caller cancels: whichever
	// wins, no dialog may be left half open on the callee's side.
	g, alice, bob := twoPhones(t, nil)
	bob.setPlan(answerPlan{ring: true, code: 200, delay: 150 * time.Millisecond})
	for i := 0; i < 5; i++ {
		code := alice.inviteThenCancelAfter(t, "1001", 150*time.Millisecond)
		switch code {
		case 487:
			// CANCEL won; if bob still answered, callgate must ACK and BYE him.
		case 200:
			// The answer won: the caller got 200 and must hang up itself.
		default:
			t.Fatalf("race %d ended with %d", i, code)
		}
		eventually(t, 5*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 || code == 200 })
		drain(bob)
	}
}

func TestNoAckHangsUp(t *testing.T) {
	g, alice, bob := twoPhones(t, func(c *b2bua.Config) { c.Calls.AckTimeout = 700 * time.Millisecond })
	ctx := ctx10(t)
	_, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	// Alice never ACKs: callgate gives up and hangs up both sides.
	wait(t, bob.byes, 5*time.Second, "BYE at bob after the missing ACK")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestReinviteGlareGets491(t *testing.T) {
	_, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, dss := establish(t, ctx, alice, bob)
	bob.setPlan(answerPlan{reinviteDelay: 600 * time.Millisecond})

	// Alice's re-INVITE is pending at bob when bob sends his own.
	aliceDone := make(chan int, 1)
	go func() {
		req := sip.NewRequest(sip.INVITE, sess.InviteResponse.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(alice.sdp("sendonly"))
		res, err := sess.Do(ctx, req)
		if err != nil {
			aliceDone <- 0
			return
		}
		aliceDone <- res.StatusCode
	}()
	wait(t, bob.reinvites, 2*time.Second, "alice's re-INVITE at bob")
	req := sip.NewRequest(sip.INVITE, dss.InviteRequest.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(bob.sdp("sendonly"))
	res, err := dss.Do(ctx, req)
	if err != nil || res.StatusCode != 491 {
		t.Fatalf("crossing re-INVITE: %v %v, want 491", res, err)
	}
	if got := wait(t, aliceDone, 3*time.Second, "alice's re-INVITE answer"); got != 200 {
		t.Fatalf("alice's re-INVITE ended with %d", got)
	}
}

func TestUpdateAndOptionsInDialog(t *testing.T) {
	_, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, _, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil {
		t.Fatal(err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	target := sess.InviteResponse.Contact().Address

	// A session refresh (UPDATE without SDP) is answered by callgate itself.
	res, err := sess.Do(ctx, sip.NewRequest(sip.UPDATE, target))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("refresh UPDATE: %v %v", res, err)
	}
	select {
	case <-bob.updates:
		t.Fatal("a session refresh leaked to the other leg")
	case <-time.After(100 * time.Millisecond):
	}
	// An UPDATE with an offer is relayed and answered with SDP.
	up := sip.NewRequest(sip.UPDATE, target)
	up.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	up.SetBody(alice.sdp("sendrecv"))
	res, err = sess.Do(ctx, up)
	if err != nil || res.StatusCode != 200 || len(res.Body()) == 0 {
		t.Fatalf("UPDATE with SDP: %v %v", res, err)
	}
	wait(t, bob.updates, 2*time.Second, "UPDATE at bob")
	// OPTIONS inside the dialog is answered locally.
	res, err = sess.Do(ctx, sip.NewRequest(sip.OPTIONS, target))
	if err != nil || res.StatusCode != 200 || res.GetHeader("Allow") == nil {
		t.Fatalf("in-dialog OPTIONS: %v %v", res, err)
	}
	_ = sess.Bye(ctx)
}

func TestUpdateBecomesReinviteForPeersWithoutUpdate(t *testing.T) {
	_, alice, bob := twoPhones(t, nil)
	// Like SIP.js: UPDATE is missing from Allow.
	bob.setPlan(answerPlan{ring: true, code: 200, allow: "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"})
	ctx := ctx10(t)
	sess, _, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil {
		t.Fatal(err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	up := sip.NewRequest(sip.UPDATE, sess.InviteResponse.Contact().Address)
	up.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	up.SetBody(alice.sdp("sendonly"))
	res, err := sess.Do(ctx, up)
	if err != nil || res.StatusCode != 200 || sdpDirection(res.Body()) != "recvonly" {
		t.Fatalf("UPDATE: %v %v", res, err)
	}
	re := wait(t, bob.reinvites, 2*time.Second, "re-INVITE at bob instead of UPDATE")
	if sdpDirection(re.Body()) != "sendonly" {
		t.Fatalf("bob got %s", sdpDirection(re.Body()))
	}
	select {
	case <-bob.updates:
		t.Fatal("UPDATE sent to a peer that does not allow it")
	default:
	}
	_ = sess.Bye(ctx)
}
