package browserleg

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

func TestOfferFlow(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, offer, err := e.Offer(testCtx(t), []media.Codec{pcmu, pcma}, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	t.Logf("offer:\n%s", offer)
	info := checkDescription(t, e, offer)
	if info.setup != "actpass" {
		t.Errorf("a=setup:%s in our offer, want actpass", info.setup)
	}
	if len(info.codecs) != 3 || info.codecs[0].PT != 0 || info.codecs[1].PT != 8 || info.codecs[2].PT != 101 || !isDTMF(info.codecs[2]) {
		t.Errorf("offer formats %+v, want PCMU/0 PCMA/8 telephone-event/101", info.codecs)
	}
	if info.dir != dirSendrecv {
		t.Errorf("direction %v", info.dir)
	}

	br := newTestBrowser(t)
	answer := br.answer(offer)
	if err := leg.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if c := leg.Codec(); c.Name != "PCMU" || c.PT != 0 {
		t.Errorf("Codec() = %+v", c)
	}
	if d, ok := leg.DTMF(); !ok || d.PT != 101 {
		t.Errorf("DTMF() = %+v, %v", d, ok)
	}
	if n := len(leg.Codecs()); n != 3 {
		t.Errorf("Codecs() has %d formats, want every offered one", n)
	}
	br.waitConnected(leg)

	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	// The phone numbers telephone-event 96: the bridge maps it.
	phoneDTMF := dtmf8k
	phoneDTMF.PT = 96
	bridge := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, phoneDTMF}})
	defer bridge.Close()

	phoneToBrowser(t, ph, &phoneStream{seq: 60000}, pairAddr(pair), br, 50)
	browserToPhone(t, br, &browserStream{seq: 65500}, ph, 50, 0)

	if err := leg.SetAnswer(answer); err == nil {
		t.Error("second SetAnswer without an offer succeeded")
	}
}

// TestOfferNeedsCodecs: an offer with no audio format is a config error.
func TestOfferNeedsCodecs(t *testing.T) {
	e := newTestEngine(t, Config{})
	if _, _, err := e.Offer(testCtx(t), nil, &dtmf8k); err == nil {
		t.Fatal("offer without codecs")
	}
}

// TestOfferAnswerArrivesLate: the browser starts ICE (and would start
// DTLS) as soon as it has our offer, while its answer is still on its way
// through SIP; the leg connects once the answer is applied (GUIDE §4).
func TestOfferAnswerArrivesLate(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, offer, err := e.Offer(testCtx(t), []media.Codec{pcmu}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	br := newTestBrowser(t)
	answer := br.answer(offer)
	waitFor(t, "browser to start ICE", 5*time.Second, func() bool {
		return br.pc.ICEConnectionState() == webrtc.ICEConnectionStateChecking
	})
	time.Sleep(200 * time.Millisecond) // the answer's trip through SIP
	if err := leg.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	br.waitConnected(leg)
}
