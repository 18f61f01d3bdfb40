package location

import (
	"context"
	"time"
)

// Store is the location service: the set of bindings of every AOR
// (RFC 3261 §10.2). Implementations are safe for concurrent use.
type Store interface {
	// Lookup returns the unexpired bindings of aor (Expires after now),
	// sorted by Q descending, then most recently updated first, then by
	// Contact. An unknown aor yields an empty result and no error.
	Lookup(ctx context.Context, aor string, now time.Time) ([]Binding, error)

	// Put inserts or replaces the binding identified by (AOR, Contact)
	// (RFC 3261 §10.3 step 8). When b.InstanceID is set, other bindings of
	// the same AOR for the same flow are replaced as well: those with the
	// same (InstanceID, RegID) when b.RegID != 0 (RFC 5626 §6), or with the
	// same InstanceID when b.RegID == 0 (RFC 5626 §6, RFC 5627).
	// A zero Q is stored as 1.0 and a zero UpdatedAt as the current time.
	Put(ctx context.Context, b Binding) error

	// Remove deletes the binding (aor, contact); it is not an error if the
	// binding does not exist.
	Remove(ctx context.Context, aor, contact string) error

	// RemoveAOR deletes every binding of aor, as for "Contact: *" with
	// "Expires: 0" (RFC 3261 §10.3 step 6).
	RemoveAOR(ctx context.Context, aor string) error

	// RemoveConn deletes every binding whose ConnID equals connID and
	// returns them sorted by AOR then Contact. An empty connID matches
	// nothing.
	RemoveConn(ctx context.Context, connID string) ([]Binding, error)

	// Expire deletes every binding whose Expires is not after now and
	// returns how many were deleted.
	Expire(ctx context.Context, now time.Time) (int, error)

	// All returns every stored binding, expired or not, sorted by AOR then
	// Contact.
	All(ctx context.Context) ([]Binding, error)

	// Close releases the store. It is idempotent; every other method
	// returns ErrClosed afterwards.
	Close() error
}
