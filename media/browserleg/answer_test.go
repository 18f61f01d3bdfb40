package browserleg

import (
	"strings"
	"testing"

	"github.com/callgate/callgate/media"
)

// checkDescription asserts what every description toward a browser must
// carry (GUIDE §4).
func checkDescription(t *testing.T, e *Engine, desc string) sdpInfo {
	t.Helper()
	info, err := parseSDP(desc)
	if err != nil {
		t.Fatal(err)
	}
	if !info.iceLite {
		t.Error("no a=ice-lite")
	}
	if info.crypto {
		t.Error("a=crypto present")
	}
	if !strings.HasPrefix(info.bundle, "BUNDLE") || !strings.Contains(info.bundle, info.mid) {
		t.Errorf("bundle group %q does not hold mid %q", info.bundle, info.mid)
	}
	if !info.rtcpMux {
		t.Error("no a=rtcp-mux")
	}
	if got := "sha-256 " + strings.TrimPrefix(strings.ToUpper(info.fingerprint), "SHA-256 "); got != e.Fingerprint() {
		t.Errorf("fingerprint %q, engine has %q", info.fingerprint, e.Fingerprint())
	}
	var cands []string
	for _, l := range sdpLines(desc) {
		if strings.HasPrefix(l, "a=candidate:") {
			cands = append(cands, l)
		}
	}
	if len(cands) != 1 {
		t.Fatalf("want exactly one candidate, got %q", cands)
	}
	f := strings.Fields(cands[0])
	if f[2] != "udp" || f[4] != e.Addr().Addr().String() || f[5] != itoa(int(e.Addr().Port())) || f[7] != "host" {
		t.Errorf("candidate %q is not the mux's host candidate %v", cands[0], e.Addr())
	}
	return info
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func TestAnswerFlow(t *testing.T) {
	e := newTestEngine(t, Config{})
	br := newTestBrowser(t)
	offer := br.offer("", nil)
	offerInfo, err := parseSDP(offer)
	if err != nil {
		t.Fatal(err)
	}
	if len(offerInfo.codecs) != 6 {
		t.Fatalf("test browser offers %d formats, want Chrome's 6: %v", len(offerInfo.codecs), offerInfo.codecs)
	}

	leg, answer, err := e.Answer(testCtx(t), offer, pcmu, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	t.Logf("answer:\n%s", answer)

	info := checkDescription(t, e, answer)
	if info.mid != offerInfo.mid {
		t.Errorf("mid %q, browser offered %q", info.mid, offerInfo.mid)
	}
	if len(info.codecs) != 2 || info.codecs[0].Name != "PCMU" || info.codecs[0].PT != 0 ||
		!isDTMF(info.codecs[1]) || info.codecs[1].Clock != 8000 || info.codecs[1].PT != 126 {
		t.Errorf("answer formats %+v, want PCMU/0 and telephone-event/8000 at the browser's PT 126", info.codecs)
	}
	if info.setup != "active" && info.setup != "passive" {
		t.Errorf("a=setup:%s in an answer", info.setup)
	}
	if info.dir != dirSendrecv {
		t.Errorf("direction %v", info.dir)
	}
	if c := leg.Codec(); c.Name != "PCMU" || c.PT != 0 {
		t.Errorf("Codec() = %+v", c)
	}
	if d, ok := leg.DTMF(); !ok || d.PT != 126 {
		t.Errorf("DTMF() = %+v, %v", d, ok)
	}

	br.applyAnswer(answer)
	br.waitConnected(leg)

	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	bridge := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}})
	defer bridge.Close()

	browserToPhone(t, br, &browserStream{seq: 100}, ph, 50, 0)
	phoneToBrowser(t, ph, &phoneStream{seq: 5000}, pairAddr(pair), br, 50)

	st := bridge.Stats()
	if st.BrowserToPhone < 50 || st.PhoneToBrowser < 50 || st.DroppedStrangers != 0 {
		t.Errorf("stats %+v", st)
	}
	if leg.Err() != nil || bridge.Err() != nil {
		t.Errorf("errors while running: leg %v, bridge %v", leg.Err(), bridge.Err())
	}
}

// TestAnswerNoCommonCodec: a browser that offers no format we accept.
func TestAnswerNoCommonCodec(t *testing.T) {
	e := newTestEngine(t, Config{})
	br := newTestBrowser(t)
	offer := br.offer("", nil)
	g729 := pcmu
	g729.Name, g729.PT = "G729", 18
	if _, _, err := e.Answer(testCtx(t), offer, g729, nil); err == nil {
		t.Fatal("answered without a common codec")
	} else {
		t.Log(err)
	}
	if n := len(e.legs); n != 0 {
		t.Errorf("%d legs left registered", n)
	}
}
