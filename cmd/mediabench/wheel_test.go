package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// countSender records when it was asked to send.
type countSender struct {
	n     int
	inWin int
	first time.Duration
}

func (c *countSender) send(in bool) {
	if c.n == 0 {
		c.first = monoNow()
	}
	c.n++
	if in {
		c.inWin++
	}
}

func TestWheelSpreadsSenders(t *testing.T) {
	const n = 10
	w := newWheel(n)
	if w.width != 2*time.Millisecond {
		t.Fatalf("slot width %v", w.width)
	}
	ss := make([]*countSender, n)
	for i := range ss {
		ss[i] = &countSender{}
		w.add(time.Duration(i)*packetPeriod/n, ss[i])
	}
	var win atomic.Bool
	win.Store(true)
	start := time.Now()
	// 100 ms is 50 slots plus the first: five periods, slot 0 once more.
	// On a loaded machine the wheel may skip late slots; every slot is
	// either sent or counted as skipped.
	w.run(start, start.Add(100*time.Millisecond), make(chan struct{}), &win)
	sent := 0
	for i, s := range ss {
		want := 5
		if i == 0 {
			want = 6
		}
		if s.n > want || s.inWin != s.n {
			t.Errorf("sender %d sent %d (%d in window), want %d", i, s.n, s.inWin, want)
		}
		sent += s.n
	}
	if got := sent + int(w.skipped.Load()); got != 51 {
		t.Fatalf("sent %d + skipped %d, want 51", sent, w.skipped.Load())
	}
	if w.skipped.Load() > 0 {
		t.Logf("machine busy: %d sends skipped", w.skipped.Load())
		return
	}
	// Senders start in offset order.
	for i := 1; i < n; i++ {
		if ss[i].first < ss[i-1].first {
			t.Errorf("sender %d started before sender %d", i, i-1)
		}
	}
}

func TestWheelStops(t *testing.T) {
	w := newWheel(1000)
	if w.width != minSlot {
		t.Fatalf("slot width %v, want %v", w.width, minSlot)
	}
	stop := make(chan struct{})
	close(stop)
	var win atomic.Bool
	done := make(chan struct{})
	go func() { w.run(time.Now().Add(time.Hour), time.Now().Add(2*time.Hour), stop, &win); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("wheel did not stop")
	}
}

func TestWheelOffsetsWrap(t *testing.T) {
	w := newWheel(4)
	s := &countSender{}
	w.add(-packetPeriod/4, s) // wraps to 15 ms
	w.add(packetPeriod+packetPeriod/4, s)
	if len(w.slots[3]) != 1 || len(w.slots[1]) != 1 {
		t.Fatalf("slots %v", w.slots)
	}
}

func TestWheelSkipsBacklog(t *testing.T) {
	const n = 10
	w := newWheel(n)
	ss := make([]*countSender, n)
	for i := range ss {
		ss[i] = &countSender{}
		w.add(time.Duration(i)*packetPeriod/n, ss[i])
	}
	var win atomic.Bool
	win.Store(true)
	// Started a second ago: 50 periods are already overdue.
	now := time.Now()
	w.run(now.Add(-time.Second), now.Add(40*time.Millisecond), make(chan struct{}), &win)
	total := 0
	for _, s := range ss {
		total += s.n
	}
	if total > 4*n {
		t.Fatalf("sent %d packets, a backlog burst", total)
	}
	if w.skipped.Load() < 40*n {
		t.Fatalf("skipped %d, want about %d", w.skipped.Load(), 50*n)
	}
	if w.lagMax.Load() < int64(900*time.Millisecond) {
		t.Fatalf("lag %v not recorded", time.Duration(w.lagMax.Load()))
	}
}
