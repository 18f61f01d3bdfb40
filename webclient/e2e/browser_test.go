package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is driver.mjs running Chromium in the browser namespace; the
// test sends it one JSON command per line and reads one answer per line.
type browser struct {
	proc  *proc
	ready chan struct{} // closed by the driver's greeting (id 0)

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan driverReply
	readErr error
}

type driverReply struct {
	ID     int             `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// startChromium launches Chromium through the driver with the GUIDE's
// headless media recipe: a fake microphone playing micWAV, autoplay
// without a gesture, and the plain-HTTP origins treated as secure so that
// getUserMedia works.
func startChromium(t *testing.T, e *env, l *lab, dir, micWAV string, secureOrigins []string) *browser {
	t.Helper()
	return startDriver(t, e, l, "chromium", map[string]any{
		"browser":        "chromium",
		"executablePath": e.chromium,
		"userDataDir":    filepath.Join(dir, "chromium-profile"),
		"args": []string{
			"--no-sandbox",
			"--use-fake-ui-for-media-stream",
			"--use-fake-device-for-media-stream",
			"--use-file-for-fake-audio-capture=" + micWAV,
			"--autoplay-policy=no-user-gesture-required",
			"--disable-background-networking",
			"--no-first-run",
			"--unsafely-treat-insecure-origin-as-secure=" + strings.Join(secureOrigins, ","),
		},
	})
}

// startFirefox launches Firefox ESR through puppeteer-core over WebDriver
// BiDi. Its fake microphone plays a sine of micHz; secureHost is treated
// as a secure context so that getUserMedia works over plain HTTP.
func startFirefox(t *testing.T, e *env, l *lab, dir, firefox string, micHz int, secureHost string) *browser {
	t.Helper()
	return startDriver(t, e, l, "firefox", map[string]any{
		"browser":        "firefox",
		"executablePath": firefox,
		"userDataDir":    filepath.Join(dir, "firefox-profile"),
		"prefs": map[string]any{
			"media.navigator.streams.fake":                      true,
			"media.navigator.permission.disabled":               true,
			"media.navigator.audio.fake_frequency":              micHz,
			"dom.securecontext.allowlist":                       secureHost,
			"media.devices.insecure.enabled":                    true,
			"media.getusermedia.insecure.enabled":               true,
			"media.autoplay.default":                            0,
			"media.autoplay.block-webaudio":                     false,
			"media.peerconnection.ice.obfuscate_host_addresses": false,
		},
	})
}

// startDriver runs driver.mjs in the browser namespace with opts.
func startDriver(t *testing.T, e *env, l *lab, name string, opts map[string]any) *browser {
	t.Helper()
	opts["axePath"] = filepath.Join(e.e2eDir, "node_modules", "axe-core", "axe.min.js")
	raw, _ := json.Marshal(opts)
	pr, pw := io.Pipe()
	b := &browser{waiting: map[int]chan driverReply{}, ready: make(chan struct{})}
	b.proc = startProc(t, name+" driver", l.br.ns, pw, true, e.node, filepath.Join(e.e2eDir, "driver.mjs"), string(raw))
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		b.readReplies(pr)
	}()
	t.Cleanup(func() {
		// Ask the driver to close Chromium; proc's own cleanup (registered
		// earlier, so run later) kills whatever is left.
		_, _ = io.WriteString(b.proc.stdin, `{"op":"quit"}`+"\n")
		select {
		case <-b.proc.done:
		case <-time.After(15 * time.Second):
			t.Errorf("driver did not quit within 15 s")
			b.proc.stop(t)
		}
		_ = pw.Close()
		<-readDone
	})
	select {
	case <-b.ready:
	case <-b.proc.done:
		t.Fatalf("the driver ended before %s was up: %v", name, b.proc.exitError())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within 60 s", name)
	}
	return b
}

// readReplies hands each answer line to the command waiting for it.
func (b *browser) readReplies(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rep driverReply
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			b.proc.out.Write([]byte("unparsed driver output: " + sc.Text() + "\n"))
			continue
		}
		if rep.ID == 0 {
			close(b.ready)
			continue
		}
		b.mu.Lock()
		ch := b.waiting[rep.ID]
		delete(b.waiting, rep.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
	b.mu.Lock()
	b.readErr = fmt.Errorf("driver output ended: %v", sc.Err())
	for id, ch := range b.waiting {
		close(ch)
		delete(b.waiting, id)
	}
	b.mu.Unlock()
}

// do sends cmd and waits up to timeout for its answer.
func (b *browser) do(t *testing.T, timeout time.Duration, cmd map[string]any) (json.RawMessage, error) {
	t.Helper()
	ch := make(chan driverReply, 1)
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return nil, b.readErr
	}
	b.nextID++
	id := b.nextID
	b.waiting[id] = ch
	cmd["id"] = id
	line, _ := json.Marshal(cmd)
	// Written under the lock: lines from concurrent commands never mix.
	_, err := b.proc.stdin.Write(append(line, '\n'))
	b.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("driver stdin: %w", err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case rep, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("driver ended before answering %v (%v)", cmd["op"], b.proc.exitError())
		}
		if !rep.OK {
			return nil, fmt.Errorf("%v %v: %s", cmd["op"], cmd["fn"], rep.Error)
		}
		return rep.Result, nil
	case <-timer.C:
		b.mu.Lock()
		delete(b.waiting, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("%v %v: no answer within %v", cmd["op"], cmd["fn"], timeout)
	}
}

// must runs cmd and fails the test on error, decoding the result into out
// when out is not nil.
func (b *browser) must(t *testing.T, timeout time.Duration, cmd map[string]any, out any) {
	t.Helper()
	raw, err := b.do(t, timeout, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%v result %s: %v", cmd["op"], raw, err)
		}
	}
}

// page is one tab of the browser with a window.cg test page.
type page struct {
	b    *browser
	name string
}

// open loads url in a new tab called name; with cg it waits for the
// page's window.cg API. The scripts at the init paths run in the page
// before its own.
func (b *browser) open(t *testing.T, name, url string, cg bool, init ...string) *page {
	t.Helper()
	if init == nil {
		init = []string{}
	}
	b.must(t, 30*time.Second, map[string]any{"op": "open", "page": name, "url": url, "cg": cg, "init": init}, nil)
	return &page{b: b, name: name}
}

// call runs window.cg[fn](args...) in the page and decodes its result.
func (p *page) call(t *testing.T, timeout time.Duration, out any, fn string, args ...any) {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	p.b.must(t, timeout, map[string]any{"op": "eval", "page": p.name, "fn": fn, "args": args}, out)
}

// callErr is call returning the error instead of failing.
func (p *page) callErr(t *testing.T, timeout time.Duration, fn string, args ...any) error {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	_, err := p.b.do(t, timeout, map[string]any{"op": "eval", "page": p.name, "fn": fn, "args": args})
	return err
}

// screenshot saves the page as a PNG at path.
func (p *page) screenshot(t *testing.T, path string) {
	t.Helper()
	p.b.must(t, 15*time.Second, map[string]any{"op": "screenshot", "page": p.name, "path": path}, nil)
}

// screenshotOf saves the element matching the CSS selector as a PNG.
func (p *page) screenshotOf(t *testing.T, selector, path string) {
	t.Helper()
	p.b.must(t, 15*time.Second, map[string]any{"op": "screenshot", "page": p.name, "path": path, "selector": selector}, nil)
}

// click clicks the element whose data-testid is id with the mouse, inside
// open shadow roots too (Chromium only).
func (p *page) click(t *testing.T, id string) {
	t.Helper()
	p.b.must(t, 15*time.Second, map[string]any{"op": "click", "page": p.name, "selector": fmt.Sprintf("[data-testid=%q]", id)}, nil)
}

// press presses one key ("Tab", "Enter", "Escape", "Control+A") on the
// focused element (Chromium only).
func (p *page) press(t *testing.T, key string) {
	t.Helper()
	p.b.must(t, 5*time.Second, map[string]any{"op": "press", "page": p.name, "key": key}, nil)
}

// typeText types text key by key into the focused element (Chromium only).
func (p *page) typeText(t *testing.T, text string) {
	t.Helper()
	p.b.must(t, 10*time.Second, map[string]any{"op": "type", "page": p.name, "text": text}, nil)
}

// close closes the tab; a failure is only logged, so that close can run
// in a deferred clean-up.
func (p *page) close(t *testing.T) {
	t.Helper()
	if _, err := p.b.do(t, 10*time.Second, map[string]any{"op": "close", "page": p.name}); err != nil {
		t.Logf("closing tab %s: %v", p.name, err)
	}
}

// axeViolation is one axe-core rule the page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// axe runs axe-core on the page.
func (p *page) axe(t *testing.T) []axeViolation {
	t.Helper()
	var v []axeViolation
	p.b.must(t, 30*time.Second, map[string]any{"op": "axe", "page": p.name}, &v)
	return v
}

// pageState mirrors the page's state object (pages/common.js).
type pageState struct {
	Library    string   `json:"library"`
	Registered bool     `json:"registered"`
	Call       string   `json:"call"`
	Peer       string   `json:"peer"`
	Cause      string   `json:"cause"`
	Held       bool     `json:"held"`
	Calls      int      `json:"calls"`
	Errors     []string `json:"errors"`
}

// rtpStats mirrors rtpStats() in pages/common.js.
type rtpStats struct {
	PacketsReceived  int     `json:"packetsReceived"`
	BytesReceived    int     `json:"bytesReceived"`
	TotalAudioEnergy float64 `json:"totalAudioEnergy"`
	AudioLevel       float64 `json:"audioLevel"`
	PacketsSent      int     `json:"packetsSent"`
	Codec            string  `json:"codec"`
	ConnectionState  string  `json:"connectionState"`
}

// toneReport mirrors tone() in pages/common.js.
type toneReport struct {
	Method       string  `json:"method"`
	ResolutionHz float64 `json:"resolutionHz"`
	Frames       int     `json:"frames"`
	SampleRate   float64 `json:"sampleRate"`
	PeakHz       float64 `json:"peakHz"`
	PeakDb       float64 `json:"peakDb"`
	Db440        float64 `json:"db440"`
	Db1000       float64 `json:"db1000"`
}

func (p *page) state(t *testing.T) pageState {
	t.Helper()
	var s pageState
	p.call(t, 5*time.Second, &s, "state")
	return s
}

func (p *page) stats(t *testing.T) rtpStats {
	t.Helper()
	var s rtpStats
	p.call(t, 5*time.Second, &s, "stats")
	return s
}

func (p *page) tone(t *testing.T, ms int) toneReport {
	t.Helper()
	var r toneReport
	// The slack covers a page whose timers run late on a busy machine
	// (every package's tests run at once under make test); it bounds the
	// wait, the page itself listens for ms.
	p.call(t, time.Duration(ms)*time.Millisecond+15*time.Second, &r, "tone", ms)
	return r
}
