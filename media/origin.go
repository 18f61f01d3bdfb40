package media

import (
	"math/rand/v2"
	"sync"
)

// DefaultOriginUsername is the o= username used when Origin.Username is
// empty.
const DefaultOriginUsername = "callgate"

// Origin keeps the o= line of the SDP we send on one leg stable: the same
// username and session id for the whole call, and a session version
// incremented only when the body changed (RFC 3264 §5, §8; RFC 4566 §5.2).
// Use one Origin per leg per call; set the exported fields before first use
// and do not change them afterwards. An Origin is safe for concurrent use;
// do not copy one after use.
type Origin struct {
	// Username is the o= username; empty means "callgate". It must not
	// contain spaces.
	Username string
	// SessionID is the o= sess-id; zero means a random one chosen on first
	// use.
	SessionID uint64

	mu      sync.Mutex
	used    bool
	id      uint64
	version uint64
	digest  uint64
}

// Version returns the session version last stamped (0 before first use).
func (o *Origin) Version() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.version
}

// peek returns the o= username and session id, choosing the id on first
// use.
func (o *Origin) peek() (user string, id, version uint64) {
	user = o.Username
	if user == "" {
		user = DefaultOriginUsername
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.id == 0 {
		o.id = o.SessionID
		if o.id == 0 {
			// RFC 4566 §5.2: any numeric id unique enough; keep it below
			// 2^62 so peers that parse it as a signed 64-bit number cope.
			o.id = rand.Uint64N(1<<62) + 1
		}
	}
	return user, o.id, o.version
}

// stamp returns the o= fields for a body whose content (with the version
// field zeroed) hashes to digest: the version starts at 1 and grows by one
// each time the content changes (RFC 3264 §8).
func (o *Origin) stamp(digest uint64) (user string, id, version uint64) {
	user, id, _ = o.peek()
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.used:
		o.used = true
		o.version = 1
		o.digest = digest
	case digest != o.digest:
		o.version++
		o.digest = digest
	}
	return user, id, o.version
}

// fnv64a hashes b with FNV-1a (64-bit).
func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
