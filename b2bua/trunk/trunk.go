package trunk

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Trunk is one configured carrier trunk. Its methods are safe for
// concurrent use.
type Trunk struct {
	cfg       Config
	set       *Set
	log       *slog.Logger
	addrs     []address
	hasNames  bool // some address needs DNS
	literals  []netip.Addr
	codecs    map[string]bool // lower-case; nil allows all
	anonymous bool            // privacy hides the caller (RFC 3323)

	active atomic.Int64
	up     atomic.Bool
	known  atomic.Pointer[[]netip.Addr] // resolved destination IPs

	resolving chan struct{} // one resolution at a time
	mu        sync.Mutex    // guards the fields below
	dests     []string
	destsExp  time.Time
	lastPing  time.Time
	pingErr   string
	failures  int

	nonces nonceCounts
	reg    *registration
}

func newTrunk(s *Set, c Config) *Trunk {
	t := &Trunk{
		cfg:       c,
		set:       s,
		log:       s.log.With("trunk", c.Name),
		resolving: make(chan struct{}, 1),
	}
	for _, a := range c.Addresses {
		pa, _ := parseAddress(a) // validated
		t.addrs = append(t.addrs, pa)
		if pa.ip.IsValid() {
			if !slices.Contains(t.literals, pa.ip) {
				t.literals = append(t.literals, pa.ip)
			}
		} else {
			t.hasNames = true
		}
	}
	known := slices.Clone(t.literals)
	t.known.Store(&known)
	if len(c.Codecs) > 0 {
		t.codecs = make(map[string]bool, len(c.Codecs))
		for _, n := range c.Codecs {
			t.codecs[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	if c.CallerID.Privacy != "" {
		t.anonymous, _ = parsePrivacy(c.CallerID.Privacy)
	}
	t.up.Store(true)
	if c.Register.Enabled {
		t.reg = newRegistration(t)
	}
	return t
}

// Name returns the trunk's name.
func (t *Trunk) Name() string { return t.cfg.Name }

// Config returns the trunk's configuration with defaults applied (for
// example InviteTimeout, Domain and Transport are always set).
func (t *Trunk) Config() Config {
	c := t.cfg
	c.Addresses = slices.Clone(c.Addresses)
	c.Inbound = slices.Clone(c.Inbound)
	c.Codecs = slices.Clone(c.Codecs)
	return c
}

// Up reports whether the trunk is usable. Without pinging
// (OptionsInterval zero) it is always up. With pinging it starts up, goes
// down after OptionsFailures consecutive failed pings (default 3) and comes
// up again after one successful ping. A ping succeeds when any response
// arrives except 408 and 503: like Kamailio's dispatcher, a carrier that
// answers at all, even 404 or 405, is reachable; 408 (a proxy timed out
// beyond it) and 503 (RFC 3261 §21.5.4: overloaded or in maintenance) mean
// calls would fail.
func (t *Trunk) Up() bool { return t.up.Load() }

// Acquire reserves one call slot and reports whether the trunk's MaxCalls
// allows it; every successful Acquire needs one Release.
func (t *Trunk) Acquire() bool {
	limit := int64(t.cfg.MaxCalls)
	for {
		n := t.active.Load()
		if limit > 0 && n >= limit {
			return false
		}
		if t.active.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Release frees a slot taken by Acquire.
func (t *Trunk) Release() {
	for {
		n := t.active.Load()
		if n <= 0 {
			t.log.Error("trunk: Release without Acquire")
			return
		}
		if t.active.CompareAndSwap(n, n-1) {
			return
		}
	}
}

// ActiveCalls returns the number of acquired call slots.
func (t *Trunk) ActiveCalls() int { return int(t.active.Load()) }

// AllowsCodec reports whether the codec (e.g. "PCMU", "opus") may be
// offered to the carrier; names compare case-insensitively. An empty
// Codecs list allows every codec.
func (t *Trunk) AllowsCodec(name string) bool {
	if t.codecs == nil {
		return true
	}
	return t.codecs[strings.ToLower(name)]
}

// Status returns a snapshot of the trunk's state.
func (t *Trunk) Status() Status {
	t.mu.Lock()
	st := Status{
		Name:          t.cfg.Name,
		Up:            t.up.Load(),
		ActiveCalls:   int(t.active.Load()),
		LastPing:      t.lastPing,
		LastPingError: t.pingErr,
	}
	t.mu.Unlock()
	if t.reg != nil {
		st.Registration = t.reg.status()
	} else {
		st.Registration = RegStatus{State: RegOff}
	}
	return st
}

// hasSource reports whether ip (unmapped, no zone) belongs to the trunk.
func (t *Trunk) hasSource(ip netip.Addr) bool {
	for _, p := range t.cfg.Inbound {
		if p.Contains(ip) {
			return true
		}
	}
	if k := t.known.Load(); k != nil {
		return slices.Contains(*k, ip)
	}
	return false
}

// runResolver keeps the resolved addresses of a trunk that is not pinged
// fresh, so that MatchSource recognises its requests.
func (t *Trunk) runResolver(ctx context.Context) {
	tick := time.NewTicker(t.set.opts.ResolveTTL)
	defer tick.Stop()
	for {
		if _, err := t.destinations(ctx, true); err != nil && ctx.Err() == nil {
			t.log.Warn("trunk: resolution failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
