package browserleg

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// idleBridge is a bridge that is not transcoding: a lane may tick it, and
// the tick does nothing.
func idleBridge() *Bridger { return &Bridger{stop: make(chan struct{})} }

// TestPlayoutLanesBalanceAndGoIdle joins bridges to a two-lane clock:
// they are spread evenly, a lane ticks only while it holds a bridge, and
// its goroutine ends when the last one leaves and starts again on a join.
func TestPlayoutLanesBalanceAndGoIdle(t *testing.T) {
	before := goleak.IgnoreCurrent()
	c := newPlayoutClock(nil, 2, quietLog)
	c.every = time.Millisecond
	defer c.close()

	bs := []*Bridger{idleBridge(), idleBridge(), idleBridge()}
	lanes := make([]*playoutLane, len(bs))
	for i, b := range bs {
		if lanes[i] = c.join(b); lanes[i] == nil {
			t.Fatal("join on an open clock returned no lane")
		}
	}
	if a, b := c.lanes[0].size(), c.lanes[1].size(); a+b != 3 || a < 1 || b < 1 {
		t.Fatalf("lanes hold %d and %d bridges", a, b)
	}
	for _, l := range c.lanes {
		start := l.rounds.Load()
		waitFor(t, "lane ticking", 5*time.Second, func() bool { return l.rounds.Load() > start+3 })
	}

	for i, b := range bs {
		lanes[i].leave(b)
	}
	lanes[0].leave(bs[0]) // twice: nothing happens
	waitNoLeaks(t, before)
	for _, l := range c.lanes {
		if l.size() != 0 {
			t.Errorf("lane still holds %d", l.size())
		}
	}
	idle := c.lanes[0].rounds.Load() + c.lanes[1].rounds.Load()
	time.Sleep(20 * time.Millisecond)
	if now := c.lanes[0].rounds.Load() + c.lanes[1].rounds.Load(); now != idle {
		t.Errorf("idle lanes ticked %d times", now-idle)
	}

	// A join after going idle starts the lane again.
	l := c.join(idleBridge())
	start := l.rounds.Load()
	waitFor(t, "lane ticking again", 5*time.Second, func() bool { return l.rounds.Load() > start+3 })
}

// TestPlayoutClockClose stops lanes that still hold bridges; a join after
// Close gets no lane and starts nothing.
func TestPlayoutClockClose(t *testing.T) {
	before := goleak.IgnoreCurrent()
	c := newPlayoutClock(nil, 3, quietLog)
	c.every = time.Millisecond
	for range 5 {
		c.join(idleBridge())
	}
	c.close()
	c.close()
	goleak.VerifyNone(t, before)
	if c.join(idleBridge()) != nil {
		t.Error("join after close returned a lane")
	}
	goleak.VerifyNone(t, before)
}

// TestPlayoutWarnsWhenLaneFallsBehind: a tick longer than the period is
// logged once, with the lane's size, however many follow within a minute.
func TestPlayoutWarnsWhenLaneFallsBehind(t *testing.T) {
	var logs bytes.Buffer
	c := newPlayoutClock(nil, 1, slog.New(slog.NewTextHandler(&logs, nil)))
	c.every = time.Nanosecond // every tick is late
	l := c.join(idleBridge())
	waitFor(t, "late ticks", 5*time.Second, func() bool { return l.rounds.Load() > 20 })
	c.close() // the lane's goroutine has ended: logs is ours to read
	out := logs.String()
	if n := strings.Count(out, "falls behind"); n != 1 || !strings.Contains(out, "calls_in_lane=1") {
		t.Errorf("%d warnings:\n%s", n, out)
	}
}

// TestPlayoutLaneKeepsItsBatch: a lane's goroutine ends when its last
// call leaves and starts again with the next; its send batch (some
// 100 KB) is made once and kept across those runs, not at every start.
func TestPlayoutLaneKeepsItsBatch(t *testing.T) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := newPlayoutClock(newMediaConn(conn), 1, quietLog)
	c.every = time.Millisecond
	defer c.close()
	l := c.lanes[0]
	kept := func() *sendBatch {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.batch
	}
	var first *sendBatch
	for run := 0; run < 3; run++ {
		b := idleBridge()
		c.join(b)
		start := l.rounds.Load()
		waitFor(t, "lane ticking", 5*time.Second, func() bool { return l.rounds.Load() > start+2 })
		l.leave(b)
		l.wg.Wait()
		q := kept()
		if q == nil {
			t.Fatalf("run %d: the lane kept no batch", run)
		}
		if first == nil {
			first = q
		} else if q != first {
			t.Fatalf("run %d made a new batch", run)
		}
	}
}
