package b2bua

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/callgate/callgate/b2bua/accounts"
	"github.com/callgate/callgate/b2bua/sipauth"
)

// directory holds the users the gateway knows: those of the configuration
// and those operators add at run time, which are persisted in an accounts
// store. Configured users win over stored ones of the same name. Lookups
// happen on every authenticated request, so reads take a read lock only.
type directory struct {
	mu       sync.RWMutex
	static   map[string]sipauth.Secret
	policies map[string]UserPolicy // configured policies
	stored   map[string]accounts.Account
	store    accounts.Store
}

// newDirectory loads the stored accounts beside the configured users.
func newDirectory(users map[string]sipauth.Secret, policies map[string]UserPolicy, store accounts.Store) (*directory, error) {
	if store == nil {
		store = accounts.NewMemory()
	}
	d := &directory{static: maps.Clone(users), policies: maps.Clone(policies), stored: map[string]accounts.Account{}, store: store}
	all, err := store.All()
	if err != nil {
		return nil, fmt.Errorf("%w: accounts: %w", ErrBadConfig, err)
	}
	for _, a := range all {
		d.stored[a.Name] = a
	}
	return d, nil
}

// secret returns a user's credentials.
func (d *directory) secret(name string) (sipauth.Secret, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if s, ok := d.static[name]; ok {
		return s, true
	}
	if a, ok := d.stored[name]; ok {
		return sipauth.Secret{HA1MD5: a.HA1MD5, HA1SHA256: a.HA1SHA256}, true
	}
	return sipauth.Secret{}, false
}

// exists reports whether name is a user.
func (d *directory) exists(name string) bool {
	_, ok := d.secret(name)
	return ok
}

// allPolicies merges the configured policies with the stored accounts'.
func (d *directory) allPolicies() map[string]UserPolicy {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := maps.Clone(d.policies)
	if out == nil {
		out = map[string]UserPolicy{}
	}
	for name, a := range d.stored {
		if _, ok := d.static[name]; ok {
			continue
		}
		out[name] = UserPolicy{Allow: slices.Clone(a.Allow), Groups: slices.Clone(a.Groups), MaxCalls: a.MaxCalls}
	}
	return out
}

// names lists every user, sorted.
func (d *directory) names() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := slices.Collect(maps.Keys(d.static))
	for n := range d.stored {
		if _, ok := d.static[n]; !ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// policy returns a user's effective policy.
func (d *directory) policy(name string) UserPolicy {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if p, ok := d.policies[name]; ok {
		return p
	}
	if a, ok := d.stored[name]; ok {
		return UserPolicy{Allow: slices.Clone(a.Allow), Groups: slices.Clone(a.Groups), MaxCalls: a.MaxCalls}
	}
	return UserPolicy{}
}

// put stores an account; password "" keeps a stored account's HA1s.
func (d *directory) put(name, password, realm string, p UserPolicy) (created bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.static[name]; ok {
		return false, fmt.Errorf("%w: %q is defined in the configuration file", ErrUserReadOnly, name)
	}
	old, exists := d.stored[name]
	a := accounts.Account{Name: name, Realm: realm, Allow: p.Allow, Groups: p.Groups, MaxCalls: p.MaxCalls}
	switch {
	case password != "":
		sec := sipauth.Secret{Password: password}
		a.HA1MD5, _ = sec.HA1(sipauth.MD5, name, realm)
		a.HA1SHA256, _ = sec.HA1(sipauth.SHA256, name, realm)
	case exists:
		a.HA1MD5, a.HA1SHA256, a.Realm = old.HA1MD5, old.HA1SHA256, old.Realm
	default:
		return false, fmt.Errorf("%w: a new user needs a password", ErrBadUser)
	}
	if err := d.store.Put(a); err != nil {
		return false, fmt.Errorf("%w: %w", ErrStore, err)
	}
	d.stored[name] = a
	return !exists, nil
}

// remove deletes a stored account.
func (d *directory) remove(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.static[name]; ok {
		return fmt.Errorf("%w: %q is defined in the configuration file", ErrUserReadOnly, name)
	}
	if _, ok := d.stored[name]; !ok {
		return fmt.Errorf("%w: %q", ErrNoSuchUser, name)
	}
	if err := d.store.Delete(name); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	delete(d.stored, name)
	return nil
}

// replaceStatic swaps in the configured users and policies (reload).
func (d *directory) replaceStatic(users map[string]sipauth.Secret, policies map[string]UserPolicy) {
	d.mu.Lock()
	d.static, d.policies = maps.Clone(users), maps.Clone(policies)
	d.mu.Unlock()
}

// withStatic returns the policies routing would have with these configured
// users and policies, without changing the directory (reload checks them
// before applying).
func (d *directory) withStatic(users map[string]sipauth.Secret, policies map[string]UserPolicy) map[string]UserPolicy {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := maps.Clone(policies)
	if out == nil {
		out = map[string]UserPolicy{}
	}
	for name, a := range d.stored {
		if _, ok := users[name]; ok {
			continue
		}
		out[name] = UserPolicy{Allow: slices.Clone(a.Allow), Groups: slices.Clone(a.Groups), MaxCalls: a.MaxCalls}
	}
	return out
}
