package accounts

import (
	"errors"
	"path/filepath"
	"testing"
)

func exercise(t *testing.T, s Store) {
	t.Helper()
	if err := s.Put(Account{Name: "bob", Realm: "r", HA1MD5: "b", Allow: []string{"^0"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(Account{Name: "alice", Realm: "r", HA1MD5: "a", MaxCalls: 2}); err != nil {
		t.Fatal(err)
	}
	all, err := s.All()
	if err != nil || len(all) != 2 || all[0].Name != "alice" || all[1].Allow[0] != "^0" {
		t.Fatalf("All = %+v, %v", all, err)
	}
	if err := s.Delete("bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestMemory(t *testing.T) {
	m := NewMemory()
	exercise(t, m)
	_ = m.Close()
	if _, err := m.All(); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestBoltPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.db")
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	b, err = OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	all, err := b.All()
	if err != nil || len(all) != 1 || all[0].Name != "alice" || all[0].MaxCalls != 2 {
		t.Fatalf("after reopen: %+v, %v", all, err)
	}
}
