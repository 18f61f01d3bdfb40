package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	phoneRTPMin = 30000 // baresip's RTP port range, watched by the tap
	phoneRTPMax = 30099
	ctrlAddr    = "127.0.0.1:4444" // ctrl_tcp, on the phone namespace's loopback
)

// phoneLine is what tells one baresip process from another in the phone
// namespace: its user, SIP port, ctrl_tcp address, RTP ports and tone.
type phoneLine struct {
	name           string // process name and folder names
	user           string
	sipPort        int
	ctrl           string
	rtpMin, rtpMax int
	toneHz         float64
}

// deskPhone is the phone every subtest uses: 1001, playing 1000 Hz.
var deskPhone = phoneLine{name: "baresip", user: "1001", sipPort: 5060, ctrl: ctrlAddr, rtpMin: phoneRTPMin, rtpMax: phoneRTPMax, toneHz: phoneTone}

// phone is baresip 1.0 as a desk phone: registered over UDP (as 1001 for
// deskPhone), answering automatically, playing a tone, recording what it
// hears, and driven through ctrl_tcp.
type phone struct {
	line   phoneLine
	proc   *proc
	recDir string
	ctrl   net.Conn

	mu      sync.Mutex
	events  []phoneEvent
	changed chan struct{}
	replies chan ctrlReply
	seq     int
}

// phoneEvent is one ctrl_tcp event, e.g. CALL_ESTABLISHED.
type phoneEvent struct {
	Type    string `json:"type"`
	Class   string `json:"class"`
	Peer    string `json:"peeruri"`
	Param   string `json:"param"`
	ID      string `json:"id"`
	Account string `json:"accountaor"`
}

type ctrlReply struct {
	OK    bool   `json:"ok"`
	Data  string `json:"data"`
	Token string `json:"token"`
}

// startPhone starts deskPhone; it returns once the phone is registered.
func startPhone(t *testing.T, dir string, l *lab, g *gateway) *phone {
	t.Helper()
	return startPhoneLine(t, dir, l, g, deskPhone)
}

// startPhoneLine writes baresip's configuration for line and starts it in
// the phone namespace; it returns once the phone is registered.
func startPhoneLine(t *testing.T, dir string, l *lab, g *gateway, line phoneLine) *phone {
	t.Helper()
	conf := filepath.Join(dir, line.name)
	rec := filepath.Join(dir, line.name+"-recordings")
	if line == deskPhone {
		rec = filepath.Join(dir, "recordings")
	}
	for _, d := range []string{conf, rec} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// aufile ends the call when the file runs out: two minutes is more
	// than any call here lasts.
	tone := filepath.Join(dir, fmt.Sprintf("phone-%.0fhz.wav", line.toneHz))
	if err := writeToneWAV(tone, line.toneHz, 8000, 120); err != nil {
		t.Fatal(err)
	}
	config := strings.Join([]string{
		"poll_method epoll",
		fmt.Sprintf("sip_listen %s:%d", l.ph.ip, line.sipPort),
		"sip_trans_def udp",
		"audio_source aufile," + tone,
		// baresip 1.0 has no file player; the sndfile filter records the
		// decoded audio before the (absent) player.
		"audio_player aufile,none",
		"ausrc_srate 8000",
		"auplay_srate 8000",
		"ausrc_channels 1",
		"auplay_channels 1",
		fmt.Sprintf("rtp_ports %d-%d", line.rtpMin, line.rtpMax),
		"module_path /usr/lib/baresip/modules",
		"module g711.so",
		"module aufile.so",
		"module sndfile.so",
		"module_app account.so",
		"module_app ctrl_tcp.so",
		// menu provides the dial, accept and hangup commands of ctrl_tcp.
		"module_app menu.so",
		"ctrl_tcp_listen " + line.ctrl,
		"snd_path " + rec,
		"",
	}, "\n")
	account := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;regint=300;answermode=auto\n", line.user, g.domain, users[line.user])
	for name, body := range map[string]string{"config": config, "accounts": account, "contacts": ""} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The phone's first REGISTER must not meet a link still coming up:
	// baresip waits long before retrying a failed one. The test's own page
	// server on the gateway's address answers once the link is up.
	waitReachable(t, l.ph.ns, fmt.Sprintf("%s:%d", g.ip, pagePort))
	p := &phone{line: line, recDir: rec, changed: make(chan struct{}), replies: make(chan ctrlReply, 8)}
	p.proc = startProc(t, line.name, l.ph.ns, nil, false, "baresip", "-v", "-f", conf)
	p.proc.out.waitFor(t, 0, 15*time.Second, "registration of "+line.user, func(s string) bool {
		return strings.Contains(s, "200 OK (callgate)")
	})
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.ctrl, err = dialIn(l.ph.ns, line.ctrl)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("baresip ctrl_tcp: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.readCtrl()
	}()
	t.Cleanup(func() { _ = p.ctrl.Close(); <-done })
	return p
}

// readCtrl reads netstrings ("len:json,") of events and replies.
func (p *phone) readCtrl() {
	r := bufio.NewReader(p.ctrl)
	for {
		head, err := r.ReadString(':')
		if err != nil {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(head, ":")))
		if err != nil || n < 0 || n > 1<<20 {
			return
		}
		body := make([]byte, n+1)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m struct {
			Event    bool `json:"event"`
			Response bool `json:"response"`
			phoneEvent
			ctrlReply
		}
		if json.Unmarshal(body[:n], &m) != nil {
			continue
		}
		switch {
		case m.Event:
			p.mu.Lock()
			p.events = append(p.events, m.phoneEvent)
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		case m.Response:
			select {
			case p.replies <- m.ctrlReply:
			default:
			}
		}
	}
}

// command sends a ctrl_tcp command and waits for its reply; a refusal or
// a silence fails the test.
func (p *phone) command(t *testing.T, cmd, params string) string {
	t.Helper()
	data, err := p.commandErr(cmd, params)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// commandErr is command returning the error.
func (p *phone) commandErr(cmd, params string) (string, error) {
	p.mu.Lock()
	p.seq++
	token := fmt.Sprintf("t%d", p.seq)
	p.mu.Unlock()
	msg, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": token})
	_ = p.ctrl.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(p.ctrl, "%d:%s,", len(msg), msg); err != nil {
		return "", fmt.Errorf("ctrl_tcp %s: %w%s", cmd, err, p.gone())
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-p.replies:
			if r.Token != token {
				continue
			}
			if !r.OK {
				return r.Data, fmt.Errorf("baresip refused %s %s: %s", cmd, params, r.Data)
			}
			return r.Data, nil
		case <-timeout:
			return "", fmt.Errorf("baresip did not answer %s within 10 s%s", cmd, p.gone())
		}
	}
}

// gone says how baresip ended, if it has.
func (p *phone) gone() string {
	if err := p.proc.exitError(); err != nil {
		return "; " + err.Error()
	}
	return ""
}

// mark returns a position in the event list for waitEvent.
func (p *phone) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}

// waitEvent waits for an event of type typ after mark and returns it.
func (p *phone) waitEvent(t *testing.T, mark int, typ string, timeout time.Duration) phoneEvent {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for _, e := range p.events[min(mark, len(p.events)):] {
			if e.Type == typ {
				p.mu.Unlock()
				return e
			}
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("phone: no %s event within %v; events since mark: %v%s", typ, timeout, p.eventTypes(mark), p.gone())
			return phoneEvent{}
		}
	}
}

// eventParams returns the params of every typ event after mark.
func (p *phone) eventParams(mark int, typ string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events[min(mark, len(p.events)):] {
		if e.Type == typ {
			out = append(out, e.Param)
		}
	}
	return out
}

func (p *phone) eventTypes(mark int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events[min(mark, len(p.events)):] {
		out = append(out, e.Type)
	}
	return out
}

// recordings marks the moment before a call whose recording newRecording
// will look for. baresip names its files by the second, so a call that
// starts within the second another ended reuses (truncates) that file:
// the mark is a time, not a list of names.
func (p *phone) recordings(t *testing.T) time.Time {
	t.Helper()
	return time.Now()
}

// newRecording returns the decoder-side ("what the phone heard") WAV file
// written to last since the mark.
func (p *phone) newRecording(t *testing.T, since time.Time) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(p.recDir, "*-dec.wav"))
	if err != nil {
		t.Fatal(err)
	}
	var newest string
	var newestAt time.Time
	for _, n := range names {
		fi, err := os.Stat(n)
		if err != nil || fi.ModTime().Before(since) {
			continue
		}
		if newest == "" || fi.ModTime().After(newestAt) {
			newest, newestAt = n, fi.ModTime()
		}
	}
	if newest == "" {
		t.Fatalf("baresip wrote no *-dec.wav in %s since %s", p.recDir, since.Format("15:04:05.000"))
	}
	return newest
}

// waitReachable waits until a TCP connection from namespace ns to addr
// succeeds.
func waitReachable(t *testing.T, ns, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := dialIn(ns, addr)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s cannot reach %s: %v", ns, addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
