package browserleg

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// The playout clock of transcoding bridges. A bridge that transcodes
// plays one 20 ms frame each way per tick. Rather than a ticker and a
// goroutine per call, an Engine runs one clock split into lanes, one per
// processor: each lane's goroutine ticks every bridge it holds in turn,
// and the frames it encodes toward browsers on the engine's shared socket
// go out together in one sendmmsg(2) at the end of the tick. A call then
// costs no timer wake-up of its own, and its packets toward the browser
// share a system call with the lane's other calls. A lane's goroutine runs
// only while the lane holds a bridge.

// playoutClock spreads transcoding bridges over its lanes.
type playoutClock struct {
	media *mediaConn // the engine's shared socket; nil: no batching
	every time.Duration
	log   *slog.Logger

	mu     sync.Mutex
	lanes  []*playoutLane
	closed bool
}

// newPlayoutClock returns a clock of lanes lanes (at least one) that
// batches on media (nil: packets are sent one by one) and logs overruns
// to log.
func newPlayoutClock(media *mediaConn, lanes int, log *slog.Logger) *playoutClock {
	c := &playoutClock{media: media, every: codec.FrameDuration, log: log}
	for range max(lanes, 1) {
		c.lanes = append(c.lanes, &playoutLane{clock: c})
	}
	return c
}

// join adds b to the least busy lane, starting that lane's goroutine if it
// was idle. It returns the lane, or nil once the clock is closed.
func (c *playoutClock) join(b *Bridger) *playoutLane {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	best := c.lanes[0]
	for _, l := range c.lanes[1:] {
		if l.size() < best.size() {
			best = l
		}
	}
	best.add(b)
	return best
}

// close stops every lane and waits for their goroutines.
func (c *playoutClock) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	for _, l := range c.lanes {
		l.halt()
	}
}

// playoutLane is one goroutine's share of the transcoding bridges.
type playoutLane struct {
	clock *playoutClock

	mu      sync.Mutex
	members []*Bridger
	stop    chan struct{} // closed to end the running goroutine; nil: idle
	batch   *sendBatch    // kept between runs; nil while a run holds it
	wg      sync.WaitGroup
	rounds  atomic.Uint64 // ticks played, for tests

	// Ticks that took longer than a period, and when that was last
	// logged; only the lane's goroutine touches these.
	overruns   uint64
	lastWarned time.Time
}

// overrunWarnEvery bounds how often a lane logs that it falls behind.
const overrunWarnEvery = time.Minute

// size is how many bridges the lane holds.
func (l *playoutLane) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.members)
}

// add takes b on and starts the goroutine when the lane was idle.
func (l *playoutLane) add(b *Bridger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.members = append(l.members, b)
	if l.stop == nil {
		l.stop = make(chan struct{})
		l.wg.Add(1)
		go l.run(l.stop)
	}
}

// leave drops b; the goroutine ends when the lane is left empty. A tick
// already under way may still reach b once: the bridge's tcMu and its
// stopped state make that harmless.
func (l *playoutLane) leave(b *Bridger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, m := range l.members {
		if m == b {
			last := len(l.members) - 1
			l.members[i] = l.members[last]
			l.members[last] = nil
			l.members = l.members[:last]
			break
		}
	}
	if len(l.members) == 0 && l.stop != nil {
		close(l.stop)
		l.stop = nil
	}
}

// halt ends the goroutine whatever the lane holds and waits for it.
func (l *playoutLane) halt() {
	l.mu.Lock()
	if l.stop != nil {
		close(l.stop)
		l.stop = nil
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// run ticks the lane's bridges every 20 ms until stop is closed.
func (l *playoutLane) run(stop chan struct{}) {
	defer l.wg.Done()
	t := time.NewTicker(l.clock.every)
	defer t.Stop()
	batch := l.takeBatch()
	defer l.returnBatch(batch)
	var tick []*Bridger
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		start := time.Now()
		l.mu.Lock()
		tick = append(tick[:0], l.members...)
		l.mu.Unlock()
		for _, b := range tick {
			b.playout(batch)
		}
		if batch != nil {
			batch.flush()
		}
		l.checkOverrun(start, len(tick))
		clear(tick)
		l.rounds.Add(1)
	}
}

// takeBatch hands a run the lane's send batch, made on the lane's first
// run: a lane starts and stops with its calls, and a batch is some 100 KB.
// A run that starts while the previous one still finishes its tick gets
// one of its own. nil when the clock does not batch.
func (l *playoutLane) takeBatch() *sendBatch {
	if l.clock.media == nil {
		return nil
	}
	l.mu.Lock()
	q := l.batch
	l.batch = nil
	l.mu.Unlock()
	if q == nil {
		q = newSendBatch(l.clock.media)
	}
	return q
}

// returnBatch keeps q, flushed, for the lane's next run.
func (l *playoutLane) returnBatch(q *sendBatch) {
	if q == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.batch == nil {
		l.batch = q
	}
}

// checkOverrun notes a tick that began at start and outlasted the period:
// the lane's calls then get fewer frames than they play, which listeners
// hear as gaps. It warns at most once a minute, with how many ticks ran
// late since the last warning and how many calls the lane carries.
func (l *playoutLane) checkOverrun(start time.Time, calls int) {
	took := time.Since(start)
	if took <= l.clock.every {
		return
	}
	l.overruns++
	if now := time.Now(); now.Sub(l.lastWarned) >= overrunWarnEvery {
		l.clock.log.Warn("browserleg: transcoding falls behind its 20 ms clock: the machine is short of CPU",
			"tick", took, "late_ticks", l.overruns, "calls_in_lane", calls)
		l.lastWarned, l.overruns = now, 0
	}
}
