package browserleg

import (
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/media"
)

// recordingTap keeps the payload types it saw from each side.
type recordingTap struct {
	mu             sync.Mutex
	phone, browser []uint8
}

func (r *recordingTap) PhoneRTP(pkt []byte) {
	r.mu.Lock()
	r.phone = append(r.phone, pkt[1]&0x7f)
	r.mu.Unlock()
}

func (r *recordingTap) BrowserRTP(pkt []byte) {
	r.mu.Lock()
	r.browser = append(r.browser, pkt[1]&0x7f)
	r.mu.Unlock()
}

func (r *recordingTap) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.phone), len(r.browser)
}

// TestBridgeTapSeesBothDirections: a tap gets the phone's packets with
// the phone's payload types and the browser's with the browser's, and
// nothing once removed.
func TestBridgeTapSeesBothDirections(t *testing.T) {
	e := newTestEngine(t, Config{})
	leg, _ := connectedLeg(t, e)
	ph := newPhone(t, "127.0.0.1")
	pair := newPair(t)
	b := Bridge(leg, pair, BridgeConfig{PhoneRemote: ph.addr(), PhoneCodecs: []media.Codec{pcmu, dtmf8k}, Logger: quietLog})
	defer b.Close()

	tap := &recordingTap{}
	b.SetTap(tap)
	event := []byte{5, 0x0a, 0, 160}
	waitFor(t, "phone packets at the tap", 10*time.Second, func() bool {
		ph.conn.WriteToUDP(rtpPacket(101, 1, 0, 7, event), pairAddr(pair))
		n, _ := tap.counts()
		return n > 0
	})
	b.fromBrowser(rtpPacket(126, 9, 0, 8, event))
	tap.mu.Lock()
	if tap.phone[0] != 101 || len(tap.browser) != 1 || tap.browser[0] != 126 {
		t.Errorf("tap saw phone PTs %v, browser PTs %v; want 101 and 126", tap.phone, tap.browser)
	}
	tap.mu.Unlock()

	b.SetTap(nil)
	_, before := tap.counts()
	b.fromBrowser(rtpPacket(126, 10, 0, 8, event))
	if _, after := tap.counts(); after != before {
		t.Error("a removed tap still gets packets")
	}
}
