package b2bua_test

import (
	"context"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// twoPhones starts a gateway and phones 1000 (caller) and 1001 (registered).
func twoPhones(t *testing.T, mod func(*b2bua.Config)) (*gateway, *deskPhone, *deskPhone) {
	t.Helper()
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		if mod != nil {
			mod(c)
		}
	})
	alice, bob := newDeskPhone(t, g, "1000"), newDeskPhone(t, g, "1001")
	bob.register()
	return g, alice, bob
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCalleeHangsUp(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, dss := establish(t, ctx, alice, bob)
	if err := dss.Bye(ctx); err != nil {
		t.Fatalf("bob BYE: %v", err)
	}
	bye := wait(t, alice.byes, 2*time.Second, "BYE at alice")
	if bye.CallID().Value() != sess.InviteRequest.CallID().Value() {
		t.Fatal("BYE reached alice on a foreign Call-ID")
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestCancelWhileRinging(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	bob.setPlan(answerPlan{ring: true, code: 0})
	if code := alice.inviteThenCancel(t, "1001"); code != 487 {
		t.Fatalf("cancelled INVITE ended with %d, want 487", code)
	}
	wait(t, bob.cancels, 3*time.Second, "CANCEL at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestFailuresPropagate(t *testing.T) {
	for _, code := range []int{486, 603, 404, 488} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			g, alice, bob := twoPhones(t, nil)
			bob.setPlan(answerPlan{ring: true, code: code})
			got, _ := callCode(t, alice, "1001")
			if got != code {
				t.Fatalf("callee said %d, caller got %d", code, got)
			}
			eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
		})
	}
}

// callCode places a call and returns the final status.
func callCode(t *testing.T, p *deskPhone, to string) (int, error) {
	t.Helper()
	_, code, err := p.call(ctx10(t), to, p.sdp(""))
	return code, err
}

func TestUnknownAndUnregisteredUsers(t *testing.T) {
	_, alice, _ := twoPhones(t, nil)
	if code, _ := callCode(t, alice, "4242"); code != 404 {
		t.Fatalf("unknown user: %d, want 404", code)
	}
	if code, _ := callCode(t, alice, "1002"); code != 480 {
		t.Fatalf("unregistered user: %d, want 480", code)
	}
}

func TestRingTimeout(t *testing.T) {
	g, alice, bob := twoPhones(t, func(c *b2bua.Config) { c.Calls.RingTimeout = 400 * time.Millisecond })
	bob.setPlan(answerPlan{ring: true, code: 0})
	code, _ := callCode(t, alice, "1001")
	if code != 480 {
		t.Fatalf("ring timeout: caller got %d, want 480", code)
	}
	wait(t, bob.cancels, 3*time.Second, "CANCEL at bob")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestForkSecondBindingAnswers(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	bob.setPlan(answerPlan{ring: true, code: 0}) // rings forever
	bob2 := newDeskPhone(t, g, "1001")
	bob2.setPlan(answerPlan{ring: true, code: 200, delay: 200 * time.Millisecond})
	bob2.register()
	ctx := ctx10(t)
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.invites, 2*time.Second, "INVITE at first binding")
	wait(t, bob2.invites, 2*time.Second, "INVITE at second binding")
	wait(t, bob.cancels, 3*time.Second, "CANCEL at the losing binding")
	wait(t, bob2.acks, 2*time.Second, "ACK at the winner")
	_ = sess.Bye(ctx)
	wait(t, bob2.byes, 2*time.Second, "BYE at the winner")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestHoldResumeFromEachSide(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, dss := establish(t, ctx, alice, bob)

	// Alice holds, then resumes, twice: the re-INVITE reaches bob with the
	// direction kept and bob's answer comes back mirrored.
	for round := 0; round < 2; round++ {
		for _, dir := range []struct{ send, want string }{{"sendonly", "recvonly"}, {"sendrecv", "sendrecv"}} {
			req := sip.NewRequest(sip.INVITE, sess.InviteResponse.Contact().Address)
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			req.SetBody(alice.sdp(dir.send))
			res, err := sess.Do(ctx, req)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("re-INVITE %s: %v %v", dir.send, res, err)
			}
			if got := sdpDirection(res.Body()); got != dir.want {
				t.Fatalf("answer to %s is %s, want %s", dir.send, got, dir.want)
			}
			ack := sip.NewRequest(sip.ACK, sess.InviteResponse.Contact().Address)
			ack.AppendHeader(sip.NewHeader("CSeq", res.CSeq().Value()))
			if err := sess.WriteRequest(ack); err != nil {
				t.Fatal(err)
			}
			re := wait(t, bob.reinvites, 2*time.Second, "re-INVITE at bob")
			if got := sdpDirection(re.Body()); got != dir.send {
				t.Fatalf("bob saw %s, alice sent %s", got, dir.send)
			}
		}
	}

	// Bob holds alice.
	req := sip.NewRequest(sip.INVITE, dss.InviteRequest.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(bob.sdp("sendonly"))
	res, err := dss.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("bob re-INVITE: %v %v", res, err)
	}
	re := wait(t, alice.reinvites, 2*time.Second, "re-INVITE at alice")
	if sdpDirection(re.Body()) != "sendonly" || sdpDirection(res.Body()) != "recvonly" {
		t.Fatalf("bob hold: alice saw %s, bob got %s", sdpDirection(re.Body()), sdpDirection(res.Body()))
	}
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestDelayedOffer(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, code, err := alice.call(ctx, "1001", nil)
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	if len(inv.Body()) != 0 {
		t.Fatal("offerless INVITE gained a body")
	}
	offer := sess.InviteResponse.Body()
	if len(offer) == 0 {
		t.Fatal("200 to the caller carries no offer")
	}
	ack := sip.NewRequest(sip.ACK, sess.InviteResponse.Contact().Address)
	ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ack.SetBody(alice.sdp(""))
	if err := sess.WriteAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	got := wait(t, bob.acks, 2*time.Second, "ACK at bob")
	if len(got.Body()) == 0 || !strings.Contains(string(got.Body()), "m=audio") {
		t.Fatalf("answer not carried in the ACK to bob: %q", got.Body())
	}
	// Media flows with the late answer.
	dss := wait(t, bob.sessions, time.Second, "bob's session")
	_ = dss
	streamAndCheck(t, alice.rtp, sdpTarget(t, offer), bob.rtp, 440, 20)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestInfoRelayed(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, _, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil {
		t.Fatal(err)
	}
	_ = sess.Ack(ctx)
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	info := sip.NewRequest(sip.INFO, sess.InviteResponse.Contact().Address)
	info.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
	info.SetBody([]byte("Signal=5\r\nDuration=100\r\n"))
	res, err := sess.Do(ctx, info)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("INFO: %v %v", res, err)
	}
	got := wait(t, bob.infos, 2*time.Second, "INFO at bob")
	if string(got.Body()) != "Signal=5\r\nDuration=100\r\n" || contentTypeOf(got) != "application/dtmf-relay" {
		t.Fatalf("INFO altered: %q %q", contentTypeOf(got), got.Body())
	}
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func contentTypeOf(r *sip.Request) string {
	if h := r.ContentType(); h != nil {
		return h.Value()
	}
	return ""
}

func TestMediaTimeoutEndsCall(t *testing.T) {
	g, alice, bob := twoPhones(t, func(c *b2bua.Config) { c.Media.InactivityTimeout = 600 * time.Millisecond })
	ctx := ctx10(t)
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	wait(t, alice.byes, 5*time.Second, "BYE at alice after silence")
	wait(t, bob.byes, 5*time.Second, "BYE at bob after silence")
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestStrangerRTPIsDropped(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := ctx10(t)
	sess, _, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil {
		t.Fatal(err)
	}
	_ = sess.Ack(ctx)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	toAlice := sdpTarget(t, inv.Body())
	// A stranger on another loopback address sends first: nothing of it
	// reaches alice, and bob's audio still does.
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	for i := 0; i < 20; i++ {
		_, _ = stranger.WriteToUDP(rtpPacket(uint16(9000+i), 0xbad, make([]byte, 160)), toAlice)
	}
	streamAndCheck(t, bob.rtp, toAlice, alice.rtp, 1000, 30)
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

func TestThousandSequentialCallsLeakNothing(t *testing.T) {
	g, alice, bob := twoPhones(t, nil)
	ctx := context.Background()
	// Warm up so lazily started goroutines are part of the baseline.
	for i := 0; i < 5; i++ {
		placeAndHangUp(t, ctx, alice, bob)
	}
	eventually(t, 5*time.Second, "calls to end", func() bool { return g.srv.ActiveCalls() == 0 })
	time.Sleep(200 * time.Millisecond)
	baseGoroutines := runtime.NumGoroutine()
	basePorts := g.srv.MediaPortsInUse()
	n := 1000
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		placeAndHangUp(t, ctx, alice, bob)
	}
	eventually(t, 10*time.Second, "calls to end", func() bool { return g.srv.ActiveCalls() == 0 })
	eventually(t, 10*time.Second, "goroutines back to baseline", func() bool {
		return runtime.NumGoroutine() <= baseGoroutines+5
	})
	if got := g.srv.MediaPortsInUse(); got != basePorts {
		t.Fatalf("RTP ports in use: %d after %d calls, baseline %d", got, n, basePorts)
	}
}

// placeAndHangUp runs one short call from a to b.
func placeAndHangUp(t *testing.T, ctx context.Context, a, b *deskPhone) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sess, code, err := a.call(cctx, b.user, a.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	if err := sess.Ack(cctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.Bye(cctx); err != nil {
		t.Fatal(err)
	}
	_ = sess.Close()
	drain(b)
	drain(a)
}

// drain empties a phone's event channels.
func drain(p *deskPhone) {
	for {
		select {
		case <-p.invites:
		case <-p.acks:
		case <-p.byes:
		case <-p.sessions:
		default:
			return
		}
	}
}

// establish places an answered, acknowledged call from a to b and returns
// both ends of it.
func establish(t *testing.T, ctx context.Context, a, b *deskPhone) (*sipgo.DialogClientSession, *sipgo.DialogServerSession) {
	t.Helper()
	sess, code, err := a.call(ctx, b.user, a.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	dss := wait(t, b.sessions, 2*time.Second, "callee's session")
	wait(t, b.acks, 2*time.Second, "ACK at the callee")
	return sess, dss
}
