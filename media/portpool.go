package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults for PortPoolConfig.
const (
	DefaultPortMin    = 20000
	DefaultPortMax    = 39999
	DefaultQuarantine = 10 * time.Second
)

// maxBindTries bounds how many busy ports one Allocate call skips before it
// gives up, so a range crowded by other programs cannot make set-up slow.
const maxBindTries = 32

// PortPoolConfig configures a PortPool. The zero value works: all addresses,
// ports 20000..39999, 10 s quarantine, wall clock.
type PortPoolConfig struct {
	// BindIP is the local address sockets bind to; invalid (zero) means
	// 0.0.0.0. An IPv4 address binds IPv4-only sockets, an IPv6 address
	// IPv6 sockets (the unspecified "::" is dual-stack on most systems).
	BindIP netip.Addr
	// Min and Max bound the ports used (inclusive). Zero means 20000 and
	// 39999. RTP takes the even ports, RTCP the odd port above each.
	Min, Max int
	// Quarantine keeps a released pair unused for this long, so that
	// late packets of the old call never reach the next one. Zero means
	// 10 s; a negative value disables quarantine.
	Quarantine time.Duration
	// Now is the clock used for quarantine; nil means time.Now.
	Now func() time.Time
}

// freePort is a port pair waiting in the pool: its RTP port and when it was
// released, as an offset from the pool's epoch plus one (0 = never used).
type freePort struct {
	port  uint16
	since time.Duration
}

// PortPool hands out RTP/RTCP socket pairs on even/odd port pairs from a
// fixed range. Free pairs wait in a FIFO ring: pairs never used first (in
// random order, so port numbers are hard to predict), released pairs are
// appended behind them, so the head is always the pair released longest ago
// and Allocate is O(1) amortised. A PortPool is safe for concurrent use.
type PortPool struct {
	bindIP     netip.Addr
	network    string
	quarantine time.Duration
	now        func() time.Time
	epoch      time.Time

	mu   sync.Mutex
	ring []freePort // capacity = number of pairs; each pair is in it at most once
	head int
	n    int

	inUse atomic.Int64
}

// NewPortPool manages even RTP ports in [Min,Max] (RTCP = RTP+1, RFC 3550
// §11) on BindIP; quarantine keeps a released port unused for that long
// (default 10 s) so stale packets never enter a new call.
func NewPortPool(cfg PortPoolConfig) (*PortPool, error) {
	bind := cfg.BindIP.Unmap()
	if !bind.IsValid() {
		bind = netip.IPv4Unspecified()
	}
	if bind.Zone() != "" {
		return nil, fmt.Errorf("%w: bind address %v has a zone", ErrInvalidConfig, bind)
	}
	lo, hi := cfg.Min, cfg.Max
	if lo == 0 {
		lo = DefaultPortMin
	}
	if hi == 0 {
		hi = DefaultPortMax
	}
	if lo < 1 || hi > 65535 || lo > hi {
		return nil, fmt.Errorf("%w: port range %d..%d", ErrInvalidConfig, lo, hi)
	}
	// RFC 3550 §11: RTP uses an even port and RTCP the next higher (odd) one.
	first := lo + lo%2
	last := hi - 1
	last -= last % 2
	if first > last {
		return nil, fmt.Errorf("%w: port range %d..%d holds no even/odd pair", ErrInvalidConfig, lo, hi)
	}
	q := cfg.Quarantine
	if q == 0 {
		q = DefaultQuarantine
	}
	if q < 0 {
		q = 0
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	network := "udp4"
	switch {
	case bind == netip.IPv6Unspecified():
		network = "udp" // dual-stack where the system allows it
	case bind.Is6():
		network = "udp6"
	}
	count := (last-first)/2 + 1
	ring := make([]freePort, count)
	for i := range ring {
		ring[i].port = uint16(first + 2*i)
	}
	rand.Shuffle(count, func(i, j int) { ring[i], ring[j] = ring[j], ring[i] })
	return &PortPool{
		bindIP:     bind,
		network:    network,
		quarantine: q,
		now:        now,
		epoch:      now(),
		ring:       ring,
		n:          count,
	}, nil
}

// Allocate binds a UDP socket pair (RTP on an even port, RTCP on the next)
// and returns it; ports in use by other programs are skipped (and retried
// only after a quarantine period); ErrNoPorts when exhausted.
func (p *PortPool) Allocate() (*SocketPair, error) {
	var busy error
	for range maxBindTries {
		port, ok := p.take()
		if !ok {
			break
		}
		pair, err := p.bind(port)
		if err == nil {
			p.inUse.Add(1)
			return pair, nil
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			// Another program holds one of the two ports: put the pair at
			// the back of the ring so it is not tried again right away.
			p.put(port)
			busy = err
			continue
		}
		p.put(port)
		return nil, fmt.Errorf("media: bind port pair %d/%d: %w", port, port+1, err)
	}
	if busy != nil {
		return nil, fmt.Errorf("%w (last busy port: %w)", ErrNoPorts, busy)
	}
	return nil, ErrNoPorts
}

// InUse reports how many pairs are currently allocated (for leak checks).
func (p *PortPool) InUse() int { return int(p.inUse.Load()) }

// Size reports the number of port pairs the pool manages.
func (p *PortPool) Size() int { return len(p.ring) }

// take pops the head of the ring if it is out of quarantine.
func (p *PortPool) take() (int, bool) {
	now := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return 0, false
	}
	f := p.ring[p.head]
	// The ring is ordered by release time, so if the head is still in
	// quarantine every later entry is too.
	if f.since != 0 && now-f.since < p.quarantine {
		return 0, false
	}
	p.head = (p.head + 1) % len(p.ring)
	p.n--
	return int(f.port), true
}

// put appends a pair released now to the tail of the ring.
func (p *PortPool) put(port int) {
	since := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == len(p.ring) {
		// Cannot happen: each pair is either allocated or in the ring.
		panic("media: port pool ring overflow")
	}
	p.ring[(p.head+p.n)%len(p.ring)] = freePort{port: uint16(port), since: since}
	p.n++
}

// clock returns the time since the pool's epoch plus one, so that it is
// never 0 ("never used") at or after the epoch.
func (p *PortPool) clock() time.Duration {
	return p.now().Sub(p.epoch) + 1
}

// release returns an allocated pair to the pool.
func (p *PortPool) release(port int) {
	p.put(port)
	p.inUse.Add(-1)
}

// bind opens the RTP and RTCP sockets of one pair.
func (p *PortPool) bind(port int) (*SocketPair, error) {
	rtp, err := net.ListenUDP(p.network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bindIP, uint16(port))))
	if err != nil {
		return nil, err
	}
	rtcp, err := net.ListenUDP(p.network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bindIP, uint16(port+1))))
	if err != nil {
		_ = rtp.Close()
		return nil, err
	}
	return &SocketPair{RTP: rtp, RTCP: rtcp, Port: port, pool: p}, nil
}
