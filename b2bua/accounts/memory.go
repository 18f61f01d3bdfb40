package accounts

import (
	"slices"
	"strings"
	"sync"
)

// Memory is a Store that keeps accounts in memory only.
type Memory struct {
	mu     sync.Mutex
	byName map[string]Account
	closed bool
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{byName: map[string]Account{}} }

// All returns every account, sorted by name.
func (m *Memory) All() ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]Account, 0, len(m.byName))
	for _, a := range m.byName {
		out = append(out, clone(a))
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Put creates or replaces an account.
func (m *Memory) Put(a Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.byName[a.Name] = clone(a)
	return nil
}

// Delete removes an account.
func (m *Memory) Delete(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.byName[name]; !ok {
		return ErrNotFound
	}
	delete(m.byName, name)
	return nil
}

// Close releases the store.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// clone copies a's slices so callers cannot change stored data.
func clone(a Account) Account {
	a.Allow = slices.Clone(a.Allow)
	a.Groups = slices.Clone(a.Groups)
	return a
}
