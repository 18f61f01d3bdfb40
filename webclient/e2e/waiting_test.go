package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// callWaiting has the signed-in dialer (1004) in a call with the phone
// (1001) when the JsSIP page (1000) calls it too: the second call rings
// beside the first (callgate:waiting, a second-call row, an announcement),
// is answered from that row, which holds the phone first (a re-INVITE
// the phone answers by falling silent), the calls are swapped, and the
// held one is hung up from the row. Another call from 1000 is declined
// with Escape (486), one more is answered and hung up with the main
// button, which brings the phone's held call back to the foreground; it is
// resumed with Hold and hung up.
func (dl *dialerLab) callWaiting(t *testing.T) {
	began := time.Now()
	c, ph, js := dl.c, dl.ph, dl.js
	p := dl.need(t)
	c.cleanCalls(t, p, js)
	endedBefore := len(devents(t, p, "callgate:ended"))

	dl.callDeskPhone(t, p, map[string]any{"call": "in-call", "peer": "1001", "calls": 1, "otherShown": false})

	// 1000 calls the busy dialer: callgate forwards the INVITE, and the
	// dialer rings it beside the call with the phone.
	jsCall := dl.jsCalls(t)
	s := dwait(t, p, 15*time.Second, map[string]any{"calls": 2, "otherShown": true, "otherPeer": "1000", "otherState": "Ringing"})
	if s.Call != "in-call" || s.Peer != "1001" || s.CallLabel != "In call" {
		t.Errorf("with a call waiting, the main panel shows %+v; want the call with 1001", s)
	}
	if ev := devents(t, p, "callgate:waiting"); len(ev) == 0 || ev[len(ev)-1].Detail.From != "1000" || ev[len(ev)-1].Detail.ActivePeer != "1001" {
		t.Errorf("callgate:waiting events %+v, want one from 1000 while in a call with 1001", ev)
	}
	if ev := devents(t, p, "callgate:incoming"); len(ev) == 0 || ev[len(ev)-1].Detail.From != "1000" {
		t.Errorf("callgate:incoming events %+v, want the last from 1000", ev)
	}
	dl.announced(t, p, "Call waiting from 1000.")
	p.screenshotOf(t, "callgate-dialer", c.shot(t, "j-dialer-call-waiting.png"))

	// Answer from the row: the phone is held first (RFC 3264 §8.4: the
	// re-INVITE offers sendonly, the phone answers recvonly and stops
	// sending), then 1000 is answered and becomes the current call.
	m := ph.mark()
	p.click(t, "other-answer")
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1000", "otherPeer": "1001", "otherState": "On hold"})
	if s.CallLabel != "In call" || s.Calls != 2 {
		t.Errorf("after answering the waiting call the dialer shows %+v", s)
	}
	if err := <-jsCall; err != nil {
		t.Fatalf("the JsSIP page's call to the dialer: %v", err)
	}
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	dl.phoneSilent(t, "phone on hold behind the answered call")
	c.flowing(t, p, 25)  // the dialer's media now is the call with 1000
	c.flowing(t, js, 25) // and 1000 hears and sends
	dl.checkAxe(t, p, "with a call on hold")

	// Swap: 1000 goes on hold, the phone is resumed and talks again.
	m = ph.mark()
	p.click(t, "other-swap")
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1001", "holdPressed": "false", "otherPeer": "1000", "otherState": "On hold"})
	if s.CallLabel != "In call" {
		t.Errorf("after the swap the dialer shows %+v", s)
	}
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	dl.receiving(t, p, "dialer after the swap")

	// The held call ends from its row; the phone's call stays.
	p.click(t, "other-hangup")
	var cause string
	js.call(t, 15*time.Second, &cause, "waitEnded", 10000)
	if !strings.HasPrefix(cause, "remote") {
		t.Errorf("the JsSIP page says its call ended by %q, want the remote side", cause)
	}
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1001", "calls": 1, "otherShown": false})

	// Another call while busy, declined with the keyboard: Escape declines
	// the waiting call (486 Busy Here) and keeps the current one.
	jsCall = dl.jsCalls(t)
	dwait(t, p, 15*time.Second, map[string]any{"calls": 2, "otherPeer": "1000", "otherState": "Ringing"})
	p.press(t, "Escape")
	if err := <-jsCall; err == nil || !strings.Contains(err.Error(), "Busy") {
		t.Errorf("a waiting call declined with Escape: the caller's call ended with %v, want Busy (486)", err)
	}
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1001", "calls": 1, "otherShown": false})
	if s.Message != "Call declined." {
		t.Errorf("after declining the waiting call the dialer says %q", s.Message)
	}

	// Once more: answered, then hung up with the main button; the phone's
	// call, on hold, comes back to the foreground and is resumed.
	jsCall = dl.jsCalls(t)
	dwait(t, p, 15*time.Second, map[string]any{"calls": 2, "otherPeer": "1000", "otherState": "Ringing"})
	p.click(t, "other-answer")
	dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1000", "otherPeer": "1001", "otherState": "On hold"})
	if err := <-jsCall; err != nil {
		t.Fatalf("the JsSIP page's third call to the dialer: %v", err)
	}
	p.click(t, "hangup-button")
	js.call(t, 15*time.Second, &cause, "waitEnded", 10000)
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1001", "calls": 1, "callLabel": "On hold", "holdPressed": "true"})
	if !strings.HasPrefix(s.Message, "Call with 1000 ended.") || s.OtherShown {
		t.Errorf("after hanging up the current call the dialer shows %+v", s)
	}
	m = ph.mark()
	p.click(t, "hold")
	dwait(t, p, 5*time.Second, map[string]any{"holdPressed": "false", "callLabel": "In call"})
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	dl.receiving(t, p, "dialer after resuming the phone")

	m = ph.mark()
	p.click(t, "hangup-button")
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	dwait(t, p, 10*time.Second, map[string]any{"call": "idle", "calls": 0})

	var peers []string
	for _, e := range devents(t, p, "callgate:ended")[endedBefore:] {
		peers = append(peers, e.Detail.Peer+" "+e.Detail.Status)
	}
	if want := []string{"1000 answered", "1000 declined", "1000 answered", "1001 answered"}; !slices.Equal(peers, want) {
		t.Errorf("callgate:ended for %q, want %q", peers, want)
	}
	dl.g.alive(t)
	t.Logf("call waiting: %v", time.Since(began).Round(time.Millisecond))
}

// jsCalls has the JsSIP page (1000) call the dialer (1004); the result
// arrives on the channel once that call is confirmed or has failed.
func (dl *dialerLab) jsCalls(t *testing.T) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- dl.js.callErr(t, 30*time.Second, "call", "sip:1004@"+dl.g.domain) }()
	return done
}

// announced checks that the dialer's live regions said a sentence
// starting with prefix.
func (dl *dialerLab) announced(t *testing.T, p *page, prefix string) {
	t.Helper()
	var said []string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		p.call(t, 5*time.Second, &said, "announcements")
		if slices.ContainsFunc(said, func(s string) bool { return strings.HasPrefix(s, prefix) }) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the dialer never announced %q; it said %q", prefix, said)
			return
		}
	}
}

// phoneSilent checks on the phone's wire that the phone, on hold, stops
// sending RTP.
func (dl *dialerLab) phoneSilent(t *testing.T, label string) {
	t.Helper()
	time.Sleep(700 * time.Millisecond) // packets in flight at the re-INVITE drain
	t0 := time.Now()
	time.Sleep(time.Second)
	if _, sent := dl.c.tap.count(t0, time.Now()); sent > 5 {
		t.Errorf("%s: the phone sent %d RTP packets in 1 s; on hold it should be silent", label, sent)
	}
}

// receiving checks that the page receives about 50 packets a second.
func (dl *dialerLab) receiving(t *testing.T, p *page, label string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // the resume's answer takes effect
	r0 := p.stats(t)
	time.Sleep(time.Second)
	r1 := p.stats(t)
	if in, out := r1.PacketsReceived-r0.PacketsReceived, r1.PacketsSent-r0.PacketsSent; in < 25 || out < 25 {
		t.Errorf("%s: received %d and sent %d packets in 1 s, want about 50 each", label, in, out)
	}
}

// callDeskPhone dials the desk phone 1001 from the dialer's number field,
// waits until the phone has the call and the dialer's state holds want,
// and until media flows.
func (dl *dialerLab) callDeskPhone(t *testing.T, p *page, want map[string]any) {
	m := dl.ph.mark()
	p.click(t, "number-input")
	p.press(t, "Control+A")
	p.typeText(t, "1001")
	p.click(t, "call-button")
	dl.ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
	dwait(t, p, 10*time.Second, want)
	dl.c.flowing(t, p, 25)
}
