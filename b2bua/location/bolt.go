package location

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bucketName is the bbolt bucket holding one record per persistent binding,
// keyed by AOR, NUL, Contact.
var bucketName = []byte("bindings")

// defaultLockTimeout is the default BoltOptions.Timeout.
const defaultLockTimeout = 2 * time.Second

// BoltOptions configures OpenBolt. The zero value is ready to use.
type BoltOptions struct {
	// Timeout bounds the wait for the file lock; a file still held by
	// another handle after it makes OpenBolt fail with ErrLocked.
	// Zero means 2s.
	Timeout time.Duration
	// Logger receives load and repair messages; nil means slog.Default().
	Logger *slog.Logger
}

// Bolt is a persistent Store. Every binding lives in an embedded Memory that
// serves all reads; persistent bindings (Binding.Persistent) are also written
// through to a bbolt file, so they are restored by the next OpenBolt.
// WebSocket bindings are kept in memory only.
type Bolt struct {
	mem *Memory
	db  *bolt.DB
	log *slog.Logger

	// wmu serialises writers so that the plan computed from mem, the file
	// transaction and the change to mem happen as one step.
	wmu    sync.Mutex
	closed bool
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens or creates the database file at path (mode 0600, parent
// directories created 0700) and loads its bindings. Expired records,
// records of non-persistent bindings and corrupt records are deleted from
// the file; corrupt ones are logged.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultLockTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("location: create %s: %w", dir, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("location: open %s: %w after %v", path, ErrLocked, opts.Timeout)
		}
		return nil, fmt.Errorf("location: open %s: %w", path, err)
	}
	s := &Bolt{mem: NewMemory(), db: db, log: log}
	if err := s.load(time.Now()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("location: load %s: %w", path, err)
	}
	return s, nil
}

// load reads every record into mem and deletes the ones that must not be
// restored.
func (s *Bolt) load(now time.Time) error {
	var loaded, dropped, corrupt int
	err := s.db.Update(func(tx *bolt.Tx) error {
		bkt, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		var drop [][]byte
		m := s.mem
		err = bkt.ForEach(func(k, v []byte) error {
			b, err := decodeRecord(v)
			if err == nil && string(k) != string(dbKey(b.AOR, b.Contact)) {
				err = fmt.Errorf("%w: key does not match record", ErrCorrupt)
			}
			switch {
			case err != nil:
				corrupt++
				s.log.Warn("location: dropping corrupt binding record", "key", printableKey(k), "error", err)
			case !b.Persistent(), !b.Expires.After(now):
				dropped++
			default:
				// Two records of one flow (RFC 5626 §6) cannot both be
				// current; the later one in key order wins.
				rep := m.putPlanLocked(&b)
				for _, r := range rep {
					drop = append(drop, dbKey(r.AOR, r.Contact))
				}
				m.applyLocked(rep, &b)
				loaded++
				return nil
			}
			drop = append(drop, append([]byte(nil), k...))
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range drop {
			if err := bkt.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.log.Info("location: bindings loaded", "loaded", loaded, "dropped_expired", dropped, "dropped_corrupt", corrupt)
	return nil
}

// printableKey renders a bbolt key for logging.
func printableKey(k []byte) string {
	const limit = 256
	if len(k) > limit {
		k = k[:limit]
	}
	return fmt.Sprintf("%q", k)
}

// Lookup implements Store; it is served from memory.
func (s *Bolt) Lookup(ctx context.Context, aor string, now time.Time) ([]Binding, error) {
	return s.mem.Lookup(ctx, aor, now)
}

// All implements Store; it is served from memory.
func (s *Bolt) All(ctx context.Context) ([]Binding, error) {
	return s.mem.All(ctx)
}

// Put implements Store.
func (s *Bolt) Put(ctx context.Context, b Binding) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.normalize(s.mem.now()); err != nil {
		return err
	}
	_, err := s.mutate(func(m *Memory) []Binding { return m.putPlanLocked(&b) }, &b)
	return err
}

// Remove implements Store.
func (s *Bolt) Remove(ctx context.Context, aor, contact string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.mutate(func(m *Memory) []Binding { return m.removePlanLocked(aor, contact) }, nil)
	return err
}

// RemoveAOR implements Store.
func (s *Bolt) RemoveAOR(ctx context.Context, aor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.mutate(func(m *Memory) []Binding { return m.aorPlanLocked(aor) }, nil)
	return err
}

// RemoveConn implements Store.
func (s *Bolt) RemoveConn(ctx context.Context, connID string) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.mutate(func(m *Memory) []Binding { return m.connPlanLocked(connID) }, nil)
}

// Expire implements Store.
func (s *Bolt) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	removed, err := s.mutate(func(m *Memory) []Binding { return m.expirePlanLocked(now) }, nil)
	return len(removed), err
}

// Close implements Store: it closes the database file. It is idempotent.
func (s *Bolt) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	_ = s.mem.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("location: close: %w", err)
	}
	return nil
}

// mutate removes the bindings chosen by plan and then stores add (if not
// nil): first in the file (persistent bindings only), then in memory. If the
// file cannot be written, memory is left unchanged. It returns the removed
// bindings.
func (s *Bolt) mutate(plan func(*Memory) []Binding, add *Binding) ([]Binding, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	m := s.mem
	m.mu.RLock()
	removed := plan(m)
	m.mu.RUnlock()
	if len(removed) == 0 && add == nil {
		return nil, nil
	}
	if needsWrite(removed, add) {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bkt := tx.Bucket(bucketName)
			if bkt == nil {
				return fmt.Errorf("%w: bucket %q missing", ErrCorrupt, bucketName)
			}
			for i := range removed {
				if removed[i].Persistent() {
					if err := bkt.Delete(dbKey(removed[i].AOR, removed[i].Contact)); err != nil {
						return err
					}
				}
			}
			if add != nil && add.Persistent() {
				return bkt.Put(dbKey(add.AOR, add.Contact), encodeRecord(add))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("location: write: %w", err)
		}
	}
	m.mu.Lock()
	m.applyLocked(removed, add)
	m.mu.Unlock()
	return removed, nil
}

// needsWrite reports whether the change touches any persistent binding.
func needsWrite(removed []Binding, add *Binding) bool {
	if add != nil && add.Persistent() {
		return true
	}
	for i := range removed {
		if removed[i].Persistent() {
			return true
		}
	}
	return false
}
