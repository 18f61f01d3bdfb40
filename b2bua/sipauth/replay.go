package sipauth

import (
	"log/slog"
	"slices"
	"sync"
)

// replayEntry is what the replay table remembers about one nonce.
type replayEntry struct {
	issued int64  // nonce issue time, Unix nanoseconds
	nc     uint32 // last accepted nonce-count
}

// replayTable remembers the last accepted nonce-count per nonce so that a
// qop=auth request cannot be replayed: RFC 7616 §3.4 / RFC 2617 §3.2.2 let
// the server keep its own copy of nc and treat a repeated value as a replay
// (see also RFC 7616 §5.5).
//
// The table is bounded. Housekeeping is amortised over inserts: expired
// entries are swept at most every ttl/2 or when the table is full, and if it
// is still full the older half is evicted. Either way a floor time is raised:
// a nonce issued at or before the floor that has no entry is reported as
// stale, so forgetting an entry can never re-open a nonce for replay; the
// client simply gets a fresh nonce with stale=true.
type replayTable struct {
	ttl      int64
	capacity int
	log      *slog.Logger

	mu        sync.Mutex
	entries   map[nonceID]replayEntry
	floor     int64 // nonces issued at or before this have no entry and are stale
	nextSweep int64
}

func newReplayTable(ttl int64, capacity int, log *slog.Logger) *replayTable {
	return &replayTable{
		ttl:      ttl,
		capacity: capacity,
		log:      log,
		entries:  make(map[nonceID]replayEntry),
	}
}

// replayResult is the outcome of advance.
type replayResult int

const (
	replayOK     replayResult = iota // nc accepted and recorded
	replayReused                     // nc not greater than the last accepted one
	replayForgot                     // nonce older than the floor: treat as stale
)

// advance records nc for the nonce id issued at issued if nc is greater than
// the last accepted count, atomically. now is the current time.
func (t *replayTable) advance(id nonceID, issued int64, nc uint32, now int64) replayResult {
	// RFC 7616 §3.4: nc starts at 00000001; a zero count is never "greater".
	if nc == 0 {
		return replayReused
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[id]; ok {
		if nc <= e.nc {
			return replayReused
		}
		e.nc = nc
		t.entries[id] = e
		return replayOK
	}
	if issued <= t.floor {
		return replayForgot
	}
	if now >= t.nextSweep || len(t.entries) >= t.capacity {
		t.sweep(now)
		if len(t.entries) >= t.capacity {
			t.evict()
		}
		if issued <= t.floor {
			return replayForgot
		}
	}
	t.entries[id] = replayEntry{issued: issued, nc: nc}
	return replayOK
}

// sweep drops entries of expired nonces and raises the floor accordingly.
func (t *replayTable) sweep(now int64) {
	cutoff := now - t.ttl
	if cutoff > t.floor {
		t.floor = cutoff
	}
	for id, e := range t.entries {
		if e.issued <= t.floor {
			delete(t.entries, id)
		}
	}
	t.nextSweep = now + t.ttl/2
}

// evict drops the older half of the entries and raises the floor to the
// newest issue time dropped.
func (t *replayTable) evict() {
	times := make([]int64, 0, len(t.entries))
	for _, e := range t.entries {
		times = append(times, e.issued)
	}
	slices.Sort(times)
	cutoff := times[(len(times)-1)/2]
	if cutoff > t.floor {
		t.floor = cutoff
	}
	before := len(t.entries)
	for id, e := range t.entries {
		if e.issued <= t.floor {
			delete(t.entries, id)
		}
	}
	t.log.Warn("sipauth: replay table full, forgetting oldest nonces",
		"capacity", t.capacity, "evicted", before-len(t.entries))
}

// len returns the number of remembered nonces.
func (t *replayTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
