package b2bua

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/callgate/callgate/b2bua/admin"
	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/trunk"
)

// AdminBackend is what the admin API drives on this gateway; reload
// rereads the configuration (in cmd, which owns the file) and applies it
// with Reload.
func (s *Server) AdminBackend(reload func(ctx context.Context) error) admin.Backend {
	return &adminBackend{s: s, reload: reload}
}

// adminBackend implements admin.Backend over a Server.
type adminBackend struct {
	s      *Server
	reload func(ctx context.Context) error
}

var _ admin.Backend = (*adminBackend)(nil)

// Calls lists the active calls, asking each call's goroutine.
func (a *adminBackend) Calls() []admin.CallInfo {
	var out []admin.CallInfo
	for _, c := range a.s.calls.snapshot() {
		if info, ok := c.info(); ok {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(x, y admin.CallInfo) int { return x.Start.Compare(y.Start) })
	return out
}

// Call returns one active call.
func (a *adminBackend) Call(id string) (admin.CallInfo, bool) {
	c := a.s.callByID(id)
	if c == nil {
		return admin.CallInfo{}, false
	}
	return c.info()
}

// Hangup ends a call from the gateway's side: BYE or CANCEL to both legs.
func (a *adminBackend) Hangup(id, reason string) error {
	c := a.s.callByID(id)
	if c == nil {
		return fmt.Errorf("%w: call %q", admin.ErrNotFound, id)
	}
	c.log.Info("hang-up requested by the administrator", "reason", reason)
	if !c.post(func() { c.hangup(fmt.Errorf("%w: %s", ErrAdminHangup, reason)) }) {
		return fmt.Errorf("%w: call %q already ended", admin.ErrNotFound, id)
	}
	return nil
}

// Registrations lists current bindings, of one user or of all.
func (a *adminBackend) Registrations(ctx context.Context, user string) ([]admin.Registration, error) {
	var bs []location.Binding
	var err error
	if user != "" {
		bs, err = a.s.store.Lookup(ctx, location.CanonicalAOR(user, a.s.cfg.Domain), timeNow())
	} else {
		bs, err = a.s.store.All(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	now := timeNow()
	out := make([]admin.Registration, 0, len(bs))
	for _, b := range bs {
		if !b.Expires.After(now) {
			continue
		}
		out = append(out, admin.Registration{AOR: b.AOR, Contact: b.Contact, Transport: b.Transport, Source: b.Source,
			UserAgent: b.UserAgent, Expires: b.Expires, InstanceID: b.InstanceID})
	}
	return out, nil
}

// Users lists every user without credentials.
func (a *adminBackend) Users() ([]admin.User, error) {
	names := a.s.users.names()
	out := make([]admin.User, 0, len(names))
	for _, n := range names {
		out = append(out, a.user(n))
	}
	return out, nil
}

func (a *adminBackend) user(name string) admin.User {
	p := a.s.users.policy(name)
	return admin.User{Name: name, Allow: p.Allow, Groups: p.Groups, MaxCalls: p.MaxCalls}
}

// User returns one user without credentials.
func (a *adminBackend) User(name string) (admin.User, bool, error) {
	if !a.s.users.exists(name) {
		return admin.User{}, false, nil
	}
	return a.user(name), true, nil
}

// validUserName matches the user names callgate accepts in configuration.
var validUserName = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()*+,;=-]{1,64}$`)

// PutUser creates or replaces a run-time user and applies its policy to
// routing at once.
func (a *adminBackend) PutUser(u admin.User) (bool, error) {
	if !validUserName.MatchString(u.Name) {
		return false, fmt.Errorf("%w: %q is not a valid SIP user name", admin.ErrInvalid, u.Name)
	}
	if u.MaxCalls < 0 {
		return false, fmt.Errorf("%w: max_calls must not be negative", admin.ErrInvalid)
	}
	if _, err := patternSet(u.Allow); err != nil {
		return false, fmt.Errorf("%w: allow: %w", admin.ErrInvalid, err)
	}
	created, err := a.s.users.put(u.Name, u.Password, a.s.cfg.Auth.Realm, UserPolicy{Allow: u.Allow, Groups: u.Groups, MaxCalls: u.MaxCalls})
	if err != nil {
		if errors.Is(err, ErrUserReadOnly) || errors.Is(err, ErrBadUser) {
			return false, fmt.Errorf("%w: %w", admin.ErrInvalid, err)
		}
		return false, err
	}
	a.s.log.Info("user saved", "user", u.Name, "created", created, "password_changed", u.Password != "")
	return created, a.s.rebuildRouter()
}

// DeleteUser removes a run-time user; its registrations stay until they
// expire, but it can no longer authenticate.
func (a *adminBackend) DeleteUser(name string) error {
	if err := a.s.users.remove(name); err != nil {
		switch {
		case errors.Is(err, ErrNoSuchUser):
			return fmt.Errorf("%w: %w", admin.ErrNotFound, err)
		case errors.Is(err, ErrUserReadOnly):
			return fmt.Errorf("%w: %w", admin.ErrInvalid, err)
		}
		return err
	}
	a.s.log.Info("user deleted", "user", name)
	return a.s.rebuildRouter()
}

// Trunks reports every trunk's state.
func (a *adminBackend) Trunks() []admin.TrunkStatus {
	sts := a.s.TrunkStatus()
	out := make([]admin.TrunkStatus, 0, len(sts))
	for _, st := range sts {
		out = append(out, adminTrunk(st))
	}
	return out
}

// adminTrunk converts a trunk status for the API.
func adminTrunk(st trunk.Status) admin.TrunkStatus {
	t := admin.TrunkStatus{Name: st.Name, Up: st.Up, ActiveCalls: st.ActiveCalls, LastPingError: st.LastPingError,
		Registration: admin.TrunkRegistration{Enabled: st.Registration.Enabled, State: st.Registration.State, LastError: st.Registration.LastError}}
	if !st.LastPing.IsZero() {
		at := st.LastPing
		t.LastPing = &at
	}
	if !st.Registration.Expires.IsZero() {
		at := st.Registration.Expires
		t.Registration.Expires = &at
	}
	return t
}

// Reload rereads and applies the configuration.
func (a *adminBackend) Reload(ctx context.Context) error {
	if a.reload == nil {
		return errors.New("reload is not available")
	}
	return a.reload(ctx)
}

// callByID finds a live call by callgate's call ID.
func (s *Server) callByID(id string) *call {
	for _, c := range s.calls.snapshot() {
		if c.id == id {
			return c
		}
	}
	return nil
}

// info describes the call, read on its own goroutine; false when the call
// ended before it could answer.
func (c *call) info() (admin.CallInfo, bool) {
	ch := make(chan admin.CallInfo, 1)
	if !c.post(func() { ch <- c.describe() }) {
		return admin.CallInfo{}, false
	}
	select {
	case info := <-ch:
		return info, true
	case <-c.ctx.Done():
		return admin.CallInfo{}, false
	case <-time.After(2 * time.Second):
		return admin.CallInfo{}, false
	}
}

// describe is info's answer; it runs on the call's goroutine.
func (c *call) describe() admin.CallInfo {
	callerLeg, calleeLeg := c.legTypes()
	info := admin.CallInfo{ID: c.id, Caller: c.callerName(), Callee: c.calleeName(), CallerLeg: callerLeg, CalleeLeg: calleeLeg,
		Trunk: c.trunkName(), Start: c.started, CallerCallID: c.caller.callID}
	switch c.state {
	case stateRinging:
		info.State = admin.StateRinging
	case stateAnswered:
		info.State = admin.StateAnswered
	default:
		info.State = admin.StateClosing
	}
	if !c.life.answeredAt.IsZero() {
		at := c.life.answeredAt
		info.Answered = &at
	}
	if c.callee != nil {
		info.CalleeCallID = c.callee.callID
	}
	if c.winner != nil && c.winner.finalRes != nil {
		info.Codec = strings.TrimSpace(firstCodec(c.winner.finalRes.Body()))
	}
	return info
}
