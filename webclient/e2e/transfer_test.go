package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// secondPhoneTone is what the second line plays: far from both the
// browsers' 440 Hz and the desk phone's 1000 Hz (and their harmonics), so
// that each phone's wire tells whom it hears.
const secondPhoneTone = 1500.0 // Hz

// secondPhone is a second baresip process in the phone namespace,
// registered as 1005: callgate carries out transfers itself only between
// parties with plain RTP (phones), so joining the desk phone to someone
// takes another phone.
var secondPhone = phoneLine{name: "baresip-1005", user: "1005", sipPort: 5062, ctrl: "127.0.0.1:4445", rtpMin: 30100, rtpMax: 30199, toneHz: secondPhoneTone}

// attendedTransfer has the signed-in dialer (1004) call the desk phone
// (1001), take a waiting call from the second line (1005), which holds
// the desk phone, and join the two with the row's Transfer button: a
// REFER in the held call's dialog whose Refer-To carries Replaces naming
// the dialog with 1005 (RFC 5589 §7, RFC 3891). callgate carries it out
// itself: it re-INVITEs 1005 onto the first call's media, takes 1001 off
// hold, reports 200 OK in a NOTIFY (RFC 3515 §2.4.5) and ends both of the
// dialer's dialogs. The dialer ends up with no call and says so; the two
// phones hear each other's tones until one hangs up.
func (dl *dialerLab) attendedTransfer(t *testing.T) {
	began := time.Now()
	c, ph, ph2, g := dl.c, dl.ph, dl.ph2, dl.g
	p, transfers, endedBefore := dl.transferStart(t)

	dl.callDeskPhone(t, p, map[string]any{"call": "in-call", "peer": "1001", "calls": 1})

	// 1005 calls the busy dialer; answering it from the second-call row
	// holds 1001 (re-INVITE, a=sendonly).
	m2 := ph2.mark()
	ph2.command(t, "dial", "sip:1004@"+g.domain)
	dwait(t, p, 15*time.Second, map[string]any{"calls": 2, "otherPeer": "1005", "otherState": "Ringing"})
	m := ph.mark()
	p.click(t, "other-answer")
	dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1005", "otherPeer": "1001", "otherState": "On hold"})
	ph2.waitEvent(t, m2, "CALL_ESTABLISHED", 10*time.Second)
	answered := time.Now()
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	dl.wireCarries(t, dl.tap2, answered.Add(300*time.Millisecond), browserTone, secondPhoneTone, "1005 with the dialer")

	// Transfer from the row: 1001 (held) is the transferee, 1005 the
	// target.
	m, m2 = ph.mark(), ph2.mark()
	logMark := g.proc.out.Len()
	p.click(t, "transfer-calls")
	ev, done := dl.waitTransfer(t, p, transfers, logMark, 10*time.Second)
	s := dwait(t, p, 10*time.Second, map[string]any{"call": "idle", "calls": 0, "otherShown": false})
	if done {
		last := ev[len(ev)-1]
		if !last.Detail.Attended || last.Detail.Peer != "1001" || last.Detail.Target != "1005" {
			t.Errorf("callgate:transfer done %+v, want attended, peer 1001, target 1005", last.Detail)
		}
		if want := "Transferred: 1001 and 1005 are connected."; s.Message != want || s.MessageKind != "info" {
			t.Errorf("after the transfer the dialer says %q (%s), want %q", s.Message, s.MessageKind, want)
		}
		dl.announced(t, p, "Transferred: 1001 and 1005 are connected.")
	}
	joined := time.Now()
	p.screenshotOf(t, "callgate-dialer", c.shot(t, "k-dialer-transferred.png"))

	// callgate joined the two itself: the REFER never reached the phone
	// (baresip reports one as TRANSFER), 1005 was re-INVITEd onto the
	// first call's media and 1001 was taken off hold.
	g.proc.out.waitFor(t, logMark, 5*time.Second, "callgate's own attended transfer in its log", func(s string) bool {
		return strings.Contains(s, `msg="attended transfer"`) && strings.Contains(s, `msg="blind transfer completed"`)
	})
	ph2.waitEvent(t, m2, "CALL_REMOTE_SDP", 5*time.Second)
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	if slices.Contains(ph.eventTypes(m), "TRANSFER") {
		t.Errorf("callgate relayed the REFER to the desk phone: its events %v", ph.eventTypes(m))
	}
	dl.phonesTalk(t, joined.Add(500*time.Millisecond), "after the attended transfer")
	dl.stillUp(t, m, m2)

	m2 = ph2.mark()
	ph.command(t, "hangup", "")
	ph2.waitEvent(t, m2, "CALL_CLOSED", 10*time.Second)
	dl.endedQuietly(t, p, endedBefore, []string{"1001", "1005"})
	g.alive(t)
	t.Logf("attended transfer: %v", time.Since(began).Round(time.Millisecond))
}

// blindTransfer has the second line (1005) call the dialer, which answers
// and transfers the call to the desk phone (1001) with its Transfer form:
// a REFER without Replaces (RFC 5589 §6). callgate answers 202, calls 1001
// in 1005's name, reports 100 Trying and the 200 OK in NOTIFYs with
// message/sipfrag bodies (RFC 3515 §2.4.5, RFC 3420), joins 1005 and 1001,
// and releases the dialer with BYE.
func (dl *dialerLab) blindTransfer(t *testing.T) {
	began := time.Now()
	ph, ph2, g := dl.ph, dl.ph2, dl.g
	p, transfers, endedBefore := dl.transferStart(t)

	m2 := ph2.mark()
	ph2.command(t, "dial", "sip:1004@"+g.domain)
	dwait(t, p, 15*time.Second, map[string]any{"call": "incoming", "peer": "1005"})
	p.click(t, "answer-button")
	dwait(t, p, 10*time.Second, map[string]any{"call": "in-call", "peer": "1005", "calls": 1})
	ph2.waitEvent(t, m2, "CALL_ESTABLISHED", 10*time.Second)
	answered := time.Now()
	dl.wireCarries(t, dl.tap2, answered.Add(300*time.Millisecond), browserTone, secondPhoneTone, "1005 with the dialer")

	// The Transfer form, with the keyboard: the toggle moves focus to
	// its number field, Enter submits.
	m, m2 := ph.mark(), ph2.mark()
	logMark := g.proc.out.Len()
	p.click(t, "transfer-toggle")
	if s := dstate(t, p); s.Focus != "transfer-number" {
		t.Errorf("the Transfer button moved focus to %q, want the transfer number field", s.Focus)
	}
	p.typeText(t, "1001")
	p.press(t, "Enter")
	dl.announced(t, p, "Transferring to 1001.")
	if ev := ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second); !strings.Contains(ev.Peer, "1005@") {
		t.Errorf("the desk phone answered a call from %q, want 1005 (the transferee)", ev.Peer)
	}
	ev, done := dl.waitTransfer(t, p, transfers, logMark, 10*time.Second)
	s := dwait(t, p, 10*time.Second, map[string]any{"call": "idle", "calls": 0})
	if done {
		var phases []string
		for _, e := range ev {
			phases = append(phases, fmt.Sprintf("%s %v", e.Detail.Phase, e.Detail.Code))
		}
		if phases[0] != "sent <nil>" || !slices.Contains(phases, "progress 100") {
			t.Errorf("callgate:transfer phases %q, want sent, progress 100 (a NOTIFY's sipfrag), …, done", phases)
		}
		for _, e := range ev {
			if e.Detail.Attended || e.Detail.Peer != "1005" {
				t.Errorf("callgate:transfer %+v, want a blind transfer of the call with 1005", e.Detail)
				break
			}
		}
		if s.Message != "Call transferred." || s.MessageKind != "info" {
			t.Errorf("after the transfer the dialer says %q (%s), want %q", s.Message, s.MessageKind, "Call transferred.")
		}
	}
	joined := time.Now()

	// callgate made the call to 1001 itself; 1005 never saw the REFER and
	// kept its one call.
	g.proc.out.waitFor(t, logMark, 5*time.Second, "callgate's own blind transfer in its log", func(s string) bool {
		return strings.Contains(s, `msg="blind transfer" call=`) && strings.Contains(s, `msg="blind transfer completed"`)
	})
	if ty := ph2.eventTypes(m2); slices.Contains(ty, "TRANSFER") || slices.Contains(ty, "CALL_OUTGOING") {
		t.Errorf("the transferee was asked to call the target itself: its events %v", ty)
	}
	dl.phonesTalk(t, joined.Add(500*time.Millisecond), "after the blind transfer")
	dl.stillUp(t, m, m2)

	m = ph.mark()
	ph2.command(t, "hangup", "")
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	dl.endedQuietly(t, p, endedBefore, []string{"1005"})
	g.alive(t)
	t.Logf("blind transfer: %v", time.Since(began).Round(time.Millisecond))
}

// waitTransfer waits for the callgate:transfer event (after the first
// skip) with phase done and returns the events up to it. It gives up,
// failing the test with what callgate logged since logMark, when a phase
// is failed, when the dialer's calls have all ended for 2 s without one
// (a NOTIFY arriving after the dialog ended gets 481, RFC 3515 §2.4.7),
// or after timeout.
func (dl *dialerLab) waitTransfer(t *testing.T, p *page, skip, logMark int, timeout time.Duration) ([]dialerEvent, bool) {
	t.Helper()
	var noCalls time.Time
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		ev := devents(t, p, "callgate:transfer")
		ev = ev[min(skip, len(ev)):]
		outcome := ""
		for i, e := range ev {
			switch e.Detail.Phase {
			case "done":
				t.Logf("callgate:transfer: %s", transferPhases(ev[:i+1]))
				return ev[:i+1], true
			case "failed":
				outcome = "the transfer failed"
			}
		}
		s := dstate(t, p)
		switch {
		case s.Calls > 0:
			noCalls = time.Time{}
		case noCalls.IsZero():
			noCalls = time.Now()
		case outcome == "" && time.Since(noCalls) > 2*time.Second:
			outcome = "the dialer's calls ended without a transfer outcome"
		}
		if outcome == "" && time.Now().After(deadline) {
			outcome = fmt.Sprintf("no transfer outcome within %v", timeout)
		}
		if outcome != "" {
			t.Errorf("%s: callgate:transfer %s; the dialer shows %+v; callgate logged:\n%s", outcome, transferPhases(ev), s, dl.gatewaySaid(logMark))
			return ev, false
		}
	}
}

// gatewaySaid returns callgate's log lines since mark about transfers
// and the requests that carry them (REFER, NOTIFY, BYE).
func (dl *dialerLab) gatewaySaid(mark int) string {
	s := dl.g.proc.out.String()
	var out []string
	for _, line := range strings.Split(s[min(mark, len(s)):], "\n") {
		if strings.Contains(line, "transfer") || strings.Contains(line, "NOTIFY") || strings.Contains(line, "BYE") || strings.Contains(line, "REFER") || strings.Contains(line, "call ended") {
			out = append(out, "  "+line)
		}
	}
	return strings.Join(out, "\n")
}

// transferPhases lists callgate:transfer events for a log line.
func transferPhases(ev []dialerEvent) string {
	var out []string
	for _, e := range ev {
		out = append(out, fmt.Sprintf("%s %v %s (%q)", e.Detail.Phase, e.Detail.Code, e.Detail.Reason, e.Detail.Message))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// wireCarries decodes the G.711 RTP a tap saw since t0: the phone must
// receive wantIn and send wantOut.
func (dl *dialerLab) wireCarries(t *testing.T, tap *rtpTap, t0 time.Time, wantIn, wantOut float64, label string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		in, nIn := tap.since(t0, false)
		out, nOut := tap.since(t0, true)
		if nIn >= 50 && nOut >= 50 {
			if err := heard(dominant(in, 8000), wantIn); err != nil {
				t.Errorf("%s: RTP to the phone: %v", label, err)
			}
			if err := heard(dominant(out, 8000), wantOut); err != nil {
				t.Errorf("%s: RTP from the phone: %v", label, err)
			}
			t.Logf("%s: on the wire: in %s, out %s", label, dominant(in, 8000), dominant(out, 8000))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the wire carried %d packets in and %d out since %s", label, nIn, nOut, t0.Format("15:04:05.000"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// phonesTalk checks that the two phones hear each other: the desk phone
// receives 1005's tone and 1005 the desk phone's, on both wires.
func (dl *dialerLab) phonesTalk(t *testing.T, t0 time.Time, label string) {
	t.Helper()
	dl.wireCarries(t, dl.c.tap, t0, secondPhoneTone, phoneTone, "1001 "+label)
	dl.wireCarries(t, dl.tap2, t0, phoneTone, secondPhoneTone, "1005 "+label)
}

// stillUp fails when either phone's call closed since its mark.
func (dl *dialerLab) stillUp(t *testing.T, m, m2 int) {
	t.Helper()
	for _, x := range []struct {
		ph   *phone
		mark int
	}{{dl.ph, m}, {dl.ph2, m2}} {
		if slices.Contains(x.ph.eventTypes(x.mark), "CALL_CLOSED") {
			t.Errorf("%s's call closed after the transfer: %v", x.ph.line.user, x.ph.eventTypes(x.mark))
		}
	}
}

// endedQuietly checks the dialer's calls since endedBefore ended with the
// given peers, in any order, and raised no error.
func (dl *dialerLab) endedQuietly(t *testing.T, p *page, endedBefore int, peers []string) {
	t.Helper()
	var got []string
	for _, e := range devents(t, p, "callgate:ended")[endedBefore:] {
		got = append(got, e.Detail.Peer)
		t.Logf("callgate:ended %s: %s, code %v, %s (%s)", e.Detail.Peer, e.Detail.Status, e.Detail.Code, e.Detail.Cause, e.Detail.Message)
	}
	slices.Sort(got)
	if !slices.Equal(got, peers) {
		t.Errorf("callgate:ended for %q, want %q", got, peers)
	}
	if s := dstate(t, p); s.MessageKind == "error" {
		t.Errorf("after the transfer the dialer shows an error: %q", s.Message)
	}
}

// cleanSecondLine hangs up the second line when the subtest failed.
func (dl *dialerLab) cleanSecondLine(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			_, _ = dl.ph2.commandErr("hangup", "")
		}
	})
}

// transferStart readies the dialer for a transfer test: no call, no
// second line; it returns the page and how many transfer and ended
// events the dialer had reported before.
func (dl *dialerLab) transferStart(t *testing.T) (p *page, transfers, endedBefore int) {
	p = dl.need(t)
	dl.c.cleanCalls(t, p)
	dl.cleanSecondLine(t)
	return p, len(devents(t, p, "callgate:transfer")), len(devents(t, p, "callgate:ended"))
}
