package location

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Memory is an in-memory Store, safe for concurrent use. Bindings are
// indexed by AOR (each AOR's bindings kept in Lookup order) and by ConnID.
// The zero value is not usable; call NewMemory.
type Memory struct {
	mu     sync.RWMutex
	closed bool
	aors   map[string][]Binding               // per AOR, sorted by before
	conns  map[string]map[bindingKey]struct{} // ConnID -> bindings on it
	now    func() time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{
		aors:  make(map[string][]Binding),
		conns: make(map[string]map[bindingKey]struct{}),
		now:   time.Now,
	}
}

// Lookup implements Store. It allocates only the returned slice.
func (m *Memory) Lookup(ctx context.Context, aor string, now time.Time) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	list := m.aors[aor]
	n := 0
	for i := range list {
		if list[i].Expires.After(now) {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]Binding, 0, n)
	for i := range list {
		if list[i].Expires.After(now) {
			out = append(out, list[i])
		}
	}
	return out, nil
}

// Put implements Store.
func (m *Memory) Put(ctx context.Context, b Binding) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.normalize(m.now()); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.applyLocked(m.putPlanLocked(&b), &b)
	return nil
}

// Remove implements Store.
func (m *Memory) Remove(ctx context.Context, aor, contact string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.removeLocked(bindingKey{aor, contact})
	return nil
}

// RemoveAOR implements Store.
func (m *Memory) RemoveAOR(ctx context.Context, aor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.applyLocked(m.aorPlanLocked(aor), nil)
	return nil
}

// RemoveConn implements Store.
func (m *Memory) RemoveConn(ctx context.Context, connID string) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	removed := m.connPlanLocked(connID)
	m.applyLocked(removed, nil)
	return removed, nil
}

// Expire implements Store.
func (m *Memory) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	removed := m.expirePlanLocked(now)
	m.applyLocked(removed, nil)
	return len(removed), nil
}

// All implements Store.
func (m *Memory) All(ctx context.Context) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	n := 0
	for _, list := range m.aors {
		n += len(list)
	}
	out := make([]Binding, 0, n)
	for _, list := range m.aors {
		out = append(out, list...)
	}
	sortByKey(out)
	return out, nil
}

// Close implements Store. It drops every binding.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.aors = nil
	m.conns = nil
	return nil
}

// sortByKey sorts bindings by AOR then Contact.
func sortByKey(bs []Binding) {
	slices.SortFunc(bs, func(a, b Binding) int {
		if c := cmp.Compare(a.AOR, b.AOR); c != 0 {
			return c
		}
		return cmp.Compare(a.Contact, b.Contact)
	})
}

// The *PlanLocked methods compute which bindings an operation removes
// without changing anything; applyLocked then performs the change. Bolt
// uses the split to write its file between the two steps. Callers hold
// m.mu (read lock suffices for the plans).

// putPlanLocked returns the existing bindings that storing b replaces.
func (m *Memory) putPlanLocked(b *Binding) []Binding {
	var out []Binding
	list := m.aors[b.AOR]
	for i := range list {
		if replaces(b, &list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}

// removePlanLocked returns the binding (aor, contact) if it exists.
func (m *Memory) removePlanLocked(aor, contact string) []Binding {
	list := m.aors[aor]
	for i := range list {
		if list[i].Contact == contact {
			return []Binding{list[i]}
		}
	}
	return nil
}

// aorPlanLocked returns every binding of aor.
func (m *Memory) aorPlanLocked(aor string) []Binding {
	return slices.Clone(m.aors[aor])
}

// connPlanLocked returns the bindings on connID, sorted by AOR, Contact.
func (m *Memory) connPlanLocked(connID string) []Binding {
	if connID == "" {
		return nil
	}
	keys := m.conns[connID]
	if len(keys) == 0 {
		return nil
	}
	out := make([]Binding, 0, len(keys))
	for k := range keys {
		if b, ok := m.getLocked(k); ok {
			out = append(out, b)
		}
	}
	sortByKey(out)
	return out
}

// expirePlanLocked returns every binding with Expires not after now.
func (m *Memory) expirePlanLocked(now time.Time) []Binding {
	var out []Binding
	for _, list := range m.aors {
		for i := range list {
			if !list[i].Expires.After(now) {
				out = append(out, list[i])
			}
		}
	}
	sortByKey(out)
	return out
}

// applyLocked removes the bindings in remove (by key) and then inserts add
// if it is not nil. The caller holds m.mu for writing.
func (m *Memory) applyLocked(remove []Binding, add *Binding) {
	for i := range remove {
		m.removeLocked(remove[i].key())
	}
	if add != nil {
		m.insertLocked(*add)
	}
}

func (m *Memory) getLocked(k bindingKey) (Binding, bool) {
	list := m.aors[k.aor]
	for i := range list {
		if list[i].Contact == k.contact {
			return list[i], true
		}
	}
	return Binding{}, false
}

// insertLocked adds b, which must not already be present, keeping the AOR's
// list in Lookup order.
func (m *Memory) insertLocked(b Binding) {
	list := m.aors[b.AOR]
	i, _ := slices.BinarySearchFunc(list, &b, func(e Binding, t *Binding) int {
		if before(&e, t) {
			return -1
		}
		return 1
	})
	m.aors[b.AOR] = slices.Insert(list, i, b)
	if b.ConnID != "" {
		set := m.conns[b.ConnID]
		if set == nil {
			set = make(map[bindingKey]struct{})
			m.conns[b.ConnID] = set
		}
		set[b.key()] = struct{}{}
	}
}

// removeLocked deletes the binding k if present.
func (m *Memory) removeLocked(k bindingKey) {
	list := m.aors[k.aor]
	i := slices.IndexFunc(list, func(e Binding) bool { return e.Contact == k.contact })
	if i < 0 {
		return
	}
	connID := list[i].ConnID
	list = slices.Delete(list, i, i+1)
	if len(list) == 0 {
		delete(m.aors, k.aor)
	} else {
		m.aors[k.aor] = list
	}
	if connID != "" {
		if set := m.conns[connID]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(m.conns, connID)
			}
		}
	}
}
