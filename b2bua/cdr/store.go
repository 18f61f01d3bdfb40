package cdr

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bucketName is the bbolt bucket holding one JSON record per call.
var bucketName = []byte("cdr")

// store keeps records in a bbolt file, keyed by recordKey.
type store struct {
	db  *bolt.DB
	log *slog.Logger
}

// openStore opens or creates the database at path and its bucket.
func openStore(path string, log *slog.Logger) (*store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cdr: create directory of %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: defaultLockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("cdr: open %s: %w after %v", path, ErrLocked, defaultLockTimeout)
		}
		return nil, fmt.Errorf("cdr: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("cdr: open %s: %w", path, err)
	}
	return &store{db: db, log: log}, nil
}

// timeKey encodes t as 8 bytes that sort like the times: nanoseconds since
// 1970 as big-endian uint64 with the sign bit flipped, so that times before
// 1970 sort first.
func timeKey(t time.Time) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(t.UnixNano())^(1<<63))
	return k[:]
}

// recordKey is the database key of a record: timeKey(End) then CallID, so
// keys sort by end time and two calls ending in the same nanosecond stay
// distinct. Writing a record again with the same End and CallID replaces it.
func recordKey(rec *Record) []byte {
	return append(timeKey(rec.End), rec.CallID...)
}

// put stores the JSON encodings of recs in one transaction: one sync to
// disk for the lot, where a transaction per record would cost each call a
// disk sync at hundreds of calls a second.
func (s *store) put(recs []Record, values [][]byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName)
		for i := range recs {
			if err := b.Put(recordKey(&recs[i]), values[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// list returns up to limit records (all when limit <= 0) whose End is not
// before since, oldest first. Undecodable records are skipped and logged.
func (s *store) list(since time.Time, limit int) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketName).Cursor()
		for k, v := c.Seek(timeKey(since)); k != nil; k, v = c.Next() {
			var rec Record
			if err := json.Unmarshal(v, &rec); err != nil {
				s.log.Warn("cdr: skipping undecodable record", "key", fmt.Sprintf("%x", k), "error", err)
				continue
			}
			out = append(out, rec)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// prune deletes the records that ended before t and returns their number.
func (s *store) prune(t time.Time) (int, error) {
	end := timeKey(t)
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName)
		// Keys are collected first: deleting while a cursor walks forward
		// would make it skip entries.
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			old = append(old, bytes.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

func (s *store) close() error { return s.db.Close() }
