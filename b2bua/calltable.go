package b2bua

import (
	"context"
	"sync"
	"time"
)

// callTable indexes live calls by dialog and counts them for limits.
type callTable struct {
	mu       sync.RWMutex
	dialogs  map[string]*call // dialogKey → call
	calls    map[*call]struct{}
	perUser  map[string]int
	draining bool
}

func newCallTable() *callTable {
	return &callTable{dialogs: make(map[string]*call), calls: make(map[*call]struct{}), perUser: make(map[string]int)}
}

// admit registers c unless a limit is reached or the gateway drains.
func (t *callTable) admit(c *call, maxCalls, maxPerUser int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.draining:
		return unavailable("Shutting Down", ErrShutdown)
	case len(t.calls) >= maxCalls:
		return unavailable("Call Limit Reached", ErrTooManyCalls)
	case t.perUser[c.user] >= maxPerUser:
		return withStatus(486, "Too Many Calls", ErrTooManyCalls)
	}
	t.calls[c] = struct{}{}
	t.perUser[c.user]++
	return nil
}

// bind makes requests in dialog (callID, localTag) reach c.
func (t *callTable) bind(callID, localTag string, c *call) {
	t.mu.Lock()
	t.dialogs[dialogKey(callID, localTag)] = c
	t.mu.Unlock()
}

// lookup finds the call owning a dialog.
func (t *callTable) lookup(callID, localTag string) *call {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.dialogs[dialogKey(callID, localTag)]
}

// remove forgets c and its dialogs.
func (t *callTable) remove(c *call, keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if t.dialogs[k] == c {
			delete(t.dialogs, k)
		}
	}
	if _, ok := t.calls[c]; ok {
		delete(t.calls, c)
		if t.perUser[c.user]--; t.perUser[c.user] <= 0 {
			delete(t.perUser, c.user)
		}
	}
}

// count returns the number of live calls.
func (t *callTable) count() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.calls)
}

// snapshot lists live calls.
func (t *callTable) snapshot() []*call {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*call, 0, len(t.calls))
	for c := range t.calls {
		out = append(out, c)
	}
	return out
}

// drainCalls refuses new calls, lets active ones finish until shortly
// before ctx's deadline, then hangs up the rest and waits for them.
func (s *Server) drainCalls(ctx context.Context) {
	s.calls.mu.Lock()
	s.calls.draining = true
	s.calls.mu.Unlock()
	grace := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok {
		grace = d.Add(-time.Until(d) / 3)
	}
	for s.calls.count() > 0 && time.Now().Before(grace) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range s.calls.snapshot() {
		c.post(func() { c.hangup(ErrShutdown) })
	}
	for s.calls.count() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
}

// ActiveCalls returns how many calls are in progress.
func (s *Server) ActiveCalls() int { return s.calls.count() }
