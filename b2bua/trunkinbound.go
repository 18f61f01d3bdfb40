package b2bua

import (
	"fmt"
	"strings"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/emiago/sipgo/sip"
)

// handleTrunkInvite starts a call a trunk sends to one of our numbers
// (DIDs). The trunk is trusted by its source address, so no challenge is
// sent; the DID decides who rings. Every binding of every member rings at
// once and the first to answer wins; the others get CANCEL (RFC 3261 §16.7
// forking, done by the B2BUA).
func (s *Server) handleTrunkInvite(req *sip.Request, tx sip.ServerTransaction, t *trunk.Trunk) error {
	name := t.Config().Name
	// RFC 3261 §17.2.1: stop the carrier's retransmissions at once.
	s.reply(req, tx, 100, "Trying")
	did := s.routing().did(req, t)
	members := s.routing().members(did)
	if len(members) == 0 {
		return withStatus(404, "", fmt.Errorf("%w: trunk %s called %q", ErrUnknownDID, name, did))
	}
	var bindings []location.Binding
	for _, m := range members {
		bs, err := s.store.Lookup(s.ctx, location.CanonicalAOR(m, s.cfg.Domain), timeNow())
		if err != nil {
			return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
		}
		bindings = append(bindings, bs...)
	}
	if len(bindings) == 0 {
		return withStatus(480, "", fmt.Errorf("%w: nobody of %s is registered for DID %q", ErrNotRegistered, strings.Join(members, ","), did))
	}
	if err := s.checkSessionInterval(req); err != nil {
		return err
	}
	if !t.Acquire() {
		return unavailable("Trunk Call Limit", fmt.Errorf("%w: trunk %s is at its call limit", ErrTooManyCalls, name))
	}
	c, err := s.newCall(req, tx, "trunk:"+name)
	if err != nil {
		t.Release()
		return err
	}
	if err := s.calls.admit(c, s.cfg.Calls.MaxCalls, int(^uint(0)>>1)); err != nil {
		t.Release()
		c.release()
		return err
	}
	c.inbound = t
	c.log.Info("call from trunk", "trunk", name, "did", did, "ringing", strings.Join(members, ","))
	s.counters.started.Add(1)
	c.run(bindings)
	return nil
}
