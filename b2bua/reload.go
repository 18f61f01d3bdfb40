package b2bua

import (
	"fmt"
	"reflect"

	"github.com/callgate/callgate/b2bua/trunk"
)

// Reload applies a changed configuration without dropping calls: the
// configured users and policies and the routing (trunks, dialplan, DIDs,
// groups, destination patterns). Calls in progress keep the trunk they
// use; new calls see the new routing. Trunks are restarted only when their
// configuration changed. Listeners, media, TLS and authentication settings
// need a restart. A configuration that does not compile leaves the running
// one untouched and returns the error.
func (s *Server) Reload(cfg Config) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.routing()
	set := old.trunks
	var fresh *trunk.Set
	if !reflect.DeepEqual(cfg.Routing.Trunks, old.cfg.Trunks) {
		var err error
		fresh, err = s.newTrunkSet(cfg.Routing.Trunks)
		if err != nil {
			return err
		}
		set = fresh
	}
	policies := s.users.withStatic(cfg.Users, cfg.Policies)
	r, err := newRouter(cfg.Routing, policies, set)
	if err != nil {
		if fresh != nil {
			_ = fresh.Close()
		}
		return err
	}
	s.users.replaceStatic(cfg.Users, cfg.Policies)
	s.rt.Store(r)
	if fresh != nil {
		if s.trunksStarted.Load() {
			fresh.Start(s.ctx)
		}
		if err := old.trunks.Close(); err != nil {
			s.log.Warn("closing the previous trunks", "error", err)
		}
	}
	s.log.Info("configuration reloaded", "users", len(cfg.Users), "trunks", len(cfg.Routing.Trunks),
		"dialplan_rules", len(cfg.Routing.Dialplan), "trunks_restarted", fresh != nil)
	return nil
}

// rebuildRouter recompiles routing after a user's policy changed.
func (s *Server) rebuildRouter() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.routing()
	r, err := newRouter(old.cfg, s.users.allPolicies(), old.trunks)
	if err != nil {
		return fmt.Errorf("routing after user change: %w", err)
	}
	s.rt.Store(r)
	return nil
}
