package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
)

// fakeBackend is an in-memory Backend. With leakPasswords it breaks the
// Backend contract and hands stored passwords back, to prove the handler
// strips them anyway.
type fakeBackend struct {
	mu            sync.Mutex
	calls         map[string]CallInfo
	hungUp        map[string]string
	hangupErr     error
	regs          []Registration
	regsErr       error
	lastRegUser   string
	users         map[string]User
	usersErr      error
	trunks        []TrunkStatus
	reloads       int
	reloadErr     error
	leakPasswords bool
}

var fakeNameRE = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

func newFake() *fakeBackend {
	return &fakeBackend{
		calls:  map[string]CallInfo{},
		hungUp: map[string]string{},
		users:  map[string]User{},
	}
}

func (f *fakeBackend) Calls() []CallInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CallInfo
	for _, c := range f.calls {
		out = append(out, c)
	}
	return out
}

func (f *fakeBackend) Call(id string) (CallInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.calls[id]
	return c, ok
}

func (f *fakeBackend) Hangup(id, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hangupErr != nil {
		return f.hangupErr
	}
	if _, ok := f.calls[id]; !ok {
		return fmt.Errorf("call %s: %w", id, ErrNotFound)
	}
	delete(f.calls, id)
	f.hungUp[id] = reason
	return nil
}

func (f *fakeBackend) Registrations(ctx context.Context, user string) ([]Registration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastRegUser = user
	if f.regsErr != nil {
		return nil, f.regsErr
	}
	var out []Registration
	for _, r := range f.regs {
		if user == "" || r.AOR == "sip:"+user+"@example.com" {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeBackend) strip(u User) User {
	if !f.leakPasswords {
		u.Password = ""
	}
	return u
}

func (f *fakeBackend) Users() ([]User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.usersErr != nil {
		return nil, f.usersErr
	}
	var out []User
	for _, u := range f.users {
		out = append(out, f.strip(u))
	}
	return out, nil
}

func (f *fakeBackend) User(name string) (User, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.usersErr != nil {
		return User{}, false, f.usersErr
	}
	u, ok := f.users[name]
	return f.strip(u), ok, nil
}

func (f *fakeBackend) PutUser(u User) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.usersErr != nil {
		return false, f.usersErr
	}
	if !fakeNameRE.MatchString(u.Name) {
		return false, fmt.Errorf("%w: user name %q: want 1-64 of a-z 0-9 . _ -", ErrInvalid, u.Name)
	}
	if u.MaxCalls < 0 {
		return false, fmt.Errorf("%w: max_calls must not be negative", ErrInvalid)
	}
	old, exists := f.users[u.Name]
	if u.Password == "" {
		if !exists {
			return false, fmt.Errorf("%w: a new user needs a password", ErrInvalid)
		}
		u.Password = old.Password
	}
	f.users[u.Name] = u
	return !exists, nil
}

func (f *fakeBackend) DeleteUser(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.usersErr != nil {
		return f.usersErr
	}
	if _, ok := f.users[name]; !ok {
		return fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	delete(f.users, name)
	return nil
}

func (f *fakeBackend) Trunks() []TrunkStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]TrunkStatus(nil), f.trunks...)
}

func (f *fakeBackend) Reload(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reloadErr != nil {
		return f.reloadErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.reloads++
	return nil
}

// errStore is a backend failure that is neither ErrNotFound nor
// ErrInvalid.
var errStore = errors.New("store unavailable")
