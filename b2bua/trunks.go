package b2bua

import (
	"fmt"
	"net"

	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo/sip"
)

// setupRouting starts nothing yet: it builds the trunk set and compiles the
// routing configuration. Pinging and registering begin with the first
// listener (startTrunks), once there is an address to put in Contact.
func (s *Server) setupRouting() error {
	set, err := s.newTrunkSet(s.cfg.Routing.Trunks)
	if err != nil {
		return err
	}
	users, err := newDirectory(s.cfg.Users, s.cfg.Policies, s.cfg.Accounts)
	if err != nil {
		_ = set.Close()
		return err
	}
	s.users = users
	r, err := newRouter(s.cfg.Routing, users.allPolicies(), set)
	if err != nil {
		_ = set.Close()
		return err
	}
	s.rt.Store(r)
	return nil
}

// routing is the current routing state; a reload swaps it whole.
func (s *Server) routing() *router { return s.rt.Load() }

// newTrunkSet builds (without starting) the trunks of cfgs.
func (s *Server) newTrunkSet(cfgs []trunk.Config) (*trunk.Set, error) {
	var resolver *net.Resolver
	if s.cfg.DNSDial != nil {
		resolver = &net.Resolver{PreferGo: true, Dial: s.cfg.DNSDial}
	}
	set, err := trunk.NewSet(cfgs, trunk.Options{
		Client:    s.client,
		LocalAddr: s.localFor,
		SendFrom:  s.sendFrom,
		Resolver:  resolver,
		UserAgent: s.cfg.ServerName,
		Logger:    s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: trunks: %w", ErrBadConfig, err)
	}
	return set, nil
}

// startTrunks begins OPTIONS pings and registrations with providers; the
// first listener calls it.
func (s *Server) startTrunks() {
	s.trunksOnce.Do(func() {
		s.reloadMu.Lock()
		defer s.reloadMu.Unlock()
		s.trunksStarted.Store(true)
		s.routing().trunks.Start(s.ctx)
	})
}

// TrunkStatus reports each trunk's state: up or down by OPTIONS pings, its
// active calls, and its registration with the provider.
func (s *Server) TrunkStatus() []trunk.Status { return s.routing().trunks.Status() }

// sendFrom is the socket requests to trunks leave from: the UDP listener,
// so a carrier's IP allow-list and NAT bindings see one address (as aim
// does for calls); stream transports let the stack choose.
func (s *Server) sendFrom(transport, _ string) sip.Addr {
	if transport != "UDP" && transport != "" {
		return sip.Addr{}
	}
	s.addrMu.RLock()
	defer s.addrMu.RUnlock()
	return s.udpLocal
}
