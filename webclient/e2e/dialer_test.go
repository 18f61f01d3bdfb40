package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// dialerLab drives callgate's own page "/" (app.js and <callgate-dialer>,
// served by the callgate binary) in Chromium, with the real mouse and
// keyboard, against the baresip phone. pages/dialer-probe.js, added to the
// page before its scripts run, only reads the element for the test.
type dialerLab struct {
	c     *checker
	br    *browser
	g     *gateway
	ph    *phone
	base  string  // http://<gateway>:<http port>
	probe string  // the bundled probe script
	main  *page   // the tab signed in as 1004 by f_dialer_calls_phone
	js    *page   // the JsSIP page registered as 1000: a second caller
	ph2   *phone  // the second baresip line (1005): transfers between phones
	tap2  *rtpTap // RTP on the second line's ports
}

// dialerState mirrors snapshot() in pages/dialer-probe.js.
type dialerState struct {
	Defined      bool   `json:"defined"`
	Registration string `json:"registration"`
	Call         string `json:"call"`
	RegText      string `json:"regText"`
	HoldPressed  string `json:"holdPressed"`
	CallLabel    string `json:"callLabel"`
	Peer         string `json:"peer"`
	Message      string `json:"message"`
	MessageKind  string `json:"messageKind"`
	DTMFSent     string `json:"dtmfSent"`
	Number       string `json:"number"`
	Focus        string `json:"focus"`
	LoginShown   bool   `json:"loginShown"`
	LoginError   string `json:"loginError"`
	Account      string `json:"account"`
	Calls        int    `json:"calls"`      // the element's data-calls
	OtherShown   bool   `json:"otherShown"` // the second-call row
	OtherPeer    string `json:"otherPeer"`
	OtherState   string `json:"otherState"`
}

// dialerEvent is one event the element dispatched.
type dialerEvent struct {
	Type   string `json:"type"`
	Detail struct {
		Code       any    `json:"code"` // a string in callgate:error, a SIP code in callgate:ended
		SIPCode    int    `json:"sipCode"`
		Message    string `json:"message"`
		Reason     string `json:"reason"`
		Cause      string `json:"cause"`
		From       string `json:"from"`
		Peer       string `json:"peer"`
		ActivePeer string `json:"activePeer"`
		Status     string `json:"status"`
		Phase      string `json:"phase"`    // callgate:transfer: sent, progress, done, failed
		Attended   bool   `json:"attended"` // callgate:transfer
		Target     string `json:"target"`   // callgate:transfer, attended: the current call's party
	} `json:"detail"`
}

// open loads the dialer page at path (with its fragment) in a new tab.
func (dl *dialerLab) open(t *testing.T, name, path string) *page {
	t.Helper()
	p := dl.br.open(t, name, dl.base+path, true, dl.probe)
	return p
}

// need returns the tab that f_dialer_calls_phone signed in.
func (dl *dialerLab) need(t *testing.T) *page {
	t.Helper()
	if dl.main == nil {
		t.Fatal("no signed-in dialer tab: f_dialer_calls_phone did not get that far")
	}
	return dl.main
}

func dstate(t *testing.T, p *page) dialerState {
	t.Helper()
	var s dialerState
	p.call(t, 5*time.Second, &s, "state")
	return s
}

// dwait waits until every field of want (JSON names) matches.
func dwait(t *testing.T, p *page, timeout time.Duration, want map[string]any) dialerState {
	t.Helper()
	var s dialerState
	p.call(t, timeout+5*time.Second, &s, "waitState", want, timeout.Milliseconds())
	return s
}

// devents returns the element's events of type typ so far.
func devents(t *testing.T, p *page, typ string) []dialerEvent {
	t.Helper()
	var ev []dialerEvent
	p.call(t, 5*time.Second, &ev, "events", typ)
	return ev
}

// checkAxe runs axe-core on the page in its current state: every
// violation is reported, and serious or critical ones fail the test.
func (dl *dialerLab) checkAxe(t *testing.T, p *page, label string) {
	t.Helper()
	vs := p.axe(t)
	var serious []string
	for _, v := range vs {
		line := fmt.Sprintf("%s (%s, %d nodes): %s", v.ID, v.Impact, v.Nodes, v.Help)
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, line)
		} else {
			t.Logf("axe, dialer %s: %s", label, line)
		}
	}
	if len(serious) > 0 {
		t.Errorf("axe-core on the dialer %s:\n  %s", label, strings.Join(serious, "\n  "))
	}
	t.Logf("axe-core on the dialer %s: %d violations", label, len(vs))
}

// dtmfLogged waits until baresip has logged each digit since logMark,
// whether it came as SIP INFO or as an RFC 4733 event.
func (dl *dialerLab) dtmfLogged(t *testing.T, logMark int, digits string) {
	t.Helper()
	dl.ph.proc.out.waitFor(t, logMark, 10*time.Second, "digits "+digits+" in baresip's log", func(s string) bool {
		for _, d := range digits {
			if !strings.Contains(s, fmt.Sprintf("received DTMF: '%c'", d)) && !strings.Contains(s, fmt.Sprintf("received event: '%c'", d)) {
				return false
			}
		}
		return true
	})
}

// callsPhone signs in through the form, calls the phone with the mouse
// and keyboard, and checks audio, DTMF, hold and both ways of hanging up.
func (dl *dialerLab) callsPhone(t *testing.T) {
	c, ph := dl.c, dl.ph
	p := dl.open(t, "dialer-1004", "/")
	dwait(t, p, 10*time.Second, map[string]any{"defined": true, "loginShown": true})
	p.click(t, "login-user")
	p.typeText(t, "1004")
	p.click(t, "login-password")
	p.typeText(t, users["1004"])
	p.click(t, "login-submit")
	s := dwait(t, p, 15*time.Second, map[string]any{"registration": "registered"})
	if s.RegText != "Online as 1004" || s.Account != "1004" || s.LoginShown {
		t.Errorf("signed in, the page shows %+v", s)
	}
	dl.main = p
	c.cleanCalls(t, p)
	dl.checkAxe(t, p, "idle")

	rec := ph.recordings(t)
	m := ph.mark()
	p.click(t, "number-input")
	p.typeText(t, "1001")
	p.click(t, "call-button")
	if ev := ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second); !strings.Contains(ev.Peer, "1004@") {
		t.Errorf("phone answered a call from %q, want user 1004", ev.Peer)
	}
	established := time.Now()
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "in-call"})
	if s.Peer != "1001" || s.CallLabel != "In call" {
		t.Errorf("in call, the dialer shows %+v", s)
	}
	c.audioBothWays(t, p, established, "dialer → phone")
	p.screenshotOf(t, "callgate-dialer", c.shot(t, "f-dialer-in-call.png"))
	dl.checkAxe(t, p, "in call")

	// DTMF from the keypad: the element sends RFC 4733 events through
	// RTCDTMFSender; baresip logs each digit.
	m, logMark := ph.mark(), ph.proc.out.Len()
	p.click(t, "keypad-toggle")
	p.click(t, "key-1")
	dl.dtmfLogged(t, logMark, "1")
	p.click(t, "key-5")
	dl.dtmfLogged(t, logMark, "15")
	// ctrl_tcp reports each digit a little after the log line.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := ph.eventParams(m, "CALL_DTMF_START")
		if slices.Equal(got, []string{"1", "5"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("phone's DTMF events %q, want [1 5]", got)
			break
		}
	}
	if s := dstate(t, p); s.DTMFSent != "15" {
		t.Errorf("the dialer shows %q as sent digits, want 15", s.DTMFSent)
	}

	// Hold: the button is pressed, the phone answers recvonly and falls
	// silent.
	m = ph.mark()
	p.click(t, "hold")
	dwait(t, p, 5*time.Second, map[string]any{"holdPressed": "true", "callLabel": "On hold"})
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	time.Sleep(time.Second) // packets in flight at the re-INVITE drain
	h0, held0 := p.stats(t), time.Now()
	time.Sleep(1500 * time.Millisecond)
	h1, held1 := p.stats(t), time.Now()
	if d := h1.PacketsReceived - h0.PacketsReceived; d > 5 {
		t.Errorf("dialer received %d packets in 1.5 s on hold; the held phone should be silent", d)
	}
	if _, phoneSent := c.tap.count(held0, held1); phoneSent > 5 {
		t.Errorf("phone sent %d RTP packets in 1.5 s on hold", phoneSent)
	}

	// Resume with the same button: audio flows again both ways.
	m = ph.mark()
	p.click(t, "hold")
	resumed := time.Now()
	dwait(t, p, 5*time.Second, map[string]any{"holdPressed": "false", "callLabel": "In call"})
	ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
	r0 := p.stats(t)
	time.Sleep(1500 * time.Millisecond)
	r1 := p.stats(t)
	if in, out := r1.PacketsReceived-r0.PacketsReceived, r1.PacketsSent-r0.PacketsSent; in < 40 || out < 40 {
		t.Errorf("after resume the dialer received %d and sent %d packets in 1.5 s, want about 75 each", in, out)
	}
	c.browserHears(t, p, "dialer after resume")
	c.phoneWire(t, resumed.Add(300*time.Millisecond), "dialer after resume")

	// Hang up with the dialer's button.
	m = ph.mark()
	p.click(t, "hangup-button")
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "idle"})
	if !strings.HasPrefix(s.Message, "Call ended.") || s.MessageKind != "info" {
		t.Errorf("after hang-up the dialer says %q (%s)", s.Message, s.MessageKind)
	}
	c.phoneRecording(t, rec, "dialer call before hold")

	// A second call, hung up by the phone.
	if s.Number != "1001" {
		t.Errorf("the number field holds %q after the call, want 1001", s.Number)
	}
	m = ph.mark()
	p.click(t, "call-button")
	ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
	dwait(t, p, 10*time.Second, map[string]any{"call": "in-call"})
	c.flowing(t, p, 25)
	ph.command(t, "hangup", "")
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "idle"})
	if !strings.HasPrefix(s.Message, "1001 hung up.") {
		t.Errorf("after the phone hung up the dialer says %q", s.Message)
	}
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	dl.g.alive(t)
}

// phoneCalls has the phone call the dialer, which rings and is answered
// with its Answer button.
func (dl *dialerLab) phoneCalls(t *testing.T) {
	c, ph := dl.c, dl.ph
	p := dl.need(t)
	c.cleanCalls(t, p)
	rec := ph.recordings(t)
	m := ph.mark()
	ph.command(t, "dial", "sip:1004@"+dl.g.domain)
	s := dwait(t, p, 15*time.Second, map[string]any{"call": "incoming"})
	if s.Peer != "1001" || s.CallLabel != "Incoming call" {
		t.Errorf("ringing, the dialer shows %+v", s)
	}
	if ev := devents(t, p, "callgate:incoming"); len(ev) == 0 || ev[len(ev)-1].Detail.From != "1001" {
		t.Errorf("callgate:incoming events %+v, want one from 1001", ev)
	}
	dl.checkAxe(t, p, "ringing")
	p.screenshotOf(t, "callgate-dialer", c.shot(t, "g-dialer-incoming.png"))
	p.click(t, "answer-button")
	dwait(t, p, 10*time.Second, map[string]any{"call": "in-call"})
	established := time.Now()
	ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
	c.audioBothWays(t, p, established, "phone → dialer")
	m = ph.mark()
	p.click(t, "hangup-button")
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	dwait(t, p, 10*time.Second, map[string]any{"call": "idle"})
	c.phoneRecording(t, rec, "phone-to-dialer call")
	dl.g.alive(t)
}

// keyboardOnly reaches the number field with Tab, types, calls with Enter
// and hangs up with Escape: no mouse.
func (dl *dialerLab) keyboardOnly(t *testing.T) {
	c, ph := dl.c, dl.ph
	p := dl.need(t)
	c.cleanCalls(t, p)
	var top string
	p.call(t, 5*time.Second, &top, "focusTop")
	path := []string{top}
	for s := dstate(t, p); s.Focus != "number-input"; s = dstate(t, p) {
		if len(path) > 15 {
			t.Fatalf("15 Tab presses did not reach the number field; focus went %s", strings.Join(path, " → "))
		}
		p.press(t, "Tab")
		path = append(path, dstate(t, p).Focus)
	}
	t.Logf("Tab reaches the number field in %d presses: %s", len(path)-1, strings.Join(path, " → "))
	p.press(t, "Control+A")
	p.typeText(t, "1001")
	if s := dstate(t, p); s.Number != "1001" {
		t.Fatalf("typed 1001 but the number field holds %q", s.Number)
	}
	m := ph.mark()
	p.press(t, "Enter")
	ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
	s := dwait(t, p, 10*time.Second, map[string]any{"call": "in-call"})
	if s.Focus != "hangup-button" {
		t.Errorf("in call, keyboard focus is on %q, want the Hang up button", s.Focus)
	}
	c.flowing(t, p, 25)
	m = ph.mark()
	p.press(t, "Escape")
	ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
	s = dwait(t, p, 10*time.Second, map[string]any{"call": "idle"})
	if s.Focus != "number-input" {
		t.Errorf("after the call, keyboard focus is on %q, want the number field", s.Focus)
	}
	dl.g.alive(t)
}

// signToken returns a token username and password as a web site's backend
// mints them for callgate (b2bua/token.go): "<expiry>:<user>[:<numbers>]"
// and base64(HMAC-SHA256(secret, username)).
func signToken(secret, user string, expiry time.Time, numbers string) (string, string) {
	username := fmt.Sprintf("%d:%s", expiry.Unix(), user)
	if numbers != "" {
		username += ":" + numbers
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// tokenPath is "/" with token credentials in the fragment.
func tokenPath(username, token string) string {
	return "/#" + url.Values{"user": {username}, "token": {token}}.Encode()
}

// tokens signs the dialer in with short-lived tokens: a valid one
// registers; an expired and a forged one are refused with 403 and
// explained; one limited to another number cannot call the phone.
func (dl *dialerLab) tokens(t *testing.T) {
	ph := dl.ph
	now := time.Now()

	u, tok := signToken(tokenSecret, "1100", now.Add(10*time.Minute), "")
	p := dl.open(t, "token-valid", tokenPath(u, tok))
	s := dwait(t, p, 15*time.Second, map[string]any{"registration": "registered"})
	if s.RegText != "Online as 1100" || s.Account != "1100" {
		t.Errorf("signed in with a token, the page shows %+v", s)
	}
	p.close(t)

	refused := func(name, username, token, wantCode, wantText string) dialerState {
		t.Helper()
		p := dl.open(t, name, tokenPath(username, token))
		defer p.close(t)
		s := dwait(t, p, 15*time.Second, map[string]any{"registration": "failed"})
		if s.Message != wantText || s.MessageKind != "error" {
			t.Errorf("%s: the dialer says %q (%s), want %q", name, s.Message, s.MessageKind, wantText)
		}
		ev := devents(t, p, "callgate:error")
		if len(ev) != 1 || ev[0].Detail.Code != wantCode || ev[0].Detail.SIPCode != 403 {
			t.Errorf("%s: callgate:error events %+v, want one %s with SIP code 403", name, ev, wantCode)
		} else {
			t.Logf("%s: refused with %d, the dialer says %q", name, ev[0].Detail.SIPCode, s.Message)
		}
		if n := len(devents(t, p, "callgate:registered")); n != 0 {
			t.Errorf("%s: the dialer reported %d registrations", name, n)
		}
		return s
	}
	u, tok = signToken(tokenSecret, "1101", now.Add(-2*time.Minute), "")
	refused("token-expired", u, tok, "token-expired", "Your access token has expired. Reload the page to get a new one.")
	u, tok = signToken("not-the-gateway-secret-0123", "1102", now.Add(10*time.Minute), "")
	s = refused("token-forged", u, tok, "forbidden", "The gateway refused the access token.")
	if !s.LoginShown || s.LoginError != "The gateway refused the access token." {
		t.Errorf("after a forged token the page shows the sign-in form %v with %q", s.LoginShown, s.LoginError)
	}

	// Allowed to call 1002 only: calling the phone (1001) is refused by
	// callgate with 403 Destination Not Allowed and never reaches it.
	u, tok = signToken(tokenSecret, "1103", now.Add(10*time.Minute), "1002")
	p = dl.open(t, "token-limited", tokenPath(u, tok))
	defer p.close(t)
	dwait(t, p, 15*time.Second, map[string]any{"registration": "registered"})
	m := ph.mark()
	p.click(t, "number-input")
	p.typeText(t, "1001")
	p.click(t, "call-button")
	var ended dialerEvent
	p.call(t, 15*time.Second, &ended, "waitEvent", "callgate:ended", 10000)
	s = dwait(t, p, 5*time.Second, map[string]any{"call": "idle"})
	if code, _ := ended.Detail.Code.(float64); code != 403 || ended.Detail.Reason != "Destination Not Allowed" {
		t.Errorf("the call ended with %v %q (%s), want 403 Destination Not Allowed", ended.Detail.Code, ended.Detail.Reason, ended.Detail.Cause)
	}
	if want := "Your access does not allow calling 1001."; s.Message != want || s.MessageKind != "error" {
		t.Errorf("refused call: the dialer says %q (%s), want %q", s.Message, s.MessageKind, want)
	}
	if ev := devents(t, p, "callgate:error"); len(ev) != 1 || ev[0].Detail.Code != "not-allowed" || ev[0].Detail.SIPCode != 403 {
		t.Errorf("refused call: callgate:error events %+v, want one not-allowed with SIP code 403", ev)
	}
	if s.Registration != "registered" || s.LoginShown {
		t.Errorf("a refused call must leave the dialer signed in; it shows %+v", s)
	}
	t.Logf("limited token: the call to 1001 ended with %v %s; the dialer says %q", ended.Detail.Code, ended.Detail.Reason, s.Message)
	if types := ph.eventTypes(m); slices.Contains(types, "CALL_INCOMING") {
		t.Errorf("the phone was called anyway: %v", types)
	}
	dl.g.alive(t)
}

// probePath is where buildPages puts the bundled probe.
func probePath(www string) string { return filepath.Join(www, "dialer-probe.bundle.js") }
