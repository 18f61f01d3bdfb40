package b2bua

import (
	"sync"
	"time"
)

// banList counts failed authentications per source and user, and refuses a
// source that failed too often for a while: the usual guard against
// password guessing on REGISTER and INVITE.
type banList struct {
	max  int
	ban  time.Duration
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]*banEntry
}

type banEntry struct {
	fails       int
	last        time.Time
	bannedUntil time.Time
}

// banListCap bounds memory: past it, stale entries are swept on insert.
const banListCap = 100_000

func newBanList(max int, ban time.Duration) *banList {
	return &banList{max: max, ban: ban, now: time.Now, seen: make(map[string]*banEntry)}
}

func banKey(sourceIP, user string) string { return sourceIP + "\x00" + user }

// banned reports whether the key is currently refused.
func (b *banList) banned(sourceIP, user string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.seen[banKey(sourceIP, user)]
	return e != nil && b.now().Before(e.bannedUntil)
}

// fail records a failure and reports whether the key is now banned.
func (b *banList) fail(sourceIP, user string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	k := banKey(sourceIP, user)
	e := b.seen[k]
	if e == nil {
		if len(b.seen) >= banListCap {
			b.sweepLocked(now)
		}
		e = &banEntry{}
		b.seen[k] = e
	}
	if now.Sub(e.last) > b.ban {
		e.fails = 0 // failures long ago no longer count
	}
	e.fails++
	e.last = now
	if e.fails >= b.max {
		e.bannedUntil = now.Add(b.ban)
		e.fails = 0
		return true
	}
	return false
}

// succeed clears the key's failures.
func (b *banList) succeed(sourceIP, user string) {
	b.mu.Lock()
	delete(b.seen, banKey(sourceIP, user))
	b.mu.Unlock()
}

func (b *banList) sweepLocked(now time.Time) {
	for k, e := range b.seen {
		if now.After(e.bannedUntil) && now.Sub(e.last) > b.ban {
			delete(b.seen, k)
		}
	}
}
