package accounts

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bucket holds one JSON record per account, keyed by name.
var bucket = []byte("accounts")

// Bolt is a Store in a bbolt file.
type Bolt struct {
	db   *bolt.DB
	once sync.Once
	err  error
}

// OpenBolt opens or creates the account file at path (mode 0600, parent
// directories 0700).
func OpenBolt(path string) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("accounts: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("accounts: open %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// All returns every account, sorted by name (bbolt keeps keys sorted).
func (b *Bolt) All() ([]Account, error) {
	var out []Account
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil || a.Name != string(k) {
				return fmt.Errorf("%w: %q", ErrCorrupt, k)
			}
			out = append(out, a)
			return nil
		})
	})
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return nil, ErrClosed
	}
	return out, err
}

// Put creates or replaces an account.
func (b *Bolt) Put(a Account) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	err = b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(a.Name), raw) })
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Delete removes an account.
func (b *Bolt) Delete(name string) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		if bk.Get([]byte(name)) == nil {
			return ErrNotFound
		}
		return bk.Delete([]byte(name))
	})
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Close closes the file; idempotent.
func (b *Bolt) Close() error {
	b.once.Do(func() { b.err = b.db.Close() })
	return b.err
}
