package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	browserTone = 440.0  // Hz, the browser's fake microphone
	phoneTone   = 1000.0 // Hz, what baresip plays
)

// TestBrowserPhoneCalls runs callgate between a headless Chromium and a
// baresip desk phone, each in a network namespace of its own, and proves
// calls both ways with audio checked by frequency at both ends.
func TestBrowserPhoneCalls(t *testing.T) {
	began := time.Now()
	e := requireEnv(t)
	dir := t.TempDir()
	art := artifactDir(t)
	bin := buildCallgate(t, e, dir)
	www := buildPages(t, e, dir)
	l := newLab(t)
	t.Logf("lab: %s", l)
	g := startGateway(t, bin, dir, l)
	pages := servePages(t, l, www)
	ph := startPhone(t, dir, l, g)
	tap, err := startRTPTap(l.ph.ns, l.ph.ip, phoneRTPMin, phoneRTPMax)
	if err != nil {
		t.Fatalf("RTP capture on the phone: %v", err)
	}
	t.Cleanup(tap.Close)
	// A second line in the phone namespace, with a tone of its own: the
	// party a transfer joins the desk phone with.
	ph2 := startPhoneLine(t, dir, l, g, secondPhone)
	tap2, err := startRTPTap(l.ph.ns, l.ph.ip, secondPhone.rtpMin, secondPhone.rtpMax)
	if err != nil {
		t.Fatalf("RTP capture on the second line: %v", err)
	}
	t.Cleanup(tap2.Close)
	mic := filepath.Join(dir, "browser-440hz.wav")
	if err := writeToneWAV(mic, browserTone, 48000, 10); err != nil {
		t.Fatal(err)
	}
	dialer := fmt.Sprintf("http://%s:%d", g.ip, httpPort)
	br := startChromium(t, e, l, dir, mic, []string{dialer, pages})
	t.Logf("set up in %v: callgate %s, pages %s", time.Since(began).Round(time.Millisecond), g.websocket, pages)

	js := br.open(t, "jssip", pages+"/jssip.html", true)
	js.call(t, 20*time.Second, nil, "register", account(g, "1000"))
	phoneURI := "sip:1001@" + g.domain

	c := &checker{g: g, ph: ph, tap: tap, art: art}

	t.Run("a_browser_calls_phone", func(t *testing.T) {
		c.cleanCalls(t, js)
		rec := ph.recordings(t)
		m := ph.mark()
		js.call(t, 20*time.Second, nil, "call", phoneURI)
		established := time.Now()
		if ev := ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second); !strings.Contains(ev.Peer, "1000@") {
			t.Errorf("phone answered a call from %q, want user 1000", ev.Peer)
		}
		c.audioBothWays(t, js, established, "JsSIP → phone")
		js.screenshot(t, c.shot(t, "a-jssip-calls-phone.png"))

		// In-call DTMF: SIP INFO (JsSIP's default) and RFC 4733 through
		// RTCDTMFSender. callgate may hand the phone either form; baresip
		// logs each digit ("received DTMF" for INFO, "received event" for
		// RFC 4733) and reports it on ctrl_tcp.
		m, logMark := ph.mark(), ph.proc.out.Len()
		js.call(t, 15*time.Second, nil, "dtmf", "159", "INFO")
		js.call(t, 15*time.Second, nil, "dtmf", "4#", "RFC2833")
		ph.proc.out.waitFor(t, logMark, 10*time.Second, "digits 1 5 9 4 # in baresip's log", func(s string) bool {
			for _, d := range "1594#" {
				if !strings.Contains(s, fmt.Sprintf("received DTMF: '%c'", d)) && !strings.Contains(s, fmt.Sprintf("received event: '%c'", d)) {
					return false
				}
			}
			return true
		})
		if got, want := ph.eventParams(m, "CALL_DTMF_START"), []string{"1", "5", "9", "4", "#"}; !slices.Equal(got, want) {
			t.Errorf("phone's DTMF events %q, want %q", got, want)
		}

		// Hold: the browser re-offers sendonly, the phone answers
		// recvonly and stops sending; the browser keeps sending silence.
		m = ph.mark()
		js.call(t, 15*time.Second, nil, "hold")
		ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
		if s := js.state(t); !s.Held || s.Call != "confirmed" {
			t.Fatalf("after hold the page shows %+v", s)
		}
		time.Sleep(time.Second) // packets in flight at the re-INVITE drain
		h0, held0 := js.stats(t), time.Now()
		time.Sleep(1500 * time.Millisecond)
		h1, held1 := js.stats(t), time.Now()
		if d := h1.PacketsReceived - h0.PacketsReceived; d > 5 {
			t.Errorf("browser received %d packets in 1.5 s on hold; the held phone should be silent", d)
		}
		_, phoneSent := tap.count(held0, held1)
		if phoneSent > 5 {
			t.Errorf("phone sent %d RTP packets in 1.5 s on hold", phoneSent)
		}

		// Resume: audio flows again both ways. baresip's recorder stops at
		// a re-INVITE, so the phone's side is checked on the wire.
		m = ph.mark()
		js.call(t, 15*time.Second, nil, "unhold")
		resumed := time.Now()
		ph.waitEvent(t, m, "CALL_REMOTE_SDP", 5*time.Second)
		if s := js.state(t); s.Held {
			t.Fatalf("after unhold the page shows %+v", s)
		}
		r0 := js.stats(t)
		time.Sleep(1500 * time.Millisecond)
		r1 := js.stats(t)
		if in, out := r1.PacketsReceived-r0.PacketsReceived, r1.PacketsSent-r0.PacketsSent; in < 40 || out < 40 {
			t.Errorf("after resume the browser received %d and sent %d packets in 1.5 s, want about 75 each", in, out)
		}
		if r1.TotalAudioEnergy <= r0.TotalAudioEnergy {
			t.Errorf("after resume totalAudioEnergy stayed at %v", r1.TotalAudioEnergy)
		}
		c.browserHears(t, js, "after resume")
		c.phoneWire(t, resumed.Add(300*time.Millisecond), "after resume")

		// Hang-up from the browser.
		m = ph.mark()
		cause := c.hangup(t, js)
		ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
		t.Logf("browser hung up: %s", cause)
		c.phoneRecording(t, rec, "before hold")

		// Another call, hung up by the phone.
		m = ph.mark()
		js.call(t, 20*time.Second, nil, "call", phoneURI)
		ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
		c.flowing(t, js, 25)
		ph.command(t, "hangup", "")
		var ended string
		js.call(t, 15*time.Second, &ended, "waitEnded", 10000)
		if !strings.HasPrefix(ended, "remote") {
			t.Errorf("page says the call ended by %q, want the remote side", ended)
		}
		ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
		g.alive(t)
	})

	t.Run("b_phone_calls_browser", func(t *testing.T) {
		c.cleanCalls(t, js)
		rec := ph.recordings(t)
		m := ph.mark()
		ph.command(t, "dial", "sip:1000@"+g.domain)
		js.call(t, 30*time.Second, nil, "answer", 15000)
		established := time.Now()
		ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second)
		if s := js.state(t); !strings.Contains(s.Peer, "1001@") {
			t.Errorf("page shows a call from %q, want user 1001", s.Peer)
		}
		c.audioBothWays(t, js, established, "phone → JsSIP")
		js.screenshot(t, c.shot(t, "b-phone-calls-jssip.png"))
		m = ph.mark()
		c.hangup(t, js)
		ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
		c.phoneRecording(t, rec, "phone-to-browser call")
		g.alive(t)
	})

	t.Run("c_sipjs_calls_phone", func(t *testing.T) {
		sj := br.open(t, "sipjs", pages+"/sipjs.html", true)
		sj.call(t, 20*time.Second, nil, "register", account(g, "1002"))
		c.cleanCalls(t, sj)
		rec := ph.recordings(t)
		m := ph.mark()
		sj.call(t, 20*time.Second, nil, "call", phoneURI)
		established := time.Now()
		if ev := ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second); !strings.Contains(ev.Peer, "1002@") {
			t.Errorf("phone answered a call from %q, want user 1002", ev.Peer)
		}
		c.audioBothWays(t, sj, established, "SIP.js → phone")
		sj.screenshot(t, c.shot(t, "c-sipjs-calls-phone.png"))
		m = ph.mark()
		c.hangup(t, sj)
		ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
		c.phoneRecording(t, rec, "SIP.js call")
		sj.call(t, 10*time.Second, nil, "stop")
		g.alive(t)
	})

	t.Run("d_firefox_calls_phone", func(t *testing.T) {
		// Firefox ESR over WebDriver BiDi, its fake microphone at 440 Hz,
		// running the same JsSIP page.
		ff := requireFirefox(t, e)
		fb := startFirefox(t, e, l, dir, ff, int(browserTone), g.ip)
		fp := fb.open(t, "firefox", pages+"/jssip.html", true)
		fp.call(t, 20*time.Second, nil, "register", account(g, "1003"))
		c.cleanCalls(t, fp)
		rec := ph.recordings(t)
		m := ph.mark()
		fp.call(t, 20*time.Second, nil, "call", phoneURI)
		established := time.Now()
		if ev := ph.waitEvent(t, m, "CALL_ESTABLISHED", 10*time.Second); !strings.Contains(ev.Peer, "1003@") {
			t.Errorf("phone answered a call from %q, want user 1003", ev.Peer)
		}
		c.audioBothWays(t, fp, established, "Firefox JsSIP → phone")
		fp.screenshot(t, c.shot(t, "d-firefox-calls-phone.png"))
		m = ph.mark()
		c.hangup(t, fp)
		ph.waitEvent(t, m, "CALL_CLOSED", 10*time.Second)
		c.phoneRecording(t, rec, "Firefox call")
		fp.call(t, 10*time.Second, nil, "stop")
		g.alive(t)
	})

	t.Run("e_dialer_page_accessibility", func(t *testing.T) {
		// callgate's own page served from the binary, before sign-in: it
		// must load and pass axe-core's serious rules.
		p := br.open(t, "dialer", dialer+"/", false)
		var serious []string
		for _, v := range p.axe(t) {
			line := fmt.Sprintf("%s (%s, %d nodes): %s", v.ID, v.Impact, v.Nodes, v.Help)
			if v.Impact == "serious" || v.Impact == "critical" {
				serious = append(serious, line)
			} else {
				t.Logf("axe: %s", line)
			}
		}
		if len(serious) > 0 {
			t.Errorf("axe-core finds on %s/:\n  %s", dialer, strings.Join(serious, "\n  "))
		}
		p.screenshot(t, c.shot(t, "e-dialer-page.png"))
	})

	// callgate's own dialer page and its <callgate-dialer>, in Chromium,
	// with the baresip phone.
	dl := &dialerLab{c: c, br: br, g: g, ph: ph, base: dialer, probe: probePath(www), js: js, ph2: ph2, tap2: tap2}
	t.Run("f_dialer_calls_phone", dl.callsPhone)
	t.Run("g_phone_calls_dialer", dl.phoneCalls)
	t.Run("h_dialer_keyboard_only", dl.keyboardOnly)
	t.Run("i_dialer_tokens", dl.tokens)
	t.Run("j_dialer_call_waiting", dl.callWaiting)
	t.Run("k_dialer_attended_transfer", dl.attendedTransfer)
	t.Run("l_dialer_blind_transfer", dl.blindTransfer)
	if dl.main != nil {
		dl.main.close(t)
	}

	js.call(t, 10*time.Second, nil, "stop")
	t.Logf("whole end-to-end run: %v", time.Since(began).Round(time.Millisecond))
}

// account is the register() argument for a page registering as user.
func account(g *gateway, user string) map[string]string {
	return map[string]string{"ws": g.websocket, "uri": "sip:" + user + "@" + g.domain, "password": users[user]}
}

// checker holds what the audio checks look at.
type checker struct {
	g   *gateway
	ph  *phone
	tap *rtpTap
	art string
}

// shot returns where to save a screenshot, and says so in the log.
func (c *checker) shot(t *testing.T, name string) string {
	p := filepath.Join(c.art, name)
	t.Logf("screenshot: %s", p)
	return p
}

// flowing waits until the page has sent and received at least n packets.
func (c *checker) flowing(t *testing.T, p *page, n int) rtpStats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := p.stats(t)
		if s.PacketsReceived >= n && s.PacketsSent >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("audio is not flowing after 10 s: %+v", s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// audioBothWays proves the call's media: the browser hears the phone's
// tone (WebAudio and getStats) and the phone hears the browser's (RTP on
// the phone's wire, decoded).
func (c *checker) audioBothWays(t *testing.T, p *page, established time.Time, label string) {
	t.Helper()
	s := c.flowing(t, p, 75)
	if s.TotalAudioEnergy <= 0 {
		t.Errorf("%s: inbound-rtp totalAudioEnergy %v", label, s.TotalAudioEnergy)
	}
	t.Logf("%s: codec %s, received %d packets, sent %d, totalAudioEnergy %.3f", label, s.Codec, s.PacketsReceived, s.PacketsSent, s.TotalAudioEnergy)
	c.browserHears(t, p, label)
	c.phoneWire(t, established.Add(300*time.Millisecond), label)
}

// browserHears checks the page's analyser for the phone's 1000 Hz tone.
func (c *checker) browserHears(t *testing.T, p *page, label string) {
	t.Helper()
	r := p.tone(t, 1500)
	if math.Abs(r.PeakHz-phoneTone) > 2*r.ResolutionHz+5 || r.Db1000-r.Db440 < 20 {
		t.Errorf("%s: browser hears peak %.1f Hz (%.1f dB; 1000 Hz %.1f dB, 440 Hz %.1f dB; %s), want %v Hz", label, r.PeakHz, r.PeakDb, r.Db1000, r.Db440, r.Method, phoneTone)
		return
	}
	t.Logf("%s: browser hears %.1f Hz at %.1f dB, 440 Hz at %.1f dB (%s)", label, r.PeakHz, r.PeakDb, r.Db440, r.Method)
}

// phoneWire decodes the G.711 RTP on the phone's interface since t0: the
// phone must receive the browser's tone and send its own.
func (c *checker) phoneWire(t *testing.T, t0 time.Time, label string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		in, nIn := c.tap.since(t0, false)
		out, nOut := c.tap.since(t0, true)
		if nIn >= 50 && nOut >= 50 {
			if err := heard(dominant(in, 8000), browserTone); err != nil {
				t.Errorf("%s: RTP to the phone: %v", label, err)
			}
			if err := heard(dominant(out, 8000), phoneTone); err != nil {
				t.Errorf("%s: RTP from the phone: %v", label, err)
			}
			t.Logf("%s: on the phone's wire: in %s, out %s", label, dominant(in, 8000), dominant(out, 8000))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: phone's wire carried %d packets in and %d out since the call began", label, nIn, nOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// phoneRecording checks the newest recording of what the phone heard.
func (c *checker) phoneRecording(t *testing.T, before time.Time, label string) {
	t.Helper()
	path := c.ph.newRecording(t, before)
	samples, rate, err := readWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	// Skip the first 300 ms: the jitter buffer starts with silence.
	if skip := rate * 3 / 10; len(samples) > skip {
		samples = samples[skip:]
	}
	sp := dominant(samples, rate)
	if err := heard(sp, browserTone); err != nil {
		t.Errorf("%s: phone's recording %s: %v", label, filepath.Base(path), err)
		return
	}
	t.Logf("%s: phone's recording: %s", label, sp)
}

// cleanCalls makes sure that a subtest failing half way leaves no call
// behind for the next one.
func (c *checker) cleanCalls(t *testing.T, pages ...*page) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range pages {
			if err := p.callErr(t, 15*time.Second, "hangup"); err != nil {
				t.Logf("clean-up hang-up on %s: %v", p.name, err)
			}
		}
		_, _ = c.ph.commandErr("hangup", "")
		time.Sleep(500 * time.Millisecond)
	})
}

// hangup ends the page's call and checks the page saw it end.
func (c *checker) hangup(t *testing.T, p *page) string {
	t.Helper()
	var cause string
	p.call(t, 15*time.Second, &cause, "hangup")
	if s := p.state(t); s.Call != "ended" {
		t.Errorf("after hang-up the page shows %+v", s)
	}
	return cause
}
