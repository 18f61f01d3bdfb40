package metrics

import "sync/atomic"

// children caches the per-label-set children of one metric vector in a
// fixed table indexed by label slot, so hot paths neither hash label values
// nor allocate. Slots are filled on first use, which keeps unused label
// combinations out of the exposition.
type children[T any] struct {
	slots []atomic.Pointer[T]
	mk    func(slot int) T
}

// newChildren returns a cache of n slots whose children mk creates.
func newChildren[T any](n int, mk func(slot int) T) *children[T] {
	return &children[T]{slots: make([]atomic.Pointer[T], n), mk: mk}
}

// get returns the child in slot i, creating it on first use. Creating the
// same child twice concurrently is harmless: a vector's WithLabelValues is
// idempotent, so both racers get the same child.
func (c *children[T]) get(i int) T {
	if p := c.slots[i].Load(); p != nil {
		return *p
	}
	v := c.mk(i)
	c.slots[i].CompareAndSwap(nil, &v)
	return *c.slots[i].Load()
}
