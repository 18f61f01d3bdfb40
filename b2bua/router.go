package b2bua

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo/sip"
)

// router is RoutingConfig and Policies compiled: the trunks, the dialplan,
// DID matching and per-user destination patterns. It is read-only after
// New, so calls use it without locks.
type router struct {
	cfg          RoutingConfig
	trunks       *trunk.Set
	dialplan     *trunk.Dialplan
	dids         []didMatcher
	groups       map[string][]string
	memberOf     map[string][]string
	allow        map[string]*trunk.PatternSet
	defaultAllow *trunk.PatternSet
	maxCalls     map[string]int
}

// didMatcher is one compiled DIDRoute.
type didMatcher struct {
	number  string
	pattern *regexp.Regexp
	members []string
}

// newRouter compiles the routing configuration; trunks is the running set.
func newRouter(cfg RoutingConfig, policies map[string]UserPolicy, trunks *trunk.Set) (*router, error) {
	r := &router{cfg: cfg, trunks: trunks, groups: cfg.Groups, memberOf: map[string][]string{},
		allow: map[string]*trunk.PatternSet{}, maxCalls: map[string]int{}}
	dp, err := trunk.NewDialplan(cfg.Dialplan)
	if err != nil {
		return nil, fmt.Errorf("%w: dialplan: %w", ErrBadConfig, err)
	}
	r.dialplan = dp
	for _, rule := range cfg.Dialplan {
		for _, name := range rule.Trunks {
			if trunks.Get(name) == nil {
				return nil, fmt.Errorf("%w: dialplan rule %q names unknown trunk %q", ErrBadConfig, rule.Name, name)
			}
		}
	}
	for g, members := range cfg.Groups {
		for _, m := range members {
			r.memberOf[m] = append(r.memberOf[m], g)
		}
	}
	for i, d := range cfg.DIDs {
		m := didMatcher{number: strings.TrimPrefix(d.Number, "+"), members: slices.Clone(d.Users)}
		if d.Number == "" {
			if d.Pattern == "" {
				return nil, fmt.Errorf("%w: DID route %d has neither number nor pattern", ErrBadConfig, i)
			}
			re, err := regexp.Compile(d.Pattern)
			if err != nil {
				return nil, fmt.Errorf("%w: DID route %d: %w", ErrBadConfig, i, err)
			}
			m.pattern = re
		}
		if d.Group != "" {
			members, ok := cfg.Groups[d.Group]
			if !ok {
				return nil, fmt.Errorf("%w: DID route %d names unknown group %q", ErrBadConfig, i, d.Group)
			}
			m.members = append(m.members, members...)
		}
		if len(m.members) == 0 {
			return nil, fmt.Errorf("%w: DID route %d rings nobody", ErrBadConfig, i)
		}
		r.dids = append(r.dids, m)
	}
	if r.defaultAllow, err = patternSet(cfg.DefaultAllow); err != nil {
		return nil, fmt.Errorf("%w: default_allow: %w", ErrBadConfig, err)
	}
	for user, p := range policies {
		if len(p.Allow) > 0 {
			ps, err := trunk.NewPatternSet(p.Allow)
			if err != nil {
				return nil, fmt.Errorf("%w: user %q allow: %w", ErrBadConfig, user, err)
			}
			r.allow[user] = ps
		}
		r.memberOf[user] = append(r.memberOf[user], p.Groups...)
		if p.MaxCalls > 0 {
			r.maxCalls[user] = p.MaxCalls
		}
	}
	return r, nil
}

// patternSet compiles patterns; none gives nil, which matches everything.
func patternSet(patterns []string) (*trunk.PatternSet, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	return trunk.NewPatternSet(patterns)
}

// route finds the trunk route for a number user dialled: the dialplan must
// match, and the number must be one the user may call.
func (r *router) route(user, number string) (trunk.Route, error) {
	rt, ok := r.dialplan.Route(user, r.memberOf[user], number)
	if !ok {
		return trunk.Route{}, withStatus(404, "", fmt.Errorf("%w: no dialplan rule for %q", ErrNoRoute, number))
	}
	allowed := r.defaultAllow
	if ps, ok := r.allow[user]; ok {
		allowed = ps
	}
	if allowed != nil && !allowed.Match(number) {
		return trunk.Route{}, withStatus(403, "Destination Not Allowed",
			fmt.Errorf("%w: %q may not call %q", ErrDestinationNotAllowed, user, number))
	}
	return rt, nil
}

// callLimit is how many concurrent calls user may have.
func (r *router) callLimit(user string, def int) int {
	if n, ok := r.maxCalls[user]; ok {
		return n
	}
	return def
}

// fromTrunk recognises an INVITE from a trunk: by its source address, or
// by the contact user of a registration callgate holds with the trunk.
// The second needs the source to match the trunk's addresses too, so a
// stranger who learns the contact user gains nothing.
func (r *router) fromTrunk(req *sip.Request) *trunk.Trunk {
	ip, err := netip.ParseAddr(sourceIP(req))
	if err != nil {
		return nil
	}
	return r.trunks.MatchSource(ip.Unmap())
}

// did returns the number a trunk called: the Request-URI user, or the To
// user when the Request-URI is the contact of our registration with that
// trunk (RFC 3261 §10.2.1: providers then address the registered contact).
func (r *router) did(req *sip.Request, t *trunk.Trunk) string {
	user := req.Recipient.User
	if reg := r.trunks.MatchContactUser(user); reg == t && req.To() != nil {
		return req.To().Address.User
	}
	return user
}

// members lists the users a DID rings; none means the number is unknown.
func (r *router) members(did string) []string {
	n := strings.TrimPrefix(did, "+")
	for _, d := range r.dids {
		if (d.pattern == nil && d.number == n) || (d.pattern != nil && d.pattern.MatchString(did)) {
			return d.members
		}
	}
	return nil
}
