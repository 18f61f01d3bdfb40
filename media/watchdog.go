package media

import (
	"fmt"
	"time"
)

// supervise runs for the relay's life: it watches for inactivity and, once
// the relay stops, waits for the readers and closes done. Activity is
// sampled from the readers' counters every tick, so the packet path pays
// nothing for it.
func (r *Relay) supervise() {
	defer close(r.done)
	defer r.wg.Wait()
	if r.timeout < 0 {
		<-r.quit
		return
	}
	// Check often enough that the timeout fires within 1/8 of its value
	// (at most one second late).
	tick := min(r.timeout/8, time.Second)
	tick = max(tick, time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()

	start := time.Now()
	var seen [2]uint64
	lastHeard := [2]time.Time{start, start}
	for {
		select {
		case <-r.quit:
			return
		case now := <-t.C:
			if !r.ends[LegA].signalled.Load() || !r.ends[LegB].signalled.Load() {
				// Not both legs know their peer yet (call set-up): the
				// clock has not started.
				lastHeard = [2]time.Time{now, now}
				continue
			}
			for i, e := range r.ends {
				if n := e.activity(); n != seen[i] {
					seen[i] = n
					lastHeard[i] = now
				}
			}
			silentA, silentB := now.Sub(lastHeard[LegA]), now.Sub(lastHeard[LegB])
			if silentA >= r.timeout && silentB >= r.timeout {
				r.stop(fmt.Errorf("%w: no packets from leg A for %v, leg B for %v (timeout %v)",
					ErrInactive, silentA.Round(time.Millisecond), silentB.Round(time.Millisecond), r.timeout))
				return
			}
		}
	}
}
