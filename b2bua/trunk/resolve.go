package trunk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Destinations returns the carrier's addresses as "ip:port" in the order
// to try them, resolving Config.Addresses in order (RFC 3263 §4):
//
//   - an IP literal is used with its port, or 5060 (5061 for TLS);
//   - a name with a port is resolved with A/AAAA records only (§4.2);
//   - a name without a port is looked up as SRV _sip._udp, _sip._tcp or
//     _sips._tcp by Transport (§4.2; NAPTR, §4.1, is skipped because the
//     transport is configured); targets come sorted by priority and, within
//     a priority, randomly by weight (RFC 2782), each target's addresses in
//     turn; a lone "." target means the service is not offered there
//     (RFC 2782) and nothing is tried; without SRV records the name's A/AAAA
//     records are used on the default port.
//
// Duplicates are dropped. The result is cached for Options.ResolveTTL; if a
// later resolution fails the previous result is returned. The slice is the
// caller's. Errors wrap ErrResolve.
func (t *Trunk) Destinations(ctx context.Context) ([]string, error) {
	return t.destinations(ctx, false)
}

// destinations implements Destinations; force skips the cache.
func (t *Trunk) destinations(ctx context.Context, force bool) ([]string, error) {
	if !force {
		if d, ok := t.cached(); ok {
			return d, nil
		}
	}
	select {
	case t.resolving <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrResolve, ctx.Err())
	}
	defer func() { <-t.resolving }()
	if !force {
		// Another caller may have resolved while we waited.
		if d, ok := t.cached(); ok {
			return d, nil
		}
	}
	dests, ips, err := t.resolve(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		if t.dests != nil {
			t.log.Warn("trunk: resolution failed, using previous addresses", "error", err)
			return slices.Clone(t.dests), nil
		}
		return nil, err
	}
	t.dests = dests
	t.destsExp = time.Now().Add(t.set.opts.ResolveTTL)
	known := slices.Clone(t.literals)
	for _, ip := range ips {
		if !slices.Contains(known, ip) {
			known = append(known, ip)
		}
	}
	t.known.Store(&known)
	return slices.Clone(dests), nil
}

// cached returns the unexpired cached destinations.
func (t *Trunk) cached() ([]string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dests != nil && time.Now().Before(t.destsExp) {
		return slices.Clone(t.dests), true
	}
	return nil, false
}

// resolve resolves every address; it fails only if none yields anything.
func (t *Trunk) resolve(ctx context.Context) (dests []string, ips []netip.Addr, err error) {
	var errs []error
	add := func(ip netip.Addr, port int) {
		ip = ip.Unmap().WithZone("")
		d := hostPort(ip, port)
		if !slices.Contains(dests, d) {
			dests = append(dests, d)
		}
		if !slices.Contains(ips, ip) {
			ips = append(ips, ip)
		}
	}
	for _, a := range t.addrs {
		if a.ip.IsValid() {
			add(a.ip, cmpPort(a.port, defaultPort(t.cfg.Transport)))
			continue
		}
		if a.port == 0 {
			targets, err := t.lookupSRV(ctx, a.host)
			switch {
			case errors.Is(err, errNoService):
				errs = append(errs, err)
				continue
			case err == nil:
				n := len(dests)
				for _, tg := range targets {
					addrs, err := t.lookupIP(ctx, tg.Target)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					for _, ip := range addrs {
						add(ip, int(tg.Port))
					}
				}
				if len(dests) > n {
					continue
				}
				// RFC 3263 §4.2 leaves a name whose SRV targets do not
				// resolve undefined; the name itself is tried below.
			}
		}
		addrs, err := t.lookupIP(ctx, a.host)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ip := range addrs {
			add(ip, cmpPort(a.port, defaultPort(t.cfg.Transport)))
		}
	}
	if len(dests) == 0 {
		if len(errs) == 0 {
			errs = append(errs, errors.New("no addresses"))
		}
		return nil, nil, fmt.Errorf("%w: trunk %q: %w", ErrResolve, t.cfg.Name, errors.Join(errs...))
	}
	return dests, ips, nil
}

// errNoService marks an SRV answer whose only target is "." (RFC 2782).
var errNoService = errors.New("SRV says service not available")

// lookupSRV returns the SRV targets for host in try order. It returns
// errNoService for a "." answer and another error when there are no usable
// records (then A/AAAA records are used, RFC 3263 §4.2).
func (t *Trunk) lookupSRV(ctx context.Context, host string) ([]*net.SRV, error) {
	service, proto := "sip", "udp"
	switch t.cfg.Transport {
	case "TCP":
		proto = "tcp"
	case "TLS":
		service, proto = "sips", "tcp"
	}
	// net.Resolver.LookupSRV sorts by priority and randomises by weight
	// within a priority as RFC 2782 prescribes. It may return the valid
	// records together with an error about invalid ones.
	_, srvs, err := t.set.opts.Resolver.LookupSRV(ctx, service, proto, host)
	var out []*net.SRV
	dot := false
	for _, s := range srvs {
		if s.Target == "." || s.Target == "" {
			dot = true
			continue
		}
		out = append(out, s)
	}
	if len(out) > 0 {
		return out, nil
	}
	if dot && len(srvs) == 1 {
		return nil, fmt.Errorf("%s: %w", host, errNoService)
	}
	if err == nil {
		err = fmt.Errorf("no SRV records for %s", host)
	}
	return nil, err
}

// lookupIP returns host's addresses, IPv4 and IPv6, in resolver order.
func (t *Trunk) lookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(host, ".")
	addrs, err := t.set.opts.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no addresses for %s", host)
	}
	return addrs, nil
}

// cmpPort returns port, or def when port is zero.
func cmpPort(port, def int) int {
	if port == 0 {
		return def
	}
	return port
}
