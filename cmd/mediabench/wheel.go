package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// pacedSender is one media stream driven by a wheel: send writes one
// packet now, flagged as inside the measurement window or not.
type pacedSender interface {
	send(inWindow bool)
}

// skipCounter is a pacedSender told of each packet the wheel skipped for
// it inside the window.
type skipCounter interface {
	skip()
}

// minSlot bounds how often a wheel wakes: senders whose offsets fall in
// the same slot are sent back to back (each packet still carries its own
// send time, so latency is exact).
const minSlot = 250 * time.Microsecond

// wheel paces many streams at one packet per period each, spread over the
// period by their offsets, with one goroutine and one timer instead of a
// ticker per stream. Streams may join while it runs, as calls come up.
type wheel struct {
	width time.Duration
	mu    sync.Mutex // guards slots; each slot only grows
	slots [][]pacedSender
	// lagMax is the worst lateness of a slot inside the window.
	lagMax atomic.Int64
	// skipped counts packets not sent inside the window because the
	// wheel was more than a period late.
	skipped atomic.Int64
}

// newWheel makes a wheel for about n streams.
func newWheel(n int) *wheel {
	s := int(packetPeriod / minSlot)
	if n > 0 && n < s {
		s = n
	}
	if s < 1 {
		s = 1
	}
	return &wheel{width: packetPeriod / time.Duration(s), slots: make([][]pacedSender, s)}
}

// add places a stream at offset (mod the period); safe during run.
func (w *wheel) add(offset time.Duration, s pacedSender) {
	offset %= packetPeriod
	if offset < 0 {
		offset += packetPeriod
	}
	i := int(offset / w.width)
	if i >= len(w.slots) {
		i = len(w.slots) - 1
	}
	w.mu.Lock()
	w.slots[i] = append(w.slots[i], s)
	w.mu.Unlock()
}

// slot returns the streams of slot i. A slot only grows, so the returned
// slice stays valid while add appends to the wheel's copy.
func (w *wheel) slot(i int64) []pacedSender {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.slots[i]
}

// run sends slot after slot from start until stop closes or until passes;
// window says whether packets are inside the measurement window. A wheel
// that falls more than a period behind (the machine is overloaded) skips
// the missed slots rather than bursting their packets: no real endpoint
// sends a backlog of audio. Skipped packets are counted, not sent.
func (w *wheel) run(start, until time.Time, stop <-chan struct{}, window *atomic.Bool) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	n := int64(len(w.slots))
	maxTicks := int64(until.Sub(start)/w.width) + 1
	for k := int64(0); k < maxTicks; k++ {
		due := start.Add(time.Duration(k) * w.width)
		if d := time.Until(due); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-stop:
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		in := window.Load()
		lag := time.Since(due)
		if in && int64(lag) > w.lagMax.Load() {
			w.lagMax.Store(int64(lag))
		}
		if lag > packetPeriod {
			for behind := int64(lag / w.width); behind > 0 && k+1 < maxTicks; behind-- {
				if in {
					ss := w.slot(k % n)
					w.skipped.Add(int64(len(ss)))
					for _, s := range ss {
						if sc, ok := s.(skipCounter); ok {
							sc.skip()
						}
					}
				}
				k++
			}
		}
		for _, s := range w.slot(k % n) {
			s.send(in)
		}
	}
}
