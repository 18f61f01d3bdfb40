package browserleg

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/callgate/callgate/media"
)

// connectedLeg answers a new test browser and waits for the connection.
func connectedLeg(t *testing.T, e *Engine) (*Leg, *testBrowser) {
	t.Helper()
	br := newTestBrowser(t)
	return answeredLeg(t, e, br), br
}

// answeredLeg answers br's offer with PCMU and telephone-event/8000 and
// returns the leg once br is connected; the leg closes with the test.
func answeredLeg(t *testing.T, e *Engine, br *testBrowser) *Leg {
	t.Helper()
	leg, answer, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leg.Close() })
	br.applyAnswer(answer)
	br.waitConnected(leg)
	return leg
}

func waitDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not end", what)
	}
}

// TestLegICEFailed: the browser vanishes without a word (its socket is
// gone); the leg ends with ErrICEFailed after the failed timeout.
func TestLegICEFailed(t *testing.T) {
	e := newTestEngine(t, Config{ICEDisconnectedTimeout: 200 * time.Millisecond, ICEFailedTimeout: 600 * time.Millisecond})
	leg, br := connectedLeg(t, e)
	br.sock.Close()
	waitDone(t, leg.Done(), "leg")
	if !errors.Is(leg.Err(), ErrICEFailed) {
		t.Fatalf("Err = %v, want ErrICEFailed", leg.Err())
	}
	if err := leg.WriteRTP(rtpPacket(0, 1, 1, 1, nil)); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteRTP on an ended leg: %v", err)
	}
}

// TestLegPeerClosed: the browser closes its PeerConnection (DTLS
// close_notify); the leg ends with ErrPeerClosed.
func TestLegPeerClosed(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, br := connectedLeg(t, e)
	br.pc.Close()
	waitDone(t, leg.Done(), "leg")
	if !errors.Is(leg.Err(), ErrPeerClosed) {
		t.Fatalf("Err = %v, want ErrPeerClosed", leg.Err())
	}
}

// TestCloseReleasesEverything: engine, legs (connected or not), bridges and
// the test's own peers all closed: goroutines back to the baseline.
func TestCloseReleasesEverything(t *testing.T) {
	base := goleak.IgnoreCurrent()
	func() {
		e, err := NewEngine(Config{UDPConn: loopbackConn(t), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		br := newTestBrowser(t)
		leg, answer, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k)
		if err != nil {
			t.Fatal(err)
		}
		br.applyAnswer(answer)
		br.waitConnected(leg)
		ph := newPhone(t, "127.0.0.1")
		pair := newPair(t)
		b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}})
		browserToPhone(t, br, &browserStream{}, ph, 10, 0)
		phoneToBrowser(t, ph, &phoneStream{}, pairAddr(pair), br, 10)

		// A leg that never connected, closed by the engine.
		pending, _, err := e.Offer(testCtx(t), []media.Codec{pcmu}, nil)
		if err != nil {
			t.Fatal(err)
		}

		b.Close()
		leg.Close()
		leg.Close()
		if !errors.Is(leg.Err(), ErrClosed) {
			t.Errorf("leg Err after Close = %v", leg.Err())
		}
		e.Close()
		e.Close()
		waitDone(t, pending.Done(), "pending leg after engine Close")
		if _, _, err := e.Offer(testCtx(t), []media.Codec{pcmu}, nil); !errors.Is(err, ErrClosed) {
			t.Errorf("Offer on a closed engine: %v", err)
		}
		br.close()
		pair.Close()
	}()
	waitNoLeaks(t, base)
}

// TestLegDTLSFailed: the browser's certificate does not match the
// fingerprint in its offer (RFC 8122 §5); the leg ends with ErrDTLSFailed.
func TestLegDTLSFailed(t *testing.T) {
	e := newTestEngine(t, Config{})
	br := newTestBrowser(t)
	forged := br.offer("", func(s string) string {
		var out []string
		for _, l := range sdpLines(s) {
			if strings.HasPrefix(l, "a=fingerprint:sha-256 ") {
				l = "a=fingerprint:sha-256 " + strings.Repeat("AB:", 31) + "AB"
			}
			out = append(out, l)
		}
		return joinSDP(out)
	})
	leg, answer, err := e.Answer(testCtx(t), forged, pcmu, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	br.applyAnswer(answer)
	waitDone(t, leg.Done(), "leg")
	if !errors.Is(leg.Err(), ErrDTLSFailed) {
		t.Fatalf("Err = %v, want ErrDTLSFailed", leg.Err())
	}
}
