package trunk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// DefaultResolveTTL is how long resolved destinations are reused.
const DefaultResolveTTL = 30 * time.Second

// unregisterTimeout bounds the unregistrations sent by Close.
const unregisterTimeout = 2 * time.Second

// Options are the shared dependencies of a Set. Only Client is needed,
// and only when some trunk pings or registers.
type Options struct {
	// Client sends OPTIONS and REGISTER requests. Requests are built
	// completely here and passed with an option that keeps them unchanged.
	Client *sipgo.Client
	// LocalAddr returns our host and port for Via and Contact toward dest
	// ("ip:port") over transport ("UDP", "TCP", "TLS"). Nil uses the source
	// address the kernel would pick toward dest and the client's listening
	// port for the transport.
	LocalAddr func(transport, dest string) (host string, port int)
	// SendFrom returns the local socket to send from toward dest (it sets
	// sip.Request.Laddr), for example the UDP listener so that the carrier
	// sees one address. Nil, or an Addr without IP, lets sipgo choose.
	SendFrom func(transport, dest string) sip.Addr
	// Resolver resolves trunk host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// ResolveTTL is how long resolved destinations are reused; default
	// DefaultResolveTTL. When a later resolution fails the previous result
	// keeps being used.
	ResolveTTL time.Duration
	// UserAgent is sent in the User-Agent header; default "callgate".
	UserAgent string
	// Logger receives state changes; never secrets. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Set holds all trunks and runs their pingers and registrations. Its
// methods are safe for concurrent use.
type Set struct {
	opts   Options
	log    *slog.Logger
	trunks []*Trunk
	byName map[string]*Trunk

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewSet validates cfgs, applies defaults and returns the trunks. Nothing
// is sent until Start. Errors wrap ErrBadConfig.
func NewSet(cfgs []Config, opts Options) (*Set, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.ResolveTTL <= 0 {
		opts.ResolveTTL = DefaultResolveTTL
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "callgate"
	}
	s := &Set{opts: opts, log: opts.Logger, byName: make(map[string]*Trunk, len(cfgs))}
	contactUsers := map[string]string{}
	for _, c := range cfgs {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if _, dup := s.byName[c.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate trunk name %q", ErrBadConfig, c.Name)
		}
		c = c.withDefaults()
		if (c.OptionsInterval > 0 || c.Register.Enabled) && opts.Client == nil {
			return nil, fmt.Errorf("%w: trunk %q pings or registers but Options.Client is nil", ErrBadConfig, c.Name)
		}
		if c.Register.Enabled {
			if other, dup := contactUsers[c.Register.ContactUser]; dup {
				return nil, fmt.Errorf("%w: trunks %q and %q register the same contact user", ErrBadConfig, other, c.Name)
			}
			contactUsers[c.Register.ContactUser] = c.Name
		}
		t := newTrunk(s, c)
		s.trunks = append(s.trunks, t)
		s.byName[c.Name] = t
	}
	return s, nil
}

// Start launches the OPTIONS pingers, periodic resolution of host names
// and registrations. They stop when ctx ends or at Close. Calls after the
// first, or after Close, do nothing.
func (s *Set) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	for _, t := range s.trunks {
		switch {
		case t.cfg.OptionsInterval > 0:
			s.spawn(func() { t.runPinger(ctx) })
		case t.hasNames:
			s.spawn(func() { t.runResolver(ctx) })
		}
		if t.reg != nil {
			s.spawn(func() { t.reg.run(ctx) })
		}
	}
}

func (s *Set) spawn(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// Close stops all goroutines and then unregisters (Expires: 0, RFC 3261
// §10.2.2) the trunks that hold a registration, waiting at most 2 s. It
// returns the unregistration failures, which are also logged. Close is
// idempotent; later calls return nil.
func (s *Set) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()

	ctx, stop := context.WithTimeout(context.Background(), unregisterTimeout)
	defer stop()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, t := range s.trunks {
		if t.reg == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.reg.unregister(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Get returns the trunk called name, or nil.
func (s *Set) Get(name string) *Trunk { return s.byName[name] }

// Trunks returns all trunks in configuration order.
func (s *Set) Trunks() []*Trunk { return append([]*Trunk(nil), s.trunks...) }

// MatchSource returns the first trunk (in configuration order) whose
// Inbound networks or resolved addresses contain ip, or nil. Resolved
// addresses are those of the last successful resolution (IP literals are
// known from the start; names once Start, a ping or Destinations resolved
// them).
func (s *Set) MatchSource(ip netip.Addr) *Trunk {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return nil
	}
	for _, t := range s.trunks {
		if t.hasSource(ip) {
			return t
		}
	}
	return nil
}

// MatchContactUser returns the trunk that registers with contact user
// user (the user part of the Request-URI of calls the carrier sends to our
// registered Contact), or nil. User parts compare case-sensitively
// (RFC 3261 §19.1.4).
func (s *Set) MatchContactUser(user string) *Trunk {
	if user == "" {
		return nil
	}
	for _, t := range s.trunks {
		if t.reg != nil && t.cfg.Register.ContactUser == user {
			return t
		}
	}
	return nil
}

// Status returns the status of every trunk in configuration order.
func (s *Set) Status() []Status {
	out := make([]Status, len(s.trunks))
	for i, t := range s.trunks {
		out[i] = t.Status()
	}
	return out
}
