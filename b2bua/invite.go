package b2bua

import (
	"errors"
	"fmt"
	"strings"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/emiago/sipgo/sip"
)

// handleInvite starts a call for a dialog-creating INVITE, or hands a
// re-INVITE to the call that owns its dialog. A new call comes from a trunk
// (recognised by its source) or from an authenticated user; it goes to a
// local user's bindings or, through the dialplan, to trunks.
func (s *Server) handleInvite(req *sip.Request, tx sip.ServerTransaction) error {
	if toTag(req) != "" {
		return s.handleInDialog(req, tx)
	}
	// RFC 3261 §16.3 step 2: a request with no hops left is not forwarded.
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
		return withStatus(483, "", ErrLoop)
	}
	if t := s.routing().fromTrunk(req); t != nil {
		return s.handleTrunkInvite(req, tx, t)
	}
	if !s.servesHost(req.Recipient.Host) {
		return withStatus(404, "Domain Not Served", fmt.Errorf("%w: %s", ErrUnknownDomain, req.Recipient.Host))
	}
	who, err := s.authenticateCaller(req)
	if err != nil {
		return err
	}
	user := who.user
	// The caller may call only as itself: its From user is the identity it
	// authenticated with (no spoofed caller IDs).
	if req.From().Address.User != user {
		return withStatus(403, "Identity Mismatch", fmt.Errorf("%w: authenticated %q but From is %q", ErrNotAuthorized, user, req.From().Address.User))
	}
	// RFC 3261 §17.2.1: answer 100 at once so the caller stops retransmitting.
	s.reply(req, tx, 100, "Trying")
	if req.GetHeader("Replaces") != nil {
		return s.handleReplaces(req, tx, user)
	}

	target := req.Recipient.User
	if !who.mayCall(target) {
		return withStatus(403, "Destination Not Allowed", fmt.Errorf("%w: %q", ErrDestinationNotAllowed, target))
	}
	if target == "" {
		return withStatus(404, "", fmt.Errorf("%w: empty Request-URI user", ErrNoSuchUser))
	}
	configured := s.users.exists(target)
	var bindings []location.Binding
	if configured || s.cfg.Auth.Tokens.Secret != "" {
		aor := location.CanonicalAOR(target, s.cfg.Domain)
		bindings, err = s.store.Lookup(s.ctx, aor, timeNow())
		if err != nil {
			return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
		}
		if len(bindings) == 0 && configured {
			return withStatus(480, "", fmt.Errorf("%w: %s", ErrNotRegistered, aor))
		}
	}
	if err := s.checkSessionInterval(req); err != nil {
		return err
	}
	if len(bindings) == 0 {
		// Not a local user (users who sign in with tokens exist only while
		// registered): a number for the phone network, or nobody.
		return s.startTrunkCall(req, tx, user, target)
	}
	c, err := s.admitCall(req, tx, user)
	if err != nil {
		return err
	}
	s.counters.started.Add(1)
	c.run(bindings)
	return nil
}

// startTrunkCall places an authenticated user's call to a number through
// the dialplan's trunks; a number no rule routes is not found (404), one
// the user may not call is forbidden (403).
func (s *Server) startTrunkCall(req *sip.Request, tx sip.ServerTransaction, user, number string) error {
	rt, err := s.routing().route(user, number)
	if err != nil {
		if errors.Is(err, ErrNoRoute) {
			// Without a route the number is just an unknown user.
			return withStatus(404, "", fmt.Errorf("%w: %q: %w", ErrNoSuchUser, number, err))
		}
		return err
	}
	c, err := s.admitCall(req, tx, user)
	if err != nil {
		return err
	}
	c.plan = &trunkPlan{route: rt}
	c.log.Info("routing to trunks", "rule", rt.Rule, "dialled", number, "number", rt.Number, "trunks", strings.Join(rt.Trunks, ","))
	s.counters.started.Add(1)
	c.run(nil)
	return nil
}

// toTag returns the To tag of a request, "" outside a dialog.
func toTag(req *sip.Request) string {
	if to := req.To(); to != nil {
		if t, ok := to.Params.Get("tag"); ok {
			return t
		}
	}
	return ""
}

// fromTag returns the From tag of a message.
func fromTag(m interface{ From() *sip.FromHeader }) string {
	if f := m.From(); f != nil {
		if t, ok := f.Params.Get("tag"); ok {
			return t
		}
	}
	return ""
}

// contentType returns the Content-Type value or "".
func contentType(m interface{ ContentType() *sip.ContentTypeHeader }) string {
	if h := m.ContentType(); h != nil {
		return strings.TrimSpace(h.Value())
	}
	return ""
}

// isSDP reports whether a body is an SDP session description.
func isSDP(body []byte, ctype string) bool {
	return len(body) > 0 && (ctype == "" || strings.HasPrefix(strings.ToLower(ctype), "application/sdp"))
}

// admitCall makes the call for an authenticated INVITE and admits it
// within the global and per-user call limits (503 and 486 beyond them).
func (s *Server) admitCall(req *sip.Request, tx sip.ServerTransaction, user string) (*call, error) {
	c, err := s.newCall(req, tx, user)
	if err != nil {
		return nil, err
	}
	if err := s.calls.admit(c, s.cfg.Calls.MaxCalls, s.routing().callLimit(user, s.cfg.Calls.MaxCallsPerUser)); err != nil {
		c.release()
		return nil, err
	}
	return c, nil
}
