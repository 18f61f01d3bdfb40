package location

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// t0 is a fixed reference time for tests that do not reopen a Bolt file.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// storeKind opens a fresh Store of one implementation.
type storeKind struct {
	name string
	open func(t testing.TB) Store
}

func storeKinds() []storeKind {
	return []storeKind{
		{"Memory", func(t testing.TB) Store {
			s := NewMemory()
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"Bolt", func(t testing.TB) Store {
			s, err := OpenBolt(filepath.Join(t.TempDir(), "location.db"), BoltOptions{Logger: discardLogger()})
			if err != nil {
				t.Fatalf("OpenBolt: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
	}
}

// bnd returns a valid UDP binding expiring an hour after t0.
func bnd(aor, contact string) Binding {
	return Binding{
		AOR:       aor,
		Contact:   contact,
		Expires:   t0.Add(time.Hour),
		Q:         1,
		CallID:    "call-" + contact,
		CSeq:      1,
		Transport: "UDP",
		Source:    "192.0.2.1:5060",
		UpdatedAt: t0,
	}
}

func mustPut(t testing.TB, s Store, bs ...Binding) {
	t.Helper()
	for _, b := range bs {
		if err := s.Put(context.Background(), b); err != nil {
			t.Fatalf("Put(%s, %s): %v", b.AOR, b.Contact, err)
		}
	}
}

func mustLookup(t testing.TB, s Store, aor string, now time.Time) []Binding {
	t.Helper()
	bs, err := s.Lookup(context.Background(), aor, now)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", aor, err)
	}
	return bs
}

func mustAll(t testing.TB, s Store) []Binding {
	t.Helper()
	bs, err := s.All(context.Background())
	if err != nil {
		t.Fatalf("All: %v", err)
	}
	return bs
}

// contacts returns the Contact of each binding, in order.
func contacts(bs []Binding) []string {
	out := make([]string, len(bs))
	for i := range bs {
		out[i] = bs[i].Contact
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func wantContacts(t testing.TB, what string, got []Binding, want ...string) {
	t.Helper()
	if g := contacts(got); !equalStrings(g, want) {
		t.Fatalf("%s: contacts = %q, want %q", what, g, want)
	}
}

// sameBinding compares two bindings field by field, times by instant.
func sameBinding(a, b Binding) bool {
	return a.AOR == b.AOR && a.Contact == b.Contact && a.Expires.Equal(b.Expires) &&
		a.Q == b.Q && a.CallID == b.CallID && a.CSeq == b.CSeq &&
		a.InstanceID == b.InstanceID && a.RegID == b.RegID && a.Transport == b.Transport &&
		a.Source == b.Source && a.ConnID == b.ConnID && a.UserAgent == b.UserAgent &&
		a.UpdatedAt.Equal(b.UpdatedAt)
}
