package b2bua_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo/sip"
)

// TestSessionRefreshedTowardTrunkEvery45s: sipp plays a trunk requiring
// Session-Expires: 90 with callgate as refresher; callgate sends the
// refresh at half the interval, about 45 s after the answer (RFC 4028 §10).
func TestSessionRefreshedTowardTrunkEvery45s(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 45 s for a refresh; run without -short")
	}
	t.Parallel()
	scenario, _ := filepath.Abs("testdata/sipp/carrier_timer.xml")
	cmd, dir, port := sippServer(t, "127.0.0.4", "-sf", scenario, "-m", "1", "-timeout", "80s", "-timeout_error")
	// No RTP flows in this test: keep the media watchdog out of it.
	g := trunkGateway(t, []trunk.Config{carrierTrunk("carrier", "127.0.0.4:"+strconv.Itoa(port))},
		func(c *b2bua.Config) { c.Media.InactivityTimeout = -1 })
	alice := newDeskPhone(t, g, "1000")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "030123456", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	answered := time.Now()
	_ = sess.Ack(ctx)
	var refreshed time.Duration
	for refreshed == 0 {
		if time.Since(answered) > 60*time.Second {
			t.Fatal("no refresh reached the trunk within 60 s")
		}
		msgs, _ := os.ReadFile(filepath.Join(dir, "messages.log"))
		if strings.Contains(string(msgs), "UPDATE sip:") {
			refreshed = time.Since(answered)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if refreshed < 40*time.Second || refreshed > 50*time.Second {
		t.Fatalf("refresh after %v, want about 45 s", refreshed)
	}
	if g.srv.ActiveCalls() != 1 {
		t.Fatal("the refreshed call is gone")
	}
	_ = sess.Bye(ctx)
	waitSipp(t, cmd, dir, 10*time.Second)
}

// TestSessionExpiresOnBothLegsWithoutRefresh: the callee takes the
// refresher role and never refreshes; callgate ends both legs before the
// interval runs out (scaled down to 3 s through MinSE).
func TestSessionExpiresOnBothLegsWithoutRefresh(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Calls.MinSE = 2 * time.Second
		c.Calls.SessionExpires = 3 * time.Second
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.setPlan(answerPlan{code: 200, sessionExpires: "3;refresher=uas"})
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	inv := wait(t, bob.invites, time.Second, "INVITE at bob")
	if se := inv.GetHeader("Session-Expires"); se == nil || !strings.HasPrefix(se.Value(), "3") {
		t.Fatalf("callee was asked for Session-Expires %v, want 3", se)
	}
	start := time.Now()
	wait(t, bob.byes, 5*time.Second, "BYE at the callee")
	wait(t, alice.byes, time.Second, "BYE at the caller")
	// 3 s minus min(32 s, 1 s).
	if d := time.Since(start); d < 1500*time.Millisecond || d > 5*time.Second {
		t.Errorf("session ended after %v, want about 2 s", d)
	}
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// TestSessionTimerRefreshKeepsCallAndIntervalTooSmall: a callee that
// wants a longer interval gets the INVITE again (422, RFC 4028 §7.4); a
// callee naming callgate refresher gets refreshes that keep the call; a
// caller asking for less than Min-SE is refused with 422.
func TestSessionTimerRefreshKeepsCallAndIntervalTooSmall(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) {
		c.Media.BindIP = loopbackIP
		c.Calls.MinSE = 2 * time.Second
		c.Calls.SessionExpires = 2 * time.Second
	})
	alice := newDeskPhone(t, g, "1000")
	bob := newDeskPhone(t, g, "1001")
	bob.setPlan(answerPlan{code: 200, minSE: 4, sessionExpires: "4;refresher=uac"})
	bob.register()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("call: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	first := wait(t, bob.invites, time.Second, "first INVITE")
	second := wait(t, bob.invites, time.Second, "INVITE after 422")
	if first.CallID().Value() != second.CallID().Value() || second.CSeq().SeqNo != first.CSeq().SeqNo+1 {
		t.Errorf("retry is not the same dialog's next request")
	}
	if se := second.GetHeader("Session-Expires"); se == nil || atoiPrefix(se.Value()) < 4 {
		t.Fatalf("retry asked for %v, want at least 4", se)
	}
	// callgate refreshes every 2 s; after 5 s the call is still up.
	upd := wait(t, bob.updates, 4*time.Second, "refresh UPDATE at the callee")
	if se := upd.GetHeader("Session-Expires"); se == nil || !strings.Contains(se.Value(), "refresher=uac") {
		t.Errorf("refresh carries %v", se)
	}
	wait(t, bob.updates, 4*time.Second, "second refresh")
	if g.srv.ActiveCalls() != 1 {
		t.Fatal("the refreshed call ended")
	}
	_ = sess.Bye(ctx)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })

	// A caller asking for 1 s (below Min-SE 2 s) is refused.
	ph := newPhone(t, "UDP", g.udp)
	inv := strangerInvite(ph, "1001", "")
	res := ph.do(t, inv)
	auth, err := answerChallengeHdr(res, "Proxy-Authenticate", "INVITE", inv.Recipient.String(), "1000", testUsers["1000"])
	if err != nil {
		t.Fatal(err)
	}
	inv2 := strangerInvite(ph, "1001", auth)
	inv2.ReplaceHeader(&sip.CSeqHeader{SeqNo: 2, MethodName: sip.INVITE})
	inv2.AppendHeader(sip.NewHeader("Session-Expires", "1"))
	inv2.AppendHeader(sip.NewHeader("Supported", "timer"))
	if res := ph.do(t, inv2); res.StatusCode != 422 || res.GetHeader("Min-SE") == nil || res.GetHeader("Min-SE").Value() != "2" {
		t.Fatalf("short interval: %s, Min-SE %v", res.StartLine(), res.GetHeader("Min-SE"))
	}
}

// TestBrowserCallerIsToldToRefresh: JsSIP asks for Session-Expires: 90
// with timer support; callgate's 200 names it the refresher.
func TestBrowserCallerIsToldToRefresh(t *testing.T) {
	g := webrtcGateway(t)
	bob := newDeskPhone(t, g, "1001")
	bob.register()
	alice := newJSBrowser(t, g, "1000")
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("call: %s", res.StartLine())
	}
	se := res.GetHeader("Session-Expires")
	if se == nil || se.Value() != "90;refresher=uac" || res.GetHeader("Require") == nil {
		t.Fatalf("200 to the browser: Session-Expires %v Require %v", se, res.GetHeader("Require"))
	}
	alice.ack(res)
	alice.bye(res)
}
